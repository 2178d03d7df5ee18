"""Session stickiness: a conversation keeps its tier (it may rise, never fall) until idle.

State lives in LiteLLM's own caches: the proxy's Redis cache when the proxy config has one
(so every proxy instance behind a load balancer agrees), else a LiteLLM ``InMemoryCache``
bounded in entries. Each entry expires after the idle time; the expiry is also checked
against an injectable clock, so tests need no sleeps.

The session of a request, first match wins: the ``x-session-id`` header,
``metadata.session_id`` / ``litellm_session_id``, the ``user`` field, else the message
history itself: a request continues the session of the request whose whole history is
its own history up to the newest assistant turn (what a chat client or agent sends turn
after turn), so Claude Code and plain SDK clients get stickiness with no change, while
two conversations that merely share a system prompt and opening never share a tier.
Keys are namespaced by the API key (a request without one, no owner, gets no session) and
by Claude Code's ``x-claude-code-agent-id``, so each subagent of a session keeps a tier of its own.
Each owner keeps at most ``MAX_SESSIONS_PER_OWNER`` sessions here, its oldest go first,
so one key cannot push other keys' sessions out.
"""

from __future__ import annotations

import hashlib
import time
from collections import OrderedDict
from dataclasses import dataclass, replace
from typing import Any, Callable, Sequence

from .types import RoutingText, Tier

SESSION_HEADER = "x-session-id"
AGENT_HEADER = "x-claude-code-agent-id"
KEY_PREFIX = "smart_router:session:"
MAX_IN_MEMORY_SESSIONS = 10_000
MAX_SESSIONS_PER_OWNER = 1_000  # one key's share of the store


@dataclass(frozen=True)
class SessionState:
    """What a conversation's next request needs to know."""

    tier: Tier  # the sticky tier: it may rise, never fall, while the session lives
    seen_at: float  # last request of the session (clock seconds)
    ask_digest: str = ""  # digest of the newest user ask, to spot regenerations
    ask_at: float = 0.0
    answered: bool = True  # the newest ask got an answer (False until its success is logged)

    def to_json(self) -> dict[str, Any]:
        return {"tier": int(self.tier), "seen_at": self.seen_at, "ask_digest": self.ask_digest, "ask_at": self.ask_at,
                "answered": self.answered}  # fmt: skip

    @classmethod
    def from_json(cls, raw: Any) -> "SessionState | None":
        """Parse a cached value; None when it is missing or not ours."""
        try:
            answered = raw.get("answered", True) is not False
            return cls(Tier(int(raw["tier"])), float(raw["seen_at"]), str(raw["ask_digest"]), float(raw["ask_at"]), answered)
        except (KeyError, TypeError, ValueError, AttributeError):
            return None


_DIGEST_SPAN = 65_536  # longer texts are digested by length, head and tail: bounded time on the event loop


def _bounded(text: str) -> str:
    """``text`` itself, or its length, head and tail when it is very long (a stand-in to digest)."""
    if len(text) > 2 * _DIGEST_SPAN:
        return f"{len(text)}\x00{text[:_DIGEST_SPAN]}\x00{text[-_DIGEST_SPAN:]}"
    return text


def digest(text: str) -> str:
    """A short stable digest of ``text``."""
    text = _bounded(text)
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=12).hexdigest()


def _history_digests(text: RoutingText) -> tuple[str, str | None]:
    """Digests of the whole history and of the part before its newest assistant turn (None without one)."""
    last_answer = max((i for i, t in enumerate(text.turns) if t.role == "assistant"), default=None)
    running = hashlib.blake2b(_bounded(text.system).encode("utf-8", "surrogatepass"), digest_size=12)
    before = None
    for index, turn in enumerate(text.turns):
        if index == last_answer:
            before = running.hexdigest()
        running.update(f"\x00{turn.role}\x00{_bounded(turn.text)}".encode("utf-8", "surrogatepass"))
    return running.hexdigest(), before


@dataclass(frozen=True)
class SessionKeys:
    """Where a request's session is looked up (first live entry wins) and saved."""

    lookup: tuple[str, ...]
    save: str
    source: str  # header, metadata, user or hash
    owner: str


