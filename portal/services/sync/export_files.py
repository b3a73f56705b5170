"""IQFast export files (CSV / XLSX, layout in docs/sync.md): one file uploaded through the web, or a folder the
scheduler watches. Each file loads in one transaction and is one sync run of kind ``export``."""
from __future__ import annotations

import logging
import shutil
import time
from pathlib import Path

from portal.db import Database
from portal.i18n import phrase
from portal.iqfast import mapping
from portal.spreadsheets import Limits
from portal.iqfast.export_source import EXPORT_SUFFIXES, ExportFileError, read_export_file, table_for_filename
from portal.services.sync.batches import write_rows
from portal.services.sync.after_sync import bring_current
from portal.services.sync.run_log import RunLog, finish_run, start_run, unexpected
from portal.services.sync.holdings import holdings_of
from portal.services.sync.store import Writer
from models.base import utcnow

log = logging.getLogger(__name__)


def import_export_file(database: Database, path: str, filename: str, triggered_by: str | None,
                       limits: Limits | None = None, configured_url: str | None = None) -> dict:
    """Load one IQFast export file (CSV or XLSX, layout in docs/sync.md) in one transaction.

    Bad rows are reported by row number and reason and the good ones load; a row whose
    parent was rejected is rejected too, so nothing is half-written. Returns
    ``{"status", "rows_loaded", "rows_rejected", "errors": [{"row", "reason", "table", "parts"}], "run_id", "refused"}``
    (``reason`` in Indonesian, as the run records it; ``parts``, when the reason has them, its keys and params
    [{"key", "params"}] to say it in a page's language)
    with status ``success`` (every row loaded), ``partial`` (some rejected) or ``failed`` (none loaded).
    A file that cannot be used as a whole (no workbook, no known table, over one of ``limits``, default: the
    settings' QCORNER_EXPORT_IMPORT_MAX_…) fails unread: ``refused`` is then ``{"reason", "key", "params"}`` (the
    reason in Indonesian, as the run records it; key and params to say it in a page's language, when it has them),
    and no row counts as rejected, for no row was read.
    ``configured_url``: the configured IQFast's URL, whose stations' records the file may write (holdings_of).
    """
    run = start_run(database, "export", filename, triggered_by)
    try:
        sheets = read_export_file(path, filename, limits)
    except ExportFileError as error:
        # The file, not a row: listed as the file's own error (row 0) for the run's record and the CLI, never counted
        # as a rejected row ("Baris ditolak 1" for a file that was never opened said the wrong thing).
        run.errors.append({"row": 0, "reason": str(error)})
        finish_run(database, run, "failed", str(error))
        return {**_export_result("failed", 0, run),
                "refused": {"reason": str(error), "key": error.key, "params": error.params}}
    loaded = 0
    try:
        with database.engine.begin() as connection:
            # An export file is no office's own database: it writes the stations the configured IQFast holds.
            holds = holdings_of(database, None, configured_url)
            writer = Writer(connection, run.analysed, run.timings, run.reach, holds)
            for sheet in sorted(sheets, key=lambda s: mapping.SOURCE_TABLES.index(s.table)):
                for row_number, reason in sheet.errors:
                    run.reject(row_number, reason, sheet.table)
                numbers = [number for number, _row in sheet.rows]
                rows = [row for _number, row in sheet.rows]
                failed = write_rows(writer, sheet.table, sheet.columns, rows, writer.load_lookups(), run)
                for position, reason, _orphan in failed:
                    run.reject(numbers[position], reason, sheet.table)
                run.read(sheet.table, len(rows) + len(sheet.errors))
                loaded += len(rows) - len(failed)
            run.save(connection)
    except Exception as error:
        log.exception("export import %s failed", filename)
        # The transaction rolled back: nothing was written, whatever the counters say. The reason is listed as the
        # file's own error (row 0) so the upload page says why; it is not counted as a rejected row, so the
        # export folder's pass still retries the file (it may be ours: the database).
        run.rows_written = {}
        cause = str(getattr(error, "orig", None) or error).strip().splitlines() or [""]
        reason = phrase("sync.export.error.not_loaded",
                        cause=f"{type(error).__name__}: {' — '.join(line.strip() for line in cause[:2])}"[:440])
        run.errors.append({"row": 0, "reason": reason})
        finish_run(database, run, "failed", reason)
        return _export_result("failed", 0, run)
    status = "success" if not run.rejected else ("partial" if loaded else "failed")
    if status != "failed":
        try:
            # Scores current before the file's run says success; the applicants it corrected lose their counts too.
            bring_current(database, run.id, moved_from=run.reach.companies)
        except Exception as error:
            log.exception("export import %s: the rollups after it failed", filename)
            finish_run(database, run, "failed", unexpected(error))
            raise
    finish_run(database, run, "failed" if status == "failed" else "success")
    return _export_result(status, loaded, run)


def _export_result(status: str, loaded: int, run: RunLog) -> dict:
    return {"status": status, "rows_loaded": loaded, "rows_rejected": run.rejected,
            "errors": [_with_parts(entry) for entry in run.errors], "run_id": run.id, "kind": "export",
            "refused": None}


def _with_parts(entry: dict) -> dict:
    """A rejected row with its reason's keys beside the text (a portal.i18n.Phrase's parts), as plain values that
    survive JSON. A reason the writer gives as plain text (a missing parent, another station's row) has none."""
    parts = getattr(entry["reason"], "parts", None)
    return {**entry, "parts": [{"key": key, "params": params} for key, params in parts]} if parts else entry


def import_export_dir(database: Database, directory: str, triggered_by: str | None = None,
                      min_age_seconds: float = 10.0, limits: Limits | None = None,
                      configured_url: str | None = None) -> list[dict]:
    """Load every export file dropped in ``directory`` (parents first) and move each to ``done/``.

    Files younger than ``min_age_seconds`` may still be being copied in, so they wait for the next pass.
    A file is left in place only when loading it failed for a reason of ours (the database); a file
    that is unreadable or wrong goes to ``done/`` with its run recording why.
    """
    folder = Path(directory)
    if not folder.is_dir():
        return []
    done = folder / "done"
    now = time.time()
    files = [p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in EXPORT_SUFFIXES
             and now - p.stat().st_mtime >= min_age_seconds]

    def order(path: Path):
        table = table_for_filename(path.name)
        return (mapping.SOURCE_TABLES.index(table) if table in mapping.SOURCE_TABLES else -1, path.name)

    results = []
    for path in sorted(files, key=order):
        result = import_export_file(database, str(path), path.name, triggered_by, limits, configured_url)
        result["filename"] = path.name
        results.append(result)
        if result["status"] == "failed" and result["rows_rejected"] == 0 and not result["refused"]:
            continue  # our side failed: try again next pass
        done.mkdir(exist_ok=True)
        stamp = utcnow().strftime("%Y%m%dT%H%M%S")
        shutil.move(str(path), str(done / f"{stamp}_{path.name}"))
    return results

