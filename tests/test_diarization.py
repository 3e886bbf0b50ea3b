"""Offline diarization (pyannote.audio 4 + segmentation-3.0 + CAM++) on a real two-party phone call.

tests/data/pyannote_sample_2party: 30 s of real English telephone speech with an RTTM (MIT, see
SOURCE.md there). Measured on this machine: DER 7.1% with the default segmentation step 0.2
(5.6% at pyannote's 0.1; no collar, overlap scored). The bound, 10%, leaves room for numeric
differences between CPUs and library builds, yet lies far below
what a broken embedding or clustering gives. Measured with the same speech regions: every turn
given to one speaker scores 51%; random labels per turn 36% on average, 24% at best of 20 draws.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from coach.audio import decode
from coach.config import DiarizationOptions
from coach.speakers.diarize import diarize

pytestmark = pytest.mark.models
DATA = Path(__file__).resolve().parent / "data" / "pyannote_sample_2party"
DER_BOUND = 0.10


def _rttm(path: Path):
    from pyannote.core import Annotation, Segment

    ref = Annotation()
    for line in path.read_text().splitlines():
        p = line.split()
        start, dur = float(p[3]), float(p[4])
        ref[Segment(start, start + dur)] = p[7]
    return ref


def test_diarization_error_rate_on_a_real_phone_call():
    from pyannote.core import Annotation, Segment
    from pyannote.metrics.diarization import DiarizationErrorRate

    turns = diarize(decode(DATA / "sample.wav"), DiarizationOptions())
    assert turns.source == "diarization" and len(turns.speakers) == 2
    hyp = Annotation()
    for t in turns.turns:
        hyp[Segment(t.start, t.end)] = t.speaker
    from pyannote.core import Timeline

    uem = Timeline([Segment(0.0, 30.0)])  # score the whole 30 s file
    der = DiarizationErrorRate(collar=0.0, skip_overlap=False)(_rttm(DATA / "sample.rttm"), hyp, uem=uem)
    assert der < DER_BOUND, f"DER {der:.3f} >= {DER_BOUND}"


def test_campplus_embeddings_tell_two_voices_apart():
    import numpy as np
    import soundfile as sf
    import torch

    from coach.speakers.diarize import campplus_model

    model = campplus_model()
    mono, sr = sf.read(Path(__file__).resolve().parent.parent / "audio_samples" / "support_call_mono.flac",
                       dtype="float32")
    # agent 0.6-4.7 s, customer 5.2-10.0 s, agent again 20.3-22.6 s (ground truth)
    clips = [mono[int(a * sr):int(b * sr)] for a, b in ((0.6, 3.6), (5.5, 8.5), (20.3, 22.6))]
    n = max(len(c) for c in clips)
    batch = torch.from_numpy(np.stack([np.pad(c, (0, n - len(c))) for c in clips]))[:, None, :]
    weights = torch.ones(3, 100)
    weights[2, int(100 * len(clips[2]) / n):] = 0  # padding is not speech
    with torch.inference_mode():
        emb = torch.nn.functional.normalize(model(batch, weights), dim=1)
    assert emb.shape == (3, 192)
    same, different = float(emb[0] @ emb[2]), float(emb[0] @ emb[1])
    assert same > different + 0.2, (same, different)


def test_onnx_segmentation_gives_the_torch_scores():
    import copy

    import numpy as np
    import torch
    from pyannote.audio import Model

    from coach.models import packaged_diarization_files
    from coach.speakers.diarize import onnx_segmentation

    model = Model.from_pretrained(str(packaged_diarization_files().segmentation)).eval()
    fast = copy.deepcopy(model)
    assert onnx_segmentation(fast)
    audio = decode(DATA / "sample.wav").mono()
    chunks = torch.from_numpy(np.stack([audio[i:i + 160000] for i in (0, 80000, 140000)]))[:, None, :]
    with torch.inference_mode():
        want, got = model(chunks), fast(chunks)
    assert got.shape == want.shape == (3, 589, 7)
    assert float((got - want).abs().max()) < 1e-3
