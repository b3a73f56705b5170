"""Hostile workbooks built byte by byte (issue 16): what openpyxl would never write, an attacker can.

    dimension_bomb()             2 KB: <dimension ref="A1:XFD1048576"/> and one real cell, at XFD1048576
    declared_size_bomb()         a small sheet whose zip directory says it unpacks to ~4 GB
    packed_bomb(mb)              a sheet that really unpacks to `mb` MB of blanks (a ratio of ~1000)
    many_rows(n)                 a header and n real rows
    one_wide_row(cells)          one row of `cells` different cells
    many_strings(n)              one cell, and n shared strings (openpyxl reads them all before any sheet)
"""
from __future__ import annotations

import io
import struct
import zipfile
from xml.sax.saxutils import escape

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE = "http://schemas.openxmlformats.org/package/2006"
SHEET_PATH = "xl/worksheets/sheet1.xml"


def _package(sheet_xml: bytes | str, title: str, shared_strings: str | None = None) -> dict[str, bytes | str]:
    strings_type = ('<Override PartName="/xl/sharedStrings.xml" '
                    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
                    if shared_strings is not None else "")
    files = {
        "[Content_Types].xml":
            f'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="{PACKAGE}/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            f'<Override PartName="/{SHEET_PATH}" '
            f'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>{strings_type}'
            '</Types>',
        "_rels/.rels":
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PACKAGE}/relationships">'
            f'<Relationship Id="rId1" Type="{RELATIONSHIPS}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml":
            f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN}" xmlns:r="{RELATIONSHIPS}"><sheets>'
            f'<sheet name="{escape(title)}" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels":
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PACKAGE}/relationships">'
            f'<Relationship Id="rId1" Type="{RELATIONSHIPS}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
        SHEET_PATH: sheet_xml,
    }
    if shared_strings is not None:
        files["xl/sharedStrings.xml"] = f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN}">{shared_strings}</sst>'
    return files


def xlsx(rows_xml: str, *, title: str = "Sheet1", dimension: str = "A1", shared_strings: str | None = None) -> bytes:
    """A workbook of one sheet whose <sheetData> is `rows_xml`, with the <dimension> given (and the <sst> given)."""
    sheet = (f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN}"><dimension ref="{dimension}"/>'
             f"<sheetData>{rows_xml}</sheetData></worksheet>")
    return package(sheet, title=title, shared_strings=shared_strings)


def package(sheet: str, *, title: str = "Sheet1", shared_strings: str | None = None) -> bytes:
    """A workbook around one sheet's whole XML."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in _package(sheet, title, shared_strings).items():
            archive.writestr(name, content)
    return buffer.getvalue()


def column(number: int) -> str:
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def row_xml(number: int, values: list) -> str:
    cells = "".join(f'<c r="{column(i)}{number}" t="inlineStr"><is><t>{escape(str(v))}</t></is></c>'
                    for i, v in enumerate(values, start=1) if v is not None)
    return f'<row r="{number}">{cells}</row>'


def dimension_bomb(cell: str = "x", *, title: str = "Sheet1", corner: bool = True) -> bytes:
    """The file of issue 16: a million rows of 16,384 columns claimed, one cell real — in the claim's far corner
    (XFD1048576: openpyxl used to make up every row before it, each 16,384 cells wide), or else in A1."""
    if not corner:
        return xlsx(row_xml(1, [cell]), title=title, dimension="A1:XFD1048576")
    real = f'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>{escape(cell)}</t></is></c></row>'
    return xlsx(real, title=title, dimension="A1:XFD1048576")


def declared_size_bomb(header: list, *, title: str = "Sheet1", size: int = 0xFFFF0000) -> bytes:
    """A real small sheet whose zip headers declare it unpacks to `size` bytes (about 4 GB)."""
    data = bytearray(xlsx(row_xml(1, header), title=title, dimension="A1:XFD1048576"))
    name = SHEET_PATH.encode()
    local = data.find(b"PK\x03\x04")
    while local != -1:  # local headers: the size at offset 22, the name at 30
        if data[local + 30:local + 30 + len(name)] == name:
            struct.pack_into("<I", data, local + 22, size)
        local = data.find(b"PK\x03\x04", local + 4)
    central = data.find(b"PK\x01\x02")
    while central != -1:  # central directory: the size at offset 24, the name at 46
        if data[central + 46:central + 46 + len(name)] == name:
            struct.pack_into("<I", data, central + 24, size)
        central = data.find(b"PK\x01\x02", central + 4)
    return bytes(data)


def packed_bomb(megabytes: int, header: list, *, title: str = "Sheet1") -> bytes:
    """A sheet that truly unpacks to `megabytes` MB (blanks between its rows): packed about 1000 times."""
    return xlsx(row_xml(1, header) + " " * (megabytes * 1024 * 1024), title=title)


def many_rows(header: list, rows: int, *, title: str = "Sheet1", first: int = 2) -> bytes:
    """The header and `rows` real rows (the header's width, numbered from `first`)."""
    body = "".join(row_xml(n, [f"{n}-{i}" for i in range(len(header))]) for n in range(first, first + rows))
    return xlsx(row_xml(1, header) + body, title=title)


def one_wide_row(cells: int, *, title: str = "Sheet1") -> bytes:
    """One row of `cells` cells, each a different number (so it packs like a real sheet, not like a bomb)."""
    body = "".join(f'<c r="{column(1 + i % 16384)}1"><v>{i * 7919 % 1000003}</v></c>' for i in range(cells))
    return xlsx(f'<row r="1">{body}</row>', title=title)


def many_strings(count: int, *, title: str = "Sheet1") -> bytes:
    """One real cell and `count` different shared strings, most of them used by no cell."""
    strings = "".join(f"<si><t>{n}</t></si>" for n in range(count))
    return xlsx('<row r="1"><c r="A1" t="s"><v>0</v></c></row>', title=title, shared_strings=strings)
