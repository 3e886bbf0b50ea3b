"""Transcribe stage with the real Whisper base model on real human speech.

- rdh_flemish_cc0: 5 read Dutch (Flemish) sentences, one speaker (CC0). Measured here: 8 word
  errors in 45 words (WER 0.18; "Gibraltar" -> "Jepereldaar", "dialoog" -> "dialog"). Bound 0.30:
  room for numeric drift, far below what a wrong language or broken decoding gives (~1.0).
- fasterwhisper_stereo: real stereo, a different English speaker on each channel, overlapping
  (MIT). Each channel must give its own sentence and nothing of the other's.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from coach.audio import decode
from coach.config import AnalyzeOptions, AsrOptions
from coach.evaluate import normalise_words, word_error_rate
from coach.transcribe import load_model, transcribe_audio

pytestmark = pytest.mark.models
DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(scope="module")
def model():
    return load_model(AsrOptions())[0]


def test_dutch_read_speech_word_error_rate(model):
    errors = words = 0
    for line in (DATA / "rdh_flemish_cc0" / "transcripts.tsv").read_text(encoding="utf-8").splitlines():
        key, text = line.split("\t")
        got, language, _ = transcribe_audio(model, decode(DATA / "rdh_flemish_cc0" / f"{key}.wav").mono(), AsrOptions())
        assert language == "nl"
        assert all(w.start <= w.end for w in got) and got == sorted(got, key=lambda w: w.start)
        n = len(normalise_words(text))
        errors += word_error_rate(text, " ".join(w.text for w in got)) * n
        words += n
    assert errors / words < 0.30, f"WER {errors / words:.2f}"


def test_language_is_detected_when_not_given(model):
    _, language, prob = transcribe_audio(model, decode(DATA / "rdh_flemish_cc0" / "vl04108.wav").mono(),
                                         AsrOptions(language=""))
    assert language == "nl" and prob > 0.5


def test_real_stereo_channels_are_transcribed_apart():
    from coach.pipeline import analyze_file

    expected = json.loads((DATA / "fasterwhisper_stereo" / "expected_text.json").read_text(encoding="utf-8"))
    r = analyze_file(DATA / "fasterwhisper_stereo" / "stereo_diarization.wav",
                     AnalyzeOptions().with_overrides(asr={"language": "en"}))
    assert r.call.speaker_source == "channels"
    for channel, role in (("left", "agent"), ("right", "customer")):
        text = " ".join(u.text for u in r.conversation.utterances_of(role))
        assert word_error_rate(expected[channel], text) <= 0.1, (channel, text)
    assert r.metrics["overlap_s"] > 1.5  # the two speakers talk at the same time for ~2.4 s


def test_dutch_read_speech_word_error_rate_batched(model, monkeypatch):
    """The batched decoder on the same sentences, all five in one batch (one signal each, the
    whole file as its speech region, one window each: not chained): the WER bound of the
    sequential decoder holds (measured: 11 errors in 47 words, against the sequential decoder's 8)."""
    from coach import transcribe as T
    from coach.transcribe import transcribe_regions

    monkeypatch.setattr(T, "CHAIN", False)

    lines = [line.split("\t") for line in (DATA / "rdh_flemish_cc0" / "transcripts.tsv").read_text(encoding="utf-8").splitlines()]
    signals = {key: decode(DATA / "rdh_flemish_cc0" / f"{key}.wav").mono() for key, _ in lines}
    regions = {key: [(0.0, len(a) / 16000)] for key, a in signals.items()}
    got, language, _, windows, _ = transcribe_regions(model, signals, regions, AsrOptions())
    assert language == "nl" and windows == len(lines)
    errors = words = 0
    for key, text in lines:
        ws = got[key]
        assert ws and all(0 <= w.start <= w.end <= len(signals[key]) / 16000 + 1e-6 for w in ws)
        n = len(normalise_words(text))
        errors += word_error_rate(text, " ".join(w.text for w in ws)) * n
        words += n
    assert errors / words < 0.30, f"WER {errors / words:.2f}"


def test_batched_words_land_where_the_sequential_decoder_puts_them(model):
    """A real stereo sample call: the batched decoder's words, mapped back from the packed windows,
    agree with the sequential decoder's in text (mostly) and in time (within 0.3 s), on the same
    channel; and two batched runs give identical words (determinism)."""
    from difflib import SequenceMatcher

    from coach import runtime
    from coach.config import LeakOptions, VadOptions
    from coach.samples import SAMPLES_DIR
    from coach.speakers.channels import stereo_turns
    from coach.transcribe import transcribe

    runtime.apply()
    rec = decode(SAMPLES_DIR / "support_call_stereo.flac")
    turns = stereo_turns(rec, VadOptions(), LeakOptions())
    seq = transcribe(rec, turns, AsrOptions(batched=False), model=model)
    bat = transcribe(rec, turns, AsrOptions(batched=True), model=model)
    assert bat.windows >= 2 and seq.windows == 0
    assert transcribe(rec, turns, AsrOptions(batched=True), model=model).words == bat.words
    # ... and on one thread (a batch worker pinned to one core) the same words as on all
    from coach.models import resolve_asr_model
    from coach.transcribe import _load

    one = _load(resolve_asr_model("base", False)[0], "int8", 1)
    assert transcribe(rec, turns, AsrOptions(batched=True), model=one).words == bat.words
    for channel in ("left", "right"):
        a, b = seq.words[channel], bat.words[channel]
        norm = [w.text.lower().strip(".,?!") for w in a], [w.text.lower().strip(".,?!") for w in b]
        sm = SequenceMatcher(None, *norm, autojunk=False)
        pairs = [(a[i + k], b[j + k]) for i, j, n in sm.get_matching_blocks() for k in range(n)]
        assert len(pairs) >= 0.75 * max(len(a), len(b)), (channel, len(pairs), len(a), len(b))
        off = sorted(abs(x.start - y.start) for x, y in pairs)
        assert off[len(off) // 2] < 0.15 and sum(d <= 0.3 for d in off) >= 0.9 * len(off), (channel, off[-5:])
        regions = [(t.start - 0.3, t.end + 0.3) for t in turns.of(channel)]
        assert all(any(s <= w.start and w.end <= e for s, e in regions) for w in b), channel


def test_a_failed_batched_window_is_decoded_again_and_counted(model, monkeypatch):
    """Every window made to fail the decode test: each is decoded again on its own (temperature
    fallback), counted, and its words still land on their signal's timeline (the two sentences
    chained into one window: both come back from the one window decoded again)."""
    from coach import transcribe as T

    monkeypatch.setattr(T, "_failed", lambda seg: True)
    keys = ["vl04108", "vl14994"]
    signals = {k: decode(DATA / "rdh_flemish_cc0" / f"{k}.wav").mono() for k in keys}
    got, _, _, windows, fallbacks = T.transcribe_regions(
        model, signals, {k: [(0.0, len(a) / 16000)] for k, a in signals.items()}, AsrOptions())
    assert windows == fallbacks == 1
    assert "afwachten" in " ".join(w.text for w in got["vl14994"]) and "Z" in " ".join(w.text for w in got["vl04108"])
    assert all(0 <= w.start <= w.end <= len(signals[k]) / 16000 + 1e-6 for k in keys for w in got[k])
