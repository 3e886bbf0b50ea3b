"""Which speaker is the agent, from several cues, with a confidence.

Stereo with a configured channel (``left`` or ``right``): that channel, always (the user's
setting wins); the cues below only add a warning when they say, with confidence, that the other
channel is the agent. ``auto`` (and always for mono): each speaker gets a score, the sum of the
cues found in their words, each a weight (log-odds, ``CUES``) times how often it was found (up to
a cap):

=====================  ======  ===  =============================================================
cue                    weight  cap  found when the speaker ...
=====================  ======  ===  =============================================================
org_intro              +2.0    1    introduces an organisation or department ("klantenservice",
                                    "thank you for calling", "met Ilse van de bank": an intro lead,
                                    1-3 words, an organisation link), in the opening ``window_s``
self_intro             +0.8    1    says "u spreekt met" in the opening (customers do too)
service_question       +2.5    1    offers help ("waarmee kan ik u helpen", "how can I help"; or
                                    "kan ik", up to 3 words, "helpen": "waar kan ik jullie helpen")
details_request        +1.0    2    asks for identifying details ("mag ik uw postcode")
commitment             +0.4    4    explains procedures, commits to actions ("ik zal", "u krijgt")
outbound_intro         +2.5    1    calls the other ("ik bel u namens", "I'm calling from")
customer_request       -1.2    2    states a reason for calling, asks for help ("ik bel over",
                                    "kunt u mij helpen")
address_words          +1.5    -    speaks about the other more than about themself: (a - o) / (a + o + 2),
                                    a: "u", "uw" ("your"), o: "ik", "mijn" ("my"); single words
phone_answer           -1.0    1    opens the call with a bare answer ("Hallo?", "Met Jansen."):
                                    the one called, in an outbound call the customer
spoke_first            +0.4    1    speaks first without a bare answer (inbound: the agent answers)
=====================  ======  ===  =============================================================

The phrases are lists in the lexicon of the call's language (``[role_*]`` in
``coach/lexicons/nl.toml`` / ``en.toml``), matched with the fuzzy matcher of
``coach.analysis.lexicon`` so that a misheard cue is still found. The agent is the speaker with the
highest score; its probability is the softmax of the scores (for two speakers: the logistic of the
score difference), reported as the confidence (0.5-1 for two speakers). Below
``RoleOptions.min_confidence`` a warning says the roles may be swapped; so it does, whatever the
confidence, on a mono call whose two voices could not be told apart (``SpeakerTurns.separation``): the
cues' confidence assumes each diarized speaker is one party. Who spoke first is one
weak cue, never a silent fallback.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from ..analysis.lexicon import Lexicon, find_phrases, load_lexicon, tokens
from ..config import RoleOptions
from ..conversation import Word
from . import SpeakerTurns


@dataclass(frozen=True)
class Cue:
    name: str
    weight: float
    cap: int
    opening_only: bool  # only in the first ``window_s`` seconds of the call
    label: str  # in words, for the report


CUES = (
    Cue("org_intro", 2.0, 1, True, "introduces an organisation"),
    Cue("self_intro", 0.8, 1, True, "introduces themself"),
    Cue("service_question", 2.5, 1, False, "offers help"),
    Cue("details_request", 1.0, 2, False, "asks for identifying details"),
    Cue("commitment", 0.4, 4, False, "explains procedures, commits to actions"),
    Cue("outbound_intro", 2.5, 1, True, "calls on behalf of an organisation"),
    Cue("customer_request", -1.2, 2, False, "states a reason for calling"),
)
ADDRESS_WEIGHT = 1.5  # times (a - o) / (a + o + 2), in -1..1: a "u"/"uw", o "ik"/"mijn" ([role_address_words] / [role_own_words])
PHONE_ANSWER_WEIGHT = -1.0
SPOKE_FIRST_WEIGHT = 0.4
PHONE_ANSWER_MAX_TOKENS = 3
INTRO_MAX_TOKEN = 15  # the organisation pattern only in a speaker's first words (not "problemen met de verbinding van het modem")
INTRO_NAME_MAX_TOKENS = 3  # words between an intro lead and an organisation link ("met Anna de Vries van de ...")


@dataclass(frozen=True)
class Roles:
    """speaker id -> ``agent`` / ``customer``, with how it was decided (for the report).

    confidence: probability that the agent is the right speaker (softmax of the cue scores;
        1.0 when configured). cues: per speaker the cues found: ``{"speaker", "cue", "count",
        "weight" (its share of the score), "phrases" (the lexicon phrases matched), "at" (first, s)}``.
    scores: speaker -> summed cue score.
    """

    mapping: dict[str, str]
    method: str
    warnings: tuple[str, ...] = ()
    confidence: float | None = None
    cues: tuple[dict, ...] = ()
    scores: dict[str, float] = field(default_factory=dict)

    @property
    def agent(self) -> str | None:
        return next((s for s, r in self.mapping.items() if r == "agent"), None)


def _normalise(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", text.lower()).split())


def greeting_scores(words: dict[str, tuple[Word, ...]], opts: RoleOptions) -> dict[str, int]:
    """Number of ``RoleOptions.greetings`` phrases (extra, user-set) each speaker says in the first ``window_s`` seconds."""
    scores = {}
    for speaker, ws in words.items():
        early = " " + _normalise(" ".join(w.text for w in ws if w.start < opts.window_s)) + " "
        scores[speaker] = sum(early.count(" " + _normalise(g) + " ") for g in opts.greetings)
    return scores


def role_lists(lexicon: Lexicon | None, language: str) -> dict[str, tuple[str, ...]]:
    """The ``role_*`` lists: from ``lexicon``, each list it lacks from the packaged one of ``language``."""
    packaged = load_lexicon("", language or "nl")
    names = [f"role_{c.name}" for c in CUES] + ["role_intro_lead", "role_intro_org_link", "role_address_words",
                                                 "role_own_words", "role_phone_answer", "role_service_lead", "role_service_verb"]
    out = {}
    for n in names:
        own = lexicon.get(n) if lexicon is not None else ()
        out[n] = own or packaged.get(n)
    return out


def _tokens_with_times(ws: tuple[Word, ...]) -> tuple[list[str], list[float]]:
    toks, times = [], []
    for w in ws:
        for t in tokens(w.text):
            toks.append(t)
            times.append(w.start)
    return toks, times


def _lead_gap_tail(toks: list[str], leads, tails, max_gap: int, min_gap: int = 1, fuzzy: float = 1.0) -> list[int]:
    """Token indices of a lead phrase followed, ``min_gap``-``max_gap`` words later, by a tail phrase."""
    lead_m = find_phrases(toks, leads, fuzzy)
    tail_m = find_phrases(toks, tails, fuzzy)
    return [lead.start for lead in lead_m if any(min_gap <= t.start - lead.end <= max_gap for t in tail_m)]


def _intro_with_org(toks: list[str], lists: dict, fuzzy: float) -> list[int]:
    """Token indices where a self-introduction names an organisation: an intro lead ("met",
    "this is"), 1-3 words (the name), then an organisation link ("van de", "from")."""
    return _lead_gap_tail(toks, lists["role_intro_lead"], lists["role_intro_org_link"], INTRO_NAME_MAX_TOKENS)


def _service_offer(toks: list[str], lists: dict, fuzzy: float) -> list[int]:
    """Token indices of a garbled service question: "kan ik" / "can I", up to 3 words, "helpen" /
    "help" ("Waar kan ik jullie helpen?", as Whisper heard "waar kan ik u mee helpen" on the phone)."""
    return _lead_gap_tail(toks, lists["role_service_lead"], lists["role_service_verb"], 3, 0, fuzzy)


def _phone_answer(ws: tuple[Word, ...], first_other: float, lists: dict) -> bool:
    """Whether the speaker's first utterance (before anyone else speaks, no pause over 1 s) is a bare
    answer to a ringing phone: at most ``PHONE_ANSWER_MAX_TOKENS`` words, all answer words, save one
    name after "met" ("Met Jansen.", "Hallo?", "Yes, speaking")."""
    first: list[Word] = []
    for w in ws:
        if w.start >= first_other or (first and w.start - first[-1].end > 1.0):
            break
        first.append(w)
    toks = [t for w in first for t in tokens(w.text)]
    if not toks or len(toks) > PHONE_ANSWER_MAX_TOKENS:
        return False
    answer = {t for p in lists["role_phone_answer"] for t in tokens(p)}
    unknown = [i for i, t in enumerate(toks) if t not in answer]
    # one unknown token is allowed only as the name right after "met" / "this is" ("Met Jansen")
    return not unknown or (len(unknown) == 1 and unknown[0] > 0 and toks[unknown[0] - 1] in ("met", "is"))


def cue_scores(turns: SpeakerTurns, words: dict[str, tuple[Word, ...]], opts: RoleOptions,
               lexicon: Lexicon | None = None, language: str = "nl") -> tuple[dict[str, float], list[dict]]:
    """Each speaker's summed cue score, and the cues found (see the module docstring)."""
    lists = role_lists(lexicon, language)
    speakers = list(turns.speakers)
    first_start = {s: min([t.start for t in turns.of(s)] + [w.start for w in words.get(s, ())], default=math.inf)
                   for s in speakers}
    order = sorted(speakers, key=lambda s: first_start[s])
    scores = {s: 0.0 for s in speakers}
    found: list[dict] = []

    def add(speaker: str, cue: str, weight: float, count: int = 1, phrases: list[str] | None = None,
            at: float | None = None) -> None:
        scores[speaker] += weight
        found.append({"speaker": speaker, "cue": cue, "count": count, "weight": round(weight, 3),
                      "phrases": sorted(set(phrases or [])), "at": None if at is None else round(at, 2)})

    extra = greeting_scores({s: words.get(s, ()) for s in speakers}, opts) if opts.greetings else {}
    for s in speakers:
        ws = words.get(s, ())
        toks, times = _tokens_with_times(ws)
        n_open = sum(1 for t in times if t < opts.window_s)
        for cue in CUES:
            scope = toks[:n_open] if cue.opening_only else toks
            matches = find_phrases(scope, lists[f"role_{cue.name}"], opts.fuzzy_match)
            starts = [m.start for m in matches]
            phrases = [m.phrase for m in matches]
            if cue.name == "org_intro":
                pattern = _intro_with_org(scope[:INTRO_MAX_TOKEN], lists, opts.fuzzy_match)
                starts += pattern
                phrases += ["<intro lead> NAME <organisation link>"] * len(pattern)
            if cue.name == "service_question":
                pattern = [i for i in _service_offer(scope, lists, opts.fuzzy_match) if i not in starts]
                starts += pattern
                phrases += ["<offer lead> ... <help>"] * len(pattern)
            if cue.name == "self_intro" and extra.get(s):
                starts += [0] * extra[s]
                phrases += ["greetings (settings)"]
            if starts:
                n = min(len(starts), cue.cap)
                add(s, cue.name, cue.weight * n, len(starts), phrases, times[min(starts)] if times else None)
        own = {t for p in lists["role_address_words"] for t in tokens(p)}
        mine = {t for p in lists["role_own_words"] for t in tokens(p)}
        n_your, n_my = sum(t in own for t in toks), sum(t in mine for t in toks)
        if n_your or n_my:
            add(s, "address_words", ADDRESS_WEIGHT * (n_your - n_my) / (n_your + n_my + 2), n_your + n_my,
                [f"{n_your} x {'/'.join(sorted(own))}, {n_my} x {'/'.join(sorted(mine))}"])
    if order and math.isfinite(first_start[order[0]]):
        first = order[0]
        others = [first_start[s] for s in order[1:] if math.isfinite(first_start[s])]
        if _phone_answer(words.get(first, ()), min(others, default=math.inf), lists):
            add(first, "phone_answer", PHONE_ANSWER_WEIGHT, at=first_start[first])
        else:
            add(first, "spoke_first", SPOKE_FIRST_WEIGHT, at=first_start[first])
    return scores, found


