"""Back-channels, overlaps and interruptions on hand-written calls (no audio, no models)."""

from __future__ import annotations

import pytest

from coach.analysis.events import Event
from coach.analysis.lexicon import load_lexicon
from coach.analysis.overlaps import classify_backchannel, contributions, overlaps_and_backchannels, pitch_fall
from coach.config import AnalysisOptions
from coach.conversation import Conversation, Turn, Utterance, VoiceTrack, Word

LEX = load_lexicon()
OPTS = AnalysisOptions()


def said(role: str, start: float, end: float, text: str, prob: float = 0.9) -> Utterance:
    """``text`` spoken evenly from ``start`` to ``end`` (a 20 ms pause after each word)."""
    toks = text.split()
    step = (end - start) / len(toks)
    return Utterance.from_words(role, [Word(w, start + i * step, start + (i + 1) * step - 0.02, prob)
                                       for i, w in enumerate(toks)])


def conv(turns, utterances=(), duration: float = 60.0, source: str = "channels") -> Conversation:
    return Conversation(utterances=tuple(sorted(utterances, key=lambda u: u.start)), duration=duration,
                        speaker_source=source, roles={"left": "agent", "right": "customer"},
                        turns=tuple(sorted((Turn(*t) for t in turns), key=lambda t: t.start)))


def of_type(found, etype: str) -> list[Event]:
    return [e for e in found.events if e.type == etype]


def analyse(c: Conversation, opts: AnalysisOptions = OPTS):
    return overlaps_and_backchannels(c, opts, LEX)


CUSTOMER_1 = "Ik bel omdat mijn internet sinds maandag steeds wegvalt"
CUSTOMER_2 = "en ik heb de router al twee keer opnieuw opgestart maar het helpt niets"


def agent_in_customer_pause(agent_turn: tuple, agent_text: str | None, question: bool = False) -> Conversation:
    """The customer speaks 0-4 s and 4.8-10 s; the agent says ``agent_text`` (or nothing ASR heard) in ``agent_turn``."""
    first = CUSTOMER_1 + ("?" if question else ",")
    utts = [said("customer", 0.0, 4.0, first), said("customer", 4.8, 10.0, CUSTOMER_2)]
    if agent_text:
        utts.append(said("agent", agent_turn[1], agent_turn[2], agent_text))
    return conv([("customer", 0.0, 4.0), ("customer", 4.8, 10.0), agent_turn], utts)


# --- back-channels -------------------------------------------------------------------------------------------


def test_short_ja_in_a_pause_is_a_backchannel_not_an_interruption():
    found = analyse(agent_in_customer_pause(("agent", 4.2, 4.5), "Ja."))
    (bc,) = of_type(found, "backchannel")
    assert (bc.by, bc.start, bc.end, bc.text) == ("agent", 4.2, 4.5, "Ja.")
    assert bc.basis == "timing+words"
    assert bc.overlapping is False
    assert of_type(found, "interruption") == []
    assert of_type(found, "overlap") == []  # it sits in the pause: no overlap at all
    m = found.metrics
    assert m["interruptions"]["by_agent"] == 0 and m["interruptions"]["by_customer"] == 0
    assert m["backchannels"]["agent"] == 1 and m["backchannels"]["customer"] == 0


@pytest.mark.parametrize("agent_start,customer_goes_on", [
    (4.2, None),  # the customer does not go on: the "Ja." took the turn (the agent goes on 1.5 s later)
    (4.2, 6.0),  # the customer goes on only 1.5 s after the "Ja." (more than backchannel_gap_s)
    (5.5, 6.5),  # the "Ja." comes 1.5 s after the customer stopped: not right after their speech
])
def test_ja_that_is_not_placed_in_the_customers_speech_is_no_backchannel(agent_start, customer_goes_on):
    agent_end = agent_start + 0.3
    turns = [("customer", 0.0, 4.0), ("agent", agent_start, agent_end)]
    utts = [said("customer", 0.0, 4.0, CUSTOMER_1 + "."), said("agent", agent_start, agent_end, "Ja.")]
    if customer_goes_on is None:
        turns.append(("agent", agent_end + 1.5, agent_end + 4.5))
        utts.append(said("agent", agent_end + 1.5, agent_end + 4.5, "Dan ga ik even in uw gegevens kijken."))
    else:
        turns.append(("customer", customer_goes_on, customer_goes_on + 5.0))
        utts.append(said("customer", customer_goes_on, customer_goes_on + 5.0, CUSTOMER_2 + "."))
    found = analyse(conv(turns, utts))
    assert of_type(found, "backchannel") == []
    assert found.metrics["backchannels"]["agent"] == 0


