"""The nightly batch: many calls, resumable, failures isolated, in parallel, locally or on Dask.

``run_batch(IN_DIR, OUT_DIR)`` finds the audio files under IN_DIR, analyses each into
``OUT_DIR/<call-id>/`` and writes ``index.json`` + ``index.html``. The state lives in
``OUT_DIR/.coach-batch.sqlite`` (one row per file), so a re-run skips what is done with the same
audio and settings and a killed run resumes. Calls run in long-lived worker processes (models load
once per process); a worker that crashes or runs past the time limit fails that call only. A report
is written into ``OUT_DIR/.tmp-*`` and renamed into place, so a call's directory is complete or absent.
"""

from __future__ import annotations

import errno
import fcntl
import html
import json
import os
import shutil
import signal
import sqlite3
import tempfile
import time
import uuid
from collections import Counter, deque
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterator, Protocol
from urllib.parse import quote

from .config import AnalyzeOptions
from .errors import CoachError
from .report import RenderOptions

AUDIO_EXTENSIONS = frozenset({".wav", ".flac", ".mp3", ".ogg", ".opus", ".m4a", ".aac", ".wma", ".webm", ".mka",
                              ".mp4"})
STATE_DB = ".coach-batch.sqlite"
LOCK_FILE = ".coach-batch.lock"
TMP_PREFIX, OLD_PREFIX = ".tmp-", ".old-"
DEFAULT_TIMEOUT_S = 1800.0
EventHook = Callable[[str, str, int, int], None]  # (event: start/done/failed, call_id, finished, total)

SCHEMA = """
CREATE TABLE IF NOT EXISTS calls (
    path TEXT PRIMARY KEY,          -- absolute path of the audio file
    call_id TEXT NOT NULL,          -- its report directory: OUT_DIR/<call_id>
    sha256 TEXT NOT NULL,
    size INTEGER NOT NULL,          -- size and mtime_ns: the sha256 is re-computed only when these change
    mtime_ns INTEGER NOT NULL,
    settings_hash TEXT NOT NULL,    -- AnalyzeOptions.settings_hash() of the last attempt
    status TEXT NOT NULL CHECK (status IN ('pending', 'running', 'done', 'failed', 'skipped')),
    error TEXT,                     -- why it failed / was skipped
    attempts INTEGER NOT NULL DEFAULT 0,
    duration_s REAL,                -- audio duration
    elapsed_s REAL,                 -- wall time of the analysis in the worker
    timings TEXT,                   -- JSON: seconds per stage
    started TEXT,                   -- ISO 8601 UTC
    finished TEXT
)"""


# --- discovery ---------------------------------------------------------------------------------

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
class _File:
    path: str
    sha256: str  # "" when unreadable (the worker then reports why)
    size: int
    mtime_ns: int


def _identify(paths: list[Path], rows: dict[str, dict]) -> list[_File]:
    """sha256 of each file, reused from the state when size and mtime are unchanged."""
    from .audio import file_sha256

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
        files.append(_File(str(p), sha, st.st_size, st.st_mtime_ns))
    return files


# --- state -------------------------------------------------------------------------------------

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
def _locked(out_dir: Path) -> Iterator[None]:
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


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _report_matches(call_dir: Path, sha256: str, settings_hash: str) -> bool:
    """Whether ``call_dir`` holds a finished report of this audio with these settings."""
    try:
        d = json.loads((call_dir / "analysis.json").read_text(encoding="utf-8"))
        return d["call"]["sha256"] == sha256 and d["settings"]["hash"] == settings_hash
    except (OSError, ValueError, KeyError, TypeError):
        return False


# --- one call, in a worker ---------------------------------------------------------------------

@dataclass(frozen=True)
class Job:
    """One call to analyse: all a worker (local process or Dask) needs."""

    path: str
    call_id: str
    out_dir: str
    options: AnalyzeOptions
    render: RenderOptions


def _failure(reason: str) -> dict:
    return {"ok": False, "error": reason, "duration_s": None, "elapsed_s": None, "timings": None}


