"""The report of one call (``CallReport``) and its renderings. Renderers read only the report."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from .model import CallReport, write_atomic, write_report


@dataclass(frozen=True)
class RenderOptions:
    """language: ``nl`` or ``en``; redact: leave personal data out of renderings (JSON keeps it and
    says so); embed_audio: put the audio into report.html as Opus instead of linking the recording."""

    language: str = "nl"
    redact: bool = True
    embed_audio: bool = False


def render_all(report: CallReport, call_dir: str | Path, options: RenderOptions = RenderOptions()) -> list[Path]:
    """report.html, report.md, call.rttm, call.srt and call.vtt in ``call_dir`` (each atomically)."""
    from .formats import rttm, srt, vtt
    from .html import render_html
    from .markdown import markdown
    from .view import make_view

    call_dir = Path(call_dir)
    view = make_view(report, options.language, options.redact)
    files = {"report.html": render_html(view, call_dir, options.embed_audio), "report.md": markdown(view),
             "call.rttm": rttm(view), "call.srt": srt(view), "call.vtt": vtt(view)}
    for name, text in files.items():
        write_atomic(call_dir / name, text)
    return [call_dir / name for name in files]


def write_outputs(report: CallReport, call_dir: str | Path, options: RenderOptions = RenderOptions()) -> list[Path]:
    """Write every per-call output into ``call_dir`` (each file atomically); ``analysis.json`` first.

    Used by ``coach analyze`` and ``coach batch`` alike, so both write the same set of files.
    """
    import dataclasses

    report = dataclasses.replace(report, privacy={"redacted_in_renderings": options.redact,
                                                  "kinds": ["phone", "email", "iban", "postcode", "bsn"]})
    return [write_report(report, call_dir), *render_all(report, call_dir, options)]


@dataclass(frozen=True)
class ReportStamp:
    """What identifies a finished report: its audio, its source path and the settings it was made with."""

    sha256: str
    settings_hash: str
    source: str


def read_stamp(call_dir: str | Path) -> ReportStamp | None:
    """The stamp of the report in ``call_dir``, or None when there is no readable ``analysis.json``.

    Cheap enough to call per call folder (no report object is built)."""
    try:
        d = json.loads((Path(call_dir) / "analysis.json").read_text(encoding="utf-8"))
        return ReportStamp(str(d["call"]["sha256"]), str(d["settings"].get("hash", "")), str(d["call"]["source"]))
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def load_report(path: str | Path) -> CallReport:
    """A report from its analysis.json (or the folder holding it)."""
    from ..errors import CoachError

    path = Path(path)
    if path.is_dir():
        path = path / "analysis.json"
    try:
        return CallReport.load(path)
    except FileNotFoundError:
        raise CoachError("file not found", path) from None
    except (ValueError, KeyError, TypeError) as exc:
        detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise CoachError(f"not a coach analysis.json ({detail})", path) from None
