"""Printable PDF of the priority-service list (reportlab): the evidence behind each tier-A service user."""
from __future__ import annotations

import io
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle


def table_pdf(title: str, lines: list[str], headers: list[str], rows: list[list[str]],
              footer: str = "") -> bytes:
    """A landscape A4 document: a title, a few lines of context, one table with a repeated header row."""
    buffer = io.BytesIO()
    document = SimpleDocTemplate(buffer, pagesize=landscape(A4), leftMargin=12 * mm, rightMargin=12 * mm,
                                 topMargin=12 * mm, bottomMargin=12 * mm, title=title)
    styles = getSampleStyleSheet()
    cell = styles["BodyText"].clone("cell", fontSize=8.5, leading=10.5)
    story = [Paragraph(title, styles["Title"])]
    story += [Paragraph(line, styles["BodyText"]) for line in lines]
    story.append(Spacer(1, 4 * mm))
    data = [[Paragraph(f"<b>{h}</b>", cell) for h in headers]] + [
        [Paragraph(_escape(value), cell) for value in row] for row in rows]
    table = Table(data, repeatRows=1)
    table.setStyle(TableStyle([
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#d1e7dd")),
        ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#adb5bd")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#f8f9fa")]),
    ]))
    story.append(table)
    if footer:
        story += [Spacer(1, 4 * mm), Paragraph(footer, styles["Italic"])]
    document.build(story)
    return buffer.getvalue()


def _escape(value) -> str:
    text = "" if value is None else str(value)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
