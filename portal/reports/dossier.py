"""The traceability dossier (dokumen penelusuran) as a PDF, and the check of a copy (`qcorner dossier verify`).

How a copy is checked. The dossier is drawn from one dict of plain values (portal.services.dossier.gather) and from
nothing else: the drawing is a pure function of that content (reportlab with `invariant=1`: no clock, no random
document id). So:
- the content's canonical JSON is carried inside the PDF (zlib + base64 in the document's Keywords), and its
  SHA-256 is printed on every page beside "Halaman X dari Y", who printed it and when;
- `verify` takes the content back out, recomputes the hash, draws the dossier again from that content and compares
  every page's drawing instructions (decompressed) with the file's. A byte changed in a table changes a page's
  text, so its page differs; a byte changed in a compressed page breaks its zlib checksum; a byte changed in the
  carried content changes the hash, which then is not the one printed; a file whose every part was rewritten
  consistently (new content, new hash, new pages) has a hash this installation never printed, which the audit
  log tells (`printing_of`).
What is not compared: the file's bookkeeping (cross-reference offsets, the trailer), which a viewer rebuilds anyway.
"""
from __future__ import annotations

import base64
import hashlib
import io
import json
import re
import zlib
from datetime import date, datetime
from functools import lru_cache
from typing import Any
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

import reportlab
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import (BaseDocTemplate, Frame, PageBreak, PageTemplate, Paragraph, Spacer, Table,
                                TableStyle)
from sqlalchemy.orm import Session

from portal.domain.addresses import address_text
from portal.i18n import (action_outcome, format_date, format_datetime, format_month, format_months_ago, format_number,
                         format_percent, format_rate, t)
from portal.reports.held_pages import HeldPagesCanvas
from portal.services import dossier as service
from portal.services.compliance.filters import chosen_words

PAYLOAD_PREFIX = "qcorner-dossier:"
MAX_FILE_BYTES = 64 * 1024 * 1024  # a dossier of the busiest company is a few hundred kB; refuse anything absurd
MAX_CONTENT_BYTES = 64 * 1024 * 1024
# Helvetica (a PDF standard font) draws Windows-1252 only: the few signs the working uses outside it, spelled out.
SIGNS = {"Σ": "jumlah ", "−": "-", "≥": ">=", "≤": "<=", "→": "->", "\u2009": " "}
PAGE_WIDTH, PAGE_HEIGHT = A4
CHAPTERS = 8
MARGIN = 15 * mm


# ------------------------------------------------------------------------------------------------ formatting
def _signs(text: str) -> str:
    for sign, spelled in SIGNS.items():
        text = text.replace(sign, spelled)
    return text


def _tr(key: str, **params) -> str:
    return _signs(t(key, "id", **params))


def _day(value) -> str:
    if not value:
        return "–"
    return format_date(date.fromisoformat(str(value)[:10]), "id")


def _moment(value, tz: str) -> str:
    if not value:
        return "–"
    return format_datetime(datetime.fromisoformat(value), tz, "id")


def _local_day(value, tz: str) -> str:
    if not value:
        return "–"
    return _day(datetime.fromisoformat(value).astimezone(ZoneInfo(tz)).date().isoformat())


def _num(value, decimals: int = 0) -> str:
    return "–" if value is None else format_number(value, "id", decimals)


def _styles() -> dict[str, ParagraphStyle]:
    sheet = getSampleStyleSheet()
    return {
        "cover_title": ParagraphStyle("d-cover", parent=sheet["Title"], fontSize=24, leading=30, spaceAfter=6),
        "cover_sub": ParagraphStyle("d-cover-sub", parent=sheet["Normal"], alignment=1, fontSize=10, leading=13,
                                    textColor=colors.HexColor("#444444")),
        # Headings and the notes under them keep with what follows: no heading alone at the foot of a page.
        "h1": ParagraphStyle("d-h1", parent=sheet["Heading1"], fontSize=14, leading=18, spaceBefore=4, spaceAfter=6,
                             textColor=colors.HexColor("#0b6e4f"), keepWithNext=1),
        "h2": ParagraphStyle("d-h2", parent=sheet["Heading2"], fontSize=11, leading=14, spaceBefore=8, spaceAfter=4,
                             keepWithNext=1),
        "lead": ParagraphStyle("d-lead", parent=sheet["Normal"], fontSize=7.5, leading=9.5, keepWithNext=1,
                               textColor=colors.HexColor("#555555")),
        "body": ParagraphStyle("d-body", parent=sheet["Normal"], fontSize=9, leading=12),
        "small": ParagraphStyle("d-small", parent=sheet["Normal"], fontSize=7.5, leading=9.5,
                                textColor=colors.HexColor("#555555")),
        "cell": ParagraphStyle("d-cell", parent=sheet["Normal"], fontSize=7.5, leading=9.2),
        "head": ParagraphStyle("d-head", parent=sheet["Normal"], fontSize=7.5, leading=9.2,
                               fontName="Helvetica-Bold"),
    }


