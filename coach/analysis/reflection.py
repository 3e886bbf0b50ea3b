"""Reflection: a few moments of the call, each with a neutral, open question; and general questions.

No scores, no grades, no verdicts: a moment is something worth listening back to, and the question
invites the agent to think about it ("Wat wilde u op dat moment bereiken?"). The moments are chosen
by a fixed order of interest, then shown in time order.
"""

from __future__ import annotations

from typing import Iterable

from ..config import AnalysisOptions
from ..conversation import Conversation, clock
from .confidence import SURE_FROM
from .events import (Agreement, DeadAir, DoorClosing, Empathy, Event, Interruption, Monologue, PhraseEvent, Question,
                     Solution, Summary)


def _quote(text: str, n: int = 12) -> str:
    words = text.split()
    return " ".join(words[:n]) + (" ..." if len(words) > n else "")


def _quote_end(text: str, n: int = 8) -> str:
    """The last ``n`` words: what was being said just before a moment."""
    words = text.split()
    return ("... " if len(words) > n else "") + " ".join(words[-n:])


# title and question per kind of moment, Dutch first, then English: {t} time, {q} a quote, {n} seconds
TEMPLATES: dict[str, dict[str, tuple[str, str]]] = {
    "interrupt_explaining": {
        "nl": ("{t} U begon te praten terwijl de klant nog uitlegde",
               "Op {t} begon u te praten terwijl de klant nog uitlegde (\"{q}\"). Wat wilde u op dat moment bereiken?"),
        "en": ("{t} You started talking while the customer was still explaining",
               "At {t} you started talking while the customer was still explaining (\"{q}\"). "
               "What did you want to achieve at that moment?")},
    "interrupt": {
        "nl": ("{t} U begon midden in een zin van de klant",
               "Op {t} begon u te praten terwijl de klant midden in een zin zat (\"{q}\"). Wat hoorde u de klant "
               "zeggen, en wat deed u daarmee?"),
        "en": ("{t} You started in the middle of the customer's sentence",
               "At {t} you started talking while the customer was in the middle of a sentence (\"{q}\"). What did "
               "you hear the customer say, and what did you do with it?")},
    "interrupted_by_customer": {
        "nl": ("{t} De klant viel u in de rede",
               "Op {t} begon de klant te praten terwijl u uitlegde (\"{q}\"). Wat gebeurde er vlak daarvoor, "
               "en wat had de klant op dat moment nodig?"),
        "en": ("{t} The customer cut in",
               "At {t} the customer started talking while you were explaining (\"{q}\"). What happened just "
               "before, and what did the customer need at that moment?")},
    # acting before summarising can be right (a card blocked at once): the order is shown, never judged
    "solution_without_summary": {
        "nl": ("{t} Een oplossing, zonder samenvatting ervoor",
               "Op {t} kwam u met een oplossing (\"{q}\"). Soms is meteen handelen precies wat de klant nodig "
               "heeft. Wat wist u op dat moment van het probleem, en wat maakte dat dit het moment was om te "
               "handelen?"),
        "en": ("{t} A solution, with no summary before it",
               "At {t} you offered a solution (\"{q}\"). Sometimes acting at once is just what the customer "
               "needs. What did you know about the problem at that moment, and what made it the moment to act?")},
    "summary": {
        "nl": ("{t} U vatte het probleem samen",
               "Op {t} vatte u samen wat de klant vertelde (\"{q}\"). {c}Wat veranderde er in het gesprek na dit "
               "moment?"),
        "en": ("{t} You summarised the problem",
               "At {t} you summarised what the customer told you (\"{q}\"). {c}What changed in the conversation "
               "after this moment?")},
    "door_closing": {
        "nl": ("{t} \"{p}\"", "Op {t} zei u \"{q}\". Hoe denkt u dat de klant dit hoorde, en wat kon u wel voor "
                             "de klant doen?"),
        "en": ("{t} \"{p}\"", "At {t} you said \"{q}\". How do you think the customer heard this, and what could "
                             "you do for the customer?")},
    "dead_air": {
        "nl": ("{t} {n} seconden stilte", "Op {t} was het {n} seconden stil. Wat gebeurde er op dat moment, en wist "
                                         "de klant dat?"),
        "en": ("{t} {n} seconds of silence", "At {t} it was silent for {n} seconds. What was happening, and did the "
                                            "customer know?")},
    "customer_story": {
        "nl": ("{t} De klant vertelt", "Vanaf {t} vertelde de klant {n} seconden lang. Wat hoorde u, en hoe liet u "
                                      "merken dat u luisterde?"),
        "en": ("{t} The customer explains", "From {t} the customer talked for {n} seconds. What did you hear, and "
                                           "how did you show you were listening?")},
    "open_question": {
        "nl": ("{t} Een open vraag", "Op {t} vroeg u \"{q}\". Wat wilde u te weten komen, en wat hoorde u in het "
                                    "antwoord?"),
        "en": ("{t} An open question", "At {t} you asked \"{q}\". What did you want to find out, and what did you "
                                      "hear in the answer?")},
    "empathy": {
        "nl": ("{t} \"{p}\"", "Op {t} zei u \"{q}\". Wat wilde u de klant daarmee laten merken?"),
        "en": ("{t} \"{p}\"", "At {t} you said \"{q}\". What did you want the customer to notice?")},
    "agreement": {
        "nl": ("{t} Een afspraak", "Op {t} maakte u een afspraak (\"{q}\"). Hoe weet u dat de klant dezelfde afspraak "
                                  "heeft gehoord?"),
        "en": ("{t} An agreement", "At {t} you made an agreement (\"{q}\"). How do you know the customer heard the "
                                  "same agreement?")},
}
CONFIRMED = {"nl": "De klant bevestigde het. ", "en": "The customer confirmed it. "}
# an observation below this confidence (match score x ASR word probability) is marked "niet zeker", and
# its moment starts by asking whether it happened at all; summaries and solutions carry the chance that
# they are right (coach.analysis.confidence) and have their own bound, set on the tune calls
UNSURE_BELOW = 0.7
UNSURE = {"nl": ("niet zeker", "Coach is hier niet zeker van: luister het fragment op {t} terug. Klopt wat coach "
                               "hoorde?"),
          "en": ("not sure", "Coach is not sure here: listen back to {t}. Is what coach heard right?")}


