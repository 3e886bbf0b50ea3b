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


def test_packed_windows_hold_each_region_once_and_map_times_back():
    import numpy as np

    from coach.transcribe import GAP_S, PAD_S, SAMPLE_RATE, pack_windows

    n = 100 * SAMPLE_RATE  # 100 s; each sample's value is its own time, so the audio shows where it came from
    ramp = (np.arange(n) / SAMPLE_RATE).astype(np.float32)
    signals = {"left": ramp, "right": ramp + 1000}
    regions = {"left": [(1.0, 9.0), (9.1, 12.0), (20.0, 38.0), (50.0, 95.0)],  # the last one > 30 s
               "right": [(5.0, 6.0)]}
    windows = pack_windows(signals, regions, chain=False)
    assert all(w.duration <= 30.0 + 1e-9 for w in windows)
    assert [(p.start, p.end) for w in windows for p in w.pieces if p.key == "right"] == [(5.0 - PAD_S, 6.0 + PAD_S)]
    assert all(len({p.key for p in w.pieces}) == 1 for w in windows)  # one channel per window
    left = sorted((p.start, p.end) for w in windows for p in w.pieces if p.key == "left")
    # widened by PAD_S, merged where they touch; the 45 s region split (and split again to fill a
    # window), its parts tiling it: nothing lost, nothing twice
    assert left[0] == (1.0 - PAD_S, 12.0 + PAD_S) and left[1] == (20.0 - PAD_S, 38.0 + PAD_S)
    assert left[2][0] == 50.0 - PAD_S and left[-1][1] == 95.0 + PAD_S and len(left) >= 4
    assert all(a[1] == b[0] for a, b in zip(left[2:], left[3:]))
    for w in windows:
        audio = w.audio(signals)
        assert len(audio) % 160 == 0
        for p in w.pieces:
            i = int(round((p.at + 0.5) * SAMPLE_RATE))  # half a second into the piece
            assert abs(audio[i] - (p.start + 0.5 + (1000 if p.key == "right" else 0))) < 1e-3
            key, s, e = w.to_original(p.at + 0.4, p.at + 0.6)
            assert key == p.key and abs(s - (p.start + 0.4)) < 1e-6 and abs(e - (p.start + 0.6)) < 1e-6
        first, second = w.pieces[0], w.pieces[1] if len(w.pieces) > 1 else None
        if second is not None:
            gap_start = first.at + first.end - first.start
            assert abs(second.at - gap_start - GAP_S) < 1e-9
            # a word starting in the gap, its middle in the second piece, goes there, clipped to its start
            key, s, e = w.to_original(gap_start + 0.08, second.at + 0.2)
            assert key == second.key and abs(s - second.start) < 1e-9 and abs(e - (second.start + 0.2)) < 1e-6
    assert pack_windows(signals, {"left": [], "right": []}) == []



def test_chained_windows_start_the_next_signal_in_the_last_windows_room():
    """Chained (the default): the right channel's first piece fills the room left in the left
    channel's last window, later ones follow; one window fewer than one signal per window, every
    piece once, times and signals mapped back."""
    import numpy as np

    from coach.transcribe import SAMPLE_RATE, pack_windows

    n = 60 * SAMPLE_RATE
    ramp = (np.arange(n) / SAMPLE_RATE).astype(np.float32)
    signals = {"left": ramp, "right": ramp + 1000}
    regions = {"left": [(0.0, 8.0), (20.0, 26.0)], "right": [(5.0, 9.0), (40.0, 50.0)]}
    lanes = pack_windows(signals, regions, pad=0.0, chain=False)
    chained = pack_windows(signals, regions, pad=0.0, chain=True)
    assert len(lanes) == 2 and len(chained) == 1
    assert [(p.key, p.start, p.end) for p in chained[0].pieces] == [
        ("left", 0.0, 8.0), ("left", 20.0, 26.0), ("right", 5.0, 9.0), ("right", 40.0, 50.0)]
    assert pack_windows(signals, regions, pad=0.0) == chained  # the default
    w = chained[0]
    audio = w.audio(signals)
    for p in w.pieces:
        i = int(round((p.at + 0.5) * SAMPLE_RATE))
        assert abs(audio[i] - (p.start + 0.5 + (1000 if p.key == "right" else 0))) < 1e-3
        key, s, e = w.to_original(p.at + 0.4, p.at + 0.6)
        assert key == p.key and abs(s - (p.start + 0.4)) < 1e-6
