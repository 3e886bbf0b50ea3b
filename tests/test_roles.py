"""Who is the agent: role cues, their combination into a confidence, and the configured channel.
Pure logic on hand-built word lists (the real-pipeline check is in test_pipeline.py / test_roles_pipeline.py)."""

from __future__ import annotations

import pytest

from coach.config import RoleOptions
from coach.conversation import Turn, Word
from coach.speakers import SpeakerTurns
from coach.speakers.roles import assign_roles, cue_scores, greeting_scores

A, B = "SPEAKER_00", "SPEAKER_01"


def words(text, start):
    return tuple(Word(t, start + i * 0.3, start + i * 0.3 + 0.25) for i, t in enumerate(text.split()))


def turns(source, speakers, spans):
    return SpeakerTurns(turns=tuple(Turn(*s) for s in spans), source=source, speakers=speakers)


def call(first_text, second_text, first=A, second=B, source="diarization", later=()):
    """Two speakers: ``first`` says ``first_text`` at 0.3 s, ``second`` says ``second_text`` after it;
    ``later``: more (speaker, text) lines after those."""
    w1 = words(first_text, 0.3)
    t2 = w1[-1].end + 0.5
    w2 = words(second_text, t2)
    w = {first: w1, second: w2}
    spans = [(first, w1[0].start, w1[-1].end), (second, w2[0].start, w2[-1].end)]
    t = w2[-1].end + 0.5
    for spk, text in later:
        extra = words(text, t)
        w[spk] = w[spk] + extra
        spans.append((spk, extra[0].start, extra[-1].end))
        t = extra[-1].end + 0.5
    return turns(source, (A, B) if source == "diarization" else ("left", "right"), spans), w


def cues_of(roles, speaker):
    return {c["cue"] for c in roles.cues if c["speaker"] == speaker}


# --- each cue on its own -------------------------------------------------------------------------------------

def test_service_question_makes_the_agent_even_when_the_customer_speaks_first():
    t, w = call("Goedemorgen, ik wil graag een afspraak verzetten.", "Goedemorgen. Waarmee kan ik u helpen?")
    r = assign_roles(t, w, RoleOptions())
    assert r.agent == B and "service_question" in cues_of(r, B) and "customer_request" in cues_of(r, A)
    assert r.confidence >= 0.9 and not r.warnings


def test_service_question_garbled_by_asr_still_counts():
    # Whisper on 8 kHz: "Waar kan ik jullie helpen?" for "Waar kan ik u mee helpen?"
    t, w = call("Goedemorgen, tel nog aan. Waar kan ik jullie helpen?", "Goedemorgen, ik heb een vraag.")
    assert "service_question" in cues_of(assign_roles(t, w, RoleOptions()), A)


def test_customer_asking_for_help_is_no_service_question():
    t, w = call("Goedemiddag.", "Hallo, kunt u mij helpen? Mijn pas doet het niet.")
    r = assign_roles(t, w, RoleOptions())
    assert "service_question" not in cues_of(r, B) and "customer_request" in cues_of(r, B)
    assert r.agent == A


def test_introduction_with_an_organisation():
    t, w = call("Hallo, met Kevin Brouwer.", "Goedenavond, met Ilse van de bank.")
    r = assign_roles(t, w, RoleOptions())
    assert "org_intro" in cues_of(r, B) and "org_intro" not in cues_of(r, A)
    assert r.agent == B


def test_a_surname_with_van_der_is_no_organisation():
    scores, found = cue_scores(*call("Ja, hallo, met Ria van der Veen.", "Goedemiddag."), RoleOptions())
    assert not [c for c in found if c["cue"] == "org_intro"]


def test_asking_for_details_and_commitments_point_to_the_agent():
    t, w = call("Goedemiddag.", "Goedemiddag.",
                later=[(A, "Mag ik uw postcode en uw geboortedatum?"), (B, "Ja, mijn postcode is 1234 AB."),
                       (A, "Ik stuur u vandaag een nieuwe pas, u krijgt hem morgen.")])
    r = assign_roles(t, w, RoleOptions())
    assert {"details_request", "commitment", "address_words"} <= cues_of(r, A)
    assert "details_request" not in cues_of(r, B)  # "mijn postcode" is no request
    assert r.agent == A


def test_outbound_call_customer_answers_with_hallo():
    # the agent calls; the person called says "Hallo?" first: answering is no sign of the agent
    t, w = call("Hallo?", "Goedemiddag, u spreekt met Sanne, ik bel u namens de Energiegroep over uw contract.")
    r = assign_roles(t, w, RoleOptions())
    assert r.agent == B and "outbound_intro" in cues_of(r, B) and "phone_answer" in cues_of(r, A)
    assert "spoke_first" not in cues_of(r, A) and r.confidence >= 0.9


def test_outbound_call_customer_answers_with_their_name_met_jansen():
    # near miss: "met Jansen" is a self-introduction, but without organisation and as a bare answer
    t, w = call("Met Jansen.", "Goedemiddag meneer Jansen, ik bel u namens uw bank.")
    r = assign_roles(t, w, RoleOptions())
    assert r.agent == B
    assert "org_intro" not in cues_of(r, A) and "phone_answer" in cues_of(r, A)


def test_an_agent_answering_with_the_company_is_no_bare_answer():
    t, w = call("Telnova, met Noor.", "Hallo, ik heb een vraag over mijn rekening.")
    r = assign_roles(t, w, RoleOptions())
    assert "phone_answer" not in cues_of(r, A) and r.agent == A


