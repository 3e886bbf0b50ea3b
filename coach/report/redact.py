"""Redaction of personal data in everything rendered from a call (on by default).

What is found, per utterance, as word ranges (so each has a time span from the word times):

* **deduce** (the Dutch de-identification library, LGPL-3.0) on a prepared copy of the text: person
  names, addresses (street with house number, place names, postcodes), dates, phone numbers,
  e-mail addresses, URLs and long identifiers. ASR writes lower case, so the copy is "true-cased"
  first: words on deduce's own first-name and surname lists (but not on its common-word and
  stop-word lists), a word after a title ("meneer", "mevrouw"), a word right after a first name
  (a misheard surname), street-like words ("...straat", "...laan") are capitalised; numbers that
  ASR wrote as words become digits ("twaalf maart negentienzeventig" -> "12 maart 1970").
* **coach's own checks** where deduce has none: IBAN, BSN (nine digits passing the elfproef),
  Dutch licence plates (all sidecodes, e.g. 12-ABC-3), numbers said as words ("nul zes twaalf ...",
  three or more number words in a row), what follows a number word ("klantnummer", "bestel
  nummer", "polisnummer", "huisnummer", "kenteken", "postcode", "geboortedatum" ...), house numbers
  (also as words) after a street, and the name in a greeting ("u spreekt met <naam> van ...",
  "goedemiddag, met <naam>"), also when ASR misheard it.

The agent's own first name in their greeting is kept by default (``keep_agent_name``).
``analysis.json`` keeps the words; it records the kinds and time spans found (``privacy``).
"""

from __future__ import annotations

import importlib.metadata
import json
import logging
import os
import pickle
import re
import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

KINDS = ("name", "address", "postcode", "date", "phone", "email", "url", "iban", "bsn", "id", "plate", "number")

LABELS = {
    "nl": {"name": "[naam]", "address": "[adres]", "postcode": "[postcode]", "date": "[datum]",
           "phone": "[telefoonnummer]", "email": "[e-mail]", "url": "[url]", "iban": "[IBAN]", "bsn": "[BSN]",
           "id": "[nummer]", "plate": "[kenteken]", "number": "[getal]"},
    "en": {"name": "[name]", "address": "[address]", "postcode": "[postcode]", "date": "[date]",
           "phone": "[phone number]", "email": "[e-mail]", "url": "[url]", "iban": "[IBAN]", "bsn": "[BSN]",
           "id": "[number]", "plate": "[licence plate]", "number": "[number]"},
}

# --- coach's own patterns (on the text as written) -------------------------------------------------

EMAIL = re.compile(r"[\w.+-]+\s?@\s?[\w-]+(?:\s?\.\s?[\w-]+)+")
IBAN = re.compile(r"\b[A-Z]{2}\d{2}[ ]?[A-Z]{4}(?:[ ]?\d){10}\b", re.IGNORECASE)
PHONE = re.compile(r"(?<![\d+])(?:\+31|0031|0)[\s-]?(?:\(0\)[\s-]?)?[1-9](?:[\s-]?\d){8}(?!\d)")
POSTCODE = re.compile(
    r"\b[1-9]\d{3}[ ]?(?!SA|SD|SS)[A-Z]{2}\b(?:[ ,]+(?:(?:huis)?nummer|nr\.?)?[ ]?\d{1,5}[ ]?[a-zA-Z]?\b)?"
    r"|(?:(?<=[Pp]ostcode )|(?<=[Pp]ostcode: ))[1-9]\d{3}[ ]?[A-Za-z]{2}\b(?:[ ,]+(?:(?:huis)?nummer|nr\.?)?[ ]?\d{1,5}\b)?")
NINE_DIGITS = re.compile(r"(?<![\d-])\d{3}[ .]?\d{3}[ .]?\d{3}(?![\d-])")
_SIDECODES = ("LL-DD-DD", "DD-DD-LL", "DD-LL-DD", "LL-DD-LL", "LL-LL-DD", "DD-LL-LL", "DD-LLL-D", "D-LLL-DD",
              "LL-DDD-L", "L-DDD-LL", "LLL-DD-L", "L-DD-LLL", "D-LL-DDD", "DDD-LL-D")
