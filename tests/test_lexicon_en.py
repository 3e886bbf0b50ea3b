"""The English lexicon (coach/lexicons/en.toml) with the analysis' rules on hand-built English calls:
a summary before a solution, open and closed questions, empathy, door-closing versus option-opening,
the closing check, each with a near miss that must not match; and the warning when a call's language
has no lexicon. No audio, no models."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from coach.analysis.clauses import solution_match
from coach.analysis.language import agreements_and_closing, empathy, questions, service_language
from coach.analysis.lexicon import LEXICON_DIR, analysis_lexicon, load_lexicon, missing_lexicon_warning
from coach.analysis.phases import summary_and_solution
from coach.analysis.sentences import utterance_sentences
from coach.config import AnalysisOptions
from coach.conversation import Conversation, Utterance
from conftest import COACH
from test_analysis_phases import conv, utt

EN = load_lexicon("", "en")
NL = load_lexicon("", "nl")
OPTS = AnalysisOptions()


def call(*utterances: Utterance, duration: float = 60.0) -> Conversation:
    return conv(*utterances, duration=duration)


def types(found, etype: str) -> list:
    return [e for e in found.events if e.type == etype]


def rule(text: str, purpose: str = "problem") -> str | None:
    (s,) = utterance_sentences(utt("agent", 0.0, text))
    m = solution_match(s.toks, s.clauses, EN, purpose)
    return m.rule if m else None


def test_english_lexicon_has_every_list_of_the_dutch_one():
    assert EN.name == "en"
    assert set(EN.lists) == set(NL.lists)
    assert all(EN.get(name) for name in NL.lists), [n for n in NL.lists if not EN.get(n)]


# --- summary before solution -------------------------------------------------------------------

PROBLEM = "Hi, my internet has been down since Monday and nothing works."


def test_summary_then_solution_in_order():
    c = call(utt("agent", 0, "Good morning, you're speaking with Anna, how can I help you?"),
             utt("customer", 4, PROBLEM),
             utt("agent", 9, "So if I understand correctly, your internet has been down since Monday, is that right?"),
             utt("customer", 15, "Yes, that's right."),
             utt("agent", 18, "I'll send a technician tomorrow."))
    found = summary_and_solution(c, OPTS, EN)
    (summary,) = types(found, "summary")
    (solution,) = types(found, "solution")
    assert summary.start < solution.start
    assert "understand correctly" in summary.text.lower()
    assert solution.text.startswith("I'll send")
    assert found.metrics["summary_before_solution"] is True
    assert types(found, "confirmation")


def test_solution_before_any_summary_is_a_fact_about_order():
    c = call(utt("agent", 0, "Good morning, how can I help you?"),
             utt("customer", 4, PROBLEM),
             utt("agent", 9, "I'll send a technician tomorrow."),
             utt("agent", 13, "Is there anything else?"))
    found = summary_and_solution(c, OPTS, EN)
    assert not types(found, "summary")
    assert len(types(found, "solution")) == 1
    assert found.metrics["summary_before_solution"] is False


def test_the_same_call_read_with_dutch_lists_finds_no_english_summary():
    c = call(utt("agent", 0, "Good morning, how can I help you?"), utt("customer", 4, PROBLEM),
             utt("agent", 9, "So if I understand correctly, your internet has been down since Monday, is that right?"),
             utt("agent", 18, "I'll send a technician tomorrow."))
    found = summary_and_solution(c, OPTS, NL)
    assert not types(found, "summary") and not types(found, "solution")


@pytest.mark.parametrize("text,expected", [
    ("I'll send a technician tomorrow.", "future"),
    ("We will refund the full amount.", "future"),
    ("I'm going to arrange a replacement router.", "future"),
    ("I can rebook you on the next flight.", "future"),
    ("I have blocked your card.", "done"),
    ("I've gone ahead and cancelled the order.", "done"),
    ("I sent you a new password this morning.", "commit"),
    ("You'll receive a new card from us within five days.", "receive"),
    ("What I can do is offer you a discount.", "offer"),
    ("An engineer will come out on Friday.", "visit"),
    # near misses: looking, waiting, saying no, a procedure, a question
    ("I'll just check that for you.", None),
    ("I can see that here.", None),
    ("Let me put you on hold for a moment.", None),
    ("I can't change that.", None),
    ("You'll receive a text message when it ships.", None),
    ("I'm calling about your order.", None),
])
def test_english_solution_shapes(text, expected):
    assert rule(text) == expected


def test_information_call_takes_we_for_a_procedure():
    assert rule("We will send a letter after that.", "information") is None
    assert rule("I will send you the form.", "information") == "future"


def test_summary_needs_the_customers_words_or_a_cue():
    # a tag question on a sentence that shares nothing with the customer: no summary
    c = call(utt("agent", 0, "Good morning, how can I help you?"), utt("customer", 4, PROBLEM),
             utt("agent", 9, "Your account number is 1234, is that right?"),
             utt("customer", 14, "Yes."))
    assert not types(summary_and_solution(c, OPTS, EN), "summary")


# --- questions ---------------------------------------------------------------------------------

def test_open_and_closed_questions():
    c = call(utt("agent", 0, "What exactly happened? Have you restarted the router? Can you tell me when it started?"),
             utt("agent", 10, "Okay, and how long has this been going on?"))
    kinds = [e.kind for e in types(questions(c, OPTS, EN), "question")]
    assert kinds == ["open", "closed", "open", "open"]


def test_exclamations_and_what_i_clauses_are_no_questions():
    c = call(utt("agent", 0, "What a mess. What I can do is send a new one."))
    assert not types(questions(c, OPTS, EN), "question")


# --- empathy -----------------------------------------------------------------------------------

def test_empathy_phrase_and_class():
    c = call(utt("customer", 0, "My card was stolen yesterday."),
             utt("agent", 3, "Oh, I'm sorry to hear that."),
             utt("agent", 8, "That must be really stressful."))
    found = types(empathy(c, OPTS, EN), "empathy")
    assert len(found) == 2


def test_sorry_for_a_wait_or_a_mishearing_is_no_empathy():
    c = call(utt("agent", 0, "Sorry, could you repeat your postcode?"),
             utt("agent", 5, "That's not stressful at all."))
    assert not types(empathy(c, OPTS, EN), "empathy")


# --- door-closing versus option-opening ---------------------------------------------------------

def test_door_closing_and_option_opening():
    c = call(utt("agent", 0, "I'm afraid there's nothing I can do about the fee."),
             utt("agent", 6, "But what I can do is waive next month's charge."))
    found = service_language(c, OPTS, EN)
    assert [e.type for e in found.events] == ["door_closing", "option_opening"]


def test_something_i_can_do_is_not_door_closing():
    c = call(utt("agent", 0, "There's something I can do about the fee."),
             utt("agent", 5, "I can see the charge here."))
    found = service_language(c, OPTS, EN)
    assert found.metrics["service_language"] == {"door_closing": 0, "option_opening": 0}


# --- closing check -----------------------------------------------------------------------------

def test_closing_check_at_the_end():
    c = call(utt("agent", 0, "How can I help you?"),
             utt("agent", 100, "Is there anything else I can help you with today?"), duration=110.0)
    assert agreements_and_closing(c, OPTS, EN).metrics["closing_check"] is True


def test_closing_check_by_class_and_its_near_miss():
    by_class = call(utt("agent", 100, "Do you have any other questions?"), duration=110.0)
    assert agreements_and_closing(by_class, OPTS, EN).metrics["closing_check"] is True
    # the same words early in the call, and a question about something else at the end: no check
    early = call(utt("agent", 5, "Is there anything else I can help you with?"), duration=200.0)
    assert agreements_and_closing(early, OPTS, EN).metrics["closing_check"] is False
    other = call(utt("agent", 100, "Did you try another cable?"), duration=110.0)
    assert agreements_and_closing(other, OPTS, EN).metrics["closing_check"] is False


def test_agreement_with_when():
    c = call(utt("agent", 0, "I'll send you the form by email today."))
    (a,) = types(agreements_and_closing(c, OPTS, EN), "agreement")
    assert a.has_when


# --- a language without a lexicon ---------------------------------------------------------------

def test_missing_lexicon_warning():
    assert not (LEXICON_DIR / "de.toml").exists()
    w = missing_lexicon_warning("", "de")
    assert w == GERMAN_WARNING
    assert missing_lexicon_warning("", "en") is None
    assert missing_lexicon_warning("", "nl") is None
    assert missing_lexicon_warning("my_team.toml", "de") is None  # a team's own file: their choice
    # the Dutch lists are never run over another language: the analysis gets no lists at all
    assert analysis_lexicon("", "de").lists == {} and analysis_lexicon("", "en").name == "en"
    assert analysis_lexicon("", "nl").get("summary")


GERMAN_WARNING = ("no lexicon for language 'de': no language-based observations (summary, solution, "
                  "questions, empathy, service language, closing check); timing only")


def _espeak_call(lines: list[tuple[str, str, str]], tmp_path: Path) -> Path:
    """A stereo call (agent left, customer right) spoken by espeak-ng: (side, voice, text) in turn."""
    import soundfile as sf

    if not shutil.which("espeak-ng"):
        pytest.skip("espeak-ng not installed")
    left: list[np.ndarray] = []
    right: list[np.ndarray] = []
    for n, (side, voice, text) in enumerate(lines):
        wav = tmp_path / f"line{n}.wav"
        subprocess.run(["espeak-ng", "-v", voice, "-s", "160", "-w", str(wav), text], check=True,
                       capture_output=True)
        data, sr = sf.read(wav, dtype="float32")
        data = np.concatenate([0.8 * data, np.zeros(int(0.7 * sr), np.float32)])
        (left if side == "agent" else right).append(data)
        (right if side == "agent" else left).append(np.zeros_like(data))
    path = tmp_path / "in" / f"{lines[0][1]}.flac"
    path.parent.mkdir(exist_ok=True)
    sf.write(path, np.stack([np.concatenate(left), np.concatenate(right)], 1), sr)
    return path


@pytest.mark.models
def test_installed_analyze_warns_for_german_not_for_english(tmp_path):
    german = _espeak_call([
        ("agent", "de", "Guten Tag, Sie sprechen mit Anna vom Kundenservice. Wie kann ich Ihnen helfen?"),
        ("customer", "de", "Mein Internet funktioniert seit Montag nicht mehr."),
        ("agent", "de", "Das tut mir leid. Ich schicke Ihnen morgen einen Techniker."),
    ], tmp_path)
    english = _espeak_call([
        ("agent", "en-gb", "Good morning, you're speaking with Anna from customer service, how can I help you?"),
        ("customer", "en-us", "Hi, my internet has been down since Monday and nothing works."),
        ("agent", "en-gb", "So if I understand correctly, your internet has been down since Monday, is that right?"),
        ("customer", "en-us", "Yes, that's right."),
        ("agent", "en-gb", "I'll send a technician tomorrow morning."),
    ], tmp_path)
    out = tmp_path / "out"
    runs = {}
    for path, lang in ((german, "de"), (english, "en")):
        r = subprocess.run([str(COACH), "analyze", path, "--language", lang, "--agent-channel", "left",
                            "--out", out / lang, "--quiet"], capture_output=True, text=True, timeout=900)
        assert r.returncode == 0, r.stderr
        assert "Traceback" not in r.stderr, r.stderr
        runs[lang] = json.loads(next((out / lang).rglob("analysis.json")).read_text())
    de, en = runs["de"], runs["en"]
    assert de["warnings"].count(GERMAN_WARNING) == 1, de["warnings"]
    language_based = {"summary", "solution", "question", "empathy", "door_closing", "option_opening",
                      "closing_check", "agreement", "confirmation"}
    assert not [e for e in de["events"] if e["type"] in language_based], de["events"]
    assert not [w for w in en["warnings"] if w.startswith("no lexicon")], en["warnings"]
    types = [e["type"] for e in en["events"]]
    assert "summary" in types and "solution" in types, en["events"]
    assert types.index("summary") < types.index("solution")
