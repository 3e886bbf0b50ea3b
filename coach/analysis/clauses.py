"""Solutions and summaries by the shape of a Dutch sentence, not by a list of whole phrases.

A phrase list written from a few sample calls ("ik stuur", "ik zet") misses the next call's
"Dan zet ik ...", "Die sturen we ...", "Ik heb uw pas geblokkeerd". Here a sentence is read as
clauses of tokens, and each token's lemma (``simplemma``: "stuurt", "gestuurd" -> "sturen") is looked
up in word classes of the lexicon (``solution_verbs``, ``not_solution_verbs``, ...), so a verb class
covers every person, tense and word order. Each rule below handles one class of phrasing and says
so in ``SolutionMatch.rule``:

- ``commit``: the agent's side (ik / we / wij) with an acting verb, in either order: "ik zet",
  "dan zet ik" (verb-second inversion), "die sturen we", "morgen bel ik u terug" (a separable verb:
  its particle later in the clause, "vraag ... aan" -> "aanvragen"; a call-back promise).
- ``future``: ik / we with "ga", "zal", "kan" and a later infinitive that acts ("ik ga een monteur
  sturen", "we zullen hem laten bezorgen", "ik kan u omboeken"); not a looking or asking verb
  ("ik ga even kijken").
- ``done``: the perfect tense, ik / we with "heb" / "hebben" and a participle of a verb that is no
  looking, asking or knowing verb ("ik heb uw pas geblokkeerd", "we hebben een auto geregeld").
- ``dropped_subject``: Whisper often drops a sentence's first "Ik": a sentence that starts with the
  bare first-person form of an acting verb ("zet uw nummer over") or with "heb" and a participle
  ("heb uw pas geblokkeerd"), not followed by "u" / "je" (that is an instruction or a question).
  Scored lower.
- ``receive``: "u krijgt / ontvangt ... van mij / ons" (without "van mij / ons", "u krijgt dan een
  brief" describes a procedure: information).
- ``offer``: the lexicon's ``solution`` phrases, offers stated as a commitment or advice ("wat ik
  voor u kan doen, is ...", "ik stel voor", "u kunt het beste"); not right after "nog iets" / "verder
  ... iets" (``closing_check_still`` and ``closing_check_open``): "Verder nog iets wat ik voor u kan
  doen." is the closing check, however ASR punctuates it.
- ``instruction``: an instruction that solves the problem (``solution_instruction``: "ik leg u uit
  hoe u ...", or a clause "als u ..." with a clause after it, neither with ik / we: "als u de stekker
  eruit haalt, dan zoekt hij ..."); only in a call about a problem.
- ``visit``: someone comes by ("er komt een monteur bij u langs"); only in a call about a problem.

No rule fires in a question ("Zal ik ...?"), in a clause with a negation ("ik kan daar niets aan
doen"), or in a sentence about waiting (``not_solution_context``: "ik zet u even in de wacht").

English (a lexicon named "en"; ``ENGLISH`` below): the same rules in English word order, where the
verb follows the subject and its auxiliary: ``commit`` "I sent you a new card", ``future`` "I'll send
a technician", "we will refund", "I'm going to arrange", "I can rebook you", ``done`` "I have
blocked", "I've gone ahead and cancelled", ``receive`` "you'll receive ... from us", ``offer``,
``instruction`` ("if you ..., ..."), ``visit`` ("an engineer will come out"); no ``dropped_subject``
(Whisper keeps an English "I").

Solution versus information by the call's purpose (``call_purpose``): when the customer opened by
asking how something works (``purpose_information``) and named no problem (``purpose_problem``),
explaining the procedure is information: only ``commit`` / ``future`` / ``done`` with "ik" count then,
not "we" (a procedure: "wij berekenen dan ..."), ``receive``, ``instruction`` or ``visit``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from .lexicon import Lexicon, find_phrases

PARTICLES = ("terug", "aan", "op", "over", "door", "in", "uit", "om", "vast", "langs", "mee", "af", "toe", "weg",
             "bij", "na", "binnen", "rond", "stop")
PARTICIPLE = re.compile(r"^(?:%s)?(?:ge|be|ver|ont|her|er)\w{2,}(?:d|t|en|n)$" % "|".join(PARTICLES))
NEGATION = frozenset({"niet", "geen", "niets", "niks", "nooit"})
SUBJECT = frozenset({"ik", "we", "wij"})
SINGULAR = frozenset({"ik"})
DROPPED_SUBJECT_SCORE = 0.6  # confidence factor when the rule assumed Whisper dropped "Ik"


@lru_cache(maxsize=20000)
def lemma(token: str, language: str = "nl") -> str:
    """The dictionary form of a token (``simplemma``), lower case; the token itself when unknown."""
    import simplemma

    try:
        return simplemma.lemmatize(token, lang=language).lower()
    except Exception:  # an unsupported language code: no lemmas
        return token


@lru_cache(maxsize=20000)
def verb_lemmas(token: str, language: str = "nl") -> frozenset[str]:
    """The verbs a token may be a form of: its lemma, the lemma of its "-t" form ("vraag" is a noun
    to a dictionary, "vraagt" a verb), and for a participle ("teruggestort", "geblokkeerd") the verb
    of its stem, with and without its particle ("terugstorten", "storten")."""
    out = {lemma(token, language), token}
    if not token.endswith(("t", "d")):
        out.add(lemma(token + "t", language))
    if language == "nl" and len(token) >= 3 and token[-1] not in "aeiouy" and not token.endswith("en") \
            and not any(x.endswith("en") and x != token for x in out):
        # a first-person stem the dictionary knows only as a noun or adjective ("pas", "reset"): the
        # regular infinitives it can come from ("pasen", "passen")
        out |= {token + "en", token + token[-1] + "en"}
    m = re.match(r"^(%s)?(?:ge)(\w{3,}?)(?:d|t|en)$" % "|".join(PARTICLES), token)
    if m:
        stem = m.group(2)
        for base in {lemma(stem + "t", language), lemma(stem, language), stem + "en"}:
            out.add(base)
            if m.group(1):
                out.add(m.group(1) + base)
    return frozenset(out)


@dataclass(frozen=True)
class SolutionMatch:
    rule: str  # which class of phrasing (see the module's docstring)
    start: int  # token span in the sentence
    end: int
    score: float
    phrase: str  # the words that carried it


class Grammar:
    """The word classes of one lexicon, as sets of lemmas and phrases."""

    def __init__(self, lex: Lexicon) -> None:
        self.lex = lex
        self.acting = frozenset(lex.get("solution_verbs"))
        self.not_acting = frozenset(lex.get("not_solution_verbs"))
        self.aux_future = frozenset(lex.get("solution_auxiliaries"))
        self.language = lex.name if len(lex.name) == 2 else "nl"

    def acts(self, token: str, particles: set[str] = frozenset()) -> bool:
        """Whether a token is a form of an acting verb (``solution_verbs``), also as a separable verb
        with one of ``particles`` ("vraag" + "aan" -> "aanvragen")."""
        lemmas = verb_lemmas(token, self.language)
        if any(p + l in self.acting for l in lemmas for p in particles):
            return True  # "vraag ... aan": "aanvragen" acts, though "vragen" does not
        if lemmas & self.not_acting or any(p + l in self.not_acting for l in lemmas for p in particles):
            return False
        return bool(lemmas & self.acting)

    def inert(self, token: str) -> bool:
        """A looking, asking or knowing verb ("kijken", "gehad", "begrepen"): no action."""
        return bool(verb_lemmas(token, self.language) & self.not_acting)

    def is_participle(self, token: str) -> bool:
        return len(token) >= 6 and bool(PARTICIPLE.match(token)) or token in ("gedaan", "gemaakt", "gezet")


def _clauses(toks: list[str], starts: list[int]) -> list[tuple[int, int]]:
    bounds = sorted(set([0] + [s for s in starts if 0 < s < len(toks)]))
    return [(a, b) for a, b in zip(bounds, bounds[1:] + [len(toks)])]


def solution_match(toks: list[str], clause_starts: list[int], lex: Lexicon, purpose: str = "problem",
                   fuzzy: float = 0.75) -> SolutionMatch | None:
    """The first solution rule that fires on a sentence's tokens (not a question: the caller checks),
    or None. ``purpose``: "problem" or "information" (``call_purpose``)."""
    g = _grammar(lex)
    if not toks or find_phrases(toks, lex.get("not_solution_context"), fuzzy):
        return None
    if g.language == "en":
        return _english_match(toks, clause_starts, g, purpose, fuzzy)
    info = purpose == "information"
    subjects = SINGULAR if info else SUBJECT
    found: list[SolutionMatch] = []
    for a, b in _clauses(toks, clause_starts):
        cl = toks[a:b]
        if NEGATION & set(cl):
            continue
        particles = {t for t in cl if t in PARTICLES}
        for i, t in enumerate(cl):
            if t not in subjects:
                continue
            # the verb next to the subject: "ik zet" or, inverted, "zet ik"
            for j in (i - 1, i + 1):
                if not 0 <= j < len(cl):
                    continue
                v = cl[j]
                lo, hi = min(i, j), max(i, j)
                pair = f"{cl[lo]} {cl[hi]}"
                if g.acts(v, particles):
                    found.append(SolutionMatch("commit", a + lo, a + hi + 1, 1.0, pair))
                elif verb_lemmas(v, g.language) & g.aux_future:
                    later = [k for k in range(hi + 1, len(cl)) if cl[k].endswith("en") and g.acts(cl[k], particles)]
                    if later:
                        k = later[0]
                        found.append(SolutionMatch("future", a + lo, a + k + 1, 1.0, f"{pair} ... {cl[k]}"))
                elif v in ("heb", "hebben", "hebt"):
                    parts = [k for k in range(hi + 1, len(cl)) if g.is_participle(cl[k])]
                    if parts and not g.inert(cl[parts[-1]]):
                        k = parts[-1]
                        found.append(SolutionMatch("done", a + lo, a + k + 1, 1.0, f"{pair} ... {cl[k]}"))
        if found:
            break
        if a == 0 and cl and cl[0] not in SUBJECT and (len(cl) < 2 or cl[1] not in ("u", "je", "jij", *SUBJECT)):
            # Whisper dropped the first "Ik": "zet uw nummer nu over", "heb uw pas geblokkeerd"
            v = cl[0]
            if g.acts(v, particles) and _first_person_stem(v, g.language):
                found.append(SolutionMatch("dropped_subject", a, a + 1, DROPPED_SUBJECT_SCORE, v))
            elif v == "heb" and any(g.is_participle(x) and not g.inert(x) for x in cl[1:]):
                found.append(SolutionMatch("dropped_subject", a, a + 1, DROPPED_SUBJECT_SCORE, v))
        if not found and len(cl) >= 4 and cl[0] == "wat" and cl[1] in SUBJECT and {"kan", "kunnen"} & set(cl) \
                and cl[-1] in ("doen", "regelen", "aanbieden"):
            # an offer: "wat ik wel voor (u) kan doen, is ..." (ASR drops words inside it)
            found.append(SolutionMatch("offer", a, b, 1.0, " ".join(cl)))
    if found:
        return found[0]
    phrased, receive = _phrased_solution(toks, lex, fuzzy, info, ("van mij", "van ons"))
    if phrased is not None or info:
        return phrased
    if not receive:
        # a conditional instruction: "als u de stekker eruit haalt, (dan) ..." (a step the customer
        # takes, and what it does), with no ik / we in it or in the clause after it ("als u uw
        # postcode geeft, zoek ik ...")
        cls = _clauses(toks, clause_starts)
        for n, (a, b) in enumerate(cls):
            after = toks[a:cls[n + 1][1]] if n + 1 < len(cls) else []
            if b - a >= 4 and toks[a] == "als" and toks[a + 1] in ("u", "je", "jij") and after \
                    and not SUBJECT & set(after):
                return SolutionMatch("instruction", a, a + 2, 0.8, f"{toks[a]} {toks[a + 1]}")
    for a, b in _clauses(toks, clause_starts):
        cl = toks[a:b]
        for k, t in enumerate(cl):  # "er komt een monteur bij u langs", "de opzichter komt bij u"
            if t in ("komt", "komen") and ("langs" in cl[k:] or "bij u" in " ".join(cl[k:])) \
                    and not NEGATION & set(cl):
                return SolutionMatch("visit", a + k, a + k + 1, 0.9, t)
    return None


class ENGLISH:
    """The English word classes the rules need besides the lexicon's lists."""
    SUBJECT = frozenset({"i", "we"})
    SINGULAR = frozenset({"i"})
    # contracted subjects and the auxiliary they hold ("i'll" = "i will")
    CONTRACTED = {"i'll": "will", "we'll": "will", "i've": "have", "we've": "have", "i'm": "be", "we're": "be"}
    NEGATION = frozenset({"not", "no", "nothing", "never", "can't", "cannot", "won't", "don't", "didn't",
                          "couldn't", "wouldn't", "isn't", "aren't", "haven't", "hasn't", "unable", "nobody"})
    WILL = frozenset({"will", "shall", "can", "'ll"})  # and the lexicon's solution_auxiliaries
    BE = frozenset({"am", "are", "'m", "'re", "be"})  # "I'm going to", "we are going to"
    HAVE = frozenset({"have", "has", "'ve"})
    # words between the subject and its verb: "I'll just send", "I've gone ahead and blocked"
    SKIP = frozenset({"just", "also", "now", "then", "already", "personally", "actually", "definitely",
                      "certainly", "quickly", "immediately", "today", "gone", "go", "ahead", "and", "to",
                      "right", "away", "happily", "gladly"})
    YOU = frozenset({"you", "you're", "you'll"})
    ABOUT = frozenset({"about", "from", "regarding", "because", "on"})
    RECEIVE_SOURCE = ("from me", "from us")
    COME = frozenset({"come", "comes", "coming", "visit", "visits", "pop", "drop"})
    COME_PARTICLE = frozenset({"out", "round", "around", "over", "by", "to", "in"})


