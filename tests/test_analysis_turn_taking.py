"""Turn-taking (monologues, response gaps, speaker switches, dead air) on hand-written calls."""

from __future__ import annotations

from dataclasses import replace

import pytest

from coach.analysis.lexicon import load_lexicon
from coach.analysis.timing import turn_taking
from coach.config import AnalysisOptions
from coach.conversation import Conversation, Turn, Utterance, Word

LEX = load_lexicon()
OPTS = AnalysisOptions()



def dead_air(found):
    return [e for e in found.events if e.type == "dead_air"]

def said(role: str, start: float, end: float, text: str, prob: float = 0.9) -> Utterance:
    """``text`` spoken evenly from ``start`` to ``end``."""
    toks = text.split()
    step = (end - start) / len(toks)
    return Utterance.from_words(role, [Word(w, start + i * step, start + (i + 1) * step - 0.02, prob)
                                       for i, w in enumerate(toks)])


def conv(speech, duration: float = 60.0, source: str = "channels") -> Conversation:
    """``speech``: (role, start, end, text) tuples; each is a speech region, with words when ``text``."""
    utts = [said(r, s, e, text) for r, s, e, text in speech if text]
    return Conversation(utterances=tuple(sorted(utts, key=lambda u: u.start)), duration=duration,
                        speaker_source=source, roles={"left": "agent", "right": "customer"},
                        turns=tuple(sorted((Turn(r, s, e) for r, s, e, _ in speech), key=lambda t: t.start)))


def run(c: Conversation, opts: AnalysisOptions = OPTS):
    return turn_taking(c, opts, LEX)


EXPLAIN = ("Sinds maandag valt mijn internet steeds weg, vooral 's avonds, en ik werk thuis dus ik heb het echt "
           "nodig, ik heb de router al twee keer opnieuw opgestart")
GREETING = "Goedemiddag, u spreekt met Sanne van de klantenservice, waarmee kan ik u helpen?"
REPLY = "Wat vervelend dat uw internet steeds wegvalt, ik ga even met u meekijken in de storingskaart."


def test_longest_monologue_goes_on_through_backchannels():
    c = conv([("agent", 0.0, 1.8, GREETING),
              ("customer", 2.0, 14.0, EXPLAIN), ("agent", 14.2, 14.5, "Ja."),  # a cue in the customer's pause
              ("customer", 14.8, 32.0, EXPLAIN), ("agent", 22.0, 22.4, "Hm-hm."),  # a cue during speech
              ("agent", 32.5, 40.0, REPLY)])
    m = run(c).metrics
    assert m["longest_monologue_s"] == {"agent": 7.5, "customer": 30.0}


def test_a_real_agent_turn_ends_the_monologue():
    c = conv([("agent", 0.0, 1.8, GREETING),
              ("customer", 2.0, 14.0, EXPLAIN),
              ("agent", 14.3, 17.0, "Wat vervelend. Sinds wanneer speelt dit?"),
              ("customer", 17.5, 32.0, EXPLAIN),
              ("agent", 32.5, 40.0, REPLY)])
    assert run(c).metrics["longest_monologue_s"]["customer"] == 14.5


def test_response_gap_median_and_max():
    c = conv([("agent", 0.0, 3.0, GREETING),
              ("customer", 3.5, 8.0, EXPLAIN),  # customer gap 0.5
              ("agent", 8.2, 12.0, REPLY),  # agent gap 0.2
              ("customer", 12.4, 18.0, EXPLAIN),  # 0.4
              ("agent", 19.0, 22.0, REPLY),  # 1.0
              ("customer", 22.3, 26.0, EXPLAIN),  # 0.3
              ("agent", 26.5, 30.0, REPLY)])  # 0.5
    gaps = run(c).metrics["response_gap_s"]
    assert gaps["agent_median"] == 0.5  # of 0.2, 1.0, 0.5
    assert gaps["customer_median"] == 0.4  # of 0.5, 0.4, 0.3
    assert gaps["agent_max"] == 1.0


def test_response_gap_is_measured_from_the_end_of_the_turn_not_a_backchannel():
    c = conv([("customer", 0.0, 5.0, EXPLAIN), ("agent", 5.2, 5.4, "Ja."),
              ("customer", 5.9, 10.0, EXPLAIN), ("agent", 10.6, 15.0, REPLY)])
    gaps = run(c).metrics["response_gap_s"]
    assert gaps["agent_median"] == 0.6  # 10.0 -> 10.6, not 5.0 -> 5.2
    assert gaps["customer_median"] is None  # the customer never replied to the agent


