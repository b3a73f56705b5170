"""Printable PDF of the priority-service list (reportlab): the evidence behind each tier-A service user."""
from __future__ import annotations

import io
from typing import Callable

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from portal.reports.held_pages import HeldPagesCanvas

PAGE_WIDTH, PAGE_HEIGHT = landscape(A4)
MARGIN = 12 * mm


def table_pdf(title: str, lines: list[str], headers: list[str], rows: list[list[str]], footer: str = "", *,
              widths: list[float] | None = None, numeric: tuple[int, ...] = (), page_footer: str = "",
              page_words: Callable[[int, int], str] = lambda page, pages: f"{page} / {pages}") -> bytes:
    """A landscape A4 document: a title, a few lines of context, one table with a repeated header row.

    `widths` (mm) and `numeric` (the columns whose figures are set right) lay the table out; `page_footer` (who printed
    it, when, for which office) is printed on every page beside `page_words(page, pages)` ("Halaman 1 dari 2"): a list a
    decision rests on is signed on each of its pages, as the dossier is."""
    buffer = io.BytesIO()
    document = SimpleDocTemplate(buffer, pagesize=landscape(A4), leftMargin=MARGIN, rightMargin=MARGIN,
                                 topMargin=MARGIN, bottomMargin=MARGIN + 6 * mm, title=title)
    styles = getSampleStyleSheet()
    cell = styles["BodyText"].clone("cell", fontSize=8.5, leading=10.5)
    right = cell.clone("cell-right", alignment=2)
    story = [Paragraph(title, styles["Title"])]
    story += [Paragraph(line, styles["BodyText"]) for line in lines]
    story.append(Spacer(1, 4 * mm))
    data = [[Paragraph(f"<b>{h}</b>", right if index in numeric else cell) for index, h in enumerate(headers)]] + [
        [Paragraph(_escape(value), right if index in numeric else cell) for index, value in enumerate(row)]
        for row in rows]
    table = Table(data, repeatRows=1, colWidths=[w * mm for w in widths] if widths else None)
    table.setStyle(TableStyle([
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#d1e7dd")),
        ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#adb5bd")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#f8f9fa")]),
    ]))
    story.append(table)
    if footer:
        story += [Spacer(1, 4 * mm), Paragraph(footer, styles["Italic"])]
    document.build(story, canvasmaker=_numbered(page_footer, page_words))
    return buffer.getvalue()


def _numbered(page_footer: str, page_words: Callable[[int, int], str]):
    """A canvas that holds its pages to the end, so each says which of how many it is."""
    class NumberedCanvas(HeldPagesCanvas):
        def finish_page(self, total: int) -> None:
            self.saveState()
            self.setFont("Helvetica", 7.5)
            self.setFillColor(colors.HexColor("#495057"))
            if page_footer:
                self.drawString(MARGIN, MARGIN, page_footer)
            self.drawRightString(PAGE_WIDTH - MARGIN, MARGIN, page_words(self._pageNumber, total))
            self.restoreState()

    return NumberedCanvas


def _escape(value) -> str:
    text = "" if value is None else str(value)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
