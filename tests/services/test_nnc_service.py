"""The NNC register's rules, in the service: validation, uniqueness, workflow, who sees what, audit."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from support.factories import gen_application, gen_certificate, gen_service_user
from models import AttachmentBlob, AuditLog, Nnc, NncAttachment, NncStatusChange
from support.nnc_helpers import EXE, PDF, PNG, actor, valid_nnc
from portal.services import attachments
from portal.services.nnc import detail as nnc_detail
from portal.services.nnc import lookups as nnc_lookups
from portal.services.nnc import register as nnc
from portal.services.nnc import rules as nnc_rules
from portal.services.nnc import search as nnc_search
from portal.services.nnc import validation as nnc_validation
from portal.validation import Forbidden, InvalidInput, NotFound


@pytest.fixture
def operator(database, make_user):
    return actor(database, make_user, "operator", username="petugas_nnc")


def _count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def _nothing_written(session) -> bool:
    session.rollback()
    return _count(session, Nnc) == 0 and _count(session, AttachmentBlob) == 0 and _count(session, NncAttachment) == 0


def test_operator_records_an_nnc_with_its_letter(session, operator):
    saved = nnc.create_nnc(session, operator, valid_nnc(session), [("surat.pdf", PDF)])
    session.commit()
    assert saved["status"] == "received" and saved["party"].startswith("PT Contoh")
    assert saved["created_by"] == "petugas_nnc"
    files = nnc_detail.attachments_of(session, saved["id"], operator)
    assert [(f["filename"], f["mime_type"]) for f in files] == [("surat.pdf", "application/pdf")]
    history = session.scalars(select(NncStatusChange).where(NncStatusChange.nnc_id == saved["id"])).all()
    assert [(h.from_status, h.to_status, h.username) for h in history] == [(None, "received", "petugas_nnc")]


def test_every_missing_field_is_reported_at_once_and_nothing_is_written(session, operator):
    with pytest.raises(InvalidInput) as caught:
        nnc.create_nnc(session, operator, {"number": " ", "flow": "sideways"}, [("surat.pdf", PDF)])
    assert {"number", "notice_date", "received_date", "flow", "notifying_authority", "notifying_country",
            "notified_authority", "notified_country", "service_user_id", "section_id", "commodity", "category",
            "action_taken"} <= set(caught.value.errors)
    assert caught.value.errors["number"][0] == "nnc.error.required"
    assert _nothing_written(session)


def test_duplicate_number_in_the_office_says_which_nnc_has_it(session, operator):
    first = nnc.create_nnc(session, operator, valid_nnc(session, number="GACC/NNC/2025/0007"))
    session.commit()
    with pytest.raises(InvalidInput) as caught:
        nnc.create_nnc(session, operator, valid_nnc(session, number="  gacc/nnc/2025/0007 "), [("a.pdf", PDF)])
    key, params = caught.value.errors["number"]
    assert key == "nnc.error.number_taken"
    assert params == {"id": first["id"], "number": "GACC/NNC/2025/0007", "date": "03/03/2025"}
    from portal.i18n import t
    assert t(key, language="id", **params) == \
        "Nomor ini sudah dipakai NNC lain (GACC/NNC/2025/0007, tanggal 03/03/2025): buka daftar NNC dan cari " \
        "nomor itu."
    session.rollback()
    assert _count(session, Nnc) == 1 and _count(session, AttachmentBlob) == 0


def test_future_dates_and_received_before_notice_are_refused(session, operator):
    future = date.today() + timedelta(days=5)
    with pytest.raises(InvalidInput) as caught:
        nnc.create_nnc(session, operator, valid_nnc(session, notice_date=future, received_date=future))
    assert caught.value.errors["notice_date"][0] == "nnc.error.date_future"
    assert caught.value.errors["received_date"][0] == "nnc.error.date_future"
    with pytest.raises(InvalidInput) as caught:
        nnc.create_nnc(session, operator, valid_nnc(session, notice_date="2025-03-10", received_date="2025-03-01"))
    assert caught.value.errors == {"received_date": ("nnc.error.received_before_notice", {})}
    assert _nothing_written(session)


def test_today_is_the_office_day(session, operator):
    """An NNC dated 'today' in Jakarta is accepted even while it is still yesterday in UTC."""
    today = date(2025, 6, 2)
    saved = nnc.create_nnc(session, operator, valid_nnc(session, notice_date=today, received_date=today), today=today)
    assert saved["notice_date"] == today


def test_renamed_program_posing_as_pdf_is_refused_by_its_content(session, operator):
    with pytest.raises(InvalidInput) as caught:
        nnc.create_nnc(session, operator, valid_nnc(session), [("surat-resmi.pdf", EXE)])
    key, params = caught.value.errors["attachments"]
    assert key == "attachments.error.type" and params == {"filename": "surat-resmi.pdf"}
    assert _nothing_written(session)


def test_file_over_10_mb_is_refused_with_its_own_message(session, operator):
    big = PDF + b"0" * (11 * 1024 * 1024)
    with pytest.raises(InvalidInput) as caught:
        nnc.create_nnc(session, operator, valid_nnc(session), [("scan.pdf", big)])
    key, params = caught.value.errors["attachments"]
    assert key == "attachments.error.too_large" and params["size"] == "11,0 MB" and params["max"] == "10,0 MB"
    assert _nothing_written(session)


def test_same_file_is_stored_once_however_often_it_is_attached(session, operator):
    first = nnc.create_nnc(session, operator, valid_nnc(session, number="A/1"), [("a.png", PNG), ("b.png", PNG)])
    nnc.create_nnc(session, operator, valid_nnc(session, number="A/2"), [("c.png", PNG)])
    session.commit()
    assert _count(session, AttachmentBlob) == 1
    assert _count(session, NncAttachment) == 2  # kept once per NNC, however often it was picked
    blob = attachments.fetch(session, attachments.digest(PNG))
    assert blob.mime_type == "image/png" and blob.content == PNG
    assert nnc_detail.attachments_of(session, first["id"], operator)[0]["filename"] == "a.png"


def test_attachment_service_detects_type_from_content():
    assert attachments.detect_type(PDF) == "application/pdf"
    assert attachments.detect_type(b"\xff\xd8\xff\xe1rest") == "image/jpeg"
    assert attachments.detect_type(PNG) == "image/png"
    assert attachments.detect_type(b"<html>%PDF-") is None
    assert attachments.problem("x.png", b"") == ("attachments.error.empty", {"filename": "x.png"})
    assert attachments.clean_filename("C:\\Users\\scan\\surat.pdf") == "surat.pdf"


def test_party_not_in_registry_needs_name_and_country(session, operator):
    data = valid_nnc(session, flow="issued", service_user_id=None, party_name="Jinxiang Garlic Co., Ltd.")
    with pytest.raises(InvalidInput) as caught:
        nnc.create_nnc(session, operator, data)
    assert caught.value.errors == {"party_country": ("nnc.error.party_country_required", {})}
    saved = nnc.create_nnc(session, operator, {**data, "party_country": "Tiongkok"})
    assert saved["party"] == "Jinxiang Garlic Co., Ltd." and saved["service_user_id"] is None
    with pytest.raises(InvalidInput) as caught:
        nnc.create_nnc(session, operator, valid_nnc(session, number="B/2", party_name="Lain", party_country="X"))
    assert caught.value.errors["party_name"][0] == "nnc.error.party_and_service_user"


def test_documents_need_their_problem_and_pests_their_organism(session, operator):
    with pytest.raises(InvalidInput) as caught:
        nnc.create_nnc(session, operator, valid_nnc(session, category="documentation", subcategory=None))
    assert caught.value.errors == {"subcategory": ("nnc.error.subcategory", {})}
    with pytest.raises(InvalidInput) as caught:
        nnc.create_nnc(session, operator, valid_nnc(session, category="pest", organism=""))
    assert caught.value.errors == {"organism": ("nnc.error.organism_required", {})}
    saved = nnc.create_nnc(session, operator, valid_nnc(session, category="food_safety", subcategory="missing"))
    assert saved["subcategory"] is None  # a sub-category only belongs to documentation problems


def test_related_application_and_certificate_are_linked_when_found(session, operator):
    company = gen_service_user(session)
    # the export the notice of 3 March 2025 is about, applied for two days before it
    application = gen_application(session, company, submitted_at=datetime(2025, 3, 1, 2, 0, tzinfo=timezone.utc))
    gen_certificate(session, application, number="KT-1/0300/2025/000123", is_draft=False)
    saved = nnc.create_nnc(session, operator, valid_nnc(session, service_user=company,
                                                        application_number=application.number,
                                                        certificate_number="KT-1/0300/2025/000123"))
    assert saved["application_id"] == application.id and saved["certificate_id"] is not None
    other = nnc.create_nnc(session, operator, valid_nnc(session, number="X/2",
                                                        application_number="2025.1.0300.0.K21.E.999999"))
    assert other["application_id"] is None and other["application_number"] == "2025.1.0300.0.K21.E.999999"
    found = nnc_lookups.lookup_application(session, operator, application.number, operator.office_id)
    assert found["service_user_id"] == company.id and found["commodity"] == "Manggis"
    assert nnc_lookups.lookup_application(session, operator, "2025.NOPE", operator.office_id) is None


def test_the_forms_hint_does_not_offer_a_ptk_deleted_in_iqfast_which_a_save_would_not_link(session, operator):
    company = gen_service_user(session)
    deleted = gen_application(session, company, submitted_at=datetime(2025, 3, 1, 2, 0, tzinfo=timezone.utc),
                              deleted_at=datetime(2025, 3, 2, 2, 0, tzinfo=timezone.utc))
    assert nnc_lookups.lookup_application(session, operator, deleted.number, operator.office_id) is None
    saved = nnc.create_nnc(session, operator, valid_nnc(session, service_user=company,
                                                        application_number=deleted.number))
    assert saved["application_id"] is None


def test_an_admins_hint_looks_a_ptk_up_at_the_office_the_save_files_the_nnc_under(session, database, make_user):
    """An admin sees every office: the hint said "Permohonan ditemukan" for another office's PTK, which the save of a
    new NNC (filed under the admin's office) then did not link. Editing that office's NNC, its own PTK is found."""
    from models import Office
    from support.compliance_data import gen_nnc

    admin = actor(database, make_user, "admin", username="admin_kantor")
    operator = actor(database, make_user, "operator", username="petugas_kantor")  # made before this session writes
    denpasar = Office(code="2000", name="Balai Besar Karantina Pertanian Denpasar", timezone="Asia/Makassar")
    session.add(denpasar)
    session.flush()
    bali = gen_service_user(session, name="PT Tani Bali", tax_id="022222222222000", office_id=denpasar.id)
    there = gen_application(session, bali, office_id=denpasar.id,
                            submitted_at=datetime(2025, 3, 1, 2, 0, tzinfo=timezone.utc))
    their_nnc = gen_nnc(session, bali, notice_date=date(2025, 3, 3))
    session.commit()
    new_form = nnc_lookups.filing_office(session, admin, None)
    assert new_form == admin.office_id != denpasar.id
    assert nnc_lookups.lookup_application(session, admin, there.number, new_form) is None
    saved = nnc.create_nnc(session, admin, valid_nnc(session, number="X/3", application_number=there.number))
    assert saved["application_id"] is None  # what the hint now says: not found here
    editing = nnc_lookups.filing_office(session, admin, their_nnc.id)
    assert editing == denpasar.id
    assert nnc_lookups.lookup_application(session, admin, there.number, editing)["id"] == there.id
    # An operator opening another office's NNC id by hand files nothing there: the hint stays at their office
    assert nnc_lookups.filing_office(session, operator, their_nnc.id) == operator.office_id
    assert nnc_lookups.filing_office(session, operator, True) == operator.office_id


UTC = timezone.utc


def _refused_link(session, operator, today=None, **overrides) -> dict:
    """The errors of an NNC refused for its linked application; nothing of it is written."""
    before = _count(session, Nnc)
    with pytest.raises(InvalidInput) as caught:
        nnc.create_nnc(session, operator, valid_nnc(session, **overrides), today=today)
    assert _count(session, Nnc) == before
    return caught.value.errors


def test_received_nnc_refuses_an_import_application_as_its_consignment(session, operator):
    """The reviewer's case: a received NNC of 1 Nov 2026 and an import applied for on 5 Dec 2026."""
    company = gen_service_user(session)
    application = gen_application(session, company, direction="import",
                                  submitted_at=datetime(2026, 12, 5, 3, 0, tzinfo=UTC))
    errors = _refused_link(session, operator, service_user=company, flow="received", notice_date="01/11/2026",
                           received_date="02/11/2026", application_number=application.number,
                           today=date(2026, 12, 5))
    assert errors == {"application_number": ("nnc.error.application_import_for_received", {})}


def test_issued_nnc_refuses_an_export_application_as_its_consignment(session, operator):
    company = gen_service_user(session)
    application = gen_application(session, company, direction="export",
                                  submitted_at=datetime(2025, 3, 1, 2, 0, tzinfo=UTC))
    errors = _refused_link(session, operator, service_user=company, flow="issued",
                           application_number=application.number)
    assert errors == {"application_number": ("nnc.error.application_export_for_issued", {})}


def test_nnc_of_either_flow_refuses_a_domestic_application(session, operator):
    """A domestic consignment crosses no border: no foreign authority sends or receives an NNC about it."""
    company = gen_service_user(session)
    early = datetime(2025, 3, 1, 2, 0, tzinfo=UTC)
    outgoing = gen_application(session, company, direction="domestic_out", submitted_at=early)
    incoming = gen_application(session, company, direction="domestic_in", submitted_at=early)
    assert _refused_link(session, operator, service_user=company, flow="received",
                         application_number=outgoing.number) == {
        "application_number": ("nnc.error.application_domestic_out_for_received", {})}
    assert _refused_link(session, operator, service_user=company, flow="issued",
                         application_number=incoming.number) == {
        "application_number": ("nnc.error.application_domestic_in_for_issued", {})}


def test_nnc_refuses_an_application_submitted_after_its_notice_date(session, operator):
    company = gen_service_user(session)
    later = gen_application(session, company, direction="export", submitted_at=datetime(2025, 3, 10, 2, 0, tzinfo=UTC))
    errors = _refused_link(session, operator, service_user=company, application_number=later.number)
    assert errors == {"application_number": ("nnc.error.application_after_notice",
                                             {"submitted": "10/03/2025", "notice": "03/03/2025"})}
    issued = gen_application(session, company, direction="import", submitted_at=datetime(2025, 3, 10, 2, 0, tzinfo=UTC))
    assert _refused_link(session, operator, service_user=company, flow="issued",
                         application_number=issued.number)["application_number"][0] == \
        "nnc.error.application_after_notice"


def test_application_submitted_date_is_read_in_the_office_zone_wib_not_utc(session, operator):
    """Notice dated 3 March 2025 at a WIB office (UTC+7): 2 March 18:30 UTC is 3 March 01:30 WIB, the notice day,
    so it fits; 3 March 17:30 UTC is already 4 March 00:30 WIB, the day after, so it does not."""
    company = gen_service_user(session)
    fits = gen_application(session, company, submitted_at=datetime(2025, 3, 2, 18, 30, tzinfo=UTC))
    saved = nnc.create_nnc(session, operator, valid_nnc(session, number="WIB/1", service_user=company,
                                                        application_number=fits.number))
    assert saved["application_id"] == fits.id
    late = gen_application(session, company, submitted_at=datetime(2025, 3, 3, 17, 30, tzinfo=UTC))
    assert _refused_link(session, operator, number="WIB/2", service_user=company,
                         application_number=late.number) == {
        "application_number": ("nnc.error.application_after_notice", {"submitted": "04/03/2025",
                                                                      "notice": "03/03/2025"})}


def test_edit_that_makes_the_linked_application_not_fit_is_refused(session, operator):
    company = gen_service_user(session)
    application = gen_application(session, company, submitted_at=datetime(2025, 3, 1, 2, 0, tzinfo=UTC))
    saved = nnc.create_nnc(session, operator, valid_nnc(session, service_user=company,
                                                        application_number=application.number))
    with pytest.raises(InvalidInput) as caught:
        nnc.update_nnc(session, operator, saved["id"], {"flow": "issued"})
    assert caught.value.errors == {"application_number": ("nnc.error.application_export_for_issued", {})}
    with pytest.raises(InvalidInput) as caught:
        nnc.update_nnc(session, operator, saved["id"], {"notice_date": date(2025, 2, 27),
                                                        "received_date": date(2025, 3, 5)})
    assert caught.value.errors["application_number"][0] == "nnc.error.application_after_notice"
    assert session.get(Nnc, saved["id"]).flow == "received"



def test_an_nnc_linked_before_the_rule_stays_editable_until_its_link_is_touched(session, operator):
    """NNCs saved before the link rule may name a PTK that does not fit: an edit of their notes was refused on the
    PTK field the officer never touched. The link is judged again once its number, flow or date changes."""
    company = gen_service_user(session)
    fits = gen_application(session, company, submitted_at=datetime(2025, 3, 1, 2, 0, tzinfo=UTC))
    imported = gen_application(session, company, direction="import",
                               submitted_at=datetime(2025, 3, 1, 2, 0, tzinfo=UTC))
    saved = nnc.create_nnc(session, operator, valid_nnc(session, service_user=company,
                                                        application_number=fits.number))
    legacy = session.get(Nnc, saved["id"])
    legacy.application_number, legacy.application_id = imported.number, imported.id  # as stored before the rule
    session.flush()
    nnc.update_nnc(session, operator, saved["id"], {"internal_notes": "Dicek ulang."})
    assert session.get(Nnc, saved["id"]).internal_notes == "Dicek ulang."
    with pytest.raises(InvalidInput) as caught:
        nnc.update_nnc(session, operator, saved["id"], {"notice_date": date(2025, 3, 2)})
    assert caught.value.errors == {"application_number": ("nnc.error.application_import_for_received", {})}


def test_a_ptk_of_another_office_or_deleted_at_the_source_is_not_linked_nor_described(session, operator):
    """The look-up took any office's PTK, deleted ones too, and its refusal told that PTK's direction and date."""
    from models import Office

    company = gen_service_user(session)
    elsewhere = Office(code="0999", name="UPT Lain", timezone="Asia/Makassar")
    session.add(elsewhere)
    session.flush()
    foreign = gen_application(session, company, direction="import", office_id=elsewhere.id,
                              submitted_at=datetime(2025, 3, 1, 2, 0, tzinfo=UTC))
    gone = gen_application(session, company, submitted_at=datetime(2025, 3, 1, 2, 0, tzinfo=UTC))
    gone.deleted_at = datetime(2025, 3, 2, tzinfo=UTC)
    session.flush()
    for number in (foreign.number, gone.number):
        assert nnc_validation.application_fit(session, operator.office_id, "received", "03/03/2025", number) is None
        saved = nnc.create_nnc(session, operator, valid_nnc(session, number=f"L/{number[-6:]}", service_user=company,
                                                            application_number=number))
        assert saved["application_id"] is None and saved["application_number"] == number  # kept as typed


NOT_PTK_NUMBERS = ("PTK-123", "2025.NOPE", "KT-1/0300/2025/000123", "lihat surat GACC", "2026.1.0300.0.K21.E.",
                   "2026.1.0300.0.K21.E.032999 dan 032998")


def test_text_that_is_no_ptk_number_is_refused_on_its_field_and_nothing_is_written(session, operator):
    """Any text was saved as the NNC's PTK, then shown on its page as "tidak ditemukan" for good."""
    for text in NOT_PTK_NUMBERS:
        errors = _refused_link(session, operator, number=f"S/{len(text)}", application_number=text)
        assert errors == {"application_number": ("nnc.error.application_number_shape", {})}, text


def test_a_well_formed_ptk_no_synced_application_has_is_saved_unlinked_as_typed(session, operator):
    """A foreign authority may name a PTK not synced yet: accepted (the form warns as it is typed), not refused."""
    for number in ("2026.1.0300.0.K21.E.032999", "2026.1.0300.0.k21.e.032998", " 2026.1.0300.0.K11.I.000007 "):
        saved = nnc.create_nnc(session, operator, valid_nnc(session, number=f"U/{number.strip()[-6:]}",
                                                            application_number=number))
        assert saved["application_id"] is None and saved["application_number"] == number.strip()


def test_a_synced_applications_number_is_linked_whatever_its_shape(session, operator):
    """The shape only judges numbers no synced application has: a real PTK written otherwise is never refused."""
    company = gen_service_user(session)
    odd = gen_application(session, company, number="PTK/0300/2025/77",
                          submitted_at=datetime(2025, 3, 1, 2, 0, tzinfo=UTC))
    saved = nnc.create_nnc(session, operator, valid_nnc(session, service_user=company, application_number=odd.number))
    assert saved["application_id"] == odd.id


def test_an_nnc_saved_before_the_ptk_shape_rule_stays_editable_until_its_ptk_is_changed(session, operator):
    saved = nnc.create_nnc(session, operator, valid_nnc(session))
    legacy = session.get(Nnc, saved["id"])
    legacy.application_number = "lihat surat GACC"  # as stored before the rule
    session.flush()
    nnc.update_nnc(session, operator, saved["id"], {"internal_notes": "Dicek ulang."})
    assert session.get(Nnc, saved["id"]).internal_notes == "Dicek ulang."
    with pytest.raises(InvalidInput) as caught:
        nnc.update_nnc(session, operator, saved["id"], {"application_number": "lihat surat GACC 2"})
    assert caught.value.errors == {"application_number": ("nnc.error.application_number_shape", {})}
    nnc.update_nnc(session, operator, saved["id"], {"application_number": "2025.1.0300.0.K21.E.000321"})
    assert session.get(Nnc, saved["id"]).application_number == "2025.1.0300.0.K21.E.000321"


def test_the_form_hint_says_why_a_typed_application_does_not_fit_before_saving(session, operator):
    company = gen_service_user(session)
    application = gen_application(session, company, direction="import",
                                  submitted_at=datetime(2026, 12, 5, 3, 0, tzinfo=UTC))
    office_id = operator.office_id
    fit = nnc_validation.application_fit
    assert fit(session, office_id, "received", "01/11/2026", application.number) == (
        "nnc.error.application_import_for_received", {})
    assert fit(session, office_id, "issued", "2026-11-01", application.number)[0] == "nnc.error.application_after_notice"
    assert fit(session, office_id, "issued", "06/12/2026", application.number) is None
    assert fit(session, office_id, "issued", "not a date", application.number) is None  # the date field says so
    assert fit(session, office_id, "received", "01/11/2026", "2026.NOPE") is None


def test_link_messages_name_why_in_both_languages():
    from portal.i18n import t
    assert t("nnc.error.application_import_for_received", "id") == "PTK ini impor; NNC diterima menyangkut ekspor."
    assert t("nnc.error.application_after_notice", "id", submitted="05/12/2026", notice="01/11/2026") \
        .startswith("PTK ini diajukan sesudah tanggal NNC")
    for key in nnc_validation.WRONG_DIRECTION.values():
        assert t(key, "en") != key and t(key, "id") != key


def test_search_as_you_type_finds_companies_by_name_or_tax_id(session, operator):
    gen_service_user(session, name="PT Walet Jaya Abadi", tax_id="01.111.222.3-444.000")
    for n in range(25):
        gen_service_user(session, name=f"CV Walet Nusantara {n:02d}")
    assert [c["name"] for c in nnc_lookups.search_service_users(session, operator, "jaya abadi")] == ["PT Walet Jaya Abadi"]
    assert [c["name"] for c in nnc_lookups.search_service_users(session, operator, "011112223")] == ["PT Walet Jaya Abadi"]
    assert len(nnc_lookups.search_service_users(session, operator, "walet")) == 20


# --- workflow ----------------------------------------------------------------------------------------------


@pytest.fixture
def recorded(session, operator):
    saved = nnc.create_nnc(session, operator, valid_nnc(session))
    session.commit()
    return saved


def test_status_moves_only_along_allowed_transitions(session, database, make_user, operator, recorded):
    coordinator = actor(database, make_user, "coordinator", "plant")
    with pytest.raises(InvalidInput) as caught:
        nnc.change_status(session, coordinator, recorded["id"], "closed")
    assert caught.value.errors["status"][0] == "nnc.error.transition"
    nnc.change_status(session, coordinator, recorded["id"], "under_investigation", "Eksportir dihubungi")
    with pytest.raises(InvalidInput) as caught:
        nnc.change_status(session, coordinator, recorded["id"], "clarified")
    assert caught.value.errors == {"investigation_findings": ("nnc.error.required_for_clarified", {})}
    nnc.record_follow_up(session, coordinator, recorded["id"], {"investigation_findings": "Larva dari kebun B"},
                         "clarified")
    with pytest.raises(InvalidInput):  # an operator may not close a case: a supervisor does
        nnc.change_status(session, operator, recorded["id"], "closed")
    with pytest.raises(InvalidInput) as caught:
        nnc.change_status(session, coordinator, recorded["id"], "closed")
    assert caught.value.errors == {"corrective_action": ("nnc.error.required_for_closed", {})}
    closed = nnc.record_follow_up(session, coordinator, recorded["id"], {"corrective_action": "Sortasi ketat"},
                                  "closed")
    assert closed["status"] == "closed"
    session.commit()
    steps = session.scalars(select(NncStatusChange).where(NncStatusChange.nnc_id == recorded["id"])
                            .order_by(NncStatusChange.id)).all()
    assert [(s.from_status, s.to_status) for s in steps] == [
        (None, "received"), ("received", "under_investigation"), ("under_investigation", "clarified"),
        ("clarified", "closed")]
    assert steps[1].note == "Eksportir dihubungi" and steps[1].username == coordinator.username


def test_a_note_without_a_status_change_is_refused_beside_it_not_dropped_as_saved(session, database, make_user,
                                                                                   recorded):
    """The note is a status change's: a follow-up saved with "keep the status" dropped it and said "saved"."""
    coordinator = actor(database, make_user, "coordinator", "plant")
    with pytest.raises(InvalidInput) as caught:
        nnc.record_follow_up(session, coordinator, recorded["id"], {"investigation_findings": "Larva dari kebun B"},
                             None, "Eksportir sudah ditelepon")
    assert caught.value.errors == {"note": ("nnc.error.note_without_status", {})}
    session.rollback()
    assert session.get(Nnc, recorded["id"]).investigation_findings is None  # nothing of it written
    saved = nnc.record_follow_up(session, coordinator, recorded["id"], {"investigation_findings": "Larva dari kebun B"},
                                 "under_investigation", "Eksportir sudah ditelepon")
    assert saved["status"] == "under_investigation"


def test_void_needs_a_reason_and_stops_counting(session, operator, recorded):
    with pytest.raises(InvalidInput) as caught:
        nnc.change_status(session, operator, recorded["id"], "void", "  ")
    assert caught.value.errors == {"note": ("nnc.error.void_reason_required", {})}
    voided = nnc.change_status(session, operator, recorded["id"], "void", "Duplikat dari NNC lain")
    assert voided["status"] == "void" and voided["void_reason"] == "Duplikat dari NNC lain"
    counted = session.scalar(select(func.count(Nnc.id)).where(Nnc.counts_against_compliance))
    assert counted == 0
    with pytest.raises(InvalidInput):  # only an admin restores a void NNC
        nnc.change_status(session, operator, recorded["id"], "received")


def test_operator_cannot_edit_closed_nnc(session, database, make_user, operator, recorded):
    enforcement = actor(database, make_user, "enforcement")
    nnc.record_follow_up(session, enforcement, recorded["id"], {"investigation_findings": "a"}, "under_investigation")
    nnc.record_follow_up(session, enforcement, recorded["id"], {"corrective_action": "b"}, "clarified")
    nnc.change_status(session, enforcement, recorded["id"], "closed")
    with pytest.raises(InvalidInput) as caught:
        nnc.update_nnc(session, operator, recorded["id"], {"commodity": "Salak"})
    assert caught.value.errors["status"][0] == "nnc.error.not_editable"
    reopened = nnc.change_status(session, enforcement, recorded["id"], "under_investigation", "Bukti baru")
    assert reopened["status"] == "under_investigation"
    assert nnc.update_nnc(session, operator, recorded["id"], {"commodity": "Salak"})["commodity"] == "Salak"


def test_changes_are_audited_with_before_and_after(session, operator, recorded):
    nnc.update_nnc(session, operator, recorded["id"], {"commodity": "Salak pondoh", "hs_code": "0810.90.93"})
    nnc.record_follow_up(session, operator, recorded["id"], {"investigation_findings": "Kebun tanpa perangkap"},
                         "under_investigation", "Mulai investigasi")
    session.commit()
    entries = {e.action: e for e in session.scalars(select(AuditLog).where(AuditLog.object_type == "nnc",
                                                                            AuditLog.object_id == str(recorded["id"])))}
    assert entries["nnc_created"].after["number"] == "GACC/NNC/2025/0001"
    assert entries["nnc_updated"].before == {"commodity": "Manggis", "hs_code": "0804.50.20"}
    assert entries["nnc_updated"].after == {"commodity": "Salak pondoh", "hs_code": "0810.90.93"}
    assert entries["nnc_updated"].username == "petugas_nnc"
    assert entries["nnc_follow_up"].before == {"investigation_findings": None}
    assert entries["nnc_status_changed"].before == {"status": "received"}
    assert entries["nnc_status_changed"].after == {"status": "under_investigation", "note": "Mulai investigasi"}
    history = nnc_detail.history(session, recorded["id"], operator)
    assert [c["action"] for c in history["changes"]][-1] == "nnc_created"
    assert history["changes"][-1]["after"]["service_user_id"].startswith("PT Contoh")  # names, not ids


# --- who sees and changes what ----------------------------------------------------------------------------


def test_coordinator_plant_cannot_edit_or_follow_up_an_animal_nnc(session, database, make_user, operator):
    coordinator = actor(database, make_user, "coordinator", "plant")
    animal_coordinator = actor(database, make_user, "coordinator", "animal")
    animal = nnc.create_nnc(session, operator, valid_nnc(session, number="KH/1", section="animal"))
    session.commit()
    with pytest.raises(Forbidden):
        nnc_detail.nnc_for_viewer(session, animal["id"], coordinator)
    with pytest.raises(Forbidden):
        nnc.update_nnc(session, coordinator, animal["id"], {"commodity": "Sapi"})
    with pytest.raises(Forbidden):
        nnc.record_follow_up(session, coordinator, animal["id"], {"investigation_findings": "x"},
                             "under_investigation")
    with pytest.raises(Forbidden):
        nnc.create_nnc(session, coordinator, valid_nnc(session, number="KT/9"))
    assert nnc_search.search_nncs(session, coordinator)["total"] == 0
    assert nnc_search.search_nncs(session, animal_coordinator)["total"] == 1


def test_head_reads_everything_and_changes_nothing(session, database, make_user, operator, recorded):
    head = actor(database, make_user, "head")
    assert nnc_detail.nnc_for_viewer(session, recorded["id"], head)["internal_notes"] is None
    assert nnc_rules.permissions_for(head, nnc_detail.nnc_for_viewer(session, recorded["id"], head)) == {
        "edit": False, "follow_up": False, "transitions": [], "internal": True}
    for attempt in (lambda: nnc.update_nnc(session, head, recorded["id"], {"commodity": "x"}),
                    lambda: nnc.change_status(session, head, recorded["id"], "under_investigation"),
                    lambda: nnc.create_nnc(session, head, valid_nnc(session, number="H/1"))):
        with pytest.raises(Forbidden):
            attempt()


def test_service_user_sees_only_their_companys_nncs_without_internal_notes(session, database, make_user, operator):
    mine, theirs = gen_service_user(session), gen_service_user(session)
    own = nnc.create_nnc(session, operator, valid_nnc(session, number="M/1", service_user=mine,
                                                      internal_notes="Diduga sengaja; pantau PPJK-nya"))
    other = nnc.create_nnc(session, operator, valid_nnc(session, number="M/2", service_user=theirs))
    session.commit()
    company = actor(database, make_user, "service_user", service_user_ids=(mine.id,))
    seen = nnc_detail.nnc_for_viewer(session, own["id"], company)
    assert seen["number"] == "M/1" and "internal_notes" not in seen and "created_by" not in seen
    for nnc_id in (other["id"], 999999):
        with pytest.raises(Forbidden):
            nnc_detail.nnc_for_viewer(session, nnc_id, company)
    assert [r["number"] for r in nnc_search.search_nncs(session, company)["rows"]] == ["M/1"]
    assert nnc_detail.history(session, own["id"], company)["changes"] == []
    nnc.change_status(session, operator, own["id"], "void", "Salah catat")
    session.commit()
    with pytest.raises(Forbidden):
        nnc_detail.nnc_for_viewer(session, own["id"], company)


def test_officers_see_their_own_office_only(session, database, make_user, operator, recorded):
    from portal.services.nnc.rules import Actor

    elsewhere = Actor(id=None, username="x", role="operator", office_id=recorded["office_id"] + 1000)
    with pytest.raises(Forbidden):
        nnc_detail.nnc_for_viewer(session, recorded["id"], elsewhere)
    with pytest.raises(NotFound):
        nnc_detail.nnc_for_viewer(session, 424242, operator)


# --- the list ---------------------------------------------------------------------------------------------


def test_list_is_filtered_sorted_paged_and_counted_in_the_database(session, operator):
    exporter = gen_service_user(session, name="PT Ekspor Manggis")
    for n in range(30):
        nnc.create_nnc(session, operator, valid_nnc(
            session, number=f"L/{n:02d}", service_user=exporter if n % 3 == 0 else None,
            notice_date=date(2025, 1, 1) + timedelta(days=n), received_date=date(2025, 1, 2) + timedelta(days=n),
            section="animal" if n % 2 else "plant", category="food_safety" if n % 5 == 0 else "pest",
            notifying_country="Jepang" if n % 4 == 0 else "Tiongkok"))
    session.commit()
    page = nnc_search.search_nncs(session, operator, {}, [("notice_date", "desc")], page=1, page_size=10)
    assert page["total"] == 30 and [r["number"] for r in page["rows"]][:2] == ["L/19", "L/18"]
    only = nnc_search.search_nncs(session, operator, {"section": "plant", "category": "food_safety", "country": "jepang",
                                               "date_from": "2025-01-01", "date_to": "2025-01-31"})
    assert [r["number"] for r in only["rows"]] == ["L/20", "L/00"]
    assert nnc_search.search_nncs(session, operator, {"service_user_id": exporter.id})["total"] == 10
    assert nnc_search.search_nncs(session, operator, {"text": "l/2"})["total"] == 10  # L/20…L/29
    nnc.change_status(session, operator, page["rows"][0]["id"], "void", "duplikat")
    counts = nnc_search.status_counts(session, operator, {"status": "void"})  # the counts ignore the status filter
    assert counts["received"] == 29 and counts["void"] == 1
    assert nnc_search.countries(session, operator) == ["Jepang", "Tiongkok"]


def test_number_taken_meanwhile_by_someone_else_gets_the_same_message(session, operator, monkeypatch):
    """Two officers saving the same number at once: the database constraint answers like the form check."""
    nnc.create_nnc(session, operator, valid_nnc(session, number="RACE/1"))
    session.commit()
    real_owner = nnc_validation.number_owner
    calls = []

    def not_seen_yet(*args):
        calls.append(args)
        return None if len(calls) == 1 else real_owner(*args)

    monkeypatch.setattr(nnc, "number_owner", not_seen_yet)
    with pytest.raises(InvalidInput) as caught:
        nnc.create_nnc(session, operator, valid_nnc(session, number="RACE/1"))
    assert caught.value.errors["number"][0] == "nnc.error.number_taken"
    session.rollback()
    assert _count(session, Nnc) == 1


def test_the_company_is_told_once_per_new_nnc_recorded_in_the_form(session, operator, monkeypatch):
    told = []
    monkeypatch.setattr(nnc, "on_nnc_recorded", lambda s, nnc_id: told.append(nnc_id))
    saved = nnc.create_nnc(session, operator, valid_nnc(session, number="T/1"))
    nnc.update_nnc(session, operator, saved["id"], {"commodity": "Salak"})
    nnc.create_nnc(session, operator, valid_nnc(session, number="T/2"), notify=False)  # an import: history
    assert told == [saved["id"]]


def test_an_nnc_counts_in_the_compliance_rollups_until_it_is_void(session, operator):
    """The score follows NNC changes at once (DOMAIN.md: recomputed after each NNC change)."""
    from models.compliance import ComplianceMonthly

    company = gen_service_user(session)
    saved = nnc.create_nnc(session, operator, valid_nnc(session, service_user=company))

    def counted() -> int:
        return session.scalar(select(func.coalesce(func.sum(ComplianceMonthly.k), 0))
                              .where(ComplianceMonthly.service_user_id == company.id)) or 0

    assert counted() == 1
    nnc.change_status(session, operator, saved["id"], "void", "Duplikat")
    assert counted() == 0
