"""Reflection: a few moments of the call, each with a neutral, open question; and general questions.

No scores, no grades, no verdicts: a moment is something worth listening back to, and the question
invites the agent to think about it ("Wat wilde u op dat moment bereiken?"). The moments are chosen
by a fixed order of interest, then shown in time order.
"""

from __future__ import annotations

from ..config import AnalysisOptions
from ..conversation import Conversation


def clock(t: float) -> str:
    return f"{int(t // 60)}:{int(t % 60):02d}"


def _quote(text: str, n: int = 12) -> str:
    words = text.split()
    return " ".join(words[:n]) + (" ..." if len(words) > n else "")


def _quote_end(text: str, n: int = 8) -> str:
    """The last ``n`` words: what was being said just before a moment."""
    words = text.split()
    return ("... " if len(words) > n else "") + " ".join(words[-n:])


def _candidates(events: list[dict], metrics: dict) -> list[tuple[int, dict]]:
    """(priority, moment) pairs; a lower priority number is more worth reflecting on."""
    out: list[tuple[int, dict]] = []

    def add(priority: int, e: dict, title: str, question: str) -> None:
        out.append((priority, {"start": e["start"], "end": e["end"], "type": e["type"], "title": title,
                               "question": question, "confidence": e.get("confidence")}))

    for e in events:
        t = clock(e["start"])
        if e["type"] == "interruption" and e["by"] == "agent":
            if e.get("while_explaining"):
                add(0, e, f"{t} U begon te praten terwijl de klant nog uitlegde",
                    f"Op {t} begon u te praten terwijl de klant nog uitlegde (\"{_quote_end(e['interrupted_text'])}\"). "
                    "Wat wilde u op dat moment bereiken?")
            else:
                add(2, e, f"{t} U en de klant spraken tegelijk",
                    f"Op {t} begon u te praten terwijl de klant aan het woord was. Wat hoorde u de klant zeggen, "
                    "en wat deed u daarmee?")
        elif e["type"] == "interruption" and e["by"] == "customer":
            add(3, e, f"{t} De klant viel u in de rede",
                f"Op {t} begon de klant te praten terwijl u uitlegde (\"{_quote(e['text'], 8)}\"). "
                "Wat gebeurde er vlak daarvoor, en wat had de klant op dat moment nodig?")
        elif e["type"] == "summary":
            add(4, e, f"{t} U vatte het probleem samen",
                f"Op {t} vatte u samen wat de klant vertelde (\"{_quote(e['text'], 10)}\"). "
                + ("De klant bevestigde het. " if e.get("confirmed") else "")
                + "Wat veranderde er in het gesprek na dit moment?")
        elif e["type"] == "door_closing":
            add(3, e, f"{t} \"{e.get('phrase', _quote(e['text'], 6))}\"",
                f"Op {t} zei u \"{_quote(e['text'], 10)}\". Hoe denkt u dat de klant dit hoorde, "
                "en wat kon u wel voor de klant doen?")
        elif e["type"] == "question" and e.get("kind") == "open":
            add(7, e, f"{t} Een open vraag",
                f"Op {t} vroeg u \"{_quote(e['text'], 10)}\". Wat wilde u te weten komen, en wat hoorde u "
                "in het antwoord?")
        elif e["type"] == "empathy":
            add(8, e, f"{t} \"{e.get('phrase', _quote(e['text'], 6))}\"",
                f"Op {t} zei u \"{_quote(e['text'], 10)}\". Wat wilde u de klant daarmee laten merken?")
        elif e["type"] == "agreement":
            add(9, e, f"{t} Een afspraak",
                f"Op {t} maakte u een afspraak (\"{_quote(e['text'], 10)}\"). Hoe weet u dat de klant "
                "dezelfde afspraak heeft gehoord?")
        elif e["type"] == "dead_air":
            add(5, e, f"{t} {e['duration_s']:.0f} seconden stilte",
                f"Op {t} was het {e['duration_s']:.0f} seconden stil. Wat gebeurde er op dat moment, "
                "en wist de klant dat?")
    longest = max((e for e in events if e["type"] == "monologue" and e["by"] == "customer"),
                  key=lambda e: e["end"] - e["start"], default=None)
    if longest is not None:
        t = clock(longest["start"])
        add(6, longest, f"{t} De klant vertelt",
            f"Vanaf {t} vertelde de klant {longest['end'] - longest['start']:.0f} seconden lang. Wat hoorde u, "
            "en hoe liet u merken dat u luisterde?")
    solutions = [e for e in events if e["type"] == "solution"]
    if solutions and metrics.get("summary_before_solution") is False:
        e = solutions[0]
        t = clock(e["start"])
        add(1, e, f"{t} Een oplossing, nog zonder samenvatting",
            f"Op {t} kwam u met een oplossing (\"{_quote(e['text'], 10)}\"). Hoe wist u op dat moment "
            "wat het probleem van de klant precies was?")
    return out


def general_questions(metrics: dict) -> list[str]:
    questions = ["Wat ging er goed in dit gesprek?",
                 "Op welk moment voelde de klant zich het meest gehoord, denkt u? Waaraan merkte u dat?"]
    if metrics.get("summary_before_solution") is None:
        questions.append("Er kwam in dit gesprek geen oplossing of afspraak. Hoe zou de klant het gesprek "
                         "samenvatten, denkt u?")
    if metrics.get("closing_check") is False:
        questions.append("Hoe wist u aan het eind dat de klant verder geholpen was?")
    longest = metrics.get("backchannels", {}).get("longest_customer_stretch_without_s") or 0
    if longest >= 20:
        questions.append(f"De klant sprak een keer {longest:.0f} seconden zonder dat u iets terugzei. "
                         "Hoe laat u aan de telefoon merken dat u luistert?")
    questions.append("Wat zou u een volgende keer anders doen, en wat juist hetzelfde?")
    return questions


def reflect(conv: Conversation, events: list[dict], metrics: dict, opts: AnalysisOptions) -> dict:
    """Pick up to ``opts.reflection_moments`` moments (the most telling first; quieter ones such as an
    open question or the customer's longest story fill up to three), shown in time order."""
    chosen: list[dict] = []
    for _, m in sorted(_candidates(events, metrics), key=lambda pm: (pm[0], pm[1]["start"])):
        if any(abs(m["start"] - c["start"]) < 3.0 and m["type"] == c["type"] for c in chosen):
            continue  # one moment of a kind per stretch of the call
        chosen.append(m)
        if len(chosen) >= opts.reflection_moments:
            break
    return {"moments": sorted(chosen, key=lambda m: m["start"]), "questions": general_questions(metrics)}
