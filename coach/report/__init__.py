"""The report of one call (``CallReport``) and its renderings. Renderers read only the report."""

from __future__ import annotations

from pathlib import Path

from .model import CallReport, write_report


def write_outputs(report: CallReport, call_dir: str | Path) -> list[Path]:
    """Write every per-call output into ``call_dir`` (each file atomically); ``analysis.json`` first.

    Used by ``coach analyze`` and ``coach batch`` alike, so both write the same set of files.
    """
    return [write_report(report, call_dir)]
