"""A seeded generator of hostile request bodies, shared by the hook and proxy fuzz tests.

Every body is JSON-shaped (dicts, lists, strings, numbers, booleans, None) because that is
what the proxy hands the hook, but any field may hold the wrong type. ``hostile_body(rng)``
returns ``(call_type, body, kind)``; ``kind`` says which family produced it (for reports).
"""

from __future__ import annotations

import random
from typing import Any

CALL_TYPES = ("acompletion", "atext_completion", "anthropic_messages", "aresponses", "aembedding")
MODELS = ("smart/auto", "smart/eco", "smart/premium", "smart/agentic", "smart/free", "SMART/Auto", "smart/AUTO")

WORDS = [
    "hello", "prove", "step by step", "derive", "algorithm", "latency", "kubernetes", "def", "class",
    "return", "first", "then", "finally", "json", "table", "why", "compare", "must", "not", "deploy",
    "story", "poem", "theorem", "quantum", "translate", "what is", "capital of", "write", "build",
    "分布式", "算法", "証明", "증명해", "доказать", "beweisen", "démontrer", "demuestra", "prove que",
    "برهن", "والخوارزمية", "```python", "Traceback (most recent call last):", "1.", "2)", "?", "O(n)",
]
NASTY = [
    "", " ", "\x00", "\x00\x00abc\x00", "\ud800", "\udfff", "a\ud83dz", "\ufeff", "\u200b\u200d", "\u202eevil\u202c",
    "مرحبا بالعالم، برهن أن", "שלום עולם", "👩‍💻🔥🚀" * 3, "🏳️‍🌈", "e\u0301\u0301\u0301", "(a|a)*$", ".*+?[]{}()^$\\|",
    "[[[[[[", "\\x00\\u0000", "%s%s%n%d", "${jndi:ldap://x}", "<script>", "<system-reminder>", "\r\n\r\n",
    "\t" * 50, "Ω≈ç√∫", "𝕳𝖊𝖑𝖑𝖔", "ﷺ", "ᄀᄀᄀ", "　", "null", "None", "NaN", "-1", "9" * 400,
]
PART_TYPES = [
    "text", "image_url", "image", "input_image", "input_text", "output_text", "tool_result", "tool_use",
    "document", "audio", "file", "thinking", "redacted_thinking", "refusal", "", None, 7, "TEXT", "input_audio",
]
ROLES = ["user", "assistant", "system", "developer", "tool", "function", "model", "", None, 1, ["user"], "USER"]


def _text(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.25:
        return rng.choice(NASTY)
    if roll < 0.85:
        return " ".join(rng.choice(WORDS + NASTY) for _ in range(rng.randint(1, 40)))
    if roll < 0.97:
        return "".join(chr(rng.randint(1, 0x2FFFF)) for _ in range(rng.randint(1, 200)))
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(500, 3000)))


def _scalar(rng: random.Random) -> Any:
    return rng.choice([
        None, True, False, 0, -1, 1, 2**63, -(2**70), 1.5, float("nan"), float("inf"), -0.0, "", "x",
        rng.choice(NASTY), _text(rng),
    ])  # fmt: skip


def _junk(rng: random.Random, depth: int = 0) -> Any:
    """Any JSON value, nested a little."""
    roll = rng.random()
    if depth > 3 or roll < 0.5:
        return _scalar(rng)
    if roll < 0.75:
        return [_junk(rng, depth + 1) for _ in range(rng.randint(0, 4))]
    keys = ["type", "text", "content", "role", "image_url", "input", "output", "source", "id", rng.choice(NASTY)]
    return {rng.choice(keys): _junk(rng, depth + 1) for _ in range(rng.randint(0, 4))}


def _part(rng: random.Random, depth: int = 0) -> Any:
    if rng.random() < 0.15:
        return _junk(rng, depth)
    kind = rng.choice(PART_TYPES)
    part: dict[str, Any] = {"type": kind}
    roll = rng.random()
    if roll < 0.5:
        part["text"] = _text(rng) if rng.random() < 0.85 else _junk(rng, depth + 1)
    elif roll < 0.7 and depth < 6:
        part["content"] = _content(rng, depth + 1)
    elif roll < 0.85:
        part["image_url"] = rng.choice([{"url": "data:image/png;base64,AAAA"}, "http://x/y.png", None, 3])
    else:
        part[rng.choice(["input", "source", "output", "input_text"])] = _junk(rng, depth + 1)
    return part


def _content(rng: random.Random, depth: int = 0) -> Any:
    roll = rng.random()
    if roll < 0.45:
        return _text(rng)
    if roll < 0.55:
        return None
    if roll < 0.9:
        return [_part(rng, depth) for _ in range(rng.randint(0, 5))]
    return _junk(rng, depth)


def _message(rng: random.Random) -> Any:
    if rng.random() < 0.05:
        return _junk(rng)
    message: dict[str, Any] = {"role": rng.choice(ROLES), "content": _content(rng)}
    if rng.random() < 0.1:
        message["tool_calls"] = _junk(rng)
    if rng.random() < 0.05:
        del message["content"]
    return message


