"""report.html: one self-contained page (inline CSS, JS and SVG; no network) from the report alone.

Moments first (each playable: exactly that stretch of the call), then a clickable timeline, the
numbers with what they mean, the voices' pitch and loudness, and the full transcript. Every text
from the call is escaped; personal data is redacted unless asked otherwise. No score, no grade.
"""

from __future__ import annotations

import base64
import html
import os
from pathlib import Path

from ..analysis.events import DeadAir, Overlap
from .view import View, clock, excerpt, general_questions, how_recognised, moment_text, roles_line

COLORS = {"agent": "#2563eb", "customer": "#d97706"}

CSS = """
:root{--agent:#2563eb;--customer:#d97706;--ink:#1f2937;--soft:#6b7280;--bg:#fff;--line:#e5e7eb}
*{box-sizing:border-box}body{font:16px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;color:var(--ink);
background:var(--bg);margin:0 auto;max-width:60rem;padding:0 1rem 3rem}
header{position:sticky;top:0;background:var(--bg);padding:.75rem 0;border-bottom:1px solid var(--line);z-index:2}
h1{font-size:1.4rem;margin:.2rem 0}h2{font-size:1.15rem;margin:2rem 0 .5rem}h3{font-size:1rem;margin:.2rem 0}
.meta,.how,.note{color:var(--soft);font-size:.9rem}audio{width:100%;margin-top:.4rem}
.moment{border:1px solid var(--line);border-radius:.6rem;padding:.8rem;margin:.7rem 0;list-style:none}
.moment .q{font-weight:600;margin:.5rem 0 0}.excerpt{margin:.4rem 0;padding-left:.8rem;border-left:3px solid var(--line)}
button.play{font:inherit;border:1px solid var(--line);background:#f9fafb;border-radius:.4rem;padding:.2rem .6rem;cursor:pointer}
.agent .who{color:var(--agent)}.customer .who{color:var(--customer)}.who{font-weight:600}
.low{font-size:.75rem;border:1px dashed var(--soft);border-radius:.3rem;padding:0 .3rem;color:var(--soft);margin-left:.4rem}
svg{width:100%;height:auto;display:block}#timeline svg{cursor:pointer}
.noaudio #timeline svg,.noaudio ol.transcript li{cursor:auto}span.at{font-variant-numeric:tabular-nums;color:var(--soft)}
dl.numbers{display:grid;grid-template-columns:minmax(9rem,14rem) 1fr;gap:.6rem 1rem}dl.numbers dt{font-weight:600}
dl.numbers dd{margin:0}.value{font-weight:600}
ol.transcript{padding:0}ol.transcript li{list-style:none;padding:.25rem .4rem;border-radius:.3rem;cursor:pointer}
ol.transcript li:hover{background:#f3f4f6}.time{color:var(--soft);font-variant-numeric:tabular-nums;margin-right:.4rem}
.warn{background:#fffbeb;border:1px solid #fde68a;border-radius:.5rem;padding:.5rem .8rem}
@media (max-width:40rem){dl.numbers{grid-template-columns:1fr}body{font-size:15px}}
@media print{header{position:static}audio,button.play{display:none}.moment{break-inside:avoid}a{color:inherit}}
"""

JS = """
(function(){
  const stops=new Map();
  function play(audio,start,end){if(!audio)return;audio.currentTime=start;stops.set(audio,(end>start)?end:null);
    const p=audio.play();if(p&&p.catch)p.catch(function(){});}
  document.querySelectorAll('audio').forEach(function(a){a.addEventListener('timeupdate',function(){
    const stop=stops.get(a);if(stop!=null&&a.currentTime>=stop){a.pause();stops.set(a,null);}});});
  function audioFor(el){return document.getElementById(el.dataset.audio||'audio');}
  document.querySelectorAll('[data-start]').forEach(function(el){el.addEventListener('click',function(ev){
    ev.stopPropagation();play(audioFor(el),parseFloat(el.dataset.start),parseFloat(el.dataset.end||'-1'));});});
  const tl=document.querySelector('#timeline svg');
  if(tl)tl.addEventListener('click',function(ev){const r=tl.getBoundingClientRect();
    const t=(ev.clientX-r.left)/r.width*parseFloat(tl.dataset.duration);play(audioFor(tl),Math.max(0,t),-1);});
})();
"""


