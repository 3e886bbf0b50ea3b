"""The agent's language: questions, empathy, service language, agreements and the closing check.

Behaviours 4-7 of ``docs/COACHING.md``, from the transcript alone. Agent utterances are cut into
sentences after words ending in ``.``, ``?`` or ``!``; lexicon phrases are matched per sentence on
tokens, tolerating small ASR errors. An event's times come from the words it covers; its
confidence is the match score times the mean ASR probability of those words.
"""

from __future__ import annotations

from collections import Counter

from ..config import AnalysisOptions
from ..conversation import Conversation
from . import Analyzer, Findings
from .lexicon import Lexicon, Match, find_phrases, tokens
from .sentences import Sentence, utterance_sentences

STRICT_FUZZY = 0.9  # single words at a question's start and time words: "zorgen" must not pass for "morgen"
FOLLOW_UP_WINDOW_S = 10.0  # a follow-up question starts at most this long after the customer spoke
WORD_ORDER_ONLY = 0.8  # confidence factor for a question found from word order alone, without "?"
MIN_CONTENT_LEN = 3  # shorter tokens are never content words


def _agent_sentences(conv: Conversation) -> list[Sentence]:
    return [s for u in conv.utterances_of("agent") for s in utterance_sentences(u)]


def _starts_with(toks: list[str], phrases: tuple[str, ...], fuzzy: float) -> Match | None:
    """The longest of ``phrases`` that ``toks`` starts with."""
    found = [m for p in phrases for m in find_phrases(toks[:len(tokens(p))], (p,), fuzzy)]
    return max(found, key=lambda m: (m.end, m.score), default=None)


def _question_kind(s: Sentence, lex: Lexicon, fuzzy: float) -> tuple[str, float] | None:
    """``("open" | "closed", score)`` when the sentence is a question, else None.

    A sentence ending in "." or "!" is no question. One ending in "?" is; without punctuation it
    is when a clause starts (after lead-in words such as "oké, en") with a question word (also
    after a preposition: "sinds wanneer") or a finite verb, or when it ends in a tag ("klopt dat",
    "toch"). Open: the first such clause starts with an open question word; otherwise closed (also
    a statement said as a question: "U heeft ...?").
    """
    if s.mark in (".", "!"):
        return None
    lead = {t for p in lex.get("question_lead_in") for t in tokens(p)}
    prepositions = {t for p in lex.get("question_preposition") for t in tokens(p)}
    open_start = lex.get("question_open_start")
    start = None
    for c in s.clauses:
        while c < len(s.toks) and s.toks[c] in lead:
            c += 1
        p = c
        while p < len(s.toks) and s.toks[p] in prepositions:
            p += 1
        rest = s.toks[c:]
        if rest and not _starts_with(rest, lex.get("question_not_start"), fuzzy):
            after_preposition = _starts_with(s.toks[p:], open_start, STRICT_FUZZY) if p > c else None
            start = after_preposition or _starts_with(rest, open_start + lex.get("question_closed_start"),
                                                      STRICT_FUZZY)
            if start:
                break
    score = start.score if start else 1.0
    if s.mark != "?":
        tagged = any(m.end == len(s.toks) for m in find_phrases(s.toks, lex.get("question_tag"), STRICT_FUZZY))
        if len(s.toks) < 2 or not (start or tagged):
            return None
        score *= WORD_ORDER_ONLY
    return ("open" if start and start.phrase in open_start else "closed"), score


def _content(toks: list[str], stop: set[str]) -> list[str]:
    return [t for t in toks if len(t) >= MIN_CONTENT_LEN and t not in stop]


