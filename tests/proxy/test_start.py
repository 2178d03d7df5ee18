"""`slr start --demo` with no keys, and the one-line hook in a user's own minimal config."""

import shutil
import sys
from pathlib import Path

import httpx
import openai
from smart_router.config import load_config

from .launcher import MASTER_KEY, Proxy, free_port, start_litellm, upstream_model

REASONING = "Prove by induction, step by step, that 2^n > n for every natural number n."


def test_start_without_keys_serves_routing_in_demo_mode(tmp_path, monkeypatch):
    slr = shutil.which("slr", path=str(Path(sys.executable).parent))
    port = free_port()
    monkeypatch.delenv("OPENROUTER_API_KEY", raising=False)
    monkeypatch.delenv("LITELLM_MASTER_KEY", raising=False)
    proxy = Proxy([slr, "start", "--port", str(port)], port, tmp_path / "slr.log").wait_ready()
    try:
        assert httpx.get(f"{proxy.base_url}/health/liveliness").status_code == 200
        client = openai.OpenAI(base_url=f"{proxy.base_url}/v1", api_key="sk-demo", max_retries=0)
        raw = client.chat.completions.with_raw_response.create(
            model="smart/auto", messages=[{"role": "user", "content": REASONING}]
        )
        assert raw.headers["x-smart-router-model"] == "o3"
        assert raw.parse().choices[0].message.content == "[smart-llm-router demo] o3 answered."
        listed = {m.id for m in client.models.list().data}
        assert {"smart/auto", "smart/eco", "smart/premium", "smart/agentic", "smart/free"} <= listed
        assert "demo mode" in proxy.tail()
    finally:
        proxy.stop()


def test_one_line_in_a_users_config_adds_routing(upstream):
    # The user's own config: their deployments (named as the bundled tables expect) and
    # one callback line; no smart_router section, so the bundled profiles apply.
    names = load_config().models
    config = {
        "model_list": [upstream_model(name, upstream.url) for name in names],
        "litellm_settings": {"callbacks": "smart_router.hook.proxy_handler"},
        "general_settings": {"master_key": MASTER_KEY},
    }
    proxy = start_litellm(config)
    try:
        client = openai.OpenAI(base_url=f"{proxy.base_url}/v1", api_key=MASTER_KEY, max_retries=0)
        client.chat.completions.create(model="smart/premium", messages=[{"role": "user", "content": REASONING}])
        client.chat.completions.create(model="smart/eco", messages=[{"role": "user", "content": "hi!"}])
        assert upstream.models() == ["o3", "gemini-flash-lite"]
    finally:
        proxy.stop()