def test_ja_right_after_the_customer_stopped_who_goes_on_is_a_backchannel():
    c = conv([("customer", 0.0, 4.0), ("agent", 4.8, 5.1), ("customer", 5.9, 10.0)],
             [said("customer", 0.0, 4.0, CUSTOMER_1 + "."), said("agent", 4.8, 5.1, "Ja."),
              said("customer", 5.9, 10.0, CUSTOMER_2 + ".")])  # 0.8 s either side: within backchannel_gap_s
    (bc,) = of_type(analyse(c), "backchannel")
    assert bc.start == 4.8


def test_backchannel_overlapping_speech_is_not_an_interruption():
    c = conv([("customer", 0.0, 10.0), ("agent", 4.0, 4.4)],
             [said("customer", 0.0, 10.0, CUSTOMER_1 + " " + CUSTOMER_2), said("agent", 4.0, 4.4, "Hm-hm.")])
    found = analyse(c)
    (bc,) = of_type(found, "backchannel")
    assert bc.by == "agent" and bc.overlapping is True
    (ov,) = of_type(found, "overlap")
    assert ov.kind == "backchannel" and ov.by == "agent"
    assert ov.overlap_s == pytest.approx(0.4)
    assert of_type(found, "interruption") == []
    assert found.metrics["interruptions"]["by_agent"] == 0


@pytest.mark.parametrize("text", ["Ik hoog het.", "Heim heim.", "Em hem."])
def test_misheard_cue_words_are_still_a_backchannel(text):
    # 1.3 s is longer than backchannel_max_s (1.0): only the cue words make it a back-channel
    found = analyse(agent_in_customer_pause(("agent", 4.1, 5.4), text))
    (bc,) = of_type(found, "backchannel")
    assert bc.basis == "timing+words"
    assert bc.text == text
    assert 0.7 < bc.confidence <= 1.0
    assert of_type(found, "interruption") == []


def test_same_length_without_cue_words_is_no_backchannel():
    found = analyse(agent_in_customer_pause(("agent", 4.1, 5.4), "Ik bel morgen."))
    assert of_type(found, "backchannel") == []


def test_speech_without_words_is_a_backchannel_by_timing():
    found = analyse(agent_in_customer_pause(("agent", 4.2, 4.6), None))  # ASR dropped the "hm"
    (bc,) = of_type(found, "backchannel")
    assert (bc.basis, bc.text, bc.confidence) == ("timing", "", 0.6)
    assert found.metrics["backchannels"]["from_timing_only"] == 1


def test_very_short_speech_without_words_is_noise():
    found = analyse(agent_in_customer_pause(("agent", 4.2, 4.35), None))  # 0.15 s < MIN_TIMING_ONLY_S
    assert of_type(found, "backchannel") == []
    assert found.metrics["backchannels"]["agent"] == 0
    assert found.metrics["backchannels"]["from_timing_only"] == 0


@pytest.mark.parametrize("question,is_backchannel", [(True, False), (False, True)])
def test_short_answer_to_a_question_is_no_backchannel(question, is_backchannel):
    c = conv([("customer", 0.0, 3.0), ("agent", 3.3, 3.9), ("customer", 4.5, 8.0)],
             [said("customer", 0.0, 3.0, "Dus de monteur komt morgen, klopt dat" + ("?" if question else ".")),
              said("agent", 3.3, 3.9, "Ja, klopt."),
              said("customer", 4.5, 8.0, "Fijn, dan blijf ik morgen thuis.")])
    found = analyse(c)
    assert [e.text for e in of_type(found, "backchannel")] == (["Ja, klopt."] if is_backchannel else [])
    assert of_type(found, "interruption") == []


def test_ja_answering_a_question_is_a_turn_not_a_backchannel():
    # the agent asks; the customer's "Ja." starts while the question's last word is still being said,
    # and the agent goes on: an answer, a short turn
    c = conv([("agent", 0.0, 3.0), ("customer", 2.8, 3.2), ("agent", 3.8, 7.0)],
             [said("agent", 0.0, 3.0, "Heeft u de router al opnieuw opgestart?"), said("customer", 2.8, 3.2, "Ja."),
              said("agent", 3.8, 7.0, "Dan ga ik even een storing voor u melden.")])
    found = analyse(c)
    assert of_type(found, "backchannel") == []
    assert of_type(found, "interruption") == []
    assert [o.kind for o in of_type(found, "overlap")] == ["brief"]


