"""What routing needs to know about a model: price, context window, vision support.

Facts come, first match wins, from the deployment's ``model_info`` in the config, then
from LiteLLM's bundled price map under ``model_info.base_model``, the deployment's
``litellm_params.model``, or that name without its provider prefixes. The price map is
read from the installed LiteLLM package (offline); inside the proxy the map LiteLLM has
already loaded is reused. Unknown stays unknown (``None``), never 0.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping

from .config import ModelEntry

PRICE_MAP_FILE = "model_prices_and_context_window_backup.json"


@dataclass(frozen=True)
class ModelFacts:
    """Price per token (USD), context window and capabilities; None where unknown."""

    name: str
    input_cost: float | None = None
    output_cost: float | None = None
    max_input_tokens: int | None = None
    supports_vision: bool | None = None
    source: str | None = None  # the price-map key or "model_info"

    def cost(self, prompt_tokens: int, completion_tokens: int) -> float | None:
        """Estimated USD cost of one request, or None when the price is unknown."""
        if self.input_cost is None or self.output_cost is None:
            return None
        return prompt_tokens * self.input_cost + completion_tokens * self.output_cost


@lru_cache(maxsize=1)
def price_map() -> Mapping[str, Any]:
    """LiteLLM's model price map, without importing LiteLLM when it is not loaded yet."""
    litellm = sys.modules.get("litellm")
    if litellm is not None and getattr(litellm, "model_cost", None):
        return litellm.model_cost
    spec = importlib.util.find_spec("litellm")
    if spec is None or not spec.submodule_search_locations:
        return {}
    path = Path(next(iter(spec.submodule_search_locations))) / PRICE_MAP_FILE
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _candidates(entry: ModelEntry) -> list[str]:
    names = [str(entry.model_info.get("base_model") or ""), entry.litellm_model, entry.name]
    parts = entry.litellm_model.split("/")
    names += ["/".join(parts[i:]) for i in range(1, len(parts))]
    return [n for n in dict.fromkeys(names) if n]


def facts(entry: ModelEntry, prices: Mapping[str, Any] | None = None) -> ModelFacts:
    """Facts about one configured model."""
    prices = price_map() if prices is None else prices
    info: dict[str, Any] = {}
    source = None
    for key in _candidates(entry):
        found = prices.get(key)
        if isinstance(found, dict) and found.get("mode", "chat") in ("chat", "completion", "responses", "embedding"):
            info, source = dict(found), key
            break
    own = {k: v for k, v in entry.model_info.items() if v is not None}
    if any(k in own for k in ("input_cost_per_token", "output_cost_per_token", "max_input_tokens", "supports_vision")):
        source = source or "model_info"
    info.update(own)
    return ModelFacts(
        name=entry.name,
        input_cost=_float(info.get("input_cost_per_token")),
        output_cost=_float(info.get("output_cost_per_token")),
        max_input_tokens=_int(info.get("max_input_tokens") or info.get("max_tokens")),
        supports_vision=info.get("supports_vision") if "supports_vision" in info else None,
        source=source,
    )


class Catalog:
    """Facts for every model of a config, computed once."""

    def __init__(self, models: Mapping[str, ModelEntry], prices: Mapping[str, Any] | None = None):
        self._facts = {name: facts(entry, prices) for name, entry in models.items()}

    def get(self, name: str) -> ModelFacts:
        """Facts of ``name``; a model missing from the config is all unknown."""
        return self._facts.get(name) or ModelFacts(name)


def _float(value: Any) -> float | None:
    try:
        return float(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def _int(value: Any) -> int | None:
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None
