"""Real Dutch turn-taking timing from the IFADV corpus, for re-timing coach's scripted development calls.

Source: the IFA Dialog Video corpus (R.J.J.H. van Son, W. Wesseling, E. Sanders, H. van den Heuvel, LREC
2008), annotations of 20 spontaneous two-party Dutch dialogues as converted by the R package
elpaco-escience/ifadv (commit 8ae434cb), in ``../shared/data/real/ifadv_dialogues/ifadv_all_dialogues.csv``
(columns in ``ifadv.Rd`` there; times in ms). Licence: the corpus is GPL v2, the package GPL (>= 2); the
numbers in ``ifadv_timing.json`` are derived from those annotations (quantiles and rates, no transcript
text) and carry that note. No IFADV audio is used or shipped.

Split: the dialogues are numbered 1-20 by their ``uid`` (``dutch-NN-...``). The odd-numbered ones are the
**tune** half: every distribution that generation samples from comes from them. The even-numbered ones
are the **held-out** half (``heldout_stats()``), only for checking a detector or a generated set against
real timing it was not derived from.

What is derived (per half):

- floor-transfer offsets (FTO, s) of turn changes: an utterance whose previous utterance is by the other
  party (``FTO`` present), not a short cue; negative = the new speaker started before the other ended.
  Also the FTO of all floor transfers (cues included), the figure behind "47% of transfers overlap".
- back-channels (short cue utterances: at most 3 words, all of them cue words such as "ja", "hm", "oké",
  "nee", "precies", "klopt"): how often (share of utterances, per minute per speaker), their length, and
  where they sit relative to the other party's speech region (consecutive utterances of one speaker
  with gaps < 50 ms form a region): inside it (offset from the region start, as seconds and as a share of
  the region, and time left to its end) or in a pause (offset after the region end, and the gap until
  that party speaks again).

``python -m coach.devset.ifadv [--csv FILE] [--out FILE]`` regenerates ``ifadv_timing.json``.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
TIMING_JSON = HERE / "ifadv_timing.json"
REPO = HERE.parents[1]
DEFAULT_CSV = REPO.parent / "shared" / "data" / "real" / "ifadv_dialogues" / "ifadv_all_dialogues.csv"
CUE_WORDS = frozenset("ja nee oké okee hum hm hmm mm mhm oh ah o precies klopt inderdaad jawel".split())
MAX_CUE_WORDS = 3
REGION_JOIN_S = 0.05
QUANTILES = np.linspace(0, 1, 101)


@dataclass(frozen=True)
class Utt:
    dialogue: int
    speaker: str
    start: float
    end: float
    text: str
    nature: str
    fto: float | None
    overlap: str

    @property
    def cue(self) -> bool:
        return self.nature == "talk" and is_cue(self.text)


def is_cue(text: str) -> bool:
    words = [w.strip("?!.,") for w in (text or "").lower().split()]
    return 0 < len(words) <= MAX_CUE_WORDS and all(w in CUE_WORDS for w in words)


def dialogue_number(uid: str) -> int:
    m = re.match(r"dutch-(\d+)-", uid)
    if not m:
        raise ValueError(f"unexpected IFADV uid {uid!r}")
    return int(m.group(1))


def half_of(dialogue: int) -> str:
    """'tune' (odd-numbered dialogues) or 'heldout' (even-numbered)."""
    return "heldout" if dialogue % 2 == 0 else "tune"


def read_csv(path: str | Path = DEFAULT_CSV) -> list[Utt]:
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"IFADV annotations not found: {path}")
    out = []
    with path.open(encoding="utf-8", newline="") as f:
        for r in csv.DictReader(f):
            out.append(Utt(dialogue_number(r["uid"]), r["participant"], float(r["begin"]) / 1000,
                           float(r["end"]) / 1000, r["utterance_stripped"], r["nature"],
                           float(r["FTO"]) / 1000 if r["FTO"] not in ("", "NA") else None, r["overlap"]))
    return out


def _regions(utts: list[Utt]) -> list[tuple[float, float]]:
    out: list[list[float]] = []
    for u in sorted(utts, key=lambda u: u.start):
        if out and u.start <= out[-1][1] + REGION_JOIN_S:
            out[-1][1] = max(out[-1][1], u.end)
        else:
            out.append([u.start, u.end])
    return [(a, b) for a, b in out]


def raw_stats(utts: list[Utt]) -> dict:
    """The samples behind the distributions, for one set of dialogues."""
    fto_turns, fto_all, cue_dur = [], [], []
    inside_from_start, inside_frac, inside_to_end, pause_after_end, pause_gap = [], [], [], [], []
    n_utt = n_cue = 0
    minutes = 0.0
    for d in sorted({u.dialogue for u in utts}):
        du = [u for u in utts if u.dialogue == d]
        minutes += (max(u.end for u in du) - min(u.start for u in du)) / 60
        speakers = sorted({u.speaker for u in du})
        regions = {s: _regions([u for u in du if u.speaker == s and u.nature == "talk" and not u.cue])
                   for s in speakers}
        for u in du:
            n_utt += 1
            if u.fto is not None:
                fto_all.append(u.fto)
                if not u.cue:
                    fto_turns.append(u.fto)
            if not u.cue:
                continue
            n_cue += 1
            cue_dur.append(u.end - u.start)
            other = [r for s, rs in regions.items() if s != u.speaker for r in rs]
            inside = [r for r in other if r[0] <= u.start < r[1]]
            if inside:
                a, b = inside[0]
                inside_from_start.append(u.start - a)
                inside_frac.append((u.start - a) / (b - a))
                inside_to_end.append(b - u.start)
                continue
            before = [r for r in other if r[1] <= u.start]
            after = [r for r in other if r[0] > u.start]
            if before:
                prev_end = max(r[1] for r in before)
                pause_after_end.append(u.start - prev_end)
                if after:
                    pause_gap.append(min(r[0] for r in after) - prev_end)
    return {"dialogues": sorted({u.dialogue for u in utts}), "minutes": minutes, "utterances": n_utt,
            "cues": n_cue, "fto_turns": fto_turns, "fto_all": fto_all, "cue_duration": cue_dur,
            "inside_from_start": inside_from_start, "inside_frac": inside_frac, "inside_to_end": inside_to_end,
            "pause_after_end": pause_after_end, "pause_gap": pause_gap}


def _q(xs: list[float]) -> list[float]:
    return [round(float(v), 3) for v in np.quantile(np.asarray(xs, float), QUANTILES)] if xs else []


def _share(xs: list[float], pred) -> float:
    return round(float(np.mean([pred(x) for x in xs])), 4) if xs else 0.0


def summarise(raw: dict) -> dict:
    """Rates and quantiles (101: 0, 1, ..., 100 %) from ``raw_stats``."""
    ft, fa = raw["fto_turns"], raw["fto_all"]
    n_in, n_pause = len(raw["inside_frac"]), len(raw["pause_after_end"])
    return {
        "dialogues": raw["dialogues"],
        "minutes": round(raw["minutes"], 1),
        "utterances": raw["utterances"],
        "floor_transfers": {
            "all": {"n": len(fa), "overlapping": _share(fa, lambda x: x < 0),
                    "early_by_more_than_0.5s": _share(fa, lambda x: x < -0.5),
                    "early_by_more_than_1s": _share(fa, lambda x: x < -1.0),
                    "median_s": round(float(np.median(fa)), 3) if fa else None},
            "turns": {"n": len(ft), "overlapping": _share(ft, lambda x: x < 0),
                      "early_by_more_than_0.5s": _share(ft, lambda x: x < -0.5),
                      "early_by_more_than_1s": _share(ft, lambda x: x < -1.0),
                      "median_s": round(float(np.median(ft)), 3) if ft else None,
                      "fto_quantiles_s": _q(ft)},
        },
        "backchannels": {
            "n": raw["cues"],
            "share_of_utterances": round(raw["cues"] / raw["utterances"], 4) if raw["utterances"] else 0.0,
            "per_minute_per_speaker": round(raw["cues"] / raw["minutes"] / 2, 3) if raw["minutes"] else 0.0,
            "inside_other_speech": round(n_in / (n_in + n_pause), 4) if n_in + n_pause else 0.0,
            "in_other_pause": round(n_pause / (n_in + n_pause), 4) if n_in + n_pause else 0.0,
            "duration_quantiles_s": _q(raw["cue_duration"]),
            "inside": {"n": n_in, "from_region_start_quantiles_s": _q(raw["inside_from_start"]),
                       "fraction_of_region_quantiles": _q(raw["inside_frac"]),
                       "to_region_end_quantiles_s": _q(raw["inside_to_end"])},
            "pause": {"n": n_pause, "after_region_end_quantiles_s": _q(raw["pause_after_end"]),
                      "gap_quantiles_s": _q(raw["pause_gap"])},
        },
    }


def derive(csv_path: str | Path = DEFAULT_CSV) -> dict:
    utts = read_csv(csv_path)
    tune = [u for u in utts if half_of(u.dialogue) == "tune"]
    return {
        "source": "IFADV corpus (van Son et al., LREC 2008; GPL v2), annotations via github.com/elpaco-escience/"
                  "ifadv commit 8ae434cb (GPL >= 2): ifadv_all_dialogues.csv. Derived by coach/devset/ifadv.py "
                  "(python -m coach.devset.ifadv); quantiles and rates only, no transcript text.",
        "split": "tune = odd-numbered dialogues (uid dutch-NN): generation samples from these only; "
                 "heldout = even-numbered, see coach.devset.ifadv.heldout_stats()",
        "cue_definition": {"words": sorted(CUE_WORDS), "max_words": MAX_CUE_WORDS,
                           "region_join_s": REGION_JOIN_S},
        "quantile_levels": "0, 1, ..., 100 %",
        "tune": summarise(raw_stats(tune)),
    }


def load_timing(path: str | Path = TIMING_JSON) -> dict:
    """The committed distributions (the tune half)."""
    return json.loads(Path(path).read_text(encoding="utf-8"))


def heldout_stats(csv_path: str | Path = DEFAULT_CSV) -> dict:
    """The same summary for the held-out (even-numbered) dialogues, computed from the CSV; for checks only."""
    return summarise(raw_stats([u for u in read_csv(csv_path) if half_of(u.dialogue) == "heldout"]))


def heldout_utterances(csv_path: str | Path = DEFAULT_CSV) -> list[Utt]:
    """The held-out dialogues' utterances themselves (never used for generation)."""
    return [u for u in read_csv(csv_path) if half_of(u.dialogue) == "heldout"]


