"""The request reader: one body + headers + key -> one immutable ``Request``."""

import dataclasses
from types import SimpleNamespace

import pytest

from smart_router.errors import BadRequest
from smart_router.request import read_request, routing_info
from smart_router.types import METADATA_KEY, RoutingInfo

KEY = SimpleNamespace(token="hashed-key")


def body(prompt="hi", **extra):
    return {"model": "smart/auto", "messages": [{"role": "user", "content": prompt}], **extra}


def test_the_view_holds_text_needs_and_the_callers_facts(engine):
    auth = SimpleNamespace(token="k", models=["smart/eco"], spend=8.0, max_budget=10.0)
    request = read_request(engine.config, "acompletion", body(max_tokens=64, tools=[{"type": "function"}]), auth)
    assert request.requested == "smart/auto" and request.profile == "auto"
    assert request.ask == "hi" and request.needs.has_tools and request.needs.max_output_tokens == 64
    assert request.caller.owner == "k" and "gemini-flash-lite" in request.needs.allowed_models
    assert [(s.who, s.share) for s in request.caller.spends] == [("key", 0.8)]
    with pytest.raises(dataclasses.FrozenInstanceError):
        request.profile = "premium"


def test_overrides_come_from_headers_first_then_metadata(engine):
    data = body(metadata={"x-smart-router-tier": "SIMPLE", "smart_router_min_tier": "medium", "headers": {"X-Smart-Router-Tier": "complex"}})
    request = read_request(engine.config, "acompletion", data, KEY)
    assert dict(request.overrides_asked) == {"tier": "complex", "min-tier": "medium"}


def test_session_identity_retries_and_client_fallbacks(engine):
    headers = {"x-session-id": "s1", "x-stainless-retry-count": "2"}
    data = body(proxy_server_request={"headers": headers}, fallbacks=[{"smart/auto": ["a", "b"]}], context_window_fallbacks=["c"])
    request = read_request(engine.config, "acompletion", data, KEY)
    assert request.session.source == "header" and request.client_retry
    assert request.client_fallbacks == ("a", "b", "c")
    anonymous = read_request(engine.config, "acompletion", body(), None)
    assert anonymous.session is None and anonymous.caller.owner == ""  # no key, no session
    by_history = read_request(engine.config, "acompletion", body(), KEY)
    assert by_history.session.source == "hash" and not by_history.client_retry


def test_unknown_profiles_and_unreadable_bodies_are_bad_requests(engine):
    with pytest.raises(BadRequest, match="valid: smart/auto"):
        read_request(engine.config, "acompletion", {**body(), "model": "smart/nope"}, KEY)
    with pytest.raises(BadRequest, match=r"messages\[0\].role"):
        read_request(engine.config, "acompletion", {"model": "smart/auto", "messages": [{"content": "x"}]}, KEY)


def test_heavy_requests_are_the_long_ones(engine):
    assert not read_request(engine.config, "acompletion", body("short"), KEY).heavy
    assert read_request(engine.config, "acompletion", body("word " * 5_000), KEY).heavy


def test_routing_info_is_found_in_either_metadata_section():
    info = RoutingInfo("id1", "smart/auto", "auto", "SIMPLE", -0.1, "cheap")
    assert routing_info({"litellm_metadata": {METADATA_KEY: info.to_dict()}}) == info
    assert routing_info({"metadata": {METADATA_KEY: {"tier": "SIMPLE"}}}) is None  # a client's forgery: fields missing
    assert routing_info({"metadata": "junk"}) is None and routing_info(None) is None
