"""Solution rules by sentence shape (coach/analysis/clauses.py), one class of phrasing per test, each
with a near miss that must not match; and the summary rules of phases.py on hand-built Dutch calls.
No audio, no models."""

from __future__ import annotations

import pytest

from coach.analysis.clauses import call_purpose, lemma, solution_match, verb_lemmas
from coach.analysis.lexicon import load_lexicon, tokens
from coach.analysis.phases import summary_and_solution
from coach.analysis.sentences import utterance_sentences
from coach.config import AnalysisOptions
from test_analysis_phases import conv, utt

LEX = load_lexicon()
OPTS = AnalysisOptions()


def rule(text: str, purpose: str = "problem") -> str | None:
    """The rule that finds a solution in ``text`` (one sentence, clauses as the transcript cuts them)."""
    (s,) = utterance_sentences(utt("agent", 0.0, text))
    m = solution_match(s.toks, s.clauses, LEX, purpose)
    return m.rule if m else None


def test_lemmas_cover_person_tense_and_particles():
    assert lemma("stuurt") == "sturen"
    assert "blokkeren" in verb_lemmas("geblokkeerd")
    assert {"terugstorten", "storten"} <= verb_lemmas("teruggestort")
    assert "vragen" in verb_lemmas("vraag")  # a noun to the dictionary; "vraagt" is the verb
    assert {"passen", "pasen"} <= verb_lemmas("pas")  # no infinitive known: the regular ones guessed
    assert not any(x.endswith("enen") for x in verb_lemmas("sturen"))  # a known verb gets no guesses


@pytest.mark.parametrize("text,expected", [
    # ik / we with an acting verb, subject first
    ("Ik zet uw nummer over op een e-sim.", "commit"),
    ("We sturen morgenochtend een schade-expert.", "commit"),
    ("Wij storten het bedrag terug.", "commit"),
    # verb-second inversion
    ("Dan stuur ik u een nieuwe pas.", "commit"),
    ("Die sturen we naar uw huisadres.", "commit"),
    ("Die reserveer ik nu voor je.", "commit"),
    # separable verbs: the particle later in the clause
    ("Dan vraag ik een nieuwe pas voor u aan.", "commit"),
    ("Ik zet je opzegging nu zelf door.", "commit"),
    # a stem the dictionary knows only as a noun: "pas" of "aanpassen", "reset" of "resetten"
    ("Dan pas ik het voorschot meteen aan.", "commit"),
    ("Ik reset het kastje vanaf hier.", "commit"),
    # a call-back promise
    ("Morgen bel ik u terug.", "commit"),
    ("Ik bel u vanmiddag terug.", "commit"),
    # future / modal with a later acting infinitive
    ("Ik ga een monteur sturen.", "future"),
    ("We zullen hem morgen laten bezorgen.", "future"),
    ("Ik kan u omboeken naar de vlucht van morgen.", "future"),
    # the perfect tense
    ("Ik heb uw pas zojuist geblokkeerd, dus niemand kan er nog iets mee.", "done"),
    ("We hebben een vervangende auto voor u geregeld.", "done"),
    ("Ik heb het bedrag zojuist handmatig teruggestort.", "done"),
    ("Ik heb u ingepland op donderdag.", "done"),
    # Whisper dropped "Ik"
    ("Heb uw pas zojuist geblokkeerd.", "dropped_subject"),
    ("Zet uw nummer nu over op een e-sim.", "dropped_subject"),
    # u krijgt van mij / ons
    ("U krijgt van mij een nieuwe beoordeling van de rekening.", "receive"),
    ("U krijgt van ons een hotelkamer bij het vliegveld.", "receive"),
    # offers, also with a word lost by ASR
    ("Wat ik wel voor u kan doen, is u omboeken.", "offer"),
    ("Wat ik wel voor kan doen, is u omboeken.", "offer"),
    ("Ik stel voor dat we uw contract ophogen.", "offer"),
    # an instruction that solves it
    ("Als u de stekker eruit haalt, dan zoekt hij een nieuwe verbinding.", "instruction"),
    ("Ik leg u uit hoe u de leiding schoon krijgt.", "instruction"),
    # a visit
    ("Donderdag komt er een opzichter bij u langs.", "visit"),
])
def test_solution_classes(text, expected):
    assert rule(text) == expected


