"""``route_request``: the I/O around ``decide`` (read, load the session, decide, save)."""

import asyncio
import copy
from types import SimpleNamespace

from litellm.caching.in_memory_cache import InMemoryCache

from smart_router.routing import route_request
from smart_router.sessions import SessionStore
from smart_router.types import Tier

KEY = SimpleNamespace(token="hashed-key")
HARD = "Design a high-availability microservices architecture with Kubernetes, Kafka and PostgreSQL replication."


def body(prompt, **extra):
    return {"model": "smart/auto", "messages": [{"role": "user", "content": prompt}], "metadata": {"session_id": "s"}, **extra}


def test_a_session_carries_its_tier_to_the_next_request_and_the_body_is_left_alone(engine):
    store = SessionStore(InMemoryCache(max_size_in_memory=10, default_ttl=60), 1800, clock=lambda: 50.0)

    async def two_turns():
        first = body(HARD)
        untouched = copy.deepcopy(first)
        request, outcome = await route_request(engine, store, first, "acompletion", KEY)
        assert first == untouched
        return outcome, (await route_request(engine, store, body("thanks"), "acompletion", KEY))[1]

    first, second = asyncio.run(two_turns())
    assert first.route.tier >= Tier.COMPLEX and second.route.tier == first.route.tier
    assert "session: kept" in second.reason and second.session == "metadata"


def test_without_a_store_nothing_is_remembered(engine):
    _, outcome = asyncio.run(route_request(engine, None, body("thanks"), "acompletion", KEY))
    assert outcome.route.tier == Tier.SIMPLE and outcome.new_session is not None  # decided, but nowhere to keep it
