"""A recorded voice menu (IVR) at the start of a call is found and left out of the analysis (issue 15);
a person who greets with "welkom bij", or says menu-like words later in the call, is not a menu."""

from __future__ import annotations

import html
import json
import shutil
import subprocess

import numpy as np
import pytest
import soundfile as sf

from coach.analysis.lexicon import load_lexicon
from coach.conversation import Turn, Word
from coach.ivr import find_ivr, without_ivr
from coach.speakers import SpeakerTurns
from coach.transcribe import Transcript
from conftest import COACH, STEREO

SR = 16000
LEX = load_lexicon()
MENU = ("Welkom bij de klantenservice van Netcom. Dit gesprek kan worden opgenomen. Voor vragen over uw rekening, "
        "toets 1. Voor een storing, toets 2. Een ogenblik geduld alstublieft.")


def words(text: str, start: float, step: float = 0.3) -> tuple[Word, ...]:
    return tuple(Word(w, start + i * step, start + i * step + 0.25) for i, w in enumerate(text.split()))


# --- the logic, on hand-made words -------------------------------------------------------------

def test_menu_then_the_agent_in_one_stretch_is_cut_at_the_greeting():
    agent = words("Welkom bij Netcom. Voor een storing, toets 1. Goedemiddag, u spreekt met Sanne.", 0.5)
    hit = find_ivr({"left": agent, "right": words("Ja, hallo, met Pieter.", 6.0)}, LEX)
    assert hit is not None
    ivr, n = hit
    assert agent[n].text == "Goedemiddag," and ivr.start == 0.5 and ivr.end == agent[n - 1].end
    assert ivr.phrases == ("welkom bij", "toets 1")


def test_menu_ends_at_the_pause_after_its_last_phrase():
    agent = words("welkom bij netcom kies 1 voor storingen wij helpen u graag", 0.0) + words("zo meneer waar gaat het om", 8.0)
    ivr, n = find_ivr({"left": agent}, LEX)
    assert n == 11 and ivr.end == agent[10].end  # "graag" is still the menu; "zo" after 4.6 s of pause is not


def test_a_human_welkom_bij_greeting_is_not_a_menu():
    agent = words("Goedemorgen, welkom bij Netcom, u spreekt met Sanne. Waarmee kan ik u helpen?", 0.4)
    assert find_ivr({"left": agent, "right": words("Ja, goedemorgen.", 5.0)}, LEX) is None


def test_menu_words_after_the_customer_spoke_are_not_a_menu():
    customer = words("Hallo, mijn internet doet het niet.", 0.3)
    agent = words("Een ogenblik geduld alstublieft. U kunt ook op de website kijken, druk op storingen.", 3.0)
    assert find_ivr({"left": agent, "right": customer}, LEX) is None


def test_menu_late_in_a_first_stretch_is_not_a_start_menu():
    agent = words("goedemiddag " * 60 + "u kunt ook op de website kijken druk op de knop", 0.0)  # 18 s of talk first
    assert find_ivr({"left": agent}, LEX) is None


def test_one_long_phrase_is_enough_and_turns_are_cut_after_the_menu():
    left = words("dit gesprek kan worden opgenomen", 0.2) + words("goedemiddag u spreekt met Sanne", 3.0)
    right = words("ja hallo", 6.0)
    turns = SpeakerTurns(turns=(Turn("left", 0.1, 1.9), Turn("right", 0.5, 0.9), Turn("left", 2.9, 4.9),
                                Turn("right", 5.9, 6.8)), source="channels", speakers=("left", "right"))
    t2, tr2, ivr = without_ivr(turns, Transcript(words={"left": left, "right": right}), LEX)
    assert ivr is not None and ivr.end == pytest.approx(1.9)  # the VAD region ran past the last word (1.65)
    assert [w.text for w in tr2.words["left"]] == "goedemiddag u spreekt met Sanne".split()
    assert tr2.words["right"] == right
    assert t2.turns == (Turn("left", 2.9, 4.9), Turn("right", 5.9, 6.8))  # the right channel's echo went too
    assert t2.warnings == ('IVR menu detected at the start (0:00-0:02 on the left channel, saying '
                           '"dit gesprek kan worden opgenomen"): left out of talk time, dead air and turn-taking',)


def test_no_menu_leaves_everything_as_it_was():
    turns = SpeakerTurns(turns=(Turn("left", 0.0, 2.0),), source="channels", speakers=("left", "right"))
    tr = Transcript(words={"left": words("goedemiddag u spreekt met Sanne", 0.2)})
    assert without_ivr(turns, tr, LEX) == (turns, tr, None)


