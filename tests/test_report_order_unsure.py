"""The "Samenvatting vóór oplossing" figure is marked "niet zeker" when the summary or solution it rests on is
(issue 11): hand-written calls through the real phase analysis and reflection, rendered to Markdown, HTML and
the session page (pure logic, no audio, no models)."""

from __future__ import annotations

import json

import pytest

from coach.analysis.confidence import SURE_FROM
from coach.analysis.lexicon import load_lexicon
from coach.analysis.metrics import PhaseMetrics, order_unsure
from coach.analysis.phases import summary_and_solution
from coach.analysis.reflection import reflect
from coach.config import AnalysisOptions
from coach.conversation import Conversation, Turn, Utterance, Word
from coach.report.html import render_html
from coach.report.markdown import markdown
from coach.report.model import CallInfo, CallReport
from coach.report.session import render_session
from coach.report.view import make_view

LEX = load_lexicon()
OPTS = AnalysisOptions()


def utt(role: str, start: float, text: str, prob: float = 0.95) -> Utterance:
    words = [Word(w, start + i * 0.3, start + i * 0.3 + 0.25, prob) for i, w in enumerate(text.split())]
    return Utterance.from_words(role, words)


def report(*utterances: Utterance, call_id: str = "c1") -> CallReport:
    utts = tuple(sorted(utterances, key=lambda u: u.start))
    conv = Conversation(utterances=utts, duration=60.0, speaker_source="channels",
                        roles={"left": "agent", "right": "customer"},
                        turns=tuple(Turn(u.speaker_role, u.start, u.end) for u in utts))
    found = summary_and_solution(conv, OPTS, LEX)
    info = CallInfo(id=call_id, source="none.wav", sha256="0" * 64, duration_s=60.0, channels=2,
                    speaker_source="channels", agent="left", language="nl")
    # through JSON and back, as `coach report` reads analysis.json
    r = CallReport(call=info, conversation=conv, metrics=dict(found.metrics), events=found.events,
                   reflection=reflect(conv, found.events, found.metrics, OPTS))
    return CallReport.from_dict(json.loads(json.dumps(r.to_dict())))


GREETING = utt("agent", 0.0, "Goedemiddag, u spreekt met Sanne van de klantenservice.")
PROBLEM = utt("customer", 4.0, "Mijn internet valt al drie dagen steeds weg en de router knippert rood.")
SUMMARY = utt("agent", 10.0, "Als ik het goed begrijp valt uw internet steeds weg.")
CONFIRM = utt("customer", 14.0, "Ja, dat klopt.")
SOLUTION = "Ik stuur u vandaag een nieuwe router."


def _row(md: str, label: str) -> str:
    return next(line for line in md.splitlines() if line.startswith(f"| {label}"))


def _events(r: CallReport, kind: str):
    return [e for e in r.events if e.type == kind]


@pytest.mark.parametrize("language, label, mark", [("nl", "Samenvatting vóór oplossing", "niet zeker"),
                                                   ("en", "Summary before solution", "not certain")])
def test_sure_summary_and_solution_leave_the_figure_unmarked(language, label, mark):
    r = report(GREETING, PROBLEM, SUMMARY, CONFIRM, utt("agent", 18.0, SOLUTION))
    (summary,), (solution,) = _events(r, "summary"), _events(r, "solution")
    assert summary.confidence >= SURE_FROM and solution.confidence >= SURE_FROM
    phases = r.metrics["phases"]
    assert r.metrics["summary_before_solution"] is True and phases["summary_before_solution_unsure"] is False
    assert phases["first_summary_confidence"] == summary.confidence
    assert phases["first_solution_confidence"] == solution.confidence
    view = make_view(r, language)
    row = _row(markdown(view), label)
    assert row.startswith(f"| {label} |") and mark not in row
    assert not any(n.uncertain for n in view.numbers)
    assert f"<dt>{label}</dt>" in render_html(view)


@pytest.mark.parametrize("language, label, mark", [("nl", "Samenvatting vóór oplossing", "niet zeker"),
                                                   ("en", "Summary before solution", "not certain")])
