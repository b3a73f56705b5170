"""A country as IQFast names it, in the reader's language (portal.i18n.country_name): IQFast keeps Indonesian names,
and an English page read "to Tiongkok" and "Origin: Narita, Jepang"."""
from __future__ import annotations

import pytest

from portal.i18n import country_name, sort_key


@pytest.mark.parametrize("iqfast, english", [("Jepang", "Japan"), ("Tiongkok", "China"),
                                             ("Amerika Serikat", "United States"), ("Belanda", "Netherlands"),
                                             ("Uni Emirat Arab", "United Arab Emirates"),
                                             ("Selandia Baru", "New Zealand")])
def test_an_indonesian_country_name_reads_in_english_for_an_english_reader(iqfast, english):
    assert country_name(iqfast, "en") == english


def test_an_indonesian_reader_gets_the_name_as_iqfast_wrote_it():
    assert country_name("Jepang", "id") == "Jepang"
    assert country_name("JEPANG", "id") == "JEPANG"


def test_case_and_spaces_do_not_hide_a_country_and_an_english_name_stays_english():
    assert country_name(" JEPANG ", "en") == "Japan"
    assert country_name("Japan", "en") == "Japan"


def test_a_name_no_country_list_knows_stays_as_written():
    assert country_name("Hong Kong", "en") == "Hong Kong"
    assert country_name("Pulau Antah", "en") == "Pulau Antah"
    assert country_name(None, "en") is None and country_name("", "en") == ""


def test_country_names_sort_as_a_reader_orders_them_accents_and_case_aside():
    """Python's own order put every accented letter after "z": "Czechia" before "Côte d'Ivoire", "Tuvalu" before
    "Türkiye" in an English NNC list and its country filter."""
    names = ["Tuvalu", "Czechia", "türkiye", "Côte d’Ivoire", "Réunion", "Rwanda", "china"]
    assert sorted(names, key=sort_key) == ["china", "Côte d’Ivoire", "Czechia", "Réunion", "Rwanda", "türkiye",
                                           "Tuvalu"]
