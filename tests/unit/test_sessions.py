"""Session keys, the bounded session store and stickiness on an injected clock."""

import asyncio
from types import SimpleNamespace

from litellm.caching.in_memory_cache import InMemoryCache

from smart_router.request import session_ids
from smart_router.types import RoutingText, Tier, Turn
from smart_router.sessions import SessionKeys, SessionState, SessionStore, session_keys


def _session(data, headers, text, owner):
    return session_keys(session_ids(data, headers), headers.get("x-claude-code-agent-id", ""), text, owner)


def test_session_key_precedence_and_owner_namespacing():
    text = RoutingText(turns=(Turn("user", "hi"),), system="sys")
    by_header = _session({"user": "u"}, {"x-session-id": "s1"}, text, "key1")
    by_metadata = _session({"metadata": {"session_id": "s1"}, "user": "u"}, {}, text, "key1")
    by_user = _session({"user": "u"}, {}, text, "key1")
    by_hash = _session({}, {}, text, "key1")
    assert [k.source for k in (by_header, by_metadata, by_user, by_hash)] == ["header", "metadata", "user", "hash"]
    assert _session({}, {}, text, "key2").save != by_hash.save
    longer = RoutingText(turns=(Turn("user", "hi"), Turn("assistant", "hello"), Turn("user", "more")), system="sys")
    assert by_hash.save in _session({}, {}, longer, "key1").lookup  # the next turn continues this request's session


def test_no_owner_no_session():
    assert _session({}, {"x-session-id": "s1"}, RoutingText.of("hi"), "") is None


def test_hash_sessions_follow_one_history_and_never_merge_conversations():
    """Issue 16 #9: same system prompt and opening, different conversations: different sessions."""
    opening = (Turn("user", "Hi, I am the shop's assistant bot."), Turn("assistant", "How can I help?"))
    hard = RoutingText(turns=(*opening, Turn("user", "prove the Riemann hypothesis")), system="shop")
    other = RoutingText(turns=(*opening, Turn("user", "opening hours?")), system="shop")
    first, second = _session({}, {}, hard, "app"), _session({}, {}, other, "app")
    assert not set(first.lookup) & {second.save} and not set(second.lookup) & {first.save}
    follow_up = RoutingText(turns=(*hard.turns, Turn("assistant", "..."), Turn("user", "thanks")), system="shop")
    assert first.save in _session({}, {}, follow_up, "app").lookup
    assert second.save not in _session({}, {}, follow_up, "app").lookup


def _keys(owner: str, name: str) -> SessionKeys:
    return SessionKeys((name,), name, "header", owner)


def test_one_owner_cannot_push_out_other_owners_sessions():
    """Issue 16 #10: a key with 10,000 session ids keeps at most its share; others keep theirs."""
    cache = InMemoryCache(max_size_in_memory=10_000, default_ttl=3600)
    store = SessionStore(cache, idle_seconds=1800, clock=lambda: 0.0)
    state = SessionState(Tier.REASONING, 0.0)

    async def scenario():
        await store.save(_keys("victim", "v"), state)
        for i in range(10_000):
            await store.save(_keys("flood", f"f{i}"), state)
        return (await store.load(_keys("victim", "v")))[0], (await store.load(_keys("flood", "f0")))[0]

    victim, oldest_flood = asyncio.run(scenario())
    assert victim == state and oldest_flood is None
    assert len(cache.cache_dict) <= store.per_owner + 1


def test_session_store_expires_idle_sessions_by_its_clock():
    now = [1000.0]
    store = SessionStore(InMemoryCache(max_size_in_memory=10, default_ttl=3600), idle_seconds=1800, clock=lambda: now[0])

    async def scenario():
        await store.save(_keys("o", "k"), SessionState(Tier.COMPLEX, now[0], "d", now[0]))
        now[0] += 1799
        fresh, _ = await store.load(_keys("o", "k"))
        now[0] += 2
        stale, _ = await store.load(_keys("o", "k"))
        return fresh, stale

    fresh, stale = asyncio.run(scenario())
    assert fresh == SessionState(Tier.COMPLEX, 1000.0, "d", 1000.0)
    assert stale is None


def test_session_store_survives_a_broken_cache():
    class Broken:
        async def async_get_cache(self, key):
            raise ConnectionError("redis down")

        async def async_set_cache(self, key, value, ttl=None):
            raise ConnectionError("redis down")

    store = SessionStore(Broken(), 60)
    assert asyncio.run(store.load(_keys("o", "k"))) == (None, None)
    asyncio.run(store.save(_keys("o", "k"), SessionState(Tier.SIMPLE, 0.0)))


def test_hook_session_expires_after_idle_time_on_an_injected_clock():
    from smart_router.hook import SmartRouterHook

    now = [0.0]
    hook = SmartRouterHook(sessions=SessionStore(InMemoryCache(max_size_in_memory=10, default_ttl=7200), 1800, clock=lambda: now[0]))
    hard = "Design a high-availability microservices architecture with Kubernetes, Kafka and PostgreSQL replication."

    async def turn(text, minutes_later):
        now[0] += minutes_later * 60
        body = {"model": "smart/auto", "messages": [{"role": "user", "content": text}], "metadata": {"session_id": "s-1"}}
        routed = await hook.async_pre_call_hook(SimpleNamespace(token="key-1"), None, body, "acompletion")
        return routed["metadata"]["smart_router"]["tier"]

    async def scenario():
        return [await turn(hard, 0), await turn("thanks", 29), await turn("thanks", 29), await turn("thanks", 31)]

    assert asyncio.run(scenario()) == ["COMPLEX", "COMPLEX", "COMPLEX", "SIMPLE"]
