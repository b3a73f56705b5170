"""Back up a Q-Corner PostgreSQL database and prove the backup restores to the same content.

    python proof/backup_check.py check  DSN [--dump-file F] [--keep-restored NAME] [--jobs N]
    python proof/backup_check.py verify DSN --manifest F.manifest.json [--dump-file F]

``check`` (what the nightly backup runs):
1. opens a REPEATABLE READ transaction on DSN and exports its snapshot (``pg_export_snapshot``);
2. runs ``pg_dump -Fc --snapshot=…`` — the dump sees exactly that snapshot — while the same transaction
   fingerprints every table, so a live database being written to still compares exactly;
3. writes ``F.manifest.json`` beside the dump: the fingerprints, the dump's size and sha256;
4. restores the dump with ``pg_restore`` into a NEW database on the same server, fingerprints it, compares,
   prints one line per table and drops the new database (unless ``--keep-restored``).
``verify`` fingerprints a database someone restored by hand (the switch-over database) and compares it with a
backup's manifest, so a restore can be checked after the original is gone.

A table's fingerprint is its row count and a checksum computed in SQL on each side: every row's text
(``md5(row::text)``) is hashed and the hashes are summed as 128-bit numbers. A sum, not an ordered
``string_agg``, so it needs no primary key or sort and no 1 GB text value (stage events at national scale
pass that); any changed, missing or extra row changes it. Row text depends on the session's TimeZone,
DateStyle, float and bytea settings, which both sides set the same way (SESSION_SETTINGS). Beside the
tables: index and constraint definitions must be the same, and each sequence may not be behind its source
(sequences are not transactional, so on a live database pg_dump may read a later value than the snapshot; the
source's are read just before pg_dump starts, never after it).

Exit status: 0 all equal, 1 a difference, 2 the backup or restore itself failed. Needs only psycopg2 and
PostgreSQL's client programs (pg_dump/pg_restore of the server's major version or newer; when the ones on
PATH are older, /usr/lib/postgresql/<major>/bin is tried). The role needs CREATEDB for ``check``.
"""
from __future__ import annotations

import argparse
import glob
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone

import psycopg2
from psycopg2 import sql
from psycopg2.extensions import make_dsn, parse_dsn

# Fixed on both sides so a row's text cannot differ for a reason other than its values.
SESSION_SETTINGS = {"TimeZone": "UTC", "DateStyle": "ISO, YMD", "IntervalStyle": "postgres",
                    "extra_float_digits": "1", "bytea_output": "hex"}

TABLES = """
SELECT n.nspname, c.relname
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
  AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'
ORDER BY 1, 2
"""
# A partitioned table is read through its parent (every partition's rows), so re-partitioning the same rows
# compares equal; the sum of two 64-bit halves of each row's md5 is order-independent.
TABLE_FINGERPRINT = """
SELECT count(*),
       coalesce(sum(('x' || substr(h, 1, 16))::bit(64)::bigint::numeric), 0)::text,
       coalesce(sum(('x' || substr(h, 17, 16))::bit(64)::bigint::numeric), 0)::text
FROM (SELECT md5(qc_row__::text) AS h FROM {table} AS qc_row__) AS hashes
"""
SEQUENCES = """
SELECT schemaname || '.' || sequencename, coalesce(last_value, 0), last_value IS NOT NULL
FROM pg_sequences WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1
"""
INDEXES = """
SELECT schemaname || '.' || indexname, indexdef FROM pg_indexes
WHERE schemaname NOT IN ('pg_catalog', 'information_schema') AND schemaname NOT LIKE 'pg\\_%' ORDER BY 1
"""
CONSTRAINTS = """
SELECT n.nspname || '.' || cl.relname || '.' || co.conname, pg_get_constraintdef(co.oid)
FROM pg_constraint co JOIN pg_class cl ON cl.oid = co.conrelid JOIN pg_namespace n ON n.oid = cl.relnamespace
WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'
  AND NOT cl.relispartition ORDER BY 1
"""


class BackupFailed(RuntimeError):
    """pg_dump or pg_restore failed, or no usable client program was found."""


@dataclass
class Fingerprint:
    """What a database holds, in a form two databases (or a database and a manifest) can be compared by."""

    tables: dict[str, dict] = field(default_factory=dict)      # name -> {"rows": int, "checksum": str}
    sequences: dict[str, int] = field(default_factory=dict)    # name -> last value (0: never used)
    indexes: dict[str, str] = field(default_factory=dict)      # name -> definition
    constraints: dict[str, str] = field(default_factory=dict)  # table.name -> definition

    def as_dict(self) -> dict:
        return {"tables": self.tables, "sequences": self.sequences, "indexes": self.indexes,
                "constraints": self.constraints}

    @classmethod
    def from_dict(cls, data: dict) -> "Fingerprint":
        return cls(**{key: data.get(key, {}) for key in ("tables", "sequences", "indexes", "constraints")})


