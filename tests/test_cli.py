"""The command line (typer's CliRunner): help texts, bad inputs, several files at once."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from typer.testing import CliRunner

from coach.cli import app
from conftest import ROOT, STEREO

runner = CliRunner()
COMMANDS = [c.name or c.callback.__name__ for c in app.registered_commands]


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_and_is_in_the_readme(command):
    result = run(command, "--help")
    assert result.exit_code == 0, result.output
    assert "Usage" in result.output
    assert f"coach {command}" in (ROOT / "README.md").read_text(encoding="utf-8")


def test_version_and_no_args():
    assert "coach 0." in run("--version").output
    assert "analyze" in run().output


@pytest.fixture
def bad_inputs(tmp_path) -> dict[str, Path]:
    (tmp_path / "empty.wav").write_bytes(b"")
    (tmp_path / "notes.wav").write_text("geen audio\n" * 50)
    sf.write(tmp_path / "three.wav", np.full((16000, 3), 0.1, np.float32), 16000)
    sf.write(tmp_path / "silence.wav", np.zeros((5 * 16000, 2), np.float32), 16000)
    sf.write(tmp_path / "zero.wav", np.zeros((0, 1), np.float32), 16000)
    return {
        "missing": tmp_path / "missing.mp3",
        "empty": tmp_path / "empty.wav",
        "not audio": tmp_path / "notes.wav",
        "3 channels": tmp_path / "three.wav",
        "silence": tmp_path / "silence.wav",
        "zero-length": tmp_path / "zero.wav",
        "directory": tmp_path,
    }


@pytest.mark.parametrize("kind,reason", [
    ("missing", "file not found"), ("empty", "empty file"), ("not audio", "not a readable audio file"),
    ("3 channels", "3 audio channels"), ("silence", "silent recording"), ("zero-length", ""),
    ("directory", "directory"),
])
def test_bad_input_is_one_line_and_exit_1(bad_inputs, tmp_path, kind, reason):
    path = bad_inputs[kind]
    result = run("analyze", path, "--out", tmp_path / "out", "--quiet")
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    lines = [ln for ln in result.stderr.splitlines() if ln.startswith("error:")]
    assert len(lines) == 1, result.stderr
    assert str(path) in lines[0] and reason in lines[0]
    assert not (tmp_path / "out" / path.stem / "analysis.json").exists()


def test_bad_config_is_one_line(tmp_path):
    (tmp_path / "c.toml").write_text("[asr]\nbeam = 3\n")
    result = run("analyze", STEREO, "--config", tmp_path / "c.toml", "--out", tmp_path)
    assert result.exit_code == 1 and "unknown setting(s) in [asr]: beam" in result.stderr
    assert "Traceback" not in result.output


@pytest.mark.models
def test_good_call_completes_beside_bad_ones(bad_inputs, tmp_path):
    out = tmp_path / "reports"
    copy = tmp_path / "dup" / STEREO.name  # same stem, same audio: same report folder
    copy.parent.mkdir()
    shutil.copy(STEREO, copy)
    result = run("analyze", bad_inputs["not audio"], STEREO, bad_inputs["empty"], "--out", out,
                 "--agent-channel", "left", "--language", "nl")
    assert result.exit_code == 1, result.output
    assert result.stderr.count("error:") == 2 and "Traceback" not in result.output
    report = json.loads((out / "support_call_stereo" / "analysis.json").read_text(encoding="utf-8"))
    assert report["call"]["agent"] == "left" and report["utterances"]
    assert not [p for p in out.rglob("*") if p.name.startswith(".")], "temp files left behind"


@pytest.mark.models
def test_two_inputs_with_one_name_get_two_folders(tmp_path):
    data, sr = sf.read(STEREO, dtype="float32", frames=12 * 16000)
    a, b = tmp_path / "a" / "call.wav", tmp_path / "b" / "call.wav"
    for p, x in ((a, data), (b, data[::-1].copy())):  # different audio, same file name
        p.parent.mkdir()
        sf.write(p, x, sr)
    result = run("analyze", a, b, "--out", tmp_path / "out", "--quiet", "--agent-channel", "auto")
    assert result.exit_code == 0, result.stderr
    folders = sorted(p.name for p in (tmp_path / "out").iterdir())
    # the rule of coach batch too: both get their sha256 prefix, whichever came first
    assert len(folders) == 2 and all(f.startswith("call-") and len(f) == len("call-") + 8 for f in folders)
    sources = {json.loads((tmp_path / "out" / f / "analysis.json").read_text())["call"]["source"] for f in folders}
    assert sources == {str(a), str(b)}


@pytest.mark.models
def test_doctor_finds_the_offline_models():
    result = run("doctor")
    assert result.exit_code == 0, result.output
    assert "ASR model loads" in result.output and "diarization loads" in result.output
    assert "FAIL" not in result.output


@pytest.mark.parametrize("model,reason", [
    ("large-v3-turbo", "add --allow-download"),
    ("/nonexistent/whisper-dir", "model directory not found"),
])
def test_bad_model_is_one_line_before_any_work(tmp_path, model, reason):
    result = run("analyze", STEREO, "--model", model, "--out", tmp_path / "out")
    assert result.exit_code == 1 and reason in result.stderr and "Traceback" not in result.output
    assert not (tmp_path / "out").exists()
