"""Budget-aware routing: real UserAPIKeyAuth objects near their max_budget, pure and through the hook."""

import asyncio
from dataclasses import replace

import pytest
from litellm.proxy._types import UserAPIKeyAuth

from smart_router import budget
from smart_router.config import BudgetSettings, build_config, load_config
from smart_router.errors import ConfigError
from smart_router.hook import SmartRouterHook
from smart_router.policy import resolve
from smart_router.types import Tier

PROVE = "Prove by induction, step by step, that 2^n > n for every natural number n."


def key(spend: float, max_budget: float | None = 100.0, **more) -> UserAPIKeyAuth:
    return UserAPIKeyAuth(api_key="sk-test", spend=spend, max_budget=max_budget, **more)


def adjust(engine, auth, profile="auto", **settings):
    config = replace(engine.config, budget=replace(engine.config.budget, **settings)) if settings else engine.config
    return budget.adjustment(budget.spends(auth), config, engine.catalog, profile)


@pytest.mark.parametrize("auth", [key(0, None), key(50), key(74.99), UserAPIKeyAuth(api_key="sk-master")])
def test_no_budget_or_far_from_it_changes_nothing(engine, auth):
    assert adjust(engine, auth) is None


def test_from_75_percent_the_eco_table_serves(engine):
    step = adjust(engine, key(80))
    assert step.profile == "eco" and step.ceiling is None
    assert step.reason == "budget: key spent 80% of max_budget -> smart/eco"


def test_from_90_percent_also_at_most_medium_and_the_largest_share_decides(engine):
    auth = key(10, team_spend=46, team_max_budget=50, user_spend=1, user_max_budget=100)
    step = adjust(engine, auth)
    assert step.profile == "eco" and step.ceiling == Tier.MEDIUM
    assert step.reason.startswith("budget: team spent 92% of max_budget")
    resolved = resolve(Tier.REASONING, [step])
    assert resolved.tier == Tier.MEDIUM and resolved.profile == "eco" and resolved.reasons == (step.reason,)


def test_user_budget_counts(engine):
    step = adjust(engine, UserAPIKeyAuth(api_key="sk", user_spend=19, user_max_budget=20))
    assert step.ceiling == Tier.MEDIUM and "user spent 95%" in step.reason
    assert "key spent 99%" in adjust(engine, key(99.9)).reason  # still under the budget


@pytest.mark.parametrize("spend", [100, 130])
def test_at_or_over_the_budget_litellm_stays_in_charge(engine, spend):
    assert adjust(engine, key(spend)) is None


def test_never_switches_to_a_dearer_table(engine):
    assert budget.table_price(engine.config, engine.catalog, "free") == 0
    assert budget.table_price(engine.config, engine.catalog, "eco") < budget.table_price(engine.config, engine.catalog, "premium")
    assert adjust(engine, key(80), profile="free") is None  # free is cheaper than eco
    assert adjust(engine, key(80), profile="eco") is None  # already there
    capped = adjust(engine, key(95), profile="free")
    assert capped.profile is None and capped.ceiling == Tier.MEDIUM
    assert capped.reason == "budget: key spent 95% of max_budget -> at most MEDIUM"


def test_settings_switch_steps_off(engine):
    assert adjust(engine, key(99), enabled=False) is None
    assert adjust(engine, key(80), eco_at=None) is None
    only_cap = adjust(engine, key(60), eco_at=None, medium_at=0.5)
    assert only_cap.profile is None and only_cap.ceiling == Tier.MEDIUM


def test_hook_routes_a_key_near_its_budget_to_the_cheaper_model(engine):
    def route(auth):  # a fresh hook each time: no session carries over
        data = {"model": "smart/auto", "messages": [{"role": "user", "content": PROVE}]}
        return asyncio.run(SmartRouterHook().async_pre_call_hook(auth, None, data, "acompletion"))

    fresh = route(key(5))
    assert fresh["model"] == engine.config.profiles["auto"].tiers[Tier.REASONING].model
    assert "budget" not in fresh["metadata"]["smart_router"]["reason"]
    near = route(key(80))
    assert near["model"] == engine.config.profiles["eco"].tiers[Tier.REASONING].model
    assert "budget: key spent 80% of max_budget -> smart/eco" in near["metadata"]["smart_router"]["reason"]
    nearer = route(key(95))
    assert nearer["model"] == engine.config.profiles["eco"].tiers[Tier.MEDIUM].model
    assert nearer["metadata"]["smart_router"]["tier"] == "MEDIUM"


def test_budget_wins_over_client_overrides(engine):
    headers = {"x-smart-router-tier": "REASONING", "x-smart-router-profile": "smart/premium"}
    data = {"model": "smart/auto", "messages": [{"role": "user", "content": "hi"}], "proxy_server_request": {"headers": headers}}
    routed = asyncio.run(SmartRouterHook().async_pre_call_hook(key(95), None, data, "acompletion"))
    assert routed["model"] == engine.config.profiles["eco"].tiers[Tier.MEDIUM].model
    assert routed["metadata"]["smart_router"]["reason"].endswith("budget: key spent 95% of max_budget -> smart/eco, at most MEDIUM")


def section(**budget_section):
    bundled = load_config()
    raw = {"profiles": {"auto": {"tiers": {t.name: "gpt-4o" for t in Tier}}}}
    return build_config("cfg.yaml", {**raw, "budget": budget_section}, bundled.models)


def test_config_defaults_and_values():
    assert load_config().budget == BudgetSettings()
    assert section().budget.eco_profile is None  # no eco profile in this config: the step is off
    parsed = section(eco_at=0.5, medium_at=None, enabled=True).budget
    assert (parsed.eco_at, parsed.medium_at) == (0.5, None)


@pytest.mark.parametrize("raw,where", [
    ({"eco_at": 1.5}, "smart_router.budget.eco_at"),
    ({"medium_at": 0}, "smart_router.budget.medium_at"),
    ({"medium_at": "90%"}, "smart_router.budget.medium_at"),
    ({"eco_profile": "nope"}, "smart_router.budget.eco_profile"),
    ({"enabled": "yes"}, "smart_router.budget.enabled"),
    ({"thresholds": {}}, "smart_router.budget.thresholds"),
])  # fmt: skip
def test_config_errors_name_file_and_key(raw, where):
    with pytest.raises(ConfigError) as error:
        section(**raw)
    assert error.value.path == "cfg.yaml" and error.value.key == where
