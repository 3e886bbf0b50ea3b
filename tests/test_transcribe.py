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
