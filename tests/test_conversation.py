"""Core types and interval helpers; the report's JSON round trip. Pure logic."""

from __future__ import annotations

import json

import pytest

from coach.conversation import (Conversation, Turn, Utterance, Word, group_words, intersect_length, merge_regions,
                                total_length)
from coach.report.model import SCHEMA_VERSION, CallInfo, CallReport, write_report


def W(text, start, end, prob=0.9):
    return Word(text, start, end, prob)


def test_group_words_splits_at_long_pauses():
    words = [W("Goedemiddag,", 0.0, 0.6), W("u", 0.7, 0.8), W("spreekt", 0.8, 1.1), W("ja", 3.0, 3.2)]
    utts = group_words("agent", words, max_gap=1.0)
    assert [u.text for u in utts] == ["Goedemiddag, u spreekt", "ja"]
    assert (utts[0].start, utts[0].end) == (0.0, 1.1)
    assert utts[1].speaker_role == "agent"


def test_group_words_empty():
    assert group_words("agent", []) == []


def test_interval_helpers():
    assert merge_regions([(3, 4), (0, 1), (0.5, 2)]) == [(0, 2), (3, 4)]
    assert merge_regions([(0, 1), (1.2, 2)], min_gap=0.3) == [(0, 2)]
    assert total_length([(0, 1), (0.5, 2), (3, 4)]) == pytest.approx(3.0)
    assert intersect_length([(0, 2), (3, 5)], [(1, 4)]) == pytest.approx(2.0)
    assert intersect_length([(0, 1)], [(2, 3)]) == 0.0


def _report() -> CallReport:
    conv = Conversation(
        utterances=(Utterance.from_words("agent", [W("Goedemiddag", 0.5, 1.0)]),
                    Utterance.from_words("customer", [W("Hallo", 1.5, 1.9, 0.42)])),
        duration=3.0, speaker_source="channels", roles={"left": "agent", "right": "customer"},
        turns=(Turn("agent", 0.45, 1.05), Turn("customer", 1.45, 1.95)))
    info = CallInfo(id="c1", source="c1.wav", sha256="ab" * 32, duration_s=3.0, channels=2,
                    speaker_source="channels", agent="left", language="nl")
    return CallReport(call=info, conversation=conv, metrics={"overlap_s": 0.0}, timings={"x_realtime": 3.0},
                      versions={"coach": "0.1.0"}, warnings=("w",))


def test_report_round_trip(tmp_path):
    report = _report()
    path = write_report(report, tmp_path / "c1")
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["schema_version"] == SCHEMA_VERSION
    for key in ("call", "utterances", "metrics", "events", "reflection", "timings", "versions"):
        assert key in data
    assert data["utterances"][1] == {"role": "customer", "start": 1.5, "end": 1.9, "text": "Hallo",
                                     "words": [{"text": "Hallo", "start": 1.5, "end": 1.9, "prob": 0.42}]}
    again = CallReport.load(path)
    assert again.to_dict() == data
    assert list(tmp_path.joinpath("c1").iterdir()) == [path]  # no temp files left behind


def test_report_rejects_other_schema_versions():
    data = _report().to_dict()
    data["schema_version"] = "99"
    with pytest.raises(ValueError, match="schema_version"):
        CallReport.from_dict(data)
