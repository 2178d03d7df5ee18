"""Adjustments to the scored tier from outside the prompt's text. Pure, no I/O.

Each source (session stickiness, escalation, agent rules, client overrides, budgets)
states one ``Adjustment``; ``resolve`` applies them in order to the scored tier. Order is
the precedence: later steps win, so admin rules (budgets) come after client overrides.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable

from .types import Tier


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def printable(text: str, limit: int = 512) -> str:
    """``text`` safe to echo in a log line, a header or a stats row: ASCII, control
    characters and non-ASCII escaped (``\\n``, ``\\x1b``, ``\\u2028``), at most ``limit`` characters."""
    text = text.encode("ascii", "backslashreplace").decode("ascii")
    return _CONTROL.sub(lambda m: repr(m.group())[1:-1], text)[:limit]


@dataclass(frozen=True)
class Adjustment:
    """One source's say on the tier and table; ``reason`` is short ASCII for headers."""

    reason: str
    force: Tier | None = None  # use exactly this tier
    raise_by: int = 0  # then move up this many tiers (capped at REASONING)
    floor: Tier | None = None  # then at least this tier
    ceiling: Tier | None = None  # then at most this tier
    profile: str | None = None  # use this profile's table instead

    @property
    def is_note(self) -> bool:
        """True when it changes nothing and only explains (e.g. "overrides disabled")."""
        return self.force is None and not self.raise_by and self.floor is None and self.ceiling is None and self.profile is None


@dataclass(frozen=True)
class Resolved:
    """The tier and table after every adjustment, and the reasons of those that applied."""

    tier: Tier
    profile: str | None
    reasons: tuple[str, ...]


def resolve(scored: Tier, adjustments: Iterable[Adjustment | None]) -> Resolved:
    """Apply ``adjustments`` in order (None entries are skipped) to ``scored``."""
    tier, profile, reasons = scored, None, []
    for step in adjustments:
        if step is None:
            continue
        before = (tier, profile)
        if step.force is not None:
            tier = step.force
        if step.raise_by:
            tier = Tier(max(Tier.SIMPLE, min(Tier.REASONING, tier + step.raise_by)))
        if step.floor is not None:
            tier = max(tier, step.floor)
        if step.ceiling is not None:
            tier = min(tier, step.ceiling)
        if step.profile is not None:
            profile = step.profile
        if (tier, profile) != before or step.force is not None or step.is_note:
            reasons.append(step.reason)
    return Resolved(tier, profile, tuple(reasons))
