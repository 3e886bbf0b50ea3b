"""Scoring the language observations (summary, solution, summary_before_solution, ...) against the
dev-calls truth, and re-making them from a stored transcript. Pure: no audio, no models."""

from __future__ import annotations

import json

from coach.conversation import Conversation, Turn, Utterance, Word
from coach.evaluate import confidence_table, evaluate_language, language_totals, match_spans, score_language
from coach.report.model import SCHEMA_VERSION, CallInfo, CallReport


def utt(role: str, start: float, text: str, step: float = 0.3) -> Utterance:
    words = [Word(w, start + i * step, start + i * step + 0.25, 0.9) for i, w in enumerate(text.split())]
    return Utterance.from_words(role, words)


LINES = [("agent", 0.0, "Goedemiddag, u spreekt met Noor."),
         ("customer", 3.0, "Mijn pas is blijven steken in een automaat in Spanje."),
         ("agent", 10.0, "Dan blokkeer ik uw pas nu meteen."),
         ("agent", 14.0, "Dus uw pas is in Spanje in een automaat blijven steken, klopt dat?"),
         ("customer", 20.0, "Ja, klopt.")]

TRUTH = {"call_id": "d99", "utterances": [
    {"speaker": s, "start": t, "end": t + 0.3 * len(x.split()), "text": x, "type": "normal"} for s, t, x in LINES],
    "events": {"summaries": [{"by": "agent", "start": 14.0, "end": 18.0}],
               "solutions": [{"by": "agent", "start": 10.0, "end": 12.0}],
               "questions": [], "empathy": [], "closing_checks": [], "door_closing": [],
               "summary_before_solution": False}}


def stored_analysis() -> dict:
    """An analysis.json as coach writes it, with no language events in it yet."""
    utts = tuple(utt(*line) for line in LINES)
    conv = Conversation(utterances=utts, duration=25.0, speaker_source="channels",
                        roles={"left": "agent", "right": "customer"},
                        turns=tuple(Turn(u.speaker_role, u.start, u.end) for u in utts))
    call = CallInfo(id="d99", source="d99.flac", sha256="0", duration_s=25.0, channels=2,
                    speaker_source="channels", agent="left", language="nl")
    d = CallReport(call=call, conversation=conv).to_dict()
    assert d["schema_version"] == SCHEMA_VERSION
    return d


def test_match_spans_counts_one_line_once_and_allows_a_sentence_into_it():
    gold = [{"by": "agent", "start": 10.0, "end": 15.0}]
    pred = [{"by": "agent", "start": 9.5}, {"by": "agent", "start": 12.0},  # two sentences of one line
            {"by": "agent", "start": 16.0}, {"by": "customer", "start": 11.0}]
    tp, fp, false = match_spans(pred, gold)
    assert (tp, fp) == (1, 2) and [p["start"] for p in false] == [16.0, 11.0]


def test_language_is_made_anew_from_the_stored_transcript_and_scored(tmp_path):
    path = tmp_path / "analysis.json"
    path.write_text(json.dumps(stored_analysis()))
    truth = tmp_path / "d99.truth.json"
    truth.write_text(json.dumps(TRUTH))
    res = evaluate_language([("d99", path, truth)])
    (row,) = res["calls"]
    assert row["solution"]["true_positives"] == 1 and row["solution"]["false_positives"] == 0
    assert row["summary"]["true_positives"] == 1
    assert row["summary_before_solution"] == {"expected": False, "found": False, "right": True}
    t = res["totals"]
    assert t["summary_before_solution"]["right"] == 1 and t["summary_before_solution"]["false"] == "1/1"
    assert sum(b["n"] for b in t["calibration"]) == 2
    json.dumps(res)  # JSON-ready
    # without re-making, the stored file has no observations: the order is unknown
    row = evaluate_language([("d99", path, truth)], reanalyse=False)["calls"][0]
    assert row["solution"]["misses"] == 1 and row["summary_before_solution"]["right"] is False


def test_totals_pool_counts_and_null_calls():
    a = score_language({"events": [], "metrics": {"summary_before_solution": None}},
                       dict(TRUTH, events=dict(TRUTH["events"], summaries=[], solutions=[],
                                               summary_before_solution=None)))
    assert a["summary"]["precision"] == 1.0 and a["summary_before_solution"]["right"] is True
    t = language_totals([a])
    assert t["summary_before_solution"]["none"] == "1/1"


def test_confidence_table_bands():
    table = confidence_table([[0.4, False], [0.6, True], [0.65, False], [0.9, True]])
    assert [(b["n"], b["right"]) for b in table] == [(1, 0), (2, 1), (0, 0), (1, 1)]
    assert table[1]["share"] == 0.5 and table[2]["share"] is None


def test_installed_coach_evaluate_what_language(tmp_path):
    """`coach evaluate --what language --reuse` on a stored analysis: no models run."""
    import subprocess

    from conftest import COACH

    dev = tmp_path / "dev_calls"
    for sub in ("scripts", "stereo16k", "truth"):
        (dev / sub).mkdir(parents=True)
    (dev / "stereo16k" / "d01_pas.flac").write_bytes(b"")  # never read: --reuse
    (dev / "truth" / "d01_pas.truth.json").write_text(json.dumps(dict(TRUTH, call_id="d01_pas")))
    (tmp_path / "out" / "dev" / "d01_pas").mkdir(parents=True)
    (tmp_path / "out" / "dev" / "d01_pas" / "analysis.json").write_text(json.dumps(stored_analysis()))
    r = subprocess.run([str(COACH), "evaluate", "--set", "dev", "--split", "tune", "--dev-calls", str(dev),
                        "--out", str(tmp_path / "out"), "--reuse", "--what", "language",
                        "--json", str(tmp_path / "r.json")], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert "summary_before_solution right on 1 of 1 calls" in r.stdout
    assert "int TP" not in r.stdout  # the overlap table only with --what overlaps / all
    res = json.loads((tmp_path / "r.json").read_text())
    assert res["sets"]["dev"]["language"]["totals"]["solution"]["true_positives"] == 1
