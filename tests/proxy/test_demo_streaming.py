"""`slr start --demo` serves every API the way real clients expect, streamed or not.

The demo's mock provider (``smart_router.demo.handler``) goes through LiteLLM's custom
provider path, so Claude Code (``/v1/messages``) and Codex CLI (``/v1/responses``) get real
SSE streams, and each request is one stats row priced by LiteLLM itself.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import closing

import anthropic
import httpx
import openai
import pytest

from smart_router.demo import answer

from .launcher import MASTER_KEY, Proxy, start_demo

PROMPT = "hello, how are you?"
STATS_WAIT_S = 30.0
SSE = "text/event-stream"
QUERY = "SELECT call_id, status, prompt_tokens, completion_tokens, cost, cost_source FROM requests"


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Iterator[Proxy]:
    proxy = start_demo(tmp_path_factory.mktemp("demo-streaming"), {"LITELLM_MASTER_KEY": MASTER_KEY})
    try:
        yield proxy
    finally:
        proxy.stop()


@pytest.fixture(scope="module")
def calls() -> list[str]:
    """``x-litellm-call-id`` of every request the module sends, for the stats checks."""
    return []


def routed(headers: httpx.Headers, calls: list[str]) -> str:
    """The routed model named by the hook's headers; records the call id."""
    calls.append(headers["x-litellm-call-id"])
    assert headers["x-smart-router-tier"] in {"SIMPLE", "MEDIUM", "COMPLEX", "REASONING"}
    return headers["x-smart-router-model"]


def test_chat_completions_stream(demo, calls):
    client = openai.OpenAI(base_url=f"{demo.base_url}/v1", api_key=MASTER_KEY, max_retries=0)
    with client.chat.completions.with_streaming_response.create(
        model="smart/auto", messages=[{"role": "user", "content": PROMPT}], stream=True
    ) as raw:
        assert raw.headers["content-type"].startswith(SSE)
        model = routed(raw.headers, calls)
        chunks = list(raw.parse())
    assert {c.object for c in chunks} == {"chat.completion.chunk"}
    assert len(chunks) > 2  # delivered piece by piece, not as one block
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == answer(model)
    assert chunks[-1].choices[0].finish_reason == "stop"
    assert_one_priced_row_each(demo, calls)


def test_messages_stream(demo, calls):
    client = anthropic.Anthropic(base_url=demo.base_url, api_key=MASTER_KEY, max_retries=0)
    with client.messages.with_streaming_response.create(
        model="smart/auto", max_tokens=256, messages=[{"role": "user", "content": PROMPT}], stream=True
    ) as raw:
        assert raw.headers["content-type"].startswith(SSE)
        model = routed(raw.headers, calls)
        events = list(raw.parse())
    kinds = [e.type for e in events]
    assert kinds[0] == "message_start" and kinds[-1] == "message_stop"
    assert {"content_block_start", "content_block_delta", "content_block_stop", "message_delta"} <= set(kinds)
    text = "".join(e.delta.text for e in events if e.type == "content_block_delta" and e.delta.type == "text_delta")
    assert text == answer(model)
    assert next(e for e in events if e.type == "message_delta").usage.output_tokens > 0
    assert_one_priced_row_each(demo, calls)


def test_responses_stream(demo, calls):
    client = openai.OpenAI(base_url=f"{demo.base_url}/v1", api_key=MASTER_KEY, max_retries=0)
    with client.responses.with_streaming_response.create(model="smart/auto", input=PROMPT, stream=True) as raw:
        assert raw.headers["content-type"].startswith(SSE)
        model = routed(raw.headers, calls)
        events = list(raw.parse())
    kinds = [e.type for e in events]
    assert kinds[0] == "response.created" and kinds[-1] == "response.completed"
    assert "response.output_text.delta" in kinds
    assert "".join(e.delta for e in events if e.type == "response.output_text.delta") == answer(model)
    assert events[-1].response.output_text == answer(model)
    assert events[-1].response.usage.output_tokens > 0
    assert_one_priced_row_each(demo, calls)


def test_text_completions_stream(demo, calls):
    client = openai.OpenAI(base_url=f"{demo.base_url}/v1", api_key=MASTER_KEY, max_retries=0)
    with client.completions.with_streaming_response.create(model="smart/auto", prompt=PROMPT, stream=True) as raw:
        assert raw.headers["content-type"].startswith(SSE)
        model = routed(raw.headers, calls)
        chunks = list(raw.parse())
    assert "".join(c.choices[0].text or "" for c in chunks if c.choices) == answer(model)
    assert_one_priced_row_each(demo, calls)


def test_every_api_without_streaming(demo, calls):
    client = openai.OpenAI(base_url=f"{demo.base_url}/v1", api_key=MASTER_KEY, max_retries=0)
    messages = [{"role": "user", "content": PROMPT}]
    raw = client.chat.completions.with_raw_response.create(model="smart/auto", messages=messages)
    assert raw.parse().choices[0].message.content == answer(routed(raw.headers, calls))
    raw = client.completions.with_raw_response.create(model="smart/auto", prompt=PROMPT)
    assert raw.parse().choices[0].text == answer(routed(raw.headers, calls))
    raw = client.responses.with_raw_response.create(model="smart/auto", input=PROMPT)
    assert raw.parse().output_text == answer(routed(raw.headers, calls))
    claude = anthropic.Anthropic(base_url=demo.base_url, api_key=MASTER_KEY, max_retries=0)
    raw = claude.messages.with_raw_response.create(model="smart/auto", max_tokens=256, messages=messages)
    message = raw.parse()
    assert raw.headers["content-type"].startswith("application/json")
    assert message.content[0].text == answer(routed(raw.headers, calls))
    assert_one_priced_row_each(demo, calls)


def assert_one_priced_row_each(demo: Proxy, calls: list[str]) -> None:
    """Every request sent so far is exactly one stats row, with tokens and LiteLLM's own cost."""
    db = demo.log.parent / "stats.db"
    deadline = time.monotonic() + STATS_WAIT_S
    while True:  # the stats writer is asynchronous: poll until every call is written or the deadline passes
        try:
            with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as conn:
                rows = list(conn.execute(QUERY))
        except sqlite3.OperationalError:  # not created yet, or its schema not written yet
            rows = []
        if {r[0] for r in rows} >= set(calls) or time.monotonic() > deadline:
            break
        time.sleep(0.2)  # polling interval against the deadline above
    assert sorted(r[0] for r in rows) == sorted(calls)  # one row per request, none for anything else
    for call_id, status, prompt, completion, cost, source in rows:
        assert status == "ok" and prompt > 0 and completion > 0, call_id
        assert cost is not None and cost > 0 and source == "litellm", (call_id, cost, source)
