"""A key limited to some models never reaches another model through ``smart/*``.

LiteLLM checks the key's ``models`` against the name the client sent (``smart/auto``) before
any callback runs; the hook rewrites the model afterwards, so it filters the tier table by
the same lists (key and team ``models``, access groups, wildcards) itself. Called with
LiteLLM's real ``UserAPIKeyAuth``.
"""

from __future__ import annotations

import asyncio
import random

import pytest
import yaml
from fastapi import HTTPException
from litellm.proxy._types import UserAPIKeyAuth

from smart_router.engine import engine_for
from smart_router.hook import SmartRouterHook
from smart_router.select import allowed_models, is_allowed

from .fuzz_bodies import hostile_body

SIMPLE = "hello, how are you?"
REASONING = "Prove by induction, step by step, that 2^n > n for every natural number n."
MODELS = ("cheap", "mid", "strong", "thinker", "embedder")


@pytest.fixture(scope="module")
def hook(tmp_path_factory):
    path = tmp_path_factory.mktemp("access") / "config.yaml"
    model_list = [{"model_name": n, "litellm_params": {"model": f"openai/{n}"}} for n in MODELS]
    model_list[0]["model_info"] = {"access_groups": ["basic"]}
    model_list[1]["model_info"] = {"access_groups": ["basic", "vision"]}
    config = {
        "model_list": model_list,
        "smart_router": {
            "budget": {"enabled": False},
            "sessions": {"enabled": False},
            "profiles": {
                "auto": {"tiers": {
                    "SIMPLE": {"model": "cheap", "fallbacks": ["mid"]},
                    "MEDIUM": {"model": "mid", "fallbacks": ["strong"]},
                    "COMPLEX": {"model": "strong", "fallbacks": ["mid"]},
                    "REASONING": {"model": "thinker", "fallbacks": ["strong"]},
                }},
                "agentic": {"tiers": {"SIMPLE": "mid", "MEDIUM": "mid", "COMPLEX": "strong", "REASONING": "strong"}},
                "docs": {"tiers": {"SIMPLE": "cheap", "MEDIUM": "cheap", "COMPLEX": "cheap", "REASONING": "cheap"},
                         "embedding_model": "embedder"},
            },
        },
    }  # fmt: skip
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    yield SmartRouterHook(str(path))
    engine_for.cache_clear()


def route(hook, key, prompt=SIMPLE, model="smart/auto", call_type="acompletion", **extra):
    data = {"model": model, "messages": [{"role": "user", "content": prompt}], **extra}
    return asyncio.run(hook.async_pre_call_hook(key, None, data, call_type))


def reachable(data) -> set[str]:
    """The routed model and every fallback LiteLLM may try for this request."""
    names = {data["model"]}
    for entry in data.get("fallbacks") or []:
        for primary, fallbacks in entry.items():
            names.add(primary)
            names.update(fallbacks)
    return names


@pytest.mark.parametrize("models", [[], ["all-proxy-models"], ["*"], ["all-team-models"]])
def test_unrestricted_keys_route_normally(hook, models):
    data = route(hook, UserAPIKeyAuth(models=models), REASONING)
    assert data["model"] == "thinker" and data["fallbacks"] == [{"thinker": ["strong"]}]


def test_no_key_at_all_routes_normally(hook):
    assert route(hook, None, REASONING)["model"] == "thinker"


def test_key_limited_to_one_model_is_never_routed_elsewhere(hook):
    key = UserAPIKeyAuth(models=["mid"])
    for prompt in (SIMPLE, REASONING, "design a high-availability microservices architecture"):
        data = route(hook, key, prompt)
        assert reachable(data) == {"mid"}, data
        assert "not allowed for this key" in data["metadata"]["smart_router"]["reason"]


def test_fallbacks_outside_the_list_are_dropped(hook):
    data = route(hook, UserAPIKeyAuth(models=["cheap", "strong"]), SIMPLE)
    assert data["model"] == "cheap"
    assert reachable(data) == {"cheap"}  # mid, SIMPLE's fallback, is not the key's
    data = route(hook, UserAPIKeyAuth(models=["thinker", "strong"]), REASONING)
    assert data["model"] == "thinker" and data["fallbacks"] == [{"thinker": ["strong"]}]


def test_a_higher_tier_serves_when_the_scored_tier_has_no_allowed_model(hook):
    data = route(hook, UserAPIKeyAuth(models=["strong"]), SIMPLE)
    assert reachable(data) == {"strong"}
    assert "moved up to MEDIUM" in data["metadata"]["smart_router"]["reason"]


def test_nothing_allowed_is_a_403_naming_profile_and_allowed_models(hook):
    with pytest.raises(HTTPException) as error:
        route(hook, UserAPIKeyAuth(models=["embedder"]), REASONING)
    assert error.value.status_code == 403
    detail = error.value.detail
    assert "smart/auto" in detail and "embedder" in detail and "any of the 4 models" in detail
    assert not {"cheap", "mid", "strong", "thinker"} & set(detail.replace(";", " ").replace(",", " ").split())  # counted, not named


def test_access_groups_expand_to_their_models(hook):
    data = route(hook, UserAPIKeyAuth(models=["basic"]), REASONING)
    assert reachable(data) <= {"cheap", "mid"} and data["model"] in {"cheap", "mid"}


