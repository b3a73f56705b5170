"""How one column of ours is made from an IQFast row: the field kinds the table mappings (mapping.py) are declared
with, each compiled to a careful per-row function (it says what is wrong) and a fast expression."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from portal.i18n import phrase
from portal.iqfast.codes import SECTIONS


class Rejected(ValueError):
    """A source row that cannot be mapped; the message says why: a Phrase (``sync.row.*``), in Indonesian for the
    run's record, that an upload's page says again in its reader's language."""

    def __init__(self, key: str, **params):
        super().__init__(phrase(key, **params))


@dataclass
class Lookups:
    """The small reference data a mapping needs, loaded once per batch from our database."""

    sections: dict[str, int] = field(default_factory=dict)                 # sections.code → id
    offices: dict[int, int] = field(default_factory=dict)                  # m_upt.id_upt → offices.id
    commodities: dict[int, int] = field(default_factory=dict)              # m_komoditas.id → commodities.id
    latin_names: dict[int, str] = field(default_factory=dict)              # m_komoditas.id → scientific name
    codes: dict[tuple[str, int], str] = field(default_factory=dict)        # (m_table, id) → code
    names_by_id: dict[tuple[str, int], str] = field(default_factory=dict)  # (m_table, id) → name
    names_by_code: dict[tuple[str, str], str] = field(default_factory=dict)  # (m_table, code) → name


class Field:
    """How one of our columns is made from a source row; ``compile`` returns a fast per-row function."""

    sources: tuple[str, ...] = ()

    def compile(self, index: dict[str, int], lookups: Lookups) -> Callable[[tuple], Any]:
        """The careful version: checks everything and says what is wrong."""
        raise NotImplementedError

    def expr(self, index: dict[str, int], env: dict, lookups: Lookups) -> str:
        """The fast version, as a Python expression over ``row``: any failure falls back to ``compile``."""
        raise NotImplementedError

    def describe(self) -> str:
        raise NotImplementedError


def _name(env: dict, value: Any) -> str:
    """Put a value into the generated function's namespace; returns the name to use."""
    name = f"_v{len(env)}"
    env[name] = value
    return name


def nonnull(expression: str) -> str:
    """A fast-mapper expression that fails (falls back to the careful mapper) when the value is missing."""
    return f"({expression} if {expression} is not None else fail_required())"


def taken(i: int, column: str, required: bool, *, text: bool = False, time: bool = False) -> Callable[[tuple], Any]:
    """The careful per-row function of a value taken as it is: a missing one is rejected when required.

    ``text``: an empty text counts as missing (IQFast's forms save both for "nothing"); ``time``: the message says
    the column holds a time."""
    def get(row):  # the same as the fast expression, with the reason when it fails
        value = row[i]
        if text and value == "":
            value = None
        if value is None and required:
            raise Rejected("sync.row.time_required" if time else "sync.row.required", column=column)
        return value
    return get


def translated(i: int, table: dict, column: str, unknown: Callable[[Any], Rejected], *, required: bool = True,
               nullable: bool = True) -> Callable[[tuple], Any]:
    """The careful per-row function of a value translated through ``table``; an unknown one is rejected with
    ``unknown(value)``. A missing one is rejected when required, else NULL; with ``nullable`` off it is looked
    up like any other value (and so rejected as unknown)."""
    def get(row):
        value = row[i]
        if value is None and nullable:
            if required:
                raise Rejected("sync.row.required", column=column)
            return None
        try:
            return table[value]
        except KeyError:
            raise unknown(value) from None
    return get


class ColumnField(Field):
    """A field made from one source column, ``column`` (each dataclass below declares it)."""

    column: str

    @property
    def sources(self):
        return (self.column,)

    def cell(self, index: dict[str, int]) -> str:
        """The fast-mapper expression of this column's value in the row."""
        return f"row[{index[self.column]}]"

    def through(self, index: dict[str, int], env: dict, table: dict) -> str:
        """The fast-mapper expression of this column's value translated through ``table`` (unknown: KeyError)."""
        return f"{_name(env, table)}[{self.cell(index)}]"


@dataclass(frozen=True)
class Copy(ColumnField):
    """The source value as it is (an empty text as NULL: IQFast's forms save both for "nothing")."""

    column: str
    required: bool = False
    text: bool = False  # set by TableMapping for IQFast's VARCHAR/TEXT columns

    def compile(self, index, lookups):
        return taken(index[self.column], self.column, self.required, text=self.text)

    def expr(self, index, env, lookups):
        value = self.cell(index)
        if self.text:
            value = f"({value} or None)"
        return nonnull(value) if self.required else value

    def describe(self):
        return self.column


@dataclass(frozen=True)
class Const(Field):
    value: Any

    def compile(self, index, lookups):
        value = self.value
        return lambda row: value

    def expr(self, index, env, lookups):
        return _name(env, self.value)

    def describe(self):
        return repr(self.value)


@dataclass(frozen=True)
class Time(ColumnField):
    """A naive WIB DATETIME. It stays naive in the mapped row (attaching a zone to a million datetimes in
    Python costs more than the rest of the mapping); the writer stores it as the instant it is in
    SOURCE_TIMEZONE, with ``codes.to_utc`` or ``codes.source_time_text``. ``TableMapping.time_columns`` lists them."""

    column: str
    required: bool = True

    def compile(self, index, lookups):
        return taken(index[self.column], self.column, self.required, time=True)

    def expr(self, index, env, lookups):
        return nonnull(self.cell(index)) if self.required else self.cell(index)

    def describe(self):
        return f"{self.column} (WIB → UTC)"


