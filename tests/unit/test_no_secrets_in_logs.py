"""No API key and no prompt text in log records at INFO or above, on any path of the hook.

(The real proxy's log file is scanned the same way in tests/proxy/test_fuzz_proxy.py.)
"""

from __future__ import annotations

import asyncio
import logging

import pytest
from fastapi import HTTPException
from litellm.proxy._types import UserAPIKeyAuth

from smart_router.hook import SmartRouterHook

SECRET = "sk-live-7f3a9c2e5b1d4f6a8c0e2b4d6f8a0c2e"
MARKER = "zqxjvPROMPT7731"  # appears only in prompts
SYSTEM_MARKER = "wkfpSYSTEM4410"
PROMPTS = [
    f"{MARKER} hello",
    f"Prove by induction, step by step, that {MARKER} holds for every n; derive it formally.",
    f"Write a Python function {MARKER}(x) that returns json, then run the tests and deploy it.",
    f"{MARKER} " * 5000,
]


def _bodies():
    for prompt in PROMPTS:
        yield "acompletion", {"model": "smart/auto", "messages": [{"role": "system", "content": SYSTEM_MARKER}, {"role": "user", "content": prompt}],
                              "user": MARKER, "metadata": {"headers": {"authorization": f"Bearer {SECRET}"}}}  # fmt: skip
        yield "anthropic_messages", {"model": "smart/premium", "system": SYSTEM_MARKER, "messages": [{"role": "user", "content": prompt}]}
        yield "aresponses", {"model": "smart/eco", "input": prompt, "instructions": SYSTEM_MARKER}
        yield "atext_completion", {"model": "smart/free", "prompt": prompt}
        yield "acompletion", {"model": "smart/agentic", "messages": [{"role": "user", "content": prompt}],
                              "tools": [{"type": "function", "function": {"name": MARKER}}]}  # fmt: skip
    yield "acompletion", {"model": f"smart/{MARKER}", "messages": [{"role": "user", "content": MARKER}]}  # unknown profile
    yield "aembedding", {"model": "smart/auto", "input": MARKER}  # no embedding model: 400
    yield "acompletion", {"model": "smart/auto", "messages": [{"role": "user", "content": MARKER}],
                          "metadata": {"headers": {"x-smart-router-tier": MARKER}}}  # a bad override  # fmt: skip


@pytest.mark.parametrize("key", [
    UserAPIKeyAuth(api_key=SECRET, token=SECRET, key_alias=None),
    UserAPIKeyAuth(api_key=SECRET, token=SECRET, models=["gemini-flash", "claude-sonnet", "gpt-4o-mini"]),
], ids=["unrestricted", "restricted"])  # fmt: skip
def test_hook_logs_carry_neither_keys_nor_prompts(caplog, key):
    hook = SmartRouterHook()
    routed = rejected = 0
    with caplog.at_level(logging.DEBUG):
        for call_type, body in _bodies():
            try:
                asyncio.run(hook.async_pre_call_hook(key, None, body, call_type))
                routed += 1
            except HTTPException:
                rejected += 1
    assert routed >= 15 and rejected >= 2
    records = [r for r in caplog.records if r.levelno >= logging.INFO]
    assert any(r.name == "smart_router" for r in records), "the per-request INFO line is expected"
    for record in records:
        line = record.getMessage() + " " + str(record.args or "")
        for forbidden in (SECRET, MARKER, SYSTEM_MARKER):
            assert forbidden not in line, f"{forbidden!r} in a {record.levelname} record of {record.name}: {line[:300]}"
