"""The scorer, model facts and profiles of one configuration, built once and shared by the hook, the CLI and the evaluation."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from .agents import BackgroundDetector
from .catalog import Catalog
from .config import RouterConfig, load_config
from .scorer import Scorer
from .select import choose
from .types import Decision, Needs, Route, Tier

CONFIG_ENV = "SMART_ROUTER_CONFIG"


class Engine:
    """Scorer, model facts and profiles of one configuration, built once."""

    def __init__(self, config: RouterConfig):
        self.config = config
        self.scorer = Scorer(config.scoring)
        self.catalog = Catalog(config.models)
        self.background = BackgroundDetector(
            config.scoring.signals.get("background", {}), config.controls.background_max_tokens
        )

    def route(
        self, decision: Decision, profile: str, needs: Needs = Needs(), tier: Tier | None = None, switch: str | None = None
    ) -> Route:
        """The model of ``profile`` for a scored request, at ``tier`` if given (else the scored tier),
        from profile ``switch``'s table if given."""
        return choose(self.config, self.catalog, profile, decision, needs, tier, switch)


def resolve_config_path(explicit: str | os.PathLike | None = None) -> str | None:
    """The config to use: ``explicit``, else ``$SMART_ROUTER_CONFIG``, else None (bundled)."""
    chosen = explicit or os.environ.get(CONFIG_ENV)
    return str(Path(chosen)) if chosen else None


@lru_cache(maxsize=8)
def engine_for(path: str | None) -> Engine:
    """The engine of a config file (None: the bundled config), cached per path."""
    return Engine(load_config(path))
