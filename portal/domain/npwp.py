"""The tax number (NPWP) that makes one company of the records several offices hold (DOMAIN.md, "One company
across stations").

An NPWP is 15 digits (the old form, usually written `01.234.567.8-901.000`) or 16 digits (the new form, the
owner's NIK for a person); offices type it with dots, dashes, spaces or none. Two records are the same company
when their digits are the same. Anything else (14 digits, 17, letters in place of a digit) is not an NPWP: it
matches nothing, not even the same text at another office, because a typo would join two companies' histories.
A 15-digit NPWP is never taken for the 16-digit one with a leading zero: the rule compares digits as written.
"""
from __future__ import annotations

VALID_LENGTHS = (15, 16)
# What offices put between the digits; any other character makes the text not an NPWP.
SEPARATORS = frozenset(" .-/\t")


def normalize(npwp: str | None) -> str | None:
    """The NPWP's digits, or None when the text is no valid NPWP (wrong length, other characters, empty)."""
    if not npwp:
        return None
    digits = []
    for character in npwp.strip():
        if character.isdigit() and character.isascii():
            digits.append(character)
        elif character not in SEPARATORS:
            return None
    found = "".join(digits)
    return found if len(found) in VALID_LENGTHS else None


def same_company(a: str | None, b: str | None) -> bool:
    """Whether two written NPWPs name one company: both valid and with the same digits."""
    first = normalize(a)
    return first is not None and first == normalize(b)


def formatted(npwp: str | None) -> str:
    """The digits as people read them: 15 digits dotted (01.234.567.8-901.000), 16 in groups of four."""
    digits = normalize(npwp)
    if digits is None:
        return npwp or ""
    if len(digits) == 15:
        return f"{digits[:2]}.{digits[2:5]}.{digits[5:8]}.{digits[8]}-{digits[9:12]}.{digits[12:]}"
    return " ".join(digits[i:i + 4] for i in range(0, 16, 4))