PLATE = re.compile(r"(?<![\w-])(?:" + "|".join(
    "[- ]?".join({"L": "[A-Z]", "D": r"\d"}[g[0]] + f"{{{len(g)}}}" for g in code.split("-"))
    for code in _SIDECODES) + r")(?![\w-])")


def elfproef(digits: str) -> bool:
    """The Dutch BSN check: weights 9..2 and -1, sum divisible by 11."""
    if len(digits) != 9 or digits == "000000000":
        return False
    total = sum(int(d) * w for d, w in zip(digits, (9, 8, 7, 6, 5, 4, 3, 2, -1)))
    return total % 11 == 0


# --- Dutch numbers as ASR writes them -------------------------------------------------------------

_UNITS = {"nul": 0, "een": 1, "één": 1, "eén": 1, "twee": 2, "drie": 3, "vier": 4, "vijf": 5, "zes": 6,
          "zeven": 7, "acht": 8, "negen": 9}
_TEENS = {"tien": 10, "elf": 11, "twaalf": 12, "dertien": 13, "veertien": 14, "vijftien": 15, "zestien": 16,
          "zeventien": 17, "achttien": 18, "negentien": 19}
_TENS = {"twintig": 20, "dertig": 30, "veertig": 40, "vijftig": 50, "zestig": 60, "zeventig": 70,
         "tachtig": 80, "negentig": 90}
_SMALL = {**_UNITS, **_TEENS, **_TENS}
_DIGIT_WORDS = re.compile("(?:" + "|".join(sorted(_UNITS, key=len, reverse=True)) + ")+")


def _below_100(w: str) -> int | None:
    if w in _SMALL:
        return _SMALL[w]
    for unit, u in _UNITS.items():
        for sep in ("en", "ën"):
            if u and w.startswith(unit + sep) and w[len(unit) + len(sep):] in _TENS:
                return u + _TENS[w[len(unit) + len(sep):]]
    return None


def number_value(word: str) -> int | None:
    """The value of a Dutch number word ("drieëntwintig" 23, "negentienzeventig" 1970,
    "vierhonderd" 400), or of digits; None when ``word`` is no number."""
    w = word.lower()
    if w.isdigit():
        return int(w)
    v = _below_100(w)
    if v is not None:
        return v
    for big, mult in (("duizend", 1000), ("honderd", 100)):
        if big in w:
            head, _, tail = w.partition(big)
            h = 1 if head == "" else number_value(head)
            t = 0 if tail == "" else number_value(tail.removeprefix("en"))
            if h is not None and t is not None and t < mult:
                return h * mult + t
            return None
    if len(w) > 6:  # years: "negentienzeventig", "tweeduizend" is above
        for head, h in _TEENS.items():
            if w.startswith(head) and _below_100(w[len(head):]) is not None:
                return h * 100 + _below_100(w[len(head):])
    return None


def _is_number(core: str) -> bool:
    return (bool(core) and (core.isdigit() or number_value(core) is not None
                            or bool(_DIGIT_WORDS.fullmatch(core)))
            and core not in ("een", "één"))  # the article; counted only inside a run (see _number_runs)


# --- deduce, loaded once per process with only the lookup lists coach needs -------------------------

# Medical institutions and the 30 MB street and 27 MB institution lookup tries are left out: they took
# most of deduce's first-use build (3.5 min here) and 15 s to load per process. Streets are found by
# their form ("...straat", "...laan" with a house number), as deduce's own street pattern does.
_LISTS = ["locations/lst_placename", "names/lst_first_name", "names/lst_initial", "names/lst_interfix",
          "names/lst_interfix_surname", "names/lst_prefix", "names/lst_surname", "whitelist/lst_common_word",
          "whitelist/lst_eponymous_disease", "whitelist/lst_medical_term", "whitelist/lst_stop_word"]
_SKIP_ANNOTATORS = {"street_lookup", "hospital", "institution", "patient_name", "age"}
_STREET = re.compile(r"[a-zà-ÿ]{3,}(straat|laan|weg|gracht|kade|plein|singel|dijk|dreef|steeg|hof|pad|park|"
                     r"markt|baan|dam|plantsoen|wal|haven)$")
_NOT_STREET = {"onderweg", "snelweg", "halfweg", "zijweg", "supermarkt", "vrachtwagen", "binnenweg",
               "ondertussen", "overweg", "parkeerplaats", "bedrijfspark", "wegweg"}
_DEDUCE: tuple | None = None