def questions(conv: Conversation, opts: AnalysisOptions, lex: Lexicon) -> Findings:
    """Agent questions, open or closed, and which follow up on what the customer just said.

    A follow-up starts within ``FOLLOW_UP_WINDOW_S`` after customer speech and shares a content
    word (not in ``stopwords``) with the customer's utterances in that window, or uses a deepening
    phrase ("wat bedoelt u", "wat maakt dat").
    """
    stop = {t for p in lex.get("stopwords") for t in tokens(p)}
    customer = conv.utterances_of("customer")
    events = []
    for s in _agent_sentences(conv):
        found = _question_kind(s, lex, opts.fuzzy_match)
        if found is None:
            continue
        heard = [t for u in customer if u.start < s.start <= u.end + FOLLOW_UP_WINDOW_S for t in tokens(u.text)]
        follow_up = bool(heard) and bool(
            find_phrases(s.toks, lex.get("question_deepening"), opts.fuzzy_match)
            or find_phrases(_content(heard, stop), tuple(_content(s.toks, stop)), opts.fuzzy_match))
        events.append(s.event("question", found[1], kind=found[0], follow_up=follow_up))
    return Findings(metrics={"questions": {
        "agent": len(events),
        "agent_open": sum(e["kind"] == "open" for e in events),
        "agent_closed": sum(e["kind"] == "closed" for e in events),
        "agent_follow_up": sum(e["follow_up"] for e in events),
    }}, events=tuple(events))


def _phrase_events(conv: Conversation, lex: Lexicon, name: str, fuzzy: float, etype: str) -> list[dict]:
    """An ``etype`` event for every phrase of the lexicon list ``name`` in the agent's sentences."""
    return [s.phrase_event(etype, m)
            for s in _agent_sentences(conv) for m in find_phrases(s.toks, lex.get(name), fuzzy)]


def empathy(conv: Conversation, opts: AnalysisOptions, lex: Lexicon) -> Findings:
    """Agent empathy phrases: how many, how many different, which repeated, and the first one's time."""
    events = _phrase_events(conv, lex, "empathy", opts.fuzzy_match, "empathy")
    counts = Counter(e["phrase"] for e in events)
    return Findings(metrics={"empathy": {
        "count": len(events),
        "distinct": len(counts),
        "repeated": {p: n for p, n in counts.items() if n >= 2},
        "first_s": events[0]["start"] if events else None,
    }}, events=tuple(events))


def service_language(conv: Conversation, opts: AnalysisOptions, lex: Lexicon) -> Findings:
    """Agent phrases that close doors ("daar kan ik niets aan doen") or open options ("wat ik wel kan doen")."""
    closing = _phrase_events(conv, lex, "door_closing", opts.fuzzy_match, "door_closing")
    opening = _phrase_events(conv, lex, "option_opening", opts.fuzzy_match, "option_opening")
    return Findings(metrics={"service_language": {"door_closing": len(closing), "option_opening": len(opening)}},
                    events=tuple(sorted(closing + opening, key=lambda e: e["start"])))


def agreements_and_closing(conv: Conversation, opts: AnalysisOptions, lex: Lexicon) -> Findings:
    """Agreements (agent sentences that commit to an action, with or without a when) and the closing check.

    An ``agreement`` event covers the whole sentence; ``has_when`` tells whether it names a time or
    channel ("morgen", "per e-mail"). A ``closing_check`` ("is er nog iets ...") counts only in the
    last ``opts.closing_window_s`` seconds of the call.
    """
    call_end = max([conv.duration] + [u.end for u in conv.utterances])
    events = []
    for s in _agent_sentences(conv):
        actions = find_phrases(s.toks, lex.get("agreement_action"), opts.fuzzy_match)
        if actions:
            when = find_phrases(s.toks, lex.get("agreement_when"), STRICT_FUZZY)
            events.append(s.event("agreement", actions[0].score, phrase=actions[0].phrase, has_when=bool(when),
                                  when=when[0].phrase if when else None))
        if s.start >= call_end - opts.closing_window_s:
            events += [s.phrase_event("closing_check", m)
                       for m in find_phrases(s.toks, lex.get("closing_check"), opts.fuzzy_match)]
    return Findings(metrics={"agreements": sum(e["type"] == "agreement" for e in events),
                             "closing_check": any(e["type"] == "closing_check" for e in events)},
                    events=tuple(events))


ANALYZERS: list[tuple[str, Analyzer]] = [("questions", questions), ("empathy", empathy), ("service_language", service_language),
             ("agreements", agreements_and_closing)]
