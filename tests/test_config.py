"""Options: defaults, TOML files, overrides, settings hash."""

from __future__ import annotations

import pytest

from coach.config import AnalyzeOptions
from coach.errors import CoachError


def test_toml_overrides_and_hash(tmp_path):
    f = tmp_path / "coach.toml"
    f.write_text('[asr]\nlanguage = "en"\nbeam_size = 1\n\n[leak]\nmargin_db = 15.0\n\n'
                 '[roles]\ngreetings = ["goedendag"]\n', encoding="utf-8")
    opts = AnalyzeOptions.from_toml(f)
    assert opts.asr.language == "en" and opts.asr.beam_size == 1 and opts.leak.margin_db == 15.0
    assert opts.roles.greetings == ("goedendag",)
    assert opts.vad == AnalyzeOptions().vad
    assert opts.settings_hash() != AnalyzeOptions().settings_hash()
    cli = opts.with_overrides(asr={"language": "nl", "model": None}, roles={"agent_channel": None})
    assert cli.asr.language == "nl" and cli.asr.beam_size == 1 and cli.roles.agent_channel == "left"


@pytest.mark.parametrize("text,match", [
    ("[asr]\nlanguag = 'nl'\n", "unknown setting"),
    ("[nonsense]\nx = 1\n", "unknown setting or table"),
    ("[asr\n", "not valid TOML"),
])
def test_bad_config_files_are_one_line_errors(tmp_path, text, match):
    f = tmp_path / "bad.toml"
    f.write_text(text, encoding="utf-8")
    with pytest.raises(CoachError, match=match) as e:
        AnalyzeOptions.from_toml(f)
    assert str(f) in str(e.value)


def test_missing_config_file(tmp_path):
    with pytest.raises(CoachError, match="config file not found"):
        AnalyzeOptions.from_toml(tmp_path / "nope.toml")
