"""End to end: replayed agent sessions (Claude Code shape over /v1/messages, Codex shape over
/v1/responses) through a real proxy. Asserted per turn: tier, model, and the reason.

Turn → tier table asserted here (and shown in the README):

| turn | what the client sends | tier | why |
|---|---|---|---|
| 1 | new ask + `<system-reminder>` blocks, 16 tools | COMPLEX | scored on the ask only |
| 2 | tool_result (file contents) | COMPLEX | continuation keeps the session tier |
| 3 | the same failing Bash call a 3rd time | REASONING | stall: one tier up |
| 4 | a different call succeeds | COMPLEX | the stall lifts |
| 5 | new easy human message | COMPLEX | session tier never falls |
| side | title / topic check, no tools | SIMPLE | background side call (by structure) |
| side | quota probe, max_tokens 1 | SIMPLE | background call |
"""

import anthropic
import openai
import pytest

from smart_router.types import Tier

from .launcher import MASTER_KEY, start_litellm, upstream_model

AGENT_MODELS = {"SIMPLE": "agent-simple", "MEDIUM": "agent-medium", "COMPLEX": "agent-complex", "REASONING": "agent-reasoning"}
CHAT_MODELS = {"SIMPLE": "cheap", "MEDIUM": "mid", "COMPLEX": "strong", "REASONING": "thinker"}
ASK = (
    "Design and implement a distributed rate limiter for our microservices architecture: use Redis, handle "
    "concurrency and failover, keep latency under 5 ms, and write the migration plan for the existing API gateway."
)
REMINDER_TEXT = (
    "Prove each invariant step by step, reason about the algorithm complexity, and think carefully about "
    "concurrency, distributed consensus and formal verification."
)
REMINDER = f"<system-reminder>As you answer, you can use this context: # CLAUDE.md\n{REMINDER_TEXT}\n</system-reminder>"
SYSTEM = [
    {"type": "text", "text": "You are Claude Code, Anthropic's official CLI for Claude."},
    {"type": "text", "text": "You are an interactive CLI tool that helps users with software engineering tasks. " * 60,
     "cache_control": {"type": "ephemeral"}},
]  # fmt: skip
TOOL_NAMES = ["Task", "Bash", "Glob", "Grep", "LS", "ExitPlanMode", "Read", "Edit", "MultiEdit", "Write",
              "NotebookEdit", "WebFetch", "TodoWrite", "WebSearch", "BashOutput", "KillShell"]  # fmt: skip
TOOLS = [
    {"name": name, "description": f"The {name} tool.",
     "input_schema": {"type": "object", "properties": {"command": {"type": "string"}}, "required": []}}
    for name in TOOL_NAMES
]  # fmt: skip


@pytest.fixture(scope="module")
def proxy(upstream):
    config = {
        "model_list": [upstream_model(m, upstream.url) for m in [*AGENT_MODELS.values(), *CHAT_MODELS.values()]],
        "litellm_settings": {"callbacks": "smart_router.hook.proxy_handler", "num_retries": 0},
        "general_settings": {"master_key": MASTER_KEY},
        "smart_router": {"profiles": {"auto": {"tiers": dict(CHAT_MODELS)}, "agentic": {"tiers": dict(AGENT_MODELS)}}},
    }
    server = start_litellm(config)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def claude(proxy):
    return anthropic.Anthropic(base_url=proxy.base_url, api_key=MASTER_KEY, max_retries=0)


def send(claude, messages, **extra):
    """One /v1/messages request as Claude Code makes it; returns the routing headers."""
    body = {"model": "smart/auto", "max_tokens": 4096, "system": SYSTEM, "tools": TOOLS, **extra}
    raw = claude.messages.with_raw_response.create(messages=messages, **body)
    raw.parse()
    return raw.headers


def tool_use(i, command):
    return {"role": "assistant", "content": [{"type": "tool_use", "id": f"toolu_{i}", "name": "Bash", "input": {"command": command}}]}


def tool_result(i, text, error=False):
    return {"role": "user", "content": [
        {"type": "tool_result", "tool_use_id": f"toolu_{i}", "content": text, "is_error": error},
        {"type": "text", "text": "<system-reminder>The todo list is empty.</system-reminder>"},
    ]}  # fmt: skip