def test_english_cues():
    t, w = call("Hello?", "Hi, this is Anna from Acme Energy, I'm calling about your contract.")
    r = assign_roles(t, w, RoleOptions(), language="en")
    assert r.agent == B and {"outbound_intro", "org_intro"} <= cues_of(r, B)
    t, w = call("Thank you for calling Acme, how can I help you?", "Hi, I'm calling about my bill.")
    r = assign_roles(t, w, RoleOptions(), language="en")
    assert r.agent == A and "customer_request" in cues_of(r, B) and r.confidence >= 0.9


def test_misheard_cue_is_found_with_fuzzy_matching():
    t, w = call("Goedemiddag.", "Hallo.", later=[(B, "Waarmee kan ik u helpfn?")])
    r = assign_roles(t, w, RoleOptions())
    assert "service_question" in cues_of(r, B)
    assert "service_question" not in cues_of(assign_roles(t, w, RoleOptions(fuzzy_match=1.0)), B)


# --- combination, confidence, settings ------------------------------------------------------------------------

def test_no_cue_but_who_spoke_first_gives_a_low_confidence_warning():
    t = turns("diarization", (A, B), [(B, 0.4, 2.0), (A, 2.5, 5.0)])
    w = {A: words("ja goed", 2.5), B: words("nou, goedemorgen dan", 0.4)}
    r = assign_roles(t, w, RoleOptions(agent_channel="left"))  # mono: configured channel does not apply
    assert r.agent == B and [c["cue"] for c in r.cues] == ["spoke_first"]
    assert 0.5 < r.confidence < 0.8
    assert r.warnings and "uncertain" in r.warnings[0] and "swapped" in r.warnings[0]


def test_confidence_is_the_logistic_of_the_score_difference():
    t, w = call("Goedemiddag, waarmee kan ik u helpen?", "Hallo.")
    r = assign_roles(t, w, RoleOptions())
    import math

    d = r.scores[A] - r.scores[B]
    assert r.confidence == pytest.approx(1 / (1 + math.exp(-d)), abs=1e-3)


def test_configured_channel_wins_but_warns_when_the_cues_disagree():
    t, w = call("Goedemiddag, u spreekt met Sanne van de klantenservice, waarmee kan ik u helpen?",
                "Hallo, met Piet, ik bel over mijn factuur.", first="right", second="left", source="channels")
    roles = assign_roles(t, w, RoleOptions(agent_channel="left"))
    assert roles.mapping == {"left": "agent", "right": "customer"} and roles.confidence == 1.0
    assert roles.warnings and "--agent-channel right" in roles.warnings[0]
    auto = assign_roles(t, w, RoleOptions(agent_channel="auto"))
    assert auto.mapping == {"left": "customer", "right": "agent"} and not auto.warnings


def test_user_greetings_still_count_as_a_self_introduction():
    w = {"A": words("Goedendag, hier de gemeente", 0.5), "B": words("Goedendag", 45.0)}
    assert greeting_scores(w, RoleOptions(greetings=("goedendag",))) == {"A": 1, "B": 0}


def test_three_clusters_one_agent():
    t = turns("diarization", (A, B, "SPEAKER_02"), [(A, 0.3, 3.0), (B, 3.5, 6.0), ("SPEAKER_02", 6.5, 7.0)])
    w = {A: words("Goedemiddag, waarmee kan ik u helpen?", 0.3), B: words("Ik bel over mijn factuur", 3.5),
         "SPEAKER_02": ()}
    r = assign_roles(t, w, RoleOptions())
    assert r.mapping == {A: "agent", B: "customer", "SPEAKER_02": "customer"}


def test_a_team_lexicon_without_role_lists_uses_the_packaged_ones_and_its_own_where_given():
    from coach.analysis.lexicon import Lexicon

    t, w = call("Goedemiddag, gemeente Utrecht, vertel het maar.", "Hallo, ik bel over mijn paspoort.")
    team = Lexicon("team", {"backchannel": ("ja",)})  # a team's own file with no [role_*] lists
    r = assign_roles(t, w, RoleOptions(), lexicon=team)
    assert "customer_request" in cues_of(r, B) and "service_question" not in cues_of(r, A)
    own = Lexicon("team", {"role_service_question": ("vertel het maar",)})
    r = assign_roles(t, w, RoleOptions(), lexicon=own)
    assert "service_question" in cues_of(r, A) and r.agent == A


def test_stereo_auto_without_cues_warns_and_names_the_setting():
    t = turns("channels", ("left", "right"), [("left", 0.4, 2.0), ("right", 2.5, 5.0)])
    w = {"left": words("nou goedemorgen dan", 0.4), "right": words("ja goed", 2.5)}
    r = assign_roles(t, w, RoleOptions(agent_channel="auto"))
    assert r.confidence < 0.8 and "--agent-channel" in r.warnings[0]


def test_voices_that_could_not_be_told_apart_give_no_confident_label():
    # the cues are clear, but the diarization could not tell the two voices apart: the label is not sure
    from dataclasses import replace

    st, w = call("Goedemorgen, u spreekt met Noor van Telnova. Waarmee kan ik u helpen?",
                 "Hallo, ik bel over mijn rekening.")
    sure = assign_roles(st, w, RoleOptions())
    assert sure.agent == A and sure.confidence >= RoleOptions().min_confidence and sure.warnings == ()
    alike = replace(st, separation={"reliable": False, "reasons": ["the two voices are alike"]})
    unsure = assign_roles(alike, w, RoleOptions())
    assert unsure.agent == A and unsure.confidence == sure.confidence  # the cues' own figure is kept
    (warning,) = unsure.warnings
    assert "could not be told apart" in warning and "may be swapped" in warning
    reliable = replace(st, separation={"reliable": True, "reasons": []})
    assert assign_roles(reliable, w, RoleOptions()).warnings == ()
