"""Back-channels, overlaps and interruptions, from the speech regions first and the words second.

A *contribution* is one party's speech region (``Conversation.turns`` of that role, joined over
pauses shorter than ``JOIN_GAP_S``). Each contribution is either

- a **back-channel**: short (at most ``backchannel_max_s`` and ``backchannel_max_words`` words, or
  only cue words such as "ja", "hm-hm", "ik hoor het" up to ``backchannel_cue_max_s``), placed
  inside or at a pause of the other party's speech, which goes on afterwards, and not the answer to
  a question. Found from timing even when ASR dropped the words, and from cue words even when ASR
  misheard them ("Ik hoog het", "Heim heim"); or
- a **turn** which, when it starts while the other party is speaking, is an interruption (overlap
  of at least ``interruption_min_overlap_s``): ``butting_in`` when the interrupter gives up while
  the other goes on, ``competitive`` when the other stops within ``competitive_stop_s``, else
  ``cooperative`` (the other finishes anyway).

Every overlap of the two parties' speech is classified (``overlap`` events): ``backchannel``,
``competitive``, ``cooperative``, ``butting_in``, ``brief`` (a short overlap at a change of turn) or
``simultaneous_start`` (both began at once); the last two are no interruption. A back-channel is
never counted as an interruption. "Still explaining" counts from when the interrupted party took
the floor, over their own pauses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..config import AnalysisOptions
from ..conversation import ROLES, Conversation, Word, merge_regions
from . import Findings
from .events import Backchannel, Event, Interruption, Overlap
from .lexicon import Lexicon, find_phrases, tokens
from .metrics import INTERRUPTION_KINDS, BackchannelMetrics, InterruptionMetrics, PerRole
from .sentences import word_sentences

JOIN_GAP_S = 0.5  # pauses shorter than this do not split a contribution
SIMULTANEOUS_S = 0.2  # starting within this of the other party is a simultaneous start, not an interruption
EXPLAINING_S = 3.0  # the other party had been talking this long: "still explaining"
UNSURE_WORD_PROB = 0.5
MIN_TIMING_ONLY_S = 0.2  # a wordless speech region shorter than this is noise, not a back-channel


@dataclass(frozen=True)
class Contribution:
    role: str
    start: float
    end: float
    words: tuple[Word, ...]

    @property
    def duration(self) -> float:
        return self.end - self.start

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words).strip()


def other(role: str) -> str:
    return "customer" if role == "agent" else "agent"


def contributions(conv: Conversation) -> dict[str, list[Contribution]]:
    """Each role's speech regions joined over short pauses, with the words spoken in them."""
    out: dict[str, list[Contribution]] = {}
    for role in ROLES:
        regions = merge_regions([(t.start, t.end) for t in conv.turns_of(role)], min_gap=JOIN_GAP_S)
        words = [w for u in conv.utterances_of(role) for w in u.words]
        out[role] = [Contribution(role, s, e, tuple(w for w in words if w.end > s and w.start < e
                                                   and (w.start + w.end) / 2 >= s - 0.05
                                                   and (w.start + w.end) / 2 <= e + 0.05))
                     for s, e in regions]
    return out


def _speaking_at(regions: list[Contribution], t: float) -> Contribution | None:
    return next((c for c in regions if c.start <= t < c.end), None)


def _last_before(regions: list[Contribution], t: float) -> Contribution | None:
    before = [c for c in regions if c.end <= t]
    return before[-1] if before else None


def _first_after(regions: list[Contribution], t: float) -> Contribution | None:
    return next((c for c in regions if c.start >= t), None)


HUM = re.compile(r"^(?=.*[hm])(?:h|m|e|a|u|ei)+$")  # hm, mhm, hmm, ehm, aha, and ASR's "haam", "heim"


