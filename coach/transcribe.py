"""Transcribe stage: faster-whisper words with timestamps, per speaker.

Stereo: each channel is transcribed on its own, with everything outside that party's speech
regions silenced, so overlapping speech is transcribed for both parties and the other party's
echo never turns into text. Mono: the mix is transcribed once and each word goes to the speaker
turn it overlaps most.
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
    if turns.source == "channels":
        words, langs = {}, []
        for name, channel in zip(turns.speakers, rec.channels):
            regions = [(t.start, t.end) for t in turns.of(name)]
            w, lang, prob = transcribe_audio(model, mask_outside(channel, regions), opts)
            words[name] = tuple(snap_words(w, turns.of(name)))
            if w:
                langs.append((lang, prob))
        lang, prob = max(langs, key=lambda x: x[1]) if langs else (opts.language, 0.0)
    else:
        w, lang, prob = transcribe_audio(model, rec.mono(), opts)
        words = {s: tuple(snap_words(ws, turns.of(s))) for s, ws in assign_words(w, list(turns.turns)).items()}
    return Transcript(words=words, language=lang, language_probability=prob, model=label)
