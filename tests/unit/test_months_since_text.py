"""The months since a company's last violation, as the rankings, the priority list, the profile and the dossier write
it: a violation within the last month read "0 bulan lalu"."""
from __future__ import annotations

from layouts.compliance_common import months_since_text
from portal.i18n import catalog


def test_a_violation_within_the_last_month_reads_less_than_a_month_not_zero_months():
    assert months_since_text(0) == "kurang dari 1 bulan lalu"
    assert months_since_text(3) == "3 bulan lalu"
    assert months_since_text(None) == catalog("id")["compliance.never_violated"]


def test_both_languages_say_less_than_a_month():
    assert catalog("en")["compliance.months_ago_under_one"] == "less than a month ago"


def test_one_month_is_singular_in_english_and_the_dossier_says_it_as_the_pages_do():
    from portal.i18n import format_months_ago
    assert format_months_ago(1, "en") == "1 month ago" and format_months_ago(2, "en") == "2 months ago"
    assert format_months_ago(1, "id") == "1 bulan lalu" and format_months_ago(0, "en") == "less than a month ago"
