"""The accuracy measures used by tests and the benchmark must themselves be right."""

from __future__ import annotations

import pytest

from coach.conversation import Conversation, Turn
from coach.evaluate import role_attribution, word_error_rate

TRUTH = [{"role": "agent", "start": 0.0, "end": 4.0, "text": "a", "type": "speech"},
         {"role": "customer", "start": 5.0, "end": 9.0, "text": "b", "type": "speech"}]


def conv(turns):
    return Conversation((), 10.0, "channels", {}, tuple(Turn(*t) for t in turns))


def test_perfect_swapped_and_partial_attribution():
    assert role_attribution(conv([("agent", 0, 4), ("customer", 5, 9)]), TRUTH).correct == 1.0
    assert role_attribution(conv([("customer", 0, 4), ("agent", 5, 9)]), TRUTH).correct == 0.0
    half = role_attribution(conv([("agent", 0, 2), ("customer", 5, 9)]), TRUTH)
    assert half.correct == pytest.approx(0.75) and half.missed == pytest.approx(0.25)
    # naming both parties where only one speaks is not a correct attribution
    both = role_attribution(conv([("agent", 0, 9), ("customer", 0, 9)]), TRUTH)
    assert both.correct == 0.0


def test_word_error_rate():
    assert word_error_rate("Ja, dat klopt.", "ja dat klopt") == 0.0
    assert word_error_rate("ik hoor het", "ik hoog het") == pytest.approx(1 / 3)
    assert word_error_rate("a b c d", "") == 1.0
