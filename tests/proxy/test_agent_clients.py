"""End to end: request sequences captured from the real Claude Code and Codex CLI
(``tests/fixtures/agents``) replayed through a real proxy onto the scripted agent upstream,
streamed and not. Asserted per request: tier, model, reason, and one stats row.

The tables share one model between SIMPLE and MEDIUM and one between COMPLEX and REASONING
(like the bundled ``smart/agentic``), so a stall must skip a tier to change the model.
"""

from __future__ import annotations

import gzip
import json
import sqlite3
import time
import uuid
from contextlib import closing
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest
import yaml

from smart_router.engine import engine_for
from smart_router.extract import extract
from smart_router.types import Tier

from .agent_upstream import AgentUpstream
from .launcher import MASTER_KEY, REPO, Proxy, start_litellm, upstream_model
from .test_agents import ASK as HARD_ASK
from .test_agents import REMINDER_TEXT

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "agents"
CAPTURED_ASK = "Run the project checks and tell me if they pass."
SMALL, STRONG = "agent-small", "agent-strong"
TABLE = {"SIMPLE": SMALL, "MEDIUM": SMALL, "COMPLEX": STRONG, "REASONING": STRONG}
CLIENTS = {  # client -> (fixture, profile, call type, LiteLLM provider, session id header)
    "claude": ("claude_loop", "smart/claude", "anthropic_messages", "anthropic", "x-claude-code-session-id"),
    "codex": ("codex_loop", "smart/codex", "aresponses", "openai", "session-id"),
}
DROPPED = {"accept-encoding", "connection", "content-type"}
STATS_WAIT_S = 30.0
TITLE_PROMPT = (
    "Generate a concise, sentence-case title (3-7 words) that captures the main topic or goal of this coding "
    'session. Return JSON with a single "title" field.'
)


def captured(name: str) -> list[dict[str, Any]]:
    with gzip.open(FIXTURES / f"{name}.jsonl.gz", "rt", encoding="utf-8") as lines:
        return [json.loads(line) for line in lines]


@pytest.fixture(scope="module")
def agent_upstream():
    server = AgentUpstream().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def proxy(agent_upstream):
    def deployment(name: str, provider: str) -> dict[str, Any]:
        base = agent_upstream.url + ("/v1" if provider == "openai" else "")
        return {"model_name": f"{provider}-{name}",
                "litellm_params": {"model": f"{provider}/{name}", "api_base": base, "api_key": "sk-upstream"},
                "model_info": {"input_cost_per_token": 1e-6, "output_cost_per_token": 2e-6}}  # fmt: skip

    providers = [c[3] for c in CLIENTS.values()]
    profiles = {c[1].removeprefix("smart/"): {"tiers": {t: f"{c[3]}-{m}" for t, m in TABLE.items()}} for c in CLIENTS.values()}
    config = {
        "model_list": [deployment(m, p) for p in providers for m in (SMALL, STRONG)],
        "litellm_settings": {"callbacks": "smart_router.hook.proxy_handler", "num_retries": 0},
        "general_settings": {"master_key": MASTER_KEY},
        "smart_router": {"tools_profile": None, "profiles": profiles},
    }
    server = start_litellm(config)
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _fresh(agent_upstream):
    agent_upstream.clear()
    yield


def fresh_session(rows: list[dict[str, Any]], header: str, ask: str = CAPTURED_ASK) -> list[dict[str, Any]]:
    """The rows with a new session id everywhere it appears (and ``ask`` in place of the captured ask)."""
    old = rows[0]["headers"][header]
    text = json.dumps(rows).replace(old, str(uuid.uuid4())).replace(CAPTURED_ASK, ask)
    return json.loads(text)


