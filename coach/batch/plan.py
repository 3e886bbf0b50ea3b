"""Deciding, per file found, what this run does with it: keep, skip as a duplicate, or analyse."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..calls import CallIds
from ..config import AnalyzeOptions
from ..report import RenderOptions, read_stamp
from .discover import FoundFile
from .state import StateStore, now


@dataclass(frozen=True)
class Job:
    """One call to analyse: all a worker (local process or Dask) needs."""

    path: str
    call_id: str
    out_dir: str
    options: AnalyzeOptions
    render: RenderOptions


def plan(files: list[FoundFile], store: StateStore, out_dir: Path, settings_hash: str, retry_failed: bool,
         options: AnalyzeOptions, render: RenderOptions = RenderOptions()) -> list[Job]:
    """Keep what is settled (done with this audio and these settings, or failed without
    ``retry_failed``), skip copies of a settled or planned call, and return the rest as jobs.
    Records the decision of every file in ``store`` (call inside ``store.transaction()``)."""
    rows, current = store.rows, {f.path: f.sha256 for f in files}
    has_report = {p for p, r in rows.items()
                  if r["status"] == "done" and (out_dir / r["call_id"] / "analysis.json").is_file()}
    known = {r["sha256"]: p for p, r in rows.items()  # settled copies: a duplicate of one is not analysed again
             if (p in has_report or r["status"] == "failed") and r["settings_hash"] == settings_hash
             and current.get(p, r["sha256"]) == r["sha256"]}
    ids = CallIds(out_dir, {r["call_id"]: p for p, r in rows.items()}).assign([(f.path, f.sha256) for f in files])
    claimed: dict[str, str] = {}
    jobs = []
    for f, call_id in zip(files, ids):
        row = rows.get(f.path)
        same = bool(row) and row["sha256"] == f.sha256 and row["settings_hash"] == settings_hash
        if same and (f.path in has_report or (row["status"] == "failed" and not retry_failed)):
            continue
        ident = {"call_id": call_id, "sha256": f.sha256, "size": f.size, "mtime_ns": f.mtime_ns,
                 "settings_hash": settings_hash}
        stamp = read_stamp(out_dir / call_id) if same and row["status"] in ("running", "pending") else None
        if stamp and stamp.sha256 == f.sha256 and stamp.settings_hash == settings_hash:  # killed before recorded
            store.put(f.path, status="done", error=None, finished=row["finished"] or now())
            continue
        original = known.get(f.sha256) or claimed.get(f.sha256)
        if f.size and f.sha256 and original and original != f.path:
            store.put(f.path, **ident, status="skipped", error=f"duplicate of {original}")
            continue
        claimed[f.sha256] = f.path
        store.put(f.path, **ident, status="pending", error=None)
        jobs.append(Job(f.path, call_id, str(out_dir), options, render))
    return jobs
