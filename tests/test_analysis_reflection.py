"""Reflection moments and questions, alone and from the whole analysis (no audio, no models)."""

from __future__ import annotations

import re
from dataclasses import replace

from coach.analysis import analyze_conversation
from coach.analysis.events import DeadAir, Interruption, Solution
from coach.analysis.reflection import reflect
from coach.config import AnalysisOptions
from coach.conversation import Conversation, Turn, Utterance, Word

OPTS = AnalysisOptions()
JUDGING = ("score", "cijfer", "fout", "slecht", "goed gedaan", "onvoldoende")


def said(role: str, start: float, end: float, text: str, prob: float = 0.9) -> Utterance:
    """``text`` spoken evenly from ``start`` to ``end``."""
    toks = text.split()
    step = (end - start) / len(toks)
    return Utterance.from_words(role, [Word(w, start + i * step, start + (i + 1) * step - 0.02, prob)
                                       for i, w in enumerate(toks)])


def conv(speech, duration: float = 120.0) -> Conversation:
    """``speech``: (role, start, end, text) tuples; each is a speech region with its words."""
    utts = [said(r, s, e, text) for r, s, e, text in speech]
    return Conversation(utterances=tuple(sorted(utts, key=lambda u: u.start)), duration=duration,
                        speaker_source="channels", roles={"left": "agent", "right": "customer"},
                        turns=tuple(sorted((Turn(r, s, e) for r, s, e, _ in speech), key=lambda t: t.start)))


def judging(text: str) -> list[str]:
    return [w for w in JUDGING if re.search(rf"\b{w}", text.lower())]


GREETING = ("agent", 0.0, 3.0, "Goedemiddag, u spreekt met Sanne van de klantenservice, waarmee kan ik u helpen?")
EXPLAINING = ("customer", 3.5, 10.0, "Mijn internet valt al drie dagen steeds weg en ik heb de router twee keer "
                                      "opnieuw opgestart maar")
# the agent starts while the customer explains (5.5 s in) with a solution; the customer stops 0.5 s later
INTERRUPTING_SOLUTION = ("agent", 9.0, 13.0, "Ik ga een monteur sturen die morgen bij u langskomt.")


def test_agent_interruption_while_explaining_gives_an_open_dutch_question():
    found = analyze_conversation(conv([GREETING, EXPLAINING, INTERRUPTING_SOLUTION]))
    (it,) = [e for e in found.events if e.type == "interruption"]
    assert it.while_explaining is True
    (moment,) = [m for m in found.reflection["moments"] if m["type"] == "interruption"]
    assert moment["start"] == 9.0
    assert moment["question"].startswith("Op 0:09 begon u te praten terwijl de klant nog uitlegde")
    assert moment["question"].endswith("?")
    assert "Wat wilde u op dat moment bereiken?" in moment["question"]


def test_agent_interruption_early_in_the_customers_turn_quotes_the_cut_sentence():
    found = analyze_conversation(conv([GREETING, ("customer", 3.5, 6.0, "Ik bel over mijn factuur van deze maand"),
                                       ("agent", 4.5, 8.0, "Ik zie uw factuur hier al staan, mevrouw.")]))
    (it,) = [e for e in found.events if e.type == "interruption"]
    assert it.while_explaining is False and it.evidence.complete_before is False
    (moment,) = [m for m in found.reflection["moments"] if m["type"] == "interruption"]
    assert moment["title"] == "0:04 U begon midden in een zin van de klant"
    assert moment["question"].startswith('Op 0:04 begon u te praten terwijl de klant midden in een zin zat ("Ik bel')
    assert moment["en"]["title"] == "0:04 You started in the middle of the customer's sentence"
    assert not judging(moment["question"])


def test_an_early_start_at_the_end_of_the_customers_sentence_gives_no_interruption_moment():
    found = analyze_conversation(conv([GREETING, ("customer", 3.5, 8.0, "Ik bel over mijn factuur van deze maand."),
                                       ("agent", 7.4, 11.0, "Ik zie uw factuur hier al staan, mevrouw.")]))
    assert [e for e in found.events if e.type == "interruption"] == []
    assert [e.kind for e in found.events if e.type == "overlap"] == ["turn_end"]
    assert not [m for m in found.reflection["moments"] if m["type"] == "interruption"]


def test_solution_without_summary_gives_a_moment():
    found = analyze_conversation(conv([GREETING, EXPLAINING, ("agent", 10.5, 13.0, "Ik ga een monteur sturen.")]))
    assert found.metrics["summary_before_solution"] is False
    (moment,) = [m for m in found.reflection["moments"] if m["type"] == "solution"]
    assert moment["start"] == 10.5
    assert "zonder samenvatting" in moment["title"]
    assert moment["question"].endswith("?")


def test_summary_before_solution_gives_no_solution_moment():
    found = analyze_conversation(conv([
        GREETING, EXPLAINING,
        ("agent", 10.5, 14.0, "Als ik het goed begrijp valt uw internet steeds weg. Klopt dat?"),
        ("customer", 14.5, 15.5, "Ja, dat klopt."),
        ("agent", 16.0, 18.0, "Ik ga een monteur sturen.")]))
    assert found.metrics["summary_before_solution"] is True
    types = [m["type"] for m in found.reflection["moments"]]
    assert "solution" not in types and "summary" in types
    (summary,) = [m for m in found.reflection["moments"] if m["type"] == "summary"]
    assert "De klant bevestigde het." in summary["question"]


def _interruption(start: float) -> Interruption:
    return Interruption(by="agent", interrupted="customer", start=start, end=start + 2,
                        text="Ik ga het voor u regelen.", interrupted_text="en toen viel het internet weer weg",
                        while_explaining=True, confidence=0.9)


