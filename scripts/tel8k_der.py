#!/usr/bin/env python3
"""Diarization error rate of coach's mono diarization on 8 kHz telephone copies (issue 12).

    .venv/bin/python scripts/tel8k_der.py [--calls DIR] [--truth DIR] [--variants default,soxr,level]
                                          [--cache DIR] [--only d01,d02]

For each call ``DIR/<id>.wav`` (default: ../shared/data/dev_calls/tel8k, G.711 mu-law 8 kHz) and each
pre-processing variant, runs coach's diarization only (no ASR) and scores it with
pyannote.metrics against ``truth/<id>.rttm`` (else the utterances of ``truth/<id>.truth.json``):
DER with no collar and overlap scored (as tests/test_diarization.py), and with a 0.25 s collar.
Calls d01-d15 are the tune split, d16-d30 the held-out split. Diarization outputs are cached per
variant and call in ``--cache`` (RTTM + the speaker-separation block), so a rerun only scores.

Variants (how the 8 kHz audio reaches the 16 kHz models):
  default  coach's decoder (PyAV / libswresample, its default filter): coach as it is
  band     ``default``, then a soxr round trip to the original rate and back (``telephone_band``):
           removes what libswresample left above 4 kHz, as ``soxr`` does, inside coach's own path
  soxr     the file read at 8 kHz and upsampled with soxr's very-high-quality filter
  level    ``default``, then the speech level normalised to -20 dBFS RMS over the loudest half
           of its 30 ms frames (telephone levels vary; the peak is capped at -1 dBFS)
  soxr+level  both
  xovl     ``default`` with pyannote's ``embedding_exclude_overlap`` (embeddings from frames where only
           one speaker is active; not pre-processing, a diarization option, tried alongside)
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DEV = ROOT.parent / "shared" / "data" / "dev_calls"
TARGET_DBFS = -20.0


def _level(x: np.ndarray) -> np.ndarray:
    frame = 480  # 30 ms at 16 kHz
    n = len(x) // frame
    if n == 0:
        return x
    rms = np.sqrt(np.mean(x[: n * frame].reshape(n, frame) ** 2, axis=1) + 1e-12)
    loud = np.sort(rms)[n // 2:]
    gain = 10 ** (TARGET_DBFS / 20) / float(np.sqrt(np.mean(loud ** 2)))
    peak = float(np.max(np.abs(x))) * gain
    if peak > 10 ** (-1 / 20):
        gain *= 10 ** (-1 / 20) / peak
    return (x * gain).astype(np.float32)


def telephone_band(audio: np.ndarray, original_rate: int) -> np.ndarray:
    """Audio recorded below 16 kHz without what the decoder's resampler left above the original Nyquist
    frequency: libswresample's default filter leaves images of the mu-law noise near 4 kHz in 3.9-4.6 kHz,
    some 35 dB above a steep filter's. Down to the original rate and back with soxr VHQ; on d04 the
    result correlates 0.9999997 with soxr upsampling of the original. Tried, not kept (README)."""
    import soxr

    from coach.audio import SAMPLE_RATE

    if not original_rate or original_rate >= SAMPLE_RATE:
        return audio
    low = soxr.resample(audio, SAMPLE_RATE, original_rate, quality="VHQ")
    back = soxr.resample(low, original_rate, SAMPLE_RATE, quality="VHQ").astype(np.float32)
    out = np.zeros_like(audio)
    out[: min(len(out), len(back))] = back[: len(out)]
    return out


def load(path: Path, variant: str):
    """The call as a coach ``Recording`` (mono, 16 kHz), pre-processed as ``variant`` says."""
    from dataclasses import replace

    import soundfile as sf
    import soxr

    from coach.audio import SAMPLE_RATE, decode

    rec = decode(path)
    x = rec.mono()
    if variant.startswith("band"):
        x = telephone_band(x, rec.original_sample_rate)
    if "soxr" in variant:
        raw, sr = sf.read(str(path), dtype="float32", always_2d=True)
        x = soxr.resample(raw.mean(axis=1), sr, SAMPLE_RATE, quality="VHQ").astype(np.float32)
    if "level" in variant:
        x = _level(x)
    return replace(rec, channels=(x,))


def reference(call: str, truth: Path):
    from pyannote.core import Annotation, Segment

    ann = Annotation(uri=call)
    rttm = truth / f"{call}.rttm"
    if rttm.exists():
        for line in rttm.read_text().splitlines():
            f = line.split()
            if f and f[0] == "SPEAKER":
                ann[Segment(float(f[3]), float(f[3]) + float(f[4]))] = f[7]
    else:
        for u in json.loads((truth / f"{call}.truth.json").read_text())["utterances"]:
            ann[Segment(u["start"], u["end"])] = u["speaker"]
    return ann


def diarized(path: Path, variant: str, cache: Path) -> dict:
    out = cache / variant / f"{path.stem}.json"
    if out.exists():
        return json.loads(out.read_text())
    from coach.config import DiarizationOptions
    from coach.speakers.diarize import diarize

    t = time.perf_counter()
    rec = load(path, variant)
    turns = diarize(rec, DiarizationOptions(embedding_exclude_overlap="xovl" in variant))
    data = {"turns": [[x.speaker, x.start, x.end] for x in turns.turns], "duration": rec.duration,
            "separation": turns.separation, "seconds": round(time.perf_counter() - t, 1)}
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp")
    tmp.write_text(json.dumps(data))
    tmp.replace(out)
    return data


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--calls", type=Path, default=DEV / "tel8k")
    ap.add_argument("--truth", type=Path, default=DEV / "truth")
    ap.add_argument("--variants", default="default,soxr,level")
    ap.add_argument("--cache", type=Path, default=Path.home() / ".cache" / "coach" / "tel8k_der")
    ap.add_argument("--only", default="")
    args = ap.parse_args(argv)

    from coach import runtime
    from coach.conversation import Turn
    from coach.speakers.diarize import ALIKE_COSINE, separation
    from pyannote.core import Annotation, Segment, Timeline
    from pyannote.metrics.diarization import DiarizationErrorRate

    runtime.apply()
    files = sorted(args.calls.glob("*.wav"))
    if args.only:
        files = [f for f in files if f.stem.split("_")[0] in args.only.split(",")]
    if not files:
        print(f"{args.calls}: no .wav calls found", file=sys.stderr)
        return 1
    summary = {}
    for variant in args.variants.split(","):
        metrics = {(split, collar): DiarizationErrorRate(collar=collar, skip_overlap=False)
                   for split in ("tune", "held_out") for collar in (0.0, 0.25)}
        flagged = []
        unflagged = {split: DiarizationErrorRate(collar=0.0, skip_overlap=False) for split in ("tune", "held_out")}
        for f in files:
            d = diarized(f, variant, args.cache)
            hyp = Annotation(uri=f.stem)
            for spk, s, e in d["turns"]:
                hyp[Segment(s, e)] = spk
            split = "tune" if int(f.stem[1:3]) <= 15 else "held_out"
            uem = Timeline([Segment(0.0, d["duration"])])
            ref = reference(f.stem, args.truth)
            der = {c: metrics[(split, c)](ref, hyp, uem=uem) for c in (0.0, 0.25)}
            sep = d.get("separation") or {}
            # flagged under the current thresholds (the cache may predate a change of them)
            if not separation([Turn(*t) for t in d["turns"]], sorted({t[0] for t in d["turns"]}), None)["reliable"] \
                    or (sep.get("centroid_cosine") or 0.0) > ALIKE_COSINE:
                flagged.append(f.stem)
            else:
                unflagged[split](ref, hyp, uem=uem)
            print(f"{variant:12s} {f.stem:36s} {split:8s} DER {100 * der[0.0]:5.1f}%  (collar 0.25: "
                  f"{100 * der[0.25]:5.1f}%)  cos {sep.get('centroid_cosine')}  share {sep.get('largest_share')}",
                  flush=True)
        summary[variant] = {f"{split}_der{'' if c == 0.0 else '_collar025'}": round(100 * abs(m), 2)
                            if len(m.results_) else None for (split, c), m in metrics.items()} | {"flagged_unreliable": flagged} | {
            f"{split}_der_not_flagged": round(100 * abs(m), 2) if len(m.results_) else None
            for split, m in unflagged.items()}
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
