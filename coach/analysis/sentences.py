"""Sentences of the transcript: utterances cut after words ending in ``.``, ``?`` or ``!``, with the
tokens of each sentence mapped back to the words (and so the times) they came from."""

from __future__ import annotations

from dataclasses import dataclass

from ..conversation import Conversation, Utterance, Word
from .lexicon import Match, tokens


@dataclass(frozen=True)
class Sentence:
    """A sentence of one utterance: its words, their tokens, and the word each token came from."""

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
    def is_question(self) -> bool:
        return self.mark == "?"

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

    def event(self, etype: str, score: float, i: int = 0, j: int | None = None, **extra) -> dict:
        """An event over tokens ``i`` to ``j`` with confidence ``score`` times their mean word probability."""
        start, end, text, prob = self.span(i, j)
        return {"type": etype, "by": self.role, "start": round(start, 3), "end": round(end, 3), "text": text,
                **extra, "confidence": round(score * prob, 3)}

    def phrase_event(self, etype: str, m: Match, **extra) -> dict:
        return self.event(etype, m.score, m.start, m.end, phrase=m.phrase, **extra)


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


def utterance_sentences(utt: Utterance) -> list[Sentence]:
    """The utterance's sentences (without words: its text split at spaces, all at the utterance's times)."""
    words = utt.words or tuple(Word(t, utt.start, utt.end) for t in utt.text.split())
    groups: list[list[Word]] = [[]]
    for w in words:
        groups[-1].append(w)
        if w.text.rstrip()[-1:] in (".", "?", "!"):
            groups.append([])
    sentences = (make_sentence(utt.speaker_role, tuple(g)) for g in groups if g)
    return [s for s in sentences if s.toks]




def conversation_sentences(conv: Conversation) -> list[Sentence]:
    """Every sentence of both parties, in time order."""
    return sorted((s for u in conv.utterances for s in utterance_sentences(u)), key=lambda s: s.start)
