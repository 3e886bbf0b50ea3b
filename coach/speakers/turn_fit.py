"""How well each diarized turn's voice fits the speaker it was given to (issue 12: "the embedding of a
turn fits both").

Diarization decides per cluster; a single turn can still land in the wrong one (a short greeting in
the other party's cluster), and a role cue said in that turn then counts for the wrong party. Each
turn of at least ``MIN_FIT_S`` gets its own CAM++ embedding; its *margin* is the cosine to its
speaker's centroid (the duration-weighted mean of that speaker's *other* turns, so a turn does not
vote for itself) minus the cosine to the other speaker's centroid. A clear positive margin: the voice
is the one the diarization says. Near zero or below: it fits both, or the other better.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..conversation import Turn, merge_regions

MIN_FIT_S = 0.5  # shorter turns give no usable embedding
MAX_FIT_S = 10.0  # longer turns: their middle 10 s (the embedding of a long stretch changes little)


@dataclass(frozen=True)
class TurnFit:
    speaker: str
    start: float
    end: float
    margin: float  # cosine to own centroid (other turns) - cosine to the other speaker's centroid

    def to_dict(self) -> dict:
        return {"speaker": self.speaker, "start": round(self.start, 2), "end": round(self.end, 2),
                "margin": round(self.margin, 3)}


def turn_embeddings(audio: np.ndarray, sample_rate: int, turns: list[Turn], embed) -> dict[int, np.ndarray]:
    """Unit-length embeddings of the turns at least ``MIN_FIT_S`` long, by index into ``turns``;
    ``embed``: (1, 1, samples) float32 torch tensor -> (1, dim)."""
    import torch

    out = {}
    for i, t in enumerate(turns):
        if t.end - t.start < MIN_FIT_S:
            continue
        mid, half = (t.start + t.end) / 2, min(t.end - t.start, MAX_FIT_S) / 2
        a, b = int((mid - half) * sample_rate), int((mid + half) * sample_rate)
        piece = torch.from_numpy(np.ascontiguousarray(audio[a:b], dtype=np.float32))[None, None, :]
        with torch.inference_mode():
            e = np.asarray(embed(piece), dtype=np.float64).reshape(-1)
        n = np.linalg.norm(e)
        if np.isfinite(n) and n > 0:
            out[i] = e / n
    return out


def turn_fits(turns: list[Turn], embeddings: dict[int, np.ndarray]) -> list[TurnFit]:
    """The margin of each embedded turn (two speakers only; a speaker needs another embedded turn)."""
    speakers = sorted({t.speaker for t in turns})
    if len(speakers) != 2:
        return []
    weight = {i: turns[i].end - turns[i].start for i in embeddings}
    total = {s: sum((weight[i] * e for i, e in embeddings.items() if turns[i].speaker == s),
                    np.zeros(next(iter(embeddings.values())).shape) if embeddings else 0.0) for s in speakers}
    out = []
    for i, e in embeddings.items():
        own, other = turns[i].speaker, speakers[1] if turns[i].speaker == speakers[0] else speakers[0]
        rest = total[own] - weight[i] * e
        if not np.any(rest) or not np.any(total[other]):
            continue
        cos_own = float(e @ rest / np.linalg.norm(rest))
        cos_other = float(e @ total[other] / np.linalg.norm(total[other]))
        out.append(TurnFit(own, turns[i].start, turns[i].end, cos_own - cos_other))
    return sorted(out, key=lambda f: f.start)


def reassign(turns: list[Turn], fits: list[TurnFit]) -> tuple[list[Turn], list[TurnFit]]:
    """The turns with every embedded turn whose voice fits the other speaker better (margin < 0) given
    to that speaker, one pass; a speaker's turns that then overlap or touch are joined. Returns the new
    turns and the fits that were moved. Nothing moves when it would leave a speaker with no turn."""
    moved = [f for f in fits if f.margin < 0]
    speakers = sorted({t.speaker for t in turns})
    if not moved or len(speakers) != 2:
        return list(turns), []
    at = {(f.speaker, f.start, f.end) for f in moved}
    other = {speakers[0]: speakers[1], speakers[1]: speakers[0]}
    new = [Turn(other[t.speaker], t.start, t.end) if (t.speaker, t.start, t.end) in at else t for t in turns]
    if len({t.speaker for t in new}) < 2:
        return list(turns), []
    joined = [Turn(s, a, b) for s in speakers
              for a, b in merge_regions((t.start, t.end) for t in new if t.speaker == s)]
    return sorted(joined, key=lambda t: (t.start, t.speaker)), moved
