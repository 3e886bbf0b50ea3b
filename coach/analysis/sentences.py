"""Sentences of the transcript: utterances cut after words ending in ``.``, ``?`` or ``!``, with the
tokens of each sentence mapped back to the words (and so the times) they came from; and the one
rule of what a question is (``Sentence.question_kind``), used by every analyzer that asks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple, TypeVar

from ..conversation import Conversation, Utterance, Word
from .events import Event, PhraseEvent
from .lexicon import STRICT_FUZZY, Lexicon, Match, find_phrases, tokens

WORD_ORDER_ONLY = 0.8  # confidence factor for a question found from word order alone, without "?"

E = TypeVar("E", bound=Event)
P = TypeVar("P", bound=PhraseEvent)


class QuestionKind(NamedTuple):
    kind: str  # "open" | "closed"
    score: float  # 1.0 for a "?" and a plain start; lower for a fuzzy start or no "?"
    clause: int = 0  # token where the question starts: its clause, when ASR joined a sentence before it


def _starts_with(toks: list[str], phrases: tuple[str, ...], fuzzy: float) -> Match | None:
    """The longest of ``phrases`` that ``toks`` starts with."""
    found = [m for p in phrases for m in find_phrases(toks[:len(tokens(p))], (p,), fuzzy)]
    return max(found, key=lambda m: (m.end, m.score), default=None)


@dataclass(frozen=True)
class Sentence:
    """A sentence of one party: its words, their tokens, and the word each token came from."""

    role: str
    words: tuple[Word, ...]
    toks: list[str]
    owner: list[int]  # token index -> index in ``words`` (a word may give 0, 1 or more tokens)
    clauses: list[int]  # token index where each clause (split after , ; :) starts

    @property
    def start(self) -> float:
        return self.words[0].start

    @property
    def end(self) -> float:
        return self.words[-1].end

    @property
    def text(self) -> str:
        return " ".join(w.text.strip() for w in self.words)

    @property
    def mark(self) -> str:
        """The closing punctuation: "?", ".", "!" or ""."""
        end = self.words[-1].text.rstrip()[-1:]
        return end if end and end in ".?!" else ""

    def span(self, i: int = 0, j: int | None = None) -> tuple[float, float, str, float]:
        """Start, end, text and mean word probability of tokens ``i`` to ``j`` (exclusive; default all)."""
        j = len(self.toks) if j is None else j
        ws = self.words[self.owner[i]:self.owner[j - 1] + 1]
        text = " ".join(w.text.strip() for w in ws)
        return ws[0].start, ws[-1].end, text, sum(w.prob for w in ws) / len(ws)

    def event(self, cls: type[E], score: float, i: int = 0, j: int | None = None, **fields: Any) -> E:
        """A ``cls`` event over tokens ``i`` to ``j`` with confidence ``score`` times their mean word probability."""
        start, end, text, prob = self.span(i, j)
        return cls(by=self.role, start=round(start, 3), end=round(end, 3), text=text,
                   confidence=round(score * prob, 3), **fields)

    def phrase_event(self, cls: type[P], m: Match, **fields: Any) -> P:
        return self.event(cls, m.score, m.start, m.end, phrase=m.phrase, **fields)

    def question_kind(self, lex: Lexicon, fuzzy: float) -> QuestionKind | None:
        """``("open" | "closed", score)`` when the sentence is a question, else None. The one rule of
        what a question is (agent questions, solutions that are no question, answers that are no
        back-channel).

        A sentence ending in "." or "!" is no question. One ending in "?" is; without punctuation it
        is when a clause starts (after lead-in words such as "oké, en") with a question word (also
        after a preposition: "sinds wanneer") or a finite verb, or when it ends in a tag ("klopt dat",
        "toch"); then its score is lower (``WORD_ORDER_ONLY``). Open: the first such clause starts
        with an open question word; otherwise closed (also a statement said as a question: "U heeft
        ...?"). ``fuzzy`` is for the starts that are no question ("wat vervelend").
        """
        if self.mark in (".", "!"):
            return None
        toks = self.toks
        lead = {t for p in lex.get("question_lead_in") for t in tokens(p)}
        prepositions = {t for p in lex.get("question_preposition") for t in tokens(p)}
        open_start = lex.get("question_open_start")
        start = None
        at = 0
        for c in self.clauses:
            at = c
            while c < len(toks) and toks[c] in lead:
                c += 1
            p = c
            while p < len(toks) and toks[p] in prepositions:
                p += 1
            rest = toks[c:]
            if rest and not _starts_with(rest, lex.get("question_not_start"), fuzzy):
                after_preposition = _starts_with(toks[p:], open_start, STRICT_FUZZY) if p > c else None
                start = after_preposition or _starts_with(rest, open_start + lex.get("question_closed_start"),
                                                          STRICT_FUZZY)
                if start:
                    break
        score = start.score if start else 1.0
        if self.mark != "?":
            tagged = any(m.end == len(toks) for m in find_phrases(toks, lex.get("question_tag"), STRICT_FUZZY))
            if len(toks) < 2 or not (start or tagged):
                return None
            score *= WORD_ORDER_ONLY
        # the question starts at its clause, unless that clause is a tag that asks about the whole
        # sentence ("Dat is uw adres, klopt dat?")
        tag_only = start is not None and any(m.start == at and m.end == len(toks)
                                             for m in find_phrases(toks, lex.get("question_tag"), STRICT_FUZZY))
        return QuestionKind("open" if start and start.phrase in open_start else "closed", score,
                            at if start and not tag_only else 0)


def make_sentence(role: str, words: tuple[Word, ...]) -> Sentence:
    toks: list[str] = []
    owner: list[int] = []
    clauses = [0]
    for i, w in enumerate(words):
        if i and words[i - 1].text.rstrip()[-1:] in (",", ";", ":"):
            clauses.append(len(toks))
        for t in tokens(w.text):
            toks.append(t)
            owner.append(i)
    return Sentence(role, words, toks, owner, clauses)


def word_sentences(role: str, words: tuple[Word, ...] | list[Word]) -> list[Sentence]:
    """``words`` (one party's, in time order) cut into sentences after words ending in ".", "?" or "!"."""
    groups: list[list[Word]] = [[]]
    for w in words:
        groups[-1].append(w)
        if w.text.rstrip()[-1:] in (".", "?", "!"):
            groups.append([])
    sentences = (make_sentence(role, tuple(g)) for g in groups if g)
    return [s for s in sentences if s.toks]


def utterance_sentences(utt: Utterance) -> list[Sentence]:
    """The utterance's sentences (without words: its text split at spaces, all at the utterance's times)."""
    words = utt.words or tuple(Word(t, utt.start, utt.end) for t in utt.text.split())
    return word_sentences(utt.speaker_role, words)


def conversation_sentences(conv: Conversation) -> list[Sentence]:
    """Every sentence of both parties, in time order."""
    return sorted((s for u in conv.utterances for s in utterance_sentences(u)), key=lambda s: s.start)
