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
