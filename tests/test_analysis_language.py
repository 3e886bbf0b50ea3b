"""The agent's language (questions, empathy, service language, agreements) on hand-written calls."""

from __future__ import annotations

import pytest

from coach.analysis import analyze_conversation
from coach.analysis.events import Event
from coach.analysis.language import (ANALYZERS, FOLLOW_UP_WINDOW_S, agreements_and_closing, empathy, questions,
                                     service_language)
from coach.analysis.lexicon import load_lexicon
from coach.config import AnalysisOptions
from coach.conversation import Conversation, Utterance, Word

LEX = load_lexicon()
OPTS = AnalysisOptions()


def utt(role: str, start: float, text: str, prob: float = 0.9, step: float = 0.3) -> Utterance:
    """One utterance, a word every ``step`` s from ``start`` (each word 0.25 s long)."""
    words = [Word(w, start + i * step, start + i * step + 0.25, prob) for i, w in enumerate(text.split())]
    return Utterance.from_words(role, words)


def call(*utterances: Utterance, duration: float = 60.0) -> Conversation:
    return Conversation(utterances=tuple(sorted(utterances, key=lambda u: u.start)), duration=duration,
                        speaker_source="channels", roles={"left": "agent", "right": "customer"})


def of_type(found, etype: str) -> list[Event]:
    return [e for e in found.events if e.type == etype]


def test_open_and_closed_questions():
    c = call(utt("agent", 0, "Wat is er precies gebeurd? Heeft u de router al herstart? U heeft de factuur ontvangen?"),
             utt("agent", 10, "Kunt u vertellen wat er gebeurd is? Oké, en hoe lang speelt dit al?"
                              " Sinds wanneer is dat zo?"),
             utt("agent", 20, "Dat is uw adres, klopt dat"),
             utt("agent", 25, "Ik zie het hier staan, wat is uw postcode?"),
             utt("customer", 30, "Wat moet ik nu doen?"))
    found = questions(c, OPTS, LEX)
    kinds = [(e.text, e.kind) for e in found.events]
    assert kinds == [("Wat is er precies gebeurd?", "open"), ("Heeft u de router al herstart?", "closed"),
                     ("U heeft de factuur ontvangen?", "closed"), ("Kunt u vertellen wat er gebeurd is?", "open"),
                     ("Oké, en hoe lang speelt dit al?", "open"), ("Sinds wanneer is dat zo?", "open"),
                     ("Dat is uw adres, klopt dat", "closed"), ("wat is uw postcode?", "open")]
    # issue 11: a question starts at its own clause, not at a statement ASR joined to it
    assert found.metrics["questions"] == {"agent": 8, "agent_open": 5, "agent_closed": 3, "agent_follow_up": 0}
    assert all(e.by == "agent" for e in found.events)


def test_statements_are_no_questions():
    c = call(utt("agent", 0, "Wat vervelend. Wat ik wel kan doen is een monteur sturen. Klopt. Is goed."
                             " Heb ik genoteerd."),
             utt("agent", 10, "wat vervelend voor u"),
             utt("agent", 15, "klopt"))
    assert questions(c, OPTS, LEX).metrics["questions"]["agent"] == 0


def test_question_from_word_order_alone_is_less_sure():
    c = call(utt("agent", 0, "kunt u de modem even uitzetten", prob=0.9), utt("agent", 5, "Kunt u de modem uitzetten?"))
    unmarked, marked = questions(c, OPTS, LEX).events
    assert unmarked.kind == marked.kind == "closed"
    assert marked.confidence == 0.9
    assert unmarked.confidence == pytest.approx(0.9 * 0.8, abs=1e-3)


def test_question_times_come_from_its_own_sentence():
    c = call(utt("agent", 2.0, "Goedemiddag. Wat is er gebeurd?"))
    (q,) = questions(c, OPTS, LEX).events
    assert (q.start, q.end) == (2.3, 3.45)  # from "Wat" (second word) to "gebeurd?" (fifth)


def test_follow_up_shares_a_content_word_with_the_customer():
    c = call(utt("customer", 0, "Mijn internet valt steeds weg, ik heb al een storing gemeld."),
             utt("agent", 4, "Sinds wanneer valt het internet weg? Heeft u een klantnummer?"))
    follow, other = questions(c, OPTS, LEX).events
    assert follow.follow_up is True
    assert other.follow_up is False  # only stop words in common ("een")


def test_follow_up_by_deepening_phrase_needs_recent_customer_speech():
    early = utt("agent", 0, "Wat bedoelt u precies?")  # nobody spoke before
    customer = utt("customer", 2, "Het werkt gewoon niet.")
    soon = utt("agent", 4, "Hoe bedoelt u?")
    late = utt("agent", 4 + FOLLOW_UP_WINDOW_S + 1, "Wat maakt dat zo lastig?")
    found = questions(call(early, customer, soon, late), OPTS, LEX)
    assert [e.follow_up for e in found.events] == [False, True, False]
    assert found.metrics["questions"]["agent_follow_up"] == 1


def test_utterance_without_words_uses_its_own_times():
    bare = Utterance("agent", 5.0, 8.0, (), "Goedemiddag. Heeft u uw klantnummer bij de hand?")
    (q,) = questions(call(bare), OPTS, LEX).events
    assert (q.start, q.end, q.kind) == (5.0, 8.0, "closed")
    assert q.text == "Heeft u uw klantnummer bij de hand?"


