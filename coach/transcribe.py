"""Transcribe stage: faster-whisper words with timestamps, per speaker.

Stereo: each channel is transcribed on its own, with everything outside that party's speech
regions silenced, so overlapping speech is transcribed for both parties and the other party's
echo never turns into text. Mono: the mix is transcribed once and each word goes to the speaker
turn it overlaps most.

Two decoders (``AsrOptions.batched``):

* batched (``[asr] batched = true``): coach's own speech regions of both channels
  (or the mono mix's speaker turns) are cut out, packed back to back into windows of up to 30 s
  (one channel after the other, the second starting in the first one's last window) and decoded in
  batches by faster-whisper's ``BatchedInferencePipeline`` (beam search over a batch of windows,
  no second VAD pass, word timestamps by cross-attention alignment); each word's time is then
  mapped back from its window to the piece of the original timeline it came from
  (``Window.to_original``).
* sequential (the default): each channel (the rest silenced) goes through
  ``WhisperModel.transcribe`` with its Silero VAD filter, one 30 s window after another, with
  temperature fallback.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from .audio import Recording
from .config import AsrOptions
from .conversation import Turn, Word
from .errors import ModelError
from .models import cpu_threads, resolve_asr_model
from .speakers import SpeakerTurns


@dataclass(frozen=True)
class Transcript:
    """Words per speaker id (channel name or diarization cluster), each list in time order."""

    words: dict[str, tuple[Word, ...]] = field(default_factory=dict)
    language: str = "nl"
    language_probability: float = 1.0
    model: str = ""
    windows: int = 0  # batched decoding: 30 s windows decoded
    fallbacks: int = 0  # batched decoding: windows decoded again with temperature fallback


@lru_cache(maxsize=1)
def _load(path: str, compute_type: str, threads: int):
    from faster_whisper import WhisperModel  # lazy

    try:
        return WhisperModel(path, device="cpu", compute_type=compute_type, cpu_threads=threads)
    except Exception as e:
        raise ModelError(f"could not load the ASR model at {path}: {e}") from None


def load_model(opts: AsrOptions):
    path, label = resolve_asr_model(opts.model, opts.allow_download)
    return _load(path, opts.compute_type, cpu_threads()), label


def release_model() -> None:
    """Free the Whisper model: pyannote ran 1.4x slower here in a process that held one
    (reloading it costs ~0.3 s). The model holds reference cycles, hence the collection."""
    import gc

    _load.cache_clear()
    gc.collect()


def transcribe_audio(model, audio: np.ndarray, opts: AsrOptions) -> tuple[list[Word], str, float]:
    """Words of one signal (16 kHz float32). Returns (words, language, language probability)."""
    if not np.any(audio):
        return [], opts.language or "", 0.0
    segments, info = model.transcribe(
        audio, language=opts.language or None, beam_size=opts.beam_size, word_timestamps=True,
        vad_filter=True, condition_on_previous_text=opts.condition_on_previous_text)
    words = [Word(w.word.strip(), float(w.start), float(w.end), float(w.probability))
             for seg in segments for w in (seg.words or []) if w.word.strip()]  # the generator runs here
    return words, info.language, float(info.language_probability)


SAMPLE_RATE = 16000
WINDOW_S = 30.0  # Whisper's input window
PAD_S = 0.2  # audio kept around each speech region (silence on a masked channel)
GAP_S = 0.1  # silence between two packed pieces, so words never run across a cut
BATCH_SIZE = 4  # 8 took the same CPU time and 300-400 MB more peak memory (the encoder's attention over 8 windows at once)
HOP = 160  # samples per Whisper feature frame
WITHOUT_TIMESTAMPS = True  # timestamp tokens made no difference on the read sentences (11 errors either way)
FILL = True  # split a span to fill a window rather than start a new one (see pack_windows)
FILL_MIN_S = 5.0
MIX_SIGNALS = False  # pack both channels' pieces into shared windows (see pack_windows)
CHAIN = True  # one signal after the other, the next one starting in the last window's room (see pack_windows)


@dataclass(frozen=True)
class Piece:
    """A stretch of one signal's original timeline, placed at ``at`` in a window (seconds)."""

    key: str
    start: float  # on the original timeline
    end: float
    at: float  # in the window


