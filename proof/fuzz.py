"""Hostile input (issue #9): the property tests of tests/hostile/ run with many examples, and a summary.

    .venv/bin/python -m proof.fuzz                          # 300 examples per property, PostgreSQL then SQLite
    .venv/bin/python -m proof.fuzz --examples 50 --backend sqlite

Each property's example count is QCORNER_FUZZ_EXAMPLES scaled by the property's cost (see tests/hostile.py fuzz());
the tests count the examples they really ran per target and this script writes them, with each test's outcome,
to docs/proof/hostile-input.md, together with the bugs the fuzzing found and how each was fixed.
Exit code 1 when any test fails (its hypothesis report — the smallest failing example — is in the pytest output).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ElementTree
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REPORT = ROOT / "docs" / "proof" / "hostile-input.md"
TEST_FILES = ("tests/hostile/test_hostile_input.py", "tests/hostile/test_hostile_callbacks.py",
              "tests/hostile/test_hostile_forms_pages.py", "tests/hostile/test_hostile_forms_officers.py",
              "tests/hostile/test_hostile_forms_admin.py", "tests/hostile/test_hostile_forms_service_users.py",
              "tests/hostile/test_hostile_imports.py", "tests/hostile/test_hostile_workbooks.py",
              "tests/hostile/test_hostile_login.py", "tests/hostile/test_bounded_bodies.py")

# What the fuzzing found while these tests were written, and the fix of each (the regression test pins it).
FOUND_AND_FIXED = [
    ("Any Dash callback given a value of the wrong type (a list for text, a word for an id, a dict for a date, a "
     "missing key) answered 500 — about a hundred distinct crash sites over 95 callbacks; a request Dash itself "
     "rejects (wrong number of outputs, or none listed), a body that is not an object and JSON nested 100 000 deep "
     "also gave 500.",
     "portal/bad_requests.py (new, installed in portal/app.py): on the callback route such an error is a 400 "
     "(logged with its traceback); portal.validation.NotFound / Forbidden escaping a callback are 404 / 403. "
     "The unit of work has rolled back first, so nothing is written.",
     "test_hostile_input.py::test_a_callback_value_of_the_wrong_type_is_a_400_not_a_500, "
     "…_pointed_at_a_record_that_does_not_exist_is_a_404, …_request_that_does_not_match_its_callback_is_a_400, "
     "…_request_that_lists_no_outputs_is_a_400"),
    ("A NUL character in any form field, query or callback value: PostgreSQL refuses it (500 on /pengaduan, "
     "/pengaduan/lacak, /account/forgot, the survey…) while SQLite stored it.",
     "portal/bad_requests.py refuses a request carrying NUL anywhere (path, query, form, JSON) with a 400 before it "
     "runs — the same on both databases (message error.bad_request in core.json).",
     "test_hostile_input.py::test_a_form_post_or_query_with_a_nul_character_is_a_400_page_on_both_databases, "
     "…::test_a_callback_payload_with_a_nul_character_is_refused_before_it_runs"),
    ("An email address past 254 characters passed validation and failed the insert: 500 on /account/register "
     "(access_tokens.subject), on the public complaint form (complaints.reporter_email) and in the admin's user "
     "and invitation forms.",
     "users.EMAIL_PATTERN allows at most 254 characters; complaints.LIMITS has reporter_email: 254.",
     "test_hostile_input.py::test_an_email_past_254_characters_is_a_field_error_not_a_500"),
    ("A full name past 200 characters (users.full_name) in the admin's user form, the invitation and the "
     "registration link: 500 on PostgreSQL.",
     "users.check_full_name (used by users._check_profile and service_accounts.invite / complete_registration): a "
     "field error users.error.full_name_long.",
     "test_hostile_input.py::test_a_full_name_past_200_characters_is_a_field_error"),
    ("Help: the chapter name from the browser went straight into a file path — ../../../README read another "
     "Markdown file, a 5 000-character name raised OSError (500).",
     "portal.manual.chapter serves only the roles' own chapters (ROLES_IN_ORDER).",
     "test_hostile_input.py::test_help_shows_only_a_roles_own_chapter"),
    ("An NNC dated 0001-01-01 (a date input accepts it) passed validation; the compliance refresh then "
     "overflowed: a 500 on the form, and the whole NNC import crashed on such a row.",
     "portal/services/nnc.py: dates before 1900 are nnc.error.date_invalid, beside the field or on the row.",
     "test_hostile_input.py::test_an_nnc_dated_in_year_one_is_a_field_error, "
     "test_hostile_imports.py::test_nnc_rows_dated_in_year_one_are_refused_by_row"),
    ("Open redirect: ?next=/\\evil.example passed the same-site check of /login and /lang/<code>, and browsers "
     "follow it to evil.example; other control characters in the path were let through too.",
     "portal.web.auth._safe_next refuses backslashes and control characters.",
     "test_hostile_input.py::test_links_back_after_login_or_a_language_switch_stay_on_the_portal"),
    ("A stranger opening a path with %0A or %0D in it got a 500: the guard put the raw path into the Location "
     "header of the redirect to /login.",
     "portal/guard.py quotes the path in ?next=.",
     "test_hostile_input.py::test_a_path_with_a_line_break_sends_a_stranger_to_login_not_a_500"),
    ("On SQLite, an id past 64 bits in a path (/nnc/attachments/9223372036854775808…) raised OverflowError (500).",
     "portal/bad_requests.py answers such a path 404 on both databases.",
     "test_hostile_input.py::test_an_id_in_a_path_past_64_bits_is_a_404_on_both_databases"),
    ("IQFast export: a CSV with bytes undefined in cp1252 crashed the importer (UnboundLocalError, a 500 on the "
     "upload page); a cell past the csv module's field limit raised csv.Error the same way.",
     "portal/iqfast/export_source.py: such a file is refused as a whole with a reason (ExportFileError).",
     "test_hostile_imports.py::test_export_csv_that_is_not_text_or_has_a_giant_cell_is_refused_as_a_file"),
    ("IQFast export: one row with a number past its column (an id of 10^30), a year 0001 or a NUL made the whole "
     "file's transaction fail — every good row lost and no row named.",
     "export_source checks integer ranges (16/32/64 bit as in IQFast), numeric precision, years 1900–2200 and NUL "
     "per cell: the row is refused with its row number, the rest loads.",
     "test_hostile_imports.py::test_export_rows_with_numbers_or_dates_out_of_range_are_refused_by_row"),
    ("IQFast export: a file the database refused as a whole (e.g. a new PTK id carrying an existing PTK number) "
     "was reported as 'failed' with no reason on the upload page, and its run recorded rows it had not written.",
     "sync.import_export_file lists the database's reason as the file's own error (row 0, not counted as a "
     "rejected row, so the export folder still retries the file) and records rows_written = {}.",
     "test_hostile_imports.py::test_export_file_the_database_refuses_says_why_and_writes_nothing"),
    ("NNC import: a lone carriage return inside a CSV cell raised csv.Error (a 500 on the import page, a "
     "traceback from `qcorner nnc import`); a cell past the field limit the same; a cell with a line break shifted "
     "the reported row numbers.",
     "portal/services/nnc_import.py reads CSV with newline='' and numbers records as spreadsheet rows; csv.Error "
     "is the file's format error.",
     "test_hostile_imports.py::test_nnc_csv_with_a_line_break_inside_a_cell_or_a_giant_cell"),
]

# Issue 16 (bounded imports): found by probing as an attacker, not by the fuzzing; written with its own heading.
HOSTILE_WORKBOOKS = [
    ("A 4.7 KB XLSX whose `<dimension>` claims A1:XFD1048576 with one real cell made `qcorner nnc import` and the NNC "
     "import page allocate until MemoryError (3.5 s and 130 MB per 1,000 claimed rows); the IQFast export import "
     "(the admin's 512 MB upload) did the same.",
     "portal/spreadsheets.py, the one reader of every import: openpyxl read-only with reset_dimensions() and "
     "max_row/max_col bounds; a guard on the sheet's XML refuses a row numbered past the row limit before openpyxl "
     "makes up the rows up to it.",
     "test_hostile_workbooks.py::test_hostile_workbook_is_refused_cheaply_by_qcorner_nnc_import[dimension], "
     "…_by_the_nnc_import_page[dimension], …_by_qcorner_sync_import[dimension], "
     "…_by_the_admin_export_upload[dimension]"),
    ("A zip member may declare gigabytes unpacked, or unpack a thousand times its size; nothing looked before "
     "unpacking.",
     "The zip directory is read first: the declared unpacked size of all members (QCORNER_…_MAX_UNZIPPED_BYTES) and "
     "each member's ratio (QCORNER_SPREADSHEET_MAX_COMPRESSION_RATIO, past 1 MB); zipfile never unpacks more than "
     "a member declares.",
     "…[declared_size] through the same four doors; test_spreadsheets.py::"
     "test_a_sheet_that_packs_like_a_zip_bomb_is_refused_by_its_ratio"),
    ("Rows were all read before the row limit was checked (NNC), or not limited at all (IQFast export); one row of "
     "400,000 cells in a 5 MB file took 12 s and 290 MB (openpyxl builds the whole row first), and cells past the "
     "last column read were dropped without a word.",
     "Rows are streamed and reading stops at the first row past QCORNER_…_MAX_ROWS; the sheet guard bounds the tags "
     "of each row; a cell past …_MAX_COLUMNS or more than …_MAX_CELLS filled cells refuse the file; CSV is read "
     "line by line (1 MB a line at most).",
     "…[rows] through the same four doors; test_spreadsheets.py::"
     "test_one_row_of_400000_cells_is_refused_before_openpyxl_builds_it, …_a_cell_past_the_column_limit_is_refused_not_dropped"),
    ("In the new reader itself, found by its properties: an empty styled cell past the column limit refused the "
     "file; an empty CSV read as one empty record; the CSV delimiter was guessed from the first physical line (a "
     "lone carriage return ends one) instead of the text before the first line feed.",
     "Only a cell with a value past the limit refuses (openpyxl drops empty ones); the CSV reader peeks a bounded "
     "head for the delimiter and then reads line by line.",
     "test_hostile_workbooks.py::test_the_reader_returns_every_row_of_a_file_within_its_limits_and_refuses_one_past_"
     "them, …::test_the_csv_reader_reads_what_the_csv_module_reads_within_the_limits"),
]
HOSTILE_WORKBOOK_LIMITS = [
    "openpyxl reads a workbook's shared strings whole: counted first (no more than the cell limit), their text "
    "bounded by the unpacked-size limit, not streamed.",
    "The IQFast export import holds a file's rows while it loads them: bounded by its rows and cells limits.",
]

# Issue #16, as an attacker probed `make run`: bodies, the audit log, logout, the dependency map and small leaks.
# (what held badly, the fix, the test that pins it)
HOSTILE_USERS = [
    ("A logged-in service user's 30 MB callback body to a callback it may call was answered 200 after 10–21 s and "
     "grew the worker by ~80 MB (the recursive NUL check over the parsed JSON took most of it).",
     "portal/security/bodies.py: the body is bounded on the raw request before parsing (4 MB; 64 MB only for the "
     "callbacks taking a dcc.Upload's contents and only for roles that may call one) — a larger Content-Length is "
     "refused 413 unread, a chunked body read to the limit and no further; the NUL check reads the raw bytes.",
     "test_bounded_bodies.py::test_a_30_mb_callback_body_from_a_service_user_is_refused_before_it_is_read "
     "(CPU time < 1 s, 0 bytes read), …::test_a_body_near_the_limit_is_refused_exactly_past_it_and_never_read_"
     "further, …::test_the_raw_nul_check_agrees_with_the_parsed_json"),
    ("Every malformed callback request wrote an access_denied audit row; 80 a second from one user buried real "
     "probing.",
     "A request naming no callback is 400 with no audit row; denials are one row per session and minute with a "
     "count and the refused targets (migration 0017d, portal/audit.py:record_denied).",
     "test_guard.py::test_a_callback_request_naming_no_callback_is_answered_400_without_an_audit_row, "
     "…::test_denials_are_counted_in_one_row_per_session_and_minute"),
    ("GET /logout ended a session without a token (an image on another site logged people out).",
     "Logout is a POST with the CSRF token (the menu's form); GET /logout only asks.",
     "test_login.py::test_get_logout_only_asks_and_a_post_without_the_token_ends_nothing"),
    ("/_dash-dependencies gave a service user the names of every admin callback.",
     "portal/security/access.py:serve_dependencies_by_role lists only the callbacks the role may call.",
     "test_permissions.py::test_each_role_is_told_only_of_the_callbacks_it_may_call, "
     "test_browser_login.py::test_each_demo_role_lands_on_its_home_page_with_its_menu_draws_its_pages_and_logs_out_"
     "for_good (every demo role in Chromium)"),
    ("/healthz told anonymous callers the database backend.",
     "Detail only to the host itself (loopback, no X-Forwarded-For) and to admins.",
     "test_guard.py::test_healthz_tells_an_anonymous_remote_caller_only_whether_it_is_up"),
    ("% and _ in the complaint and audit searches matched everything.",
     "portal/services/text_search.py builds every search's LIKE with the wildcards escaped.",
     "test_text_search.py"),
    ("Invitation pages were sent without Cache-Control: no-store; the Server header named Werkzeug's and Python's "
     "versions.",
     "no-store on every page, JSON answer and signed-in response (static files excepted); `qcorner serve` says "
     "Server: Q-Corner.",
     "test_security_headers.py::test_a_page_whose_address_carries_a_token_is_never_cached, "
     "…::test_the_built_in_server_names_no_versions"),
]

KNOWN_LIMITS = [
    "A conflict only the database can see (an IQFast export row whose new id carries another record's unique "
    "number) still refuses the whole file, now with the database's reason; the sync writer cannot name the row.",
    "Markup is stored as typed and shown as text. Server pages escape it (Jinja autoescape; no `|safe`); Dash "
    "renders strings as text and no component renders raw HTML (checked statically by "
    "test_no_component_renders_raw_html); CSV/XLSX exports neutralise formulas (portal/exports.py).",
    "There is no complaint import: complaints arrive one by one through the forms, which are fuzzed.",
]


# Issue #16, login throttling and enumeration: what an attacker tried, what holds now, and the test that shows it.
LOGIN_THROTTLING = [
    ("Five anonymous POSTs with a victim's username locked the account for 15 minutes (repeated: for good).",
     "Failures are counted per address and per (name, address) in the rate-limit storage; the victim logs in from "
     "any other address. A hard lock needs 100 failures from 10 addresses in 24 hours, and an admin lifts it.",
     "test_login_throttling.py::test_failures_from_one_address_for_a_name_do_not_stop_its_owner_logging_in_from_"
     "another, …::test_a_name_failing_from_many_addresses_is_locked_until_an_admin_lifts_it"),
    ("40 failed logins from one address in 5.7 s, no 429.",
     "20 failures in 10 minutes from an address (200 a day), 5/10/20 for one name (15 minutes/hour/day): then 429 "
     "with Retry-After, before the password is checked.",
     "test_login_throttling.py::test_many_failures_from_one_address_get_429_with_retry_after_and_an_indonesian_"
     "message, …::test_the_wait_grows_with_each_round_of_failures"),
    ("After 5 failures only real accounts said 'Akun dikunci … sampai …', and a locked account answered in 8 ms "
     "(no hash check): which names exist could be read off the answer and its timing.",
     "One answer (401, one message) and one amount of work for every failure: one scrypt check (a dummy hash for "
     "unknown names), the same SQL; unknown names are counted and throttled like real ones.",
     "test_login_throttling.py::test_known_and_unknown_names_get_the_same_answer_after_any_number_of_failures[0,5,20]"
     ", …::test_every_kind_of_failure_does_the_same_work; fuzzed: test_hostile_login.py"),
    ("/account/forgot answered 5 ms faster for unknown names and sent the mail inside the request.",
     "The same page is answered first; the look-up, the outbox row and the delivery run after the response.",
     "test_login_throttling.py::test_forgot_password_answers_the_same_and_mails_through_the_outbox_after_the_"
     "response"),
]


def login_throttling_section() -> list[str]:
    """The report's section on issue #16's login cases."""
    lines = ["## Login throttling and enumeration (issue #16)", "",
             "| # | what an attacker could do | what holds now | test |", "|---:|---|---|---|"]
    lines += [f"| {n} | {what} | {now} | {test} |" for n, (what, now, test) in enumerate(LOGIN_THROTTLING, start=1)]
    return lines + [""]


def run(backend: str, examples: int, extra: list[str]) -> dict:
    """One pytest run of the hostile tests on one backend: outcomes per test and examples per target."""
    with tempfile.TemporaryDirectory(prefix="qcorner-fuzz-") as folder:
        counts_path, junit_path = Path(folder) / "examples.json", Path(folder) / "junit.xml"
        # New examples at each proof run (the suite's are the same every time: tests/conftest.py).
        env = {**os.environ, "QCORNER_FUZZ_EXAMPLES": str(examples), "QCORNER_FUZZ_REPORT": str(counts_path),
               "QCORNER_HYPOTHESIS_EXPLORE": "1"}
        if backend == "sqlite":
            env["QCORNER_TEST_BACKEND"] = "sqlite"
        else:
            env.pop("QCORNER_TEST_BACKEND", None)
        command = [sys.executable, "-m", "pytest", *TEST_FILES, "-q", "-p", "no:cacheprovider",
                   f"--junitxml={junit_path}", *extra]
        print(f"[{backend}] {' '.join(command[2:])}  (QCORNER_FUZZ_EXAMPLES={examples})", flush=True)
        started = time.monotonic()
        completed = subprocess.run(command, cwd=ROOT, env=env)
        seconds = time.monotonic() - started
        counts = json.loads(counts_path.read_text()) if counts_path.exists() else {}
        tests = _outcomes(junit_path)
    merged: dict[str, int] = {}
    for per_worker in counts.values():
        for target, n in per_worker.items():
            merged[target] = merged.get(target, 0) + n
    return {"backend": backend, "exit": completed.returncode, "seconds": seconds, "examples": merged,
            "tests": tests}


def _outcomes(junit_path: Path) -> list[dict]:
    if not junit_path.exists():
        return []
    outcomes = []
    for case in ElementTree.parse(junit_path).getroot().iter("testcase"):
        failed = case.find("failure") is not None or case.find("error") is not None
        skipped = case.find("skipped") is not None
        outcomes.append({"test": f"{case.get('classname', '').rsplit('.', 1)[-1]}::{case.get('name')}",
                         "seconds": float(case.get("time") or 0),
                         "outcome": "failed" if failed else "skipped" if skipped else "passed"})
    return outcomes


# Issue #16, no lost updates: the versions the edit forms send back are fuzzed too (tests/support/hostile_forms.py,
# opened_versions). Its own section of the report, so other additions to the report stay apart from it.
STALE_EDITS = [
    "## Stale and forged versions (issue #16: no lost updates)",
    "",
    "Every edit form's save also sends the version it kept when it opened the record (`{version, values}` in a "
    "hidden store). The form properties draw it too: mostly the record's current version (so saves are tried), "
    "else an older one, or anything a crafted request can put there (nothing, text, numbers past 64 bits, floats, "
    "booleans, lists, dicts with hostile values). Property: a save whose version is not the record's current one "
    "never writes (the edited row and every table's row count unchanged) and is never a 500; the refusal names what "
    "changed since. Forms: NNC edit and follow-up, complaint handling (test_hostile_forms_officers.py), account, "
    "compliance scoring settings, KPI SLA hours (test_hostile_forms_admin.py), correction answer "
    "(test_hostile_forms_service_users.py); the guidance dialog's record store, version included, gets any JSON "
    "from test_hostile_callbacks.py. The two-session cases themselves are tests/services/test_stale_edits.py.",
    "",
]


def stale_edit_lines() -> list[str]:
    """The report's section on stale and forged versions (issue #16)."""
    return list(STALE_EDITS)