@dataclass
class Line:
    """One compared object for the printed table."""

    kind: str
    name: str
    source: str
    restored: str
    ok: bool


# ---------------------------------------------------------------- connections and client programs


def libpq_dsn(url: str) -> str:
    """A libpq connection string from a SQLAlchemy URL (postgresql+psycopg2://…) or a libpq DSN/URI."""
    return re.sub(r"^postgres(?:ql)?\+\w+://", "postgresql://", url.strip())


def with_database(dsn: str, name: str) -> str:
    """The same server and credentials, another database."""
    return make_dsn(libpq_dsn(dsn), dbname=name)


def database_name(dsn: str) -> str:
    return parse_dsn(libpq_dsn(dsn)).get("dbname") or os.environ.get("PGDATABASE") or os.environ.get("USER", "")


def connect(dsn: str, autocommit: bool = False):
    connection = psycopg2.connect(libpq_dsn(dsn))
    connection.autocommit = autocommit
    with connection.cursor() as cursor:
        for name, value in SESSION_SETTINGS.items():
            cursor.execute("SELECT set_config(%s, %s, false)", (name, value))
    if not autocommit:
        connection.commit()  # session-wide settings; the caller's transaction starts afresh
    return connection


def server_major(connection) -> int:
    return connection.server_version // 10000


def client_program(name: str, at_least: int) -> str:
    """``name`` (pg_dump, pg_restore) of major version >= ``at_least``: PATH first, then Debian's versioned dirs."""
    candidates = [shutil.which(name)] + sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
                                               key=_version_of_dir, reverse=True)
    seen = []
    for path in filter(None, candidates):
        major = _program_major(path)
        seen.append(f"{path} ({major})")
        if major >= at_least:
            return path
    raise BackupFailed(f"no {name} of PostgreSQL {at_least} or newer (found: {', '.join(seen) or 'none'})")


def _version_of_dir(path: str) -> int:
    match = re.search(r"/postgresql/(\d+)/", path)
    return int(match.group(1)) if match else 0


def _program_major(path: str) -> int:
    out = subprocess.run([path, "--version"], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"\)\s*(\d+)", out).group(1))  # "pg_dump (PostgreSQL) 15.20 (Debian …)"


def _tool_env(dsn: str) -> tuple[str, dict]:
    """The DSN without its password (kept out of the process list) and an environment carrying it."""
    parts = parse_dsn(libpq_dsn(dsn))
    env = dict(os.environ)
    if "password" in parts:
        env["PGPASSWORD"] = parts.pop("password")
    return make_dsn(**parts), env


# ---------------------------------------------------------------- fingerprints


def fingerprint(cursor) -> Fingerprint:
    """Fingerprint the database of ``cursor``'s connection, inside whatever transaction it is in."""
    result = Fingerprint()
    cursor.execute(TABLES)
    for schema, table in cursor.fetchall():
        cursor.execute(sql.SQL(TABLE_FINGERPRINT).format(table=sql.Identifier(schema, table)))
        rows, high, low = cursor.fetchone()
        checksum = hashlib.md5(f"{high}:{low}".encode()).hexdigest()
        result.tables[_name(schema, table)] = {"rows": rows, "checksum": checksum}
    cursor.execute(SEQUENCES)
    result.sequences = {name: int(value) for name, value, _used in cursor.fetchall()}
    cursor.execute(INDEXES)
    result.indexes = dict(cursor.fetchall())
    cursor.execute(CONSTRAINTS)
    result.constraints = dict(cursor.fetchall())
    return result


def _name(schema: str, table: str) -> str:
    return table if schema == "public" else f"{schema}.{table}"


def fingerprint_database(dsn: str) -> Fingerprint:
    connection = connect(dsn)
    try:
        connection.set_session(isolation_level="REPEATABLE READ", readonly=True)
        with connection.cursor() as cursor:
            return fingerprint(cursor)
    finally:
        connection.close()


