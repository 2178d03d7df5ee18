"""Types shared along the request path: tiers, the text the scorer reads, what a request
needs, the scorer's verdict and the route chosen. Plain frozen data, no logic beyond views."""

from __future__ import annotations

import enum
from dataclasses import MISSING, dataclass, fields
from typing import Any

from .ask import AskShape
from .errors import BadRequest


class Tier(enum.IntEnum):
    """Routing tiers, ordered by capability (and usually price)."""

    SIMPLE = 0
    MEDIUM = 1
    COMPLEX = 2
    REASONING = 3

    @classmethod
    def parse(cls, name: str) -> "Tier":
        """Tier from its name, case-insensitive; BadRequest lists the valid names."""
        try:
            return cls[str(name).strip().upper()]
        except KeyError:
            raise BadRequest(f"unknown tier {name!r}; valid: {', '.join(t.name for t in cls)}") from None



@dataclass(frozen=True)
class Turn:
    """One message of the conversation: ``role`` is user, assistant or tool."""

    role: str
    text: str


@dataclass(frozen=True)
class RoutingText:
    """The text of a request, split the way the scorer reads it."""

    turns: tuple[Turn, ...] = ()
    system: str = ""
    wants_json: bool = False  # the request itself asked for JSON (response_format)
    has_tools: bool = False  # the request offers tools (an agent step)

    @classmethod
    def of(cls, prompt: str, system: str = "") -> "RoutingText":
        """A single user prompt with an optional system prompt."""
        return cls(turns=(Turn("user", prompt),), system=system)


@dataclass(frozen=True)
class DimensionScore:
    """One dimension's value, weight, weighted contribution and the signals that fired."""

    name: str
    value: float
    weight: float
    contribution: float
    matches: tuple[str, ...] = ()


@dataclass(frozen=True)
class Decision:
    """The scorer's verdict on one request."""

    tier: Tier
    score: float
    dimensions: tuple[DimensionScore, ...]
    rule: str | None  # the floor rule that raised the tier above the score's ("rule:" in the reason)
    tokens: int  # the whole request: system prompt and every turn
    ask_tokens: int
    languages: tuple[str, ...]
    escalation: tuple[str, ...] = ()  # "think harder"-style phrases found in the ask
    continuation: bool = False  # the newest message is a tool result, not a new ask
    floor: Tier = Tier.SIMPLE  # the lowest tier the rules allow (the score may be higher)
    ceiling: Tier = Tier.REASONING  # the highest tier the score may reach: COMPLEX without reasoning markers
    shape: AskShape = AskShape()  # task type, scope and lookup evidence of the ask

    def dimension(self, name: str) -> DimensionScore:
        """The named dimension (KeyError if unknown)."""
        for dim in self.dimensions:
            if dim.name == name:
                return dim
        raise KeyError(name)

    def top(self, n: int = 5) -> list[DimensionScore]:
        """The ``n`` dimensions that moved the score most, either way."""
        moved = [d for d in self.dimensions if d.contribution]
        return sorted(moved, key=lambda d: abs(d.contribution), reverse=True)[:n]

    def to_dict(self) -> dict:
        """A JSON-ready view of the decision."""
        return {
            "tier": self.tier.name,
            "score": round(self.score, 4),
            "rule": self.rule,
            "tokens": self.tokens,
            "ask_tokens": self.ask_tokens,
            "languages": list(self.languages),
            "escalation": list(self.escalation),
            "continuation": self.continuation,
            "floor": self.floor.name,
            "ask": self.shape.describe(),
            "dimensions": {
                d.name: {
                    "value": round(d.value, 4),
                    "weight": d.weight,
                    "contribution": round(d.contribution, 4),
                    "matches": list(d.matches),
                }
                for d in self.dimensions
            },
        }


@dataclass(frozen=True)
class Needs:
    """What the request needs of a model, apart from its difficulty."""

    has_tools: bool = False
    has_images: bool = False
    max_output_tokens: int = 0
    allowed_models: frozenset[str] | None = None  # names or "*" patterns the key may use; None: any


@dataclass(frozen=True)
class Route:
    """Where a request goes and why."""

    requested_profile: str
    profile: str  # the table used (may differ: tools -> agentic)
    tier: Tier  # tier of the chosen model (above the scored tier when models were skipped)
    model: str
    fallbacks: tuple[str, ...]
    reasons: tuple[str, ...]  # ASCII, for headers and logs

    @property
    def reason(self) -> str:
        return "; ".join(self.reasons)


METADATA_KEY = "smart_router"  # where the hook keeps a request's ``RoutingInfo`` in its metadata
EMBEDDING_TIER = "EMBEDDING"  # the tier name of embedding requests (they have no difficulty tiers)


@dataclass(frozen=True)
class RoutingInfo:
    """What the hook decided for one request: the contract between the hook and the log
    events (stats rows, spend logs, metric labels). Kept in request metadata as a dict."""

    id: str  # the hook's own id of the request (clients cannot set it): the stats row's key
    requested: str  # the model name as asked for
    profile: str  # the table that served it
    tier: str  # a Tier name, or EMBEDDING_TIER
    score: float
    model: str
    fallbacks: tuple[str, ...] = ()
    reason: str = ""
    session: str = "off"  # where the session key came from
    languages: tuple[str, ...] = ()
    tokens: int = 0
    session_key: str = ""  # the session's cache key ("" without one)
    ask_digest: str = ""  # of the newest ask, to mark it answered once delivered

    def to_dict(self) -> dict[str, Any]:
        """The JSON-ready form kept in request metadata."""
        return {f.name: list(v) if isinstance(v := getattr(self, f.name), tuple) else v for f in fields(self)}

    @classmethod
    def from_dict(cls, raw: Any) -> "RoutingInfo | None":
        """Parse the metadata form; None when it is not one (missing fields or wrong types)."""
        if not isinstance(raw, dict):
            return None
        values: dict[str, Any] = {}
        for f in fields(cls):
            value = raw.get(f.name, f.default)
            if f.default is MISSING and f.name not in raw:
                return None
            if f.type.startswith("tuple"):
                value = tuple(str(v) for v in value) if isinstance(value, (list, tuple)) else ()
            elif f.type == "float":
                value = float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else 0.0
            elif f.type == "int":
                value = int(value) if isinstance(value, int) and not isinstance(value, bool) else 0
            else:
                value = str(value)
            values[f.name] = value
        return cls(**values)
