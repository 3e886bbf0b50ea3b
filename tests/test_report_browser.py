"""The HTML report and the session page in a real headless Chromium (Debian's, driven by Playwright).

Checks: no console errors, the timeline is drawn, the <script> probe in the transcript is inert,
clicking a moment moves the audio's current time to it, the session page keeps the agent's goal.
Screenshots land in tests/artifacts/. Without Chromium these tests skip, unless
COACH_REQUIRE_BROWSER=1 (set by .ci/run), where they fail.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from coach.report import RenderOptions, render_all
from coach.report.model import CallReport
from coach.report.session import render_session
from conftest import ROOT

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
FIXTURE = Path(__file__).resolve().parent / "data" / "golden" / "report_fixture.json"

if not Path(CHROMIUM).exists() and not os.environ.get("COACH_REQUIRE_BROWSER"):
    pytest.skip("Chromium not installed (apt-get install chromium)", allow_module_level=True)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--autoplay-policy=no-user-gesture-required"])
        yield b
        b.close()


@pytest.fixture
def report() -> CallReport:
    data = json.loads(FIXTURE.read_text(encoding="utf-8"))
    data["call"]["source"] = str(ROOT / data["call"]["source"])
    return CallReport.from_dict(data)


def _open(browser, path: Path):
    page = browser.new_page(viewport={"width": 1100, "height": 900})
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    return page, errors


def test_report_in_chromium(browser, report, tmp_path):
    call_dir = tmp_path / "call"
    render_all(report, call_dir, RenderOptions(embed_audio=True))  # redacted: the audio is embedded, with silences
    page, errors = _open(browser, call_dir / "report.html")
    assert page.locator("#timeline svg rect.speech").count() >= 10  # the timeline is drawn
    assert page.locator("#timeline svg .interruption").count() == 2
    assert page.evaluate("window.__pwned") is None  # the probe did not run...
    assert "<script>window.__pwned=1</script>" in page.inner_text("#transcript")  # ...it shows as text
    page.wait_for_function("document.getElementById('audio').readyState >= 1", timeout=10000)
    moments = page.locator("#moments .moment button.play")
    assert moments.count() >= 3
    last = moments.nth(moments.count() - 1)
    target = float(last.get_attribute("data-start"))
    assert target > 5
    last.click()
    page.wait_for_function(f"Math.abs(document.getElementById('audio').currentTime - {target}) < 1.0", timeout=5000)
    # the timeline seeks too
    page.locator("#timeline svg").click(position={"x": 10, "y": 5})
    page.wait_for_function("document.getElementById('audio').currentTime < 3", timeout=5000)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "report.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})  # a phone
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    page.screenshot(path=str(ARTIFACTS / "report-phone.png"))
    assert errors == []


def test_session_page_in_chromium(browser, report, tmp_path):
    out = tmp_path / "session.html"
    out.write_text(render_session([report, report], out, link_original=True), encoding="utf-8")
    page, errors = _open(browser, out)
    assert page.locator(".trend svg").count() >= 5
    page.fill("#goal", "Eerst samenvatten, dan oplossen.")
    page.reload()
    page.wait_for_load_state("load")
    assert page.input_value("#goal") == "Eerst samenvatten, dan oplossen."
    page.wait_for_function("document.getElementById('audio1').readyState >= 0")
    button = page.locator("#call1 button.play").last
    target = float(button.get_attribute("data-start"))
    button.click()
    page.wait_for_function(f"Math.abs(document.getElementById('audio1').currentTime - {target}) < 1.0", timeout=10000)
    assert page.evaluate("window.__pwned") is None
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "session.png"), full_page=True)
    assert errors == []