def _candidates(events: Iterable[Event], metrics: dict) -> list[tuple[int, dict]]:
    """(priority, moment) pairs; a lower priority number is more worth reflecting on."""
    out: list[tuple[int, dict]] = []

    def add(priority: int, e: Event, kind: str, quote: str = "", seconds: float = 0.0) -> None:
        phrase = e.phrase if isinstance(e, (PhraseEvent, Summary, Solution)) else None
        fields = {"t": clock(e.start), "q": quote, "n": f"{seconds:.0f}", "p": phrase or _quote(e.text, 6)}
        confirmed = isinstance(e, Summary) and e.confirmed
        text = {lang: (title.format(**fields), question.format(**fields, c=CONFIRMED[lang] if confirmed else ""))
                for lang, (title, question) in TEMPLATES[kind].items()}
        unsure = e.confidence < (SURE_FROM if isinstance(e, (Summary, Solution)) else UNSURE_BELOW)
        if unsure:  # not stated as a fact: asked ("niet zeker")
            text = {lang: (f"{title} ({UNSURE[lang][0]})", f"{UNSURE[lang][1].format(**fields)} {question}")
                    for lang, (title, question) in text.items()}
        out.append((priority, {"start": e.start, "end": e.end, "type": e.type, "kind": kind,
                               "title": text["nl"][0], "question": text["nl"][1],
                               "en": {"title": text["en"][0], "question": text["en"][1]},
                               "confidence": e.confidence, "unsure": unsure}))

    events = list(events)
    for e in events:
        if isinstance(e, Interruption) and e.by == "agent":
            if e.while_explaining:
                add(0, e, "interrupt_explaining", _quote_end(e.interrupted_text))
            else:
                add(2, e, "interrupt", _quote_end(e.interrupted_text))
        elif isinstance(e, Interruption) and e.by == "customer":
            add(3, e, "interrupted_by_customer", _quote(e.text, 8))
        elif isinstance(e, Summary):
            add(4, e, "summary", _quote(e.text, 10))
        elif isinstance(e, DoorClosing):
            add(3, e, "door_closing", _quote(e.text, 10))
        elif isinstance(e, Question) and e.kind == "open":
            add(7, e, "open_question", _quote(e.text, 10))
        elif isinstance(e, Empathy):
            add(8, e, "empathy", _quote(e.text, 10))
        elif isinstance(e, Agreement):
            add(9, e, "agreement", _quote(e.text, 10))
        elif isinstance(e, DeadAir):
            add(5, e, "dead_air", seconds=e.duration_s)
    longest = max((e for e in events if isinstance(e, Monologue) and e.by == "customer"),
                  key=lambda e: e.duration, default=None)
    if longest is not None:
        add(6, longest, "customer_story", seconds=longest.duration)
    solutions = [e for e in events if isinstance(e, Solution)]
    if solutions and metrics.get("summary_before_solution") is False:
        add(1, solutions[0], "solution_without_summary", _quote(solutions[0].text, 10))
    return out


