"""``coach bench``: coach against a WhisperX-style baseline and bare faster-whisper, on this CPU.

Four modes, each on the same audio with the same weights (Whisper base int8, pyannote
segmentation-3.0 + CAM++):

* ``coach``: ``coach analyze`` end to end (speakers, words, roles, coaching analysis), defaults.
* ``coach-batched`` / ``coach-sequential``: the same with the other ASR decoder than the default
  (``[asr] batched``), so that its speed and accuracy stand beside the default's.
* ``baseline``: what a WhisperX user does on a CPU, written here: mix to mono, faster-whisper with
  its default decoding (beam 5, no VAD filter, word timestamps), then pyannote diarization of the
  mix while the Whisper model stays loaded, each word to the speaker turn it overlaps most.
  Roles come from coach's own rule (the role cues of coach/speakers/roles.py), so the comparison is
  about speech, speakers and words, not about role naming.
* ``bare``: faster-whisper alone on the mono mix, default decoding: the work any pipeline must do.

Calls: the bundled samples and two generated long calls (stereo and mono, ~6 min, built from
the sample scripts by ``coach/samples/make_samples.py`` into ``~/.cache/coach/bench`` on first use),
and for memory a ~30-min mono call (the long mono call five times over, ``memory_call``), run by
``coach`` only. Every (call, mode) runs in a fresh process (``python -m coach.bench MODE CALL``) so
that its peak memory is its own: models are loaded (``load_s``), then the call is processed once;
``x_realtime`` is audio seconds / wall seconds of that run, with models loaded (the steady state of
a batch); ``e2e_x_realtime`` is audio seconds / wall seconds of the whole fresh process (interpreter
start, imports, model loading and the call: one ``coach analyze``).
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

from .conversation import Turn, Word
from .errors import CoachError

from .samples import SAMPLES_DIR as SAMPLES, sample_calls  # noqa: F401 - sample_calls for the CLI
LONG_CALLS = ("long_call_stereo", "long_call_mono")
MEMORY_CALL = "long_call_mono_30min"
MEMORY_REPEAT = 5  # the long mono call five times over: ~30 min


def coach_modes() -> tuple[str, str]:
    """``coach`` (the defaults) and the mode of the other ASR decoder."""
    from .config import AsrOptions

    return "coach", "coach-sequential" if AsrOptions().batched else "coach-batched"


MODES = coach_modes() + ("baseline", "bare")
ALL_MODES = ("coach", "coach-batched", "coach-sequential", "baseline", "bare")


def bench_cache() -> Path:
    from .models import cache_root

    return cache_root() / "bench"


def long_calls(out_dir: Path | None = None) -> list[Path]:
    """The long stereo and mono calls (~6 min each), synthesised on first use with ground truth.

    The script is every sample call's script in turn, then the first two again with longer pauses;
    needs espeak-ng + MBROLA only when the files are missing.
    """
    out_dir = out_dir or bench_cache()
    paths = [out_dir / f"{name}.flac" for name in LONG_CALLS]
    if all(p.exists() and p.with_suffix(".json").exists() for p in paths):
        return paths
    from .samples import make_samples as ms
    calls = list(ms.CALLS.values())
    script = [line for call in calls for line in call["script"]]
    script += [ms.Line(x.role, x.text, x.type, x.gap + 0.3 if x.type == "speech" else x.gap, x.cut_prev)
               for call in calls[:2] for x in call["script"]]
    for path, channels, voices in ((paths[0], 2, {ms.A: "mb-nl3", ms.C: "mb-nl2"}),
                                   (paths[1], 1, {ms.A: "mb-nl2", ms.C: "mb-nl3"})):
        try:
            ms.render(path.stem, {"channels": channels, "voices": voices, "script": script}, out_dir)
        except (OSError, subprocess.CalledProcessError) as e:
            raise CoachError(f"could not synthesise the long bench call (needs espeak-ng + MBROLA nl2/nl3): {e}")
    return paths


def memory_call(out_dir: Path | None = None) -> Path:
    """The long mono call ``MEMORY_REPEAT`` times over (~30 min), with its truth shifted to match:
    made once into the bench cache (atomic writes), for the peak memory of a long call."""
    import numpy as np
    import soundfile as sf

    from .report.model import write_atomic

    out_dir = out_dir or bench_cache()
    path = out_dir / f"{MEMORY_CALL}.flac"
    if path.exists() and path.with_suffix(".json").exists():
        return path
    src = [p for p in long_calls(out_dir) if p.stem == LONG_CALLS[1]][0]
    audio, sr = sf.read(src, dtype="int16")
    truth = json.loads(src.with_suffix(".json").read_text(encoding="utf-8"))
    step = len(audio) / sr
    utts = [u | {"start": round(u["start"] + k * step, 3), "end": round(u["end"] + k * step, 3)}
            for k in range(MEMORY_REPEAT) for u in truth.get("utterances", [])]
    tmp = path.with_name(f".{path.stem}.tmp.flac")
    sf.write(tmp, np.tile(audio, (MEMORY_REPEAT,) + (1,) * (audio.ndim - 1)), sr)
    write_atomic(path.with_suffix(".json"), json.dumps({"utterances": utts}, ensure_ascii=False) + "\n")
    os.replace(tmp, path)
    return path


def assign_word_speakers(words: list[Word], turns: list[Turn]) -> dict[str, list[Word]]:
    """WhisperX's ``assign_word_speakers`` with ``fill_nearest``: each word goes to the speaker whose
    diarization turns it overlaps most in total; a word that overlaps none goes to the nearest turn."""
    out: dict[str, list[Word]] = {}
    for w in words:
        overlap: dict[str, float] = {}
        for t in turns:
            overlap[t.speaker] = overlap.get(t.speaker, 0.0) + max(0.0, min(t.end, w.end) - max(t.start, w.start))
        if not overlap:
            continue
        best = max(overlap, key=overlap.get)
        if overlap[best] <= 0:
            mid = (w.start + w.end) / 2
            best = min(turns, key=lambda t: max(t.start - mid, 0.0) + max(mid - t.end, 0.0)).speaker
        out.setdefault(best, []).append(w)
    return out


def speed_ratios(rows: dict[str, dict]) -> dict[str, float]:
    """From one call's rows per mode: coach's speed over the baseline's (x real time over x real
    time) and coach's wall time over bare transcription's, minus one (its overhead)."""
    out = {}
    if "coach" in rows and "baseline" in rows:
        out["coach_vs_baseline"] = round(rows["coach"]["x_realtime"] / rows["baseline"]["x_realtime"], 2)
    if "coach" in rows and "bare" in rows:
        out["coach_overhead_vs_bare"] = round(rows["coach"]["run_s"] / rows["bare"]["run_s"] - 1, 2)
    return out


def _whisper():
    from faster_whisper import WhisperModel

    from .models import cpu_threads, resolve_asr_model

    return WhisperModel(resolve_asr_model("base")[0], device="cpu", compute_type="int8", cpu_threads=cpu_threads())


def _default_words(model, audio) -> list[Word]:
    """faster-whisper's default decoding (beam 5, no VAD filter), Dutch, with word timestamps."""
    segments, _ = model.transcribe(audio, language="nl", word_timestamps=True)
    return [Word(w.word.strip(), w.start, w.end, w.probability) for s in segments for w in s.words if w.word.strip()]


