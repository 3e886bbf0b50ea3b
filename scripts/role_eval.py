#!/usr/bin/env python3
"""Role accuracy of ``coach.speakers.roles.assign_roles`` on calls with ground truth, without
re-running the models each time.

The speaker stage (stereo channels or pyannote diarization) and Whisper run once per audio file;
their output (speaker turns, words per speaker) is kept in ``--cache`` as JSON keyed by the file's
content hash. Every later run only re-assigns roles and scores them with
``coach.evaluate.role_attribution`` (share of speech time given to the right party).

    .venv/bin/python scripts/role_eval.py --cache reports/role_cache \\
        coach/samples/*.flac ../shared/data/dev_calls/tel8k/*.wav

Before/after a change of the rule: ``--coach-from DIR`` imports coach from another copy (same cache).

Truth: ``X.json`` next to ``X.flac`` (the samples), or ``../truth/X.truth.json`` (the dev calls).
Stereo calls are scored with ``agent_channel = auto`` (the role model decides), unless
``--configured`` is given. Prints one row per call and the mean per group (tune d01-d15 /
held-out d16-d30 / samples); ``--json`` writes the rows too.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import sys
from pathlib import Path

os.environ.setdefault("PYANNOTE_METRICS_ENABLED", "false")
os.environ.setdefault("HF_HUB_OFFLINE", "1")


def truth_for(audio: Path) -> Path | None:
    for cand in (audio.with_suffix(".json"), audio.parent.parent / "truth" / f"{audio.stem}.truth.json"):
        if cand.is_file():
            return cand
    return None


def load_truth(path: Path) -> tuple[list[dict], str | None]:
    d = json.loads(path.read_text(encoding="utf-8"))
    utts = [dict(u, role=u.get("role") or u.get("speaker")) for u in d["utterances"]]
    return utts, d.get("agent_channel")


def cached_stages(audio: Path, cache: Path, language: str) -> dict:
    """Speaker turns and words per speaker of ``audio`` (from the cache, or by running the models)."""
    digest = hashlib.sha256(audio.read_bytes()).hexdigest()[:16]
    path = cache / f"{audio.stem}.{digest}.{language}.json"
    if path.is_file():
        return json.loads(path.read_text(encoding="utf-8"))
    from coach import runtime
    from coach.audio import decode
    from coach.config import AnalyzeOptions
    from coach.hold import without_hold_music
    from coach.speakers.channels import stereo_turns
    from coach.speakers.diarize import diarize
    from coach.transcribe import load_model, release_model, transcribe

    runtime.apply()
    opts = AnalyzeOptions().with_overrides(asr={"language": language})
    rec, _ = without_hold_music(decode(audio))
    if rec.num_channels == 2:
        turns = stereo_turns(rec, opts.vad, opts.leak)
    else:
        release_model()
        turns = diarize(rec, opts.diarization)
    model, label = load_model(opts.asr)
    tr = transcribe(rec, turns, opts.asr, model=model, label=label)
    data = {"audio": str(audio), "duration": rec.duration, "channels": rec.num_channels, "source": turns.source,
            "speakers": list(turns.speakers), "turns": [t.to_dict() for t in turns.turns],
            "language": tr.language, "words": {s: [w.to_dict() for w in ws] for s, ws in tr.words.items()}}
    cache.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data), encoding="utf-8")
    tmp.replace(path)
    return data


def score(data: dict, truth: list[dict], agent_channel: str, language: str):
    from coach.config import RoleOptions
    from coach.conversation import Conversation, Turn, Word
    from coach.evaluate import role_attribution
    from coach.speakers import SpeakerTurns
    from coach.speakers.roles import assign_roles

    turns = SpeakerTurns(tuple(Turn.from_dict(t) for t in data["turns"]), data["source"], tuple(data["speakers"]))
    words = {s: tuple(Word.from_dict(w) for w in ws) for s, ws in data["words"].items()}
    kwargs = {"language": language} if "language" in RoleOptions.__dataclass_fields__ else {}
    roles = assign_roles(turns, words, RoleOptions(agent_channel=agent_channel, **kwargs))
    role_turns = tuple(Turn(roles.mapping.get(t.speaker, "customer"), t.start, t.end) for t in turns.turns)
    conv = Conversation(utterances=(), duration=data["duration"], speaker_source=data["source"],
                        roles=dict(roles.mapping), turns=role_turns)
    return role_attribution(conv, truth), roles


def group_of(name: str) -> str:
    m = re.match(r"d(\d\d)_", name)
    if not m:  # the samples, and copies of them named <stem>_m16 (16 kHz mono mix) / <stem>_t8 (8 kHz mu-law)
        return {"_m16": "samples mono16k", "_t8": "samples tel8k"}.get(name[name.rfind("_"):], "samples")
    return "tune d01-d15" if int(m.group(1)) <= 15 else "held-out d16-d30"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("audio", nargs="+", type=Path)
    ap.add_argument("--cache", type=Path, default=Path("reports/role_cache"))
    ap.add_argument("--language", default="nl")
    ap.add_argument("--configured", action="store_true", help="stereo: the agent channel from the truth")
    ap.add_argument("--json", type=Path, help="write the rows here")
    ap.add_argument("-v", "--verbose", action="store_true", help="print the role method too")
    ap.add_argument("--coach-from", type=Path, help="import coach from this folder instead (e.g. the rule before a "
                    "change: git archive main coach | tar -x -C /tmp/base; --coach-from /tmp/base)")
    args = ap.parse_args(argv)
    if args.coach_from:
        # the editable install's finder would win over sys.path: drop it, put the other copy first
        sys.meta_path = [f for f in sys.meta_path if "editable" not in repr(f).lower()
                         and "editable" not in type(f).__module__.lower()]
        sys.path.insert(0, str(args.coach_from.resolve()))
        import coach.speakers.roles as roles_module

        assert roles_module.__file__.startswith(str(args.coach_from.resolve())), roles_module.__file__
    rows = []
    for audio in args.audio:
        tp = truth_for(audio)
        if tp is None:
            print(f"{audio}: no truth file, skipped", file=sys.stderr)
            continue
        truth, channel = load_truth(tp)
        data = cached_stages(audio, args.cache, args.language)
        agent_channel = (channel or "left") if args.configured else "auto"
        att, roles = score(data, truth, agent_channel, args.language)
        conf = getattr(roles, "confidence", None)
        rows.append({"call": audio.stem, "group": group_of(audio.stem), "channels": data["channels"],
                     "correct": att.correct, "confidence": conf, "method": roles.method,
                     "warnings": list(roles.warnings)})
        c = f"{conf:.2f}" if isinstance(conf, (int, float)) else "  - "
        print(f"{audio.stem:40s} ch={data['channels']} correct={att.correct:.3f} conf={c}"
              + (f"  {roles.method}" if args.verbose else ""))
    print()
    for g in ("samples", "samples mono16k", "samples tel8k", "tune d01-d15", "held-out d16-d30"):
        rs = [r for r in rows if r["group"] == g]
        if rs:
            mean = sum(r["correct"] for r in rs) / len(rs)
            low = sum(r["correct"] < 0.5 for r in rs)
            print(f"{g:18s} n={len(rs):2d} mean correct={mean:.3f} swapped(<0.5)={low}")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
