"""Phrase lists (a team edits ``coach/lexicons/<language>.toml``, not code) and matching them in
ASR text that is often slightly wrong ("Ik hoog het" for "Ik hoor het").

A lexicon file has one TOML table per list; each table has ``phrases = [...]`` and an optional
``note``. Matching works on normalised tokens (lower case, no punctuation); with ``fuzzy`` below
1.0 a token of five letters or more matches a similar one (``rapidfuzz`` ratio), and a shorter one
differing in one letter inside a phrase of three words or more, so a misheard cue is still found.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Iterable

from rapidfuzz.fuzz import ratio

from ..config import read_toml
from ..errors import CoachError

LEXICON_DIR = Path(__file__).resolve().parent.parent / "lexicons"
# words that may stand anywhere in a phrase without changing it ("daar kan ik helaas niets aan doen")
FILLERS = frozenset({"helaas", "ook", "gewoon", "even", "eigenlijk", "nou"})
STRICT_FUZZY = 0.9  # single words at a question's start and time words: "zorgen" must not pass for "morgen"
# words a close spelling must not stand for: "something" is no ASR error of "nothing" ("there's
# something I can do" is no door-closing); they match exactly
EXACT_ONLY = frozenset({"nothing", "something", "anything", "everything", "nobody", "somebody", "anybody",
                        "never", "ever", "cannot", "can't", "won't", "don't", "isn't"})
MIN_CONTENT_LEN = 3  # shorter tokens are never content words


@dataclass(frozen=True)
class Lexicon:
    name: str
    lists: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def get(self, name: str) -> tuple[str, ...]:
        return self.lists.get(name, ())

    @cached_property
    def stopwords(self) -> frozenset[str]:
        """The tokens of the ``[stopwords]`` list: words that carry no topic."""
        return frozenset(t for p in self.get("stopwords") for t in tokens(p))

    def content_words(self, toks: Iterable[str]) -> list[str]:
        """The tokens (see ``tokens``) that carry a topic: not in ``[stopwords]``, at least
        ``MIN_CONTENT_LEN`` letters; in their order, repeats kept."""
        stop = self.stopwords
        return [t for t in toks if len(t) >= MIN_CONTENT_LEN and t not in stop]


def lexicon_file(path: str = "", language: str = "nl") -> Path:
    """The lexicon file in use: ``path``, or the packaged one for ``language`` (Dutch when there is none)."""
    p = Path(path) if path else LEXICON_DIR / f"{language}.toml"
    return p if path or p.is_file() else LEXICON_DIR / "nl.toml"


def has_lexicon(path: str, language: str) -> bool:
    """Whether phrase lists exist for ``language``: a team's own file (``path``), or a packaged one."""
    return bool(path) or not language or (LEXICON_DIR / f"{language}.toml").is_file()


def analysis_lexicon(path: str, language: str) -> Lexicon:
    """The lexicon the analysis runs with: ``load_lexicon``, or, for a language without one, an empty
    lexicon: no language-based observations (summary, solution, questions, empathy, service language,
    closing check) rather than the Dutch lists run over another language; timing observations stay."""
    return load_lexicon(path, language) if has_lexicon(path, language) else Lexicon(name=language, lists={})


def missing_lexicon_warning(path: str, language: str) -> str | None:
    """The report's warning when ``language`` has no lexicon (see ``analysis_lexicon``); else None."""
    if has_lexicon(path, language):
        return None
    return (f"no lexicon for language '{language}': no language-based observations (summary, solution, "
            "questions, empathy, service language, closing check); timing only")


def load_lexicon(path: str = "", language: str = "nl") -> Lexicon:
    """The lexicon at ``path``, or the packaged one for ``language`` (Dutch when there is none).

    Read again when the file changes (a long-lived batch or Dask worker sees a team's edit)."""
    p = lexicon_file(path, language)
    try:
        st = p.stat()
        stamp = (st.st_size, st.st_mtime_ns)
    except OSError:
        stamp = None  # read_toml says what is wrong
    return _load(str(p), stamp)


@lru_cache(maxsize=8)
def _load(path: str, stamp: tuple[int, int] | None) -> Lexicon:  # stamp: part of the cache key only
    p = Path(path)
    data = read_toml(p, "lexicon file")
    lists = {}
    for name, table in data.items():
        if not isinstance(table, dict) or not isinstance(table.get("phrases"), list):
            raise CoachError(f"[{name}] needs a list `phrases = [...]`", p)
        lists[name] = tuple(str(x) for x in table["phrases"])
    return Lexicon(name=p.stem, lists=lists)


def tokens(text: str) -> list[str]:
    """Lower-case word tokens without punctuation ("Hm-hm, ja!" -> ["hm", "hm", "ja"])."""
    return re.findall(r"[\w']+", text.lower().replace("-", " "))


def _similar(a: str, b: str, fuzzy: float, in_long_phrase: bool = False) -> bool:
    if a == b:
        return True
    if fuzzy >= 1.0 or min(len(a), len(b)) < 3 or a in EXACT_ONLY or b in EXACT_ONLY:
        return False  # short words ("ja", "nu") must match exactly
    if min(len(a), len(b)) <= 4:
        # short words: one wrong letter only inside a phrase of 3+ words ("met" for "het" in
        # "als ik het goed begrijp", "hoog" for "hoor"), where the other words carry the match;
        # alone, "maar" is not "maak"
        return in_long_phrase and len(a) == len(b) and sum(x != y for x, y in zip(a, b)) == 1
    return ratio(a, b) / 100 >= fuzzy  # RapidFuzz: 2 x longest common subsequence / both lengths


@dataclass(frozen=True)
class Match:
    phrase: str
    start: int  # token index in the searched token list
    end: int  # exclusive
    score: float  # 1.0 exact, lower when fuzzy


@lru_cache(maxsize=4096)
def _phrase_tokens(phrase: str) -> tuple[str, ...]:
    """A phrase's tokens without fillers, tokenised once per process (not once per utterance)."""
    return tuple(t for t in tokens(phrase) if t not in FILLERS)


def find_phrases(words: list[str], phrases: tuple[str, ...] | list[str], fuzzy: float = 1.0) -> list[Match]:
    """Every occurrence of any phrase in the token list ``words`` (see ``tokens``), longest first
    where they overlap."""
    found: list[Match] = []
    kept = [i for i, w in enumerate(words) if w not in FILLERS]  # "daar kan ik helaas niets aan doen"
    text = [words[i] for i in kept]
    for phrase in phrases:
        ph = _phrase_tokens(phrase)
        n = len(ph)
        if not n:
            continue
        first = ph[0]
        for i in range(len(text) - n + 1):
            if not _similar(text[i], first, fuzzy, n >= 3):  # most positions end here: no slice, no generator
                continue
            window = text[i:i + n]
            if all(_similar(w, p, fuzzy, n >= 3) for w, p in zip(window, ph)):
                exact = sum(w == p for w, p in zip(window, ph)) / n
                found.append(Match(phrase, kept[i], kept[i + n - 1] + 1, round(0.5 + 0.5 * exact, 3)))
    found.sort(key=lambda m: (-(m.end - m.start), m.start))
    taken: set[int] = set()
    out = []
    for m in found:
        span = set(range(m.start, m.end))
        if span & taken:
            continue
        taken |= span
        out.append(m)
    return sorted(out, key=lambda m: m.start)


def contains(text: str, phrases: tuple[str, ...] | list[str], fuzzy: float = 1.0) -> list[Match]:
    return find_phrases(tokens(text), phrases, fuzzy)
