"""Budget-aware routing: a key, team or user close to its max_budget gets cheaper routes. Pure, no I/O.

LiteLLM hands every hook the caller's ``UserAPIKeyAuth`` with spend and max_budget of the
key, its team and its user. The largest share spent decides: from ``eco_at`` (default 75%)
the eco profile's table serves the request, from ``medium_at`` (90%) the tier is at most
MEDIUM as well. At 100% nothing changes here: LiteLLM's own budget error is in charge.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

from .catalog import Catalog
from .config import PROFILE_PREFIX, RouterConfig
from .policy import Adjustment
from .types import Tier

# (who, spend field, max_budget field) on litellm.proxy._types.UserAPIKeyAuth
BUDGET_FIELDS = (("key", "spend", "max_budget"), ("team", "team_spend", "team_max_budget"), ("user", "user_spend", "user_max_budget"))


@dataclass(frozen=True)
class Spend:
    """Money spent against one budget."""

    who: str
    spent: float
    limit: float

    @property
    def share(self) -> float:
        return self.spent / self.limit


def spends(auth: Any) -> list[Spend]:
    """The budgets of ``auth`` (a ``UserAPIKeyAuth`` or a mapping) that have a positive max_budget."""
    found = []
    for who, spend_field, limit_field in BUDGET_FIELDS:
        spent, limit = _field(auth, spend_field), _field(auth, limit_field)
        if isinstance(spent, (int, float)) and isinstance(limit, (int, float)) and limit > 0:
            found.append(Spend(who, float(spent), float(limit)))
    return found


def adjustment(spent: Iterable[Spend], config: RouterConfig, catalog: Catalog, profile: str) -> Adjustment | None:
    """The budget's say on a request for ``profile`` given the caller's ``spends``, or None
    when no budget is close to its limit."""
    settings = config.budget
    worst = max(spent, key=lambda s: s.share, default=None)
    if not settings.enabled or worst is None or worst.share >= 1:
        return None
    ceiling = Tier.MEDIUM if settings.medium_at is not None and worst.share >= settings.medium_at else None
    switch = None
    if settings.eco_profile and settings.eco_at is not None and worst.share >= settings.eco_at:
        switch = settings.eco_profile if _cheaper(config, catalog, settings.eco_profile, profile) else None
    if ceiling is None and switch is None:
        return None
    steps = ([PROFILE_PREFIX + switch] if switch else []) + (["at most MEDIUM"] if ceiling is not None else [])
    percent = min(round(100 * worst.share), 99)  # below the budget: never shown as 100%
    reason = f"budget: {worst.who} spent {percent}% of max_budget -> {', '.join(steps)}"
    return Adjustment(reason=reason, ceiling=ceiling, profile=switch)


def table_price(config: RouterConfig, catalog: Catalog, profile: str) -> float | None:
    """Input plus output price per token summed over a profile's tier models; None if any is unknown."""
    total = 0.0
    for route in config.profile(profile).tiers.values():
        facts = catalog.get(route.model)
        if facts.input_cost is None or facts.output_cost is None:
            return None
        total += facts.input_cost + facts.output_cost
    return total


def _cheaper(config: RouterConfig, catalog: Catalog, eco: str, profile: str) -> bool:
    """Switch only to a table that costs less (never smart/free -> smart/eco)."""
    if eco == config.profile(profile).name:
        return False
    eco_price, own_price = table_price(config, catalog, eco), table_price(config, catalog, profile)
    return eco_price is not None and (own_price is None or eco_price < own_price)


def _field(auth: Any, name: str) -> Any:
    return auth.get(name) if isinstance(auth, dict) else getattr(auth, name, None)