def _text_wer(words: list[Word], truth: list[dict]) -> float:
    from .evaluate import word_error_rate

    ref = " ".join(u["text"] for u in sorted(truth, key=lambda u: u["start"]))
    return round(word_error_rate(ref, " ".join(w.text for w in sorted(words, key=lambda w: w.start))), 4)


def _cpu_s() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def measure(mode: str, path: str) -> dict:
    """Load ``mode``'s models, process the call once, and return speed, peak memory and accuracy."""
    from .audio import decode
    from .config import AnalyzeOptions, DiarizationOptions, RoleOptions
    from .evaluate import event_f1, role_attribution, role_wer
    from .pipeline import analyze_file, build_conversation
    from .speakers.diarize import diarize, load_pipeline
    from .speakers.roles import assign_roles
    from .transcribe import Transcript, load_model

    truth_file = Path(path).with_suffix(".json")
    data = json.loads(truth_file.read_text(encoding="utf-8")) if truth_file.exists() else {}
    truth = data.get("utterances")
    rec = decode(path)
    # WhisperX's diarization, pinned: pyannote 3.1's step and batch size, whatever coach's defaults
    base_diar = DiarizationOptions(segmentation_step=0.1, embedding_batch_size=32, embedding_stride=1,
                                   segmentation_onnx=False)
    t = time.perf_counter()
    opts = AnalyzeOptions()
    if mode in ("coach-batched", "coach-sequential"):
        opts = opts.with_overrides(asr={"batched": mode == "coach-batched"})
    if mode.startswith("coach"):
        load_model(opts.asr)
        if rec.num_channels == 1:
            load_pipeline(opts.diarization)
    elif mode == "baseline":
        model = _whisper()
        load_pipeline(base_diar)
    else:
        model = _whisper()
    load_s = time.perf_counter() - t

    t, cpu0 = time.perf_counter(), _cpu_s()
    conv = report = None
    if mode.startswith("coach"):
        report = analyze_file(path, opts)
        conv = report.conversation
        words = [w for u in conv.utterances for w in u.words]
    elif mode == "baseline":
        words = _default_words(model, rec.mono())
        turns = diarize(rec, base_diar)  # on the mono mix
        transcript = Transcript(words={s: tuple(ws) for s, ws in assign_word_speakers(words, list(turns.turns)).items()})
        roles = assign_roles(turns, transcript.words, RoleOptions(agent_channel="auto"))
        conv = build_conversation(rec, turns, transcript, roles, AnalyzeOptions().utterance_gap_s)
    else:
        words = _default_words(model, rec.mono())
    run_s, cpu_s = time.perf_counter() - t, _cpu_s() - cpu0

    row = {"call": Path(path).stem, "mode": mode, "duration_s": round(rec.duration, 2), "channels": rec.num_channels,
           "load_s": round(load_s, 2), "run_s": round(run_s, 2), "cpu_s": round(cpu_s, 2), "x_realtime": round(rec.duration / run_s, 2),
           "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}
    if report is not None:
        row["stages_s"] = {k[:-2]: v for k, v in report.timings.items() if k.endswith("_s") and k != "total_s"}
        row["decoder"] = "batched" if opts.asr.batched else "sequential"
    if truth:
        row["wer_all"] = _text_wer(words, truth)
        if conv is not None:
            row["role_attribution"] = role_attribution(conv, truth).correct
            row["wer"] = role_wer(conv, truth)
        if report is not None:
            row["events"] = {kind: event_f1(report.events, truth, kind).to_dict()
                             for kind in ("interruption", "backchannel")}
            if "summary_before_solution" in data.get("expected", {}):
                row["summary_before_solution"] = {"expected": data["expected"]["summary_before_solution"],
                                                  "found": report.metrics.get("summary_before_solution")}
    return row


def _run_one(mode: str, call: Path) -> dict:
    t = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "coach.bench", mode, str(call)], capture_output=True, text=True)
    e2e = time.perf_counter() - t
    if proc.returncode != 0:
        last = proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else ""
        raise CoachError(f"benchmark run ({mode}) failed: {last}", call)
    row = json.loads(proc.stdout.strip().splitlines()[-1])
    # the whole fresh process: interpreter start, imports, model loading, the call (and the scoring, < 1 s)
    return row | {"e2e_s": round(e2e, 2), "e2e_x_realtime": round(row["duration_s"] / e2e, 2)}


