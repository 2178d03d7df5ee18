"""``smart/*`` model names for ``litellm.Router`` in Python, without the proxy.

One call installs it on a router whose ``model_list`` names the tier models::

    from smart_router.sdk import add_smart_routing
    add_smart_routing(router)                      # bundled profiles, or config="litellm.yaml" / a dict

It uses the Router's own extension points only: ``Router.set_custom_routing_strategy`` with
a strategy that scores ``smart/<profile>`` requests with the same scorer, controls and tier
tables as the proxy hook, then asks the Router's regular strategy for a deployment of the
chosen model group; every other model name goes straight to the regular strategy. The
choice is stamped with LiteLLM's ``record_pre_routing_selection`` (what its own pre-routing
strategies use), so the Router's fallbacks are looked up for the routed model: the tier
tables' fallbacks are added to ``router.fallbacks`` for models that have none there.
The decision is written to the request's ``metadata["smart_router"]`` (a dict the caller
passes in is filled in place) and, on awaited non-streaming calls, to
``response._hidden_params["smart_router"]``.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Coroutine, Mapping, TypeVar

import litellm
from litellm.caching.in_memory_cache import InMemoryCache
from litellm.integrations.custom_logger import CustomLogger
from litellm.router import CustomRoutingStrategyBase, Router
from litellm.router_utils.fallback_event_handlers import record_pre_routing_selection

from .config import PROFILE_PREFIX, RouterConfig, config_for_model_list, read_yaml
from .engine import Engine
from .errors import BadRequest
from .routing import route_request
from .sessions import MAX_IN_MEMORY_SESSIONS, SessionStore
from .types import METADATA_KEY, RoutingInfo, Tier


# The SDK's only caller is this process: one owner for its sessions (the proxy uses the API key).
IN_PROCESS_OWNER = SimpleNamespace(token="litellm-router-in-process")
T = TypeVar("T")

class Stamp(dict):
    """The ``RoutingInfo`` written into request metadata. Its type and ``trace`` (LiteLLM's
    ``litellm_trace_id`` of the request) tell the Router's retries of this request, which
    reuse it, from a dict a caller sent or a metadata dict reused for another request."""

    trace: Any = None


class SmartRouting(CustomRoutingStrategyBase, CustomLogger):
    """The Router's routing strategy for ``smart/*`` names; a callback copies the decision onto responses."""

    def __init__(self, router: Router, config: RouterConfig):
        CustomLogger.__init__(self)
        self.router = router
        self.engine = Engine(config)
        idle = config.controls.session_idle_seconds
        self.sessions = SessionStore(InMemoryCache(MAX_IN_MEMORY_SESSIONS, int(idle)), idle)

    async def async_get_available_deployment(
        self,
        model: str,
        messages: list[dict[str, Any]] | None = None,
        input: str | list | None = None,
        specific_deployment: bool | None = False,
        request_kwargs: dict | None = None,
    ) -> dict:
        kwargs = request_kwargs if request_kwargs is not None else {}
        if _is_smart(model):
            model = _retried(model, kwargs) or self._chosen(await self._route(model, messages, kwargs), kwargs)
        return await Router.async_get_available_deployment(
            self.router, model=model, messages=messages, input=input, specific_deployment=specific_deployment, request_kwargs=kwargs
        )  # fmt: skip

    def get_available_deployment(
        self,
        model: str,
        messages: list[dict[str, Any]] | None = None,
        input: str | list | None = None,
        specific_deployment: bool | None = False,
        request_kwargs: dict | None = None,
    ) -> dict:
        kwargs = request_kwargs if request_kwargs is not None else {}
        if _is_smart(model):
            model = _retried(model, kwargs) or self._chosen(_run(self._route(model, messages, kwargs)), kwargs)
        return Router.get_available_deployment(
            self.router, model=model, messages=messages, input=input, specific_deployment=specific_deployment, request_kwargs=kwargs
        )  # fmt: skip

    async def _route(self, model: str, messages: Any, kwargs: dict) -> RoutingInfo:
        if messages is None:
            raise BadRequest(f"{model}: smart/* routes chat completions (messages) in the SDK, not input-only calls")
        metadata = kwargs.get("metadata")
        if isinstance(metadata, dict):
            metadata.pop(METADATA_KEY, None)  # only the router writes it
        data = {**kwargs, "model": model, "messages": messages}
        request, outcome = await route_request(self.engine, self.sessions, data, "acompletion", IN_PROCESS_OWNER)
        return outcome.info(request)

    @staticmethod
    def _chosen(info: RoutingInfo, kwargs: dict) -> str:
        """Stamp the decision on the request and return the model group to route to."""
        if not isinstance(kwargs.get("metadata"), dict):
            kwargs["metadata"] = {}
        stamp = Stamp(info.to_dict())
        stamp.trace = kwargs.get("litellm_trace_id")
        kwargs["metadata"][METADATA_KEY] = stamp
        record_pre_routing_selection(kwargs, info.model)  # the Router's fallbacks are looked up for this model
        return info.model

    async def async_post_call_success_deployment_hook(self, request_data: dict, response: Any, call_type: Any) -> Any:
        info = (request_data.get("metadata") or {}).get(METADATA_KEY) if isinstance(request_data, dict) else None
        hidden = getattr(response, "_hidden_params", None)
        if isinstance(info, dict) and isinstance(hidden, dict):
            hidden[METADATA_KEY] = info
        if isinstance(info, Stamp) and info["session_key"]:  # delivered: a repeat now regenerates
            await self.sessions.mark_answered(info["session_key"], info["ask_digest"])
        return None


