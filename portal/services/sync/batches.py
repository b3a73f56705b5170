"""Mapping one batch of an IQFast table and writing it into every table it feeds (for every kind of run)."""
from __future__ import annotations

import time

from portal.iqfast import mapping
from portal.iqfast.fields import Lookups, Rejected
from portal.iqfast.mapping import TableMapping
from portal.services.sync.run_log import RunLog
from portal.services.sync.store import Writer


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


def write_rows(writer: Writer, source_table: str, columns: list[str], rows: list[tuple], lookups: Lookups,
                run: RunLog) -> list[tuple[int, str, bool]]:
    """Map and write one batch of one source table into every target it feeds.

    Returns [(position in the batch, reason, is_orphan)] for the rows not written.
    """
    failed: dict[int, tuple[str, bool]] = {}
    for spec in mapping.mappings_for(source_table):
        started = time.perf_counter()
        kept, mapped, rejected = map_batch(spec, columns, rows, lookups)
        run.timings["map"] = run.timings.get("map", 0.0) + time.perf_counter() - started
        for position, reason in rejected:
            failed.setdefault(position, (reason, False))
        result = writer.write(spec, mapped)
        for index, reason, orphan in result.rejected:
            failed.setdefault(kept[index], (reason, orphan))
        run.wrote(spec.target, result.written)
    return [(position, reason, orphan) for position, (reason, orphan) in sorted(failed.items())]