def _is_cue_only(c: Contribution, lex: Lexicon, fuzzy: float) -> tuple[bool, float]:
    """All words are back-channel cue words (possibly misheard) or hums. Returns (yes, match score)."""
    toks = tokens(c.text)
    if not toks:
        return False, 0.0
    matches = find_phrases(toks, lex.get("backchannel"), fuzzy)
    covered = set(i for m in matches for i in range(m.start, m.end))
    hums = {i for i, t in enumerate(toks) if len(t) >= 2 and HUM.match(t)}
    score = min([m.score for m in matches] + [0.8] * len(hums - covered), default=0.0)
    return covered | hums == set(range(len(toks))), score


def _ends_with_question(c: Contribution | None, lex: Lexicon, fuzzy: float) -> bool:
    """The contribution's last sentence is a question (``Sentence.question_kind``: a "?", or
    unpunctuated with a question word, a finite verb first, or a tag such as "klopt dat")."""
    sentences = word_sentences(c.role, c.words) if c is not None else []
    return bool(sentences) and sentences[-1].question_kind(lex, fuzzy) is not None


def _mean_prob(words: tuple[Word, ...]) -> float:
    return sum(w.prob for w in words) / len(words) if words else 0.0


def classify_backchannel(c: Contribution, conv_parts: dict[str, list[Contribution]], opts: AnalysisOptions,
                         lex: Lexicon) -> Backchannel | None:
    """A ``Backchannel`` event if contribution ``c`` is a back-channel, else None."""
    them = conv_parts[other(c.role)]
    cue_only, cue_score = _is_cue_only(c, lex, opts.fuzzy_match)
    # words Whisper was unsure of are often a hum misheard ("Gaan hem" for "hm hm"): not counted
    n_words = len(tokens(" ".join(w.text for w in c.words if w.prob >= UNSURE_WORD_PROB)))
    short = c.duration <= opts.backchannel_max_s and n_words <= opts.backchannel_max_words
    if not (short or (cue_only and c.duration <= opts.backchannel_cue_max_s)):
        return None
    during = _speaking_at(them, c.start + 1e-3)
    before = during or _last_before(them, c.start)
    if before is None or (during is None and c.start - before.end > opts.backchannel_gap_s):
        return None  # the other party was not talking just before
    if during is None and _ends_with_question(before, lex, opts.fuzzy_match):
        return None  # an answer to a question takes the turn, however short
    after = _speaking_at(them, c.end) or _first_after(them, c.end)
    if after is None or after.start - c.end > opts.backchannel_gap_s:
        return None  # the other party did not go on: this took the turn
    if not c.words:
        if c.duration < MIN_TIMING_ONLY_S:
            return None
        basis, confidence = "timing", 0.6  # ASR dropped the words; the speech region is there
    elif cue_only:
        basis, confidence = "timing+words", round(0.7 + 0.3 * cue_score * _mean_prob(c.words), 3)
    else:
        basis, confidence = "timing", round(0.5 + 0.3 * _mean_prob(c.words), 3)
    return Backchannel(by=c.role, start=round(c.start, 2), end=round(c.end, 2), text=c.text, basis=basis,
                       overlapping=during is not None, confidence=confidence)


