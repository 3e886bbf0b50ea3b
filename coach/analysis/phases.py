"""Summary before solution: did the agent check their understanding of the problem before acting?

- **Summary** (which rule: ``Summary.basis`` and ``phrase``): an agent sentence
  - with a cue that announces a restatement (lexicon ``summary``: "als ik het goed begrijp", "even
    kijken of ik het goed heb", "ik vat het even samen", "uw vraag is"), basis "phrase";
  - or a restatement without such a cue: it starts with "dus" (``summary_dus``) or ends in a tag
    question (``summary_tag``: "klopt dat?", "toch?") and repeats ``MIN_PARAPHRASE_WORDS`` or more of the
    customer's content words, whatever share of its own words they are (basis "paraphrase", phrase
    the tag or "dus"); a tag alone ("Uw adres is Kerkstraat 5, klopt dat?") is no summary;
  - or a bare paraphrase: ``MIN_PARAPHRASE_WORDS`` or more shared content words that are at least
    ``summary_min_content_overlap`` of its own (basis "paraphrase", no phrase).
  A word counts as the customer's when it is the same, has the same lemma (``simplemma``), is part
  of a compound with it (5+ letters: "water" in "waterleiding"), or is a close spelling
  (``rapidfuzz`` ratio >= ``SHARED_WORD_SIMILARITY`` for words of 5+ letters): ASR writes "simkarte"
  for "simkaartje".
- **Confirmation**: the customer's next words confirm it ("ja, klopt", "precies").
- **Solution**: the agent's first sentence that fixes the problem or commits to fixing it, by the
  rules of ``coach.analysis.clauses`` (word order, tense, person, instructions, call-back promises),
  not a question, after the customer has spoken. Whether the call is about a problem or asks for
  information (``clauses.call_purpose`` on the customer's first sentences) decides whether a
  procedure ("u krijgt dan een brief") counts.

Each summary's and solution's ``confidence`` is the chance that it is right, from the evidence it was
found on (the ASR probability of the words its rule relied on, first solution or not, a fuzzy cue, the
customer's confirmation, its place in the call): ``coach.analysis.confidence``.

``summary_before_solution`` is true when the first summary comes before the first solution, false
when a solution comes with no summary before it, and null when the call has no solution. False is a
fact about order, not a mistake: acting at once can be right (a card blocked). When the summary or
solution it rests on is "niet zeker" (below ``confidence.SURE_FROM``), ``phases.summary_before_solution_unsure``
is true and the report marks the figure "niet zeker" (``metrics.order_unsure``).
"""

from __future__ import annotations

from dataclasses import replace

from ..config import AnalysisOptions
from ..conversation import Conversation, Word
from . import Findings
from .clauses import call_purpose, lemma, solution_match
from .confidence import SolutionEvidence, SummaryEvidence, solution_confidence, summary_confidence
from .events import Confirmation, Event, Solution, Summary
from .lexicon import Lexicon, find_phrases
from .metrics import PhaseMetrics
from .sentences import Sentence, conversation_sentences

CONFIRM_WITHIN_S = 6.0  # the customer's confirmation follows the summary within this
MIN_PARAPHRASE_WORDS = 3
SHARED_WORD_SIMILARITY = 80  # rapidfuzz ratio (0-100) for a misheard spelling of the customer's word
PURPOSE_SENTENCES = 4  # the customer's first sentences that tell what the call is about
TAG_OR_DUS_SCORE = 0.8
PARAPHRASE_SCORE = 0.7


def _confidence(score: float, words: tuple[Word, ...]) -> float:
    return round(score * sum(w.prob for w in words) / len(words), 3) if words else 0.0


def _prob(s: Sentence, i: int = 0, j: int | None = None) -> float:
    """The mean ASR probability of the words of tokens ``i`` to ``j`` of ``s`` (default: all)."""
    return s.span(i, j)[3] if s.toks else 0.0


class _CustomerWords:
    """The customer's content words so far, matched by form, lemma or close spelling."""

    def __init__(self) -> None:
        self.words: set[str] = set()
        self.lemmas: set[str] = set()

    def add(self, words: list[str]) -> None:
        self.words |= set(words)
        self.lemmas |= {lemma(w) for w in words}

    def shared(self, words: list[str]) -> set[str]:
        from rapidfuzz import fuzz, process

        out = set()
        long = [c for c in self.words if len(c) >= 5]
        for w in words:
            if w in self.words or lemma(w) in self.lemmas:
                out.add(w)
            elif len(w) >= 5 and any(w in c or c in w for c in long):
                out.add(w)  # a compound with the customer's word: "badkamerplafond", "badkamer"
            elif len(w) >= 5 and process.extractOne(w, long, scorer=fuzz.ratio,
                                                     score_cutoff=SHARED_WORD_SIMILARITY) is not None:
                out.add(w)
        return out


