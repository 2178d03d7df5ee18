"""Flat, low-cardinality labels of a routing decision for LiteLLM's Prometheus metrics.

LiteLLM's ``custom_prometheus_metadata_labels`` reads string values from the request's
``spend_logs_metadata`` (among other metadata). The hook writes these four keys there:
profile and model come from the configuration, tier from four (plus EMBEDDING) values, and
``rule`` names what decided the tier from the fixed set ``RULES`` — never free text.
"""

from __future__ import annotations

from .config import PROFILE_PREFIX
from .types import RoutingInfo

LABEL_KEYS = ("smart_router_profile", "smart_router_tier", "smart_router_model", "smart_router_rule")
# What decided the tier; a later step in a reason overrides an earlier one.
RULES = (
    "score", "rule", "session", "continuation", "escalation", "regeneration", "stall",
    "background", "client_override", "budget", "capability", "embedding",
)  # fmt: skip
_PREFIXES = (
    ("score ", "score"), ("rule: ", "rule"), ("override: ", "client_override"), ("session:", "session"), ("continuation:", "continuation"),
    ("escalation:", "escalation"), ("retry:", "regeneration"), ("stall:", "stall"), ("background:", "background"),
    ("budget:", "budget"), ("moved up to ", "capability"), ("no model fits", "capability"),
)  # fmt: skip


def rule_of(reason: str) -> str:
    """The step of a decision's reason (``"; "``-joined) that decided its tier, one of ``RULES``.

    The last adjustment wins, except that a model moved up for vision, context or key access
    ("capability") was chosen after every adjustment.
    """
    if reason == "embedding model":
        return "embedding"
    rules = ["score"]
    for step in reason.split("; "):
        name = next((n for prefix, n in _PREFIXES if step.startswith(prefix)), None)
        if name:
            rules.append(name)
    return "capability" if "capability" in rules else rules[-1]


def labels(info: RoutingInfo) -> dict[str, str]:
    """The label values of one routing decision."""
    requested = (info.requested or PROFILE_PREFIX + info.profile).lower()
    return dict(zip(LABEL_KEYS, (requested, info.tier, info.model, rule_of(info.reason))))