def test_ja_after_which_the_speaker_keeps_the_floor_is_a_turn():
    # "Ja." in the customer's pause, then the agent goes on 0.6 s later, before the customer does
    c = conv([("customer", 0.0, 4.0), ("agent", 4.2, 4.5), ("agent", 5.1, 9.0), ("customer", 9.5, 12.0)],
             [said("customer", 0.0, 4.0, CUSTOMER_1 + "."), said("agent", 4.2, 4.5, "Ja."),
              said("agent", 5.1, 9.0, "Dat zie ik hier ook, er is een storing in uw wijk."),
              said("customer", 9.5, 12.0, "O, wat vervelend.")])
    assert of_type(analyse(c), "backchannel") == []


def test_ja_in_a_pause_of_the_others_speech_who_goes_on_is_a_backchannel():
    c = conv([("customer", 0.0, 4.0), ("agent", 4.2, 4.5), ("customer", 4.9, 10.0), ("agent", 11.0, 14.0)],
             [said("customer", 0.0, 4.0, CUSTOMER_1 + ","), said("agent", 4.2, 4.5, "Ja."),
              said("customer", 4.9, 10.0, CUSTOMER_2 + "."), said("agent", 11.0, 14.0, "Dat is vervelend.")])
    (bc,) = of_type(analyse(c), "backchannel")
    assert (bc.by, bc.start, bc.overlapping) == ("agent", 4.2, False)


def test_classify_backchannel_directly():
    c = agent_in_customer_pause(("agent", 4.2, 4.5), "Oké.")
    parts = contributions(c)
    (ja,) = parts["agent"]
    ev = classify_backchannel(ja, parts, OPTS, LEX)
    assert ev is not None and ev.type == "backchannel" and ev.by == "agent"
    long_turn = parts["customer"][1]  # the customer's 5 s explanation
    assert classify_backchannel(long_turn, parts, OPTS, LEX) is None


# --- interruptions -------------------------------------------------------------------------------------------


def competitive_call(source: str = "channels") -> Conversation:
    # the customer explains from 0 s; the agent starts a 2 s sentence at 6 s; the customer stops at 7 s
    return conv([("customer", 0.0, 7.0), ("agent", 6.0, 8.0)],
                [said("customer", 0.0, 5.9, "Ik heb al drie keer gebeld over de storing"),
                 said("customer", 6.6, 7.0, "en niemand"),
                 said("agent", 6.0, 8.0, "Ik ga een monteur voor u inplannen.")], source=source)


def test_competitive_interruption_by_the_agent():
    found = analyse(competitive_call())
    (it,) = of_type(found, "interruption")
    assert (it.by, it.interrupted, it.kind) == ("agent", "customer", "competitive")
    assert (it.start, it.end, it.overlap_s) == (6.0, 8.0, 1.0)
    assert it.text == "Ik ga een monteur voor u inplannen."
    assert it.interrupted_text == "Ik heb al drie keer gebeld over de storing"  # not "en niemand", said after
    assert it.interrupted_had_spoken_s == 6.0 and it.while_explaining is True
    assert it.confidence == 1.0
    (ov,) = of_type(found, "overlap")
    assert ov.kind == "competitive" and ov.by == "agent"
    m = found.metrics["interruptions"]
    assert (m["by_agent"], m["by_customer"]) == (1, 0)
    assert m["kinds"]["agent"] == {"competitive": 1, "cooperative": 0, "butting_in": 0}
    assert of_type(found, "backchannel") == []


def test_diarized_interruption_is_less_sure():
    (it,) = of_type(analyse(competitive_call("diarization")), "interruption")
    assert it.confidence == pytest.approx(0.8)


def test_interruption_right_after_the_customer_started_is_not_while_explaining():
    c = conv([("customer", 0.0, 3.0), ("agent", 1.0, 4.0)],
             [said("customer", 0.0, 3.0, "Ik bel over mijn factuur van deze maand."),
              said("agent", 1.0, 4.0, "Ik zie uw factuur hier al staan, mevrouw.")])
    (it,) = of_type(analyse(c), "interruption")
    assert it.kind == "competitive" and it.while_explaining is False


def test_cooperative_interruption():
    # the customer goes on 3 s after the agent starts (longer than competitive_stop_s), and stops first
    c = conv([("customer", 0.0, 10.0), ("agent", 7.0, 12.0)],
             [said("customer", 0.0, 10.0, CUSTOMER_1 + " " + CUSTOMER_2 + "."),
              said("agent", 7.0, 12.0, "Ik begrijp dat dit al lang speelt, ik ga het voor u regelen.")])
    found = analyse(c)
    (it,) = of_type(found, "interruption")
    assert (it.by, it.kind) == ("agent", "cooperative")
    assert it.overlap_s == 3.0
    assert found.metrics["interruptions"]["kinds"]["agent"]["cooperative"] == 1


