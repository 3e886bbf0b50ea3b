"""Typed events and metric groups, and scoring events against ground truth (pure logic)."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import FrozenInstanceError, fields, replace
from pathlib import Path

import pytest

from coach.analysis.events import (EVENT_TYPES, Backchannel, DeadAir, Event, Interruption, Monologue, Overlap,
                                   Question, Summary)
from coach.analysis.metrics import (BackchannelMetrics, InterruptionKinds, InterruptionMetrics, PerRole,
                                    PhaseMetrics)
from coach.evaluate import EventScore, event_f1, f1, pooled
from coach.report.model import CallReport

FIXTURE = Path(__file__).resolve().parent / "data" / "golden" / "report_fixture.json"

INTERRUPTION = {"type": "interruption", "by": "customer", "interrupted": "agent", "start": 20.72, "end": 22.67,
                "overlap_s": 1.01, "kind": "competitive", "text": "maar de tarieven zijn toch juist gedeeld.",
                "interrupted_text": "op basis van", "interrupted_had_spoken_s": 10.94, "while_explaining": True,
                "confidence": 1.0}


def test_every_event_of_a_real_analysis_round_trips_with_its_keys_in_order():
    events = json.loads(FIXTURE.read_text(encoding="utf-8"))["events"]
    assert {e["type"] for e in events} >= {"monologue", "backchannel", "overlap", "interruption", "summary",
                                            "question", "confirmation", "solution", "agreement", "closing_check"}
    for d in events:
        ev = Event.from_dict(d)
        assert type(ev) is EVENT_TYPES[d["type"]]
        assert ev.to_dict() == d
        assert list(ev.to_dict()) == list(d)  # the same key order as analysis.json
        assert json.dumps(ev.to_dict()) == json.dumps(d)


def test_typed_fields_and_round_trip():
    ev = Event.from_dict(INTERRUPTION)
    assert isinstance(ev, Interruption)
    assert (ev.by, ev.interrupted, ev.kind, ev.while_explaining) == ("customer", "agent", "competitive", True)
    assert ev.duration == pytest.approx(1.95)
    assert Event.from_dict(ev.to_dict()) == ev
    summary = Summary(by="agent", start=1.0, end=2.0, text="dus u zegt", phrase="dus u zegt",
                      shared_words=["factuur", "hoog"], confidence=0.9)
    assert summary.shared_words == ("factuur", "hoog")  # stored immutable
    assert summary.to_dict()["shared_words"] == ["factuur", "hoog"]  # written as a JSON list
    assert Event.from_dict(summary.to_dict()) == summary


def test_to_dict_keys_are_exactly_the_fields_of_each_type():
    for name, cls in EVENT_TYPES.items():
        assert cls.__dataclass_fields__["type"].default == name
        assert set(cls.KEYS) == {f.name for f in fields(cls)} - {"extra"}, name
        assert len(cls.KEYS) == len(set(cls.KEYS)), name


def test_times_and_confidence_are_written_with_three_decimals():
    ev = Backchannel(by="agent", start=1.23456, end=1.5, text="ja", basis="timing+words", confidence=0.98765)
    assert ev.to_dict() == {"type": "backchannel", "by": "agent", "start": 1.235, "end": 1.5, "text": "ja",
                            "basis": "timing+words", "overlapping": False, "confidence": 0.988}
    assert DeadAir(start=20, end=26, duration_s=6.0).to_dict() == {  # dead air is nobody's
        "type": "dead_air", "by": None, "start": 20, "end": 26, "duration_s": 6.0, "text": "", "confidence": 1.0}


def test_an_event_cannot_be_changed_only_replaced():
    ev = Event.from_dict(INTERRUPTION)
    with pytest.raises(FrozenInstanceError):
        ev.kind = "cooperative"
    with pytest.raises(FrozenInstanceError):
        ev.start = 0.0
    summary = Summary(by="agent", start=1.0, end=2.0, shared_words=("factuur",))
    with pytest.raises(AttributeError):
        summary.shared_words.append("hoog")
    confirmed = replace(summary, confirmed=True)
    assert confirmed.confirmed is True and summary.confirmed is False
    assert dataclasses.is_dataclass(confirmed) and type(confirmed) is Summary


def test_type_is_fixed_per_class():
    with pytest.raises(ValueError, match="interruption"):
        Interruption(type="backchannel", by="agent", start=0.0, end=1.0)
    with pytest.raises(TypeError):
        Question("agent", 0.0, 1.0)  # keywords only: no silent mix-up of start and end


def test_unknown_type_and_unknown_keys_are_kept():
    d = {"type": "laughter", "by": "customer", "start": 3.0, "end": 4.0, "text": "haha", "confidence": 0.7,
         "loudness_db": -20.0}
    ev = Event.from_dict(d)
    assert type(ev) is Event and ev.type == "laughter"
    assert ev.to_dict() == d
    newer = dict(INTERRUPTION, pitch_rise=True)  # a field a later version adds
    ev = Event.from_dict(newer)
    assert isinstance(ev, Interruption) and ev.extra == (("pitch_rise", True),)
    assert ev.to_dict() == newer
    with pytest.raises(TypeError):
        Event.from_dict({"type": "overlap", "by": "agent"})  # no times: not an event


def test_call_report_holds_events_and_writes_them_unchanged():
    data = json.loads(FIXTURE.read_text(encoding="utf-8"))
    report = CallReport.from_dict(data)
    assert all(isinstance(e, Event) for e in report.events)
    assert any(isinstance(e, Monologue) for e in report.events) and any(isinstance(e, Overlap) for e in report.events)
    assert report.to_dict()["events"] == data["events"]


# --- metric groups -------------------------------------------------------------------------------------------


def test_interruption_and_backchannel_groups():
    its = [Interruption(by="agent", start=1.0, end=2.0, kind="competitive"),
           Interruption(by="agent", start=5.0, end=6.0, kind="butting_in"),
           Interruption(by="customer", start=9.0, end=9.5, kind="cooperative")]
    m = InterruptionMetrics.of(its)
    assert m.kinds.agent == InterruptionKinds(competitive=1, butting_in=1) and m.by("customer") == 1
    assert m.to_dict() == {"interruptions": {
        "by_agent": 2, "by_customer": 1,
        "kinds": {"agent": {"competitive": 1, "cooperative": 0, "butting_in": 1},
                  "customer": {"competitive": 0, "cooperative": 1, "butting_in": 0}}}}
    bcs = [Backchannel(by="agent", start=1.0, end=1.3, basis="timing"),
           Backchannel(by="agent", start=4.0, end=4.3, basis="timing+words")]
    m = BackchannelMetrics.of(bcs, PerRole(agent=20.0, customer=39.0), 19.04)
    assert m.to_dict() == {"backchannels": {
        "agent": 2, "customer": 0, "agent_per_min_customer_speech": 3.08, "customer_per_min_agent_speech": 0.0,
        "longest_customer_stretch_without_s": 19.0, "from_timing_only": 1}}


def test_phase_group_says_summary_before_solution():
    assert PhaseMetrics(10.0, True, 18.0, 1, 1).summary_before_solution is True
    assert PhaseMetrics(None, False, 18.0, 0, 1).summary_before_solution is False
    assert PhaseMetrics(20.0, False, 18.0, 1, 1).summary_before_solution is False
    assert PhaseMetrics(10.0, False, None, 1, 0).to_dict() == {
        "summary_before_solution": None,
        "phases": {"first_summary_s": 10.0, "summary_confirmed": False, "first_solution_s": None,
                   "summaries": 1, "solutions": 0, "first_summary_confidence": None,
                   "first_solution_confidence": None, "summary_before_solution_unsure": False}}


# --- scoring events ------------------------------------------------------------------------------------------


def test_f1():
    assert f1(1.0, 1.0) == 1.0
    assert f1(0.5, 1.0) == pytest.approx(2 / 3)
    assert f1(0.0, 0.0) == 0.0
    assert f1(0.0, 1.0) == 0.0


def test_event_f1_matches_role_and_start_one_to_one():
    truth = [{"role": "agent", "start": 5.0, "end": 5.3, "text": "ja", "type": "backchannel"},
             {"role": "agent", "start": 9.0, "end": 9.3, "text": "hm", "type": "backchannel"},
             {"role": "customer", "start": 12.0, "end": 12.3, "text": "ja", "type": "backchannel"}]
    events = [Backchannel(by="agent", start=5.4, end=5.7), Backchannel(by="agent", start=5.6, end=5.9),
              Backchannel(by="agent", start=12.0, end=12.3),  # the customer's: wrong role
              Interruption(by="agent", start=9.0, end=10.0)]  # another type
    s = event_f1(events, truth, "backchannel")
    assert (s.true_positives, s.predicted, s.expected) == (1, 3, 3)
    assert (s.precision, s.recall) == (pytest.approx(1 / 3), pytest.approx(1 / 3))
    assert s.f1 == pytest.approx(1 / 3)
    assert s.to_dict() == {"precision": 0.333, "recall": 0.333, "f1": 0.333, "true_positives": 1, "predicted": 3,
                           "expected": 3}
    assert EventScore.from_dict(s.to_dict()) == s


def test_pooled_scores_add_the_counts():
    total = pooled([EventScore(2, 2, 3), EventScore(1, 3, 1), EventScore(0, 0, 0)])
    assert (total.true_positives, total.predicted, total.expected) == (3, 5, 4)
    assert total.f1 == pytest.approx(f1(3 / 5, 3 / 4))
    nothing = EventScore(0, 0, 0)  # nothing expected and nothing found: right
    assert (nothing.precision, nothing.recall, nothing.f1) == (1.0, 1.0, 1.0)
    missed = EventScore(0, 0, 2)
    assert (missed.precision, missed.recall, missed.f1) == (0.0, 0.0, 0.0)
