"""session.html: one agent's calls, for a reflection session with a coach.

The agent's own figures over the calls (small line charts, in the order given), the moments of
every call with their questions and play buttons, and room for the agent's own goal (kept in the
browser, printed with the page). One agent only: it never ranks or compares people.
"""

from __future__ import annotations

import os
from pathlib import Path

from .html import CSS, JS, e, url_path
from .model import CallReport
from .view import T, clock, make_view, moment_text

TRENDS = [  # (metric path, Dutch label, English label, unit)
    (("talk_ratio", "agent"), "Uw deel van de spreektijd", "Your share of the talk time", "%"),
    (("interruptions", "by_agent"), "Keren dat u de klant onderbrak", "Times you interrupted the customer", ""),
    (("backchannels", "agent_per_min_customer_speech"), "Luistersignalen per minuut klantspraak",
     "Listening cues per minute of customer speech", "/min"),
    (("backchannels", "longest_customer_stretch_without_s"), "Langste klantspraak zonder luistersignaal",
     "Longest customer stretch without a listening cue", "s"),
    (("questions", "agent_open"), "Open vragen", "Open questions", ""),
    (("response_gap_s", "agent_median"), "Wachttijd voor antwoord (mediaan)", "Response gap (median)", "s"),
]

SESSION_CSS = """
.trends{display:grid;grid-template-columns:repeat(auto-fit,minmax(16rem,1fr));gap:1rem}
.trend{border:1px solid var(--line);border-radius:.6rem;padding:.6rem}.trend h3{font-size:.95rem}
textarea{width:100%;min-height:7rem;font:inherit;padding:.5rem;border:1px solid var(--line);border-radius:.4rem}
.call{margin-top:1.5rem}
@media print{textarea{border:1px solid #999}}
"""

SESSION_JS = """
(function(){
  const goal=document.getElementById('goal');if(!goal)return;const key='coach-goal:'+goal.dataset.key;
  try{goal.value=localStorage.getItem(key)||'';}catch(err){}
  goal.addEventListener('input',function(){try{localStorage.setItem(key,goal.value);}catch(err){}});
})();
"""


FIGURE = {"talk_ratio": "talk_ratio", "interruptions": "interruptions", "backchannels": "backchannels",
          "response_gap_s": "response_gap"}  # metric -> its name in call.speaker_separation.uncertain_figures


def _value(report: CallReport, path: tuple[str, str]) -> float | None:
    """The figure, or None when the call's voices could not be told apart (it is not a fact there)."""
    if FIGURE.get(path[0]) in ((report.call.speaker_separation or {}).get("uncertain_figures") or ()):
        return None
    v = report.metrics.get(path[0], {})
    v = v.get(path[1]) if isinstance(v, dict) else None
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None


def _chart(values: list[float | None], labels: list[str], unit: str) -> str:
    w, h = 300.0, 90.0
    known = [v for v in values if v is not None]
    if not known:
        return "<p class=\"note\">-</p>"
    lo, hi = min(known + [0.0]), max(known)
    hi = hi if hi > lo else lo + 1
    n = max(len(values) - 1, 1)
    pts = [(i / n * (w - 20) + 10, h - 10 - (v - lo) / (hi - lo) * (h - 30)) for i, v in enumerate(values)
           if v is not None]
    svg = [f'<svg viewBox="0 0 {w:.0f} {h:.0f}" class="trend-chart" role="img">',
           f'<polyline points="{" ".join(f"{x:.1f},{y:.1f}" for x, y in pts)}" fill="none" stroke="#2563eb" '
           'stroke-width="2"/>']
    for (x, y), v, label in zip(pts, [v for v in values if v is not None],
                                [lb for lb, v in zip(labels, values) if v is not None]):
        svg.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="#2563eb"><title>{e(label)}: {v:g}{e(unit)}'
                   f'</title></circle><text x="{x:.1f}" y="{y - 7:.1f}" font-size="10" text-anchor="middle">'
                   f"{v:.0f}</text>")
    svg.append("</svg>")
    return "".join(svg)


