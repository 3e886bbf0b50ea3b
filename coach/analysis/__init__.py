"""Analysis: pure functions from a ``Conversation`` to metrics and events. No audio, no models.

Each analyzer is ``fn(conversation) -> Findings`` and is listed in ``ANALYZERS``; the pipeline
runs them all and merges their metrics and events into the report. The coaching detectors
(interruptions, back-channels, summary before solution, ...) plug in here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from ..conversation import Conversation


@dataclass(frozen=True)
class Findings:
    metrics: dict = field(default_factory=dict)
    events: tuple[dict, ...] = ()


Analyzer = Callable[[Conversation], Findings]


def _registry() -> list[tuple[str, Analyzer]]:
    from .timing import timing_metrics

    return [("timing", timing_metrics)]


ANALYZERS: list[tuple[str, Analyzer]] = _registry()


def analyze_conversation(conv: Conversation, analyzers: list[tuple[str, Analyzer]] | None = None) -> Findings:
    """Run every analyzer; metrics are merged by name, events sorted by start time."""
    metrics: dict = {}
    events: list[dict] = []
    for _name, fn in analyzers or ANALYZERS:
        found = fn(conv)
        metrics.update(found.metrics)
        events.extend(found.events)
    events.sort(key=lambda e: (e.get("start", 0.0), e.get("type", "")))
    return Findings(metrics=metrics, events=tuple(events))