def compare(source: Fingerprint, restored: Fingerprint) -> list[Line]:
    """Every table (rows and checksum), then only the other objects that differ."""
    lines = []
    for name in sorted(set(source.tables) | set(restored.tables)):
        a, b = source.tables.get(name), restored.tables.get(name)
        shown = lambda t: f"{t['rows']:>9,} {t['checksum'][:12]}" if t else "(missing)"  # noqa: E731
        lines.append(Line("table", name, shown(a), shown(b), a == b))
    for name in sorted(set(source.sequences) | set(restored.sequences)):
        a, b = source.sequences.get(name), restored.sequences.get(name)
        ok = a is not None and b is not None and b >= a
        if not ok:
            lines.append(Line("sequence", name, str(a), str(b), False))
    for kind, a_map, b_map in (("index", source.indexes, restored.indexes),
                               ("constraint", source.constraints, restored.constraints)):
        for name in sorted(set(a_map) | set(b_map)):
            if a_map.get(name) != b_map.get(name):
                lines.append(Line(kind, name, a_map.get(name) or "(missing)", b_map.get(name) or "(missing)", False))
    return lines


def report(lines: list[Line], source: Fingerprint, out=None) -> bool:
    """Print the comparison as a table; True when everything is equal."""
    out = out or sys.stdout
    width = max([len(line.name) for line in lines] + [10])
    print(f"{'object':<{width + 11}} {'source rows  checksum':<24} {'restored rows checksum':<24} result", file=out)
    for line in lines:
        source_text, restored_text = (line.source, line.restored) if line.kind == "table" else (
            line.source[:24], line.restored[:24])
        print(f"{line.kind:<10} {line.name:<{width}} {source_text:<24} {restored_text:<24} "
              f"{'ok' if line.ok else 'DIFFERENT'}", file=out)
    different = [line for line in lines if not line.ok]
    rows = sum(t["rows"] for t in source.tables.values())
    print(f"{len(source.tables)} tables, {rows:,} rows, {len(source.indexes)} indexes, "
          f"{len(source.constraints)} constraints, {len(source.sequences)} sequences: "
          + ("all equal" if not different else f"{len(different)} DIFFERENT"), file=out)
    return not different


# ---------------------------------------------------------------- dump and restore


def dump_with_fingerprint(dsn: str, dump_file: str) -> tuple[Fingerprint, dict]:
    """pg_dump -Fc of ``dsn`` and the fingerprint of exactly the snapshot the dump holds."""
    connection = connect(dsn)
    try:
        connection.set_session(isolation_level="REPEATABLE READ", readonly=True)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_export_snapshot(), now(), current_database(), version()")
            snapshot, taken_at, name, version = cursor.fetchone()
            pg_dump = client_program("pg_dump", server_major(connection))
            tool_dsn, env = _tool_env(dsn)
            # Sequences are not transactional: read them before pg_dump starts, so that whatever value pg_dump
            # reads later (a live database's writes only move them on) is never behind the fingerprint's.
            cursor.execute(SEQUENCES)
            at_snapshot = {name: int(value) for name, value, _used in cursor.fetchall()}
            started = time.monotonic()
            # The exporting transaction stays open (fingerprinting) until pg_dump has finished with the snapshot.
            process = subprocess.Popen([pg_dump, "--format=custom", f"--snapshot={snapshot}", f"--file={dump_file}",
                                        f"--dbname={tool_dsn}"], env=env, stderr=subprocess.PIPE, text=True)
            try:
                source = fingerprint(cursor)
            finally:
                _, errors = process.communicate()
            source.sequences = at_snapshot
            if process.returncode != 0:
                raise BackupFailed(f"pg_dump failed ({process.returncode}): {errors.strip()}")
            seconds = time.monotonic() - started
    finally:
        connection.close()
    info = {"database": name, "server": version, "pg_dump": pg_dump, "snapshot_at": taken_at.isoformat(),
            "dump_file": os.path.abspath(dump_file), "dump_bytes": os.path.getsize(dump_file),
            "dump_sha256": _sha256(dump_file), "dump_seconds": round(seconds, 2)}
    return source, info


def _sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _on_server(dsn: str, statement: str, name: str) -> None:
    """Run ``statement`` with the database ``name`` quoted into it, outside a transaction, on the server of ``dsn``
    (through the database ``dsn`` names: CREATE/DROP DATABASE cannot run inside the one they act on)."""
    admin = connect(with_database(dsn, database_name(dsn)), autocommit=True)
    try:
        with admin.cursor() as cursor:
            cursor.execute(sql.SQL(statement).format(sql.Identifier(name)))
    finally:
        admin.close()


def create_database(dsn: str, name: str) -> str:
    """CREATE DATABASE name (from template0, as pg_restore expects) on the server of ``dsn``; its DSN."""
    _on_server(dsn, "CREATE DATABASE {} TEMPLATE template0", name)
    return with_database(dsn, name)


def drop_database(dsn: str, name: str) -> None:
    """Drop the database ``name`` on the server of ``dsn``, even with connections still open."""
    _on_server(dsn, "DROP DATABASE IF EXISTS {} WITH (FORCE)", name)


