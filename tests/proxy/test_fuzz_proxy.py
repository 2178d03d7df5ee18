"""Hostile request bodies through a real LiteLLM proxy with the hook.

Every response is 200 or a 4xx with a JSON error, and the proxy stays alive. A 5xx is only
accepted when the router is not its cause: the same body sent with a concrete model name
(which the hook leaves alone) gets a 5xx from LiteLLM too. Such bodies carry values LiteLLM
itself cannot forward (NaN / Infinity, a ``prompt`` that is a dict, ``messages`` beside
``prompt``); they are counted and printed. The proxy's log is then scanned at INFO: no API
key and no prompt text.
Same seeded generator as tests/unit/test_fuzz_hook.py (``FUZZ_SEED``; ``FUZZ_PROXY_BODIES``).
"""

from __future__ import annotations

import json
import os
import random

import httpx
import pytest

from tests.unit.fuzz_bodies import hostile_body, huge_body

from .launcher import REPO, start_litellm, upstream_model

SEED = int(os.environ.get("FUZZ_SEED", "9"))
BODIES = int(os.environ.get("FUZZ_PROXY_BODIES", "320"))
HUGE = 8
MASTER = "sk-fuzz-master-9f8e7d6c5b4a3f2e1d0c"
UPSTREAM_KEY = "sk-upstream-secret-0a1b2c3d4e5f6a7b"
MARKER = "qvzjPROMPT5521"
ENDPOINTS = {
    "acompletion": "/v1/chat/completions",
    "atext_completion": "/v1/completions",
    "anthropic_messages": "/v1/messages",
    "aresponses": "/v1/responses",
    "aembedding": "/v1/embeddings",
}


@pytest.fixture(scope="module")
def proxy(upstream, tmp_path_factory):
    def model(name: str) -> dict:
        entry = upstream_model(name, upstream.url)
        entry["litellm_params"]["api_key"] = UPSTREAM_KEY
        return entry

    tiers = {"SIMPLE": {"model": "small", "fallbacks": ["large"]}, "MEDIUM": "small", "COMPLEX": "large", "REASONING": "large"}
    config = {
        "model_list": [model("small"), model("large"), model("embedder")],
        "litellm_settings": {"callbacks": "smart_router.hook.proxy_handler", "num_retries": 0},
        "general_settings": {"master_key": MASTER},
        "smart_router": {
            "stats": {"enabled": False},
            "profiles": {
                "auto": {"tiers": tiers, "embedding_model": "embedder"},
                "eco": {"tiers": tiers},
                "premium": {"tiers": tiers},
                "agentic": {"tiers": tiers},
                "free": {"tiers": tiers, "use_tools_profile": False},
            },
        },
    }
    # Every logger at INFO (ours included) into the proxy log, as an operator who turns logging on would see it.
    site = tmp_path_factory.mktemp("site")
    (site / "sitecustomize.py").write_text(
        "import logging\nlogging.basicConfig(level=logging.INFO, format='%(levelname)s %(name)s %(message)s')\n"
    )
    server = start_litellm(config, env={"LITELLM_LOG": "INFO", "PYTHONPATH": os.pathsep.join([str(site), str(REPO)])})
    yield server
    server.stop()


def _send(client: httpx.Client, call_type: str, body: dict) -> httpx.Response:
    payload = json.dumps(body, ensure_ascii=True)  # lone surrogates travel as \\ud800 escapes, NaN as NaN
    return client.post(ENDPOINTS[call_type], content=payload.encode(), headers={"content-type": "application/json"})


