"""A recorded voice menu (IVR) at the start of a call: found, and left out of the analysis.

Exports often start with the menu the caller heard ("Welkom bij ... Voor vragen over uw rekening,
toets 1 ... Dit gesprek kan worden opgenomen"). It is speech, so the hold-music test
(``coach.hold``) does not find it, and as the agent's (or customer's) speech it would become talk
time, a monologue and a response gap. It is found from the words ASR heard: the first party to
speak, before the other party's first word, says phrases of the lexicon's ``[ivr]`` list (two
matches, or one of three words or more: "welkom bij" alone is also a human greeting). The stretch
ends where that party's words go on with a human greeting (``[ivr_human_start]``: "goedemiddag,
u spreekt met ...") after the last menu phrase, or else at the pause after the last menu phrase.
Its words and the speech regions of every party within it are dropped before roles and analysis,
so it is neither talk time nor dead air nor a turn; the report says so in a warning. Later in the
call nothing is looked for: an agent who says "u kunt ook op de website kijken" is not a menu.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from .analysis.lexicon import Lexicon, find_phrases, load_lexicon, tokens
from .conversation import Turn, Word, clock
from .speakers import SpeakerTurns
from .transcribe import Transcript

MAX_START_S = 15.0  # the first menu phrase comes within this many seconds of the party's first word
STRONG_WORDS = 3  # one phrase this long marks a menu on its own ("dit gesprek kan worden opgenomen")


@dataclass(frozen=True)
class Ivr:
    speaker: str  # the speaker id (channel or cluster) whose words held the menu
    start: float
    end: float
    phrases: tuple[str, ...]  # the menu phrases found (from the lexicon, not ASR's words)

    def warning(self, source: str) -> str:
        where = f" on the {self.speaker} channel" if source == "channels" else ""
        said = ", ".join(f'"{p}"' for p in dict.fromkeys(self.phrases))
        return (f"IVR menu detected at the start ({clock(self.start)}-{clock(math.ceil(self.end))}{where}, saying {said}): "
                "left out of talk time, dead air and turn-taking")


def ivr_lists(lex: Lexicon) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The ``[ivr]`` and ``[ivr_human_start]`` phrases of ``lex``; the packaged Dutch ones (which
    hold English menu phrases too) when ``lex`` has none (a team's own lexicon file)."""
    if not lex.get("ivr"):
        lex = load_lexicon("", "nl")
    return lex.get("ivr"), lex.get("ivr_human_start")


def find_ivr(words: dict[str, tuple[Word, ...]], lex: Lexicon, fuzzy: float = 0.75,
             gap_s: float = 1.0) -> tuple[Ivr, int] | None:
    """The menu at the start, and how many of its speaker's words it holds; None when there is none.

    ``fuzzy``: token similarity for misheard words (``AnalysisOptions.fuzzy_match``); ``gap_s``: a
    pause longer than this after the last menu phrase ends the menu (``utterance_gap_s``)."""
    firsts = {s: ws[0].start for s, ws in words.items() if ws}
    if not firsts:
        return None
    speaker = min(firsts, key=firsts.get)
    other_first = min((t for s, t in firsts.items() if s != speaker), default=float("inf"))
    ws = [w for w in words[speaker] if w.start < other_first]
    toks: list[str] = []
    word_of: list[int] = []  # token index -> word index
    for i, w in enumerate(ws):
        for t in tokens(w.text):
            toks.append(t)
            word_of.append(i)
    menu, human = ivr_lists(lex)
    found = find_phrases(toks, menu, fuzzy)
    if not found or ws[word_of[found[0].start]].start - ws[0].start > MAX_START_S:
        return None
    if len(found) < 2 and len(tokens(found[0].phrase)) < STRONG_WORDS:
        return None
    last = word_of[found[-1].end - 1]  # the word that ends the last menu phrase
    greeting = [m for m in find_phrases(toks, human, fuzzy) if word_of[m.start] > last]
    if greeting:
        n = word_of[greeting[0].start]
    else:
        n = last + 1
        while n < len(ws) and ws[n].start - ws[n - 1].end <= gap_s:
            n += 1
    return Ivr(speaker, ws[0].start, ws[n - 1].end, tuple(m.phrase for m in found)), n


def without_ivr(turns: SpeakerTurns, transcript: Transcript, lex: Lexicon, fuzzy: float = 0.75,
                gap_s: float = 1.0) -> tuple[SpeakerTurns, Transcript, Ivr | None]:
    """``turns`` and ``transcript`` without a menu at the start (and a warning on ``turns``), and the menu.

    The menu's words go; every speech region is cut to start after the menu's end: the end of the
    menu speaker's speech region that holds its last word (VAD regions run a little past ASR's last
    word), or the next word anyone says when that comes first (menu and agent in one region)."""
    hit = find_ivr(transcript.words, lex, fuzzy, gap_s)
    if hit is None:
        return turns, transcript, None
    ivr, n = hit
    words = dict(transcript.words)
    kept = words[ivr.speaker][n:]
    words[ivr.speaker] = kept
    nxt = min([ws[0].start for ws in words.values() if ws], default=float("inf"))
    region_end = max((t.end for t in turns.of(ivr.speaker) if t.start < ivr.end), default=ivr.end)
    ivr = replace(ivr, end=max(ivr.end, min(region_end, nxt)))
    end = ivr.end
    cut = tuple(t if t.start >= end else Turn(t.speaker, end, t.end) for t in turns.turns if t.end > end)
    recovered = tuple(t for t in turns.recovered if t.start >= end)
    turns = replace(turns, turns=cut, recovered=recovered, warnings=tuple(turns.warnings) + (ivr.warning(turns.source),))
    return turns, replace(transcript, words=words), ivr
