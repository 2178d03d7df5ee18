"""10,000+ hostile request bodies straight into ``SmartRouterHook.async_pre_call_hook``.

Every body either routes (``data["model"]`` becomes a model of the config), is rejected with
fastapi's ``HTTPException`` 400, or — when it does not ask for ``smart/*`` — passes through
unchanged. No other exception. Every call may hold the event-loop thread for at most
``LOOP_BUDGET_S`` of CPU; bodies above ``request.OFF_LOOP_CHARS`` characters (or with more
than ``request.OFF_LOOP_ITEMS`` messages) are read and scored in a worker thread, and for
those a ticker task also measures how long the event loop is held in wall-clock time.

The generator is seeded (``FUZZ_SEED``, default 9) so CI is reproducible; ``FUZZ_BODIES``
raises the count. The figures are printed (``pytest -s``) and recorded in the README.
"""

from __future__ import annotations

import asyncio
import gc
import math
import os
import random
import time

from fastapi import HTTPException

from smart_router.config import PROFILE_PREFIX
from smart_router.extract import check
from smart_router.hook import SmartRouterHook

from .fuzz_bodies import hostile_body, huge_body

SEED = int(os.environ.get("FUZZ_SEED", "9"))
BODIES = int(os.environ.get("FUZZ_BODIES", "10000"))
HUGE_BODIES = 45  # megabyte words, 60k-word prompts, 10k-turn conversations (15 of each kind on average)
LOOP_BUDGET_S = 0.020  # event-loop thread CPU per call, huge bodies included
STALL_BUDGET_S = 0.250  # wall-clock ticker gap: includes GIL hand-offs and other processes on a shared 2-core box
TICK_S = 0.001


def _expected_profile(model, profiles) -> str | None:
    """The profile a body asks for, '' for an unknown smart/ name, None when it is not smart/*."""
    if not isinstance(model, str) or not model.lower().startswith(PROFILE_PREFIX):
        return None
    name = model.lower().removeprefix(PROFILE_PREFIX)
    return name if name in profiles else ""


async def _call(hook: SmartRouterHook, call_type: str, body: dict) -> tuple[str, dict | None]:
    try:
        return "ok", await hook.async_pre_call_hook(None, None, body, call_type)
    except HTTPException as exc:
        assert exc.status_code == 400, (call_type, exc.status_code, exc.detail)
        assert isinstance(exc.detail, str) and exc.detail
        return "400", None


def _unreadable(call_type: str, body: dict) -> bool:
    """Whether the router rejects the body as unreadable (a fast 400 naming the problem)."""
    try:
        check(call_type, body)
    except ValueError:
        return True
    return False


def _check(outcome: str, result: dict | None, requested, call_type: str, engine, unreadable: bool = False) -> str:
    profiles = engine.config.profiles
    expected = _expected_profile(requested, profiles)
    if expected is None:
        assert outcome == "ok", f"{requested!r} is not smart/* and must pass through"
        assert result["model"] is requested or result["model"] == requested
        return "passed through"
    if expected == "":
        assert outcome == "400", f"unknown profile {requested!r} was not rejected"
        return "400"
    if call_type == "aembedding" and not profiles[expected].embedding_model:
        assert outcome == "400", "smart/* embeddings without an embedding model must be a 400"
        return "400"
    if unreadable and call_type != "aembedding":
        assert outcome == "400", f"{call_type}: an unreadable body was not rejected"
        return "400 unreadable"
    assert outcome == "ok", f"{call_type} {requested!r}: valid profile rejected"
    assert result["model"] in engine.config.models, result["model"]
    return "routed"


def test_ten_thousand_hostile_bodies_route_or_400(capsys):
    hook = SmartRouterHook()
    engine = hook.engine
    rng = random.Random(SEED)
    outcomes: dict[str, int] = {}
    slowest = (0.0, "")
    calls: list[float] = []

    async def run() -> None:
        nonlocal slowest
        await _call(hook, "acompletion", {"model": "smart/auto", "messages": [{"role": "user", "content": "warm up"}]})
        for index in range(BODIES):
            call_type, body, _ = hostile_body(rng)
            requested = body.get("model")
            unreadable = _unreadable(call_type, body)
            started = time.thread_time()
            outcome, result = await _call(hook, call_type, body)
            spent = time.thread_time() - started
            calls.append(spent)
            if spent > slowest[0]:
                slowest = (spent, f"#{index} {call_type} {str(body)[:120]!r}")
            kind = _check(outcome, result, requested, call_type, engine, unreadable)
            outcomes[kind] = outcomes.get(kind, 0) + 1

    asyncio.run(run())
    calls.sort()
    p99 = calls[int(len(calls) * 0.99)]
    with capsys.disabled():
        print(f"\nfuzz hook: {BODIES} bodies (seed {SEED}), outcomes {outcomes}, crashes 0, "
              f"CPU per call p50 {calls[len(calls) // 2] * 1e3:.2f} ms p99 {p99 * 1e3:.2f} ms "
              f"max {slowest[0] * 1e3:.2f} ms")  # fmt: skip
    assert sum(outcomes.values()) == BODIES >= 10_000
    assert outcomes.get("routed", 0) + outcomes.get("400 unreadable", 0) > BODIES // 2  # mostly real profiles
    assert slowest[0] < LOOP_BUDGET_S, f"slowest on-loop call {slowest[0] * 1e3:.1f} ms: {slowest[1]}"


