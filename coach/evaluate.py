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

    def with_errors(self) -> dict:
        """``to_dict`` plus the counts of false positives and misses."""
        return dict(self.to_dict(), false_positives=self.predicted - self.true_positives,
                    misses=self.expected - self.true_positives)

    @classmethod
    def from_dict(cls, d: dict) -> "EventScore":
        return cls(int(d["true_positives"]), int(d["predicted"]), int(d["expected"]))


def pooled(scores: Iterable[EventScore]) -> EventScore:
    """The scores of several calls as one: counts summed, precision, recall and F1 from the sums."""
    return sum(scores, EventScore(0, 0, 0))


def event_f1(events: Iterable[Event], truth: list[dict], kind: str, tolerance_s: float = 1.0) -> EventScore:
    """Match predicted events of type ``kind`` to ground-truth utterances of that type: same role
    (``by`` vs ``role``) and start within ``tolerance_s``, one to one, nearest first."""
    pred = [(e.by, e.start) for e in events if e.type == kind]
    gold = [(u["role"], u["start"]) for u in truth if u.get("type") == kind]
    return EventScore(len(match(pred, gold, tolerance_s)), len(pred), len(gold))


def match(pred: list[tuple[str, float]], gold: list[tuple[str, float]],
          tolerance_s: float = 1.0) -> list[tuple[int, int]]:
    """One-to-one pairs (pred index, gold index) of ``(role, start)`` items: the same role and starts
    within ``tolerance_s``, nearest first. The one matching rule of every event score."""
    pairs = sorted((abs(p[1] - g[1]), i, j) for i, p in enumerate(pred) for j, g in enumerate(gold)
                   if p[0] == g[0] and abs(p[1] - g[1]) <= tolerance_s)
    used_p, used_g, out = set(), set(), []
    for _, i, j in pairs:
        if i not in used_p and j not in used_g:
            used_p.add(i)
            used_g.add(j)
            out.append((i, j))
    return out


# --- overlaps: interruptions, back-channels and early starts (issue 10) -----------------------------

MATCH_TOLERANCE_S = 1.0


def _match(pred: list[dict], gold: list[dict], tolerance_s: float = MATCH_TOLERANCE_S) -> list[tuple[int, int]]:
    """``match`` for event dicts with ``by`` and ``start``."""
    return match([(p.get("by"), p["start"]) for p in pred], [(g.get("by"), g["start"]) for g in gold], tolerance_s)


def truth_overlap_events(truth: dict | list) -> dict:
    """Interruptions, back-channels and early starts of a ground truth, as ``{"by", "start", "end", ...}`` dicts,
    and the call's duration.

    Takes the shared dev-calls truth (``events.interruptions`` / ``events.backchannels``, ``utterances[]`` with
    ``speaker`` and ``type``; real-timing truth adds ``events.early_starts``) and coach's own sample truth
    (``utterances[]`` with ``role`` and ``type``; or the list ``load_truth`` returns)."""
    if isinstance(truth, list):
        truth = {"utterances": truth}
    utts = truth.get("utterances", [])

    def by(u: dict) -> str | None:
        return u.get("by") or u.get("speaker") or u.get("role")

    def of_type(t: str) -> list[dict]:
        return [dict(u, by=by(u)) for u in utts if u.get("type") == t]

    events = truth.get("events") or {}
    interruptions = [dict(e) for e in events["interruptions"]] if "interruptions" in events else of_type("interruption")
    backchannels = [dict(e) for e in events["backchannels"]] if "backchannels" in events else of_type("backchannel")
    if "early_starts" in events:
        early = [dict(e) for e in events["early_starts"]]
    else:
        early = [dict(u, by=by(u)) for u in utts if u.get("timing") == "early_start" or u.get("early_start")]
    duration = truth.get("duration_s") or max([u.get("end", 0.0) for u in utts], default=0.0)
    return {"interruptions": interruptions, "backchannels": backchannels, "early_starts": early,
            "duration_s": float(duration)}


def _events_of(analysis: dict, kind: str) -> list[dict]:
    out = []
    for e in analysis.get("events", []):
        d = e.to_dict() if hasattr(e, "to_dict") else e
        if d.get("type") == kind:
            out.append(d)
    return out


