"""Shared pieces of the hostile-input tests: hypothesis strategies for text, numbers, dates, JSON payloads and
files, the fuzz settings, a fast login, row counts of every table, and Dash callback payloads.

QCORNER_FUZZ_EXAMPLES sets how many examples each property runs (small by default, so `make test` stays
quick; proof/fuzz.py runs them with hundreds). QCORNER_FUZZ_REPORT names a JSON file where the examples
run per target are written when the process ends (proof/fuzz.py reads it).
"""
from __future__ import annotations

import atexit
import base64
import collections
import io
import json
import os
import re
import uuid
from datetime import date, datetime, timezone

from hypothesis import HealthCheck, settings, strategies as st
from sqlalchemy import MetaData, select, text
from werkzeug.security import generate_password_hash

from support.web import PASSWORD, csrf_token, logout

EXAMPLES = int(os.environ.get("QCORNER_FUZZ_EXAMPLES", "5"))
UTC = timezone.utc


# The hostile-input profile. Function-scoped fixtures are fine here: every property compares row counts before
# and after each example instead of relying on a clean database. No example database: CI stays stateless (a
# failure prints its smallest example, and `print_blob` the blob to replay it with @reproduce_failure).
settings.register_profile("qcorner-hostile", max_examples=EXAMPLES, deadline=None, database=None, print_blob=True,
                          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                                 HealthCheck.data_too_large, HealthCheck.filter_too_much,
                                                 HealthCheck.large_base_example])


def fuzz(scale: float = 1.0) -> settings:
    """The profile with QCORNER_FUZZ_EXAMPLES × scale examples (at least one): scale < 1 for costly targets."""
    return settings(settings.get_profile("qcorner-hostile"), max_examples=max(1, round(EXAMPLES * scale)))


# ------------------------------------------------------------------------------------------------ counting
_examples: collections.Counter = collections.Counter()


def ran(target: str) -> None:
    """Count one example against a target, for proof/fuzz.py's summary."""
    _examples[target] += 1


@atexit.register
def _write_report() -> None:
    path = os.environ.get("QCORNER_FUZZ_REPORT")
    if not path or not _examples:
        return
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    existing = {}
    if os.path.exists(path):
        with open(path, encoding="utf-8") as handle:
            existing = json.load(handle)
    existing[worker] = dict(_examples)
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(existing, handle, indent=1, sort_keys=True)


# ------------------------------------------------------------------------------------------------ text
# What people paste on purpose: markup, template and SQL injection, spreadsheet formulas, odd unicode.
SCRIPTS = (
    "<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "'><svg/onload=alert(document.cookie)>",
    "<a href=\"javascript:alert(1)\">klik</a>", "<iframe src=//evil.example></iframe>", "</textarea><script>x</script>",
    "<style>body{display:none}</style>", "<!--", "]]>", "&lt;b&gt;", "&amp;", "{{7*7}}", "{% print 1 %}", "${7*7}",
    "#{7*7}",
)
SQLISH = (
    "' OR '1'='1", "'; DROP TABLE users; --", "Robert'); DROP TABLE complaints;--", "1; SELECT pg_sleep(5)",
    "%", "_", "\\", "%%_\\'\"", "' UNION SELECT password_hash FROM users --", "admin'--", "1e309", "-0", "NaN",
)
ODD = (
    "=HYPERLINK(\"http://evil\",\"klik\")", "@SUM(A1:A9)", "+62 812", "-2+3", "\u202eevil\u202c", "\u200b",
    "\ufeffBOM", "İstanbul ǅ ß ﬁ", "e\u0301\u0301\u0301", "🙂👨‍👩‍👧‍👦🇮🇩", "مرحبا", "日本語テキスト", "\u00a0 \u3000",
    "../../../../etc/passwd", "..\\..\\windows\\win.ini", "C:\\con\\aux", "null", "None", "undefined", "true", "[]",
    "{}", "0", "-1", "99999999999999999999", " ", "\t", "\r\n", "\n\n\n",
)
CONTROL = st.characters(min_codepoint=0, max_codepoint=31)


def _long(alphabet) -> st.SearchStrategy[str]:
    """Long strings cheaply: a short piece repeated past every column's limit (up to ~12 000 characters)."""
    return st.builds(lambda piece, times: (piece * times)[:12_000], st.text(alphabet, min_size=1, max_size=8),
                     st.sampled_from((65, 101, 121, 201, 255, 256, 1001, 4001, 5001, 12_000)))


