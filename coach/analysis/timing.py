"""First metrics: how much each party spoke, overlap and silence (from the speech regions)."""

from __future__ import annotations

from ..config import AnalysisOptions
from ..conversation import ROLES, Conversation, intersect_length, merge_regions, total_length
from . import Findings
from .lexicon import Lexicon


def _r(x: float, nd: int = 3) -> float:
    return round(float(x), nd)


def timing_metrics(conv: Conversation, opts: AnalysisOptions | None = None, lex: Lexicon | None = None) -> Findings:
    """talk_s, talk_ratio, overlap_s, silence_ratio, speech_rate_wpm.

    Talk time is each role's speech regions (``turns``: exact per channel on stereo, from
    diarization on mono). Talk ratio is each party's talk time over the sum of both (overlap
    counts for both). Silence ratio is the share of the call in which nobody speaks.
    """
    regions = {r: [(t.start, t.end) for t in conv.turns_of(r)] for r in ROLES}
    talk = {r: total_length(regions[r]) for r in ROLES}
    both = sum(talk.values())
    overlap = intersect_length(regions["agent"], regions["customer"])
    speech = total_length(regions["agent"] + regions["customer"])
    silence = max(0.0, conv.duration - speech) / conv.duration if conv.duration > 0 else 0.0
    words = {r: sum(len(u.words) for u in conv.utterances_of(r)) for r in ROLES}
    wpm = {r: _r(60.0 * words[r] / talk[r], 1) if talk[r] > 0 else 0.0 for r in ROLES}
    return Findings(metrics={
        "talk_s": {r: _r(talk[r], 2) for r in ROLES},
        "talk_ratio": {r: _r(talk[r] / both) if both > 0 else 0.0 for r in ROLES},
        "overlap_s": _r(overlap, 2),
        "silence_ratio": _r(silence),
        "speech_rate_wpm": wpm,
        "turns": {r: len(merge_regions(regions[r])) for r in ROLES},
    })


def turn_taking(conv: Conversation, opts: AnalysisOptions, lex: Lexicon) -> Findings:
    """Longest monologue per party, response gaps, speaker switches per minute, dead air.

    Back-channels do not take the floor: a monologue goes on through the listener's "ja" and
    "hm-hm", and a switch is counted only when the other party takes the turn.
    """
    from .overlaps import classify_backchannel, contributions

    parts = contributions(conv)
    floor = sorted((c for r in ROLES for c in parts[r] if classify_backchannel(c, parts, opts, lex) is None),
                   key=lambda c: c.start)
    # runs of one party holding the floor
    runs: list[list] = []
    for c in floor:
        if runs and runs[-1][0] == c.role:
            runs[-1][2] = max(runs[-1][2], c.end)
        else:
            runs.append([c.role, c.start, c.end])
    longest = {r: max((e - s for role, s, e in runs if role == r), default=0.0) for r in ROLES}
    gaps: dict[str, list[float]] = {r: [] for r in ROLES}
    for (prev_role, _, prev_end), (role, start, _) in zip(runs, runs[1:]):
        gap = start - prev_end
        if role != prev_role and 0.0 <= gap <= opts.response_gap_max_s:
            gaps[role].append(gap)
    silences = [(s, e) for s, e in _gaps(conv) if e - s >= opts.dead_air_s]
    monologues = [{"type": "monologue", "by": role, "start": round(s, 2), "end": round(e, 2),
                   "duration_s": round(e - s, 2), "text": "", "confidence": 1.0 if conv.speaker_source == "channels"
                   else 0.8} for role, s, e in runs if e - s == longest[role] and e - s > 0]
    events = tuple(monologues) + tuple({"type": "dead_air", "by": None, "start": round(s, 2), "end": round(e, 2),
                    "duration_s": round(e - s, 2), "text": "", "confidence": 1.0 if conv.speaker_source == "channels"
                    else 0.8} for s, e in silences)
    minutes = conv.duration / 60 if conv.duration > 0 else 0.0
    return Findings(metrics={
        "longest_monologue_s": {r: _r(longest[r], 1) for r in ROLES},
        "response_gap_s": {"agent_median": _median(gaps["agent"]), "customer_median": _median(gaps["customer"]),
                           "agent_max": _r(max(gaps["agent"]), 2) if gaps["agent"] else None},
        "speaker_switches_per_min": _r((len(runs) - 1) / minutes, 2) if minutes and runs else 0.0,
        "dead_air": {"count": len(silences), "total_s": _r(sum(e - s for s, e in silences), 1),
                     "longest_s": _r(max((e - s for s, e in silences), default=0.0), 1)},
    }, events=events)


def _gaps(conv: Conversation) -> list[tuple[float, float]]:
    """Stretches where neither party speaks, between the first and the last speech."""
    speech = merge_regions([(t.start, t.end) for t in conv.turns])
    return [(a[1], b[0]) for a, b in zip(speech, speech[1:])]


def _median(xs: list[float]) -> float | None:
    if not xs:
        return None
    xs = sorted(xs)
    mid = len(xs) // 2
    return _r(xs[mid] if len(xs) % 2 else (xs[mid - 1] + xs[mid]) / 2, 2)
