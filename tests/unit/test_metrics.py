"""The deciding rule of a reason string, and the flat labels the hook writes for Prometheus."""

import asyncio
from types import SimpleNamespace

import pytest

from smart_router.hook import SmartRouterHook
from smart_router.metrics import LABEL_KEYS, RULES, labels, rule_of
from smart_router.types import RoutingInfo


@pytest.mark.parametrize("reason,rule", [
    ("score +0.020 -> MEDIUM", "score"),
    ("score +0.400 -> REASONING; rule: reasoning markers", "rule"),
    ("score -0.200 -> SIMPLE; session: kept COMPLEX", "session"),
    ("score -0.200 -> SIMPLE; tools -> agentic; continuation: session tier COMPLEX", "continuation"),
    ("score +0.020 -> MEDIUM; session: kept COMPLEX; escalation: think harder", "escalation"),
    ("score +0.020 -> MEDIUM; retry: same ask again", "regeneration"),
    ("score +0.020 -> MEDIUM; stall: Bash repeated 3x in last 3 calls", "stall"),
    ("score +0.020 -> MEDIUM; background: max_tokens 1", "background"),
    ("score +0.020 -> MEDIUM; override: tier=COMPLEX", "client_override"),
    ("score +0.020 -> MEDIUM; overrides disabled for this key", "score"),
    ("score +0.400 -> REASONING; budget: key spent 95% of max_budget -> smart/eco, at most MEDIUM", "budget"),
    ("score -0.200 -> SIMPLE; skip cheap (no vision); moved up to MEDIUM; session: kept SIMPLE", "capability"),
    ("embedding model", "embedding"),
    ("", "score"),
])  # fmt: skip
def test_rule_of(reason, rule):
    assert rule_of(reason) == rule and rule in RULES


def test_labels_are_flat_strings_from_config_values():
    info = RoutingInfo("id", "SMART/Auto", "agentic", "COMPLEX", 0.2, "claude", reason="score +0.2 -> COMPLEX; session: x")
    assert labels(info) == dict(zip(LABEL_KEYS, ("smart/auto", "COMPLEX", "claude", "session")))


def _pre_call(model: str) -> dict:
    """The metadata the hook leaves on a request for ``model`` whose client sent label keys of its own."""
    metadata = {"requester_metadata": {"smart_router_tier": "FAKE", "x": 1}, "spend_logs_metadata": {"smart_router_rule": "y", "team": "a"}}
    body = {"model": model, "messages": [{"role": "user", "content": "hi"}], "metadata": metadata}
    return asyncio.run(SmartRouterHook().async_pre_call_hook(SimpleNamespace(token="k"), None, body, "acompletion"))["metadata"]


def test_client_labels_are_dropped_and_the_hooks_written():
    assert _pre_call("big") == {"requester_metadata": {"x": 1}, "spend_logs_metadata": {"team": "a"}}
    metadata = _pre_call("smart/auto")
    assert metadata["requester_metadata"] == {"x": 1}
    info = metadata["smart_router"]
    assert metadata["spend_logs_metadata"] == {"team": "a", "smart_router_profile": "smart/auto", "smart_router_tier": info["tier"],
                                               "smart_router_model": info["model"], "smart_router_rule": "score"}  # fmt: skip