def write_report(runs: list[dict], examples: int) -> None:
    now = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = ["# Hostile input: property-based fuzzing", "",
             f"Generated by `.venv/bin/python -m proof.fuzz --examples {examples}` on {now} "
             f"({platform.node()}, {os.cpu_count()} cores, Python {platform.python_version()}).", "",
             "What is fuzzed (tests/hostile/test_hostile_*.py, strategies in tests/support/hostile.py): every Dash "
             "callback with any JSON in every input and state, and broken request envelopes; each form's save callback"
             " with browser-shaped hostile values (text of any content and length, markup, SQL, control characters, "
             "lone surrogates, numbers at every edge, impossible dates, unknown choices, stale ids, bad uploads); the "
             "server-rendered forms (/login, /pengaduan, /pengaduan/lacak, /account/…, /survey/…); the NNC import "
             "(service, Dash upload, `qcorner nnc import`) and the IQFast export import (service and "
             "/admin/sync/upload) with damaged files (cells, columns, rows, truncated, flipped and re-encoded bytes, "
             "garbage).", "",
             "Properties: never a 500 or an unhandled exception; a record or file is written whole or not at all "
             "(row counts of every table, and the edited row, compared before and after each example); a refused "
             "file writes nothing and says why, a refused row is reported with its row number and writes nothing; "
             "typed markup is stored as typed and comes back as text (escaped on server pages; Dash strings).", ""]
    for result in runs:
        passed = sum(t["outcome"] == "passed" for t in result["tests"])
        failed = [t for t in result["tests"] if t["outcome"] == "failed"]
        lines += [f"## {result['backend']}: {passed} passed, {len(failed)} failed in {result['seconds']:.0f} s "
                  f"({sum(result['examples'].values())} examples)", "",
                  "| target | examples run |", "|---|---:|"]
        lines += [f"| {target} | {n} |" for target, n in sorted(result["examples"].items())]
        if failed:
            lines += ["", "Failed: " + ", ".join(f"`{t['test']}`" for t in failed)]
        lines.append("")
    lines += login_throttling_section()
    lines += stale_edit_lines()
    lines += ["## Found by the fuzzing and fixed", "",
              "| # | what broke | fix | regression test |", "|---:|---|---|---|"]
    lines += [f"| {n} | {what} | {fix} | {test} |" for n, (what, fix, test) in enumerate(FOUND_AND_FIXED, start=1)]
    lines += ["", "## Hostile users (issue #16): bodies, the audit log, logout, the dependency map, small leaks", "",
              "| # | what held badly | fix | test |", "|---:|---|---|---|"]
    lines += [f"| {n} | {what} | {fix} | {test} |" for n, (what, fix, test) in enumerate(HOSTILE_USERS, start=1)]
    lines += ["", "## Limits and notes", ""] + [f"- {note}" for note in KNOWN_LIMITS]
    lines += _hostile_workbooks_section()
    lines += ["", "Rerun one property with more examples: `QCORNER_FUZZ_EXAMPLES=1000 .venv/bin/python -m pytest "
              "tests/hostile/test_hostile_forms_officers.py -k nnc_form -p no:cacheprovider`.",
              "`make test` draws the same examples at every run (hypothesis's `derandomize`, since 5 Dec 2026: a failure "
              "in CI is the one a rerun shows); this proof draws new ones (`QCORNER_HYPOTHESIS_EXPLORE=1`).", ""]
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text("\n".join(lines), encoding="utf-8")
    print(f"report: {REPORT.relative_to(ROOT)}")


