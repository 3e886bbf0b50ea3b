"""The nightly batch (``coach batch``): discovery, state and resume, failure isolation, SIGKILL
safety, the lock, exit codes, and a Dask LocalCluster giving the same results as local workers.

Good calls are 10 s stereo cuts of the stereo sample (fast); the bad inputs fail at decoding."""

from __future__ import annotations

import fcntl
import json
import multiprocessing
import os
import shutil
import signal
import sqlite3
import subprocess
import time
from contextlib import suppress
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from typer.testing import CliRunner

from coach.batch import LOCK_FILE, STATE_DB, FoundFile, StateStore, discover, looks_like_audio, plan, run_batch
from coach.cli import app
from coach.config import AnalyzeOptions
from conftest import COACH, STEREO

runner = CliRunner()
GOOD = ("a.wav", "sub/b.flac", "sub/c.dat")  # c.dat: a FLAC found by its content
BAD = {"broken.flac": "zero-length audio", "empty.wav": "empty file (0 bytes)",
       "notes.wav": "not a readable audio file", "silence.wav": "silent recording"}


def cli(*args):
    return runner.invoke(app, ["batch", *map(str, args)])


def write_clip(path: Path, start_s: int, fmt: str = "WAV") -> None:
    """10 s of the stereo sample from ``start_s``."""
    data, sr = sf.read(STEREO, dtype="float32", start=start_s * 16000, frames=10 * 16000)
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(path, data, sr, format=fmt)


def write_good(root: Path) -> None:
    """Three different calls: a.wav, sub/b.flac and sub/c.dat (a FLAC without its extension)."""
    write_clip(root / "a.wav", 0)
    write_clip(root / "sub" / "b.flac", 20, "FLAC")
    write_clip(root / "sub" / "c.dat", 40, "FLAC")


def write_bad(root: Path) -> None:
    """A corrupt FLAC, an empty file, a text file named .wav and a silent recording, plus files to ignore."""
    rng = np.random.default_rng(0)
    (root / "broken.flac").write_bytes(STEREO.read_bytes()[:64] + rng.bytes(20000))
    (root / "empty.wav").write_bytes(b"")
    (root / "notes.wav").write_text("geen audio\n" * 50)
    sf.write(root / "silence.wav", np.zeros((5 * 16000, 2), np.float32), 16000)
    (root / "readme.txt").write_text("not audio, no audio extension: ignored\n")
    (root / ".hidden.wav").write_text("hidden: ignored\n")