def send(proxy: Proxy, row: dict[str, Any], profile: str, stream: bool, **headers: str) -> httpx.Response:
    """One captured request to the proxy (its own headers, our key); the whole answer is read."""
    sent = {k: v for k, v in row["headers"].items() if k not in DROPPED} | headers
    sent["authorization"] = f"Bearer {MASTER_KEY}"
    body = dict(row["body"], model=profile, stream=stream)
    response = httpx.post(proxy.base_url + row["path"], json=body, headers=sent, timeout=60)
    if response.status_code == 200:
        kind = response.headers["content-type"]
        assert kind.startswith("text/event-stream" if stream else "application/json"), kind
    return response


def scored(call_type: str, body: dict[str, Any]) -> Tier:
    """The tier the bundled scoring table gives a request body (what the proxy scores)."""
    text, _ = extract(call_type, dict(body))
    return engine_for(None).scorer.score(text).tier


def next_model_tier(tier: Tier) -> Tier | None:
    """The lowest tier above ``tier`` whose model differs, or None (already on the top model)."""
    return next((Tier(t) for t in range(tier + 1, Tier.REASONING + 1) if TABLE[Tier(t).name] != TABLE[tier.name]), None)


def stats_rows(proxy: Proxy, calls: list[str]) -> dict[str, tuple]:
    """``call_id -> (status, tier, model, reason)`` once every call is written (the writer is asynchronous)."""
    db = proxy.log.parent / "stats.db"
    deadline = time.monotonic() + STATS_WAIT_S
    while True:
        try:
            with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as conn:
                found = {r[0]: r[1:] for r in conn.execute("SELECT call_id, status, tier, model, reason FROM requests")}
        except sqlite3.OperationalError:
            found = {}
        if set(calls) <= set(found) or time.monotonic() > deadline:
            return {c: found.get(c) for c in calls}
        time.sleep(0.2)  # polling interval against the deadline above


def assert_stats(proxy: Proxy, responses: list[httpx.Response]) -> None:
    """One stats row per request, with the tier, model and reason the headers named."""
    calls = [r.headers["x-litellm-call-id"] for r in responses]
    assert len(set(calls)) == len(calls)
    rows = stats_rows(proxy, calls)
    for response, call in zip(responses, calls):
        status = "ok" if response.status_code == 200 else "error"
        h = response.headers
        assert rows[call] == (status, h["x-smart-router-tier"], h["x-smart-router-model"], h["x-smart-router-reason"])


@pytest.mark.parametrize("stream", [True, False], ids=["stream", "json"])
@pytest.mark.parametrize("hard", [False, True], ids=["captured-ask", "hard-ask"])
@pytest.mark.parametrize("client", list(CLIENTS))
def test_captured_agent_loop(proxy, agent_upstream, client, hard, stream):
    """ls, the same failing command 3x, two different failing commands, final text."""
    fixture, profile, call_type, provider, header = CLIENTS[client]
    rows = fresh_session(captured(fixture), header, HARD_ASK if hard else CAPTURED_ASK)
    assert [r["body"]["stream"] for r in rows] == [True] * 7  # both clients stream every turn
    first = scored(call_type, rows[0]["body"])
    assert (first >= Tier.COMPLEX) == hard
    responses = [send(proxy, row, profile, stream) for row in rows]
    assert [r.status_code for r in responses] == [200] * 7
    stalled = next_model_tier(first)
    expected = [first] * 4 + [stalled or first] * 3
    headers = [r.headers for r in responses]
    assert [h["x-smart-router-tier"] for h in headers] == [t.name for t in expected]
    models = [f"{provider}-{TABLE[t.name]}" for t in expected]
    assert [h["x-smart-router-model"] for h in headers] == models
    assert [s.body["model"] for s in agent_upstream.received] == [m.split("-", 1)[1] for m in models]
    reasons = [h["x-smart-router-reason"] for h in headers]
    assert "continuation" not in reasons[0] and "stall" not in reasons[0]
    for reason in reasons[1:4]:
        assert f"continuation: session tier {first.name}" in reason and "stall" not in reason
    name = "Bash" if client == "claude" else "exec_command"
    assert f"stall: {name} repeated 3x in last 4 calls" in reasons[4]
    # different failing commands: Claude Code's is_error, Codex's "Process exited with code 1"
    assert "stall: 4 failed tool results in last 5" in reasons[5]
    assert "stall: 5 failed tool results in last 6" in reasons[6]
    if stalled is None:  # a stall at the top model says so and changes nothing
        assert all(f"already on the top model ({provider}-{STRONG})" in r for r in reasons[4:])
    assert_stats(proxy, responses)