def deduce_version() -> str:
    try:
        return importlib.metadata.version("deduce")
    except importlib.metadata.PackageNotFoundError:
        return ""


def _cache_dir() -> Path:
    from ..models import cache_root

    return cache_root() / f"deduce-{deduce_version()}"


def _import_deduce():
    """Import deduce without its import-time ``logging.basicConfig(stream=sys.stdout, level=DEBUG)``
    taking over the root logger (which would print library debug lines on the terminal)."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    guard = logging.NullHandler()
    if not handlers:
        root.addHandler(guard)  # basicConfig does nothing when the root logger has a handler
    try:
        import deduce
        import deduce.lookup_structs
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
    return deduce


def _build_cache(deduce, cache: Path) -> None:
    """deduce's lookup structures for ``_LISTS``, in deduce's own cache format, written atomically
    (temp file + rename), so parallel batch workers never read half a file."""
    import docdeid as dd

    from deduce import lookup_structs as ls
    from deduce.lookup_struct_loader import load_common_word_lookup

    base = Path(deduce.__file__).parent / "data" / "lookup"
    tokenizer = deduce.Deduce._initialize_tokenizer(base)
    raw = ls.load_raw_itemsets(base_path=base, subdirs=_LISTS)
    structs = dd.ds.DsCollection()
    for name in set(raw) - set(ls._LOOKUP_SET_LOADERS) - set(ls._LOOKUP_TRIE_LOADERS):
        s = dd.ds.LookupSet()
        s.add_items_from_iterable(raw[name])
        structs[name] = s
    for name, load in ls._LOOKUP_SET_LOADERS.items():
        structs[name] = load(raw)
    for name, load in ls._LOOKUP_TRIE_LOADERS.items():
        if name in raw:
            structs[name] = load(raw, tokenizer)
    common = {w.lower() for w in raw["common_word"]} | {w.lower() for w in raw["stop_word"]}
    words = {"first_name": {w.lower() for w in raw["first_name"] if w.isalpha()},
             "surname": {w.lower() for w in raw["surname"] if w.isalpha()},
             "interfix_surname": {w.lower() for w in raw["interfix_surname"]},
             "interfix": {w.lower() for w in raw["interfix"]},
             "prefix": {w.lower().rstrip(".") for w in raw["prefix"]},
             "common": common | set(load_common_word_lookup(raw).items()) | _COMMON_EXTRA}
    (cache / "cache").mkdir(parents=True, exist_ok=True)
    for name, obj in (("coach_words.pickle", words),
                      ("lookup_structs.pickle", {"deduce_version": deduce.__version__,
                                                 "saved_datetime": str(datetime.now()), "lookup_structs": structs})):
        fd, tmp = tempfile.mkstemp(prefix=f".{name}.", dir=cache / "cache")
        try:
            with os.fdopen(fd, "wb") as f:
                pickle.dump(obj, f, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, cache / "cache" / name)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


def _load():
    """(Deduce, word sets): built on first use into ``~/.cache/coach/deduce-<version>`` (about 10 s),
    then loaded in well under a second. Offline: everything comes from the installed package."""
    global _DEDUCE
    if _DEDUCE is None:
        deduce = _import_deduce()
        cache = _cache_dir()
        if not (cache / "cache" / "lookup_structs.pickle").is_file() or not (cache / "cache" / "coach_words.pickle").is_file():
            _build_cache(deduce, cache)
        config = json.loads((Path(deduce.__file__).parent / "base_config.json").read_text(encoding="utf-8"))
        config["annotators"] = {k: v for k, v in config["annotators"].items() if k not in _SKIP_ANNOTATORS}
        model = deduce.Deduce(load_base_config=False, config=config, cache_path=cache)
        with open(cache / "cache" / "coach_words.pickle", "rb") as f:
            words = pickle.load(f)
        _DEDUCE = (model, words)
    return _DEDUCE


# Words deduce's common-word list lacks that ASR of support calls says often and that are also on
# its name lists (a word on this list is never capitalised as a name).
_COMMON_EXTRA = {"ja", "nee", "oke", "oké", "hoor", "goed", "fijn", "dag", "morgen", "middag", "avond", "klopt",
                 "precies", "graag", "gedaan", "monteur", "klant", "collega", "service", "bus", "storing", "pakket",
                 "bedrag", "euro", "procent", "dagen", "week", "maand", "jaar", "keer", "nummer", "mail", "sms",
                 "internet", "modem", "website", "wip", "winkel", "brand", "hem", "aan", "mag", "wel", "kan",
                 "bel", "terug", "rood", "groen", "zwart", "wit", "bakker", "visser", "smit", "mulder", "koster",
                 "graaf", "koning", "prins", "bos", "berg", "beek", "veld", "hof", "kok", "roos", "mark", "mei",
                 "juni", "juli", "augustus", "april", "maart", "mag", "zon", "ster", "hart", "lief", "dirk",
                 "vos", "haan", "wolf", "de", "van", "der", "den", "het", "en", "of", "is", "was", "dat", "die",
                 "u", "ik", "je", "jij", "we", "wij", "ze", "zij", "hij", "mijn", "uw", "ons", "hun", "met", "voor",
                 "goedemiddag", "goedemorgen", "goedenavond", "goedendag", "hallo", "hoi", "dank", "bedankt"}
_MONTHS = {"januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober",
           "november", "december"}
_GREETING = {"goedemiddag", "goedemorgen", "goedenavond", "goedendag", "goeiemiddag", "goeiemorgen", "goedemorken",
             "goedenmorgen", "goedenmiddag", "hallo", "hoi", "dag", "goede", "goed", "goeie", "goedemiddag",
             "spreekt", "spreek", "ja", "hee", "hé"}
_ARTICLES = {"de", "het", "een", "mijn", "uw", "ons", "onze", "je", "jouw", "zijn", "haar", "hun", "die", "dat",
             "deze", "u", "ik", "jou", "mij", "ons", "wie", "wat", "betrekking", "vriendelijke", "plezier"}
_INTERFIX = {"de", "van", "der", "den", "ter", "ten", "te", "op", "in", "'t", "het", "la", "le", "du", "von", "vd"}
_KEYWORD = re.compile(r"(?:\w*nummer|\w*nr|nr\.?|kenteken|postcode|geboortedatum|geboren|polis|iban|rekening)$")
_VALUE_SKIP = {"is", "was", "dat", "het", "mijn", "uw", "de", ":", "luidt", "staat", "op", "eh", "uh", "ehm", "nog",
               "even", "die", "is:"}
_PUNCT = ".,;:!?\"'()[]{}…“”‘’«»"


def _core(token: str) -> str:
    return token.strip(_PUNCT).lower()


def _ends_sentence(token: str) -> bool:
    return token.rstrip("\"'”’)").endswith((".", "?", "!", "…"))


# --- finding personal data in a list of utterances --------------------------------------------------

@dataclass(frozen=True)
class Found:
    """Personal data in utterance ``utterance``, words ``first``..``last`` (inclusive)."""

    utterance: int
    first: int
    last: int
    kind: str


def _prepare(tokens: list[str], words: dict) -> list[str]:
    """The copy of ``tokens`` that deduce reads: true-cased, numbers as digits."""
    out = []
    names = words["first_name"] | words["surname"]
    surnames = words["surname"] | words["interfix_surname"]
    common = words["common"]
    chain, interfixes = None, 0  # None, "prefix" (meneer), "name" (a first name), "interfix" (de, van de)
    for i, tok in enumerate(tokens):
        core = _core(tok)
        lead = tok[:len(tok) - len(tok.lstrip(_PUNCT))]
        body = tok.strip(_PUNCT)
        trail = tok[len(tok.rstrip(_PUNCT)):]
        sentence_start = i == 0 or _ends_sentence(tokens[i - 1]) or not any(c.isalpha() for c in tokens[i - 1])
        value = number_value(core) if core else None
        near_month = (i and _core(tokens[i - 1]) in _MONTHS) or (i + 1 < len(tokens) and _core(tokens[i + 1]) in _MONTHS)
        if value is not None and core not in ("een", "één") and (core.isdigit() or near_month):
            out.append(f"{lead}{value}{trail}")
            chain = None
            continue
        if chain and core in words["interfix"] and not _ends_sentence(tok):
            out.append(tok.lower())
            chain, interfixes = "interfix", interfixes + 1
            continue
        if core in words["prefix"] and core not in ("de", "het"):
            out.append(f"{lead}{body.lower() if sentence_start else body}{trail}")
            chain, interfixes = ("prefix", 0) if not (_ends_sentence(tok) or tok.endswith(",")) else (None, 0)
            continue
        cap = False
        if core.isalpha():
            if chain == "interfix":  # "de vries", "de vriest" (misheard), but "van de klantenservice" only if a surname
                cap = core in surnames or (interfixes == 1 and core not in _ARTICLES and core not in _STOP)
            elif chain in ("prefix", "name"):  # "mevrouw bakker", "peter jansens" (misheard)
                cap = core not in _STOP and core not in _MONTHS and (chain == "prefix" or core not in common)
            elif core not in common and core not in _MONTHS:
                prev = _core(tokens[i - 1]) if i else ""
                pair = (_core(tokens[i - 2]) if i > 1 else "", prev)
                context = (prev in _NAME_BEFORE or pair in _NAME_BEFORE_PAIRS) and not (i and tokens[i - 1].endswith(","))
                cap = (context and core in names) or (_STREET.fullmatch(core) is not None and core not in _NOT_STREET)
        if cap:
            out.append(f"{lead}{body[:1].upper()}{body[1:]}{trail}")
        else:
            out.append(f"{lead}{body.lower() if sentence_start else body}{trail}")
        ends = _ends_sentence(tok) or tok.endswith(",")
        if cap and not ends and (core in words["first_name"] or chain == "prefix"):
            chain, interfixes = "name", 0
        else:
            chain, interfixes = None, 0
    return out


# A lower-case word on deduce's name lists is taken for a name only after one of these (ASR capitalises
# most names itself; "deze ment" is a misheard word, "met ment" a name).
_NAME_BEFORE = {"met", "heet", "heten", "genaamd", "namens", "collega", "hallo", "hoi", "beste", "dag", "dank",
                "bedankt", "spreekt", "spreek", "vroeg", "voor"}
_NAME_BEFORE_PAIRS = {("naam", "is"), ("ik", "ben"), ("dit", "is"), ("hier", "is"), ("je", "spreekt"),
                      ("u", "spreekt"), ("heb", "gesproken"), ("met", "collega")}
_STOP = {"de", "het", "een", "en", "of", "is", "was", "dat", "die", "dit", "deze", "er", "hier", "daar", "nu",
         "ook", "al", "nog", "wel", "niet", "geen", "maar", "want", "dus", "om", "te", "in", "op", "aan", "bij",
         "met", "van", "voor", "naar", "uit", "over", "u", "ik", "je", "jij", "we", "wij", "ze", "zij", "hij",
         "mijn", "uw", "ons", "hun", "heb", "heeft", "hebt", "ben", "bent", "kan", "kunt", "wil", "wilt", "zal",
         "ga", "gaat", "hoe", "wat", "wie", "waar", "wanneer", "ja", "nee", "hoor", "even", "toch", "zo", "als"}


_DEDUCE_KINDS = {"persoon": "name", "patient": "name", "locatie": "address", "straat": "address",
                 "datum": "date", "telefoonnummer": "phone", "emailadres": "email", "url": "url", "bsn": "bsn",
                 "id": "id"}


def _deduce_found(utterances: list[list[str]], words: dict, model) -> list[set[tuple[int, int, str]]]:
    """deduce's findings as token ranges, one deduce run over the whole transcript."""
    prepared = [_prepare(toks, words) for toks in utterances]
    offsets: list[tuple[int, int, int, int]] = []  # (char start, char end, utterance, token)
    parts, pos = [], 0
    for ui, toks in enumerate(prepared):
        for ti, tok in enumerate(toks):
            offsets.append((pos, pos + len(tok), ui, ti))
            parts.append(tok)
            pos += len(tok) + 1
        parts[-1:] = [parts[-1] + "\n"] if toks else []
        pos += 1 if toks else 0
    text = " ".join(parts)
    doc = model.deidentify(text)  # a street without a number is left to _street_numbers
    found: list[set[tuple[int, int, str]]] = [set() for _ in utterances]
    for a in doc.annotations:
        tag = a.tag.split("-")[0].lower()
        kind = next((k for t, k in _DEDUCE_KINDS.items() if t in tag), None)
        if kind is None:
            continue
        hit = [(ui, ti) for s, e, ui, ti in offsets if s < a.end_char and e > a.start_char]
        if not hit:
            continue
        for ui in {ui for ui, _ in hit}:
            tis = [ti for u, ti in hit if u == ui]
            found[ui].add((min(tis), max(tis), kind))
    return found


