"""Every command through the installed executable (``.venv/bin/coach``, pip's console-script entry
point made by ./scripts/setup), in a subprocess, as a user runs it: --help, analyze, batch with two
workers, report, session, doctor. And the same call gives the same analysis whoever runs it:
``coach analyze`` in this process's way and a batch worker pinned to one core."""

from __future__ import annotations

import json
import os
import subprocess
from importlib import metadata
from pathlib import Path

import pytest
import soundfile as sf

from conftest import COACH, MONO, STEREO

pytestmark = pytest.mark.models


def coach(*args, cwd: Path) -> subprocess.CompletedProcess:
    assert COACH.is_file() and os.access(COACH, os.X_OK), f"{COACH} missing: run ./scripts/setup"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OMP_", "MKL_", "OPENBLAS_"))}
    return subprocess.run([str(COACH), *map(str, args)], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=900)


def found(folder: Path) -> dict:
    """Everything a call's analysis found (not its timings or where the file was)."""
    d = json.loads((folder / "analysis.json").read_text(encoding="utf-8"))
    d["call"].pop("source")
    return {k: d[k] for k in ("call", "utterances", "turns", "roles", "metrics", "events", "reflection", "prosody",
                              "settings", "warnings")}


def clean(stderr: str) -> None:
    for bad in ("Traceback", "torchcodec", "Permission denied", "another batch run"):
        assert bad not in stderr, stderr


@pytest.fixture(scope="module")
def work(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("installed")
    calls = root / "calls"
    calls.mkdir()
    data, sr = sf.read(STEREO, dtype="float32", start=20 * sr_of(STEREO), frames=12 * sr_of(STEREO))
    sf.write(calls / "stereo.wav", data, sr)
    data, sr = sf.read(MONO, dtype="float32", frames=15 * sr_of(MONO))
    sf.write(calls / "mono.flac", data, sr, format="FLAC")
    (calls / "kapot.wav").write_text("geen audio\n" * 20)
    return root


def sr_of(path: Path) -> int:
    return sf.info(path).samplerate


def test_help(work):
    r = coach("--help", cwd=work)
    assert r.returncode == 0 and all(c in r.stdout for c in ("analyze", "batch", "report", "session", "doctor"))
    r = coach("batch", "--help", cwd=work)
    assert r.returncode == 0 and "--workers" in r.stdout and "--agent-channel" in r.stdout


@pytest.fixture(scope="module")
def analyzed(work) -> Path:
    r = coach("analyze", work / "calls" / "stereo.wav", work / "calls" / "mono.flac", "--out", work / "analyze",
              "--quiet", cwd=work)
    assert r.returncode == 0, r.stderr
    clean(r.stderr)
    return work / "analyze"


@pytest.fixture(scope="module")
def batched(work) -> tuple[Path, subprocess.CompletedProcess]:
    r = coach("batch", work / "calls", "--out", work / "batch", "--workers", "2", "--quiet", cwd=work)
    return work / "batch", r


def test_batch_with_two_workers(batched, work):
    out, r = batched
    assert r.returncode == 1, r.stderr  # kapot.wav
    clean(r.stderr)
    errors = [ln for ln in r.stderr.splitlines() if ln.startswith("error:")]
    assert len(errors) == 1 and "kapot.wav: not a readable audio file" in errors[0]
    assert "3 files: 2 done, 1 failed" in r.stdout
    assert sorted(p.name for p in out.iterdir() if p.is_dir()) == ["mono", "stereo"]
    again = coach("batch", work / "calls", "--out", out, "--workers", "2", "--quiet", cwd=work)
    assert again.returncode == 1 and "This run: 0 calls" in again.stdout  # done calls are kept


def test_same_analysis_from_analyze_and_from_a_batch_worker(analyzed, batched):
    """analyze runs the models on both cores; each of two batch workers is pinned to one core, in a
    process started another way. The analysis must be the same, to the last word probability."""
    out, _ = batched
    for call in ("stereo", "mono"):
        assert found(analyzed / call) == found(out / call), call


def test_report_and_session(batched, work):
    out, _ = batched
    r = coach("report", out / "stereo", "--report-language", "en", cwd=work)
    assert r.returncode == 0, r.stderr
    assert "## " in (out / "stereo" / "report.md").read_text(encoding="utf-8")
    r = coach("session", out / "stereo", out / "mono" / "analysis.json", "--out", work / "session.html", cwd=work)
    assert r.returncode == 0, r.stderr
    assert 'id="goal"' in (work / "session.html").read_text(encoding="utf-8")
    r = coach("report", work / "calls" / "kapot.wav", cwd=work)
    assert r.returncode == 1 and r.stderr.startswith("error:") and "Traceback" not in r.stderr


def test_doctor(work):
    r = coach("doctor", cwd=work)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "FAIL" not in r.stdout and "ASR model loads" in r.stdout and "threads: openblas" in r.stdout
    deduce = next(line for line in r.stdout.splitlines() if "│ deduce" in line)  # the library and its version
    assert "ok" in deduce and metadata.version("deduce") in deduce
    assert "redaction works" in r.stdout and "[naam]" in r.stdout
