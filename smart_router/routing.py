"""One routed request's I/O around ``decide``: read the body, load the session, decide, save.

Used by the proxy hook and by ``litellm.Router`` routing (sdk.py). Reading and deciding are
pure; they run in a worker thread for very large bodies so the event loop never waits on them.
"""

from __future__ import annotations

import asyncio
from typing import Any

from .decide import Outcome, decide
from .engine import Engine
from .request import Request, many_items, read_request
from .sessions import SessionStore


async def route_request(
    engine: Engine, sessions: SessionStore | None, data: dict[str, Any], call_type: str, auth: Any
) -> tuple[Request, Outcome]:
    """Read, decide and remember one generation request on a ``smart/*`` model (``data["model"]``).

    Raises ``BadRequest`` (a 400) or ``AccessDenied`` (a 403); ``data`` is not changed."""
    args = (engine.config, call_type, data, auth)
    request = await asyncio.to_thread(read_request, *args) if many_items(data) else read_request(*args)
    keys = request.session if sessions is not None else None
    state, found = await sessions.load(keys) if keys and sessions is not None else (None, None)
    now = sessions.clock() if sessions is not None else 0.0
    outcome = await asyncio.to_thread(decide, engine, request, state, now) if request.heavy else decide(engine, request, state, now)
    if keys and sessions is not None and outcome.new_session is not None:
        await sessions.save(keys, outcome.new_session, found)
    return request, outcome