@pytest.mark.parametrize("text", [
    "Dan kijk ik even waar het misgaat.",  # looking is no action
    "Ik ga even in uw dossier kijken.",
    "Ik zoek het voor u uit.",
    "Ik vraag me af of dat kan.",  # "afvragen" is no "aanvragen"
    "Verder nog iets wat ik voor u kan doen.",  # the closing check, with a "." from ASR
    "Is er nog iets anders wat ik voor je kan doen.",
    "Ik zet u even in de wacht, dan kijk ik in de planning.",  # waiting
    "Daar kan ik helaas niets aan doen.",  # a negation
    "We kunnen daar niets aan veranderen.",
    "Ik heb uw brief gelezen.",  # the perfect of a reading verb
    "Daar hebben we deze week vaker meldingen over gehad.",
    "U krijgt dan een brief met het bedrag.",  # a procedure: nobody gives it
    "Belt u ons gerust terug als het niet lukt.",  # the customer calls back
    "Zet u de router even uit.",  # an instruction to the customer, not a dropped "Ik"
    "Als u uw postcode geeft, zoek ik het op.",  # a request, with "ik" acting after it
    "Als daar vlekken in zijn gekomen, kunt u de kosten declareren.",
    "Ik kan me voorstellen dat dat vervelend is.",
    "Uw oude kaartje stopt daarna vanzelf met werken.",
])
def test_near_misses_are_no_solution(text):
    assert rule(text) is None


def test_information_call_procedure_is_no_solution():
    assert call_purpose(tokens("Ik ben eenenzestig. Ik wil graag weten hoe dat gaat."), LEX) == "information"
    assert call_purpose(tokens("Mijn rekening is afgewezen. Ik wil graag weten waarom."), LEX) == "problem"
    assert call_purpose(tokens("Mijn internet werkt niet meer."), LEX) == "problem"
    # a procedure is information when the customer asked how something works ...
    for text in ("Wij berekenen dan hoe hoog uw pensioen wordt.", "U krijgt van ons dan een brief.",
                 "Als u eerder stopt, dan wordt het bedrag lager."):
        assert rule(text, "information") is None
    # ... the agent acting for them is still a solution
    assert rule("Ik stuur u de brochure vandaag nog toe.", "information") == "commit"
    assert rule("We sturen morgen een monteur.", "problem") == "commit"


def _run(*utts: Utterance):
    return summary_and_solution(conv(*utts), OPTS, LEX)


def _of(found, etype: str):
    return [e for e in found.events if e.type == etype]


GREETING = utt("agent", 0.0, "Goedemiddag, u spreekt met Joost.")
LEAK = utt("customer", 3.0, "Bij mijn bovenburen is een leiding gesprongen. Het water loopt door het plafond van de "
                            "badkamer en het laminaat in de gang is nat. Ik ben bang dat het plafond naar beneden komt.")


def test_summary_over_two_sentences_ending_in_a_tag():
    found = _run(GREETING, LEAK,
                 utt("agent", 30.0, "Het water heeft uw plafond en het laminaat beschadigd. De leiding is dicht, "
                                    "en u bent bang voor het plafond, toch?"),
                 utt("customer", 40.0, "Ja, dat klopt."),
                 utt("agent", 42.0, "We sturen morgenochtend een expert langs."))
    (summary,) = _of(found, "summary")
    assert summary.start == 30.0 and summary.phrase == "toch" and summary.confirmed
    assert found.metrics["summary_before_solution"] is True
    assert _of(found, "solution")[0].rule == "commit"


def test_tag_question_on_other_words_is_no_summary():
    found = _run(GREETING, LEAK, utt("agent", 30.0, "Uw adres is Kerkstraat vijf, klopt dat?"),
                 utt("customer", 34.0, "Ja."))
    assert _of(found, "summary") == []


