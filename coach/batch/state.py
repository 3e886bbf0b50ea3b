"""The batch state (``OUT_DIR/.coach-batch.sqlite``, one row per audio file) and the run lock."""

from __future__ import annotations

import fcntl
import os
import sqlite3
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

from ..errors import CoachError

STATE_DB = ".coach-batch.sqlite"
LOCK_FILE = ".coach-batch.lock"

SCHEMA = """
CREATE TABLE IF NOT EXISTS calls (
    path TEXT PRIMARY KEY,          -- absolute path of the audio file
    call_id TEXT NOT NULL,          -- its report directory: OUT_DIR/<call_id>
    sha256 TEXT NOT NULL,
    size INTEGER NOT NULL,          -- size and mtime_ns: the sha256 is re-computed only when these change
    mtime_ns INTEGER NOT NULL,
    settings_hash TEXT NOT NULL,    -- settings_hash(options) of the last attempt
    status TEXT NOT NULL CHECK (status IN ('pending', 'running', 'done', 'failed', 'skipped')),
    error TEXT,                     -- why it failed / was skipped
    attempts INTEGER NOT NULL DEFAULT 0,
    duration_s REAL,                -- audio duration
    elapsed_s REAL,                 -- wall time of the analysis in the worker
    timings TEXT,                   -- JSON: seconds per stage
    started TEXT,                   -- ISO 8601 UTC
    finished TEXT
)"""


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class StateStore:
    """The batch state in SQLite (WAL): one row per audio file, mirrored in ``self.rows``."""

    def __init__(self, path: Path):
        self.db = sqlite3.connect(path, isolation_level=None, timeout=30)
        self.db.row_factory = sqlite3.Row
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute(SCHEMA)
        self.columns = [r["name"] for r in self.db.execute("PRAGMA table_info(calls)")]
        self.rows: dict[str, dict] = {r["path"]: dict(r) for r in self.db.execute("SELECT * FROM calls")}

    def put(self, path: str, **values) -> None:
        """Update the row of ``path``, or insert it (a new row needs every NOT NULL column)."""
        if path in self.rows:
            self.db.execute(f"UPDATE calls SET {', '.join(f'{c} = ?' for c in values)} WHERE path = ?",
                            [*values.values(), path])
        else:
            cols = ["path", *values]
            self.db.execute(f"INSERT INTO calls ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                            [path, *values.values()])
        self.rows.setdefault(path, dict.fromkeys(self.columns, None) | {"path": path, "attempts": 0}).update(values)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def close(self) -> None:
        self.db.close()


@contextmanager
def locked(out_dir: Path) -> Iterator[None]:
    """Hold ``OUT_DIR/.coach-batch.lock`` (flock, non-blocking) for the run."""
    fd = os.open(out_dir / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            pid = os.pread(fd, 32, 0).decode(errors="replace").strip() or "?"
            raise CoachError(f"another batch run holds OUT_DIR (pid {pid})", out_dir) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        yield
    finally:
        os.close(fd)