def _regex_found(tokens: list[str]) -> set[tuple[int, int, str]]:
    """coach's own patterns on the written text, as token ranges."""
    text = " ".join(tokens)
    starts, pos = [], 0
    for t in tokens:
        starts.append((pos, pos + len(t)))
        pos += len(t) + 1
    out = set()

    def add(kind, pattern, check=None):
        for m in pattern.finditer(text):
            if check and not check(m.group(0)):
                continue
            hit = [i for i, (s, e) in enumerate(starts) if s < m.end() and e > m.start()]
            if hit:
                out.add((hit[0], hit[-1], kind))

    add("email", EMAIL)
    add("iban", IBAN)
    add("bsn", NINE_DIGITS, lambda s: elfproef(re.sub(r"\D", "", s)))
    add("phone", PHONE)
    add("postcode", POSTCODE)
    add("plate", PLATE)
    return out


def _number_runs(tokens: list[str]) -> set[tuple[int, int, str]]:
    """Numbers said as words (or digit groups): three or more number tokens in a row
    ("nul zes twaalf ...", "drie vijf een twee j k"), with single letters after them."""
    out = set()
    i = 0
    while i < len(tokens):
        j = i
        while j < len(tokens) and (_is_number(_core(tokens[j])) or
                                   (_core(tokens[j]) in ("een", "één") and j > i)):
            if _ends_sentence(tokens[j]) or tokens[j].endswith(","):
                j += 1
                break
            j += 1
        if j - i >= 3:
            while j < len(tokens) and len(_core(tokens[j])) == 1 and _core(tokens[j]).isalpha() and \
                    _core(tokens[j]) not in ("u", "s", "t"):
                j += 1
            out.add((i, j - 1, "number"))
            i = j
        else:
            i = max(j, i + 1)
    return out


