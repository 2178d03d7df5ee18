"""The LiteLLM proxy callback: rewrites ``smart/<profile>`` to a concrete model. Glue only.

Add to any LiteLLM proxy config::

    litellm_settings:
      callbacks: smart_router.hook.proxy_handler

Profiles come from the ``smart_router:`` section of the proxy's own config file (or
``$SMART_ROUTER_CONFIG``, or the bundled defaults). LiteLLM keeps doing everything else:
the tier's fallbacks are handed to LiteLLM's router as request-level fallbacks.
"""

from __future__ import annotations

import logging
import os
import sys
import uuid
from typing import Any

import litellm
from fastapi import HTTPException
from litellm.caching.in_memory_cache import InMemoryCache
from litellm.integrations.custom_logger import CustomLogger

from . import metrics, stats
from .config import PROFILE_PREFIX
from .controls import HEADER_PREFIX
from .engine import CONFIG_ENV, Engine, engine_for, resolve_config_path
from .errors import AccessDenied, BadRequest, ConfigError
from .policy import printable
from .request import FALLBACK_KEYS, metadata_sections, read_caller, routing_info
from .routing import route_request
from .select import is_allowed
from .sessions import MAX_IN_MEMORY_SESSIONS, SessionStore
from .types import EMBEDDING_TIER, METADATA_KEY, RoutingInfo

logger = logging.getLogger("smart_router")

GENERATION_CALLS = {"acompletion", "completion", "atext_completion", "text_completion", "anthropic_messages", "aresponses", "responses"}
EMBEDDING_CALLS = {"aembedding", "embedding"}
LITELLM_METADATA_CALLS = {"anthropic_messages", "aresponses", "responses"}
# errors that say the request itself is wrong: another model would refuse it too, so a routed
# request is not sent to its fallbacks after one (a context window or content policy error is
# about the model, and a 429 / 5xx about the provider: those still fall back)
CLIENT_ERRORS = ("BadRequestError", "UnprocessableEntityError")


def _proxy_config_path() -> str | None:
    try:
        from litellm.proxy import proxy_server
    except Exception:  # pragma: no cover - proxy extras missing
        return None
    return getattr(proxy_server, "user_config_file_path", None) or None


