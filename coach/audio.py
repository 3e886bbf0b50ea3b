"""Decode stage: an audio file in, a ``Recording`` out.

PyAV (FFmpeg bundled in the ``av`` wheel, which faster-whisper needs anyway) decodes WAV (PCM
8/16/24/32-bit, float, mu-law, a-law), FLAC, MP3, OGG/Vorbis/Opus, M4A/AAC, WebM and the audio track of MP4 video at any sample
rate. Channels are kept apart and resampled to 16 kHz float32; which channel is which party is
decided later, by the speaker stage.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .errors import AudioError

SAMPLE_RATE = 16000


@dataclass(frozen=True, eq=False)
class Recording:
    """Decoded audio of one call.

    Attributes:
        path: the source file.
        sha256: hex digest of the file's bytes (identifies the call across runs).
        channels: one float32 array per channel, 16 kHz, values in [-1, 1].
        original_sample_rate: sample rate of the file, Hz.
        codec: FFmpeg's name for the codec (``pcm_mulaw``, ``flac``, ``mp3``...).
        warnings: things the user should know (truncated file, identical channels...).
    """

    path: str
    sha256: str
    channels: tuple[np.ndarray, ...]
    original_sample_rate: int
    codec: str
    warnings: tuple[str, ...] = ()
    sample_rate: int = SAMPLE_RATE

    @property
    def num_channels(self) -> int:
        return len(self.channels)

    @property
    def duration(self) -> float:
        return len(self.channels[0]) / self.sample_rate

    def mono(self) -> np.ndarray:
        """The channels mixed down to one (float32, 16 kHz)."""
        if self.num_channels == 1:
            return self.channels[0]
        return np.mean(np.stack(self.channels), axis=0).astype(np.float32)


def file_sha256(path: Path, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()


def decode(path: str | Path, max_channels: int = 2) -> Recording:
    """Decode ``path`` into a ``Recording`` (16 kHz float32, channels kept apart).

    Raises:
        AudioError: missing, empty, not audio, corrupt, zero-length, or more than
            ``max_channels`` channels. The message is one line naming the reason.
    """
    import av  # lazy: keeps `coach --help` fast

    import errno

    path = Path(path)
    try:
        st = path.stat()
    except OSError as e:
        if e.errno == errno.ELOOP:
            raise AudioError("symbolic link loop, no file behind it", path) from None
        if e.errno == errno.ENOENT:
            if os.path.islink(path):
                raise AudioError(f"broken symbolic link (to {os.readlink(path)})", path) from None
            raise AudioError("file not found", path) from None
        why = "permission denied" if e.errno in (errno.EACCES, errno.EPERM) else (e.strerror or str(e))
        raise AudioError(f"cannot read the file ({why})", path) from None
    if path.is_dir():
        raise AudioError("is a directory, not an audio file", path)
    if st.st_size == 0:
        raise AudioError("empty file (0 bytes)", path)
    try:
        sha = file_sha256(path)
    except OSError as e:
        why = "permission denied" if e.errno in (errno.EACCES, errno.EPERM) else (e.strerror or str(e))
        raise AudioError(f"cannot read the file ({why})", path) from None

    try:
        container = av.open(str(path), metadata_errors="ignore")
    except (av.error.FFmpegError, UnicodeDecodeError, OSError) as e:
        raise AudioError(f"not a readable audio file ({_short(e)})", path) from None

    warnings: list[str] = []
    with container:
        if not container.streams.audio:
            raise AudioError("no audio stream in the file (not an audio file?)", path)
        stream = container.streams.audio[0]
        ctx = stream.codec_context
        n_channels = ctx.channels or 0
        if n_channels > max_channels:
            raise AudioError(
                f"{n_channels} audio channels; coach takes mono (one party per call mixed) or stereo "
                "(one party per channel) recordings", path)
        if n_channels < 1:
            raise AudioError("audio stream has no channels", path)
        layout = "stereo" if n_channels == 2 else "mono"
        resampler = av.AudioResampler(format="fltp", layout=layout, rate=SAMPLE_RATE)
        declared = _declared_duration(container, stream)
        chunks: list[np.ndarray] = []
        error: str | None = None
        try:
            for frame in container.decode(stream):
                frame.pts = None  # the resampler re-times; broken pts must not stop it
                for out in resampler.resample(frame):
                    chunks.append(out.to_ndarray())
            for out in resampler.resample(None):
                chunks.append(out.to_ndarray())
        except (av.error.FFmpegError, ValueError) as e:
            error = _short(e)
        codec = ctx.name
        sr = ctx.sample_rate or 0

    data = np.concatenate(chunks, axis=1) if chunks else np.zeros((n_channels, 0), np.float32)
    decoded = data.shape[1] / SAMPLE_RATE
    if data.shape[1] == 0:
        reason = f"corrupt audio, nothing could be decoded ({error})" if error else "zero-length audio (no samples)"
        raise AudioError(reason, path)
    if error:
        warnings.append(f"decoding stopped at {decoded:.1f} s because the file is corrupt or truncated ({error}); "
                        "the rest of the call is missing from this analysis")
    elif (missing := _wav_missing_fraction(path)) is not None:
        warnings.append(f"file looks truncated: its WAV header declares {decoded / (1 - missing):.1f} s, "
                        f"the file holds {decoded:.1f} s")
    elif declared and decoded < declared - max(0.5, 0.02 * declared):
        warnings.append(f"file looks truncated: {decoded:.1f} s of audio decoded, the header declares {declared:.1f} s")
    if not np.all(np.isfinite(data)):
        raise AudioError("damaged audio (NaN/infinite samples)", path)

    channels = tuple(np.ascontiguousarray(c, dtype=np.float32) for c in data)
    warnings += clipping_warnings(channels)
    if len(channels) == 2 and (same := _same_signal(channels[0], channels[1])) is not None:
        how = {"same": "both stereo channels carry the same signal",
               "inverted": "the two stereo channels carry the same signal, one of them phase-inverted"}.get(same, same)
        warnings.append(f"{how}: treated as a mono recording (speakers found by diarization)")
        louder = int(np.mean(channels[1] ** 2) > np.mean(channels[0] ** 2))
        channels = (channels[louder],)  # not the mean: an inverted copy would cancel it
    elif len(channels) == 2 and (uneven := channel_level_warning(channels)):
        warnings.append(uneven)
    return Recording(path=str(path), sha256=sha, channels=channels, original_sample_rate=sr, codec=codec,
                     warnings=tuple(warnings))


def _declared_duration(container, stream) -> float | None:
    if stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    if container.duration is not None:
        return container.duration / 1_000_000
    return None


def _wav_missing_fraction(path: Path) -> float | None:
    """For a RIFF/WAVE file whose data chunk is shorter than its header says: the fraction
    missing. None when the file is not WAV, is complete, or declares no usable size (streamed)."""
    import struct

    with open(path, "rb") as f:
        head = f.read(12)
        if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
            return None
        pos = 12
        size = path.stat().st_size
        while pos + 8 <= size:
            f.seek(pos)
            chunk_id, chunk_len = struct.unpack("<4sI", f.read(8))
            if chunk_id == b"data":
                if chunk_len in (0, 0xFFFFFFFF):
                    return None
                have = size - (pos + 8)
                return (chunk_len - have) / chunk_len if have < chunk_len * 0.99 else None
            pos += 8 + chunk_len + (chunk_len & 1)
    return None


def _same_signal(a: np.ndarray, b: np.ndarray) -> str | None:
    """Whether two channels are one signal (a mono call stored as stereo): ``"same"``, ``"inverted"``
    (one channel is the other phase-inverted), a description when one is a scaled copy of the other,
    or None for two different signals. Compared by correlation, so a gain or a sign does not hide it."""
    ea, eb = float(np.dot(a, a)), float(np.dot(b, b))
    if ea == 0.0 and eb == 0.0:
        return "same"
    if ea == 0.0 or eb == 0.0:
        return None
    corr = float(np.dot(a, b)) / np.sqrt(ea * eb)
    if abs(corr) < 0.99:  # the difference is more than ~20 dB above a perfect copy's: two signals
        return None
    gain_db = 10 * np.log10(max(ea, eb) / min(ea, eb))
    if corr < 0:
        return "inverted"
    if gain_db < 1.0:
        return "same"
    quieter = "right" if eb < ea else "left"
    return f"both stereo channels carry the same signal, the {quieter} one {gain_db:.0f} dB quieter"


FRAME = SAMPLE_RATE // 20  # 50 ms


def _frame_db(x: np.ndarray) -> np.ndarray:
    """RMS level of each 50 ms frame, dBFS."""
    n = len(x) // FRAME
    if n == 0:
        return np.zeros(0)
    rms = np.sqrt(np.mean(x[: n * FRAME].reshape(n, FRAME).astype(np.float64) ** 2, axis=1))
    return 20 * np.log10(np.maximum(rms, 1e-10))


def channel_level_warning(channels: tuple[np.ndarray, ...], max_diff_db: float = 20.0) -> str | None:
    """A warning when one stereo channel's loud passages (its 95th percentile frame level) are more
    than ``max_diff_db`` below the other's: one party recorded much too quietly."""
    levels = [float(np.percentile(f, 95)) if len(f := _frame_db(c)) else -200.0 for c in channels]
    diff = abs(levels[0] - levels[1])
    if diff <= max_diff_db or min(levels) < -90:  # a silent channel has its own warning
        return None
    quiet = "right" if levels[1] < levels[0] else "left"
    return (f"very unequal channel levels: the {quiet} channel is {diff:.0f} dB quieter than the other; "
            "its speech may be partly missed, and its loudness figures are not comparable")


def clipping_warnings(channels: tuple[np.ndarray, ...], min_share: float = 0.001) -> list[str]:
    """A warning per clipped channel: more than ``min_share`` of its sound sits at its peak level
    (within 1%), the flat tops that a recording driven past full scale leaves."""
    out = []
    for i, c in enumerate(channels):
        peak = float(np.max(np.abs(c))) if len(c) else 0.0
        if peak < 0.5:  # clipping happens at full scale; quieter audio was not clipped
            continue
        mag = np.abs(c)
        at_peak = int(np.count_nonzero(mag >= 0.99 * peak))
        sound = int(np.count_nonzero(mag > 0.01))
        if sound and at_peak > max(20, min_share * sound):
            name = "" if len(channels) == 1 else f" ({('left', 'right')[i]} channel)"
            out.append(f"the audio is clipped{name}: {100 * at_peak / sound:.1f}% of its sound is at full scale; "
                       "words may be misrecognised and loudness and pitch figures are less reliable")
    return out


def _short(e: Exception) -> str:
    """One short line from an exception (FFmpeg's reason without errno and file name)."""
    text = getattr(e, "strerror", None) or str(e).strip()
    text = text.splitlines()[0] if text else type(e).__name__
    return text[:160]
