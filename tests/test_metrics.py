"""First metrics on hand-written conversations (no audio, no models)."""

from __future__ import annotations

import pytest

from coach.analysis import Findings, analyze_conversation, analyzers
from coach.analysis.events import Event
from coach.analysis.timing import timing_metrics
from coach.conversation import Conversation, Turn, Utterance, Word


def conv(turns, duration=20.0, utterances=()):
    return Conversation(utterances=tuple(utterances), duration=duration, speaker_source="channels",
                        roles={"left": "agent", "right": "customer"}, turns=tuple(Turn(*t) for t in turns))


def test_talk_overlap_and_silence():
    c = conv([("agent", 0, 6), ("customer", 5, 12), ("agent", 14, 16)])
    m = timing_metrics(c).metrics
    assert m["talk_s"] == {"agent": 8.0, "customer": 7.0}
    assert m["talk_ratio"]["agent"] == pytest.approx(8 / 15, abs=1e-3)
    assert m["talk_ratio"]["agent"] + m["talk_ratio"]["customer"] == pytest.approx(1.0, abs=1e-3)
    assert m["overlap_s"] == 1.0
    assert m["silence_ratio"] == pytest.approx((20 - 14) / 20, abs=1e-3)  # speech covers 0-12 and 14-16
    assert m["turns"] == {"agent": 2, "customer": 1}


def test_one_party_only_and_empty_call():
    m = timing_metrics(conv([("agent", 0, 10)], duration=10.0)).metrics
    assert m["talk_ratio"] == {"agent": 1.0, "customer": 0.0}
    assert m["overlap_s"] == 0.0 and m["silence_ratio"] == 0.0
    m = timing_metrics(conv([], duration=0.0)).metrics
    assert m["talk_ratio"] == {"agent": 0.0, "customer": 0.0}


def test_speech_rate():
    words = [Word(f"w{i}", i * 0.3, i * 0.3 + 0.25) for i in range(20)]
    c = conv([("agent", 0, 6)], duration=6.0, utterances=[Utterance.from_words("agent", words)])
    assert timing_metrics(c).metrics["speech_rate_wpm"]["agent"] == pytest.approx(200.0)


def test_analyzers_merge_metrics_and_sort_events():
    def late(*_):
        return Findings(metrics={"a": 1}, events=(Event(type="x", by=None, start=5.0, end=5.0),))

    def early(*_):
        return Findings(metrics={"b": 2}, events=(Event(type="y", by=None, start=1.0, end=1.0),))

    found = analyze_conversation(conv([]), only=[("late", late), ("early", early)])
    assert found.metrics == {"a": 1, "b": 2}
    assert [e.type for e in found.events] == ["y", "x"]
    assert analyzers(), "the default analyzers are registered"