def _softmax(scores: dict[str, float]) -> dict[str, float]:
    top = max(scores.values())
    ex = {s: math.exp(v - top) for s, v in scores.items()}
    total = sum(ex.values())
    return {s: v / total for s, v in ex.items()}


LABELS = {c.name: c.label for c in CUES} | {
    "address_words": "speaks of 'u/uw' more than 'ik/mijn'", "phone_answer": "answers the phone ('Hallo?')",
    "spoke_first": "spoke first",
}


def _decided_by(cues: list[dict], agent: str) -> str:
    """The cues that made the difference, strongest first: for the agent (positive) and against the others."""
    parts = []
    for c in sorted(cues, key=lambda c: -abs(c["weight"])):
        if c["speaker"] == agent and c["weight"] > 0:
            parts.append(f"{LABELS.get(c['cue'], c['cue'])} ({c['weight']:+.1f})")
        elif c["speaker"] != agent and c["weight"] < 0:
            parts.append(f"the other {LABELS.get(c['cue'], c['cue'])} ({c['weight']:+.1f})")
    return ", ".join(parts[:4]) or "no cue"


def assign_roles(turns: SpeakerTurns, words: dict[str, tuple[Word, ...]], opts: RoleOptions,
                 lexicon: Lexicon | None = None, language: str = "nl") -> Roles:
    """Agent and customer. ``lexicon``: the call's lexicon (its ``role_*`` lists; each one it lacks
    comes from the packaged lexicon of ``language``)."""
    speakers = list(turns.speakers)

    def mapping_for(agent: str) -> dict[str, str]:
        return {s: ("agent" if s == agent else "customer") for s in speakers}

    if not speakers:
        return Roles({}, "no speakers")
    scores, cues = cue_scores(turns, words, opts, lexicon, language)
    rounded = {s: round(v, 3) for s, v in scores.items()}
    # only speakers who said something compete; a silent cluster is a customer
    candidates = [s for s in speakers if words.get(s)] or speakers
    prob = _softmax({s: scores[s] for s in candidates})
    best = max(candidates, key=lambda s: (prob[s], s == candidates[0]))
    confidence = round(prob[best], 3)

    if turns.source == "channels" and opts.agent_channel in ("left", "right"):
        agent = opts.agent_channel
        other = "right" if agent == "left" else "left"
        warnings = ()
        if best == other and confidence >= opts.min_confidence:
            warnings = (f"the cues say the {other} channel is the agent ({_decided_by(cues, other)}; "
                        f"{confidence:.0%} sure), not the {agent} channel that is set as the agent; "
                        f"if the agent is on the {other}, re-run with --agent-channel {other} (or auto)",)
        return Roles(mapping_for(agent), f"configured: agent on the {agent} channel", warnings, 1.0,
                     tuple(cues), rounded)

    method = f"auto: {best} is the agent, {confidence:.0%} sure, from cues: {_decided_by(cues, best)}"
    warnings = ()
    if confidence < opts.min_confidence:
        warnings = (f"who is the agent is uncertain ({confidence:.0%} sure, from: {_decided_by(cues, best)}): "
                    "agent and customer may be swapped in this report"
                    + (" (set --agent-channel left/right if you know it)" if turns.source == "channels" else ""),)
    elif turns.separation is not None and not turns.separation.get("reliable", True):
        # the cues' confidence assumes each diarized speaker is one party; with voices that could not be
        # told apart that is not given, so no confident label
        warnings = (f"who is the agent is uncertain: the cues say {confidence:.0%} ({_decided_by(cues, best)}), "
                    "but the two voices could not be told apart, so agent and customer may be swapped in this "
                    "report",)
    return Roles(mapping_for(best), method, warnings, confidence, tuple(cues), rounded)
