"""Back-channels, overlaps and interruptions, from the speech regions first and the words second.

A *contribution* is one party's speech region (``Conversation.turns`` of that role, joined over
pauses shorter than ``JOIN_GAP_S``). Each contribution is either

- a **back-channel**: short (at most ``backchannel_max_s`` and ``backchannel_max_words`` words, or
  only cue words such as "ja", "hm-hm", "ik hoor het" up to ``backchannel_cue_max_s``), placed
  inside or at a pause of the other party's speech, which goes on afterwards; not the answer to a
  question (also when it starts while the question's last words are said), and not when its speaker
  goes on before the other does (they kept the floor: a short turn). Found from timing even when ASR
  dropped the words, and from cue words even when ASR misheard them ("Ik hoog het", "Heim heim"); or
- a **turn**. A turn that starts while the other party is speaking is an **interruption** only when
  the other was *mid-sentence*; an early start while they were finishing is a ``turn_end`` overlap,
  however long (in real Dutch conversation about half of all turn changes overlap). The evidence
  (``Evidence``, kept on every overlap event): was the other's last word at the overlap start the end
  of a sentence (Whisper's ".", "?", "!": ``complete_before``); how many words they said after it
  (``words_after``) and how soon they stopped (``stopped_within_s``); did their voice fall to an end
  (``pitch_fall``, from the conversation's voice track when there is one, else None); was anything of
  theirs cut off (``cut_off``: their last word ends in "..." or "-", or, a word Whisper was sure of,
  without ".", "?", "!" in a punctuated transcript while their voice did not fall); did they stop on a
  question (``asked``: a question hands over the turn, and answers often start before its last words).
  The other was finishing when nothing was cut off and ``complete_before``, or they said at most
  ``turn_end_max_words`` words more and stopped within ``turn_end_max_tail_s``, or one word more and
  stopped, or ``asked``. Otherwise the interruption
  is ``butting_in`` when the interrupter gives up while the other goes on, ``competitive`` when the
  other stops within ``competitive_stop_s`` of the overlap start, else ``cooperative`` (the other
  finishes anyway).

Every overlap of the two parties' speech is classified (``overlap`` events): ``backchannel``,
``simultaneous_start`` (both began at once), ``brief`` (shorter than ``interruption_min_overlap_s``,
nothing cut off), ``turn_end`` (the other was finishing), ``remark`` (a whole statement, ending in
"." or "!", said over the other, mid-sentence, who went on: the speaker neither gave up nor took the
floor), ``competitive``, ``cooperative`` or ``butting_in`` (the interrupter stopped first: their last
word ends no sentence in a punctuated transcript, or ends a question that the other talked over, or
they have no words); only the last three are interruptions. A back-channel is never counted as an
interruption. "Still explaining" counts from when the interrupted party took the floor, over their
own pauses.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from ..config import AnalysisOptions
from ..conversation import ROLES, Conversation, VoiceTrack, Word, merge_regions
from . import Findings
from .events import Backchannel, Event, Evidence, Interruption, Overlap
from .lexicon import Lexicon, find_phrases, tokens
from .metrics import INTERRUPTION_KINDS, BackchannelMetrics, InterruptionMetrics, PerRole
from .sentences import word_sentences

JOIN_GAP_S = 0.5  # pauses shorter than this do not split a contribution
SIMULTANEOUS_S = 0.2  # starting within this of the other party is a simultaneous start, not an interruption
EXPLAINING_S = 3.0  # the other party had been talking this long: "still explaining"
UNSURE_WORD_PROB = 0.5
MIN_TIMING_ONLY_S = 0.2  # a wordless speech region shorter than this is noise, not a back-channel
END_OF_SPEECH_S = 0.3  # a voice's "end": its last this many seconds of voiced frames ...
END_REFERENCE_S = 1.5  # ... against the this many seconds of voiced frames before them
MIN_VOICED_FRAMES = 3  # fewer voiced frames in either stretch: no pitch evidence (None)
ONSET_MAX_S = 0.3  # the new speaker's first word, if this soon after their region's start, marks their start
UNHEARD_S = 0.5  # the other's speech region running this long past their last word: words lost, not padding
WORD_PAUSE_S = 0.3  # a gap between two words this long after a sentence end is a pause (regions may run over it)
ENDED_TOLERANCE_S = 0.1  # the other "stopped" when their region ends no later than this after the new speaker's


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


def _words_in(words: list[Word], s: float, e: float) -> tuple[Word, ...]:
    return tuple(w for w in words if w.end > s and w.start < e
                 and (w.start + w.end) / 2 >= s - 0.05 and (w.start + w.end) / 2 <= e + 0.05)


def contributions(conv: Conversation, lex: Lexicon | None = None, fuzzy: float = 1.0) -> dict[str, list[Contribution]]:
    """Each role's speech regions joined over pauses shorter than ``JOIN_GAP_S``, with the words spoken
    in them. With ``lex``: not joined after a region of cue words only ("ja", "precies", "hm-hm") when
    the other party speaks in the pause (at least ``MIN_TIMING_ONLY_S`` of it): they went on after the
    cue, so it was a back-channel, and the speaker's own turn begins after the pause."""
    out: dict[str, list[Contribution]] = {}
    for role in ROLES:
        words = [w for u in conv.utterances_of(role) for w in u.words]
        them = merge_regions([(t.start, t.end) for t in conv.turns_of(other(role))])
        merged: list[list[float]] = []
        for s, e in merge_regions([(t.start, t.end) for t in conv.turns_of(role)]):
            if merged and s - merged[-1][1] < JOIN_GAP_S:
                heard = sum(max(0.0, min(b, s) - max(a, merged[-1][1])) for a, b in them)  # theirs in the pause
                cue_then_other = (lex is not None and heard >= MIN_TIMING_ONLY_S and
                                  _is_cue_only(Contribution(role, merged[-1][0], merged[-1][1],
                                                            _words_in(words, *merged[-1])), lex, fuzzy)[0])
                if not cue_then_other:
                    merged[-1][1] = max(merged[-1][1], e)
                    continue
            merged.append([s, e])
        out[role] = [Contribution(role, s, e, _words_in(words, s, e)) for s, e in merged]
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


