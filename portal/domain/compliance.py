"""Compliance score, tier and intervention level of a service user (DOMAIN: compliance profile)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from decimal import Decimal
from fractions import Fraction
from typing import Any

Number = int | float | Decimal | Fraction

TIGHTENED = "tightened"
NORMAL = "normal"
REDUCED = "reduced"

TIERS = ("A", "B", "C", "D")
# Stable codes for the rule that decided a tier, so the UI can translate them.
RULE_A = "A_priority_service"
RULE_D_RECORDS = "D_violation_records"
RULE_D_SCORE = "D_low_score"
RULE_B = "B_high_score"
RULE_C = "C_rest"

@dataclass(frozen=True)
class ScoringSettings:
    """Every admin-adjustable default of the compliance model; stored with each computed score."""

    weight_detention: Number = 1
    weight_refusal: Number = 2
    weight_destruction: Number = 3
    weight_nnc: Number = 3
    window_months: int = 12
    prior_m: Number = 20
    tier_a_min_clean_streak: int = 20
    tier_a_clean_months: int = 24
    tier_a_min_n: int = 10
    tier_d_min_violation_records: int = 2
    tier_d_score_below: Number = 90.0
    tier_b_min_score: Number = 97.0
    tightened_percent: Number = 100
    normal_percent: Number = 25
    reduced_percent: Number = 5
    # Clean consignments needed to leave tightened, then further ones to leave normal.
    normal_after_clean: int = 5
    reduced_after_more_clean: int = 20
    # p0 is the office's own rate only when its window holds this many consignments (of the section); else every
    # office's, and when those hold fewer too, `p0_fallback`, so a small or new office's scores do not swing.
    p0_min_consignments: int = 1000
    p0_fallback: Number = 0.005
    # A handler serving this many tier-D companies (or more) is flagged.
    handler_flag_tier_d: int = 3

    def __post_init__(self) -> None:
        """Reject settings that would break the model (negative weights, no prior…)."""
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, bool) or not isinstance(value, (int, float, Decimal, Fraction)):
                raise TypeError(f"{f.name} must be a number, got {value!r}")
            if value < 0:
                raise ValueError(f"{f.name} must not be negative, got {value!r}")
        # A zero prior leaves p undefined for a service user with n = 0.
        if self.prior_m <= 0:
            raise ValueError("prior_m must be positive")
        if self.window_months <= 0:
            raise ValueError("window_months must be positive")

    def to_dict(self) -> dict[str, Any]:
        """Plain dict of every setting, to store beside a computed score."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "ScoringSettings":
        """Rebuild settings from to_dict() output; missing keys take defaults, unknown keys are refused."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            # A misspelt key would otherwise silently fall back to its default.
            raise ValueError(f"unknown scoring settings: {', '.join(unknown)}")
        return cls(**data)


DEFAULT_SETTINGS = ScoringSettings()


@dataclass(frozen=True)
class InterventionLevel:
    """Recommended sampling level for the next consignments of a service user."""

    name: str
    sampling_percent: Number
    clean_to_next_level: int | None

    def to_dict(self) -> dict[str, Any]:
        """Plain dict of the level."""
        return asdict(self)


def _exact(value: Number) -> Fraction:
    """Convert a number to an exact Fraction; floats go through their shortest repr."""
    if isinstance(value, bool):
        raise TypeError("a boolean is not a number here")
    if isinstance(value, float):
        # 0.02 should mean two hundredths, not the nearest binary fraction.
        return Fraction(Decimal(repr(value)))
    return Fraction(value)


def _check_count(name: str, value: int) -> None:
    """Counts are whole, non-negative numbers."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{name} must be a non-negative integer, got {value!r}")


def _round_score(value: Number) -> Decimal:
    """Round a score to 0.1, ties up: Decimal ROUND_HALF_UP done on the exact Fraction (no inexact division)."""
    tenths = _exact(value) * 10
    whole, remainder = divmod(abs(tenths.numerator), tenths.denominator)
    if 2 * remainder >= tenths.denominator:
        whole += 1
    signed = -whole if tenths < 0 else whole
    return Decimal(signed).scaleb(-1)


def weighted_violations(d: int, r: int, x: int, k: int, settings: ScoringSettings = DEFAULT_SETTINGS) -> Number:
    """V = w_d·d + w_r·r + w_x·x + w_k·k (defaults 1, 2, 3, 3)."""
    for name, value in (("d", d), ("r", r), ("x", x), ("k", k)):
        _check_count(name, value)
    return (
        settings.weight_detention * d
        + settings.weight_refusal * r
        + settings.weight_destruction * x
        + settings.weight_nnc * k
    )


