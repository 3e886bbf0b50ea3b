"""Subtitle and diarization formats from the report: RTTM (speech regions per role), SRT and
WebVTT (utterances with party names, redacted like every rendering)."""

from __future__ import annotations

from .view import View


def _ts(seconds: float, sep: str) -> str:
    ms = int(round(seconds * 1000))
    h, rest = divmod(ms, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, ms = divmod(rest, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}{sep}{ms:03d}"


def rttm(view: View) -> str:
    """One SPEAKER line per speech region; the speaker is the role (agent / customer)."""
    uri = view.report.call.id
    return "".join(f"SPEAKER {uri} 1 {t.start:.3f} {t.end - t.start:.3f} <NA> <NA> {t.speaker} <NA> <NA>\n"
                   for t in view.report.conversation.turns)


def srt(view: View) -> str:
    blocks = []
    for i, u in enumerate(view.report.conversation.utterances, 1):
        blocks.append(f"{i}\n{_ts(u.start, ',')} --> {_ts(u.end, ',')}\n{view.party(u.speaker_role)}: "
                      f"{view.say(u)}\n")
    return "\n".join(blocks)


def vtt(view: View) -> str:
    cues = [f"{_ts(u.start, '.')} --> {_ts(u.end, '.')}\n<v {view.party(u.speaker_role)}>{_vtt_escape(view.say(u))}\n"
            for u in view.report.conversation.utterances]
    return "WEBVTT\n\n" + "\n".join(cues)


def _vtt_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
