"""No dead play buttons: with no audio linked (redaction on, no --link-original, no --embed-audio)
report.html and the session page show the moments' times and say why there is nothing to play."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from coach.report.html import render_html
from coach.report.model import CallReport
from coach.report.session import render_session
from coach.report.view import make_view
from conftest import ROOT

GOLDEN = Path(__file__).resolve().parent / "data" / "golden"


@pytest.fixture
def fixed() -> CallReport:
    data = json.loads((GOLDEN / "report_fixture.json").read_text(encoding="utf-8"))
    data["call"]["source"] = str(ROOT / data["call"]["source"])
    return CallReport.from_dict(data)


def moments(fixed: CallReport) -> int:
    n = len(fixed.reflection.get("moments", []))
    assert n >= 2  # the fixture has moments to play, so a missing button means something
    return n


def test_report_without_audio_has_no_play_buttons(fixed, tmp_path):
    page = render_html(make_view(fixed), tmp_path)  # redaction on, nothing linked or embedded
    assert "<audio" not in page and 'class="play"' not in page
    assert page.count('<span class="at">') == moments(fixed)  # the times are still there, as text
    assert '<body class="noaudio">' in page  # timeline and transcript lose their pointer cursor
    assert "Geen audio gekoppeld: de opname bevat persoonsgegevens" in page
    linked = render_html(make_view(fixed), tmp_path, link_original=True)
    assert "<audio" in linked and linked.count('class="play"') == moments(fixed) and '<body class="noaudio">' not in linked
    assert '<span class="at">' not in linked


def test_session_without_audio_says_why_instead_of_dead_buttons(fixed, tmp_path):
    out = tmp_path / "session.html"
    page = render_session([fixed, fixed], out)
    assert "<audio" not in page and 'class="play"' not in page
    assert page.count('<span class="at">') == 2 * moments(fixed)
    assert page.count("Audio niet gekoppeld: redactie staat aan; gebruik --link-original") == 2
    en = render_session([fixed], out, language="en")
    assert "Audio not linked: redaction is on; use --link-original to play the recordings." in en
    linked = render_session([fixed, fixed], out, link_original=True)
    assert linked.count("<audio") == 2 and linked.count('class="play"') == 2 * moments(fixed)
    assert "niet gekoppeld" not in linked
    # every play button points at an audio element on the page
    ids = set(re.findall(r'<audio id="([^"]+)"', linked))
    assert set(re.findall(r'data-audio="([^"]+)"', linked)) == ids
