#!/usr/bin/env python3
"""Measure how well coach's mono diarization tells the two voices apart (issue 12).

    .venv/bin/python scripts/speaker_separation.py FILE...

Prints one JSON line per file: the ``separation`` block coach puts in analysis.json (``call.
speaker_separation``): speakers found, centroid cosine similarity of the two largest clusters, the
largest speech share, and whether the call is flagged. Diarization only (no ASR), so it is quick.
"""

from __future__ import annotations

import json
import sys
import time


def main(argv: list[str]) -> int:
    from coach import runtime
    from coach.audio import decode
    from coach.config import DiarizationOptions
    from coach.speakers.diarize import diarize

    runtime.apply()
    for path in argv[1:]:
        t = time.perf_counter()
        turns = diarize(decode(path), DiarizationOptions())
        sep = dict(turns.separation or {})
        print(json.dumps({"file": path, "reliable": sep.get("reliable"), "speakers_found": sep.get("speakers_found"),
                          "centroid_cosine": sep.get("centroid_cosine"), "largest_share": sep.get("largest_share"),
                          "reasons": sep.get("reasons"), "seconds": round(time.perf_counter() - t, 1)}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
