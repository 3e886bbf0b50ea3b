"""Lexicon files and the fuzzy phrase matcher (pure logic)."""

from __future__ import annotations

import pytest

from coach.analysis.lexicon import contains, find_phrases, load_lexicon, tokens
from coach.errors import CoachError

FUZZY = 0.75  # AnalysisOptions.fuzzy_match


def matched(text: str, phrases, fuzzy: float = FUZZY) -> list[str]:
    return [m.phrase for m in contains(text, phrases, fuzzy)]


def test_tokens_lower_case_without_punctuation():
    assert tokens("Hm-hm, ja!") == ["hm", "hm", "ja"]
    assert tokens("Dat klopt. Oké?") == ["dat", "klopt", "oké"]


def test_exact_match_scores_one():
    (m,) = contains("Ja, dat klopt helemaal.", ["dat klopt"])
    assert (m.phrase, m.start, m.end, m.score) == ("dat klopt", 1, 3, 1.0)


def test_long_word_with_a_small_typo_matches():
    (m,) = contains("Ja presies", ["precies"], FUZZY)
    assert m.score < 1.0
    assert matched("Ja presies", ["precies"], fuzzy=1.0) == []  # only when fuzzy matching is on
    assert matched("Ja prettig", ["precies"], FUZZY) == []  # too different


def test_short_word_with_one_letter_changed_matches_only_in_a_long_phrase():
    assert matched("Maar ik heb het al gedaan", ["maak ik"]) == []  # alone, "maar" is not "maak"
    assert matched("ik maar een melding", ["ik maak een melding"]) == ["ik maak een melding"]
    (m,) = contains("Ik hoog het", ["ik hoor het"], FUZZY)
    assert (m.phrase, m.start, m.end) == ("ik hoor het", 0, 3)
    assert 0.5 < m.score < 1.0
    assert matched("Ik hoog het", ["ik hoor het"], fuzzy=1.0) == []
    assert matched("ik hoogt het", ["ik hoor het"]) == []  # a letter more: not one changed letter


def test_words_of_two_letters_match_exactly():
    assert matched("je weet het", ["ja weet het"]) == []


def test_filler_words_may_stand_in_a_phrase_and_indices_cover_the_original():
    text = "Mevrouw, daar kan ik helaas niets aan doen."
    (m,) = contains(text, ["daar kan ik niets aan doen"])
    assert (m.start, m.end, m.score) == (1, 8, 1.0)
    assert " ".join(tokens(text)[m.start:m.end]) == "daar kan ik helaas niets aan doen"
    # and the other way round: a filler in the phrase is not required in the text
    assert matched("Daar kan ik niets aan doen", ["daar kan ik helaas niets aan doen"]) == [
        "daar kan ik helaas niets aan doen"]


def test_overlapping_matches_keep_the_longest():
    ms = find_phrases(tokens("ja klopt, en dat klopt"), ["klopt", "ja klopt", "dat klopt"])
    assert [(m.phrase, m.start, m.end) for m in ms] == [("ja klopt", 0, 2), ("dat klopt", 3, 5)]
    # a longer match wins over a shorter one that starts earlier
    ms = contains("Ja, dat klopt helemaal.", ["ja dat", "dat klopt helemaal"])
    assert [(m.phrase, m.start, m.end) for m in ms] == [("dat klopt helemaal", 1, 4)]


def test_packaged_lexicon():
    lex = load_lexicon()
    assert lex.name == "nl"
    assert "ik hoor het" in lex.get("backchannel")
    assert lex.get("no such list") == ()
    assert load_lexicon(language="xx").name == "nl"  # no lexicon for the language: the Dutch one


def test_custom_lexicon_file(tmp_path):
    path = tmp_path / "team.toml"
    path.write_text('[backchannel]\nnote = "Onze eigen lijst"\nphrases = ["ja", "joh", "zeker weten"]\n\n'
                    '[summary]\nphrases = ["even kijken of ik het snap"]\n', encoding="utf-8")
    lex = load_lexicon(str(path))
    assert lex.name == "team"
    assert lex.get("backchannel") == ("ja", "joh", "zeker weten")
    assert lex.get("summary") == ("even kijken of ik het snap",)
    assert lex.get("solution") == ()
    assert load_lexicon(str(path)) is lex  # cached by path


def test_lexicon_table_without_phrases(tmp_path):
    path = tmp_path / "zonder_phrases.toml"
    path.write_text('[backchannel]\nnote = "vergeten"\nwords = ["ja"]\n', encoding="utf-8")
    with pytest.raises(CoachError) as err:
        load_lexicon(str(path))
    assert "zonder_phrases.toml" in str(err.value)
    assert "[backchannel]" in str(err.value) and "phrases" in str(err.value)


def test_lexicon_phrases_not_a_list(tmp_path):
    path = tmp_path / "geen_lijst.toml"
    path.write_text('[summary]\nphrases = "als ik het goed begrijp"\n', encoding="utf-8")
    with pytest.raises(CoachError, match=r"geen_lijst\.toml.*\[summary\]"):
        load_lexicon(str(path))


def test_lexicon_invalid_toml(tmp_path):
    path = tmp_path / "kapot.toml"
    path.write_text('[backchannel\nphrases = ["ja"\n', encoding="utf-8")
    with pytest.raises(CoachError) as err:
        load_lexicon(str(path))
    assert "kapot.toml" in str(err.value) and "not valid TOML" in str(err.value)


def test_lexicon_file_not_found(tmp_path):
    path = tmp_path / "bestaat_niet.toml"
    with pytest.raises(CoachError, match=r"bestaat_niet\.toml: lexicon file not found"):
        load_lexicon(str(path))
