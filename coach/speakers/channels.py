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
from ..conversation import Turn, merge_regions, total_length
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


def own_speech_mask(levels: np.ndarray, other: np.ndarray, opts: LeakOptions) -> np.ndarray:
    """Per frame: could this channel's sound be its own party's (not an echo of the other)?

    Yes unless it is more than ``margin_db`` below the other channel's loudest frame within
    ``max_delay_s`` (echo arrives late and is 30-50 dB down; real overlapping speech is not).
    """
    other_max = _max_filter(other, int(round(opts.max_delay_s * SAMPLE_RATE / HOP)))
    return levels > other_max - opts.margin_db


def _mask_to_regions(mask: np.ndarray, join_gap_s: float, min_len_s: float) -> list[tuple[float, float]]:
    """Runs of True frames as (start, end) seconds; runs closer than ``join_gap_s`` joined."""
    edges = np.flatnonzero(np.diff(np.concatenate([[0], mask.astype(np.int8), [0]])))
    runs = [(float(s * HOP / SAMPLE_RATE), float(e * HOP / SAMPLE_RATE)) for s, e in zip(edges[::2], edges[1::2])]
    return [(s, e) for s, e in merge_regions(runs, min_gap=join_gap_s) if e - s >= min_len_s]


def _subtract(regions: list[tuple[float, float]], cuts: list[tuple[float, float]]) -> list[tuple[float, float]]:
    out = []
    for s, e in regions:
        pieces = [(s, e)]
        for cs, ce in cuts:
            nxt = []
            for ps, pe in pieces:
                if ce <= ps or cs >= pe:
                    nxt.append((ps, pe))
                    continue
                if cs > ps:
                    nxt.append((ps, cs))
                if ce < pe:
                    nxt.append((ce, pe))
            pieces = nxt
        out.extend(pieces)
    return out


def leak_free_regions(vad: list[tuple[float, float]], levels: np.ndarray, other: np.ndarray,
                      opts: LeakOptions) -> list[tuple[float, float]]:
    """VAD regions of one channel with the stretches that are the other party's echo cut out.

    A frame with sound (``floor_margin_db`` above the channel's noise floor) is an echo when it
    is more than ``margin_db`` below the other channel and less than ``max_own_share`` of the
    sound within ``context_s`` around it passes that test; echo frames closer than ``join_gap_s``
    form one stretch. What is left of a VAD region must hold at least ``min_region_s`` of the
    channel's own sound, and is trimmed to ``edge_pad_s`` around it.
    """
    if len(levels) == 0:
        return []
    sound = levels > np.percentile(levels, 10) + opts.floor_margin_db
    own = sound & own_speech_mask(levels, other, opts)
    # While both parties talk, this party's quiet sounds sit under the other's loud ones: only
    # where (nearly) all sound around a frame is too quiet is it the echo.
    k = max(1, min(len(levels), int(round(opts.context_s * SAMPLE_RATE / HOP))))  # "same" keeps len(levels)
    kernel = np.ones(k)
    own_share = np.convolve(own, kernel, "same") / np.maximum(np.convolve(sound, kernel, "same"), 1)
    echo = _mask_to_regions(sound & ~own & (own_share < opts.max_own_share), opts.join_gap_s, 0.0)
    kept = []
    for s, e in _subtract(merge_regions(vad), echo):
        mine = np.flatnonzero(own[int(s * 100):int(e * 100)])
        if len(mine) * HOP / SAMPLE_RATE < opts.min_region_s:
            continue
        # a region starts and ends with the channel's own sound: quiet echo tails and silence at
        # its edges (below the echo test's reach) are not this party's speech
        s, e = (float(max(s, s + mine[0] / 100 - opts.edge_pad_s)),
                float(min(e, s + (mine[-1] + 1) / 100 + opts.edge_pad_s)))
        if e - s >= opts.min_region_s:
            kept.append((s, e))
    return kept


def stereo_turns(rec: Recording, vad: VadOptions, leak: LeakOptions) -> SpeakerTurns:
    """Speech regions per channel of a stereo recording, the other party's echo removed."""
    assert rec.num_channels == 2, "stereo_turns needs two channels"
    raw = [vad_regions(ch, vad) for ch in rec.channels]
    levels = [frame_levels_db(ch) for ch in rec.channels]
    n = min(len(levels[0]), len(levels[1]))
    levels = [lv[:n] for lv in levels]
    regions = [leak_free_regions(raw[i], levels[i], levels[1 - i], leak) for i in range(2)]
    removed = [total_length(raw[i]) - total_length(regions[i]) for i in range(2)]

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