@pytest.mark.parametrize("client", list(CLIENTS))
def test_client_retry_keeps_the_tier_regeneration_raises_it(proxy, agent_upstream, client):
    fixture, profile, call_type, _, header = CLIENTS[client]
    row = fresh_session(captured(fixture), header)[0]
    first = scored(call_type, row["body"])
    assert first < Tier.REASONING
    agent_upstream.failing = {SMALL, STRONG}
    failed = send(proxy, row, profile, stream=True)
    assert failed.status_code >= 500
    if client == "codex":  # LiteLLM 1.106 calls the response-headers hook on errors, except on /v1/messages
        assert failed.headers["x-smart-router-tier"] == first.name
    agent_upstream.failing = set()
    after_failure = send(proxy, row, profile, stream=True)  # the last attempt was never answered
    sdk_retry = send(proxy, row, profile, stream=True, **{"x-stainless-retry-count": "1"})
    assert_stats(proxy, [after_failure, sdk_retry])  # the answers are delivered and logged
    regenerated = send(proxy, row, profile, stream=True)  # same ask after a delivered answer
    kept = [after_failure.headers, sdk_retry.headers]
    assert [h["x-smart-router-tier"] for h in kept] == [first.name, first.name]
    assert all("client retry: tier kept" in h["x-smart-router-reason"] for h in kept)
    assert regenerated.headers["x-smart-router-tier"] == Tier(first + 1).name
    assert "retry: same ask again" in regenerated.headers["x-smart-router-reason"]
    assert_stats(proxy, [after_failure, sdk_retry, regenerated])
    (status, tier, _, _), = stats_rows(proxy, [failed.headers["x-litellm-call-id"]]).values()
    assert (status, tier) == ("error", first.name)  # the failure is one row too


@pytest.mark.parametrize("variant", ["captured", "small-max-tokens"])
def test_title_side_call_is_simple_and_leaves_the_session_alone(proxy, variant):
    """Claude Code 2.1's title call (captured: json_schema output, max_tokens 32000), and the same
    instructions as plain text with a small max_tokens; its session text is a hard ask."""
    _, profile, call_type, _, header = CLIENTS["claude"]
    session = str(uuid.uuid4())
    row, title = captured("claude_loop")[0], captured("claude_title")[0]
    for each in (row, title):
        each["headers"][header] = session
    body = json.loads(json.dumps(title["body"]).replace("What is 2+2?", HARD_ASK))
    if variant != "captured":
        body = {"model": profile, "max_tokens": 512, "system": [{"type": "text", "text": TITLE_PROMPT}], "messages": body["messages"]}
    assert scored(call_type, body) >= Tier.COMPLEX  # scored as an ask it would raise the session
    side = send(proxy, dict(title, body=body), profile, stream=variant == "captured")
    assert side.headers["x-smart-router-tier"] == "SIMPLE"
    assert "background: side call (short instructions, title output)" in side.headers["x-smart-router-reason"]
    main = send(proxy, row, profile, stream=True)
    assert main.headers["x-smart-router-tier"] == scored(call_type, row["body"]).name
    assert "session" not in main.headers["x-smart-router-reason"]
    assert_stats(proxy, [side, main])


