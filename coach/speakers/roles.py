"""Which speaker is the agent.

Stereo with a configured channel (``left`` or ``right``): that channel. ``auto`` (and always for
mono): the speaker who uses greeting phrases ("u spreekt met", "waarmee kan ik u helpen") in the
first ``window_s`` seconds; with no greeting, the one who speaks first (the agent answers).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..config import RoleOptions
from ..conversation import Word
from . import SpeakerTurns


@dataclass(frozen=True)
class Roles:
    """speaker id -> ``agent`` / ``customer``, with how it was decided (for the report)."""

    mapping: dict[str, str]
    method: str
    warnings: tuple[str, ...] = ()

    @property
    def agent(self) -> str | None:
        return next((s for s, r in self.mapping.items() if r == "agent"), None)


def _normalise(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", text.lower()).split())


def greeting_scores(words: dict[str, tuple[Word, ...]], opts: RoleOptions) -> dict[str, int]:
    """Number of greeting phrases each speaker says in the first ``window_s`` seconds."""
    scores = {}
    for speaker, ws in words.items():
        early = " " + _normalise(" ".join(w.text for w in ws if w.start < opts.window_s)) + " "
        scores[speaker] = sum(early.count(" " + _normalise(g) + " ") for g in opts.greetings)
    return scores


def assign_roles(turns: SpeakerTurns, words: dict[str, tuple[Word, ...]], opts: RoleOptions) -> Roles:
    speakers = list(turns.speakers)
    scores = greeting_scores({s: words.get(s, ()) for s in speakers}, opts)
    first = {s: min((t.start for t in turns.of(s)), default=float("inf")) for s in speakers}

    def mapping_for(agent: str) -> dict[str, str]:
        return {s: ("agent" if s == agent else "customer") for s in speakers}

    if turns.source == "channels" and opts.agent_channel in ("left", "right"):
        agent = opts.agent_channel
        warnings = ()
        other = "right" if agent == "left" else "left"
        if scores.get(other, 0) > scores.get(agent, 0):
            warnings = (f"the {other} channel used greeting phrases, not the {agent} channel that is set as the agent; "
                        f"if the agent is on the {other}, re-run with --agent-channel {other} (or auto)",)
        return Roles(mapping_for(agent), f"configured: agent on the {agent} channel", warnings)

    if not speakers:
        return Roles({}, "no speakers")
    best = max(speakers, key=lambda s: (scores[s], -first[s]))
    if scores[best] > 0 and sum(1 for s in speakers if scores[s] == scores[best]) == 1:
        return Roles(mapping_for(best), f"auto: {best} used greeting phrases ({scores[best]})")
    agent = min(speakers, key=lambda s: first[s])
    return Roles(mapping_for(agent), f"auto: no distinctive greeting, {agent} spoke first",
                 ("roles guessed from who spoke first: no greeting phrase told the agent apart",))