def e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _play(view: View, start: float, end: float, audio: bool = True) -> str:
    """A play button for the stretch; without audio (none linked) just its time, not a dead button."""
    if not audio:
        return f'<span class="at">{clock(start)}</span>'
    return (f'<button class="play" type="button" data-start="{start:.2f}" data-end="{end:.2f}" '
            f'aria-label="{e(view.t["play"])} {clock(start)}">&#9654; {clock(start)}</button>')


def audio_source(view: View, call_dir: Path | None, embed: bool, link_original: bool = False) -> str | None:
    """The <audio> src: the audio embedded as Opus (the redacted stretches silenced), or the recording by
    a relative path. With redaction on, the recording is only linked when ``link_original``."""
    source = Path(view.report.call.source)
    if embed:
        silence = silent_spans(view)
        return "data:audio/ogg;base64," + base64.b64encode(opus_bytes(source, silence)).decode("ascii")
    if view.redacted and not link_original:
        return None
    if call_dir is None:
        return url_path(source)
    try:
        return url_path(Path(os.path.relpath(source.resolve(), Path(call_dir).resolve())))
    except ValueError:  # another drive (Windows)
        return source.resolve().as_uri()


def url_path(path: Path) -> str:
    """A file path as a relative URL: every character outside the URL's path syntax percent-encoded
    ("gesprek #12.wav" -> "gesprek%20%2312.wav": a raw '#' or '?' would start a fragment or query)."""
    from urllib.parse import quote

    return quote(path.as_posix(), safe="/")


def silent_spans(view: View) -> list[tuple[float, float]]:
    """The stretches silenced in embedded audio: every redacted span, padded (word times are approximate)."""
    from .redact import AUDIO_PAD_S

    if view.redaction is None:
        return []
    return [(max(0.0, s["start"] - AUDIO_PAD_S), s["end"] + AUDIO_PAD_S) for s in view.redaction.spans()]


def opus_bytes(source: Path, silence: list[tuple[float, float]] = ()) -> bytes:
    """The recording re-encoded as Opus in Ogg (24 kb/s per channel, speech quality), with the
    ``silence`` stretches (seconds) set to zero on every channel."""
    import io

    import av

    from ..audio import decode

    rec = decode(source)
    buf = io.BytesIO()
    import numpy as np

    data = np.stack(rec.channels).astype(np.float32)
    for start, end in silence:
        data[:, max(0, int(start * rec.sample_rate)):max(0, int(np.ceil(end * rec.sample_rate)))] = 0.0
    layout = "stereo" if len(rec.channels) == 2 else "mono"
    with av.open(buf, "w", format="ogg") as out:
        stream = out.add_stream("libopus", rate=48000, layout=layout)
        stream.bit_rate = 24000 * len(rec.channels)
        frame = av.AudioFrame.from_ndarray(data, format="fltp", layout=layout)
        frame.sample_rate = rec.sample_rate
        for packet in stream.encode(frame):
            out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return buf.getvalue()