def score_overlaps(analysis: dict, truth: dict | list, tolerance_s: float = MATCH_TOLERANCE_S) -> dict:
    """How coach's interruptions and back-channels of one call compare with the truth.

    Matching: same role (``by``), start within ``tolerance_s``, one to one, nearest first (as ``event_f1``).
    Returns (JSON-ready): ``interruptions`` and ``backchannels`` (``EventScore.to_dict()`` plus
    ``false_positives`` and ``misses``), ``false_interruptions_per_min`` (per minute of audio),
    ``early_starts`` (``n`` in the truth, ``called_interruption``: how many of them a false interruption of
    coach matches: same role, start within ``tolerance_s``), ``backchannels_called_interruption`` (truth
    back-channels a false interruption matches), ``duration_s``, and the ``scores`` as EventScore objects
    (for ``pooled``; not JSON)."""
    t = truth_overlap_events(truth)
    call = analysis.get("call") or {}
    duration = float(call.get("duration_s") or t["duration_s"] or 0.0)
    p_int, p_bc = _events_of(analysis, "interruption"), _events_of(analysis, "backchannel")
    m_int = _match(p_int, t["interruptions"], tolerance_s)
    m_bc = _match(p_bc, t["backchannels"], tolerance_s)
    matched = {i for i, _ in m_int}
    false_int = [p for i, p in enumerate(p_int) if i not in matched]
    early_called = len(_match(false_int, t["early_starts"], tolerance_s))
    bc_called = len(_match(false_int, t["backchannels"], tolerance_s))
    s_int = EventScore(len(m_int), len(p_int), len(t["interruptions"]))
    s_bc = EventScore(len(m_bc), len(p_bc), len(t["backchannels"]))

    return {
        "call": call.get("id") or (truth.get("call_id") if isinstance(truth, dict) else None),
        "duration_s": round(duration, 2),
        "interruptions": s_int.with_errors(),
        "false_interruptions_per_min": round(len(false_int) / (duration / 60), 3) if duration else 0.0,
        "backchannels": s_bc.with_errors(),
        "early_starts": {"n": len(t["early_starts"]), "called_interruption": early_called},
        "backchannels_called_interruption": bc_called,
        "false_interruptions": [{"by": p.get("by"), "start": p.get("start"), "kind": p.get("kind")} for p in false_int],
        "scores": {"interruptions": s_int, "backchannels": s_bc},
    }


def overlap_totals(rows: list[dict]) -> dict:
    """Totals over calls scored by ``score_overlaps``: pooled P/R/F1, false interruptions per minute overall."""
    ok = [r for r in rows if "scores" in r]
    minutes = sum(r["duration_s"] for r in ok) / 60
    s_int = pooled(r["scores"]["interruptions"] for r in ok)
    s_bc = pooled(r["scores"]["backchannels"] for r in ok)
    false_int = s_int.predicted - s_int.true_positives
    return {
        "calls": len(ok),
        "failed": len(rows) - len(ok),
        "minutes": round(minutes, 2),
        "interruptions": s_int.with_errors(),
        "false_interruptions_per_min": round(false_int / minutes, 3) if minutes else 0.0,
        "backchannels": s_bc.with_errors(),
        "early_starts": {"n": sum(r["early_starts"]["n"] for r in ok),
                         "called_interruption": sum(r["early_starts"]["called_interruption"] for r in ok)},
        "backchannels_called_interruption": sum(r["backchannels_called_interruption"] for r in ok),
    }


def _load_truth_any(truth) -> dict | list:
    if isinstance(truth, (dict, list)):
        return truth
    return json.loads(Path(truth).read_text(encoding="utf-8"))