def test_butting_in_interrupter_gives_up():
    c = conv([("customer", 0.0, 10.0), ("agent", 5.0, 6.5)],
             [said("customer", 0.0, 10.0, CUSTOMER_1 + " " + CUSTOMER_2 + "."),
              said("agent", 5.0, 6.5, "Maar mevrouw, mag ik even iets zeggen")])
    found = analyse(c)
    (it,) = of_type(found, "interruption")
    assert (it.by, it.kind, it.overlap_s) == ("agent", "butting_in", 1.5)
    assert of_type(found, "backchannel") == []
    assert found.metrics["interruptions"]["kinds"]["agent"]["butting_in"] == 1


def test_customer_interrupts_the_agent():
    c = conv([("agent", 0.0, 6.0), ("customer", 5.0, 9.0)],
             [said("agent", 0.0, 6.0, "U kunt het beste eerst de router uitzetten en dan dertig seconden wachten"),
              said("customer", 5.0, 9.0, "Nee, dat heb ik allemaal al geprobeerd.")])
    found = analyse(c)
    (it,) = of_type(found, "interruption")
    assert (it.by, it.interrupted, it.kind) == ("customer", "agent", "competitive")
    m = found.metrics["interruptions"]
    assert (m["by_agent"], m["by_customer"]) == (0, 1)


@pytest.mark.parametrize("customer_start,kind", [(4.8, "brief"), (4.5, "turn_end")])
def test_short_overlap_at_a_change_of_turn_is_brief(customer_start, kind):
    c = conv([("agent", 0.0, 5.0), ("customer", customer_start, 10.0)],
             [said("agent", 0.0, 5.0, "Dan stuur ik u vandaag nog een nieuwe modem toe."),
              said("customer", customer_start, 10.0, "Oké, en hoe lang duurt het voordat die er is?")])
    found = analyse(c)
    (ov,) = of_type(found, "overlap")
    assert (ov.by, ov.kind) == ("customer", kind)
    assert of_type(found, "interruption") == []  # the agent was finishing their sentence
    assert found.metrics["interruptions"]["by_customer"] == 0


# --- turn end or interruption: was the other party finishing? -------------------------------------------------


def early_start(agent_text: str, customer_start: float, agent_end: float = 6.0, voice=None) -> Conversation:
    """The agent speaks 0-``agent_end`` s; the customer starts a long turn at ``customer_start``."""
    return Conversation(
        utterances=tuple(sorted([said("agent", 0.0, agent_end, agent_text),
                                 said("customer", customer_start, 12.0, "Ja, maar dat heb ik allemaal al gedaan, "
                                                                       "en het werkt nog steeds niet.")],
                                key=lambda u: u.start)),
        duration=20.0, speaker_source="channels", roles={"left": "agent", "right": "customer"},
        turns=(Turn("agent", 0.0, agent_end), Turn("customer", customer_start, 12.0)), voice=voice)


def test_early_start_at_a_complete_sentence_is_a_turn_end_not_an_interruption():
    # 12 words over 6 s; the customer starts 1.2 s before the agent ends, inside the last word of the
    # first sentence ("uitzetten.", 4.5-5.0 s), and the agent says two words more, which end their turn
    c = early_start("U kunt het beste eerst de router even helemaal uitzetten. Klopt dat?", 4.8)
    found = analyse(c)
    (ov,) = of_type(found, "overlap")
    assert (ov.by, ov.kind, ov.overlap_s) == ("customer", "turn_end", 1.2)
    assert ov.evidence.to_dict() == {"complete_before": True, "words_after": 2, "stopped_within_s": 1.2,
                           "pitch_fall": None, "cut_off": False, "finishing": True, "gave_up": None,
                           "asked": True}
    assert of_type(found, "interruption") == []
    assert found.metrics["interruptions"]["by_customer"] == 0
    assert found.metrics["interruptions"]["early_starts_at_turn_end"] == {"agent": 0, "customer": 1}


def test_a_long_early_start_at_the_end_of_a_sentence_is_no_interruption():
    # the overlap is 2 s, but the agent's word at the overlap start ("uitzetten.", 3.8-4.3 s) ends a sentence
    c = early_start("U kunt het beste eerst de router uitzetten. Daarna even wachten, graag.", 4.0)
    found = analyse(c)
    (ov,) = of_type(found, "overlap")
    assert ov.kind == "turn_end" and ov.overlap_s == 2.0 and ov.evidence.complete_before is True
    assert of_type(found, "interruption") == []


