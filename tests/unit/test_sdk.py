"""``smart/*`` on a plain ``litellm.Router`` (no proxy): mock deployments, sync, async, streaming, fallbacks."""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
from pathlib import Path

import litellm
import pytest
from litellm import Router

from smart_router import sdk
from smart_router.sdk import SmartRouting, add_smart_routing

PROVE = "Prove by induction, step by step, that 2^n > n for every natural number n"
HELLO = "hello, how are you?"
SECTION = {
    "profiles": {
        "auto": {"tiers": {"SIMPLE": {"model": "cheap", "fallbacks": ["mid"]}, "MEDIUM": "mid", "COMPLEX": "strong",
                           "REASONING": {"model": "thinker", "fallbacks": ["strong"]}}},
        "agentic": {"tiers": {"SIMPLE": "strong", "MEDIUM": "strong", "COMPLEX": "strong", "REASONING": "strong"}},
    },
}  # fmt: skip
README = Path(__file__).resolve().parents[2] / "README.md"


def deployment(name: str, answer: object = None) -> dict:
    return {"model_name": name, "litellm_params": {"model": f"openai/{name}", "api_key": "sk-none",
                                                   "mock_response": answer if answer is not None else f"answered by {name}"}}  # fmt: skip


@pytest.fixture
def router():
    router = Router(model_list=[deployment(n) for n in ("cheap", "mid", "strong", "thinker")], num_retries=0)
    strategy = add_smart_routing(router, SECTION)
    yield router
    litellm.callbacks[:] = [cb for cb in litellm.callbacks if cb is not strategy]


def ask(prompt: str) -> list[dict]:
    return [{"role": "user", "content": prompt}]


def test_async_completion_routes_by_score_and_shows_the_decision(router):
    async def run():
        return [await router.acompletion(model="smart/auto", messages=ask(p), metadata=m) for p, m in ((HELLO, {}), (PROVE, {}))]

    simple, hard = asyncio.run(run())
    assert simple.choices[0].message.content == "answered by cheap"
    assert hard.choices[0].message.content == "answered by thinker"
    assert simple._hidden_params["smart_router"]["tier"] == "SIMPLE"
    decision = hard._hidden_params["smart_router"]
    assert (decision["requested"], decision["tier"], decision["model"], decision["fallbacks"]) == ("smart/auto", "REASONING", "thinker", ["strong"])
    assert decision["reason"].startswith("score +")


def test_sync_completion_fills_the_callers_metadata(router):
    metadata: dict = {}
    response = router.completion(model="smart/auto", messages=ask(PROVE), metadata=metadata)
    assert response.choices[0].message.content == "answered by thinker"
    assert metadata["smart_router"]["model"] == "thinker" and metadata["smart_router"]["tier"] == "REASONING"


def test_streaming_sync_and_async(router):
    async def stream() -> tuple[str, dict]:
        metadata: dict = {}
        chunks = await router.acompletion(model="smart/auto", messages=ask(PROVE), stream=True, metadata=metadata)
        return "".join([c.choices[0].delta.content or "" async for c in chunks]), metadata

    text, metadata = asyncio.run(stream())
    assert text == "answered by thinker" and metadata["smart_router"]["tier"] == "REASONING"
    sync_metadata: dict = {}
    chunks = router.completion(model="smart/auto", messages=ask(HELLO), stream=True, metadata=sync_metadata)
    assert "".join(c.choices[0].delta.content or "" for c in chunks) == "answered by cheap"
    assert sync_metadata["smart_router"]["model"] == "cheap"


def test_a_failing_tier_model_falls_back_through_the_router():
    router = Router(model_list=[deployment("cheap", Exception("upstream down")), *(deployment(n) for n in ("mid", "strong", "thinker"))],
                    num_retries=0, fallbacks=[{"thinker": ["mid"]}])  # fmt: skip
    strategy = add_smart_routing(router, SECTION)
    try:
        response = asyncio.run(router.acompletion(model="smart/auto", messages=ask(HELLO)))
        assert response.choices[0].message.content == "answered by mid"  # SIMPLE: cheap, then its tier fallback
        assert response._hidden_params["additional_headers"]["x-litellm-attempted-fallbacks"] == 1
        assert response._hidden_params["smart_router"]["model"] == "cheap"  # the routed model; mid answered
        assert {"thinker": ["mid"]} in router.fallbacks and {"thinker": ["strong"]} not in router.fallbacks  # yours win
    finally:
        litellm.callbacks[:] = [cb for cb in litellm.callbacks if cb is not strategy]


def test_tools_use_the_agentic_table_and_concrete_names_pass_through(router):
    tool = {"type": "function", "function": {"name": "f", "parameters": {"type": "object", "properties": {}}}}
    routed = router.completion(model="smart/auto", messages=ask(HELLO), tools=[tool])
    assert routed.choices[0].message.content == "answered by strong"
    metadata: dict = {}
    plain = router.completion(model="mid", messages=ask(PROVE), metadata=metadata)
    assert plain.choices[0].message.content == "answered by mid" and "smart_router" not in metadata