def office_rate(total_v: Number, total_n: int) -> Fraction:
    """p0 = ΣV / Σn over the office; 0 when Σn = 0.

    With no completed consignment in the office there is no office-wide evidence, so the prior
    is neutral (zero violations per consignment) and only a service user's own violations count.
    """
    _check_count("total_n", total_n)
    v = _exact(total_v)
    if v < 0:
        raise ValueError("total_v must not be negative")
    if total_n == 0:
        return Fraction(0)
    return v / total_n


P0_OFFICE, P0_ALL_OFFICES, P0_SETTING = "office", "all_offices", "setting"


def prior_source(office_n: int, all_n: int, settings: ScoringSettings = DEFAULT_SETTINGS) -> str:
    """Where p0 comes from: the office when its window holds at least `p0_min_consignments` consignments,
    else every office when those do, else the `p0_fallback` setting."""
    _check_count("office_n", office_n)
    _check_count("all_n", all_n)
    floor = max(settings.p0_min_consignments, 1)
    if office_n >= floor:
        return P0_OFFICE
    return P0_ALL_OFFICES if all_n >= floor else P0_SETTING


def prior_rate(office_v: Number, office_n: int, all_v: Number, all_n: int,
               settings: ScoringSettings = DEFAULT_SETTINGS) -> Fraction:
    """The p0 a score shrinks toward (see prior_source), so a small or new office's scores do not swing and one
    more clean consignment never lowers a score. `all_v, all_n`: every office's, same window, section, filters."""
    source = prior_source(office_n, all_n, settings)
    if source == P0_OFFICE:
        return office_rate(office_v, office_n)
    if source == P0_ALL_OFFICES:
        return office_rate(all_v, all_n)
    return _exact(settings.p0_fallback)


def shrunk_rate(v: Number, n: int, p0: Number, m: Number) -> Fraction:
    """p = (V + m·p0) / (n + m): the own rate shrunk toward the office rate by a prior of m consignments."""
    _check_count("n", n)
    v_exact, p0_exact, m_exact = _exact(v), _exact(p0), _exact(m)
    if v_exact < 0 or p0_exact < 0 or m_exact < 0:
        raise ValueError("v, p0 and m must not be negative")
    if n + m_exact == 0:
        raise ValueError("p is undefined when n + m = 0")
    return (v_exact + m_exact * p0_exact) / (n + m_exact)


def score(v: Number, n: int, p0: Number, settings: ScoringSettings = DEFAULT_SETTINGS) -> Decimal:
    """Score = 100·(1 − min(1, p)), rounded to 0.1 half up."""
    p = shrunk_rate(v, n, p0, settings.prior_m)
    return _round_score(100 * (1 - min(Fraction(1), p)))


def _tier_checks(
    score_value: Number,
    violation_records_in_window: int,
    clean_streak: int,
    months_since_last_violation: Number | None,
    n: int,
    settings: ScoringSettings,
) -> tuple[str, str, list[dict[str, Any]]]:
    """Decide the tier in the order A, D, B, C; return tier, deciding rule and every check made."""
    _check_count("violation_records_in_window", violation_records_in_window)
    _check_count("clean_streak", clean_streak)
    _check_count("n", n)
    if months_since_last_violation is not None and months_since_last_violation < 0:
        raise ValueError("months_since_last_violation must not be negative")
    s = _round_score(score_value)
    s_exact = Fraction(s)
    no_recent_violation = (
        months_since_last_violation is None or months_since_last_violation >= settings.tier_a_clean_months
    )
    checks: list[dict[str, Any]] = []

    a_parts = {
        "clean_streak": clean_streak >= settings.tier_a_min_clean_streak,
        "no_violation_in_months": no_recent_violation,
        "n": n >= settings.tier_a_min_n,
    }
    a_passed = all(a_parts.values())
    checks.append({
        "rule": RULE_A,
        "passed": a_passed,
        "detail": (
            f"clean streak {clean_streak} ≥ {settings.tier_a_min_clean_streak}: {a_parts['clean_streak']}; "
            f"no violation in the last {settings.tier_a_clean_months} months "
            f"(months since last: {'none on record' if months_since_last_violation is None else months_since_last_violation}): "
            f"{a_parts['no_violation_in_months']}; n {n} ≥ {settings.tier_a_min_n}: {a_parts['n']}"
        ),
    })
    if a_passed:
        return "A", RULE_A, checks

    d_records = violation_records_in_window >= settings.tier_d_min_violation_records
    checks.append({
        "rule": RULE_D_RECORDS,
        "passed": d_records,
        "detail": (
            f"{violation_records_in_window} violation records in the window "
            f"≥ {settings.tier_d_min_violation_records}: {d_records}"
        ),
    })
    if d_records:
        return "D", RULE_D_RECORDS, checks

    d_score = s_exact < _exact(settings.tier_d_score_below)
    checks.append({
        "rule": RULE_D_SCORE,
        "passed": d_score,
        "detail": f"score {s} < {settings.tier_d_score_below}: {d_score}",
    })
    if d_score:
        return "D", RULE_D_SCORE, checks

    b = s_exact >= _exact(settings.tier_b_min_score)
    checks.append({"rule": RULE_B, "passed": b, "detail": f"score {s} ≥ {settings.tier_b_min_score}: {b}"})
    if b:
        return "B", RULE_B, checks

    checks.append({"rule": RULE_C, "passed": True, "detail": "no earlier rule applied"})
    return "C", RULE_C, checks