def test_few_words_after_the_start_that_end_the_sentence_are_a_turn_end():
    # 10 words over 6 s; the customer starts 0.55 s before the end, during the last word ("toe.")
    c = early_start("Dan stuur ik u vandaag nog een nieuwe modem toe", 5.45)
    (ov,) = of_type(analyse(c), "overlap")
    assert ov.kind == "turn_end"  # no punctuation at all in this transcript: the timing decides
    assert ov.evidence.words_after <= 1 and ov.evidence.cut_off is False


def test_one_last_word_after_the_start_ends_the_turn_however_long_the_region_runs_on():
    # the customer starts just before "afgesloten." (4.63-5.4 s); the agent's region runs on to 6 s (breath, padding)
    c = conv([("agent", 0.0, 6.0), ("customer", 4.55, 9.0)],
             [said("agent", 0.0, 5.4, "De buren hebben het water inmiddels afgesloten."),
              said("customer", 4.55, 9.0, "Wat maakt u zich nu de meeste zorgen over?")])
    (ov,) = of_type(analyse(c), "overlap")
    assert ov.kind == "turn_end" and ov.evidence.words_after == 1 and ov.evidence.stopped_within_s == 1.45
    assert ov.evidence.complete_before is False


def test_an_answer_that_starts_before_the_question_ends_is_no_interruption():
    # the customer starts 2 s (4 words) before the agent's question ends: too long for "a few words
    # more", but a question hands over the turn and its end can be heard coming
    c = early_start("Heeft u de router al eens helemaal uitgezet en daarna weer aangezet?", 4.0)
    found = analyse(c)
    (ov,) = of_type(found, "overlap")
    assert ov.kind == "turn_end" and ov.evidence.asked is True and ov.evidence.words_after > 3
    assert of_type(found, "interruption") == []
    # the same words as a statement, cut off mid-sentence: an interruption
    c = early_start("U kunt de router al eens helemaal uitzetten en daarna weer", 4.0)
    (it,) = of_type(analyse(c), "interruption")
    assert it.evidence.asked is False and it.evidence.finishing is False


@pytest.mark.parametrize("prob, kind", [(0.9, "competitive"), (0.3, "brief")])
def test_a_missing_full_stop_on_an_unsure_word_is_no_evidence_of_a_cut(prob, kind):
    # the agent's last word lacks a full stop; Whisper was sure of it (cut off) or not (no evidence:
    # an unsure word is often misheard, its punctuation with it), and the overlap is short
    last = said("agent", 7.6, 8.0, "uit", prob=prob)
    c = conv([("agent", 0.0, 3.0), ("agent", 3.6, 8.0), ("customer", 7.8, 12.0)],
             [said("agent", 0.0, 3.0, "Ik heb uw gegevens gevonden."),
              said("agent", 3.6, 7.6, "U kunt het beste eerst de router helemaal"), last,
              said("customer", 7.8, 12.0, "Nee, dat heb ik allemaal al geprobeerd, echt alles.")])
    (ov,) = of_type(analyse(c), "overlap")
    assert ov.kind == kind and ov.evidence.cut_off is (prob >= 0.5)


@pytest.mark.parametrize("agent_in_pause", [True, False])
def test_a_cue_then_a_pause_in_which_the_other_goes_on_is_a_backchannel_then_a_turn(agent_in_pause):
    # the customer says "Precies." (10.0-10.4), pauses 0.3 s, then begins their own turn; when the agent
    # speaks in that pause, the cue was a back-channel and the turn begins after the pause (the agent
    # said only two words more: no interruption); when the agent had stopped, it is one turn from "Precies"
    agent_end = 11.2 if agent_in_pause else 10.2
    c = conv([("agent", 0.0, agent_end), ("customer", 10.0, 10.4), ("customer", 10.7, 14.0)],
             [said("agent", 0.0, agent_end, CUSTOMER_1 + " " + CUSTOMER_2 + " en daarna vier weken bedenktijd."),
              said("customer", 10.0, 10.4, "Precies."),
              said("customer", 10.7, 14.0, "En als ik toch besluit om door te werken?")])
    found = analyse(c)
    bcs = of_type(found, "backchannel")
    assert [(b.by, b.start) for b in bcs] == ([("customer", 10.0)] if agent_in_pause else [])
    assert of_type(found, "interruption") == []
    starts = sorted(x.start for x in contributions(c, load_lexicon("", "nl"))["customer"])
    assert starts == ([10.0, 10.7] if agent_in_pause else [10.0])