def hostile_text(nul: bool = True, surrogates: bool = False, long: bool = True) -> st.SearchStrategy[str]:
    """Any text a hostile person could send in one field.

    nul: include NUL bytes (a form post can carry %00; PostgreSQL cannot store them).
    surrogates: include lone UTF-16 surrogates (only JSON can carry them; a form post cannot).
    """
    alphabet = st.characters(exclude_categories=() if surrogates else ("Cs",),
                             exclude_characters=() if nul else ("\x00",))
    pieces = [st.sampled_from(SCRIPTS + SQLISH + ODD), st.text(alphabet, max_size=40),
              st.text(CONTROL if nul else st.characters(min_codepoint=1, max_codepoint=31), max_size=6),
              st.builds(lambda a, b, c: a + b + c, st.sampled_from(SCRIPTS + SQLISH),
                        st.text(alphabet, max_size=10), st.sampled_from(ODD))]
    if long:
        pieces.append(_long(alphabet))
    return st.one_of(*pieces)


def script_text() -> st.SearchStrategy[str]:
    """Markup that would run if it reached a page unescaped, with a little random text around it."""
    return st.builds(lambda before, attack, after: f"{before}{attack}{after}".strip() or attack,
                     st.text(st.characters(exclude_categories=("Cs", "Cc")), max_size=6), st.sampled_from(SCRIPTS),
                     st.text(st.characters(exclude_categories=("Cs", "Cc")), max_size=6))


def emails() -> st.SearchStrategy[str]:
    """Addresses: valid ones, ones past every column's 254 characters, and text that only looks like one."""
    long = st.builds(lambda n, domain: "a" * n + domain, st.sampled_from((200, 240, 250, 300, 1000)),
                     st.sampled_from(("@contoh.invalid", "@x.id", "@" + "d" * 300 + ".id")))
    return st.one_of(st.emails(), long, st.sampled_from(("a@b", "@b.c", "a@b.c\n", "a b@c.d", "<a@b.c>",
                                                         "\"><script>@x.id")), hostile_text(long=False))


# ------------------------------------------------------------------------------------------------ values
def numbers() -> st.SearchStrategy:
    """Numbers at and beyond every edge, as numbers and as the text a form sends."""
    edges = st.sampled_from((0, -1, 1, 2**31 - 1, 2**31, -(2**31) - 1, 2**63, -(2**63) - 1, 10**30, 0.5, -0.0,
                             1e308, 1e-308, 3.999999999))
    as_number = st.one_of(edges, st.integers(-(10**20), 10**20), st.floats(allow_nan=False, allow_infinity=False))
    return st.one_of(as_number, as_number.map(str), st.sampled_from(("1,5", "1.234,56", "1e5", "0x10", "٣", "１２",
                                                                      " 7 ", "NaN", "inf", "-", "")))


def date_texts() -> st.SearchStrategy[str]:
    """Dates a date field could receive: valid, out of range, impossible, and not dates at all."""
    def iso(d):
        return d.isoformat()
    return st.one_of(st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31)).map(iso),
                     st.sampled_from(("0000-00-00", "2024-02-30", "2023-02-29", "9999-12-31", "0001-01-01",
                                      "10000-01-01", "-0001-01-01", "2024-13-01", "2024-1-1", "31/12/2024",
                                      "2024-06-01T25:61:00", "2024-06-01T10:00:00+99:00", "today", "",
                                      "2024-06-01\x00", "２０２４-０１-０１")),
                     hostile_text(long=False))


def json_values(text: st.SearchStrategy | None = None) -> st.SearchStrategy:
    """Any JSON a client could post for one property: wrong types, nesting, None, NaN and huge numbers."""
    text = text or hostile_text(surrogates=True)
    leaves = st.one_of(st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(), text,
                       st.sampled_from((0, 1, -1, "", "all", "none", [], {})))
    return st.recursive(leaves, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                        st.dictionaries(st.text(max_size=8), inner, max_size=4)),
                        max_leaves=8)


# ------------------------------------------------------------------------------------------------ files
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def data_url(content: bytes, mime: str = "application/octet-stream") -> str:
    return f"data:{mime};base64," + base64.b64encode(content).decode()


def uploads() -> st.SearchStrategy:
    """dcc.Upload contents: good files, disguised programs, broken base64, not data URLs at all."""
    content = st.one_of(st.just(PDF), st.binary(max_size=300), st.just(b"MZ\x90\x00" + b"\x00" * 60),
                        st.just(b"\x89PNG\r\n\x1a\n" + b"\x00" * 40), st.just(b""))
    return st.one_of(content.map(lambda c: data_url(c, "application/pdf")),
                     st.sampled_from(("data:application/pdf;base64,!!!!", "data:,", "not a data url", "",
                                      "data:text/plain;base64," + "A" * 7)),
                     hostile_text(long=False))


