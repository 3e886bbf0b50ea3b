"""Summary before solution: did the agent check their understanding of the problem before acting?

- **Summary**: an agent sentence with a summarising phrase ("als ik het goed begrijp", "dus u zegt",
  "mag ik even samenvatten", "... klopt dat?"), or a paraphrase: most of its content words were said
  by the customer before (at least ``summary_min_content_overlap`` of them, and 3 or more).
- **Confirmation**: the customer's next words confirm it ("ja, klopt", "precies").
- **Solution**: the agent's first proposal or action commitment ("ik ga ...", "ik stuur ...",
  "wat ik kan doen ..."), not a question, after the customer has spoken.

``summary_before_solution`` is true when the first summary comes before the first solution, false
when a solution comes with no summary before it, and null when the call has no solution.
"""

from __future__ import annotations

from dataclasses import replace

from ..config import AnalysisOptions
from ..conversation import Conversation, Word
from . import Findings
from .events import Confirmation, Event, Solution, Summary
from .lexicon import Lexicon, find_phrases, tokens
from .metrics import PhaseMetrics
from .sentences import Sentence, conversation_sentences

CONFIRM_WITHIN_S = 6.0  # the customer's confirmation follows the summary within this
MIN_PARAPHRASE_WORDS = 3


def _confidence(score: float, words: tuple[Word, ...]) -> float:
    return round(score * sum(w.prob for w in words) / len(words), 3) if words else 0.0


def summary_and_solution(conv: Conversation, opts: AnalysisOptions, lex: Lexicon) -> Findings:
    sents = conversation_sentences(conv)
    customer_spoke_at = next((s.start for s in sents if s.role == "customer"), None)
    summaries: list[Summary] = []
    solutions: list[Solution] = []
    said_by_customer: set[str] = set()
    last_summary = -2  # index of the sentence that last added to a summary
    for i, s in enumerate(sents):
        if s.role == "customer":
            said_by_customer |= set(lex.content_words(s.toks))
            continue
        if customer_spoke_at is None or s.start < customer_spoke_at:
            continue  # the greeting
        phrase = find_phrases(s.toks, lex.get("summary"), opts.fuzzy_match)
        mine = set(lex.content_words(s.toks))
        shared = mine & said_by_customer
        paraphrase = (len(shared) >= MIN_PARAPHRASE_WORDS and mine
                      and len(shared) / len(mine) >= opts.summary_min_content_overlap)
        asked = s.question_kind(lex, opts.fuzzy_match) is not None
        solution = [] if asked else find_phrases(s.toks, lex.get("solution"), opts.fuzzy_match)
        if (phrase or paraphrase) and not solution:
            score = max([m.score for m in phrase] + ([0.7] if paraphrase else []))
            if summaries and last_summary == i - 1:
                # the same summary goes on ("Als ik het goed begrijp, ... . Klopt dat?")
                ev = summaries[-1]
                summaries[-1] = replace(ev, end=round(s.end, 2), text=f"{ev.text} {s.text}",
                                        shared_words=tuple(sorted(set(ev.shared_words) | shared)),
                                        phrase=ev.phrase or (phrase[0].phrase if phrase else None))
            else:
                summaries.append(Summary(by="agent", start=round(s.start, 2), end=round(s.end, 2), text=s.text,
                                         basis="phrase" if phrase else "paraphrase",
                                         phrase=phrase[0].phrase if phrase else None,
                                         shared_words=tuple(sorted(shared)), confidence=_confidence(score, s.words)))
            last_summary = i
        elif solution:
            solutions.append(Solution(by="agent", start=round(s.start, 2), end=round(s.end, 2), text=s.text,
                                      phrase=solution[0].phrase, confidence=_confidence(solution[0].score, s.words)))

    confirmations: list[Confirmation] = []
    for k, ev in enumerate(summaries):
        confirmed = _confirmation([x for x in sents if x.start >= ev.end - 0.05], ev.end, lex, opts)
        if confirmed is not None:
            summaries[k] = replace(ev, confirmed=True)
            confirmations.append(_confirmation_event(confirmed))
    events: list[Event] = [*summaries, *solutions, *confirmations]
    first_summary = summaries[0] if summaries else None
    first_solution = solutions[0] if solutions else None
    return Findings(metrics=PhaseMetrics(
        first_summary_s=first_summary.start if first_summary else None,
        summary_confirmed=bool(first_summary and first_summary.confirmed),
        first_solution_s=first_solution.start if first_solution else None,
        summaries=len(summaries), solutions=len(solutions)).to_dict(), events=tuple(events))


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
            if "maar" in head:
                return None  # "ja, maar ..." corrects the summary
            return s if find_phrases(head, lex.get("confirmation"), opts.fuzzy_match) else None
    return None
