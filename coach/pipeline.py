"""The orchestrator: one call through every stage, in order, timing each.

decode (hold music left out) -> speakers -> transcribe -> roles (an IVR menu at the start left out first) -> analysis. A ``hook(stage, event, seconds)`` is called
when a stage starts (``"start"``) and ends (``"done"``), for progress displays; the timings also
land in the report.
"""

from __future__ import annotations

import time
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path
from typing import Callable

import numpy as np

from . import __version__, runtime
from .analysis import analyze_conversation
from .analysis.lexicon import analysis_lexicon, load_lexicon, missing_lexicon_warning
from .analysis.separation import hedge
from .audio import Recording, decode
from .config import AnalyzeOptions, settings_hash
from .conversation import Conversation, Turn, group_words
from .errors import NoSpeechError
from .hold import without_hold_music
from .ivr import without_ivr
from .prosody import prosody
from .report.model import CallInfo, CallReport
from .speakers import SpeakerTurns
from .speakers.roles import Roles, assign_roles
from .transcribe import Transcript

STAGES = ("decode", "speakers", "transcribe", "roles", "analysis")
Hook = Callable[[str, str, float], None]
SILENCE_DBFS = -70.0  # a recording whose peak is below this is treated as silent


def build_conversation(rec: Recording, turns: SpeakerTurns, transcript: Transcript, roles: Roles,
                       utterance_gap_s: float) -> Conversation:
    role_of = roles.mapping
    utterances = []
    for speaker, words in transcript.words.items():
        utterances.extend(group_words(role_of.get(speaker, "customer"), words, utterance_gap_s))
    utterances.sort(key=lambda u: (u.start, u.speaker_role))
    role_turns = tuple(sorted((Turn(role_of.get(t.speaker, "customer"), t.start, t.end)
                               for t in turns.turns + turns.recovered), key=lambda t: (t.start, t.speaker)))
    return Conversation(utterances=tuple(utterances), duration=rec.duration, speaker_source=turns.source,
                        roles=dict(role_of), turns=role_turns)


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "not installed"


# Library warnings that say what coach already reports in its own words (or that do not concern the user).
KNOWN_WARNINGS = (
    r"(?s).*detected number of speakers",  # pyannote; coach's diarization warning says it for the call
    r"(?s).*[Mm]ean of empty slice", r"(?s).*invalid value encountered", r"(?s).*divide by zero",
    r"(?s).*[Dd]egrees of freedom <= 0",  # numpy on empty or silent stretches: guarded where the result is used
)


def analyze_file(path: str | Path, options: AnalyzeOptions | None = None, call_id: str | None = None,
                 hook: Hook | None = None) -> CallReport:
    """Analyse one recorded call end to end.

    Warnings that libraries (numpy, pyannote, torch...) raise meanwhile never reach the terminal:
    those coach already reports in its own words are dropped, any other lands in the report's
    ``warnings`` as "a library warned: ...".

    Raises:
        CoachError (AudioError, NoSpeechError, ModelError): a one-line reason for the user.
    """
    import re
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        report = _analyze_file(path, options, call_id, hook)
    seen = []
    for w in caught:
        text = str(w.message).strip()
        if any(re.match(p, text) for p in KNOWN_WARNINGS):
            continue
        line = f"a library warned: {w.category.__name__}: {' '.join(text.split())[:200]}"
        if line not in seen:
            seen.append(line)
    if seen:
        from dataclasses import replace

        report = replace(report, warnings=tuple(report.warnings) + tuple(seen))
    return report


