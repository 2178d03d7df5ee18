"""Request bodies of every call type -> text and needs; the hook called directly on odd input."""

import asyncio

import pytest
import yaml
from fastapi import HTTPException
from hypothesis import HealthCheck, given, settings, strategies as st

from smart_router.extract import check, extract
from smart_router.hook import SmartRouterHook
from smart_router.policy import printable
from smart_router.types import Tier


def test_chat_parts_system_and_images():
    text, needs = extract("acompletion", {
        "messages": [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": [{"type": "text", "text": "What is this?"}, {"type": "image_url", "image_url": {"url": "x"}}]},
        ],
        "tools": [{"type": "function", "function": {"name": "f"}}],
        "max_tokens": 77,
        "response_format": {"type": "json_object"},
    })  # fmt: skip
    assert text.system == "Be brief."
    assert [(t.role, t.text) for t in text.turns] == [("user", "What is this?")]
    assert needs.has_images and needs.has_tools and needs.max_output_tokens == 77
    assert text.wants_json


def test_anthropic_blocks_and_tool_results_are_tool_turns():
    text, _ = extract("anthropic_messages", {
        "system": [{"type": "text", "text": "You are Claude Code."}],
        "messages": [
            {"role": "user", "content": "Refactor the parser."},
            {"role": "assistant", "content": [{"type": "tool_use", "id": "1", "name": "read", "input": {"path": "a.py"}}]},
            {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "1", "content": [{"type": "text", "text": "def f(): pass"}]}]},
        ],
    })  # fmt: skip
    assert text.system == "You are Claude Code."
    assert [t.role for t in text.turns] == ["user", "assistant", "tool"]
    assert text.turns[-1].text == "def f(): pass"


def test_responses_input_items_and_instructions():
    text, _ = extract("aresponses", {
        "instructions": "Answer in French.",
        "input": [
            {"role": "developer", "content": "Be formal."},
            {"role": "user", "content": [{"type": "input_text", "text": "Bonjour"}, {"type": "input_image", "image_url": "x"}]},
            {"type": "function_call_output", "call_id": "1", "output": "42"},
        ],
    })  # fmt: skip
    assert text.system == "Answer in French.\nBe formal."
    assert [(t.role, t.text) for t in text.turns] == [("user", "Bonjour"), ("tool", "42")]


def test_completion_prompt_list_skips_token_ids():
    text, _ = extract("atext_completion", {"prompt": ["Say hi", [1, 2, 3], "twice"]})
    assert text.turns[0].text == "Say hi\ntwice"


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
    except ValueError as problem:  # unreadable: a clean 400 naming the problem, never a crash
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