def test_cut_mid_sentence_is_a_competitive_interruption():
    # the customer starts 1.2 s before the agent stops, mid-sentence; the agent's last words end without a
    # full stop while the rest of their transcript is punctuated: cut off
    c = conv([("agent", 0.0, 3.0), ("agent", 3.6, 9.0), ("customer", 7.8, 12.0)],
             [said("agent", 0.0, 3.0, "Ik heb uw gegevens gevonden."),
              said("agent", 3.6, 9.0, "U kunt het beste eerst de router helemaal uitzetten en dan"),
              said("customer", 7.8, 12.0, "Nee, dat heb ik allemaal al geprobeerd, echt alles.")])
    found = analyse(c)
    (it,) = of_type(found, "interruption")
    assert (it.by, it.interrupted, it.kind) == ("customer", "agent", "competitive")
    assert it.evidence.complete_before is False and it.evidence.cut_off is True
    assert it.evidence.words_after == 2 and it.evidence.stopped_within_s == 1.2
    (ov,) = of_type(found, "overlap")
    assert ov.kind == "competitive" and ov.evidence == it.evidence


def test_a_short_overlap_that_cuts_the_other_off_is_a_competitive_interruption():
    # only 0.2 s of overlap, but the agent stops at once without ending their sentence
    c = conv([("agent", 0.0, 3.0), ("agent", 3.6, 8.0), ("customer", 7.8, 12.0)],
             [said("agent", 0.0, 3.0, "Ik heb uw gegevens gevonden."),
              said("agent", 3.6, 8.0, "U kunt het beste eerst de router helemaal uit"),
              said("customer", 7.8, 12.0, "Nee, dat heb ik allemaal al geprobeerd, echt alles.")])
    (it,) = of_type(analyse(c), "interruption")
    assert it.kind == "competitive" and it.overlap_s == 0.2 and it.evidence.cut_off is True


def test_the_other_goes_on_mid_sentence_is_a_cooperative_interruption():
    c = conv([("customer", 0.0, 10.0), ("agent", 5.0, 13.0)],
             [said("customer", 0.0, 10.0, CUSTOMER_1 + " " + CUSTOMER_2 + "."),
              said("agent", 5.0, 13.0, "Ik begrijp dat dit al lang speelt, ik ga het nu voor u regelen.")])
    (it,) = of_type(analyse(c), "interruption")
    assert it.kind == "cooperative"
    assert it.evidence.complete_before is False and it.evidence.words_after > 2
    assert it.evidence.cut_off is False  # they finished their sentence anyway


def test_the_interrupter_gives_up_mid_sentence_is_butting_in():
    c = conv([("customer", 0.0, 10.0), ("agent", 4.0, 5.6)],
             [said("customer", 0.0, 10.0, CUSTOMER_1 + " " + CUSTOMER_2 + "."),
              said("agent", 4.0, 5.6, "Maar mevrouw, mag ik even")])
    (it,) = of_type(analyse(c), "interruption")
    assert it.kind == "butting_in" and it.evidence.stopped_within_s is None


def test_the_interrupter_breaking_off_is_butting_in_a_whole_remark_is_not():
    def call(agent_text: str) -> Conversation:
        return conv([("customer", 0.0, 10.0), ("agent", 4.0, 5.6), ("agent", 11.0, 14.0)],
                    [said("customer", 0.0, 10.0, CUSTOMER_1 + " " + CUSTOMER_2 + "."),
                     said("agent", 4.0, 5.6, agent_text), said("agent", 11.0, 14.0, "Dat is vervelend.")])

    (it,) = of_type(analyse(call("Maar mevrouw, mag ik even,")), "interruption")
    assert it.kind == "butting_in" and it.evidence.gave_up is True
    (it,) = of_type(analyse(call("Maar wat als het meer is dan?")), "interruption")  # a question talked over
    assert it.kind == "butting_in" and it.evidence.gave_up is True
    found = analyse(call("Dat is echt vervelend zeg."))  # a whole statement said over the customer, who goes on
    (ov,) = of_type(found, "overlap")
    assert ov.kind == "remark" and ov.evidence.gave_up is False
    assert of_type(found, "interruption") == []


@pytest.mark.parametrize("customer_regions", [[(0.0, 4.0), (4.3, 8.0)], [(0.0, 8.0)]])
def test_a_reply_after_a_short_pause_is_no_going_on(customer_regions):
    # the customer ends a sentence at 4.0 s, the agent asks from 3.2 s, the customer answers from 4.3 s, before
    # the question ends (their regions join over the 0.3 s pause, or VAD ran over it and only the words
    # show it): the customer stopped at 4.0, did not go on
    c = conv([("customer", *r) for r in customer_regions] + [("agent", 3.2, 5.5)],
             [said("customer", 0.0, 4.0, "Fijn, dan zorg ik dat ik thuis ben."),
              said("agent", 3.2, 5.5, "Zijn er nog dingen waar u mee zit?"),
              said("customer", 4.3, 8.0, "Nee, ik ben al een stuk geruster.")])
    found = analyse(c)
    (ov,) = of_type(found, "overlap")
    assert ov.by == "agent" and ov.kind == "turn_end"
    assert ov.evidence.stopped_within_s == pytest.approx(0.8, abs=0.03) and ov.evidence.words_after == 1
    assert of_type(found, "interruption") == []


