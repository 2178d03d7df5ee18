"""Model facts: config model_info first, then the price map by base_model, model, or model without provider."""

from __future__ import annotations

import pytest

from smart_router.catalog import Catalog, ModelFacts, facts, price_map
from smart_router.config import ModelEntry

PRICES = {
    "gpt-x": {"mode": "chat", "input_cost_per_token": 1e-6, "output_cost_per_token": 4e-6, "max_input_tokens": 128_000, "supports_vision": True},
    "org/tuned": {"mode": "chat", "input_cost_per_token": 2e-6, "output_cost_per_token": 8e-6, "max_tokens": 8_000},
    "painter": {"mode": "image_generation", "input_cost_per_token": 9.0},
}  # fmt: skip


@pytest.mark.parametrize("entry,source,input_cost", [
    (ModelEntry("fast", "gpt-x"), "gpt-x", 1e-6),  # litellm_params.model
    (ModelEntry("fast", "openai/gpt-x"), "gpt-x", 1e-6),  # without its provider prefix
    (ModelEntry("tuned", "azure/org/tuned"), "org/tuned", 2e-6),  # each prefix removed in turn
    (ModelEntry("fast", "my-deploy", {"base_model": "gpt-x"}), "gpt-x", 1e-6),  # model_info.base_model first
    (ModelEntry("gpt-x", "custom/unknown"), "gpt-x", 1e-6),  # the model_name last
    (ModelEntry("art", "painter"), None, None),  # not a text model: ignored
    (ModelEntry("own", "nowhere", {"input_cost_per_token": 3e-6}), "model_info", 3e-6),
])  # fmt: skip
def test_facts_come_from_the_first_name_that_matches(entry, source, input_cost):
    found = facts(entry, PRICES)
    assert (found.name, found.source, found.input_cost) == (entry.name, source, input_cost)


def test_model_info_overrides_the_price_map_and_max_tokens_is_a_fallback():
    found = facts(ModelEntry("fast", "gpt-x", {"output_cost_per_token": 5e-6, "supports_vision": False, "max_tokens": None}), PRICES)
    assert (found.input_cost, found.output_cost, found.max_input_tokens, found.supports_vision) == (1e-6, 5e-6, 128_000, False)
    assert facts(ModelEntry("tuned", "org/tuned"), PRICES).max_input_tokens == 8_000


def test_unknown_stays_unknown_and_bad_numbers_are_unknown():
    assert facts(ModelEntry("x", "nowhere"), PRICES) == ModelFacts("x")
    odd = facts(ModelEntry("x", "nowhere", {"input_cost_per_token": "cheap", "max_input_tokens": "big"}), PRICES)
    assert (odd.input_cost, odd.max_input_tokens) == (None, None)


def test_cost_needs_both_prices():
    assert ModelFacts("m", input_cost=1e-6, output_cost=4e-6).cost(1_000, 500) == pytest.approx(0.003)
    assert ModelFacts("m", input_cost=1e-6).cost(1_000, 500) is None


def test_catalog_answers_for_configured_and_missing_models():
    catalog = Catalog({"fast": ModelEntry("fast", "openai/gpt-x")}, PRICES)
    assert catalog.get("fast").max_input_tokens == 128_000
    assert catalog.get("gone") == ModelFacts("gone")


def test_bundled_price_map_is_read_offline():
    assert facts(ModelEntry("mini", "openai/gpt-4o-mini")).source == "gpt-4o-mini"
    assert "gpt-4o-mini" in price_map()
