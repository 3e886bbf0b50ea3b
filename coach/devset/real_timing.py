"""The dev calls with real timing: generated on first use, cached, split into tune / heldout."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

DEFAULT_SEED = 1
SPLITS = ("tune", "heldout", "all")
REPO = Path(__file__).resolve().parents[2]


def devset_dir() -> Path:
    """``$COACH_DEVSET_DIR`` or coach's cache folder's ``devset`` (``~/.cache/coach/devset``)."""
    from ..models import cache_root

    env = os.environ.get("COACH_DEVSET_DIR")
    return Path(env).expanduser() if env else cache_root() / "devset"


def dev_calls_dir(path: str | Path | None = None) -> Path:
    """The shared dev calls: ``path``, else ``../shared/data/dev_calls`` from the current directory, else
    from the repository. Raises FileNotFoundError with one line when missing."""
    candidates = [Path(path)] if path else [Path("../shared/data/dev_calls"), REPO.parent / "shared/data/dev_calls"]
    for c in candidates:
        if (c / "scripts").is_dir():
            return c.resolve()
    raise FileNotFoundError(f"dev calls not found at {candidates[0]} (expected scripts/ in it; "
                            f"use --dev-calls DIR)")


def call_split(call_id: str) -> str:
    """'tune' for d01-d15, 'heldout' for d16-d30 (by the number after the leading 'd')."""
    m = re.match(r"d(\d+)", call_id)
    if not m:
        raise ValueError(f"not a dev call id: {call_id!r}")
    return "tune" if int(m.group(1)) <= 15 else "heldout"


def _check_split(split: str) -> None:
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, not {split!r}")


def _in_split(call_id: str, split: str) -> bool:
    return split == "all" or call_split(call_id) == split


def dev_calls(split: str = "all", root: str | Path | None = None) -> list[Path]:
    """The shared dev calls' stereo 16 kHz FLACs of a split (truth: ``truth_path_for``)."""
    _check_split(split)
    root = dev_calls_dir(root)
    return sorted(p for p in (root / "stereo16k").glob("*.flac") if _in_split(p.stem, split))


def truth_path_for(audio: str | Path) -> Path:
    """The truth of a generated / dev call: ``<set>/truth/<id>.truth.json`` next to ``<set>/stereo16k/<id>.flac``;
    for coach's own samples ``<id>.json`` next to the audio."""
    audio = Path(audio)
    t = audio.parent.parent / "truth" / f"{audio.stem}.truth.json"
    return t if t.is_file() else audio.with_suffix(".json")


def generator_hash() -> str:
    """8 hex digits of the generator and the IFADV distributions it draws from: a changed generator
    makes its calls anew instead of reusing ones made by an older one."""
    import hashlib

    here = Path(__file__).parent
    h = hashlib.sha256()
    for name in ("make_calls.py", "ifadv_timing.json"):
        h.update((here / name).read_bytes())
    return h.hexdigest()[:8]


def real_timing_calls(split: str = "all", seed: int = DEFAULT_SEED, out: str | Path | None = None,
                      dev_calls_root: str | Path | None = None) -> list[Path]:
    """The 20 dev scripts with IFADV timing (stereo 16 kHz FLAC; truth next door in ``truth/``), of one split.

    Generated on first use into ``OUT`` (default ``devset_dir()/real_timing/seed<seed>-<generator_hash()>``); needs espeak-ng,
    MBROLA and sox only then. A call whose FLAC and truth both exist is not made again."""
    _check_split(split)
    from . import make_calls as mc

    out = Path(out) if out else devset_dir() / "real_timing" / f"seed{seed}-{generator_hash()}"
    scripts = sorted((dev_calls_dir(dev_calls_root) / "scripts").glob("*.json"))
    wanted = [p for p in scripts if _in_split(p.stem, split)]
    missing = [p for p in wanted if not ((out / "stereo16k" / f"{p.stem}.flac").is_file()
                                        and (out / "truth" / f"{p.stem}.truth.json").is_file())]
    if missing:
        for tool in ("espeak-ng", "sox", "mbrola"):
            if not shutil.which(tool):
                raise RuntimeError(f"{tool} not found: generating the real-timing calls needs espeak-ng, mbrola "
                                   f"(+ mbrola-nl2/nl3) and sox (see ../shared/data/dev_calls/README.md)")
        out.mkdir(parents=True, exist_ok=True)
        for p in missing:
            sc = mc.load_script(str(p))
            tmp = out / f".tmp-{p.stem}"
            shutil.rmtree(tmp, ignore_errors=True)
            mc.make_call(sc, str(tmp), {"stereo16k", "truth"}, timing="ifadv", seed=seed)
            for sub in ("truth", "stereo16k"):  # truth first: the FLAC's presence means the call is complete
                (out / sub).mkdir(exist_ok=True)
                for f in (tmp / sub).iterdir():
                    os.replace(f, out / sub / f.name)
            shutil.rmtree(tmp, ignore_errors=True)
        (out / "manifest.json").write_text(json.dumps(
            {"timing": "ifadv", "seed": seed, "command": f"python -m coach.devset.make_calls --timing ifadv --seed "
                                                          f"{seed} --formats stereo16k,truth --out {out}"},
            indent=1) + "\n", encoding="utf-8")
    return [out / "stereo16k" / f"{p.stem}.flac" for p in wanted]
