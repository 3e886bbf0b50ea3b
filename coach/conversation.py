"""The core types: who said what, and when.

``Conversation`` is what every analysis function takes. It holds the utterances (words grouped
into stretches of one party's speech), the speech regions per role (``turns``, from the speaker
stage: exact per channel on stereo, from diarization on mono; they also cover speech that ASR
dropped, such as short back-channels), the call duration and how the speakers were found.
All times are seconds from the start of the recording.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable

ROLES = ("agent", "customer")



def clock(seconds: float) -> str:
    """``m:ss`` of a time in the call (reports, warnings)."""
    return f"{int(seconds // 60)}:{int(seconds % 60):02d}"

@dataclass(frozen=True)
class Word:
    text: str
    start: float
    end: float
    prob: float = 1.0

    def to_dict(self) -> dict:
        return {"text": self.text, "start": round(self.start, 3), "end": round(self.end, 3),
                "prob": round(self.prob, 3)}

    @classmethod
    def from_dict(cls, d: dict) -> "Word":
        return cls(d["text"], float(d["start"]), float(d["end"]), float(d.get("prob", 1.0)))


@dataclass(frozen=True)
class Turn:
    """A region of speech by one speaker (a channel, a diarization cluster, or a role)."""

    speaker: str
    start: float
    end: float

    @property
    def duration(self) -> float:
        return self.end - self.start

    def to_dict(self) -> dict:
        return {"speaker": self.speaker, "start": round(self.start, 3), "end": round(self.end, 3)}

    @classmethod
    def from_dict(cls, d: dict) -> "Turn":
        return cls(d["speaker"], float(d["start"]), float(d["end"]))


@dataclass(frozen=True)
class Utterance:
    speaker_role: str
    start: float
    end: float
    words: tuple[Word, ...]
    text: str

    @classmethod
    def from_words(cls, role: str, words: Iterable[Word]) -> "Utterance":
        words = tuple(words)
        text = " ".join(w.text.strip() for w in words).strip()
        return cls(role, words[0].start, words[-1].end, words, text)

    def to_dict(self) -> dict:
        return {"role": self.speaker_role, "start": round(self.start, 3), "end": round(self.end, 3),
                "text": self.text, "words": [w.to_dict() for w in self.words]}

    @classmethod
    def from_dict(cls, d: dict) -> "Utterance":
        return cls(d["role"], float(d["start"]), float(d["end"]),
                   tuple(Word.from_dict(w) for w in d.get("words", [])), d.get("text", ""))


@dataclass(frozen=True)
class VoiceTrack:
    """One party's voice over the call, frame by frame (``hop_s`` apart, from ``coach.prosody.voice_tracks``):
    ``times`` (frame centres, s), ``f0`` (pitch, Hz; 0.0 where unvoiced or not this party's speech) and
    ``energy_db`` (RMS, dBFS). Analyzers read it to hear whether a voice falls to an end."""

    times: tuple[float, ...]
    f0: tuple[float, ...]
    energy_db: tuple[float, ...]
    hop_s: float = 0.05

    def between(self, start: float, end: float) -> list[tuple[float, float, float]]:
        """(time, f0, energy_db) of the frames with ``start <= time < end``."""
        if not self.times or end <= start:
            return []
        i = max(int((start - self.times[0]) / self.hop_s) - 1, 0)
        out = []
        while i < len(self.times) and self.times[i] < end:
            if self.times[i] >= start:
                out.append((self.times[i], self.f0[i], self.energy_db[i]))
            i += 1
        return out


@dataclass(frozen=True)
class Conversation:
    """A call as utterances and speech regions of the two roles.

    Attributes:
        utterances: in order of start time.
        duration: length of the recording, seconds.
        speaker_source: ``"channels"`` (stereo, one party per channel) or ``"diarization"``.
        roles: speaker id -> role, e.g. ``{"left": "agent", "right": "customer"}``.
        turns: speech regions with ``speaker`` set to the role, in order of start time.
        voice: role -> ``VoiceTrack`` (pitch and energy per frame), when the audio was at hand;
            None for hand-built conversations and re-loaded analysis.json files.
    """

    utterances: tuple[Utterance, ...]
    duration: float
    speaker_source: str
    roles: dict[str, str] = field(default_factory=dict)
    turns: tuple[Turn, ...] = ()
    voice: dict[str, VoiceTrack] | None = field(default=None, compare=False, repr=False)

    def turns_of(self, role: str) -> list[Turn]:
        return [t for t in self.turns if t.speaker == role]

    def utterances_of(self, role: str) -> list[Utterance]:
        return [u for u in self.utterances if u.speaker_role == role]

    @property
    def agent(self) -> str | None:
        return next((s for s, r in self.roles.items() if r == "agent"), None)


def group_words(role: str, words: Iterable[Word], max_gap: float = 1.0) -> list[Utterance]:
    """Group one speaker's words (in time order) into utterances, splitting at pauses > ``max_gap`` s."""
    out: list[Utterance] = []
    current: list[Word] = []
    for w in words:
        if current and w.start - current[-1].end > max_gap:
            out.append(Utterance.from_words(role, current))
            current = []
        current.append(w)
    if current:
        out.append(Utterance.from_words(role, current))
    return out


def merge_regions(regions: Iterable[tuple[float, float]], min_gap: float = 0.0) -> list[tuple[float, float]]:
    """Union of intervals; intervals closer than ``min_gap`` s are joined."""
    out: list[list[float]] = []
    for s, e in sorted(regions):
        if out and s - out[-1][1] <= min_gap:
            out[-1][1] = max(out[-1][1], e)
        else:
            out.append([s, e])
    return [(s, e) for s, e in out]


def total_length(regions: Iterable[tuple[float, float]]) -> float:
    return sum(e - s for s, e in merge_regions(regions))


def intersect_length(a: Iterable[tuple[float, float]], b: Iterable[tuple[float, float]]) -> float:
    """Total time covered by both interval sets (each merged first)."""
    a, b = merge_regions(a), merge_regions(b)
    i = j = 0
    total = 0.0
    while i < len(a) and j < len(b):
        lo, hi = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if hi > lo:
            total += hi - lo
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return total