def _hostile_workbooks_section() -> list[str]:
    """Issue 16's hostile workbooks: what they broke, the fix, the test, and what is left."""
    lines = ["", "## Hostile workbooks (issue 16): bounded imports", "",
             "Every import reads through portal/spreadsheets.py with its kind's limits (docs/security.md); "
             "tests/hostile/test_hostile_workbooks.py builds each file in the test and feeds it to both imports' CLI "
             "and page: refused with the limit named, nothing written, under a second of CPU time and 64 MB traced. "
             "Two properties there compare the readers, within random small limits, with openpyxl's and the csv "
             "module's own reading (prefixed tags, rows without numbers, texts moving the guard's read boundaries, "
             "line feeds and carriage returns in cells): the same rows, or a refusal naming a limit the file passes.",
             "", "| # | what broke | fix | regression test |", "|---:|---|---|---|"]
    lines += [f"| {n} | {what} | {fix} | {test} |" for n, (what, fix, test) in enumerate(HOSTILE_WORKBOOKS, start=1)]
    return lines + [""] + [f"- {note}" for note in HOSTILE_WORKBOOK_LIMITS]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--examples", type=int, default=300, help="QCORNER_FUZZ_EXAMPLES (default 300)")
    parser.add_argument("--backend", choices=("postgresql", "sqlite", "both"), default="both")
    parser.add_argument("--no-report", action="store_true", help="do not rewrite docs/proof/hostile-input.md")
    parser.add_argument("pytest_args", nargs="*", help="passed on to pytest (e.g. -k nnc)")
    args = parser.parse_args(argv)
    backends = ("postgresql", "sqlite") if args.backend == "both" else (args.backend,)
    runs = [run(backend, args.examples, args.pytest_args) for backend in backends]
    if not args.no_report:
        write_report(runs, args.examples)
    for result in runs:
        print(f"[{result['backend']}] exit {result['exit']}, {sum(result['examples'].values())} examples, "
              f"{result['seconds']:.0f} s")
    return 0 if all(result["exit"] == 0 for result in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
