"""Speaker stage: who spoke when.

Stereo recordings: one party per channel; speech regions per channel from Silero VAD, with the
other party's echo/crosstalk removed (``channels.py``). Mono recordings: pyannote.audio speaker
diarization with the packaged segmentation-3.0 and CAM++ models (``diarize.py``). Which speaker
is the agent is decided in ``roles.py``.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..conversation import Turn


@dataclass(frozen=True)
class SpeakerTurns:
    """Speech regions per speaker, and how they were found.

    Attributes:
        turns: ``Turn(speaker, start, end)`` in start order; speakers are ``left``/``right`` for
            stereo channels and ``SPEAKER_00``... for diarization clusters.
        source: ``"channels"`` or ``"diarization"``.
        speakers: all speaker ids, including any that never spoke.
        warnings: for the report (one party silent, leak removed...).
        separation: mono calls: whether the diarization told the two voices apart, with the
            measured numbers (``coach.speakers.diarize.separation``); None for stereo.
        recovered: mono calls: short speech of one party over the other that the diarization
            output left out (``coach.speakers.overlap``); speech regions for the analysis, not used to
            place words.
    """

    turns: tuple[Turn, ...]
    source: str
    speakers: tuple[str, ...]
    warnings: tuple[str, ...] = ()
    method: str = ""
    separation: dict | None = None  # diarization only: were the voices told apart (diarize.separation)
    recovered: tuple[Turn, ...] = ()  # diarization only: the listener's overlapped speech it left out (overlap.py)

    def of(self, speaker: str) -> list[Turn]:
        return [t for t in self.turns if t.speaker == speaker]
