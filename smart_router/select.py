"""Choose a model: ``Decision`` + profile + request needs -> ``Route``. Pure, no I/O.

The tier table's model is taken unless it cannot serve the request: a request with images
needs a model whose facts say ``supports_vision``; prompt tokens plus ``max_tokens`` must
fit the model's context window (unknown windows are assumed to fit). A model that cannot
serve is skipped, with the reason recorded, for the tier's fallbacks and then the next
tiers up. The chosen tier's remaining candidates become LiteLLM's fallbacks.
"""

from __future__ import annotations

from dataclasses import dataclass

from .catalog import Catalog
from .config import Profile, RouterConfig
from .scorer import Decision, Tier


@dataclass(frozen=True)
class Needs:
    """What the request needs of a model, apart from its difficulty."""

    has_tools: bool = False
    has_images: bool = False
    max_output_tokens: int = 0


@dataclass(frozen=True)
class Route:
    """Where a request goes and why."""

    requested_profile: str
    profile: str  # the table used (may differ: tools -> agentic)
    tier: Tier  # tier of the chosen model (above the scored tier when models were skipped)
    model: str
    fallbacks: tuple[str, ...]
    reasons: tuple[str, ...]  # ASCII, for headers and logs

    @property
    def reason(self) -> str:
        return "; ".join(self.reasons)


def table_for(config: RouterConfig, profile: Profile, decision: Decision, needs: Needs) -> tuple[Profile, str | None]:
    """The profile whose tier table serves this request, and why it changed (if it did)."""
    target = config.tools_profile
    if not target or not profile.use_tools_profile or profile.name == target:
        return profile, None
    if needs.has_tools:
        return config.profiles[target], f"tools -> {target}"
    if decision.dimension("agenticTask").value >= config.agentic_threshold:
        return config.profiles[target], f"agentic task -> {target}"
    return profile, None


def choose(
    config: RouterConfig,
    catalog: Catalog,
    requested: str,
    decision: Decision,
    needs: Needs,
    tier: Tier | None = None,
) -> Route:
    """Pick the model for a scored request on profile ``requested`` (ValueError if unknown)."""
    profile = config.profile(requested)
    table, switched = table_for(config, profile, decision, needs)
    start = decision.tier if tier is None else tier
    reasons = [f"score {decision.score:+.3f} -> {decision.tier.name}"]
    if decision.override:
        reasons.append("override: " + decision.override.split(":")[0])
    if switched:
        reasons.append(switched)
    needed = decision.tokens + max(0, needs.max_output_tokens)
    skipped: set[str] = set()
    for current in (t for t in Tier if t >= start):
        candidates = [m for m in table.tiers[current].candidates if m not in skipped]
        usable = []
        for name in candidates:
            why = _unfit(catalog, name, needs, needed)
            if why:
                skipped.add(name)
                reasons.append(f"skip {name} ({why})")
            else:
                usable.append(name)
        if usable:
            if current != start:
                reasons.append(f"moved up to {current.name}")
            return Route(profile.name, table.name, current, usable[0], tuple(usable[1:]), tuple(reasons))
    route = table.tiers[start]
    reasons.append(f"no model fits; using {route.model}")
    return Route(profile.name, table.name, start, route.model, route.fallbacks, tuple(reasons))


def _unfit(catalog: Catalog, name: str, needs: Needs, needed_tokens: int) -> str | None:
    facts = catalog.get(name)
    if needs.has_images and facts.supports_vision is not True:
        return "no vision"
    if facts.max_input_tokens is not None and needed_tokens > facts.max_input_tokens:
        return f"context {facts.max_input_tokens} < {needed_tokens}"
    return None