def _until(c: Contribution, t: float) -> Contribution:
    """``c`` with only the words said before ``t`` (what the other heard when they began)."""
    return Contribution(c.role, c.start, min(c.end, t), tuple(w for w in c.words if w.start < t))


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
    at_their_end = during is None or during.end <= c.end + ENDED_TOLERANCE_S  # (an early start at their end)
    if at_their_end and _ends_with_question(_until(before, c.end), lex, opts.fuzzy_match):
        return None  # an answer to a question takes the turn, however short (also when it starts early)
    going_on = _speaking_at(them, c.end)
    after = going_on or _first_after(them, c.end)
    if after is None or after.start - c.end > opts.backchannel_gap_s:
        return None  # the other party did not go on: this took the turn
    mine = _first_after(conv_parts[c.role], c.end + 1e-6)
    if going_on is None and mine is not None and mine.start < after.start:
        return None  # the speaker went on before the other did: they kept the floor, a short turn
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
    parts = contributions(conv, lex, opts.fuzzy_match)
    events: list[Event] = []
    backchannel_at: dict[tuple[str, float], Backchannel] = {}
    source_factor = 1.0 if conv.speaker_source == "channels" else 0.8  # diarized regions are less exact
    punctuated = {r: _punctuated(conv, r) for r in ROLES}
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
            evidence = None
            if (role, c.start) in backchannel_at or (host.role, host.start) in backchannel_at:
                kind = "backchannel"
            elif c.start - host.start < SIMULTANEOUS_S:
                kind = "simultaneous_start"  # both began together: nobody interrupted
            else:
                evidence = overlap_evidence(conv, host, c, punctuated, opts, lex)
                kind = classify_overlap(evidence, host, c, opts)
            events.append(Overlap(by=role, start=round(c.start, 2), end=round(overlap_end, 2),
                                  overlap_s=round(overlap, 2), kind=kind,
                                  text=" ".join(w.text for w in sorted(both, key=lambda w: w.start)),
                                  confidence=round(source_factor, 2),
                                  evidence=evidence.rounded() if evidence else None))
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
                confidence=round(confidence, 3), evidence=evidence.rounded() if evidence else None,
            ))

    bcs = [e for e in events if isinstance(e, Backchannel)]
    talk = PerRole.of(lambda r: sum(c.duration for c in parts[r]))
    metrics = (InterruptionMetrics.of([e for e in events if isinstance(e, Interruption)],
                                      [e for e in events if isinstance(e, Overlap)]).to_dict()
               | BackchannelMetrics.of(bcs, talk, _longest_without(parts, bcs, backchannel_at)).to_dict())
    return Findings(metrics=metrics, events=tuple(events))