def test_summary_starts_at_its_cue_when_asr_joined_the_sentence_before():
    found = _run(GREETING, utt("customer", 3.0, "Mijn vlucht naar Rome van vanavond is geannuleerd."),
                 utt("agent", 10.0, "Dat is vervelend, dat snap ik, begrijp ik goed dat uw vlucht naar Rome niet gaat?"))
    (summary,) = _of(found, "summary")
    assert summary.start > 10.0 and summary.text.startswith("begrijp")


def test_shared_words_survive_asr_spelling():
    found = _run(GREETING,
                 utt("customer", 3.0, "Het simkaartje uit mijn oude telefoon werkt niet in de nieuwe telefoon."),
                 utt("agent", 10.0, "Dus uw oude simkarte werkt niet in uw nieuwe telefoons."),
                 utt("customer", 15.0, "Ja precies."))
    (summary,) = _of(found, "summary")
    assert {"simkarte", "telefoons"} <= set(summary.shared_words)


def test_solution_event_starts_at_its_clause():
    found = _run(GREETING, LEAK, utt("agent", 30.0, "Goed zo, dan stuur ik nu meteen een bergingswagen."))
    (solution,) = _of(found, "solution")
    assert solution.start > 30.0 and solution.text.startswith("dan stuur ik")


@pytest.mark.parametrize("text,found", [
    ("Zijn er nog dingen waar u mee zit?", True),
    ("Verder nog iets?", True),
    ("Heeft u op dit moment nog andere vragen?", True),
    ("Moet ik verder nog ergens naar kijken?", True),
    ("Is dat nog steeds zo?", False),  # "nog" without an indefinite
    ("Heeft u uw klantnummer nog?", False),
    ("Verder nog iets.", False),  # no question
])
def test_closing_check_by_class(text, found):
    from coach.analysis.language import agreements_and_closing

    c = conv(GREETING, utt("customer", 3.0, "Mijn internet werkt niet."), utt("agent", 60.0, text))
    events = [e for e in agreements_and_closing(c, OPTS, LEX).events if e.type == "closing_check"]
    assert bool(events) is found


def test_closing_check_starts_at_its_clause():
    from coach.analysis.language import agreements_and_closing

    c = conv(GREETING, utt("customer", 3.0, "Mijn internet werkt niet."),
             utt("agent", 60.0, "Dan staat hij genoteerd, is daarmee alles besproken, of loopt u nog ergens tegenaan?"))
    (check,) = [e for e in agreements_and_closing(c, OPTS, LEX).events if e.type == "closing_check"]
    assert check.start > 60.0 and check.text.startswith("of loopt u nog ergens")


@pytest.mark.parametrize("text,found", [
    ("Daar kan ik helaas niks aan veranderen, en een vergoeding is er ook niet.", True),
    ("Daar kunnen wij niets aan doen.", True),
    ("Er valt helaas niets aan te doen.", True),
    ("Daar kan ik wel iets aan doen.", False),  # an option, not a closed door
    ("Er is niets aan de hand met uw pas.", False),
])
def test_door_closing_by_class(text, found):
    from coach.analysis.language import service_language

    c = conv(GREETING, utt("customer", 3.0, "Mijn vlucht is geannuleerd."), utt("agent", 10.0, text))
    events = [e for e in service_language(c, OPTS, LEX).events if e.type == "door_closing"]
    assert bool(events) is found


@pytest.mark.parametrize("text,found", [
    ("Dat is schrikken, zo ver van huis.", True),
    ("Dat is flink schrikken, zeker als het zo door het plafond komt.", True),
    ("Dat begrijp ik goed, zeker met een kind met astma.", True),
    ("Dat is echt balen.", True),
    ("Dat begrijp ik niet helemaal, kunt u het herhalen?", False),  # a negation: no empathy
    ("Dat is uw adres?", False),
    ("Dat is over drie weken.", False),
])
def test_empathy_by_class(text, found):
    from coach.analysis.language import empathy

    c = conv(GREETING, utt("customer", 3.0, "Mijn pas is blijven steken."), utt("agent", 10.0, text))
    assert bool(empathy(c, OPTS, LEX).events) is found