def evaluate_folder(calls: list[Path], out_dir: Path, truth_for, reuse: bool = False, options=None,
                    on_call=None, agent_channel_from_truth: bool = True) -> dict:
    """Analyse each call with ``coach.calls.analyze_many`` into ``OUT_DIR/<id>/`` (or, with ``reuse``, read an
    existing ``OUT_DIR/<stem>/analysis.json``) and score its overlaps against ``truth_for(path)`` (a path to
    a truth JSON, or the truth dict).

    With ``agent_channel_from_truth`` a stereo call is analysed with the agent channel its truth names
    (``agent_channel``: some dev calls have the agent on the right), so that role detection does not
    blur the overlap figures; ``options`` give everything else.

    Returns ``{"calls": [row per call: score_overlaps' dict without "scores", plus "call", "audio",
    "analysis"; or "error"], "totals": overlap_totals(...)}``. ``on_call(path, row)`` is called per scored call."""
    out_dir = Path(out_dir)
    calls = [Path(c) for c in calls]
    analysis_path: dict[Path, Path | None] = {}
    errors: dict[Path, str] = {}
    todo = []
    for c in calls:
        existing = out_dir / c.stem / "analysis.json"
        if reuse and existing.is_file():
            analysis_path[c] = existing
        else:
            todo.append(c)
    if todo:
        from .calls import analyze_many
        from .config import AnalyzeOptions

        options = options or AnalyzeOptions()
        groups: dict[str | None, list[Path]] = {}
        for c in todo:
            channel = None
            if agent_channel_from_truth:
                t = _load_truth_any(truth_for(c))
                channel = t.get("agent_channel") if isinstance(t, dict) else None
            groups.setdefault(channel if channel in ("left", "right") else None, []).append(c)
        for channel, group in groups.items():
            opts = options.with_overrides(roles={"agent_channel": channel}) if channel else options
            for c, r in zip(group, analyze_many(group, out_dir, opts)):
                if r.ok:
                    analysis_path[c] = Path(r.folder) / "analysis.json"
                else:
                    errors[c] = r.error or "failed"
    rows = []
    for c in calls:
        if c in errors:
            rows.append({"call": c.stem, "audio": str(c), "error": errors[c]})
            continue
        truth = _load_truth_any(truth_for(c))
        analysis = json.loads(analysis_path[c].read_text(encoding="utf-8"))
        row = score_overlaps(analysis, truth)
        row["call"] = c.stem
        row["audio"] = str(c)
        row["analysis"] = str(analysis_path[c])
        rows.append(row)
        if on_call:
            on_call(c, row)
    totals = overlap_totals(rows)
    return {"calls": [{k: v for k, v in r.items() if k != "scores"} for r in rows], "totals": totals}


def dev_scripts_hash(dev_root: Path) -> str:
    """8 hex digits of the dev calls' generator (``DEV_ROOT/make_calls.py``) and their scripts
    (``DEV_ROOT/scripts/*.json``, names and contents): the MP3 copies are kept under it, as the real-timing
    calls are under ``coach.devset.real_timing.generator_hash``, so a changed script or generator makes its
    copies anew instead of reusing stale ones. A missing file counts as empty."""
    import hashlib

    h = hashlib.sha256()
    for p in [Path(dev_root) / "make_calls.py", *sorted((Path(dev_root) / "scripts").glob("*.json"))]:
        data = p.read_bytes() if p.is_file() else b""
        h.update(f"{p.name}\0{len(data)}\0".encode())
        h.update(data)
    return h.hexdigest()[:8]


def mp3_copies(stereo: list[Path], dev_root: Path, out: Path | None = None) -> list[Path]:
    """The 32 kbit/s stereo MP3 copies (``mp3/<id>.mp3``, truth in ``truth/``) of dev calls' ``stereo16k/<id>.flac``,
    made on first use from their scripts by the shared generator (``DEV_ROOT/make_calls.py --formats
    mp3,truth``: the same lines and times, the channels kept, a noise floor of about -70 dBFS) into ``OUT``
    (default ``devset_dir()/mp3/<dev_scripts_hash(DEV_ROOT)>``). Raises RuntimeError (one line) when ffmpeg /
    espeak-ng / sox are missing or the generator fails."""
    return made_copies(stereo, dev_root, "mp3", out)


MADE_FORMATS = {"mp3": ("mp3", "MP3", ("ffmpeg", "espeak-ng", "sox")),
                "mono16k": ("flac", "16 kHz mono", ("espeak-ng", "sox"))}


