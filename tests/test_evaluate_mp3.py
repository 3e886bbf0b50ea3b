"""`coach evaluate --copy mp3`: the 32 kbit/s stereo MP3 copies of the dev calls (coach.evaluate.mp3_copies)."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from coach.evaluate import dev_scripts_hash, mp3_copies

SHARED = __import__("pathlib").Path(__file__).resolve().parents[2] / "shared" / "data" / "dev_calls"


def _dev(tmp_path, ids=("d01_a", "d02_b")):
    dev = tmp_path / "dev_calls"
    for sub in ("scripts", "stereo16k", "truth"):
        (dev / sub).mkdir(parents=True)
    for i in ids:
        (dev / "stereo16k" / f"{i}.flac").write_bytes(b"")
    return dev, [dev / "stereo16k" / f"{i}.flac" for i in ids]


def test_made_copies_are_reused_without_the_generator(tmp_path):
    dev, stereo = _dev(tmp_path)
    cache = tmp_path / "cache"
    for i in ("d01_a", "d02_b"):
        (cache / "mp3").mkdir(parents=True, exist_ok=True)
        (cache / "truth").mkdir(exist_ok=True)
        (cache / "mp3" / f"{i}.mp3").write_bytes(b"x")
        (cache / "truth" / f"{i}.truth.json").write_text("{}")
    # dev has no make_calls.py: reaching the generator would fail
    assert mp3_copies(stereo, dev, cache) == [cache / "mp3" / "d01_a.mp3", cache / "mp3" / "d02_b.mp3"]


def test_the_cache_folder_is_keyed_by_the_generator_and_the_scripts(tmp_path, monkeypatch):
    """Changed dev scripts (or a changed make_calls.py) never reuse the copies made from the old ones."""
    dev, stereo = _dev(tmp_path)
    (dev / "make_calls.py").write_text("import sys\nsys.exit('the generator ran')\n")
    (dev / "scripts" / "d01_a.json").write_text('{"lines": ["Goedemorgen."]}')
    (dev / "scripts" / "d02_b.json").write_text('{"lines": ["Dag."]}')
    (dev / "README.md").write_text("not part of the key")
    first = dev_scripts_hash(dev)
    assert len(first) == 8 and int(first, 16) >= 0 and dev_scripts_hash(dev) == first
    (dev / "README.md").write_text("changed, still not part of the key")
    assert dev_scripts_hash(dev) == first
    monkeypatch.setenv("COACH_DEVSET_DIR", str(tmp_path / "devset"))
    cache = tmp_path / "devset" / "mp3" / first
    for sub, suffix in (("mp3", ".mp3"), ("truth", ".truth.json")):
        (cache / sub).mkdir(parents=True)
        for i in ("d01_a", "d02_b"):
            (cache / sub / f"{i}{suffix}").write_text("x")
    # the default folder is the one of these scripts: reused, the generator never runs
    assert mp3_copies(stereo, dev) == [cache / "mp3" / "d01_a.mp3", cache / "mp3" / "d02_b.mp3"]
    # a changed script: another folder, with no copies in it, so the generator is asked (and here fails)
    (dev / "scripts" / "d02_b.json").write_text('{"lines": ["Dag, tot ziens."]}')
    second = dev_scripts_hash(dev)
    assert second != first
    with pytest.raises(RuntimeError, match="not found|making the MP3 copies failed"):
        mp3_copies(stereo, dev)
    assert not (tmp_path / "devset" / "mp3" / second / "mp3").exists()
    # a changed generator, or a script added, changes the key too
    (dev / "make_calls.py").write_text("import sys\nsys.exit('another generator')\n")
    third = dev_scripts_hash(dev)
    (dev / "scripts" / "d03_c.json").write_text("{}")
    assert len({first, second, third, dev_scripts_hash(dev)}) == 4


def test_a_failing_generator_is_one_line(tmp_path):
    dev, stereo = _dev(tmp_path)
    (dev / "make_calls.py").write_text("import sys\nsys.exit('no voices here')\n")
    if not all(shutil.which(t) for t in ("ffmpeg", "espeak-ng", "sox")):
        with pytest.raises(RuntimeError, match="not found"):
            mp3_copies(stereo, dev, tmp_path / "cache")
        return
    with pytest.raises(RuntimeError) as e:
        mp3_copies(stereo, dev, tmp_path / "cache")
    assert "make_calls.py: making the MP3 copies failed" in str(e.value) and "\n" not in str(e.value)
    assert not list((tmp_path / "cache").glob(".tmp-*"))  # no half-made folder left


@pytest.mark.skipif(not (SHARED / "scripts").is_dir() or not all(shutil.which(t) for t in ("ffmpeg", "espeak-ng", "sox")),
                    reason="needs the shared dev calls, ffmpeg, espeak-ng and sox")
def test_a_real_mp3_copy_keeps_both_channels_and_the_truth(tmp_path):
    call = sorted((SHARED / "stereo16k").glob("d05_*.flac"))[:1]
    (made,) = mp3_copies(call, SHARED, tmp_path / "cache")
    probe = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "stream=channels,bit_rate,codec_name",
                            "-of", "json", str(made)], capture_output=True, text=True, check=True)
    (stream,) = json.loads(probe.stdout)["streams"]
    assert stream["codec_name"] == "mp3" and stream["channels"] == 2 and int(stream["bit_rate"]) == 32000
    truth = json.loads((tmp_path / "cache" / "truth" / f"{made.stem}.truth.json").read_text())
    shared = json.loads((SHARED / "truth" / f"{made.stem}.truth.json").read_text())
    assert truth["utterances"] == shared["utterances"] and truth["events"] == shared["events"]


def test_installed_coach_evaluate_copy_mp3_bad_dev_folder(tmp_path):
    from conftest import COACH

    r = subprocess.run([str(COACH), "evaluate", "--set", "dev", "--copy", "mp3", "--what", "language",
                        "--dev-calls", str(tmp_path / "nowhere"), "--out", str(tmp_path / "out")],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 1
    assert "dev calls not found" in r.stderr and "Traceback" not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


def test_installed_coach_evaluate_copy_mp3_scores_the_cached_copies(tmp_path):
    """`coach evaluate --copy mp3 --reuse`: the MP3 copies from the cache (COACH_DEVSET_DIR), their stored
    analyses in OUT/dev-mp3/, the language table with how often the marked ones were right. No models."""
    import os

    from conftest import COACH
    from test_evaluate_language import TRUTH, stored_analysis

    dev, _ = _dev(tmp_path, ids=("d01_pas",))
    (dev / "truth" / "d01_pas.truth.json").write_text(json.dumps(dict(TRUTH, call_id="d01_pas")))
    cache = tmp_path / "devset" / "mp3" / dev_scripts_hash(dev)  # the folder of these scripts and generator
    (cache / "mp3").mkdir(parents=True)
    (cache / "truth").mkdir()
    (cache / "mp3" / "d01_pas.mp3").write_bytes(b"")  # never read: --reuse
    (cache / "truth" / "d01_pas.truth.json").write_text(json.dumps(dict(TRUTH, call_id="d01_pas")))
    (tmp_path / "out" / "dev-mp3" / "d01_pas").mkdir(parents=True)
    (tmp_path / "out" / "dev-mp3" / "d01_pas" / "analysis.json").write_text(json.dumps(stored_analysis()))
    r = subprocess.run([str(COACH), "evaluate", "--set", "dev", "--copy", "mp3", "--split", "tune",
                        "--dev-calls", str(dev), "--out", str(tmp_path / "out"), "--reuse", "--what", "language",
                        "--json", str(tmp_path / "r.json")], capture_output=True, text=True, timeout=300,
                       env=dict(os.environ, COACH_DEVSET_DIR=str(tmp_path / "devset")))
    assert r.returncode == 0, r.stderr
    assert "dev-mp3 (tune): summary_before_solution right on 1 of 1 calls" in r.stdout
    assert "marked 'niet zeker' (below 0.85)" in r.stdout
    totals = json.loads((tmp_path / "r.json").read_text())["sets"]["dev-mp3"]["language"]["totals"]
    assert totals["solution"]["true_positives"] == 1 and totals["summary"]["true_positives"] == 1
    assert sum(totals["marked_unsure"]["unsure"][1:]) + sum(totals["marked_unsure"]["sure"][1:]) == 2