def _dead_air(start: float) -> DeadAir:
    return DeadAir(by=None, start=start, end=start + 6, duration_s=6.0, text="", confidence=1.0)


def test_at_most_the_configured_number_of_moments_in_time_order():
    events = [_dead_air(2.0), *[_interruption(10.0 * k) for k in range(8, 0, -1)]]
    reflection = reflect(conv([GREETING]), events, {"summary_before_solution": None}, replace(OPTS, reflection_moments=3))
    moments = reflection["moments"]
    assert len(moments) == 3
    assert [m["start"] for m in moments] == [10.0, 20.0, 30.0]  # the first three, shown in time order
    assert all(m["type"] == "interruption" for m in moments)  # more telling than the early dead air

    reflection = reflect(conv([GREETING]), events, {}, OPTS)
    assert len(reflection["moments"]) == OPTS.reflection_moments == 5
    starts = [m["start"] for m in reflection["moments"]]
    assert starts == sorted(starts)


def test_moments_are_chosen_by_interest_and_shown_in_time_order():
    solution = Solution(by="agent", start=5.0, end=7.0, text="Ik ga een monteur sturen.", confidence=0.9)
    events = [solution, _interruption(30.0), _dead_air(60.0)]
    moments = reflect(conv([GREETING]), events, {"summary_before_solution": False}, OPTS)["moments"]
    assert [(m["type"], m["start"]) for m in moments] == [("solution", 5.0), ("interruption", 30.0),
                                                          ("dead_air", 60.0)]
    moments = reflect(conv([GREETING]), events, {"summary_before_solution": False},
                      replace(OPTS, reflection_moments=2))["moments"]
    assert [m["type"] for m in moments] == ["solution", "interruption"]


def test_one_moment_of_a_kind_per_stretch():
    events = [_interruption(10.0), _interruption(11.5), _interruption(20.0)]
    moments = reflect(conv([GREETING]), events, {}, OPTS)["moments"]
    assert [m["start"] for m in moments] == [10.0, 20.0]


def test_general_questions():
    questions = reflect(conv([GREETING]), [], {"summary_before_solution": True}, OPTS)["questions"]
    assert questions[0] == "Wat ging er goed in dit gesprek?"
    assert questions[-1] == "Wat zou u een volgende keer anders doen, en wat juist hetzelfde?"
    assert all(q.endswith("?") for q in questions)
    assert not any("geen oplossing" in q for q in questions)

    metrics = {"summary_before_solution": None, "closing_check": False,
               "backchannels": {"longest_customer_stretch_without_s": 25.0}}
    more = reflect(conv([GREETING]), [], metrics, OPTS)["questions"]
    assert len(more) == len(questions) + 3
    assert any("geen oplossing" in q for q in more)
    assert any("25 seconden" in q for q in more)


def test_no_judging_words_in_moments_or_questions():
    call = conv([
        GREETING, EXPLAINING, INTERRUPTING_SOLUTION,
        ("customer", 13.5, 17.0, "Morgen kan ik niet, dan moet ik werken."),
        ("agent", 17.5, 21.0, "Daar kan ik helaas niets aan doen, u moet thuis zijn."),
        ("customer", 20.0, 24.0, "Nee, dat vind ik echt niet acceptabel."),  # the customer interrupts
        ("agent", 31.0, 35.0, "Als ik het goed begrijp kunt u morgen niet. Klopt dat?"),  # after 7 s of silence
        ("customer", 35.5, 36.5, "Ja, klopt."),
    ])
    found = analyze_conversation(call, replace(OPTS, reflection_moments=10))
    types = {m["type"] for m in found.reflection["moments"]}
    assert {"interruption", "solution", "door_closing", "dead_air", "summary"} <= types
    texts = [m["title"] for m in found.reflection["moments"]] + [m["question"] for m in found.reflection["moments"]]
    texts += found.reflection["questions"]
    assert all(judging(t) == [] for t in texts), [t for t in texts if judging(t)]
    assert all(m["question"].endswith("?") for m in found.reflection["moments"])
    assert judging("Dat was fout, onvoldoende.") == ["fout", "onvoldoende"]  # the check itself works


def test_solution_before_summary_is_shown_not_judged():
    # issue 11: acting before summarising can be right (a card blocked at once)
    solution = Solution(by="agent", start=5.0, end=7.0, text="Ik heb uw pas geblokkeerd.", confidence=0.9)
    (moment,) = reflect(conv([GREETING]), [solution], {"summary_before_solution": False}, OPTS)["moments"]
    for text in (moment["title"], moment["question"], moment["en"]["title"], moment["en"]["question"]):
        assert not judging(text)
        assert "nog zonder" not in text and "should" not in text and "moet" not in text
    assert "meteen handelen" in moment["question"] and moment["unsure"] is False


def test_an_unsure_observation_is_asked_not_stated():
    sure = Solution(by="agent", start=5.0, end=7.0, text="Ik heb uw pas geblokkeerd.", confidence=0.9)
    unsure = Solution(by="agent", start=5.0, end=7.0, text="heb uw pas geblokkeerd.", confidence=0.5)
    (m_sure,) = reflect(conv([GREETING]), [sure], {"summary_before_solution": False}, OPTS)["moments"]
    (m_unsure,) = reflect(conv([GREETING]), [unsure], {"summary_before_solution": False}, OPTS)["moments"]
    assert "niet zeker" not in m_sure["title"]
    assert m_unsure["title"].endswith("(niet zeker)") and m_unsure["unsure"] is True
    assert m_unsure["question"].startswith("Coach is hier niet zeker van") and "Klopt wat coach hoorde?" in m_unsure["question"]
    assert m_unsure["en"]["title"].endswith("(not sure)")