def mutate_bytes(data: bytes, draw) -> bytes:
    """One random damage to a file: truncate, flip bytes, splice garbage, re-encode, or replace it entirely.

    Positions are drawn independently of the file's length (a workbook's size varies by a byte or two from run
    to run), so hypothesis can replay an example.
    """
    def position(extra: int = 0) -> int:
        return draw(st.integers(0, 2**20)) % (len(data) + extra)

    how = draw(st.sampled_from(("truncate", "flip", "splice", "garbage", "utf16", "latin1", "bom", "nul",
                                "empty", "keep")))
    if how == "truncate" and data:
        return data[:position()]
    if how == "flip" and data:
        data = bytearray(data)
        for _ in range(draw(st.integers(1, 8))):
            data[position()] = draw(st.integers(0, 255))
        return bytes(data)
    if how == "splice" and data:
        at = position(1)
        return data[:at] + draw(st.binary(min_size=1, max_size=64)) + data[at:]
    if how == "garbage":
        return draw(st.binary(max_size=512))
    if how in ("utf16", "latin1"):
        try:
            return data.decode("utf-8-sig").encode("utf-16" if how == "utf16" else "latin-1", errors="replace")
        except UnicodeDecodeError:
            return data
    if how == "bom":
        return b"\xef\xbb\xbf\xef\xbb\xbf" + data
    if how == "nul" and data:
        at = position(1)
        return data[:at] + b"\x00" + data[at:]
    if how == "empty":
        return b""
    return data


def mutate_table(rows: list[list], draw, cell=None) -> list[list]:
    """Damage a sheet: random cell values, ragged, duplicated and blank rows — and, half the time, its structure
    too (the header row, extra, missing and swapped columns), which makes the whole file unreadable."""
    rows = [list(r) for r in rows]
    cell = cell or st.one_of(hostile_text(nul=False), numbers(), date_texts(), st.none())
    structure = draw(st.booleans())
    kinds = ("cell",) * 6 + ("ragged", "duplicate_row", "blank_row") + (
        ("drop_column", "extra_column", "swap_columns") if structure else ())
    for _ in range(draw(st.sampled_from((0, 1, 1, 1, 2, 2, 3, 6)))):  # mostly a little damage: rows still load
        how = draw(st.sampled_from(kinds))
        if len(rows) < 2 and not structure:
            break
        r = draw(st.integers(0 if structure else 1, len(rows) - 1))
        width = max(len(row) for row in rows) or 1
        c = draw(st.integers(0, width - 1))
        if how == "cell" and c < len(rows[r]):
            rows[r][c] = draw(cell)
        elif how == "drop_column":
            rows = [row[:c] + row[c + 1:] for row in rows]
        elif how == "extra_column":
            rows = [row + [draw(cell)] for row in rows]
        elif how == "ragged":
            rows[r] = rows[r][:c]
        elif how == "swap_columns":
            other = draw(st.integers(0, width - 1))
            for row in rows:
                if c < len(row) and other < len(row):
                    row[c], row[other] = row[other], row[c]
        elif how == "duplicate_row":
            rows.append(list(rows[r]))
        elif how == "blank_row":
            rows.insert(r, [None] * width)
    return rows


def csv_bytes(rows: list[list], delimiter: str = ",") -> bytes:
    import csv

    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    return buffer.getvalue().encode("utf-8")