class SmartRouterHook(CustomLogger):
    """Routes ``smart/*`` requests; every hook LiteLLM calls is defined on this class itself."""

    def __init__(self, config_path: str | None = None, sessions: SessionStore | None = None):
        super().__init__()
        self._config_path = config_path
        self._sessions = sessions  # None: created on first use from the proxy's cache
        if "litellm.proxy.proxy_server" in sys.modules:
            self.engine  # inside the proxy: validate the config at start-up, not on the first request

    @property
    def engine(self) -> Engine:
        """The engine of the configured file, loaded on first use and cached."""
        path = self._config_path or resolve_config_path() or _proxy_config_path()
        return engine_for(path)

    @property
    def sessions(self) -> SessionStore:
        """Session state in the proxy's Redis cache when it has one, else a bounded in-memory cache."""
        if self._sessions is None:
            idle = self.engine.config.controls.session_idle_seconds
            self._sessions = SessionStore(_shared_cache() or InMemoryCache(MAX_IN_MEMORY_SESSIONS, int(idle)), idle)
        return self._sessions

    async def async_pre_call_hook(self, user_api_key_dict: Any, cache: Any, data: dict, call_type: str) -> dict:
        _drop_client_routing_info(data)  # only the hook writes it: clients must not fake headers or stats rows
        model = data.get("model") if isinstance(data, dict) else None
        if not isinstance(model, str) or not model.lower().startswith(PROFILE_PREFIX):
            return data
        try:
            info = await self._route(user_api_key_dict, data, call_type)
        except BadRequest as exc:
            raise HTTPException(status_code=400, detail=printable(str(exc))) from None
        except AccessDenied as exc:
            raise HTTPException(status_code=403, detail=printable(str(exc))) from None
        except Exception:  # a bug, not the client's fault: logged with its traceback, LiteLLM answers 500
            logger.exception("smart_router: routing %s (%s) failed", printable(model), call_type)
            raise
        metadata = _metadata(data, call_type)
        metadata[METADATA_KEY] = info.to_dict()
        _put_metric_labels(metadata, info)
        logger.info(
            "smart_router %s -> %s tier=%s score=%+.3f table=%s reason=%s",
            printable(model), info.model, info.tier, info.score, info.profile, info.reason,
        )  # fmt: skip
        return data

    async def _route(self, auth: Any, data: dict, call_type: str) -> RoutingInfo:
        """Decide the request and rewrite its model (and fallbacks); the decision's record."""
        engine = self.engine
        if call_type in EMBEDDING_CALLS:
            return _route_embedding(engine, auth, data)
        if call_type not in GENERATION_CALLS:
            raise BadRequest(f"{data['model']} routes text generation only, not {call_type}")
        request, outcome = await route_request(engine, self.sessions, data, call_type, auth)
        for key in FALLBACK_KEYS:  # the client's own were checked (or dropped) by decide
            data.pop(key, None)
        data["model"] = outcome.route.model
        if outcome.fallbacks:
            data["fallbacks"] = [{outcome.route.model: list(outcome.fallbacks)}]
        return outcome.info(request)

    async def async_pre_call_deployment_hook(self, kwargs: dict, call_type: Any) -> dict | None:
        """Before each upstream attempt: a fallback of a routed request after a client error
        (4xx) is refused here, so a bad request costs one upstream call, not one per fallback."""
        for section in metadata_sections(kwargs):
            if not isinstance(section.get(METADATA_KEY), dict):
                continue
            earlier = section.get("previous_models")
            last = earlier[-1] if isinstance(earlier, (list, tuple)) and earlier else None
            if isinstance(last, dict) and last.get("exception_type") in CLIENT_ERRORS:
                raise litellm.BadRequestError(
                    message=f"not sent to fallbacks after a client error: {last.get('exception_string', '')}"[:2000],
                    model=str(kwargs.get("model", "")),
                    llm_provider="smart_router",
                )
        return None

    async def async_post_call_response_headers_hook(
        self,
        data: dict,
        user_api_key_dict: Any,
        response: Any,
        request_headers: dict[str, str] | None = None,
        litellm_call_info: dict[str, Any] | None = None,
    ) -> dict[str, str] | None:
        info = routing_info(data)
        if not info:
            return None
        headers = {
            "profile": PROFILE_PREFIX + info.profile,
            "tier": info.tier,
            "score": f"{info.score:.4f}",
            "model": info.model,
            "reason": info.reason,
        }
        served = _served_model(response)
        if served:
            headers["served-by"] = served
        return {HEADER_PREFIX + k: printable(str(v)) for k, v in headers.items()}

    async def async_logging_hook(self, kwargs: dict, result: Any, call_type: str) -> tuple[dict, Any]:
        # runs before any callback's success event, so LiteLLM's spend-log writer sees the costs
        stats.annotate(self.engine, routing_info(kwargs.get("litellm_params")), kwargs)
        return kwargs, result

    async def async_log_success_event(self, kwargs: dict, response_obj: Any, start_time: Any, end_time: Any) -> None:
        info = routing_info(kwargs.get("litellm_params"))
        await self._answered(info)  # a stream ends here
        stats.record(self.engine, info, kwargs, ok=True)

    async def async_post_call_success_hook(self, data: dict, user_api_key_dict: Any, response: Any) -> None:
        await self._answered(routing_info(data))  # a whole answer, before the client gets it

    async def _answered(self, info: RoutingInfo | None) -> None:
        """The session's ask got its answer: a repeat from now on is a regeneration."""
        if info and info.session_key and self._sessions is not None:
            await self._sessions.mark_answered(info.session_key, info.ask_digest)

    async def async_log_failure_event(self, kwargs: dict, response_obj: Any, start_time: Any, end_time: Any) -> None:
        stats.record(self.engine, routing_info(kwargs.get("litellm_params")), kwargs, ok=False)


def _stop_startup(error: ConfigError) -> None:
    """One clear log line for a bad config, then stop the proxy that is importing this module
    (an exception would be printed by the ASGI server as a long traceback that buries the line)."""
    logger.error("smart_router: config error: %s", error)
    for stream in (sys.stdout, sys.stderr):
        stream.flush()
    os._exit(1)


