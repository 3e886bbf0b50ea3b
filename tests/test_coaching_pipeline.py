"""Coaching observations on the synthetic calls, real models end to end, against ground truth.

The five calls in audio_samples/ cover the behaviours: an agent who interrupts three times and
never summarises, a customer who interrupts twice (once taking the floor, once giving up), a call
with no solution (mono), and two calls with back-channels, an interruption, a summary and a
solution (stereo and mono). Matching: same role, start within 1 s (see coach.evaluate.event_f1).
"""

from __future__ import annotations

import json

import pytest

from coach.evaluate import event_f1, pooled
from conftest import SAMPLES

pytestmark = pytest.mark.models
JUDGING = ("score", "cijfer", "slecht", "onvoldoende", "goed gedaan", "fout")


def _truth(stem: str) -> dict:
    return json.loads((SAMPLES / f"{stem}.json").read_text(encoding="utf-8"))


def _pooled_f1(sample_reports, kind: str) -> float:
    return pooled(event_f1(report.events, _truth(stem)["utterances"], kind)
                  for stem, report in sample_reports.items()).f1


def test_all_five_calls_are_analysed(sample_reports):
    assert len(sample_reports) == 5


def test_summary_before_solution_is_right_on_every_call(sample_reports):
    for stem, report in sample_reports.items():
        expected = _truth(stem)["expected"]["summary_before_solution"]
        assert report.metrics["summary_before_solution"] == expected, stem


def test_interruption_f1(sample_reports):
    assert _pooled_f1(sample_reports, "interruption") >= 0.8


def test_backchannel_f1(sample_reports):
    assert _pooled_f1(sample_reports, "backchannel") >= 0.7


def test_the_interrupting_agent(sample_reports):
    r = sample_reports["call_agent_interrupts"]
    assert r.metrics["interruptions"]["by_agent"] == 3 and r.metrics["interruptions"]["by_customer"] == 0
    ints = [e for e in r.events if e.type == "interruption"]
    assert all(e.by == "agent" and e.interrupted == "customer" and e.interrupted_text for e in ints)
    assert {e.kind for e in ints} == {"competitive", "cooperative"}
    assert r.metrics["phases"]["summaries"] == 0
    assert any("uitlegde" in m["title"] for m in r.reflection["moments"])


def test_the_interrupting_customer(sample_reports):
    r = sample_reports["call_customer_interrupts"]
    assert r.metrics["interruptions"]["by_customer"] == 2 and r.metrics["interruptions"]["by_agent"] == 0
    kinds = sorted(e.kind for e in r.events if e.type == "interruption")
    assert kinds == ["butting_in", "competitive"]
    assert r.metrics["phases"]["summary_confirmed"] is True
    assert r.metrics["backchannels"]["agent"] >= 2


def test_events_carry_times_words_and_confidence(sample_reports):
    for stem, report in sample_reports.items():
        for e in report.events:
            assert e.start <= e.end, (stem, e)
            if e.type in ("interruption", "backchannel", "summary", "solution", "question", "empathy"):
                assert isinstance(e.text, str) and 0.0 <= e.confidence <= 1.0, (stem, e)


def test_reflection_is_open_questions_without_judgement(sample_reports):
    for stem, report in sample_reports.items():
        moments = report.reflection["moments"]
        assert 3 <= len(moments) <= 5, stem
        assert [m["start"] for m in moments] == sorted(m["start"] for m in moments)
        texts = [m["question"] for m in moments] + list(report.reflection["questions"])
        assert all(t.rstrip().endswith("?") for t in texts), stem
        assert not any(word in t.lower() for t in texts for word in JUDGING), stem


def test_prosody_tells_the_voices_apart(sample_reports):
    # the female MBROLA voice (mb-nl3) is higher than the male one (mb-nl2)
    for stem, report in sample_reports.items():
        voices = _truth(stem)["voices"]
        female = "agent" if voices["agent"] == "mb-nl3" else "customer"
        male = "customer" if female == "agent" else "agent"
        p = report.metrics["prosody"]
        assert p[female]["median_pitch_hz"] > p[male]["median_pitch_hz"] + 30, stem
        assert len(report.prosody[female]["times"]) == len(report.prosody[female]["pitch_hz"])
