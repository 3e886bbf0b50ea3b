"""The one library path under analyze and batch: call ids, atomic publishing, the settings hash,
and the numeric settings that make a result independent of who runs it. Pure logic, no models run
(the settings hash reads the packaged model's weights to identify them)."""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path

import pytest

import coach
from coach import runtime
from coach.calls import CallIds, analyze_many, clean_partial, publish, safe_call_id
from coach.errors import AudioError
from coach.config import AnalyzeOptions, settings_fingerprint, settings_hash
from coach.report import read_stamp
from coach.report.model import CallReport

GOLDEN = Path(__file__).resolve().parent / "data" / "golden"
LEXICON = Path(coach.__file__).resolve().parent / "lexicons" / "nl.toml"


@pytest.fixture
def report() -> CallReport:
    return CallReport.from_dict(json.loads((GOLDEN / "report_fixture.json").read_text(encoding="utf-8")))


def fake_report(report: CallReport, out: Path, call_id: str, source: str, sha: str) -> None:
    """Publish ``report`` as if ``source`` with audio ``sha`` had been analysed into ``out/call_id``."""
    call = dataclasses.replace(report.call, id=call_id, source=source, sha256=sha)
    publish(dataclasses.replace(report, call=call), out)


def test_call_ids_one_rule(tmp_path, report):
    ids = CallIds(tmp_path).assign([("/a/x.wav", "1" * 64), ("/b/x.wav", "2" * 64), ("/c/y.wav", "3" * 64)])
    assert ids == ["x-11111111", "x-22222222", "y"]  # a shared stem: both suffixed, order does not matter
    assert CallIds(tmp_path).assign([("/b/x.wav", "2" * 64), ("/a/x.wav", "1" * 64)]) == ["x-22222222", "x-11111111"]
    fake_report(report, tmp_path, "z", "/old/z.wav", "4" * 64)  # an earlier analyze run in OUT_DIR
    assert CallIds(tmp_path).assign([("/new/z.wav", "5" * 64)]) == ["z-55555555"]  # other recording
    assert CallIds(tmp_path).assign([("/new/z.wav", "4" * 64)]) == ["z"]  # the same audio: the same call
    assert CallIds(tmp_path).assign([("/old/z.wav", "6" * 64)]) == ["z"]  # the same file, edited: same place
    owners = {"x-99999999": "/a/x.wav"}  # the batch state: a path keeps the id it was given
    assert CallIds(tmp_path, owners).assign([("/a/x.wav", "1" * 64)]) == ["x-99999999"]
    assert CallIds(tmp_path, {"w": "/p/w.wav"}).assign([("/q/w.wav", "7" * 64)]) == ["w-77777777"]
    assert safe_call_id("/in/Klant gesprek (1).wav") == "Klant_gesprek_1"


def test_publish_replaces_a_folder_whole_and_leaves_no_temp(tmp_path, report):
    fake_report(report, tmp_path, "call", "/in/call.wav", "a" * 64)
    (tmp_path / "call" / "stale.txt").write_text("from an older run")
    fake_report(report, tmp_path, "call", "/in/call.wav", "b" * 64)
    assert read_stamp(tmp_path / "call").sha256 == "b" * 64
    assert not (tmp_path / "call" / "stale.txt").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["call"]
    assert {p.name for p in (tmp_path / "call").iterdir()} == {
        "analysis.json", "report.html", "report.md", "call.rttm", "call.srt", "call.vtt"}
    assert oct((tmp_path / "call").stat().st_mode & 0o777) != oct(0o700)  # an ordinary folder, not mkdtemp's
    (tmp_path / ".tmp-x-123").mkdir()
    (tmp_path / ".old-x-123").mkdir()
    clean_partial(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["call"]
    assert read_stamp(tmp_path / "missing") is None


def test_analyze_many_isolates_failures_and_publishes(tmp_path, report, monkeypatch):
    """analyze_many with the audio analysis replaced (pure logic): ids, order, failure lines."""
    import coach.pipeline

    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    good, twin = tmp_path / "a" / "call.wav", tmp_path / "b" / "call.wav"
    good.write_bytes(b"one")
    twin.write_bytes(b"two")

    def fake_analyze(path, options=None, call_id=None, hook=None):
        if not Path(path).exists():
            raise AudioError("file not found", path)
        if Path(path).parent.name == "b":
            raise RuntimeError("decoder exploded\nsecond line")
        return dataclasses.replace(report, call=dataclasses.replace(report.call, id=call_id, source=str(path)))

    monkeypatch.setattr(coach.pipeline, "analyze_file", fake_analyze)
    results = analyze_many([good, twin, tmp_path / "missing.wav"], tmp_path / "out")
    assert [r.call_id[:5] for r in results] == ["call-", "call-", "missi"]
    assert results[0].ok and Path(results[0].folder, "analysis.json").is_file()
    assert results[1].error == "unexpected failure (RuntimeError: decoder exploded)"
    assert results[2].error == "file not found"  # the reason alone; the CLI prefixes the file
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [results[0].call_id]


def test_settings_hash_covers_version_lexicon_and_model(tmp_path, monkeypatch):
    opts = AnalyzeOptions()
    base = settings_hash(opts)
    assert base == opts.settings_hash() == settings_hash(AnalyzeOptions())
    fp = settings_fingerprint(opts)
    assert len(fp["asr_model"]) == 64 and len(fp["lexicon"]) == 64 and fp["coach"] == coach.__version__
    # a team's lexicon: its contents count, not its name; an edit changes the hash
    mine = tmp_path / "team.toml"
    mine.write_text(LEXICON.read_text(encoding="utf-8"), encoding="utf-8")
    with_file = AnalyzeOptions(lexicon=str(mine))
    h1 = settings_hash(with_file)
    with open(mine, "a", encoding="utf-8") as f:
        f.write('\n[team_phrases]\nphrases = ["fijne dag verder"]\n')
    os.utime(mine, ns=(1, 1))  # even with an mtime that goes back in time
    assert settings_hash(with_file) != h1
    # another coach version
    monkeypatch.setattr(coach, "__version__", "99.0.0")
    assert settings_hash(opts) != base
    monkeypatch.undo()
    # another model: identified by its weights, not by its name
    from coach import models

    monkeypatch.setattr(models, "model_identity", lambda spec, allow=False: "f" * 64)
    assert settings_hash(opts) != base
    # the report options are not settings: they re-render, they do not re-analyse
    assert "render" not in json.dumps(fp)


def test_numeric_settings_are_fixed_whatever_the_caller_had(monkeypatch):
    """Dask starts workers with OMP/MKL/OPENBLAS_NUM_THREADS=1, a shell may have other values: coach
    sets BLAS to one thread in every process that runs its models (see coach.runtime)."""
    from threadpoolctl import threadpool_info

    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "7")
    monkeypatch.setenv("MKL_NUM_THREADS", "7")
    runtime.prepare()
    assert os.environ["OPENBLAS_NUM_THREADS"] == "1" and os.environ["MKL_NUM_THREADS"] == "1"
    assert os.environ["PYANNOTE_METRICS_ENABLED"] == "false"
    import numpy  # noqa: F401 - loads OpenBLAS

    info = runtime.apply(threads=2)
    assert info == {"threads": 2, "blas_threads": 1}
    assert all(i["num_threads"] == 1 for i in threadpool_info() if i["user_api"] == "blas")