def test_each_subagent_has_its_own_tier(proxy):
    _, profile, call_type, _, header = CLIENTS["claude"]
    session = str(uuid.uuid4())
    hard = fresh_session(captured("claude_loop"), header, HARD_ASK)[0]
    easy = fresh_session(captured("claude_loop"), header)[0]
    for row in (hard, easy):
        row["headers"][header] = session
    parent = send(proxy, hard, profile, stream=True)
    assert parent.headers["x-smart-router-tier"] == "COMPLEX"
    explore = send(proxy, easy, profile, stream=True, **{"x-claude-code-agent-id": "agent-explore-1"})
    assert explore.headers["x-smart-router-tier"] == scored(call_type, easy["body"]).name != "COMPLEX"
    assert "session" not in explore.headers["x-smart-router-reason"]
    followup = dict(hard, body=dict(hard["body"], messages=[*hard["body"]["messages"],
                    {"role": "assistant", "content": "Done."}, {"role": "user", "content": "thanks"}]))  # fmt: skip
    parent_again = send(proxy, followup, profile, stream=True)
    assert parent_again.headers["x-smart-router-tier"] == "COMPLEX"  # the subagent left the parent's tier alone
    assert_stats(proxy, [parent, explore, parent_again])


def test_local_command_envelopes_are_not_scored(proxy):
    _, profile, call_type, _, header = CLIENTS["claude"]
    row = fresh_session(captured("claude_loop"), header)[0]
    ask = "What is 2+2?"
    envelopes = (
        "<local-command-caveat>Caveat: The messages below were generated by the user while running local commands. "
        "DO NOT respond to these messages.</local-command-caveat>",
        "<command-name>/model</command-name>\n<command-message>model</command-message>\n<command-args>smart/auto</command-args>",
        f"<local-command-stdout>Set model to smart/auto. {REMINDER_TEXT}</local-command-stdout>",
    )
    blocks = [{"type": "text", "text": t} for t in (*envelopes, ask)]
    body = dict(row["body"], messages=[{"role": "user", "content": blocks}])
    plain = dict(row["body"], messages=[{"role": "user", "content": ask}])
    routed = send(proxy, dict(row, body=body), profile, stream=True)
    assert routed.headers["x-smart-router-tier"] == scored(call_type, plain).name
    unstripped = dict(plain, messages=[{"role": "user", "content": envelopes[2].replace("local-command-stdout", "x") + "\n" + ask}])
    assert scored(call_type, unstripped) > scored(call_type, plain)  # the envelope's text would have raised it
    assert_stats(proxy, [routed])


def test_bundled_cooldowns_skip_a_dead_model(upstream):
    """The bundled config's router_settings (allowed_fails, cooldown_time, retry_policy): a tier
    model answering 500 is tried at most twice, then skipped while the fallback answers at once."""
    bundled = yaml.safe_load((REPO / "smart_router" / "data" / "default_config.yaml").read_text(encoding="utf-8"))
    settings = {k: v for k, v in bundled["router_settings"].items() if k != "model_group_alias"}
    assert settings["allowed_fails"] >= 1 and settings["cooldown_time"] >= 30
    config = {
        "model_list": [upstream_model(m, upstream.url) for m in ("dead", "alive")],
        "litellm_settings": {"callbacks": "smart_router.hook.proxy_handler"},
        "router_settings": settings,
        "general_settings": {"master_key": MASTER_KEY},
        "smart_router": {"sessions": {"enabled": False},
                         "profiles": {"auto": {"tiers": {t: {"model": "dead", "fallbacks": ["alive"]} for t in TABLE}}}},
    }  # fmt: skip
    server = start_litellm(config)
    try:
        upstream.faults["dead"] = 500
        client = openai.OpenAI(base_url=f"{server.base_url}/v1", api_key=MASTER_KEY, max_retries=0)
        for _ in range(5):
            raw = client.chat.completions.with_raw_response.create(model="smart/auto", messages=[{"role": "user", "content": "hi"}])
            assert raw.parse().choices[0].message.content == "answered by alive"
            assert raw.headers["x-smart-router-model"] == "dead"
        seen = upstream.models()
        assert seen.count("alive") == 5 and seen.count("dead") == settings["allowed_fails"] + 1, seen
    finally:
        server.stop()