def _timeline(view: View) -> str:
    r = view.report
    dur = max(r.call.duration_s, 1e-3)
    w, lane = 1000.0, 34
    x = lambda t: f"{t / dur * w:.1f}"  # noqa: E731
    rows = {"agent": 18, "customer": 18 + lane}
    parts = [f'<svg viewBox="0 0 {w:.0f} 150" data-duration="{dur:.2f}" role="img" aria-label="{e(view.t["timeline"])}">']
    for role, y in rows.items():
        parts.append(f'<text x="0" y="{y - 4}" font-size="11" fill="{COLORS[role]}">{e(view.party(role))}</text>')
        parts.append(f'<line x1="0" x2="{w:.0f}" y1="{y + 12}" y2="{y + 12}" stroke="#e5e7eb"/>')
    for t in r.conversation.turns:
        if t.speaker in rows:
            parts.append(f'<rect class="speech {t.speaker}" x="{x(t.start)}" y="{rows[t.speaker]}" '
                         f'width="{max(float(x(t.end)) - float(x(t.start)), 1):.1f}" height="22" rx="2" '
                         f'fill="{COLORS[t.speaker]}" opacity=".75"><title>{e(view.party(t.speaker))} '
                         f'{clock(t.start)}-{clock(t.end)}</title></rect>')
    y_ev = 18 + 2 * lane + 8
    marks = {"backchannel": ("#10b981", "·"), "interruption": ("#dc2626", "!"), "summary": ("#7c3aed", "S"),
             "solution": ("#0f766e", "O")}
    for ev in r.events:
        kind = ev.type
        if isinstance(ev, Overlap) and ev.kind != "backchannel":
            parts.append(f'<rect class="overlap" x="{x(ev.start)}" y="16" width="'
                         f'{max(float(x(ev.end)) - float(x(ev.start)), 1):.1f}" height="{2 * lane}" '
                         f'fill="#dc2626" opacity=".15"/>')
        elif isinstance(ev, DeadAir):
            parts.append(f'<rect class="dead-air" x="{x(ev.start)}" y="16" width="'
                         f'{max(float(x(ev.end)) - float(x(ev.start)), 1):.1f}" height="{2 * lane}" '
                         f'fill="#9ca3af" opacity=".2"/>')
        elif kind in marks:
            color, sym = marks[kind]
            y = rows.get(ev.by, y_ev) if kind == "backchannel" else y_ev
            parts.append(f'<g class="mark {kind}" data-start="{ev.start:.2f}" data-end="{ev.end:.2f}">'
                         f'<circle cx="{x(ev.start)}" cy="{y + (11 if kind == "backchannel" else 10)}" r="7" '
                         f'fill="{color}"/><text x="{x(ev.start)}" y="{y + (15 if kind == "backchannel" else 14)}" '
                         f'font-size="10" fill="#fff" text-anchor="middle">{e(sym)}</text>'
                         f'<title>{e(kind)} {clock(ev.start)} {e(view.clean(ev.text))}</title></g>')
    step = 10 if dur <= 120 else 30 if dur <= 600 else 60
    for k in range(0, int(dur) + 1, step):
        parts.append(f'<text x="{x(k)}" y="145" font-size="10" fill="#6b7280">{clock(k)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _curve(view: View, key: str, label: str) -> str:
    pro = view.report.prosody
    if not pro or not any(pro.get(r, {}).get(key) for r in COLORS):
        return ""
    values = [v for r in COLORS for v in pro.get(r, {}).get(key, []) if v is not None]
    if not values:
        return ""
    lo, hi = min(values), max(values)
    hi = hi if hi > lo else lo + 1
    dur = max(view.report.call.duration_s, 1e-3)
    w, h = 1000.0, 120.0
    parts = [f'<svg viewBox="0 0 {w:.0f} {h + 20:.0f}" role="img" aria-label="{e(label)}">',
             f'<text x="0" y="12" font-size="11" fill="#6b7280">{e(label)}: {lo:.0f}-{hi:.0f}</text>']
    for role, color in COLORS.items():
        series = pro.get(role, {})
        segs, cur = [], []
        for t, v in zip(series.get("times", []), series.get(key, [])):
            if v is None:
                if cur:
                    segs.append(cur)
                cur = []
            else:
                cur.append(f"{t / dur * w:.1f},{h - (v - lo) / (hi - lo) * (h - 24) + 4:.1f}")
        if cur:
            segs.append(cur)
        for seg in segs:
            if len(seg) == 1:
                cx, cy = seg[0].split(",")
                parts.append(f'<circle cx="{cx}" cy="{cy}" r="2" fill="{color}"/>')
            else:
                parts.append(f'<polyline points="{" ".join(seg)}" fill="none" stroke="{color}" stroke-width="2"/>')
    parts.append("</svg>")
    return "".join(parts)


def render_html(view: View, call_dir: Path | None = None, embed_audio: bool = False,
                link_original: bool = False) -> str:
    r, t = view.report, view.t
    c = r.call
    src = audio_source(view, call_dir, embed_audio, link_original)
    out = [f'<!doctype html><html lang="{view.language}"><head><meta charset="utf-8">',
           '<meta name="viewport" content="width=device-width,initial-scale=1">',
           f"<title>{e(t['title'].format(id=c.id))}</title><style>{CSS}</style></head>",
           "<body>" if src else '<body class="noaudio">',
           f"<header><h1>{e(t['title'].format(id=c.id))}</h1>",
           f'<div class="meta">{clock(c.duration_s)} · {e(t["stereo"] if c.speaker_source == "channels" else t["mono"])}'
           f" · {e(c.language)}</div>",
           f'<audio id="audio" controls preload="metadata" src="{e(src)}"></audio>' if src else
           f'<p class="note">{e(t["no_audio_redacted"] if view.redacted else t["no_audio"])}</p>', "</header>",
           f'<p class="note">{e(t["intro"])} {e(t["redacted"] if view.redacted else t["not_redacted"])}</p>']
    if roles_line(view):
        out.append(f'<p class="note roles">{e(roles_line(view))}</p>')
    if r.warnings:
        out.append(f'<div class="warn"><strong>{e(t["warnings"])}:</strong><ul>'
                   + "".join(f"<li>{e(view.clean(w))}</li>" for w in r.warnings) + "</ul></div>")
    out.append(f'<section id="moments"><h2>{e(t["moments"])}</h2><ol class="moments">')
    for m in r.reflection.get("moments", []):
        title, question = moment_text(view, m)
        # (a moment marked unsure carries "niet zeker" in its title already)
        low = (f'<span class="low">{e(t["low"])}</span>' if (m.get("confidence") or 1.0) < 0.7 and not m.get("unsure")
               else "")
        quote = "".join(f'<div class="{role}"><span class="who">{e(view.party(role))}:</span> {e(text)}</div>'
                        for role, text in excerpt(view, m["start"], m["end"]))
        how = how_recognised(view, m)
        how_line = f'<p class="how">{e(how)}</p>' if how else ""
        out.append(f'<li class="moment" id="m{m["start"]:.0f}">{_play(view, m["start"], m["end"], bool(src))}'
                   f"<h3>{e(title)}{low}</h3><div class=\"excerpt\">{quote}</div>{how_line}"
                   f"<p class=\"q\">{e(question)}</p></li>")
    out.append(f'</ol><h3>{e(t["questions"])}</h3><ul>'
               + "".join(f"<li>{e(q)}</li>" for q in general_questions(view)) + "</ul></section>")
    out.append(f'<section id="timeline"><h2>{e(t["timeline"])}</h2>{_timeline(view)}'
               f'<p class="note">{e(t["legend"])}</p></section>')
    out.append(f'<section id="numbers"><h2>{e(t["numbers"])}</h2><dl class="numbers">')
    for n in view.numbers:
        low = f'<span class="low">{e(t["uncertain"] if n.uncertain else t["low"])}</span>' if n.low_confidence else ""
        out.append(f'<dt>{e(n.label)}{low}</dt><dd><span class="value">{e(n.value)}</span> — {e(n.meaning)} '
                   f'<span class="how">({e(n.how)})</span></dd>')
    out.append("</dl></section>")
    curves = _curve(view, "pitch_hz", t["pitch"]) + _curve(view, "energy_db", t["energy"])
    if curves:
        out.append(f'<section id="voice"><h2>{e(t["voice"])}</h2>{curves}</section>')
    out.append(f'<section id="transcript"><h2>{e(t["transcript"])}</h2><ol class="transcript">')
    for u in r.conversation.utterances:
        out.append(f'<li class="utt {u.speaker_role}" data-start="{u.start:.2f}" data-end="{u.end:.2f}">'
                   f'<span class="time">{clock(u.start)}</span><span class="who">{e(view.party(u.speaker_role))}:</span> '
                   f"{e(view.say(u))}</li>")
    out.append(f'</ol></section><footer class="note">coach {e(r.versions.get("coach", ""))} · '
               f'{e(r.versions.get("asr_model", ""))} · {e(c.speakers_method)}</footer>')
    out.append(f"<script>{JS}</script></body></html>")
    return "\n".join(out)
