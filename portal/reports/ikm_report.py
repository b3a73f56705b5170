"""The semester survey report a station publishes (PermenPANRB 14/2017), as XLSX and as PDF.

Input is the plain dict of portal.services.ikm_results.semester_report; text cells go through
portal.reports.exports.neutralise so a comment can never run as a spreadsheet formula.
"""
from __future__ import annotations

import io
from datetime import date
from pathlib import Path
from xml.sax.saxutils import escape

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from reportlab.graphics.shapes import Drawing, Line, Rect, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from portal import i18n
from portal.i18n import t
from portal.reports.exports import neutralise

FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"),)


def _section_name(code: str | None, language: str) -> str:
    if not code:
        return t("survey.report.all_sections", language)
    if code == "none":
        return t("survey.sections.none", language)
    return t(f"section.{code}", language)


def _element_name(number: int, language: str) -> str:
    return t(f"skm.element.{number}.name", language)


def _period_text(report: dict, language: str) -> str:
    return f"{i18n.format_date(report['from'], language)} – {i18n.format_date(report['to'], language)}"


def _profile_rows(report: dict, language: str) -> list[tuple[str, str, int]]:
    rows = []
    for field, counts in report["profile"].items():
        for choice, count in counts.items():
            label = t("survey.profile.no_answer", language) if choice == "no_answer" else \
                t(f"skm.profile.{field}.{choice}", language)
            rows.append((t(f"skm.profile.{field}", language), label, count))
    return rows


def _summary_lines(report: dict, language: str) -> list[tuple[str, object]]:
    s = report["summary"]
    grade = f"{s['grade']} ({t('ikm.grade.' + s['grade'], language)})" if s["grade"] else "–"
    return [
        (t("survey.report.period", language), _period_text(report, language)),
        (t("survey.report.section", language), _section_name(report["section"], language)),
        (t("survey.responses", language), s["responses"]),
        (t("survey.report.sample", language), t("survey.minimum", language,
                                                 population=i18n.format_number(s["population"], language),
                                                 minimum=i18n.format_number(s["minimum_sample"], language))
         + " · " + (t("kpi.sufficient", language) if s["sufficient"] else t("kpi.insufficient", language))),
        (t("survey.index", language, value=""), s["index"]),
        (t("survey.ikm", language), s["ikm"]),
        (t("survey.report.summary", language), grade),
    ]


def report_xlsx(report: dict, language: str = "id") -> bytes:
    """One workbook: summary with the element averages, respondents, comments, follow-up plan."""
    workbook = Workbook()
    bold = Font(bold=True)
    sheet = workbook.active
    sheet.title = t("survey.report.sheet_summary", language)[:31]
    sheet.append([neutralise(t("survey.report.title", language) + " — " + report["office"])])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([])
    for label, value in _summary_lines(report, language):
        sheet.append([neutralise(label), neutralise(value) if isinstance(value, str) else value])
        if isinstance(value, int):  # a count: 3.168 in a spreadsheet set to Indonesian, as on the page
            sheet.cell(sheet.max_row, 2).number_format = "#,##0"
    sheet.append([])
    sheet.append([t("survey.report.element", language), "", t("survey.report.nrr", language),
                  t("survey.report.weighted", language)])
    for cell in sheet[sheet.max_row]:
        cell.font = bold
    for element in report["summary"]["elements"]:
        nrr = element["nrr"]
        sheet.append([f"U{element['element']}", _element_name(element["element"], language), nrr,
                      None if nrr is None else round(nrr / 9, 4)])
    sheet.append([])
    sheet.append([t("survey.report.formula", language)])
    sheet.column_dimensions["A"].width = 34
    sheet.column_dimensions["B"].width = 48
    sheet.column_dimensions["C"].width = 12
    sheet.column_dimensions["D"].width = 20

    profile = workbook.create_sheet(t("survey.report.sheet_profile", language)[:31])
    profile.append([t("survey.report.category", language), "", t("survey.report.count", language)])
    for cell in profile[1]:
        cell.font = bold
    for field, label, count in _profile_rows(report, language):
        profile.append([field, label, count])
        profile.cell(profile.max_row, 3).number_format = "#,##0"
    profile.column_dimensions["A"].width = 18
    profile.column_dimensions["B"].width = 34

    comments = workbook.create_sheet(t("survey.report.sheet_comments", language)[:31])
    comments.append([t("survey.report.date", language), t("survey.report.section", language),
                     t("survey.report.comment", language)])
    for cell in comments[1]:
        cell.font = bold
    comments.freeze_panes = "A2"
    for row in report["comments"]:
        comments.append([row["submitted_on"], _section_name(row["section"], language), neutralise(row["comment"])])
        comments.cell(comments.max_row, 1).number_format = "yyyy-mm-dd"
        comments.cell(comments.max_row, 3).alignment = Alignment(wrap_text=True, vertical="top")
    comments.column_dimensions["A"].width = 12
    comments.column_dimensions["B"].width = 20
    comments.column_dimensions["C"].width = 90

    plan = workbook.create_sheet(t("survey.report.sheet_plan", language)[:31])
    plan.append([t("survey.report.weakest", language)])
    plan["A1"].font = bold
    for element in report["weakest"]:
        plan.append([f"U{element['element']} {_element_name(element['element'], language)}", element["nrr"]])
    plan.append([])
    plan.append([t("survey.report.plan", language)])
    plan.cell(plan.max_row, 1).font = bold
    text = report["plan"]["text"] if report["plan"] else t("survey.report.no_plan", language)
    plan.append([neutralise(text)])
    plan.cell(plan.max_row, 1).alignment = Alignment(wrap_text=True, vertical="top")
    plan.column_dimensions["A"].width = 90
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _fonts() -> tuple[str, str]:
    """DejaVu Sans when installed (it has ≥, Σ, –), else the built-in Helvetica."""
    for folder in FONT_DIRS:
        regular, bold = folder / "DejaVuSans.ttf", folder / "DejaVuSans-Bold.ttf"
        if regular.exists() and bold.exists():
            if "QcSans" not in pdfmetrics.getRegisteredFontNames():
                pdfmetrics.registerFont(TTFont("QcSans", str(regular)))
                pdfmetrics.registerFont(TTFont("QcSans-Bold", str(bold)))
            return "QcSans", "QcSans-Bold"
    return "Helvetica", "Helvetica-Bold"


