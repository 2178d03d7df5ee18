"""The offline demo: which keys a config lacks, and the config rewritten to answer in process."""

from __future__ import annotations

import pytest

from smart_router.demo import DEMO_MASTER_KEY, HANDLER_PATH, PROVIDER, answer, demo_document, missing_env, pieces

DOCUMENT = {
    "model_list": [
        {"model_name": "cheap", "litellm_params": {"model": "openai/gpt-4o-mini", "api_key": "os.environ/SLR_TEST_OPENAI"}},
        {"model_name": "big", "litellm_params": {"model": "x/y", "api_key": "os.environ/SLR_TEST_OTHER", "api_base": "http://h"},
         "model_info": {"base_model": "gpt-4o", "input_cost_per_token": 1.0}},
    ],
    "litellm_settings": {"custom_provider_map": [{"provider": "mine", "custom_handler": "m.h"}, {"provider": PROVIDER, "custom_handler": "old"}]},
    "general_settings": {"master_key": "os.environ/SLR_TEST_MASTER"},
    "smart_router": {"profiles": {}},
}  # fmt: skip


@pytest.fixture(autouse=True)
def environment(monkeypatch):
    for name in ("SLR_TEST_OPENAI", "SLR_TEST_OTHER", "SLR_TEST_MASTER"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_missing_env_lists_unset_references_once_sorted(environment):
    assert missing_env(DOCUMENT) == ["SLR_TEST_OPENAI", "SLR_TEST_OTHER"]
    environment.setenv("SLR_TEST_OTHER", "sk-x")
    assert missing_env(DOCUMENT) == ["SLR_TEST_OPENAI"]
    assert missing_env({}) == [] and missing_env({"model_list": [{"litellm_params": {"api_key": "plain"}}]}) == []


def test_demo_document_points_every_deployment_at_the_demo_provider():
    demo = demo_document(DOCUMENT)
    assert [item["litellm_params"] for item in demo["model_list"]] == [{"model": f"{PROVIDER}/cheap"}, {"model": f"{PROVIDER}/big"}]
    cheap, big = (item["model_info"] for item in demo["model_list"])
    assert cheap["input_cost_per_token"] > 0 and cheap["output_cost_per_token"] > 0  # its list price, for spend
    assert big["input_cost_per_token"] == 1.0 and big["base_model"] == "gpt-4o"  # configured values win
    assert demo["litellm_settings"]["custom_provider_map"] == [
        {"provider": "mine", "custom_handler": "m.h"}, {"provider": PROVIDER, "custom_handler": HANDLER_PATH},
    ]  # fmt: skip
    assert demo["smart_router"] is DOCUMENT["smart_router"]
    assert DOCUMENT["model_list"][0]["litellm_params"]["model"] == "openai/gpt-4o-mini"  # the input is not changed


def test_demo_master_key_only_when_none_is_usable(environment):
    assert demo_document(DOCUMENT)["general_settings"]["master_key"] == DEMO_MASTER_KEY
    assert demo_document({})["general_settings"]["master_key"] == DEMO_MASTER_KEY
    environment.setenv("SLR_TEST_MASTER", "sk-mine")
    assert demo_document(DOCUMENT)["general_settings"]["master_key"] == "os.environ/SLR_TEST_MASTER"
    assert demo_document({"general_settings": {"master_key": "sk-literal"}})["general_settings"]["master_key"] == "sk-literal"


@pytest.mark.parametrize("text", ["", "one", "[smart-llm-router demo] cheap answered.", "a  b\n c "])
def test_pieces_join_back_to_the_text(text):
    assert "".join(pieces(text)) == text
    assert len(pieces(text)) == max(1, len(text.split()))


def test_answer_names_the_model():
    assert answer("cheap") == "[smart-llm-router demo] cheap answered."
