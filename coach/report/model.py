"""``CallReport``: everything known about one call; serialises to the ``analysis.json`` contract.

Schema version "1" (see ARCHITECTURE.md). Names in it stay stable; more fields may be added;
a change of meaning bumps ``SCHEMA_VERSION``. HTML, Markdown and subtitle renderings are made
from this object alone, so ``coach report`` can re-render without the audio.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from ..analysis.events import Event
from ..conversation import Conversation, Turn, Utterance

SCHEMA_VERSION = "1"


@dataclass(frozen=True)
class CallInfo:
    id: str
    source: str
    sha256: str
    duration_s: float
    channels: int
    speaker_source: str  # "channels" | "diarization"
    agent: str | None  # "left" | "right" | "SPEAKER_00" ...
    language: str
    codec: str = ""
    original_sample_rate: int = 0
    roles_method: str = ""
    speakers_method: str = ""
    roles_confidence: float | None = None  # probability that the agent is the right speaker (coach.speakers.roles)
    roles_cues: list = field(default_factory=list)  # the role cues found per speaker, with their weights
    # mono calls: did the diarization tell the two voices apart (coach.speakers.diarize.separation): reliable,
    # reasons, speakers_found, centroid_cosine, largest_share, speech_share, thresholds, uncertain_figures
    speaker_separation: dict | None = None

    def to_dict(self) -> dict:
        return dict(self.__dict__, duration_s=round(self.duration_s, 3))

    @classmethod
    def from_dict(cls, d: dict) -> "CallInfo":
        known = cls.__dataclass_fields__
        return cls(**{k: v for k, v in d.items() if k in known})


@dataclass(frozen=True)
class CallReport:
    call: CallInfo
    conversation: Conversation
    metrics: dict = field(default_factory=dict)
    events: tuple[Event, ...] = ()
    reflection: dict = field(default_factory=lambda: {"moments": [], "questions": []})
    prosody: dict = field(default_factory=dict)  # pitch/energy per party over time (coach.prosody)
    timings: dict = field(default_factory=dict)
    versions: dict = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    settings: dict = field(default_factory=dict)
    privacy: dict = field(default_factory=dict)  # whether renderings redact personal data

    def to_dict(self) -> dict:
        conv = self.conversation
        return {
            "schema_version": SCHEMA_VERSION,
            "call": self.call.to_dict(),
            "utterances": [u.to_dict() for u in conv.utterances],
            "turns": [t.to_dict() for t in conv.turns],
            "roles": dict(conv.roles),
            "metrics": self.metrics,
            "events": [e.to_dict() for e in self.events],
            "reflection": self.reflection,
            "prosody": self.prosody,
            "timings": self.timings,
            "versions": self.versions,
            "warnings": list(self.warnings),
            "settings": self.settings,
            "privacy": self.privacy,
        }

    @classmethod
    def from_dict(cls, d: dict) -> "CallReport":
        if str(d.get("schema_version")) != SCHEMA_VERSION:
            raise ValueError(f"unsupported schema_version {d.get('schema_version')!r} (expected {SCHEMA_VERSION})")
        call = CallInfo.from_dict(d["call"])
        conv = Conversation(
            utterances=tuple(Utterance.from_dict(u) for u in d.get("utterances", [])),
            duration=float(call.duration_s),
            speaker_source=call.speaker_source,
            roles=dict(d.get("roles", {})),
            turns=tuple(Turn.from_dict(t) for t in d.get("turns", [])),
        )
        return cls(call=call, conversation=conv, metrics=d.get("metrics", {}),
                   events=tuple(Event.from_dict(e) for e in d.get("events", [])),
                   reflection=d.get("reflection", {"moments": [], "questions": []}), prosody=d.get("prosody", {}),
                   timings=d.get("timings", {}),
                   versions=d.get("versions", {}), warnings=tuple(d.get("warnings", [])),
                   settings=d.get("settings", {}), privacy=d.get("privacy", {}))

    @classmethod
    def load(cls, path: str | Path) -> "CallReport":
        return cls.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))


def write_atomic(path: str | Path, text: str) -> None:
    """Write ``text`` to ``path`` via a temp file in the same directory and a rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; a report is an ordinary file
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_report(report: CallReport, call_dir: str | Path) -> Path:
    """Write ``analysis.json`` into ``call_dir`` (atomically). Returns its path."""
    path = Path(call_dir) / "analysis.json"
    write_atomic(path, json.dumps(report.to_dict(), indent=2, ensure_ascii=False) + "\n")
    return path
