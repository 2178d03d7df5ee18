"""What savings are measured against, and how amounts of money are written: one definition
for ``slr test``, ``slr eval`` and ``slr stats``. Pure: no I/O."""

from __future__ import annotations

import math

from .config import RouterConfig
from .errors import BadRequest
from .types import Tier


def baseline_model(config: RouterConfig, profile_name: str) -> str | None:
    """``smart_router.baseline_model``, else the REASONING model of the requested profile
    (``auto`` or ``smart/auto``); None for an unknown profile."""
    if config.stats.baseline_model:
        return config.stats.baseline_model
    try:
        return config.profile(profile_name).tiers[Tier.REASONING].model
    except BadRequest:
        return None


def savings_pct(cost: float | None, baseline_cost: float | None) -> float | None:
    """How much less than the baseline ``cost`` is, in percent (negative: dearer); None if either is unknown or the baseline is free."""
    if cost is None or baseline_cost is None or baseline_cost <= 0:
        return None
    return 100 * (1 - cost / baseline_cost)


def usd(value: float | None) -> str:
    """``$12.34`` from a dollar up, ``$0.000123`` below, two significant digits under a millionth; ``unknown`` for None."""
    if value is None:
        return "unknown"
    size = abs(value)
    if size >= 1:
        return f"${value:,.2f}"
    if size == 0 or size >= 1e-6:
        return f"${value:.6f}"
    return f"${value:.{1 - math.floor(math.log10(size))}f}"


def pct(value: float | None) -> str:
    """``80.0%``; ``-`` for None."""
    return "-" if value is None else f"{value:.1f}%"
