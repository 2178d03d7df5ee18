"""Choose a model: ``Decision`` + profile + request needs -> ``Route``. Pure, no I/O.

The tier table's model is taken unless it cannot serve the request: a request with images
needs a model whose facts say ``supports_vision``; prompt tokens plus ``max_tokens`` must
fit the model's context window (unknown windows are assumed to fit). A model that cannot
serve is skipped, with the reason recorded, for the tier's fallbacks and then the next
tiers up. The chosen tier's remaining candidates become LiteLLM's fallbacks.

A virtual key limited to some models (LiteLLM's ``models`` on the key or its team) is only
routed to those: other candidates are skipped (counted, never named), a table the key may
use none of (a profile override, the tools table, the budget's eco table) gives way to the
requested profile's, and when none is left ``AccessDenied``.
"""

from __future__ import annotations

import fnmatch
from typing import Any, Iterable

from .catalog import Catalog
from .config import PROFILE_PREFIX, Profile, RouterConfig
from .errors import AccessDenied
from .types import Decision, Needs, Route, Tier


ALL_MODELS = frozenset({"*", "all-proxy-models"})  # LiteLLM's "every model" grants
ALL_TEAM_MODELS = "all-team-models"  # on a key: whatever its team allows


def allowed_models(config: RouterConfig, key_models: Any, team_models: Any = None) -> frozenset[str] | None:
    """The models a key may be routed to through ``smart/*``; None: no limit.

    Each of the key's and the team's ``models`` lists limits routing unless it is empty or
    holds ``all-proxy-models`` / ``*``. A smart profile in the list (``smart/auto``, or a
    pattern such as ``smart/*``) grants exactly the models its own tier table and its
    embedding model name (not those of the tables it may switch to).
    Access groups (``model_info.access_groups`` in ``model_list``) expand to their models.
    When both key and team limit routing, a model must pass both.
    """
    limits = [g for g in (_grant(config, key_models), _grant(config, team_models)) if g is not None]
    if not limits:
        return None
    allowed = limits[0]
    for other in limits[1:]:
        allowed = frozenset(m for m in _names(config, allowed) if is_allowed(m, other))
    return allowed


def _grant(config: RouterConfig, models: Any) -> frozenset[str] | None:
    if not isinstance(models, (list, tuple, set, frozenset)):
        return None
    names = {m for m in models if isinstance(m, str)}
    if not names or names & ALL_MODELS or ALL_TEAM_MODELS in names:
        return None
    lowered = {n.lower() for n in names}
    for profile in config.profiles.values():
        if is_allowed(PROFILE_PREFIX + profile.name, lowered):
            names.update(_profile_models(profile))
    for entry in config.models.values():
        groups = entry.model_info.get("access_groups") if isinstance(entry.model_info, dict) else None
        if isinstance(groups, list) and names.intersection(g for g in groups if isinstance(g, str)):
            names.add(entry.name)
    return frozenset(names)


def _profile_models(profile: Profile) -> set[str]:
    """The models a grant of ``profile`` covers: its own tier table and embedding model."""
    models = {profile.embedding_model} if profile.embedding_model else set()
    models.update(_table_models(profile))
    return models


def _table_models(profile: Profile) -> list[str]:
    return list(dict.fromkeys(m for t in Tier for m in profile.tiers[t].candidates))


def _names(config: RouterConfig, allowed: Iterable[str]) -> set[str]:
    """Concrete names of an allowed set: its plain names plus the configured models its patterns match."""
    names = {m for m in allowed if "*" not in m}
    names.update(m for m in config.models if is_allowed(m, allowed))
    return names


