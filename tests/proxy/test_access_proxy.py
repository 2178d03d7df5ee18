"""End to end: keys limited to some models, through a real proxy (custom auth, no database).

The upstream must only ever see the key's models; a key allowed none of the table's models
gets a 403 with a JSON error naming the profile. (With ``custom_auth`` LiteLLM runs no key
model check of its own unless ``custom_auth_run_common_checks`` is set, so here the hook's
filter is the only guard — it must hold by itself.)
"""

from __future__ import annotations

import httpx
import pytest

from .launcher import start_litellm, upstream_model

SIMPLE = "hello, how are you?"
REASONING = "Prove by induction, step by step, that 2^n > n for every natural number n."


@pytest.fixture(scope="module")
def proxy(upstream):
    model_list = [upstream_model(n, upstream.url) for n in ("cheap", "mid", "strong", "thinker")]
    model_list[0]["model_info"] = {"access_groups": ["basic"]}
    model_list[1]["model_info"] = {"access_groups": ["basic"]}
    config = {
        "model_list": model_list,
        "litellm_settings": {"callbacks": "smart_router.hook.proxy_handler", "num_retries": 0},
        "general_settings": {"master_key": "sk-acc-master", "custom_auth": "tests.proxy.access_keys.user_api_key_auth"},
        "router_settings": {"model_group_alias": {"smart/auto": "mid"}},
        "smart_router": {
            "sessions": {"enabled": False},
            "stats": {"enabled": False},
            "profiles": {"auto": {"tiers": {
                "SIMPLE": {"model": "cheap", "fallbacks": ["mid"]},
                "MEDIUM": "mid",
                "COMPLEX": "strong",
                "REASONING": {"model": "thinker", "fallbacks": ["strong"]},
            }}},
        },
    }  # fmt: skip
    server = start_litellm(config)
    yield server
    server.stop()


def chat(proxy, key: str, prompt: str) -> httpx.Response:
    body = {"model": "smart/auto", "messages": [{"role": "user", "content": prompt}]}
    return httpx.post(f"{proxy.base_url}/v1/chat/completions", json=body, headers={"Authorization": f"Bearer {key}"}, timeout=60)


@pytest.mark.parametrize("key,prompt,expected", [
    ("sk-acc-master", REASONING, ["thinker"]),
    ("sk-acc-mid", REASONING, ["mid"]),
    ("sk-acc-mid", SIMPLE, ["mid"]),
    ("sk-acc-cheap", REASONING, ["cheap"]),
    ("sk-acc-group", REASONING, ["mid"]),
    ("sk-acc-profile", REASONING, ["thinker"]),
])  # fmt: skip
def test_the_upstream_only_sees_the_keys_models(proxy, upstream, key, prompt, expected):
    response = chat(proxy, key, prompt)
    assert response.status_code == 200, response.text
    assert upstream.models() == expected
    assert response.headers["x-smart-router-model"] == expected[0]
    # Every model failing: LiteLLM walks the request's fallbacks, which must hold only allowed models.
    allowed = {"sk-acc-mid": {"mid"}, "sk-acc-cheap": {"cheap"}, "sk-acc-group": {"cheap", "mid"}}.get(key)
    if allowed:
        upstream.clear()
        upstream.faults.update({m: 500 for m in ("cheap", "mid", "strong", "thinker")})
        assert chat(proxy, key, prompt).status_code >= 500
        assert upstream.models() and set(upstream.models()) <= allowed


def test_a_key_allowed_none_of_the_tables_models_gets_403(proxy, upstream):
    response = chat(proxy, "sk-acc-none", REASONING)
    assert response.status_code == 403, response.text
    message = response.json()["error"]["message"]
    assert "smart/auto" in message and "embedder" in message
    assert upstream.models() == []
