"""``decide``: every rule in one pure function, in the documented order."""

import dataclasses
from types import SimpleNamespace

import pytest

from smart_router.decide import decide
from smart_router.errors import BadRequest
from smart_router.request import read_request
from smart_router.sessions import SessionState
from smart_router.types import Tier

KEY = SimpleNamespace(token="hashed-key")
HARD = "Prove step by step that the halting problem is undecidable, then analyze the trade-offs of each proof technique."


def request(engine, prompt, auth=KEY, headers=None, **extra):
    data = {"model": "smart/auto", "messages": [{"role": "user", "content": prompt}], **extra}
    data["proxy_server_request"] = {"headers": headers or {}}
    return read_request(engine.config, "acompletion", data, auth)


def test_decide_is_pure_the_same_inputs_give_the_same_outcome(engine):
    asked = request(engine, HARD)
    first, second = decide(engine, asked, None, 100.0), decide(engine, asked, None, 100.0)
    assert first == second
    assert first.route.tier == first.decision.tier and first.new_session == SessionState(first.decision.tier, 100.0, asked.ask_digest, 100.0, False)


def test_session_floor_then_overrides_then_budget_in_that_order(engine):
    session = SessionState(Tier.COMPLEX, 90.0)
    kept = decide(engine, request(engine, "thanks!", headers={"x-session-id": "s"}), session, 100.0)
    assert kept.route.tier == Tier.COMPLEX and "session: kept COMPLEX" in kept.reason
    assert kept.new_session.tier == Tier.COMPLEX  # the floor is the new sticky tier
    overridden = decide(engine, request(engine, "thanks!", headers={"x-session-id": "s", "x-smart-router-tier": "SIMPLE"}), session, 100.0)
    assert overridden.route.tier == Tier.SIMPLE and overridden.new_session.tier == Tier.COMPLEX  # for this request only
    near_budget = SimpleNamespace(token="k", spend=95.0, max_budget=100.0)
    capped = decide(engine, request(engine, HARD, near_budget, {"x-smart-router-tier": "REASONING"}), None, 100.0)
    assert capped.route.tier == Tier.MEDIUM and capped.reason.endswith("budget: key spent 95% of max_budget -> smart/eco, at most MEDIUM")


def test_background_calls_ignore_and_keep_the_session(engine):
    side = request(engine, "hello", headers={"x-session-id": "s"}, max_tokens=1)
    outcome = decide(engine, side, SessionState(Tier.REASONING, 90.0), 100.0)
    assert outcome.route.tier == Tier.SIMPLE and outcome.session == "off" and outcome.new_session is None


def test_overrides_are_validated_only_when_the_key_may_use_them(engine):
    with pytest.raises(BadRequest, match="x-smart-router-tier: unknown tier"):
        decide(engine, request(engine, "hi", headers={"x-smart-router-tier": "HUGE"}), None, 0.0)
    locked = SimpleNamespace(token="k", metadata={"smart_router_overrides": False})
    outcome = decide(engine, request(engine, "hi", locked, {"x-smart-router-tier": "HUGE"}), None, 0.0)
    assert outcome.reason.endswith("overrides disabled for this key")


def test_a_regeneration_after_an_answer_goes_up_a_retry_does_not(engine):
    asked = request(engine, "hi", headers={"x-session-id": "s"})
    answered = SessionState(Tier.SIMPLE, 90.0, asked.ask_digest, 90.0, answered=True)
    assert decide(engine, asked, answered, 100.0).route.tier == Tier.MEDIUM
    retry = request(engine, "hi", headers={"x-session-id": "s", "x-stainless-retry-count": "1"})
    assert decide(engine, retry, answered, 100.0).route.tier == Tier.SIMPLE
    unanswered = dataclasses.replace(answered, answered=False)
    assert decide(engine, asked, unanswered, 100.0).route.tier == Tier.SIMPLE


def test_client_fallbacks_pass_only_configured_models(engine):
    outcome = decide(engine, request(engine, "hi", fallbacks=["o3", "evil/model", 7]), None, 0.0)
    assert outcome.fallbacks[-1] == "o3" and "evil/model" not in outcome.fallbacks
    assert outcome.reason.endswith("client fallbacks: dropped 2 (not allowed for this key or unknown)")