class _GcClock:
    """Total time spent in the garbage collector, so collector pauses are not blamed on the hook.

    A full collection in a process that imported LiteLLM walks ~700k objects (about 0.3 s on
    the 2-core machine) whoever triggered it; it is reported separately.
    """

    def __init__(self) -> None:
        self.total = self.longest = 0.0
        self._started: float | None = None

    def __call__(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        elif self._started is not None:
            spent = time.perf_counter() - self._started
            self.total += spent
            self.longest = max(self.longest, spent)
            self._started = None

    def at(self, now: float) -> float:
        """Collector time up to ``now``; a collection still running counts up to ``now`` (the
        'stop' callback is Python code, so another thread may run before it records the pause)."""
        return self.total + (now - self._started if self._started is not None else 0.0)


def test_huge_bodies_are_scored_off_the_loop_without_stalling_it(capsys):
    hook = SmartRouterHook()
    engine = hook.engine
    rng = random.Random(SEED + 1)
    stalls: dict[str, float] = {}
    routed = 0
    gc_clock = _GcClock()

    loop_cpu: dict[str, float] = {}

    async def run() -> None:
        nonlocal routed
        await _call(hook, "acompletion", {"model": "smart/auto", "messages": [{"role": "user", "content": "warm up"}]})
        for index in range(HUGE_BODIES):
            call_type = rng.choice(["acompletion", "atext_completion", "anthropic_messages", "aresponses"])
            body, kind = huge_body(rng, call_type)
            body["model"] = requested = rng.choice(["smart/auto", "smart/eco", "smart/premium"])
            worst = 0.0
            done = asyncio.Event()

            async def ticker() -> None:
                nonlocal worst
                last = time.perf_counter()
                last_gc = gc_clock.at(last)
                while not done.is_set():
                    await asyncio.sleep(TICK_S)
                    now = time.perf_counter()
                    now_gc = gc_clock.at(now)
                    worst = max(worst, now - last - TICK_S - (now_gc - last_gc))
                    last, last_gc = now, now_gc

            tick = asyncio.create_task(ticker())
            await asyncio.sleep(0)  # let the ticker take its first timestamp
            started = time.thread_time()  # CPU of the event-loop thread only (the ticker's share is tiny)
            outcome, result = await _call(hook, call_type, body)
            loop_cpu[kind] = max(loop_cpu.get(kind, 0.0), time.thread_time() - started)
            done.set()
            await tick
            assert _check(outcome, result, requested, call_type, engine) == "routed"
            routed += 1
            stalls[kind] = max(stalls.get(kind, 0.0), worst)

    gc.callbacks.append(gc_clock)
    try:
        asyncio.run(run())
    finally:
        gc.callbacks.remove(gc_clock)
    worst = max(stalls.values())
    with capsys.disabled():
        print(f"\nfuzz hook huge bodies: {routed} routed, max event-loop stall per kind (ms): "
              + ", ".join(f"{k} {v * 1e3:.1f}" for k, v in sorted(stalls.items()))
              + "; max event-loop CPU per call (ms): " + ", ".join(f"{k} {v * 1e3:.1f}" for k, v in sorted(loop_cpu.items()))
              + f"; longest garbage-collector pause (not counted) {gc_clock.longest * 1e3:.0f} ms")  # fmt: skip
    assert routed == HUGE_BODIES and set(stalls) == {"megabyte_word", "huge_text", "deep_turns"}
    assert max(loop_cpu.values()) < LOOP_BUDGET_S, loop_cpu
    assert math.isfinite(worst) and worst < STALL_BUDGET_S, stalls


def test_clients_cannot_supply_the_routing_decision():
    """``metadata.smart_router`` is the hook's: a client's copy would fake headers and stats rows."""
    hook = SmartRouterHook()
    fake = {"profile": "auto", "tier": "REASONING", "score": 0.9, "model": "o3-spoof", "reason": "spoofed", "requested": "smart/auto"}

    async def run(body: dict, call_type: str) -> tuple[dict, dict | None]:
        data = await hook.async_pre_call_hook(None, None, body, call_type)
        return data, await hook.async_post_call_response_headers_hook(data, None, None)

    for section in ("metadata", "litellm_metadata"):
        data, headers = asyncio.run(run({"model": "gpt-4o", section: {"smart_router": dict(fake), "user": "u"}}, "acompletion"))
        assert "smart_router" not in data[section] and data[section]["user"] == "u" and headers is None
        for junk in ({"tier": 1}, "x", 5):
            data, headers = asyncio.run(run({"model": "gpt-4o", section: {"smart_router": junk}}, "acompletion"))
            assert headers is None
        body = {"model": "smart/auto", "messages": [{"role": "user", "content": "hi"}], section: {"smart_router": dict(fake)}}
        data, headers = asyncio.run(run(body, "anthropic_messages"))
        assert headers["x-smart-router-model"] != "o3-spoof" and headers["x-smart-router-reason"] != "spoofed"