def summary_and_solution(conv: Conversation, opts: AnalysisOptions, lex: Lexicon) -> Findings:
    sents = conversation_sentences(conv)
    customer_spoke_at = next((s.start for s in sents if s.role == "customer"), None)
    opening = [t for s in [s for s in sents if s.role == "customer"][:PURPOSE_SENTENCES] for t in s.toks]
    purpose = call_purpose(opening, lex, opts.fuzzy_match)
    call_end = max([conv.duration] + [s.end for s in sents]) or 1.0
    summaries: list[Summary] = []
    summary_evidence: list[SummaryEvidence] = []  # what each summary's confidence is made from
    solutions: list[Solution] = []
    customer = _CustomerWords()
    last_summary = -2  # index of the sentence that last added to a summary
    for i, s in enumerate(sents):
        if s.role == "customer":
            customer.add(lex.content_words(s.toks))
            continue
        if customer_spoke_at is None or s.start < customer_spoke_at:
            continue  # the greeting
        phrase = find_phrases(s.toks, lex.get("summary"), opts.fuzzy_match)
        mine = set(lex.content_words(s.toks))
        shared = customer.shared(sorted(mine))
        enough = len(shared) >= MIN_PARAPHRASE_WORDS
        tag = [m for m in find_phrases(s.toks[-4:], lex.get("summary_tag"), opts.fuzzy_match)
               if m.end == len(s.toks[-4:]) and len(s.toks) > m.end - m.start]
        lead: list[Sentence] = []
        if tag:
            # a restatement over several sentences that ends in the tag ("Het water heeft ... beschadigd.
            # De lekkage is gestopt, toch?"): the agent's sentences right before that repeat the
            # customer's words, with no summary or solution in them, count with it
            for x in reversed(_lead_in(sents, i, summaries, solutions)):
                if not customer.shared(lex.content_words(x.toks)):
                    break
                lead.insert(0, x)
            shared = customer.shared(sorted(mine | {w for x in lead for w in lex.content_words(x.toks)}))
            enough = len(shared) >= MIN_PARAPHRASE_WORDS
            lead = lead if enough else []
        tag = tag if enough else []
        dus = [m for m in find_phrases(s.toks[:5], lex.get("summary_dus"), opts.fuzzy_match)
               if m.start == 0] if enough and not tag else []
        # a bare paraphrase needs the customer to answer it: confirm or correct (a summary asks)
        paraphrase = (enough and mine and len(shared) / len(mine) >= opts.summary_min_content_overlap
                      and _answered(sents[i + 1:], s.end, lex, opts))
        asked = s.question_kind(lex, opts.fuzzy_match) is not None
        solution = None if asked else solution_match(s.toks, s.clauses, lex, purpose, opts.fuzzy_match)
        restated = bool(tag or dus or paraphrase)
        if phrase or (restated and solution is None):
            score = max([m.score for m in phrase] + [TAG_OR_DUS_SCORE * m.score for m in tag + dus]
                        + ([PARAPHRASE_SCORE] if paraphrase else []))
            cue = phrase[0].phrase if phrase else (tag + dus)[0].phrase if tag or dus else None
            # the summary starts at the clause of its cue: ASR often joins the sentence before
            # ("Dat is vervelend, dat snap ik, begrijp ik goed dat ...")
            first = _clause_start(s, phrase[0].start) if phrase else 0
            start, _, text, _ = s.span(first)
            if lead and not phrase:
                start, text = lead[0].start, " ".join([x.text for x in lead] + [text])
            if summaries and last_summary == i - 1:
                # the same summary goes on ("Als ik het goed begrijp, ... . Klopt dat?")
                ev = summaries[-1]
                summaries[-1] = replace(ev, end=round(s.end, 2), text=f"{ev.text} {s.text}",
                                        shared_words=tuple(sorted(set(ev.shared_words) | shared)),
                                        phrase=ev.phrase or cue)
            else:
                cue_kind = "phrase" if phrase else "tag" if tag else "dus" if dus else "bare"
                off = len(s.toks) - len(s.toks[-4:])  # the tag was looked for in the last 4 tokens
                cue_prob = (_prob(s, phrase[0].start, phrase[0].end) if phrase else
                            _prob(s, off + tag[0].start, off + tag[0].end) if tag else
                            _prob(s, dus[0].start, dus[0].end) if dus else _prob(s))
                summary_evidence.append(SummaryEvidence(cue=cue_kind, score=score, cue_prob=cue_prob,
                                                        sentence_prob=_prob(s), shared=len(shared),
                                                        first=not summaries, position=s.start / call_end))
                summaries.append(Summary(by="agent", start=round(start, 2), end=round(s.end, 2), text=text,
                                         basis="phrase" if phrase else "paraphrase", phrase=cue,
                                         shared_words=tuple(sorted(shared)), confidence=0.0))
            last_summary = i
        elif summaries and last_summary == i - 1 and _closing_tag(s, lex, opts):
            ev = summaries[-1]  # "Klopt dat?" after a summary is part of it
            summaries[-1] = replace(ev, end=round(s.end, 2), text=f"{ev.text} {s.text}")
            last_summary = i
        elif solution is not None:
            start, _, text, _ = s.span(_clause_start(s, solution.start))
            evidence = SolutionEvidence(rule=solution.rule, score=solution.score,
                                        words_prob=_prob(s, solution.start, solution.end),
                                        sentence_prob=_prob(s), first=not solutions,
                                        after_summary=bool(summaries), purpose=purpose,
                                        position=s.start / call_end)
            solutions.append(Solution(by="agent", start=round(start, 2), end=round(s.end, 2), text=text,
                                      phrase=solution.phrase, rule=solution.rule,
                                      confidence=solution_confidence(evidence)))

    confirmations: list[Confirmation] = []
    for k, ev in enumerate(summaries):
        confirmed = _confirmation([x for x in sents if x.start >= ev.end - 0.05], ev.end, lex, opts)
        if confirmed is not None:
            ev = replace(ev, confirmed=True)
            confirmations.append(_confirmation_event(confirmed))
        evidence = replace(summary_evidence[k], confirmed=confirmed is not None, shared=len(ev.shared_words))
        summaries[k] = replace(ev, confidence=summary_confidence(evidence))
    events: list[Event] = [*summaries, *solutions, *confirmations]
    first_summary = summaries[0] if summaries else None
    first_solution = solutions[0] if solutions else None
    metrics = PhaseMetrics(
        first_summary_s=first_summary.start if first_summary else None,
        summary_confirmed=bool(first_summary and first_summary.confirmed),
        first_solution_s=first_solution.start if first_solution else None,
        summaries=len(summaries), solutions=len(solutions),
        first_summary_confidence=first_summary.confidence if first_summary else None,
        first_solution_confidence=first_solution.confidence if first_solution else None).to_dict()
    metrics["call_purpose"] = purpose  # "problem" | "information": what counts as a solution
    return Findings(metrics=metrics, events=tuple(events))