def session_keys(ids: Sequence[tuple[str, Any]], agent: str, text: RoutingText, owner: str) -> SessionKeys | None:
    """The cache keys of a request's session: the first usable id of ``ids`` (source, value),
    else its history; None when nobody owns the request (no API key)."""
    if not owner:
        return None

    def key(source: str, value: str) -> str:
        return KEY_PREFIX + digest(f"{owner}\x00{source}\x00{value}" + (f"\x00agent\x00{agent}" if agent else ""))

    for name, candidate in ids:
        if isinstance(candidate, (str, int)) and not isinstance(candidate, bool) and str(candidate):
            own = key(name, str(candidate))
            return SessionKeys((own,), own, name, owner)
    whole, before = _history_digests(text)
    lookup = (key("hash", whole),) + ((key("hash", before),) if before else ())  # a repeat, else the previous turn
    return SessionKeys(lookup, lookup[0], "hash", owner)


class SessionStore:
    """Reads and writes ``SessionState`` in a LiteLLM cache (anything with async get/set)."""

    def __init__(
        self,
        cache: Any,
        idle_seconds: float,
        clock: Callable[[], float] = time.time,
        per_owner: int = MAX_SESSIONS_PER_OWNER,
        capacity: int = MAX_IN_MEMORY_SESSIONS,
    ):
        self.cache = cache
        self.idle_seconds = idle_seconds
        self.clock = clock
        self.per_owner, self.capacity = per_owner, capacity
        self._owned: OrderedDict[str, OrderedDict[str, None]] = OrderedDict()  # owner -> its keys, oldest first
        self._tracked = 0

    async def load(self, keys: SessionKeys) -> tuple[SessionState | None, str | None]:
        """The live state of a session and the key it was found under; (None, None) when none is live."""
        for key in keys.lookup:
            try:
                state = SessionState.from_json(await self.cache.async_get_cache(key))
            except Exception:  # a cache outage must not fail the request: route without stickiness
                return None, None
            if state is not None and self.clock() - state.seen_at <= self.idle_seconds:
                return state, key
        return None, None

    async def mark_answered(self, key: str, ask_digest: str) -> None:
        """The session's newest ask (if still ``ask_digest``) got an answer: a repeat now is a regeneration."""
        try:
            state = SessionState.from_json(await self.cache.async_get_cache(key))
            if state is not None and state.ask_digest == ask_digest and not state.answered:
                await self.cache.async_set_cache(key, replace(state, answered=True).to_json(), ttl=max(1, int(self.idle_seconds)))
        except Exception:  # see load(): best effort
            return

    async def save(self, keys: SessionKeys, state: SessionState, found: str | None = None) -> None:
        """Store ``state`` under ``keys.save`` (expiring once idle); ``found``, an older entry of
        the same conversation under another key, is dropped. Enforces the per-owner limit."""
        try:
            await self.cache.async_set_cache(keys.save, state.to_json(), ttl=max(1, int(self.idle_seconds)))
            owned = self._owned.pop(keys.owner, None) or OrderedDict()
            self._owned[keys.owner] = owned  # most recently active owner last
            if found and found != keys.save and found in owned:
                await self._forget(keys.owner, found)
            if keys.save not in owned:
                self._tracked += 1
            owned[keys.save] = None
            owned.move_to_end(keys.save)
            while len(owned) > self.per_owner:
                await self._forget(keys.owner, next(iter(owned)))
            while self._tracked > self.capacity:  # the least recently active owner gives up its oldest
                owner, oldest = next(iter(self._owned.items()))
                await self._forget(owner, next(iter(oldest)))
        except Exception:  # see load(): stickiness is best effort, the request goes on
            return

    async def _forget(self, owner: str, key: str) -> None:
        owned = self._owned[owner]
        del owned[key]
        self._tracked -= 1
        if not owned:
            del self._owned[owner]
        delete = getattr(self.cache, "async_delete_cache", None)
        if delete is not None:
            await delete(key)
        else:  # LiteLLM's InMemoryCache deletes synchronously
            self.cache.delete_cache(key)