def _p(text: Any, style) -> Paragraph:
    return Paragraph(escape(_signs("–" if text in (None, "") else str(text))).replace("\n", "<br/>"), style)


CELL_PADDING = 8  # points: a cell's left and right padding (3 each) plus a little air


def _cell(value: Any, width: float, style) -> Any:
    """A cell's content: the plain text when it fits its column on one line, else a paragraph that wraps.

    Wrapping every cell as a paragraph made the busiest company's dossier (thousands of rows) take seconds: most
    cells are dates, numbers and codes that fit, and a plain string costs one width measurement."""
    text = _signs("–" if value in (None, "") else str(value))
    if "\n" in text:
        return _p(text, style)
    needed = stringWidth(text, style.fontName, style.fontSize)
    if needed <= width - CELL_PADDING:
        return text
    if " " not in text.strip():
        # One word too wide — a reference number ("TAHAN/0300/2026/003022", "2026.1.0300.0.K21.E.001621"): broken
        # across lines it read as two numbers and was copied wrong, so it is set a little smaller on one line.
        size = style.fontSize * (width - CELL_PADDING) / needed
        if size >= MIN_NUMBER_SIZE:
            return _p(text, _smaller(style, round(size - 0.05, 1)))
    return _p(text, style)


MIN_NUMBER_SIZE = 5.5  # points: below it a number is broken across lines rather than set too small to read


@lru_cache(maxsize=64)
def _smaller_style(name: str, font: str, size: float, parent):
    return ParagraphStyle(f"{name}-{size}", parent=parent, fontName=font, fontSize=size, leading=size * 1.23)


def _smaller(style, size: float):
    return _smaller_style(style.name, style.fontName, size, style)


def _table(headers: list[str], rows: list[list[Any]], widths: list[float], styles) -> Table:
    """A table with a repeated header row; long text wraps inside its cell."""
    points = [w * mm for w in widths]
    cell = styles["cell"]
    data = [[_p(h, styles["head"]) for h in headers]] + [
        [_cell(v, width, cell) for v, width in zip(row, points)] for row in rows]
    table = Table(data, colWidths=points, repeatRows=1)
    table.setStyle(TableStyle([
        ("FONT", (0, 1), (-1, -1), cell.fontName, cell.fontSize, cell.leading),
        ("LEFTPADDING", (0, 0), (-1, -1), 3), ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#adb5bd")),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#d1e7dd")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#f8f9fa")]),
    ]))
    return table


def _facts(rows: list[tuple[str, Any]], styles) -> Table:
    table = Table([[_p(label, styles["head"]), _p(value, styles["cell"])] for label, value in rows],
                  colWidths=[55 * mm, 125 * mm])
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#adb5bd")),
                               ("VALIGN", (0, 0), (-1, -1), "TOP"),
                               ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#f1f4f2"))]))
    return table


def _none(text_key: str, styles) -> Paragraph:
    return _p(_tr(text_key), styles["small"])


def _chosen(content: dict) -> str | None:
    """The consignments a dossier printed from a profile scored for a direction or a primary commodity covers
    ("Ekspor · komoditas utama Manggis", as the profile says it); None for every one."""
    return chosen_words(content, _tr)


# ------------------------------------------------------------------------------------------------ the document
class _Heading(Paragraph):
    """A heading the table of contents lists (level 0 or 1)."""

    def __init__(self, text: str, style, level: int):
        super().__init__(escape(_signs(text)), style)
        self.toc_level = level
        self.toc_text = _signs(text)


