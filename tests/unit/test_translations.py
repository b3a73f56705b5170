"""Every UI text has an Indonesian and an English version."""
from __future__ import annotations

import re
from pathlib import Path

import json

from portal.i18n import catalog, catalog_files, format_datetime, format_idr, t

ROOT = Path(__file__).resolve().parents[2]
# A whole literal key: t("nav.logout") or t("x.y", name=…); not t("section." + code).
LITERAL_KEY = re.compile(r"""\bt\(\s*["']([a-z0-9_.]+)["']\s*[,)]""")


def test_both_catalogs_have_the_same_keys():
    indonesian, english = set(catalog("id")), set(catalog("en"))
    assert not indonesian - english, f"missing in English: {sorted(indonesian - english)}"
    assert not english - indonesian, f"missing in Indonesian: {sorted(english - indonesian)}"


def test_each_area_file_exists_in_both_languages_and_no_key_is_defined_twice():
    areas = {language: {path.name for path in catalog_files(language)} for language in ("id", "en")}
    assert areas["id"] == areas["en"]
    for language in ("id", "en"):
        seen: dict[str, str] = {}
        for path in catalog_files(language):
            for key in json.loads(path.read_text(encoding="utf-8")):
                assert key not in seen, f"{key} is in both {seen[key]} and {path.name}"
                seen[key] = path.name


def test_no_catalog_text_is_empty():
    for language in ("id", "en"):
        assert all(text.strip() for text in catalog(language).values()), language


def test_every_literal_key_used_in_code_exists():
    used = set()
    for folder in ("portal", "layouts", "callbacks", "jobs"):
        for path in (ROOT / folder).rglob("*.py"):
            used |= set(LITERAL_KEY.findall(path.read_text(encoding="utf-8")))
        for path in (ROOT / folder).rglob("*.html"):
            used |= set(LITERAL_KEY.findall(path.read_text(encoding="utf-8")))
    missing = sorted(key for key in used if key not in catalog("id"))
    assert not missing, f"keys used in code but missing from the catalogs: {missing}"


def test_every_key_built_from_a_list_of_names_exists():
    """Keys made of a prefix and a name from a list the code keeps (the literal-key scan cannot see them)."""
    from callbacks.admin_sync import WRITTEN
    from portal.domain.compliance import TIERS

    built = {f"admin_sync.written.{table}" for table in WRITTEN} | {f"compliance.tier_short.{tier}" for tier in TIERS}
    assert not sorted(built - set(catalog("id")))


def test_indonesian_is_the_default_language():
    assert t("nav.logout") == "Keluar"
    assert t("nav.logout", language="en") == "Log out"


def test_the_compliance_profile_and_its_dossier_say_their_terms_in_indonesian():
    """The profile's scoring note read "tanggal surat (notice date)" and "dibatalkan (void)", the formula "prior m":
    the Indonesian page says the words its NNC pages use (Tanggal NNC, Batal); English keeps its own words."""
    english = re.compile(r"\b(notice date|void|prior)\b", re.IGNORECASE)
    texts = {key: re.sub(r"\{[a-z_]+\}", "", text) for key, text in catalog("id").items()
             if key.startswith(("profile.", "dossier."))}
    assert not {key: text for key, text in texts.items() if english.search(text)}
    assert "notice date" in t("profile.how.nnc_date", language="en")


def test_the_compliance_settings_page_and_its_manual_say_bobot_tingkat_kantor_not_prior():
    """The settings page read "Prior m" and "Jendela dan prior" where the profile says "bobot tingkat kantor m" for the
    same setting; the Indonesian page and manual say the profile's words, the English page keeps "prior"."""
    prior = re.compile(r"\bprior\b", re.IGNORECASE)
    texts = {key: text for key, text in catalog("id").items() if key.startswith("admin_compliance.")}
    assert not {key: text for key, text in texts.items() if prior.search(text)}
    assert "bobot tingkat kantor m" in t("admin_compliance.field.prior_m").lower()
    assert "Prior m" in t("admin_compliance.field.prior_m", language="en")
    for page in ("admin", "coordinator", "national"):
        manual = (ROOT / "docs" / "manual" / "id" / f"{page}.md").read_text(encoding="utf-8")
        assert not prior.search(manual), page


def test_money_is_shown_as_rupiah_with_the_readers_separators():
    # a no-break space: "Rp" never ends a line with its amount on the next (a notification title on a phone)
    assert format_idr(1234567) == "Rp\u00a01.234.567"
    assert format_idr(0) == "Rp\u00a00"
    # An English reader's separators: "Rp 360.000" read as 360 rupiah to three decimals on an English page.
    assert format_idr(1234567, "en") == "Rp\u00a01,234,567"


def test_times_are_shown_in_the_office_time_zone():
    from datetime import datetime, timezone

    moment = datetime(2026, 8, 17, 3, 0, tzinfo=timezone.utc)
    assert format_datetime(moment, "Asia/Jakarta", "id").endswith("10:00 WIB")
    assert format_datetime(moment, "Asia/Makassar", "id").endswith("11:00 WITA")
    assert format_datetime(moment, "Asia/Jayapura", "en").endswith("12:00 WIT")


