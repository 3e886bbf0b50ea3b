#!/usr/bin/env python3
"""Turn dialogue scripts (scripts/*.json) into synthetic Dutch support calls with exact ground truth.

coach's copy of ../shared/data/dev_calls/make_calls.py, extended with REAL TIMING: ``--timing ifadv
--seed N`` re-times every change of turn with a floor-transfer offset drawn from real Dutch dialogue
(IFADV, ``coach/devset/ifadv_timing.json``), so about half of the turn changes start before the other
party has finished (an ``early_start``: the previous line is complete, the new speaker starts in its last
part, both play to their end; truth: ``utterances[].timing == "early_start"``, ``events.early_starts``,
``events.overlaps[].kind == "turn_end"``), and places back-channels by IFADV's placement. Scripted
interruptions keep their own placement and labels. ``plan()`` computes a timeline without synthesis.
``--timing script`` (the default) gives the shared dev calls' timing. Run it as
``python -m coach.devset.make_calls --timing ifadv --seed 1 --out DIR --formats stereo16k,truth``.
Truth additions: ``utterances[].timing`` (script / ifadv_gap / early_start / ifadv_backchannel) with
``fto_s``, ``early_start_s``, ``previous_id``, ``placement``; ``events.early_starts``;
``events.overlaps[].kind`` (interruption / backchannel / turn_end / other) and ``.id``;
``stats.early_starts``, ``stats.turn_changes``; ``generator.timing`` / ``generator.seed``.

Adapted from an earlier one-call prototype (espeak-ng + MBROLA). For each script it writes, under OUT:

  stereo16k/<id>.flac   agent on the left channel (the script may set "agent_channel": "right"), 16 kHz,
                        digital silence between lines (keeps the FLAC small)
  mono16k/<id>.flac     both parties mixed to one channel, 16 kHz (for diarization)
  tel8k/<id>.wav        mono mix, 300-3400 Hz, 8 kHz, G.711 mu-law, line noise (about -55 dBFS)
  mp3/<id>.mp3          stereo MP3 copy, 32 kbit/s, noise floor about -70 dBFS
  truth/<id>.truth.json utterances, events, stats (see README.md)
  truth/<id>.rttm       one SPEAKER line per utterance, speakers "agent" / "customer"

Needs espeak-ng, mbrola + mbrola-nl2/nl3 (only for "mb-nl*" voices), sox, ffmpeg (MP3) and numpy.

Usage:
  python3 make_calls.py                         # all scripts -> ./calls
  python3 make_calls.py --only c01_internet_goed --check   # synthesize only, print timeline + warnings
  python3 make_calls.py --scripts DIR --out DIR --formats stereo16k,truth

Script format (JSON):
  {"id": "...", "title": "...", "domain": "...", "tests": ["..."], "agent_channel": "left|right",
   "voices": {"agent": {"voice": "mb-nl2", "speed": 160, "pitch": 45, "gain": 1.0, "formant_shift": 1.0},
              "customer": {...}},      formant_shift (MBROLA only): 0.9 = longer vocal tract, 1.1 = shorter
   "start_at": 0.6, "default_gap": 0.45, "tail": 1.0, "echo_db": null, "formats": [...all...],
   "lines": [ {"speaker": "agent|customer", "text": "...", "type": "normal", ...}, ... ]}
  echo_db: the agent's voice is added to the customer channel at this level, 40 ms late (stereo and MP3)
  Line keys:
    text       what is said (ground truth)            say       other text for the TTS (optional)
    phonemes   espeak phonemes, e.g. "@m'h@m" for "hm hm" (optional; wins over say/text)
    type       normal|backchannel|interruption|summary|solution|empathy|question_open|
               question_closed|agreement|closing_check            tags   extra labels, e.g. ["door_closing"]
    id         optional, default u01, u02, ...        speed / pitch   per-line voice overrides
    start rule (at most one; default "gap" with default_gap):
      "gap": s                  start s seconds after everything so far has ended (the next turn;
                                a long gap is dead air / hold)
      "after": id, "gap": s     start s seconds after line id ends
      "overlap": s              start s seconds BEFORE the reference line ends (interruption)
      "during": s               start s seconds after the reference line starts (back-channel)
      "at": s                   absolute start time
      "ref": id                 reference for overlap/during (default: latest line of the other speaker)
    kind       for interruptions: competitive (default) | cooperative | butting_in
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import wave
import zlib

import numpy as np

SR = 16000
HERE = os.path.dirname(os.path.abspath(__file__))
SHARED_DEV_CALLS = os.path.normpath(os.path.join(HERE, "..", "..", "..", "shared", "data", "dev_calls"))
TYPES = {"normal", "backchannel", "interruption", "summary", "solution", "empathy", "question_open",
         "question_closed", "agreement", "closing_check"}
ALL_FORMATS = ("stereo16k", "mono16k", "tel8k", "mp3", "truth")
DEAD_AIR_S = 3.0          # both silent at least this long -> dead_air event in the truth


# ----------------------------------------------------------------------------- audio helpers
def read_wav(path):
    with wave.open(path) as w:
        sr, n, ch = w.getframerate(), w.getnframes(), w.getnchannels()
        x = np.frombuffer(w.readframes(n), dtype=np.int16).astype(np.float32) / 32768.0
    if ch > 1:
        x = x.reshape(-1, ch).mean(axis=1)
    return x, sr


def write_wav(path, x, sr=SR):
    data = (np.clip(x, -1.0, 1.0) * 32767.0).astype(np.int16)
    with wave.open(path, "wb") as w:
        w.setnchannels(1 if data.ndim == 1 else data.shape[1])
        w.setsampwidth(2)
        w.setframerate(sr)
        w.writeframes(data.tobytes())


def run(cmd):
    subprocess.run(cmd, check=True, capture_output=True)


# MBROLA voices: espeak-ng writes the phonemes (--pho), we replace phoneme pairs that the diphone
# database lacks (mb-nl3 has no /W/ as in "uw", no "nj", no t-G, G-r, ...), then mbrola renders them.
# Without this, mbrola replaces every missing diphone by a short silence (audible gaps).
MBROLA_DIR = os.environ.get("MBROLA_DIR", "/usr/share/mbrola")       # Debian mbrola-nl2/-nl3
PHONES = ("@ A E I O Y i u y a e o 2 Ei 9y Au ai oi ui Ai Oi E: 9: O: "
          "p t k b d g c f v s z S Z x G h m n N J nj tj dj r l L j w W").split()
SUBS = {  # replacement candidates, most similar first (Dutch final devoicing / assimilation where possible)
    "W": ["w", "v"], "w": ["W", "v"], "nj": ["J", "n"], "J": ["nj", "n"], "tj": ["c", "t"], "c": ["tj", "t"],
    "dj": ["d", "j"], "G": ["x", "g", "k"], "g": ["G", "x", "k"], "x": ["G", "k"], "z": ["s"], "v": ["f"],
    "b": ["p"], "d": ["t"], "Z": ["S", "z"], "S": ["s"], "L": ["l"], "l": ["L"], "N": ["n"], "j": ["i"],
    "h": ["x"], "oi": ["o"], "ai": ["a"], "ui": ["u"], "Oi": ["O"], "Ai": ["A"], "9:": ["2"], "E:": ["E"],
    "O:": ["O"]}
_missing_cache = {}


def mbrola_db(voice):
    m = re.fullmatch(r"mb-(\w+)", voice)
    return os.path.join(MBROLA_DIR, m.group(1), m.group(1)) if m else None


def missing_diphones(db):
    """Set of (a, b) phoneme pairs that the MBROLA database does not have (probed once per run)."""
    if db not in _missing_cache:
        miss = set()
        for a in PHONES + ["_"]:
            pho = "".join(f"_ 30\n{a} 60 50 120\n{b} 60 50 120\n_ 30\n" for b in PHONES + ["_"])
            p = subprocess.run(["mbrola", "-e", db, "-", os.devnull], input=pho, capture_output=True, text=True)
            miss |= set(re.findall(r"Warning: (\S+)-(\S+) unknown", p.stderr))
        _missing_cache[db] = miss
    return _missing_cache[db]


def fix_pho(pho, miss):
    """Replace phonemes so that no adjacent pair is missing. Returns (pho text, substitutions, unfixed)."""
    rows = [l.split() for l in pho.splitlines() if l.strip() and not l.startswith(";")]
    ph = [r[0] for r in rows]
    ok = lambda a, b: (a, b) not in miss
    subs, unfixed = [], []
    for i in range(len(ph) - 1):
        a, b = ph[i], ph[i + 1]
        if ok(a, b):
            continue
        nxt = ph[i + 2] if i + 2 < len(ph) else "_"
        prv = ph[i - 1] if i > 0 else "_"
        done = False
        for c in SUBS.get(b, []):                         # change the right phoneme
            if ok(a, c) and ok(c, nxt):
                ph[i + 1], done = c, True
                subs.append(f"{a}-{b}>{a}-{c}")
                break
        if not done:
            for c in SUBS.get(a, []):                     # change the left phoneme
                if ok(prv, c) and ok(c, b):
                    ph[i], done = c, True
                    subs.append(f"{a}-{b}>{c}-{b}")
                    break
        if not done:
            for c in SUBS.get(a, []):                     # change both
                for d in SUBS.get(b, []):
                    if not done and ok(prv, c) and ok(c, d) and ok(d, nxt):
                        ph[i], ph[i + 1], done = c, d, True
                        subs.append(f"{a}-{b}>{c}-{d}")
        if not done:
            unfixed.append(f"{a}-{b}")
    text = "\n".join(" ".join([p] + r[1:]) for p, r in zip(ph, rows)) + "\n"
    return text, subs, unfixed


def tts(tts_input, voice, speed, pitch, tmpdir, formant_shift=1.0):
    """Synthesize one line; returns (16 kHz float32 clip trimmed to speech, warnings, substitutions).

    formant_shift (MBROLA only) scales all formants (vocal tract length) but keeps pitch and timing:
    mbrola -l renders the diphones as if they had been recorded at another sample rate; sox then
    resamples to 16 kHz. Whisper base recognises the shifted voices as well as the originals."""
    raw, res = os.path.join(tmpdir, "raw.wav"), os.path.join(tmpdir, "res.wav")
    espeak = ["espeak-ng", "-v", voice, "-s", str(speed), "-p", str(pitch)]
    db, subs = mbrola_db(voice), []
    if db:
        pho = subprocess.run(espeak + ["-q", "--pho", tts_input], capture_output=True, text=True, check=True).stdout
        pho, subs, unfixed = fix_pho(pho, missing_diphones(db))
        shift = ["-l", str(int(round(SR * formant_shift)))] if formant_shift != 1.0 else []
        proc = subprocess.run(["mbrola", "-e"] + shift + [db, "-", raw], input=pho, capture_output=True, text=True)
        warnings = [l.strip() for l in proc.stderr.splitlines() if l.strip()]
    else:
        proc = subprocess.run(espeak + ["-w", raw, tts_input], capture_output=True, text=True)
        warnings = [l.strip() for l in proc.stderr.splitlines() if l.strip()]
    if proc.returncode != 0 or not os.path.exists(raw):
        raise RuntimeError(f"TTS failed for {tts_input!r} ({voice}): {proc.stderr.strip()}")
    run(["sox", "-R", raw, "-r", str(SR), "-c", "1", "-b", "16", res])
    x, _ = read_wav(res)
    # trim leading/trailing silence so that start/end in the truth are speech boundaries
    env = np.convolve(np.abs(x), np.ones(160) / 160, mode="same")
    on = np.nonzero(env > max(env.max() * 0.02, 1e-4))[0]
    if len(on) == 0:
        raise RuntimeError(f"no audio for {tts_input!r} with voice {voice}")
    x = x[max(on[0] - 80, 0): on[-1] + 80]
    return 0.45 * x / (np.abs(x).max() + 1e-9), warnings, subs   # same peak level (-7 dBFS) for every line


# ----------------------------------------------------------------------------- interval helpers
def union(intervals):
    out = []
    for s, e in sorted(intervals):
        if out and s <= out[-1][1]:
            out[-1][1] = max(out[-1][1], e)
        else:
            out.append([s, e])
    return out


def total(intervals):
    return sum(e - s for s, e in intervals)


def intersect(a, b):
    out, i, j = [], 0, 0
    while i < len(a) and j < len(b):
        s, e = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if e > s:
            out.append([s, e])
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return out


def r3(x):
    return round(float(x), 3)


# ----------------------------------------------------------------------------- script -> timeline
def load_script(path):
    with open(path, encoding="utf-8") as f:
        sc = json.load(f)
    sc.setdefault("id", os.path.splitext(os.path.basename(path))[0])
    sc.setdefault("agent_channel", "left")
    assert sc["agent_channel"] in ("left", "right"), f"{path}: agent_channel must be left or right"
    for role in ("agent", "customer"):
        v = sc["voices"][role]
        v.setdefault("speed", 165)
        v.setdefault("pitch", 50)
        v.setdefault("gain", 1.0)
        v.setdefault("formant_shift", 1.0)
        assert v["formant_shift"] == 1.0 or mbrola_db(v["voice"]), f"{path}: formant_shift needs an mb-* voice"
    for i, ln in enumerate(sc["lines"]):
        ln.setdefault("id", f"u{i + 1:02d}")
        ln.setdefault("type", "normal")
        ln.setdefault("tags", [])
        assert ln["speaker"] in ("agent", "customer"), f"{path} {ln['id']}: bad speaker"
        assert ln["type"] in TYPES, f"{path} {ln['id']}: unknown type {ln['type']}"
        rules = [k for k in ("overlap", "during", "at", "after") if k in ln]
        assert len(rules) <= 1, f"{path} {ln['id']}: more than one start rule {rules}"
    ids = [ln["id"] for ln in sc["lines"]]
    assert len(ids) == len(set(ids)), f"{path}: duplicate line ids"
    return sc


def tts_input(ln):
    if ln.get("phonemes"):
        p = ln["phonemes"]
        return p if p.startswith("[[") else f"[[{p}]]"
    return ln.get("say") or ln["text"]


# ----------------------------------------------------------------------------- real timing (IFADV)
HOLD_S = 2.0            # a scripted gap this long or longer is a hold / dead air: kept as written
EARLY_MAX_S = 2.0       # an early start begins at most this long before the other's line ends ...
EARLY_MAX_FRAC = 0.5    # ... and never in the first half of that line (it starts in its last part)
BC_MIN_INSIDE_S = 0.3   # a back-channel inside the other's line starts at least this far into it
BC_MAX_PAUSE_S = 1.0    # a back-channel in the other's pause starts at most this long after they stop
EARLY_MIN_BEYOND_S = 0.3  # an early-starting line still speaks at least this long after the other's end
SELF_GAP_S = 0.1        # a speaker never starts a line before their own previous line has ended + this
BC_GOES_ON_S = 0.5      # after a back-channel the other party goes on for at least this long before the
                        # back-channeller speaks again (else the cue began their own turn: not a back-channel)


def _ifadv():
    try:
        from . import ifadv
    except ImportError:             # run as a plain script: python3 coach/devset/make_calls.py
        sys.path.insert(0, HERE)
        import ifadv
    return ifadv


def load_timing():
    """The IFADV distributions (tune half) committed next to this file (ifadv_timing.json)."""
    return _ifadv().load_timing()


def _draw(quantiles, rng):
    return float(_ifadv().sample(quantiles, rng))


def estimate_durations(sc):
    """Line lengths without synthesis (seconds): about 14 characters a second at speed 165.
    For planning and tests only; make_call uses the real clip lengths."""
    out = {}
    for ln in sc["lines"]:
        v = sc["voices"][ln["speaker"]]
        speed = ln.get("speed", v.get("speed", 165))
        out[ln["id"]] = round(max(0.25, len(ln.get("say") or ln["text"]) / 14.0 * 165 / speed), 3)
    return out


def plan(sc, durations, timing="script", seed=0, timing_data=None):
    """The timeline of a script: one utterance dict per line (the truth's fields, channel still None).

    timing "script": the script's own start rules (the shared dev calls). timing "ifadv": real Dutch
    timing, drawn with ``seed`` (and the call id) from the IFADV distributions (``ifadv_timing.json``,
    the tune half):
      - every change of turn whose start rule is a plain gap shorter than HOLD_S gets a floor-transfer
        offset from IFADV: >= 0 a gap after everything so far, < 0 an EARLY START: the new speaker begins
        in the last part of the other's complete line (at most EARLY_MAX_S and half that line before its
        end, and its own line goes on at least EARLY_MIN_BEYOND_S past that end), and both lines play to
        their end. Labelled ``"timing": "early_start"`` with ``early_start_s`` and ``previous_id``; not an
        interruption.
      - back-channels go inside the other's line or in their pause, as often as in IFADV, at an offset
        drawn from IFADV (share of the line / time after its end). A pause placement is only used when
        the other party goes on right after it; one inside ends at least BC_GOES_ON_S before the other's
        line does, and the back-channeller's next line starts no sooner than BC_GOES_ON_S after it (a cue
        after which its speaker keeps the floor is the start of a turn, not a back-channel).
      - scripted interruptions, "after"/"at" rules, holds and one speaker's own consecutive lines keep the
        script's rules. Untouched lines get ``"timing": "script"``.
    """
    if timing not in ("script", "ifadv"):
        raise ValueError(f"timing must be 'script' or 'ifadv', not {timing!r}")
    td = (timing_data or load_timing())["tune"] if timing == "ifadv" else None
    rng = np.random.default_rng([int(seed), zlib.crc32(sc["id"].encode())])
    placed = {}
    default_gap = sc.get("default_gap", 0.45)
    t_end = sc.get("start_at", 0.6) - default_gap      # "everything so far has ended" at this time
    lines = sc["lines"]
    out = []
    for k, ln in enumerate(lines):
        dur = float(durations[ln["id"]])

        def ref_line():
            if "ref" in ln:
                return placed[ln["ref"]]
            other = [u for u in placed.values() if u["speaker"] != ln["speaker"]]
            if not other:
                raise ValueError(f"{sc['id']} {ln['id']}: no earlier line of the other speaker to refer to")
            return max(other, key=lambda u: u["start"])

        if "at" in ln:
            start = ln["at"]
        elif "after" in ln:
            start = placed[ln["after"]]["end"] + ln.get("gap", default_gap)
        elif "overlap" in ln:
            start = ref_line()["end"] - ln["overlap"]
        elif "during" in ln:
            start = ref_line()["start"] + ln["during"]
        else:
            start = t_end + ln.get("gap", default_gap)
        extra = {}
        if td is not None:
            extra["timing"] = "script"
            own = [u for u in placed.values() if u["speaker"] == ln["speaker"]]
            own_last = max(own, key=lambda u: u["end"], default=None)
            own_end = own_last["end"] if own_last else -1.0
            if own_last is not None and own_last["type"] == "backchannel":
                own_end += BC_GOES_ON_S - SELF_GAP_S  # the other went on after it (see BC_GOES_ON_S)
            floor = next((u for u in reversed(out) if u["type"] != "backchannel"), None)
            plain_gap = not any(r in ln for r in ("at", "after", "overlap", "during"))
            if ln["type"] == "backchannel" and any(u["speaker"] != ln["speaker"] for u in placed.values()):
                ref = ref_line()
                nxt = lines[k + 1] if k + 1 < len(lines) else None
                other_goes_on = nxt is not None and nxt["speaker"] == ref["speaker"] and not any(
                    r in nxt for r in ("at", "after", "overlap", "during"))
                bc = td["backchannels"]
                inside = rng.random() < bc["inside_other_speech"] or not other_goes_on
                ref_dur = ref["end"] - ref["start"]
                s = None
                if inside:
                    frac = _draw(bc["inside"]["fraction_of_region_quantiles"], rng)
                    s = ref["start"] + max(BC_MIN_INSIDE_S, frac * ref_dur)
                    s = min(s, ref["end"] - dur - BC_GOES_ON_S)  # the other goes on after it
                    if s < max(ref["start"] + BC_MIN_INSIDE_S, own_end + SELF_GAP_S):
                        s = None  # no room inside: the pause, if the other goes on; else the script
                    else:
                        extra.update(timing="ifadv_backchannel", placement="inside")
                if s is None and other_goes_on:
                    after = min(_draw(bc["pause"]["after_region_end_quantiles_s"], rng), BC_MAX_PAUSE_S)
                    s = max(t_end, own_end + SELF_GAP_S) + max(0.05, after)
                    extra.update(timing="ifadv_backchannel", placement="pause")
                if s is not None:
                    start = s
            elif (ln["type"] != "interruption" and plain_gap and ln.get("gap", default_gap) < HOLD_S
                  and floor is not None and floor["speaker"] != ln["speaker"]):
                fto = _draw(td["floor_transfers"]["turns"]["fto_quantiles_s"], rng)
                if fto >= 0:
                    start = max(t_end, own_end + SELF_GAP_S) + fto
                    extra.update(timing="ifadv_gap", fto_s=r3(fto))
                else:
                    ref_dur = floor["end"] - floor["start"]
                    # the new line goes on past the other's end (a floor transfer, not a cue inside it)
                    early = min(-fto, EARLY_MAX_S, EARLY_MAX_FRAC * ref_dur, max(0.0, dur - EARLY_MIN_BEYOND_S))
                    start = max(floor["end"] - early, own_end + SELF_GAP_S)
                    if start < t_end:
                        extra.update(timing="early_start", fto_s=r3(fto), early_start_s=r3(floor["end"] - start),
                                     previous_id=floor["id"])
                    else:
                        start = max(start, t_end)
                        extra.update(timing="ifadv_gap", fto_s=r3(start - floor["end"]))
        start = r3(start)
        u = {"id": ln["id"], "speaker": ln["speaker"], "channel": None, "start": start,
             "end": r3(start + dur), "text": ln["text"], "type": ln["type"]}
        if ln["tags"]:
            u["tags"] = list(ln["tags"])
        if ln["type"] == "interruption":
            u["kind"] = ln.get("kind", "competitive")
            u["interrupted_id"] = ref_line()["id"] if "overlap" in ln or "during" in ln else None
        if ln.get("phonemes"):
            u["phonemes"] = ln["phonemes"]
        u.update(extra)
        placed[u["id"]] = u
        t_end = max(t_end, u["end"])
        out.append(u)
    return out


def place(sc, tmpdir, timing="script", seed=0, timing_data=None):
    """Synthesize every line and give it a start time. Returns list of (utterance dict, clip)."""
    clips, warnings, substitutions = {}, {}, {}
    for ln in sc["lines"]:
        v = sc["voices"][ln["speaker"]]
        voice, speed, pitch = v["voice"], ln.get("speed", v["speed"]), ln.get("pitch", v["pitch"])
        x, warns, subs = tts(tts_input(ln), voice, speed, pitch, tmpdir, v["formant_shift"])
        clips[ln["id"]] = x * v["gain"]
        if warns:
            warnings[ln["id"]] = warns
        if subs:
            substitutions[ln["id"]] = subs
    U = plan(sc, {k: len(x) / SR for k, x in clips.items()}, timing, seed, timing_data)
    return [(u, clips[u["id"]]) for u in U], warnings, substitutions

# ----------------------------------------------------------------------------- ground truth
def build_truth(sc, U, duration, lossless="flac"):
    agent_ch = sc["agent_channel"]
    cust_ch = "right" if agent_ch == "left" else "left"
    for u in U:
        u["channel"] = agent_ch if u["speaker"] == "agent" else cust_ch
    by_id = {u["id"]: u for u in U}
    speech = {r: union([(u["start"], u["end"]) for u in U if u["speaker"] == r]) for r in ("agent", "customer")}
    talk = {r: total(speech[r]) for r in speech}
    both = union(speech["agent"] + speech["customer"])
    ov = intersect(speech["agent"], speech["customer"])
    problems = []

    def other_speech(u):
        return speech["customer" if u["speaker"] == "agent" else "agent"]

    def overlap_with_other(u):
        return total(intersect([[u["start"], u["end"]]], other_speech(u)))

    def brief(u, **extra):
        d = {"id": u["id"], "by": u["speaker"], "start": u["start"], "end": u["end"], "text": u["text"]}
        d.update(extra)
        return d

    # interruptions
    interruptions = []
    for u in U:
        if u["type"] != "interruption":
            continue
        o = overlap_with_other(u)
        if o < 0.3:
            problems.append(f"{u['id']}: interruption overlaps the other party only {o:.2f} s")
        iu = by_id.get(u.get("interrupted_id") or "")
        interruptions.append(brief(u, overlap_s=r3(o), kind=u.get("kind", "competitive"),
                                   interrupted_id=iu["id"] if iu else None,
                                   interrupted_text=iu["text"] if iu else None))
    # back-channels: short, and either overlapping the other party or followed by the other party
    # going on (the listener does not take the turn)
    backchannels = []
    for k, u in enumerate(U):
        if u["type"] != "backchannel":
            continue
        o = overlap_with_other(u)
        nxt = next((w for w in sorted(U[k + 1:], key=lambda w: w["start"]) if w["start"] >= u["end"] - 1e-6), None)
        resumes = nxt is not None and nxt["speaker"] != u["speaker"] and nxt["start"] - u["end"] <= 2.0
        if not (o > 0 or resumes):
            problems.append(f"{u['id']}: back-channel neither overlaps nor lets the other party go on")
        if u["end"] - u["start"] > 1.3 or len(u["text"].split()) > 3:
            problems.append(f"{u['id']}: back-channel longer than 1.3 s or 3 words")
        backchannels.append(brief(u, overlapping=o > 0))
    # unintended overlaps
    for u in U:
        if (u["type"] not in ("interruption", "backchannel") and "overlap_ok" not in u.get("tags", [])
                and u.get("timing") != "early_start"):
            o = overlap_with_other(u)
            starts_inside = any(w["start"] < u["start"] < w["end"] for w in U if w["speaker"] != u["speaker"])
            if o > 0 and starts_inside:
                problems.append(f"{u['id']} ({u['type']}) starts while the other party speaks ({o:.2f} s overlap)")

    # early starts (real timing): the next speaker begins in the last part of the other's complete line;
    # both lines play to their end. A turn-end overlap, not an interruption.
    early_starts = []
    for u in U:
        if u.get("timing") == "early_start":
            pu = by_id.get(u.get("previous_id") or "")
            early_starts.append(brief(u, overlap_s=r3(overlap_with_other(u)), early_start_s=u.get("early_start_s"),
                                      previous_id=pu["id"] if pu else None, previous_text=pu["text"] if pu else None))

    def overlap_kind(s, e):
        """What made the overlap [s, e]: the later-starting line of each overlapping pair decides."""
        rank = {"interruption": 0, "backchannel": 1, "turn_end": 2, "other": 3}
        found = []
        for a in U:
            for b in U:
                if a["speaker"] != "agent" or b["speaker"] != "customer":
                    continue
                lo, hi = max(a["start"], b["start"], s), min(a["end"], b["end"], e)
                if hi <= lo:
                    continue
                late = a if a["start"] >= b["start"] else b
                if late["type"] == "interruption":
                    k = "interruption"
                elif late["type"] == "backchannel" or (a if late is b else b)["type"] == "backchannel":
                    k = "backchannel"
                elif late.get("timing") == "early_start":
                    k = "turn_end"
                else:
                    k = "other"
                found.append((rank[k], k, late["id"]))
        if not found:
            return "other", None
        _, k, uid = min(found)
        return k, uid

    def of_type(t):
        return [brief(u) for u in U if u["type"] == t or t in u.get("tags", [])]

    summaries = [s for s in of_type("summary") if s["by"] == "agent"]
    solutions = [s for s in of_type("solution") if s["by"] == "agent"]
    if not solutions:
        sbs = None
    else:
        sbs = bool(summaries) and summaries[0]["start"] < solutions[0]["start"]
    dead_air = [{"start": r3(a), "end": r3(b), "duration_s": r3(b - a)}
                for a, b in zip([0.0] + [e for _, e in both], [s for s, _ in both] + [duration])
                if b - a >= DEAD_AIR_S and a > 0.0 and b < duration]
    questions = [dict(q, open=q["id"] in {u["id"] for u in U if u["type"] == "question_open"
                                          or "question_open" in u.get("tags", [])})
                 for q in sorted(of_type("question_open") + of_type("question_closed"), key=lambda q: q["start"])
                 if q["by"] == "agent"]

    # longest monologue: consecutive turns of one party, the other giving no more than back-channels
    monologue = {"agent": 0.0, "customer": 0.0}
    cur = None
    for u in sorted((u for u in U if u["type"] != "backchannel"), key=lambda u: u["start"]):
        if cur and cur[0] == u["speaker"]:
            cur[2] = max(cur[2], u["end"])
        else:
            cur = [u["speaker"], u["start"], u["end"]]
        monologue[cur[0]] = max(monologue[cur[0]], cur[2] - cur[1])

    tot = talk["agent"] + talk["customer"]
    truth = {
        "schema": "coach-eval-truth/1",
        "call_id": sc["id"],
        "title": sc.get("title", ""),
        "domain": sc.get("domain", ""),
        "tests": sc.get("tests", []),
        "language": "nl",
        "duration_s": r3(duration),
        "agent_channel": agent_ch,
        "channels": {agent_ch: "agent", cust_ch: "customer"},
        "voices": {r: {k: sc["voices"][r][k] for k in ("voice", "speed", "pitch", "formant_shift")}
                   for r in ("agent", "customer")},
        "echo_db": sc.get("echo_db"),
        "files": {"stereo16k": f"stereo16k/{sc['id']}.{lossless}", "mono16k": f"mono16k/{sc['id']}.{lossless}",
                  "tel8k": f"tel8k/{sc['id']}.wav", "mp3": f"mp3/{sc['id']}.mp3", "rttm": f"truth/{sc['id']}.rttm"},
        "note": "start/end are the speech boundaries of each synthesized line (silence trimmed); pauses between "
                "sentences inside one line are included. talk_s = union of a party's utterance spans; "
                "talk_ratio = talk_s / (agent + customer talk_s), overlaps count for both.",
        "utterances": U,
        "events": {
            "interruptions": interruptions,
            "backchannels": backchannels,
            "summary": summaries[0] if summaries else None,
            "solution": solutions[0] if solutions else None,
            "summary_before_solution": sbs,
            "summaries": summaries,
            "solutions": solutions,
            "empathy": [e for e in of_type("empathy") if e["by"] == "agent"],
            "questions": questions,
            "agreements": of_type("agreement"),
            "closing_checks": of_type("closing_check"),
            "door_closing": of_type("door_closing"),
            "dead_air": dead_air,
            "overlaps": [dict({"start": r3(s), "end": r3(e), "duration_s": r3(e - s)},
                              **dict(zip(("kind", "id"), overlap_kind(s, e)))) for s, e in ov],
            "early_starts": early_starts,
        },
        "stats": {
            "talk_s": {"agent": r3(talk["agent"]), "customer": r3(talk["customer"])},
            "talk_ratio": {"agent": round(talk["agent"] / tot, 4), "customer": round(talk["customer"] / tot, 4)},
            "overlap_s": r3(total(ov)),
            "silence_ratio": round(1 - total(both) / duration, 4),
            "interruptions": {"by_agent": sum(i["by"] == "agent" for i in interruptions),
                              "by_customer": sum(i["by"] == "customer" for i in interruptions)},
            "backchannels": {"agent": sum(b["by"] == "agent" for b in backchannels),
                             "customer": sum(b["by"] == "customer" for b in backchannels)},
            "longest_monologue_s": {r: r3(v) for r, v in monologue.items()},
            "questions": {"agent": len(questions), "agent_open": sum(q["open"] for q in questions)},
            "empathy_phrases": len([e for e in of_type("empathy") if e["by"] == "agent"]),
            "dead_air_s": r3(sum(d["duration_s"] for d in dead_air)),
            "early_starts": {"agent": sum(x["by"] == "agent" for x in early_starts),
                             "customer": sum(x["by"] == "customer" for x in early_starts)},
            "turn_changes": sum(1 for a, b in zip(sorted((u for u in U if u["type"] != "backchannel"),
                                                         key=lambda u: u["start"]),
                                                  sorted((u for u in U if u["type"] != "backchannel"),
                                                         key=lambda u: u["start"])[1:])
                                if a["speaker"] != b["speaker"]),
        },
    }
    return truth, problems


# ----------------------------------------------------------------------------- one call
def make_call(sc, out, formats, check_only=False, lossless="flac", timing="script", seed=0):
    with tempfile.TemporaryDirectory() as td:
        placed, warnings, substitutions = place(sc, td, timing, seed)
        U = [u for u, _ in placed]
        duration = max(u["end"] for u in U) + sc.get("tail", 1.0)
        truth, problems = build_truth(sc, U, duration, lossless)
        made = set(sc.get("formats", ALL_FORMATS))           # what this call has (some skip tel8k for size)
        truth["files"] = {k: v for k, v in truth["files"].items() if k in made or k == "rttm"}
        formats = formats & made
        if check_only:
            return truth, warnings, problems, substitutions

        n = int(round(duration * SR))
        agent, cust = np.zeros(n, np.float32), np.zeros(n, np.float32)
        for u, x in placed:
            i0 = int(round(u["start"] * SR))
            (agent if u["speaker"] == "agent" else cust)[i0:i0 + len(x)] += x
        rng = np.random.default_rng(zlib.crc32(sc["id"].encode()))
        agent_b, cust_b = agent, cust
        if sc.get("echo_db") is not None:         # residual line echo: the agent, 40 ms late, on the customer channel
            g, d = 10 ** (sc["echo_db"] / 20), int(0.04 * SR)
            cust_b = cust + g * np.concatenate([np.zeros(d, np.float32), agent[:-d]])
        floor = lambda sigma: rng.normal(0, sigma, n).astype(np.float32)
        left, right = (agent_b, cust_b) if sc["agent_channel"] == "left" else (cust_b, agent_b)
        mono = 0.6 * (agent + cust)
        stereo_wav, mono_wav, noisy_wav, tel_in = (os.path.join(td, f + ".wav") for f in ("stereo", "mono", "noisy", "tel"))
        # 16 kHz FLAC versions: clean (digital silence between lines keeps the files small);
        # MP3: noise floor about -70 dBFS; telephone: mono mix with line noise (about -55 dBFS),
        # band-limited 300-3400 Hz, 8 kHz mu-law
        write_wav(stereo_wav, np.stack([left, right], axis=1))
        write_wav(mono_wav, mono)
        write_wav(noisy_wav, np.stack([left + floor(3e-4), right + floor(3e-4)], axis=1))
        write_wav(tel_in, mono + floor(0.0018))

        def dest(kind, ext):
            os.makedirs(os.path.join(out, kind), exist_ok=True)
            return os.path.join(out, kind, sc["id"] + ext)

        if "stereo16k" in formats:
            run(["sox", "-R", stereo_wav] + (["-C", "8"] if lossless == "flac" else []) + [dest("stereo16k", "." + lossless)])
        if "mono16k" in formats:
            run(["sox", "-R", mono_wav] + (["-C", "8"] if lossless == "flac" else []) + [dest("mono16k", "." + lossless)])
        if "tel8k" in formats:
            run(["sox", "-R", tel_in, "-e", "u-law", "-b", "8", "-r", "8000", dest("tel8k", ".wav"), "sinc", "300-3400"])
        if "mp3" in formats:
            run(["ffmpeg", "-nostdin", "-loglevel", "error", "-y", "-i", noisy_wav, "-c:a", "libmp3lame",
                 "-b:a", "32k", "-ac", "2", "-map_metadata", "-1", dest("mp3", ".mp3")])
        if "truth" in formats:
            truth["generator"] = {"tool": "coach/devset/make_calls.py", "espeak_ng": espeak_version(),
                                 "timing": timing, "seed": seed if timing == "ifadv" else None,
                                 "tts_warnings": warnings, "mbrola_substitutions": substitutions}
            with open(dest("truth", ".truth.json"), "w", encoding="utf-8") as f:
                json.dump(truth, f, ensure_ascii=False, indent=1)
            with open(dest("truth", ".rttm"), "w") as f:
                for u in U:
                    f.write(f"SPEAKER {sc['id']} 1 {u['start']:.3f} {u['end'] - u['start']:.3f} "
                            f"<NA> <NA> {u['speaker']} <NA> <NA>\n")
    return truth, warnings, problems, substitutions


def espeak_version():
    out = subprocess.run(["espeak-ng", "--version"], capture_output=True, text=True).stdout.split()
    return out[3] if len(out) > 3 else "?"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--scripts", default=os.path.join(SHARED_DEV_CALLS, "scripts"), help="folder of *.json scripts")
    ap.add_argument("--out", default="calls", help="output folder")
    ap.add_argument("--only", nargs="*", help="script ids (file stems) to build")
    ap.add_argument("--formats", default=",".join(ALL_FORMATS), help=f"comma list of {ALL_FORMATS}")
    ap.add_argument("--lossless", choices=("flac", "wav"), default="flac", help="container of the 16 kHz versions")
    ap.add_argument("--check", action="store_true", help="synthesize and report only, write nothing")
    ap.add_argument("--timeline", action="store_true", help="print every line with its times")
    ap.add_argument("--strict", action="store_true", help="exit 1 on TTS warnings or script problems")
    ap.add_argument("--timing", choices=("script", "ifadv"), default="script",
                    help="script: the scripts' own gaps; ifadv: real Dutch turn timing drawn from IFADV (see plan())")
    ap.add_argument("--seed", type=int, default=0, help="seed of the IFADV timing draws (with the call id)")
    a = ap.parse_args(argv)
    for tool in ("espeak-ng", "sox") + (("ffmpeg",) if "mp3" in a.formats else ()):
        if not shutil.which(tool):
            sys.exit(f"{tool} not found (see README.md)")
    formats = set(a.formats.split(","))
    paths = sorted(p for p in os.listdir(a.scripts) if p.endswith(".json"))
    if a.only:
        paths = [p for p in paths if p[:-5] in a.only]
    bad = 0
    for p in paths:
        sc = load_script(os.path.join(a.scripts, p))
        truth, warnings, problems, subs = make_call(sc, a.out, formats, check_only=a.check, lossless=a.lossless,
                                                    timing=a.timing, seed=a.seed)
        st, ev = truth["stats"], truth["events"]
        print(f"{sc['id']:32s} {truth['duration_s']:6.1f} s  agent={sc['agent_channel']:5s} "
              f"talk_ratio={st['talk_ratio']['agent']:.2f} overlap={st['overlap_s']:.1f}s "
              f"int(a/c)={st['interruptions']['by_agent']}/{st['interruptions']['by_customer']} "
              f"bc(a/c)={st['backchannels']['agent']}/{st['backchannels']['customer']} "
              f"sbs={ev['summary_before_solution']} dead_air={st['dead_air_s']}s "
              f"early={len(ev['early_starts'])}/{st['turn_changes']} "
              f"mbrola_subst={sum(map(len, subs.values()))}")
        if a.timeline:
            for u in truth["utterances"]:
                print(f"   {u['id']} {u['start']:7.2f}-{u['end']:7.2f} {u['speaker'][:4]} {u['type'][:12]:12s} "
                      f"{u.get('timing', '')[:17]:17s} {u['text']}")
        for uid, w in warnings.items():
            print(f"   TTS WARNING {uid}: {'; '.join(w)}")
        for pr in problems:
            print(f"   SCRIPT PROBLEM {pr}")
        bad += len(warnings) + len(problems)
    if a.strict and bad:
        sys.exit(1)


if __name__ == "__main__":
    main()
