"""Who is the agent: configured channel, greeting phrases, first speaker. Pure logic."""

from __future__ import annotations

from coach.config import RoleOptions
from coach.conversation import Turn, Word
from coach.speakers import SpeakerTurns
from coach.speakers.roles import assign_roles, greeting_scores


def words(text, start):
    return tuple(Word(t, start + i * 0.3, start + i * 0.3 + 0.25) for i, t in enumerate(text.split()))


def turns(source, speakers, spans):
    return SpeakerTurns(turns=tuple(Turn(*s) for s in spans), source=source, speakers=speakers)


def test_greeting_scores_count_phrases_in_the_opening():
    w = {"A": words("Goedemiddag, u spreekt met Sanne. Waarmee kan ik u helpen?", 0.5),
         "B": words("Hallo, ik bel over mijn factuur", 5.0),
         "C": words("u spreekt met", 45.0)}  # after the opening window
    assert greeting_scores(w, RoleOptions()) == {"A": 2, "B": 0, "C": 0}


def test_configured_channel_wins_but_warns_when_greeting_disagrees():
    t = turns("channels", ("left", "right"), [("right", 0.5, 3.0), ("left", 3.5, 6.0)])
    w = {"right": words("Goedemiddag, u spreekt met Sanne", 0.5), "left": words("Hallo met Piet", 3.5)}
    roles = assign_roles(t, w, RoleOptions(agent_channel="left"))
    assert roles.mapping == {"left": "agent", "right": "customer"}
    assert roles.warnings and "--agent-channel right" in roles.warnings[0]
    auto = assign_roles(t, w, RoleOptions(agent_channel="auto"))
    assert auto.mapping == {"left": "customer", "right": "agent"} and not auto.warnings


def test_auto_without_greeting_takes_the_first_speaker():
    t = turns("diarization", ("SPEAKER_00", "SPEAKER_01"), [("SPEAKER_01", 0.4, 2.0), ("SPEAKER_00", 2.5, 5.0)])
    w = {"SPEAKER_00": words("ja hallo", 2.5), "SPEAKER_01": words("goedemorgen", 0.4)}
    roles = assign_roles(t, w, RoleOptions(agent_channel="left"))  # mono: configured channel does not apply
    assert roles.agent == "SPEAKER_01"
    assert "spoke first" in roles.method and roles.warnings


def test_mono_greeting_beats_first_speaker():
    t = turns("diarization", ("SPEAKER_00", "SPEAKER_01"), [("SPEAKER_00", 0.2, 1.0), ("SPEAKER_01", 1.5, 5.0)])
    w = {"SPEAKER_00": words("hallo?", 0.2), "SPEAKER_01": words("Goedemiddag, waarmee kan ik u helpen?", 1.5)}
    assert assign_roles(t, w, RoleOptions()).agent == "SPEAKER_01"