def _value_like(core: str, plate: bool) -> bool:
    if not core:
        return False
    if any(c.isdigit() for c in core) or _is_number(core) or core in ("een", "één"):
        return True
    if len(core) == 1 and core.isalpha():
        return True
    return plate and len(core) <= 3 and core.isalpha() and core not in _COMMON_EXTRA


def _keyword_found(tokens: list[str], prev_tail: list[str]) -> set[tuple[int, int, str]]:
    """The value after a number word: "klantnummer 123456", "bestel nummer is vier acht ...",
    "kenteken ab 123 c", "huisnummer veertien", "geboortedatum twaalf maart ..."."""
    out = set()
    for i, tok in enumerate(tokens):
        core = _core(tok)
        if not _KEYWORD.fullmatch(core) or _ends_sentence(tok):
            continue
        kind = ("plate" if core == "kenteken" else "postcode" if core == "postcode" else
                "date" if core in ("geboortedatum", "geboren") else "phone" if "telefoon" in core else
                "address" if core.startswith("huis") or (core == "nummer" and i and _core(tokens[i - 1]) == "huis")
                else "id")
        j = i + 1
        while j < len(tokens) and j <= i + 3 and _core(tokens[j]) in _VALUE_SKIP and not _ends_sentence(tokens[j - 1]):
            j += 1
        k = j
        limit = j + (10 if kind == "date" else 8)
        while k < len(tokens) and k < limit and (
                _value_like(_core(tokens[k]), kind == "plate") or (kind == "date" and _core(tokens[k]) in _MONTHS)
                or (len(_core(tokens[k])) <= 3 and _core(tokens[k]).isalpha() and _core(tokens[k]) not in _STOP
                    and k + 1 < len(tokens) and any(c.isdigit() for c in tokens[k + 1]))):  # "ab 123456"
            k += 1
            if _ends_sentence(tokens[k - 1]) or tokens[k - 1].endswith(","):
                break
        if k > j and any(not _core(tokens[x]) in ("een", "één") for x in range(j, k)):
            out.add((j, k - 1, kind))
    return out


