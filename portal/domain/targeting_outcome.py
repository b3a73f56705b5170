"""What became of a targeted consignment (DOMAIN: inspection targeting, "outcome").

Kept apart from the decision rules (portal/domain/targeting.py): the decision is written once at the first
sync, the outcome follows the stage events that arrive afterwards and is recomputed whenever they change.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Iterable

HIT = "hit"
CLEAN = "clean"
PENDING = "pending"
OUTCOMES = (HIT, CLEAN, PENDING)

# Stages that are a 3P action: the consignment failed its requirements, whatever came after.
HIT_STAGES = ("detained", "refused", "destroyed")
# Stages that end quarantine without a 3P action: released (pembebasan) or certified (and handed over after it).
CLEAN_STAGES = ("released", "certified", "handed_over")


@dataclass(frozen=True)
class Outcome:
    """The outcome of one consignment, with the stage and time that decided it (None while pending)."""

    status: str
    stage: str | None = None
    at: datetime | None = None


def consignment_outcome(events: Iterable[tuple[str, datetime]], action_count: int = 0) -> Outcome:
    """Hit, clean or pending from an application's stage events (stage, time) and its 3P action records.

    A hit is any detention, refusal or destruction — as a stage event or as a 3P record (the two arrive
    separately, and either may come first); it decides even when a release follows, because a detention
    is what inspection exists to find. Clean is a release or a certificate without any 3P action.
    Otherwise the consignment is pending. The deciding time is the earliest event of that kind.
    """
    if action_count < 0:
        raise ValueError("action_count must not be negative")
    ordered = sorted(events, key=lambda event: event[1])
    hit = next(((stage, at) for stage, at in ordered if stage in HIT_STAGES), None)
    if hit is not None:
        return Outcome(HIT, *hit)
    if action_count:
        # A 3P record whose stage event has not arrived yet: a hit, time unknown from the events.
        return Outcome(HIT)
    clean = next(((stage, at) for stage, at in ordered if stage in CLEAN_STAGES), None)
    if clean is not None:
        return Outcome(CLEAN, *clean)
    return Outcome(PENDING)


def hit_rate(hits: int, inspected: int) -> float | None:
    """Hits per decided consignment; None when nothing was decided (no rate, rather than 0 %)."""
    if hits < 0 or inspected < 0 or hits > inspected:
        raise ValueError("hits must be between 0 and the number inspected")
    return hits / inspected if inspected else None


def hit_rate_ratio(targeted_rate: float | None, random_rate: float | None) -> float | None:
    """How many times chance the targeted selections find: None when either rate is missing or chance found none."""
    if targeted_rate is None or random_rate is None or random_rate == 0:
        return None
    return targeted_rate / random_rate


# Two hit rates are told apart at the 95 % level (two-sided): a difference smaller than chance alone gives in one
# period of twenty is not called one.
Z_95 = 1.959964


def ratio_verdict(targeted_hits: int, targeted_known: int, random_hits: int, random_known: int) -> str:
    """What the targeted ÷ random hit rates say: "more" or "less" when the two rates differ by more than chance would
    give (a two-proportion z-test on the pooled rate, 95 %), "same" when they do not, "none" when the random share
    found nothing or either side decided nothing (no ratio). "1,0× · targeting finds more than chance" on 4 random
    hits read as a verdict the figures could not give: a ratio of 2 on a handful of findings is chance as often."""
    if not targeted_known or not random_known or not random_hits:
        return "none"
    pooled = (targeted_hits + random_hits) / (targeted_known + random_known)
    spread = math.sqrt(pooled * (1 - pooled) * (1 / targeted_known + 1 / random_known))
    difference = targeted_hits / targeted_known - random_hits / random_known
    if spread == 0 or abs(difference) < Z_95 * spread:
        return "same"
    return "more" if difference > 0 else "less"