def _bar_chart(elements: list[dict], width: float, height: float, font: str, language: str = "id"):
    """The nine element averages as bars over the grade bands of the 1–4 scale."""
    drawing = Drawing(width, height)
    left, bottom, top = 34, 30, height - 8
    plot_w = width - left - 40
    scale = (top - bottom) / 3.0  # 1 → 4

    def y(value):
        return bottom + (value - 1) * scale

    bands = ((1.0, 2.60, "#fbe3e3", "D"), (2.60, 3.0644, "#fdf1d6", "C"), (3.0644, 3.5324, "#e3f4e6", "B"),
             (3.5324, 4.0, "#cfeadb", "A"))
    for low, high, colour, letter in bands:
        drawing.add(Rect(left, y(low), plot_w, y(high) - y(low), fillColor=colors.HexColor(colour), strokeColor=None))
        drawing.add(String(left + plot_w + 6, (y(low) + y(high)) / 2 - 3, letter, fontName=font, fontSize=9))
    for tick in (1, 2, 3, 4):
        drawing.add(Line(left - 3, y(tick), left, y(tick), strokeColor=colors.grey))
        drawing.add(String(left - 14, y(tick) - 3, str(tick), fontName=font, fontSize=8))
    slot = plot_w / 9
    for element in elements:
        index = element["element"] - 1
        x = left + slot * index + slot * 0.2
        nrr = element["nrr"]
        if nrr is not None:
            drawing.add(Rect(x, bottom, slot * 0.6, y(nrr) - bottom, fillColor=colors.HexColor("#0b6e4f"),
                             strokeColor=None))
            drawing.add(String(x + slot * 0.3, y(nrr) + 3, i18n.format_number(nrr, language, 2), fontName=font, fontSize=7,
                               textAnchor="middle"))
        # The element's number and its short name under the bar (U1 alone said nothing to a reader).
        drawing.add(String(x + slot * 0.3, bottom - 11, f"U{element['element']}", fontName=font, fontSize=8,
                           textAnchor="middle"))
        drawing.add(String(x + slot * 0.3, bottom - 21, t(f"skm.element.{element['element']}.short", language),
                           fontName=font, fontSize=6, textAnchor="middle"))
    return drawing


