"""Tests for the PermenPANRB 14/2017 satisfaction index (IKM); expected values worked out by hand."""

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.domain import ikm as m


# --- elements -----------------------------------------------------------------------------------


def test_there_are_nine_elements_numbered_one_to_nine():
    assert [e.number for e in m.ELEMENTS] == [1, 2, 3, 4, 5, 6, 7, 8, 9]


def test_element_two_is_system_mechanism_and_procedure():
    element = m.ELEMENTS_BY_NUMBER[2]
    assert element.key == "procedure"
    assert element.name_id == "Sistem, mekanisme, dan prosedur"


def test_element_key_accepts_number_or_key():
    assert m.element_key(1) == "requirements"
    assert m.element_key("facilities") == "facilities"


def test_element_key_rejects_unknown_element():
    with pytest.raises(KeyError):
        m.element_key(10)


# --- NRR, weighted index, IKM -------------------------------------------------------------------


def test_element_average_is_mean_of_answers():
    # (4 + 3 + 3) / 3 = 10/3
    assert m.element_average([4, 3, 3]) == Fraction(10, 3)


def test_element_average_rejects_answer_outside_one_to_four():
    with pytest.raises(ValueError):
        m.element_average([4, 5])
    with pytest.raises(ValueError):
        m.element_average([0])


def test_element_average_rejects_no_answers():
    with pytest.raises(ValueError):
        m.element_average([])


def test_weighted_index_is_sum_of_nrr_over_nine():
    # 3.5+3+3+4+3.5+3.75+4+2.75+3 = 30.5; 30.5 / 9 = 61/18
    nrrs = [3.5, 3, 3, 4, 3.5, 3.75, 4, 2.75, 3]
    assert m.weighted_index(nrrs) == Fraction(61, 18)


def test_weighted_index_needs_exactly_nine_averages():
    with pytest.raises(ValueError):
        m.weighted_index([3, 3, 3])


def test_ikm_is_weighted_index_times_25():
    assert m.ikm(Decimal("3.0644")) == Fraction("76.61")
    assert m.ikm(4) == 100
    assert m.ikm(1) == 25


# --- grades ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, expected",
    [
        (Decimal("100.00"), "A"),
        (Decimal("88.31"), "A"),
        (Decimal("88.30"), "B"),
        (Decimal("76.61"), "B"),
        (Decimal("76.60"), "C"),
        (Decimal("65.00"), "C"),
        (Decimal("64.99"), "D"),
        (Decimal("25.00"), "D"),
    ],
)
def test_grade_boundaries_of_the_2017_table(value, expected):
    assert m.grade(value) == expected


def test_grade_boundary_76_61_is_b():
    assert m.grade(76.61) == "B"


def test_grade_boundary_76_60_is_c():
    assert m.grade(76.60) == "C"


def test_grade_boundary_88_31_is_a():
    assert m.grade(88.31) == "A"


def test_grade_boundary_88_30_is_b():
    assert m.grade(88.30) == "B"


def test_grade_boundary_65_00_is_c():
    assert m.grade(65.00) == "C"


def test_grade_boundary_64_99_is_d():
    assert m.grade(64.99) == "D"


def test_grade_uses_ikm_rounded_half_up_to_two_decimals():
    # 76.605 rounds to 76.61 (B); 76.6049 rounds to 76.60 (C); 64.995 rounds to 65.00 (C).
    assert m.grade(Decimal("76.605")) == "B"
    assert m.grade(Decimal("76.6049")) == "C"
    assert m.grade(Decimal("64.995")) == "C"
    assert m.grade(Decimal("88.305")) == "A"


def test_grade_of_exact_fraction_just_below_boundary_is_lower_grade():
    # 76.6049… exactly: rounds to 76.60 → C.
    assert m.grade(Fraction(766049, 10000)) == "C"


@pytest.mark.parametrize(
    "weighted, expected",
    [("3.5324", "A"), ("3.532", "B"), ("3.0644", "B"), ("3.064", "C"), ("2.60", "C"), ("2.5996", "D")],
)
def test_grade_from_weighted_index_table_bounds(weighted, expected):
    assert m.grade(m.ikm(Decimal(weighted))) == expected


def test_obsolete_2004_bound_81_25_is_not_grade_a():
    # Under the 2004 table 81.25 was A; under 2017 it is B.
    assert m.grade(Decimal("81.25")) == "B"


def test_grade_labels_in_indonesian():
    assert [m.grade_label(g) for g in "ABCD"] == ["Sangat baik", "Baik", "Kurang baik", "Tidak baik"]


