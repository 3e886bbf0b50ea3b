"""Word placement logic of the transcribe stage (pure: no model)."""

from __future__ import annotations

from coach.conversation import Turn, Word
from coach.transcribe import assign_words, snap_words


def test_words_go_to_the_speaker_they_overlap_most():
    turns = [Turn("A", 0.0, 2.0), Turn("B", 1.8, 4.0), Turn("A", 5.0, 6.0)]
    words = [Word("hallo", 0.1, 0.5), Word("ja", 1.85, 2.3), Word("zo", 4.6, 4.8), Word("dag", 5.1, 5.5)]
    out = assign_words(words, turns)
    assert [w.text for w in out["A"]] == ["hallo", "zo", "dag"]  # "zo" is in no turn: nearest is A at 5.0
    assert [w.text for w in out["B"]] == ["ja"]
    assert assign_words(words, []) == {}


def test_snap_moves_a_sentence_start_stamped_in_the_gap_to_the_next_region():
    turns = [Turn("left", 40.0, 45.7), Turn("left", 47.8, 49.4)]
    words = [Word("Klopt", 45.1, 45.4), Word("dat?", 45.4, 45.6), Word("Ik", 45.6, 46.5), Word("ga", 47.9, 47.9)]
    out = snap_words(words, turns)
    assert [w.text for w in out] == ["Klopt", "dat?", "Ik", "ga"]
    ik = out[2]
    assert 47.8 <= ik.start < ik.end <= 49.4 and ik.end - ik.start <= 0.6 + 1e-9


def test_snap_keeps_words_inside_and_clips_overhanging_ones():
    turns = [Turn("right", 49.6, 49.9), Turn("right", 53.7, 54.9)]
    words = [Word("Oké,", 49.63, 50.23), Word("fijn,", 53.6, 53.9)]
    out = snap_words(words, turns)
    assert out[0].text == "Oké," and 49.6 <= out[0].start and out[0].end <= 49.9
    assert out[1] == words[1]  # mostly inside: untouched