def test_a_long_silence_is_no_response_time():
    c = conv([("agent", 0.0, 3.0, GREETING), ("customer", 3.5, 8.0, EXPLAIN), ("agent", 14.0, 18.0, REPLY)])
    m = run(c).metrics
    assert m["response_gap_s"]["agent_median"] is None and m["response_gap_s"]["agent_max"] is None
    assert m["response_gap_s"]["customer_median"] == 0.5
    assert m["dead_air"]["count"] == 1  # the 6 s counts as dead air instead


def test_speaker_switches_per_minute_ignore_backchannels():
    turns = [("agent", 0.0, 10.0, GREETING + " " + REPLY), ("customer", 10.5, 30.0, EXPLAIN + " " + EXPLAIN),
             ("agent", 30.5, 45.0, REPLY + " " + REPLY), ("customer", 45.5, 58.0, EXPLAIN)]
    cues = [("agent", 15.0, 15.3, "Ja."), ("agent", 20.0, 20.4, "Hm-hm."), ("agent", 25.0, 25.3, "Oké."),
            ("customer", 35.0, 35.3, "Ja."), ("customer", 40.0, 40.6, "Ik hoor het.")]
    assert run(conv(turns)).metrics["speaker_switches_per_min"] == 3.0  # A C A C in one minute
    assert run(conv(turns + cues)).metrics["speaker_switches_per_min"] == 3.0
    assert run(conv(turns, duration=120.0)).metrics["speaker_switches_per_min"] == 1.5


def test_dead_air_only_between_speech():
    # 8 s of silence before the first word and 20 s after the last are not dead air
    speech = [("agent", 8.0, 12.0, GREETING), ("customer", 12.5, 20.0, EXPLAIN),
              ("agent", 26.0, 30.0, REPLY),  # 6 s of silence before
              ("customer", 33.0, 40.0, EXPLAIN)]  # 3 s of silence before: below dead_air_s (4 s)
    found = run(conv(speech))
    assert found.metrics["dead_air"] == {"count": 1, "total_s": 6.0, "longest_s": 6.0}
    (ev,) = dead_air(found)
    assert (ev.type, ev.start, ev.end, ev.duration_s, ev.by) == ("dead_air", 20.0, 26.0, 6.0, None)
    assert ev.confidence == 1.0


def test_dead_air_threshold_comes_from_the_options():
    speech = [("agent", 8.0, 12.0, GREETING), ("customer", 12.5, 20.0, EXPLAIN),
              ("agent", 26.0, 30.0, REPLY), ("customer", 33.0, 40.0, EXPLAIN)]
    m = run(conv(speech), replace(OPTS, dead_air_s=2.5)).metrics
    assert m["dead_air"] == {"count": 2, "total_s": 9.0, "longest_s": 6.0}
    m = run(conv(speech), replace(OPTS, dead_air_s=10.0)).metrics
    assert m["dead_air"] == {"count": 0, "total_s": 0.0, "longest_s": 0.0}


def test_one_party_quiet_while_the_other_speaks_is_no_dead_air():
    # the agent is silent 5-14 s, but the customer talks all that time
    c = conv([("agent", 0.0, 5.0, GREETING), ("customer", 4.0, 15.0, EXPLAIN), ("agent", 14.0, 20.0, REPLY)])
    found = run(c)
    assert found.metrics["dead_air"]["count"] == 0
    assert dead_air(found) == []


def test_diarized_dead_air_is_less_sure():
    c = conv([("agent", 0.0, 5.0, GREETING), ("customer", 10.0, 15.0, EXPLAIN)], source="diarization")
    (ev,) = dead_air(run(c))
    assert ev.confidence == pytest.approx(0.8)


def test_the_longest_monologue_of_each_party_is_an_event():
    c = conv([("customer", 0.0, 6.0, EXPLAIN), ("agent", 6.2, 6.5, "ja"), ("customer", 6.6, 12.0, EXPLAIN),
              ("agent", 13.0, 15.0, REPLY)])
    mono = {e.by: e for e in run(c).events if e.type == "monologue"}
    assert set(mono) == {"agent", "customer"}
    assert mono["customer"].duration_s == run(c).metrics["longest_monologue_s"]["customer"] == 12.0