def _messages(rng: random.Random) -> Any:
    roll = rng.random()
    if roll < 0.08:
        return _junk(rng)
    count = rng.randint(0, 8)
    messages = [_message(rng) for _ in range(count)]
    if messages and rng.random() < 0.6 and isinstance(messages[-1], dict):
        messages[-1]["role"] = "user"
    return messages


def _base(rng: random.Random, call_type: str) -> dict[str, Any]:
    body: dict[str, Any] = {}
    if call_type == "atext_completion":
        body["prompt"] = rng.choice([_text(rng), [_text(rng), [1, 2, 3], None], None, _junk(rng)])
    elif call_type == "aresponses":
        body["input"] = rng.choice([
            _text(rng), [_message(rng) for _ in range(rng.randint(0, 4))],
            [{"type": rng.choice(["function_call_output", "function_call", "reasoning", "message", None]), "output": _junk(rng)}],
            _junk(rng),
        ])  # fmt: skip
        if rng.random() < 0.4:
            body["instructions"] = rng.choice([_text(rng), _junk(rng)])
    elif call_type == "aembedding":
        body["input"] = rng.choice([_text(rng), [_text(rng), _text(rng)], [[1, 2]], None, _junk(rng)])
    else:
        body["messages"] = _messages(rng)
        if call_type == "anthropic_messages" or rng.random() < 0.2:
            body["system"] = rng.choice([_text(rng), [{"type": "text", "text": _text(rng)}], None, _junk(rng)])
    return body


def _extras(rng: random.Random, body: dict[str, Any]) -> None:
    extras = {
        "tools": lambda: rng.choice([[{"type": "function", "function": {"name": "f"}}], [], {}, "tools", None, _junk(rng)]),
        "functions": lambda: _junk(rng),
        "max_tokens": lambda: rng.choice([1, 50, 10**9, 2**63, -5, 0, "100", 3.5, None, True, [1]]),
        "max_completion_tokens": lambda: rng.choice([10**7, -1, "x", None]),
        "max_output_tokens": lambda: rng.choice([10**6, "y", None]),
        "response_format": lambda: rng.choice([{"type": "json_object"}, {"type": "json_schema"}, {"type": None}, "json", [], None]),
        "text": lambda: rng.choice([{"format": {"type": "json_schema"}}, {"format": "x"}, "text", None, []]),
        "stream": lambda: rng.choice([True, False, "yes", None]),
        "metadata": lambda: rng.choice([{}, None, "m", [], {"smart_router": 5}]),
        "litellm_metadata": lambda: rng.choice([{}, None, 7, {"smart_router": "x"}]),
        "fallbacks": lambda: rng.choice([["x"], None, "y", [{"a": ["b"]}]]),
        "user": lambda: _junk(rng),
        "messages": lambda: _messages(rng),
        "prompt": lambda: _junk(rng),
        "input": lambda: _junk(rng),
        "system": lambda: _junk(rng),
    }
    for key in rng.sample(sorted(extras), rng.randint(0, 4)):
        body.setdefault(key, extras[key]())


def huge_body(rng: random.Random, call_type: str) -> tuple[dict[str, Any], str]:
    """A body far above the off-loop threshold: a megabyte word, a huge prompt, or 10k turns."""
    kind = rng.choice(["megabyte_word", "huge_text", "deep_turns"])
    if kind == "megabyte_word":
        text = rng.choice("ab证م🔥") * 1_000_000
    elif kind == "huge_text":
        text = " ".join(rng.choice(WORDS + NASTY) for _ in range(60_000))
    else:
        turns = [{"role": rng.choice(["user", "assistant"]), "content": _text(rng)} for _ in range(10_000)]
        turns.append({"role": "user", "content": "prove it step by step"})
        body = {"messages": turns} if call_type not in ("aresponses", "atext_completion") else (
            {"input": turns} if call_type == "aresponses" else {"prompt": [t["content"] for t in turns]}
        )
        return body, kind
    if call_type == "atext_completion":
        return {"prompt": text}, kind
    if call_type in ("aresponses", "aembedding"):
        return {"input": text}, kind
    return {"messages": [{"role": "user", "content": rng.choice([text, [{"type": "text", "text": text}]])}]}, kind


def hostile_body(rng: random.Random, huge_share: float = 0.0) -> tuple[str, dict[str, Any], str]:
    """One generated request: ``(call_type, body, kind)``."""
    call_type = rng.choice(CALL_TYPES)
    if rng.random() < huge_share:
        body, kind = huge_body(rng, call_type)
    else:
        body, kind = _base(rng, call_type), "junk"
        _extras(rng, body)
    roll = rng.random()
    if roll < 0.9:
        body["model"] = rng.choice(MODELS)
    elif roll < 0.95:
        body["model"] = "smart/" + rng.choice(NASTY + ["nope", "auto/x", "auto "])
    else:
        body["model"] = _scalar(rng)
    return call_type, body, kind