class _Dossier(BaseDocTemplate):
    def __init__(self, buffer, content: dict, compress: bool):
        super().__init__(buffer, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=18 * mm,
                         bottomMargin=22 * mm, title=f"{_tr('dossier.title')} {content['company']['name']}",
                         author="Q-Corner", subject=_tr("dossier.title"), creator="Q-Corner",
                         keywords=PAYLOAD_PREFIX + _payload(content), pageCompression=1 if compress else 0,
                         invariant=1)
        frame = Frame(self.leftMargin, self.bottomMargin, self.width, self.height, id="body")
        self.addPageTemplates([PageTemplate(id="page", frames=[frame])])

        self.headings: list[tuple[int, str, int]] = []

    def afterFlowable(self, flowable):
        if isinstance(flowable, _Heading):
            self.headings.append((flowable.toc_level, flowable.toc_text, self.page))


def _payload(content: dict) -> str:
    return base64.b64encode(zlib.compress(service.canonical(content), 9)).decode("ascii")


TOC_FIRST_PAGE = 2
TOC_LINES_PER_PAGE = 40


def toc_pages(content: dict) -> int:
    """How many pages the table of contents takes: its entries are known before drawing (8 chapters, and each
    office under each chapter when there are several)."""
    offices = len(content["offices"])
    entries = CHAPTERS * (1 + (offices if offices > 1 else 0))
    return max(1, -(-entries // TOC_LINES_PER_PAGE))


def _canvas_maker(content: dict, digest: str, headings: list):
    """A canvas that holds each page until the end, to print "Halaman X dari Y", who printed the dossier, when,
    and the content's hash on every page; and the table of contents on its reserved pages, once every heading's
    page is known (one pass: reportlab's own contents flowable draws the whole document twice)."""
    contents_pages = toc_pages(content)
    tz = content["timezone"]
    printed = _tr("dossier.footer.printed", who=content["printed_by"]["name"] or "–",
                  username=content["printed_by"]["username"] or "–", when=_moment(content["printed_at"], tz))
    head = f"{_tr('dossier.title')} · {content['company']['name']} · NPWP {content['company']['tax_id'] or '–'}"

    class NumberedCanvas(HeldPagesCanvas):
        def finish_page(self, total: int) -> None:
            self._decorate(total)
            if TOC_FIRST_PAGE <= self._pageNumber < TOC_FIRST_PAGE + contents_pages:
                self._contents(self._pageNumber - TOC_FIRST_PAGE)

        def _contents(self, index: int):
            """One page of the table of contents: the headings, dot leaders, the page each starts on."""
            entries = headings[index * TOC_LINES_PER_PAGE:(index + 1) * TOC_LINES_PER_PAGE]
            self.saveState()
            top = PAGE_HEIGHT - 18 * mm
            if index == 0:
                self.setFont("Helvetica-Bold", 14)
                self.setFillColor(colors.HexColor("#0b6e4f"))
                self.drawString(MARGIN, top - 14, _tr("dossier.toc"))
            self.setFillColor(colors.black)
            y = top - 40
            right = PAGE_WIDTH - MARGIN
            for level, text, page in entries:
                font, size, indent = ("Helvetica", 10, 0) if level == 0 else ("Helvetica", 9, 8 * mm)
                self.setFont(font, size)
                number = str(page)
                room = right - MARGIN - indent - stringWidth(number, font, size) - 12
                while text and stringWidth(text, font, size) > room:
                    text = text[:-1]
                self.drawString(MARGIN + indent, y, text)
                self.drawRightString(right, y, number)
                start = MARGIN + indent + stringWidth(text, font, size) + 4
                end = right - stringWidth(number, font, size) - 4
                dots = max(0, int((end - start) // stringWidth(" .", font, size)))
                self.drawRightString(end, y, " ." * dots)
                y -= 17 if level == 0 else 14
            self.restoreState()

        def _decorate(self, total: int):
            self.saveState()
            self.setFont("Helvetica", 7)
            self.setFillColor(colors.HexColor("#555555"))
            self.drawString(MARGIN, PAGE_HEIGHT - 10 * mm, head[:140])
            self.drawString(MARGIN, 13 * mm, printed)
            self.drawRightString(PAGE_WIDTH - MARGIN, 13 * mm,
                                 _tr("dossier.footer.page", page=self._pageNumber, pages=total))
            self.setFont("Courier", 6.5)
            self.drawString(MARGIN, 9 * mm, f"SHA-256: {digest}")
            self.restoreState()

    return NumberedCanvas


def _cover(content: dict, digest: str, styles) -> list:
    company, tz = content["company"], content["timezone"]
    period = content["period"]
    offices = ", ".join(f"{o['office']['name']} ({o['office']['code']})" for o in content["offices"])
    rows = [(_tr("dossier.cover.company"), company["name"]), (_tr("dossier.cover.npwp"), company["tax_id"]),
            (_tr("dossier.cover.period"), f"{_day(period['from'])} – {_day(period['to'])}"),
            (_tr("dossier.cover.section"), _tr(f"section.{content['section']}") if content["section"]
             else _tr("dossier.cover.all_sections")),
            # A copy printed before the dossier followed the profile's direction and commodity has no such key:
            # it is redrawn without the line, as it was printed (`verify` compares the pages).
            *([(_tr("dossier.cover.consignments"), _chosen(content) or _tr("dossier.cover.all_consignments"))]
              if "direction" in content else []),
            (_tr("dossier.cover.offices"), offices),
            (_tr("dossier.cover.printed_by"), f"{content['printed_by']['name']} ({content['printed_by']['username']})"),
            (_tr("dossier.cover.printed_at"), _moment(content["printed_at"], tz)),
            (_tr("dossier.cover.hash"), digest)]
    return [Spacer(1, 30 * mm), _p("BADAN KARANTINA INDONESIA", styles["cover_sub"]),
            _p(content["offices"][0]["office"]["name"], styles["cover_sub"]), Spacer(1, 14 * mm),
            _p(_tr("dossier.title"), styles["cover_title"]), _p(_tr("dossier.subtitle"), styles["cover_sub"]),
            Spacer(1, 16 * mm), _facts(rows, styles), Spacer(1, 8 * mm),
            _p(_tr("dossier.cover.verify_note"), styles["small"]), PageBreak()]


def _working_rows(w: dict, chosen: str | None = None) -> list[tuple[str, str]]:
    c, weights = w["counts"], w["weights"]
    v_terms = " + ".join(f"{_num(weights[k])}×{c[k]}" for k in ("detention", "refusal", "destruction", "nnc"))
    source = w.get("p0_source", "office")
    p0 = _tr(f"profile.how.p0_value_{source}" if source != "office" else "profile.how.p0_value",
             v=_num(w["office_V"] if source == "office" else w["all_V"]),
             n=_num(w["office_n"] if source == "office" else w["all_n"]), own_n=_num(w["office_n"]),
             p0=format_rate(w["p0"], "id"), min_n=_num(w["settings"]["p0_min_consignments"]))
    months = w["months_since_last_violation"]
    since = _tr("compliance.never_violated") if months is None else _signs(format_months_ago(months, "id"))
    level = w["intervention"]
    return [
        (_tr("profile.how.window"), _tr("profile.how.window_value_custom" if w.get("custom_period")
                                        else "profile.how.window_value", start=_day(w["window_from"]),
                                        end=_day(w["window_to"]), months=w["window_months"])),
        *([(_tr("profile.how.chosen"), _tr("profile.how.chosen_value", chosen=chosen))] if chosen else []),
        (_tr("profile.how.n"), _tr("profile.how.n_value", n=_num(w["n"]))),
        (_tr("profile.how.counts"), _tr("profile.how.counts_value", d=c["detention"], r=c["refusal"],
                                        x=c["destruction"], k=c["nnc"])),
        (_tr("profile.how.v"), f"V = {v_terms} = {_num(w['V'])}"),
        (_tr("profile.how.p0"), p0),
        (_tr("profile.how.p"), _tr("profile.how.p_value", v=_num(w["V"]), m=_num(w["prior_m"]),
                                   p0=format_rate(w["p0"], "id"), n=_num(w["n"]), p=format_rate(w["p"], "id"))),
        (_tr("profile.how.score"), _tr("profile.how.score_value", p=format_rate(w["p"], "id"), score=_num(w["score"], 1))),
        (_tr("dossier.working.tier"), f"{w['tier']} · {_tr('compliance.tier.' + w['tier'])}" if w["tier"] else "–"),
        (_tr("profile.how.streak"), _tr("profile.how.streak_value", streak=_num(w["clean_streak"]), since=since)),
        (_tr("dossier.working.intervention"),
         f"{_tr('compliance.intervention.' + level['name'])} "
         f"({format_percent(level['sampling_percent'] / 100, 'id', decimals=1, trim=True)})"),
        (_tr("dossier.working.settings"), str(w["settings_version"])),
    ]


def _office_title(record: dict) -> str:
    return f"{record['office']['name']} ({record['office']['code']})"


def _evidence(items: list[dict]) -> str:
    if not items:
        return "–"
    return "; ".join(f"{e['filename']} ({_num(e['size'])} B, SHA-256 {e['sha256']})" for e in items)


def _story(content: dict, digest: str, styles) -> list:
    story = _cover(content, digest, styles)
    # The contents' pages are left blank here and drawn by the canvas once every heading's page is known.
    for _page in range(toc_pages(content)):
        story += [Spacer(1, 1), PageBreak()]
    company, offices, tz = content["company"], content["offices"], content["timezone"]
    several = len(offices) > 1
    chosen = _chosen(content)

    def chapter(number: int, key: str):
        story.append(_Heading(f"{number}. {_tr(key)}", styles["h1"], 0))

    def office_heading(number: int, index: int, record: dict):
        if several:
            story.append(_Heading(f"{number}.{index + 1} {_office_title(record)}", styles["h2"], 1))
        else:
            story.append(_p(_office_title(record), styles["lead"]))

    chapter(1, "dossier.chapter.identity")
    story.append(_facts([
        (_tr("dossier.cover.company"), company["name"]), (_tr("dossier.cover.npwp"), company["tax_id"]),
        (_tr("dossier.identity.address"), address_text(company["address"], company["city"])),
        (_tr("dossier.identity.business_type"), company["business_type"]),
        (_tr("dossier.identity.registered_at"), _local_day(company["registered_at"], tz)),
        (_tr("dossier.cover.offices"), "\n".join(_office_title(o) for o in offices)),
    ], styles))

    chapter(2, "dossier.chapter.working")
    story.append(_p(_tr("dossier.working.intro", as_of=_day(content["score_as_of"])), styles["lead"]))
    for index, record in enumerate(offices):
        office_heading(2, index, record)
        story.append(_facts(_working_rows(record["working"], chosen), styles))
        monthly = record["working"].get("consignments_by_month") or []
        if monthly:
            story += [Spacer(1, 2 * mm), _table(
                [_tr("dossier.col.month"), _tr("dossier.col.consignments"), _tr("dossier.col.violations")],
                [[format_month(date.fromisoformat(m["month"]), "id"), _num(m["consignments"]), _num(m["violations"])] for m in monthly],
                [40, 40, 40], styles)]

    chapter(3, "dossier.chapter.actions")
    for index, record in enumerate(offices):
        office_heading(3, index, record)
        rows = [[_moment(a["at"], record["office"]["timezone"]), _tr(f"compliance.event.{a['kind']}"), a["application"],
                 _tr(f"section.{a['section']}"), a["number"],
                 " · ".join(x for x in (a["reason"], a["method"], _signs(action_outcome(a["outcome"], "id") or ""),
                                        a["follow_up"]) if x) or "–"]
                for a in record["actions"]]
        story.append(_table([_tr("dossier.col.when"), _tr("dossier.col.action"), _tr("dossier.col.application"),
                             _tr("dossier.col.section"), _tr("dossier.col.number"), _tr("dossier.col.reason")],
                            # the action's number whole on its line ("MUSNAH/0300/2026/013785"): 30 mm
                            rows, [30, 17, 41, 22, 32, 38], styles)
                     if rows else _none("dossier.none.actions", styles))

    chapter(4, "dossier.chapter.nncs")
    story.append(_p(_tr("dossier.nnc_note"), styles["lead"]))
    for index, record in enumerate(offices):
        office_heading(4, index, record)
        rows, evidence_rows = [], []
        for n in record["nncs"]:
            rows.append([n["number"], _day(n["notice_date"]),
                         _tr(f"nnc.flow.{n['flow']}") + " · " + n["partner_country"], _tr(f"nnc.status.{n['status']}"),
                         _tr(f"nnc.category.{n['category']}"), n["commodity"], _tr(f"nnc.action.{n['action_taken']}"),
                         n["application"]])
            # The evidence on a row of its own under its NNC, the whole width: file names and hashes are long.
            rows.append([_tr("dossier.col.evidence") + ": " + _evidence(n["evidence"])] + [""] * 7)
            evidence_rows.append(len(rows))
        if rows:
            table = _table([_tr("dossier.col.number"), _tr("dossier.col.notice_date"), _tr("dossier.col.flow"),
                            _tr("dossier.col.status"), _tr("dossier.col.category"), _tr("dossier.col.commodity"),
                            _tr("dossier.col.action"), _tr("dossier.col.application")],
                           # numbers whole on their lines ("QA-ADM/NNC/2026/051343", an application's): 34 mm each
                           rows, [34, 17, 16, 16, 25, 20, 18, 34], styles)
            table.setStyle(TableStyle([cmd for row in evidence_rows for cmd in (
                ("SPAN", (0, row), (-1, row)), ("BACKGROUND", (0, row), (-1, row), colors.HexColor("#fbfbf3")))]))
            story.append(table)
        else:
            story.append(_none("dossier.none.nncs", styles))

    chapter(5, "dossier.chapter.guidance")
    if chosen:  # given to the company, not to a consignment
        story.append(_p(_tr("dossier.chosen_whole.guidance"), styles["lead"]))
    for index, record in enumerate(offices):
        office_heading(5, index, record)
        rows = [[_day(g["given_on"]), _tr(f"guidance.kind.{g['kind']}"), _tr(f"guidance.status.{g['status']}"),
                 _tr(f"section.{g['section']}") if g["section"] else "–", g["officer"], g["notes"]]
                for g in record["guidance"]]
        story.append(_table([_tr("dossier.col.date"), _tr("dossier.col.kind"), _tr("dossier.col.status"),
                             _tr("dossier.col.section"), _tr("dossier.col.officer"), _tr("dossier.col.notes")],
                            rows, [20, 22, 20, 25, 30, 63], styles) if rows else _none("dossier.none.guidance", styles))

    chapter(6, "dossier.chapter.complaints")
    if content["section"]:
        story.append(_none("dossier.none.complaints_section", styles))
    elif chosen:  # about the company's dealings with the office, not about a consignment
        story.append(_p(_tr("dossier.chosen_whole.complaints"), styles["lead"]))
    for index, record in enumerate(offices):
        if content["section"]:
            break
        office_heading(6, index, record)
        rows = [[c["tracking_code"], _moment(c["received_at"], record["office"]["timezone"]),
                 _tr(f"complaints.channel.{c['channel']}"), _tr(f"complaints.category.{c['category']}"),
                 c["subject"], _tr(f"complaints.status.{c['status']}"),
                 _moment(c["answered_at"], record["office"]["timezone"]), _evidence(c["evidence"])]
                for c in record["complaints"]]
        story.append(_table([_tr("dossier.col.tracking_code"), _tr("dossier.col.received"), _tr("dossier.col.channel"),
                             _tr("dossier.col.category"), _tr("dossier.col.subject"), _tr("dossier.col.status"),
                             _tr("dossier.col.answered"), _tr("dossier.col.evidence")],
                            rows, [20, 24, 18, 20, 32, 15, 24, 27], styles)
                     if rows else _none("dossier.none.complaints", styles))

    chapter(7, "dossier.chapter.handlers")
    for index, record in enumerate(offices):
        office_heading(7, index, record)
        found, zone = record["handlers"], record["office"]["timezone"]
        story.append(_p(_tr("dossier.handlers.summary", applications=_num(found["applications"]),
                            handlers=_num(len(found["handlers"])), changes=_num(found["changes_total"])),
                        styles["body"]))
        if found["handlers"]:
            story.append(_table([_tr("dossier.col.handler"), _tr("dossier.col.first"), _tr("dossier.col.last"),
                                 _tr("dossier.col.applications")],
                                [[h["name"] or _tr("dossier.handlers.none"), _local_day(h["first"], zone),
                                  _local_day(h["last"], zone), _num(h["applications"])] for h in found["handlers"]],
                                [80, 35, 35, 30], styles))
        if found["changes"]:
            story += [Spacer(1, 2 * mm), _p(_tr("dossier.handlers.changes"), styles["h2"]), _table(
                [_tr("dossier.col.when"), _tr("dossier.col.application"), _tr("dossier.col.from"),
                 _tr("dossier.col.to")],
                [[_moment(c["at"], zone), c["application"], c["from"] or _tr("dossier.handlers.none"),
                  c["to"] or _tr("dossier.handlers.none")] for c in found["changes"]], [32, 41, 53.5, 53.5], styles)]
            if found["changes_total"] > len(found["changes"]):
                story.append(_p(_tr("dossier.handlers.changes_more", shown=_num(len(found["changes"])),
                                    total=_num(found["changes_total"])), styles["small"]))
    chapter(8, "dossier.chapter.targeting")
    story.append(_p(_tr("dossier.targeting.note"), styles["lead"]))
    for index, record in enumerate(offices):
        office_heading(8, index, record)
        found = record.get("targeting") or {"levels": [], "flags": []}
        if not found["levels"]:
            story.append(_none("dossier.none.targeting", styles))
            continue
        story.append(_table([_tr("dossier.col.level"), _tr("dossier.col.decisions"), _tr("dossier.col.selected"),
                             _tr("dossier.col.by_draw"), _tr("dossier.col.by_flag")],
                            [[_tr(f"compliance.intervention.{r['level']}"), _num(r["decisions"]), _num(r["selected"]),
                              _num(r["by_draw"]), _num(r["by_flag"])] for r in found["levels"]],
                            [40, 35, 35, 35, 35], styles))
        if found["flags"]:
            story += [Spacer(1, 2 * mm), _table(
                [_tr("dossier.col.flag"), _tr("dossier.col.raised")],
                [[_tr(f"dossier.flag.{f['code']}"), _num(f["count"])] for f in found["flags"]], [140, 40], styles)]
    return story


def render(content: dict, *, compress: bool = True) -> tuple[bytes, int]:
    """(PDF bytes, number of pages) of a dossier's content; the same content gives the same bytes."""
    digest = service.content_hash(content)
    buffer = io.BytesIO()
    document = _Dossier(buffer, content, compress)
    document.build(_story(content, digest, _styles()), canvasmaker=_canvas_maker(content, digest, document.headings))
    pdf = buffer.getvalue()
    return pdf, len(_page_streams(pdf))


def printed(session: Session, viewer, service_user_id: int, period_from: Any = None, period_to: Any = None,
            *, section: Any = None, direction: Any = None, commodity_id: Any = None, compress: bool = True,
            now: datetime | None = None) -> dict[str, Any]:
    """Gather, draw and audit one dossier for a viewer who may open the company's profile (of the profile's
    `section`, `direction` and `commodity_id`, when it is scored for them): {filename, pdf, hash, pages, content}."""
    content = service.gather(session, viewer, service_user_id, period_from, period_to, section=section,
                             direction=direction, commodity_id=commodity_id, now=now)
    content["renderer"] = f"reportlab {reportlab.Version}"
    digest = service.content_hash(content)
    pdf, pages = render(content, compress=compress)
    service.record_printing(session, viewer, service_user_id, digest, content, pages)
    tax_id = "".join(ch for ch in (content["company"]["tax_id"] or "") if ch.isdigit()) or str(service_user_id)
    return {"filename": f"dokumen-penelusuran-{tax_id}-{content['period']['to']}.pdf", "pdf": pdf, "hash": digest,
            "pages": pages, "content": content}


# ------------------------------------------------------------------------------------------------ checking a copy
_OBJECT = re.compile(rb"(\d+) 0 obj\s*<<(.*?)>>\s*stream\r?\n", re.S)


def _streams(pdf: bytes) -> list[tuple[bytes, bytes]]:
    """(dictionary, raw data) of every stream object, read by its /Length (not by searching for its end)."""
    found = []
    for match in _OBJECT.finditer(pdf):
        header = match.group(2)
        length = re.search(rb"/Length (\d+)", header)
        if length is None:
            raise ValueError("a stream without a length")
        start = match.end()
        data = pdf[start:start + int(length.group(1))]
        if not re.match(rb"\s*endstream", pdf[start + int(length.group(1)):start + int(length.group(1)) + 12]):
            raise ValueError("a stream whose length does not match")
        found.append((header, data))
    return found


def _decoded(header: bytes, data: bytes) -> bytes:
    if b"ASCII85Decode" in header:
        data = data.strip()
        data = base64.a85decode(data if data.startswith(b"<~") else b"<~" + data, adobe=True)
    if b"FlateDecode" in header:
        # A changed byte fails the stream's checksum; a stream that inflates beyond any page of ours is refused
        # before it can fill the memory (a hostile file checked by the command line).
        inflater = zlib.decompressobj()
        inflated = inflater.decompress(data, MAX_CONTENT_BYTES)
        if inflater.unconsumed_tail or not inflater.eof:
            raise ValueError("a stream too large or cut short")
        data = inflated
    return data


def _page_streams(pdf: bytes) -> list[bytes]:
    """The drawing instructions of every stream, decoded, in file order (reportlab writes pages in order)."""
    return [_decoded(header, data) for header, data in _streams(pdf)]


def content_of(pdf: bytes) -> tuple[dict, bytes]:
    """The content carried in a dossier (and its bytes as carried); ValueError when there is none or it is damaged."""
    found = re.search(rb"/Keywords \(" + re.escape(PAYLOAD_PREFIX.encode()) + rb"([A-Za-z0-9+/=]*)\)", pdf)
    if found is None:
        raise ValueError("dossier.verify.no_content")
    try:
        inflater = zlib.decompressobj()
        carried = inflater.decompress(base64.b64decode(found.group(1), validate=True), MAX_CONTENT_BYTES)
        if inflater.unconsumed_tail or not inflater.eof:
            raise ValueError("dossier.verify.damaged_content")
        content = json.loads(carried.decode("utf-8"))
    except (ValueError, zlib.error, UnicodeDecodeError):
        raise ValueError("dossier.verify.damaged_content") from None
    if not isinstance(content, dict) or service.canonical(content) != carried:
        raise ValueError("dossier.verify.damaged_content")
    return content, carried


def verify(pdf: bytes, session: Session | None = None) -> dict[str, Any]:
    """Check a copy of a dossier: {ok, hash, pages, problems: [message keys with params], printing}.

    With a session, the hash must also be one this installation printed (the audit log says who and when)."""
    result: dict[str, Any] = {"ok": False, "hash": None, "pages": 0, "problems": [], "printing": None,
                              "company": None, "period": None}
    problems = result["problems"]
    if len(pdf) > MAX_FILE_BYTES or not pdf.startswith(b"%PDF-"):
        problems.append(("dossier.verify.not_pdf", {}))
        return result
    try:
        content, carried = content_of(pdf)
    except ValueError as error:
        problems.append((str(error), {}))
        return result
    digest = hashlib.sha256(carried).hexdigest()
    result.update(hash=digest, company=(content.get("company") or {}).get("name"), period=content.get("period"))
    try:
        pages = _page_streams(pdf)
    except (ValueError, zlib.error):
        problems.append(("dossier.verify.damaged_page", {}))
        return result
    result["pages"] = len(pages)
    marker = f"SHA-256: {digest}".encode()
    for number, page in enumerate(pages, 1):
        if marker not in page:
            problems.append(("dossier.verify.hash_not_printed", {"page": number}))
    try:
        expected = _page_streams(render(content, compress=False)[0])
    except Exception:  # noqa: BLE001 - content that cannot be drawn is no dossier of ours
        problems.append(("dossier.verify.cannot_redraw", {}))
        return result
    if len(expected) != len(pages):
        problems.append(("dossier.verify.page_count", {"expected": len(expected), "found": len(pages)}))
    for number, (drawn, found) in enumerate(zip(expected, pages), 1):
        if drawn != found:
            problems.append(("dossier.verify.page_differs", {"page": number}))
    if problems and content.get("renderer") != f"reportlab {reportlab.Version}":
        problems.append(("dossier.verify.renderer", {"then": content.get("renderer"),
                                                     "now": f"reportlab {reportlab.Version}"}))
    if session is not None:
        result["printing"] = service.printing_of(session, digest)
        if result["printing"] is None:
            problems.append(("dossier.verify.not_printed_here", {}))
    result["ok"] = not problems
    return result
