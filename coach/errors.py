"""Errors that a user can act on. The CLI prints them as one line, never a traceback."""

from __future__ import annotations

from pathlib import Path


class CoachError(Exception):
    """A problem with one input or with the setup, worded for the user.

    ``str(error)`` is the one line the CLI prints: ``<file>: <reason>`` when a file is involved.
    """

    def __init__(self, reason: str, path: str | Path | None = None):
        self.reason = reason
        self.path = str(path) if path is not None else None
        super().__init__(f"{self.path}: {reason}" if self.path else reason)


class AudioError(CoachError):
    """The input file is missing, empty, not audio, corrupt, or has an unsupported layout."""


class NoSpeechError(CoachError):
    """The recording decoded but holds no speech to analyse."""


class ModelError(CoachError):
    """A model could not be found or loaded (offline weights missing, bad --model)."""