def general_questions(metrics: dict, language: str = "nl") -> list[str]:
    """Questions for the whole call, in ``language`` (``nl`` or ``en``)."""
    nl = language != "en"
    questions = ["Wat ging er goed in dit gesprek?" if nl else "What went well in this call?",
                 "Op welk moment voelde de klant zich het meest gehoord, denkt u? Waaraan merkte u dat?" if nl else
                 "At which moment do you think the customer felt most heard? How could you tell?"]
    if "summary_before_solution" in metrics and metrics["summary_before_solution"] is None:  # (absent: not assessed)
        questions.append("Er kwam in dit gesprek geen oplossing of afspraak. Hoe zou de klant het gesprek "
                         "samenvatten, denkt u?" if nl else "This call ended without a solution or agreement. How "
                         "would the customer sum it up, do you think?")
    if metrics.get("closing_check") is False:
        questions.append("Hoe wist u aan het eind dat de klant verder geholpen was?" if nl else
                         "At the end, how did you know the customer had been helped?")
    longest = metrics.get("backchannels", {}).get("longest_customer_stretch_without_s") or 0
    if longest >= 20:
        questions.append(f"De klant sprak een keer {longest:.0f} seconden zonder dat u iets terugzei. "
                         "Hoe laat u aan de telefoon merken dat u luistert?" if nl else
                         f"Once the customer spoke for {longest:.0f} seconds without a sound from you. "
                         "How do you show on the phone that you are listening?")
    questions.append("Wat zou u een volgende keer anders doen, en wat juist hetzelfde?" if nl else
                     "What would you do differently next time, and what exactly the same?")
    return questions


def reflect(conv: Conversation, events: Iterable[Event], metrics: dict, opts: AnalysisOptions) -> dict:
    """Pick up to ``opts.reflection_moments`` moments (the most telling first; quieter ones such as an
    open question or the customer's longest story fill up to three), shown in time order."""
    chosen: list[dict] = []
    opened = min((t.start for t in conv.turns_of("customer")), default=0.0)
    candidates = [(p, m) for p, m in _candidates(events, metrics)
                  if not (m["type"] == "question" and m["start"] < opened)]  # the greeting's "waarmee kan ik u helpen?"
    for _, m in sorted(candidates, key=lambda pm: (pm[0], pm[1]["start"])):
        if any(abs(m["start"] - c["start"]) < 3.0 and m["type"] == c["type"] for c in chosen):
            continue  # one moment of a kind per stretch of the call
        chosen.append(m)
        if len(chosen) >= opts.reflection_moments:
            break
    return {"moments": sorted(chosen, key=lambda m: m["start"]), "questions": general_questions(metrics),
            "questions_en": general_questions(metrics, "en")}