def run_call(job: Job) -> dict:
    """Analyse one call into ``out_dir/<call_id>`` (written aside, then renamed into place).

    Never raises: returns ``{"ok", "error", "duration_s", "elapsed_s", "timings"}``.
    """
    from .pipeline import analyze_file
    from .report import write_outputs

    t = time.perf_counter()
    try:
        report = analyze_file(job.path, job.options, call_id=job.call_id)
        tmp = Path(tempfile.mkdtemp(prefix=f"{TMP_PREFIX}{job.call_id}-", dir=job.out_dir))
        try:
            os.chmod(tmp, 0o755)
            write_outputs(report, tmp, job.render)
            _publish(tmp, Path(job.out_dir, job.call_id))
        finally:
            shutil.rmtree(tmp, ignore_errors=True)  # gone already unless something failed
    except CoachError as e:
        return _failure(e.reason)
    except Exception as e:  # noqa: BLE001 - one call must not stop the night
        first = str(e).strip().splitlines()[0] if str(e).strip() else ""
        return _failure(f"unexpected failure ({type(e).__name__}: {first})")
    return {"ok": True, "error": None, "duration_s": report.call.duration_s,
            "elapsed_s": round(time.perf_counter() - t, 3), "timings": report.timings}


def _publish(tmp: Path, final: Path) -> None:
    """Rename the finished ``tmp`` directory to ``final``; an older report there is moved aside and removed."""
    for _ in range(5):
        try:
            os.rename(tmp, final)
            return
        except OSError as e:
            if e.errno not in (errno.ENOTEMPTY, errno.EEXIST):
                raise
        aside = final.with_name(f"{OLD_PREFIX}{final.name}-{uuid.uuid4().hex[:8]}")
        with suppress(FileNotFoundError):
            os.rename(final, aside)
        shutil.rmtree(aside, ignore_errors=True)
    raise OSError(f"could not move the report into {final}")


# --- where calls run: local processes or a Dask cluster -----------------------------------------

class _Pool(Protocol):
    def capacity(self) -> int: ...
    def submit(self, job: Job) -> None: ...
    def wait(self, timeout: float) -> list[tuple[Job, dict]]: ...
    def kill(self, job: Job) -> None: ...
    def close(self) -> None: ...