# --- Krejcie–Morgan ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "population, expected",
    [(10, 10), (50, 44), (100, 80), (250, 152), (300, 169), (1000, 278), (2000, 322), (1_000_000, 384)],
)
def test_minimum_sample_reproduces_krejcie_morgan_table(population, expected):
    assert m.minimum_sample(population) == expected


def test_minimum_sample_rounds_to_nearest_not_up():
    """s(50) = 44.34 and s(2000) = 322.35: a ceiling would give 45 and 323, the table gives 44 and 322."""
    assert m.minimum_sample(50) == 44
    assert m.minimum_sample(2000) == 322


def test_minimum_sample_of_empty_period_is_zero():
    assert m.minimum_sample(0) == 0


def test_sample_is_sufficient_at_the_minimum():
    assert m.sample_is_sufficient(44, 50)
    assert not m.sample_is_sufficient(43, 50)


# --- summarise -----------------------------------------------------------------------------------

# Four respondents; per element answers and their sums (hand-added):
# 1: 4,4,3,3=14  2: 3,3,3,3=12  3: 4,3,3,2=12  4: 4,4,4,4=16  5: 3,3,4,4=14
# 6: 4,4,4,3=15  7: 4,4,4,4=16  8: 2,3,3,3=11  9: 3,3,3,3=12
SUMS = {1: 14, 2: 12, 3: 12, 4: 16, 5: 14, 6: 15, 7: 16, 8: 11, 9: 12}
COUNTS = {number: 4 for number in range(1, 10)}


def test_summarise_small_answer_set_gives_ikm_84_72_grade_b():
    # ΣNRR = 30.5; index = 30.5/9 = 3.38888…; IKM = 762.5/9 = 84.7222… → 84.72, B "Baik".
    result = m.summarise(SUMS, COUNTS)
    assert result["nrr"]["requirements"] == Decimal("3.500")
    assert result["nrr"]["staff_competence"] == Decimal("3.750")
    assert result["nrr"]["complaint_handling"] == Decimal("2.750")
    assert result["index"] == Decimal("3.3889")
    assert result["ikm"] == Decimal("84.72")
    assert result["grade"] == "B"
    assert result["label"] == "Baik"


def test_summarise_accepts_english_keys():
    by_key = {m.ELEMENTS_BY_NUMBER[n].key: s for n, s in SUMS.items()}
    counts = {key: 4 for key in m.ELEMENT_KEYS}
    assert m.summarise(by_key, counts)["ikm"] == Decimal("84.72")


def test_summarise_rounds_nrr_to_three_decimals():
    # 10/3 = 3.333…; all other elements 3 → ΣNRR = 24 + 10/3 = 82/3; IKM = 82/3/9*25 = 75.925… → C.
    sums = {n: 9 for n in range(1, 10)}
    sums[1] = 10
    counts = {n: 3 for n in range(1, 10)}
    result = m.summarise(sums, counts)
    assert result["nrr"]["requirements"] == Decimal("3.333")
    assert result["ikm"] == Decimal("75.93")
    assert result["grade"] == "C"
    assert result["label"] == "Kurang baik"


def test_summarise_all_fours_is_100_grade_a():
    result = m.summarise({n: 40 for n in range(1, 10)}, {n: 10 for n in range(1, 10)})
    assert result["ikm"] == Decimal("100.00")
    assert result["grade"] == "A"
    assert result["label"] == "Sangat baik"


def test_summarise_all_ones_is_25_grade_d():
    result = m.summarise({n: 10 for n in range(1, 10)}, {n: 10 for n in range(1, 10)})
    assert result["ikm"] == Decimal("25.00")
    assert result["grade"] == "D"


def test_summarise_requires_every_element():
    sums = dict(SUMS)
    del sums[9]
    with pytest.raises(ValueError):
        m.summarise(sums, COUNTS)


def test_summarise_rejects_impossible_sum():
    sums = dict(SUMS)
    sums[1] = 17  # more than 4 × 4
    with pytest.raises(ValueError):
        m.summarise(sums, COUNTS)


def test_summarise_rejects_element_with_no_answers():
    counts = dict(COUNTS)
    counts[3] = 0
    with pytest.raises(ValueError):
        m.summarise(SUMS, counts)


@given(st.lists(st.lists(st.integers(1, 4), min_size=9, max_size=9), min_size=1, max_size=30))
def test_ikm_always_lies_between_25_and_100(respondents):
    sums = {n: sum(r[n - 1] for r in respondents) for n in range(1, 10)}
    counts = {n: len(respondents) for n in range(1, 10)}
    result = m.summarise(sums, counts)
    assert Decimal("25") <= result["ikm"] <= Decimal("100")
