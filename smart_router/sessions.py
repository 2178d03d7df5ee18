"""Session stickiness: a conversation keeps its tier (it may rise, never fall) until idle.

State lives in LiteLLM's own caches: the proxy's Redis cache when the proxy config has one
(so every proxy instance behind a load balancer agrees), else a LiteLLM ``InMemoryCache``
bounded in entries. Each entry expires after the idle time; the expiry is also checked
against an injectable clock, so tests need no sleeps.

The session of a request, first match wins: the ``x-session-id`` header,
``metadata.session_id`` / ``litellm_session_id``, the ``user`` field, else a hash of the
system prompt plus the first user message (stable across the turns of one conversation,
so Claude Code and plain SDK clients get stickiness with no change). Keys are namespaced
by the API key, so two keys never share a session, and by Claude Code's
``x-claude-code-agent-id``, so each subagent of a session keeps a tier of its own.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, replace
from typing import Any, Callable, Mapping

from .scorer import RoutingText, Tier

SESSION_HEADER = "x-session-id"
AGENT_HEADER = "x-claude-code-agent-id"
KEY_PREFIX = "smart_router:session:"
MAX_IN_MEMORY_SESSIONS = 10_000


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


def request_headers(data: Mapping[str, Any]) -> dict[str, str]:
    """The client's request headers as LiteLLM recorded them (lower-case names)."""
    for holder in (data.get("proxy_server_request"), data.get("metadata"), data.get("litellm_metadata")):
        headers = holder.get("headers") if isinstance(holder, dict) else None
        if isinstance(headers, dict):
            return {str(k).lower(): v for k, v in headers.items() if isinstance(v, str)}
    return {}


def metadata_sections(data: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The request's metadata mappings: ``metadata`` and, for /v1/messages and /v1/responses, ``litellm_metadata``."""
    return [m for m in (data.get("metadata"), data.get("litellm_metadata")) if isinstance(m, dict)]


def session_key(data: Mapping[str, Any], headers: Mapping[str, str], text: RoutingText, owner: str) -> tuple[str, str]:
    """The cache key of this request's session and where it came from (header, metadata, user, hash)."""
    source, value = "hash", None
    metadata = metadata_sections(data)
    candidates = [
        ("header", headers.get(SESSION_HEADER)),
        *(("metadata", m.get("session_id")) for m in metadata),
        ("metadata", data.get("litellm_session_id")),
        *(("metadata", m.get("litellm_session_id")) for m in metadata),
        ("user", data.get("user")),
    ]
    for name, candidate in candidates:
        if isinstance(candidate, (str, int)) and not isinstance(candidate, bool) and str(candidate):
            source, value = name, str(candidate)
            break
    if value is None:
        first = next((t.text for t in text.turns if t.role == "user"), "")
        value = digest(_bounded(text.system) + "\x00" + _bounded(first))  # no copy of a megabyte ask
    agent = headers.get(AGENT_HEADER)
    if agent:
        value += "\x00agent\x00" + agent[:200]
    return KEY_PREFIX + digest(f"{owner}\x00{source}\x00{value}"), source


class SessionStore:
    """Reads and writes ``SessionState`` in a LiteLLM cache (anything with async get/set)."""

    def __init__(self, cache: Any, idle_seconds: float, clock: Callable[[], float] = time.time):
        self.cache = cache
        self.idle_seconds = idle_seconds
        self.clock = clock

    async def load(self, key: str) -> SessionState | None:
        """The live state of a session; None when unknown or idle for too long."""
        try:
            state = SessionState.from_json(await self.cache.async_get_cache(key))
        except Exception:  # a cache outage must not fail the request: route without stickiness
            return None
        if state is None or self.clock() - state.seen_at > self.idle_seconds:
            return None
        return state

    async def mark_answered(self, key: str, ask_digest: str) -> None:
        """The session's newest ask (if still ``ask_digest``) got an answer: a repeat now is a regeneration."""
        state = await self.load(key)
        if state is not None and state.ask_digest == ask_digest and not state.answered:
            await self.save(key, replace(state, answered=True))

    async def save(self, key: str, state: SessionState) -> None:
        """Store ``state``; the entry expires once the session is idle."""
        try:
            await self.cache.async_set_cache(key, state.to_json(), ttl=max(1, int(self.idle_seconds)))
        except Exception:  # see load(): stickiness is best effort, the request goes on
            return