def add_smart_routing(router: Router, config: str | Path | Mapping[str, Any] | None = None) -> SmartRouting:
    """Route ``smart/<profile>`` on ``router``; ``config``: a LiteLLM config file with a ``smart_router``
    section, that section as a dict, or None for the bundled profiles (whose models ``router`` must have)."""
    source = "litellm.Router"
    if isinstance(config, (str, Path)):
        source, config = str(config), (read_yaml(config) or {}).get("smart_router")
    strategy = SmartRouting(router, config_for_model_list(router.model_list, config, source))
    router.set_custom_routing_strategy(strategy)
    router.update_settings(fallbacks=_with_tier_fallbacks(router.fallbacks or [], strategy.engine.config))
    if not any(cb is strategy for cb in litellm.callbacks):
        litellm.callbacks.append(strategy)
    return strategy


def _with_tier_fallbacks(existing: list, config: RouterConfig) -> list:
    """``existing`` Router fallbacks plus each tier model's fallbacks (first table naming a model wins)."""
    chains: dict[str, list[str]] = {}
    for profile in config.profiles.values():
        for tier in Tier:
            route = profile.tiers[tier]
            candidates = route.candidates
            for i, name in enumerate(candidates):
                rest = [m for m in candidates[i + 1 :] if m != name]
                if rest:
                    chains.setdefault(name, rest)
    configured = {key for entry in existing if isinstance(entry, dict) for key in entry}
    return [*existing, *({m: chain} for m, chain in chains.items() if m not in configured)]


def _retried(model: str, kwargs: dict) -> str | None:
    """The model already chosen for this request when the Router retries it (scored once, like the proxy)."""
    decision = (kwargs.get("metadata") or {}).get(METADATA_KEY)
    trace = kwargs.get("litellm_trace_id")
    if isinstance(decision, Stamp) and trace is not None and decision.trace == trace and decision["requested"] == model:
        record_pre_routing_selection(kwargs, decision["model"])
        return decision["model"]
    return None


def _is_smart(model: Any) -> bool:
    return isinstance(model, str) and model.lower().startswith(PROFILE_PREFIX)


def _run(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine from synchronous code, also when the calling thread already runs an event loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()
