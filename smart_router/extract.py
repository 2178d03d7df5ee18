"""Request body of any call type -> ``RoutingText`` and ``Needs``. Pure; never raises on odd input.

* chat (``acompletion``): ``messages`` with string or part-list content; system and
  developer messages are the system prompt; image parts mean vision.
* Anthropic (``anthropic_messages``): ``system`` string or blocks; ``messages`` with
  text / image / tool_use / tool_result blocks. Tool results in a user message are a tool
  turn, not a new ask; other text beside them (harness reminders) follows as a user turn.
* Responses (``aresponses``): ``input`` string or items, ``instructions``.
* Completions (``atext_completion``): ``prompt`` string or list of strings.
Values of the wrong type are skipped, so malformed bodies still yield a (possibly empty) text;
``check`` names what the router cannot read, so such a body gets a fast 400 instead of
upstream attempts and fallbacks.
"""

from __future__ import annotations

from typing import Any, Iterable

from .errors import BadRequest
from .types import Needs, RoutingText, Turn

IMAGE_PARTS = {"image_url", "image", "input_image"}
TEXT_KEYS = ("text", "input_text", "output_text")
_MAX_DEPTH = 4
# content part / block types of the OpenAI, Anthropic and Responses APIs that LiteLLM forwards
PART_TYPES = frozenset({
    "text", "image_url", "input_audio", "file", "refusal", "video_url", "audio_url",
    "image", "document", "tool_use", "tool_result", "thinking", "redacted_thinking", "search_result",
    "server_tool_use", "web_search_tool_result", "web_fetch_tool_result", "code_execution_tool_result",
    "mcp_tool_use", "mcp_tool_result", "container_upload", "tool_reference",
    "input_text", "input_image", "input_file", "output_text", "reasoning_text", "summary_text",
})  # fmt: skip


def check(call_type: str, data: dict[str, Any]) -> None:
    """Raise BadRequest naming the first field of ``data`` the router cannot read (a 400)."""
    for key in ("tools", "functions"):
        _expect(key, data.get(key), (list,), items=(dict,))
    if _kind(call_type, data) == "prompt":
        _expect("prompt", data.get("prompt"), (str, list))
    elif _kind(call_type, data) == "input":
        _expect("input", data.get("input"), (str, list), items=(str, dict))
        items = data["input"] if isinstance(data.get("input"), list) else []
        for index, item in enumerate(items):
            if isinstance(item, dict):
                _content(f"input[{index}].content", item.get("content"))
    else:
        _expect("messages", data.get("messages"), (list,), items=(dict,))
        _content("system", data.get("system"))
        for index, message in enumerate(data.get("messages") if isinstance(data.get("messages"), list) else []):
            if not isinstance(message.get("role"), str):
                raise BadRequest(f"messages[{index}].role: expected a string such as 'user'")
            _content(f"messages[{index}].content", message.get("content"))


def _kind(call_type: str, data: dict[str, Any]) -> str:
    """Which field holds the text: prompt (completions), input (responses) or messages."""
    if call_type == "atext_completion" or ("prompt" in data and "messages" not in data and "input" not in data):
        return "prompt"
    if call_type == "aresponses" or ("input" in data and "messages" not in data):
        return "input"
    return "messages"


def _expect(name: str, value: Any, types: tuple[type, ...], items: tuple[type, ...] = (), optional: bool = True) -> None:
    """``value`` is one of ``types`` (or absent), and each element of a list one of ``items``."""
    if value is None and optional:
        return
    if not isinstance(value, types):
        wanted = " or ".join(dict.fromkeys(_TYPE_NAMES[t] for t in types))
        raise BadRequest(f"{name}: expected {wanted}, got {_TYPE_NAMES.get(type(value), type(value).__name__)}")
    for index, item in enumerate(value if items and isinstance(value, list) else ()):
        _expect(f"{name}[{index}]", item, items, optional=False)


def _content(name: str, value: Any) -> None:
    """A content value: absent, a string, or a list of typed parts the APIs know."""
    _expect(name, value, (str, list), items=(dict,))
    for index, part in enumerate(value if isinstance(value, list) else ()):
        kind = part.get("type")
        if not isinstance(kind, str) or kind not in PART_TYPES:
            shown = repr(kind)[:40] if isinstance(kind, str) else "none"
            raise BadRequest(f"{name}[{index}].type: unknown content part type {shown}; known: text, image_url, image, tool_use, tool_result, ...")


