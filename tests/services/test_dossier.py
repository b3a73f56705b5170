"""The traceability dossier (issue 19): its numbers are the profile's, `verify` accepts a printed copy and refuses
one with a byte changed, who may print it, and that printing is audited."""
from __future__ import annotations

import re
import zlib
from datetime import UTC, date, datetime, timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from support.compliance_data import AS_OF, build_ranked_office, clock_at_as_of, gen_nnc
from support.kpi_data import gen_complaint
from support.portal_helpers import link_account, pdf_text
from models import AttachmentBlob, AuditLog, NncAttachment
from portal.reports import dossier
from portal.security.scope import scope_of
from portal.services import dossier as dossier_service
from portal.services.compliance import profile as compliance_profile
from portal.i18n import format_rate, t
from portal.validation import Forbidden, InvalidInput, NotFound

PRINTED_AT = datetime(2026, 6, 15, 4, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _clock_at_as_of():
    with clock_at_as_of():
        yield


@pytest.fixture
def office(session, built_once):
    return built_once("dossier_office", session, _build_office)


def _build_office(session):
    data = build_ranked_office(session)
    blob = AttachmentBlob(hash="ab" * 32, content=b"%PDF-1.4 surat", size=14, mime_type="application/pdf")
    session.add(blob)
    session.flush()
    nnc = session.scalar(select(dossier_service.Nnc).where(dossier_service.Nnc.service_user_id == data["gamma"].id,
                                                           dossier_service.Nnc.status != "void"))
    session.add(NncAttachment(nnc_id=nnc.id, filename="surat-gacc.pdf", blob_hash=blob.hash))
    complaint = gen_complaint(session, "ADU-0001", "answered", datetime(2026, 2, 3, 2, 0, tzinfo=UTC),
                              date(2026, 2, 10), answered_at=datetime(2026, 2, 5, 2, 0, tzinfo=UTC))
    complaint.service_user_id = data["gamma"].id
    session.commit()
    return data


class Viewer:
    """A logged-in officer as the routes pass one (portal.security.access.CurrentUser's shape)."""

    def __init__(self, session, role, section=None, service_user_ids=()):
        from support.factories import office_id, section_id
        self.id, self.username, self.full_name, self.role = None, f"{role}_x", f"Petugas {role.title()}", role
        self.office_id = office_id(session)
        self.section_code = section
        self.section_id = section_id(session, section) if section else None
        self.service_user_ids = tuple(service_user_ids)


def _print(session, viewer, company, **kwargs):
    return dossier.printed(session, viewer, company.id, now=PRINTED_AT, **kwargs)


# ------------------------------------------------------------------------------------------------ numbers
def test_the_dossiers_score_working_is_the_profiles(session, office):
    viewer = Viewer(session, "enforcement")
    for company in (office["beta"], office["gamma"], office["alpha"]):
        shown = compliance_profile.profile(session, company.id, office_id=office["office_id"], section_scope=None)
        content = dossier_service.gather(session, viewer, company.id, now=PRINTED_AT)
        working = content["offices"][0]["working"]
        expected = dossier_service.plain(shown["explanation"])
        for key in ("n", "V", "p0", "p", "score", "tier", "counts", "clean_streak", "window_from", "window_to",
                    "intervention", "settings_version", "consignments_by_month"):
            assert working[key] == expected[key], (company.name, key)
    beta = dossier_service.gather(session, viewer, office["beta"].id, now=PRINTED_AT)
    assert [a["kind"] for a in beta["offices"][0]["actions"]] == ["detention", "refusal"]
    assert beta["period"] == {"from": "2025-06-16", "to": "2026-06-15"}


def test_a_dossier_of_its_own_period_is_scored_over_it_as_the_profile_of_that_period(session, office):
    """Printed from a profile scored for October–January, the dossier said "the same numbers as the profile page"
    and scored the 12 months ending 31 January: another n, another score. A period other than the score's window
    is scored over its own days, and the PDF says so."""
    viewer = Viewer(session, "enforcement")
    period = {"period_from": "2025-10-01", "period_to": "2026-01-31"}
    for company, period in ((office["beta"], period), (office["alpha"], period),
                            # a period long past: counted to its end, the months since the last violation read
                            # 23 where the profile reads 30 (tier B against A)
                            (office["alpha"], {"period_from": "2025-06-16", "period_to": "2025-11-30"}),
                            (office["gamma"], {"period_from": "2025-06-16", "period_to": "2025-11-30"})):
        shown = compliance_profile.profile(session, company.id, office_id=office["office_id"], section_scope=None,
                                           as_of=AS_OF, **period)
        content = dossier_service.gather(session, viewer, company.id, now=PRINTED_AT, **period)
        working, expected = content["offices"][0]["working"], dossier_service.plain(shown["explanation"])
        for key in ("n", "V", "p0", "p", "score", "tier", "counts", "window_from", "window_to",
                    "consignments_by_month", "months_since_last_violation", "clean_streak", "intervention"):
            assert working[key] == expected[key], (company.name, key)
        assert working["custom_period"] is True
    text = " ".join(pdf_text(_print(session, viewer, office["beta"], compress=False, period_from="2025-10-01",
                                    period_to="2026-01-31")["pdf"]).split())
    assert "periode yang dipilih" in text and "1 Okt 2025" in text
    default = dossier_service.gather(session, viewer, office["beta"].id, now=PRINTED_AT)
    assert default["offices"][0]["working"]["custom_period"] is False


def test_the_dossier_lists_nncs_with_their_evidence_complaints_and_handlers(session, office):
    content = dossier_service.gather(session, Viewer(session, "enforcement"), office["gamma"].id, now=PRINTED_AT)
    record = content["offices"][0]
    assert [(n["status"], [e["filename"] for e in n["evidence"]]) for n in record["nncs"]] == [
        ("received", ["surat-gacc.pdf"]), ("void", [])]
    assert record["nncs"][0]["evidence"][0]["sha256"] == "ab" * 32
    assert [c["tracking_code"] for c in record["complaints"]] == ["ADU-0001"]
    beta = dossier_service.gather(session, Viewer(session, "enforcement"), office["beta"].id, now=PRINTED_AT)
    assert [h["name"] for h in beta["offices"][0]["handlers"]["handlers"]] == ["PPJK Satu Pintu"]
    assert beta["offices"][0]["handlers"]["changes_total"] == 0


def test_an_nnc_names_its_partner_country_whichever_way_it_went(session, office):
    """Received: the country that notified us; issued: the country we notified (it read "Diterbitkan · Indonesia")."""
    gen_nnc(session, office["gamma"], notice_date=date(2026, 3, 3), flow="issued", notifying_country="Indonesia",
            notified_country="Belanda")
    session.commit()
    content = dossier_service.gather(session, Viewer(session, "enforcement"), office["gamma"].id, now=PRINTED_AT)
    assert [(n["flow"], n["partner_country"]) for n in content["offices"][0]["nncs"]] == [
        ("received", "China"), ("received", "China"), ("issued", "Belanda")]


def test_a_period_is_checked_and_its_records_only_are_listed(session, office):
    viewer = Viewer(session, "enforcement")
    with pytest.raises(InvalidInput) as refused:
        dossier_service.gather(session, viewer, office["beta"].id, "2026-05-01", "2026-01-01")
    assert "period_to" in refused.value.errors
    with pytest.raises(InvalidInput):
        dossier_service.gather(session, viewer, office["beta"].id, "1-2-2026", "2026-01-01")
    early = dossier_service.gather(session, viewer, office["beta"].id, "2025-08-01", "2025-09-30", now=PRINTED_AT)
    assert early["offices"][0]["actions"] == []


# ------------------------------------------------------------------------------------------------ the PDF and verify
def test_the_pdf_has_a_cover_contents_page_numbers_printer_and_the_hash_on_every_page(session, office):
    result = _print(session, Viewer(session, "enforcement"), office["beta"], compress=False)
    text = pdf_text(result["pdf"])
    assert "Dokumen Penelusuran" in text and "Daftar isi" in text and "PT Beta Tani" in text
    assert f"Halaman 1 dari {result['pages']}" in text and f"Halaman {result['pages']} dari {result['pages']}" in text
    assert text.count(f"SHA-256: {result['hash']}") == result["pages"]
    assert "Petugas Enforcement" in text and "15 Jun 2026 11:00 WIB" in text  # printed at, in the office's zone



def test_the_pdf_writes_the_inspection_level_with_its_percent_as_the_pages_do(session, office):
    """"Diperketat (100 %)" in the PDF beside "Diperketat (100%)" on the profile page: one way to write a percent."""
    text = pdf_text(_print(session, Viewer(session, "enforcement"), office["beta"], compress=False)["pdf"])
    assert re.search(r"(Diperketat|Normal|Dikurangi) \((100|25|5)%\)", text), text
    assert " %)" not in text

def test_the_pdf_writes_the_address_and_the_rates_as_the_profile_page_does(session, office):
    """The PDF wrote "…, Jakarta Timur, Jakarta Timur" where the page writes the city once, and p to four decimals
    ("0,0002"): a big company's working could not be checked by hand."""
    office["beta"].address, office["beta"].city = "Jl. Kapuk Raya No. 114, Jakarta Timur", "Jakarta Timur"
    session.commit()
    text = " ".join(pdf_text(_print(session, Viewer(session, "enforcement"), office["beta"], compress=False)["pdf"])
                    .split())
    assert "Jl. Kapuk Raya No. 114, Jakarta Timur" in text and "Jakarta Timur, Jakarta Timur" not in text
    working = compliance_profile.explanation(session, office["beta"].id, office_id=office["office_id"],
                                             section_id=None, as_of=AS_OF)
    assert format_rate(working["p"], "id") in text and format_rate(working["p0"], "id") in text


def test_the_pdf_says_how_a_detention_ended_in_indonesian_as_the_application_page_does(session, office):
    """IQFast records how a 3P action ended as a stage ("released", "destroyed"): the page said "Dibebaskan", the
    PDF printed "released" in an Indonesian dossier."""
    from models import QuarantineAction

    detention = session.scalar(select(QuarantineAction).where(QuarantineAction.service_user_id == office["beta"].id,
                                                              QuarantineAction.kind == "detention"))
    detention.outcome = "released"
    session.commit()
    text = " ".join(pdf_text(_print(session, Viewer(session, "enforcement"), office["beta"], compress=False)["pdf"])
                    .split())
    assert "released" not in text and t("stage.released", "id") in text


def test_three_significant_digits_make_a_small_rate_readable():
    assert [format_rate(v, "id") for v in (0.136, 0.00689, 0.000224, 0, None)] == [
        "0,136", "0,00689", "0,000224", "0,000", "–"]


def test_verify_accepts_the_printed_dossier(session, office):
    result = _print(session, Viewer(session, "enforcement"), office["beta"])
    session.commit()
    checked = dossier.verify(result["pdf"], session)
    assert checked["ok"], checked["problems"]
    assert checked["hash"] == result["hash"] and checked["printing"]["service_user_id"] == office["beta"].id


def test_verify_refuses_a_copy_with_one_byte_changed_in_a_table(session, office):
    result = _print(session, Viewer(session, "enforcement"), office["gamma"], compress=False)
    session.commit()
    pdf = result["pdf"]
    assert dossier.verify(pdf, session)["ok"]
    # The NNC table's number cell "NNC/TEST/000nn": one digit changed.
    found = re.search(rb"\(NNC/TEST/\d{4}(\d)", pdf)
    assert found is not None
    at = found.start(1)
    changed = pdf[:at] + (b"7" if pdf[at:at + 1] != b"7" else b"8") + pdf[at + 1:]
    checked = dossier.verify(changed, session)
    assert not checked["ok"]
    assert any(key == "dossier.verify.page_differs" for key, _ in checked["problems"])


def test_verify_refuses_a_byte_changed_anywhere_in_a_compressed_page_or_the_carried_content(session, office):
    result = _print(session, Viewer(session, "enforcement"), office["beta"])
    session.commit()
    pdf = result["pdf"]
    streams = [m for m in re.finditer(rb"stream\r?\n", pdf)]
    inside = streams[2].end() + 40
    flipped = pdf[:inside] + bytes([pdf[inside] ^ 0x01]) + pdf[inside + 1:]
    assert not dossier.verify(flipped, session)["ok"]
    keywords = pdf.index(b"/Keywords (qcorner-dossier:") + 60
    other = b"A" if pdf[keywords:keywords + 1] != b"A" else b"B"
    assert not dossier.verify(pdf[:keywords] + other + pdf[keywords + 1:], session)["ok"]


def test_verify_refuses_a_consistent_forgery_this_installation_never_printed(session, office):
    content = dossier_service.gather(session, Viewer(session, "enforcement"), office["beta"].id, now=PRINTED_AT)
    content["offices"][0]["working"]["score"] = 99.9
    forged, _pages = dossier.render(content)
    checked = dossier.verify(forged, session)
    assert [key for key, _ in checked["problems"]] == ["dossier.verify.not_printed_here"]
    assert dossier.verify(forged)["ok"]  # on its own the file is consistent: the audit log is what tells


def test_the_verify_command_accepts_the_copy_and_refuses_a_changed_one(session, office, tmp_path):
    from portal.cli.dossier import dossier as command

    result = _print(session, Viewer(session, "enforcement"), office["beta"], compress=False)
    good = tmp_path / "good.pdf"
    good.write_bytes(result["pdf"])
    accepted = CliRunner().invoke(command, ["verify", str(good), "--offline"])
    assert accepted.exit_code == 0, accepted.output
    assert result["hash"] in accepted.output
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(result["pdf"].replace(b"(PT Beta Tani) Tj", b"(PT Beta Tana) Tj", 1))
    refused = CliRunner().invoke(command, ["verify", str(bad), "--offline"])
    assert refused.exit_code == 1 and "DITOLAK" in refused.output


# ------------------------------------------------------------------------------------------------ who may print
def test_printing_is_audited_with_the_hash(session, office, make_user):
    make_user("enf_print", "enforcement")
    viewer = Viewer(session, "enforcement")
    viewer.username = "enf_print"
    result = _print(session, viewer, office["beta"])
    session.commit()
    row = session.scalar(select(AuditLog).where(AuditLog.action == "dossier_printed"))
    assert row.object_id == result["hash"] and row.username == "enf_print"
    assert row.after["service_user_id"] == office["beta"].id and row.after["pages"] == result["pages"]


def test_a_coordinator_prints_only_companies_of_their_section_and_only_that_section(session, office):
    plant = Viewer(session, "coordinator", section="plant")
    with pytest.raises(Forbidden):
        dossier_service.gather(session, plant, office["delta"].id)
    content = dossier_service.gather(session, plant, office["beta"].id, now=PRINTED_AT)
    assert content["section"] == "plant"


def test_a_dossier_of_the_section_a_reader_of_every_section_chose_covers_that_sections_record(session, office):
    """An enforcement officer scoring Beta's profile for Karantina Hewan printed a dossier of both sections, headed
    "Semua bidang", under the profile's animal-only score."""
    from portal.services.compliance import rollup as compliance_rollup
    from support.factories import gen_action, gen_application

    animal = gen_application(session, office["beta"], section="animal", direction="import", commodity="Sapi bakalan",
                             submitted_at=datetime(2026, 3, 10, 1, 0, tzinfo=UTC))
    gen_action(session, animal, "detention", action_at=datetime(2026, 3, 11, 1, 0, tzinfo=UTC))
    session.flush()
    compliance_rollup.recompute_all(session)
    session.commit()
    viewer, beta = Viewer(session, "enforcement"), office["beta"]

    def gathered(**chosen):
        return dossier_service.gather(session, viewer, beta.id, now=PRINTED_AT, **chosen)

    every = gathered()
    assert every["section"] is None and len(every["offices"][0]["actions"]) == 3
    content = gathered(section="animal")
    record = content["offices"][0]
    assert content["section"] == "animal"
    assert [(a["kind"], a["section"]) for a in record["actions"]] == [("detention", "animal")]
    shown = compliance_profile.profile(session, beta.id, office_id=office["office_id"], section_scope=None,
                                       section="animal", as_of=AS_OF)
    expected = dossier_service.plain(shown["explanation"])
    for key in ("n", "V", "score", "tier", "counts"):
        assert record["working"][key] == expected[key], key
    assert record["complaints"] == []  # a complaint names no section: the dossier says so, as for a coordinator
    assert {a["section"] for a in gathered(section="plant")["offices"][0]["actions"]} == {"plant"}
    assert gathered(section="all")["offices"][0]["actions"] == every["offices"][0]["actions"]
    with pytest.raises(InvalidInput) as refused:
        gathered(section="fish")
    assert "section" in refused.value.errors
    with pytest.raises(Forbidden):  # a coordinator's dossier is of their own section only
        dossier_service.gather(session, Viewer(session, "coordinator", section="plant"), beta.id, section="animal")


def test_a_service_user_and_an_operator_cannot_print_a_dossier(session, office):
    with pytest.raises(Forbidden):
        dossier_service.gather(session, Viewer(session, "service_user", service_user_ids=[office["beta"].id]),
                               office["beta"].id)
    with pytest.raises(Forbidden):
        dossier_service.gather(session, Viewer(session, "operator"), office["beta"].id)
    with pytest.raises(NotFound):
        dossier_service.gather(session, Viewer(session, "enforcement"), 10 ** 8)


def test_the_dossier_adds_the_companys_record_at_every_other_office_each_scored_there(session, office):
    from models import Office
    from support.factories import gen_action, gen_application, gen_service_user

    denpasar = Office(code="2000", name="Balai Besar Karantina Pertanian Denpasar", timezone="Asia/Makassar")
    session.add(denpasar)
    session.flush()
    bali = gen_service_user(session, name="PT Beta Tani Bali", tax_id="022222222222000", office_id=denpasar.id)
    shipped = gen_application(session, bali, submitted_at=datetime(2026, 3, 2, 1, 0, tzinfo=UTC))
    gen_action(session, shipped, "destruction", action_at=datetime(2026, 3, 3, 1, 0, tzinfo=UTC))
    session.commit()
    content = dossier_service.gather(session, Viewer(session, "enforcement"), office["beta"].id, now=PRINTED_AT)
    assert [o["office"]["code"] for o in content["offices"]] == ["0300", "2000"]
    there = content["offices"][1]
    assert there["office"]["timezone"] == "Asia/Makassar"
    assert [a["kind"] for a in there["actions"]] == ["destruction"]
    shown = compliance_profile.explanation(session, bali.id, office_id=denpasar.id, section_id=None, as_of=AS_OF)
    assert there["working"]["score"] == shown["score"] and there["working"]["n"] == shown["n"]
    pdf, _pages = dossier.render(content, compress=False)
    text = pdf_text(pdf)
    assert "2.2 Balai Besar Karantina Pertanian Denpasar (2000)" in text


def test_the_dossier_counts_the_targeting_decisions_of_the_period(session, office):
    from models.targeting import TargetingDecision

    for index, (selected, by_draw, flags) in enumerate([(True, True, []), (True, False, [{"code": "recent_nnc"}]),
                                                        (False, False, [])]):
        application = office["beta_apps"][index]
        session.add(TargetingDecision(
            application_id=application.id, office_id=application.office_id, section_id=application.section_id,
            service_user_id=office["beta"].id, iqfast_id=application.source_id, level="normal", rate=0.25,
            draw=0.1 if by_draw else 0.9, random_selected=by_draw, flags=flags, selected=selected, key_version=1,
            settings_version=1, level_basis={}, decided_at=application.submitted_at))
    session.commit()
    content = dossier_service.gather(session, Viewer(session, "enforcement"), office["beta"].id, now=PRINTED_AT)
    assert content["offices"][0]["targeting"] == {
        "levels": [{"level": "normal", "decisions": 3, "selected": 2, "by_draw": 1, "by_flag": 1}],
        "flags": [{"code": "recent_nnc", "count": 1}]}
    text = pdf_text(dossier.render(content, compress=False)[0])
    # the flag named without a length the settings may change, and as the company's, whatever the section printed
    # (a KH dossier counted a plant NNC's flag where its own NNC chapter said "no NNC")
    assert "8. Keputusan penargetan pemeriksaan" in text and "NNC baru-baru ini yang menyebut perusahaan" in text
    assert "di bidang mana pun" in text


# ------------------------------------------------------------------------------------------------ direction, commodity
def _beta_ships_more(session, office) -> None:
    """Beta, besides its ten exports of mangosteen through PPJK Satu Pintu (a detention, then a refusal): an import
    of mangosteen through another handler, destroyed; an export of coffee, detained. Rolled up, as the sync does."""
    from models import ApplicationCommodity, Commodity
    from portal.services.compliance import rollup as compliance_rollup
    from support.factories import gen_action, gen_application, gen_handler, section_id

    coffee = Commodity(code="T002", name="Kopi", section_id=section_id(session, "plant"))
    session.add(coffee)
    imported = gen_application(session, office["beta"], direction="import", handler=gen_handler(
        session, name="PPJK Impor"), submitted_at=datetime(2026, 3, 10, 1, 0, tzinfo=UTC))
    gen_action(session, imported, "destruction", action_at=datetime(2026, 3, 11, 1, 0, tzinfo=UTC))
    coffee_export = gen_application(session, office["beta"], commodity="Kopi",
                                    submitted_at=datetime(2026, 4, 2, 1, 0, tzinfo=UTC))
    gen_action(session, coffee_export, "detention", action_at=datetime(2026, 4, 2, 5, 0, tzinfo=UTC))
    session.flush()
    for application, commodity in ((imported, office["mangosteen"]), (coffee_export, coffee)):
        session.scalar(select(ApplicationCommodity).where(ApplicationCommodity.application_id == application.id)
                       ).commodity_id = commodity.id
    compliance_rollup.recompute_all(session)
    session.commit()


def test_a_dossier_of_the_profiles_direction_and_commodity_covers_those_consignments_as_the_profile_scores_them(
        session, office):
    """Printed from a profile scored for Ekspor · Manggis, the dossier listed every 3P action and handler of the
    company and scored all its consignments: another n and score than the profile above its button."""
    _beta_ships_more(session, office)
    viewer, beta, mangosteen = Viewer(session, "enforcement"), office["beta"], office["mangosteen"].id

    def gathered(**chosen):
        return dossier_service.gather(session, viewer, beta.id, now=PRINTED_AT, **chosen)

    every = gathered()["offices"][0]
    assert [a["kind"] for a in every["actions"]] == ["detention", "refusal", "destruction", "detention"]
    content = gathered(direction="export", commodity_id=str(mangosteen))
    record = content["offices"][0]
    assert (content["direction"], content["commodity_id"], content["commodity"]) == ("export", mangosteen, "Manggis")
    assert [a["kind"] for a in record["actions"]] == ["detention", "refusal"]
    assert [(h["name"], h["applications"]) for h in record["handlers"]["handlers"]] == [("PPJK Satu Pintu", 10)]
    shown = compliance_profile.profile(session, beta.id, office_id=office["office_id"], section_scope=None,
                                       as_of=AS_OF, direction="export", commodity_id=mangosteen)
    expected = dossier_service.plain(shown["explanation"])
    for key in ("n", "V", "p0", "p", "score", "tier", "counts", "clean_streak", "consignments_by_month"):
        assert record["working"][key] == expected[key], key
    assert record["working"]["n"] < every["working"]["n"]
    imported = gathered(direction="import")["offices"][0]
    assert [a["kind"] for a in imported["actions"]] == ["destruction"]
    assert [h["name"] for h in imported["handlers"]["handlers"]] == ["PPJK Impor"]
    assert [a["kind"] for a in gathered(commodity_id=mangosteen)["offices"][0]["actions"]] == [
        "detention", "refusal", "destruction"]
    # "all" from the profile's boxes is every one; the whole record names no consignments
    assert gathered(direction="all", commodity_id="all")["offices"][0]["actions"] == every["actions"]
    with pytest.raises(InvalidInput) as refused:
        gathered(direction="sideways")
    assert "direction" in refused.value.errors


def test_a_dossiers_nncs_follow_the_direction_as_the_score_counts_them(session, office):
    """An NNC by its application's direction (Gamma's names its export), else by its flow's."""
    viewer = Viewer(session, "enforcement")
    every = dossier_service.gather(session, viewer, office["gamma"].id, now=PRINTED_AT)["offices"][0]["nncs"]
    exported = dossier_service.gather(session, viewer, office["gamma"].id, now=PRINTED_AT,
                                      direction="export")["offices"][0]["nncs"]
    assert len(every) == 2 and exported == every
    assert dossier_service.gather(session, viewer, office["gamma"].id, now=PRINTED_AT,
                                  direction="import")["offices"][0]["nncs"] == []


def test_the_pdf_names_the_consignments_it_covers_and_says_guidance_and_complaints_are_whole(session, office):
    viewer = Viewer(session, "enforcement")
    chosen = _print(session, viewer, office["beta"], compress=False, direction="export",
                    commodity_id=office["mangosteen"].id)
    text = " ".join(pdf_text(chosen["pdf"]).split())
    assert r"(Konsinyasi) Tj" in text and r"(Ekspor \267 komoditas utama Manggis)" in text  # the cover's line
    assert "Konsinyasi yang dihitung" in text  # the working says it, as the profile's does
    assert t("dossier.chosen_whole.guidance", "id") in text and t("dossier.chosen_whole.complaints", "id") in text
    assert dossier.verify(chosen["pdf"], session)["ok"]
    row = session.scalar(select(AuditLog).where(AuditLog.object_id == chosen["hash"]))
    assert (row.after["direction"], row.after["commodity"]) == ("export", "Manggis")
    whole = " ".join(pdf_text(_print(session, viewer, office["beta"], compress=False)["pdf"]).split())
    assert "(Semua arah dan komoditas)" in whole and "Konsinyasi yang dihitung" not in whole
    assert t("dossier.chosen_whole.guidance", "id") not in whole


def test_a_copy_printed_before_the_dossier_followed_direction_and_commodity_is_still_verified(session, office):
    """Its carried content has no direction or commodity: redrawn without the cover's line, as it was printed."""
    printed = _print(session, Viewer(session, "enforcement"), office["beta"], compress=False)
    content, _carried = dossier.content_of(printed["pdf"])
    for key in ("direction", "commodity_id", "commodity"):
        del content[key]
    old = dossier.render(content, compress=False)[0]
    assert "(Semua arah dan komoditas)" not in pdf_text(old)
    assert dossier.verify(old)["ok"], dossier.verify(old)["problems"]


def test_verify_refuses_files_that_are_no_dossier_without_reading_them_whole(monkeypatch):
    assert [key for key, _ in dossier.verify(b"GIF89a")["problems"]] == ["dossier.verify.not_pdf"]
    assert [key for key, _ in dossier.verify(b"%PDF-1.4\n%%EOF")["problems"]] == ["dossier.verify.no_content"]
    monkeypatch.setattr(dossier, "MAX_CONTENT_BYTES", 1000)  # the limit's behaviour, without 64 MB of zeros
    bomb = zlib.compress(b"\0" * 1001)
    import base64
    forged = (b"%PDF-1.4\n1 0 obj\n<< /Keywords (qcorner-dossier:" + base64.b64encode(bomb) + b") >>\nendobj\n")
    assert [key for key, _ in dossier.verify(forged)["problems"]] == ["dossier.verify.damaged_content"]


def test_a_reference_number_too_wide_for_its_column_stays_whole_on_one_line():
    """"TAHAN/0300/2 | 026/003022" and "2026.1.0300.0.K21.E.0016 | 21": a number broken across two lines reads as two
    and is copied wrong. It is set a little smaller on one line; a text with spaces still wraps."""
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph

    styles = dossier._styles()
    for number, width in (("MUSNAH/0300/2026/013785", 32), ("2026.1.0300.0.K21.E.001621", 34),
                          ("QA-ADM/NNC/2026/051343", 34)):
        cell = dossier._cell(number, width * mm, styles["cell"])
        assert isinstance(cell, Paragraph) and cell.style.fontSize < styles["cell"].fontSize
        _width, height = cell.wrap(width * mm - dossier.CELL_PADDING, 1000)
        assert height <= cell.style.leading * 1.01, number  # one line
    reason = dossier._cell("Diduga terinfestasi OPTK dalam kemasan kayu", 20 * mm, styles["cell"])
    assert reason.style.fontSize == styles["cell"].fontSize
    assert dossier._cell("7 Okt 2026", 30 * mm, styles["cell"]) == "7 Okt 2026"
