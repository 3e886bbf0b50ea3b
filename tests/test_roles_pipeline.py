"""Roles from cues through the real pipeline (installed ``coach`` in a subprocess, real models) on an
8 kHz mu-law telephone copy of a bundled mono call; and how the report shows the roles' confidence."""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import replace

import numpy as np
import pytest
import soundfile as sf

from coach.evaluate import role_attribution
from coach.report.html import render_html
from coach.report.markdown import markdown
from coach.report.model import CallReport
from coach.report.view import make_view
from conftest import COACH, SAMPLES, truth, write_av

CALL = SAMPLES / "call_no_solution.flac"


@pytest.mark.models
def test_installed_coach_names_roles_with_confidence_on_8khz_telephone_audio(tmp_path):
    from scipy.signal import resample_poly

    data, sr = sf.read(CALL, dtype="float32")
    tel = np.clip(resample_poly(data, 1, sr // 8000), -1, 1).astype(np.float32)
    wav = write_av(tmp_path / "tel8k.wav", tel[None, :], 8000, "pcm_mulaw")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OMP_", "MKL_", "OPENBLAS_"))}
    p = subprocess.run([str(COACH), "analyze", str(wav), "--out", str(tmp_path / "out")], env=env,
                       capture_output=True, text=True, timeout=900)
    assert p.returncode == 0, p.stderr
    folder = tmp_path / "out" / "tel8k"
    d = json.loads((folder / "analysis.json").read_text(encoding="utf-8"))
    call = d["call"]
    assert call["speaker_source"] == "diarization" and call["original_sample_rate"] == 8000
    assert call["roles_confidence"] >= 0.9, call
    assert {"service_question", "org_intro"} <= {c["cue"] for c in call["roles_cues"] if c["speaker"] == call["agent"]}
    report = CallReport.from_dict(d)
    assert role_attribution(report.conversation, truth(CALL)).correct >= 0.85
    md = (folder / "report.md").read_text(encoding="utf-8")
    assert "Wie is de agent (" in md and "zeker" in md


def test_report_shows_how_sure_the_roles_are_and_warns_at_the_top():
    from conftest import ROOT

    data = json.loads((ROOT / "tests/data/golden/report_fixture.json").read_text(encoding="utf-8"))
    data["call"]["source"] = str(ROOT / data["call"]["source"])
    r = CallReport.from_dict(data)
    warning = "who is the agent is uncertain (62% sure, from: spoke first (+0.4)): agent and customer may be swapped"
    low = replace(r, call=replace(r.call, roles_method="auto: SPEAKER_00 is the agent, 62% sure, from cues: spoke first (+0.4)",
                                  roles_confidence=0.62), warnings=(warning,))
    html = render_html(make_view(low, "en"))
    assert "Who is the agent (62% sure): auto: SPEAKER_00" in html
    assert html.index("uncertain (62% sure") < html.index('id="moments"')  # at the top, before the moments
    md = markdown(make_view(low, "nl"))
    assert "Wie is de agent (62% zeker)" in md and md.index("swapped") < md.index("## Momenten")
    # a configured channel has nothing to weigh: no line
    assert "Who is the agent" not in render_html(make_view(r, "en"))


def test_report_marks_the_roles_not_certain_when_the_voices_could_not_be_told_apart():
    from conftest import ROOT

    data = json.loads((ROOT / "tests/data/golden/report_fixture.json").read_text(encoding="utf-8"))
    data["call"]["source"] = str(ROOT / data["call"]["source"])
    r = CallReport.from_dict(data)
    auto = replace(r.call, roles_method="auto: SPEAKER_00 is the agent, 96% sure, from cues: service question (+2.5)",
                   roles_confidence=0.96)
    alike = replace(auto, speaker_separation={"reliable": False, "reasons": ["the two voices are alike"]})
    assert "Who is the agent (96% sure): auto" in render_html(make_view(replace(r, call=auto), "en"))
    assert "Who is the agent (96% sure, not certain): auto" in render_html(make_view(replace(r, call=alike), "en"))
    assert "Wie is de agent (96% zeker, niet zeker)" in markdown(make_view(replace(r, call=alike), "nl"))
