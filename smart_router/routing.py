"""One routed request, start to end: body -> score -> adjustments -> model. Used by the hook.

The only I/O is the session store (LiteLLM's cache); scoring of very large bodies runs in
a worker thread so the event loop never waits on it.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, replace
from typing import Any

from .agents import ToolActivity, stall, tool_activity, json_format
from .budget import adjustment as budget_adjustment
from .controls import overrides_allowed, parse_overrides, plan, requested_overrides
from .engine import Engine
from .extract import check, extract
from .policy import Adjustment, printable, resolve
from .types import Decision, Needs, Route, RoutingText, Tier
from .select import NOT_ALLOWED, allowed_models, is_allowed
from .sessions import SessionState, SessionStore, digest, request_headers, session_keys

# Bodies with more text than this are scored in a worker thread: tiktoken releases the GIL,
# so the event loop keeps serving other requests (bench_scorer.py --off-loop-chars measures it).
OFF_LOOP_CHARS = 8_000
OFF_LOOP_ITEMS = 1_000  # bodies with more messages / input items than this are read and scored in one
FALLBACK_KEYS = ("fallbacks", "context_window_fallbacks", "content_policy_fallbacks")  # LiteLLM's request-level lists


@dataclass(frozen=True)
class Outcome:
    """The decision, the route taken and why."""

    decision: Decision
    route: Route
    reasons: tuple[str, ...]  # adjustments that applied, after the route's own reasons
    session: str  # where the session key came from, or "off"
    fallbacks: tuple[str, ...] = ()  # the route's fallbacks, then the client's that passed the key's and budget's rules
    session_key: str = ""  # the session's cache key ("" without a session)
    ask_digest: str = ""  # of the newest ask, to mark it answered once the answer is delivered

    @property
    def reason(self) -> str:
        """Why, for headers, logs and stats: client strings in it are escaped (``printable``)."""
        return printable("; ".join((self.route.reason, *self.reasons)))


async def route_request(
    engine: Engine,
    sessions: SessionStore | None,
    data: dict[str, Any],
    call_type: str,
    requested: str,
    user_api_key_dict: Any,
) -> Outcome:
    """Route one generation request on profile ``requested`` (ValueError -> a 400 for the client)."""
    config, controls = engine.config, engine.config.controls
    profile = config.profile(requested).name
    headers = request_headers(data)
    asked = requested_overrides(headers, data)
    allowed = overrides_allowed(controls, user_api_key_dict)
    overrides = parse_overrides(asked, config) if asked and allowed else None

    many_items = _items(data) > OFF_LOOP_ITEMS
    text, needs, activity = await asyncio.to_thread(_read, call_type, data) if many_items else _read(call_type, data)
    needs = replace(needs, allowed_models=key_allowed_models(engine, user_api_key_dict))
    decision = await _score(engine, text, many_items)
    ask = next((t.text for t in reversed(text.turns) if t.role == "user"), "")
    ask_digest = digest(ask)

    keys, state, found = None, None, None
    background = engine.background.reason(text, needs, json_format(data))
    if sessions is not None and controls.sessions and not background:
        args = (data, headers, text, _owner(user_api_key_dict))  # digests the history: off the loop for long ones
        keys = await asyncio.to_thread(session_keys, *args) if many_items else session_keys(*args)
        state, found = await sessions.load(keys) if keys else (None, None)
    source = keys.source if keys else "off"

    regeneration_visible = source != "hash" or any(t.role == "assistant" for t in text.turns)
    stall_reason = stall(activity, controls.stall_repeats, controls.stall_window)
    steps = plan(
        decision,
        controls,
        state,
        ask_digest if regeneration_visible else None,
        sessions.clock() if sessions else 0.0,
        stall_reason,
        background,
        overrides,
        steering=allowed,
        client_retry=client_retry(headers),
    )
    sticky = resolve(decision.tier, steps.lasting)
    if stall_reason:
        raised = _stall_to_next_model(engine, decision, profile, needs, sticky.tier, steps.this_request, stall_reason)
        steps = replace(steps, this_request=raised)
    budget = budget_adjustment(user_api_key_dict, config, engine.catalog, profile)
    admin = [
        Adjustment("overrides disabled for this key") if (asked or decision.escalation) and not allowed else None,
        budget,  # budgets win: last
    ]
    final = resolve(sticky.tier, [*steps.this_request, *admin])
    route = engine.route(decision, profile, needs, final.tier, final.profile)
    fallbacks, dropped = _fallbacks(engine, route, data, needs.allowed_models, budget is not None)

    if keys and sessions is not None:
        now = sessions.clock()
        await sessions.save(keys, SessionState(sticky.tier, now, ask_digest, now, answered=False), found)
    return Outcome(decision, route, sticky.reasons + final.reasons + dropped, source, fallbacks, keys.save if keys else "", ask_digest)


def client_retry(headers: dict[str, str]) -> bool:
    """True when the client says this is its own retry (the OpenAI / Anthropic SDKs' ``x-stainless-retry-count``)."""
    count = headers.get("x-stainless-retry-count", "").strip()
    return count.isdigit() and int(count) > 0


def _stall_to_next_model(
    engine: Engine, decision: Decision, profile: str, needs: Needs, sticky: Tier, steps: tuple[Adjustment, ...], reason: str
) -> tuple[Adjustment, ...]:
    """The stall step raised as far as the next tier whose model differs (tiers may share one);
    at the top model it only says so."""
    at = next((i for i, s in enumerate(steps) if s.reason == reason), None)
    if at is None:  # no stall step (overrides disabled for this key)
        return steps
    before = resolve(sticky, steps[:at]).tier
    current = engine.route(decision, profile, needs, before).model
    for up in range(1, Tier.REASONING - before + 1):
        if engine.route(decision, profile, needs, Tier(before + up)).model != current:
            step = Adjustment(reason, raise_by=up)
            break
    else:
        step = Adjustment(f"{reason}; already on the top model ({current})")
    return (*steps[:at], step, *steps[at + 1 :])


def _read(call_type: str, data: dict[str, Any]) -> tuple[RoutingText, Needs, ToolActivity]:
    check(call_type, data)  # a body the router cannot read is a fast 400, not upstream attempts
    text, needs = extract(call_type, data)
    return text, needs, tool_activity(data)


def _fallbacks(
    engine: Engine, route: Route, data: dict[str, Any], allowed: frozenset[str] | None, budget: bool
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The request's fallbacks: the route's, then the client's own (taken out of ``data``) that
    name a configured model the key may use, and none of the client's near a budget; plus the
    reason for those dropped (counted, never named)."""
    names: list[Any] = []
    for key in FALLBACK_KEYS:
        raw = data.pop(key, None)
        for entry in raw if isinstance(raw, list) else [] if raw is None else [raw]:
            value = next(iter(entry.values())) if isinstance(entry, dict) and len(entry) == 1 else entry  # {model: [...]}
            names.extend(value if isinstance(value, list) else [value])
    if budget:
        kept: tuple[str, ...] = ()
        dropped, why = len(names), "near a budget"
    else:
        usable = [n for n in names if isinstance(n, str) and n in engine.config.models and is_allowed(n, allowed)]
        kept = tuple(n for n in dict.fromkeys(usable) if n != route.model and n not in route.fallbacks)
        dropped, why = len(names) - len(usable), f"{NOT_ALLOWED} or unknown"
    return route.fallbacks + kept, (f"client fallbacks: dropped {dropped} ({why})",) if dropped else ()


def _items(data: dict[str, Any]) -> int:
    return max((len(v) for k in ("messages", "input", "prompt") if isinstance(v := data.get(k), list)), default=0)


async def _score(engine: Engine, text: RoutingText, many_items: bool) -> Decision:
    if many_items or len(text.system) + sum(len(t.text) for t in text.turns) > OFF_LOOP_CHARS:
        return await asyncio.to_thread(engine.scorer.score, text)
    return engine.scorer.score(text)


def key_allowed_models(engine: Engine, user_api_key_dict: Any) -> frozenset[str] | None:
    """The models the key (and its team) may be routed to through ``smart/*``; None: any."""
    models, team_models = (getattr(user_api_key_dict, f, None) for f in ("models", "team_models"))
    return allowed_models(engine.config, models, team_models)


def _owner(user_api_key_dict: Any) -> str:
    """Who owns a session: the hashed API key LiteLLM authenticated ("" for nobody: no session)."""
    return str(getattr(user_api_key_dict, "token", None) or getattr(user_api_key_dict, "api_key", None) or "")
