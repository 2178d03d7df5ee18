"""End to end: session stickiness, per-request overrides and escalation through a real proxy.

Each test uses its own conversation text or ``x-session-id`` so sessions never leak between
tests (they share one proxy and one master key). Expected tiers come from the bundled
scoring table (fixture ``scored``), so these tests check the rules, not today's weights.
"""

import uuid

import httpx
import openai
import pytest

from smart_router.types import Tier

from .launcher import MASTER_KEY, start_litellm, upstream_model

HARD = "Design a high-availability microservices architecture with Kubernetes, Kafka and PostgreSQL replication."
PROOF = "Prove by induction, step by step, that 2^n > n for every natural number n."
EASY_FOLLOW_UPS = ["thanks!", "ok", "rename the variable x to count", "great, thank you"]
TIERS = {"SIMPLE": "cheap", "MEDIUM": "mid", "COMPLEX": "strong", "REASONING": "thinker"}


@pytest.fixture(scope="module")
def proxy(upstream):
    config = {
        "model_list": [upstream_model(name, upstream.url) for name in ("cheap", "mid", "strong", "thinker", "eco-model")],
        "litellm_settings": {"callbacks": "smart_router.hook.proxy_handler", "num_retries": 0},
        "general_settings": {"master_key": MASTER_KEY, "custom_auth": "tests.proxy.keys.user_api_key_auth"},
        "smart_router": {
            "profiles": {
                "auto": {"tiers": {tier: model for tier, model in TIERS.items()}},
                "eco": {"tiers": {tier: "eco-model" for tier in TIERS}},
            }
        },
    }
    server = start_litellm(config)
    yield server
    server.stop()


def ask(client, messages, headers=None, key=None):
    """Send a chat request; return (routing headers, answer text)."""
    target = client if key is None else client.with_options(api_key=key)
    raw = target.chat.completions.with_raw_response.create(model="smart/auto", messages=messages, extra_headers=headers or {})
    return raw.headers, raw.parse().choices[0].message.content


def conversation(client, user_turns, headers=None):
    """Play a conversation turn by turn as a chat client does; return the tier per turn."""
    messages, tiers = [], []
    for text in user_turns:
        messages.append({"role": "user", "content": text})
        got, answer = ask(client, messages, headers)
        tiers.append(got["x-smart-router-tier"])
        messages.append({"role": "assistant", "content": answer})
    return tiers


def test_easy_later_turns_stay_on_the_first_turns_model(client, upstream, scored):
    opening = f"{HARD} (conversation {uuid.uuid4().hex[:8]})"
    first = scored(opening)
    assert all(scored(text) < first for text in EASY_FOLLOW_UPS)  # alone, each would go lower
    tiers = conversation(client, [opening, *EASY_FOLLOW_UPS])
    assert tiers == [first.name] * 5
    assert upstream.models() == [TIERS[first.name]] * 5


def test_the_same_easy_turn_alone_is_simple(client, upstream):
    headers, _ = ask(client, [{"role": "user", "content": f"thanks! ({uuid.uuid4().hex[:6]})"}])
    assert headers["x-smart-router-tier"] == "SIMPLE"
    assert upstream.models() == ["cheap"]


def test_a_session_escalates_and_never_falls_back(client, upstream, scored):
    low, high = scored("hi there"), scored(HARD)
    assert low < high
    session = {"x-session-id": uuid.uuid4().hex}
    tiers = conversation(client, ["hi there", HARD, "thanks", "ok bye"], headers=session)
    assert tiers == [low.name, high.name, high.name, high.name]
    assert upstream.models() == [TIERS[low.name]] + [TIERS[high.name]] * 3


def test_session_header_joins_requests_with_different_texts(client, upstream, scored):
    high = scored(HARD)
    assert scored("what time is it in Paris?") < high
    session = {"x-session-id": uuid.uuid4().hex}
    ask(client, [{"role": "user", "content": HARD}], session)
    headers, _ = ask(client, [{"role": "user", "content": "what time is it in Paris?"}], session)
    assert headers["x-smart-router-tier"] == high.name
    assert f"session: kept {high.name}" in headers["x-smart-router-reason"]
    assert upstream.models() == [TIERS[high.name]] * 2


@pytest.mark.parametrize(
    "override, prompt, expected_model, reason",
    [
        ({"x-smart-router-tier": "reasoning"}, "hello", "thinker", "override: tier=REASONING"),
        ({"x-smart-router-min-tier": "MEDIUM"}, "hello", "mid", "override: min=MEDIUM"),
        ({"x-smart-router-max-tier": "medium"}, PROOF, "mid", "override: max=MEDIUM"),
        ({"x-smart-router-profile": "smart/eco"}, HARD, "eco-model", "override: profile=eco"),
    ],
)
def test_each_override_header(client, upstream, scored, override, prompt, expected_model, reason):
    text = f"{prompt} #{uuid.uuid4().hex[:6]}"
    if expected_model in TIERS.values():  # without the override the prompt would go elsewhere
        assert TIERS[scored(text).name] != expected_model
    headers, _ = ask(client, [{"role": "user", "content": text}], override)
    assert upstream.models() == [expected_model]
    assert reason in headers["x-smart-router-reason"]


