"""Where batch calls run: long-lived local worker processes, or a Dask distributed cluster.

Both run ``run_call`` (one call, analysed and published by ``coach.calls.analyze_call``, the same
path as ``coach analyze``) and keep their models loaded between calls. A worker that crashes or
runs past the time limit fails only the call it was running.
"""

from __future__ import annotations

import signal
import uuid
from contextlib import suppress
from dataclasses import dataclass
from typing import Protocol

from ..calls import CallResult, analyze_call
from ..errors import CoachError
from .plan import Job


def run_call(job: Job) -> CallResult:
    """Analyse one call into ``out_dir/<call_id>`` in this (worker) process. Never raises."""
    return analyze_call(job.path, job.call_id, job.out_dir, job.options, job.render).without_report()


def failed(job: Job, reason: str) -> CallResult:
    return CallResult(job.path, job.call_id, error=reason)


class Pool(Protocol):
    def capacity(self) -> int: ...
    def submit(self, job: Job) -> None: ...
    def wait(self, timeout: float) -> list[tuple[Job, CallResult]]: ...
    def kill(self, job: Job) -> None: ...
    def close(self) -> None: ...


def _die_with_parent() -> None:
    """Linux: have the kernel SIGKILL this worker when the batch process dies (kill -9 included)."""
    with suppress(OSError, AttributeError):
        import ctypes

        ctypes.CDLL("libc.so.6").prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def _worker_main(conn, cores: list[int] | None) -> None:
    """A local worker process: runs jobs from ``conn`` one at a time, keeping its models loaded."""
    import os

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


class LocalPool:
    """``n`` long-lived worker processes on this machine (spawned when first needed), one call at a
    time each. With several workers each is pinned to its share of the CPU cores (so the models'
    thread counts follow). A worker that dies or runs over time is replaced; the others go on."""

    def __init__(self, n: int):
        import multiprocessing
        import os

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
        raise CoachError(f"a batch worker process did not start (exit code {proc.exitcode})")

    def submit(self, job: Job) -> None:
        slot = next(i for i, w in enumerate(self.workers) if w is None or w.job is None)
        if self.workers[slot] is None or not self.workers[slot].proc.is_alive():
            self.workers[slot] = self._start(slot)
        self.workers[slot].job = job
        with suppress(OSError):  # died just now: wait() sees it and fails this call
            self.workers[slot].conn.send(job)

    def wait(self, timeout: float) -> list[tuple[Job, CallResult]]:
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
                result = failed(w.job, f"worker crashed ({how}{'; out of memory?' if code == -signal.SIGKILL else ''})")
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


class DaskPool:
    """Calls as tasks on a Dask distributed cluster; each worker process keeps its models loaded.

    At most as many calls are in flight as the cluster has threads, so a call starts when submitted
    and its deadline counts from then. An overdue call's worker is restarted (through its nanny).
    Dask starts its workers with one-thread BLAS/OpenMP variables; coach's own numeric settings
    (``coach.runtime``) are applied in the worker before each call, so results match a local run.
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

    def wait(self, timeout: float) -> list[tuple[Job, CallResult]]:
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
                finished.append((job, failed(job, reason)))
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
