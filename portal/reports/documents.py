"""PDF documents drawn with reportlab from the synced data: the draft certificate (watermarked KONSEP / DRAFT),
the bill with its billing code and how to pay, and the issued certificate's preview (watermarked PRATINJAU —
never the legal document). Company access is checked before anything is drawn."""
from __future__ import annotations

import io
from datetime import datetime
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import ApplicationCommodity, Office, ServiceUser, StageEvent
from models.base import utcnow
from portal.i18n import format_datetime, format_idr, format_quantity, t
from portal.services.my_applications import form_name, latest_bill, latest_certificate, require_company_access
from portal.validation import NotFound

KINDS = ("draft", "bill", "certificate")
WATERMARK = {"draft": "KONSEP / DRAFT", "certificate": "PRATINJAU / PREVIEW", "bill": None}


def _both(key: str, **params) -> str:
    """A label in Indonesian and English, as certificates print them."""
    indonesian, english = t(key, "id", **params), t(key, "en", **params)
    return indonesian if indonesian == english else f"{indonesian} / {english}"


def _styles():
    sheet = getSampleStyleSheet()
    return {
        "title": ParagraphStyle("qc-title", parent=sheet["Title"], fontSize=14, leading=17, spaceAfter=2),
        "subtitle": ParagraphStyle("qc-sub", parent=sheet["Normal"], alignment=TA_CENTER, fontSize=9, leading=11),
        "cell": ParagraphStyle("qc-cell", parent=sheet["Normal"], fontSize=8.5, leading=10.5),
        "label": ParagraphStyle("qc-label", parent=sheet["Normal"], fontSize=7.5, leading=9,
                                textColor=colors.HexColor("#444444")),
        "note": ParagraphStyle("qc-note", parent=sheet["Normal"], fontSize=8, leading=10,
                               textColor=colors.HexColor("#7a1f1f")),
        "big": ParagraphStyle("qc-big", parent=sheet["Normal"], fontSize=16, leading=20),
    }


def _watermark(text: str | None, footer: str):
    def draw(canvas, document):
        canvas.saveState()
        if text:
            canvas.setFillColor(colors.Color(0.75, 0.1, 0.1, alpha=0.18))
            canvas.setFont("Helvetica-Bold", 64)
            canvas.translate(A4[0] / 2, A4[1] / 2)
            canvas.rotate(45)
            canvas.drawCentredString(0, 0, text)
            canvas.rotate(-45)
            canvas.translate(-A4[0] / 2, -A4[1] / 2)
            canvas.setFont("Helvetica-Bold", 9)
            canvas.setFillColor(colors.HexColor("#9b1c1c"))
            canvas.drawString(15 * mm, A4[1] - 10 * mm, text)
            canvas.drawRightString(A4[0] - 15 * mm, A4[1] - 10 * mm, text)
        canvas.setFont("Helvetica", 7)
        canvas.setFillColor(colors.HexColor("#555555"))
        canvas.drawString(15 * mm, 10 * mm, footer)
        canvas.drawRightString(A4[0] - 15 * mm, 10 * mm, f"{document.page}")
        canvas.restoreState()

    return draw


def _p(text: Any, style) -> Paragraph:
    return Paragraph(escape("" if text is None else str(text)).replace("\n", "<br/>"), style)


def _field_table(rows: list[tuple[str, Any]], styles) -> Table:
    data = [[_p(label, styles["label"]), _p(value if value not in (None, "") else "–", styles["cell"])]
            for label, value in rows]
    table = Table(data, colWidths=[55 * mm, 125 * mm])
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#999999")),
                               ("VALIGN", (0, 0), (-1, -1), "TOP"),
                               ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#f1f4f2"))]))
    return table


def _header(office: Office, styles) -> list:
    return [_p("BADAN KARANTINA INDONESIA / INDONESIAN QUARANTINE AUTHORITY", styles["subtitle"]),
            _p(office.name, styles["subtitle"]), Spacer(1, 4 * mm)]


