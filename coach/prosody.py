"""Prosody: the energy and pitch of both voices over the call, shown, not judged.

Per role, 10 ms frames of the role's signal (its own channel on stereo, the mix on mono) inside
the role's speech regions give an energy (RMS, dBFS) and, where voiced, a pitch (YIN, Hz). On mono,
stretches where both roles speak are left out: the mix cannot tell whose voice a frame holds.
The frames are summarised per window of ``window_s`` seconds and over the whole call, and, for the
analysis, as a ``VoiceTrack`` per role every 50 ms (``voice_tracks``: did a voice fall to an end?).
"""

from __future__ import annotations

import numpy as np

from .audio import Recording
from .conversation import ROLES, Turn, VoiceTrack

FMIN, FMAX = 60.0, 400.0  # Hz: the pitch search range
FRAME_LENGTH, HOP = 1024, 160  # samples at 16 kHz: 64 ms frames every 10 ms
FRAME_S = HOP / 16000  # seconds between frames (decode gives 16 kHz)
VOICED_RANGE_DB = 30.0  # voiced frames are within this many dB of the role's loudest frames
MAX_VOICED_ZCR = 0.2  # fricatives ("s", "f") cross zero often and get a spurious YIN pitch; vowels ~0.1
CHANNEL_INDEX = {"left": 0, "right": 1}
VOICE_HOP_S = 0.05  # seconds between the frames of a VoiceTrack


RoleFrames = dict  # role -> (f0, energy_db, speech, voiced) per 10 ms frame, see ``voice_frames``