def _die_with_parent() -> None:
    """Linux: have the kernel SIGKILL this worker when the batch process dies (kill -9 included)."""
    with suppress(OSError, AttributeError):
        import ctypes

        ctypes.CDLL("libc.so.6").prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def _worker_main(conn, cores: list[int] | None) -> None:
    """A local worker process: runs jobs from ``conn`` one at a time, keeping its models loaded."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the batch process, which stops us
    _die_with_parent()
    if cores:
        os.sched_setaffinity(0, cores)
    conn.send("ready")
    with suppress(EOFError):
        while (job := conn.recv()) is not None:
            conn.send(run_call(job))


@dataclass
class _Worker:
    proc: object  # multiprocessing Process
    conn: object  # its end of the Pipe
    job: Job | None = None


class _LocalPool:
    """``n`` long-lived worker processes on this machine (spawned when first needed), one call at a
    time each. With several workers each is pinned to its share of the CPU cores (so the models'
    thread counts follow). A worker that dies or runs over time is replaced; the others go on."""

    def __init__(self, n: int):
        import multiprocessing

        self.ctx = multiprocessing.get_context("spawn")
        cores = sorted(os.sched_getaffinity(0))
        k = max(1, len(cores) // n)
        self.cores = [None] if n == 1 else [[cores[(i * k + j) % len(cores)] for j in range(k)] for i in range(n)]
        self.workers: list[_Worker | None] = [None] * n

    def capacity(self) -> int:
        return len(self.workers)

    def _start(self, slot: int) -> _Worker:
        conn, child = self.ctx.Pipe()
        proc = self.ctx.Process(target=_worker_main, args=(child, self.cores[slot]), name=f"coach-batch-{slot}")
        proc.start()
        child.close()
        try:
            if conn.poll(300) and conn.recv() == "ready":
                return _Worker(proc, conn)
        except (EOFError, OSError):
            pass
        proc.kill()
        raise CoachError("a batch worker process did not start")

    def submit(self, job: Job) -> None:
        slot = next(i for i, w in enumerate(self.workers) if w is None or w.job is None)
        if self.workers[slot] is None or not self.workers[slot].proc.is_alive():
            self.workers[slot] = self._start(slot)
        self.workers[slot].job = job
        with suppress(OSError):  # died just now: wait() sees it and fails this call
            self.workers[slot].conn.send(job)

    def wait(self, timeout: float) -> list[tuple[Job, dict]]:
        from multiprocessing.connection import wait

        busy = [(i, w) for i, w in enumerate(self.workers) if w and w.job]
        ready = set(wait([w.conn for _, w in busy] + [w.proc.sentinel for _, w in busy], timeout))
        finished = []
        for slot, w in busy:
            if w.conn not in ready and w.proc.sentinel not in ready:
                continue
            try:
                result = w.conn.recv()
            except (EOFError, OSError):
                w.proc.join(5)
                code = w.proc.exitcode
                how = (f"killed by {signal.Signals(-code).name}"
                       if code and code < 0 and -code in signal.valid_signals() else f"exit code {code}")
                result = _failure(f"worker crashed ({how}{'; out of memory?' if code == -signal.SIGKILL else ''})")
                self.workers[slot] = None
            finished.append((w.job, result))
            w.job = None
        return finished

    def kill(self, job: Job) -> None:
        for slot, w in enumerate(self.workers):
            if w and w.job is job:
                w.proc.kill()
                w.proc.join(5)
                self.workers[slot] = None

    def close(self) -> None:
        for w in filter(None, self.workers):
            if w.job is None:
                with suppress(OSError):
                    w.conn.send(None)
            else:
                w.proc.kill()
        for w in filter(None, self.workers):
            w.proc.join(10)
            if w.proc.is_alive():
                w.proc.kill()
                w.proc.join()
        self.workers = [None] * len(self.workers)


class _DaskPool:
    """Calls as tasks on a Dask distributed cluster; each worker process keeps its models loaded.

    At most as many calls are in flight as the cluster has threads, so a call starts when submitted
    and its deadline counts from then. An overdue call's worker is restarted (through its nanny).
    """

    def __init__(self, address: str, wait_s: float = 120.0):
        from distributed import Client

        try:
            self.client = Client(address, timeout=30, set_as_default=False)
        except (OSError, TimeoutError) as e:
            raise CoachError(f"cannot reach the Dask scheduler at {address} ({e})") from None
        try:
            self.client.wait_for_workers(1, timeout=wait_s)
        except TimeoutError:
            self.client.close()
            raise CoachError(f"no Dask worker joined the scheduler at {address} within {wait_s:g} s") from None
        self.futures: dict = {}  # Future -> Job

    def capacity(self) -> int:
        return max(1, sum(self.client.nthreads().values()))

    def submit(self, job: Job) -> None:
        key = f"coach-batch-{job.call_id}-{uuid.uuid4().hex[:8]}"
        self.futures[self.client.submit(run_call, job, key=key, pure=False)] = job

    def wait(self, timeout: float) -> list[tuple[Job, dict]]:
        from distributed import wait

        with suppress(TimeoutError), self.client.as_current():
            wait(list(self.futures), timeout=max(timeout, 0.01), return_when="FIRST_COMPLETED")
        finished = []
        for fut in [f for f in self.futures if f.done()]:
            job = self.futures.pop(fut)
            if fut.status == "finished":
                finished.append((job, fut.result()))
            else:
                exc = fut.exception()
                reason = ("worker crashed (the Dask worker running it died; out of memory?)"
                          if type(exc).__name__ == "KilledWorker" else f"task failed ({type(exc).__name__}: {exc})")
                finished.append((job, _failure(reason)))
        return finished

    def kill(self, job: Job) -> None:
        fut = next(f for f, j in self.futures.items() if j is job)
        del self.futures[fut]
        workers = [w for w, keys in self.client.processing().items() if fut.key in keys]
        fut.cancel()
        with suppress(Exception):  # best effort: the call is recorded as timed out either way
            self.client.restart_workers(workers)

    def close(self) -> None:
        self.client.close()


# --- the run -----------------------------------------------------------------------------------

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


def _plan(files: list[_File], store: StateStore, out_dir: Path, settings_hash: str, retry_failed: bool,
          options: AnalyzeOptions, render: RenderOptions = RenderOptions()) -> list[Job]:
    """Decide per file: keep (done, or failed without ``retry_failed``), skip (duplicate), or do."""
    from .pipeline import safe_call_id

    rows, current = store.rows, {f.path: f.sha256 for f in files}
    has_report = {p for p, r in rows.items()
                  if r["status"] == "done" and (out_dir / r["call_id"] / "analysis.json").is_file()}
    known = {r["sha256"]: p for p, r in rows.items()  # settled copies: a duplicate of one is not analysed again
             if (p in has_report or r["status"] == "failed") and r["settings_hash"] == settings_hash
             and current.get(p, r["sha256"]) == r["sha256"]}
    stems = Counter(safe_call_id(f.path) for f in files)
    taken = {r["call_id"]: p for p, r in rows.items()}
    claimed: dict[str, str] = {}
    jobs = []
    for f in files:
        row = rows.get(f.path)
        same = bool(row) and row["sha256"] == f.sha256 and row["settings_hash"] == settings_hash
        if same and (f.path in has_report or (row["status"] == "failed" and not retry_failed)):
            continue
        if row:
            call_id = row["call_id"]
        else:
            base = safe_call_id(f.path)
            call_id = f"{base}-{f.sha256[:8]}" if stems[base] > 1 or taken.get(base, f.path) != f.path else base
            taken[call_id] = f.path
        ident = {"call_id": call_id, "sha256": f.sha256, "size": f.size, "mtime_ns": f.mtime_ns,
                 "settings_hash": settings_hash}
        if (same and row["status"] in ("running", "pending")
                and _report_matches(out_dir / call_id, f.sha256, settings_hash)):  # killed before it was recorded
            store.put(f.path, status="done", error=None, finished=row["finished"] or _now())
            continue
        original = known.get(f.sha256) or claimed.get(f.sha256)
        if f.size and f.sha256 and original and original != f.path:
            store.put(f.path, **ident, status="skipped", error=f"duplicate of {original}")
            continue
        claimed[f.sha256] = f.path
        store.put(f.path, **ident, status="pending", error=None)
        jobs.append(Job(f.path, call_id, str(out_dir), options, render))
    return jobs


def _execute(pool: _Pool, jobs: list[Job], store: StateStore, timeout_s: float, on_event: EventHook) -> None:
    """Run ``jobs`` on ``pool``, recording each start and end in ``store``; kill those past ``timeout_s``."""
    queue, running, total, finished = deque(jobs), {}, len(jobs), 0
    while queue or running:
        capacity = pool.capacity()
        while queue and len(running) < capacity:
            job = queue.popleft()
            store.put(job.path, status="running", attempts=store.rows[job.path]["attempts"] + 1, started=_now(),
                      finished=None, error=None)
            pool.submit(job)
            running[job.path] = (job, time.monotonic() + timeout_s)
            on_event("start", job.call_id, finished, total)
        results = pool.wait(max(0.0, min(d for _, d in running.values()) - time.monotonic()))
        done = {job.path for job, _ in results}
        for job, deadline in list(running.values()):
            if job.path not in done and time.monotonic() >= deadline:
                pool.kill(job)
                results.append((job, _failure(f"timed out after {timeout_s:g} s")))
        for job, r in results:
            del running[job.path]
            finished += 1
            status = "done" if r["ok"] else "failed"
            store.put(job.path, status=status, error=r["error"], duration_s=r["duration_s"], elapsed_s=r["elapsed_s"],
                      timings=json.dumps(r["timings"]) if r["timings"] else None, finished=_now())
            on_event(status, job.call_id, finished, total)


def _clean_partial(out_dir: Path) -> None:
    """Remove what a killed run left half-written: ``.tmp-*`` and ``.old-*`` directories."""
    for p in out_dir.iterdir():
        if p.is_dir() and p.name.startswith((TMP_PREFIX, OLD_PREFIX)):
            shutil.rmtree(p, ignore_errors=True)


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
    t0 = time.perf_counter()
    options = options or AnalyzeOptions()
    in_dir, out_dir = Path(in_dir).resolve(), Path(out_dir).resolve()
    if not in_dir.is_dir():
        raise CoachError("input directory not found", in_dir)
    if workers < 1:
        raise CoachError("--workers must be at least 1")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        with _locked(out_dir):
            _clean_partial(out_dir)
            store = StateStore(out_dir / STATE_DB)
            try:
                files = _identify(discover(in_dir, skip=out_dir), store.rows)
                settings_hash = options.settings_hash()
                with store.transaction():
                    jobs = _plan(files, store, out_dir, settings_hash, retry_failed, options, render)
                if jobs:
                    pool = _DaskPool(scheduler) if scheduler else _LocalPool(min(workers, len(jobs)))
                    try:
                        _execute(pool, jobs, store, timeout_s, on_event or (lambda *_: None))
                    finally:
                        pool.close()
                calls = [dict(store.rows[f.path]) for f in files]
                return write_index(out_dir, in_dir, calls, {j.path for j in jobs}, time.perf_counter() - t0,
                                   settings_hash)
            finally:
                store.close()
    except (OSError, sqlite3.Error) as e:
        raise CoachError(f"the batch could not run ({e})", out_dir) from None


# --- index.json / index.html -------------------------------------------------------------------

def write_index(out_dir: Path, in_dir: Path, calls: list[dict], attempted: set[str], wall_s: float,
                settings_hash: str) -> BatchResult:
    """Write ``index.json`` and ``index.html`` (atomically) for this run's files."""
    from .report.model import write_atomic

    count = Counter(c["status"] for c in calls)
    this_run = [c for c in calls if c["path"] in attempted and c["status"] == "done"]
    hours = wall_s / 3600
    totals = {
        "files": len(calls), **{s: count[s] for s in ("done", "failed", "skipped", "pending")},
        "audio_hours": round(sum(c["duration_s"] or 0 for c in calls if c["status"] == "done") / 3600, 4),
        "analysed_this_run": len(attempted), "done_this_run": len(this_run), "wall_s": round(wall_s, 1),
        "calls_per_hour": round(len(this_run) / hours, 1) if hours else 0.0,
        "audio_hours_per_hour": round(sum(c["duration_s"] or 0 for c in this_run) / 3600 / hours, 3) if hours else 0.0,
    }
    entries = [{"path": c["path"], "call_id": c["call_id"], "status": c["status"], "error": c["error"],
                "duration_s": c["duration_s"], "elapsed_s": c["elapsed_s"], "attempts": c["attempts"],
                "finished": c["finished"], "report": f"{c['call_id']}/report.html" if c["status"] == "done" else None}
               for c in calls]
    doc = {"generated": _now(), "in_dir": str(in_dir), "out_dir": str(out_dir), "settings_hash": settings_hash,
           "totals": totals, "calls": entries}
    write_atomic(out_dir / "index.json", json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
    write_atomic(out_dir / "index.html", _index_html(doc))
    return BatchResult(totals, entries, out_dir / "index.json")


def _index_html(doc: dict) -> str:
    e = html.escape
    t = doc["totals"]
    rows = []
    for c in doc["calls"]:
        name = e(c["call_id"])
        link = f'<a href="{e(quote(c["report"]))}">{name}</a>' if c["report"] else name
        dur = f'{c["duration_s"]:.0f} s' if c["duration_s"] else ""
        rows.append(f'<tr class="{e(c["status"])}"><td>{link}</td><td>{e(c["status"])}</td><td>{dur}</td>'
                    f'<td>{e(c["error"] or "")}</td><td class="path">{e(c["path"])}</td></tr>')
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>coach batch: {e(doc["in_dir"])}</title>
<style>
body {{ font: 14px/1.4 system-ui, sans-serif; margin: 2em; color: #222; }}
table {{ border-collapse: collapse; }}
td, th {{ padding: .25em .8em; border-bottom: 1px solid #ddd; text-align: left; }}
.failed td:nth-child(2) {{ color: #b00; }} .done td:nth-child(2) {{ color: #070; }}
.skipped td:nth-child(2) {{ color: #777; }}
.path {{ color: #666; font-size: 12px; }}
</style></head><body>
<h1>coach batch</h1>
<p>{e(doc["in_dir"])} &rarr; {e(doc["out_dir"])}, {e(doc["generated"])}, settings {e(doc["settings_hash"])}</p>
<p>{t["files"]} files: {t["done"]} done, {t["failed"]} failed, {t["skipped"]} skipped, {t["pending"]} pending;
{t["audio_hours"]:.2f} hours of audio. This run: {t["done_this_run"]} calls analysed in {t["wall_s"]:.0f} s
({t["calls_per_hour"]:.0f} calls per hour, {t["audio_hours_per_hour"]:.2f} audio hours per hour).</p>
<table><tr><th>call</th><th>status</th><th>audio</th><th>reason</th><th>file</th></tr>
{chr(10).join(rows)}
</table></body></html>
"""


# --- benchmark ---------------------------------------------------------------------------------

def bench_workers(calls: list[Path], workers: tuple[int, ...] = (1, 2),
                  options: AnalyzeOptions | None = None) -> list[dict]:
    """Run the batch over the same ``calls`` once per worker count, each into a fresh OUT_DIR with fresh
    worker processes (model loading included, as in a night), and return the throughput of each."""
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