@dataclass(frozen=True)
class Flag(ColumnField):
    """0/1 → False/True."""

    column: str

    def compile(self, index, lookups):
        i, column = index[self.column], self.column

        def get(row):
            value = row[i]
            if value in (0, 1, True, False):
                return bool(value)
            raise Rejected("sync.row.flag", column=column, value=repr(value))
        return get

    def expr(self, index, env, lookups):
        return self.through(index, env, {0: False, 1: True})

    def describe(self):
        return f"{self.column} (0/1)"


@dataclass(frozen=True)
class Code(ColumnField):
    """A code translated through one of the tables above; an unknown code rejects the row."""

    column: str
    table: dict
    label: str
    required: bool = True

    def compile(self, index, lookups):
        table, label, column = self.table, self.label, self.column

        def unknown(value):
            return Rejected("sync.row.unknown_code", label=label, column=column, value=repr(value),
                            known=", ".join(str(k) for k in table))
        return translated(index[self.column], table, self.column, unknown, required=self.required)

    def expr(self, index, env, lookups):
        return self.through(index, env, self.table if self.required else {**self.table, None: None})

    def describe(self):
        return f"{self.column} via {self.label}"


@dataclass(frozen=True)
class Section(ColumnField):
    """jenis_karantina H/T → sections.id."""

    column: str = "jenis_karantina"

    def compile(self, index, lookups):
        i, sections = index[self.column], lookups.sections

        def get(row):
            code = SECTIONS.get(row[i])
            if code is None or code not in sections:
                raise Rejected("sync.row.section", value=repr(row[i]))
            return sections[code]
        return get

    def expr(self, index, env, lookups):
        by_letter = {letter: lookups.sections[code] for letter, code in SECTIONS.items() if code in lookups.sections}
        return self.through(index, env, by_letter)

    def describe(self):
        return f"{self.column} (H → animal, T → plant)"


@dataclass(frozen=True)
class Office(ColumnField):
    """id_upt → offices.id, through m_upt's kode_upt."""

    column: str = "id_upt"

    def compile(self, index, lookups):
        # No NULL case: a missing id_upt is an unknown UPT like any other.
        return translated(index[self.column], lookups.offices, self.column, nullable=False, unknown=lambda value: (
            Rejected("sync.row.office", value=repr(value))))

    def expr(self, index, env, lookups):
        return self.through(index, env, lookups.offices)

    def describe(self):
        return f"{self.column} → m_upt.kode_upt → offices.code"


@dataclass(frozen=True)
class CommodityRef(ColumnField):
    """id_komoditas → commodities.id, through m_komoditas's kode_komoditas (NULL if unknown)."""

    column: str = "id_komoditas"

    def compile(self, index, lookups):
        return translated(index[self.column], lookups.commodities, self.column, required=False, unknown=lambda value: (
            Rejected("sync.row.commodity", value=repr(value))))

    def expr(self, index, env, lookups):
        return self.through(index, env, {**lookups.commodities, None: None})

    def describe(self):
        return f"{self.column} → m_komoditas.kode_komoditas → commodities.code"


@dataclass(frozen=True)
class LatinName(ColumnField):
    """id_komoditas → the commodity's scientific name (from our commodities table)."""

    column: str = "id_komoditas"

    def compile(self, index, lookups):
        i, names = index[self.column], lookups.latin_names
        return lambda row: names.get(row[i])

    def expr(self, index, env, lookups):
        return f"{_name(env, lookups.latin_names)}.get({self.cell(index)})"

    def describe(self):
        return f"{self.column} → commodities.scientific_name"


@dataclass(frozen=True)
class LookupName(ColumnField):
    """A code or id → its name in one of IQFast's m_* lists (kept in source_lookups)."""

    column: str
    table: str
    by: str = "code"  # "code" or "id"
    required: bool = False

    def names(self, lookups: Lookups) -> dict:
        """This list's names by code (or id), out of every list's."""
        names = lookups.names_by_code if self.by == "code" else lookups.names_by_id
        return {key: name for (table, key), name in names.items() if table == self.table}

    def compile(self, index, lookups):
        table, column = self.table, self.column
        return translated(index[column], self.names(lookups), column, required=self.required, unknown=lambda value: (
            Rejected("sync.row.lookup", column=column, value=repr(value), table=table)))

    def expr(self, index, env, lookups):
        own = self.names(lookups)
        if not self.required:
            own[None] = None
        return self.through(index, env, own)

    def describe(self):
        return f"{self.column} → {self.table} name"


@dataclass(frozen=True)
class Ref:
    """A reference to another synced record by its IQFast id; resolved set-based by the writer."""

    column: str           # the source column holding the parent's IQFast id
    parent: str           # our table holding the parent (by source_id)
    required: bool = True  # a NULL source value is allowed when False; an unknown id never is
    label: str = ""


def fail_required():
    """A required value is missing (the fast mappers call it from their expressions)."""
    raise Rejected("sync.row.required_value")
