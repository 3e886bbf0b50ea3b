"""``coach bench``: speed, memory and accuracy of ``coach analyze`` on the bundled sample calls.

Every call runs in a fresh Python process (``python -m coach.bench CALL``) so that its peak
memory is its own and the first run pays for loading the models, as a user's first call does.
In that process the call is analysed twice: ``cold`` (models loaded on the way) and ``warm``
(models already loaded: the steady state of a batch). ``x_realtime`` is audio seconds per wall
second. Accuracy (role attribution, WER per role, interruption and back-channel F1, and whether
summary_before_solution is right) is printed beside the speed so that no speed-up hides a loss
in quality.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from pathlib import Path

from .errors import CoachError

SAMPLES = Path(__file__).resolve().parent.parent / "audio_samples"


def measure_one(path: str) -> dict:
    """Analyse one call twice in this process; return timings, peak memory and accuracy."""
    from .evaluate import event_f1, role_attribution, role_wer
    from .pipeline import analyze_file

    t = time.perf_counter()
    cold = analyze_file(path)
    cold_s = time.perf_counter() - t
    t = time.perf_counter()
    warm = analyze_file(path)
    warm_s = time.perf_counter() - t
    result = {
        "call": Path(path).name, "duration_s": round(cold.call.duration_s, 2), "channels": cold.call.channels,
        "speaker_source": cold.call.speaker_source,
        "cold_x_realtime": round(cold.call.duration_s / cold_s, 2),
        "warm_x_realtime": round(warm.call.duration_s / warm_s, 2),
        "warm_stages_s": {k: v for k, v in warm.timings.items() if k.endswith("_s") and k != "total_s"},
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    truth_file = Path(path).with_suffix(".json")
    if truth_file.exists():
        data = json.loads(truth_file.read_text(encoding="utf-8"))
        truth = data["utterances"]
        result["role_attribution"] = role_attribution(warm.conversation, truth).correct
        result["wer"] = role_wer(warm.conversation, truth)
        result["events"] = {kind: event_f1(list(warm.events), truth, kind).__dict__
                            for kind in ("interruption", "backchannel")}
        if "summary_before_solution" in data.get("expected", {}):
            result["summary_before_solution"] = {"expected": data["expected"]["summary_before_solution"],
                                                 "found": warm.metrics.get("summary_before_solution")}
    return result


def run_bench(console, out_json: Path | None = None, calls: list[Path] | None = None) -> list[dict]:
    from rich.table import Table

    calls = calls or sorted(SAMPLES.glob("*.flac"))
    if not calls:
        raise CoachError(f"no sample calls found in {SAMPLES}")
    rows = []
    for call in calls:
        console.print(f"bench: {call.name} (fresh process, cold + warm run)...")
        proc = subprocess.run([sys.executable, "-m", "coach.bench", str(call)], capture_output=True, text=True)
        if proc.returncode != 0:
            raise CoachError(f"benchmark run failed: {proc.stderr.strip().splitlines()[-1] if proc.stderr else ''}",
                             call)
        rows.append(json.loads(proc.stdout.strip().splitlines()[-1]))
    table = Table(title="coach bench: x real time = audio seconds / wall seconds, on this machine")
    for col in ("call", "audio", "speakers", "xRT cold", "xRT warm", "peak RSS", "roles right", "WER a/c"):
        table.add_column(col, no_wrap=True)
    for r in rows:
        wer = r.get("wer", {})
        table.add_row(r["call"], f"{r['duration_s']:.0f} s", r["speaker_source"], f"{r['cold_x_realtime']:.1f}x",
                      f"{r['warm_x_realtime']:.1f}x", f"{r['peak_rss_mb']:.0f} MB",
                      f"{100 * r['role_attribution']:.1f}%" if "role_attribution" in r else "-",
                      f"{wer.get('agent', 0):.2f}/{wer.get('customer', 0):.2f}" if wer else "-")
    console.print(table)
    for r in rows:
        stages = ", ".join(f"{k[:-2]} {v:.1f} s" for k, v in r["warm_stages_s"].items())
        console.print(f"{r['call']} (warm) per stage: {stages}", highlight=False)
    scored = [r for r in rows if "events" in r]
    for kind in ("interruption", "backchannel"):
        tp = sum(r["events"][kind]["true_positives"] for r in scored)
        pred = sum(r["events"][kind]["predicted"] for r in scored)
        gold = sum(r["events"][kind]["expected"] for r in scored)
        p, rc = (tp / pred if pred else 0.0), (tp / gold if gold else 0.0)
        f1 = 2 * p * rc / (p + rc) if p + rc else 0.0
        console.print(f"{kind}s over {len(scored)} calls: precision {p:.2f}, recall {rc:.2f}, F1 {f1:.2f} "
                      f"({tp} of {gold} found, {pred} reported; same role, start within 1 s)", highlight=False)
    sbs = [r for r in rows if "summary_before_solution" in r]
    right = sum(r["summary_before_solution"]["expected"] == r["summary_before_solution"]["found"] for r in sbs)
    console.print(f"summary_before_solution right on {right} of {len(sbs)} calls: "
                  + ", ".join(f"{r['call']} {r['summary_before_solution']['found']}" for r in sbs), highlight=False)
    if out_json:
        from .report.model import write_atomic

        write_atomic(out_json, json.dumps(rows, indent=2) + "\n")
    return rows


if __name__ == "__main__":
    print(json.dumps(measure_one(sys.argv[1])))
