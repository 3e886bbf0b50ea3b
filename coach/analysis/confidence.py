"""How sure coach is of a summary or a solution: the evidence it was found on, turned into the chance
that it is right.

A summary or solution is found by a rule (``coach.analysis.clauses``, ``coach.analysis.phases``); some rules
are surer than others, and the ASR may have misheard the very words a rule relied on. The confidence is
a small logistic model over evidence that can be explained in one line each:

- ``words_prob``: the mean ASR probability of the words the rule relied on (a solution's subject and
  verb, a summary's cue; the whole sentence for a bare paraphrase), not of the whole sentence;
- ``first``: the call's first solution (later "solutions" are more often a follow-up agreement);
- ``weak_rule``: a solution rule that reads more into the words (``dropped_subject``: an "ik" assumed,
  ``instruction``, ``visit``), or a summary without a cue phrase;
- ``confirmed``: the customer confirmed the summary ("ja, klopt");
- ``fuzzy``: how far the rule's own match score is below an exact match (a cue phrase matched with
  misheard words);
- ``late``: how far into the call it comes (a "solution" in the closing is more often an agreement).

``COEFFICIENTS`` were fitted ONCE with ``scripts/fit_confidence.py`` (scikit-learn's
``LogisticRegression``, L2, C chosen by leave-one-call-out log loss) on the TUNE calls only: dev calls
d01-d15 as stereo, tel8k and MP3 copies, and the project's own calls (``coach/devset/own_calls``); never
on d16-d30, which are held out to measure the table of confidence against how often the observation was
right (README, "Language observations"). A prediction is "right" when it matches a labelled line
(``coach.evaluate.score_language``). With 9 wrong of 63 the fit is strongly shrunk: the weights are
small, and their signs say what the tune calls say (a first solution, a confirmed summary and well
heard words count for it; a fuzzy cue and a late moment against it; the rules that read more into the
words were not wrong more often there). The chances are set on tune calls, where the rules were made:
on new calls they are too high (README), but their order holds, and ``SURE_FROM`` is set on that order.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

WEAK_SOLUTION_RULES = frozenset({"dropped_subject", "instruction", "visit"})


@dataclass(frozen=True)
class SolutionEvidence:
    rule: str  # the rule of coach.analysis.clauses that fired
    score: float  # the rule's own score (< 1: a fuzzy phrase match, or a rule scored lower)
    words_prob: float  # mean ASR probability of the words the rule relied on
    sentence_prob: float  # mean ASR probability of the whole sentence
    first: bool  # the call's first solution
    after_summary: bool  # a summary came before it
    purpose: str = "problem"  # clauses.call_purpose: "problem" | "information"
    position: float = 0.5  # where in the call it starts (0 = the start, 1 = the end)


@dataclass(frozen=True)
class SummaryEvidence:
    cue: str  # "phrase" (a cue phrase), "tag" (ends in "klopt dat?"), "dus", "bare" (a paraphrase only)
    score: float
    cue_prob: float  # mean ASR probability of the cue's words (the sentence's, for a bare paraphrase)
    sentence_prob: float
    shared: int  # content words the customer said before
    first: bool
    confirmed: bool = False  # the customer confirmed it
    position: float = 0.5  # where in the call it starts (0 = the start, 1 = the end)


FEATURES = ("summary", "words_prob", "first", "weak_rule", "confirmed", "fuzzy", "late")


def features(e: SolutionEvidence | SummaryEvidence) -> dict[str, float]:
    """The model's inputs (``FEATURES``) of one piece of evidence, each on a scale of about one unit:
    ``words_prob`` in steps of 0.2 from 0.8 (0.4 -> -2), ``fuzzy`` 0 for an exact match to 1 for the
    loosest match the rules accept, ``late`` the share of the call gone by (0-1)."""
    if isinstance(e, SummaryEvidence):
        exact = {"phrase": 1.0, "tag": 0.8, "dus": 0.8}.get(e.cue, 0.7)  # the score of an exact match
        return {"summary": 1.0, "words_prob": (e.cue_prob - 0.8) / 0.2, "first": float(e.first),
                "weak_rule": float(e.cue == "bare"), "confirmed": float(e.confirmed),
                "fuzzy": max(0.0, 1.0 - e.score / exact) / 0.25, "late": e.position}
    exact = {"dropped_subject": 0.6, "instruction": 0.8, "visit": 0.9}.get(e.rule, 1.0)
    return {"summary": 0.0, "words_prob": (e.words_prob - 0.8) / 0.2, "first": float(e.first),
            "weak_rule": float(e.rule in WEAK_SOLUTION_RULES), "confirmed": 0.0, "fuzzy": max(0.0, 1.0 - e.score / exact) / 0.25, "late": e.position}


# fitted by scripts/fit_confidence.py on the tune calls (see the module's docstring): 63 summaries and
# solutions, 54 right; L2 strength C=0.1, the best leave-one-call-out log loss of C_GRID (0.43; C=1: 0.45)
INTERCEPT = 1.60
COEFFICIENTS: dict[str, float] = {"summary": 0.15, "words_prob": 0.10, "first": 0.26, "weak_rule": 0.09,
                                  "confirmed": 0.09, "fuzzy": -0.13, "late": -0.08}


def probability(e: SolutionEvidence | SummaryEvidence) -> float:
    """The chance (0-1) that the observation is right: the logistic of the weighted features."""
    x = features(e)
    z = INTERCEPT + sum(COEFFICIENTS[k] * x[k] for k in FEATURES)
    return round(1.0 / (1.0 + math.exp(-z)), 3)


# below this chance a summary or solution is marked "niet zeker" and its moment is asked, not stated
# (coach.analysis.reflection): on the tune calls those below it were right 12 times of 19, those above
# it 42 of 44 (an edge of coach.evaluate.CONFIDENCE_BINS, the lowest where the share right below it
# falls under 2/3)
SURE_FROM = 0.85


def solution_confidence(e: SolutionEvidence) -> float:
    """A solution's confidence: ``probability``."""
    return probability(e)


def summary_confidence(e: SummaryEvidence) -> float:
    """A summary's confidence: ``probability``."""
    return probability(e)
