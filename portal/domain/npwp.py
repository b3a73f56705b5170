"""The tax number (NPWP) that makes one company of the records several offices hold (DOMAIN.md, "One company
across stations").

An NPWP is 15 digits (the old form, usually written `01.234.567.8-901.000`) or 16 digits (the form since 2024:
for a company `0` followed by its 15 digits, for a person their NIK, which never starts with 0); offices type it
with dots, dashes, spaces or none. So the 16-digit form is the key: a 15-digit NPWP is compared as `0` + its
digits, and two records are the same company when their keys are equal. Anything else (14 digits, 17, a letter in
place of a digit, 16 digits that are not `0` + the 15) is not that NPWP: an invalid one matches nothing, not even
the same text at another office, because a typo would join two companies' histories.
"""
from __future__ import annotations

# What offices put between the digits; any other character makes the text not an NPWP.
SEPARATORS = frozenset(" .-/\t")


def normalize(npwp: str | None) -> str | None:
    """The NPWP's 16-digit key (a 15-digit one with a leading 0), or None when the text is no valid NPWP (wrong
    length, other characters, empty)."""
    if not npwp:
        return None
    digits = []
    for character in npwp.strip():
        if character.isdigit() and character.isascii():
            digits.append(character)
        elif character not in SEPARATORS:
            return None
    found = "".join(digits)
    if len(found) == 15:
        return "0" + found
    return found if len(found) == 16 else None


def same_company(a: str | None, b: str | None) -> bool:
    """Whether two written NPWPs name one company: both valid and with the same digits."""
    first = normalize(a)
    return first is not None and first == normalize(b)


def formatted(npwp: str | None) -> str:
    """The key as people read it: a company's dotted as the old form (01.234.567.8-901.000), a NIK in groups of
    four; an invalid text as it was written."""
    key = normalize(npwp)
    if key is None:
        return npwp or ""
    if key.startswith("0"):
        d = key[1:]
        return f"{d[:2]}.{d[2:5]}.{d[5:8]}.{d[8]}-{d[9:12]}.{d[12:]}"
    return " ".join(key[i:i + 4] for i in range(0, 16, 4))
