"""One way to write a percentage (portal.i18n.format_percent) and a rate per 1.000: pages wrote "52%" beside "5 %",
the service user's page "2.5 %" (an English point in Indonesian), and the KPI card 5,5 beside the comparison's 5,48."""
from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path

import pytest

from layouts.components.formatting import format_per_thousand, format_percent
from portal.i18n import LANGUAGES, catalog


@pytest.mark.parametrize("language, whole, decimal", [("id", "52%", "2,5%"), ("en", "52%", "2.5%")])
def test_a_percentage_has_its_sign_right_after_the_number_in_both_languages(language, whole, decimal):
    assert format_percent(0.52, language) == whole
    assert format_percent(0.025, language, decimals=1) == decimal


def test_a_percentage_keeps_the_languages_separators():
    assert format_percent(12.3456, "id", decimals=1) == "1.234,6%"
    assert format_percent(12.3456, "en", decimals=1) == "1,234.6%"
    assert format_percent(1 / 3, "id", decimals=1) == "33,3%"


def test_trimming_drops_only_a_trailing_zero():
    assert format_percent(0.05, "id", decimals=1, trim=True) == "5%"
    assert format_percent(0.025, "id", decimals=1, trim=True) == "2,5%"
    assert format_percent(0.05, "id", decimals=1) == "5,0%"  # a measured rate keeps its tenth


def test_a_setting_kept_in_percent_reads_as_it_was_set():
    """A level's 5 (percent) passed as 5 / 100 is 5%, not a float's 5,0000000001%; a Decimal goes as it is."""
    assert format_percent(5 / 100, "id", decimals=1, trim=True) == "5%"
    assert format_percent(Decimal("25") / 100, "en", decimals=1, trim=True) == "25%"
    assert format_percent(2.5 / 100, "id", decimals=1, trim=True) == "2,5%"


@pytest.mark.parametrize("language, tenth", [("id", "<0,1%"), ("en", "<0.1%")])
def test_a_tiny_share_reads_as_less_than_the_smallest_step_shown_never_as_zero(language, tenth):
    assert format_percent(0.0004, language, decimals=1, floor=True) == tenth
    assert format_percent(0.004, language, floor=True) == "<1%"
    assert format_percent(0.0004, language, decimals=1) == ("0,0%" if language == "id" else "0.0%")  # not asked
    assert format_percent(0, language, floor=True) == "0%"  # nothing is nothing, not "<1%"


def test_no_share_is_a_dash():
    assert format_percent(None, "id") == "–" and format_percent(None, "en", decimals=1, floor=True) == "–"


def test_no_translation_puts_a_space_before_a_percent_sign():
    """Translations that hold a percent write it as the formatter does: "100%", "%{y:.1f}%" in both languages."""
    spaced = re.compile(r"[\d}] %(?!\{)")
    for language in LANGUAGES:
        wrong = {key: text for key, text in catalog(language).items() if spaced.search(text)}
        assert not wrong, (language, wrong)


def _prose(path: Path) -> str:
    """A markdown file without its code: fenced blocks and `inline` spans."""
    text = re.sub(r"^```.*?^```", "", path.read_text(encoding="utf-8"), flags=re.S | re.M)
    return re.sub(r"`[^`\n]*`", "", text)


DOCS = Path(__file__).resolve().parents[2] / "docs"


@pytest.mark.parametrize("path", sorted([*DOCS.glob("*.md"), *(DOCS / "manual" / "en").glob("*.md")]),
                         ids=lambda path: path.name)
def test_the_english_docs_write_a_percent_right_after_its_number(path):
    """English writes "5%", not the "5 %" the targeting, performance and simulator notes had in places."""
    spaced = re.findall(r".{0,20}\d[ \u00a0]%.{0,10}", _prose(path))
    assert not spaced, spaced


def test_the_service_users_level_reads_an_indonesian_decimal_comma():
    """f"{value:g} %" wrote "2.5 %" on an Indonesian page."""
    from layouts.my import level_panel

    row = {"section": "plant", "level": "reduced", "percent": 2.5, "next_level": "reduced", "next_percent": 2.5,
           "clean_to_next": 3, "company": "PT Contoh", "company_id": 1}
    text = json.dumps(level_panel([row], several=False).to_plotly_json(), default=lambda o: o.to_plotly_json(),
                      ensure_ascii=False)
    assert "Dikurangi · 2,5%" in text
    assert "(2,5%)" in text and "2.5" not in text


def test_a_rate_per_thousand_has_one_decimal_on_every_page():
    from callbacks.offices import _value_text, grid_row

    assert format_per_thousand(5.48) == "5,5" and format_per_thousand(None) == "–"
    assert _value_text("violations_per_1000", 5.48) == "5,5"  # the comparison's bar
    row = {"office_id": 1, "code": "0300", "name": "Soekarno-Hatta", "applications_completed": 10, "median_hours": None,
           "p90_hours": None, "sla_share": 0.5, "ikm": None, "ikm_grade": None, "violations_per_1000": 5.48,
           "tiers": {}}
    assert grid_row(row)["rate_text"] == "5,5" and grid_row(row)["sla_text"] == "50%"
