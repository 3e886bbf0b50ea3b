"""The per-role voice track (pitch and energy every 50 ms) that the overlap analysis reads to hear
whether a voice falls to an end; from synthetic tones, no models."""

from __future__ import annotations

import numpy as np

from coach.analysis.overlaps import pitch_fall
from coach.config import AnalysisOptions
from coach.conversation import Turn
from coach.prosody import voice_frames, voice_tracks
from test_prosody import SR, harmonic, recording


def test_voice_track_follows_a_falling_voice_and_stays_silent_elsewhere():
    # the agent (left) holds 200 Hz for 2 s, then falls to 150 Hz over its last 0.4 s; the customer is silent
    voice = np.concatenate([np.zeros(SR // 2), harmonic(200, 2.0, 0.3), harmonic(150, 0.4, 0.3), np.zeros(SR)])
    rec = recording(voice, np.zeros_like(voice))
    turns = (Turn("agent", 0.5, 2.9),)
    tracks = voice_tracks(voice_frames(rec, turns, {"left": "agent", "right": "customer"}, "channels"))
    agent = tracks["agent"]
    assert abs(agent.hop_s - 0.05) < 1e-9 and len(agent.times) == len(agent.f0) == len(agent.energy_db)
    mid = [f for t, f, _ in agent.between(1.0, 2.0)]
    assert mid and all(abs(f - 200) < 5 for f in mid)
    end = [f for t, f, _ in agent.between(2.6, 2.85) if f > 0]
    assert end and all(abs(f - 150) < 5 for f in end)
    assert all(f == 0.0 for t, f, _ in agent.between(3.1, 3.8))  # not the agent's speech: no pitch
    assert all(f == 0.0 for f in tracks["customer"].f0)
    assert pitch_fall(agent, 2.9, AnalysisOptions()) is True