def _english_match(toks: list[str], clause_starts: list[int], g: Grammar, purpose: str,
                   fuzzy: float) -> SolutionMatch | None:
    """The rules of ``solution_match`` in English word order (see the module's docstring)."""
    E, lex = ENGLISH, g.lex
    info = purpose == "information"
    subjects = E.SINGULAR if info else E.SUBJECT
    will = E.WILL | g.aux_future
    clauses = _clauses(toks, clause_starts)
    for a, b in clauses:
        cl = toks[a:b]
        if E.NEGATION & set(cl) or any(t.endswith("n't") for t in cl):
            continue
        for i, t in enumerate(cl):
            if t in subjects:
                aux = None
            elif t in E.CONTRACTED and t[:t.index("'")] in subjects:
                aux = E.CONTRACTED[t]
            else:
                continue
            for k in range(i + 1, min(len(cl), i + 7)):
                w = cl[k]
                if w in E.SKIP:
                    continue
                if w in will:
                    aux = "will" if aux != "be" else aux
                    continue
                if w in E.BE and aux is None:
                    aux = "be"  # "I'm going to" (going: an auxiliary of the lexicon)
                    continue
                if w in E.HAVE and aux in (None, "will"):
                    aux = "have"
                    continue
                forms = _english_forms(w)
                if any(g.inert(f) for f in forms) or not any(g.acts(f) for f in forms):
                    break
                rule = {"have": "done", "will": "future"}.get(aux, "commit")
                if aux == "be" and ("going" in cl[i:k] or "gonna" in cl[i:k]):
                    rule = "future"  # "I'm going to arrange"; "we're sorting it now": commit
                elif aux == "be" and cl[k + 1:k + 2] and cl[k + 1] in E.ABOUT:
                    break  # "I'm calling about your order": why one calls, not an act
                return SolutionMatch(rule, a + i, a + k + 1, 1.0, " ".join(cl[i:k + 1]))
    phrased, receive = _phrased_solution(toks, lex, fuzzy, info, E.RECEIVE_SOURCE)
    if phrased is not None or info:
        return phrased
    if not receive:
        # a conditional instruction: "if you unplug the router, it restarts ..." with no I / we
        for n, (a, b) in enumerate(clauses):
            after = toks[a:clauses[n + 1][1]] if n + 1 < len(clauses) else []
            if b - a >= 4 and toks[a] == "if" and toks[a + 1] in E.YOU and after \
                    and not (E.SUBJECT | set(E.CONTRACTED)) & set(after):
                return SolutionMatch("instruction", a, a + 2, 0.8, f"{toks[a]} {toks[a + 1]}")
    for a, b in clauses:
        cl = toks[a:b]
        for k, t in enumerate(cl):  # "an engineer will come out tomorrow", "a technician will visit you"
            if t in E.COME and k and cl[k - 1] not in E.YOU and not E.NEGATION & set(cl) \
                    and (t.startswith("visit") or E.COME_PARTICLE & set(cl[k + 1:k + 3])):
                return SolutionMatch("visit", a + k, a + k + 1, 0.9, t)
    return None


