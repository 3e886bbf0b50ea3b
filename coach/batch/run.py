"""The run: lock OUT_DIR, find and identify the files, plan, execute on a pool, write the index."""

from __future__ import annotations

import json
import sqlite3
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from ..calls import clean_partial
from ..config import AnalyzeOptions, settings_hash
from ..errors import CoachError
from ..report import RenderOptions
from .discover import discover, identify
from .plan import Job, plan
from .pools import DaskPool, LocalPool, Pool, failed
from .state import STATE_DB, StateStore, locked, now

DEFAULT_TIMEOUT_S = 1800.0
EventHook = Callable[[str, str, int, int], None]  # (event: start/done/failed, call_id, finished, total)


@dataclass(frozen=True)
class BatchResult:
    """How a run ended: ``totals`` and ``calls`` as in ``index.json`` (the files found in IN_DIR)."""

    totals: dict
    calls: list[dict]
    index: Path

    @property
    def exit_code(self) -> int:
        """0 when every file found is done (or a skipped duplicate), 1 when some are failed."""
        return 1 if self.totals["failed"] else 0


def execute(pool: Pool, jobs: list[Job], store: StateStore, timeout_s: float, on_event: EventHook) -> str | None:
    """Run ``jobs`` on ``pool``, recording each start and end in ``store``; kill those past ``timeout_s``.

    When a report cannot be written (disk full, OUT_DIR unwritable) no further call is started: that
    call and the rest stay ``pending`` (not failed) for the next run, and the reason is returned.
    """
    queue, running, total, finished = deque(jobs), {}, len(jobs), 0
    fault: str | None = None
    while running or (queue and fault is None):
        capacity = pool.capacity()
        while queue and fault is None and len(running) < capacity:
            job = queue.popleft()
            store.put(job.path, status="running", attempts=store.rows[job.path]["attempts"] + 1, started=now(),
                      finished=None, error=None)
            pool.submit(job)
            running[job.path] = (job, time.monotonic() + timeout_s)
            on_event("start", job.call_id, finished, total)
        results = pool.wait(max(0.0, min(d for _, d in running.values()) - time.monotonic()))
        done = {job.path for job, _ in results}
        for job, deadline in list(running.values()):
            if job.path not in done and time.monotonic() >= deadline:
                pool.kill(job)
                results.append((job, failed(job, f"timed out after {timeout_s:g} s")))
        for job, r in results:
            del running[job.path]
            if r.output_fault:
                fault = fault or r.error
                store.put(job.path, status="pending", error=None, started=None)
                on_event("failed", job.call_id, finished, total)
                continue
            finished += 1
            status = "done" if r.ok else "failed"
            store.put(job.path, status=status, error=r.error, duration_s=r.duration_s, elapsed_s=r.elapsed_s,
                      timings=json.dumps(r.timings) if r.timings else None, finished=now())
            on_event(status, job.call_id, finished, total)
    return fault


def run_batch(in_dir: str | Path, out_dir: str | Path, options: AnalyzeOptions | None = None, *, workers: int = 1,
              scheduler: str | None = None, retry_failed: bool = False, timeout_s: float = DEFAULT_TIMEOUT_S,
              render: RenderOptions = RenderOptions(), on_event: EventHook | None = None) -> BatchResult:
    """Analyse every audio file under ``in_dir`` into ``out_dir``, resuming from the state there.

    ``workers`` local processes, or the Dask cluster at ``scheduler`` (``tcp://host:8786``). ``render``
    (report language, redaction) is no part of the settings hash: a change does not re-analyse
    calls that are done (``coach report`` re-renders them).

    Raises:
        CoachError: the job itself cannot run (no IN_DIR, OUT_DIR not writable, lock held, no cluster).
    """
    from ..report.index import write_index

    t0 = time.perf_counter()
    options = options or AnalyzeOptions()
    in_dir, out_dir = Path(in_dir).resolve(), Path(out_dir).resolve()
    if not in_dir.is_dir():
        raise CoachError("input directory not found", in_dir)
    if workers < 1:
        raise CoachError("--workers must be at least 1")
    settings = settings_hash(options)  # before the lock: a bad --config or lexicon fails here
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        with locked(out_dir):
            clean_partial(out_dir)
            store = StateStore(out_dir / STATE_DB)
            try:
                files = identify(discover(in_dir, skip=out_dir), store.rows)
                with store.transaction():
                    jobs = plan(files, store, out_dir, settings, retry_failed, options, render)
                fault = None
                if jobs:
                    pool = DaskPool(scheduler) if scheduler else LocalPool(min(workers, len(jobs)))
                    try:
                        fault = execute(pool, jobs, store, timeout_s, on_event or (lambda *_: None))
                    finally:
                        pool.close()
                if fault:
                    left = sum(1 for r in store.rows.values() if r["status"] in ("pending", "running"))
                    raise CoachError(f"{fault}; stopped, {left} call(s) left for the next run "
                                     "(calls already done stay done)")
                calls = [dict(store.rows[f.path]) for f in files]
                totals, entries, index = write_index(out_dir, in_dir, calls, {j.path for j in jobs},
                                                     time.perf_counter() - t0, settings, redact=render.redact)
                return BatchResult(totals, entries, index)
            finally:
                store.close()
    except OSError as e:
        from ..calls import output_reason

        raise CoachError(f"the batch could not run: {output_reason(e, out_dir)}") from None
    except sqlite3.Error as e:
        raise CoachError(f"the batch could not run ({e})", out_dir) from None
