"""Decide a request: ``decide(engine, request, session, now) -> Outcome``. Pure and synchronous.

The one place where every rule meets, in this order (later steps win, see ``policy.resolve``):

1. the scorer: text -> score -> tier, with its own floors and ceiling ("rule:" in the reason)
2. background side calls of agents: SIMPLE, and the session is neither read nor written
3. the session: its sticky tier is a floor; a tool-result turn keeps it exactly
4. escalation phrases, regenerations and a stalled agent: one tier up each (a stall up to the
   next tier whose model differs); a client's own retry keeps the tier
5. client overrides: profile, tier, min-tier, max-tier ("override:" in the reason)
6. admin rules: overrides disabled for the key (steps 4-5 left out), then the budget
7. the model: the tier's table, skipping models the request cannot use or the key may not
   (``select.choose``), then the client's fallbacks that pass the key's and budget's rules

Steps 1-3 set the session's new sticky tier; the others last for this request only.
The hook (and ``slr test``, with a state described on the command line) run exactly this.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace

from .agents import stall
from .budget import adjustment as budget_adjustment
from .controls import parse_overrides, plan
from .engine import Engine
from .policy import Adjustment, printable, resolve
from .request import Request
from .select import NOT_ALLOWED, is_allowed
from .sessions import SessionState
from .types import Decision, Route, RoutingInfo, Tier


@dataclass(frozen=True)
class Outcome:
    """The decision, the route taken, why, and the session state to save."""

    decision: Decision
    route: Route
    reasons: tuple[str, ...]  # adjustments that applied, after the route's own reasons
    session: str  # where the session key came from, or "off"
    fallbacks: tuple[str, ...] = ()  # the route's fallbacks, then the client's that passed the key's and budget's rules
    new_session: SessionState | None = None  # to save under ``request.session`` (None: leave the session alone)

    @property
    def reason(self) -> str:
        """Why, for headers, logs and stats: client strings in it are escaped (``printable``)."""
        return printable("; ".join((self.route.reason, *self.reasons)))

    def info(self, request: Request) -> RoutingInfo:
        """The record of this decision that travels with the request to the log events."""
        route, decision = self.route, self.decision
        return RoutingInfo(
            id=uuid.uuid4().hex,  # the stats row's key: clients cannot choose it
            requested=request.requested,
            profile=route.profile,
            tier=route.tier.name,
            score=round(decision.score, 4),
            model=route.model,
            fallbacks=self.fallbacks,
            reason=self.reason,
            session=self.session,
            languages=decision.languages,
            tokens=decision.tokens,
            session_key=request.session.save if request.session and self.new_session else "",
            ask_digest=request.ask_digest,
        )


def decide(engine: Engine, request: Request, session: SessionState | None, now: float) -> Outcome:
    """Route ``request`` given its ``session`` state (None: new or none) at clock time ``now``.

    Raises ``BadRequest`` for invalid overrides and ``AccessDenied`` when the key may use no
    model of the profile; anything else is a bug."""
    config, controls = engine.config, engine.config.controls
    steering = request.caller.overrides_allowed
    asked = dict(request.overrides_asked)
    overrides = parse_overrides(asked, config) if asked and steering else None
    decision = engine.scorer.score(request.text)
    background = engine.background.reason(request.text, request.needs, request.output_format)
    keys = None if background else request.session
    session = session if keys else None

    regeneration_visible = keys is not None and (keys.source != "hash" or any(t.role == "assistant" for t in request.text.turns))
    stall_reason = stall(request.activity, controls.stall_repeats, controls.stall_window)
    steps = plan(
        decision,
        controls,
        session,
        request.ask_digest if regeneration_visible else None,
        now,
        stall_reason,
        background,
        overrides,
        steering=steering,
        client_retry=request.client_retry,
    )
    sticky = resolve(decision.tier, steps.lasting)
    if stall_reason:
        raised = _stall_to_next_model(engine, decision, request, sticky.tier, steps.this_request, stall_reason)
        steps = replace(steps, this_request=raised)
    budget = budget_adjustment(request.caller.spends, config, engine.catalog, request.profile)
    admin = [
        Adjustment("overrides disabled for this key") if (asked or decision.escalation) and not steering else None,
        budget,  # budgets win: last
    ]
    final = resolve(sticky.tier, [*steps.this_request, *admin])
    route = engine.route(decision, request.profile, request.needs, final.tier, final.profile)
    fallbacks, dropped = _fallbacks(engine, route, request, budget is not None)
    new_session = SessionState(sticky.tier, now, request.ask_digest, now, answered=False) if keys else None
    return Outcome(
        decision, route, sticky.reasons + final.reasons + dropped, keys.source if keys else "off", fallbacks, new_session
    )


def _stall_to_next_model(
    engine: Engine, decision: Decision, request: Request, sticky: Tier, steps: tuple[Adjustment, ...], reason: str
) -> tuple[Adjustment, ...]:
    """The stall step raised as far as the next tier whose model differs (tiers may share one);
    at the top model it only says so."""
    at = next((i for i, s in enumerate(steps) if s.reason == reason), None)
    if at is None:  # no stall step (overrides disabled for this key)
        return steps
    before = resolve(sticky, steps[:at]).tier
    models = {t: engine.route(decision, request.profile, request.needs, t).model for t in Tier if t >= before}
    current = models[before]
    for up in range(1, Tier.REASONING - before + 1):
        if models[Tier(before + up)] != current:
            step = Adjustment(reason, raise_by=up)
            break
    else:
        step = Adjustment(f"{reason}; already on the top model ({current})")
    return (*steps[:at], step, *steps[at + 1 :])


def _fallbacks(engine: Engine, route: Route, request: Request, budget: bool) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The request's fallbacks: the route's, then the client's own that name a configured model
    the key may use, none of the client's near a budget; plus the reason for those dropped
    (counted, never named)."""
    names = request.client_fallbacks
    if budget:
        kept: tuple[str, ...] = ()
        dropped, why = len(names), "near a budget"
    else:
        allowed = request.needs.allowed_models
        usable = [n for n in names if isinstance(n, str) and n in engine.config.models and is_allowed(n, allowed)]
        kept = tuple(n for n in dict.fromkeys(usable) if n != route.model and n not in route.fallbacks)
        dropped, why = len(names) - len(usable), f"{NOT_ALLOWED} or unknown"
    return route.fallbacks + kept, (f"client fallbacks: dropped {dropped} ({why})",) if dropped else ()