@pytest.fixture(scope="module")
def calls_dir(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("calls")
    write_good(root)
    write_bad(root)
    (root / "copy").mkdir()
    shutil.copy2(root / "a.wav", root / "copy" / "a_copy.wav")  # a duplicate copy of a call
    return root


@pytest.fixture(scope="module")
def first_run(calls_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("first") / "out"
    return run_batch(calls_dir, out), out


def rows(out: Path, in_dir: Path) -> dict[str, dict]:
    """The state rows by path relative to ``in_dir`` (``sub/b.flac``)."""
    db = sqlite3.connect(out / STATE_DB)
    db.row_factory = sqlite3.Row
    found = {Path(r["path"]).relative_to(in_dir.resolve()).as_posix(): dict(r)
             for r in db.execute("SELECT * FROM calls")}
    db.close()
    return found


def copy_out(out: Path, tmp_path: Path) -> Path:
    dest = tmp_path / "out"
    shutil.copytree(out, dest)
    return dest


def analysis(out: Path, call_id: str) -> dict:
    """What a call's analysis found (everything but timings), for exact comparisons."""
    d = json.loads((out / call_id / "analysis.json").read_text(encoding="utf-8"))
    return {k: d[k] for k in ("call", "utterances", "turns", "roles", "metrics", "events", "reflection", "prosody",
                              "settings", "warnings")}


# --- pure logic --------------------------------------------------------------------------------

def test_discovery_by_extension_and_content(tmp_path):
    write_good(tmp_path)
    write_bad(tmp_path)
    (tmp_path / "out" / "a").mkdir(parents=True)  # OUT_DIR inside IN_DIR is not searched
    shutil.copy2(tmp_path / "a.wav", tmp_path / "out" / "a" / "x.wav")
    (tmp_path / ".git").mkdir()
    shutil.copy2(tmp_path / "a.wav", tmp_path / ".git" / "y.wav")
    found = [p.relative_to(tmp_path).as_posix() for p in discover(tmp_path, skip=tmp_path / "out")]
    assert found == ["a.wav", "broken.flac", "empty.wav", "notes.wav", "silence.wav", "sub/b.flac", "sub/c.dat"]
    assert looks_like_audio(b"RIFF\x00\x00\x00\x00WAVEfmt ") and looks_like_audio(b"ID3\x04")
    assert looks_like_audio(b"OggS") and looks_like_audio(b"fLaC")
    assert looks_like_audio(b"\x00\x00\x00\x20ftypM4A ") and looks_like_audio(b"\xff\xfb\x90\x00")
    assert not looks_like_audio(b"geen audio\n") and not looks_like_audio(b"%PDF-1.7") and not looks_like_audio(b"")


def test_plan_call_ids_duplicates_and_changes(tmp_path):
    store = StateStore(tmp_path / STATE_DB)
    opts = AnalyzeOptions()
    h = opts.settings_hash()
    files = [FoundFile("/in/a/x.wav", "1" * 64, 10, 1), FoundFile("/in/b/x.wav", "2" * 64, 10, 1),
             FoundFile("/in/c/y.wav", "1" * 64, 10, 1),  # same bytes as a/x.wav
             FoundFile("/in/e1.wav", "e" * 64, 0, 1), FoundFile("/in/e2.wav", "e" * 64, 0, 1)]  # empty files are no duplicates
    jobs = plan(files, store, tmp_path, h, False, opts)
    assert [(j.path, j.call_id) for j in jobs] == [
        ("/in/a/x.wav", "x-11111111"), ("/in/b/x.wav", "x-22222222"), ("/in/e1.wav", "e1"), ("/in/e2.wav", "e2")]
    assert store.rows["/in/c/y.wav"]["status"] == "skipped"
    assert store.rows["/in/c/y.wav"]["error"] == "duplicate of /in/a/x.wav"
    for j in jobs:
        store.put(j.path, status="failed", error="x")
    assert plan(files, store, tmp_path, h, False, opts) == []  # failed stays failed
    assert len(plan(files, store, tmp_path, h, True, opts)) == 4  # --retry-failed
    changed = opts.with_overrides(asr={"beam_size": 1})
    assert len(plan(files, store, tmp_path, changed.settings_hash(), False, changed)) == 4  # new settings
    moved = [FoundFile("/in/a/x.wav", "3" * 64, 11, 2)]  # new audio at the same path keeps its call id
    assert [j.call_id for j in plan(moved, store, tmp_path, h, False, opts)] == ["x-11111111"]
    store.close()


# --- the CLI without models ----------------------------------------------------------------------

def test_cli_exit_codes_without_models(tmp_path):
    bad = tmp_path / "bad"
    bad.mkdir()
    write_bad(bad)
    result = cli(bad, "--out", tmp_path / "out", "--quiet")
    assert result.exit_code == 1, result.output
    errors = [ln for ln in result.stderr.splitlines() if ln.startswith("error:")]
    assert len(errors) == 4 and "Traceback" not in result.output
    assert "4 files: 0 done, 4 failed, 0 skipped" in result.stdout
    (tmp_path / "none").mkdir()
    assert cli(tmp_path / "none", "--out", tmp_path / "out2", "-q").exit_code == 0  # nothing to do is no failure
    missing = cli(tmp_path / "missing", "--out", tmp_path / "out3", "-q")
    assert missing.exit_code == 2 and "input directory not found" in missing.stderr
    (tmp_path / "file").write_text("x")
    unwritable = cli(bad, "--out", tmp_path / "file" / "out", "-q")
    assert unwritable.exit_code == 2 and "the batch could not run" in unwritable.stderr
    (tmp_path / "c.toml").write_text("[asr]\nbeam = 3\n")
    assert cli(bad, "--out", tmp_path / "out4", "--config", tmp_path / "c.toml").exit_code == 2


def test_second_run_on_a_locked_out_dir_exits_2(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "out").mkdir()
    with open(tmp_path / "out" / LOCK_FILE, "w") as f:
        fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        f.write("4242")
        f.flush()
        result = cli(tmp_path / "in", "--out", tmp_path / "out", "-q")
    assert result.exit_code == 2
    assert "another batch run holds OUT_DIR (pid 4242)" in result.stderr
    assert cli(tmp_path / "in", "--out", tmp_path / "out", "-q").exit_code == 0  # released


def test_worker_crash_fails_that_call_only(tmp_path):
    write_clip(tmp_path / "in" / "a.wav", 0)
    (tmp_path / "in" / "notes.wav").write_text("geen audio\n")

    def kill_worker(event: str, call_id: str, *_):
        if event == "start" and call_id == "a":
            for p in multiprocessing.active_children():
                if p.name.startswith("coach-batch-"):
                    os.kill(p.pid, signal.SIGKILL)

    result = run_batch(tmp_path / "in", tmp_path / "out", on_event=kill_worker)
    by_id = {c["call_id"]: c for c in result.calls}
    assert by_id["a"]["status"] == "failed"
    assert by_id["a"]["error"] == "worker crashed (killed by SIGKILL; out of memory?)"
    assert by_id["notes"]["status"] == "failed" and "not a readable audio file" in by_id["notes"]["error"]
    assert result.exit_code == 1 and not (tmp_path / "out" / "a").exists()


# --- real models -----------------------------------------------------------------------------------

@pytest.mark.models
def test_first_run_state_and_index(first_run, calls_dir):
    result, out = first_run
    state = rows(out, calls_dir)
    assert {k: r["status"] for k, r in state.items()} == {
        **{k: "done" for k in GOOD}, **{k: "failed" for k in BAD}, "copy/a_copy.wav": "skipped"}
    for name, reason in BAD.items():
        assert reason in state[name]["error"], state[name]
    assert state["copy/a_copy.wav"]["error"] == f"duplicate of {state['a.wav']['path']}"
    for name in GOOD:
        r = state[name]
        assert r["attempts"] == 1 and r["duration_s"] == pytest.approx(10.0) and r["elapsed_s"] > 0
        report = json.loads((out / r["call_id"] / "analysis.json").read_text(encoding="utf-8"))
        assert report["call"]["sha256"] == r["sha256"] and report["settings"]["hash"] == r["settings_hash"]
        assert report["utterances"], name
    assert sorted(p.name for p in out.iterdir() if p.is_dir()) == ["a", "b", "c"]
    index = json.loads((out / "index.json").read_text(encoding="utf-8"))
    t = index["totals"]
    assert (t["files"], t["done"], t["failed"], t["skipped"]) == (8, 3, 4, 1)
    assert t["audio_hours"] == pytest.approx(30 / 3600, abs=1e-4) and t["calls_per_hour"] > 0
    assert t["audio_hours_per_hour"] > 0 and result.exit_code == 1
    page = (out / "index.html").read_text(encoding="utf-8")
    assert 'href="a/report.html"' in page and "duplicate of" in page and "<script" not in page


@pytest.mark.models
def test_second_run_skips_everything(first_run, calls_dir, tmp_path):
    out = copy_out(first_run[1], tmp_path)
    before = rows(out, calls_dir)
    t = time.perf_counter()
    result = run_batch(calls_dir, out)
    assert time.perf_counter() - t < 5  # no worker started, no model loaded
    assert rows(out, calls_dir) == before
    assert result.totals["analysed_this_run"] == 0 and result.exit_code == 1


@pytest.mark.models
def test_retry_failed_and_changed_settings(first_run, calls_dir, tmp_path):
    out = copy_out(first_run[1], tmp_path)
    run_batch(calls_dir, out, retry_failed=True)
    state = rows(out, calls_dir)
    assert all(state[k]["attempts"] == 2 and state[k]["status"] == "failed" for k in BAD)
    assert all(state[k]["attempts"] == 1 for k in GOOD)
    options = AnalyzeOptions().with_overrides(roles={"agent_channel": "right"})
    result = run_batch(calls_dir, out, options)
    state = rows(out, calls_dir)
    assert all(state[k]["attempts"] == 2 and state[k]["status"] == "done" for k in GOOD)  # re-done
    assert all(state[k]["attempts"] == 3 for k in BAD)  # new settings retry the failed ones too
    assert state["copy/a_copy.wav"]["status"] == "skipped"
    assert json.loads((out / "a" / "analysis.json").read_text())["settings"]["agent_channel"] == "right"
    assert result.totals["done"] == 3 and not [p for p in out.iterdir() if p.name.startswith((".tmp-", ".old-"))]


@pytest.mark.models
def test_editing_the_lexicon_redoes_done_calls(tmp_path):
    """A team edits its phrase list: the next night analyses the done calls again (settings hash)."""
    import coach

    write_clip(tmp_path / "in" / "a.wav", 0)
    lexicon = tmp_path / "team.toml"
    lexicon.write_text((Path(coach.__file__).parent / "lexicons" / "nl.toml").read_text(encoding="utf-8"))
    options = AnalyzeOptions(lexicon=str(lexicon))
    first = run_batch(tmp_path / "in", tmp_path / "out", options)
    assert first.totals["done_this_run"] == 1
    assert run_batch(tmp_path / "in", tmp_path / "out", options).totals["analysed_this_run"] == 0
    with open(lexicon, "a", encoding="utf-8") as f:
        f.write('\n[team_phrases]\nphrases = ["fijne dag verder"]\n')
    again = run_batch(tmp_path / "in", tmp_path / "out", options)
    assert again.totals["done_this_run"] == 1 and again.calls[0]["attempts"] == 2
    stamp = json.loads((tmp_path / "out" / "a" / "analysis.json").read_text(encoding="utf-8"))["settings"]["hash"]
    assert stamp == rows(tmp_path / "out", tmp_path / "in")["a.wav"]["settings_hash"]  # worker and state agree


@pytest.mark.models
def test_per_call_time_limit(tmp_path):
    write_clip(tmp_path / "in" / "a.wav", 0)
    (tmp_path / "in" / "notes.wav").write_text("geen audio\n")
    result = run_batch(tmp_path / "in", tmp_path / "out", timeout_s=3)  # a fresh worker needs longer for a.wav
    by_id = {c["call_id"]: c for c in result.calls}
    assert by_id["a"]["status"] == "failed" and by_id["a"]["error"] == "timed out after 3 s"
    assert "not a readable audio file" in by_id["notes"]["error"]  # the night goes on


@pytest.mark.models
def test_sigkill_mid_run_then_resume(tmp_path):
    """The README's scenario, through the installed command: good, corrupt and empty files, kill -9 of
    the batch process mid-run, the same command again: exit 1, every good call done once, no partial
    folder, the index present."""
    in_dir, out = tmp_path / "in", tmp_path / "out"
    write_good(in_dir)
    (in_dir / "broken.flac").write_bytes(STEREO.read_bytes()[:64] + bytes(20000))
    (in_dir / "empty.wav").write_bytes(b"")
    proc = subprocess.Popen([str(COACH), "batch", str(in_dir), "--out", str(out), "--quiet"],
                            cwd=tmp_path, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            try:
                db = sqlite3.connect(out / STATE_DB)
                status = dict(db.execute("SELECT call_id, status FROM calls").fetchall())
                db.close()
            except sqlite3.Error:
                status = {}
            if status.get("a") == "done" and status.get("b") == "running":
                break
            assert proc.poll() is None, proc.stderr.read()
            time.sleep(0.05)
        else:
            pytest.fail(f"the batch did not get to the second call: {status}")
        os.kill(proc.pid, signal.SIGKILL)  # the batch process only: its workers must die with it
        proc.wait()
        for _ in range(100):
            try:
                os.killpg(proc.pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.1)
        else:
            pytest.fail("a worker outlived the killed batch process")
    finally:
        with suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
    again = subprocess.run([str(COACH), "batch", str(in_dir), "--out", str(out), "--quiet"], cwd=tmp_path,
                           capture_output=True, text=True)
    assert again.returncode == 1, again.stderr  # the corrupt and the empty file
    assert "Traceback" not in again.stderr and again.stderr.count("error:") == 2, again.stderr
    db = sqlite3.connect(out / STATE_DB)
    state = {r[0]: r[1:] for r in db.execute("SELECT call_id, status, attempts FROM calls")}
    good = {k: v for k, v in state.items() if k in ("a", "b", "c")}
    assert good == {"a": ("done", 1), "b": ("done", 2), "c": ("done", 1)}
    assert state["broken"][0] == state["empty"][0] == "failed"
    assert sorted(p.name for p in out.iterdir() if p.is_dir()) == ["a", "b", "c"]  # no .tmp-* left, no copies
    assert all((out / c / "analysis.json").is_file() for c in good)
    index = json.loads((out / "index.json").read_text(encoding="utf-8"))
    assert (index["totals"]["done"], index["totals"]["failed"]) == (3, 2) and (out / "index.html").is_file()


@pytest.mark.models
def test_dask_local_cluster_gives_the_same_results(first_run, calls_dir, tmp_path):
    from distributed import LocalCluster

    """Dask starts its workers with one-thread OMP/MKL/OpenBLAS settings; the result must still be
    exactly that of a local worker: words, their times and probabilities, events, metrics."""
    local, local_out = first_run
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        result = run_batch(calls_dir, tmp_path / "out", scheduler=cluster.scheduler_address)
    assert [(c["path"], c["call_id"], c["status"], c["error"]) for c in result.calls] == \
        [(c["path"], c["call_id"], c["status"], c["error"]) for c in local.calls]
    done = [c["call_id"] for c in result.calls if c["status"] == "done"]
    assert len(done) == 3
    for call_id in done:
        assert analysis(tmp_path / "out", call_id) == analysis(local_out, call_id), call_id
