"""The ``coach batch`` command (registered on the main app by ``register``)."""

from __future__ import annotations


def register(app) -> None:
    """Add the batch command to ``app`` (filled in by the batch feature)."""