_TYPE_NAMES = {str: "a string", list: "a list", dict: "an object", int: "a number", float: "a number", bool: "a boolean", type(None): "null"}


def extract(call_type: str, data: dict[str, Any]) -> tuple[RoutingText, Needs]:
    """Split a request body into the text the scorer reads and what the request needs."""
    system: list[str] = []
    turns: list[Turn] = []
    images = [False]
    kind = _kind(call_type, data)
    if kind == "prompt":
        turns.append(Turn("user", _prompt_text(data.get("prompt"))))
    elif kind == "input":
        system.append(_text(data.get("instructions"), images))
        _responses_input(data.get("input"), system, turns, images)
    else:
        system.append(_text(data.get("system"), images))
        _messages(data.get("messages"), system, turns, images)
    has_tools = bool(data.get("tools") or data.get("functions"))
    text = RoutingText(
        turns=tuple(turns),
        system="\n".join(s for s in system if s),
        wants_json=_wants_json(data),
        has_tools=has_tools,
    )
    needs = Needs(
        has_tools=has_tools,
        has_images=images[0],
        max_output_tokens=_int(data.get("max_tokens") or data.get("max_completion_tokens") or data.get("max_output_tokens")),
    )
    return text, needs


def _messages(messages: Any, system: list[str], turns: list[Turn], images: list[bool]) -> None:
    if not isinstance(messages, list):
        return
    for message in messages:
        if not isinstance(message, dict):
            continue
        role = message.get("role")
        content = message.get("content")
        if role in ("system", "developer"):
            system.append(_text(content, images))
        elif role == "user" and _has_tool_results(content):
            # Anthropic tool results, often with harness text beside them: the results are a
            # tool turn; any other text follows as the user's (it may be only envelopes).
            results: list[Any] = []
            others: list[Any] = []
            for part in content:
                (results if isinstance(part, dict) and part.get("type") == "tool_result" else others).append(part)
            turns.append(Turn("tool", _text(results, images)))
            rest = _text(others, images)
            if rest:
                turns.append(Turn("user", rest))
        elif role in ("user", "assistant", "tool", "function"):
            turns.append(Turn("tool" if role == "function" else str(role), _text(content, images)))


def _responses_input(value: Any, system: list[str], turns: list[Turn], images: list[bool]) -> None:
    if isinstance(value, str):
        turns.append(Turn("user", value))
        return
    if not isinstance(value, list):
        return
    for item in value:
        if isinstance(item, str):
            turns.append(Turn("user", item))
        elif isinstance(item, dict):
            kind = item.get("type")
            if kind in ("function_call_output", "custom_tool_call_output"):
                turns.append(Turn("tool", _text(item.get("output"), images)))
            elif kind in ("function_call", "custom_tool_call", "reasoning"):
                turns.append(Turn("assistant", ""))
            elif item.get("role") in ("system", "developer"):
                system.append(_text(item.get("content"), images))
            elif item.get("role") in ("user", "assistant"):
                turns.append(Turn(item["role"], _text(item.get("content"), images)))


def _has_tool_results(content: Any) -> bool:
    return isinstance(content, list) and any(isinstance(p, dict) and p.get("type") == "tool_result" for p in content)


def _text(value: Any, images: list[bool], depth: int = 0) -> str:
    """Plain text of a content value: string, part list, or block; notes image parts."""
    if isinstance(value, str):
        return value
    if depth > _MAX_DEPTH:
        return ""
    if isinstance(value, list):
        return "\n".join(t for t in (_text(v, images, depth + 1) for v in value) if t)
    if not isinstance(value, dict):
        return ""
    kind = value.get("type") if isinstance(value.get("type"), str) else None
    if kind in IMAGE_PARTS:
        images[0] = True
        return ""
    if kind == "tool_result" or ("content" in value and kind not in TEXT_KEYS):
        return _text(value.get("content"), images, depth + 1)
    for key in TEXT_KEYS:
        if isinstance(value.get(key), str):
            return value[key]
    return ""


def _prompt_text(prompt: Any) -> str:
    if isinstance(prompt, str):
        return prompt
    if isinstance(prompt, list):
        return "\n".join(p for p in prompt if isinstance(p, str))
    return ""


def _wants_json(data: dict[str, Any]) -> bool:
    formats: Iterable[Any] = (
        data.get("response_format"),
        (data.get("text") or {}).get("format") if isinstance(data.get("text"), dict) else None,
    )
    return any(isinstance(f, dict) and f.get("type") in ("json_object", "json_schema") for f in formats)


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0