def _english_forms(w: str) -> tuple[str, ...]:
    """``w``, and without the doubled consonant a dictionary misses ("cancelled" -> "cancel")."""
    m = re.match(r"^(\w+?)(\w)\2(?:ed|ing)$", w)
    return (w, m.group(1) + m.group(2)) if m else (w,)


def call_purpose(customer_toks: list[str], lex: Lexicon, fuzzy: float = 0.75) -> str:
    """"information" when the customer's opening asks how something works (``purpose_information``)
    and names no problem (``purpose_problem``); else "problem" (also when unsure: the default of
    support calls)."""
    asks = find_phrases(customer_toks, lex.get("purpose_information"), fuzzy)
    problem = find_phrases(customer_toks, lex.get("purpose_problem"), fuzzy)
    return "information" if asks and not problem else "problem"


_GRAMMARS: dict[int, tuple[Lexicon, Grammar]] = {}


def _grammar(lex: Lexicon) -> Grammar:
    kept = _GRAMMARS.get(id(lex))
    if kept is None or kept[0] is not lex:
        kept = _GRAMMARS[id(lex)] = (lex, Grammar(lex))
    return kept[1]


def _first_person_stem(v: str, language: str) -> bool:
    """Whether ``v`` is the bare first-person form of its verb ("zet" of "zetten", "stuur" of
    "sturen", "vraag" of "vragen"), not an infinitive or "-t" form."""
    inf = next((x for x in verb_lemmas(v, language) if x.endswith("en") and x != v), None)
    return inf is not None and inf in (v + "en", v + v[-1] + "en", v[:-2] + v[-1] + "en")


