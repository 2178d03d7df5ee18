"""Cost accounting: rows from log events, prices known and unknown, spend-log annotations."""

import sqlite3
from dataclasses import replace

import pytest
import yaml

from smart_router import stats, store
from smart_router.config import load_config
from smart_router.errors import ConfigError
from smart_router.engine import Engine
from smart_router.types import RoutingInfo


TOP = (1e-5, 4e-5)  # input, output USD per token of the REASONING model
MID = (1e-6, 2e-6)


def priced(name, prices):
    return {"model_name": name, "litellm_params": {"model": f"openai/{name}"},
            "model_info": {"input_cost_per_token": prices[0], "output_cost_per_token": prices[1]}}  # fmt: skip


@pytest.fixture(scope="module")
def config_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("cfg") / "config.yaml"
    document = {
        "model_list": [
            {"model_name": "cheap", "litellm_params": {"model": "openai/cheap"}, "model_info": {"base_model": "gpt-4o-mini"}},
            priced("mid", MID), priced("top", TOP), priced("free", (0, 0)),
            {"model_name": "nopri", "litellm_params": {"model": "openai/nopri"}},
            {"model_name": "embedder", "litellm_params": {"model": "openai/text-embedding-3-small"}},
        ],
        "smart_router": {
            "profiles": {
                "auto": {"tiers": {"SIMPLE": "cheap", "MEDIUM": {"model": "mid", "fallbacks": ["nopri"]}, "COMPLEX": "nopri", "REASONING": "top"}},
                "free": {"tiers": {"SIMPLE": "free", "MEDIUM": "free", "COMPLEX": "free", "REASONING": "free"}},
            }
        },
    }  # fmt: skip
    path.write_text(yaml.safe_dump(document))
    return path


@pytest.fixture(scope="module")
def engine(config_file):
    return Engine(load_config(config_file))


def with_stats(engine, **settings):
    return Engine(replace(engine.config, stats=replace(engine.config.stats, **settings)))


def info(model="cheap", tier="SIMPLE", requested="smart/auto", profile="auto"):
    return RoutingInfo("", requested, profile, tier, -0.2, model, reason="score -0.200 -> SIMPLE")


def event(decision, served=None, cost=None, prompt=5, completion=4, call_id="call-1", **extra):
    return {
        "litellm_call_id": call_id,
        "response_cost": cost,
        "standard_logging_object": {"prompt_tokens": prompt, "completion_tokens": completion, "model_group": served or decision.model},
        "litellm_params": {"metadata": {"smart_router": decision.to_dict(), "model_group": served or decision.model}},
        **extra,
    }


def test_known_prices_give_cost_and_baseline_for_the_same_tokens(engine):
    cheap_cost = 5 * 0.15e-6 + 4 * 0.6e-6  # gpt-4o-mini list price
    row = stats.build_row(engine, info(), event(info(), cost=cheap_cost), ok=True)
    assert (row.prompt_tokens, row.completion_tokens, row.cost, row.cost_source) == (5, 4, cheap_cost, "litellm")
    assert row.baseline_model == "top" and row.baseline_cost == pytest.approx(5 * TOP[0] + 4 * TOP[1])
    assert row.status == "ok" and not row.fallback and row.requested == "smart/auto"


def test_unknown_price_is_none_never_zero(engine):
    decision = info("nopri", "COMPLEX")
    for kwargs in (event(decision, cost=None), event(decision, cost=0.0),  # LiteLLM logs 0 for unpriced models
                   event(decision, cost=0.0, response_cost_failure_debug_information={"error_str": "x"})):  # fmt: skip
        row = stats.build_row(engine, decision, kwargs, ok=True)
        assert (row.cost, row.cost_source) == (None, None)
    free = info("free", requested="smart/free", profile="free")
    row = stats.build_row(engine, free, event(free, cost=0.0), ok=True)
    assert row.cost == 0.0 and row.baseline_cost == 0.0  # a free model is known to cost nothing


def test_a_zero_litellm_could_not_price_uses_the_list_price_and_a_cache_hit_saves_nothing(engine):
    row = stats.build_row(engine, info(), event(info(), cost=0.0), ok=True)  # e.g. a mock answer in demo mode
    assert row.cost == pytest.approx(5 * 0.15e-6 + 4 * 0.6e-6) and row.cost_source == "price list"
    cached = stats.build_row(engine, info(), event(info(), cost=0.0, cache_hit=True), ok=True)
    assert (cached.cost, cached.cost_source, cached.baseline_cost) == (0.0, "litellm", 0.0)


def test_fallback_and_baseline_choices(engine):
    decision = info("mid", "MEDIUM")
    row = stats.build_row(engine, decision, event(decision, served="nopri", cost=0.0), ok=True)
    assert row.fallback and row.served == "nopri" and row.cost is None
    other = with_stats(engine, baseline_model="mid")
    assert stats.build_row(other, decision, event(decision, cost=1e-5), ok=True).baseline_cost == pytest.approx(5 * MID[0] + 4 * MID[1])
    embedding = info("embedder", "EMBEDDING")
    row = stats.build_row(engine, embedding, event(embedding, cost=2e-7, completion=0), ok=True)
    assert row.baseline_model == "embedder" and row.baseline_cost == row.cost == 2e-7


def test_failure_rows_carry_no_cost(engine):
    row = stats.build_row(engine, info(), event(info(), cost=0, prompt=0, completion=0), ok=False)
    assert row.status == "error" and row.cost is None and row.baseline_cost is None


def test_annotate_adds_to_spend_logs_metadata_without_losing_existing(engine):
    kwargs = event(info(), cost=1e-6)
    kwargs["litellm_params"]["metadata"]["spend_logs_metadata"] = {"team": "search"}
    row = stats.annotate(engine, info(), kwargs)
    logged = kwargs["litellm_params"]["metadata"]["spend_logs_metadata"]
    assert logged["team"] == "search" and logged["smart_router"] == row.fields()
    assert logged["smart_router"]["baseline_cost"] == row.baseline_cost and logged["smart_router"]["fallback"] is False
    assert stats.annotate(engine, None, {}) is None


def test_record_respects_enabled(engine, tmp_path):
    off = with_stats(engine, enabled=False, path=str(tmp_path / "off.db"))
    kwargs = event(info(), cost=1e-6)
    assert stats.record(off, info(), kwargs, ok=True) is not None
    assert "smart_router" in kwargs["litellm_params"]["metadata"]["spend_logs_metadata"]  # spend logs still get it
    assert not (tmp_path / "off.db").exists()
    on = with_stats(engine, path=str(tmp_path / "on.db"))
    row = stats.record(on, info(), event(info(), cost=1e-6), ok=True)
    store.recorder_for(tmp_path / "on.db").flush()
    assert sqlite3.connect(tmp_path / "on.db").execute("SELECT id, cost FROM requests").fetchall() == [(row.id, 1e-6)]


@pytest.mark.parametrize("section,where", [
    ({"stats": {"path": 3}}, "smart_router.stats.path"),
    ({"stats": {"enabled": "no"}}, "smart_router.stats.enabled"),
    ({"stats": {"file": "x"}}, "smart_router.stats.file"),
    ({"baseline_model": "gpt-9"}, "smart_router.baseline_model"),
])  # fmt: skip
def test_config_errors_name_file_and_key(config_file, tmp_path, section, where):
    document = yaml.safe_load(config_file.read_text())
    document["smart_router"].update(section)
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(document))
    with pytest.raises(ConfigError) as error:
        load_config(path)
    assert error.value.path == str(path) and error.value.key == where