def _lead_in(sents: list[Sentence], i: int, summaries: list[Summary], solutions: list[Solution],
             most: int = 2, gap_s: float = 2.0) -> list[Sentence]:
    """Up to ``most`` agent sentences right before sentence ``i``, each within ``gap_s`` of the next,
    none a question, none already in a summary or solution."""
    taken = [(e.start, e.end) for e in [*summaries, *solutions]]
    out: list[Sentence] = []
    nxt = sents[i]
    for x in reversed(sents[max(0, i - most):i]):
        if x.role != "agent" or nxt.start - x.end > gap_s or x.mark == "?" \
                or any(a <= x.start < b or x.start <= a < x.end for a, b in taken):
            break
        out.insert(0, x)
        nxt = x
    return out


def _clause_start(s: Sentence, tok: int) -> int:
    """The first token of the clause that token ``tok`` is in."""
    return max((c for c in s.clauses if c <= tok), default=0)


def _answered(after: list[Sentence], end: float, lex: Lexicon, opts: AnalysisOptions) -> bool:
    """Whether the customer's next sentence, within ``CONFIRM_WITHIN_S``, confirms or corrects
    ("ja", "klopt", "nee, niet helemaal") what the agent just said."""
    for s in after:
        if s.start - end > CONFIRM_WITHIN_S:
            return False
        if s.role == "customer":
            head = s.toks[:3]
            return bool(({"no", "not"} if lex.name == "en" else {"nee", "niet"}) & set(head)) \
                or bool(find_phrases(head, lex.get("confirmation"), opts.fuzzy_match))
    return False


def _closing_tag(s: Sentence, lex: Lexicon, opts: AnalysisOptions) -> bool:
    """A sentence that is only a tag question ("Klopt dat?", "Toch?")."""
    m = find_phrases(s.toks, lex.get("summary_tag"), opts.fuzzy_match)
    return bool(m) and m[0].start == 0 and m[0].end == len(s.toks)


def _confirmation_event(s: Sentence) -> Confirmation:
    return Confirmation(by="customer", start=round(s.start, 2), end=round(s.end, 2), text=s.text,
                        confidence=_confidence(1.0, s.words))


def _confirmation(after: list[Sentence], summary_end: float, lex: Lexicon, opts: AnalysisOptions) -> Sentence | None:
    """The customer's confirming sentence right after a summary, if any."""
    for s in after:
        if s.start - summary_end > CONFIRM_WITHIN_S:
            return None
        if s.role == "customer":
            head = s.toks[:4]
            if ("but" if lex.name == "en" else "maar") in head:
                return None  # "ja, maar ..." corrects the summary
            return s if find_phrases(head, lex.get("confirmation"), opts.fuzzy_match) else None
    return None
