"""Hold music at the start of a call: found, and left out of the analysis.

Contact-centre exports often start with the customer in the queue: minutes of music before anyone
speaks. Speech VAD and diarization take parts of it for speech, and as silence between speech it
would become dead air. The test is simple and honest: music holds its spectrum (sustained notes and
chords), speech changes it every few tens of milliseconds (syllables, formants). Per second of the
call, the median similarity of each 50 ms spectrum with the one 100 ms later; a run of such
seconds from the start, at least ``MIN_HOLD_S`` long, is hold music. Its audio is silenced before
the speaker stage, so it is neither talk time nor dead air (dead air is only counted between speech).
A recorded IVR voice ("toets 1 voor ...") is speech to this test and is not found.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from .audio import SAMPLE_RATE, Recording
from .conversation import clock

FRAME = SAMPLE_RATE // 20  # 50 ms
LAG = 2  # frames: compare with the spectrum 100 ms later
MIN_HOLD_S = 8.0
SIMILARITY = 0.9  # median spectral similarity of a music second (speech: 0.3-0.8)
MIN_LEVEL_DB = -50.0  # a second quieter than this is silence, not music


def music_seconds(x: np.ndarray) -> np.ndarray:
    """Per whole second of ``x`` (16 kHz): True where it sounds like sustained music."""
    n = len(x) // FRAME
    if n < 20:
        return np.zeros(0, bool)
    frames = x[: n * FRAME].reshape(n, FRAME).astype(np.float64)
    spec = np.abs(np.fft.rfft(frames * np.hanning(FRAME), axis=1))[:, 3:160]  # 60 Hz-3.2 kHz
    norm = np.linalg.norm(spec, axis=1)
    level = 20 * np.log10(np.maximum(np.sqrt(np.mean(frames ** 2, axis=1)), 1e-10))
    sim = np.zeros(n)
    ok = (norm[:-LAG] > 0) & (norm[LAG:] > 0)
    sim[:-LAG][ok] = np.sum(spec[:-LAG] * spec[LAG:], axis=1)[ok] / (norm[:-LAG] * norm[LAG:])[ok]
    secs = n // 20
    sim, level = sim[: secs * 20].reshape(secs, 20), level[: secs * 20].reshape(secs, 20)
    return (np.median(sim, axis=1) >= SIMILARITY) & (np.median(level, axis=1) > MIN_LEVEL_DB)


def leading_hold_s(rec: Recording) -> float:
    """Seconds of hold music at the start of ``rec`` (0.0 when there is none, or less than ``MIN_HOLD_S``).

    A second that is not music within the run is tolerated when music goes on right after it."""
    per_channel = [music_seconds(c) for c in rec.channels]  # stereo: the queue plays on either line
    music = np.logical_or.reduce(per_channel) if per_channel[0].size else per_channel[0]
    end = 0
    i = 0
    while i < len(music):
        if music[i]:
            end = i + 1
        elif not (i + 1 < len(music) and music[i + 1] and end == i):
            break
        i += 1
    return float(end) if end >= MIN_HOLD_S else 0.0


def without_hold_music(rec: Recording) -> tuple[Recording, float]:
    """``rec`` with its leading hold music silenced (and a warning added), and the seconds silenced."""
    end = leading_hold_s(rec)
    if not end:
        return rec, 0.0
    k = int(end * SAMPLE_RATE)
    channels = tuple(np.concatenate([np.zeros(min(k, len(c)), np.float32), c[k:]]) for c in rec.channels)
    warning = (f"hold music detected at the start (0:00-{clock(end)}): left out of talk "
               "time and dead air")
    return replace(rec, channels=channels, warnings=tuple(rec.warnings) + (warning,)), end
