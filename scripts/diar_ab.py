#!/usr/bin/env python3
"""Side-by-side speed and accuracy of mono diarization variants (issue 13).

    git worktree add /tmp/coach-main main   # or: mkdir D && git archive main | tar -x -C D
    .venv/bin/python scripts/diar_ab.py --variants "before=@/tmp/coach-main,after=" [--rounds 2]
                                        [--files real,samples,long]

Each variant is a set of ``DiarizationOptions`` overrides (``name=field:value;field:value``, empty =
coach's defaults), optionally run with the coach package of another checkout (``name=@DIR;...``).
Every run is a fresh process (the model load is not timed); the variants run alternately and
``--rounds`` times per file, so that the other load on a shared machine hits them alike. The
figures: CPU seconds of the diarization (user + system, all threads), their ratio to the first
variant's, peak resident memory of the process, and the DER (no collar, overlap scored, as
tests/test_diarization.py) against the file's ground truth:

  real     tests/data/pyannote_sample_2party (30 s of real telephone speech, RTTM)
  samples  the mono samples in coach/samples (synthetic, exact truth)
  long     the ~6-minute mono bench call (``coach bench`` makes it in ~/.cache/coach/bench)
  tel8k    the 8 kHz dev calls in ../shared/data/dev_calls/tel8k (slow: 28 minutes of audio)
  PATH     any audio file with a coach truth JSON (``utterances``) or an RTTM next to it
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from dataclasses import fields, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("PYANNOTE_METRICS_ENABLED", "false")
os.environ.setdefault("HF_HUB_OFFLINE", "1")


def parse_variants(text: str) -> dict:
    from coach.config import DiarizationOptions

    types = {f.name: f.type for f in fields(DiarizationOptions)}
    out = {}
    for item in text.split(","):
        name, _, spec = item.partition("=")
        kw = {}
        for pair in filter(None, spec.split(";")):
            if pair.startswith("@"):
                continue
            k, _, v = pair.partition(":")
            t = str(types[k])
            kw[k] = (v.lower() in ("1", "true")) if "bool" in t else int(v) if t.startswith("int") else float(v)
        out[name] = replace(DiarizationOptions(), **kw)
    return out


def truth_of(audio: Path):
    from pyannote.core import Annotation, Segment

    ref = Annotation()
    rttm = [audio.with_suffix(".rttm"), audio.parent.parent / "truth" / f"{audio.stem}.rttm"]
    for r in rttm:
        if r.is_file():
            for line in r.read_text().splitlines():
                p = line.split()
                if p and p[0] == "SPEAKER":
                    ref[Segment(float(p[3]), float(p[3]) + float(p[4]))] = p[7]
            return ref
    for j in (audio.with_suffix(".json"), audio.parent.parent / "truth" / f"{audio.stem}.truth.json"):
        if j.is_file():
            for u in json.loads(j.read_text())["utterances"]:
                if u.get("type", "speech") == "speech":
                    ref[Segment(u["start"], u["end"])] = u.get("role") or u.get("speaker")
            return ref
    return None


def files_for(names: str) -> list[Path]:
    out = []
    for n in names.split(","):
        if n == "real":
            out.append(ROOT / "tests" / "data" / "pyannote_sample_2party" / "sample.wav")
        elif n == "samples":
            import soundfile as sf
            out += [p for p in sorted((ROOT / "coach" / "samples").glob("*.flac")) if sf.info(str(p)).channels == 1]
        elif n == "long":
            from coach.bench import long_calls
            out.append(long_calls()[1])
        elif n == "tel8k":
            out += sorted((ROOT.parent / "shared" / "data" / "dev_calls" / "tel8k").glob("*.wav"))
        else:
            out.append(Path(n))
    return out


def cpu_s() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def run_one(path: Path, opts):
    from pyannote.core import Annotation, Segment, Timeline
    from pyannote.metrics.diarization import DiarizationErrorRate

    from coach.audio import decode
    from coach.speakers.diarize import diarize, load_pipeline

    rec = decode(path)
    load_pipeline(opts)  # the model load is not timed
    c, w = cpu_s(), time.perf_counter()
    turns = diarize(rec, opts)
    c, w = cpu_s() - c, time.perf_counter() - w
    ref = truth_of(path)
    der = None
    if ref is not None:
        hyp = Annotation()
        for t in turns.turns:
            hyp[Segment(t.start, t.end)] = t.speaker
        der = DiarizationErrorRate(collar=0.0, skip_overlap=False)(ref, hyp, uem=Timeline([Segment(0, rec.duration)]))
    return {"cpu_s": round(c, 2), "wall_s": round(w, 2), "der": None if der is None else round(der, 4),
            "duration": round(rec.duration, 1), "speakers": len(turns.speakers),
            "cosine": turns.separation.get("centroid_cosine")}


def child(path: str, spec: str) -> None:
    sys.path[:0] = [p[1:] for p in spec.partition("=")[2].split(";") if p.startswith("@")]
    from coach import runtime

    runtime.apply()
    (name, opts), = parse_variants(spec).items()
    row = run_one(Path(path), opts)
    import coach
    row["coach"] = str(Path(coach.__file__).parent.parent)
    row["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    print(json.dumps(row))


def spawn(path: Path, spec: str) -> dict:
    """One measurement in a fresh process, with the coach package of ``@DIR`` if the spec names one."""
    out = subprocess.run([sys.executable, __file__, "--child", str(path), spec], capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"{path.name} {spec}: {out.stderr.strip()[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--variants", default="base=embedding_stride:1,new=")
    ap.add_argument("--files", default="real,samples,long")
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        child(*args.child)
        return 0
    specs = dict(item.partition("=")[::2] for item in args.variants.split(","))
    total = {name: {"cpu_s": 0.0, "audio_s": 0.0, "peak_rss_mb": 0} for name in specs}
    for path in files_for(args.files):
        for r in range(args.rounds):
            for name, spec in specs.items():
                row = spawn(path, f"{name}={spec}")
                total[name]["cpu_s"] += row["cpu_s"]
                total[name]["audio_s"] += row["duration"]
                total[name]["peak_rss_mb"] = max(total[name]["peak_rss_mb"], row["peak_rss_mb"])
                print(f"{path.name:34s} {name:10s} round {r}: {json.dumps(row)}", flush=True)
    first = next(iter(total.values()))["cpu_s"]
    for name, t in total.items():
        print(f"{name:10s} cpu {t['cpu_s']:7.1f} s for {t['audio_s']:.0f} s audio "
              f"({t['audio_s'] / max(t['cpu_s'], 1e-9):.1f}x real time per CPU second; "
              f"{first / max(t['cpu_s'], 1e-9):.2f}x the first variant's speed); peak RSS {t['peak_rss_mb']} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
