"""Real Dutch turn timing without audio: IFADV dialogue annotations as ``Conversation`` objects.

IFADV (../shared/data/real/ifadv_dialogues/ifadv_all_dialogues.csv, GPL) holds 20 face-to-face Dutch
dialogues: per utterance begin/end (ms), participant and transcript. Each dialogue becomes a
conversation in which the first participant is the "agent" and the other the "customer"; every
annotated utterance (laughter too) is a speech region (``turns``); an utterance's words get evenly
spaced times (IFADV's own "?" and "." taken out), with a final "." (``punctuate=True``) or bare
(``False``). Used to count how often
coach sees an interruption in real conversation timing, where true interruptions are uncommon, and,
as a rough proxy for back-channels (IFADV does not label them), how many short cue-word utterances
("ja", "hm", "oké", ... ``CUES``) coach calls back-channels and how many of its back-channels are such.

    .venv/bin/python tests/ifadv_harness.py            # odd dialogues (tuning) and even (held out)
"""

from __future__ import annotations

import csv
import re
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from coach.conversation import Conversation, Turn, Utterance, Word  # noqa: E402

CSV = Path(__file__).resolve().parents[2] / "shared" / "data" / "real" / "ifadv_dialogues" / "ifadv_all_dialogues.csv"
CUES = {"ja", "jaja", "jawel", "hm", "hmm", "hum", "mm", "mhm", "hmhm", "hm-hm", "oké", "oke", "okee", "ok", "nee",
        "precies", "klopt", "juist", "inderdaad", "oh", "ah", "ach", "echt"}  # a proxy of back-channel words


def dialogues(path: Path = CSV) -> dict[int, list[dict]]:
    """Dialogue number -> its rows (dicts of the CSV), in time order."""
    out: dict[int, list[dict]] = defaultdict(list)
    with open(path, encoding="utf-8") as f:
        for row in csv.DictReader(f):
            out[int(row["uid"].split("-")[1])].append(row)
    return {k: sorted(v, key=lambda r: float(r["begin"])) for k, v in sorted(out.items())}


def words_of(row: dict) -> list[str]:
    text = re.sub(r"\[[^\]]*\]", " ", row.get("utterance_stripped") or "")
    return [t for t in text.split() if re.search(r"\w", t)]


def is_cue(row: dict) -> bool:
    ws = [w.lower().strip(".,?!") for w in words_of(row)]
    return 0 < len(ws) <= 3 and all(w in CUES for w in ws)


def conversation(rows: list[dict], punctuate: bool = True) -> Conversation:
    speakers = list(dict.fromkeys(r["participant"] for r in rows))
    role = {s: ("agent" if i == 0 else "customer") for i, s in enumerate(speakers[:2])}
    turns, utts = [], []
    for r in rows:
        if r["participant"] not in role:
            continue
        start, end = float(r["begin"]) / 1000, float(r["end"]) / 1000
        if end <= start:
            continue
        turns.append(Turn(role[r["participant"]], start, end))
        ws = [w.rstrip(".?!") or w for w in words_of(r)]  # IFADV marks some questions; keep only our "."
        if ws:
            step = (end - start) / len(ws)
            if punctuate:
                ws[-1] += "."
            utts.append(Utterance.from_words(role[r["participant"]],
                                             [Word(w, start + i * step, start + (i + 1) * step - 0.02, 0.9)
                                              for i, w in enumerate(ws)]))
    duration = max(t.end for t in turns)
    return Conversation(utterances=tuple(sorted(utts, key=lambda u: u.start)), duration=duration,
                        speaker_source="channels", roles={"A": "agent", "B": "customer"},
                        turns=tuple(sorted(turns, key=lambda t: t.start)))


def measure(which: str = "odd", punctuate: bool = True, options=None) -> dict:
    """Interruptions per minute, overlap kinds and back-channels on the odd or even dialogues."""
    from collections import Counter

    from coach.analysis.lexicon import load_lexicon
    from coach.analysis.overlaps import overlaps_and_backchannels
    from coach.config import AnalysisOptions

    opts, lex = options or AnalysisOptions(), load_lexicon()
    minutes, n_int, kinds, n_bc, bc_cue, cues = 0.0, 0, Counter(), 0, 0, 0
    for number, rows in dialogues().items():
        if (number % 2 == 1) != (which == "odd"):
            continue
        c = conversation(rows, punctuate)
        minutes += c.duration / 60
        found = overlaps_and_backchannels(c, opts, lex)
        n_int += sum(e.type == "interruption" for e in found.events)
        kinds.update(e.kind for e in found.events if e.type == "overlap")
        bcs = [e for e in found.events if e.type == "backchannel"]
        n_bc += len(bcs)
        cue_rows = [r for r in rows if is_cue(r)]
        cues += len(cue_rows)
        bc_cue += sum(any(abs(float(r["begin"]) / 1000 - e.start) < 0.3 for r in cue_rows) for e in bcs)
    return {"dialogues": which, "punctuated": punctuate, "minutes": round(minutes, 1),
            "interruptions_per_min": round(n_int / minutes, 2), "interruptions": n_int,
            "overlap_kinds": dict(kinds), "backchannels": n_bc,
            "backchannels_that_are_cue_utterances": round(bc_cue / n_bc, 2) if n_bc else None,
            "cue_utterances": cues, "cue_utterances_found_as_backchannel": round(bc_cue / cues, 2) if cues else None}


if __name__ == "__main__":
    for which in ("odd", "even"):
        for punctuate in (True, False):
            print(measure(which, punctuate))
