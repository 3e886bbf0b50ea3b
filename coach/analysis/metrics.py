"""Typed metric groups: what each analyzer measured, and how it stands in ``analysis.json``.

An analyzer fills one group (or two) with the measured values; the group's ``to_dict()`` is its part
of ``metrics`` (top-level name -> value, in the order and with the rounding of schema "1"), which
the analyzer returns in ``Findings.metrics``. Nested values (``PerRole``, ``DeadAirMetrics`` ...)
give their own value with ``to_dict()``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any, Callable, Generic, Iterable, TypeVar

from ..conversation import ROLES
from .confidence import SURE_FROM
from .events import Backchannel, Interruption, Overlap

T = TypeVar("T")
INTERRUPTION_KINDS = ("competitive", "cooperative", "butting_in")


def _r(x: float, nd: int = 3) -> float:
    return round(float(x), nd)


def _median(xs: Iterable[float]) -> float | None:
    xs = sorted(xs)
    if not xs:
        return None
    mid = len(xs) // 2
    return _r(xs[mid] if len(xs) % 2 else (xs[mid - 1] + xs[mid]) / 2, 2)


@dataclass(frozen=True)
class PerRole(Generic[T]):
    """One value per role."""

    agent: T
    customer: T

    @classmethod
    def of(cls, fn: Callable[[str], T]) -> "PerRole[T]":
        return cls(**{r: fn(r) for r in ROLES})

    def __getitem__(self, role: str) -> T:
        if role not in ROLES:
            raise KeyError(role)
        return getattr(self, role)

    def to_dict(self) -> dict[str, T]:
        return {r: self[r] for r in ROLES}

    def map(self, fn: Callable[[T], Any]) -> dict[str, Any]:
        """``{"agent": fn(agent), "customer": fn(customer)}``."""
        return {r: fn(self[r]) for r in ROLES}


# --- timing ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TimingMetrics:
    """How much each party spoke (seconds of speech regions), overlap, silence, words."""

    talk_s: PerRole[float]
    overlap_s: float
    silence_ratio: float  # share of the call in which nobody speaks
    words: PerRole[int]
    turns: PerRole[int]  # speech regions after merging touching ones

    def to_dict(self) -> dict[str, Any]:
        both = self.talk_s.agent + self.talk_s.customer
        return {
            "talk_s": self.talk_s.map(lambda x: _r(x, 2)),
            "talk_ratio": self.talk_s.map(lambda x: _r(x / both) if both > 0 else 0.0),
            "overlap_s": _r(self.overlap_s, 2),
            "silence_ratio": _r(self.silence_ratio),
            "speech_rate_wpm": {r: _r(60.0 * self.words[r] / self.talk_s[r], 1) if self.talk_s[r] > 0 else 0.0
                                for r in ROLES},
            "turns": self.turns.to_dict(),
        }


@dataclass(frozen=True)
class DeadAirMetrics:
    silences_s: tuple[float, ...]  # length of each dead-air silence

    def to_dict(self) -> dict[str, Any]:
        return {"count": len(self.silences_s), "total_s": _r(sum(self.silences_s), 1),
                "longest_s": _r(max(self.silences_s, default=0.0), 1)}


@dataclass(frozen=True)
class ResponseGaps:
    """Each role's gaps (seconds) between the other's floor and their own, when they took the turn."""

    agent: tuple[float, ...]
    customer: tuple[float, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"agent_median": _median(self.agent), "customer_median": _median(self.customer),
                "agent_max": _r(max(self.agent), 2) if self.agent else None}


@dataclass(frozen=True)
class TurnTakingMetrics:
    longest_monologue_s: PerRole[float]
    response_gaps: ResponseGaps
    speaker_switches_per_min: float
    dead_air: DeadAirMetrics

    def to_dict(self) -> dict[str, Any]:
        return {
            "longest_monologue_s": self.longest_monologue_s.map(lambda x: _r(x, 1)),
            "response_gap_s": self.response_gaps.to_dict(),
            "speaker_switches_per_min": _r(self.speaker_switches_per_min, 2),
            "dead_air": self.dead_air.to_dict(),
        }


# --- overlaps ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class InterruptionKinds:
    competitive: int = 0
    cooperative: int = 0
    butting_in: int = 0

    def to_dict(self) -> dict[str, int]:
        return {k: getattr(self, k) for k in INTERRUPTION_KINDS}


@dataclass(frozen=True)
class InterruptionMetrics:
    """Interruptions per interrupter, and of which kind; and, when given, how often each party started
    early while the other was finishing (``turn_end`` overlaps: no interruption)."""

    kinds: PerRole[InterruptionKinds]
    early_starts: PerRole[int] | None = None

    @classmethod
    def of(cls, events: Iterable[Interruption], overlaps: Iterable[Overlap] | None = None) -> "InterruptionMetrics":
        counts = Counter((e.by, e.kind) for e in events)
        early = Counter(e.by for e in overlaps if e.kind == "turn_end") if overlaps is not None else None
        return cls(PerRole.of(lambda r: InterruptionKinds(**{k: counts[(r, k)] for k in INTERRUPTION_KINDS})),
                   PerRole.of(lambda r: early[r]) if early is not None else None)

    def by(self, role: str) -> int:
        return sum(self.kinds[role].to_dict().values())

    def to_dict(self) -> dict[str, Any]:
        out = {"by_agent": self.by("agent"), "by_customer": self.by("customer"),
               "kinds": self.kinds.map(lambda k: k.to_dict())}
        if self.early_starts is not None:
            out["early_starts_at_turn_end"] = self.early_starts.to_dict()
        return {"interruptions": out}


@dataclass(frozen=True)
class BackchannelMetrics:
    """Back-channels per party; per minute of the other party's speech; the longest stretch of
    customer speech without one from the agent; how many were found from timing alone."""

    count: PerRole[int]
    other_talk_s: PerRole[float]  # for each role, how long the other party spoke (seconds)
    longest_customer_stretch_without_s: float
    from_timing_only: int

    @classmethod
    def of(cls, events: Iterable[Backchannel], talk_s: PerRole[float], longest_without: float) -> "BackchannelMetrics":
        events = list(events)
        return cls(count=PerRole.of(lambda r: sum(1 for e in events if e.by == r)),
                   other_talk_s=PerRole(agent=talk_s.customer, customer=talk_s.agent),
                   longest_customer_stretch_without_s=longest_without,
                   from_timing_only=sum(1 for e in events if e.basis == "timing"))

    def per_min(self, role: str) -> float:
        other = self.other_talk_s[role]
        return round(self.count[role] / (other / 60), 2) if other > 0 else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"backchannels": {
            "agent": self.count.agent,
            "customer": self.count.customer,
            "agent_per_min_customer_speech": self.per_min("agent"),
            "customer_per_min_agent_speech": self.per_min("customer"),
            "longest_customer_stretch_without_s": round(self.longest_customer_stretch_without_s, 1),
            "from_timing_only": self.from_timing_only,
        }}


# --- phases ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PhaseMetrics:
    """Summary before solution: the first summary and solution (seconds), how many of each, and how
    sure coach is of the first of each (``coach.analysis.confidence``)."""

    first_summary_s: float | None
    summary_confirmed: bool
    first_solution_s: float | None
    summaries: int
    solutions: int
    first_summary_confidence: float | None = None
    first_solution_confidence: float | None = None

    @property
    def summary_before_solution(self) -> bool | None:
        """True: the first summary came before the first solution; False: a solution came with no
        summary before it; None: no solution."""
        if self.first_solution_s is None:
            return None
        return self.first_summary_s is not None and self.first_summary_s < self.first_solution_s

    @property
    def summary_before_solution_unsure(self) -> bool:
        """Whether ``summary_before_solution`` rests on a summary or solution that is "niet zeker"
        (confidence below ``SURE_FROM``, as in the reflection): the first solution when there is one,
        and the first summary when it came before it. Null (no solution) rests on none."""
        return order_unsure(self.summary_before_solution, self.first_summary_confidence,
                            self.first_solution_confidence)

    def to_dict(self) -> dict[str, Any]:
        return {"summary_before_solution": self.summary_before_solution,
                "phases": {"first_summary_s": self.first_summary_s, "summary_confirmed": self.summary_confirmed,
                           "first_solution_s": self.first_solution_s, "summaries": self.summaries,
                           "solutions": self.solutions, "first_summary_confidence": self.first_summary_confidence,
                           "first_solution_confidence": self.first_solution_confidence,
                           "summary_before_solution_unsure": self.summary_before_solution_unsure}}


def order_unsure(summary_before_solution: bool | None, first_summary_confidence: float | None,
                 first_solution_confidence: float | None) -> bool:
    """Whether the order figure rests on an observation below ``SURE_FROM``: for true the first summary
    and the first solution, for false the first solution (acting with no summary first is a fact about
    order, not a mistake; it is only unsure when the solution itself is), for null nothing."""
    if summary_before_solution is None:
        return False
    deciding = [first_solution_confidence] + ([first_summary_confidence] if summary_before_solution else [])
    return any(c is not None and c < SURE_FROM for c in deciding)


# --- language ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class QuestionMetrics:
    open: int
    closed: int
    follow_up: int

    def to_dict(self) -> dict[str, Any]:
        return {"questions": {"agent": self.open + self.closed, "agent_open": self.open,
                              "agent_closed": self.closed, "agent_follow_up": self.follow_up}}


@dataclass(frozen=True)
class EmpathyMetrics:
    phrases: tuple[str, ...]  # the phrase of each empathy event, in time order
    first_s: float | None

    def to_dict(self) -> dict[str, Any]:
        counts = Counter(self.phrases)
        return {"empathy": {"count": len(self.phrases), "distinct": len(counts),
                            "repeated": {p: n for p, n in counts.items() if n >= 2}, "first_s": self.first_s}}


@dataclass(frozen=True)
class ServiceLanguageMetrics:
    door_closing: int
    option_opening: int

    def to_dict(self) -> dict[str, Any]:
        return {"service_language": {"door_closing": self.door_closing, "option_opening": self.option_opening}}


@dataclass(frozen=True)
class AgreementMetrics:
    agreements: int
    closing_check: bool

    def to_dict(self) -> dict[str, Any]:
        return {"agreements": self.agreements, "closing_check": self.closing_check}
