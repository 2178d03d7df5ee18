"""The hook called directly: routing, errors mapped to 400/403, bugs surfaced, odd input."""

import asyncio

import pytest
import yaml
from fastapi import HTTPException
from hypothesis import HealthCheck, given, settings, strategies as st

from smart_router.errors import BadRequest
from smart_router.extract import check
from smart_router.hook import SmartRouterHook
from smart_router.policy import printable
from smart_router.types import Tier


def run_hook(data, call_type="acompletion"):
    return asyncio.run(SmartRouterHook().async_pre_call_hook(None, None, data, call_type))


def test_hook_leaves_concrete_models_alone():
    data = {"model": "openai/gpt-4o", "messages": [{"role": "user", "content": "Prove it step by step"}]}
    assert run_hook(dict(data)) == data


def test_hook_routes_and_records_the_decision():
    data = run_hook({"model": "smart/eco", "messages": [{"role": "user", "content": "hi"}]})
    assert data["model"] == "gemini-flash-lite"
    assert data["fallbacks"] == [{"gemini-flash-lite": ["llama-3.3-70b"]}]
    info = data["metadata"]["smart_router"]
    assert info["tier"] == Tier.SIMPLE.name and info["profile"] == "eco"
    messages = run_hook({"model": "smart/eco", "messages": [{"role": "user", "content": "hi"}]}, "anthropic_messages")
    assert messages["litellm_metadata"]["smart_router"]["model"] == "gemini-flash-lite"


def test_hook_rejects_unknown_profiles_and_embeddings_with_400():
    with pytest.raises(HTTPException) as error:
        run_hook({"model": "smart/bogus", "messages": []})
    assert error.value.status_code == 400 and "smart/premium" in error.value.detail
    with pytest.raises(HTTPException) as error:
        run_hook({"model": "smart/auto", "input": "x"}, "aembedding")
    assert error.value.status_code == 400 and "embedding" in error.value.detail


junk = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=200)
    | st.sampled_from(["(a|a)*$", "\x00", "\ud800", "مرحبا", "```", "<system-reminder>", "first " * 50]),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.sampled_from(["type", "text", "content", "role", "image_url", "input"]), children, max_size=4),
    max_leaves=20,
)  # fmt: skip


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    call_type=st.sampled_from(["acompletion", "anthropic_messages", "aresponses", "atext_completion"]),
    body=st.fixed_dictionaries({}, optional={"messages": junk, "system": junk, "input": junk, "prompt": junk, "instructions": junk, "tools": junk, "max_tokens": junk}),
)  # fmt: skip
def test_hook_never_crashes_on_junk(call_type, body):
    body["model"] = "smart/auto"
    try:
        check(call_type, body)
    except BadRequest as problem:  # unreadable: a clean 400 naming the problem, never a crash
        with pytest.raises(HTTPException) as error:
            run_hook(body, call_type)
        assert error.value.status_code == 400 and error.value.detail == printable(str(problem))
        return
    data = run_hook(body, call_type)
    assert data["model"] in {"gemini-flash-lite", "gemini-flash", "claude-sonnet", "o3", "gpt-4o-mini"}


@pytest.mark.parametrize("metadata", [None, "a string", [1, 2], 5])
def test_embeddings_route_whatever_the_metadata_holds(tmp_path, metadata):
    """Issue 16 #13: LiteLLM lets only null through to the hook (tested through the proxy);
    other non-object values are handled the same way here."""
    models = [{"model_name": n, "litellm_params": {"model": f"openai/{n}"}} for n in ("small", "embedder")]
    section = {"profiles": {"auto": {"tiers": dict.fromkeys(Tier.__members__, "small"), "embedding_model": "embedder"}}}
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump({"model_list": models, "smart_router": section}), encoding="utf-8")
    body = {"model": "smart/auto", "input": "hello", "metadata": metadata}
    data = asyncio.run(SmartRouterHook(str(path)).async_pre_call_hook(None, None, body, "aembedding"))
    assert data["model"] == "embedder" and data["metadata"]["smart_router"]["tier"] == "EMBEDDING"


def test_bad_requests_are_400_access_denials_403_and_bugs_neither(monkeypatch, caplog):
    """Only BadRequest and AccessDenied become client errors; a stray exception is a logged bug."""
    from smart_router import routing
    from smart_router.errors import AccessDenied

    body = {"model": "smart/auto", "messages": [{"role": "user", "content": "hi"}]}
    cases = [(BadRequest("x-smart-router-tier: unknown"), 400), (AccessDenied("no model for this key"), 403)]
    for error, status in cases:
        monkeypatch.setattr(routing, "decide", _raising(error))
        with pytest.raises(HTTPException) as answer:
            run_hook(dict(body))
        assert answer.value.status_code == status and answer.value.detail == str(error)
    monkeypatch.setattr(routing, "decide", _raising(ValueError("a bug in a rule")))
    with caplog.at_level("ERROR", logger="smart_router"), pytest.raises(ValueError, match="a bug in a rule"):
        run_hook(dict(body))
    assert "routing smart/auto (acompletion) failed" in caplog.text and "Traceback" in caplog.text


def _raising(error):
    def decide(*args, **kwargs):
        raise error

    return decide
