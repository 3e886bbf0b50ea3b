"""Accuracy against ground truth: role attribution and word error rate. Pure, no models.

Ground truth is the JSON written next to each sample call by ``coach/samples/make_samples.py``:
``{"utterances": [{"role", "start", "end", "text", "type"}, ...]}``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

import numpy as np

from .conversation import ROLES, Conversation

if TYPE_CHECKING:
    from .analysis.events import Event

FRAME = 0.01  # seconds


@dataclass(frozen=True)
class Attribution:
    """How much ground-truth speech time went to the right role.

    correct: frames where a speaking role was found, and nothing was found that was not speaking,
        summed over roles, over all ground-truth role-frames. The figure the targets are set on.
    missed: role-frames with that role not found at all (speech lost or given to the other party).
    per_role: ``correct`` for each role on its own.
    """

    correct: float
    missed: float
    per_role: dict[str, float]
    speech_s: float


def load_truth(path: str | Path) -> list[dict]:
    return json.loads(Path(path).read_text(encoding="utf-8"))["utterances"]


def _frames(regions: list[tuple[float, float]], n: int) -> np.ndarray:
    mask = np.zeros(n, bool)
    for s, e in regions:
        mask[max(0, int(round(s / FRAME))):max(0, int(round(e / FRAME)))] = True
    return mask


def role_attribution(conv: Conversation, truth: list[dict]) -> Attribution:
    """Compare the conversation's role-labelled speech regions with ground-truth utterances."""
    n = int(np.ceil(max([conv.duration] + [u["end"] for u in truth]) / FRAME)) + 1
    gt = {r: _frames([(u["start"], u["end"]) for u in truth if u["role"] == r], n) for r in ROLES}
    pred = {r: _frames([(t.start, t.end) for t in conv.turns_of(r)], n) for r in ROLES}
    # a prediction is clean where it names no role that is not speaking
    clean = np.ones(n, bool)
    for r in ROLES:
        clean &= ~(pred[r] & ~gt[r])
    total = sum(int(gt[r].sum()) for r in ROLES)
    per_role, correct, missed = {}, 0, 0
    for r in ROLES:
        ok = gt[r] & pred[r] & clean
        correct += int(ok.sum())
        missed += int((gt[r] & ~pred[r]).sum())
        per_role[r] = round(float(ok.sum() / gt[r].sum()), 4) if gt[r].any() else 1.0
    return Attribution(correct=round(correct / total, 4) if total else 1.0,
                       missed=round(missed / total, 4) if total else 0.0,
                       per_role=per_role, speech_s=round(total * FRAME, 2))


def normalise_words(text: str) -> list[str]:
    return re.sub(r"[^\w\s]", " ", text.lower()).split()


def word_error_rate(reference: str, hypothesis: str) -> float:
    """Levenshtein distance over words / reference length (lower-cased, punctuation removed)."""
    ref, hyp = normalise_words(reference), normalise_words(hypothesis)
    if not ref:
        return 0.0 if not hyp else 1.0
    prev = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        cur = [i] + [0] * len(hyp)
        for j, h in enumerate(hyp, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (r != h))
        prev = cur
    return prev[-1] / len(ref)


def role_wer(conv: Conversation, truth: list[dict]) -> dict[str, float]:
    """WER per role, on each party's whole text in time order (so wrong attribution counts as errors)."""
    out = {}
    for r in ROLES:
        ref = " ".join(u["text"] for u in sorted(truth, key=lambda u: u["start"]) if u["role"] == r)
        hyp = " ".join(u.text for u in conv.utterances_of(r))
        out[r] = round(word_error_rate(ref, hyp), 4)
    return out


def f1(precision: float, recall: float) -> float:
    """The harmonic mean of precision and recall (0 when both are 0). The one F1 of coach."""
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


@dataclass(frozen=True)
class EventScore:
    """Found events against expected ones: counts, and precision, recall and F1 from them (exact;
    ``to_dict`` rounds them to 3 decimals).

    Precision is 1.0 when nothing was predicted and nothing expected (0.0 when something was
    expected); recall is 1.0 when nothing was expected.
    """

    true_positives: int
    predicted: int
    expected: int

    @property
    def precision(self) -> float:
        if not self.predicted:
            return 0.0 if self.expected else 1.0
        return self.true_positives / self.predicted

    @property
    def recall(self) -> float:
        return self.true_positives / self.expected if self.expected else 1.0

    @property
    def f1(self) -> float:
        return f1(self.precision, self.recall)

    def __add__(self, other: "EventScore") -> "EventScore":
        """Pooled over calls: the counts added."""
        return EventScore(self.true_positives + other.true_positives, self.predicted + other.predicted,
                          self.expected + other.expected)

    def to_dict(self) -> dict:
        return {"precision": round(self.precision, 3), "recall": round(self.recall, 3), "f1": round(self.f1, 3),
                "true_positives": self.true_positives, "predicted": self.predicted, "expected": self.expected}

    @classmethod
    def from_dict(cls, d: dict) -> "EventScore":
        return cls(int(d["true_positives"]), int(d["predicted"]), int(d["expected"]))


def pooled(scores: Iterable[EventScore]) -> EventScore:
    """The scores of several calls as one: counts summed, precision, recall and F1 from the sums."""
    return sum(scores, EventScore(0, 0, 0))


def event_f1(events: Iterable[Event], truth: list[dict], kind: str, tolerance_s: float = 1.0) -> EventScore:
    """Match predicted events of type ``kind`` to ground-truth utterances of that type: same role
    (``by`` vs ``role``) and start within ``tolerance_s``, one to one, nearest first."""
    pred = [e for e in events if e.type == kind]
    gold = [u for u in truth if u.get("type") == kind]
    pairs = sorted((abs(p.start - g["start"]), i, j) for i, p in enumerate(pred) for j, g in enumerate(gold)
                   if p.by == g["role"] and abs(p.start - g["start"]) <= tolerance_s)
    used_p, used_g = set(), set()
    for _, i, j in pairs:
        if i not in used_p and j not in used_g:
            used_p.add(i)
            used_g.add(j)
    return EventScore(len(used_p), len(pred), len(gold))
