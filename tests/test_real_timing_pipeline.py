"""Issue 10 end to end: the installed ``coach evaluate`` on the committed real-timing calls (held-out
dev scripts re-timed with IFADV turn-taking: early starts at the end of the other's sentence, scripted
interruptions, back-channels), real models on the audio."""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from conftest import COACH, DATA

pytestmark = pytest.mark.models


def test_early_starts_are_no_interruptions_and_scripted_interruptions_are_found(tmp_path):
    out = tmp_path / "evaluate.json"
    r = subprocess.run([str(COACH), "evaluate", "--calls", str(DATA / "real_timing"), "--out", str(tmp_path / "a"),
                        "--json", str(out)], capture_output=True, text=True, timeout=1200,
                       env=dict(os.environ, COLUMNS="200"))
    assert r.returncode == 0, r.stderr[-2000:]
    assert "Traceback" not in r.stderr
    (res,) = json.loads(out.read_text(encoding="utf-8"))["sets"].values()
    t = res["totals"]
    assert t["calls"] == 3 and t["failed"] == 0
    assert t["interruptions"]["recall"] == 1.0  # every scripted interruption (4) found ...
    assert t["interruptions"]["expected"] == 4
    assert t["false_interruptions_per_min"] <= 0.5  # ... and the early starts (9) not called interruptions
    assert t["early_starts"]["n"] >= 9 and t["early_starts"]["called_interruption"] <= 1
    assert t["backchannels"]["recall"] == 1.0
    # every overlap is an event with its class; the early starts show up as turn-end overlaps
    kinds = [e["kind"] for row in res["calls"]
             for e in json.loads(open(row["analysis"], encoding="utf-8").read())["events"]
             if e["type"] == "overlap"]
    assert kinds.count("turn_end") >= 4
