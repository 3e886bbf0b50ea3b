"""The whole pipeline with the real models on the bundled sample calls (ground truth beside them)."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

from coach.conversation import intersect_length
from coach.errors import NoSpeechError
from coach.evaluate import role_attribution
from coach.pipeline import analyze_file
from conftest import MONO, STEREO, truth

pytestmark = pytest.mark.models


def test_stereo_roles_are_right_for_95_percent_of_speech(stereo_report):
    r = stereo_report
    assert r.call.speaker_source == "channels" and r.call.channels == 2 and r.call.agent == "left"
    att = role_attribution(r.conversation, truth(STEREO))
    assert att.correct >= 0.95, att


def test_stereo_echo_never_becomes_text_of_the_other_party(stereo_report):
    gt = truth(STEREO)
    agent_only = [(u["start"], u["end"]) for u in gt if u["role"] == "agent"]
    customer = [(u["start"] - 0.3, u["end"] + 0.3) for u in gt if u["role"] == "customer"]
    for u in stereo_report.conversation.utterances_of("customer"):
        for w in u.words:
            in_agent = intersect_length([(w.start, w.end)], agent_only)
            in_customer = intersect_length([(w.start, w.end)], customer)
            assert not (in_agent > 0 and in_customer == 0), f"customer word {w} lies in agent-only speech"
    text = " ".join(u.text.lower() for u in stereo_report.conversation.utterances_of("customer"))
    assert "waarmee kan ik u helpen" not in text and "spreekt met" not in text


def test_stereo_transcript_and_contract(stereo_report):
    d = stereo_report.to_dict()
    assert d["schema_version"] == "1"
    assert set(d["call"]) >= {"id", "source", "sha256", "duration_s", "channels", "speaker_source", "agent", "language"}
    assert d["call"]["language"] == "nl"
    assert set(d["metrics"]) >= {"talk_ratio", "talk_s", "overlap_s", "silence_ratio"}
    assert set(d["timings"]) >= {"decode_s", "speakers_s", "asr_s", "analysis_s", "total_s", "x_realtime"}
    assert d["timings"]["x_realtime"] > 0
    assert set(d["versions"]) >= {"coach", "asr_model", "diarization"}
    # the ground truth has an interruption (agent over customer, 1.3 s): overlap is measured
    assert 1.0 <= d["metrics"]["overlap_s"] <= 3.0
    agent_text = " ".join(u["text"].lower() for u in d["utterances"] if u["role"] == "agent")
    assert "helpen" in agent_text and "klopt" in agent_text
    assert all(u["words"] and u["start"] <= u["end"] for u in d["utterances"])


def test_mono_roles_are_right_for_85_percent_of_speech(mono_report):
    r = mono_report
    assert r.call.speaker_source == "diarization" and r.call.channels == 1
    assert r.call.agent and r.call.agent.startswith("SPEAKER_")
    # roles from cues, with a confidence: the agent introduces the organisation and offers help
    assert r.call.roles_method.startswith(f"auto: {r.call.agent} is the agent") and r.call.roles_confidence >= 0.9
    agent_cues = {c["cue"] for c in r.call.roles_cues if c["speaker"] == r.call.agent}
    assert {"service_question", "org_intro"} <= agent_cues, r.call.roles_cues
    assert not any("uncertain" in w for w in r.warnings)
    att = role_attribution(r.conversation, truth(MONO))
    assert att.correct >= 0.85, att
    first = r.conversation.utterances[0]
    assert first.speaker_role == "agent" and "spreekt met" in first.text.lower()


def test_one_party_only_gives_a_warning_not_a_failure(tmp_path):
    data, sr = sf.read(STEREO, dtype="float32", frames=12 * 16000)
    left = data[:, 0]
    right = np.random.default_rng(0).normal(0, 1e-4, len(left)).astype(np.float32)
    path = tmp_path / "agent_only.wav"
    sf.write(path, np.stack([left, right], axis=1), sr)
    r = analyze_file(path)
    assert any("no speech on the right channel" in w for w in r.warnings)
    assert r.metrics["talk_ratio"]["agent"] == 1.0
    assert r.conversation.utterances_of("agent") and not r.conversation.utterances_of("customer")


def test_silence_is_a_clear_error(tmp_path):
    sf.write(tmp_path / "silence.wav", np.zeros((16000 * 5, 2), np.float32), 16000)
    with pytest.raises(NoSpeechError, match="silent recording") as e:
        analyze_file(tmp_path / "silence.wav")
    assert "silence.wav" in str(e.value)