def made_copies(stereo: list[Path], dev_root: Path, fmt: str, out: Path | None = None) -> list[Path]:
    """Copies of dev calls in another format of the shared generator (``mp3``: 32 kbit/s stereo MP3;
    ``mono16k``: both parties mixed to one 16 kHz channel), made on first use as ``mp3_copies`` says, into
    ``OUT`` (default ``devset_dir()/FMT/<dev_scripts_hash(DEV_ROOT)>``) as ``FMT/<id>.EXT``."""
    import os
    import shutil
    import subprocess
    import sys

    from .devset import devset_dir

    ext, label, tools = MADE_FORMATS[fmt]
    out = Path(out) if out else devset_dir() / fmt / dev_scripts_hash(dev_root)
    ids = [p.stem for p in stereo]
    missing = [i for i in ids if not ((out / fmt / f"{i}.{ext}").is_file() and (out / "truth" / f"{i}.truth.json").is_file())]
    if missing:
        for tool in tools:
            if not shutil.which(tool):
                raise RuntimeError(f"{tool} not found: the {label} copies of the dev calls are made with it "
                                   f"(see {dev_root / 'README.md'})")
        out.mkdir(parents=True, exist_ok=True)
        tmp = out / f".tmp-{os.getpid()}"
        shutil.rmtree(tmp, ignore_errors=True)
        r = subprocess.run([sys.executable, str(dev_root / "make_calls.py"), "--scripts", str(dev_root / "scripts"),
                            "--out", str(tmp), "--formats", f"{fmt},truth", "--only", *missing],
                           capture_output=True, text=True)
        if r.returncode != 0:
            shutil.rmtree(tmp, ignore_errors=True)
            raise RuntimeError(f"{dev_root / 'make_calls.py'}: making the {label} copies failed: "
                               f"{(r.stderr or r.stdout).strip().splitlines()[-1:] or r.returncode}")
        for sub in ("truth", fmt):  # truth first: the copy's presence means the call is complete
            (out / sub).mkdir(exist_ok=True)
            for f in (tmp / sub).iterdir():
                os.replace(f, out / sub / f.name)
        shutil.rmtree(tmp, ignore_errors=True)
    made = [out / fmt / f"{i}.{ext}" for i in ids]
    lost = [p for p in made if not p.is_file()]
    if lost:
        raise RuntimeError(f"{lost[0]}: the generator made no {label} copy of this dev call")
    return made


def sample_mono_copies(samples: list[Path], out: Path | None = None) -> list[Path]:
    """The bundled samples as 16 kHz mono: a stereo sample mixed down (``Recording.mono``, as coach mixes
    a call it diarizes), a mono one as it is; each with its ``<id>.json`` truth beside it, in ``OUT``
    (default ``devset_dir()/samples-mono16k/<8 hex of the samples' audio>``), written on first use."""
    import hashlib
    import os
    import shutil

    import soundfile

    from .audio import SAMPLE_RATE, decode
    from .devset import devset_dir

    h = hashlib.sha256()
    for p in sorted(samples):
        h.update(p.name.encode() + b"\0" + p.read_bytes())
    out = Path(out) if out else devset_dir() / "samples-mono16k" / h.hexdigest()[:8]
    out.mkdir(parents=True, exist_ok=True)
    made = []
    for p in samples:
        dst = out / f"{p.stem}.flac"
        if not dst.is_file():
            shutil.copyfile(p.with_suffix(".json"), out / f"{p.stem}.json")
            tmp = out / f".{p.stem}.{os.getpid()}.flac"
            soundfile.write(tmp, decode(p).mono(), SAMPLE_RATE, format="FLAC")
            os.replace(tmp, dst)  # the audio last: its presence means the copy is complete
        made.append(dst)
    return made


# --- language observations: summary, solution, summary_before_solution, ... (issue 11) -------------------

# observation -> (the truth's ``events`` list, coach's event type, role)
LANGUAGE_KINDS: dict[str, tuple[str, str, str]] = {
    "summary": ("summaries", "summary", "agent"),
    "solution": ("solutions", "solution", "agent"),
    "question": ("questions", "question", "agent"),
    "empathy": ("empathy", "empathy", "agent"),
    "closing_check": ("closing_checks", "closing_check", "agent"),
    "door_closing": ("door_closing", "door_closing", "agent"),
}
LANGUAGE_TOLERANCE_S = 1.0