# --- turn end or interruption --------------------------------------------------------------------------------

TRAILING_OFF = ("...", "\u2026", "-", "\u2013", "\u2014")


def _ends_sentence(w: Word) -> bool:
    text = w.text.rstrip()
    return text[-1:] in (".", "?", "!") and not text.endswith(TRAILING_OFF)


def _trails_off(w: Word) -> bool:
    return w.text.rstrip().endswith(TRAILING_OFF)


def _punctuated(conv: Conversation, role: str) -> bool:
    """Whether the role's transcript marks sentence ends at all (Whisper does; a bare transcript does
    not, and then a missing "." says nothing)."""
    return any(_ends_sentence(w) for u in conv.utterances_of(role) for w in u.words)


def pitch_fall(track: VoiceTrack | None, end: float, opts: AnalysisOptions) -> bool | None:
    """Whether a voice that stops at ``end`` falls to it: the median pitch of its last
    ``END_OF_SPEECH_S`` of voiced frames at least ``turn_end_pitch_fall_st`` semitones below that of the
    ``END_REFERENCE_S`` before. None without a track or with too few voiced frames."""
    if track is None:
        return None
    frames = [(t, f0) for t, f0, _ in track.between(end - END_OF_SPEECH_S - END_REFERENCE_S - 1.0, end + 0.05)
              if f0 > 0]
    if not frames:
        return None
    last_t = frames[-1][0]
    final = [f for t, f in frames if t > last_t - END_OF_SPEECH_S]
    ref = [f for t, f in frames if last_t - END_OF_SPEECH_S - END_REFERENCE_S < t <= last_t - END_OF_SPEECH_S]
    if len(final) < MIN_VOICED_FRAMES or len(ref) < MIN_VOICED_FRAMES:
        return None
    final.sort()
    ref.sort()
    drop = 12 * math.log2(ref[len(ref) // 2] / final[len(final) // 2])
    return drop >= opts.turn_end_pitch_fall_st


def overlap_evidence(conv: Conversation, host: Contribution, c: Contribution, punctuated: dict[str, bool],
                     opts: AnalysisOptions, lex: Lexicon) -> Evidence:
    """The evidence of whether ``host``'s party was finishing when ``c`` began inside their speech
    (``punctuated``: per role, whether its transcript marks sentence ends). The new speaker began at
    their first word, when ASR heard one soon after their speech region starts (a region starts a
    little before the voice: VAD padding), else at the region's start."""
    first = min((w.start for w in c.words), default=c.start)
    t0 = min(max(c.start, first), c.start + ONSET_MAX_S)
    # where the other's speech stopped: the end of their contribution; or, when they were silent at the
    # end of the new speaker's contribution (a reply after a pause shorter than JOIN_GAP_S joined their
    # regions), the end of their last speech region before that; or the end of their speech region at
    # t0 when it ended a sentence before the new speaker's end (they paused and then started anew), or
    # the end of such a sentence followed by a pause of WORD_PAUSE_S in their words
    stop = host.end
    if host.end > c.end + ENDED_TOLERANCE_S:
        regions = merge_regions([(t.start, t.end) for t in conv.turns_of(host.role)
                                 if t.end > host.start and t.start < host.end])
        at_t0 = next(((s, e) for s, e in regions if e > t0), None)
        said = [w for w in host.words if at_t0 is not None and w.start < at_t0[1]]
        if not any(s <= c.end + ENDED_TOLERANCE_S and e >= c.end for s, e in regions):
            stop = max((e for s, e in regions if s < c.end and e > t0), default=host.end)
        elif at_t0 is not None and at_t0[1] < c.end and said and _ends_sentence(max(said, key=lambda w: w.start)):
            stop = at_t0[1]  # they ended a sentence and paused; what they said next was a new start
        else:  # the same pause seen in the words (inside the new speaker's speech), where the regions ran over it
            ws = sorted(host.words, key=lambda w: w.start)
            stop = next((w.end for w, nxt in zip(ws, ws[1:]) if t0 < w.end and nxt.start < c.end
                         and _ends_sentence(w) and nxt.start - w.end >= WORD_PAUSE_S), stop)
    words = sorted((w for w in host.words if w.start < stop), key=lambda w: w.start)
    before = [w for w in words if w.start < t0]
    after = [w for w in words if w.start >= t0]
    complete_before = bool(before) and _ends_sentence(before[-1])
    stopped = stop - t0 if stop <= c.end + ENDED_TOLERANCE_S else None
    fall = pitch_fall((conv.voice or {}).get(host.role), stop, opts) if stopped is not None else None
    cut_off = False
    if stopped is not None and words:
        last = words[-1]
        # a missing end mark is evidence only on a word Whisper was sure of (an unsure word is often
        # misheard, and its punctuation with it)
        cut_off = _trails_off(last) or (punctuated[host.role] and not _ends_sentence(last) and fall is not True
                                        and last.prob >= UNSURE_WORD_PROB)
    # a few words more and soon stopped; or one word only (the word at the overlap start: its speech
    # region may run on with breath and padding)
    # ... unless their speech went on unheard: none of their words after the overlap start, while their
    # speech region runs on for UNHEARD_S past their last word (in a mono mix Whisper hears one voice where
    # two overlap, and the other's words are lost): how many words they said there is unknown, so only a
    # soon stop counts
    heard_until = max([t0] + [w.end for w in words])
    unheard = stopped is not None and not after and stop - heard_until >= UNHEARD_S
    few_after = stopped is not None and ((len(after) <= 1 and not unheard)
                                         or (len(after) <= opts.turn_end_max_words
                                             and stopped <= opts.turn_end_max_tail_s))
    # they stopped on a question: a question hands over the turn, and an answer often starts before
    # its last words (it is projected); starting to answer is no interruption
    asked = stopped is not None and _ends_with_question(Contribution(host.role, host.start, stop, tuple(words)),
                                                        lex, opts.fuzzy_match)
    finishing = (complete_before or few_after or asked) and not cut_off
    gave_up = None
    if stopped is None and c.words:
        mine = sorted(c.words, key=lambda w: w.start)[-1]
        if _trails_off(mine) or (punctuated[c.role] and not _ends_sentence(mine)) or mine.text.rstrip()[-1:] == "?":
            gave_up = True  # broke off, or asked a question that the other talked over: no floor was taken
        elif _ends_sentence(mine):
            gave_up = False  # a whole statement said over the other (a remark)
    return Evidence(complete_before, len(after), stopped, fall, cut_off, finishing, gave_up, asked)


def classify_overlap(ev: Evidence, host: Contribution, c: Contribution, opts: AnalysisOptions) -> str:
    """The kind of an overlap that is neither a back-channel nor a simultaneous start."""
    overlap = min(c.end, host.end) - c.start
    if ev.finishing:
        return "brief" if overlap < opts.interruption_min_overlap_s else "turn_end"
    if overlap < opts.interruption_min_overlap_s and not ev.cut_off:
        return "brief"
    if ev.stopped_within_s is None:  # the other kept the floor
        return "remark" if ev.gave_up is False else "butting_in"  # a whole sentence said over them, or given up
    if ev.stopped_within_s <= opts.competitive_stop_s:
        return "competitive"  # the other stopped soon: the floor was taken
    return "cooperative"  # the other finished anyway, then the interrupter went on


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
