"""The nightly batch: many calls, resumable, failures isolated, in parallel, locally or on Dask.

``run_batch(IN_DIR, OUT_DIR)`` finds the audio files under IN_DIR (``discover``), identifies each by
its sha256, decides what to do with each against the state in ``OUT_DIR/.coach-batch.sqlite``
(``plan``: keep, skip a duplicate, analyse), runs the calls in long-lived worker processes or on a
Dask cluster (``pools``), and writes ``index.json`` + ``index.html`` (``coach.report.index``). Each
call goes through ``coach.calls.analyze_call``, the same path as ``coach analyze``: written into
``OUT_DIR/.tmp-*`` and renamed into place, so a call's folder is complete or absent.
"""

from .discover import AUDIO_EXTENSIONS, FoundFile, discover, identify, looks_like_audio
from .plan import Job, plan
from .pools import DaskPool, LocalPool, run_call
from .run import DEFAULT_TIMEOUT_S, BatchResult, execute, run_batch
from .state import LOCK_FILE, STATE_DB, StateStore, locked

__all__ = ["AUDIO_EXTENSIONS", "DEFAULT_TIMEOUT_S", "LOCK_FILE", "STATE_DB", "BatchResult", "DaskPool", "FoundFile",
           "Job", "LocalPool", "StateStore", "discover", "execute", "identify", "locked", "looks_like_audio", "plan",
           "run_batch", "run_call"]