def reanalyse_language(analysis: dict, options=None, lexicon=None) -> dict:
    """``analysis`` (an analysis.json dict) with its summary / solution and language observations made
    anew by the current code from its stored transcript: no audio, no models (the ASR words, their
    times and probabilities are in the file). Lets the text rules be tuned on cached analyses."""
    from .analysis import analyze_conversation
    from .analysis.language import ANALYZERS as LANGUAGE
    from .analysis.phases import summary_and_solution
    from .report.model import CallReport

    conv = CallReport.from_dict(analysis).conversation
    found = analyze_conversation(conv, options, lexicon, only=[("phases", summary_and_solution), *LANGUAGE])
    kinds = {k[1] for k in LANGUAGE_KINDS.values()} | {"confirmation", "agreement", "option_opening"}
    events = [e for e in analysis.get("events", []) if e.get("type") not in kinds]
    events += [e.to_dict() for e in found.events]
    return dict(analysis, metrics={**analysis.get("metrics", {}), **found.metrics},
                events=sorted(events, key=lambda e: e["start"]))


def match_spans(pred: list[dict], gold: list[dict], tolerance_s: float = LANGUAGE_TOLERANCE_S) -> tuple[int, int, list]:
    """Sentence events against labelled utterances: a predicted event matches a gold utterance of the
    same role when its start lies in ``[gold start - tolerance_s, gold end]`` (coach finds sentences,
    the truth labels whole lines, so "Goed zo. Dan stuur ik ..." is found one sentence in).

    Returns (true positives: gold utterances with a match, false positives: predictions matching no
    gold utterance, the false positives themselves). Several predictions inside one gold utterance count
    once (one line with two solution sentences is one solution)."""
    hit_gold: set[int] = set()
    false = []
    for p in pred:
        js = [j for j, g in enumerate(gold) if p.get("by") == g.get("by")
              and g["start"] - tolerance_s <= p["start"] <= g["end"]]
        if js:
            hit_gold.add(min(js, key=lambda j: abs(gold[j]["start"] - p["start"])))
        else:
            false.append(p)
    return len(hit_gold), len(false), false


def score_language(analysis: dict, truth: dict, tolerance_s: float = LANGUAGE_TOLERANCE_S) -> dict:
    """One call's language observations against the dev-calls truth (``events.summaries`` etc.).

    Returns (JSON-ready): per observation of ``LANGUAGE_KINDS`` ``EventScore.with_errors()`` (matching:
    ``match_spans``; ``predicted`` = true + false positives), ``question_open`` (of the matched questions,
    how many have the truth's open / closed kind), ``summary_before_solution`` ``{"expected", "found",
    "right"}``, ``solution_fp_on_agreement`` (false solutions on lines the truth calls an agreement:
    a later commitment), ``question_fp_on_closing_check`` (false questions on closing-check lines),
    ``false`` (the false positives' start and text, for reading), and ``scores``
    (EventScore objects for ``pooled``; not JSON)."""
    ev = truth.get("events") or {}
    utts = truth.get("utterances", [])
    row: dict = {"call": truth.get("call_id"), "scores": {}, "false": {}}
    for name, (tkey, ptype, role) in LANGUAGE_KINDS.items():
        gold = [dict(g, by=g.get("by") or role) for g in ev.get(tkey, [])]
        pred = [e for e in analysis.get("events", []) if e.get("type") == ptype and e.get("by") == role]
        if name == "question":  # questions asked before the customer spoke (the greeting) are not labelled
            first_c = min((u["start"] for u in utts if u.get("speaker") == "customer"), default=0.0)
            pred = [p for p in pred if p["start"] >= first_c]
        tp, fp, false = match_spans(pred, gold, tolerance_s)
        s = EventScore(tp, tp + fp, len(gold))
        row["scores"][name] = s
        row[name] = s.with_errors()
        row["false"][name] = [{"start": p["start"], "text": p.get("text", "")[:80]} for p in false]
        row.setdefault("calibration", {})[name] = [[round(float(p.get("confidence") or 0.0), 3),
                                                    not any(p is f for f in false)] for p in pred]
        if name == "solution":
            agreements = [dict(u, by=u.get("speaker")) for u in utts if u.get("type") == "agreement"]
            row["solution_fp_on_agreement"] = match_spans(false, agreements, tolerance_s)[0]
        if name == "question":  # the truth labels a closing check as such, not as a question
            checks = [dict(g, by=g.get("by") or "agent") for g in ev.get("closing_checks", [])]
            row["question_fp_on_closing_check"] = match_spans(false, checks, tolerance_s)[0]
            kinds = 0
            for q in pred:
                g = next((g for g in gold if g["start"] - tolerance_s <= q["start"] <= g["end"]), None)
                kinds += g is not None and (q.get("kind") == "open") == bool(g.get("open"))
            row["question_kind_right"] = kinds
    expected = ev.get("summary_before_solution")
    found = (analysis.get("metrics") or {}).get("summary_before_solution")
    row["summary_before_solution"] = {"expected": expected, "found": found, "right": expected == found}
    return row