def _street_numbers(tokens: list[str], found: set[tuple[int, int, str]]) -> set[tuple[int, int, str]]:
    """House numbers (also as words: "kerkstraat drie en twintig b") after a street."""
    out = set()
    for i, tok in enumerate(tokens):
        core = _core(tok)
        if not (_STREET.fullmatch(core) and core not in _NOT_STREET) or _ends_sentence(tok):
            continue
        j = i + 1
        while j < len(tokens) and (_value_like(_core(tokens[j]), False) or
                                   (_core(tokens[j]) in ("en", "nummer", "huisnummer") and j + 1 < len(tokens)
                                    and _value_like(_core(tokens[j + 1]), False))):
            j += 1
            if _ends_sentence(tokens[j - 1]) or tokens[j - 1].endswith(","):
                break
        out.add((i, j - 1, "address"))
    return out


def _greeting_name(tokens: list[str]) -> tuple[int, int] | None:
    """The name in a greeting: "u spreekt met <naam> van de ...", "goedemiddag, met <naam>",
    also when ASR misheard it ("met zannen van de klantense bus"). None when there is none."""
    cores = [_core(t) for t in tokens]
    for i, c in enumerate(cores[:10]):
        if c != "met" or i + 1 >= len(tokens) or _ends_sentence(tokens[i]):
            continue
        before = set(cores[max(0, i - 3):i])
        if not before & _GREETING:
            continue
        if cores[i + 1] in _ARTICLES or not cores[i + 1].isalpha():
            return None
        j = i + 1
        while j < len(tokens) and j < i + 5:
            if cores[j] == "van" and j + 1 < len(tokens) and cores[j + 1] in ("de", "het", "t", "'t"):
                break  # "van de klantenservice": the company
            j += 1
            if _ends_sentence(tokens[j - 1]) or tokens[j - 1].endswith(","):
                break
        return (i + 1, j - 1)
    return None


