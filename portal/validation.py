"""Errors a person can act on: each names the field and a translation key for the message."""
from __future__ import annotations


class InvalidInput(Exception):
    """Input was refused; nothing was written. `errors` maps field → (message key, params)."""

    def __init__(self, errors: dict[str, tuple[str, dict]]):
        super().__init__(", ".join(f"{field}: {key}" for field, (key, _params) in errors.items()))
        self.errors = errors

    def messages(self, translate) -> dict[str, str]:
        """The messages in the reader's language, per field."""
        return {field: translate(key, **params) for field, (key, params) in self.errors.items()}


class Forbidden(Exception):
    """The caller may not see or change this record."""


class OutsideSection(Forbidden):
    """Forbidden because the record is of another section than the reader's one: `section` and `reader_section`
    (codes) let the refusal say whose record it is, where "your role may not open this page" misled a coordinator
    whose role opens that page for their own section's records."""

    def __init__(self, record_id, section: str, reader_section: str):
        super().__init__(record_id)
        self.section, self.reader_section = section, reader_section


class NotFound(Exception):
    """No such record (or none the caller may know of)."""


class Conflict(Exception):
    """A save against a newer version of the record: refused, never a silent overwrite.

    `changed` names the fields another user changed since the form was opened, so the message can say what.
    """

    def __init__(self, changed: tuple[str, ...] | list[str] = ()):
        super().__init__(", ".join(changed) or "stale version")
        self.changed = tuple(changed)


class StaleEdit(Conflict):
    """A save from a form opened on an older version of the record: refused whole, nothing written.

    `changes` are (field, value when the form opened, value now) for each field saved since; `by` and `at` name
    who saved last and when, when the record or the audit log knows. portal/services/edit_versions.py raises it.
    """

    def __init__(self, changes=(), by: str | None = None, at=None):
        super().__init__(tuple(field for field, _then, _now in changes))
        self.changes = tuple(changes)
        self.by, self.at = by, at


class ErrorCollector:
    """Gathers every field error of a form, so the person sees them all at once."""

    def __init__(self):
        self.errors: dict[str, tuple[str, dict]] = {}

    def add(self, field: str, key: str, **params) -> None:
        self.errors.setdefault(field, (key, params))

    def raise_if_any(self) -> None:
        if self.errors:
            raise InvalidInput(self.errors)
