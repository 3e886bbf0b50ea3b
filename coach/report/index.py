"""The batch index: ``index.json`` and ``index.html`` of a ``coach batch`` run over OUT_DIR."""

from __future__ import annotations

import html
import json
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import quote

from .model import write_atomic


def write_index(out_dir: Path, in_dir: Path, calls: list[dict], attempted: set[str], wall_s: float,
                settings_hash: str, redact: bool = True) -> tuple[dict, list[dict], Path]:
    """Write ``index.json`` and ``index.html`` (atomically) for the state rows ``calls`` of this run's files.

    Returns the totals, the entries and the path of ``index.json``."""
    count = Counter(c["status"] for c in calls)
    this_run = [c for c in calls if c["path"] in attempted and c["status"] == "done"]
    hours = wall_s / 3600
    totals = {
        "files": len(calls), **{s: count[s] for s in ("done", "failed", "skipped", "pending")},
        "audio_hours": round(sum(c["duration_s"] or 0 for c in calls if c["status"] == "done") / 3600, 4),
        "analysed_this_run": len(attempted), "done_this_run": len(this_run), "wall_s": round(wall_s, 1),
        "calls_per_hour": round(len(this_run) / hours, 1) if hours else 0.0,
        "audio_hours_per_hour": round(sum(c["duration_s"] or 0 for c in this_run) / 3600 / hours, 3) if hours else 0.0,
    }
    entries = [{"path": c["path"], "call_id": c["call_id"], "status": c["status"], "error": c["error"],
                "duration_s": c["duration_s"], "elapsed_s": c["elapsed_s"], "attempts": c["attempts"],
                "finished": c["finished"], "report": f"{c['call_id']}/report.html" if c["status"] == "done" else None}
               for c in calls]
    doc = {"generated": datetime.now(timezone.utc).isoformat(timespec="seconds"), "in_dir": str(in_dir),
           "out_dir": str(out_dir), "settings_hash": settings_hash, "totals": totals, "calls": entries}
    write_atomic(out_dir / "index.json", json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
    write_atomic(out_dir / "index.html", index_html(doc, redact))
    return totals, entries, out_dir / "index.json"


def index_html(doc: dict, redact: bool = True) -> str:
    """The index page: every file with its status, reason and a link to its report. No script.
    With ``redact``, personal data in the shown file names and reasons (a phone number in a file name)
    is replaced by its label; the link itself is the report folder's name."""
    from .redact import redactor

    clean = redactor(redact)
    e = html.escape
    shown = lambda s: html.escape(clean(str(s))) if s else ""  # noqa: E731
    t = doc["totals"]
    rows = []
    for c in doc["calls"]:
        name = shown(c["call_id"])
        link = f'<a href="{html.escape(quote(c["report"]))}">{name}</a>' if c["report"] else name
        dur = f'{c["duration_s"]:.0f} s' if c["duration_s"] else ""
        rows.append(f'<tr class="{e(c["status"])}"><td>{link}</td><td>{e(c["status"])}</td><td>{dur}</td>'
                    f'<td>{shown(c["error"] or "")}</td><td class="path">{shown(c["path"])}</td></tr>')
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>coach batch: {e(doc["in_dir"])}</title>
<style>
body {{ font: 14px/1.4 system-ui, sans-serif; margin: 2em; color: #222; }}
table {{ border-collapse: collapse; }}
td, th {{ padding: .25em .8em; border-bottom: 1px solid #ddd; text-align: left; }}
.failed td:nth-child(2) {{ color: #b00; }} .done td:nth-child(2) {{ color: #070; }}
.skipped td:nth-child(2) {{ color: #777; }}
.path {{ color: #666; font-size: 12px; }}
</style></head><body>
<h1>coach batch</h1>
<p>{e(doc["in_dir"])} &rarr; {e(doc["out_dir"])}, {e(doc["generated"])}, settings {e(doc["settings_hash"])}</p>
<p>{t["files"]} files: {t["done"]} done, {t["failed"]} failed, {t["skipped"]} skipped, {t["pending"]} pending;
{t["audio_hours"]:.2f} hours of audio. This run: {t["done_this_run"]} calls analysed in {t["wall_s"]:.0f} s
({t["calls_per_hour"]:.0f} calls per hour, {t["audio_hours_per_hour"]:.2f} audio hours per hour).</p>
<table><tr><th>call</th><th>status</th><th>audio</th><th>reason</th><th>file</th></tr>
{chr(10).join(rows)}
</table></body></html>
"""
