"""Turns whose voice fits the other speaker (coach/speakers/turn_fit.py): pure logic with made-up embeddings."""

from __future__ import annotations

import numpy as np

from coach.conversation import Turn
from coach.speakers.turn_fit import reassign, turn_fits

A, B = np.array([1.0, 0.0, 0.0]), np.array([0.0, 1.0, 0.0])


def unit(v):
    return v / np.linalg.norm(v)


TURNS = [Turn("S0", 0.0, 2.0), Turn("S1", 2.5, 5.0), Turn("S0", 5.5, 8.0), Turn("S0", 8.2, 9.0),
         Turn("S1", 9.5, 12.0), Turn("S0", 12.5, 12.8)]


def test_a_turn_with_the_other_voice_has_a_negative_margin_and_is_moved():
    # turn 3 (8.2-9.0) was diarized as S0 but sounds like S1; turn 5 is too short to embed
    emb = {0: unit(A + 0.1 * B), 1: unit(B), 2: unit(A), 3: unit(B + 0.05 * A), 4: unit(B + 0.1 * A)}
    fits = turn_fits(TURNS, emb)
    assert len(fits) == 5
    margins = {(f.start, f.speaker): f.margin for f in fits}
    assert margins[(8.2, "S0")] < -0.5
    assert all(m > 0.5 for k, m in margins.items() if k != (8.2, "S0"))
    assert not any(f.start == 12.5 for f in fits)  # too short to embed: no margin
    new, moved = reassign(TURNS, fits)
    assert [(f.start, f.speaker) for f in moved] == [(8.2, "S0")]
    assert Turn("S1", 8.2, 9.0) in new and Turn("S0", 8.2, 9.0) not in new
    assert len(new) == len(TURNS)


def test_a_turn_does_not_vote_for_itself():
    # S0's short second turn has S1's voice: its own embedding may not pull S0's centroid towards it
    turns = [Turn("S0", 0.0, 5.0), Turn("S1", 5.5, 8.0), Turn("S0", 8.5, 9.5)]
    emb = {0: unit(A), 1: unit(B), 2: unit(B)}
    fits = {f.start: f.margin for f in turn_fits(turns, emb)}
    assert fits[8.5] < -0.9  # S0's other turn is all A; with itself counted, S0's centroid would lean to B
    assert abs(fits[0.0]) < 1e-9  # the long turn, against that short one (B) and S1 (B): no preference


def test_nothing_moves_when_all_fit_or_it_would_empty_a_speaker():
    emb = {0: unit(A), 1: unit(B), 2: unit(A), 3: unit(A), 4: unit(B)}
    fits = turn_fits(TURNS, emb)
    assert reassign(TURNS, fits) == (TURNS, [])
    one_each = [Turn("S0", 0.0, 2.0), Turn("S1", 2.5, 5.0)]
    assert reassign(one_each, turn_fits(one_each, {0: unit(B), 1: unit(A)}))[1] == []


def test_moved_turns_that_touch_the_other_speakers_turn_are_joined():
    turns = [Turn("S0", 0.0, 3.0), Turn("S1", 3.0, 6.0), Turn("S0", 6.0, 6.8), Turn("S1", 6.8, 9.0),
             Turn("S0", 9.5, 12.0)]
    emb = {0: unit(A), 1: unit(B), 2: unit(B), 3: unit(B), 4: unit(A)}
    new, moved = reassign(turns, turn_fits(turns, emb))
    assert [(f.start, f.speaker) for f in moved] == [(6.0, "S0")]
    assert Turn("S1", 3.0, 9.0) in new and len(new) == 3
