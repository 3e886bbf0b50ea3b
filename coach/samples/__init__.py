"""The bundled sample calls (synthetic Dutch support calls with ground truth beside each) and their
generator (``python -m coach.samples.make_samples``). Packaged, so ``coach bench`` and the tests
work from an installed coach; ``audio_samples/`` in the clone points here."""

from __future__ import annotations

from pathlib import Path

SAMPLES_DIR = Path(__file__).resolve().parent


def sample_calls() -> list[Path]:
    """The sample recordings, sorted by name."""
    return sorted(SAMPLES_DIR.glob("*.flac"))