def is_allowed(name: str, allowed: Iterable[str] | None) -> bool:
    """Whether ``name`` is in ``allowed`` (names or ``*`` patterns); None allows everything."""
    if allowed is None:
        return True
    return any(name == m or ("*" in m and fnmatch.fnmatchcase(name, m)) for m in allowed)


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
    switch: str | None = None,
) -> Route:
    """Pick the model for a scored request on profile ``requested`` (BadRequest if unknown),
    from the table of profile ``switch`` when an override or the budget chose another one."""
    profile = config.profile(requested)
    base = config.profile(switch) if switch else profile
    table, switched = table_for(config, base, decision, needs)
    start = decision.tier if tier is None else tier
    reasons = [f"score {decision.score:+.3f} -> {decision.tier.name}"]
    if decision.rule:
        reasons.append("rule: " + decision.rule.split(":")[0])  # the scorer's own floor; "override:" is what a client asked
    if switched:
        reasons.append(switched)
    allowed = needs.allowed_models
    if allowed is not None and not any(is_allowed(m, allowed) for m in _table_models(table)):
        inside = next((p for p in (base, profile) if any(is_allowed(m, allowed) for m in _table_models(p))), profile)
        if inside is not table:
            reasons.append(f"{PROFILE_PREFIX}{table.name} not allowed for this key: staying in {PROFILE_PREFIX}{inside.name}")
            table = inside
    needed = decision.tokens + max(0, needs.max_output_tokens)
    skipped: set[str] = set()
    hidden = 0  # models skipped because the key may not use them: counted, never named
    for current in (t for t in Tier if t >= start):
        candidates = [m for m in table.tiers[current].candidates if m not in skipped]
        usable = []
        for name in candidates:
            why = _unfit(catalog, name, needs, needed)
            if why:
                skipped.add(name)
                hidden += why == NOT_ALLOWED
                reasons.extend([] if why == NOT_ALLOWED else [f"skip {name} ({why})"])
            else:
                usable.append(name)
        if usable:
            reasons.extend([f"skipped {hidden} model(s) {NOT_ALLOWED}"] if hidden else [])
            if current != start:
                reasons.append(f"moved up to {current.name}")
            return Route(profile.name, table.name, current, usable[0], tuple(usable[1:]), tuple(reasons))
    route = table.tiers[start]
    if allowed is not None:
        reasons.extend([f"skipped {hidden} model(s) {NOT_ALLOWED}"] if hidden else [])
        return _best_permitted(profile, table, start, allowed, reasons)
    reasons.append(f"no model fits; using {route.model}")
    return Route(profile.name, table.name, start, route.model, route.fallbacks, tuple(reasons))


def _best_permitted(profile: Profile, table: Profile, start: Tier, allowed: frozenset[str], reasons: list[str]) -> Route:
    """No model fits every need: the key's allowed models of the table, nearest tier first."""
    order = [t for t in Tier if t >= start] + [t for t in reversed(Tier) if t < start]
    tiers = {m: t for t in reversed(order) for m in table.tiers[t].candidates if is_allowed(m, allowed)}
    permitted = list(dict.fromkeys(m for t in order for m in table.tiers[t].candidates if m in tiers))
    if not permitted:
        raise AccessDenied(
            f"{PROFILE_PREFIX}{profile.name}: this key may not use any of the {len(_table_models(table))} models "
            f"{PROFILE_PREFIX}{table.name} routes to; the key's allowed models: {', '.join(sorted(allowed)) or 'none'}"
        )
    reasons.append(f"no model fits; using {permitted[0]} (allowed for this key)")
    return Route(profile.name, table.name, tiers[permitted[0]], permitted[0], tuple(permitted[1:]), tuple(reasons))


NOT_ALLOWED = "not allowed for this key"


def _unfit(catalog: Catalog, name: str, needs: Needs, needed_tokens: int) -> str | None:
    if not is_allowed(name, needs.allowed_models):
        return NOT_ALLOWED
    facts = catalog.get(name)
    if needs.has_images and facts.supports_vision is not True:
        return "no vision"
    if facts.max_input_tokens is not None and needed_tokens > facts.max_input_tokens:
        return f"context {facts.max_input_tokens} < {needed_tokens}"
    return None
