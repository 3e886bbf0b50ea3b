"""The listener's short speech in a mono mix: overlapped speech the diarization output leaves out.

pyannote's diarization keeps a second speaker at a frame only when most of the sliding 10 s
windows that cover it say two people talk there (its speaker count is the rounded mean over the
windows). A back-channel said over the other party ("ja", "hm-hm" inside their sentence) is often
seen by only one or two windows, and is then lost: in a mono call the report would show a listener
who never acknowledges anything.

segmentation-3.0 is a powerset model: per frame it gives the probability of no speaker, of each of
three local speakers alone, and of each pair. Their pair probabilities, averaged over the windows
(``pair_probability``), keep what the rounded count throws away; they are kept from the diarization's
own segmentation pass (``KeepScores``), so this costs no second pass. Where that probability is at
least ``OVERLAP_THRESHOLD`` while the diarization has one speaker only, for at least
``MIN_OVERLAP_S``, the other party speaks too (a call has two parties): ``recover_overlaps``
gives that stretch to them as a speech region. The analysis then sees a short region of the listener
inside the other's speech, and judges it as it does on stereo (a back-channel, or an early start).

``OVERLAP_THRESHOLD`` 0.3 was set on the 8 kHz copies of the tune dev calls d01-d15, re-scoring their
stored analyses with the regions added (back-channel F1 0.58 -> 0.67 there: 16 of 21 found instead of
12, 27 predicted instead of 20; 0.2 scored the same with 3 more false ones, 0.25 and 0.35 lower, 0.4 no
gain); the held-out calls were not looked at. Reproduce: ``coach evaluate --set dev --split all --copy
tel8k`` with ``[diarization] recover_overlaps = false`` and without.
"""

from __future__ import annotations

import numpy as np

from ..conversation import Turn

OVERLAP_THRESHOLD = 0.3
MIN_OVERLAP_S = 0.2  # as MIN_TIMING_ONLY_S in the analysis: shorter is noise, not speech


def pair_probability(chunks: np.ndarray, window_s: float, step_s: float, frames, classes: int):
    """Frame times (s) and the probability that two people speak at once: the pair classes of a powerset
    segmentation's per-window log-probabilities ``chunks`` (windows, frames, 1 + classes + pairs) of
    windows ``window_s`` long every ``step_s`` s, averaged per frame over the windows that cover it
    (pyannote's ``Inference.aggregate``; ``frames``: the model's ``receptive_field``)."""
    from pyannote.audio import Inference
    from pyannote.core import SlidingWindow, SlidingWindowFeature

    pairs = np.exp(chunks[:, :, 1 + classes:]).sum(axis=2, keepdims=True)
    agg = Inference.aggregate(SlidingWindowFeature(pairs, SlidingWindow(start=0.0, duration=window_s, step=step_s)),
                              frames, missing=0.0)
    times = agg.sliding_window.start + agg.sliding_window.duration / 2 + np.arange(len(agg.data)) * agg.sliding_window.step
    return times, np.nan_to_num(agg.data[:, 0])


class KeepScores:
    """Wraps a pyannote ``Inference``'s powerset-to-multilabel conversion to keep the powerset
    log-probabilities it converts, in window order: the diarization's own segmentation pass then
    also gives the overlap probability, at no extra cost."""

    def __init__(self, inference):
        self.inference, self.kept = inference, []

    def __enter__(self):
        import torch

        conversion, kept = self.inference.conversion, self.kept

        class Keep(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.conversion = conversion

            def forward(self, x):
                kept.append(x.detach().cpu().numpy())
                return self.conversion(x)

        self.inference.conversion = Keep()
        return self

    def __exit__(self, *exc):
        self.inference.conversion = self.inference.conversion.conversion
        return False

    def scores(self) -> np.ndarray | None:
        return np.concatenate(self.kept) if self.kept else None


def recover_overlaps(turns: list[Turn], times: np.ndarray, p_overlap: np.ndarray,
                     threshold: float = OVERLAP_THRESHOLD, min_s: float = MIN_OVERLAP_S) -> list[Turn]:
    """Speech regions of the listener that the diarization missed: where ``p_overlap`` >= ``threshold``
    for at least ``min_s`` while exactly one of the two speakers in ``turns`` is active, the other one
    speaks too. Only for two speakers (with more, who the second voice is cannot be told)."""
    speakers = sorted({t.speaker for t in turns})
    if len(speakers) != 2 or len(times) < 2:
        return []
    step = float(np.median(np.diff(times)))
    active = {s: np.zeros(len(times), dtype=bool) for s in speakers}
    for t in turns:
        active[t.speaker] |= (times >= t.start) & (times < t.end)
    out = []
    for speaker, other in (speakers, speakers[::-1]):
        mask = (p_overlap >= threshold) & active[other] & ~active[speaker]
        edges = np.flatnonzero(np.diff(np.concatenate([[0], mask.astype(np.int8), [0]])))
        for a, b in zip(edges[::2], edges[1::2]):
            start, end = float(times[a] - step / 2), float(times[b - 1] + step / 2)
            if end - start >= min_s:
                out.append(Turn(speaker, round(start, 3), round(end, 3)))
    return sorted(out, key=lambda t: (t.start, t.speaker))
