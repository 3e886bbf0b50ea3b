"""Development data with real Dutch turn timing (issue 10).

- ``ifadv``: turn-taking distributions derived from the IFADV corpus (GPL; ``ifadv_timing.json``).
- ``make_calls``: coach's copy of the shared dev-call generator, with ``--timing ifadv --seed N``.
- ``real_timing_calls(split)``: the 20 shared dev scripts re-timed with IFADV timing, synthesised on first
  use into ``$COACH_DEVSET_DIR/real_timing/seed<N>-<generator hash>/`` (default ``~/.cache/coach/devset``); needs espeak-ng,
  MBROLA nl2/nl3 and sox only then. Split: d01-d15 = tune, d16-d30 = heldout.
- ``dev_calls(split)``: the shared dev calls as they are (``../shared/data/dev_calls``).
"""

from .real_timing import (DEFAULT_SEED, call_split, dev_calls, dev_calls_dir, devset_dir, real_timing_calls,
                          truth_path_for)

__all__ = ["DEFAULT_SEED", "call_split", "dev_calls", "dev_calls_dir", "devset_dir", "real_timing_calls",
           "truth_path_for"]
