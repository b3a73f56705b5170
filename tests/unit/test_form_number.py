"""A number put into a form's text field to be typed over (layouts.components.formatting.form_number): the SLA hours
were a number field that dropped the comma of an Indonesian "1,5" and sent 15; the three settings forms now show and
read numbers alike."""
from __future__ import annotations

import pytest

from layouts.components.formatting import form_number


@pytest.mark.parametrize("language, shown", [("id", "1,5"), ("en", "1.5")])
def test_a_fraction_is_shown_with_the_readers_decimal_sign(language, shown):
    assert form_number(1.5, language) == shown


def test_a_whole_number_has_no_decimals_and_no_group_separator():
    # "2.160" in an Indonesian field is read back as 2,16: the largest SLA (2160 hours) must not be grouped.
    assert form_number(2160.0, "id") == "2160"
    assert form_number(24.0, "en") == "24"
    assert form_number(7, "id") == "7"


def test_nothing_stored_leaves_the_field_empty():
    assert form_number(None, "id") == ""
