"""Pure logic of the diarization's embedding plan and CAM++ batching (issue 13), no models."""

from __future__ import annotations

import numpy as np

from coach.speakers.diarize import embedding_plan, length_batches

F, SHIFT, N = 100, 20, 10  # frames per chunk, frames between chunk starts, chunks


def _chunks(timeline: dict[str, list[tuple[int, int]]], seed: int = 0):
    """Binary segmentation of N overlapping chunks of a global timeline, each chunk with its own
    random order of local speaker slots (as the segmentation model's local speakers are)."""
    rng = np.random.default_rng(seed)
    total = (N - 1) * SHIFT + F
    glob = {g: np.zeros(total, dtype=bool) for g in timeline}
    for g, runs in timeline.items():
        for a, b in runs:
            glob[g][a:b] = True
    names = list(timeline) + [None] * (3 - len(timeline))
    active = np.zeros((N, F, 3), dtype=bool)
    slots = []
    for c in range(N):
        perm = list(rng.permutation(names))
        slots.append(perm)
        for s, g in enumerate(perm):
            if g is not None:
                active[c, :, s] = glob[g][c * SHIFT:c * SHIFT + F]
    return active, slots


def test_every_speaker_takes_an_embedding_of_the_same_speaker():
    active, slots = _chunks({"A": [(0, 60), (120, 180)], "B": [(60, 120), (180, 280)]})
    source = embedding_plan(active, SHIFT, stride=3)
    copied = 0
    for c in range(N):
        for s in range(3):
            if not active[c, :, s].any():
                assert (source[c, s] == -1).all()
                continue
            c0, s0 = source[c, s, 0]
            assert slots[c0][s0] == slots[c][s], (c, s, c0, s0)
            c1, s1 = source[c, s, 1]
            assert c1 < 0 or (slots[c1][s1] == slots[c][s] and c1 in (0, 3, 6, 9) and c1 != c0)
            if c in (0, 3, 6, 9):
                assert (c0, s0) == (c, s)  # anchors: every active speaker embedded itself
            copied += (c0, s0) != (c, s)
    assert copied >= 9  # most of the chunks between anchors take their embeddings from them
    assert (source[:, :, 1, 0] >= 0).sum() >= 4  # some from both neighbouring anchors


def test_stride_one_computes_every_active_speaker():
    active, _ = _chunks({"A": [(0, 140)], "B": [(140, 280)]})
    source = embedding_plan(active, SHIFT, stride=1)
    c, s = np.nonzero(active.any(axis=1))
    assert (source[c, s, 0, 0] == c).all() and (source[c, s, 0, 1] == s).all() and (source[c, s, 1] == -1).all()


def test_a_speaker_not_seen_by_the_anchors_is_computed():
    active, slots = _chunks({"A": [(0, 280)]})
    free = slots[1].index(None)
    active[1, 0:10, free] = True  # a short voice only chunk 1 hears: too few common frames to match
    source = embedding_plan(active, SHIFT, stride=3)
    assert tuple(source[1, free, 0]) == (1, free) and tuple(source[1, free, 1]) == (-1, -1)


def test_length_batches_cover_every_row_once_within_the_limits():
    rng = np.random.default_rng(1)
    lengths = [int(x) for x in rng.integers(50, 1000, 200)]
    batches = length_batches(lengths, max_frames=4000, max_pad=0.05)
    assert sorted(i for b in batches for i in b) == list(range(200))
    for b in batches:
        longest = max(lengths[i] for i in b)
        assert len(b) == 1 or len(b) * longest <= 4000
        assert min(lengths[i] for i in b) >= 0.95 * longest
    assert len(batches) < 200  # rows of similar length do share batches