def test_a_quantity_keeps_its_decimals_and_drops_the_zeros_after_them():
    """IQFast records up to three decimals; "1.152,800" would read as a million in Indonesian."""
    from decimal import Decimal

    from portal.i18n import format_quantity

    assert format_quantity(Decimal("1152.800"), "kg", "id") == "1.152,8 kg"
    assert format_quantity(Decimal("65.600"), "Kilogram", "id") == "65,6 Kilogram"
    assert format_quantity(Decimal("12.000"), "Ekor", "id") == "12 Ekor"
    assert format_quantity(Decimal("0.125"), None, "id") == "0,125"
    assert format_quantity(Decimal("1152.8"), "kg", "en") == "1,152.8 kg"
    assert format_quantity(None, "kg", "id") == "–"


def test_an_authority_is_not_followed_by_the_country_its_name_already_says():
    from layouts.nnc_common import authority_text

    assert authority_text("Badan Karantina Indonesia (Barantin)", "Indonesia") == "Badan Karantina Indonesia (Barantin)"
    assert authority_text("General Administration of Customs of China (GACC)", "Tiongkok") == \
        "General Administration of Customs of China (GACC) (Tiongkok)"
    assert authority_text("MAFF", "") == "MAFF" and authority_text(None, None) == "–"


def test_an_npwp_is_shown_as_people_read_it_whatever_was_typed():
    from layouts.components.formatting import format_tax_id

    assert format_tax_id("0435308058071650") == "43.530.805.8-071.650"  # a company's 16-digit form
    assert format_tax_id("012345678901000") == "01.234.567.8-901.000"
    assert format_tax_id("3171 0123 4567 8901") == "3171 0123 4567 8901"  # a person's NIK
    assert format_tax_id("12-34") == "12-34" and format_tax_id(None) == "–"  # not an NPWP: as written


def test_an_address_is_not_followed_by_the_city_it_already_ends_with():
    from portal.domain.addresses import address_text

    assert address_text("Jakarta Timur", "Jakarta Timur") == "Jakarta Timur"
    assert address_text("Jl. Raya Bogor 12", "Jakarta Timur") == "Jl. Raya Bogor 12, Jakarta Timur"
    assert address_text(None, "Bekasi") == "Bekasi" and address_text("", "") == "–"


def test_a_text_whose_caller_left_out_a_value_says_a_dash_instead_of_raising():
    """A notification of an application no longer on record had no {company}: str.format raised and the message was
    never sent."""
    from portal.i18n import t
    text = t("notify.billed.subject", "id", number="2026.1.0300.0.K11.E.000001")
    assert "2026.1.0300.0.K11.E.000001" in text and "{" not in text
    assert t("kpi.card.complaints_period", "id", received="2") == "Diterima dalam periode: 2 · median jawab\u00a0–"


def test_an_end_beside_its_start_is_its_time_alone_on_the_same_day_and_its_day_past_midnight():
    from datetime import datetime, timezone
    from portal.i18n import format_end_time
    start = datetime(2026, 11, 30, 11, 43, tzinfo=timezone.utc)  # 18:43 WIB
    assert format_end_time(start, datetime(2026, 11, 30, 11, 47, tzinfo=timezone.utc), "Asia/Jakarta", "id") == "18:47"
    past_midnight = datetime(2026, 11, 30, 17, 2, tzinfo=timezone.utc)  # 00:02 WIB on 1 December
    assert format_end_time(start, past_midnight, "Asia/Jakarta", "id") == "1 Des 00:02"
    assert format_end_time(start, past_midnight, "Asia/Jakarta", "en") == "1 Dec 00:02"
    assert format_end_time(start, None, "Asia/Jakarta", "id") == "–"  # still running


def test_no_period_hint_names_a_window_length_the_settings_may_have_changed():
    """The score's window is a setting (an admin may make it 6 or 24 months): a hint under a period field that says
    "the last 12 months" is wrong the day it is changed. The hints point at the window the page writes out instead."""
    fixed_length = re.compile(r"\b\d+\s+(bulan|months?)\b", re.IGNORECASE)
    for language in ("id", "en"):
        hints = {key: text for key, text in catalog(language).items() if key.endswith("period_hint")}
        assert hints, language
        named = {key: text for key, text in hints.items() if fixed_length.search(text)}
        assert not named, f"{language}: {named}"


def test_every_value_the_nnc_import_s_column_table_names_is_one_the_import_takes():
    """The import page's table of columns said "Penolakan/reekspor" under Tindakan, and every row written so was
    refused as "tidak dikenal": each value a hint lists, in either language, is read as a choice."""
    from portal.services.nnc import imports

    hints = {"action_taken": "action", "category": "category", "subcategory": "subcategory", "status": "status",
             "flow": "flow", "section": "section"}
    for field, hint in hints.items():
        codes = imports.CHOICES.get(field, ("animal", "plant", "fish"))
        index = imports._value_index(field, codes)
        for language in ("id", "en"):
            text = catalog(language)[f"nnc_import.hint.{hint}"]
            text = text.split(";")[0].split(":")[-1]  # "…; kosong berarti Baru", "Untuk masalah dokumen: …"
            text = re.sub(r"\([^)]*\)", "", text)  # "(received / issued)", "(atau KH / KT)"
            for value in re.split(r"\s[·/]\s", text):
                assert imports._key(value) in index, f"{language} {field}: {value!r}"
