"""Events: what the analysis observed, as typed, immutable values.

Every event has ``type``, ``by`` (the role, or None when nobody: dead air), ``start`` and ``end``
(seconds), ``text`` (the words involved) and ``confidence`` (0-1: how sure the observation is).
Each type adds its own fields as a subclass (``Interruption.kind``, ``Summary.confirmed`` ...).
Events are built complete and never changed; a later step that refines one makes a new one with
``dataclasses.replace``.

``to_dict`` gives the event as it stands in ``analysis.json`` (schema "1": the keys, their order and
the rounding of times and confidences are part of that contract); ``Event.from_dict`` reads it back,
as the subclass of its ``type``. Keys a reader does not know (a newer coach, another tool) are kept
in ``extra`` and written back unchanged.
"""

from __future__ import annotations

from dataclasses import MISSING, dataclass, field, fields, replace
from typing import Any, ClassVar, Mapping

# type name -> class, filled in as the subclasses are defined
EVENT_TYPES: dict[str, type["Event"]] = {}
# fields written with 3 decimals (idempotent on values already rounded to 2 or 3 when built)
# keys added after schema "1" was first written: left out when None, so older files round-trip unchanged
_OMITTED_WHEN_NONE = frozenset({"evidence", "rule"})  # "rule": solutions found before issue 11 have none
_ROUNDED = frozenset({"start", "end", "confidence", "duration_s", "overlap_s", "interrupted_had_spoken_s"})


def _json(name: str, value: Any) -> Any:
    if isinstance(value, Evidence):
        return value.to_dict()
    if isinstance(value, tuple):
        return list(value)
    if name in _ROUNDED and isinstance(value, float):
        return round(value, 3)
    return value


@dataclass(frozen=True)
class Evidence:
    """What an overlap shows about the party who was speaking when the other began (``t0``): was
    the other finishing, or mid-sentence (built by ``overlaps.overlap_evidence``)."""

    complete_before: bool  # their last word begun before t0 ends a sentence (".", "?", "!")
    words_after: int  # their words begun at or after t0, until they stop
    stopped_within_s: float | None  # they stopped this long after t0 while the other went on; None: they went
    # on past the new speaker's end (a reply after a short pause is a stop, not going on)
    pitch_fall: bool | None  # their voice fell to an end (None: no voice track or too few voiced frames)
    cut_off: bool  # they stopped without ending: last word "..."/"-", or no end mark and no falling voice
    finishing: bool  # (complete_before, or few words more and soon stopped, or asked) and nothing cut off
    # when the new speaker stopped first: they broke off (True: their last word ends no sentence in a
    # punctuated transcript, trails off, or ends a question the other talked over), said a whole statement
    # (False: "." or "!"), or unknown (None: no words or no punctuation); None also when they did not stop first
    gave_up: bool | None = None
    asked: bool = False  # what they said up to their stop ends in a question: the new speaker answered it

    def to_dict(self) -> dict:
        return {"complete_before": self.complete_before, "words_after": self.words_after,
                "stopped_within_s": None if self.stopped_within_s is None else round(self.stopped_within_s, 2),
                "pitch_fall": self.pitch_fall, "cut_off": self.cut_off, "finishing": self.finishing,
                "gave_up": self.gave_up, "asked": self.asked}

    def rounded(self) -> "Evidence":
        """As written in analysis.json (seconds to 2 decimals), for keeping in an event."""
        if self.stopped_within_s is None:
            return self
        return replace(self, stopped_within_s=round(self.stopped_within_s, 2))

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "Evidence":
        return cls(**{f.name: d.get(f.name) for f in fields(cls) if f.name in d or f.default is MISSING})


@dataclass(frozen=True, kw_only=True)
class Event:
    """An observation at a stretch of the call. The subclasses below are the known types; a plain
    ``Event`` is one of a type this version does not know (read from a file) or a test's own."""

    type: str
    by: str | None
    start: float
    end: float
    text: str = ""
    confidence: float = 1.0
    # keys of the analysis.json form that this class has no field for, in their order
    extra: tuple[tuple[str, Any], ...] = field(default=(), repr=False)

    KEYS: ClassVar[tuple[str, ...]] = ("type", "by", "start", "end", "text", "confidence")

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        name = cls.__dict__.get("type")  # the default of a redeclared ``type`` field: the type's name
        if isinstance(name, str):
            EVENT_TYPES[name] = cls

    def __post_init__(self) -> None:
        fixed = type(self).__dataclass_fields__["type"].default
        if fixed is not MISSING and self.type != fixed:
            raise ValueError(f"{type(self).__name__} has type {fixed!r}, not {self.type!r}")
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, list):  # sequences are stored as tuples: an event is immutable throughout
                object.__setattr__(self, f.name, tuple(value))
            elif f.name == "evidence" and isinstance(value, Mapping):  # read from analysis.json
                object.__setattr__(self, f.name, Evidence.from_dict(value))

    @property
    def duration(self) -> float:
        return self.end - self.start

    def to_dict(self) -> dict[str, Any]:
        """The event as in ``analysis.json``: its type's keys in their order, then ``extra``."""
        out = {k: _json(k, getattr(self, k)) for k in self.KEYS
               if not (k in _OMITTED_WHEN_NONE and getattr(self, k) is None)}
        for k, v in self.extra:
            out.setdefault(k, v)
        return out

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "Event":
        """An event from its ``analysis.json`` form, as the class of its ``type`` (``Event`` when unknown)."""
        kind = EVENT_TYPES.get(d.get("type"), Event) if cls is Event else cls
        known = {f.name for f in fields(kind)} - {"extra"}
        values = {k: v for k, v in d.items() if k in known}
        extra = tuple((k, v) for k, v in d.items() if k not in known)
        return kind(**values, extra=extra)