def restore(dump_file: str, target_dsn: str, jobs: int = 1) -> float:
    """pg_restore the dump into the (empty) database at ``target_dsn``; stops at the first error."""
    connection = connect(target_dsn)
    try:
        pg_restore = client_program("pg_restore", server_major(connection))
    finally:
        connection.close()
    tool_dsn, env = _tool_env(target_dsn)
    started = time.monotonic()
    done = subprocess.run([pg_restore, "--exit-on-error", f"--jobs={jobs}", f"--dbname={tool_dsn}", dump_file],
                          env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupFailed(f"pg_restore failed ({done.returncode}): {done.stderr.strip()}")
    return time.monotonic() - started


def write_manifest(path: str, source: Fingerprint, info: dict) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        json.dump({"created_at": datetime.now(timezone.utc).isoformat(), **info, **source.as_dict()}, handle,
                  indent=1, sort_keys=True)


def read_manifest(path: str) -> tuple[Fingerprint, dict]:
    with open(path, encoding="utf-8") as handle:
        data = json.load(handle)
    return Fingerprint.from_dict(data), data


@dataclass
class CheckResult:
    equal: bool
    lines: list[Line]
    source: Fingerprint
    restored: Fingerprint
    info: dict
    restored_dsn: str | None  # set when the restored database was kept


def run_check(dsn: str, dump_file: str | None = None, keep_restored: str | None = None, jobs: int = 1,
              out=None) -> CheckResult:
    """Dump ``dsn`` (keeping the dump at ``dump_file`` with its manifest), restore it into a new database,
    compare and print. The new database is dropped afterwards unless ``keep_restored`` names it."""
    out = out or sys.stdout
    scratch_dir = None
    if dump_file is None:
        scratch_dir = tempfile.mkdtemp(prefix="qcorner-backup-")
        dump_file = os.path.join(scratch_dir, "qcorner.dump")
    target = keep_restored or f"{database_name(dsn)[:40]}_restore_{uuid.uuid4().hex[:8]}"
    try:
        source, info = dump_with_fingerprint(dsn, dump_file)
        if scratch_dir is None:
            write_manifest(dump_file + ".manifest.json", source, info)
        print(f"dumped {info['database']} at {info['snapshot_at']}: {info['dump_bytes']:,} bytes in "
              f"{info['dump_seconds']} s → {dump_file}", file=out)
        target_dsn = create_database(dsn, target)
        kept = False
        try:
            info["restore_seconds"] = round(restore(dump_file, target_dsn, jobs), 2)
            print(f"restored into new database {target} in {info['restore_seconds']} s", file=out)
            restored = fingerprint_database(target_dsn)
            kept = keep_restored is not None
        finally:
            if not kept:
                drop_database(dsn, target)
        lines = compare(source, restored)
        equal = report(lines, source, out)
        return CheckResult(equal, lines, source, restored, info, target_dsn if kept else None)
    finally:
        if scratch_dir:
            shutil.rmtree(scratch_dir, ignore_errors=True)


def run_verify(dsn: str, manifest: str, dump_file: str | None = None, out=None) -> bool:
    """Compare a database (restored by hand) with the manifest its backup wrote."""
    out = out or sys.stdout
    source, data = read_manifest(manifest)
    if dump_file is not None and _sha256(dump_file) != data.get("dump_sha256"):
        print(f"{dump_file}: sha256 differs from the manifest's — the dump file is damaged", file=out)
        return False
    print(f"comparing {database_name(dsn)} with the backup of {data.get('database')} taken at "
          f"{data.get('snapshot_at')}", file=out)
    return report(compare(source, fingerprint_database(dsn)), source, out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser("check", help="dump, restore into a new database, compare")
    check.add_argument("dsn", help="the database to back up (libpq DSN/URI or SQLAlchemy URL)")
    check.add_argument("--dump-file", help="keep the dump here (and its manifest at <file>.manifest.json)")
    check.add_argument("--keep-restored", metavar="NAME", help="restore into this new database and keep it")
    check.add_argument("--jobs", type=int, default=1, help="pg_restore --jobs")
    verify = commands.add_parser("verify", help="compare a restored database with a backup's manifest")
    verify.add_argument("dsn", help="the restored database")
    verify.add_argument("--manifest", required=True)
    verify.add_argument("--dump-file", help="also check the dump file's sha256 against the manifest")
    args = parser.parse_args(argv)
    try:
        if args.command == "check":
            return 0 if run_check(args.dsn, args.dump_file, args.keep_restored, args.jobs).equal else 1
        return 0 if run_verify(args.dsn, args.manifest, args.dump_file) else 1
    except (BackupFailed, psycopg2.Error, OSError) as error:
        print(f"backup check failed: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
