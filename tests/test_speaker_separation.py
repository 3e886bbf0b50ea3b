"""Honest when the two voices cannot be told apart (issue 12): detection, the JSON block, the hedged
findings and report, on real and synthetic mono audio."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import numpy as np
import pytest

from conftest import COACH, SAMPLES

from coach.analysis import Findings
from coach.analysis.events import Backchannel, Interruption
from coach.analysis.separation import QUESTION, UNCERTAIN_CONFIDENCE, hedge
from coach.conversation import Conversation, Turn
from coach.speakers.diarize import ALIKE_COSINE, DOMINANT_SHARE, separation

DATA = Path(__file__).parent / "data"
AMI = DATA / "pyannote_ami_dev00" / "dev00.wav"
ALIKE = DATA / "alike_voices" / "alike_voices_mono.flac"


def _turns(a: float, b: float) -> list[Turn]:
    return [Turn("SPEAKER_00", 0.0, a), Turn("SPEAKER_01", a, a + b)]


def test_distinct_voices_with_balanced_speech_are_reliable():
    sep = separation(_turns(30, 20), ["SPEAKER_00", "SPEAKER_01"], np.array([[1.0, 0.0], [0.5, 0.8]]))
    assert sep["reliable"] and sep["reasons"] == [] and sep["uncertain_figures"] == []
    assert sep["centroid_cosine"] == pytest.approx(0.5 / np.hypot(0.5, 0.8), abs=1e-3)
    assert sep["largest_share"] == 0.6 and sep["speakers_found"] == 2


def test_alike_centroids_are_flagged_with_the_measured_cosine():
    sep = separation(_turns(30, 20), ["SPEAKER_00", "SPEAKER_01"], np.array([[1.0, 0.1], [1.0, 0.12]]))
    assert not sep["reliable"] and sep["centroid_cosine"] > ALIKE_COSINE
    assert "alike" in sep["reasons"][0] and "talk_ratio" in sep["uncertain_figures"]


def test_one_speaker_holding_nearly_all_speech_is_flagged():
    sep = separation(_turns(95, 5), ["SPEAKER_00", "SPEAKER_01"], np.array([[1.0, 0.0], [0.0, 1.0]]))
    assert sep["largest_share"] > DOMINANT_SHARE and not sep["reliable"]
    assert "95%" in sep["reasons"][0]


def test_one_speaker_found_where_two_were_expected_is_flagged():
    sep = separation([Turn("SPEAKER_00", 0.0, 30.0)], ["SPEAKER_00"], np.array([[1.0, 0.0]]))
    assert not sep["reliable"] and sep["speakers_found"] == 1 and sep["centroid_cosine"] is None


def _findings():
    conv = Conversation(utterances=(), duration=60.0, speaker_source="diarization", roles={},
                        turns=(Turn("agent", 0.0, 5.0), Turn("customer", 5.0, 30.0), Turn("agent", 28.0, 40.0)))
    events = (Interruption(by="agent", start=28.0, end=30.0, text="maar", interrupted="customer",
                           interrupted_text="en toen zei ik", confidence=0.9),
              Backchannel(by="agent", start=10.0, end=10.3, text="ja", confidence=0.8))
    from coach.analysis.reflection import reflect
    from coach.config import AnalysisOptions

    metrics = {"backchannels": {"longest_customer_stretch_without_s": 25.0}}
    return conv, Findings(metrics=metrics, events=events, reflection=reflect(conv, list(events), metrics,
                                                                             AnalysisOptions()))


def test_hedge_leaves_reliable_calls_alone_and_drops_interruption_moments_otherwise():
    conv, f = _findings()
    assert any(m["type"] == "interruption" for m in f.reflection["moments"])  # the test means something
    assert hedge(f, conv, {"reliable": True}) is f and hedge(f, conv, None) is f
    h = hedge(f, conv, {"reliable": False})
    assert not any(m["type"] == "interruption" for m in h.reflection["moments"])
    assert all(e.confidence <= UNCERTAIN_CONFIDENCE for e in h.events)
    assert QUESTION["nl"] in h.reflection["questions"] and QUESTION["en"] in h.reflection["questions_en"]
    assert not any(q.startswith("De klant sprak een keer") for q in h.reflection["questions"])
    assert h.reflection["questions"][-1].startswith("Wat zou u een volgende keer")


@pytest.mark.models
@pytest.mark.parametrize("path, flagged", [(AMI, True), (ALIKE, True),
                                           (SAMPLES / "support_call_mono.flac", False),
                                           (SAMPLES / "call_no_solution.flac", False),
                                           (DATA / "pyannote_sample_2party" / "sample.wav", False)])
def test_diarization_flags_voices_it_cannot_tell_apart(path, flagged):
    from coach import runtime
    from coach.audio import decode
    from coach.config import DiarizationOptions
    from coach.speakers.diarize import diarize

    runtime.apply()
    turns = diarize(decode(path), DiarizationOptions())
    sep = turns.separation
    assert sep["reliable"] is (not flagged), sep
    assert sum("could not be told apart" in w for w in turns.warnings) == int(flagged), turns.warnings
    if path == ALIKE:
        assert sep["centroid_cosine"] > ALIKE_COSINE  # the same MBROLA voice for both parties
    if path == AMI:
        assert sep["speakers_found"] == 1


@pytest.mark.models
def test_installed_coach_warns_and_hedges_on_alike_voices(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OMP_", "MKL_", "OPENBLAS_"))}
    p = subprocess.run([str(COACH), "analyze", str(ALIKE), "--out", str(tmp_path / "out")], env=env,
                       capture_output=True, text=True, timeout=900)
    assert p.returncode == 0, p.stderr
    folder = tmp_path / "out" / "alike_voices_mono"
    d = json.loads((folder / "analysis.json").read_text(encoding="utf-8"))
    sep = d["call"]["speaker_separation"]
    assert sep["reliable"] is False and sep["centroid_cosine"] > ALIKE_COSINE
    assert {"talk_ratio", "interruptions", "backchannels"} <= set(sep["uncertain_figures"])
    assert any("could not be told apart" in w for w in d["warnings"])
    assert not any(m["type"] == "interruption" for m in d["reflection"]["moments"])
    assert all(e["confidence"] <= UNCERTAIN_CONFIDENCE for e in d["events"] if e["type"] in ("interruption", "backchannel"))
    md = (folder / "report.md").read_text(encoding="utf-8")
    assert "| Spreektijd (niet zeker) |" in md and "| Interrupties (niet zeker) |" in md
    html = (folder / "report.html").read_text(encoding="utf-8")
    assert "niet zeker" in html


def test_session_page_leaves_a_call_with_alike_voices_out_of_the_timing_charts(tmp_path):
    from dataclasses import replace

    from coach.report.model import CallReport
    from coach.report.session import _value, render_session

    fixture = json.loads((DATA / "golden" / "report_fixture.json").read_text(encoding="utf-8"))
    ok = CallReport.from_dict(fixture)
    sep = separation(_turns(30, 20), ["SPEAKER_00", "SPEAKER_01"], np.array([[1.0, 0.1], [1.0, 0.12]]))
    alike = replace(ok, call=replace(ok.call, id="alike", speaker_separation=sep))
    assert _value(ok, ("talk_ratio", "agent")) is not None and _value(alike, ("talk_ratio", "agent")) is None
    assert _value(alike, ("questions", "agent_open")) == _value(ok, ("questions", "agent_open"))
    page = render_session([ok, alike], tmp_path / "session.html")
    assert 'class="note unsure"' in page and "alike" in page.split('class="note unsure"')[1][:400]


@pytest.mark.parametrize("language, mark", [("nl", "niet zeker"), ("en", "not certain")])
def test_report_marks_the_timing_figures_not_certain_and_the_word_figures_not(language, mark):
    from dataclasses import replace

    from coach.report.markdown import markdown
    from coach.report.model import CallReport
    from coach.report.view import make_view

    ok = CallReport.from_dict(json.loads((DATA / "golden" / "report_fixture.json").read_text(encoding="utf-8")))
    sep = separation(_turns(30, 20), ["SPEAKER_00", "SPEAKER_01"], np.array([[1.0, 0.1], [1.0, 0.12]]))
    alike = replace(ok, call=replace(ok.call, speaker_separation=sep))
    assert mark not in markdown(make_view(ok, language))
    numbers = {n.key: n for n in make_view(alike, language).numbers}
    assert {k for k, n in numbers.items() if n.uncertain} == set(sep["uncertain_figures"])
    assert numbers["talk_ratio"].low_confidence and not numbers["questions"].uncertain
    md = markdown(make_view(alike, language))
    assert f"| {numbers['talk_ratio'].label} ({mark}) |" in md and f"| {numbers['questions'].label} ({mark}) |" not in md