def _analyze_file(path: str | Path, options: AnalyzeOptions | None, call_id: str | None,
                  hook: Hook | None) -> CallReport:
    from .speakers.channels import stereo_turns
    from .speakers.diarize import diarize
    from .transcribe import load_model, release_model, transcribe

    from .calls import safe_call_id

    options = options or AnalyzeOptions()
    runtime.apply()  # the same numeric settings whoever runs this (analyze, a batch or Dask worker)
    timings: dict[str, float] = {}
    hook = hook or (lambda *_: None)

    @contextmanager
    def stage(name: str, key: str):
        hook(name, "start", 0.0)
        t = time.perf_counter()
        yield
        timings[key] = round(time.perf_counter() - t, 3)
        hook(name, "done", timings[key])

    t_all = time.perf_counter()
    with stage("decode", "decode_s"):
        rec = decode(path)
        peak = max(float(np.max(np.abs(c))) if len(c) else 0.0 for c in rec.channels)
        if peak <= 10 ** (SILENCE_DBFS / 20):
            raise NoSpeechError(f"silent recording (peak level {20 * np.log10(max(peak, 1e-12)):.0f} dBFS), "
                                "nothing to analyse", path)
        if rec.duration < 1.0:
            raise NoSpeechError(f"too short to hold a conversation ({rec.duration:.1f} s of audio)", path)
        rec, hold_s = without_hold_music(rec)
        if hold_s and hold_s >= rec.duration - 1.0:
            raise NoSpeechError(f"only hold music ({hold_s:.0f} s), no conversation to analyse", path)

    with stage("speakers", "speakers_s"):
        if rec.num_channels == 2:
            turns = stereo_turns(rec, options.vad, options.leak)
        else:
            release_model()  # pyannote ran 1.4x slower here while a Whisper model was loaded
            turns = diarize(rec, options.diarization)
        if not turns.turns:
            raise NoSpeechError("no speech found in the recording", path)

    with stage("transcribe", "asr_s"):
        model, label = load_model(options.asr)
        transcript = transcribe(rec, turns, options.asr, model=model, label=label)
        # Drop this frame's reference now: libraries below may keep the frame alive (a stored
        # frame or traceback), and a live Whisper model slows the next call's diarization.
        del model

    with stage("roles", "roles_s"):
        # one language for every phrase list: the one Whisper heard (set, or detected when --language is empty)
        language = transcript.language or options.asr.language or "nl"
        turns, transcript, ivr = without_ivr(turns, transcript, load_lexicon(options.lexicon, language),
                                             options.analysis.fuzzy_match, options.utterance_gap_s)
        if ivr and not turns.turns:
            raise NoSpeechError(f"only an IVR menu ({ivr.end - ivr.start:.0f} s), no conversation to analyse", path)
        roles = assign_roles(turns, transcript.words, options.roles,
                             load_lexicon(options.lexicon, language) if options.lexicon else None, language)

    with stage("analysis", "analysis_s"):
        from dataclasses import replace

        from .prosody import voice_frames, voice_tracks

        conv = build_conversation(rec, turns, transcript, roles, options.utterance_gap_s)
        frames = voice_frames(rec, conv.turns, conv.roles, conv.speaker_source)
        conv = replace(conv, voice=voice_tracks(frames))  # pitch/energy at overlaps: did a voice fall to an end?
        findings = analyze_conversation(conv, options.analysis, analysis_lexicon(options.lexicon, language))
        findings = hedge(findings, conv, turns.separation, options.analysis)  # voices alike: no timing as fact
        voices = prosody(rec, conv.turns, conv.roles, conv.speaker_source, options.analysis.prosody_window_s,
                         frames=frames)
        metrics = findings.metrics | {"prosody": {r: {k: v for k, v in voices[r].items() if not isinstance(v, list)}
                                                  for r in ("agent", "customer")}}

    total = time.perf_counter() - t_all
    timings["total_s"] = round(total, 3)
    timings["x_realtime"] = round(rec.duration / total, 2) if total > 0 else 0.0

    warnings = list(rec.warnings) + list(turns.warnings) + list(roles.warnings)
    no_lexicon = missing_lexicon_warning(options.lexicon, language)
    if no_lexicon:
        warnings.append(no_lexicon)
    if not transcript.words or not any(transcript.words.values()):
        warnings.append("speech was found but no words were recognised (language or audio quality?)")
    info = CallInfo(
        id=call_id or safe_call_id(path), source=str(path), sha256=rec.sha256, duration_s=rec.duration,
        channels=rec.num_channels, speaker_source=turns.source, agent=roles.agent,
        language=transcript.language or options.asr.language, codec=rec.codec,
        original_sample_rate=rec.original_sample_rate, roles_method=roles.method, speakers_method=turns.method,
        roles_confidence=roles.confidence, roles_cues=list(roles.cues), speaker_separation=turns.separation)
    versions = {
        "coach": __version__, "asr_model": transcript.model,
        "diarization": turns.method if turns.source == "diarization" else "none (one party per stereo channel)",
        "faster_whisper": _version("faster-whisper"), "pyannote_audio": _version("pyannote.audio"),
    }
    return CallReport(call=info, conversation=conv, metrics=metrics, events=findings.events,
                      reflection=findings.reflection, prosody=voices, timings=timings, versions=versions, warnings=tuple(warnings),
                      settings={"hash": settings_hash(options), "language": options.asr.language,
                                "agent_channel": options.roles.agent_channel,
                                "speakers": options.diarization.num_speakers})