def _phrased_solution(toks: list[str], lex: Lexicon, fuzzy: float, info: bool,
                      receive_source) -> tuple["SolutionMatch | None", list]:
    """The phrase-list rules both languages share, in order: an offer (``[solution]``); then, unless the
    call only asks for information, "u krijgt / you'll receive" with a source (``receive_source``: "van
    mij", "from us") and an instruction (``[solution_instruction]``). Returns the match (or None) and the
    ``[solution_receive]`` matches (a conditional instruction is looked for only without them)."""
    still, indefinite = set(lex.get("closing_check_still")), set(lex.get("closing_check_open"))
    # "(is er) nog iets wat ik voor u kan doen": the closing check, a question even when ASR ends it with "."
    offer = [m for m in find_phrases(toks, lex.get("solution"), fuzzy)
             if not (still & set(toks[max(0, m.start - 3):m.start]) and indefinite & set(toks[max(0, m.start - 3):m.start]))]
    if offer:
        m = offer[0]
        return SolutionMatch("offer", m.start, m.end, m.score, m.phrase), []
    if info:
        return None, []
    receive = find_phrases(toks, lex.get("solution_receive"), fuzzy)
    if receive and find_phrases(toks, receive_source, 1.0):
        m = receive[0]
        return SolutionMatch("receive", m.start, m.end, m.score, m.phrase), receive
    instruction = find_phrases(toks, lex.get("solution_instruction"), fuzzy)
    if instruction:
        m = instruction[0]
        return SolutionMatch("instruction", m.start, m.end, m.score, m.phrase), receive
    return None, receive