def test_an_unsure_solution_marks_the_figure_and_no_summary_stays_a_fact_about_order(language, label, mark):
    # a solution heard through a bad line, with no summary before it: "nee", but not sure
    r = report(GREETING, PROBLEM, utt("agent", 10.0, "Heb uw router opnieuw ingesteld.", prob=0.35))
    (solution,) = _events(r, "solution")
    assert solution.confidence < SURE_FROM
    assert r.metrics["summary_before_solution"] is False and r.metrics["phases"]["summary_before_solution_unsure"]
    view = make_view(r, language)
    numbers = {n.key: n for n in view.numbers}
    assert numbers["summary_before_solution"].uncertain and numbers["summary_before_solution"].low_confidence
    assert not numbers["questions"].uncertain  # only the order figure
    no = "nee" if language == "nl" else "no"
    assert _row(markdown(view), label).startswith(f"| {label} ({mark}) | {no} |")
    assert f'<dt>{label}<span class="low">{mark}</span></dt><dd><span class="value">{no}</span>' in render_html(view)


def test_an_unsure_summary_before_a_sure_solution_marks_the_figure():
    unsure_summary = utt("agent", 10.0, "Als ik het goed begrijp valt uw internet steeds weg.", prob=0.1)
    r = report(GREETING, PROBLEM, unsure_summary, utt("customer", 14.0, "Mijn buurman heeft het ook."),
               utt("agent", 18.0, SOLUTION))
    (summary,), (solution,) = _events(r, "summary"), _events(r, "solution")
    assert summary.confidence < SURE_FROM <= solution.confidence
    assert r.metrics["summary_before_solution"] is True and r.metrics["phases"]["summary_before_solution_unsure"]
    assert "| Samenvatting vóór oplossing (niet zeker) | ja |" in markdown(make_view(r, "nl"))


def test_session_page_marks_the_unsure_call_only(tmp_path):
    sure = report(GREETING, PROBLEM, SUMMARY, CONFIRM, utt("agent", 18.0, SOLUTION), call_id="sure")
    unsure = report(GREETING, PROBLEM, utt("agent", 10.0, "Heb uw router opnieuw ingesteld.", prob=0.35),
                    call_id="unsure")
    page = render_session([sure, unsure], tmp_path / "session.html")
    assert "sure: ja · unsure: nee (niet zeker)" in page


def test_order_unsure_rests_on_the_deciding_observations_only():
    low, high = SURE_FROM - 0.1, SURE_FROM + 0.05
    assert order_unsure(True, low, high) and order_unsure(True, high, low) and not order_unsure(True, high, high)
    assert order_unsure(False, None, low) and not order_unsure(False, None, high)
    assert not order_unsure(False, low, high)  # a summary after the solution does not decide the order
    assert not order_unsure(None, low, None)  # no solution: nothing to be unsure of
    assert not order_unsure(True, SURE_FROM, SURE_FROM)  # SURE_FROM itself is sure, as in the reflection
    m = PhaseMetrics(first_summary_s=5.0, summary_confirmed=False, first_solution_s=9.0, summaries=1, solutions=1,
                     first_summary_confidence=low, first_solution_confidence=high)
    assert m.to_dict()["phases"]["summary_before_solution_unsure"] is True


def test_an_analysis_without_the_field_renders_as_before():
    r = report(GREETING, PROBLEM, utt("agent", 10.0, "Heb uw router opnieuw ingesteld.", prob=0.35))
    d = r.to_dict()
    del d["metrics"]["phases"]["summary_before_solution_unsure"]
    old = CallReport.from_dict(d)
    assert "| Samenvatting vóór oplossing | nee |" in markdown(make_view(old, "nl"))


def test_installed_coach_report_marks_the_figure(tmp_path):
    import subprocess

    from conftest import COACH

    r = report(GREETING, PROBLEM, utt("agent", 10.0, "Heb uw router opnieuw ingesteld.", prob=0.35))
    (tmp_path / "analysis.json").write_text(json.dumps(r.to_dict()), encoding="utf-8")
    p = subprocess.run([str(COACH), "report", str(tmp_path / "analysis.json")], capture_output=True, text=True,
                       timeout=300)
    assert p.returncode == 0, p.stderr
    assert "| Samenvatting vóór oplossing (niet zeker) | nee |" in (tmp_path / "report.md").read_text(encoding="utf-8")
    assert '<dt>Samenvatting vóór oplossing<span class="low">niet zeker</span></dt>' in \
        (tmp_path / "report.html").read_text(encoding="utf-8")


def test_the_terminal_summary_line_says_not_sure():
    from pathlib import Path

    from coach.cli import _summary_line

    unsure = report(GREETING, PROBLEM, utt("agent", 10.0, "Heb uw router opnieuw ingesteld.", prob=0.35))
    sure = report(GREETING, PROBLEM, SUMMARY, CONFIRM, utt("agent", 18.0, SOLUTION))
    assert "summary before solution: no (not sure)," in _summary_line(unsure, Path("out"))
    assert "summary before solution: yes," in _summary_line(sure, Path("out"))
