"""smart-llm-router: route LiteLLM Proxy's ``smart/*`` model names to the cheapest capable model.

The names below are the public surface; modules not re-exported here are internal. The
proxy callback is ``smart_router.hook.proxy_handler`` (it imports LiteLLM's proxy), and
``add_smart_routing`` is loaded on first use (it imports LiteLLM).
"""

from typing import Any

from .config import PROFILE_PREFIX, RouterConfig, load_config
from .decide import Outcome, decide
from .engine import Engine, engine_for
from .errors import AccessDenied, BadRequest, ConfigError, SmartRouterError
from .request import Caller, Request, read_request
from .sessions import SessionState
from .types import Decision, Needs, Route, RoutingInfo, RoutingText, Tier, Turn

__version__ = "0.1.0"

__all__ = [
    "PROFILE_PREFIX", "AccessDenied", "BadRequest", "Caller", "ConfigError", "Decision", "Engine", "Needs",
    "Outcome", "Request", "Route", "RouterConfig", "RoutingInfo", "RoutingText", "SessionState", "SmartRouterError",
    "Tier", "Turn", "add_smart_routing", "decide", "engine_for", "load_config", "read_request", "__version__",
]  # fmt: skip


def __getattr__(name: str) -> Any:
    if name == "add_smart_routing":  # imports LiteLLM: only when asked for
        from .sdk import add_smart_routing

        return add_smart_routing
    raise AttributeError(f"module 'smart_router' has no attribute {name!r}")
