"""Mapping one batch of an IQFast table and writing it into every table it feeds (for every kind of run)."""
from __future__ import annotations

import time
from dataclasses import dataclass, field

from portal.iqfast import mapping
from portal.iqfast.fields import Lookups, Rejected
from portal.iqfast.mapping import TableMapping
from portal.services.sync.run_log import RunLog
from portal.services.sync.store import Prepared, Writer, prepare


def map_batch(spec: TableMapping, columns: list[str], rows: list[tuple], lookups: Lookups
         ) -> tuple[list[int], list[tuple], list[tuple[int, str]]]:
    """Map a batch: (positions kept, mapped rows, [(position, reason)] rejected).

    The generated fast mapper runs first; only a batch with a bad row is mapped again row by row, to say
    which rows are wrong and why.
    """
    fast = spec.compile_fast(columns, lookups)
    try:
        return list(range(len(rows))), [fast(row) for row in rows], []
    except Exception:
        pass
    careful = spec.compile(columns, lookups)
    kept, mapped, rejected = [], [], []
    for position, row in enumerate(rows):
        try:
            mapped.append(careful(row))
            kept.append(position)
        except Rejected as error:
            rejected.append((position, str(error)))
    return kept, mapped, rejected


@dataclass
class Mapped:
    """One mapping's share of a batch, mapped and made ready for the writer (store.prepare)."""
    spec: TableMapping
    kept: list[int]
    rows: list[tuple]
    rejected: list[tuple[int, str]]
    prepared: Prepared | None


@dataclass
class PreparedBatch:
    """A batch mapped for every target it feeds, and the seconds that took (mapping; deduplicating and encoding)."""
    mapped: list[Mapped]
    timings: dict[str, float] = field(default_factory=dict)


def prepare_batch(source_table: str, columns: list[str], rows: list[tuple], lookups: Lookups,
                  dialect: str) -> PreparedBatch:
    """Everything of a batch's writing that needs no database: mapping, one row per key, the COPY's CSV. Plain
    values in, plain values out, so the run's reader thread does it for the next chunk while PostgreSQL writes the
    current one (psycopg2 lets go of the GIL while it waits)."""
    batch = PreparedBatch([])
    for spec in mapping.mappings_for(source_table):
        started = time.perf_counter()
        kept, mapped, rejected = map_batch(spec, columns, rows, lookups)
        between = time.perf_counter()
        batch.mapped.append(Mapped(spec, kept, mapped, rejected, prepare(spec, mapped, dialect) if mapped else None))
        batch.timings["map"] = batch.timings.get("map", 0.0) + between - started
        batch.timings["prepare"] = batch.timings.get("prepare", 0.0) + time.perf_counter() - between
    return batch


def write_rows(writer: Writer, source_table: str, columns: list[str], rows: list[tuple], lookups: Lookups,
               run: RunLog, batch: PreparedBatch | None = None) -> list[tuple[int, str, bool]]:
    """Map and write one batch of one source table into every target it feeds (``batch``: mapped already, by
    prepare_batch with these lookups).

    Returns [(position in the batch, reason, is_orphan)] for the rows not written.
    """
    batch = batch or prepare_batch(source_table, columns, rows, lookups, writer.dialect)
    for step, seconds in batch.timings.items():
        run.timings[step] = run.timings.get(step, 0.0) + seconds
    failed: dict[int, tuple[str, bool]] = {}
    for item in batch.mapped:
        spec, kept, mapped, rejected = item.spec, item.kept, item.rows, item.rejected
        for position, reason in rejected:
            failed.setdefault(position, (reason, False))
        result = writer.write(spec, mapped, item.prepared)
        for index, reason, orphan in result.rejected:
            failed.setdefault(kept[index], (reason, orphan))
        run.wrote(spec.target, result.written)
    return [(position, reason, orphan) for position, (reason, orphan) in sorted(failed.items())]