@dataclass(frozen=True)
class Window:
    pieces: tuple[Piece, ...]

    @property
    def duration(self) -> float:
        return self.pieces[-1].at + self.pieces[-1].end - self.pieces[-1].start

    def audio(self, signals: dict[str, np.ndarray]) -> np.ndarray:
        """The window's samples, zero-padded to whole 10 ms frames (Whisper's feature hop)."""
        n = int(round(self.duration * SAMPLE_RATE))
        out = np.zeros(-(-n // HOP) * HOP, dtype=np.float32)
        for p in self.pieces:
            a, b = int(round(p.start * SAMPLE_RATE)), int(round(p.end * SAMPLE_RATE))
            at = int(round(p.at * SAMPLE_RATE))
            seg = signals[p.key][a:b]
            k = max(0, min(len(seg), len(out) - at))
            out[at:at + k] = seg[:k]
        return out

    def to_original(self, start: float, end: float) -> tuple[str, float, float]:
        """A word's (start, end) in this window -> (signal key, start, end) on the original timeline.

        The word belongs to the piece its middle falls in (or the nearest one, in a gap); both ends
        move with that piece and stay inside it."""
        mid = (start + end) / 2
        p = min(self.pieces, key=lambda p: max(p.at - mid, 0.0, mid - (p.at + p.end - p.start)))
        shift = p.start - p.at
        lo, hi = p.start, p.end
        s = min(max(start + shift, lo), hi)
        return p.key, s, min(max(end + shift, s), hi)


def _spans(regions: list[tuple[float, float]], duration: float, pad: float) -> list[tuple[float, float]]:
    """Regions widened by ``pad``, clipped to the signal and merged where they touch."""
    out: list[list[float]] = []
    for s, e in sorted(regions):
        s, e = max(0.0, s - pad), min(duration, e + pad)
        if e <= s:
            continue
        if out and s <= out[-1][1]:
            out[-1][1] = max(out[-1][1], e)
        else:
            out.append([s, e])
    return [(s, e) for s, e in out]


def _quietest(audio: np.ndarray, lo_s: float, hi_s: float) -> float:
    """The middle of the quietest 20 ms frame in [lo_s, hi_s] (the last of equally quiet ones)."""
    frame = int(0.02 * SAMPLE_RATE)
    lo = int(lo_s * SAMPLE_RATE)
    seg = audio[lo:int(hi_s * SAMPLE_RATE)]
    n = len(seg) // frame
    if n == 0:
        return hi_s
    energy = (seg[:n * frame].reshape(n, frame).astype(np.float64) ** 2).sum(axis=1)
    quietest = n - 1 - int(np.argmin(energy[::-1]))
    return (lo + quietest * frame + frame // 2) / SAMPLE_RATE


def _split_long(audio: np.ndarray, s: float, e: float, max_s: float) -> list[tuple[float, float]]:
    """Split a span longer than ``max_s`` at its quietest 20 ms in the last 8 s of each part."""
    out = []
    while e - s > max_s:
        cut = _quietest(audio, s + max_s - 8.0, s + max_s)
        out.append((s, cut))
        s = cut
    out.append((s, e))
    return out


def pack_windows(signals: dict[str, np.ndarray], regions: dict[str, list[tuple[float, float]]],
                 max_s: float = WINDOW_S, pad: float = PAD_S, gap: float = GAP_S,
                 mix: bool | None = None, chain: bool | None = None) -> list[Window]:
    """Coach's speech regions of each signal, widened by ``pad``, packed into windows of at most
    ``max_s`` seconds (``gap`` of silence between pieces). ``mix``: the pieces of all signals in
    one time order (a window may hold both parties, as a conversation); else one signal after
    the other: with ``chain`` the next signal's first pieces fill the room left in the previous
    signal's last window (one window fewer on most short stereo calls), without it each window
    holds one signal only."""
    mix = MIX_SIGNALS if mix is None else mix
    chain = CHAIN if chain is None else chain
    lanes: list[list[tuple[float, float, str]]] = []
    for key, audio in signals.items():
        duration = len(audio) / SAMPLE_RATE
        lanes.append([(s, e, key) for s0, e0 in _spans(regions.get(key, []), duration, pad)
                      for s, e in _split_long(audio, s0, e0, max_s)])
    if mix:
        lanes = [sorted((x for lane in lanes for x in lane), key=lambda x: (x[0], x[1], x[2]))]
    elif chain:
        lanes = [[x for lane in lanes for x in lane]]
    windows: list[Window] = []
    for lane in lanes:
        pieces: list[Piece] = []
        at = 0.0
        todo = list(lane)
        while todo:
            s, e, key = todo.pop(0)
            room = max_s - at - (gap if pieces else 0.0)
            if pieces and e - s > room:
                if FILL and room >= FILL_MIN_S and e - s >= room + FILL_MIN_S:
                    # fill the window: the span's head up to its quietest frame in the room left
                    cut = _quietest(signals[key], s + room - 4.0, s + room)
                    todo.insert(0, (cut, e, key))
                    e = cut
                else:
                    windows.append(Window(tuple(pieces)))
                    pieces, at = [], 0.0
            if pieces:
                at += gap
            pieces.append(Piece(key, s, e, at))
            at += e - s
        if pieces:
            windows.append(Window(tuple(pieces)))
    return windows


def _batched(model):
    from faster_whisper import BatchedInferencePipeline  # holds only the model: cheap, never cached

    return BatchedInferencePipeline(model)


def _failed(seg) -> bool:
    """faster-whisper's own test for a decode that needs a higher temperature."""
    return seg.compression_ratio > 2.4 or seg.avg_logprob < -1.0


def _silent(seg) -> bool:
    """faster-whisper's own test for a window without speech."""
    return seg.no_speech_prob > 0.6 and seg.avg_logprob < -1.0


def transcribe_regions(model, signals: dict[str, np.ndarray], regions: dict[str, list[tuple[float, float]]],
                       opts: AsrOptions) -> tuple[dict[str, list[Word]], str, float, int, int]:
    """Batched decoding of the speech regions of several signals (16 kHz float32, same clock).

    Returns (words per signal key on the original timeline, language, language probability,
    windows decoded, windows decoded again). A window whose decode fails faster-whisper's own
    test (compression ratio > 2.4 or mean log-probability < -1) is decoded once more on its own,
    sequentially with temperature fallback; a window the model hears as silence gives no words.
    """
    windows = pack_windows(signals, regions)
    words: dict[str, list[Word]] = {key: [] for key in signals}
    if not windows:
        return words, opts.language or "", 0.0, 0, 0
    # All windows back to back in one signal; each is one clip (faster-whisper then runs no VAD).
    audios = [w.audio(signals) for w in windows]
    starts = np.cumsum([0] + [len(a) for a in audios])
    clips = [{"start": int(a) / SAMPLE_RATE, "end": int(b) / SAMPLE_RATE} for a, b in zip(starts[:-1], starts[1:])]
    segments, info = _batched(model).transcribe(
        np.concatenate(audios), language=opts.language or None, beam_size=opts.beam_size, word_timestamps=True,
        clip_timestamps=clips, vad_filter=False, batch_size=BATCH_SIZE, without_timestamps=WITHOUT_TIMESTAMPS)
    by_window: dict[int, list] = {}
    frames = starts // HOP  # every window starts on a whole frame
    for seg in segments:  # the generator runs here
        # seg.seek is the window's start frame, truncated from a float: k or k - 1
        i = int(np.searchsorted(frames, seg.seek + 1, side="right")) - 1
        by_window.setdefault(i, []).append(seg)
    fallbacks = 0
    for i, window in enumerate(windows):
        segs = by_window.get(i, [])
        offset = starts[i] / SAMPLE_RATE
        got = [(w.word, w.start - offset, w.end - offset, w.probability)
               for seg in segs if not _silent(seg) for w in (seg.words or [])]
        if any(_failed(seg) and not _silent(seg) for seg in segs):
            fallbacks += 1
            import ctranslate2

            ctranslate2.set_random_seed(0)  # the fallback samples: the same words on every run
            again, _ = model.transcribe(
                audios[i], language=info.language, beam_size=opts.beam_size, word_timestamps=True,
                vad_filter=False, condition_on_previous_text=False)
            got = [(w.word, w.start, w.end, w.probability) for seg in again for w in (seg.words or [])]
        for text, start, end, prob in got:
            if text.strip():
                key, s, e = window.to_original(float(start), float(end))
                words[key].append(Word(text.strip(), s, e, float(prob)))
    for key in words:
        words[key].sort(key=lambda w: w.start)
    return words, info.language, float(info.language_probability), len(windows), fallbacks


def snap_words(words: list[Word], turns: list[Turn]) -> list[Word]:
    """Move words that Whisper timed mostly outside the speaker's speech regions into one.

    Whisper's word times drift across pauses: a sentence's first word is often stamped right at
    the end of the previous sentence and stretched over the silence. The speech regions are exact
    on stereo, so they win. Rules, for a word less than half inside the regions:
    1. it starts where the previous word ended a sentence (. ? !) and the next word lies in a
       later region: it belongs at the start of that region;
    2. otherwise it goes into the region it overlaps most, or else the nearest one.
    A moved word keeps its length (at most 0.6 s), clipped to the region.
    """
    if not turns:
        return words
    regions = sorted((t.start, t.end) for t in turns)

    def overlap(w: Word, r: tuple[float, float]) -> float:
        return max(0.0, min(r[1], w.end) - max(r[0], w.start))

    def inside(w: Word) -> bool:
        if w.end - w.start < 0.02:  # Whisper gives some words no length: use the point
            mid = (w.start + w.end) / 2
            return any(r[0] <= mid <= r[1] for r in regions)
        return sum(overlap(w, r) for r in regions) >= 0.5 * (w.end - w.start)

    def best_region(w: Word) -> tuple[float, float]:
        mid = (w.start + w.end) / 2
        return max(regions, key=lambda r: (overlap(w, r), -(max(r[0] - mid, 0.0) + max(mid - r[1], 0.0))))

    out = []
    for i, w in enumerate(words):
        if inside(w):
            out.append(w)
            continue
        prev = words[i - 1] if i > 0 else None
        nxt = words[i + 1] if i + 1 < len(words) else None
        s, e = best_region(w)
        if (prev is not None and nxt is not None and w.start - prev.end <= 0.05
                and prev.text.rstrip().endswith((".", "?", "!")) and inside(nxt)):
            ns, ne = best_region(nxt)
            if ns > w.start:
                s, e = ns, ne
        length = min(w.end - w.start, e - s, 0.6)  # a stretched word is not longer than this
        start = min(max(w.start, s), e - length)
        out.append(Word(w.text, start, start + length, w.prob))
    out.sort(key=lambda w: w.start)
    return out


def assign_words(words: list[Word], turns: list[Turn]) -> dict[str, list[Word]]:
    """Give each word to the speaker whose turns it overlaps most (else the nearest turn)."""
    out: dict[str, list[Word]] = {}
    if not turns:
        return out
    starts = np.array([t.start for t in turns])
    ends = np.array([t.end for t in turns])
    speakers = [t.speaker for t in turns]
    for w in words:
        overlap = np.clip(np.minimum(ends, w.end) - np.maximum(starts, w.start), 0, None)
        by_speaker: dict[str, float] = {}
        for s, o in zip(speakers, overlap):
            by_speaker[s] = by_speaker.get(s, 0.0) + float(o)
        best = max(by_speaker, key=by_speaker.get)
        if by_speaker[best] <= 0:
            mid = (w.start + w.end) / 2
            dist = np.maximum(starts - mid, 0) + np.maximum(mid - ends, 0)
            best = speakers[int(np.argmin(dist))]
        out.setdefault(best, []).append(w)
    return out


def transcribe(rec: Recording, turns: SpeakerTurns, opts: AsrOptions, model=None, label: str = "") -> Transcript:
    """Words per speaker for a recording whose speaker turns are known."""
    from .speakers.channels import mask_outside

    if model is None:
        model, label = load_model(opts)
    windows = fallbacks = 0
    if turns.source == "channels":
        regions = {name: [(t.start, t.end) for t in turns.of(name)] for name in turns.speakers}
        signals = {name: mask_outside(channel, regions[name]) for name, channel in zip(turns.speakers, rec.channels)}
        if opts.batched:
            by_key, lang, prob, windows, fallbacks = transcribe_regions(model, signals, regions, opts)
        else:
            by_key, langs = {}, []
            for name, audio in signals.items():
                by_key[name], lang, prob = transcribe_audio(model, audio, opts)
                if by_key[name]:
                    langs.append((lang, prob))
            lang, prob = max(langs, key=lambda x: x[1]) if langs else (opts.language, 0.0)
        words = {name: tuple(snap_words(by_key.get(name, []), turns.of(name))) for name in turns.speakers}
    else:
        if opts.batched:
            by_key, lang, prob, windows, fallbacks = transcribe_regions(
                model, {"mix": rec.mono()}, {"mix": [(t.start, t.end) for t in turns.turns]}, opts)
            w = by_key["mix"]
        else:
            w, lang, prob = transcribe_audio(model, rec.mono(), opts)
        words = {s: tuple(snap_words(ws, turns.of(s))) for s, ws in assign_words(w, list(turns.turns)).items()}
    return Transcript(words=words, language=lang, language_probability=prob, model=label,
                      windows=windows, fallbacks=fallbacks)
