#!/usr/bin/env python3
"""Fit the confidence model of summaries and solutions (coach/analysis/confidence.py) on TUNE calls only.

    .venv/bin/python scripts/fit_confidence.py COPY:ANALYSES:TRUTH [COPY:ANALYSES:TRUTH ...]

Each argument names a set of stored analyses (``ANALYSES/<id>/analysis.json``, e.g. an ``coach evaluate
--out`` folder's ``dev``, ``dev-tel8k``, ``dev-mp3``, ``own_calls``) and its truth folder
(``<id>.truth.json``). The language rules are run anew on each stored transcript (as ``coach evaluate
--what language`` does), each summary and solution's evidence is recorded with whether it matched a
labelled line, and a logistic regression (scikit-learn, L2; its C chosen from ``C_GRID`` by
leave-one-call-out log loss, a call's copies left out together) is fitted on it. Held-out dev calls
(d16-d30) are skipped without being read. Prints the rows per call, the coefficients to paste into
``confidence.py`` and the tune table of confidence against how often it was right.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def collect(specs: list[str]) -> list[dict]:
    import coach.analysis.phases as phases
    from coach.analysis.confidence import features
    from coach.devset import call_split
    from coach.evaluate import reanalyse_language, score_language

    seen: dict[str, list] = {"summary": [], "solution": []}
    keep_solution, keep_summary = phases.solution_confidence, phases.summary_confidence

    def on_solution(e):
        seen["solution"].append(e)
        return keep_solution(e)

    def on_summary(e):
        seen["summary"].append(e)
        return keep_summary(e)

    phases.solution_confidence, phases.summary_confidence = on_solution, on_summary
    rows = []
    try:
        for spec in specs:
            copy, folder, truth_dir = spec.split(":")
            for path in sorted(Path(folder).glob("*/analysis.json")):
                call = path.parent.name
                if call[:1] == "d" and call[1:3].isdigit() and call_split(call) != "tune":
                    continue  # held out: never read
                truth = Path(truth_dir) / f"{call}.truth.json"
                if not truth.is_file():
                    continue
                for v in seen.values():
                    v.clear()
                analysis = reanalyse_language(json.loads(path.read_text(encoding="utf-8")))
                row = score_language(analysis, json.loads(truth.read_text(encoding="utf-8")))
                for kind in ("summary", "solution"):
                    preds = [e for e in analysis["events"] if e["type"] == kind and e["by"] == "agent"]
                    assert len(preds) == len(seen[kind]) == len(row["calibration"][kind]), (call, kind)
                    for e, (_, right), p in zip(seen[kind], row["calibration"][kind], preds):
                        rows.append({"copy": copy, "call": call, "kind": kind, "start": p["start"],
                                     "rule": getattr(e, "rule", None) or getattr(e, "cue", None),
                                     "right": bool(right), "x": features(e), "text": p["text"][:60]})
    finally:
        phases.solution_confidence, phases.summary_confidence = keep_solution, keep_summary
    return rows


C_GRID = (0.1, 0.3, 1.0, 3.0, 10.0, 100.0)  # L2 strength, chosen by leave-one-call-out log loss on tune


def main(argv: list[str]) -> int:
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    from coach.analysis.confidence import FEATURES
    from coach.evaluate import confidence_table

    if not argv:
        print(__doc__)
        return 1
    rows = collect(argv)
    X = np.array([[r["x"][k] for k in FEATURES] for r in rows])
    y = np.array([r["right"] for r in rows])
    groups = np.array([r["call"] for r in rows])  # a call's copies stay together: left out as one
    best = None
    for c in C_GRID:
        loss = 0.0
        for g in sorted(set(groups)):
            out = groups == g
            if len(set(y[~out])) < 2:
                continue
            q = LogisticRegression(C=c, max_iter=1000).fit(X[~out], y[~out]).predict_proba(X[out])[:, 1]
            q = np.clip(q, 1e-6, 1 - 1e-6)
            loss -= float(np.sum(y[out] * np.log(q) + (1 - y[out]) * np.log(1 - q)))
        print(f"C={c}: leave-one-call-out log loss {loss / len(y):.3f}")
        if best is None or loss < best[1]:
            best = (c, loss)
    print(f"chosen C={best[0]}")
    model = LogisticRegression(C=best[0], max_iter=1000).fit(X, y)
    p = model.predict_proba(X)[:, 1]
    for r, q in zip(rows, p):
        print(f"{r['copy']:7s} {r['call'][:26]:26s} {r['kind']:8s} {r['rule']:15s} {'right' if r['right'] else 'WRONG':5s} "
              f"p={q:.2f} {r['text']}")
    print(f"\n{len(rows)} observations, {int(y.sum())} right")
    print(f"INTERCEPT = {model.intercept_[0]:.2f}")
    print("COEFFICIENTS = {" + ", ".join(f'"{k}": {c:.2f}' for k, c in zip(FEATURES, model.coef_[0])) + "}")
    for copy in sorted({r["copy"] for r in rows}) + ["all"]:
        table = confidence_table([(round(float(q), 3), r["right"]) for r, q in zip(rows, p)
                                  if copy in ("all", r["copy"])])
        print(f"tune {copy}: " + ", ".join(f"{b['from']:.2f}-{b['to']:.2f}: {b['right']}/{b['n']}" for b in table if b["n"]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
