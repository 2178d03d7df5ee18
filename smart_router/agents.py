"""Agent traffic: tool-call stalls and cheap background calls. Pure; never raises on odd input.

* A stall: the assistant's newest tool call repeats ``repeats`` times within the newest
  ``window`` calls, or the newest tool result is an error and ``repeats`` of the newest
  ``window`` results are. It lifts by itself once the calls stop repeating.
* A background (side) call: no tools, and by structure first: ``max_tokens`` at most a small
  limit (quota probes), or a one-ask request with a short instruction-only system prompt
  whose instructions or structured-output schema ask for a title, within a small
  ``max_tokens`` or as structured (JSON) output; by phrases second (title / topic checks).
  Plain "answer in JSON" apps are not side calls: only a title output marks one.

Tool calls are read from chat ``tool_calls``, Anthropic ``tool_use`` / ``tool_result``
blocks and Responses ``function_call`` / ``function_call_output`` items. Anthropic marks
failed results with ``is_error``; any result counts as an error when its text starts with
"error", holds a Python traceback, or reports a non-zero exit code ("Exit code 2", Codex's
"Process exited with code 1", a JSON ``exit_code``).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from .matcher import KeywordMatcher
from .types import Needs, RoutingText

BACKGROUND = "background"
_SCAN_CHARS = 2_000  # of the system prompt and of the ask, for background phrases
_ERROR_PREFIXES = ("error", "exception", "fatal")
_TRACEBACK = "traceback (most recent call last)"
_EXIT_CODE = re.compile(r'(?:^|\n)\s*(?:process exited with code|exit code:?)\s*(-?\d+)|"exit_code"\s*:\s*(-?\d+)')
SIDE_SYSTEM_CHARS = 2_000  # instructions at most this long can make a side call
SIDE_MAX_TOKENS = 1_024  # ... with max_tokens at most this (or structured output)
_SIDE_OUTPUT = re.compile(r"\btitles?\b", re.IGNORECASE)


@dataclass(frozen=True)
class ToolActivity:
    """The assistant's tool calls and whether their results failed, oldest first."""

    calls: tuple[str, ...] = ()  # "name(arguments)" of each call
    errors: tuple[bool, ...] = ()  # one per tool result


def tool_activity(data: Mapping[str, Any]) -> ToolActivity:
    """Tool calls and result outcomes of a chat, Anthropic or Responses request body."""
    calls: list[str] = []
    errors: list[bool] = []
    messages = data.get("messages")
    items = data.get("input")
    for entry in messages if isinstance(messages, list) else items if isinstance(items, list) else ():
        if not isinstance(entry, dict):
            continue
        kind = entry.get("type")
        if kind in ("function_call", "custom_tool_call"):
            calls.append(_signature(entry.get("name"), entry.get("arguments", entry.get("input"))))
        elif kind in ("function_call_output", "custom_tool_call_output"):
            errors.append(_looks_failed(entry.get("output")))
        elif entry.get("role") == "tool":
            errors.append(_looks_failed(entry.get("content")))
        elif entry.get("role") == "assistant":
            tool_calls = entry.get("tool_calls")
            for call in tool_calls if isinstance(tool_calls, list) else ():
                if isinstance(call, dict) and isinstance(call.get("function"), dict):
                    calls.append(_signature(call["function"].get("name"), call["function"].get("arguments")))
            _anthropic_blocks(entry.get("content"), calls, errors)
        elif entry.get("role") == "user":
            _anthropic_blocks(entry.get("content"), calls, errors)
    return ToolActivity(tuple(calls), tuple(errors))


def stall(activity: ToolActivity, repeats: int, window: int) -> str | None:
    """Why the agent looks stuck (ASCII, for headers), or None."""
    recent = activity.calls[-window:]
    if recent:
        newest = recent[-1]
        count = Counter(recent)[newest]
        if count >= repeats:
            name = newest.split("(", 1)[0][:40]
            return f"stall: {name} repeated {count}x in last {len(recent)} calls"
    results = activity.errors[-window:]
    if results and results[-1] and sum(results) >= repeats:
        return f"stall: {sum(results)} failed tool results in last {len(results)}"
    return None


class BackgroundDetector:
    """Spots agents' side requests (titles, topic checks, quota probes)."""

    def __init__(self, phrases: Mapping[str, Sequence[str]], max_tokens: int):
        self._matcher = KeywordMatcher({BACKGROUND: phrases})
        self.max_tokens = max_tokens

    def reason(self, text: RoutingText, needs: Needs, output_format: str = "") -> str | None:
        """Why this request is a background call (ASCII), or None; ``output_format``: see ``json_format``."""
        if needs.has_tools:
            return None
        if 0 < needs.max_output_tokens <= self.max_tokens:
            return f"background: max_tokens {needs.max_output_tokens}"
        one_ask = [t.role for t in text.turns] == ["user"]
        short = 0 < len(text.system.strip()) <= SIDE_SYSTEM_CHARS
        small = 0 < needs.max_output_tokens <= SIDE_MAX_TOKENS
        if one_ask and short and (small or output_format) and _SIDE_OUTPUT.search(text.system + output_format):
            return "background: side call (short instructions, title output)"
        ask = next((t.text for t in reversed(text.turns) if t.role == "user"), "")
        sample = text.system[:_SCAN_CHARS] + "\n" + ask[:_SCAN_CHARS]
        if self._matcher.match(sample).by_dimension.get(BACKGROUND):
            return "background: utility request"
        return None


def json_format(data: Mapping[str, Any]) -> str:
    """The structured (JSON) output a request asks for in any API's field, as text ("" when none)."""
    text = data.get("text")
    config = data.get("output_config")
    formats = (
        data.get("response_format"),
        data.get("output_format"),
        text.get("format") if isinstance(text, dict) else None,
        config.get("format") if isinstance(config, dict) else None,
    )
    chosen = next((f for f in formats if isinstance(f, dict) and str(f.get("type", "")).startswith("json")), None)
    return _signature("format", chosen)[:_SCAN_CHARS] if chosen else ""


def _anthropic_blocks(content: Any, calls: list[str], errors: list[bool]) -> None:
    if not isinstance(content, list):
        return
    for block in content:
        if not isinstance(block, dict):
            continue
        if block.get("type") == "tool_use":
            calls.append(_signature(block.get("name"), block.get("input")))
        elif block.get("type") == "tool_result":
            errors.append(block.get("is_error") is True or _looks_failed(block.get("content")))


def _signature(name: Any, arguments: Any) -> str:
    if not isinstance(arguments, str):
        try:
            arguments = json.dumps(arguments, sort_keys=True, default=str)
        except (TypeError, ValueError, RecursionError):
            arguments = type(arguments).__name__
    return f"{name if isinstance(name, str) else '?'}({arguments[:2000]})"


def _looks_failed(output: Any) -> bool:
    if isinstance(output, list):
        output = next((p.get("text") for p in output if isinstance(p, dict) and isinstance(p.get("text"), str)), "")
    if not isinstance(output, str):
        return False
    head = output[:4000].lstrip().lower()
    if head.startswith(_ERROR_PREFIXES) or _TRACEBACK in head:
        return True
    code = _EXIT_CODE.search(head[:1000])
    return code is not None and int(code.group(1) or code.group(2)) != 0