def _voice(end: float, fall_st: float) -> VoiceTrack:
    """A voice at 200 Hz that bends by ``fall_st`` semitones (down when positive) over its last 0.3 s."""
    times = tuple(round(0.025 + 0.05 * k, 3) for k in range(int(end / 0.05)))
    f0 = tuple(200.0 * 2 ** (-fall_st / 12) if t > end - 0.3 else 200.0 for t in times)
    return VoiceTrack(times, f0, tuple(-20.0 for _ in times))


@pytest.mark.parametrize("fall_st,kind", [(4.0, "turn_end"), (-2.0, "competitive"), (None, "competitive")])
def test_a_falling_voice_ends_a_sentence_that_asr_left_unpunctuated(fall_st, kind):
    # Whisper wrote no full stop after "graag" (the first sentence has one, so the transcript is punctuated):
    # a voice that falls to its end finished the sentence; a level or rising one, or none known, was cut off
    voice = {"agent": _voice(6.0, fall_st)} if fall_st is not None else None
    c = early_start("Ik zie het. Dan zet ik een nieuwe afspraak voor u klaar graag", 5.5, voice=voice)
    found = analyse(c)
    (ov,) = of_type(found, "overlap")
    assert ov.kind == kind
    assert ov.evidence.pitch_fall is (None if fall_st is None else fall_st > 0)
    assert len(of_type(found, "interruption")) == (kind != "turn_end")


def test_pitch_fall_needs_voiced_frames():
    assert pitch_fall(None, 6.0, OPTS) is None
    assert pitch_fall(VoiceTrack((), (), ()), 6.0, OPTS) is None
    assert pitch_fall(_voice(6.0, 3.0), 6.0, OPTS) is True
    assert pitch_fall(_voice(6.0, 0.5), 6.0, OPTS) is False


def test_nearly_simultaneous_start_is_no_interruption():
    c = conv([("agent", 5.0, 8.0), ("customer", 5.1, 9.0)],
             [said("agent", 5.0, 8.0, "Dan ga ik het nu voor u aanvragen."),
              said("customer", 5.1, 9.0, "Wacht, ik heb nog een vraag over de kosten.")])
    found = analyse(c)
    (ov,) = of_type(found, "overlap")
    assert ov.kind == "simultaneous_start"
    assert of_type(found, "interruption") == []


# --- metrics and bookkeeping ---------------------------------------------------------------------------------


def test_backchannel_rate_and_longest_stretch_without():
    # 30 s of customer speech; agent cues at 5, 20 and 23 s: stretches 5, 15, 3 and 7 s
    c = conv([("customer", 0.0, 30.0), ("agent", 5.0, 5.3), ("agent", 20.0, 20.4), ("agent", 23.0, 23.3)],
             [said("customer", 0.0, 30.0, " ".join([CUSTOMER_1, CUSTOMER_2] * 3) + "."),
              said("agent", 5.0, 5.3, "Ja."), said("agent", 20.0, 20.4, "Hm-hm."), said("agent", 23.0, 23.3, "Oké.")])
    bc = analyse(c).metrics["backchannels"]
    assert (bc["agent"], bc["customer"]) == (3, 0)
    assert bc["agent_per_min_customer_speech"] == 6.0  # 3 / (30 s / 60)
    assert bc["customer_per_min_agent_speech"] == 0.0
    assert bc["longest_customer_stretch_without_s"] == 15.0  # 5-20 s


def test_backchannel_rate_counts_customer_talk_time_not_pauses():
    # customer speaks 0-20 s and 21-40 s (39 s); two agent cues, one in the pause
    c = conv([("customer", 0.0, 20.0), ("customer", 21.0, 40.0), ("agent", 10.0, 10.3), ("agent", 20.3, 20.6)],
             [said("customer", 0.0, 20.0, " ".join([CUSTOMER_1, CUSTOMER_2] * 2) + "."),
              said("customer", 21.0, 40.0, " ".join([CUSTOMER_1, CUSTOMER_2] * 2) + "."),
              said("agent", 10.0, 10.3, "Ja."), said("agent", 20.3, 20.6, "Precies.")])
    bc = analyse(c).metrics["backchannels"]
    assert bc["agent"] == 2
    assert bc["agent_per_min_customer_speech"] == round(2 / (39 / 60), 2) == 3.08
    assert bc["longest_customer_stretch_without_s"] == 19.0  # after the cue in the pause: 21-40 s of talk


