"""`slr test` and the proxy agree: the same request and state give the same tier, model and
reason (the reason the proxy sends in ``x-smart-router-reason``)."""

import json
import subprocess
import sys
import uuid
from pathlib import Path

import httpx
import pytest
import yaml

from .launcher import MASTER_KEY, start_litellm, upstream_model

TIERS = {"SIMPLE": "cheap", "MEDIUM": "mid", "COMPLEX": "strong", "REASONING": "thinker"}
TOOLS = [{"type": "function", "function": {"name": f"tool_{i}", "parameters": {"type": "object", "properties": {}}}} for i in range(2)]
HARD = "Design a high-availability microservices architecture with Kubernetes, Kafka and PostgreSQL replication."


@pytest.fixture(scope="module")
def setup(upstream, tmp_path_factory):
    config = {
        "model_list": [upstream_model(name, upstream.url) for name in (*TIERS.values(), "eco-model")],
        "litellm_settings": {"callbacks": "smart_router.hook.proxy_handler", "num_retries": 0},
        "general_settings": {"master_key": MASTER_KEY, "custom_auth": "tests.proxy.keys.user_api_key_auth"},
        "smart_router": {
            "profiles": {"auto": {"tiers": dict(TIERS)}, "eco": {"tiers": {tier: "eco-model" for tier in TIERS}}},
            "budget": {"eco_profile": "eco"},
        },
    }
    path = tmp_path_factory.mktemp("agree") / "config.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    server = start_litellm(config)
    yield server, path
    server.stop()


def proxy_says(server, prompt, headers=None, key=MASTER_KEY, **body):
    response = httpx.post(
        f"{server.base_url}/v1/chat/completions",
        headers={"Authorization": f"Bearer {key}", **(headers or {})},
        json={"model": "smart/auto", "messages": [{"role": "user", "content": prompt}], **body},
        timeout=60,
    )
    assert response.status_code == 200, response.text
    return {name: response.headers[f"x-smart-router-{name}"] for name in ("tier", "model", "reason")}


def slr_says(path, prompt, *flags):
    slr = Path(sys.executable).parent / "slr"
    done = subprocess.run([str(slr), "test", prompt, "--json", "--config", str(path), *flags], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    return {"tier": data["tier"], "model": data["model"], "reason": data["reason"]}


@pytest.mark.parametrize(
    "prompt, headers, body, flags",
    [
        ("hello", {}, {}, []),
        ("How does a heat pump work?", {}, {}, []),
        (HARD, {}, {}, []),
        ("Prove by induction that 2^n > n for every natural number n.", {}, {}, []),
        ("hello", {"x-smart-router-min-tier": "COMPLEX"}, {}, ["--header", "x-smart-router-min-tier=COMPLEX"]),
        ("Write a 2000-word essay on tides", {"x-smart-router-max-tier": "MEDIUM"}, {}, ["--header", "x-smart-router-max-tier=MEDIUM"]),
        ("what is the capital of France? think harder", {}, {}, []),
        ("Summarize this conversation in a title", {}, {"max_tokens": 5}, ["--max-tokens", "5"]),
        ("hello", {"x-smart-router-tier": "REASONING"}, {}, ["--header", "x-smart-router-tier=REASONING"]),
        ("hello", {"x-smart-router-profile": "eco"}, {}, ["--header", "x-smart-router-profile=eco"]),
        ("list the files in the repo and fix the failing test", {}, {"tools": TOOLS}, ["--tools", "2"]),
    ],
)
def test_slr_test_gives_the_proxys_tier_model_and_reason(setup, prompt, headers, body, flags):
    server, path = setup
    assert slr_says(path, prompt, *flags) == proxy_says(server, prompt, headers, **body)


def test_slr_test_with_a_session_tier_agrees_with_a_live_session(setup):
    server, path = setup
    session = {"x-session-id": uuid.uuid4().hex}
    first = proxy_says(server, HARD, session)
    later = proxy_says(server, "thanks!", session)
    assert "session: kept" in later["reason"]
    assert slr_says(path, "thanks!", "--session-tier", first["tier"]) == later


def test_slr_test_with_budget_used_agrees_with_a_key_near_its_budget(setup):
    server, path = setup
    near = proxy_says(server, HARD, key="sk-near-budget")
    assert "budget: key spent 90%" in near["reason"]
    assert slr_says(path, HARD, "--budget-used", "0.9") == near
