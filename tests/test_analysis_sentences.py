"""Sentences, the one question rule and content words (pure logic).

``Sentence.question_kind`` is what a question is for every analyzer: agent questions (language),
a solution is no question (phases), and a short "ja" answering a question takes the turn
(overlaps); these tests check the rule itself and that each of them follows it.
"""

from __future__ import annotations

import pytest

from coach.analysis.lexicon import load_lexicon, tokens
from coach.analysis.overlaps import overlaps_and_backchannels
from coach.analysis.phases import summary_and_solution
from coach.analysis.sentences import WORD_ORDER_ONLY, QuestionKind, word_sentences
from coach.config import AnalysisOptions
from coach.conversation import Conversation, Turn, Utterance, Word

LEX = load_lexicon()
OPTS = AnalysisOptions()


def words(text: str, start: float = 0.0, step: float = 0.3) -> list[Word]:
    return [Word(w, start + i * step, start + i * step + 0.25, 0.9) for i, w in enumerate(text.split())]


def kind(text: str) -> QuestionKind | None:
    (s,) = word_sentences("agent", words(text))
    return s.question_kind(LEX, OPTS.fuzzy_match)


@pytest.mark.parametrize("text,expected", [
    # punctuated: a "?" makes a question; open or closed by its first words
    ("Wat is er precies gebeurd?", ("open", 1.0)),
    ("Heeft u de router al herstart?", ("closed", 1.0)),
    ("U heeft de factuur ontvangen?", ("closed", 1.0)),  # a statement said as a question
    ("Oké, en hoe lang speelt dit al?", ("open", 1.0)),  # after lead-in words
    # unpunctuated (Whisper often drops the "?"): a question word or a finite verb first, less sure
    ("wat is uw postcode", ("open", WORD_ORDER_ONLY)),
    ("sinds wanneer speelt dit", ("open", WORD_ORDER_ONLY)),  # a question word after a preposition
    ("kunt u de modem even uitzetten", ("closed", WORD_ORDER_ONLY)),
    # a tag at the end
    ("Dat is uw adres, klopt dat", ("closed", WORD_ORDER_ONLY)),
    ("Dat is uw adres, klopt dat?", ("closed", 1.0)),
    ("U heeft de brief ontvangen, toch", ("closed", WORD_ORDER_ONLY)),
])
def test_questions(text, expected):
    found = kind(text)
    assert found is not None
    assert (found.kind, found.score) == (expected[0], pytest.approx(expected[1]))


@pytest.mark.parametrize("text", [
    "Heeft u de router al herstart.",  # a "." is a statement, whatever the word order
    "Wat vervelend!",
    "Ik ga een monteur sturen.",
    "Ik bel omdat mijn internet steeds wegvalt",  # unpunctuated, no question word or verb first
    "wat vervelend voor u",  # an exclamation, not an open question
    "Wat ik wel kan doen is een monteur sturen",
    "klopt",  # one word: a back-channel, not a question
])
def test_no_questions(text):
    assert kind(text) is None


def test_sentences_are_cut_after_closing_punctuation():
    sents = word_sentences("customer", words("Goedemiddag. Mijn internet valt weg, al dagen! Kunt u helpen?"))
    assert [s.text for s in sents] == ["Goedemiddag.", "Mijn internet valt weg, al dagen!", "Kunt u helpen?"]
    assert [s.mark for s in sents] == [".", "!", "?"]
    assert sents[1].clauses == [0, 4]  # a new clause after "weg,"
    assert word_sentences("agent", words("... –")) == []  # no tokens: no sentence


# --- every analyzer uses the rule ----------------------------------------------------------------------------


def said(role: str, start: float, end: float, text: str) -> Utterance:
    toks = text.split()
    step = (end - start) / len(toks)
    return Utterance.from_words(role, [Word(w, start + i * step, start + (i + 1) * step - 0.02, 0.9)
                                       for i, w in enumerate(toks)])


@pytest.mark.parametrize("first,is_backchannel", [
    ("Ik bel omdat mijn internet sinds maandag steeds wegvalt,", True),
    ("Kunt u mij vandaag nog helpen met mijn internet?", False),
    ("Kunt u mij vandaag nog helpen met mijn internet", False),  # no "?", still a question: "ja" answers it
])
def test_a_short_ja_answering_a_question_takes_the_turn(first, is_backchannel):
    utts = [said("customer", 0.0, 4.0, first), said("agent", 4.2, 4.5, "Ja."),
            said("customer", 4.8, 10.0, "want ik moet morgen thuis werken en de router knippert rood.")]
    c = Conversation(tuple(utts), 12.0, "channels", {"left": "agent", "right": "customer"},
                     tuple(Turn(u.speaker_role, u.start, u.end) for u in utts))
    found = overlaps_and_backchannels(c, OPTS, LEX)
    assert found.metrics["backchannels"]["agent"] == (1 if is_backchannel else 0)


@pytest.mark.parametrize("agent,is_solution", [
    ("Ik zal een melding maken.", True),
    ("Zal ik een melding maken?", False),
    ("zal ik een melding maken", False),  # no "?", still a question: an offer, not yet a solution
    ("Ik stuur u een nieuwe router, is dat goed", False),  # ends in a question
])
def test_a_question_is_no_solution_with_or_without_question_mark(agent, is_solution):
    utts = (said("agent", 0.0, 3.0, "Goedemiddag, u spreekt met Sanne."),
            said("customer", 4.0, 8.0, "Mijn internet valt al drie dagen steeds weg."),
            said("agent", 10.0, 13.0, agent))
    c = Conversation(utts, 20.0, "channels", {"left": "agent", "right": "customer"},
                     tuple(Turn(u.speaker_role, u.start, u.end) for u in utts))
    found = summary_and_solution(c, OPTS, LEX)
    assert found.metrics["phases"]["solutions"] == (1 if is_solution else 0)


# --- content words -------------------------------------------------------------------------------------------


def test_content_words_leave_out_stopwords_and_short_words():
    toks = tokens("Mijn internet valt al drie dagen steeds weg, ik heb de router twee keer herstart.")
    assert LEX.content_words(toks) == ["internet", "valt", "drie", "dagen", "steeds", "weg", "router", "twee", "keer",
                                       "herstart"]
    assert LEX.content_words(tokens("Ja, dat klopt. Oké, prima.")) == ["prima"]
    assert LEX.content_words(["internet", "internet", "ik"]) == ["internet", "internet"]  # order and repeats kept
    assert {"de", "het", "ik", "u", "klopt", "oké"} <= LEX.stopwords
    assert LEX.stopwords == frozenset(t for p in LEX.get("stopwords") for t in tokens(p))


def test_a_question_after_a_joined_sentence_starts_at_its_clause():
    # Whisper joins "Dat is schrikken, zo ver van huis." to the question after it
    found = kind("Dat is schrikken, zo ver van huis, staat de automaat bij een bankkantoor?")
    assert found is not None and found.kind == "closed" and found.clause == 7
    assert kind("Heeft u de router al herstart?").clause == 0
