"""coach evaluate's mono copies of the bundled samples (issue 12: figures per format)."""

from __future__ import annotations

import json

import numpy as np
import soundfile

from coach.audio import decode
from coach.evaluate import sample_mono_copies
from coach.samples import sample_calls


def test_the_samples_as_16k_mono_with_their_truth(tmp_path):
    samples = [p for p in sample_calls() if p.with_suffix(".json").is_file()]
    made = sample_mono_copies(samples, tmp_path)
    assert [p.stem for p in made] == [p.stem for p in samples]
    for src, dst in zip(samples, made):
        audio, rate = soundfile.read(dst, dtype="float32", always_2d=True)
        assert rate == 16000 and audio.shape[1] == 1
        rec = decode(src)
        assert abs(len(audio) - len(rec.mono())) <= 1
        assert np.allclose(audio[:, 0], rec.mono()[:len(audio)], atol=1e-4)  # FLAC is 16-bit
        assert json.loads(dst.with_suffix(".json").read_text()) == json.loads(src.with_suffix(".json").read_text())
    stamp = made[0].stat().st_mtime_ns
    assert sample_mono_copies(samples, tmp_path) == made and made[0].stat().st_mtime_ns == stamp  # made once