def _log_like_litellm() -> None:
    """Print the routing lines through LiteLLM's log handler at ``$LITELLM_LOG``'s level (the
    proxy configures only its own loggers, so ours would otherwise show warnings only)."""
    level = logging.getLevelName(os.environ.get("LITELLM_LOG", "").upper())
    if isinstance(level, int) and logger.level == logging.NOTSET:
        logger.setLevel(level)
    if not logger.handlers and not logging.getLogger().handlers:
        try:
            from litellm._logging import handler
        except ImportError:  # pragma: no cover - an older LiteLLM
            return
        logger.addHandler(handler)


def _shared_cache() -> Any:
    """The Redis the proxy coordinates its instances with (``general_settings.coordination_redis``,
    a Redis response cache, or ``REDIS_*``), or None."""
    try:
        from litellm.proxy import proxy_server
    except Exception:  # pragma: no cover - proxy extras missing
        return None
    return getattr(proxy_server, "redis_usage_cache", None)


def _route_embedding(engine: Engine, auth: Any, data: dict) -> RoutingInfo:
    """Embeddings have no difficulty tiers: the profile's embedding model, if the key may use it."""
    requested = str(data["model"])
    profile = engine.config.profile(requested)
    model = profile.embedding_model
    if not model:
        raise BadRequest(
            f"{requested} has no embedding model; set smart_router.profiles.<name>.embedding_model "
            "or request an embedding model by name"
        )
    if not is_allowed(model, read_caller(engine.config, auth).allowed_models):
        raise AccessDenied(f"{PROFILE_PREFIX}{profile.name}: this key may not use its embedding model")
    data["model"] = model
    return RoutingInfo(id=uuid.uuid4().hex, requested=requested, profile=profile.name, tier=EMBEDDING_TIER, score=0.0,
                       model=model, reason="embedding model")  # fmt: skip


def _metadata(data: dict, call_type: str) -> dict:
    """The metadata section LiteLLM passes on for this call type (created if missing)."""
    key = "litellm_metadata" if call_type in LITELLM_METADATA_CALLS else "metadata"
    if not isinstance(data.get(key), dict):
        data[key] = {}
    return data[key]


def _drop_client_routing_info(data: Any) -> None:
    """Only the hook writes routing info and stats rows: drop any client copy, on every request
    (``metadata.smart_router`` and ``metadata.spend_logs_metadata.smart_router``, both sections)."""
    for section in metadata_sections(data):
        section.pop(METADATA_KEY, None)
        spend = section.get("spend_logs_metadata")
        if isinstance(spend, dict):
            spend.pop(METADATA_KEY, None)
        _put_metric_labels(section, None)


def _put_metric_labels(metadata: dict, info: RoutingInfo | None) -> None:
    """Prometheus labels (``metrics.LABEL_KEYS``) as flat strings in ``spend_logs_metadata``, where
    LiteLLM's ``custom_prometheus_metadata_labels`` reads them. Drops any a client sent first."""
    for key in ("requester_metadata", "spend_logs_metadata"):
        section = metadata.get(key)
        if isinstance(section, dict) and not section.keys().isdisjoint(metrics.LABEL_KEYS):
            metadata[key] = {k: v for k, v in section.items() if k not in metrics.LABEL_KEYS}
    if info:
        spend = metadata.get("spend_logs_metadata")
        metadata["spend_logs_metadata"] = (spend if isinstance(spend, dict) else {}) | metrics.labels(info)


def _served_model(response: Any) -> str | None:
    if hasattr(response, "__aiter__") or hasattr(response, "__anext__"):
        return None  # a stream: LiteLLM may still fall back on its first chunk, after these headers are built
    hidden = getattr(response, "_hidden_params", None)
    if isinstance(hidden, dict):
        group = (hidden.get("additional_headers") or {}).get("x-litellm-model-group") or hidden.get("model_group")
        if isinstance(group, str):
            return group
    return None


try:
    proxy_handler = SmartRouterHook(os.environ.get(CONFIG_ENV) or None)
except ConfigError as _error:  # only raised when a proxy imports the callback (see __init__)
    _stop_startup(_error)
_log_like_litellm()  # after the config check: its error stays one bare line
