"""When the diarization could not tell the two voices apart (issue 12): no timing figure as a fact.

``hedge(findings, conv, separation, options)`` takes the findings of a mono call whose speaker
separation is unreliable (``coach.speakers.diarize.separation``) and
- caps the confidence of the timing events that depend on who spoke when (interruptions,
  back-channels, overlaps, monologues) at ``UNCERTAIN_CONFIDENCE``;
- picks the reflection moments again without interruptions (a moment would state one as a fact);
- replaces the general question that quotes a stretch without back-channels by an open question
  on talking at once.
Pure logic, no audio.
"""

from __future__ import annotations

from dataclasses import replace

from ..config import AnalysisOptions
from ..conversation import Conversation
from . import Findings

UNCERTAIN_CONFIDENCE = 0.3
TIMING_EVENTS = frozenset({"interruption", "backchannel", "overlap", "monologue"})
QUESTION = {
    "nl": "De stemmen waren in deze opname niet goed uit elkaar te houden, dus coach telt geen interrupties. "
          "Waren er momenten waarop u en de klant tegelijk praatten? Wie begon dan, en wat gebeurde er daarna?",
    "en": "The voices in this recording could not be told apart well, so coach counts no interruptions. Were "
          "there moments when you and the customer talked at once? Who started, and what happened next?",
}
_STRETCH = ("De klant sprak een keer", "Once the customer spoke")  # general question quoting a measured stretch


def hedge(findings: Findings, conv: Conversation, separation: dict | None,
          options: AnalysisOptions | None = None) -> Findings:
    """``findings`` unchanged when the separation is reliable (or unknown: stereo), else hedged."""
    if not separation or separation.get("reliable", True):
        return findings
    from .reflection import reflect

    options = options or AnalysisOptions()
    events = tuple(replace(e, confidence=min(e.confidence, UNCERTAIN_CONFIDENCE)) if e.type in TIMING_EVENTS else e
                   for e in findings.events)
    refl = reflect(conv, [e for e in events if e.type != "interruption"], findings.metrics, options)
    for key, lang in (("questions", "nl"), ("questions_en", "en")):
        qs = [q for q in refl.get(key, []) if not q.startswith(_STRETCH)]
        refl[key] = qs[:-1] + [QUESTION[lang]] + qs[-1:]  # before the closing "what would you do differently"
    return Findings(metrics=findings.metrics, events=events, reflection=refl)
