"""Real-timing development data (IFADV) and the overlap scorer. Pure and fast: no models, no synthesiser."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from coach.devset import call_split, ifadv
from coach.devset import make_calls as mc
from coach.evaluate import overlap_totals, score_overlaps

DATA = Path(__file__).resolve().parent / "data" / "real_timing"
needs_csv = pytest.mark.skipif(not ifadv.DEFAULT_CSV.is_file(), reason="IFADV annotations (../shared) not present")


# --- IFADV ------------------------------------------------------------------------------------------

def test_committed_timing_has_the_tune_half_only():
    t = ifadv.load_timing()
    assert t["tune"]["dialogues"] == [1, 3, 5, 7, 9, 11, 13, 15, 17, 19]
    assert "GPL" in t["source"]
    ft = t["tune"]["floor_transfers"]
    # IFADV: 47% of floor transfers overlap (all 20 dialogues); each half on its own lies near that
    assert 0.35 <= ft["all"]["overlapping"] <= 0.6
    assert 0.35 <= ft["turns"]["overlapping"] <= 0.6
    assert 0.1 <= ft["all"]["early_by_more_than_0.5s"] <= 0.3
    assert 0.04 <= ft["all"]["early_by_more_than_1s"] <= 0.15
    bc = t["tune"]["backchannels"]
    assert 0.1 <= bc["share_of_utterances"] <= 0.25       # ~1 utterance in 7 is a short cue
    assert bc["inside_other_speech"] + bc["in_other_pause"] == pytest.approx(1.0, abs=1e-3)
    assert len(ft["turns"]["fto_quantiles_s"]) == 101


@needs_csv
def test_derivation_reproduces_the_committed_file_and_keeps_the_heldout_half_apart():
    assert ifadv.derive() == ifadv.load_timing()
    held = ifadv.heldout_stats()
    assert held["dialogues"] == [2, 4, 6, 8, 10, 12, 14, 16, 18, 20]
    assert 0.35 <= held["floor_transfers"]["all"]["overlapping"] <= 0.6
    assert {u.dialogue % 2 for u in ifadv.heldout_utterances()} == {0}


def test_cue_words():
    assert ifadv.is_cue("ja") and ifadv.is_cue("hum hum") and ifadv.is_cue("ja precies") and ifadv.is_cue("oké")
    assert not ifadv.is_cue("ja maar") and not ifadv.is_cue("uh") and not ifadv.is_cue("ja ja ja ja")


# --- re-timing ----------------------------------------------------------------------------------------

def script() -> dict:
    lines = []
    for k in range(12):
        sp = "agent" if k % 2 == 0 else "customer"
        lines.append({"speaker": sp, "text": f"Dit is regel {k} van een gewoon gesprek met een paar woorden erin."})
    lines.insert(3, {"speaker": "agent", "type": "backchannel", "text": "hm hm", "during": 1.5})
    lines.insert(6, {"speaker": "customer", "type": "interruption", "kind": "competitive",
                     "text": "Maar dat heb ik toch al gezegd, echt waar.", "overlap": 1.2})
    lines.insert(9, {"speaker": "agent", "text": "Een moment, ik zet u even in de wacht.", "gap": 6.0})
    sc = {"id": "t01", "voices": {"agent": {"voice": "mb-nl2"}, "customer": {"voice": "mb-nl3"}}, "lines": lines}
    path = Path(__file__).parent / "_script_t01.json"
    try:
        path.write_text(json.dumps(sc), encoding="utf-8")
        return mc.load_script(str(path))
    finally:
        path.unlink()


def test_script_timing_is_the_shared_generators_timing():
    sc = script()
    U = mc.plan(sc, mc.estimate_durations(sc))
    assert all("timing" not in u for u in U)
    by_id = {u["id"]: u for u in U}
    u = by_id["u07"]  # the interruption: 1.2 s before the end of the customer... of the latest other line
    ref = max((w for w in U[:6] if w["speaker"] != u["speaker"]), key=lambda w: w["start"])
    assert u["start"] == pytest.approx(ref["end"] - 1.2, abs=1e-3)


def test_ifadv_timing_gives_early_starts_and_keeps_interruptions():
    sc = script()
    d = mc.estimate_durations(sc)
    early, retimed = 0, 0
    for seed in range(10):
        U = mc.plan(sc, d, "ifadv", seed)
        by_id = {u["id"]: u for u in U}
        assert U == mc.plan(sc, d, "ifadv", seed)  # deterministic
        for u in U:
            if u["type"] == "interruption":
                assert u["timing"] == "script" and u["kind"] == "competitive"
                assert u["start"] == pytest.approx(by_id[u["interrupted_id"]]["end"] - 1.2, abs=1e-3)
            if u["timing"] in ("early_start", "ifadv_gap"):
                retimed += 1
            if u["timing"] == "early_start":
                early += 1
                prev = by_id[u["previous_id"]]
                assert prev["speaker"] != u["speaker"]
                # starts in the last part of the other's complete line, goes on past its end
                assert prev["start"] + 0.5 * (prev["end"] - prev["start"]) - 1e-3 <= u["start"] < prev["end"]
                assert u["end"] > prev["end"]
                assert u["early_start_s"] == pytest.approx(prev["end"] - u["start"], abs=2e-3)
        hold = by_id["u10"]  # a 6 s hold keeps its gap
        assert hold["timing"] == "script"
        assert hold["start"] - max(u["end"] for u in U if u["start"] < hold["start"]) == pytest.approx(6.0, abs=2e-3)
        truth, problems = mc.build_truth(sc, U, max(u["end"] for u in U) + 1.0)
        assert problems == []
        ev = truth["events"]
        assert [e["id"] for e in ev["early_starts"]] == [u["id"] for u in U if u["timing"] == "early_start"]
        assert {e["id"] for e in ev["interruptions"]} == {"u07"}  # an early start is never an interruption
        kinds = {o["id"]: o["kind"] for o in ev["overlaps"]}
        for e in ev["early_starts"]:
            assert e["overlap_s"] > 0
        assert "interruption" in kinds.values()
        if ev["early_starts"]:
            assert "turn_end" in kinds.values()
    assert retimed and 0.25 <= early / retimed <= 0.6  # IFADV turns: ~42% start early (tune half)


@pytest.mark.skipif(not (mc.SHARED_DEV_CALLS and Path(mc.SHARED_DEV_CALLS, "scripts").is_dir()),
                    reason="shared dev scripts not present")
def test_dev_scripts_retime_without_problems():
    early = changes = 0
    for p in sorted(Path(mc.SHARED_DEV_CALLS, "scripts").glob("*.json")):
        sc = mc.load_script(str(p))
        U = mc.plan(sc, mc.estimate_durations(sc), "ifadv", 1)
        truth, problems = mc.build_truth(sc, U, max(u["end"] for u in U) + 1.0)
        assert not [x for x in problems if "starts while the other party speaks" in x], problems
        assert len(truth["events"]["interruptions"]) == sum(ln["type"] == "interruption" for ln in sc["lines"])
        early += len(truth["events"]["early_starts"])
        changes += truth["stats"]["turn_changes"]
    assert 0.2 <= early / changes <= 0.6


@pytest.mark.skipif(not (mc.SHARED_DEV_CALLS and Path(mc.SHARED_DEV_CALLS, "scripts").is_dir()),
                    reason="shared dev scripts not present")
def test_a_placed_backchannel_is_followed_by_the_other_going_on():
    # a cue after which its own speaker keeps the floor is the start of a turn, not a back-channel: the
    # other party speaks for at least BC_GOES_ON_S after it before the back-channeller speaks again
    placed = 0
    for p in sorted(Path(mc.SHARED_DEV_CALLS, "scripts").glob("*.json")):
        sc = mc.load_script(str(p))
        for seed in (1, 2, 3):
            U = mc.plan(sc, mc.estimate_durations(sc), "ifadv", seed)
            for u in (u for u in U if u.get("timing") == "ifadv_backchannel"):
                placed += 1
                mine = [w for w in U if w["speaker"] == u["speaker"] and w["start"] > u["start"]]
                theirs_after = [w for w in U if w["speaker"] != u["speaker"] and w["end"] > u["end"]
                                and w["start"] < u["end"] + 1.5]
                assert theirs_after, (sc["id"], u["id"])
                if mine:
                    nxt = min(mine, key=lambda w: w["start"])
                    assert nxt["start"] >= u["end"] + mc.BC_GOES_ON_S - 1e-3, (sc["id"], u["id"])
                    assert any(max(w["start"], u["end"]) + mc.BC_GOES_ON_S - 1e-3 <= min(w["end"], nxt["start"])
                               for w in theirs_after), (sc["id"], u["id"])
    assert placed > 20


def test_split():
    assert call_split("d01_telecom_esim") == "tune" and call_split("d15_x") == "tune"
    assert call_split("d16_belasting") == "heldout" and call_split("d30_autolease") == "heldout"


# --- the committed real-timing subset ------------------------------------------------------------

def test_committed_real_timing_calls():
    sf = pytest.importorskip("soundfile")
    flacs = sorted((DATA / "stereo16k").glob("*.flac"))
    assert len(flacs) == 3
    assert sum(f.stat().st_size for f in DATA.rglob("*") if f.is_file()) < 6.5e6
    for f in flacs:
        assert call_split(f.stem) == "heldout"
        info = sf.info(str(f))
        assert info.samplerate == 16000 and info.channels == 2
        truth = json.loads((DATA / "truth" / f"{f.stem}.truth.json").read_text(encoding="utf-8"))
        assert truth["generator"]["timing"] == "ifadv"
        assert truth["duration_s"] == pytest.approx(info.duration, abs=0.01)
        assert truth["events"]["early_starts"]
        assert any(o.get("kind") == "turn_end" for o in truth["events"]["overlaps"])


# --- the scorer --------------------------------------------------------------------------------------

DEV_TRUTH = {
    "call_id": "x", "duration_s": 120.0,
    "utterances": [
        {"id": "u01", "speaker": "agent", "start": 0.5, "end": 5.0, "type": "normal", "text": "a"},
        {"id": "u02", "speaker": "customer", "start": 4.2, "end": 12.0, "type": "normal", "text": "b",
         "timing": "early_start"},
        {"id": "u03", "speaker": "agent", "start": 8.0, "end": 8.4, "type": "backchannel", "text": "ja"},
        {"id": "u04", "speaker": "agent", "start": 11.0, "end": 15.0, "type": "interruption", "text": "c"},
        {"id": "u05", "speaker": "customer", "start": 20.0, "end": 25.0, "type": "normal", "text": "d"},
        {"id": "u06", "speaker": "agent", "start": 22.0, "end": 22.3, "type": "backchannel", "text": "hm"},
        {"id": "u07", "speaker": "customer", "start": 40.0, "end": 45.0, "type": "interruption", "text": "e"},
    ],
    "events": {
        "interruptions": [{"by": "agent", "start": 11.0, "end": 15.0, "kind": "competitive"},
                          {"by": "customer", "start": 40.0, "end": 45.0, "kind": "cooperative"}],
        "backchannels": [{"by": "agent", "start": 8.0, "end": 8.4}, {"by": "agent", "start": 22.0, "end": 22.3}],
        "early_starts": [{"id": "u02", "by": "customer", "start": 4.2, "end": 12.0}],
    },
}


def analysis(*events) -> dict:
    return {"call": {"id": "x", "duration_s": 120.0},
            "events": [dict(zip(("type", "by", "start", "end"), e)) for e in events]}


def test_score_overlaps_dev_truth():
    a = analysis(("interruption", "agent", 11.4, 12.0),      # matches the agent's interruption
                 ("interruption", "customer", 4.5, 5.0),     # the early start, called an interruption
                 ("interruption", "agent", 8.1, 8.4),        # a back-channel, called an interruption
                 ("backchannel", "agent", 8.05, 8.4),        # matches
                 ("backchannel", "customer", 22.0, 22.3),    # wrong role: no match
                 ("overlap", "customer", 4.5, 5.0))
    r = score_overlaps(a, DEV_TRUTH)
    i, b = r["interruptions"], r["backchannels"]
    assert (i["true_positives"], i["false_positives"], i["misses"]) == (1, 2, 1)  # the customer's at 40 s missed
    assert i["precision"] == pytest.approx(1 / 3, abs=1e-3) and i["recall"] == 0.5
    assert r["false_interruptions_per_min"] == pytest.approx(1.0)  # 2 false in 2 minutes
    assert r["early_starts"] == {"n": 1, "called_interruption": 1}
    assert r["backchannels_called_interruption"] == 1
    assert (b["true_positives"], b["false_positives"], b["misses"]) == (1, 1, 1)
    assert b["precision"] == 0.5 and b["recall"] == 0.5


def test_score_overlaps_start_tolerance_and_one_to_one():
    r = score_overlaps(analysis(("interruption", "agent", 12.2, 13.0), ("interruption", "agent", 10.9, 11.0),
                                ("interruption", "agent", 11.1, 11.5)), DEV_TRUTH)
    # 12.2 is more than 1 s late; of the two near 11.0 only one matches
    assert (r["interruptions"]["true_positives"], r["interruptions"]["false_positives"]) == (1, 2)
    assert r["early_starts"]["called_interruption"] == 0


def test_score_overlaps_sample_truth_format_and_totals():
    sample = {"duration_s": 60.0, "utterances": [
        {"role": "agent", "start": 0.6, "end": 4.0, "type": "speech", "text": "a"},
        {"role": "customer", "start": 3.0, "end": 9.0, "type": "interruption", "text": "b"},
        {"role": "agent", "start": 5.0, "end": 5.3, "type": "backchannel", "text": "ja"}]}
    r = score_overlaps(analysis(("backchannel", "agent", 5.2, 5.4)), sample)
    assert r["interruptions"]["misses"] == 1 and r["false_interruptions_per_min"] == 0.0
    assert r["backchannels"]["true_positives"] == 1 and r["early_starts"]["n"] == 0
    r2 = score_overlaps(analysis(("interruption", "customer", 3.5, 4.0)), sample["utterances"])  # load_truth's list
    assert r2["interruptions"]["true_positives"] == 1
    t = overlap_totals([r, r2])
    assert t["interruptions"]["true_positives"] == 1 and t["interruptions"]["expected"] == 2
    assert t["backchannels"]["recall"] == 0.5


def test_evaluate_folder_reuses_analyses(tmp_path):
    from coach.evaluate import evaluate_folder

    audio = tmp_path / "calls" / "x.flac"
    (tmp_path / "out" / "x").mkdir(parents=True)
    (tmp_path / "out" / "x" / "analysis.json").write_text(json.dumps(analysis(("backchannel", "agent", 8.0, 8.4))))
    res = evaluate_folder([audio], tmp_path / "out", lambda p: DEV_TRUTH, reuse=True)
    (row,) = res["calls"]
    assert row["call"] == "x" and row["backchannels"]["true_positives"] == 1
    assert res["totals"]["calls"] == 1 and res["totals"]["interruptions"]["misses"] == 2
    json.dumps(res)  # JSON-ready
