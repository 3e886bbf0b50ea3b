"""The numeric environment of every process that runs coach's models: the same result whoever runs it.

``coach analyze``, a local batch worker, a Dask worker and a container must turn the same call into
the same analysis. What differed between them was not the models but the thread settings around
them: Dask starts its workers with ``OMP_NUM_THREADS=MKL_NUM_THREADS=OPENBLAS_NUM_THREADS=1``, and
OpenBLAS splits a matrix product differently over 1 or 2 threads. The Whisper log-mel features
(a NumPy product with the mel filter bank) then differ in the last bit, and beam search turns that
into other words ("352 nummer 14" against "352, nummer 14"). Measured here: CTranslate2 gives
identical words with 1 or 2 threads from identical features, and pyannote identical speaker
turns; NumPy's BLAS was the part that depended on the caller.

So coach fixes it, rather than inheriting it from whoever started the process:

* BLAS libraries loaded through NumPy/SciPy (OpenBLAS, MKL) run on ONE thread. Their products in
  coach are small (mel filter banks, clustering distances, prosody); the models' own compute
  (CTranslate2, torch) keeps every core it is given. Set through the environment for libraries
  not loaded yet, and through threadpoolctl (made for exactly this) for those already loaded,
  e.g. NumPy in a Dask worker that imported it before coach.
* Idle OpenMP threads sleep (``OMP_WAIT_POLICY=PASSIVE``): on a shared CPU spinning threads made
  the same diarization take 10-75 s instead of 14 s.
* pyannote sends no telemetry and the Hugging Face hub stays offline unless a hub model is asked for;
  its warning that torchcodec found no FFmpeg is silenced (coach decodes audio itself, with PyAV).

``prepare()`` runs when ``coach`` is imported (environment only, no heavy import);
``apply(threads)`` runs before each call's models run.
"""

from __future__ import annotations

import os

# Always these values, whatever the calling process had: results must not depend on it.
FIXED_ENV = {
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "BLIS_NUM_THREADS": "1",
    "VECLIB_MAXIMUM_THREADS": "1",
    "NUMEXPR_NUM_THREADS": "1",
    "PYANNOTE_METRICS_ENABLED": "false",  # pyannote 4 sends usage telemetry otherwise
    "TOKENIZERS_PARALLELISM": "false",
}
# Defaults a user may override on purpose.
DEFAULT_ENV = {
    "OMP_WAIT_POLICY": "PASSIVE",
    "HF_HUB_OFFLINE": "1",
}


def prepare() -> None:
    """Set the environment variables that libraries read when they load (cheap; no imports)."""
    import warnings

    os.environ.update(FIXED_ENV)
    for key, value in DEFAULT_ENV.items():
        os.environ.setdefault(key, value)
    # pyannote warns at import when torchcodec finds no FFmpeg libraries; it is only needed for
    # pyannote's own file decoding, and coach hands it decoded audio (PyAV does the decoding).
    warnings.filterwarnings("ignore", message=r"\s*torchcodec is not installed correctly", category=UserWarning)


def cpu_threads() -> int:
    """Cores this process may use (its CPU affinity: a batch worker is pinned to its share)."""
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))


def apply(threads: int | None = None) -> dict:
    """Put the already loaded libraries in coach's numeric settings; returns a description of them.

    BLAS: one thread (threadpoolctl, for libraries loaded before coach set the environment);
    torch: ``threads`` intra-op threads (the models' own compute).
    """
    import sys

    from threadpoolctl import threadpool_limits

    prepare()
    threads = threads or cpu_threads()
    threadpool_limits(limits=1, user_api="blas")
    if "torch" in sys.modules:  # loaded by a stage that needs it; never imported just for this
        sys.modules["torch"].set_num_threads(threads)
    return {"threads": threads, "blas_threads": 1}


def describe() -> dict:
    """The BLAS and OpenMP libraries loaded in this process, with their thread counts (for ``doctor``)."""
    from threadpoolctl import threadpool_info

    return {f"{i['internal_api']} ({os.path.basename(i['filepath'])})":
            f"{i['num_threads']} thread(s){', ' + i['architecture'] if i.get('architecture') else ''}"
            for i in threadpool_info()}
