"""The report of one call (``CallReport``) and its renderings. Renderers read only the report."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from .model import CallReport, write_atomic, write_report


@dataclass(frozen=True)
class RenderOptions:
    """language: ``nl`` or ``en``; redact: leave personal data out of renderings (JSON keeps it and
    says so); embed_audio: put the audio into report.html as Opus instead of linking the recording
    (redacted stretches silenced); keep_agent_name: keep the agent's own first name in their greeting;
    link_original: link the recording even when redacting; redact_json: also write
    ``analysis.redacted.json``, a redacted copy of analysis.json for sharing."""

    language: str = "nl"
    redact: bool = True
    embed_audio: bool = False
    keep_agent_name: bool = True
    link_original: bool = False
    redact_json: bool = False


def _view(report: CallReport, options: RenderOptions):
    from .view import make_view

    return make_view(report, options.language, options.redact, options.keep_agent_name)


def render_all(report: CallReport, call_dir: str | Path, options: RenderOptions = RenderOptions()) -> list[Path]:
    """report.html, report.md, call.rttm, call.srt and call.vtt in ``call_dir`` (each atomically)."""
    from .formats import rttm, srt, vtt
    from .html import render_html
    from .markdown import markdown

    call_dir = Path(call_dir)
    view = _view(report, options)
    files = {"report.html": render_html(view, call_dir, options.embed_audio, options.link_original),
             "report.md": markdown(view), "call.rttm": rttm(view), "call.srt": srt(view), "call.vtt": vtt(view)}
    if options.redact_json:
        files["analysis.redacted.json"] = json.dumps(redacted_dict(report, view), indent=2, ensure_ascii=False) + "\n"
    for name, text in files.items():
        write_atomic(call_dir / name, text)
    return [call_dir / name for name in files]


def write_outputs(report: CallReport, call_dir: str | Path, options: RenderOptions = RenderOptions()) -> list[Path]:
    """Write every per-call output into ``call_dir`` (each file atomically); ``analysis.json`` first.

    Used by ``coach analyze`` and ``coach batch`` alike, so both write the same set of files.
    """
    report = with_privacy(report, options)
    return [write_report(report, call_dir), *render_all(report, call_dir, options)]


def with_privacy(report: CallReport, options: RenderOptions = RenderOptions()) -> CallReport:
    """``report`` with ``privacy`` (whether renderings are redacted, the kinds checked, what was found:
    kinds, counts and time spans from the word times) and deduce's version in ``versions``."""
    import dataclasses

    from .redact import KINDS, deduce_version, plan

    r = plan(report.conversation, options.language, options.keep_agent_name)
    privacy = {"redacted_in_renderings": options.redact, "kinds": list(KINDS), "found": r.counts(),
               "spans": r.spans(), "agent_first_name_kept": bool(options.keep_agent_name and r.agent_name_kept),
               "audio_silenced": bool(options.redact and options.embed_audio),
               "original_linked": bool(options.link_original or not options.redact)}
    versions = dict(report.versions, deduce=deduce_version())
    return dataclasses.replace(report, privacy=privacy, versions=versions)


def redacted_dict(report: CallReport, view) -> dict:
    """analysis.json with every text redacted as in the renderings (words inside a redacted stretch
    carry its label), for sharing; times and figures unchanged."""
    d = report.to_dict()
    r = view.redaction
    if r is None:
        return d
    from .redact import LABELS

    labels = LABELS.get(view.language, LABELS["nl"])
    for i, u in enumerate(d["utterances"]):
        u["text"] = r.text(i)
        if r.utterances[i].words:
            for first, last, kind in r.ranges[i]:
                for k in range(first, last + 1):
                    u["words"][k]["text"] = labels[kind]
    for ev in d["events"]:
        for key, value in list(ev.items()):
            if isinstance(value, str) and key not in ("type", "by", "kind", "basis", "interrupted"):
                ev[key] = r.clean(value)
    refl = d.get("reflection", {})
    for m in refl.get("moments", []):
        for key in ("title", "question"):
            if isinstance(m.get(key), str):
                m[key] = r.clean(m[key])
        if isinstance(m.get("en"), dict):
            m["en"] = {k: r.clean(v) if isinstance(v, str) else v for k, v in m["en"].items()}
    for key in ("questions", "questions_en"):
        if isinstance(refl.get(key), list):
            refl[key] = [r.clean(q) if isinstance(q, str) else q for q in refl[key]]
    d["warnings"] = [r.clean(w) for w in d["warnings"]]
    d["call"]["source"] = r.clean(Path(d["call"]["source"]).name)
    d["privacy"] = dict(d.get("privacy", {}), redacted_copy=True)
    return d


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
