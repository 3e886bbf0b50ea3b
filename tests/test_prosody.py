"""Prosody (energy and pitch per role) on synthetic tones and the stereo sample. Pure signal, fast."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from coach.audio import Recording, decode
from coach.conversation import Turn
from coach.prosody import prosody
from conftest import MONO, STEREO, truth

SR = 16000
STEREO_ROLES = {"left": "agent", "right": "customer"}
MONO_ROLES = {"SPEAKER_00": "agent", "SPEAKER_01": "customer"}


def harmonic(f0: float, seconds: float, amplitude: float) -> np.ndarray:
    """A voice-like tone: ``f0`` and three weaker harmonics, peak ``amplitude``."""
    t = np.arange(int(seconds * SR)) / SR
    tone = sum(np.sin(2 * np.pi * f0 * k * t) / k for k in range(1, 5))
    return amplitude * tone / np.max(np.abs(tone))


def signal(seconds: float, *parts: tuple[float, float, float, float]) -> np.ndarray:
    """Low noise with tones (f0 Hz, start s, end s, amplitude) added in."""
    y = np.random.default_rng(0).normal(0, 1e-3, int(seconds * SR))
    for f0, start, end, amplitude in parts:
        y[int(start * SR):int(end * SR)] += harmonic(f0, end - start, amplitude)
    return y.astype(np.float32)


def recording(*channels: np.ndarray) -> Recording:
    return Recording(path="synthetic.wav", sha256="0" * 64, channels=channels, original_sample_rate=SR, codec="pcm_f32le")


def near(value: float | None, target: float, tolerance: float = 0.05) -> bool:
    return value is not None and abs(value - target) <= tolerance * target


def test_stereo_tones_give_each_role_its_own_pitch_and_energy():
    rec = recording(signal(8, (200, 1, 3, 0.3)), signal(8, (120, 4, 6, 0.1)))
    turns = (Turn("agent", 1, 3), Turn("customer", 4, 6))
    p = prosody(rec, turns, STEREO_ROLES, "channels", window_s=1.0)
    agent, customer = p["agent"], p["customer"]
    assert p["window_s"] == 1.0 and agent["times"] == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0]
    assert near(agent["median_pitch_hz"], 200) and near(customer["median_pitch_hz"], 120)
    assert all(near(f, 200) for f in agent["pitch_hz"][1:3]) and all(near(f, 120) for f in customer["pitch_hz"][4:6])
    for role, speaking in ((agent, {1, 2}), (customer, {4, 5})):
        silent = [k for k in range(8) if k not in speaking]
        assert all(role["pitch_hz"][k] is None and role["energy_db"][k] is None for k in silent)
    assert agent["pitch_range_semitones"] < 1 and customer["pitch_range_semitones"] < 1
    assert agent["median_energy_db"] > customer["median_energy_db"] + 6


def test_mono_leaves_out_overlapping_speech():
    # agent alone 1-2.5 s at 150 Hz, both 2.5-5 s (the mix at 300 Hz), customer alone 5-6 s at 100 Hz:
    # with the overlap counted, both medians would be 300 Hz
    rec = recording(signal(7, (150, 1, 2.5, 0.3), (300, 2.5, 5, 0.3), (100, 5, 6, 0.3)))
    turns = (Turn("agent", 1, 5), Turn("customer", 2.5, 6))
    p = prosody(rec, turns, MONO_ROLES, "diarization")
    assert near(p["agent"]["median_pitch_hz"], 150) and near(p["customer"]["median_pitch_hz"], 100)
    for role in ("agent", "customer"):
        assert p[role]["pitch_hz"][3:5] == [None, None] and p[role]["energy_db"][3:5] == [None, None]


def test_role_without_turns_gives_none():
    rec = recording(signal(3, (200, 0.5, 2, 0.3)), signal(3))
    p = prosody(rec, (Turn("agent", 0.5, 2),), STEREO_ROLES, "channels", window_s=0.5)
    customer = p["customer"]
    assert customer["times"] == [0.0, 0.5, 1.0, 1.5, 2.0, 2.5]
    assert customer["pitch_hz"] == [None] * 6 and customer["energy_db"] == [None] * 6
    assert customer["median_pitch_hz"] is None and customer["pitch_range_semitones"] is None
    assert customer["median_energy_db"] is None
    assert near(p["agent"]["median_pitch_hz"], 200)
    empty = prosody(rec, (), {}, "diarization")
    assert empty["agent"]["median_pitch_hz"] is None and empty["agent"]["pitch_hz"] == [None] * 3


def test_bad_window_is_refused():
    with pytest.raises(ValueError):
        prosody(recording(signal(1)), (), STEREO_ROLES, "channels", window_s=0)


@pytest.mark.parametrize("path, roles, source, higher", [
    (STEREO, STEREO_ROLES, "channels", "agent"),  # agent mb-nl3 (female), customer mb-nl2 (male)
    (MONO, MONO_ROLES, "diarization", "customer"),  # the other way round
])
def test_female_voice_is_higher_on_the_samples(path, roles, source, higher):
    turns = tuple(Turn(u["role"], u["start"], u["end"]) for u in truth(path))
    p = prosody(decode(path), turns, roles, source)
    lower = "customer" if higher == "agent" else "agent"
    assert p[higher]["median_pitch_hz"] > 1.4 * p[lower]["median_pitch_hz"]
    assert 140 < p[higher]["median_pitch_hz"] < 250 and 80 < p[lower]["median_pitch_hz"] < 130
    assert len(p["agent"]["times"]) == len(p["agent"]["pitch_hz"]) == int(np.ceil(decode(path).duration))


def test_import_stays_light():
    code = "import sys, coach.prosody; assert 'librosa' not in sys.modules and 'torch' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_pitch_only_where_needed_equals_whole_signal_yin():
    """YIN runs over the speech stretches only (90% of the analysis stage before): on every needed
    frame the pitch is exactly what librosa gives over the whole signal, and 0.0 elsewhere."""
    import librosa

    from coach.prosody import FMAX, FMIN, FRAME_LENGTH, HOP, _frames

    y = signal(6.0, (120.0, 0.5, 1.5, 0.3), (210.0, 3.0, 4.0, 0.2), (95.0, 5.0, 6.0, 0.3)).astype(np.float32)
    n = 1 + len(y) // HOP
    need = np.zeros(n, dtype=bool)
    need[40:175] = need[300:330] = need[500:] = True  # the last run reaches the end of the signal
    f0, energy, zcr = _frames(y, SR, n, need)
    whole = librosa.yin(y, fmin=FMIN, fmax=FMAX, sr=SR, frame_length=FRAME_LENGTH, hop_length=HOP)[:n]
    assert np.array_equal(f0[need], whole[need])
    assert not f0[~need].any()
    full = _frames(y, SR, n)
    assert np.array_equal(energy, full[1]) and np.array_equal(zcr, full[2])
