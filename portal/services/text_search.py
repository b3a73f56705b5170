"""Matching typed text in the database: the one way every search builds its LIKE.

What a person types is matched literally, in any case: `%` and `_` (LIKE's wildcards) and the escape character itself
are escaped, so "100%" finds "100%" and "a_b" does not find "axb" — a search for "%" used to match everything
(issue #16). Both databases honour `ESCAPE '\\'`.
"""
from __future__ import annotations

from sqlalchemy import func

ESCAPE = "\\"


def literal(text: str) -> str:
    """The text with LIKE's wildcards and the escape character taken literally (lower-cased, trimmed)."""
    return (text.strip().lower().replace(ESCAPE, ESCAPE * 2).replace("%", ESCAPE + "%")
            .replace("_", ESCAPE + "_"))


def contains(column, text: str):
    """The column (any case) contains the text as typed."""
    return func.lower(column).like(f"%{literal(text)}%", escape=ESCAPE)


def starts_with(column, text: str):
    """The column (any case) starts with the text as typed."""
    return func.lower(column).like(f"{literal(text)}%", escape=ESCAPE)
