"""The listener's overlapped speech that the diarization output leaves out (coach/speakers/overlap.py): pure logic."""

from __future__ import annotations

import numpy as np
import pytest

from coach.conversation import Turn
from coach.speakers.overlap import OVERLAP_THRESHOLD, recover_overlaps

STEP = 0.017  # segmentation-3.0's frame step, about
TIMES = np.arange(0.0, 20.0, STEP) + STEP / 2


def p_with(*spans, level=0.5):
    p = np.full(len(TIMES), 0.02)
    for a, b in spans:
        p[(TIMES >= a) & (TIMES < b)] = level
    return p


TURNS = [Turn("SPEAKER_00", 0.0, 8.0), Turn("SPEAKER_01", 8.5, 14.0), Turn("SPEAKER_00", 14.2, 19.0)]


def test_a_second_voice_inside_one_speakers_turn_goes_to_the_other_speaker():
    found = recover_overlaps(TURNS, TIMES, p_with((3.0, 3.4), (10.0, 10.5)))
    assert [t.speaker for t in found] == ["SPEAKER_01", "SPEAKER_00"]
    assert abs(found[0].start - 3.0) < 0.03 and abs(found[0].end - 3.4) < 0.03
    assert abs(found[1].start - 10.0) < 0.03 and abs(found[1].end - 10.5) < 0.03


def test_below_the_threshold_too_short_or_in_silence_nothing_is_added():
    assert recover_overlaps(TURNS, TIMES, p_with((3.0, 3.4), level=OVERLAP_THRESHOLD - 0.05)) == []
    assert recover_overlaps(TURNS, TIMES, p_with((3.0, 3.1))) == []  # 0.1 s: noise, not speech
    assert recover_overlaps(TURNS, TIMES, p_with((8.1, 8.4))) == []  # nobody speaks there per the diarization


def test_where_both_already_speak_nothing_is_added():
    turns = TURNS + [Turn("SPEAKER_01", 3.0, 3.4)]
    assert recover_overlaps(turns, TIMES, p_with((3.0, 3.4))) == []


def test_only_for_two_speakers():
    one = [Turn("SPEAKER_00", 0.0, 19.0)]
    three = TURNS + [Turn("SPEAKER_02", 15.0, 16.0)]
    assert recover_overlaps(one, TIMES, p_with((3.0, 3.4))) == []
    assert recover_overlaps(three, TIMES, p_with((3.0, 3.4))) == []


@pytest.mark.models
def test_pair_probability_kept_from_the_diarization_pass_marks_where_two_people_speak():
    """The powerset scores kept from the pipeline's own segmentation pass, aggregated: high where the
    sample's two parties truly talk at once (its script's interruption), low where one speaks alone.
    A wrong window order or time base would smear or shift this."""
    import json

    import torch

    from coach.audio import decode
    from coach.config import DiarizationOptions
    from coach.samples import SAMPLES_DIR
    from coach.speakers.diarize import load_pipeline
    from coach.speakers.overlap import KeepScores, pair_probability

    path = SAMPLES_DIR / "support_call_mono.flac"
    rec = decode(path)
    pipeline = load_pipeline(DiarizationOptions())
    waveform = torch.from_numpy(np.ascontiguousarray(rec.mono()))[None, :]
    with torch.inference_mode(), KeepScores(pipeline._segmentation) as keep:
        pipeline({"waveform": waveform, "sample_rate": 16000}, num_speakers=2)
    seg = pipeline._segmentation
    times, p = pair_probability(keep.scores(), seg.duration, seg.step, seg.model.receptive_field,
                                len(seg.model.specifications.classes))
    assert abs(times[-1] - rec.duration) < 10.5 and np.all((p >= 0) & (p <= 1.0001))
    utts = json.loads(path.with_suffix(".json").read_text())["utterances"]
    speaking = {r: np.zeros(len(times), dtype=bool) for r in ("agent", "customer")}
    for u in utts:
        speaking[u["role"]] |= (times >= u["start"]) & (times < u["end"])
    both = speaking["agent"] & speaking["customer"]
    alone = speaking["agent"] ^ speaking["customer"]
    assert both.sum() > 50  # the script's interruption: 1.2 s of overlap
    assert p[both].mean() > 0.5
    assert p[alone].mean() < 0.1
