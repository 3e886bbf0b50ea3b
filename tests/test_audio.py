"""Decode stage: every container/codec we promise, channels kept apart, and each bad input."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

from coach.audio import SAMPLE_RATE, decode
from coach.errors import AudioError
from conftest import write_av


def _corr(a: np.ndarray, b: np.ndarray) -> float:
    n = min(len(a), len(b))
    return float(np.corrcoef(a[:n], b[:n])[0, 1])


@pytest.mark.parametrize("name,sr,subtype,fmt", [
    ("pcm_u8.wav", 16000, "PCM_U8", "WAV"),
    ("pcm16.wav", 16000, "PCM_16", "WAV"),
    ("pcm24_44k.wav", 44100, "PCM_24", "WAV"),
    ("float32_48k.wav", 48000, "FLOAT", "WAV"),
    ("mulaw_8k.wav", 8000, "ULAW", "WAV"),
    ("alaw_8k.wav", 8000, "ALAW", "WAV"),
    ("call.flac", 22050, "PCM_16", "FLAC"),
    ("call.ogg", 16000, "VORBIS", "OGG"),
])
def test_soundfile_formats_decode_with_channels_apart(tmp_path, stereo_clip, name, sr, subtype, fmt):
    import librosa

    data, src_sr = stereo_clip
    resampled = librosa.resample(data.T, orig_sr=src_sr, target_sr=sr).T if sr != src_sr else data
    path = tmp_path / name
    sf.write(path, resampled, sr, subtype=subtype, format=fmt)
    rec = decode(path)
    assert rec.num_channels == 2
    assert rec.sample_rate == SAMPLE_RATE and rec.original_sample_rate == sr
    assert rec.duration == pytest.approx(5.0, abs=0.05)
    assert len(rec.sha256) == 64
    # the agent talks in the first 5 s: the left channel is loud, the right holds only the echo
    left, right = (float(np.sqrt(np.mean(c ** 2))) for c in rec.channels)
    assert left > 10 * right
    assert _corr(rec.channels[0], data[:, 0]) > 0.9


@pytest.mark.parametrize("name,codec", [("call.mp3", "libmp3lame"), ("call.opus", "libopus"), ("call.m4a", "aac")])
def test_compressed_formats_decode(tmp_path, stereo_clip, name, codec):
    data, sr = stereo_clip
    rate = 48000 if codec == "libopus" else sr
    src = data.T
    if rate != sr:
        import librosa

        src = librosa.resample(src, orig_sr=sr, target_sr=rate)
    rec = decode(write_av(tmp_path / name, src, rate, codec))
    assert rec.num_channels == 2
    assert rec.duration == pytest.approx(5.0, abs=0.15)  # encoder padding
    left, right = (float(np.sqrt(np.mean(c ** 2))) for c in rec.channels)
    assert left > 10 * right


def test_mono_file_is_one_channel(tmp_path, stereo_clip):
    data, sr = stereo_clip
    sf.write(tmp_path / "m.wav", data[:, 0], sr)
    rec = decode(tmp_path / "m.wav")
    assert rec.num_channels == 1
    assert rec.mono() is rec.channels[0]


def test_identical_stereo_channels_are_treated_as_mono(tmp_path, stereo_clip):
    data, sr = stereo_clip
    sf.write(tmp_path / "dup.wav", np.stack([data[:, 0], data[:, 0]], axis=1), sr)
    rec = decode(tmp_path / "dup.wav")
    assert rec.num_channels == 1
    assert any("same signal" in w for w in rec.warnings)


def test_missing_file():
    with pytest.raises(AudioError, match="file not found"):
        decode("/nonexistent/call.wav")


def test_directory(tmp_path):
    with pytest.raises(AudioError, match="directory"):
        decode(tmp_path)


def test_empty_file(tmp_path):
    (tmp_path / "empty.wav").write_bytes(b"")
    with pytest.raises(AudioError, match=r"empty file \(0 bytes\)"):
        decode(tmp_path / "empty.wav")


def test_text_file_renamed_to_wav(tmp_path):
    (tmp_path / "notes.wav").write_text("Dit is geen audio, maar een tekstbestand.\n" * 20)
    with pytest.raises(AudioError, match="not a readable audio file") as e:
        decode(tmp_path / "notes.wav")
    assert "\n" not in str(e.value) and str(tmp_path / "notes.wav") in str(e.value)


def test_zero_length_audio(tmp_path):
    sf.write(tmp_path / "zero.wav", np.zeros((0, 2), np.float32), 16000)
    with pytest.raises(AudioError, match="zero-length|no audio|not a readable"):
        decode(tmp_path / "zero.wav")


def test_truncated_wav_decodes_with_a_warning(tmp_path, stereo_clip):
    data, sr = stereo_clip
    sf.write(tmp_path / "full.wav", data, sr, subtype="PCM_16")
    raw = (tmp_path / "full.wav").read_bytes()
    (tmp_path / "cut.wav").write_bytes(raw[: len(raw) // 2])  # header still declares 5 s
    rec = decode(tmp_path / "cut.wav")
    assert rec.duration == pytest.approx(2.5, abs=0.1)
    assert any("truncated" in w for w in rec.warnings)


def test_corrupt_mp3_body(tmp_path, stereo_clip):
    data, sr = stereo_clip
    path = write_av(tmp_path / "c.mp3", data.T, sr, "libmp3lame")
    raw = bytearray(path.read_bytes())
    rng = np.random.default_rng(0)
    raw[200:] = rng.integers(0, 256, len(raw) - 200, dtype=np.uint8).tobytes()  # garbage after the first frame
    (tmp_path / "bad.mp3").write_bytes(bytes(raw))
    try:
        rec = decode(tmp_path / "bad.mp3")
    except AudioError as e:  # either a clear error...
        assert "bad.mp3" in str(e) and "\n" not in str(e)
    else:  # ...or what could be decoded, shorter than the original
        assert rec.duration < 5.0


def test_three_channels_is_an_error(tmp_path):
    sf.write(tmp_path / "three.wav", np.zeros((16000, 3), np.float32) + 0.1, 16000)
    with pytest.raises(AudioError, match="3 audio channels"):
        decode(tmp_path / "three.wav")