def test_override_in_metadata_for_sdks_without_headers(proxy, upstream):
    body = {"model": "smart/auto", "messages": [{"role": "user", "content": "hello"}], "metadata": {"smart_router_tier": "COMPLEX"}}
    response = httpx.post(f"{proxy.base_url}/v1/chat/completions", json=body, headers={"Authorization": f"Bearer {MASTER_KEY}"}, timeout=30)
    assert response.status_code == 200
    assert upstream.models() == ["strong"]


@pytest.mark.parametrize(
    "override, listed",
    [
        ({"x-smart-router-tier": "ultra"}, "SIMPLE, MEDIUM, COMPLEX, REASONING"),
        ({"x-smart-router-profile": "smart/gold"}, "smart/auto, smart/eco"),
    ],
)
def test_invalid_override_is_a_400_naming_the_valid_values(proxy, upstream, override, listed):
    response = httpx.post(
        f"{proxy.base_url}/v1/chat/completions",
        json={"model": "smart/auto", "messages": [{"role": "user", "content": "hi"}]},
        headers={"Authorization": f"Bearer {MASTER_KEY}", **override},
        timeout=30,
    )
    assert response.status_code == 400
    assert listed in response.text
    assert upstream.models() == []


def test_overrides_disabled_for_a_key_are_ignored_with_the_reason(client, upstream):
    headers, _ = ask(client, [{"role": "user", "content": f"hello #{uuid.uuid4().hex[:6]}"}],
                     {"x-smart-router-tier": "REASONING"}, key="sk-no-overrides")  # fmt: skip
    assert upstream.models() == ["cheap"]
    assert headers["x-smart-router-tier"] == "SIMPLE"
    assert "overrides disabled for this key" in headers["x-smart-router-reason"]


def test_escalation_phrase_raises_one_tier_for_that_request(client, upstream, scored):
    base, follow_up = scored("what is the capital of France? think harder"), scored("and the capital of Spain?")
    assert base < Tier.REASONING and follow_up <= base
    session = {"x-session-id": uuid.uuid4().hex}
    first, _ = ask(client, [{"role": "user", "content": "what is the capital of France? think harder"}], session)
    second, _ = ask(client, [{"role": "user", "content": "and the capital of Spain?"}], session)
    raised = Tier(base + 1)
    assert (first["x-smart-router-tier"], second["x-smart-router-tier"]) == (raised.name, base.name)  # one request only
    assert "escalation: think harder" in first["x-smart-router-reason"]
    assert upstream.models() == [TIERS[raised.name], TIERS[base.name]]


def test_regenerating_the_same_answer_goes_one_tier_up(client, upstream, scored):
    base = scored("write a haiku about tea")
    assert base < Tier.REASONING
    session = {"x-session-id": uuid.uuid4().hex}
    messages = [{"role": "user", "content": "write a haiku about tea"}]
    first, _ = ask(client, messages, session)
    again, _ = ask(client, messages, session)
    assert [first["x-smart-router-tier"], again["x-smart-router-tier"]] == [base.name, Tier(base + 1).name]
    assert "retry: same ask again" in again["x-smart-router-reason"]


def test_two_proxies_sharing_redis_agree_on_a_session(upstream, redis_url, scored):
    host, port = redis_url
    config = {
        "model_list": [upstream_model(name, upstream.url) for name in TIERS.values()],
        "litellm_settings": {"callbacks": "smart_router.hook.proxy_handler", "num_retries": 0},
        "general_settings": {"master_key": MASTER_KEY, "coordination_redis": {"host": host, "port": port}},
        "smart_router": {"profiles": {"auto": {"tiers": dict(TIERS)}}},
    }
    first, second = start_litellm(config), start_litellm(config)
    try:
        session = {"x-session-id": uuid.uuid4().hex}
        on_first = openai.OpenAI(base_url=f"{first.base_url}/v1", api_key=MASTER_KEY, max_retries=0)
        on_second = openai.OpenAI(base_url=f"{second.base_url}/v1", api_key=MASTER_KEY, max_retries=0)
        ask(on_first, [{"role": "user", "content": HARD}], session)
        headers, _ = ask(on_second, [{"role": "user", "content": "thanks"}], session)
        high = scored(HARD)
        assert scored("thanks") < high  # only the session shared through Redis keeps it up
        assert headers["x-smart-router-tier"] == high.name
        assert upstream.models() == [TIERS[high.name]] * 2
    finally:
        first.stop()
        second.stop()
