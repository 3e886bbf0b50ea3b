#!/usr/bin/env python3
"""A/B of coach's ASR decoders in ONE process, alternating per call (a shared, noisy CPU makes
only side-by-side ratios meaningful): ``coach analyze`` end to end with each variant, models
loaded once. Prints per call and variant: ASR seconds, total seconds, x real time, WER (all words,
and per role) and role attribution against the call's truth, and the batched decoder's windows and
fallbacks; then the totals and the ASR speed ratio of each variant over the first.

Usage: .venv/bin/python scripts/asr_ab.py [CALL.flac ...]   (default: coach/samples/*.flac + the
4.3-min dev call d30 when ../shared/data/dev_calls exists next to the clone)
Variants: sequential (AsrOptions.batched=False), batched (transcribe.py's packing as it stands),
batched_mix (both channels' pieces in shared windows; transcribe.MIX_SIGNALS), batched_chain (one
channel after the other, the second starting in the first one's last window; transcribe.CHAIN),
batched_lanes (each channel's windows its own), batched_beam1 (beam 1).
"""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from coach import transcribe as T  # noqa: E402
from coach.bench import _cpu_s, _text_wer  # noqa: E402
from coach.config import AnalyzeOptions  # noqa: E402
from coach.evaluate import role_attribution, role_wer  # noqa: E402
from coach.pipeline import analyze_file  # noqa: E402

DEV = ROOT.parent / "shared" / "data" / "dev_calls"  # ../shared next to the clone
VARIANTS = {"sequential": (False, False, None, None), "batched": (True, False, None, None),
            "batched_mix": (True, True, None, None), "batched_chain": (True, False, True, None),
            "batched_lanes": (True, False, False, None), "batched_beam1": (True, False, None, 1)}


def truth_of(call: Path) -> list[dict] | None:
    for f in (call.with_suffix(".json"), DEV / "truth" / f"{call.stem}.truth.json"):
        if f.exists():
            utts = json.loads(f.read_text(encoding="utf-8")).get("utterances")
            return [u | {"role": u.get("role", u.get("speaker"))} for u in utts] if utts else None
    return None


def main(argv: list[str]) -> None:
    calls = [Path(a) for a in argv] or sorted((ROOT / "coach" / "samples").glob("*.flac")) + sorted(
        (DEV / "stereo16k").glob("d30*.flac"))
    chosen = os.environ.get("AB_VARIANTS", ",".join(VARIANTS)).split(",")
    variants = [v for v in chosen if v in VARIANTS]
    last: dict = {}
    chain_default = T.CHAIN
    original = T.transcribe

    def spy(*a, **k):  # the pipeline imports transcribe() at call time: this sees its Transcript
        cpu = _cpu_s()
        last["t"] = original(*a, **k)
        last["cpu"] = _cpu_s() - cpu
        return last["t"]

    T.transcribe = spy
    words_seen: dict = {}
    tot = {v: {"asr_s": 0.0, "total_s": 0.0, "audio_s": 0.0, "asr_cpu_s": 0.0} for v in variants}
    analyze_file(calls[0])  # warm-up: models loaded, caches filled
    for call in calls:
        truth = truth_of(call)
        for v in variants:
            batched, mix, chain, beam = VARIANTS[v]
            T.MIX_SIGNALS = mix
            T.CHAIN = chain_default if chain is None else chain
            r = analyze_file(call, AnalyzeOptions().with_overrides(asr={"batched": batched, "beam_size": beam}))
            conv = r.conversation
            words = [w for u in conv.utterances for w in u.words]
            row = {"call": call.stem, "variant": v, "audio_s": round(r.call.duration_s, 1),
                   "windows": last["t"].windows, "fallbacks": last["t"].fallbacks,
                   "asr_s": r.timings["asr_s"], "asr_cpu_s": round(last["cpu"], 2), "total_s": r.timings["total_s"], "xrt": r.timings["x_realtime"]}
            if truth:
                row |= {"wer_all": _text_wer(words, truth), "wer_role": role_wer(conv, truth),
                        "role_acc": round(role_attribution(conv, truth).correct, 4)}
            print(json.dumps(row), flush=True)
            if truth:
                tot[v].setdefault("wer", []).append(row["wer_all"])
                tot[v].setdefault("roles", []).append(row["role_acc"])
            for k in ("asr_s", "total_s"):
                tot[v][k] += r.timings[k]
            tot[v]["audio_s"] += r.call.duration_s
            tot[v]["asr_cpu_s"] += last["cpu"]
            words_seen[(call.stem, v)] = words
    base = variants[0]
    for v in variants:
        t = tot[v]
        print(f"TOTAL {v}: asr {t['asr_s']:.1f} s, total {t['total_s']:.1f} s, audio {t['audio_s']:.0f} s, "
              f"x real time {t['audio_s'] / t['total_s']:.2f}, ASR x real time {t['audio_s'] / t['asr_s']:.2f}, "
              f"ASR speed vs {base}: {tot[base]['asr_s'] / t['asr_s']:.2f}x (wall), "
              f"{tot[base]['asr_cpu_s'] / t['asr_cpu_s']:.2f}x (CPU seconds: {t['asr_cpu_s']:.1f})"
              + (f", mean WER {sum(t['wer']) / len(t['wer']):.4f}, mean role attribution "
                 f"{sum(t['roles']) / len(t['roles']):.4f} over {len(t['wer'])} calls" if t.get("wer") else ""),
              flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
