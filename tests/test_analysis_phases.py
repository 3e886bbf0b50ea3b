"""Summary before solution on hand-written calls (no audio, no models)."""

from __future__ import annotations

import pytest

from coach.analysis.confidence import SURE_FROM
from coach.analysis.events import Event
from coach.analysis.lexicon import load_lexicon
from coach.analysis.phases import summary_and_solution
from coach.config import AnalysisOptions
from coach.conversation import Conversation, Turn, Utterance, Word

LEX = load_lexicon()
OPTS = AnalysisOptions()


def utt(role: str, start: float, text: str, prob: float = 0.9, step: float = 0.3) -> Utterance:
    """One utterance, a word every ``step`` s from ``start`` (each word 0.25 s long)."""
    words = [Word(w, start + i * step, start + i * step + 0.25, prob) for i, w in enumerate(text.split())]
    return Utterance.from_words(role, words)


def conv(*utterances: Utterance, duration: float = 120.0) -> Conversation:
    """A call from utterances; each utterance is also its speaker's speech region."""
    utts = tuple(sorted(utterances, key=lambda u: u.start))
    return Conversation(utterances=utts, duration=duration, speaker_source="channels",
                        roles={"left": "agent", "right": "customer"},
                        turns=tuple(Turn(u.speaker_role, u.start, u.end) for u in utts))


def of_type(found, etype: str) -> list[Event]:
    return [e for e in found.events if e.type == etype]


def run(c: Conversation):
    return summary_and_solution(c, OPTS, LEX)


GREETING = utt("agent", 0.0, "Goedemiddag, u spreekt met Sanne van de klantenservice.")
PROBLEM = utt("customer", 4.0, "Mijn internet valt al drie dagen steeds weg en de router knippert rood.")
SOLUTION = "Ik ga een monteur sturen."


def test_summary_confirmed_then_solution():
    c = conv(GREETING, PROBLEM,
             utt("agent", 10.0, "Als ik het goed begrijp valt uw internet steeds weg. Klopt dat?"),
             utt("customer", 15.0, "Ja, dat klopt."),
             utt("agent", 18.0, SOLUTION))
    found = run(c)
    assert found.metrics["summary_before_solution"] is True
    (summary,) = of_type(found, "summary")  # the two sentences are one summary
    assert summary.text == "Als ik het goed begrijp valt uw internet steeds weg. Klopt dat?"
    assert (summary.start, summary.basis, summary.phrase) == (10.0, "phrase", "als ik het goed begrijp")
    assert summary.confirmed is True
    (confirmation,) = of_type(found, "confirmation")
    assert (confirmation.by, confirmation.text, confirmation.start) == ("customer", "Ja, dat klopt.", 15.0)
    (solution,) = of_type(found, "solution")
    assert (solution.text, solution.start) == (SOLUTION, 18.0)
    phases = found.metrics["phases"]
    assert phases == {"first_summary_s": 10.0, "summary_confirmed": True, "first_solution_s": 18.0,
                      "summaries": 1, "solutions": 1, "first_summary_confidence": summary.confidence,
                      "first_solution_confidence": solution.confidence,
                      "summary_before_solution_unsure": summary.confidence < SURE_FROM or solution.confidence < SURE_FROM}


def test_summary_without_confirmation():
    c = conv(GREETING, PROBLEM,
             utt("agent", 10.0, "Als ik het goed begrijp valt uw internet steeds weg."),
             utt("customer", 14.0, "Nee, het gaat om de televisie."),
             utt("agent", 18.0, SOLUTION))
    found = run(c)
    assert found.metrics["summary_before_solution"] is True
    assert of_type(found, "confirmation") == []
    assert found.metrics["phases"]["summary_confirmed"] is False


def test_confirmation_long_after_the_summary_is_not_counted():
    c = conv(GREETING, PROBLEM,
             utt("agent", 10.0, "Als ik het goed begrijp valt uw internet steeds weg."),
             utt("customer", 22.0, "Ja, dat klopt."))  # 10 s of silence in between
    found = run(c)
    assert of_type(found, "confirmation") == []
    assert found.metrics["phases"]["summary_confirmed"] is False


def test_solution_without_summary():
    found = run(conv(GREETING, PROBLEM, utt("agent", 10.0, SOLUTION)))
    assert found.metrics["summary_before_solution"] is False
    assert of_type(found, "summary") == []
    assert found.metrics["phases"]["first_solution_s"] == 10.0


def test_no_solution_gives_null():
    c = conv(GREETING, PROBLEM, utt("agent", 10.0, "Als ik het goed begrijp valt uw internet steeds weg."))
    found = run(c)
    assert found.metrics["summary_before_solution"] is None
    assert found.metrics["phases"]["first_solution_s"] is None
    assert len(of_type(found, "summary")) == 1


