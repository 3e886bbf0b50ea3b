"""Finding the calls under IN_DIR and identifying each by its sha256."""

from __future__ import annotations

import os
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

AUDIO_EXTENSIONS = frozenset({".wav", ".flac", ".mp3", ".ogg", ".opus", ".m4a", ".aac", ".wma", ".webm", ".mka",
                              ".mp4"})


def looks_like_audio(head: bytes) -> bool:
    """Whether a file's first bytes are those of an audio container (WAV, FLAC, Ogg, MP3, MP4, Matroska, ASF)."""
    return ((head[:4] in (b"RIFF", b"RF64") and head[8:12] == b"WAVE")
            or head[:4] in (b"fLaC", b"OggS", b"\x1aE\xdf\xa3", b"0&\xb2u")
            or head[:3] == b"ID3" or head[4:8] == b"ftyp"
            or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0))  # MPEG / ADTS frame sync


def discover(in_dir: Path, skip: Path | None = None) -> list[Path]:
    """Audio files under ``in_dir``, sorted: a known extension, or audio-looking first bytes.

    Hidden files and folders are left out, and so is ``skip`` (OUT_DIR when it lies inside IN_DIR).
    """
    skip = skip.resolve() if skip else None
    found = []
    for root, dirs, names in os.walk(in_dir):
        dirs[:] = [d for d in dirs if not d.startswith(".") and Path(root, d).resolve() != skip]
        for name in names:
            path = Path(root, name)
            if name.startswith(".") or not path.is_file():
                continue
            if path.suffix.lower() in AUDIO_EXTENSIONS:
                found.append(path)
                continue
            with suppress(OSError), open(path, "rb") as f:
                if looks_like_audio(f.read(12)):
                    found.append(path)
    return sorted(found)


@dataclass(frozen=True)
class FoundFile:
    path: str
    sha256: str  # "" when unreadable (the worker then reports why)
    size: int
    mtime_ns: int


def identify(paths: list[Path], rows: dict[str, dict]) -> list[FoundFile]:
    """sha256 of each file, reused from the state ``rows`` when size and mtime are unchanged."""
    from ..audio import file_sha256

    files = []
    for p in paths:
        try:
            st = p.stat()
        except FileNotFoundError:  # gone since it was found
            continue
        row = rows.get(str(p))
        if row and row["size"] == st.st_size and row["mtime_ns"] == st.st_mtime_ns:
            sha = row["sha256"]
        else:
            try:
                sha = file_sha256(p)
            except OSError:
                sha = ""
        files.append(FoundFile(str(p), sha, st.st_size, st.st_mtime_ns))
    return files
