"""First metrics: how much each party spoke, overlap and silence (from the speech regions)."""

from __future__ import annotations

from ..config import AnalysisOptions
from ..conversation import ROLES, Conversation, intersect_length, merge_regions, total_length
from . import Findings
from .events import DeadAir, Monologue
from .lexicon import Lexicon
from .metrics import DeadAirMetrics, PerRole, ResponseGaps, TimingMetrics, TurnTakingMetrics


def timing_metrics(conv: Conversation, opts: AnalysisOptions | None = None, lex: Lexicon | None = None) -> Findings:
    """talk_s, talk_ratio, overlap_s, silence_ratio, speech_rate_wpm.

    Talk time is each role's speech regions (``turns``: exact per channel on stereo, from
    diarization on mono). Talk ratio is each party's talk time over the sum of both (overlap
    counts for both). Silence ratio is the share of the call in which nobody speaks.
    """
    regions = {r: [(t.start, t.end) for t in conv.turns_of(r)] for r in ROLES}
    speech = total_length(regions["agent"] + regions["customer"])
    return Findings(metrics=TimingMetrics(
        talk_s=PerRole.of(lambda r: total_length(regions[r])),
        overlap_s=intersect_length(regions["agent"], regions["customer"]),
        silence_ratio=max(0.0, conv.duration - speech) / conv.duration if conv.duration > 0 else 0.0,
        words=PerRole.of(lambda r: sum(len(u.words) for u in conv.utterances_of(r))),
        turns=PerRole.of(lambda r: len(merge_regions(regions[r]))),
    ).to_dict())


def turn_taking(conv: Conversation, opts: AnalysisOptions, lex: Lexicon) -> Findings:
    """Longest monologue per party, response gaps, speaker switches per minute, dead air.

    Back-channels do not take the floor: a monologue goes on through the listener's "ja" and
    "hm-hm", and a switch is counted only when the other party takes the turn.
    """
    from .overlaps import classify_backchannel, contributions

    parts = contributions(conv, lex, opts.fuzzy_match)
    floor = sorted((c for r in ROLES for c in parts[r] if classify_backchannel(c, parts, opts, lex) is None),
                   key=lambda c: c.start)
    # runs of one party holding the floor: (role, start, end)
    runs: list[tuple[str, float, float]] = []
    for c in floor:
        if runs and runs[-1][0] == c.role:
            runs[-1] = (c.role, runs[-1][1], max(runs[-1][2], c.end))
        else:
            runs.append((c.role, c.start, c.end))
    longest = {r: max((e - s for role, s, e in runs if role == r), default=0.0) for r in ROLES}
    gaps: dict[str, list[float]] = {r: [] for r in ROLES}
    for (prev_role, _, prev_end), (role, start, _) in zip(runs, runs[1:]):
        gap = start - prev_end
        if role != prev_role and 0.0 <= gap <= opts.response_gap_max_s:
            gaps[role].append(gap)
    silences = [(s, e) for s, e in _gaps(conv) if e - s >= opts.dead_air_s]
    confidence = 1.0 if conv.speaker_source == "channels" else 0.8
    monologues = [Monologue(by=role, start=round(s, 2), end=round(e, 2), duration_s=round(e - s, 2),
                            confidence=confidence)
                  for role, s, e in runs if e - s == longest[role] and e - s > 0]
    dead_air = [DeadAir(start=round(s, 2), end=round(e, 2), duration_s=round(e - s, 2), confidence=confidence)
                for s, e in silences]
    minutes = conv.duration / 60 if conv.duration > 0 else 0.0
    return Findings(metrics=TurnTakingMetrics(
        longest_monologue_s=PerRole.of(lambda r: longest[r]),
        response_gaps=ResponseGaps(agent=tuple(gaps["agent"]), customer=tuple(gaps["customer"])),
        speaker_switches_per_min=(len(runs) - 1) / minutes if minutes and runs else 0.0,
        dead_air=DeadAirMetrics(tuple(e - s for s, e in silences)),
    ).to_dict(), events=(*monologues, *dead_air))


def _gaps(conv: Conversation) -> list[tuple[float, float]]:
    """Stretches where neither party speaks, between the first and the last speech."""
    speech = merge_regions([(t.start, t.end) for t in conv.turns])
    return [(a[1], b[0]) for a, b in zip(speech, speech[1:])]