def tier(
    score_value: Number,
    violation_records_in_window: int,
    clean_streak: int,
    months_since_last_violation: Number | None,
    n: int,
    settings: ScoringSettings = DEFAULT_SETTINGS,
) -> str:
    """Tier 'A'|'B'|'C'|'D', decided in the order A, D, B, C on the score rounded to 0.1.

    months_since_last_violation is the whole months elapsed since the last violation over all
    history (None: none on record); violation_records_in_window counts 3P and NNC records unweighted.
    """
    return _tier_checks(
        score_value, violation_records_in_window, clean_streak, months_since_last_violation, n, settings
    )[0]


def intervention_level(
    clean_streak_since_last_violation: int, settings: ScoringSettings = DEFAULT_SETTINGS
) -> InterventionLevel:
    """Recommended sampling: tightened → normal after 5 clean → reduced after 20 more.

    Any violation resets the clean streak to 0, which is how it sends a user back to tightened.
    """
    streak = clean_streak_since_last_violation
    _check_count("clean_streak_since_last_violation", streak)
    to_normal = settings.normal_after_clean
    to_reduced = settings.normal_after_clean + settings.reduced_after_more_clean
    if streak < to_normal:
        return InterventionLevel(TIGHTENED, settings.tightened_percent, to_normal - streak)
    if streak < to_reduced:
        return InterventionLevel(NORMAL, settings.normal_percent, to_reduced - streak)
    return InterventionLevel(REDUCED, settings.reduced_percent, None)


def rank_key(score_value: Number, n: int) -> tuple[Fraction, int]:
    """Sort key for the ranking: score descending, then n descending."""
    return (-_exact(score_value), -n)


def _plain(value: Fraction) -> float:
    """A float for a JSON-friendly working dict."""
    return float(value)


def explain(
    *,
    d: int,
    r: int,
    x: int,
    k: int,
    n: int,
    office_v: Number,
    office_n: int,
    clean_streak: int,
    months_since_last_violation: Number | None,
    settings: ScoringSettings = DEFAULT_SETTINGS,
    all_v: Number | None = None,
    all_n: int | None = None,
) -> dict[str, Any]:
    """The full working of a score, tier and intervention level as a plain dict.

    `all_v, all_n`: every office's totals for the p0 fallback (default: the office's own)."""
    v = weighted_violations(d, r, x, k, settings)
    all_v, all_n = (office_v, office_n) if all_n is None else (all_v, all_n)
    p0_source = prior_source(office_n, all_n, settings)
    p0 = prior_rate(office_v, office_n, all_v, all_n, settings)
    p = shrunk_rate(v, n, p0, settings.prior_m)
    s = score(v, n, p0, settings)
    records = d + r + x + k
    decided, rule, checks = _tier_checks(s, records, clean_streak, months_since_last_violation, n, settings)
    level = intervention_level(clean_streak, settings)
    return {
        "counts": {"detention": d, "refusal": r, "destruction": x, "nnc": k},
        "violation_records": records,
        "weights": {
            "detention": settings.weight_detention,
            "refusal": settings.weight_refusal,
            "destruction": settings.weight_destruction,
            "nnc": settings.weight_nnc,
        },
        "V": _plain(_exact(v)),
        "n": n,
        "raw_rate": None if n == 0 else _plain(_exact(v) / n),
        "office_V": _plain(_exact(office_v)),
        "office_n": office_n,
        "all_V": _plain(_exact(all_v)),
        "all_n": all_n,
        "p0_source": p0_source,
        "p0": _plain(p0),
        "prior_m": settings.prior_m,
        "p": _plain(p),
        "score": float(s),
        "window_months": settings.window_months,
        "clean_streak": clean_streak,
        "months_since_last_violation": months_since_last_violation,
        "tier": decided,
        "tier_rule": rule,
        "tier_checks": checks,
        "intervention": level.to_dict(),
        "settings": settings.to_dict(),
    }
