"""Upstream faults through a real proxy: the routed model times out, answers 500 / 429, sends
malformed JSON or drops a stream half-way.

LiteLLM's retries and the request-level fallbacks the hook passes (``cheap`` -> ``mid``) deal
with it; ``x-smart-router-model`` keeps the routed model and ``x-smart-router-served-by``
names the model group that really answered. On streams LiteLLM may fall back on the first
chunk, after the headers hook ran, so there ``x-smart-router-served-by`` is left out and
LiteLLM's own ``x-litellm-model-group`` (which it rebuilds after such a fallback) tells.
The stats store gets exactly one row per request (keyed by LiteLLM's call id), never one
per attempt.
"""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path

import httpx
import pytest

from .launcher import MASTER_KEY, start_litellm, upstream_model

SIMPLE = "hello, how are you?"
TIMEOUT_S = 3  # the routed model's request timeout in the proxy config
STATS_WAIT_S = 30.0


@pytest.fixture(scope="module")
def stats_db(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("faults") / "stats.db"


@pytest.fixture(scope="module")
def proxy(upstream, stats_db):
    cheap = upstream_model("cheap", upstream.url, max_input_tokens=100_000)
    cheap["litellm_params"]["timeout"] = TIMEOUT_S
    config = {
        "model_list": [cheap, upstream_model("mid", upstream.url), upstream_model("strong", upstream.url)],
        "litellm_settings": {"callbacks": "smart_router.hook.proxy_handler", "num_retries": 1, "request_timeout": 30},
        "router_settings": {"retry_policy": {"RateLimitErrorRetries": 0, "TimeoutErrorRetries": 0, "InternalServerErrorRetries": 1}},
        "general_settings": {"master_key": MASTER_KEY},
        "smart_router": {
            "stats": {"path": str(stats_db)},
            "sessions": {"enabled": False},
            "profiles": {
                "auto": {"tiers": {
                    "SIMPLE": {"model": "cheap", "fallbacks": ["mid"]},
                    "MEDIUM": {"model": "mid", "fallbacks": ["strong"]},
                    "COMPLEX": "strong",
                    "REASONING": "strong",
                }},
            },
        },
    }  # fmt: skip
    server = start_litellm(config)
    yield server
    server.stop()


def post(proxy, stream: bool = False, path: str = "/v1/chat/completions") -> httpx.Response:
    body = {"model": "smart/auto", "messages": [{"role": "user", "content": SIMPLE}], "stream": stream}
    return httpx.post(f"{proxy.base_url}{path}", json=body, headers={"Authorization": f"Bearer {MASTER_KEY}"}, timeout=60)


def stats_rows(db: Path, call_id: str, expected) -> list[tuple]:
    """The (status, model, served) rows of one call id, polled until they are ``expected`` or a
    deadline passes (the writer is asynchronous; a failed attempt's row may come first and is
    replaced by the success of the same call)."""
    deadline = time.monotonic() + STATS_WAIT_S
    while True:
        rows: list[tuple] = []
        if db.exists():
            with sqlite3.connect(db) as conn:
                rows = list(conn.execute("SELECT status, model, served FROM requests WHERE call_id = ?", (call_id,)))
        if (expected(rows) if callable(expected) else rows == expected) or time.monotonic() > deadline:
            return rows
        time.sleep(0.2)  # polling interval against the deadline above


def total_rows(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT count(*) FROM requests").fetchone()[0]


@pytest.mark.parametrize("fault", [500, 429, "malformed", "timeout"])
@pytest.mark.parametrize("stream", [False, True], ids=["json", "stream"])
def test_fault_on_the_routed_model_falls_back_and_headers_tell(proxy, upstream, stats_db, fault, stream):
    upstream.faults["cheap"] = fault
    upstream.hang_seconds = TIMEOUT_S + 5
    started = time.monotonic()
    response = post(proxy, stream=stream)
    assert response.status_code == 200, response.text
    assert "answered by mid" in response.text
    assert response.headers["x-smart-router-model"] == "cheap"
    assert response.headers["x-litellm-model-group"] == "mid"
    assert response.headers.get("x-smart-router-served-by") == (None if stream else "mid")
    seen = upstream.models()
    assert seen[0] == "cheap" and seen[-1] == "mid" and set(seen) == {"cheap", "mid"}
    if fault in (429, "timeout"):
        assert seen == ["cheap", "mid"]  # retry_policy: no retries for rate limits and timeouts
    if fault == "timeout":
        assert time.monotonic() - started < TIMEOUT_S + 10
    call_id = response.headers["x-litellm-call-id"]
    rows = stats_rows(stats_db, call_id, [("ok", "cheap", "mid")])
    assert rows == [("ok", "cheap", "mid")], rows  # one row, the real outcome; failed attempts not counted


def test_500_is_retried_as_configured_before_falling_back(proxy, upstream):
    upstream.faults["cheap"] = 500
    response = post(proxy)
    assert response.status_code == 200
    assert upstream.models() == ["cheap", "cheap", "mid"]  # InternalServerErrorRetries: 1, then the fallback
    assert response.headers["x-smart-router-served-by"] == "mid"


def test_stream_dropped_half_way_falls_back(proxy, upstream, stats_db):
    """The routed model sends one chunk and closes the connection mid-stream: LiteLLM falls
    back and the stream ends with the fallback's answer; stats count the request once.
    (Whether the dropped model's first chunk reached the client before the failure is a
    race inside LiteLLM: when it did, LiteLLM's mid-stream fallback continues after it.)"""
    upstream.faults["cheap"] = "drop_stream"
    response = post(proxy, stream=True)
    assert response.status_code == 200
    text = "".join(
        (chunk["choices"][0]["delta"].get("content") or "")
        for line in response.text.splitlines() if line.startswith("data: {")
        for chunk in [json.loads(line[6:])] if chunk.get("choices")
    )  # fmt: skip
    assert text in ("answered by mid", "answered by answered by mid"), response.text[-800:]
    assert response.text.rstrip().endswith("data: [DONE]")
    assert response.headers["x-smart-router-model"] == "cheap" and response.headers["x-litellm-model-group"] == "mid"
    assert upstream.models() == ["cheap", "mid"], upstream.models()
    call_id = response.headers["x-litellm-call-id"]
    rows = stats_rows(stats_db, call_id, [("ok", "cheap", "mid")])
    assert rows == [("ok", "cheap", "mid")], rows


def test_json_dropped_half_way_falls_back(proxy, upstream, stats_db):
    upstream.faults["cheap"] = "drop_stream"
    response = post(proxy)
    assert response.status_code == 200, response.text
    assert response.json()["choices"][0]["message"]["content"] == "answered by mid"
    assert response.headers["x-smart-router-served-by"] == "mid"
    call_id = response.headers["x-litellm-call-id"]
    assert stats_rows(stats_db, call_id, [("ok", "cheap", "mid")]) == [("ok", "cheap", "mid")]


def test_every_model_failing_is_a_clean_error_counted_once(proxy, upstream, stats_db):
    upstream.faults.update({"cheap": 500, "mid": 500})
    response = post(proxy)
    assert response.status_code == 500, response.text
    assert "injected 500" in response.json()["error"]["message"]
    assert upstream.models() == ["cheap", "cheap", "mid", "mid"]  # one retry each, as configured
    call_id = response.headers["x-litellm-call-id"]
    rows = stats_rows(stats_db, call_id, bool)
    assert len(rows) == 1 and rows[0][:2] == ("error", "cheap"), rows  # four failed attempts, one row
    upstream.faults.clear()
    before = total_rows(stats_db)
    ok = post(proxy)
    assert ok.status_code == 200 and ok.headers["x-smart-router-served-by"] == "cheap"
    assert stats_rows(stats_db, ok.headers["x-litellm-call-id"], [("ok", "cheap", "cheap")]) == [("ok", "cheap", "cheap")]
    assert total_rows(stats_db) == before + 1
