"""A scripted agent upstream on 127.0.0.1: Anthropic ``/v1/messages`` and OpenAI ``/v1/responses``,
streamed (SSE in each API's own events) or not, recording every request with its headers.

A request with tools gets the next step of ``SCRIPT`` by how many tool results it already
holds: a succeeding command, the same failing command three times, two different failing
commands, then a final text. A request without tools (title and other side calls) gets a
short JSON title. Real clients run the commands, so the captured tool results are real.
``python -m tests.proxy.agent_upstream PORT OUT.jsonl`` serves it and appends each request
to OUT.jsonl (how ``tests/fixtures/agents/*.jsonl`` were captured, see their README).
"""

from __future__ import annotations

import json
import sys
import threading
from dataclasses import dataclass
from typing import Any

from .fake_upstream import LoopbackServer, QuietHandler

SCRIPT: tuple[str | None, ...] = ("ls /", "false", "false", "false", "cat /nonexistent/a", "ls /nonexistent/b", None)
FINAL = "All done: the checks were run."
TITLE = '{"title": "Run the checks"}'


@dataclass(frozen=True)
class Received:
    """One request as the upstream saw it."""

    path: str
    headers: dict[str, str]
    body: dict[str, Any]


def tool_results(body: dict[str, Any]) -> int:
    """How many tool results a messages or responses body holds."""
    count = 0
    for entry in body.get("messages") or body.get("input") or []:
        if not isinstance(entry, dict):
            continue
        if entry.get("type") in ("function_call_output", "custom_tool_call_output"):
            count += 1
        elif isinstance(entry.get("content"), list):
            count += sum(1 for b in entry["content"] if isinstance(b, dict) and b.get("type") == "tool_result")
    return count


def next_step(body: dict[str, Any]) -> str | None:
    """The command the agent runs next, or None for the final text (or a side call)."""
    if not body.get("tools"):
        return None
    done = tool_results(body)
    return SCRIPT[done] if done < len(SCRIPT) else None


def _tool_name(body: dict[str, Any]) -> tuple[str, str]:
    """The shell tool of the request and its argument style: (name, "cmd" | "argv" | "command")."""
    names = [str(t.get("name")) for t in body.get("tools") or [] if isinstance(t, dict)]
    for name, style in (("Bash", "command"), ("exec_command", "cmd"), ("shell_command", "command"), ("shell", "argv")):
        if name in names:
            return name, style
    return (names[0] if names else "shell"), "command"


def _arguments(style: str, command: str) -> dict[str, Any]:
    if style == "argv":
        return {"command": ["bash", "-lc", command]}
    if style == "cmd":
        return {"cmd": command}
    return {"command": command, "description": "Run " + command}


def anthropic_events(body: dict[str, Any], model: str, turn: int) -> tuple[dict[str, Any], list[tuple[str, dict]]]:
    """The whole message and its SSE events."""
    command = next_step(body)
    usage = {"input_tokens": 20, "output_tokens": 8}
    if command is None:
        block: dict[str, Any] = {"type": "text", "text": FINAL if body.get("tools") else TITLE}
        delta = {"type": "text_delta", "text": block["text"]}
        stop = "end_turn"
    else:
        name, style = _tool_name(body)
        block = {"type": "tool_use", "id": f"toolu_{turn:04d}", "name": name, "input": _arguments(style, command)}
        delta = {"type": "input_json_delta", "partial_json": json.dumps(block["input"])}
        stop = "tool_use"
    message = {"id": f"msg_{turn:04d}", "type": "message", "role": "assistant", "model": model, "content": [block],
               "stop_reason": stop, "stop_sequence": None, "usage": usage}  # fmt: skip
    empty = dict(block, text="") if block["type"] == "text" else dict(block, input={})
    events = [
        ("message_start", {"type": "message_start", "message": dict(message, content=[], stop_reason=None)}),
        ("content_block_start", {"type": "content_block_start", "index": 0, "content_block": empty}),
        ("content_block_delta", {"type": "content_block_delta", "index": 0, "delta": delta}),
        ("content_block_stop", {"type": "content_block_stop", "index": 0}),
        ("message_delta", {"type": "message_delta", "delta": {"stop_reason": stop, "stop_sequence": None}, "usage": usage}),
        ("message_stop", {"type": "message_stop"}),
    ]
    return message, events


