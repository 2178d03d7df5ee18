"""Request bodies of every call type -> the text the scorer reads and what the request needs."""

from smart_router.extract import extract


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
