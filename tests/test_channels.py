"""Stereo speaker stage: Silero VAD per channel, and the other party's echo kept out.

Real stereo recordings put a quiet, delayed copy of each party on the other's channel (line echo,
crosstalk; 30-50 dB down). It must not become speech of the wrong party. These tests run the
real Silero VAD on real (synthetic-voice) speech.
"""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

from coach.audio import decode
from coach.config import LeakOptions, VadOptions
from coach.conversation import intersect_length, total_length
from coach.speakers.channels import mask_outside, stereo_turns
from conftest import STEREO, truth


def _stereo(tmp_path, left, right, sr=16000):
    path = tmp_path / "s.wav"
    sf.write(path, np.stack([left, right], axis=1), sr, subtype="FLOAT")
    return decode(path)


@pytest.fixture(scope="module")
def agent_voice():
    data, _ = sf.read(STEREO, dtype="float32", frames=5 * 16000)
    return data[:, 0]  # the agent's greeting, 0.6-4.9 s


def _delayed(x, seconds, db):
    d = int(seconds * 16000)
    return np.concatenate([np.zeros(d, np.float32), x[: len(x) - d]]) * np.float32(10 ** (db / 20))


@pytest.mark.parametrize("leak_db", [-30.0, -40.0, -50.0])
def test_an_echo_alone_is_not_speech(tmp_path, agent_voice, leak_db):
    noise = np.random.default_rng(1).normal(0, 1e-4, len(agent_voice)).astype(np.float32)
    rec = _stereo(tmp_path, agent_voice, _delayed(agent_voice, 0.04, leak_db) + noise)
    st = stereo_turns(rec, VadOptions(), LeakOptions())
    assert st.of("left"), "the agent's own speech is found"
    assert total_length([(t.start, t.end) for t in st.of("left")]) > 3.0
    assert st.of("right") == [], f"a {leak_db} dB echo was taken for the customer's speech"
    assert any("no speech on the right channel" in w for w in st.warnings)


def test_real_overlapping_speech_is_kept(tmp_path, agent_voice):
    # a second voice at a normal level (only 6 dB quieter) is speech, not echo
    rec = _stereo(tmp_path, agent_voice, _delayed(agent_voice, 0.3, -6.0))
    st = stereo_turns(rec, VadOptions(), LeakOptions())
    assert total_length([(t.start, t.end) for t in st.of("right")]) > 3.0


def test_stereo_sample_regions_match_ground_truth():
    rec = decode(STEREO)
    st = stereo_turns(rec, VadOptions(), LeakOptions())
    gt = truth(STEREO)
    for channel, role in (("left", "agent"), ("right", "customer")):
        mine = [(t.start, t.end) for t in st.of(channel)]
        theirs = [(u["start"], u["end"]) for u in gt if u["role"] == role]
        others = [(u["start"], u["end"]) for u in gt if u["role"] != role]
        found = intersect_length(mine, theirs) / total_length(theirs)
        # time given to this channel while only the other party speaks: the echo
        echo = intersect_length(mine, others) - intersect_length(mine, [
            (max(a[0], b[0]), min(a[1], b[1])) for a in theirs for b in others if min(a[1], b[1]) > max(a[0], b[0])])
        assert found > 0.95, f"{channel}: only {found:.0%} of {role} speech found"
        assert echo < 0.5, f"{channel}: {echo:.2f} s of the other party's speech taken as {role} speech"


def test_mask_outside_silences_everything_else():
    x = np.ones(16000 * 3, np.float32)
    y = mask_outside(x, [(1.0, 2.0)])
    assert not y[: 16000 - 200].any() and not y[2 * 16000 + 200:].any()
    assert y[16000 + 200: 2 * 16000 - 200].all()
