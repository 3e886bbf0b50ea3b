"""Confidence of summaries and solutions from their evidence (coach/analysis/confidence.py): pure logic on
hand-made evidence and hand-written calls (no audio, no models)."""

from __future__ import annotations

from dataclasses import replace

from coach.analysis.confidence import (COEFFICIENTS, FEATURES, SolutionEvidence, SummaryEvidence, features,
                                       probability, solution_confidence, summary_confidence)
from coach.analysis.lexicon import load_lexicon
from coach.analysis.phases import summary_and_solution
from coach.analysis.confidence import SURE_FROM
from coach.analysis.reflection import reflect
from coach.evaluate import language_totals
from coach.config import AnalysisOptions
from coach.conversation import Conversation, Utterance, Word
from test_analysis_phases import conv as clause_conv, utt

LEX = load_lexicon()
OPTS = AnalysisOptions()

SOLUTION = SolutionEvidence(rule="commit", score=1.0, words_prob=0.95, sentence_prob=0.9, first=True,
                            after_summary=True)
SUMMARY = SummaryEvidence(cue="phrase", score=1.0, cue_prob=0.95, sentence_prob=0.9, shared=4, first=True,
                          confirmed=True)


def test_features_are_the_models_inputs():
    for e in (SOLUTION, SUMMARY):
        x = features(e)
        assert set(x) == set(FEATURES) == set(COEFFICIENTS)
        assert all(isinstance(v, float) for v in x.values())
    assert features(SUMMARY)["summary"] == 1.0 and features(SOLUTION)["summary"] == 0.0
    assert features(replace(SOLUTION, rule="dropped_subject", score=0.6))["weak_rule"] == 1.0
    assert features(replace(SOLUTION, rule="dropped_subject", score=0.6))["fuzzy"] == 0.0  # its own score is no fuzz
    assert abs(features(replace(SOLUTION, rule="offer", score=0.8))["fuzzy"] - 0.8) < 1e-9  # (1 - 0.8) / 0.25
    assert features(replace(SOLUTION, words_prob=0.4))["words_prob"] == -2.0
    assert features(replace(SUMMARY, cue="bare", score=0.7))["weak_rule"] == 1.0


def test_confidence_is_a_probability_and_follows_the_evidence():
    for e in (SOLUTION, SUMMARY):
        assert 0.0 < probability(e) < 1.0
    assert solution_confidence(SOLUTION) == probability(SOLUTION)
    assert summary_confidence(SUMMARY) == probability(SUMMARY)
    # misheard words the rule relied on, a later solution, one late in the call, a fuzzy match: less sure
    assert solution_confidence(replace(SOLUTION, words_prob=0.3)) < solution_confidence(SOLUTION)
    assert solution_confidence(replace(SOLUTION, first=False)) < solution_confidence(SOLUTION)
    assert solution_confidence(replace(SOLUTION, position=0.95)) < solution_confidence(SOLUTION)
    assert solution_confidence(replace(SOLUTION, rule="offer", score=0.8)) < solution_confidence(SOLUTION)  # fuzzy
    # a summary the customer confirmed is surer than one nobody confirmed
    assert summary_confidence(replace(SUMMARY, confirmed=False)) < summary_confidence(SUMMARY)


def conv(*utterances: Utterance) -> Conversation:
    return clause_conv(*utterances, duration=60.0)


GREETING = utt("agent", 0.0, "Goedemiddag, u spreekt met Sanne van de klantenservice.")
PROBLEM = utt("customer", 4.0, "Mijn internet valt al drie dagen steeds weg en de router knippert rood.")


def _solution(c: Conversation):
    return next(e for e in summary_and_solution(c, OPTS, LEX).events if e.type == "solution")


def test_the_asr_probability_of_the_rules_own_words_counts_not_the_sentences():
    """Two sentences with the same mean word probability: the one whose subject and verb ("zet ik") were
    misheard is less sure than the one whose other words were."""
    sure_verb = Utterance.from_words("agent", [Word(w, 10 + i * 0.3, 10.25 + i * 0.3, p) for i, (w, p) in enumerate(
        [("Dan", 0.9), ("zet", 0.95), ("ik", 0.95), ("een", 0.5), ("monteur", 0.5), ("klaar.", 0.9)])])
    unsure_verb = Utterance.from_words("agent", [Word(w, 10 + i * 0.3, 10.25 + i * 0.3, p) for i, (w, p) in enumerate(
        [("Dan", 0.9), ("zet", 0.5), ("ik", 0.5), ("een", 0.95), ("monteur", 0.95), ("klaar.", 0.9)])])
    a, b = _solution(conv(GREETING, PROBLEM, sure_verb)), _solution(conv(GREETING, PROBLEM, unsure_verb))
    assert a.rule == b.rule == "commit"
    assert b.confidence < a.confidence


def test_a_confirmed_summary_is_surer_and_an_unsure_solution_is_asked_in_the_reflection():
    summary = "Als ik het goed begrijp valt uw internet steeds weg."
    confirmed = summary_and_solution(conv(GREETING, PROBLEM, utt("agent", 10.0, summary),
                                          utt("customer", 14.0, "Ja, dat klopt.")), OPTS, LEX)
    open_ = summary_and_solution(conv(GREETING, PROBLEM, utt("agent", 10.0, summary),
                                      utt("customer", 14.0, "Mijn buurman heeft het ook.")), OPTS, LEX)
    (s1,), (s2,) = ([e for e in f.events if e.type == "summary"] for f in (confirmed, open_))
    assert s1.confirmed and not s2.confirmed and s2.confidence < s1.confidence
    # a solution heard through a bad line: marked "niet zeker", its moment a question
    c = conv(GREETING, PROBLEM, utt("agent", 10.0, "Heb uw router opnieuw ingesteld.", prob=0.35))
    found = summary_and_solution(c, OPTS, LEX)
    (solution,) = [e for e in found.events if e.type == "solution"]
    assert solution.confidence < SURE_FROM
    (moment,) = [m for m in reflect(c, found.events, found.metrics, OPTS)["moments"] if m["type"] == "solution"]
    assert moment["unsure"] and moment["title"].endswith("(niet zeker)")
    assert moment["question"].startswith("Coach is hier niet zeker van")


def test_evaluation_counts_how_often_the_marked_ones_were_right():
    from coach.evaluate import EventScore

    zero = {k: EventScore(0, 0, 0) for k in ("summary", "solution", "question", "empathy", "closing_check",
                                                "door_closing")}
    row = {"scores": zero, "summary_before_solution": {"expected": None, "found": None, "right": True},
           "calibration": {"summary": [[0.9, True], [0.8, False]], "solution": [[0.95, False], [0.7, True], [0.6, False]]}}
    marked = language_totals([row])["marked_unsure"]
    assert marked == {"below": SURE_FROM, "unsure": [1, 3], "sure": [1, 2]}
