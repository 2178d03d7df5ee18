"""End to end: a real LiteLLM proxy with the hook, in front of the fake upstream.

Every test asserts which model the upstream saw, and the decision headers.
"""

import anthropic
import httpx
import openai
import pytest

from smart_router.config import build_scoring
from smart_router.types import Tier

from .launcher import MASTER_KEY, start_litellm, upstream_model

SIMPLE = "hello, how are you?"
REASONING = "Prove by induction, step by step, that 2^n > n for every natural number n."
COMPLEX = "design a high-availability microservices architecture"
TINY_PNG = (
    "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk"
    "YPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)


@pytest.fixture(scope="module")
def proxy(upstream):
    config = {
        "model_list": [
            upstream_model("cheap", upstream.url, supports_vision=False, max_input_tokens=2000),
            upstream_model("mid", upstream.url, supports_vision=True, max_input_tokens=100_000),
            upstream_model("strong", upstream.url, supports_vision=True, max_input_tokens=200_000),
            upstream_model("thinker", upstream.url, supports_vision=False, max_input_tokens=200_000),
            upstream_model("embedder", upstream.url),
        ],
        "litellm_settings": {"callbacks": "smart_router.hook.proxy_handler", "num_retries": 0},
        "general_settings": {"master_key": MASTER_KEY},
        "router_settings": {"model_group_alias": {"smart/auto": "mid"}},
        "smart_router": {
            "profiles": {
                "auto": {
                    "tiers": {
                        "SIMPLE": {"model": "cheap", "fallbacks": ["mid"]},
                        "MEDIUM": {"model": "mid", "fallbacks": ["strong"]},
                        "COMPLEX": {"model": "strong", "fallbacks": ["mid"]},
                        "REASONING": {"model": "thinker", "fallbacks": ["strong"]},
                    }
                },
                "agentic": {"tiers": {"SIMPLE": "mid", "MEDIUM": "mid", "COMPLEX": "strong", "REASONING": "strong"}},
                "docs": {
                    "tiers": {"SIMPLE": "cheap", "MEDIUM": "cheap", "COMPLEX": "cheap", "REASONING": "cheap"},
                    "embedding_model": "embedder",
                },
            }
        },
    }
    server = start_litellm(config)
    yield server
    server.stop()


def chat(client, content, model="smart/auto", **extra):
    raw = client.chat.completions.with_raw_response.create(
        model=model, messages=[{"role": "user", "content": content}], **extra
    )
    return raw.headers, raw.parse()


@pytest.mark.parametrize("prompt,tier,model", [(SIMPLE, "SIMPLE", "cheap"), (COMPLEX, "COMPLEX", "strong"), (REASONING, "REASONING", "thinker")])
def test_chat_routes_by_tier(client, upstream, prompt, tier, model):
    headers, completion = chat(client, prompt)
    assert upstream.models("/chat/completions") == [model]
    assert completion.choices[0].message.content == f"answered by {model}"
    assert headers["x-smart-router-tier"] == tier
    assert headers["x-smart-router-model"] == model
    assert headers["x-smart-router-profile"] == "smart/auto"
    score = float(headers["x-smart-router-score"])
    bounds = build_scoring("bundled", {}).boundaries  # the bundled table; its numbers move when it is retuned
    reason = headers["x-smart-router-reason"]
    if tier == "SIMPLE":
        assert score < bounds[Tier.MEDIUM]
    elif tier == "COMPLEX":
        assert score >= bounds[Tier.COMPLEX] or "rule: " in reason, reason
    assert reason.startswith("score ")


def test_profile_name_is_case_insensitive(client, upstream):
    headers, _ = chat(client, REASONING, model="SMART/Auto")
    assert upstream.models() == ["thinker"] and headers["x-smart-router-tier"] == "REASONING"


def test_streaming_chat_carries_headers(client, upstream):
    with client.chat.completions.with_streaming_response.create(
        model="smart/auto", messages=[{"role": "user", "content": REASONING}], stream=True
    ) as response:
        assert response.headers["x-smart-router-model"] == "thinker"
        text = "".join(chunk.choices[0].delta.content or "" for chunk in response.parse() if chunk.choices)
    assert text == "answered by thinker"
    assert upstream.models() == ["thinker"]


def test_tools_use_the_agentic_table(client, upstream):
    tool = {"type": "function", "function": {"name": "read_file", "parameters": {"type": "object", "properties": {"path": {"type": "string"}}}}}
    headers, _ = chat(client, SIMPLE, tools=[tool])
    assert upstream.models() == ["mid"]  # agentic SIMPLE, not auto SIMPLE (cheap)
    assert headers["x-smart-router-profile"] == "smart/agentic"
    assert "tools -> agentic" in headers["x-smart-router-reason"]


def test_anthropic_messages_with_system(proxy, upstream):
    claude = anthropic.Anthropic(base_url=proxy.base_url, api_key=MASTER_KEY, max_retries=0)
    raw = claude.messages.with_raw_response.create(
        model="smart/auto", max_tokens=100, system="You are a careful mathematician.",
        messages=[{"role": "user", "content": REASONING}],
    )  # fmt: skip
    message = raw.parse()
    assert upstream.models() == ["thinker"]
    assert message.content[0].text == "answered by thinker"
    assert raw.headers["x-smart-router-tier"] == "REASONING"


def test_anthropic_system_asking_for_json_is_at_least_medium(proxy, upstream):
    claude = anthropic.Anthropic(base_url=proxy.base_url, api_key=MASTER_KEY, max_retries=0)
    claude.messages.create(
        model="smart/auto", max_tokens=50, system=[{"type": "text", "text": "Answer only with valid JSON."}],
        messages=[{"role": "user", "content": SIMPLE}],
    )  # fmt: skip
    assert upstream.models() == ["mid"]


def test_responses_api(client, upstream):
    raw = client.responses.with_raw_response.create(model="smart/auto", input=REASONING, instructions="Be rigorous.")
    assert raw.parse().output_text == "answered by thinker"
    assert upstream.models() == ["thinker"]
    assert raw.headers["x-smart-router-tier"] == "REASONING"


def test_text_completions(client, upstream):
    raw = client.completions.with_raw_response.create(model="smart/auto", prompt=SIMPLE, max_tokens=20)
    assert raw.parse().choices[0].text == "answered by cheap"
    assert upstream.models("/completions") == ["cheap"]
    assert raw.headers["x-smart-router-tier"] == "SIMPLE"


def test_concrete_model_passes_through(client, upstream):
    headers, completion = chat(client, REASONING, model="strong")
    assert upstream.models() == ["strong"]
    assert "x-smart-router-model" not in headers
    assert completion.choices[0].message.content == "answered by strong"


def test_unknown_profile_is_400_listing_profiles(client, upstream):
    with pytest.raises(openai.BadRequestError) as error:
        chat(client, SIMPLE, model="smart/nonexistent")
    assert error.value.status_code == 400
    message = str(error.value)
    assert "smart/auto" in message and "smart/agentic" in message and "smart/docs" in message
    assert upstream.models() == []


def test_embeddings_without_embedding_model_is_400(client, upstream):
    with pytest.raises(openai.BadRequestError) as error:
        client.embeddings.create(model="smart/auto", input="hello")
    assert "embedding" in str(error.value)
    assert upstream.models() == []


def test_embeddings_use_the_profiles_embedding_model(client, upstream):
    result = client.embeddings.create(model="smart/docs", input=["a", "b"])
    assert len(result.data) == 2
    assert upstream.models("/embeddings") == ["embedder"]


def test_image_prompt_goes_to_a_vision_model(client, upstream):
    content = [{"type": "text", "text": "What is in this picture?"}, {"type": "image_url", "image_url": {"url": TINY_PNG}}]
    headers, _ = chat(client, content)
    assert upstream.models() == ["mid"]  # SIMPLE's cheap has no vision
    assert "skip cheap (no vision)" in headers["x-smart-router-reason"]


def test_request_larger_than_the_window_moves_to_a_model_that_fits(client, upstream):
    headers, _ = chat(client, SIMPLE, max_tokens=5000)  # cheap's window is 2000 tokens
    assert upstream.models() == ["mid"]
    assert "skip cheap (context 2000 <" in headers["x-smart-router-reason"]


def test_rate_limited_model_falls_back_through_litellm(client, upstream):
    upstream.faults["cheap"] = 429
    headers, completion = chat(client, SIMPLE)
    seen = upstream.models()
    assert seen[0] == "cheap" and seen[-1] == "mid"
    assert completion.choices[0].message.content == "answered by mid"
    assert headers["x-smart-router-model"] == "cheap"
    assert headers["x-smart-router-served-by"] == "mid"


def test_models_endpoint_lists_profiles(proxy):
    response = httpx.get(f"{proxy.base_url}/v1/models", headers={"Authorization": f"Bearer {MASTER_KEY}"})
    ids = {m["id"] for m in response.json()["data"]}
    assert "smart/auto" in ids and "cheap" in ids