def responses_events(body: dict[str, Any], model: str, turn: int) -> tuple[dict[str, Any], list[tuple[str, dict]]]:
    """The whole response object and its SSE events."""
    command = next_step(body)
    if command is None:
        text = FINAL if body.get("tools") else TITLE
        item: dict[str, Any] = {"type": "message", "id": f"msg_{turn:04d}", "status": "completed", "role": "assistant",
                                "content": [{"type": "output_text", "text": text, "annotations": []}]}  # fmt: skip
    else:
        name, style = _tool_name(body)
        item = {"type": "function_call", "id": f"fc_{turn:04d}", "call_id": f"call_{turn:04d}", "status": "completed",
                "name": name, "arguments": json.dumps(_arguments(style, command))}  # fmt: skip
    response = {
        "id": f"resp_{turn:04d}", "object": "response", "created_at": 1, "status": "completed", "model": model,
        "output": [item], "parallel_tool_calls": False, "tool_choice": "auto", "tools": [],
        "usage": {"input_tokens": 20, "output_tokens": 8, "total_tokens": 28,
                  "input_tokens_details": {"cached_tokens": 0}, "output_tokens_details": {"reasoning_tokens": 0}},
    }  # fmt: skip
    pending = dict(response, status="in_progress", output=[])
    events = [
        ("response.created", {"type": "response.created", "sequence_number": 0, "response": pending}),
        ("response.output_item.added", {"type": "response.output_item.added", "sequence_number": 1, "output_index": 0,
                                        "item": dict(item, status="in_progress")}),
    ]  # fmt: skip
    if item["type"] == "message":
        events.append(("response.output_text.delta", {"type": "response.output_text.delta", "sequence_number": 2,
                                                      "item_id": item["id"], "output_index": 0, "content_index": 0,
                                                      "delta": item["content"][0]["text"], "logprobs": []}))  # fmt: skip
    events += [
        ("response.output_item.done", {"type": "response.output_item.done", "sequence_number": 3, "output_index": 0, "item": item}),
        ("response.completed", {"type": "response.completed", "sequence_number": 4, "response": response}),
    ]
    return response, events


class AgentUpstream(LoopbackServer):
    """Run with ``start()``; ``received`` lists requests in arrival order."""

    def __init__(self, port: int = 0, record: str | None = None) -> None:
        self.received: list[Received] = []
        self.failing: set[str] = set()  # models that answer 500
        self._lock = threading.Lock()
        upstream = self

        class Handler(QuietHandler):
            def do_GET(self) -> None:
                self._send(200, "application/json", json.dumps({"object": "list", "data": []}).encode())

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("content-length") or 0)) or b"{}")
                path = self.path.split("?")[0]
                seen = Received(path, {k.lower(): v for k, v in self.headers.items()}, body)
                with upstream._lock:
                    upstream.received.append(seen)
                    turn = len(upstream.received)
                    if record:
                        with open(record, "a", encoding="utf-8") as out:
                            out.write(json.dumps({"path": path, "headers": seen.headers, "body": body}) + "\n")
                model = str(body.get("model", ""))
                if model in upstream.failing:
                    self._send(500, "application/json", b'{"type": "error", "error": {"type": "api_error", "message": "injected"}}')
                    return
                if path.endswith("/count_tokens"):
                    self._send(200, "application/json", b'{"input_tokens": 100}')
                    return
                build = responses_events if path.endswith("/responses") else anthropic_events
                whole, events = build(body, model, turn)
                if not body.get("stream"):
                    self._send(200, "application/json", json.dumps(whole).encode())
                    return
                data = b"".join(f"event: {n}\ndata: {json.dumps(e)}\n\n".encode() for n, e in events)
                self._send(200, "text/event-stream", data)

            def _send(self, status: int, kind: str, data: bytes) -> None:
                self.send_response(status)
                self.send_header("content-type", kind)
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self._listen(Handler, port)

    def clear(self) -> None:
        with self._lock:
            self.received.clear()
        self.failing.clear()


if __name__ == "__main__":
    server = AgentUpstream(int(sys.argv[1]), sys.argv[2])
    print(f"scripted agent upstream on {server.url}, recording to {sys.argv[2]}", flush=True)
    server._server.serve_forever()
