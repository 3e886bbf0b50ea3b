"""Redaction of personal data in transcript text, for every rendered report (on by default).

Dutch formats: phone numbers (06-12345678, 020 123 4567, +31 6 1234 5678), e-mail addresses, IBANs
(NL91 ABNA 0417 1643 00), postcodes with house numbers (1234 AB 56), and BSNs (nine digits that
pass the "elfproef"). Numbers spelled out in words by ASR ("nul zes een twee ...") are not caught.
"""

from __future__ import annotations

import re

LABELS = {
    "nl": {"email": "[e-mail]", "iban": "[IBAN]", "phone": "[telefoonnummer]", "postcode": "[postcode]", "bsn": "[BSN]"},
    "en": {"email": "[e-mail]", "iban": "[IBAN]", "phone": "[phone number]", "postcode": "[postcode]", "bsn": "[BSN]"},
}

EMAIL = re.compile(r"[\w.+-]+\s?@\s?[\w-]+(?:\s?\.\s?[\w-]+)+")
IBAN = re.compile(r"\b[A-Z]{2}\d{2}[ ]?[A-Z]{4}(?:[ ]?\d){10}\b", re.IGNORECASE)
PHONE = re.compile(r"(?<![\d+])(?:\+31|0031|0)[\s-]?(?:\(0\)[\s-]?)?[1-9](?:[\s-]?\d){8}(?!\d)")
POSTCODE = re.compile(
    r"\b[1-9]\d{3}[ ]?(?!SA|SD|SS)[A-Z]{2}\b(?:[ ,]+(?:(?:huis)?nummer|nr\.?)?[ ]?\d{1,5}[ ]?[a-zA-Z]?\b)?"
    r"|(?:(?<=[Pp]ostcode )|(?<=[Pp]ostcode: ))[1-9]\d{3}[ ]?[A-Za-z]{2}\b(?:[ ,]+(?:(?:huis)?nummer|nr\.?)?[ ]?\d{1,5}\b)?")
NINE_DIGITS = re.compile(r"(?<![\d-])\d{3}[ .]?\d{3}[ .]?\d{3}(?![\d-])")


def elfproef(digits: str) -> bool:
    """The Dutch BSN check: weights 9..2 and -1, sum divisible by 11."""
    if len(digits) != 9 or digits == "000000000":
        return False
    total = sum(int(d) * w for d, w in zip(digits, (9, 8, 7, 6, 5, 4, 3, 2, -1)))
    return total % 11 == 0


def redact(text: str, language: str = "nl") -> tuple[str, dict[str, int]]:
    """``text`` with personal data replaced by labels, and how many of each kind were found."""
    labels = LABELS.get(language, LABELS["nl"])
    counts: dict[str, int] = {}

    def sub(kind: str, pattern: re.Pattern, s: str, check=None) -> str:
        def repl(m: re.Match) -> str:
            if check and not check(m.group(0)):
                return m.group(0)
            counts[kind] = counts.get(kind, 0) + 1
            return labels[kind]
        return pattern.sub(repl, s)

    text = sub("email", EMAIL, text)
    text = sub("iban", IBAN, text)
    text = sub("bsn", NINE_DIGITS, text, lambda s: elfproef(re.sub(r"\D", "", s)))
    text = sub("phone", PHONE, text)
    text = sub("postcode", POSTCODE, text)
    return text, counts


def redactor(enabled: bool, language: str = "nl"):
    """A function str -> str that redacts (or, when disabled, returns the text unchanged)."""
    if not enabled:
        return lambda s: s
    return lambda s: redact(s, language)[0] if s else s
