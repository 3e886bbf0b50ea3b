"""Shared fixtures. Real-model results are computed once per test session and shared."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from coach.samples import SAMPLES_DIR as SAMPLES  # packaged; audio_samples/ in the clone points there

ROOT = Path(__file__).resolve().parent.parent
COACH = ROOT / ".venv" / "bin" / "coach"  # the command ./scripts/setup installs (pip's entry point)
DATA = Path(__file__).resolve().parent / "data"
STEREO = SAMPLES / "support_call_stereo.flac"
MONO = SAMPLES / "support_call_mono.flac"


def truth(audio: Path) -> list[dict]:
    """The ground-truth utterances written next to a sample call."""
    from coach.evaluate import load_truth

    return load_truth(audio.with_suffix(".json"))


def write_av(path: Path, data: np.ndarray, sr: int, codec: str) -> Path:
    """Encode ``data`` (channels, samples; float in [-1, 1]) with PyAV's FFmpeg (mp3, opus, aac...)."""
    import av

    data = np.atleast_2d(data).astype(np.float32)
    layout = "stereo" if data.shape[0] == 2 else "mono"
    with av.open(str(path), "w") as container:
        stream = container.add_stream(codec, rate=sr, layout=layout)
        frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(data), format="fltp", layout=layout)
        frame.sample_rate = sr
        for packet in stream.encode(frame):
            container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return path


@pytest.fixture(scope="session")
def stereo_clip() -> tuple[np.ndarray, int]:
    """The first 5 s of the stereo sample as (samples, 2) float32 at 16 kHz (agent only speaks)."""
    import soundfile as sf

    data, sr = sf.read(STEREO, dtype="float32", frames=5 * 16000)
    return data, sr


@pytest.fixture(scope="session")
def stereo_report():
    from coach.pipeline import analyze_file

    return analyze_file(STEREO)


@pytest.fixture(scope="session")
def mono_report():
    from coach.pipeline import analyze_file

    return analyze_file(MONO)


@pytest.fixture(scope="session")
def sample_reports(stereo_report, mono_report) -> dict:
    """Every bundled sample call analysed once: file stem -> CallReport."""
    from coach.pipeline import analyze_file

    done = {STEREO.stem: stereo_report, MONO.stem: mono_report}
    for path in sorted(SAMPLES.glob("*.flac")):
        if path.stem not in done:
            done[path.stem] = analyze_file(path)
    return done