def voice_frames(rec: Recording, turns: tuple[Turn, ...], roles: dict[str, str], speaker_source: str) -> RoleFrames:
    """Per role and 10 ms frame: pitch (YIN, Hz), energy (RMS, dBFS), whether the frame is the
    role's speech and whether it is voiced (the frames that ``prosody`` and ``voice_tracks`` summarise).
    On mono, frames where both roles speak are not either role's speech."""
    separate = speaker_source == "channels" and rec.num_channels == 2
    speaker_of = {role: spk for spk, role in roles.items()}
    fps = rec.sample_rate / HOP
    n_frames = 1 + len(rec.channels[0]) // HOP  # librosa's count for centred frames
    masks = {role: _frame_mask([(t.start, t.end) for t in turns if t.speaker == role], fps, n_frames)
             for role in ROLES}
    features: dict[int | None, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
    out: RoleFrames = {}
    for role in ROLES:
        other = next(r for r in ROLES if r != role)
        channel = CHANNEL_INDEX.get(speaker_of.get(role, "")) if separate else None
        if separate:
            speech = masks[role] if channel is not None else np.zeros(n_frames, dtype=bool)
        else:
            speech = masks[role] & ~masks[other]
        if speech.any():
            if channel not in features:
                # pitch only where it is used: this signal's speech frames (both roles' on the mix)
                need = (masks[role] if separate else (masks[role] ^ masks[other]))
                features[channel] = _frames(rec.channels[channel] if channel is not None else rec.mono(),
                                            rec.sample_rate, n_frames, need)
            f0, energy, zcr = features[channel]
            loud = np.percentile(energy[speech], 99)
            voiced = (speech & (energy >= loud - VOICED_RANGE_DB) & (f0 > FMIN) & (f0 < FMAX)
                      & (zcr < MAX_VOICED_ZCR))
        else:
            f0 = energy = np.zeros(n_frames)
            voiced = speech
        out[role] = (f0, energy, speech, voiced)
    return out


def voice_tracks(frames: RoleFrames, hop_s: float = VOICE_HOP_S) -> dict[str, VoiceTrack]:
    """The frames as one ``VoiceTrack`` per role at ``hop_s``: per block of frames the median pitch
    of its voiced frames (0.0: none voiced) and the median energy of its speech frames (the
    channel's floor, -100 dB, where the role is silent)."""
    step = max(int(round(hop_s / FRAME_S)), 1)  # 10 ms frames per block
    out = {}
    for role, (f0, energy, speech, voiced) in frames.items():
        n = len(f0) // step
        blocks = slice(0, n * step)

        def block_median(values: np.ndarray, keep: np.ndarray, empty: float) -> tuple[float, ...]:
            v = np.where(keep[blocks], values[blocks], np.nan).reshape(n, step)
            has = ~np.all(np.isnan(v), axis=1)
            med = np.full(n, empty)
            if has.any():
                med[has] = np.nanmedian(v[has], axis=1)
            return tuple(np.round(med, 1).tolist())

        times = tuple(np.round((np.arange(n) * step + (step - 1) / 2) * FRAME_S, 3).tolist())  # centred frames
        out[role] = VoiceTrack(times, block_median(f0, voiced, 0.0), block_median(energy, speech, -100.0),
                               hop_s=step * FRAME_S)
    return out


def prosody(rec: Recording, turns: tuple[Turn, ...], roles: dict[str, str], speaker_source: str,
            window_s: float = 1.0, frames: RoleFrames | None = None) -> dict:
    """Energy and pitch of the agent and the customer over the call.

    Args:
        rec: the decoded call (16 kHz).
        turns: speech regions with ``speaker`` set to the role (``agent`` / ``customer``).
        roles: speaker id -> role, e.g. ``{"left": "agent", "right": "customer"}``.
        speaker_source: ``"channels"`` (one party per stereo channel) or ``"diarization"`` (mono mix).
        window_s: length of the summary windows, seconds.
        frames: ``voice_frames`` of the same arguments, when already computed.

    Returns:
        ``{"window_s": s, "agent": {...}, "customer": {...}}``; per role ``times`` (window starts, s),
        ``pitch_hz`` (median pitch of the voiced frames per window, Hz), ``energy_db`` (median RMS
        of the speech frames per window, dBFS), each ``None`` where the role does not speak, and
        over the call ``median_pitch_hz`` (Hz), ``pitch_range_semitones`` (10th to 90th percentile
        of the voiced frames' pitch) and ``median_energy_db`` (dBFS), ``None`` without speech.
    """
    if window_s <= 0:
        raise ValueError(f"window_s must be positive, got {window_s}")
    frames = frames if frames is not None else voice_frames(rec, turns, roles, speaker_source)
    fps = rec.sample_rate / HOP
    n_frames = 1 + len(rec.channels[0]) // HOP
    n_windows = int(np.ceil(rec.duration / window_s - 1e-9))
    window = np.minimum((np.arange(n_frames) / fps / window_s).astype(int), max(n_windows - 1, 0))
    out: dict = {"window_s": window_s}
    for role in ROLES:
        f0, energy, speech, voiced = frames[role]
        out[role] = _summary(f0, energy, speech, voiced, window, n_windows, window_s)
    return out


def _frame_mask(regions: list[tuple[float, float]], fps: float, n_frames: int) -> np.ndarray:
    """Frames whose centre lies in one of ``regions`` ([start, end) in seconds)."""
    mask = np.zeros(n_frames, dtype=bool)
    for start, end in regions:
        mask[max(int(np.ceil(start * fps - 1e-6)), 0):max(int(np.ceil(end * fps - 1e-6)), 0)] = True
    return mask


def _runs(mask: np.ndarray, bridge: int) -> list[tuple[int, int]]:
    """[start, end) of the runs of True in ``mask``, runs less than ``bridge`` frames apart joined."""
    edges = np.flatnonzero(np.diff(np.concatenate(([0], mask.astype(np.int8), [0]))))
    runs: list[list[int]] = []
    for a, b in zip(edges[::2].tolist(), edges[1::2].tolist()):
        if runs and a - runs[-1][1] < bridge:
            runs[-1][1] = b
        else:
            runs.append([a, b])
    return [(a, b) for a, b in runs]


def _frames(signal: np.ndarray, sr: int, n_frames: int,
            need: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per 10 ms frame: YIN pitch (Hz), RMS energy (dBFS) and zero-crossing rate.

    ``need``: the frames whose pitch is used (0.0 elsewhere). YIN was 90% of the analysis stage
    when run over the whole call (a 64 ms autocorrelation per 10 ms frame); it looks at one frame
    at a time, so running it over the needed stretches only gives the same values there."""
    import librosa  # lazy: heavy import

    signal = np.pad(signal, (0, max(FRAME_LENGTH - len(signal), 0)))
    if need is None:
        f0 = librosa.yin(signal, fmin=FMIN, fmax=FMAX, sr=sr, frame_length=FRAME_LENGTH, hop_length=HOP)
    else:
        # the centred frames of librosa (zero padding), cut per stretch and framed without centring
        padded = np.pad(signal, (FRAME_LENGTH // 2, FRAME_LENGTH // 2))
        f0 = np.zeros(n_frames, dtype=np.float64)
        for a, b in _runs(need[:n_frames], bridge=50):
            chunk = padded[a * HOP:(b - 1) * HOP + FRAME_LENGTH]
            f0[a:b] = librosa.yin(chunk, fmin=FMIN, fmax=FMAX, sr=sr, frame_length=FRAME_LENGTH,
                                  hop_length=HOP, center=False)[:b - a]
    rms = librosa.feature.rms(y=signal, frame_length=FRAME_LENGTH, hop_length=HOP)[0]
    zcr = librosa.feature.zero_crossing_rate(signal, frame_length=FRAME_LENGTH, hop_length=HOP)[0]
    return f0[:n_frames], 20 * np.log10(np.maximum(rms[:n_frames], 1e-5)), zcr[:n_frames]


def _summary(f0: np.ndarray, energy: np.ndarray, speech: np.ndarray, voiced: np.ndarray, window: np.ndarray,
             n_windows: int, window_s: float) -> dict:
    def median(values: np.ndarray) -> float | None:
        return round(float(np.median(values)), 1) if len(values) else None

    def per_window(values: np.ndarray, mask: np.ndarray) -> list[float | None]:
        selected, bounds = values[mask], np.searchsorted(window[mask], np.arange(n_windows + 1))  # frames in time order
        return [median(selected[bounds[k]:bounds[k + 1]]) for k in range(n_windows)]

    pitch = f0[voiced]
    return {
        "times": [round(k * window_s, 2) for k in range(n_windows)],
        "pitch_hz": per_window(f0, voiced),
        "energy_db": per_window(energy, speech),
        "median_pitch_hz": median(pitch),
        "pitch_range_semitones": (round(float(12 * np.log2(np.percentile(pitch, 90) / np.percentile(pitch, 10))), 1)
                                  if len(pitch) else None),
        "median_energy_db": median(energy[speech]),
    }