def _certificate_story(session: Session, application, certificate, kind: str, styles) -> list:
    office = session.get(Office, application.office_id)
    code = certificate.form_code
    name_id, name_en = form_name(session, code, "id"), form_name(session, code, "en")
    title = f"{name_id or code}" + (f" / {name_en}" if name_en and name_en != name_id else "")
    story = _header(office, styles) + [
        _p(title, styles["title"]),
        _p(f"{_both('pdf.form')}: {code}    {_both('pdf.certificate_number')}: "
           f"{certificate.number or t('pdf.no_number', 'id')}", styles["subtitle"]),
        Spacer(1, 4 * mm)]
    if kind == "draft":
        story += [_p(t("pdf.draft_notice", "id") + " " + t("pdf.draft_notice", "en"), styles["note"]),
                  Spacer(1, 3 * mm)]
    else:
        story += [_p(t("pdf.preview_notice", "id") + " " + t("pdf.preview_notice", "en"), styles["note"]),
                  Spacer(1, 3 * mm)]
    a = application
    story.append(_field_table([
        (_both("pdf.application_number"), a.number),
        (_both("pdf.consignor"), "\n".join(x for x in (a.consignor_name, a.consignor_address) if x)),
        (_both("pdf.consignee"), "\n".join(x for x in (a.consignee_name, a.consignee_address) if x)),
        (_both("pdf.conveyance"), " ".join(x for x in (a.conveyance, a.conveyance_name, a.voyage_number) if x)),
        (_both("pdf.transport_document"), a.transport_document),
        (_both("pdf.origin"), ", ".join(x for x in (a.origin_place, a.origin_port, a.origin_country) if x)),
        (_both("pdf.destination"), ", ".join(x for x in (a.destination_place, a.destination_port,
                                                         a.destination_country) if x)),
        (_both("pdf.packages"), " ".join(x for x in (str(a.package_count) if a.package_count else None,
                                                      a.packaging) if x)),
        (_both("pdf.marks"), a.marks),
        (_both("pdf.purpose"), a.purpose),
    ], styles))
    story.append(Spacer(1, 4 * mm))
    lines = session.scalars(select(ApplicationCommodity).where(
        ApplicationCommodity.application_id == a.id, ApplicationCommodity.deleted_at.is_(None))
        .order_by(ApplicationCommodity.line_no)).all()
    head = [_p(_both(k), styles["label"]) for k in ("pdf.line", "pdf.commodity", "pdf.scientific_name",
                                                    "pdf.hs_code", "pdf.quantity", "pdf.net_weight",
                                                    "pdf.packaging")]
    body = [[_p(c.line_no, styles["cell"]), _p(c.commodity_name, styles["cell"]),
             Paragraph(f"<i>{escape(c.scientific_name or '–')}</i>", styles["cell"]), _p(c.hs_code, styles["cell"]),
             _p(format_quantity(c.quantity, c.unit, "id"), styles["cell"]),
             _p(format_quantity(c.net_weight_kg, "kg", "id"), styles["cell"]),
             _p(c.packaging or a.packaging, styles["cell"])] for c in lines]
    commodities = Table([head] + body, colWidths=[10 * mm, 36 * mm, 36 * mm, 22 * mm, 27 * mm, 25 * mm, 24 * mm],
                        repeatRows=1)
    commodities.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#999999")),
                                     ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f1f4f2")),
                                     ("VALIGN", (0, 0), (-1, -1), "TOP")]))
    story += [_p(_both("pdf.commodities"), styles["label"]), commodities, Spacer(1, 4 * mm)]
    treatment_date = certificate.treatment_date.strftime("%d-%m-%Y") if certificate.treatment_date else None
    story.append(_field_table([
        (_both("pdf.treatment_method"), certificate.treatment_method),
        (_both("pdf.treatment_date"), treatment_date),
        (_both("pdf.treatment_dose"), certificate.treatment_dose),
        (_both("pdf.additional_declaration"), certificate.additional_declaration or a.declarations),
        (_both("pdf.issued_at"), format_datetime(certificate.issued_at, office.timezone, "id")),
    ] + ([(_both("pdf.signer"), " ".join(x for x in (certificate.signer_name,
                                                      f"NIP {certificate.signer_nip}" if certificate.signer_nip
                                                      else None) if x))] if kind == "certificate" else []),
        styles))
    return story


