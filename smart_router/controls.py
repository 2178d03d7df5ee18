"""What besides the prompt's text moves a request's tier: the ordered list of ``Adjustment``s.

Order (later steps win, see ``policy.resolve``):
1. background side calls of agents: SIMPLE (and no session)
2. session stickiness: the conversation's tier is a floor; a tool-result turn keeps it exactly
3. escalation: "think harder"-style phrases, a regenerated ask (a repeat after a delivered
   answer; a client's retry after a failure keeps the tier), a stalled agent: one tier up each
4. client overrides (headers or metadata): profile, tier, min-tier, max-tier
Step 2 sets the session's sticky tier; steps 1, 3 and 4 last for one request. For a key
whose overrides are disabled, steps 3 and 4 are left out (the scorer, sessions and budgets
alone route it). Admin rules (overrides disabled, budgets) come after these, in
``decide``. Pure: no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from .config import ControlSettings, RouterConfig
from .errors import BadRequest
from .policy import Adjustment
from .types import Decision, Tier
from .sessions import SessionState

HEADER_PREFIX = "x-smart-router-"
METADATA_PREFIX = "smart_router_"
OVERRIDE_NAMES = ("profile", "tier", "min-tier", "max-tier")
KEY_SETTING = "smart_router_overrides"  # key/team metadata: false stops clients' overrides


@dataclass(frozen=True)
class Overrides:
    """A client's per-request controls, validated."""

    profile: str | None = None
    tier: Tier | None = None
    min_tier: Tier | None = None
    max_tier: Tier | None = None

    def adjustment(self) -> Adjustment | None:
        """The overrides as one adjustment (None when the client set none)."""
        if self == Overrides():
            return None
        named = (("profile", self.profile), ("tier", self.tier), ("min", self.min_tier), ("max", self.max_tier))
        reason = "override: " + ", ".join(f"{n}={getattr(v, 'name', v)}" for n, v in named if v is not None)
        return Adjustment(reason, force=self.tier, floor=self.min_tier, ceiling=self.max_tier, profile=self.profile)


def parse_overrides(values: Mapping[str, Any], config: RouterConfig) -> Overrides:
    """Validate raw override values; BadRequest (a 400) names the valid ones."""
    clean: dict[str, str] = {}
    for name, raw in values.items():
        if not isinstance(raw, str) or not raw.strip():
            raise BadRequest(f"{HEADER_PREFIX}{name}: expected a non-empty string")
        clean[name] = raw.strip()
    tiers = {}
    for name in ("tier", "min-tier", "max-tier"):
        if name in clean:
            try:
                tiers[name] = Tier.parse(clean[name])
            except BadRequest as exc:
                raise BadRequest(f"{HEADER_PREFIX}{name}: {exc}") from None
    if "min-tier" in tiers and "max-tier" in tiers and tiers["min-tier"] > tiers["max-tier"]:
        raise BadRequest(f"{HEADER_PREFIX}min-tier {tiers['min-tier'].name} is above max-tier {tiers['max-tier'].name}")
    profile = None
    if "profile" in clean:
        try:
            profile = config.profile(clean["profile"]).name
        except BadRequest as exc:
            raise BadRequest(f"{HEADER_PREFIX}profile: {exc}") from None
    return Overrides(profile, tiers.get("tier"), tiers.get("min-tier"), tiers.get("max-tier"))


def overrides_allowed(settings: ControlSettings, user_api_key_dict: Any) -> bool:
    """Config and the key's / team's metadata (``smart_router_overrides: false``) may forbid overrides."""
    if not settings.overrides:
        return False
    for field in ("metadata", "team_metadata"):
        section = getattr(user_api_key_dict, field, None)
        if isinstance(section, dict) and section.get(KEY_SETTING) is False:
            return False
    return True


@dataclass(frozen=True)
class Plan:
    """Adjustments of one request: ``lasting`` ones set the session's sticky tier, the
    ``this_request`` ones (escalations, background, overrides) apply on top of it only."""

    lasting: tuple[Adjustment, ...]
    this_request: tuple[Adjustment, ...]


def plan(
    decision: Decision,
    settings: ControlSettings,
    session: SessionState | None,
    ask_digest: str | None,
    now: float,
    stall_reason: str | None,
    background_reason: str | None,
    overrides: Overrides | None,
    steering: bool = True,
    client_retry: bool = False,
) -> Plan:
    """The adjustments of one request, in order; see the module docstring.

    ``ask_digest`` is None where a repeated ask is not evidence of a regeneration (a
    one-turn request whose session is only the hash of its own text). Without
    ``steering`` (overrides disabled for the key) nothing the client says or repeats
    raises the tier: no escalation phrase, regeneration or stall rule.
    """
    chosen = overrides.adjustment() if overrides is not None else None
    if background_reason:
        return Plan((), tuple(s for s in (Adjustment(background_reason, force=Tier.SIMPLE), chosen) if s))
    lasting = []
    if session is not None and decision.continuation:
        lasting.append(Adjustment(f"continuation: session tier {session.tier.name}", force=session.tier))
    elif session is not None:
        lasting.append(Adjustment(f"session: kept {session.tier.name}", floor=session.tier))
    this_request: list[Adjustment] = []
    if not steering:
        return Plan(tuple(lasting), ())
    if decision.escalation:
        this_request.append(Adjustment("escalation: " + decision.escalation[0], raise_by=1))
    repeated = (
        session is not None
        and ask_digest is not None
        and not decision.continuation
        and ask_digest == session.ask_digest
        and now - session.ask_at <= settings.retry_window_seconds
    )
    if repeated and session is not None and session.answered and not client_retry:
        this_request.append(Adjustment("retry: same ask again", raise_by=1))
    elif repeated or client_retry:
        this_request.append(Adjustment("client retry: tier kept"))
    if stall_reason:
        this_request.append(Adjustment(stall_reason, raise_by=1))
    if chosen is not None:
        this_request.append(chosen)
    return Plan(tuple(lasting), tuple(this_request))