def test_longest_stretch_counts_talk_not_pauses_and_ends_at_an_agent_turn():
    c = conv([("customer", 0.0, 10.0), ("customer", 12.0, 22.0)],
             [said("customer", 0.0, 10.0, CUSTOMER_1 + "."), said("customer", 12.0, 22.0, CUSTOMER_2 + ".")])
    assert analyse(c).metrics["backchannels"]["longest_customer_stretch_without_s"] == 20.0  # not 22

    c = conv([("customer", 0.0, 10.0), ("agent", 10.5, 14.0), ("customer", 14.5, 24.0)],
             [said("customer", 0.0, 10.0, CUSTOMER_1 + "."),
              said("agent", 10.5, 14.0, "Wat vervelend, wanneer is het begonnen?"),
              said("customer", 14.5, 24.0, CUSTOMER_2 + ".")])
    assert analyse(c).metrics["backchannels"]["longest_customer_stretch_without_s"] == 10.0


def test_every_overlap_gets_one_overlap_event():
    c = conv([("customer", 0.0, 10.0), ("agent", 3.0, 3.4),  # back-channel inside customer speech
              ("agent", 9.0, 14.0),  # competitive: the customer stops 1 s later
              ("customer", 13.8, 20.0)],  # brief: 0.2 s at the change of turn
             [said("customer", 0.0, 10.0, CUSTOMER_1 + " " + CUSTOMER_2 + "."), said("agent", 3.0, 3.4, "Ja."),
              said("agent", 9.0, 14.0, "Dan ga ik een monteur sturen die morgen bij u langskomt."),
              said("customer", 13.8, 20.0, "Prima, hoe laat komt de monteur ongeveer?")])
    found = analyse(c)
    overlaps = of_type(found, "overlap")
    assert sorted((o.start, o.kind) for o in overlaps) == [(3.0, "backchannel"), (9.0, "competitive"),
                                                                (13.8, "brief")]
    assert len(of_type(found, "interruption")) == 1


def test_exactly_simultaneous_start_gives_one_overlap_event():
    c = conv([("agent", 5.0, 8.0), ("customer", 5.0, 9.0)],
             [said("agent", 5.0, 8.0, "Dan ga ik het nu voor u aanvragen."),
              said("customer", 5.0, 9.0, "Wacht, ik heb nog een vraag over de kosten.")])
    assert len(of_type(analyse(c), "overlap")) == 1


def test_breath_pause_does_not_reset_still_explaining():
    # the customer explains for 10 s, breathes 0.6 s, goes on; the agent starts 11.5 s into the explanation
    c = conv([("customer", 0.0, 10.0), ("customer", 10.6, 14.0), ("agent", 11.5, 15.0)],
             [said("customer", 0.0, 10.0, CUSTOMER_1 + " " + CUSTOMER_2),
              said("customer", 10.6, 14.0, "en de router knippert de hele tijd rood."),
              said("agent", 11.5, 15.0, "Ik ga een monteur sturen die morgen langskomt.")])
    (it,) = of_type(analyse(c), "interruption")
    assert it.kind == "cooperative"
    assert it.while_explaining is True
    assert it.interrupted_had_spoken_s == 11.5


def test_speech_that_goes_on_unheard_is_no_evidence_of_a_turn_end():
    # a mono mix: the customer's region runs 1.1 s past the agent's start, but Whisper heard none of the
    # customer's words there (one voice is heard where two overlap); the last word heard ends no sentence
    c = conv([("customer", 0.0, 6.1), ("agent", 5.0, 9.0)],
             [said("customer", 0.0, 4.9, "En ik wilde hem zaterdag aan naar een verjaardag dus"),
              said("agent", 5.0, 9.0, "Ja, daar hebben we deze week vaker meldingen over gehad.")], source="diarization")
    (it,) = of_type(analyse(c), "interruption")
    assert (it.by, it.kind) == ("agent", "competitive")
    assert it.evidence.words_after == 0 and it.evidence.finishing is False


def test_a_short_unheard_tail_is_still_a_turn_end():
    # the same, but the customer's region ends 0.3 s after the agent's start: breath and padding, not words
    c = conv([("customer", 0.0, 5.3), ("agent", 5.0, 9.0)],
             [said("customer", 0.0, 4.9, "En ik wilde hem zaterdag aan naar een verjaardag dus"),
              said("agent", 5.0, 9.0, "Ja, daar hebben we deze week vaker meldingen over gehad.")], source="diarization")
    assert of_type(analyse(c), "interruption") == []
