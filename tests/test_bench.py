"""The bench's WhisperX-style baseline and its ratios; one short real-model smoke run."""

from __future__ import annotations

import pytest

from coach.bench import assign_word_speakers, measure, speed_ratios
from coach.conversation import Turn, Word
from conftest import STEREO


def test_words_go_to_the_speaker_they_overlap_most():
    turns = [Turn("A", 0.0, 2.0), Turn("B", 1.8, 4.0), Turn("A", 3.9, 5.0)]
    words = [Word("hallo", 0.1, 0.5), Word("ja", 1.7, 2.4), Word("nee", 3.8, 4.2)]
    out = assign_word_speakers(words, turns)
    assert [w.text for w in out["A"]] == ["hallo", "nee"]  # nee: 0.2 s of B, 0.3 s of A
    assert [w.text for w in out["B"]] == ["ja"]


def test_overlap_is_summed_over_a_speakers_turns():
    turns = [Turn("A", 0.0, 1.0), Turn("B", 1.0, 1.5), Turn("A", 1.5, 3.0)]
    out = assign_word_speakers([Word("lang", 0.7, 1.9)], turns)  # A 0.3 + 0.4 s, B 0.5 s
    assert list(out) == ["A"]


def test_a_word_in_a_gap_goes_to_the_nearest_turn():
    turns = [Turn("A", 0.0, 1.0), Turn("B", 3.0, 4.0)]
    out = assign_word_speakers([Word("eh", 2.6, 2.8), Word("oh", 1.1, 1.2)], turns)
    assert [w.text for w in out["B"]] == ["eh"] and [w.text for w in out["A"]] == ["oh"]


def test_no_turns_no_speakers():
    assert assign_word_speakers([Word("x", 0, 1)], []) == {}


def test_ratios():
    rows = {"coach": {"x_realtime": 12.0, "run_s": 5.0}, "baseline": {"x_realtime": 4.0, "run_s": 15.0},
            "bare": {"x_realtime": 10.0, "run_s": 6.0}}
    assert speed_ratios(rows) == {"coach_vs_baseline": 3.0, "coach_overhead_vs_bare": -0.17}
    assert speed_ratios({"coach": rows["coach"]}) == {}


@pytest.mark.models
def test_bare_mode_smoke(tmp_path):
    import soundfile as sf

    data, sr = sf.read(STEREO, dtype="float32", frames=8 * 16000)
    clip = tmp_path / "clip.flac"
    sf.write(clip, data, sr)
    row = measure("bare", str(clip))
    assert row["mode"] == "bare" and row["x_realtime"] > 0 and row["peak_rss_mb"] > 0
    assert "wer_all" not in row  # no ground truth next to the clip


def test_memory_call_is_the_long_mono_call_repeated_with_shifted_truth(tmp_path):
    import json

    import numpy as np
    import soundfile as sf

    from coach.bench import LONG_CALLS, MEMORY_REPEAT, memory_call

    sr = 16000
    tone = (0.1 * np.sin(np.arange(2 * sr) * 0.05) * 32767).astype(np.int16)
    for name in LONG_CALLS:  # stand-ins for the generated long calls (no synthesis here)
        sf.write(tmp_path / f"{name}.flac", tone, sr)
        (tmp_path / f"{name}.json").write_text(json.dumps(
            {"utterances": [{"role": "agent", "start": 0.5, "end": 1.5, "text": "goedemorgen"}]}))
    path = memory_call(tmp_path)
    audio, got_sr = sf.read(path, dtype="int16")
    assert got_sr == sr and len(audio) == MEMORY_REPEAT * len(tone)
    assert np.array_equal(audio[-len(tone):], tone)
    utts = json.loads(path.with_suffix(".json").read_text())["utterances"]
    assert [u["start"] for u in utts] == [0.5 + 2.0 * k for k in range(MEMORY_REPEAT)]
    assert not list(tmp_path.glob(".*tmp*"))  # written atomically, nothing left over
    assert memory_call(tmp_path) == path  # made once


def test_unknown_mode_is_refused():
    from rich.console import Console

    from coach.bench import run_bench
    from coach.errors import CoachError

    with pytest.raises(CoachError, match="unknown bench mode 'fast'"):
        run_bench(Console(), calls=[STEREO], modes=("coach", "fast"))
