"""What every rendering shows, in the reader's language, from the ``CallReport`` alone.

The renderers (HTML, Markdown, subtitles) take a ``View``: the report with its texts redacted (by
default) and the numbers worded, each with what it means and how it was measured.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..conversation import clock  # noqa: F401  (markdown, html, session import it from here)
from .model import CallReport
from .redact import Redaction, plan

LOW_ASR_CONFIDENCE = 0.6  # mean word probability below this: the words may be wrong

T = {
    "nl": {
        "title": "Terugblik op gesprek {id}", "agent": "Agent", "customer": "Klant", "moments": "Momenten om terug te luisteren",
        "questions": "Vragen om over na te denken", "timeline": "Tijdlijn", "numbers": "De cijfers",
        "voice": "Stem: toonhoogte en volume", "transcript": "Transcript", "play": "Speel af",
        "low": "minder zeker", "stereo": "stereo (één kanaal per partij)", "mono": "mono (sprekers herkend door diarisatie)",
        "intro": "Dit verslag is voor uw eigen reflectie: het laat momenten zien en stelt vragen. Het geeft geen cijfer "
                 "en vergelijkt u met niemand.",
        "redacted": "Persoonsgegevens (namen, adressen, geboortedata, telefoon-, klant-, order- en polisnummers, "
                    "kentekens, e-mail, IBAN, BSN, uitgesproken getallen) zijn in dit verslag weggelaten.",
        "not_redacted": "Persoonsgegevens zijn NIET weggelaten (--no-redact).",
        "how_channels": "gemeten per stereokanaal (exact)", "how_diarization": "gemeten met sprekerherkenning (diarisatie), minder exact",
        "how_words": "uit de herkende woorden", "pitch": "Toonhoogte (Hz)", "energy": "Volume (dB)",
        "legend": "Spraak · overlap · back-channel · interruptie · samenvatting (S) · oplossing (O) · stilte",
        "goal": "Mijn eigen doel voor de komende gesprekken", "session": "Reflectiesessie", "calls": "gesprekken",
        "trend": "Uw eigen cijfers per gesprek", "no_audio": "Geen audio gekoppeld.",
        "no_audio_redacted": "Geen audio gekoppeld: de opname bevat persoonsgegevens (--embed-audio zet de audio erin "
                             "met stilte op de weggelaten stukken; --link-original koppelt de opname zelf).", "no_audio_session": "Audio niet gekoppeld: redactie staat aan; gebruik --link-original om de opnames af te spelen.", "yes": "ja", "no": "nee",
        "no_solution": "geen oplossing", "not_assessed": "niet beoordeeld", "warnings": "Let op", "seconds": "s",
        "roles": "Wie is de agent", "roles_sure": "{p:.0%} zeker", "uncertain": "niet zeker",
    },
    "en": {
        "title": "Looking back on call {id}", "agent": "Agent", "customer": "Customer", "moments": "Moments to listen back to",
        "questions": "Questions to think about", "timeline": "Timeline", "numbers": "The numbers",
        "voice": "Voice: pitch and loudness", "transcript": "Transcript", "play": "Play",
        "low": "less certain", "stereo": "stereo (one channel per party)", "mono": "mono (speakers found by diarization)",
        "intro": "This report is for your own reflection: it shows moments and asks questions. It gives no score and "
                 "compares you with no one.",
        "redacted": "Personal data (names, addresses, dates of birth, phone, customer, order and policy numbers, "
                    "licence plates, e-mail, IBAN, BSN, numbers said as words) has been left out of this report.",
        "not_redacted": "Personal data has NOT been left out (--no-redact).",
        "how_channels": "measured per stereo channel (exact)", "how_diarization": "measured with speaker diarization, less exact",
        "how_words": "from the recognised words", "pitch": "Pitch (Hz)", "energy": "Loudness (dB)",
        "legend": "Speech · overlap · back-channel · interruption · summary (S) · solution (O) · silence",
        "goal": "My own goal for the coming calls", "session": "Reflection session", "calls": "calls",
        "trend": "Your own numbers per call", "no_audio": "No audio linked.",
        "no_audio_redacted": "No audio linked: the recording holds personal data (--embed-audio puts the audio in "
                             "with the left-out stretches silenced; --link-original links the recording itself).", "no_audio_session": "Audio not linked: redaction is on; use --link-original to play the recordings.", "yes": "yes", "no": "no",
        "no_solution": "no solution", "not_assessed": "not assessed", "warnings": "Note", "seconds": "s",
        "roles": "Who is the agent", "roles_sure": "{p:.0%} sure", "uncertain": "not certain",
    },
}


@dataclass(frozen=True)
class Number:
    key: str
    label: str
    value: str
    meaning: str
    how: str
    low_confidence: bool = False
    # not a fact: the voices could not be told apart (call.speaker_separation), or the summary or solution the
    # order figure rests on is "niet zeker" (metrics.phases.summary_before_solution_unsure)
    uncertain: bool = False


@dataclass(frozen=True)
class View:
    report: CallReport
    language: str
    redacted: bool
    t: dict
    clean: object  # str -> str: redacts personal data when enabled
    numbers: list[Number] = field(default_factory=list)
    redaction: Redaction | None = None  # None: nothing is redacted
    _index: dict = field(default_factory=dict)  # id(utterance) -> its index

    def party(self, role: str) -> str:
        return self.t.get(role, role)

    def say(self, u) -> str:
        """An utterance's text as rendered: redacted word by word (the words' own ranges)."""
        i = self._index.get(id(u))
        return self.redaction.text(i) if self.redaction is not None and i is not None else self.clean(u.text)


def mean_word_prob(report: CallReport, role: str | None = None) -> float:
    words = [w for u in report.conversation.utterances if role in (None, u.speaker_role) for w in u.words]
    return sum(w.prob for w in words) / len(words) if words else 0.0


def _numbers(r: CallReport, lang: str, t: dict) -> list[Number]:
    m = r.metrics
    nl = lang == "nl"
    diar = r.call.speaker_source == "diarization"
    timing_how = t["how_diarization"] if diar else t["how_channels"]
    words_low = mean_word_prob(r) < LOW_ASR_CONFIDENCE
    words_how = f"{t['how_words']} ({'gemiddelde woordzekerheid' if nl else 'mean word confidence'} " \
                f"{mean_word_prob(r):.2f})"
    out: list[Number] = []
    unsure = set((r.call.speaker_separation or {}).get("uncertain_figures") or ())

    # the order figure rests on a summary or solution coach is not sure of (metrics.phases, written by
    # coach.analysis.phases; an analysis from before it was kept is not marked)
    if (m.get("phases") or {}).get("summary_before_solution_unsure"):
        unsure.add("summary_before_solution")

    def add(key: str, value: str, meaning_nl: str, meaning_en: str, how: str, low: bool = False) -> None:
        label_nl, label_en = LABELS[key]
        out.append(Number(key, label_nl if nl else label_en, value, meaning_nl if nl else meaning_en, how,
                          low or key in unsure, key in unsure))

    ratio, talk = m.get("talk_ratio", {}), m.get("talk_s", {})
    add("talk_ratio", f"{t['agent']} {100 * ratio.get('agent', 0):.0f}% · {t['customer']} {100 * ratio.get('customer', 0):.0f}%",
        f"Hoeveel van de spreektijd ieder aan het woord was ({talk.get('agent', 0):.0f} s en {talk.get('customer', 0):.0f} s); "
        "tegelijk praten telt voor beiden.",
        f"How much of the speaking time each party had ({talk.get('agent', 0):.0f} s and {talk.get('customer', 0):.0f} s); "
        "talking at once counts for both.", timing_how, diar)
    ints = m.get("interruptions", {})
    add("interruptions", f"{t['agent']} {ints.get('by_agent', 0)} · {t['customer']} {ints.get('by_customer', 0)}",
        "Keren dat iemand begon te praten terwijl de ander midden in een zin zat, langer dan een kort 'ja' of "
        "'hm-hm'. Vroeg beginnen terwijl de ander een zin afmaakt, hoort bij gewoon gesprek en telt niet.",
        "Times someone started talking while the other was in the middle of a sentence, beyond a short 'yes' or "
        "'hm-hm'. Starting early while the other finishes a sentence is ordinary conversation and is not counted.",
        timing_how, diar)
    bc = m.get("backchannels", {})
    add("backchannels", f"{bc.get('agent_per_min_customer_speech', 0):.1f} / min",
        f"Korte luistersignalen ('ja', 'hm-hm', 'ik hoor het') van u per minuut dat de klant sprak; langste stuk "
        f"klantspraak zonder: {bc.get('longest_customer_stretch_without_s', 0):.0f} s.",
        f"Your short listening cues ('ja', 'hm-hm', 'ik hoor het') per minute of customer speech; longest stretch of "
        f"customer speech without one: {bc.get('longest_customer_stretch_without_s', 0):.0f} s.",
        f"{timing_how}; {t['how_words']}", diar or words_low)
    sbs = m.get("summary_before_solution", "absent")  # absent: not assessed (no lexicon for the language)
    add("summary_before_solution", {True: t["yes"], False: t["no"], None: t["no_solution"],
                                    "absent": t["not_assessed"]}[sbs],
        "Vatte u het probleem van de klant samen voordat u met een oplossing kwam?",
        "Did you summarise the customer's problem before offering a solution?", words_how, words_low)
    mono = m.get("longest_monologue_s", {})
    add("longest_monologue", f"{t['agent']} {mono.get('agent', 0):.0f} s · {t['customer']} {mono.get('customer', 0):.0f} s",
        "Het langste stuk dat één partij aan het woord was, terwijl de ander alleen luistersignalen gaf.",
        "The longest stretch one party talked while the other only gave listening cues.", timing_how, diar)
    gap = m.get("response_gap_s", {}).get("agent_median")
    add("response_gap", f"{gap:.1f} s" if gap is not None else "-",
        "Hoe lang u gemiddeld (mediaan) wachtte na de klant voor u antwoordde; in gesprekken is dat vaak zo'n 0,2 s.",
        "How long you typically (median) waited after the customer before answering; in conversation often about 0.2 s.",
        timing_how, diar)
    dead = m.get("dead_air", {})
    add("dead_air", f"{dead.get('count', 0)} × ({dead.get('total_s', 0):.0f} s)",
        "Stiltes van beide partijen langer dan 4 seconden.", "Silences of both parties longer than 4 seconds.",
        timing_how, diar)
    rate = m.get("speech_rate_wpm", {})
    add("speech_rate", f"{t['agent']} {rate.get('agent', 0):.0f} · {t['customer']} {rate.get('customer', 0):.0f} "
        + ("woorden/min" if nl else "words/min"),
        "Spreektempo in woorden per minuut spreektijd.", "Speaking rate in words per minute of speaking time.",
        words_how, words_low)
    q = m.get("questions", {})
    add("questions", f"{q.get('agent', 0)} ({q.get('agent_open', 0)} open, {q.get('agent_follow_up', 0)} "
        + ("doorvragen)" if nl else "follow-ups)"),
        "Uw vragen: open vragen laten de klant vertellen; doorvragen gaan in op het antwoord.",
        "Your questions: open ones let the customer tell; follow-ups build on the answer.", words_how, words_low)
    emp = m.get("empathy", {})
    repeated = ", ".join(f"'{p}' {n}×" for p, n in emp.get("repeated", {}).items())
    add("empathy", f"{emp.get('count', 0)}" + (f" ({repeated})" if repeated else ""),
        "Zinnen als 'wat vervelend voor u'. Eén oprechte zin is vaak genoeg; herhaling kan hol klinken.",
        "Phrases such as 'wat vervelend voor u'. One sincere sentence is often enough; repeating it can sound hollow.",
        words_how, words_low)
    lang_m = m.get("service_language", {})
    add("service_language", f"{lang_m.get('option_opening', 0)} / {lang_m.get('door_closing', 0)}",
        "Taal die mogelijkheden opent ('wat ik wel kan doen') tegenover taal die deuren sluit ('dat is nu eenmaal de regel').",
        "Language that opens options ('wat ik wel kan doen') versus language that closes doors ('dat is nu eenmaal de regel').",
        words_how, words_low)
    add("agreements", f"{m.get('agreements', 0)}; " + ("afsluitende check: " if nl else "closing check: ")
        + (t["yes"] if m.get("closing_check") else t["no"]),
        "Afspraken over wie wat wanneer doet, en of u aan het eind vroeg of er nog iets was.",
        "Agreements on who does what and when, and whether you asked at the end if anything else was needed.",
        words_how, words_low)
    return out


LABELS = {
    "talk_ratio": ("Spreektijd", "Talk time"), "interruptions": ("Interrupties", "Interruptions"),
    "backchannels": ("Luistersignalen", "Back-channels"),
    "summary_before_solution": ("Samenvatting vóór oplossing", "Summary before solution"),
    "longest_monologue": ("Langste monoloog", "Longest monologue"), "response_gap": ("Wachttijd voor antwoord", "Response gap"),
    "dead_air": ("Stiltes", "Dead air"), "speech_rate": ("Spreektempo", "Speaking rate"),
    "questions": ("Vragen", "Questions"), "empathy": ("Empathie", "Empathy"),
    "service_language": ("Opener / sluitende taal", "Opening / closing language"),
    "agreements": ("Afspraken", "Agreements"),
}


def make_view(report: CallReport, language: str = "nl", redact: bool = True, keep_agent_name: bool = True,
              redaction: Redaction | None = None) -> View:
    language = language if language in T else "nl"
    t = T[language]
    if redact and redaction is None:
        redaction = plan(report.conversation, language, keep_agent_name)
    return View(report=report, language=language, redacted=redact, t=t,
                clean=redaction.clean if redact else (lambda s: s), numbers=_numbers(report, language, t),
                redaction=redaction if redact else None,
                _index={id(u): i for i, u in enumerate(report.conversation.utterances)})


def moment_text(view: View, moment: dict) -> tuple[str, str]:
    """(title, question) of a reflection moment in the view's language, redacted."""
    if view.language == "en" and "en" in moment:
        return view.clean(moment["en"]["title"]), view.clean(moment["en"]["question"])
    return view.clean(moment["title"]), view.clean(moment["question"])