def run_bench(console, out_json: Path | None = None, calls: list[Path] | None = None, long: bool = True,
              modes: tuple[str, ...] = MODES, memory: bool = False) -> list[dict]:
    """Run every mode on every call (fresh process each), print the tables, return the rows.
    ``memory``: also the ~30-min mono call, ``coach`` mode only (peak memory of a long call)."""
    from rich.table import Table

    from .evaluate import EventScore, pooled

    calls = calls or sample_calls() + (long_calls() if long else [])
    if not calls:
        raise CoachError(f"no sample calls found in {SAMPLES}")
    bad = [m for m in modes if m not in ALL_MODES]
    if bad:
        raise CoachError(f"unknown bench mode {bad[0]!r} (choose from {', '.join(ALL_MODES)})")
    load = os.getloadavg()[0]
    runs = [(call, mode) for call in calls for mode in modes]
    if memory:
        runs.append((memory_call(), "coach"))
    rows: list[dict] = []
    for call, mode in runs:
        console.print(f"bench: {call.stem}, {mode} (fresh process)...", highlight=False)
        rows.append(_run_one(mode, call))
    by_call: dict[str, dict[str, dict]] = {}
    for r in rows:
        by_call.setdefault(r["call"], {})[r["mode"]] = r
    for modes_of in by_call.values():
        if "coach" in modes_of:
            modes_of["coach"].update(speed_ratios(modes_of))

    table = Table(title=f"coach bench, {os.cpu_count()} CPU cores, load {load:.1f} at start. xRT: audio s / wall s "
                        "(models loaded); e2e: the same for the whole fresh process (start, imports, models, call); "
                        "CPU s: CPU seconds of the call (the steadier figure on a shared CPU); "
                        "spk/asr/ana: seconds in coach's speaker, ASR and analysis stages; vs base: coach speed / "
                        "baseline's; +bare: coach's extra wall time over bare; WER: all words, roles ignored",
                        title_justify="left")
    for col in ("call", "audio", "mode", "xRT", "e2e", "CPU s", "load", "spk/asr/ana", "peak MB", "roles", "WER a/c",
                "WER", "vs base", "+bare"):
        table.add_column(col, no_wrap=True)
    previous = None
    for r in rows:
        wer = r.get("wer")
        st = r.get("stages_s", {})
        table.add_row(r["call"] if r["call"] != previous else "", f"{r['duration_s']:.0f}s {r['channels']}ch",
                      r["mode"], f"{r['x_realtime']:.1f}x", f"{r['e2e_x_realtime']:.1f}x", f"{r['cpu_s']:.0f}",
                      f"{r['load_s']:.1f}s",
                      f"{st['speakers']:.1f}/{st['asr']:.1f}/{st['analysis']:.1f}" if st else "-",
                      f"{r['peak_rss_mb']:.0f}",
                      f"{100 * r['role_attribution']:.1f}%" if "role_attribution" in r else "-",
                      f"{wer['agent']:.2f}/{wer['customer']:.2f}" if wer else "-",
                      f"{r['wer_all']:.2f}" if "wer_all" in r else "-",
                      f"{r['coach_vs_baseline']:.2f}x" if "coach_vs_baseline" in r else "",
                      f"{100 * r['coach_overhead_vs_bare']:+.0f}%" if "coach_overhead_vs_bare" in r else "")
        previous = r["call"]
    console.print(table)
    for r in rows:
        if "stages_s" in r:
            stages = ", ".join(f"{k} {v:.1f} s" for k, v in r["stages_s"].items())
            console.print(f"{r['call']} {r['mode']} ({r['decoder']} ASR) per stage: {stages}", highlight=False)
    coach_rows = [r for r in rows if r["mode"] == "coach" and r["call"] != MEMORY_CALL]
    scored = [r for r in coach_rows if "events" in r and not r["call"].startswith("long_")]
    for kind in ("interruption", "backchannel") if scored else ():
        score = pooled(EventScore.from_dict(r["events"][kind]) for r in scored)
        console.print(f"coach {kind}s over the {len(scored)} sample calls: precision {score.precision:.2f}, "
                      f"recall {score.recall:.2f}, F1 {score.f1:.2f} ({score.true_positives} of {score.expected} "
                      f"found, {score.predicted} reported; same role, start within 1 s)", highlight=False)
    for mode in modes:  # accuracy beside speed: the same calls, each mode
        mine = [r for r in rows if r["mode"] == mode and "wer_all" in r and r["call"] != MEMORY_CALL]
        if mine:
            audio = sum(r["duration_s"] for r in mine)
            roles = [r["role_attribution"] for r in mine if "role_attribution" in r]
            console.print(f"{mode} over {len(mine)} calls: {audio / sum(r['run_s'] for r in mine):.1f}x real time "
                          f"(models loaded), mean WER {sum(r['wer_all'] for r in mine) / len(mine):.3f}"
                          + (f", speech to the right role {100 * sum(roles) / len(roles):.1f}%" if roles else ""),
                          highlight=False)
    sbs = [r for r in coach_rows if "summary_before_solution" in r]
    right = sum(r["summary_before_solution"]["expected"] == r["summary_before_solution"]["found"] for r in sbs)
    if sbs:
        console.print(f"coach summary_before_solution right on {right} of {len(sbs)} calls", highlight=False)
    if out_json:
        from .report.model import write_atomic

        write_atomic(out_json, json.dumps(rows, indent=2) + "\n")
    return rows


# --- batch throughput --------------------------------------------------------------------------

def bench_workers(calls: list[Path], workers: tuple[int, ...] = (1, 2),
                  options: AnalyzeOptions | None = None) -> list[dict]:
    """Run the batch over the same ``calls`` once per worker count, each into a fresh OUT_DIR with fresh
    worker processes (model loading included, as in a night), and return the throughput of each."""
    import tempfile

    from .batch import run_batch

    results = []
    with tempfile.TemporaryDirectory(prefix="coach-bench-") as tmp:
        src = Path(tmp, "in")
        src.mkdir()
        for i, p in enumerate(calls):
            (src / f"{i:03d}-{Path(p).name}").symlink_to(Path(p).resolve())
        for n in workers:
            t = run_batch(src, Path(tmp, f"out-{n}"), options, workers=n).totals
            results.append({"workers": n, "calls": t["done"], "failed": t["failed"], "audio_hours": t["audio_hours"],
                            "wall_s": t["wall_s"], "calls_per_hour": t["calls_per_hour"],
                            "audio_hours_per_hour": t["audio_hours_per_hour"]})
    return results


if __name__ == "__main__":
    print(json.dumps(measure(sys.argv[1], sys.argv[2])))