def paid_at(session: Session, application, bill) -> datetime | None | bool:
    """When a bill was paid: its own payment time, else the application's `paid` stage; False when unpaid.

    The synced bill's flag can lag behind the stage (IQFAST records the payment stage first), so either counts.
    """
    if bill.paid_at is not None:
        return bill.paid_at
    stage_paid = session.scalar(select(StageEvent.occurred_at).where(
        StageEvent.application_id == application.id, StageEvent.stage == "paid", StageEvent.deleted_at.is_(None))
        .order_by(StageEvent.occurred_at).limit(1))
    if stage_paid is not None:
        return stage_paid
    return None if bill.paid else False


def _bill_story(session: Session, application, bill, styles) -> list:
    """The bill; once paid it is a receipt: "Lunas" with the payment date, no amount due, no how-to-pay."""
    office = session.get(Office, application.office_id)
    company = session.get(ServiceUser, application.service_user_id)
    paid = paid_at(session, application, bill)
    if paid is False:
        status = t("pdf.bill_unpaid", "id")
    else:
        status = t("pdf.bill_paid", "id") + (
            " — " + t("pdf.paid_on", "id", when=format_datetime(paid, office.timezone, "id")) if paid else "")
    story = _header(office, styles) + [
        _p(_both("pdf.bill_title"), styles["title"]), Spacer(1, 4 * mm),
        _field_table([
            (_both("pdf.application_number"), application.number),
            (_both("pdf.payer"), company.name),
            (_both("pdf.tax_id"), company.tax_id),
            (_both("pdf.receipt_number"), bill.receipt_number),
            (_both("pdf.issued_at"), format_datetime(bill.issued_at, office.timezone, "id")),
            (_both("pdf.bill_status"), status + (f" — NTPN {bill.payment_ref}" if bill.payment_ref else "")),
        ], styles),
        Spacer(1, 5 * mm),
        _p(_both("pdf.billing_code"), styles["label"]),
        _p(bill.billing_code or "–", styles["big"]),
        Spacer(1, 2 * mm),
    ]
    if paid is not False:
        # The bill is an Indonesian document whoever prints it: its amount in Indonesian separators.
        return story + [_p(_both("pdf.amount_paid"), styles["label"]),
                        _p(format_idr(bill.amount, "id"), styles["big"]),
                        Spacer(1, 2 * mm), _p(_both("pdf.bill_paid_stamp"), styles["big"])]
    story += [_p(_both("pdf.amount"), styles["label"]), _p(format_idr(bill.amount, "id"), styles["big"]),
              Spacer(1, 6 * mm), _p(t("pdf.how_to_pay_title", "id"), styles["label"])]
    for n in range(1, 5):
        story.append(_p(f"{n}. " + t(f"pdf.how_to_pay_{n}", "id"), styles["cell"]))
    story += [Spacer(1, 3 * mm), _p(t("pdf.how_to_pay_title", "en"), styles["label"])]
    for n in range(1, 5):
        story.append(_p(f"{n}. " + t(f"pdf.how_to_pay_{n}", "en"), styles["cell"]))
    return story


def render_document(session: Session, viewer, kind: str, application_id: int, *, compress: bool = True,
                    now: datetime | None = None) -> tuple[str, bytes]:
    """(file name, PDF bytes) of one document of an application the viewer may see.

    `compress=False` writes uncompressed content streams, so tests can read the text.
    """
    if kind not in KINDS:
        raise NotFound(kind)
    application = require_company_access(session, viewer, application_id)
    styles = _styles()
    if kind == "bill":
        record = latest_bill(session, application.id)
    else:
        record = latest_certificate(session, application.id, draft=(kind == "draft"))
    if record is None:
        raise NotFound((kind, application_id))
    office = session.get(Office, application.office_id)
    printed = format_datetime(now or utcnow(), office.timezone, "id")
    footer = f"Q-Corner · {application.number} · {t('pdf.printed', 'id')} {printed}"
    story = _bill_story(session, application, record, styles) if kind == "bill" else \
        _certificate_story(session, application, record, kind, styles)
    buffer = io.BytesIO()
    document = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm, topMargin=16 * mm,
                                 bottomMargin=16 * mm, title=f"{t('pdf.kind.' + kind, 'id')} {application.number}",
                                 author="Q-Corner", pageCompression=1 if compress else 0, invariant=1)
    mark = _watermark(WATERMARK[kind], footer)
    document.build(story, onFirstPage=mark, onLaterPages=mark)
    safe_number = "".join(ch if ch.isalnum() else "-" for ch in application.number)
    return f"{kind}-{safe_number}.pdf", buffer.getvalue()
