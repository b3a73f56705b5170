"""Public-service satisfaction index (IKM) per PermenPANRB 14/2017."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from math import floor
from numbers import Rational
from typing import Iterable, Mapping

# Answers are on a 1–4 scale; NRRs (element averages) therefore lie in [1, 4].
MIN_ANSWER = 1
MAX_ANSWER = 4
ELEMENT_WEIGHT = Fraction(1, 9)
IKM_FACTOR = 25

# Krejcie–Morgan constants as the regulation's table uses them.
CHI_SQUARE = Fraction("3.841")
PROPORTION = Fraction("0.5")
MARGIN = Fraction("0.05")


@dataclass(frozen=True)
class Element:
    """One of the nine survey elements (unsur) of PermenPANRB 14/2017."""

    number: int
    key: str
    name_id: str
    name_en: str


ELEMENTS: tuple[Element, ...] = (
    Element(1, "requirements", "Persyaratan", "Requirements"),
    Element(2, "procedure", "Sistem, mekanisme, dan prosedur", "System, mechanism and procedure"),
    Element(3, "completion_time", "Waktu penyelesaian", "Completion time"),
    Element(4, "cost", "Biaya/tarif", "Cost / tariff"),
    Element(5, "product_specification", "Produk spesifikasi jenis pelayanan", "Product specification of the service"),
    Element(6, "staff_competence", "Kompetensi pelaksana", "Staff competence"),
    Element(7, "staff_behaviour", "Perilaku pelaksana", "Staff behaviour"),
    Element(8, "complaint_handling", "Penanganan pengaduan, saran dan masukan", "Handling of complaints, suggestions and feedback"),
    Element(9, "facilities", "Sarana dan prasarana", "Facilities and infrastructure"),
)
ELEMENT_KEYS: tuple[str, ...] = tuple(e.key for e in ELEMENTS)
ELEMENTS_BY_KEY: dict[str, Element] = {e.key: e for e in ELEMENTS}
ELEMENTS_BY_NUMBER: dict[int, Element] = {e.number: e for e in ELEMENTS}

# Lower bounds on the IKM rounded to 2 decimals, best grade first (2017 table, not the 2004 one).
GRADE_BOUNDS: tuple[tuple[str, Decimal], ...] = (
    ("A", Decimal("88.31")),
    ("B", Decimal("76.61")),
    ("C", Decimal("65.00")),
)
LOWEST_GRADE = "D"
GRADE_LABELS: dict[str, dict[str, str]] = {
    "A": {"id": "Sangat baik", "en": "Very good"},
    "B": {"id": "Baik", "en": "Good"},
    "C": {"id": "Kurang baik", "en": "Poor"},
    "D": {"id": "Tidak baik", "en": "Very poor"},
}

Number = int | float | Decimal | Fraction


def _exact(value: Number) -> Fraction:
    """Convert a number to an exact Fraction; floats go through their shortest repr."""
    if isinstance(value, bool):
        raise TypeError("a boolean is not a number here")
    if isinstance(value, float):
        # Fraction(76.61) would be 76.6099999…; the repr is what the caller meant.
        return Fraction(Decimal(repr(value)))
    if isinstance(value, (int, Decimal, Rational)):
        return Fraction(value)
    raise TypeError(f"not a number: {value!r}")


def round_half_up(value: Number, places: int) -> Decimal:
    """Round a number to `places` decimals, ties away from zero, exactly."""
    exact = _exact(value)
    scale = 10**places
    magnitude = floor(abs(exact) * scale + Fraction(1, 2))
    signed = -magnitude if exact < 0 else magnitude
    return Decimal(signed).scaleb(-places)


def element_key(element: int | str) -> str:
    """Normalise an element number (1–9) or key to its English key."""
    if isinstance(element, int) and not isinstance(element, bool) and element in ELEMENTS_BY_NUMBER:
        return ELEMENTS_BY_NUMBER[element].key
    if isinstance(element, str) and element in ELEMENTS_BY_KEY:
        return element
    raise KeyError(f"unknown survey element: {element!r}")


def element_average(answers: Iterable[int]) -> Fraction:
    """NRR: the mean of the 1–4 answers given to one element, kept exact."""
    values = list(answers)
    if not values:
        raise ValueError("an element needs at least one answer")
    for answer in values:
        if isinstance(answer, bool) or not isinstance(answer, int) or not MIN_ANSWER <= answer <= MAX_ANSWER:
            raise ValueError(f"answer must be an integer from 1 to 4, got {answer!r}")
    return Fraction(sum(values), len(values))


def average_from_totals(answer_sum: int, answer_count: int) -> Fraction:
    """NRR from a stored sum and count of answers for one element."""
    if answer_count <= 0:
        raise ValueError("an element needs at least one answer")
    if not MIN_ANSWER * answer_count <= answer_sum <= MAX_ANSWER * answer_count:
        raise ValueError(f"sum {answer_sum} is impossible for {answer_count} answers on a 1–4 scale")
    return Fraction(answer_sum, answer_count)


def weighted_index(nrrs: Iterable[Number]) -> Fraction:
    """Weighted index: Σ NRR × 1/9 over the nine elements."""
    values = [_exact(v) for v in nrrs]
    if len(values) != len(ELEMENTS):
        raise ValueError(f"expected {len(ELEMENTS)} element averages, got {len(values)}")
    for v in values:
        if not MIN_ANSWER <= v <= MAX_ANSWER:
            raise ValueError(f"an element average must lie in 1–4, got {float(v)}")
    return sum((v * ELEMENT_WEIGHT for v in values), Fraction(0))


def ikm(weighted: Number) -> Fraction:
    """IKM: the weighted index × 25 (range 25–100)."""
    return _exact(weighted) * IKM_FACTOR


def grade(ikm_value: Number) -> str:
    """Grade letter A–D for an IKM, judged on the IKM rounded to 2 decimals."""
    rounded = round_half_up(ikm_value, 2)
    for letter, lower_bound in GRADE_BOUNDS:
        if rounded >= lower_bound:
            return letter
    return LOWEST_GRADE


def grade_label(letter: str, lang: str = "id") -> str:
    """Label of a grade letter in Indonesian ('id', default) or English ('en')."""
    return GRADE_LABELS[letter][lang]


def minimum_sample(population: int) -> int:
    """Krejcie–Morgan minimum respondents for a population of N handed-over applications.

    Rounded to the nearest whole respondent, halves up: that is the convention of the published
    table (a plain ceiling gives 45 for N=50 and 323 for N=2000, where the table says 44 and 322).
    """
    if isinstance(population, bool) or not isinstance(population, int) or population < 0:
        raise ValueError(f"population must be a non-negative integer, got {population!r}")
    if population == 0:
        return 0
    spread = CHI_SQUARE * PROPORTION * (1 - PROPORTION)
    s = spread * population / (MARGIN**2 * (population - 1) + spread)
    return int(round_half_up(s, 0))


def sample_is_sufficient(respondents: int, population: int) -> bool:
    """Whether a period has at least the Krejcie–Morgan minimum of answers."""
    return respondents >= minimum_sample(population)


def summarise(
    element_answer_sums: Mapping[int | str, int],
    element_answer_counts: Mapping[int | str, int],
) -> dict:
    """IKM working from per-element answer sums and counts (keyed by element key or number 1–9).

    The ikm and grade come from the unrounded NRRs; nrr (3 decimals), index (4) and ikm (2)
    are rounded half up only for display, so re-adding the shown NRRs may differ in the last digit.
    """
    sums = {element_key(k): v for k, v in element_answer_sums.items()}
    counts = {element_key(k): v for k, v in element_answer_counts.items()}
    missing = [key for key in ELEMENT_KEYS if key not in sums or key not in counts]
    if missing:
        # The regulation requires every element to be answered.
        raise ValueError(f"missing survey elements: {', '.join(missing)}")
    nrrs = {key: average_from_totals(sums[key], counts[key]) for key in ELEMENT_KEYS}
    index = weighted_index(nrrs.values())
    value = ikm(index)
    letter = grade(value)
    return {
        "nrr": {key: round_half_up(nrr, 3) for key, nrr in nrrs.items()},
        "index": round_half_up(index, 4),
        "ikm": round_half_up(value, 2),
        "grade": letter,
        "label": grade_label(letter, "id"),
        "label_en": grade_label(letter, "en"),
    }