def overlaps_and_backchannels(conv: Conversation, opts: AnalysisOptions, lex: Lexicon) -> Findings:
    parts = contributions(conv)
    events: list[Event] = []
    backchannel_at: dict[tuple[str, float], Backchannel] = {}
    source_factor = 1.0 if conv.speaker_source == "channels" else 0.8  # diarized regions are less exact
    for role in ROLES:
        for c in parts[role]:
            ev = classify_backchannel(c, parts, opts, lex)
            if ev:
                backchannel_at[(role, c.start)] = ev
                events.append(ev)

    for role in ROLES:
        them = parts[other(role)]
        for c in parts[role]:
            host = _speaking_at(them, c.start)
            if host is None or (host.start == c.start and role == "customer"):
                continue  # (two regions starting at the same instant: one overlap, counted once)
            overlap_end = min(c.end, host.end)
            overlap = overlap_end - c.start
            if overlap <= 0:
                continue
            both = [w for w in c.words + host.words if w.end > c.start and w.start < overlap_end]
            if (role, c.start) in backchannel_at or (host.role, host.start) in backchannel_at:
                kind = "backchannel"
            elif c.start - host.start < SIMULTANEOUS_S:
                kind = "simultaneous_start"  # both began together: nobody interrupted
            elif overlap < opts.interruption_min_overlap_s:
                kind = "brief"
            elif c.end < host.end:
                kind = "butting_in"  # the interrupter gave up; the other kept the floor
            elif host.end - c.start <= opts.competitive_stop_s:
                kind = "competitive"  # the other stopped soon: the floor was taken
            else:
                kind = "cooperative"  # the other finished anyway, then the interrupter went on
            events.append(Overlap(by=role, start=round(c.start, 2), end=round(overlap_end, 2),
                                  overlap_s=round(overlap, 2), kind=kind,
                                  text=" ".join(w.text for w in sorted(both, key=lambda w: w.start)),
                                  confidence=round(source_factor, 2)))
            if kind not in INTERRUPTION_KINDS:
                continue  # an overlap, no interruption
            since = _floor_start(host, parts, backchannel_at)
            said_before = [w for h in them if since <= h.start <= host.start for w in h.words if w.start < c.start]
            confidence = source_factor * (0.6 + 0.4 * min(1.0, overlap / 1.0))
            events.append(Interruption(
                by=role, interrupted=host.role, start=round(c.start, 2), end=round(c.end, 2),
                overlap_s=round(overlap, 2), kind=kind, text=c.text,
                interrupted_text=" ".join(w.text for w in said_before[-12:]).strip(),
                interrupted_had_spoken_s=round(c.start - since, 2),
                while_explaining=c.start - since >= EXPLAINING_S,
                confidence=round(confidence, 3),
            ))

    bcs = [e for e in events if isinstance(e, Backchannel)]
    talk = PerRole.of(lambda r: sum(c.duration for c in parts[r]))
    metrics = (InterruptionMetrics.of(e for e in events if isinstance(e, Interruption)).to_dict()
               | BackchannelMetrics.of(bcs, talk, _longest_without(parts, bcs, backchannel_at)).to_dict())
    return Findings(metrics=metrics, events=tuple(events))


def _floor_start(host: Contribution, parts: dict[str, list[Contribution]],
                 backchannel_at: dict[tuple[str, float], Backchannel]) -> float:
    """When ``host``'s party took the floor: back over their own pauses, as long as the other
    party said nothing but back-channels in between."""
    mine = [c for c in parts[host.role] if c.start <= host.start]
    theirs = [c for c in parts[other(host.role)] if (c.role, c.start) not in backchannel_at]
    start = host.start
    for prev in reversed(mine[:-1]):
        if any(prev.end <= t.start < start for t in theirs):
            break
        start = prev.start
    return start


def _longest_without(parts: dict[str, list[Contribution]], bcs: list[Backchannel],
                     backchannel_at: dict[tuple[str, float], Backchannel]) -> float:
    """Longest stretch of customer speech (seconds of their talk, pauses not counted) in which the
    agent gave no back-channel. A stretch ends when the agent takes the turn."""
    agent_turns = [c for c in parts["agent"] if ("agent", c.start) not in backchannel_at]
    marks = sorted([e.start for e in bcs if e.by == "agent"] + [c.start for c in agent_turns])
    longest, current, last_mark = 0.0, 0.0, float("-inf")
    for c in parts["customer"]:
        if ("customer", c.start) in backchannel_at:
            continue
        start = c.start
        for m in [m for m in marks if m > last_mark and m < c.end]:
            if m > start:
                current += m - start
                start = m
            longest = max(longest, current)
            current = 0.0
            last_mark = m
        current += c.end - start
        longest = max(longest, current)
    return longest
