"""The pure targeting rules: the draw anyone can recompute, the rates, and each risk flag on its own evidence."""
from __future__ import annotations

import hashlib
import hmac
import random
from datetime import date

import pytest

from portal.domain import targeting as rules


def test_the_draw_is_the_hmac_of_the_decimal_id_read_as_a_fraction_of_two_to_the_64():
    key = bytes.fromhex("00112233445566778899aabbccddeeff")
    # By hand, from the written rule: HMAC-SHA256 of "4711" (ASCII) under the key, first 8 bytes big-endian / 2**64.
    digest = hmac.new(key, b"4711", hashlib.sha256).hexdigest()
    expected = int(digest[:16], 16) / 18446744073709551616
    assert rules.draw(key, 4711) == expected
    assert 0 <= expected < 1


def test_the_drawer_prepared_once_for_a_key_draws_what_the_rule_says_for_every_id():
    key = bytes.fromhex("00112233445566778899aabbccddeeff")
    draw = rules.drawer(key)
    for iqfast_id in (0, 4711, 4712, 10 ** 12):
        digest = hmac.new(key, str(iqfast_id).encode("ascii"), hashlib.sha256).hexdigest()
        assert draw(iqfast_id) == int(digest[:16], 16) / 18446744073709551616
    with pytest.raises(ValueError):
        draw(-1)


def test_the_same_id_under_another_key_draws_differently_and_a_negative_id_is_refused():
    assert rules.draw(b"key-one", 1) != rules.draw(b"key-two", 1)
    with pytest.raises(ValueError):
        rules.draw(b"k", -1)


def test_selected_when_the_draw_is_under_the_rate_or_any_flag_is_raised():
    assert rules.selected(0.24, 0.25, []) and not rules.selected(0.25, 0.25, [])
    assert rules.selected(0.99, 0.05, [{"code": "new_company", "evidence": {}}])
    assert rules.rate_for("normal") == 0.25 and rules.rate_for("reduced", {"reduced": 10}) == 0.1


@pytest.mark.parametrize("level", ["normal", "reduced"])
def test_over_100000_decisions_the_selected_share_is_within_one_percent_of_the_rate(level):
    generator = random.Random(18)
    key = bytes(generator.getrandbits(8) for _ in range(32))
    ids = generator.sample(range(1, 10**9), 100_000)
    rate = rules.RATES[level]
    share = sum(rules.randomly_selected(rules.draw(key, i), rate) for i in ids) / len(ids)
    assert abs(share - rate) < 0.01


def test_new_company_fires_below_ten_earlier_consignments_only():
    flag = rules.new_company_flag(9)
    assert flag == {"code": "new_company", "evidence": {"prior_consignments": 9, "threshold": 10}}
    assert rules.new_company_flag(10) is None


def test_new_commodity_fires_for_a_commodity_never_used_and_names_it():
    flags = rules.new_commodity_flags([(5, "Manggis"), (6, "Salak")], used_before={5})
    assert flags == [{"code": "new_commodity", "evidence": {"commodity_id": 6, "commodity": "Salak", "prior_uses": 0}}]
    assert rules.new_commodity_flags([(5, "Manggis")], used_before={5}) == []


def test_new_country_reads_origin_for_imports_destination_for_exports_and_nothing_for_domestic():
    assert rules.new_country_flag("import", "Vietnam", None, set())["evidence"] == {
        "role": "origin", "country": "Vietnam", "prior_uses": 0}
    assert rules.new_country_flag("export", "Indonesia", "China", {"china"}) is None
    assert rules.new_country_flag("export", None, " China ", set())["evidence"]["role"] == "destination"
    assert rules.new_country_flag("domestic_out", "Indonesia", "Indonesia", set()) is None


def test_handler_flag_fires_at_the_tier_d_threshold():
    flag = rules.handler_flag(7, "PPJK Cepat", 3, 3)
    assert flag["evidence"] == {"handler_id": 7, "handler": "PPJK Cepat", "tier_d_companies": 3, "threshold": 3}
    assert rules.handler_flag(7, "PPJK Cepat", 2, 3) is None and rules.handler_flag(None, None, 9, 3) is None


def test_recent_nnc_window_is_the_90_days_up_to_the_submission_day():
    assert rules.nnc_window(date(2026, 3, 31)) == (date(2026, 1, 1), date(2026, 3, 31))
    flag = rules.recent_nnc_flag([{"id": 3, "number": "NNC-3", "notice_date": date(2026, 3, 1)}])
    assert flag["evidence"]["nncs"] == [{"id": 3, "number": "NNC-3", "notice_date": "2026-03-01"}]
    assert rules.recent_nnc_flag([]) is None


def test_quantity_outlier_fires_above_three_times_the_median_only():
    line = {"commodity_id": 5, "commodity": "Manggis", "quantity": 3001.0, "unit": "kg"}
    flag = rules.quantity_outlier_flag(line, 1000.0, 4)
    assert flag["evidence"] == {"commodity_id": 5, "commodity": "Manggis", "quantity": 3001.0, "unit": "kg",
                                "median": 1000.0, "factor": 3.0, "prior_lines": 4}
    assert rules.quantity_outlier_flag({**line, "quantity": 3000.0}, 1000.0, 4) is None
    assert rules.quantity_outlier_flag(line, 1000.0, 0) is None


def test_settings_switch_each_flag_and_round_trip():
    settings = rules.TargetingSettings.from_dict({"recent_nnc": False, "unknown": 1})
    assert not settings.enabled("recent_nnc") and settings.enabled("new_company")
    assert rules.TargetingSettings.from_dict(settings.to_dict()) == settings