def test_hostile_bodies_get_200_or_a_clean_4xx_and_the_proxy_survives(proxy, upstream, capsys):
    rng = random.Random(SEED)
    statuses: dict[int, int] = {}
    bad: list[str] = []
    litellm_own: dict[str, int] = {}
    with httpx.Client(base_url=proxy.base_url, headers={"Authorization": f"Bearer {MASTER}"}, timeout=60) as client:
        for index in range(BODIES + HUGE):
            if index < HUGE:
                call_type = rng.choice(["acompletion", "atext_completion", "anthropic_messages", "aresponses"])
                body, _ = huge_body(rng, call_type)
                body["model"] = "smart/auto"
            else:
                call_type, body, _ = hostile_body(rng)
            body.pop("stream", None) if not isinstance(body.get("stream"), bool) else None
            response = _send(client, call_type, body)
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
            if 400 <= response.status_code < 500 and not _json_error(response):
                bad.append(f"#{index} {call_type} -> {response.status_code} without a JSON error: {response.text[:300]}")
            elif response.status_code >= 500:
                concrete = _send(client, call_type, {**body, "model": "small"})
                if concrete.status_code >= 500:
                    kind = _error_kind(response)
                    litellm_own[kind] = litellm_own.get(kind, 0) + 1
                else:
                    bad.append(f"#{index} {call_type} -> {response.status_code} {response.text[:300]} but {concrete.status_code} "
                               f"with a concrete model; body={str(body)[:300]}")  # fmt: skip
    with capsys.disabled():
        print(f"\nfuzz proxy: {BODIES + HUGE} bodies, statuses {dict(sorted(statuses.items()))}, caused by the router {len(bad)}; "
              f"5xx that LiteLLM also gives without the router: {litellm_own}")  # fmt: skip
    assert not bad, "\n".join(bad[:10])
    assert statuses.get(200, 0) >= BODIES // 10  # most junk is refused by LiteLLM with a 400; enough still routes
    assert proxy.process.poll() is None
    assert httpx.get(f"{proxy.base_url}/health/liveliness", timeout=5).status_code == 200


def _error_kind(response: httpx.Response) -> str:
    text = response.text
    for needle, kind in (("Out of range float", "NaN/Infinity in the body"), ("prompt format", "prompt of a wrong type"),
                         ("multiple values", "messages beside prompt"), ("has no attribute", "wrong type inside a field")):  # fmt: skip
        if needle in text:
            return kind
    return "other: " + text[:80]


def _json_error(response: httpx.Response) -> bool:
    try:
        payload = response.json()
    except ValueError:
        return False
    return isinstance(payload, dict) and ("error" in payload or "detail" in payload)


def test_proxy_log_has_no_keys_and_no_prompts(proxy, upstream):
    with httpx.Client(base_url=proxy.base_url, headers={"Authorization": f"Bearer {MASTER}"}, timeout=60) as client:
        for call_type, body in [
            ("acompletion", {"model": "smart/auto", "messages": [{"role": "user", "content": f"{MARKER} prove it step by step"}]}),
            ("acompletion", {"model": "smart/auto", "stream": True, "messages": [{"role": "user", "content": f"hello {MARKER}"}]}),
            ("anthropic_messages", {"model": "smart/premium", "max_tokens": 20, "system": MARKER, "messages": [{"role": "user", "content": MARKER}]}),
            ("aresponses", {"model": "smart/eco", "input": MARKER}),
            ("atext_completion", {"model": "smart/free", "prompt": MARKER}),
            ("acompletion", {"model": "smart/nonexistent", "messages": [{"role": "user", "content": MARKER}]}),
        ]:  # fmt: skip
            assert _send(client, call_type, body).status_code in (200, 400)
        rejected = httpx.post(f"{proxy.base_url}/v1/chat/completions", headers={"Authorization": "Bearer sk-wrong-" + MARKER},
                              json={"model": "smart/auto", "messages": [{"role": "user", "content": MARKER}]})  # fmt: skip
        assert rejected.status_code in (400, 401, 403)
    assert upstream.models(), "requests reached the upstream"
    log = proxy.log.read_text(errors="replace")
    assert "INFO smart_router smart_router smart/auto ->" in log, "the hook's per-request INFO line must be in the scanned log"
    for secret in (MASTER, UPSTREAM_KEY, MARKER):
        assert secret not in log, f"{secret!r} found in the proxy log"


def test_clients_cannot_fake_routing_headers(proxy, upstream):
    fake = {"profile": "auto", "tier": "REASONING", "score": 0.9, "model": "spoofed", "reason": "spoofed", "requested": "smart/auto"}
    with httpx.Client(base_url=proxy.base_url, headers={"Authorization": f"Bearer {MASTER}"}, timeout=60) as client:
        concrete = client.post("/v1/chat/completions", json={"model": "small", "metadata": {"smart_router": fake},
                                                             "messages": [{"role": "user", "content": "hi"}]})  # fmt: skip
        assert concrete.status_code == 200 and not any(h.startswith("x-smart-router-") for h in concrete.headers)
        routed = client.post("/v1/messages", json={"model": "smart/auto", "max_tokens": 10, "metadata": {"smart_router": fake},
                                                   "messages": [{"role": "user", "content": "hi"}]})  # fmt: skip
        assert routed.status_code == 200 and routed.headers["x-smart-router-model"] == "small"