def test_a_team_lexicon_without_an_ivr_list_uses_the_packaged_one(tmp_path):
    own = tmp_path / "own.toml"
    own.write_text('[backchannel]\nphrases = ["ja"]\n')
    agent = words("welkom bij netcom press 1 for english", 0.0)
    assert find_ivr({"left": agent}, load_lexicon(str(own))) is not None


# --- the real pipeline, through the installed command ------------------------------------------

def espeak(text: str, voice: str, path) -> np.ndarray:
    if not shutil.which("espeak-ng"):
        pytest.skip("espeak-ng not installed")
    subprocess.run(["espeak-ng", "-v", voice, "-s", "175", "-w", str(path), text], check=True, capture_output=True)
    data, sr = sf.read(path, dtype="float32")
    assert sr == SR
    return 0.8 * data


@pytest.mark.models
def test_installed_analyze_leaves_an_ivr_menu_out(tmp_path):
    call, _ = sf.read(STEREO, dtype="float32")
    menu = np.concatenate([espeak(MENU, "mb-nl2", tmp_path / "menu.wav"), np.zeros(int(0.8 * SR), np.float32)])
    assert 9.5 < len(menu) / SR < 13
    d = tmp_path / "in"
    d.mkdir()
    sf.write(d / "ivr.flac", np.concatenate([np.stack([menu, np.zeros_like(menu)], 1), call]), SR)
    # near miss: at the end of the call the agent says menu-like words ("een ogenblik geduld", "op de website")
    late = espeak("Een ogenblik geduld alstublieft. U kunt ook op de website kijken.", "mb-nl3", tmp_path / "late.wav")
    sf.write(d / "late.flac", np.concatenate([call, np.stack([late, np.zeros_like(late)], 1)]), SR)
    shutil.copy(STEREO, d / "plain.flac")
    out = tmp_path / "out"
    r = subprocess.run([str(COACH), "analyze", d / "plain.flac", d / "ivr.flac", d / "late.flac", "--out", out,
                        "--quiet"], capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stderr
    for bad in ("Traceback", "Warning:", "RuntimeWarning", "UserWarning"):
        assert bad not in r.stderr, r.stderr
    plain, ivr, late_a = (json.loads((out / n / "analysis.json").read_text()) for n in ("plain", "ivr", "late"))
    shift = len(menu) / SR

    warning = [w for w in ivr["warnings"] if w.startswith("IVR menu detected at the start (0:00-")]
    assert len(warning) == 1 and "on the left channel" in warning[0] and "welkom bij" in warning[0], ivr["warnings"]
    assert f"warning: ivr: {warning[0]}" in r.stderr  # said on the terminal too
    assert html.escape(warning[0]) in (out / "ivr" / "report.html").read_text()
    # the menu is no talk, no turn, no utterance: what is left is the plain call, shifted
    assert min(t["start"] for t in ivr["turns"]) >= shift - 0.5
    assert ivr["utterances"][0]["start"] >= shift and "welkom" not in ivr["utterances"][0]["text"].lower()
    for role in ("agent", "customer"):
        assert abs(ivr["metrics"]["talk_s"][role] - plain["metrics"]["talk_s"][role]) < 1.0, role
        assert ivr["metrics"]["longest_monologue_s"][role] == pytest.approx(
            plain["metrics"]["longest_monologue_s"][role], abs=1.0)
    for role in ("agent", "customer"):  # VAD frames fall differently on the shifted audio: one region more or less
        assert abs(ivr["metrics"]["turns"][role] - plain["metrics"]["turns"][role]) <= 1, role
    assert all(e["start"] >= shift - 0.5 for e in ivr["events"])
    assert ivr["call"]["agent"] == "left"

    # the near miss: no warning, and the agent's late words stay in the analysis
    assert not any("IVR" in w for w in late_a["warnings"]), late_a["warnings"]
    assert "u kunt ook op de" in " ".join(u["text"] for u in late_a["utterances"] if u["role"] == "agent").lower()
    assert late_a["metrics"]["talk_s"]["agent"] > plain["metrics"]["talk_s"]["agent"] + 2.0


def test_menu_and_agent_in_one_speech_region_are_cut_at_the_agents_first_word():
    left = words("welkom bij netcom toets 1 voor storingen", 0.0) + words("goedemiddag u spreekt met Sanne", 3.0)
    turns = SpeakerTurns(turns=(Turn("SPEAKER_00", 0.0, 4.6),), source="diarization", speakers=("SPEAKER_00",))
    t2, tr2, ivr = without_ivr(turns, Transcript(words={"SPEAKER_00": left}), LEX)
    assert ivr.end == 3.0 and t2.turns == (Turn("SPEAKER_00", 3.0, 4.6),)
    assert tr2.words["SPEAKER_00"][0].text == "goedemiddag"
    assert t2.warnings[0].startswith("IVR menu detected at the start (0:00-0:03, saying \"welkom bij\", \"toets 1\")")