_PRIORITY = ("iban", "bsn", "email", "phone", "postcode", "plate", "date", "name", "address", "url", "id", "number")


def _merge(found: set[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """Overlapping ranges joined, sorted; the joined range has the most specific kind (a phone number
    after "nummer" is a phone number, not an identifier)."""
    out: list[list] = []
    for first, last, kind in sorted(found, key=lambda f: (f[0], -(f[1] - f[0]))):
        if out and first <= out[-1][1]:
            if _PRIORITY.index(kind) < _PRIORITY.index(out[-1][2]):
                out[-1][2] = kind
            out[-1][1] = max(out[-1][1], last)
        else:
            out.append([first, last, kind])
    return [tuple(f) for f in out]


def find(utterances: list[list[str]]) -> list[list[tuple[int, int, str]]]:
    """Personal data in each utterance (a list of word strings): merged ``(first, last, kind)`` word ranges."""
    model, words = _load()
    ded = _deduce_found(utterances, words, model)
    out = []
    for ui, toks in enumerate(utterances):
        f = set(ded[ui]) | _regex_found(toks) | _number_runs(toks) | _keyword_found(toks, [])
        f |= _street_numbers(toks, f)
        g = _greeting_name(toks)
        if g:
            f.add((g[0], g[1], "name"))
        out.append(_merge(f))
    return out


def _replace(tokens: list[str], ranges: list[tuple[int, int, str]], labels: dict) -> str:
    out, i = [], 0
    for first, last, kind in ranges:
        out += tokens[i:first]
        lead = tokens[first][:len(tokens[first]) - len(tokens[first].lstrip(_PUNCT))]
        trail = tokens[last][len(tokens[last].rstrip(_PUNCT)):]
        out.append(f"{lead}{labels[kind]}{trail}")
        i = last + 1
    out += tokens[i:]
    return " ".join(out)


def redact(text: str, language: str = "nl") -> tuple[str, dict[str, int]]:
    """``text`` with personal data replaced by labels, and how many of each kind were found."""
    tokens = text.split()
    if not tokens:
        return text, {}
    ranges = find([tokens])[0]
    counts: dict[str, int] = {}
    for _, _, kind in ranges:
        counts[kind] = counts.get(kind, 0) + 1
    return (_replace(tokens, ranges, LABELS.get(language, LABELS["nl"])) if ranges else text), counts


def redactor(enabled: bool, language: str = "nl"):
    """A function str -> str that redacts (or, when disabled, returns the text unchanged)."""
    if not enabled:
        return lambda s: s
    return lambda s: redact(s, language)[0] if s else s


# --- a whole call ------------------------------------------------------------------------------------

GREETING_WITHIN_S = 30.0  # the agent's greeting: their first utterance with a name, this early in the call
AUDIO_PAD_S = 0.15  # word times are approximate: silence this much more on each side


@dataclass
class Redaction:
    """What is left out of a call's renderings: per utterance, word ranges and the redacted text."""

    language: str
    tokens: list[list[str]]
    ranges: list[list[tuple[int, int, str]]]
    utterances: tuple = ()
    agent_name_kept: bool = False
    surfaces: list[str] = field(default_factory=list)

    def text(self, index: int) -> str:
        return _replace(self.tokens[index], self.ranges[index], LABELS.get(self.language, LABELS["nl"]))

    def words_text(self, index: int, word_indices: list[int]) -> str:
        """The words ``word_indices`` (ascending) of utterance ``index``, redacted."""
        keep = set(word_indices)
        toks = self.tokens[index]
        labels = LABELS.get(self.language, LABELS["nl"])
        out, covered = [], {}
        for first, last, kind in self.ranges[index]:
            for k in range(first, last + 1):
                covered[k] = (first, kind)
        for k in sorted(keep):
            if k in covered:
                first, kind = covered[k]
                if k == first or k - 1 not in keep:
                    out.append(labels[kind])
            else:
                out.append(toks[k])
        return " ".join(out)

    def spans(self) -> list[dict]:
        """Time spans (from the word times) and kinds, for analysis.json and the audio."""
        out = []
        for ui, ranges in enumerate(self.ranges):
            u = self.utterances[ui] if ui < len(self.utterances) else None
            if u is None or not u.words:
                continue
            for first, last, kind in ranges:
                out.append({"kind": kind, "role": u.speaker_role, "start": round(u.words[first].start, 3),
                            "end": round(u.words[min(last, len(u.words) - 1)].end, 3)})
        return out

    def counts(self) -> dict[str, int]:
        c: dict[str, int] = {}
        for ranges in self.ranges:
            for _, _, kind in ranges:
                c[kind] = c.get(kind, 0) + 1
        return c

    def clean(self, text: str) -> str:
        """A free text (a moment's title, an event's words, a warning) redacted: its own findings and
        every string redacted in the transcript."""
        if not text:
            return text
        out = redact(text, self.language)[0]
        labels = LABELS.get(self.language, LABELS["nl"])
        for surface, kind in self.surfaces:
            out = re.sub(rf"(?<!\w){re.escape(surface)}(?!\w)", labels[kind], out, flags=re.IGNORECASE)
        return out


def plan(conversation, language: str = "nl", keep_agent_name: bool = True) -> Redaction:
    """The redaction of a call's utterances (``Conversation``), from the words' own texts."""
    utts = conversation.utterances
    tokens = [[w.text.strip() for w in u.words if w.text.strip()] if u.words else u.text.split() for u in utts]
    if any(len(t) != len(u.words) for t, u in zip(tokens, utts) if u.words):  # empty words: use the text
        tokens = [u.text.split() for u in utts]
        utts = tuple(u if len(u.text.split()) == len(u.words) else type(u)(u.speaker_role, u.start, u.end, (), u.text)
                     for u in utts)
    ranges = find(tokens) if tokens else []
    kept = False
    if keep_agent_name:
        for ui, u in enumerate(utts):
            if u.speaker_role != "agent" or u.start > GREETING_WITHIN_S:
                continue
            g = _greeting_name(tokens[ui])
            if g is None:
                continue
            first_name = g[0]  # the agent's first name: the first word of the name in their greeting
            new = []
            for first, last, kind in ranges[ui]:
                if kind == "name" and first <= first_name <= last:
                    if first < first_name:
                        new.append((first, first_name - 1, kind))
                    if first_name < last:
                        new.append((first_name + 1, last, kind))
                else:
                    new.append((first, last, kind))
            ranges[ui] = new
            kept = True
            break
    surfaces = set()
    for toks, rs in zip(tokens, ranges):
        for first, last, kind in rs:
            s = " ".join(toks[first:last + 1]).strip(_PUNCT)
            if s and (kind in ("name", "email", "iban", "phone", "plate") or last > first or
                      any(c.isdigit() for c in s)) and len(s) >= 3:
                surfaces.add((s, kind))
    return Redaction(language, tokens, ranges, tuple(utts), kept, sorted(surfaces, key=lambda s: -len(s[0])))