def report_pdf(report: dict, language: str = "id") -> bytes:
    """A4 portrait: heading, summary, chart and table of element averages, respondents, comments, plan."""
    regular, bold = _fonts()
    styles = getSampleStyleSheet()
    body = styles["BodyText"].clone("qc-body", fontName=regular, fontSize=9.5, leading=12.5)
    small = body.clone("qc-small", fontSize=8, leading=10, textColor=colors.HexColor("#555555"))
    heading = styles["Heading1"].clone("qc-h1", fontName=bold, fontSize=15, leading=19, spaceAfter=2)
    sub = styles["Heading2"].clone("qc-h2", fontName=bold, fontSize=11.5, leading=14, spaceBefore=10, spaceAfter=4)
    cell = body.clone("qc-cell", fontSize=8.5, leading=10.5)
    big = body.clone("qc-big", fontName=bold, fontSize=26, leading=30, textColor=colors.HexColor("#0b6e4f"))
    grid = TableStyle([("FONTNAME", (0, 0), (-1, -1), regular), ("FONTSIZE", (0, 0), (-1, -1), 8.5),
                       ("FONTNAME", (0, 0), (-1, 0), bold), ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e9f3ef")),
                       ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#bbbbbb")),
                       ("VALIGN", (0, 0), (-1, -1), "TOP")])

    def p(text, style=body):
        return Paragraph(escape(str(text)), style)

    s = report["summary"]
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=16 * mm, rightMargin=16 * mm, topMargin=14 * mm,
                            bottomMargin=14 * mm, title=t("survey.report.title", language),
                            author=report["office"])
    width = A4[0] - 32 * mm
    story = [p(t("survey.report.title", language), heading),
             p(f"{report['office']} · {_section_name(report['section'], language)} · {_period_text(report, language)}"),
             Spacer(1, 6)]
    grade = f"{s['grade']} · {t('ikm.grade.' + s['grade'], language)}" if s["grade"] else t("kpi.no_data", language)
    ikm_text = i18n.format_number(s["ikm"], language, 2) if s["ikm"] is not None else "–"
    headline = Table([[p(ikm_text, big), [p(t("survey.ikm", language) + ": " + grade, body),
                                          p(t("survey.responses", language) + ": "
                                            + i18n.format_number(s["responses"], language), body),
                                          p(t("survey.minimum", language,
                                              population=i18n.format_number(s["population"], language),
                                              minimum=i18n.format_number(s["minimum_sample"], language)) + " — " +
                                            (t("kpi.sufficient", language) if s["sufficient"]
                                             else t("kpi.insufficient", language)), body)]]],
                     colWidths=[45 * mm, width - 45 * mm])
    headline.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                                  ("BOX", (0, 0), (-1, -1), 0.6, colors.HexColor("#0b6e4f"))]))
    story += [headline, Spacer(1, 8), p(t("survey.elements.title", language), sub),
              _bar_chart(s["elements"], width, 150, regular, language), Spacer(1, 4)]
    rows = [[t("survey.report.element", language), t("survey.report.nrr", language),
             t("survey.report.weighted", language)]]
    for element in s["elements"]:
        nrr = element["nrr"]
        rows.append([p(f"U{element['element']}. {_element_name(element['element'], language)}", cell),
                     "–" if nrr is None else i18n.format_number(nrr, language, 3),
                     "–" if nrr is None else i18n.format_number(nrr / 9, language, 4)])
    rows.append([p(t("survey.index", language, value=""), cell), "",
                 "–" if s["index"] is None else i18n.format_number(s["index"], language, 4)])
    table = Table(rows, colWidths=[width - 70 * mm, 30 * mm, 40 * mm], repeatRows=1)
    table.setStyle(grid)
    table.setStyle(TableStyle([("ALIGN", (1, 1), (-1, -1), "RIGHT")]))
    story += [table, Spacer(1, 3), p(t("survey.report.formula", language), small)]

    profile_rows = [[t("survey.report.category", language), "", t("survey.report.count", language)]]
    profile_rows += [[field, label, i18n.format_number(count, language)]
                     for field, label, count in _profile_rows(report, language)]
    profile = Table(profile_rows, colWidths=[40 * mm, width - 65 * mm, 25 * mm], repeatRows=1)
    profile.setStyle(grid)
    profile.setStyle(TableStyle([("ALIGN", (2, 1), (2, -1), "RIGHT")]))
    story += [KeepTogether([p(t("survey.report.respondents", language), sub), profile])]

    weakest = ", ".join(f"U{e['element']} {_element_name(e['element'], language)} "
                        f"({i18n.format_number(e['nrr'], language, 3)})" for e in report["weakest"]) or "–"
    plan_text = report["plan"]["text"] if report["plan"] else t("survey.report.no_plan", language)
    story += [KeepTogether([p(t("survey.report.plan", language), sub),
                            p(t("survey.report.weakest", language) + ": " + weakest, small), Spacer(1, 3)]
                           + [p(line, body) for line in plan_text.splitlines() if line.strip()])]

    story.append(p(t("survey.report.comments", language)
                   + f" ({i18n.format_number(len(report['comments']), language)})", sub))
    if report["comments"]:
        comment_rows = [[t("survey.report.date", language), t("survey.report.section", language),
                         t("survey.report.comment", language)]]
        comment_rows += [[i18n.format_date(row["submitted_on"], language), p(_section_name(row["section"], language),
                                                                              cell), p(row["comment"], cell)]
                         for row in report["comments"]]
        comments = Table(comment_rows, colWidths=[24 * mm, 34 * mm, width - 58 * mm], repeatRows=1)
        comments.setStyle(grid)
        story.append(comments)
    else:
        story.append(p(t("survey.comments.none", language), small))
    generated = i18n.format_datetime(report["generated_at"], report["timezone"], language)

    def footer(canvas, document):
        canvas.saveState()
        canvas.setFont(regular, 7.5)
        canvas.setFillColor(colors.HexColor("#666666"))
        canvas.drawString(16 * mm, 8 * mm, f"Q-Corner · {t('survey.report.generated', language, when=generated)}")
        canvas.drawRightString(A4[0] - 16 * mm, 8 * mm, str(document.page))
        canvas.restoreState()

    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()


def report_filename(report: dict, extension: str) -> str:
    start: date = report["from"]
    end: date = report["to"]
    section = f"-{report['section']}" if report["section"] else ""
    return f"ikm-{report['office_code']}{section}-{start.isoformat()}-{end.isoformat()}.{extension}"


__all__ = ["report_xlsx", "report_pdf", "report_filename"]
