"""Renderings of a fixed CallReport: golden Markdown/RTTM/SRT/VTT, redaction, escaping, CLI.

tests/data/golden/report_fixture.json is a real analysis of audio_samples/call_customer_interrupts
with one customer utterance replaced by a <script> probe and Dutch personal data. Regenerate the
golden files after an intended change with COACH_UPDATE_GOLDEN=1.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from coach.cli import app
from coach.report import RenderOptions, render_all, write_outputs
from coach.report.formats import rttm, srt, vtt
from coach.report.html import render_html
from coach.report.markdown import markdown
from coach.report.model import CallReport
from coach.report.redact import elfproef, redact
from coach.report.view import make_view
from conftest import ROOT

GOLDEN = Path(__file__).resolve().parent / "data" / "golden"
PROBE = "<script>window.__pwned=1</script>"


@pytest.fixture
def fixed() -> CallReport:
    data = json.loads((GOLDEN / "report_fixture.json").read_text(encoding="utf-8"))
    data["call"]["source"] = str(ROOT / data["call"]["source"])
    return CallReport.from_dict(data)


@pytest.mark.parametrize("name,render", [("report.md", markdown), ("call.rttm", rttm), ("call.srt", srt),
                                         ("call.vtt", vtt)])
@pytest.mark.parametrize("language", ["nl", "en"])
def test_golden(fixed, name, render, language):
    got = render(make_view(fixed, language))
    golden = GOLDEN / f"{language}.{name}"
    if os.environ.get("COACH_UPDATE_GOLDEN"):
        golden.write_text(got, encoding="utf-8")
    assert got == golden.read_text(encoding="utf-8")


def test_renderings_are_redacted_by_default_and_json_says_so(fixed, tmp_path):
    write_outputs(fixed, tmp_path)
    for name in ("report.html", "report.md", "call.srt", "call.vtt"):
        text = (tmp_path / name).read_text(encoding="utf-8")
        assert "06-12345678" not in text and "jan@example.nl" not in text and "3512 JK" not in text, name
        assert re.search(r"\[telefoonnummer\\?\]", text), name  # the label (Markdown escapes its "]")
    data = json.loads((tmp_path / "analysis.json").read_text(encoding="utf-8"))
    assert data["privacy"]["redacted_in_renderings"] is True
    assert any("06-12345678" in u["text"] for u in data["utterances"])  # the JSON keeps the data and says so
    write_outputs(fixed, tmp_path, RenderOptions(redact=False))
    assert "06-12345678" in (tmp_path / "report.md").read_text(encoding="utf-8")
    assert json.loads((tmp_path / "analysis.json").read_text())["privacy"]["redacted_in_renderings"] is False


@pytest.mark.parametrize("text,kind", [
    ("Bel me op 06-12345678.", "phone"), ("Mijn nummer is 06 1234 5678", "phone"), ("Vast: 020-1234567", "phone"),
    ("Internationaal +31 6 12345678", "phone"), ("Mail naar p.de.vries@voorbeeld.nl", "email"),
    ("Rekening NL91 ABNA 0417 1643 00", "iban"), ("iban nl91abna0417164300", "iban"),
    ("Ik woon op 3512 JK 14", "postcode"), ("Postcode 1234 AB, huisnummer 5", "postcode"),
    ("postcode 9711 lm", "postcode"), ("Mijn BSN is 111222333", "bsn"), ("burgerservicenummer 123.456.782", "bsn"),
])
def test_dutch_personal_data_is_redacted(text, kind):
    out, counts = redact(text)
    assert counts == {kind: 1}, (out, counts)


@pytest.mark.parametrize("text", ["Het kost 45 euro per maand.", "In 2024 en 2025 bestelde ik twee keer.",
                                  "Het bedrag is 123.456.789 euro"])  # an order number is redacted now (test_redact)
def test_ordinary_numbers_stay(text):
    assert redact(text) == (text, {})


def test_elfproef():
    assert elfproef("111222333") and elfproef("123456782")
    assert not elfproef("123456789") and not elfproef("000000000")


def test_html_is_self_contained_escaped_and_scoreless(fixed, tmp_path):
    page = render_html(make_view(fixed), tmp_path, link_original=True)
    assert PROBE not in page and "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in page
    assert page.count("<script>") == 1  # only our own
    assert "http://" not in page and "https://" not in page  # no CDN, works offline
    assert 'src="' in page and "call_customer_interrupts.flac" in page  # the recording, by relative path
    lower = page.lower()
    for word in ("score", "cijfer:", "grade", "rating", "beoordeling:"):
        assert word not in lower
    assert "@media print" in page and "viewport" in page


def test_html_embeds_audio_when_asked(fixed, tmp_path):
    page = render_html(make_view(fixed), tmp_path, embed_audio=True)
    assert 'src="data:audio/ogg;base64,' in page


def test_english_report(fixed, tmp_path):
    render_all(fixed, tmp_path, RenderOptions(language="en"))
    md = (tmp_path / "report.md").read_text(encoding="utf-8")
    assert "Moments to listen back to" in md and "Customer" in md and "Momenten" not in md


def test_cli_report_rerenders_without_audio_analysis(fixed, tmp_path):
    (tmp_path / "analysis.json").write_text(json.dumps(fixed.to_dict()), encoding="utf-8")
    result = CliRunner().invoke(app, ["report", str(tmp_path / "analysis.json"), "--report-language", "en"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "report.html").exists() and (tmp_path / "call.vtt").read_text().startswith("WEBVTT")


def test_cli_report_bad_file_is_one_line(tmp_path):
    (tmp_path / "analysis.json").write_text("{not json")
    result = CliRunner().invoke(app, ["report", str(tmp_path / "analysis.json"), str(tmp_path / "missing.json")])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.stderr.count("error:") == 2 and "not a coach analysis.json" in result.stderr


def test_cli_session_page(fixed, tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "analysis.json").write_text(json.dumps(fixed.to_dict()), encoding="utf-8")
    out = tmp_path / "session.html"
    result = CliRunner().invoke(app, ["session", str(tmp_path / "a"), str(tmp_path / "a" / "analysis.json"),
                                      "--out", str(out)])
    assert result.exit_code == 0, result.output
    page = out.read_text(encoding="utf-8")
    assert 'id="goal"' in page and page.count('class="trend"') >= 5 and PROBE not in page


def test_help_and_rendering_do_not_import_the_heavy_libraries(tmp_path):
    import subprocess
    import sys

    code = ("import json, sys\n"
            "from typer.testing import CliRunner\n"
            "from coach.cli import app\n"
            "assert CliRunner().invoke(app, ['--help']).exit_code == 0\n"
            "from coach.report import render_all\n"
            "from coach.report.model import CallReport\n"
            f"d = json.load(open({str(GOLDEN / 'report_fixture.json')!r}))\n"
            f"render_all(CallReport.from_dict(d), {str(tmp_path)!r})\n"
            "print(sorted(m for m in ('torch', 'faster_whisper', 'pyannote.audio', 'librosa') if m in sys.modules))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_an_interruption_moment_says_how_it_was_recognised(fixed):
    import dataclasses

    evidence = {"complete_before": False, "words_after": 4, "stopped_within_s": 1.01, "pitch_fall": None,
                "cut_off": True, "finishing": False, "gave_up": None}
    events = tuple(dataclasses.replace(e, evidence=evidence) if e.type == "interruption" and e.kind == "competitive"
                   else e for e in fixed.events)
    report = dataclasses.replace(fixed, events=events)
    nl, en = markdown(make_view(report, "nl")), markdown(make_view(report, "en"))
    assert ("_Hoe herkend: 1.0 s tegelijk gesproken; Agent was midden in een zin (geen zinseinde toen Klant begon, "
            "daarna nog 4 woorden) en stopte 1.0 s later zonder de zin af te maken._") in nl
    assert ("_How recognised: 1.0 s of talking at once; Agent was mid-sentence (no sentence end when Customer "
            "started, 4 more words after), and stopped 1.0 s later without finishing._") in en
    assert 'class="how">Hoe herkend: 1.0 s tegelijk' in render_html(make_view(report, "nl"))
    assert "_Hoe herkend: 1.5 s tegelijk gesproken; wie begon, gaf het op._" in nl  # no evidence kept: the kind