def test_overrides_in_metadata_and_unknown_profiles(router):
    metadata = {"smart_router_tier": "COMPLEX"}
    assert router.completion(model="smart/auto", messages=ask(HELLO), metadata=metadata).choices[0].message.content == "answered by strong"
    assert "override: tier=COMPLEX" in metadata["smart_router"]["reason"]
    with pytest.raises(Exception, match="unknown profile 'smart/nope'; valid: smart/auto, smart/agentic"):
        router.completion(model="smart/nope", messages=ask(HELLO))


def test_one_call_rejects_tables_naming_models_the_router_lacks():
    router = Router(model_list=[deployment("cheap")])
    with pytest.raises(ValueError, match="unknown model 'mid'"):
        add_smart_routing(router, SECTION)
    assert not isinstance(getattr(router, "get_available_deployment", None), SmartRouting)


def test_the_readme_sdk_example_runs_as_written():
    block = re.search(r"<!-- sdk-example -->\s*```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    assert block, "README has no sdk-example block"
    run = subprocess.run([sys.executable, "-c", block.group(1)], capture_output=True, text=True, timeout=120,
                         env={"LITELLM_LOCAL_MODEL_COST_MAP": "True", "PATH": "/usr/bin:/bin"})  # fmt: skip
    assert run.returncode == 0, run.stderr[-2000:]
    assert "smart/auto -> cheap (SIMPLE)" in run.stdout and "smart/auto -> thinker (REASONING)" in run.stdout


def test_router_retries_reuse_the_decision_and_caller_dicts_are_not_trusted(monkeypatch):
    # A retry policy makes the Router retry smart/auto itself (without one it goes to fallbacks, the group has no deployments).
    policy = litellm.router.RetryPolicy(InternalServerErrorRetries=2)
    router = Router(model_list=[deployment("cheap", Exception("flaky")), *(deployment(n) for n in ("mid", "strong", "thinker"))],
                    num_retries=2, retry_after=0, retry_policy=policy)  # fmt: skip
    strategy = add_smart_routing(router, {"profiles": {"auto": {"tiers": {"SIMPLE": "cheap", "MEDIUM": "mid", "COMPLEX": "strong", "REASONING": "thinker"}}}})
    scored, attempts = [], []
    route, pick = sdk.route_request, Router.get_available_deployment

    async def counted_route(engine, sessions, data, *rest):
        scored.append(data["model"])
        return await route(engine, sessions, data, *rest)

    def counted_pick(self, **kwargs):
        attempts.append(kwargs["model"])
        return pick(self, **kwargs)

    monkeypatch.setattr(sdk, "route_request", counted_route)
    monkeypatch.setattr(Router, "get_available_deployment", counted_pick)
    try:
        metadata = {"session_id": "chat-1", "smart_router": {"requested": "smart/auto", "model": "thinker"}}  # a caller's fake
        with pytest.raises(Exception, match="flaky"):
            router.completion(model="smart/auto", messages=ask(HELLO), metadata=metadata)
        assert attempts == ["cheap"] * 3 and scored == ["smart/auto"]  # three attempts, scored once: no "retry" escalation
        assert metadata["smart_router"]["model"] == "cheap" and "retry" not in metadata["smart_router"]["reason"]
    finally:
        litellm.callbacks[:] = [cb for cb in litellm.callbacks if cb is not strategy]


def test_a_metadata_dict_reused_for_the_next_request_does_not_carry_its_decision(router):
    metadata = {"user": "same-dict"}
    assert router.completion(model="smart/auto", messages=ask(PROVE), metadata=metadata).choices[0].message.content == "answered by thinker"
    assert asyncio.run(router.acompletion(model="smart/auto", messages=ask(HELLO), metadata=metadata)).choices[0].message.content == "answered by cheap"
    assert router.completion(model="smart/auto", messages=ask(HELLO), metadata=metadata).choices[0].message.content == "answered by cheap"


def test_a_repeat_after_an_answer_regenerates_a_repeat_after_a_failure_does_not():
    router = Router(model_list=[deployment(n) for n in ("cheap", "mid", "strong", "thinker")], num_retries=0)
    strategy = add_smart_routing(router, SECTION)
    try:
        async def run() -> list[dict]:
            decisions = []
            for _ in range(2):
                metadata = {"session_id": "chat-regen"}
                await router.acompletion(model="smart/auto", messages=ask(HELLO), metadata=metadata)
                decisions.append(metadata["smart_router"])
            return decisions

        first, again = asyncio.run(run())
        assert (first["tier"], again["tier"]) == ("SIMPLE", "MEDIUM")
        assert "retry: same ask again" in again["reason"]
    finally:
        litellm.callbacks[:] = [cb for cb in litellm.callbacks if cb is not strategy]
