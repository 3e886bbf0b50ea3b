"""The agent's language: questions, empathy, service language, agreements and the closing check.

Behaviours 4-7 of ``docs/COACHING.md``, from the transcript alone. Agent utterances are cut into
sentences after words ending in ``.``, ``?`` or ``!``; lexicon phrases are matched per sentence on
tokens, tolerating small ASR errors. An event's times come from the words it covers; its
confidence is the match score times the mean ASR probability of those words.
"""

from __future__ import annotations

from ..config import AnalysisOptions
from ..conversation import Conversation
from . import Analyzer, Findings
from .events import Agreement, ClosingCheck, DoorClosing, Empathy, OptionOpening, PhraseEvent, Question
from .lexicon import STRICT_FUZZY, Lexicon, find_phrases, tokens
from .metrics import AgreementMetrics, EmpathyMetrics, QuestionMetrics, ServiceLanguageMetrics
from .sentences import Sentence, utterance_sentences

FOLLOW_UP_WINDOW_S = 10.0  # a follow-up question starts at most this long after the customer spoke


def _agent_sentences(conv: Conversation) -> list[Sentence]:
    return [s for u in conv.utterances_of("agent") for s in utterance_sentences(u)]


def questions(conv: Conversation, opts: AnalysisOptions, lex: Lexicon) -> Findings:
    """Agent questions (``Sentence.question_kind``), open or closed, and which follow up on what the
    customer just said.

    A follow-up starts within ``FOLLOW_UP_WINDOW_S`` after customer speech and shares a content
    word (``Lexicon.content_words``: not in ``stopwords``) with the customer's utterances in that
    window, or uses a deepening phrase ("wat bedoelt u", "wat maakt dat").
    """
    customer = conv.utterances_of("customer")
    events: list[Question] = []
    for s in _agent_sentences(conv):
        found = s.question_kind(lex, opts.fuzzy_match)
        if found is None:
            continue
        heard = [t for u in customer if u.start < s.start <= u.end + FOLLOW_UP_WINDOW_S for t in tokens(u.text)]
        follow_up = bool(heard) and bool(
            find_phrases(s.toks, lex.get("question_deepening"), opts.fuzzy_match)
            or find_phrases(lex.content_words(heard), tuple(lex.content_words(s.toks)), opts.fuzzy_match))
        events.append(s.event(Question, found.score, found.clause, kind=found.kind, follow_up=follow_up))
    return Findings(metrics=QuestionMetrics(open=sum(e.kind == "open" for e in events),
                                            closed=sum(e.kind == "closed" for e in events),
                                            follow_up=sum(e.follow_up for e in events)).to_dict(),
                    events=tuple(events))


def _phrase_events(conv: Conversation, lex: Lexicon, name: str, fuzzy: float,
                   cls: type[PhraseEvent]) -> list[PhraseEvent]:
    """A ``cls`` event for every phrase of the lexicon list ``name`` in the agent's sentences."""
    return [s.phrase_event(cls, m)
            for s in _agent_sentences(conv) for m in find_phrases(s.toks, lex.get(name), fuzzy)]


def empathy(conv: Conversation, opts: AnalysisOptions, lex: Lexicon) -> Findings:
    """Agent empathy phrases: how many, how many different, which repeated, and the first one's time."""
    events = _phrase_events(conv, lex, "empathy", opts.fuzzy_match, Empathy)
    events = sorted(events + _empathy_by_class(conv, lex, events), key=lambda e: e.start)
    return Findings(metrics=EmpathyMetrics(phrases=tuple(e.phrase for e in events),
                                           first_s=events[0].start if events else None).to_dict(),
                    events=tuple(events))


def _empathy_by_class(conv: Conversation, lex: Lexicon, found: list[PhraseEvent]) -> list[PhraseEvent]:
    """Empathy by class, not by sentence, in clauses no ``empathy`` phrase found: "dat is" with a
    feeling word (``empathy_feeling``) at most three words on ("dat is flink schrikken", "dat is echt
    balen"), or "dat snap / begrijp ik" ("dat begrijp ik goed"); never with a negation ("dat begrijp
    ik niet")."""
    feeling = set(lex.get("empathy_feeling"))
    english = lex.name == "en"
    out: list[PhraseEvent] = []
    for s in _agent_sentences(conv):
        bounds = sorted(set(s.clauses)) + [len(s.toks)]
        for a, b in zip(bounds, bounds[1:]):
            if any(s.span(a, b)[0] <= e.start < s.span(a, b)[1] for e in found):
                continue
            cl = s.toks[a:b]
            if english:
                # "that's really stressful", "that must be worrying", "that sounds so annoying"
                if EN_NEGATION & set(cl) or any(t.endswith("n't") for t in cl):
                    continue
                lead = next((n for n in EN_FEELING_LEADS if cl[:len(n)] == list(n)), None)
                if lead and feeling & set(cl[len(lead):len(lead) + 3]):
                    out.append(s.event(Empathy, 0.8, a, b, phrase=" ".join(cl[:len(lead) + 3])))
                continue
            if {"niet", "geen", "niets", "niks"} & set(cl):
                continue
            if cl[:2] == ["dat", "is"] and feeling & set(cl[2:5]) \
                    or len(cl) >= 3 and cl[0] == "dat" and cl[1] in ("snap", "begrijp") and cl[2] == "ik":
                out.append(s.event(Empathy, 0.8, a, b, phrase=" ".join(cl[:4])))
    return out