def sample(quantiles: list[float], rng: np.random.Generator, size: int | None = None):
    """Draw from an empirical distribution given by its 101 quantiles (inverse CDF, linear in between)."""
    u = rng.random(size)
    return np.interp(u, QUANTILES, np.asarray(quantiles, float))


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description="Derive coach's real-timing distributions from IFADV.")
    ap.add_argument("--csv", default=str(DEFAULT_CSV), help="ifadv_all_dialogues.csv")
    ap.add_argument("--out", default=str(TIMING_JSON), help="output JSON")
    a = ap.parse_args(argv)
    timing = derive(a.csv)
    Path(a.out).write_text(json.dumps(timing, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    t, h = timing["tune"], heldout_stats(a.csv)
    for name, s in (("tune", t), ("heldout", h)):
        ft, bc = s["floor_transfers"], s["backchannels"]
        print(f"{name:8s} dialogues={s['dialogues']} transfers overlapping={ft['all']['overlapping']:.1%} "
              f"(>0.5 s {ft['all']['early_by_more_than_0.5s']:.1%}, >1 s {ft['all']['early_by_more_than_1s']:.1%}); "
              f"turns {ft['turns']['overlapping']:.1%}; cues {bc['share_of_utterances']:.1%} of utterances, "
              f"{bc['inside_other_speech']:.0%} inside the other's speech")
    print(f"wrote {a.out}")


if __name__ == "__main__":
    main()
