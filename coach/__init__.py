"""coach: call-coaching voice pipeline for phone support (Dutch first).

The pipeline turns one recorded call into an ``analysis.json`` (see ``coach.report.model``):
decode -> speakers -> transcribe -> roles -> conversation -> analysis -> report.
Heavy libraries (torch, pyannote, faster_whisper) are imported lazily inside the stages.
"""

__version__ = "0.1.0"

from . import runtime as _runtime

_runtime.prepare()  # thread, offline and telemetry settings, before any numeric library loads (env only)