EN_NEGATION = frozenset({"not", "no", "never", "nothing"})
EN_FEELING_LEADS = (("that's",), ("that", "is"), ("that", "must", "be"), ("that", "sounds"), ("it's",),
                    ("it", "must", "be"), ("that", "sounds", "really"))


def service_language(conv: Conversation, opts: AnalysisOptions, lex: Lexicon) -> Findings:
    """Agent phrases that close doors ("daar kan ik niets aan doen") or open options ("wat ik wel kan doen")."""
    closing = _phrase_events(conv, lex, "door_closing", opts.fuzzy_match, DoorClosing)
    closing += _powerless(conv, lex, closing)
    opening = _phrase_events(conv, lex, "option_opening", opts.fuzzy_match, OptionOpening)
    return Findings(metrics=ServiceLanguageMetrics(door_closing=len(closing), option_opening=len(opening)).to_dict(),
                    events=tuple(sorted(closing + opening, key=lambda e: e.start)))


def _powerless(conv: Conversation, lex: Lexicon, found: list[PhraseEvent]) -> list[PhraseEvent]:
    """Door-closing by class, not by sentence: a clause that says nothing can be done about it, in any
    wording or order: "daar" / "er" (or "daaraan"), "niets" / "niks" and "aan", with "kan" / "kunnen" /
    "valt" ("daar kan ik helaas niks aan veranderen", "daar kunnen wij niets aan doen", "er valt niets
    aan te doen"). Sentences a ``door_closing`` phrase already found are skipped."""
    out: list[PhraseEvent] = []
    for s in _agent_sentences(conv):
        if any(s.start <= e.start <= s.end for e in found):
            continue
        bounds = sorted(set(s.clauses)) + [len(s.toks)]
        for a, b in zip(bounds, bounds[1:]):
            cl = set(s.toks[a:b])
            if lex.name == "en":
                # "there's really nothing I can do about it", "nothing we can change"
                if "nothing" in cl and {"can", "could"} & cl and {"do", "about", "change"} & cl:
                    out.append(s.event(DoorClosing, 0.8, a, b, phrase=" ".join(s.toks[a:b][:8])))
                    break
                continue
            if ({"daar", "er"} & cl and "aan" in cl or "daaraan" in cl) and {"niets", "niks"} & cl \
                    and {"kan", "kunnen", "valt"} & cl:
                out.append(s.event(DoorClosing, 0.8, a, b, phrase=" ".join(s.toks[a:b][:8])))
                break
    return out


def agreements_and_closing(conv: Conversation, opts: AnalysisOptions, lex: Lexicon) -> Findings:
    """Agreements (agent sentences that commit to an action, with or without a when) and the closing check.

    An ``agreement`` event covers the whole sentence; ``has_when`` tells whether it names a time or
    channel ("morgen", "per e-mail"). A ``closing_check`` counts only in the last
    ``opts.closing_window_s`` seconds of the call: a ``closing_check`` phrase ("is er nog iets ..."), or
    any question with a word of ``closing_check_still`` ("nog", "verder") and one of
    ``closing_check_open`` ("iets", "ergens", "vragen", "dingen"): the class, not the sentences.
    """
    call_end = max([conv.duration] + [u.end for u in conv.utterances])
    events: list[PhraseEvent] = []
    for s in _agent_sentences(conv):
        actions = find_phrases(s.toks, lex.get("agreement_action"), opts.fuzzy_match)
        if actions:
            when = find_phrases(s.toks, lex.get("agreement_when"), STRICT_FUZZY)
            events.append(s.event(Agreement, actions[0].score, phrase=actions[0].phrase, has_when=bool(when),
                                  when=when[0].phrase if when else None))
        if s.start >= call_end - opts.closing_window_s:
            found = [s.phrase_event(ClosingCheck, m)
                     for m in find_phrases(s.toks, lex.get("closing_check"), opts.fuzzy_match)]
            if not found and s.question_kind(lex, opts.fuzzy_match) is not None:
                # any question whether something is still open: "nog" / "verder" with an indefinite
                # ("Zijn er nog dingen waar u mee zit?", "Verder nog iets?", "Heeft u nog andere vragen?")
                still = set(lex.get("closing_check_still")) & set(s.toks)
                what = set(lex.get("closing_check_open")) & set(s.toks)
                if still and what:
                    # from the clause it is in: ASR joins it to the sentence before ("Dan staat hij
                    # genoteerd, ..., is daarmee alles besproken, of loopt u nog ergens tegenaan?")
                    at = min(k for k, t in enumerate(s.toks) if t in still)
                    first = max(c for c in s.clauses if c <= at)
                    found = [s.event(ClosingCheck, 0.8, first, phrase=f"{sorted(still)[0]} ... {sorted(what)[0]}")]
            events += found
    metrics = AgreementMetrics(agreements=sum(isinstance(e, Agreement) for e in events),
                               closing_check=any(isinstance(e, ClosingCheck) for e in events))
    return Findings(metrics=metrics.to_dict(), events=tuple(events))


ANALYZERS: list[tuple[str, Analyzer]] = [("questions", questions), ("empathy", empathy), ("service_language", service_language),
             ("agreements", agreements_and_closing)]
