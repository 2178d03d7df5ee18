"""Nothing the hook keeps between requests grows without bound: the in-memory session cache
and the keyword matcher's token caches stay at their limits under a stream of distinct
conversations and never-seen words (the load test shows the proxy's RSS levelling off)."""

from __future__ import annotations

import asyncio
import random
from types import SimpleNamespace

from smart_router import matcher
from smart_router.hook import SmartRouterHook
from smart_router.sessions import MAX_IN_MEMORY_SESSIONS

CONVERSATIONS = MAX_IN_MEMORY_SESSIONS + 5_000


def test_session_cache_and_matcher_caches_stay_bounded():
    hook = SmartRouterHook()
    rng = random.Random(4)
    scorer = hook.engine.scorer

    async def run() -> None:
        for number in range(CONVERSATIONS):
            words = " ".join(f"w{rng.randrange(10**9):x}" for _ in range(6))  # never-seen tokens
            body = {"model": "smart/auto", "messages": [{"role": "user", "content": f"conversation {number}: {words}"}]}
            await hook.async_pre_call_hook(SimpleNamespace(token=f"key-{number % 20}"), None, body, "acompletion")

    asyncio.run(run())
    cache = hook.sessions.cache
    assert MAX_IN_MEMORY_SESSIONS // 2 < len(cache.cache_dict) <= MAX_IN_MEMORY_SESSIONS  # in use, and capped
    assert len(cache.ttl_dict) <= MAX_IN_MEMORY_SESSIONS
    assert len(getattr(cache, "expiration_heap", ())) <= 2 * MAX_IN_MEMORY_SESSIONS
    assert 0 < scorer.matcher.cache_size <= matcher.CACHE_LIMIT
    assert scorer.system_matcher.cache_size <= matcher.CACHE_LIMIT