def language_totals(rows: list[dict]) -> dict:
    """Totals over calls scored by ``score_language``: pooled P/R/F1 per observation, and how many calls
    have ``summary_before_solution`` right (of all, and of those the truth calls true / false / null)."""
    ok = [r for r in rows if "scores" in r]
    out: dict = {"calls": len(ok), "failed": len(rows) - len(ok)}
    for name in LANGUAGE_KINDS:
        out[name] = pooled(r["scores"][name] for r in ok).with_errors()
    sbs = [r["summary_before_solution"] for r in ok]
    out["summary_before_solution"] = {"right": sum(s["right"] for s in sbs), "of": len(sbs),
                                      **{str(v).lower(): f"{sum(s['right'] for s in sbs if s['expected'] is v)}/"
                                                         f"{sum(s['expected'] is v for s in sbs)}"
                                         for v in (True, False, None)}}
    out["solution_fp_on_agreement"] = sum(r.get("solution_fp_on_agreement", 0) for r in ok)
    out["question_fp_on_closing_check"] = sum(r.get("question_fp_on_closing_check", 0) for r in ok)
    pairs = [c for r in ok for name in ("summary", "solution") for c in r.get("calibration", {}).get(name, [])]
    out["calibration"] = confidence_table(pairs)
    from .analysis.confidence import SURE_FROM

    # right / all of those the report marks "niet zeker" (below SURE_FROM) and of the others
    out["marked_unsure"] = {"below": SURE_FROM,
                            "unsure": [sum(ok for c, ok in pairs if c < SURE_FROM), sum(c < SURE_FROM for c, _ in pairs)],
                            "sure": [sum(ok for c, ok in pairs if c >= SURE_FROM), sum(c >= SURE_FROM for c, _ in pairs)]}
    return out


CONFIDENCE_BINS = (0.0, 0.5, 0.7, 0.85, 1.01)


def confidence_table(pairs: list) -> list[dict]:
    """How often an observation was right, per band of its confidence: ``[{"from", "to", "n", "right",
    "share"}]`` over ``(confidence, right)`` pairs (a prediction is right when it matches the truth)."""
    out = []
    for lo, hi in zip(CONFIDENCE_BINS, CONFIDENCE_BINS[1:]):
        inside = [ok for c, ok in pairs if lo <= c < hi]
        out.append({"from": lo, "to": min(hi, 1.0), "n": len(inside), "right": sum(inside),
                    "share": round(sum(inside) / len(inside), 3) if inside else None})
    return out


def evaluate_language(calls: list[tuple[str, Path, Path]], reanalyse: bool = True, options=None) -> dict:
    """Score the language observations of ``calls`` (``(call id, analysis.json, truth.json)``), made anew
    from each stored transcript by the current code unless ``reanalyse`` is False.
    Returns ``{"calls": [rows without "scores"], "totals": language_totals(...)}``."""
    rows = []
    for call_id, path, truth in calls:
        analysis = json.loads(Path(path).read_text(encoding="utf-8"))
        if reanalyse:
            analysis = reanalyse_language(analysis, options)
        row = score_language(analysis, _load_truth_any(truth))
        row["call"] = call_id
        rows.append(row)
    return {"calls": [{k: v for k, v in r.items() if k != "scores"} for r in rows], "totals": language_totals(rows)}
