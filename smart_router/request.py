"""Read a request once: body + headers + the caller's key -> an immutable ``Request``.

Every routing rule reads this view, never the raw body. Reading is pure and never raises on
odd input, except ``BadRequest`` for a body the router cannot read (``extract.check``) or an
unknown profile; it is the only place that knows where LiteLLM keeps headers and metadata.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cached_property
from typing import Any, Mapping

from .agents import ToolActivity, json_format, tool_activity
from .budget import Spend, spends
from .config import RouterConfig
from .controls import HEADER_PREFIX, METADATA_PREFIX, OVERRIDE_NAMES, overrides_allowed
from .extract import check, extract
from .select import allowed_models
from .sessions import AGENT_HEADER, SESSION_HEADER, SessionKeys, digest, session_keys
from .types import METADATA_KEY, Needs, RoutingInfo, RoutingText

METADATA_KEYS = ("metadata", "litellm_metadata")  # /v1/messages and /v1/responses use the second
FALLBACK_KEYS = ("fallbacks", "context_window_fallbacks", "content_policy_fallbacks")  # LiteLLM's request-level lists
RETRY_HEADER = "x-stainless-retry-count"  # the OpenAI and Anthropic SDKs count their own retries here
# Bodies with more text or items than these are read and scored in a worker thread: tiktoken
# releases the GIL, so the event loop keeps serving (bench_scorer.py --off-loop-chars measures it).
OFF_LOOP_CHARS = 8_000
OFF_LOOP_ITEMS = 1_000


@dataclass(frozen=True)
class Caller:
    """What the authenticated key (and its team and user) allows and has spent."""

    owner: str = ""  # the hashed API key LiteLLM authenticated; "" for nobody (no session)
    allowed_models: frozenset[str] | None = None  # None: any model
    overrides_allowed: bool = True  # config and key metadata may forbid client overrides
    spends: tuple[Spend, ...] = ()  # budgets with a positive max_budget


@dataclass(frozen=True)
class Request:
    """One generation request as the routing rules see it."""

    requested: str  # the model name as asked for, e.g. "smart/auto"
    profile: str  # the profile it names (validated)
    text: RoutingText
    needs: Needs  # including the caller's allowed models
    caller: Caller
    activity: ToolActivity = ToolActivity()  # the assistant's tool calls and failed results
    output_format: str = ""  # structured output asked for, as text (side-call evidence)
    overrides_asked: tuple[tuple[str, Any], ...] = ()  # raw override values by name, not yet validated
    client_retry: bool = False  # the client says this is its own retry
    session: SessionKeys | None = None  # where its session lives; None: no session
    client_fallbacks: tuple[Any, ...] = ()  # model names the client listed as fallbacks, unchecked

    @cached_property
    def ask(self) -> str:
        """The newest user turn."""
        return next((t.text for t in reversed(self.text.turns) if t.role == "user"), "")

    @cached_property
    def ask_digest(self) -> str:
        """Digest of the newest ask, to spot a regeneration (computed once: decide and the hook both read it)."""
        return digest(self.ask)

    @property
    def heavy(self) -> bool:
        """Long enough to score in a worker thread."""
        size = len(self.text.system) + sum(len(t.text) for t in self.text.turns)
        return size > OFF_LOOP_CHARS or len(self.text.turns) > OFF_LOOP_ITEMS


def read_request(config: RouterConfig, call_type: str, data: Mapping[str, Any], auth: Any) -> Request:
    """The routing view of a generation request on a ``smart/*`` model (BadRequest: unreadable)."""
    requested = str(data.get("model", ""))
    profile = config.profile(requested).name
    check(call_type, data)  # a body the router cannot read is a fast 400, not upstream attempts
    text, needs = extract(call_type, data)
    caller = read_caller(config, auth)
    headers = request_headers(data)
    session = None
    if config.controls.sessions:
        agent = headers.get(AGENT_HEADER, "")[:200]
        session = session_keys(session_ids(data, headers), agent, text, caller.owner)
    return Request(
        requested=requested,
        profile=profile,
        text=text,
        needs=replace(needs, allowed_models=caller.allowed_models),
        caller=caller,
        activity=tool_activity(data),
        output_format=json_format(data),
        overrides_asked=tuple(requested_overrides(headers, data).items()),
        client_retry=_retry_count(headers) > 0,
        session=session,
        client_fallbacks=client_fallbacks(data),
    )


def read_caller(config: RouterConfig, auth: Any) -> Caller:
    """The key's facts from LiteLLM's ``UserAPIKeyAuth`` (or anything with the same fields)."""
    models, team_models = (getattr(auth, f, None) for f in ("models", "team_models"))
    owner = str(getattr(auth, "token", None) or getattr(auth, "api_key", None) or "")
    return Caller(owner, allowed_models(config, models, team_models), overrides_allowed(config.controls, auth), tuple(spends(auth)))


def many_items(data: Mapping[str, Any]) -> bool:
    """A body with so many messages or input items that even reading it belongs off the event loop."""
    sizes = (len(v) for k in ("messages", "input", "prompt") if isinstance(v := data.get(k), list))
    return max(sizes, default=0) > OFF_LOOP_ITEMS


def request_headers(data: Mapping[str, Any]) -> dict[str, str]:
    """The client's request headers as LiteLLM recorded them (lower-case names)."""
    for holder in (data.get("proxy_server_request"), *(data.get(k) for k in METADATA_KEYS)):
        headers = holder.get("headers") if isinstance(holder, dict) else None
        if isinstance(headers, dict):
            return {str(k).lower(): v for k, v in headers.items() if isinstance(v, str)}
    return {}


def metadata_sections(data: Any) -> list[dict[str, Any]]:
    """The request's metadata mappings: ``metadata`` and ``litellm_metadata``, where present."""
    if not isinstance(data, Mapping):
        return []
    return [m for m in (data.get(k) for k in METADATA_KEYS) if isinstance(m, dict)]


def routing_info(data: Any) -> RoutingInfo | None:
    """The hook's ``RoutingInfo`` of a request (its body, or LiteLLM's ``litellm_params``), or None."""
    return next((info for m in metadata_sections(data) if (info := RoutingInfo.from_dict(m.get(METADATA_KEY)))), None)


def requested_overrides(headers: Mapping[str, str], data: Mapping[str, Any]) -> dict[str, Any]:
    """Raw override values by name: ``x-smart-router-*`` headers first, then the same keys
    (or ``smart_router_tier``-style names) in the request's metadata."""
    metadata = metadata_sections(data)
    values: dict[str, Any] = {}
    for name in OVERRIDE_NAMES:
        key = HEADER_PREFIX + name
        found = [headers.get(key)] + [m.get(k) for m in metadata for k in (key, METADATA_PREFIX + name.replace("-", "_"))]
        raw = next((v for v in found if v is not None), None)
        if raw is not None:
            values[name] = raw
    return values


def session_ids(data: Mapping[str, Any], headers: Mapping[str, str]) -> list[tuple[str, Any]]:
    """Candidate session ids by source, first match wins: header, metadata, ``user``."""
    metadata = metadata_sections(data)
    return [
        ("header", headers.get(SESSION_HEADER)),
        *(("metadata", m.get("session_id")) for m in metadata),
        ("metadata", data.get("litellm_session_id")),
        *(("metadata", m.get("litellm_session_id")) for m in metadata),
        ("user", data.get("user")),
    ]


def client_fallbacks(data: Mapping[str, Any]) -> tuple[Any, ...]:
    """The model names in the client's own fallback lists (``[{model: [...]}]`` or plain names)."""
    names: list[Any] = []
    for key in FALLBACK_KEYS:
        raw = data.get(key)
        for entry in raw if isinstance(raw, list) else [] if raw is None else [raw]:
            value = next(iter(entry.values())) if isinstance(entry, dict) and len(entry) == 1 else entry
            names.extend(value if isinstance(value, list) else [value])
    return tuple(names)


def _retry_count(headers: Mapping[str, str]) -> int:
    count = headers.get(RETRY_HEADER, "").strip()
    return int(count) if count.isdigit() else 0
