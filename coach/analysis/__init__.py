"""Analysis: pure functions from a ``Conversation`` to metrics and events. No audio, no models.

Each analyzer is ``fn(conversation, options, lexicon) -> Findings`` and is listed in
``analyzers()``; ``analyze_conversation`` runs them all, merges their metrics and events, and
picks the moments for reflection from them.
Events are immutable ``Event`` values (``coach.analysis.events``: ``type``, ``by`` (role), ``start``,
``end`` (seconds), ``text`` (the words involved), ``confidence`` (0-1: how sure the observation is),
and the fields of their type); metrics are the JSON-ready parts that the analyzers' typed metric
groups (``coach.analysis.metrics``) give.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from ..config import AnalysisOptions
from ..conversation import Conversation
from .events import Event
from .lexicon import Lexicon, load_lexicon


@dataclass(frozen=True)
class Findings:
    metrics: dict = field(default_factory=dict)  # name -> JSON value, as in analysis.json's ``metrics``
    events: tuple[Event, ...] = ()
    reflection: dict = field(default_factory=lambda: {"moments": [], "questions": []})


Analyzer = Callable[[Conversation, AnalysisOptions, Lexicon], Findings]


TIMING_ANALYZERS = ("timing", "turn_taking", "overlaps")  # need no phrase lists


def analyzers() -> list[tuple[str, Analyzer]]:
    """The analyzers, in the order they run."""
    from .language import ANALYZERS as LANGUAGE
    from .overlaps import overlaps_and_backchannels
    from .phases import summary_and_solution
    from .timing import timing_metrics, turn_taking

    return [("timing", timing_metrics), ("turn_taking", turn_taking), ("overlaps", overlaps_and_backchannels),
            ("phases", summary_and_solution), *LANGUAGE]


def analyze_conversation(conv: Conversation, options: AnalysisOptions | None = None, lexicon: Lexicon | None = None,
                         only: list[tuple[str, Analyzer]] | None = None) -> Findings:
    """Run every analyzer (or ``only`` these); metrics are merged by name, events sorted by start."""
    options = options or AnalysisOptions()
    lexicon = lexicon or load_lexicon()
    metrics: dict = {}
    events: list[Event] = []
    run = only or analyzers()
    if not lexicon.lists and only is None:  # a language without a lexicon: timing observations only
        run = [(name, fn) for name, fn in run if name in TIMING_ANALYZERS]
    for _name, fn in run:
        found = fn(conv, options, lexicon)
        metrics.update(found.metrics)
        events.extend(found.events)
    events.sort(key=lambda e: (e.start, e.type))
    from .reflection import reflect

    return Findings(metrics=metrics, events=tuple(events), reflection=reflect(conv, events, metrics, options))
