"""Cost and savings accounting: the row of each routed request, from LiteLLM's log events.

The hook's log-event methods call ``record``: it reads the routing decision from the request
metadata, the tokens and LiteLLM's ``response_cost`` from the log event, prices the same
tokens on the baseline model (``money.baseline_model`` of the requested profile) and queues
the row for the stats file's writer (``store``). Unknown prices are stored as NULL and
reported as unknown, never as 0.

Rows are keyed on the id the hook gives each routed request (``metadata.smart_router.id``,
which clients cannot set: the hook drops any client copy), not on ``x-litellm-call-id``,
which the client chooses. Fallback attempts of one request share that id, so a request is
one row. LiteLLM's call id is kept beside it for look-ups.
"""

from __future__ import annotations

import time
import uuid
from typing import Any, Mapping

from . import money, store
from .engine import Engine
from .policy import printable
from .request import metadata_sections
from .store import Row
from .types import EMBEDDING_TIER, METADATA_KEY, RoutingInfo


def build_row(engine: Engine, info: RoutingInfo, kwargs: Mapping[str, Any], ok: bool) -> Row:
    """The row of one log event; ``info`` is the routing decision from the request metadata."""
    logged = kwargs.get("standard_logging_object") or {}
    params = kwargs.get("litellm_params") or {}
    prompt, completion = _int(logged.get("prompt_tokens")), _int(logged.get("completion_tokens"))
    served = logged.get("model_group") or (params.get("metadata") or {}).get("model_group")
    cost, source = actual_cost(engine, kwargs, served, prompt, completion) if ok else (None, None)
    baseline = _baseline_model(engine, info, served)
    if info.tier == EMBEDDING_TIER or kwargs.get("cache_hit") is True:
        baseline_cost = cost  # embeddings have no tiers, cache hits were not saved by routing: no savings claimed
    else:
        baseline_cost = engine.catalog.get(baseline).cost(prompt, completion) if baseline and ok else None
    call_id = str(kwargs.get("litellm_call_id") or params.get("litellm_call_id") or "")
    return Row(
        id=info.id or call_id or uuid.uuid4().hex,
        call_id=printable(call_id),
        ts=time.time(),
        status="ok" if ok else "error",
        requested=printable(info.requested.lower()),
        profile=info.profile,
        tier=info.tier,
        score=info.score,
        model=info.model,
        served=str(served) if served else None,
        prompt_tokens=prompt,
        completion_tokens=completion,
        cost=cost,
        cost_source=source,
        baseline_model=baseline,
        baseline_cost=baseline_cost,
        reason=printable(info.reason),
    )


def actual_cost(
    engine: Engine, kwargs: Mapping[str, Any], served: Any, prompt: int, completion: int
) -> tuple[float | None, str | None]:
    """The request's cost and where it came from: LiteLLM's ``response_cost``, else the price list.

    LiteLLM logs $0 when it has no price for the deployment (and for mock answers), so a 0
    for billed tokens that is not a cache hit is replaced by the served model's list price
    (``model_info`` / ``base_model``), which is also what the baseline is priced with. A
    model without a known price stays unknown (None), never 0.
    """
    cost = kwargs.get("response_cost")
    priced = isinstance(cost, (int, float)) and not isinstance(cost, bool) and not kwargs.get("response_cost_failure_debug_information")
    if priced and (cost != 0 or prompt + completion == 0 or kwargs.get("cache_hit") is True):
        return float(cost), "litellm"
    estimate = engine.catalog.get(str(served or "")).cost(prompt, completion)
    return (estimate, "price list") if estimate is not None else (None, None)


def _baseline_model(engine: Engine, info: RoutingInfo, served: Any) -> str | None:
    """``money.baseline_model`` of the requested profile; for an embedding its own model (no savings claimed)."""
    if info.tier == EMBEDDING_TIER:
        return str(served or info.model or "") or None
    return money.baseline_model(engine.config, info.requested or info.profile)


def annotate(engine: Engine, info: RoutingInfo | None, kwargs: Mapping[str, Any], ok: bool = True) -> Row | None:
    """Build the row and put it into the request's ``spend_logs_metadata`` (LiteLLM's spend logs)."""
    if not info:
        return None
    row = build_row(engine, info, kwargs, ok)
    for section in metadata_sections(kwargs.get("litellm_params")):
        if METADATA_KEY in section:
            existing = section.get("spend_logs_metadata")
            section["spend_logs_metadata"] = {**(existing if isinstance(existing, dict) else {}), METADATA_KEY: row.fields()}
    return row


def record(engine: Engine, info: RoutingInfo | None, kwargs: Mapping[str, Any], ok: bool) -> Row | None:
    """Annotate and queue the row of a routed request; None for requests we did not route."""
    row = annotate(engine, info, kwargs, ok)
    recorder = store.recorder_for(store.db_path(engine.config.stats)) if row and engine.config.stats.enabled else None
    if recorder is not None:
        recorder.add(row)
    return row


def _int(value: Any) -> int:
    return int(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else 0