def test_claude_code_session_routes_turn_by_turn(claude, upstream, scored):
    tier = scored(ASK)  # the proxy scores with the same bundled table (COMPLEX today)
    assert tier < Tier.REASONING  # so a stall has a tier to go up to
    # the reminder's text as part of the ask would score higher: an unchanged tier means it was cut
    assert scored(ASK + "\n" + REMINDER_TEXT) > tier
    higher = Tier(tier + 1)
    first = {"role": "user", "content": [{"type": "text", "text": REMINDER}, {"type": "text", "text": ASK}]}
    turns = [first]
    seen = []

    seen.append(send(claude, turns))  # 1: the ask
    turns += [tool_use(1, "cat auth/service.py"), tool_result(1, "class AuthService:\n    def prove_theorem(self): ...")]
    seen.append(send(claude, turns))  # 2: continuation
    for i in (2, 3, 4):
        turns += [tool_use(i, "pytest tests/test_auth.py"), tool_result(i, "FAILED: 3 errors", error=True)]
    seen.append(send(claude, turns))  # 3: the same failing call three times
    turns += [tool_use(5, "git diff"), tool_result(5, "diff --git a/auth/service.py ...")]
    seen.append(send(claude, turns))  # 4: calls changed
    turns += [{"role": "assistant", "content": "Done: the service is split out."}, {"role": "user", "content": "thanks, looks good"}]
    seen.append(send(claude, turns))  # 5: new easy human message

    expected = [tier, tier, higher, tier, tier]
    assert [h["x-smart-router-tier"] for h in seen] == [t.name for t in expected]
    assert upstream.models() == [AGENT_MODELS[t.name] for t in expected]
    reasons = [h["x-smart-router-reason"] for h in seen]
    assert "tools -> agentic" in reasons[0]
    assert f"continuation: session tier {tier.name}" in reasons[1]
    assert "stall: Bash repeated 3x" in reasons[2]
    assert "stall" not in reasons[3] and "continuation" in reasons[3]
    assert scored("thanks, looks good") < tier and f"session: kept {tier.name}" in reasons[4]


def test_claude_code_side_calls_stay_simple(claude, upstream):
    title = claude.messages.with_raw_response.create(
        model="smart/auto",
        max_tokens=512,
        system="Analyze if this message indicates a new conversation topic. If it does, extract a 2-3 word title "
        "that captures the new topic. Format your response as a JSON object with two fields: 'isNewTopic' and 'title'.",
        messages=[{"role": "user", "content": ASK}],
    )
    quota = claude.messages.with_raw_response.create(model="smart/auto", max_tokens=1, messages=[{"role": "user", "content": "quota"}])
    assert [r.headers["x-smart-router-tier"] for r in (title, quota)] == ["SIMPLE", "SIMPLE"]
    assert "background: side call (short instructions, title output)" in title.headers["x-smart-router-reason"]  # structure first
    assert "background: max_tokens 1" in quota.headers["x-smart-router-reason"]
    assert upstream.models() == ["cheap", "cheap"]


def test_codex_style_responses_session(proxy, upstream, scored):
    client = openai.OpenAI(base_url=f"{proxy.base_url}/v1", api_key=MASTER_KEY, max_retries=0)
    tools = [{"type": "function", "name": "shell", "description": "Run a shell command",
              "parameters": {"type": "object", "properties": {"command": {"type": "array", "items": {"type": "string"}}}}}]  # fmt: skip
    instructions = "You are Codex, a coding agent running in the user's terminal. " * 40
    items = [{"role": "user", "content": [{"type": "input_text", "text": ASK}]}]

    def step():
        raw = client.responses.with_raw_response.create(model="smart/auto", instructions=instructions, input=items, tools=tools)
        raw.parse()
        return raw.headers

    seen = [step()]
    for i in range(3):
        items += [{"type": "function_call", "call_id": f"c{i}", "name": "shell", "arguments": '{"command": ["make", "test"]}'},
                  {"type": "function_call_output", "call_id": f"c{i}", "output": "Error: make: *** [test] Error 2"}]  # fmt: skip
        seen.append(step())
    tier = scored(ASK)
    expected = [tier, tier, tier, Tier(tier + 1)]
    assert [h["x-smart-router-tier"] for h in seen] == [t.name for t in expected]
    assert "continuation" in seen[1]["x-smart-router-reason"]
    assert "stall" in seen[3]["x-smart-router-reason"]
    assert upstream.models("/responses") == [AGENT_MODELS[t.name] for t in expected]