def how_recognised(view: View, moment: dict) -> str | None:
    """For an interruption moment: one line on how coach recognised it (the other party was mid-sentence,
    and what happened next), from the interruption's evidence; None for other moments."""
    if moment.get("type") != "interruption":
        return None
    ev = next((e for e in view.report.events if e.type == "interruption" and abs(e.start - moment["start"]) < 0.01),
              None)
    if ev is None:
        return None
    nl = view.language == "nl"
    who, by = view.party(getattr(ev, "interrupted", "") or ""), view.party(ev.by or "")
    kind = getattr(ev, "kind", "")
    overlap = getattr(ev, "overlap_s", 0.0)
    evidence = getattr(ev, "evidence", None)
    head = (f"Hoe herkend: {overlap:.1f} s tegelijk gesproken" if nl else
            f"How recognised: {overlap:.1f} s of talking at once")
    if not evidence:  # an analysis from before coach kept its evidence
        kinds = {"competitive": ("de ander stopte", "the other stopped"),
                 "cooperative": ("de ander maakte het af", "the other finished anyway"),
                 "butting_in": ("wie begon, gaf het op", "the one who started gave up")}
        return f"{head}; {kinds.get(kind, (kind, kind))[0 if nl else 1]}."
    words = evidence.words_after
    mid = (f"{who} was midden in een zin (geen zinseinde toen {by} begon, daarna nog {words} woorden)" if nl else
           f"{who} was mid-sentence (no sentence end when {by} started, {words} more words after)")
    stopped = evidence.stopped_within_s
    if kind == "competitive":
        then = (f"stopte {stopped:.1f} s later" + (" zonder de zin af te maken" if evidence.cut_off else "")
                if nl else f"stopped {stopped:.1f} s later" + (" without finishing" if evidence.cut_off else ""))
    elif kind == "cooperative":
        then = "praatte door en maakte het af" if nl else "went on and finished anyway"
    else:
        then = (f"praatte door; {by} brak af" if nl else f"went on; {by} broke off")
    return f"{head}; {mid} en {then}." if nl else f"{head}; {mid}, and {then}."


