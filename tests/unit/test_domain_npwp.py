"""NPWP matching on hand-written pairs: the same digits are one company however they are written; anything that
is no 15- or 16-digit NPWP matches nothing."""
from __future__ import annotations

import pytest

from portal.domain.npwp import formatted, normalize, same_company


@pytest.mark.parametrize("a, b", [
    ("01.234.567.8-901.000", "012345678901000"),           # dotted 15-digit and plain
    ("01.234.567.8-901.000", "01 234 567 8 901 000"),      # dotted and with spaces
    ("3201234567890123", "3201 2345 6789 0123"),           # plain 16-digit (NIK-based) and grouped
    ("3201234567890123", " 3201.2345.6789.0123 "),         # dotted, padded with spaces
    ("0012345678901000", "0012-3456-7890-1000"),           # 16-digit company NPWP with dashes
    ("01.234.567.8-901.000", "0012345678901000"),          # the old 15 digits and the new 0 + 15
])
def test_the_same_digits_written_differently_are_one_company(a, b):
    assert same_company(a, b)
    assert normalize(a) == normalize(b)


@pytest.mark.parametrize("a, b", [
    ("01.234.567.8-901.000", "01.234.567.8-901.001"),      # one digit differs
    ("01.234.567.8-901.000", "1012345678901000"),          # 15 digits vs 16 with another extra digit in front
    ("01.234.567.8-901.000", "012345678901000 1"),         # 15 digits vs the same with an extra digit after
    ("3201234567890123", "201234567890123"),               # a NIK vs its last 15 digits
    ("01.234.567.8-90.000", "01.234.567.8-90.000"),        # 14 digits: no NPWP, not even equal to itself
    ("12345678901234567", "12345678901234567"),            # 17 digits
    ("01.234.567.8-901.00O", "01.234.567.8-901.00O"),      # a letter O for a zero
    ("", ""),
    (None, None),
])
def test_different_or_invalid_npwps_never_match(a, b):
    assert not same_company(a, b)


def test_invalid_npwps_normalize_to_none():
    assert normalize("01.234.567.8-90.000") is None       # 14 digits
    assert normalize("NPWP 012345678901000") is None      # words around it
    assert normalize("٠١٢٣٤٥٦٧٨٩٠١٠٠٠") is None           # non-ASCII digits
    assert normalize("012345678901000") == "0012345678901000"  # the 16-digit key
    assert normalize("3201234567890123") == "3201234567890123"


def test_formatted_reads_like_the_paper_forms():
    assert formatted("012345678901000") == "01.234.567.8-901.000"
    assert formatted("0012345678901000") == "01.234.567.8-901.000"
    assert formatted("3201 2345 6789 0123") == "3201 2345 6789 0123"
    assert formatted("abc") == "abc"