def test_misheard_summary_phrase_is_found():
    c = conv(GREETING, PROBLEM, utt("agent", 10.0, "Als ik met goed begrijp valt uw internet steeds weg."),
             utt("agent", 16.0, SOLUTION))
    found = run(c)
    (summary,) = of_type(found, "summary")
    assert summary.phrase == "als ik het goed begrijp"
    exact = run(conv(GREETING, PROBLEM, utt("agent", 10.0, "Als ik het goed begrijp valt uw internet steeds weg."),
                     utt("agent", 16.0, SOLUTION)))
    assert summary.confidence < of_type(exact, "summary")[0].confidence  # fuzzy: less sure than the exact cue
    assert found.metrics["summary_before_solution"] is True


def test_paraphrase_counts_as_summary():
    # a bare paraphrase checks understanding when the customer answers it (issue 11: before, any
    # sentence with three of the customer's words counted, also advice the customer did not answer)
    c = conv(GREETING,
             utt("customer", 4.0, "Mijn factuur is veel te hoog, ik betaal dubbel voor mijn abonnement."),
             utt("agent", 10.0, "U betaalt nu dubbel voor uw abonnement en de factuur is te hoog."),
             utt("customer", 14.5, "Ja."),
             utt("agent", 16.0, "Ik zet het bedrag voor u terug."))
    found = run(c)
    (summary,) = of_type(found, "summary")
    assert summary.basis == "paraphrase" and summary.phrase is None
    # "betaalt" is the customer's "betaal" by lemma (simplemma)
    assert summary.shared_words == ("abonnement", "betaalt", "dubbel", "factuur", "hoog")
    assert found.metrics["summary_before_solution"] is True


def test_unanswered_paraphrase_is_no_summary():
    c = conv(GREETING,
             utt("customer", 4.0, "Mijn factuur is veel te hoog, ik betaal dubbel voor mijn abonnement."),
             utt("agent", 10.0, "U betaalt nu dubbel voor uw abonnement en de factuur is te hoog."),
             utt("agent", 16.0, "Ik zet het bedrag voor u terug."))
    found = run(c)
    assert of_type(found, "summary") == []
    assert found.metrics["summary_before_solution"] is False


@pytest.mark.parametrize("agent", [
    "Het gaat dus om uw factuur en uw abonnement.",  # two of the customer's words: too few
    # three of the customer's words among many of the agent's own: too small a share
    "Uw factuur wordt maandelijks berekend volgens het tarief van uw abonnement, tenzij er dubbel geboekt "
    "wordt door een storing in ons systeem bij de overstap naar nieuwe bundels.",
])
def test_too_few_shared_words_are_no_paraphrase(agent):
    c = conv(GREETING,
             utt("customer", 4.0, "Mijn factuur is veel te hoog, ik betaal dubbel voor mijn abonnement."),
             utt("agent", 10.0, agent),
             utt("agent", 20.0, "Ik zet het bedrag voor u terug."))
    found = run(c)
    assert of_type(found, "summary") == []
    assert found.metrics["summary_before_solution"] is False


@pytest.mark.parametrize("question,statement", [
    ("Zal ik een monteur sturen?", "Ik zal een monteur sturen."),
    ("Zal ik een melding maken?", "Ik zal een melding maken."),  # "een melding maken" is a solution phrase
    ("Ik ga een monteur sturen?", "Ik ga een monteur sturen."),
])
def test_a_question_is_no_solution(question, statement):
    found = run(conv(GREETING, PROBLEM, utt("agent", 10.0, question)))
    assert of_type(found, "solution") == []
    assert found.metrics["summary_before_solution"] is None
    # the same words as a statement are one
    found = run(conv(GREETING, PROBLEM, utt("agent", 10.0, statement)))
    assert len(of_type(found, "solution")) == 1


def test_greeting_before_the_customer_spoke_is_neither_summary_nor_solution():
    greeting = utt("agent", 0.0, "Goedemiddag, u spreekt met Sanne. Ik ga u graag helpen. "
                                 "Als ik het goed begrijp belt u over uw internet?")
    found = run(conv(greeting, PROBLEM))
    assert of_type(found, "summary") == [] and of_type(found, "solution") == []
    assert found.metrics["summary_before_solution"] is None
    assert found.metrics["phases"]["summaries"] == 0


def test_summary_after_the_first_solution():
    c = conv(GREETING, PROBLEM,
             utt("agent", 10.0, SOLUTION),
             utt("agent", 14.0, "Als ik het goed begrijp valt uw internet steeds weg. Klopt dat?"),
             utt("customer", 19.0, "Ja, precies."))
    found = run(c)
    assert found.metrics["summary_before_solution"] is False
    phases = found.metrics["phases"]
    assert (phases["summaries"], phases["first_summary_s"], phases["summary_confirmed"]) == (1, 14.0, True)