def test_wildcard_patterns_match_model_names(hook):
    data = route(hook, UserAPIKeyAuth(models=["thi*"]), SIMPLE)
    assert reachable(data) == {"thinker"}


def test_team_models_limit_too_and_both_lists_must_allow(hook):
    assert reachable(route(hook, UserAPIKeyAuth(models=[], team_models=["cheap"]), REASONING)) == {"cheap"}
    data = route(hook, UserAPIKeyAuth(models=["cheap", "mid"], team_models=["mid", "strong"]), REASONING)
    assert reachable(data) == {"mid"}
    data = route(hook, UserAPIKeyAuth(models=["all-team-models"], team_models=["strong"]), SIMPLE)
    assert reachable(data) == {"strong"}


def test_granting_the_profile_grants_its_tables(hook):
    key = UserAPIKeyAuth(models=["smart/auto"])
    assert route(hook, key, REASONING)["model"] == "thinker"
    tool = {"type": "function", "function": {"name": "f", "parameters": {"type": "object", "properties": {}}}}
    data = route(hook, key, SIMPLE, tools=[tool])  # tools switch to the agentic table, whose models smart/auto names too
    assert data["model"] == "mid"
    data = route(hook, UserAPIKeyAuth(models=["smart/*"]), REASONING)
    assert data["model"] == "thinker"


def test_a_profile_grant_does_not_open_other_profiles(hook):
    # smart/docs routes only to cheap (and embeds with embedder); asking smart/auto with that
    # grant (LiteLLM itself would already refuse the name) still never reaches thinker.
    key = UserAPIKeyAuth(models=["smart/docs"])
    data = route(hook, key, REASONING)
    assert "thinker" not in reachable(data)
    assert reachable(data) <= allowed_models(hook.engine.config, key.models) == {"cheap", "embedder", "smart/docs"}


def test_a_profile_grant_covers_exactly_its_own_table(hook):
    """Issue 16 #2: the tools table and a profile override only pick models the grant covers."""
    key = UserAPIKeyAuth(models=["smart/docs"])
    tool = {"type": "function", "function": {"name": "f", "parameters": {"type": "object", "properties": {}}}}
    data = route(hook, key, REASONING, model="smart/docs", tools=[tool])  # agentic: mid / strong, not granted
    assert reachable(data) == {"cheap"}
    assert "smart/agentic not allowed for this key: staying in smart/docs" in data["metadata"]["smart_router"]["reason"]
    override = {"metadata": {"smart_router_profile": "smart/auto", "smart_router_tier": "REASONING"}}
    data = route(hook, key, REASONING, model="smart/docs", **override)
    assert reachable(data) == {"cheap"}
    assert "thinker" not in data["metadata"]["smart_router"]["reason"]


def test_embeddings_respect_the_key(hook):
    embed = {"model": "smart/docs", "input": "hello"}
    data = asyncio.run(hook.async_pre_call_hook(UserAPIKeyAuth(models=["embedder"]), None, dict(embed), "aembedding"))
    assert data["model"] == "embedder"
    with pytest.raises(HTTPException) as error:
        asyncio.run(hook.async_pre_call_hook(UserAPIKeyAuth(models=["cheap"]), None, dict(embed), "aembedding"))
    assert error.value.status_code == 403 and "embedding model" in error.value.detail
    assert "embedder" not in error.value.detail  # never names a model the key may not use


def test_allowed_models_helper(hook):
    config = hook.engine.config
    assert allowed_models(config, None) is None and allowed_models(config, []) is None
    assert allowed_models(config, ["mid"], ["all-proxy-models"]) == {"mid"}
    assert allowed_models(config, ["basic"]) == {"basic", "cheap", "mid"}
    assert allowed_models(config, ["smart/docs"]) >= {"cheap", "embedder"}
    assert is_allowed("thinker", {"th*"}) and not is_allowed("strong", {"th*"}) and is_allowed("x", None)


def test_hostile_bodies_never_reach_a_model_outside_the_key(hook):
    rng = random.Random(5)
    subsets = [["cheap"], ["mid", "strong"], ["thinker"], ["basic"], ["strong", "embedder"], ["embedder"]]
    outcomes = {"routed": 0, "403": 0, "400": 0}
    for _ in range(400):
        call_type, body, _ = hostile_body(rng)
        if call_type == "aembedding":
            continue
        body["model"] = rng.choice(["smart/auto", "smart/agentic", "smart/docs"])
        models = rng.choice(subsets)
        allowed = allowed_models(hook.engine.config, models)
        try:
            data = asyncio.run(hook.async_pre_call_hook(UserAPIKeyAuth(models=models), None, body, call_type))
        except HTTPException as exc:
            assert exc.status_code in (400, 403), exc.detail
            outcomes[str(exc.status_code)] += 1
            continue
        ours = reachable(data) | {m for k in ("context_window_fallbacks", "content_policy_fallbacks") for m in data.get(k) or []}
        assert all(is_allowed(m, allowed) for m in ours), (models, ours)
        outcomes["routed"] += 1
    assert outcomes["routed"] > 50 and outcomes["403"] > 10, outcomes  # most hostile bodies are unreadable: 400