def test_empathy_count_repetition_and_first_time():
    c = call(utt("customer", 0, "Ik heb al drie keer gebeld en niemand helpt me."),
             utt("agent", 5, "Oh, wat vervelend. Ik kijk even."),
             utt("agent", 12, "Ja, wat vervelend. Het spijt me."),
             utt("agent", 20, "Wat vervelend."),
             utt("customer", 25, "Wat vervelend."))
    found = empathy(c, OPTS, LEX)
    m = found.metrics["empathy"]
    assert m["count"] == 4 and m["distinct"] == 2
    assert m["repeated"] == {"wat vervelend": 3}
    assert m["first_s"] == 5.3
    assert all(e.by == "agent" for e in found.events)


def test_empathy_tolerates_asr_errors_with_lower_confidence():
    c = call(utt("agent", 1.0, "Wat vervelen, voor u.", prob=0.8), utt("agent", 5.0, "Wat vervelend voor u.", prob=0.8))
    misheard, heard = empathy(c, OPTS, LEX).events
    assert misheard.phrase == heard.phrase == "wat vervelend voor u"
    assert (misheard.start, misheard.end) == (1.0, 2.15)
    assert heard.confidence == 0.8
    assert 0.5 * 0.8 < misheard.confidence < 0.8


def test_no_empathy_in_look_alike_sentences():
    c = call(utt("agent", 0, "Ik heb wat naar u gestuurd. Sorry, ik verstond u niet."))
    found = empathy(c, OPTS, LEX)
    assert found.events == ()
    assert found.metrics["empathy"] == {"count": 0, "distinct": 0, "repeated": {}, "first_s": None}


def test_phrase_times_map_tokens_back_to_words():
    # "e-mail" gives two tokens, "..." and "–" none: the phrase after them must get its own words' times
    text = "Uw e-mail kwam niet aan ... – het spijt me."
    words = [Word(t, i * 0.5, i * 0.5 + 0.2, 0.6 if t == "spijt" else 0.9 if t == "me." else 1.0)
             for i, t in enumerate(text.split())]
    (e,) = empathy(call(Utterance.from_words("agent", words)), OPTS, LEX).events
    assert (e.start, e.end, e.text) == (3.5, 4.7, "het spijt me.")
    assert e.confidence == pytest.approx((1.0 + 0.6 + 0.9) / 3, abs=1e-3)


def test_service_language_doors_and_options():
    c = call(utt("agent", 0, "Dat is nu eenmaal de regel. Daar kan ik niets aan doen."),
             utt("agent", 10, "Maar wat ik wel kan doen is een monteur sturen. Ik zoek het voor u uit."),
             utt("customer", 20, "Dat kan niet, u moet me helpen."),
             utt("agent", 30, "Dat kan. Niet vergeten om de stekker erin te doen."))
    found = service_language(c, OPTS, LEX)
    assert found.metrics["service_language"] == {"door_closing": 2, "option_opening": 2}
    assert [(e.type, e.phrase) for e in found.events] == [
        ("door_closing", "dat is nu eenmaal de regel"), ("door_closing", "daar kan ik niets aan doen"),
        ("option_opening", "wat ik wel kan doen"), ("option_opening", "ik zoek het voor u uit")]


def test_agreements_with_and_without_when():
    c = call(utt("agent", 0, "Ik stuur u vandaag nog een bevestiging per e-mail."),
             utt("agent", 5, "Ik zet een melding voor u klaar."),
             utt("agent", 10, "Ik zorg ervoor dat we zorgen dat het werkt."),
             utt("agent", 15, "Wilt u dat ik dit per sms bevestig?"),
             utt("agent", 20, "De router staat op rood."),
             utt("customer", 25, "Ik stuur u morgen de foto."))
    found = agreements_and_closing(c, OPTS, LEX)
    agreements = of_type(found, "agreement")
    assert [(e.phrase, e.has_when) for e in agreements] == [
        ("ik stuur", True), ("ik zet", False), ("ik zorg ervoor", False), ("wilt u dat ik", True)]
    assert agreements[0].text == "Ik stuur u vandaag nog een bevestiging per e-mail."
    assert found.metrics["agreements"] == 4


def test_closing_check_only_near_the_end():
    end = call(utt("agent", 100, "Kan ik u nog ergens mee helpen?"), duration=120.0)
    found = agreements_and_closing(end, OPTS, LEX)
    assert found.metrics["closing_check"] is True
    assert [e.phrase for e in of_type(found, "closing_check")] == ["kan ik u nog ergens mee helpen"]
    early = call(utt("agent", 10, "Kan ik u nog ergens mee helpen?"), utt("agent", 110, "Fijne dag."), duration=120.0)
    found = agreements_and_closing(early, OPTS, LEX)
    assert found.metrics["closing_check"] is False and of_type(found, "closing_check") == []


def test_analyzers_run_together():
    c = call(utt("customer", 0, "Mijn internet doet het niet."),
             utt("agent", 3, "Wat vervelend. Wat is er precies gebeurd?"),
             utt("agent", 50, "Is er verder nog iets?"))
    found = analyze_conversation(c, OPTS, LEX, only=ANALYZERS)
    assert [name for name, _ in ANALYZERS] == ["questions", "empathy", "service_language", "agreements"]
    assert found.metrics["questions"]["agent"] == 2 and found.metrics["questions"]["agent_open"] == 1
    assert found.metrics["empathy"]["count"] == 1
    assert found.metrics["closing_check"] is True and found.metrics["agreements"] == 0
    assert found.metrics["service_language"] == {"door_closing": 0, "option_opening": 0}