def general_questions(view: View) -> list[str]:
    refl = view.report.reflection
    qs = refl.get("questions_en") if view.language == "en" and refl.get("questions_en") else refl.get("questions", [])
    return [view.clean(q) for q in qs]


def excerpt(view: View, start: float, end: float, pad: float = 1.0) -> list[tuple[str, str]]:
    """(role, text) of the utterances around a moment, redacted."""
    out = []
    for i, u in enumerate(view.report.conversation.utterances):
        if u.end >= start - pad and u.start <= end + pad:
            idx = [k for k, w in enumerate(u.words) if w.end >= start - pad and w.start <= end + pad]
            r = view.redaction
            if r is not None and idx and r.utterances[i].words:
                out.append((u.speaker_role, r.words_text(i, idx)))
            elif r is not None:
                out.append((u.speaker_role, r.text(i)))
            else:
                out.append((u.speaker_role, " ".join(u.words[k].text.strip() for k in idx) if idx else u.text))
    return out


def roles_line(view: "View") -> str:
    """How the roles were decided, for the report's header: which cues decided and how sure.
    Empty when the agent channel was configured, and for reports without a method."""
    c = view.report.call
    if not c.roles_method or c.roles_method.startswith("configured"):
        return ""  # the user's setting: nothing to weigh (a disagreeing cue is a warning)
    sure = f" ({view.t['roles_sure'].format(p=c.roles_confidence)})" if c.roles_confidence is not None else ""
    if sure and c.speaker_separation and not c.speaker_separation.get("reliable", True):
        sure = f"{sure[:-1]}, {view.t['uncertain']})"  # the voices could not be told apart: no confident label
    return f"{view.t['roles']}{sure}: {view.clean(c.roles_method)}"
