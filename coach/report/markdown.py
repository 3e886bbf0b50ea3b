"""report.md: the same content as the HTML report, as plain Markdown (moments first)."""

from __future__ import annotations

from .view import View, clock, excerpt, general_questions, how_recognised, moment_text, roles_line


def _md(text: str) -> str:
    """Text safe inside Markdown (no accidental markup or HTML)."""
    for ch in "\\`*_[]<>#|":
        text = text.replace(ch, "\\" + ch)
    return text


def markdown(view: View) -> str:
    r, t = view.report, view.t
    c = r.call
    lines = [f"# {_md(t['title'].format(id=c.id))}", "",
             f"{clock(c.duration_s)} · {t['stereo'] if c.speaker_source == 'channels' else t['mono']} · {c.language}", "",
             f"_{t['intro']}_", "", f"_{t['redacted'] if view.redacted else t['not_redacted']}_", ""]
    if roles_line(view):
        lines += [f"_{_md(roles_line(view))}_", ""]
    if r.warnings:
        lines += [f"**{t['warnings']}:**", ""] + [f"- {_md(view.clean(w))}" for w in r.warnings] + [""]
    lines += [f"## {t['moments']}", ""]
    for i, m in enumerate(r.reflection.get("moments", []), 1):
        title, question = moment_text(view, m)
        low = f" ({t['low']})" if (m.get("confidence") or 1.0) < 0.7 else ""
        lines += [f"### {i}. {_md(title)}{low}", ""]
        lines += [f"> **{view.party(role)}:** {_md(text)}" for role, text in excerpt(view, m["start"], m["end"])]
        how = how_recognised(view, m)
        lines += (["", f"_{_md(how)}_"] if how else []) + ["", f"**{_md(question)}**", ""]
    lines += [f"## {t['questions']}", ""] + [f"- {_md(q)}" for q in general_questions(view)] + [""]
    lines += [f"## {t['numbers']}", "", "| | | |", "|---|---|---|"]
    for n in view.numbers:
        low = f" ({t['uncertain'] if n.uncertain else t['low']})" if n.low_confidence else ""
        lines.append(f"| {_md(n.label)}{low} | {_md(n.value)} | {_md(n.meaning)} _{_md(n.how)}_ |")
    lines += ["", f"## {t['transcript']}", ""]
    for u in r.conversation.utterances:
        lines.append(f"- `{clock(u.start)}` **{view.party(u.speaker_role)}:** {_md(view.say(u))}")
    lines.append("")
    return "\n".join(lines)