def render_session(reports: list[CallReport], out_path: Path, language: str = "nl", redact: bool = True,
                   keep_agent_name: bool = True, link_original: bool = False) -> str:
    """The session page for ``reports`` (one agent's calls, in the order given). With redaction on, the
    recordings are only linked when ``link_original`` (they hold the personal data the page leaves out)."""
    views = [make_view(r, language, redact, keep_agent_name) for r in reports]
    t = T.get(language, T["nl"])
    nl = language != "en"
    labels = [v.clean(r.call.id) for r, v in zip(reports, views)]
    out = [f'<!doctype html><html lang="{language}"><head><meta charset="utf-8">',
           '<meta name="viewport" content="width=device-width,initial-scale=1">',
           f"<title>{e(t['session'])}</title><style>{CSS}{SESSION_CSS}</style></head><body>",
           f"<header><h1>{e(t['session'])}</h1><div class=\"meta\">{len(reports)} {e(t['calls'])}: "
           f"{e(', '.join(labels))}</div></header>",
           f'<p class="note">{e(t["intro"])} {e(t["redacted"] if redact else t["not_redacted"])}</p>',
           f'<section id="goal-section"><h2>{e(t["goal"])}</h2>'
           f'<textarea id="goal" data-key="{e("|".join(r.call.sha256[:12] for r in reports))}" '
           f'aria-label="{e(t["goal"])}"></textarea></section>',
           f'<section id="trends"><h2>{e(t["trend"])}</h2><div class="trends">']
    for path, label_nl, label_en, unit in TRENDS:
        values = [_value(r, path) for r in reports]
        if path == ("talk_ratio", "agent"):
            values = [None if v is None else round(100 * v, 1) for v in values]
        out.append(f'<div class="trend"><h3>{e(label_nl if nl else label_en)}</h3>{_chart(values, labels, unit)}</div>')
    sbs = " · ".join(f"{e(v.clean(r.call.id))}: {e({True: t['yes'], False: t['no'], None: t['no_solution'], 'absent': t['not_assessed']}[r.metrics.get('summary_before_solution', 'absent')])}"
                     + (f" ({e(t['uncertain'])})" if any(n.key == "summary_before_solution" and n.uncertain
                                                       for n in v.numbers) else "")
                     for r, v in zip(reports, views))
    unsure = [v.clean(r.call.id) for r, v in zip(reports, views) if (r.call.speaker_separation or {}).get("uncertain_figures")]
    note = (f'<p class="note unsure">{e("Niet in de grafieken van spreektijd, interrupties, luistersignalen en wachttijd (de stemmen waren niet uit elkaar te houden): " if nl else "Left out of the charts of talk time, interruptions, listening cues and response gap (the voices could not be told apart): ")}'
            f'{e(", ".join(unsure))}</p>' if unsure else "")
    out.append(f'</div>{note}<p>{e("Samenvatting vóór oplossing" if nl else "Summary before solution")}: {sbs}</p></section>')
    out.append(f'<section id="moments"><h2>{e(t["moments"])}</h2>')
    for n, (r, view) in enumerate(zip(reports, views)):
        src = Path(r.call.source)
        rel = (url_path(Path(os.path.relpath(src.resolve(), out_path.resolve().parent)))
               if src.exists() and (link_original or not redact) else "")
        out.append(f'<div class="call" id="call{n}"><h3>{e(view.clean(r.call.id))} · {clock(r.call.duration_s)}</h3>')
        if rel:
            out.append(f'<audio id="audio{n}" controls preload="none" src="{e(rel)}"></audio>')
        else:  # no dead play buttons: say why there is nothing to play
            out.append(f'<p class="note noaudio">{e(t["no_audio_session"] if redact and not link_original else t["no_audio"])}</p>')
        out.append('<ol class="moments">')
        for m in r.reflection.get("moments", []):
            title, question = moment_text(view, m)
            at = (f'<button class="play" type="button" data-audio="audio{n}" data-start="{m["start"]:.2f}" '
                  f'data-end="{m["end"]:.2f}">&#9654; {clock(m["start"])}</button>' if rel else
                  f'<span class="at">{clock(m["start"])}</span>')
            out.append(f'<li class="moment">{at}<h3>{e(title)}</h3><p class="q">{e(question)}</p></li>')
        out.append("</ol></div>")
    out.append("</section>")
    out.append(f"<script>{JS}{SESSION_JS}</script></body></html>")
    return "\n".join(out)