def xlsx_bytes(rows: list[list], title: str | None = None) -> bytes:
    """A workbook of the rows; cells openpyxl refuses (control characters) are written without them."""
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    workbook = Workbook()
    workbook.properties.created = workbook.properties.modified = datetime(2026, 1, 1)  # the same bytes every run
    sheet = workbook.active
    if title:
        sheet.title = title
    for row in rows:
        sheet.append([ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v for v in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# ------------------------------------------------------------------------------------------------ the database
_tables: dict[str, list[str]] = {}


def table_names(database) -> list[str]:
    if database.url not in _tables:
        metadata = MetaData()
        metadata.reflect(database.engine)
        _tables[database.url] = sorted(t for t in metadata.tables if t != "alembic_version")
    return _tables[database.url]


def row_counts(database) -> dict[str, int]:
    """Rows in every table, in one query."""
    names = table_names(database)
    query = " UNION ALL ".join(f"SELECT '{name}', COUNT(*) FROM \"{name}\"" for name in names)
    with database.engine.connect() as connection:
        return dict(connection.execute(text(query)).all())


def changes(before: dict[str, int], after: dict[str, int], ignore=("user_sessions",)) -> dict[str, int]:
    """Tables whose row count moved, and by how much (sessions come and go with logins: ignored)."""
    return {name: after[name] - before[name] for name in after if after[name] != before[name] and name not in ignore}


def assert_whole_or_nothing(delta: dict[str, int], *wholes: dict[str, int], context=None) -> None:
    """The rows written are one of the complete shapes given, or nothing at all."""
    shapes = [{}] + [{k: v for k, v in w.items() if v} for w in wholes]
    assert delta in shapes, f"partial write {delta}; expected one of {shapes} ({context!r})"


# ------------------------------------------------------------------------------------------------ people
FAST_HASH = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1")


def fast_user(database, role: str, section: str | None = None, user_id: int | None = None, **extra) -> dict:
    """An account whose password hash is cheap to check (the login form is the same; scrypt is just slow)."""
    from models import Office, Section, User

    username = f"{role}_{uuid.uuid4().hex[:8]}"
    with database.session() as s:
        office_id = s.scalar(select(Office.id).where(Office.code == "0300"))
        section_id = s.scalar(select(Section.id).where(Section.code == section)) if section else None
        user = User(username=username, full_name=extra.pop("full_name", username.title()), role=role,
                    office_id=office_id, section_id=section_id, password_hash=FAST_HASH, active=True, language="id",
                    **({"id": user_id} if user_id else {}), **extra)
        s.add(user)
        s.flush()
        return {"id": user.id, "username": username, "role": role}


def login_as(client, username: str) -> None:
    logout(client)  # whoever was logged in before
    response = client.post("/login", data={"username": username, "password": PASSWORD,
                                           "csrf_token": csrf_token(client)})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]


# ------------------------------------------------------------------------------------------------ Dash
def callback_body(key: str, cb: dict, values: dict, changed: list[str]) -> dict:
    """The JSON the browser posts for a callback, with `values[(id, property)]` for each input and state.

    A pattern-matching input (an ALL id) takes a list of (index, value) pairs.
    """
    from support.web import _outputs_from_key

    def entries(specs):
        result = []
        for spec in specs:
            value = values.get((spec["id"], spec["property"]))
            if spec["id"].startswith("{"):
                pattern = json.loads(spec["id"])
                result.append([{"id": {**pattern, "index": index}, "property": spec["property"], "value": v}
                               for index, v in (value or [])])
            else:
                result.append({"id": spec["id"], "property": spec["property"], "value": value})
        return result

    return {"output": key, "outputs": _outputs_from_key(key), "inputs": entries(cb["inputs"]),
            "state": entries(cb.get("state", [])), "changedPropIds": changed}


def prop_id(spec: dict, index=None) -> str:
    """The `changedPropIds` entry Dash sends for an input (a pattern id as compact, key-sorted JSON)."""
    if spec["id"].startswith("{"):
        pattern = {**json.loads(spec["id"]), "index": index}
        return json.dumps(pattern, sort_keys=True, separators=(",", ":")) + "." + spec["property"]
    return f"{spec['id']}.{spec['property']}"


def find_key(app, fragment: str) -> str:
    return next(k for k in app.callback_map if fragment in k)


# ------------------------------------------------------------------------------------------------ pages
def unescaped(markup: str, attack: str) -> bool:
    """Whether a page carries a typed value as markup: the raw text of a tag-like value is in it."""
    return bool(re.search(r"<[a-zA-Z/!]", attack)) and len(attack) >= 10 and attack in markup


DANGEROUS_TAGS = {"script", "img", "svg", "iframe", "object", "embed", "style", "base", "math", "video", "audio"}


def live_markup(markup: str) -> list[str]:
    """Whatever in a page could run: tags our server-rendered templates never use, event-handler attributes,
    javascript: links. Empty for every page of ours, whatever a person typed into it. A script our own template loads
    from a file of ours (`<script src="/assets/…">`, the survey's leave question) is ours, not live markup."""
    from html.parser import HTMLParser

    found = []

    class Finder(HTMLParser):
        def handle_starttag(self, tag, attrs):
            if tag == "script" and (dict(attrs).get("src") or "").startswith("/assets/"):
                return
            if tag in DANGEROUS_TAGS:
                found.append(f"<{tag}>")
            for name, value in attrs:
                if name.startswith("on") or (value or "").strip().lower().startswith("javascript:"):
                    found.append(f"<{tag} {name}={value!r}>")

    Finder(convert_charrefs=True).feed(markup)
    return found


def now() -> datetime:
    return datetime.now(UTC)