@dataclass(frozen=True, kw_only=True)
class Monologue(Event):
    """The longest stretch one party held the floor (through the other's back-channels)."""

    type: str = "monologue"
    duration_s: float = 0.0

    KEYS: ClassVar[tuple[str, ...]] = ("type", "by", "start", "end", "duration_s", "text", "confidence")


@dataclass(frozen=True, kw_only=True)
class DeadAir(Event):
    """A silence of both parties of at least ``dead_air_s``."""

    type: str = "dead_air"
    by: str | None = None
    duration_s: float = 0.0

    KEYS: ClassVar[tuple[str, ...]] = Monologue.KEYS


@dataclass(frozen=True, kw_only=True)
class Backchannel(Event):
    """A short listener cue ("ja", "hm-hm"); ``basis``: "timing" or "timing+words"."""

    type: str = "backchannel"
    basis: str = "timing"
    overlapping: bool = False  # said while the other party was speaking (else in their pause)

    KEYS: ClassVar[tuple[str, ...]] = ("type", "by", "start", "end", "text", "basis", "overlapping", "confidence")


@dataclass(frozen=True, kw_only=True)
class Overlap(Event):
    """Both parties speaking at once; ``kind``: backchannel, simultaneous_start, brief, turn_end (an early
    start while the other was finishing), remark (a whole sentence said over the other, who went on),
    competitive, cooperative or butting_in. ``text``: the words of both in the overlap."""

    type: str = "overlap"
    overlap_s: float = 0.0
    kind: str = ""
    # what decided the kind: complete_before, words_after, stopped_within_s, pitch_fall, cut_off, finishing, gave_up
    # (``coach.analysis.overlaps.Evidence``); None for kinds decided before (backchannel, simultaneous_start)
    evidence: Evidence | None = None

    KEYS: ClassVar[tuple[str, ...]] = ("type", "by", "start", "end", "overlap_s", "text", "confidence", "kind",
                                       "evidence")


@dataclass(frozen=True, kw_only=True)
class Interruption(Event):
    """``by`` started talking while ``interrupted`` was speaking; ``kind``: competitive, cooperative or
    butting_in. ``interrupted_text``: what the other had said just before."""

    type: str = "interruption"
    interrupted: str = ""
    overlap_s: float = 0.0
    kind: str = ""
    interrupted_text: str = ""
    interrupted_had_spoken_s: float = 0.0
    while_explaining: bool = False
    evidence: Evidence | None = None  # what showed the other was mid-sentence (as Overlap)

    KEYS: ClassVar[tuple[str, ...]] = ("type", "by", "interrupted", "start", "end", "overlap_s", "kind", "text",
                                       "interrupted_text", "interrupted_had_spoken_s", "while_explaining",
                                       "confidence", "evidence")


@dataclass(frozen=True, kw_only=True)
class Summary(Event):
    """The agent summarises the customer's problem; ``basis``: "phrase" or "paraphrase"."""

    type: str = "summary"
    basis: str = "phrase"
    phrase: str | None = None
    shared_words: tuple[str, ...] = ()  # content words the customer said before
    confirmed: bool = False

    KEYS: ClassVar[tuple[str, ...]] = ("type", "by", "start", "end", "text", "basis", "phrase", "shared_words",
                                       "confirmed", "confidence")


@dataclass(frozen=True, kw_only=True)
class Confirmation(Event):
    """The customer confirms a summary."""

    type: str = "confirmation"


@dataclass(frozen=True, kw_only=True)
class Solution(Event):
    """The agent proposes a solution or commits to an action; ``rule``: the class of phrasing that
    found it (``coach.analysis.clauses``: commit, future, done, dropped_subject, receive, offer,
    instruction, visit)."""

    type: str = "solution"
    phrase: str | None = None
    rule: str | None = None

    KEYS: ClassVar[tuple[str, ...]] = ("type", "by", "start", "end", "text", "phrase", "rule", "confidence")


@dataclass(frozen=True, kw_only=True)
class Question(Event):
    """An agent question; ``kind`` "open" or "closed"; ``follow_up``: builds on what the customer said."""

    type: str = "question"
    kind: str = "closed"
    follow_up: bool = False

    KEYS: ClassVar[tuple[str, ...]] = ("type", "by", "start", "end", "text", "kind", "follow_up", "confidence")


@dataclass(frozen=True, kw_only=True)
class PhraseEvent(Event):
    """A phrase of a lexicon list in an agent sentence (``phrase``: the list's phrase that matched)."""

    phrase: str | None = None

    KEYS: ClassVar[tuple[str, ...]] = ("type", "by", "start", "end", "text", "phrase", "confidence")


@dataclass(frozen=True, kw_only=True)
class Empathy(PhraseEvent):
    type: str = "empathy"


@dataclass(frozen=True, kw_only=True)
class DoorClosing(PhraseEvent):
    type: str = "door_closing"


@dataclass(frozen=True, kw_only=True)
class OptionOpening(PhraseEvent):
    type: str = "option_opening"


@dataclass(frozen=True, kw_only=True)
class ClosingCheck(PhraseEvent):
    type: str = "closing_check"


@dataclass(frozen=True, kw_only=True)
class Agreement(PhraseEvent):
    """An agent sentence that commits to an action; ``when``: the time or channel it names, if any."""

    type: str = "agreement"
    has_when: bool = False
    when: str | None = None

    KEYS: ClassVar[tuple[str, ...]] = ("type", "by", "start", "end", "text", "phrase", "has_when", "when",
                                       "confidence")
