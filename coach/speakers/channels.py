"""Stereo speech regions: Silero VAD per channel, with the other party's leak removed.

Real stereo recordings leak: line echo and crosstalk put a quiet, slightly delayed copy of one
party on the other's channel, often 30-50 dB down. VAD alone happily calls that copy speech.
Here every VAD region is kept only where the channel is plausibly the loudest source of that
sound (see ``LeakOptions``), so an echo never becomes speech, or words, of the wrong party.
"""

from __future__ import annotations

import numpy as np

from ..audio import SAMPLE_RATE, Recording
from ..config import LeakOptions, VadOptions
from ..conversation import Turn, merge_regions
from . import SpeakerTurns

CHANNEL_NAMES = ("left", "right")
HOP = 160  # 10 ms frames at 16 kHz
WIN = 400  # 25 ms window


def vad_regions(audio: np.ndarray, opts: VadOptions) -> list[tuple[float, float]]:
    """Speech regions (seconds) of one channel by Silero VAD."""
    from faster_whisper.vad import VadOptions as FwVadOptions, get_speech_timestamps  # lazy

    fw = FwVadOptions(threshold=opts.threshold, min_speech_duration_ms=int(opts.min_speech_s * 1000),
                      min_silence_duration_ms=int(opts.min_silence_s * 1000), speech_pad_ms=int(opts.pad_s * 1000))
    return [(c["start"] / SAMPLE_RATE, c["end"] / SAMPLE_RATE) for c in get_speech_timestamps(audio, fw)]


def frame_levels_db(audio: np.ndarray) -> np.ndarray:
    """RMS level per 10 ms frame (25 ms window), dBFS, floored at -100."""
    n = max(1, 1 + (len(audio) - WIN) // HOP) if len(audio) >= WIN else 1
    padded = np.pad(audio, (0, max(0, (n - 1) * HOP + WIN - len(audio))))
    idx = np.arange(WIN)[None, :] + HOP * np.arange(n)[:, None]
    power = np.mean(padded[idx] ** 2, axis=1)
    return 10 * np.log10(np.maximum(power, 1e-10))


def _max_filter(x: np.ndarray, radius: int) -> np.ndarray:
    if radius <= 0:
        return x
    padded = np.pad(x, (radius, radius), constant_values=-100.0)
    windows = np.lib.stride_tricks.sliding_window_view(padded, 2 * radius + 1)
    return windows.max(axis=1)


def own_speech_mask(levels: np.ndarray, other: np.ndarray, gain_offset_db: float, opts: LeakOptions) -> np.ndarray:
    """Per-frame: is this channel's sound its own party's (not a leak of the other channel)?"""
    other_max = _max_filter(other, int(round(opts.max_delay_s * SAMPLE_RATE / HOP)))
    return levels + gain_offset_db > other_max - opts.margin_db


def _speech_level(levels: np.ndarray, regions: list[tuple[float, float]]) -> float | None:
    frames = [levels[int(s * 100):int(e * 100)] for s, e in regions]
    frames = [f for f in frames if len(f)]
    if not frames:
        return None
    return float(np.percentile(np.concatenate(frames), 90))


def _mask_to_regions(mask: np.ndarray, opts: LeakOptions) -> list[tuple[float, float]]:
    edges = np.flatnonzero(np.diff(np.concatenate([[0], mask.astype(np.int8), [0]])))
    runs = [(float(s * HOP / SAMPLE_RATE), float(e * HOP / SAMPLE_RATE)) for s, e in zip(edges[::2], edges[1::2])]
    joined = merge_regions(runs, min_gap=opts.join_gap_s)
    return [(s, e) for s, e in joined if e - s >= opts.min_region_s]


def _intersect(a: list[tuple[float, float]], b: list[tuple[float, float]]) -> list[tuple[float, float]]:
    out, i, j = [], 0, 0
    while i < len(a) and j < len(b):
        lo, hi = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if hi > lo:
            out.append((lo, hi))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return out


def stereo_turns(rec: Recording, vad: VadOptions, leak: LeakOptions) -> SpeakerTurns:
    """Speech regions per channel of a stereo recording, leak removed."""
    assert rec.num_channels == 2, "stereo_turns needs two channels"
    raw = [vad_regions(ch, vad) for ch in rec.channels]
    levels = [frame_levels_db(ch) for ch in rec.channels]
    n = min(len(levels[0]), len(levels[1]))
    levels = [lv[:n] for lv in levels]
    speech_level = [_speech_level(levels[i], raw[i]) for i in range(2)]

    regions: list[list[tuple[float, float]]] = []
    removed = [0.0, 0.0]
    for i in range(2):
        j = 1 - i
        offset = 0.0
        if speech_level[i] is not None and speech_level[j] is not None:
            # Correct for a quieter channel, within limits: a channel that only carries the
            # other's echo must not be "corrected" up to look like speech.
            offset = float(np.clip(speech_level[j] - speech_level[i], -leak.max_gain_offset_db,
                                   leak.max_gain_offset_db))
        own = own_speech_mask(levels[i], levels[j], offset, leak)
        kept = _intersect(merge_regions(raw[i]), _mask_to_regions(own, leak))
        kept = [(s, e) for s, e in kept if e - s >= leak.min_region_s]
        removed[i] = sum(e - s for s, e in raw[i]) - sum(e - s for s, e in kept)
        regions.append(kept)

    warnings = []
    for i, name in enumerate(CHANNEL_NAMES):
        if not regions[i]:
            other = CHANNEL_NAMES[1 - i]
            warnings.append(f"no speech on the {name} channel: only one party is heard "
                            f"(the {other} channel); figures about the other party are missing")
    turns = sorted((Turn(CHANNEL_NAMES[i], s, e) for i in range(2) for s, e in regions[i]),
                   key=lambda t: (t.start, t.speaker))
    return SpeakerTurns(turns=tuple(turns), source="channels", speakers=CHANNEL_NAMES, warnings=tuple(warnings),
                        method=f"Silero VAD per channel, echo/crosstalk removed "
                               f"({removed[0]:.1f} s left, {removed[1]:.1f} s right)")


def mask_outside(audio: np.ndarray, regions: list[tuple[float, float]], fade_s: float = 0.01) -> np.ndarray:
    """Silence ``audio`` outside ``regions`` (short fades at the edges), so ASR hears only them."""
    out = np.zeros_like(audio)
    fade = int(fade_s * SAMPLE_RATE)
    for s, e in regions:
        a, b = max(0, int(s * SAMPLE_RATE) - fade), min(len(audio), int(e * SAMPLE_RATE) + fade)
        if b <= a:
            continue
        seg = audio[a:b].copy()
        k = min(fade, len(seg) // 2)
        if k > 0:
            ramp = np.linspace(0.0, 1.0, k, dtype=np.float32)
            seg[:k] *= ramp
            seg[-k:] *= ramp[::-1]
        out[a:b] = seg
    return out
