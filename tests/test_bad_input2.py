"""The second round of bad and odd input (issue 15), and faults of the machine itself.

Each case is a small generated file: a name with '#' and '?', NaN samples, 0.3 s of noise, an
unreadable file, a symlink loop, MP4 with a video track, Opus in WebM, 48/96 kHz and 32-bit float
WAV, a stereo file with one channel phase-inverted or 40 dB quieter, clipped audio, 20 s of hold
music before the call; and a disk that fills up (a small tmpfs) / an OUT_DIR that turns unwritable (chattr +i) during a batch,
and two `coach analyze` runs writing the same call at once. Each gives a correct analysis (with a
warning where it matters) or one line naming the file and the reason, exit code 1, and never a
traceback or a library's warning on the terminal (checked through the installed command)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from coach.audio import decode
from coach.errors import AudioError
from conftest import COACH, MONO, STEREO, write_av

SR = 16000
LIBRARY_NOISE = ("Traceback", "Warning:", "warnings.warn", "RuntimeWarning", "UserWarning")


def clip(src: Path = STEREO, start_s: float = 20, seconds: float = 8) -> np.ndarray:
    data, _ = sf.read(src, dtype="float32", start=int(start_s * SR), frames=int(seconds * SR))
    return data


def chords(seconds: float) -> np.ndarray:
    """Synthetic hold music: a chord (root, third, fifth, octave) every 2 s, as numpy sines."""
    rng = np.random.default_rng(0)
    t = np.arange(2 * SR) / SR
    env = np.minimum(1, np.minimum(t / 0.05, (2 - t) / 0.05))
    out = [0.08 * env * sum(np.sin(2 * np.pi * root * r * t + rng.uniform(0, 6)) for r in (1, 1.25, 1.5, 2))
           for root in np.resize([220, 246.94, 261.63, 196], int(seconds / 2))]
    return np.concatenate(out).astype(np.float32)


def ffmpeg(*args: str) -> None:
    if not shutil.which("ffmpeg"):
        pytest.skip("ffmpeg not installed")
    subprocess.run(["ffmpeg", "-v", "error", "-y", *args], check=True)


def make_cases(d: Path) -> dict[str, Path]:
    """Every odd input as a file in ``d``: name -> path."""
    import scipy.signal

    d.mkdir(parents=True, exist_ok=True)
    st, mo = clip(), clip(MONO, 0, 10)
    p = {}

    def wav(name, data, sr=SR, subtype="PCM_16"):
        sf.write(d / name, data, sr, subtype=subtype)
        p[name] = d / name

    wav("gesprek #12?.wav", st)
    bad = st.copy()
    bad[1000:1100, 0] = np.nan
    bad[5000, 1] = np.inf
    wav("nan.wav", bad, subtype="FLOAT")
    wav("noise.wav", 0.1 * np.random.default_rng(0).standard_normal((int(0.3 * SR), 2)))
    for rate in (48000, 96000):
        wav(f"rate{rate // 1000}k.wav", scipy.signal.resample_poly(st, rate // SR, 1, axis=0).astype(np.float32), rate)
    wav("float32.wav", st, subtype="FLOAT")
    wav("inverted.wav", np.stack([mo, -mo], 1))
    quiet = st.copy()
    quiet[:, 1] *= 0.01  # -40 dB
    wav("quiet_right.wav", quiet)
    wav("clipped.wav", np.clip(st * 8, -1, 1))
    wav("hold_music.wav", np.concatenate([np.stack([chords(20), np.zeros(20 * SR, np.float32)], 1),
                                          clip(STEREO, 0, 15)]))
    wav("_src.wav", st)
    ffmpeg("-f", "lavfi", "-i", "testsrc=size=160x120:rate=10", "-i", str(d / "_src.wav"), "-shortest",
           "-c:v", "libx264", "-c:a", "aac", str(d / "video.mp4"))
    p["video.mp4"] = d / "video.mp4"
    ffmpeg("-i", str(d / "_src.wav"), "-c:a", "libopus", str(d / "opus.webm"))
    p["opus.webm"] = d / "opus.webm"
    (d / "_src.wav").unlink()
    del p["_src.wav"]
    os.symlink("loop_b.wav", d / "loop_a.wav")
    os.symlink("loop_a.wav", d / "loop_b.wav")
    p["loop_a.wav"] = d / "loop_a.wav"
    return p


@pytest.fixture(scope="module")
def cases(tmp_path_factory) -> dict[str, Path]:
    return make_cases(tmp_path_factory.mktemp("cases") / "in")


# --- decoding: no models -----------------------------------------------------------------------

def test_nan_or_infinite_samples_are_damaged_audio(cases):
    with pytest.raises(AudioError, match=r"damaged audio \(NaN/infinite samples\)") as e:
        decode(cases["nan.wav"])
    assert str(e.value).startswith(str(cases["nan.wav"]))


@pytest.mark.parametrize("name,codec,rate", [("rate48k.wav", "pcm_s16le", 48000), ("rate96k.wav", "pcm_s16le", 96000),
                                             ("float32.wav", "pcm_f32le", 16000), ("opus.webm", "opus", 48000),
                                             ("video.mp4", "aac", 16000)])
def test_other_rates_float_opus_webm_and_video_decode_to_the_same_audio(cases, name, codec, rate):
    rec = decode(cases[name])
    ref = clip()
    assert (rec.codec, rec.original_sample_rate, rec.num_channels) == (codec, rate, 2)
    assert abs(rec.duration - 8.0) < 0.1 and rec.warnings == ()
    n = min(len(ref), len(rec.channels[0])) - 2000
    if codec.startswith("pcm"):  # lossless: the same samples (resampling aside)
        assert np.corrcoef(rec.channels[0][1000:n], ref[1000:n, 0])[0, 1] > 0.99


def test_phase_inverted_copy_is_a_mono_call_not_silence(cases):
    rec = decode(cases["inverted.wav"])
    assert rec.num_channels == 1 and "phase-inverted" in rec.warnings[0]
    assert np.allclose(np.abs(rec.channels[0][:SR]), np.abs(clip(MONO, 0, 1)), atol=1e-3)  # not mixed to 0


def test_a_quieter_copy_of_one_channel_is_mono(tmp_path):
    mo = clip(MONO, 0, 5)
    sf.write(tmp_path / "c.wav", np.stack([mo, 0.01 * mo], 1), SR)
    rec = decode(tmp_path / "c.wav")
    assert rec.num_channels == 1 and "right one 40 dB quieter" in rec.warnings[0]


def test_a_channel_40_db_quieter_is_analysed_with_a_warning(cases):
    rec = decode(cases["quiet_right.wav"])
    assert rec.num_channels == 2 and any("very unequal channel levels: the right channel" in w for w in rec.warnings)


def test_clipping_is_a_warning_and_the_bundled_calls_are_not_clipped(cases):
    rec = decode(cases["clipped.wav"])
    assert any("clipped (left channel)" in w for w in rec.warnings)
    for sample in (STEREO, MONO):
        assert decode(sample).warnings == ()


def test_symlink_loop_is_named(cases):
    with pytest.raises(AudioError, match="symbolic link loop"):
        decode(cases["loop_a.wav"])


def test_discovery_survives_symlink_loops(tmp_path):
    from coach.batch import discover

    (tmp_path / "sub").mkdir()
    sf.write(tmp_path / "sub" / "a.wav", clip(seconds=1), SR)
    os.symlink("..", tmp_path / "sub" / "up")  # a directory loop
    os.symlink("x.wav", tmp_path / "y.wav")
    os.symlink("y.wav", tmp_path / "x.wav")  # a file loop
    assert discover(tmp_path) == [tmp_path / "sub" / "a.wav"]


def test_unreadable_file_is_named(tmp_path):
    """As a user without read permission (root reads anything: the check runs in a child that drops to nobody)."""
    import tempfile

    import av  # noqa: F401 - loaded before dropping privileges (the environment may be root's)

    folder = Path(tempfile.mkdtemp(dir="/tmp"))  # a folder nobody may enter: the file itself is the obstacle
    folder.chmod(0o755)
    path = folder / "geheim.wav"
    sf.write(path, clip(seconds=1), SR)
    path.chmod(0o000)
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: drop privileges, decode, report the message
        try:
            os.close(r)
            if os.geteuid() == 0:
                os.setgroups([])
                os.setgid(65534)
                os.setuid(65534)
            try:
                decode(path)
                msg = "decoded"
            except Exception as e:  # noqa: BLE001 - the parent asserts on the message
                msg = str(e) if isinstance(e, AudioError) else repr(e)
            os.write(w, msg.encode())
        finally:
            os._exit(0)
    os.close(w)
    os.waitpid(pid, 0)
    msg = os.read(r, 4096).decode()
    os.close(r)
    shutil.rmtree(folder)
    assert msg == f"{path}: cannot read the file (permission denied)"


def test_url_of_a_file_name_with_hash_and_question_mark():
    from coach.report.html import url_path

    assert url_path(Path("../in/gesprek #12?.wav")) == "../in/gesprek%20%2312%3F.wav"
    assert url_path(Path("a/ü &b.wav")) == "a/%C3%BC%20%26b.wav"


def test_hold_music_is_found_and_speech_is_not():
    from coach.hold import music_seconds

    assert music_seconds(chords(20)).all()
    for sample in (STEREO, MONO):
        data = np.atleast_2d(sf.read(sample, dtype="float32")[0].T)
        assert not any(music_seconds(c).any() for c in data)


# --- machine faults: pure logic ----------------------------------------------------------------

def test_a_live_writers_temp_folder_is_left_alone(tmp_path):
    from coach.calls import clean_partial

    child = subprocess.Popen(["sleep", "30"])
    try:
        live, dead = tmp_path / f".tmp-call-{child.pid}-abcd1234", tmp_path / ".tmp-call-999999999-abcd1234"
        live.mkdir(), dead.mkdir()
        clean_partial(tmp_path)
        assert live.is_dir() and not dead.exists()
    finally:
        child.kill()
        child.wait()


def test_an_output_fault_stops_the_batch_and_leaves_the_call_pending(tmp_path):
    from coach.batch import Job, StateStore
    from coach.batch.run import execute
    from coach.calls import CallResult
    from coach.report import RenderOptions
    from coach.config import AnalyzeOptions

    store = StateStore(tmp_path / "s.sqlite")
    jobs = [Job(f"/in/{i}.wav", str(i), str(tmp_path), AnalyzeOptions(), RenderOptions()) for i in range(4)]
    for j in jobs:
        store.put(j.path, call_id=j.call_id, sha256="x", size=1, mtime_ns=1, settings_hash="h", status="pending")

    class Pool:  # one call at a time: the first is done, the second cannot be written
        def __init__(self):
            self.sent = []

        def capacity(self):
            return 1

        def submit(self, job):
            self.sent.append(job)

        def wait(self, timeout):
            job = self.sent[-1]
            if job.call_id == "0":
                return [(job, CallResult(job.path, "0", None, 1.0, 1.0, {}, "f"))]
            return [(job, CallResult(job.path, job.call_id, "cannot write the report into X (no space left on "
                                     "the device)", output_fault=True))]

        def kill(self, job): ...
        def close(self): ...

    pool = Pool()
    fault = execute(pool, jobs, store, 60, lambda *a: None)
    assert fault == "cannot write the report into X (no space left on the device)"
    assert [j.call_id for j in pool.sent] == ["0", "1"]
    assert [store.rows[j.path]["status"] for j in jobs] == ["done", "pending", "pending", "pending"]


# --- through the installed command (real models) -----------------------------------------------

def coach(*args, **kw) -> subprocess.CompletedProcess:
    assert COACH.is_file(), f"{COACH} missing: run ./scripts/setup"
    return subprocess.run([str(COACH), *map(str, args)], capture_output=True, text=True, timeout=900, **kw)


def quiet_stderr(stderr: str) -> None:
    for bad in LIBRARY_NOISE:
        assert bad not in stderr, stderr


EXPECTED_ERRORS = {
    "nan.wav": "damaged audio (NaN/infinite samples)",
    "noise.wav": "too short to hold a conversation (0.3 s of audio)",
    "loop_a.wav": "symbolic link loop, no file behind it",
}
EXPECTED_WARNINGS = {
    "inverted": "phase-inverted: treated as a mono recording",
    "quiet_right": "very unequal channel levels",
    "clipped": "the audio is clipped",
    "hold_music": "hold music detected at the start (0:00-0:20)",
}


@pytest.mark.models
def test_installed_analyze_matrix(cases, tmp_path):
    out = tmp_path / "out"
    # --link-original: with redaction on (the default since issue 14) the report links the recording only then
    r = coach("analyze", *cases.values(), "--out", out, "--quiet", "--link-original")
    quiet_stderr(r.stderr)
    assert r.returncode == 1
    errors = [line for line in r.stderr.splitlines() if line.startswith("error:")]
    assert sorted(errors) == sorted(f"error: {cases[n]}: {why}" for n, why in EXPECTED_ERRORS.items())
    done = {p.name for p in out.iterdir()}
    assert done == {"gesprek_12", "rate48k", "rate96k", "float32", "inverted", "quiet_right", "clipped",
                    "hold_music", "video", "opus"}
    for call, text in EXPECTED_WARNINGS.items():
        assert any(text in w for w in json.loads((out / call / "analysis.json").read_text())["warnings"]), call
    # every format gives the same conversation as the plain WAV
    ref = json.loads((out / "float32" / "analysis.json").read_text())
    for call in ("rate48k", "rate96k", "video", "opus", "gesprek_12"):
        a = json.loads((out / call / "analysis.json").read_text())
        assert abs(a["metrics"]["talk_s"]["agent"] - ref["metrics"]["talk_s"]["agent"]) < 0.5, call
        assert a["warnings"] == [], call
    # the 40 dB quieter customer is still heard
    quiet = json.loads((out / "quiet_right" / "analysis.json").read_text())
    assert quiet["metrics"]["talk_s"]["customer"] > 0.5 * ref["metrics"]["talk_s"]["customer"]
    # hold music is neither talk time nor dead air
    hold = json.loads((out / "hold_music" / "analysis.json").read_text())
    assert min(t["start"] for t in hold["turns"]) >= 20.0
    assert all(e["start"] >= 20.0 for e in hold["events"])
    # '#' and '?' in the file name: a URL-encoded <audio src> that a browser resolves to the file
    html = (out / "gesprek_12" / "report.html").read_text()
    assert '/in/gesprek%20%2312%3F.wav"' in html
    assert "gesprek #12?.wav\"" not in html
    s = coach("session", out / "gesprek_12", out / "float32", "--out", tmp_path / "session.html", "--link-original")
    assert s.returncode == 0, s.stderr
    assert "gesprek%20%2312%3F.wav\"" in (tmp_path / "session.html").read_text()


@pytest.mark.models
def test_installed_batch_matrix(cases, tmp_path):
    out = tmp_path / "out"
    r = coach("batch", cases["nan.wav"].parent, "--out", out, "--quiet")
    quiet_stderr(r.stderr)
    assert r.returncode == 1
    rows = {Path(c["path"]).name: c for c in json.loads((out / "index.json").read_text())["calls"]}
    assert {n for n, c in rows.items() if c["status"] == "failed"} == {"nan.wav", "noise.wav"}
    assert rows["nan.wav"]["error"] == EXPECTED_ERRORS["nan.wav"]
    assert "loop_a.wav" not in rows  # a link loop is no file: not found, not a crash


@pytest.mark.models
def test_two_analyze_runs_on_the_same_call_at_once(tmp_path):
    sf.write(tmp_path / "call.wav", clip(seconds=6), SR)
    procs = [subprocess.Popen([str(COACH), "analyze", str(tmp_path / "call.wav"), "--out", str(tmp_path / "out"),
                               "--quiet"], stderr=subprocess.PIPE, text=True) for _ in range(2)]
    results = [(p.wait(600), p.stderr.read()) for p in procs]
    for code, stderr in results:
        assert code == 0, stderr
        quiet_stderr(stderr)
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["call"]
    assert json.loads((tmp_path / "out" / "call" / "analysis.json").read_text())["call"]["id"] == "call"


# --- a disk that fills up, an OUT_DIR that turns read-only (root: a small tmpfs) ----------------

@contextmanager
def tmpfs(path: Path, size: str = "64m"):
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    path.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)]).returncode:
        pytest.skip("cannot mount a tmpfs here")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)])


def fill(path: Path) -> Path:
    filler = path / "filler"
    with open(filler, "wb") as f:
        try:
            while True:
                f.write(b"\0" * (1 << 20))
                f.flush()
        except OSError:
            pass
    return filler


@contextmanager
def plain_folder(path: Path):
    path.mkdir()
    yield path


def batch_with_fault(tmp_path: Path, fault, on_tmpfs: bool) -> None:
    """A batch of three calls into OUT (on a small tmpfs when ``on_tmpfs``); ``fault(mount, out)``
    strikes once the first call is published and returns how to undo it."""
    calls = tmp_path / "calls"
    calls.mkdir()
    for i in range(3):
        sf.write(calls / f"c{i}.wav", clip(start_s=10 * i, seconds=6), SR)
    with (tmpfs if on_tmpfs else plain_folder)(tmp_path / "mnt") as mnt:
        out = mnt / "out"
        proc = subprocess.Popen([str(COACH), "batch", str(calls), "--out", str(out), "--quiet"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 600
        while not (out / "c0" / "analysis.json").exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        undo = fault(mnt, out)
        stdout, stderr = proc.communicate(timeout=600)
        quiet_stderr(stderr)
        assert proc.returncode == 2, stdout + stderr
        lines = [line for line in stderr.splitlines() if line.strip()]
        assert len(lines) == 1 and lines[0].startswith("error:"), stderr
        assert any(w in lines[0] for w in ("no space left", "disk is full", "permission denied")), stderr
        undo()
        # calls already done stay done; no half-written folder
        assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".coach-batch")) == ["c0"]
        assert json.loads((out / "c0" / "analysis.json").read_text())["call"]["id"] == "c0"
        r = coach("batch", calls, "--out", out, "--quiet")
        assert r.returncode == 0, r.stderr
        index = json.loads((out / "index.json").read_text())
        assert index["totals"]["done"] == 3 and index["totals"]["done_this_run"] == 2
        assert {c["call_id"]: c["attempts"] for c in index["calls"]}["c0"] == 1  # not analysed again


@pytest.mark.models
def test_disk_full_during_a_batch(tmp_path):
    def fault(mnt, out):
        filler = fill(mnt)
        return lambda: filler.unlink()

    batch_with_fault(tmp_path, fault, on_tmpfs=True)


@pytest.mark.models
def test_output_turns_unwritable_during_a_batch(tmp_path):
    """OUT_DIR made immutable (chattr +i: no new entries, even for root) after the first call."""
    if os.geteuid() != 0 or not shutil.which("chattr"):
        pytest.skip("needs root and chattr")
    probe = tmp_path / "probe"
    probe.mkdir()
    if subprocess.run(["chattr", "+i", str(probe)], capture_output=True).returncode:
        pytest.skip("this file system has no immutable flag")
    subprocess.run(["chattr", "-i", str(probe)], check=True)

    def fault(mnt, out):
        subprocess.run(["chattr", "+i", str(out)], check=True)
        return lambda: subprocess.run(["chattr", "-i", str(out)], check=True)

    try:
        batch_with_fault(tmp_path, fault, on_tmpfs=False)
    finally:
        subprocess.run(["chattr", "-i", str(tmp_path / "mnt" / "out")], capture_output=True)
