"""A small OpenAI- and Anthropic-compatible upstream on 127.0.0.1 that records every request.

Each answer names the model that answered ("answered by <model>"). Models listed in
``faults`` answer with that HTTP status instead (e.g. 429), to exercise LiteLLM fallbacks,
or misbehave: ``"timeout"`` holds the request without answering (``hang_seconds``, or until
``stop``), ``"malformed"`` answers 200 with a body that is not JSON, ``"drop_stream"``
sends part of the answer (one chunk of a stream, half of a JSON body) and closes the
connection.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Seen:
    """One request the upstream received."""

    path: str
    model: str
    body: dict[str, Any]


class QuietHandler(BaseHTTPRequestHandler):
    """HTTP/1.1, no access log on stderr."""

    protocol_version = "HTTP/1.1"

    def log_message(self, *args: Any) -> None:
        pass


class LoopbackServer:
    """A threaded HTTP server on 127.0.0.1 (port 0: any free one) for a fake upstream."""

    def _listen(self, handler: type[BaseHTTPRequestHandler], port: int = 0) -> None:
        self._server = ThreadingHTTPServer(("127.0.0.1", port), handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self):
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


class FakeUpstream(LoopbackServer):
    """Run with ``start()``; ``seen`` lists requests in arrival order."""

    def __init__(self) -> None:
        self.seen: list[Seen] = []
        self.faults: dict[str, int | str] = {}
        self.hang_seconds = 30.0
        self._lock = threading.Lock()
        self._released = threading.Event()
        upstream = self

        class Handler(QuietHandler):
            def do_GET(self) -> None:
                self._json(200, {"object": "list", "data": []})

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                path = self.path.split("?")[0]
                model = str(body.get("model", ""))
                with upstream._lock:
                    upstream.seen.append(Seen(path, model, body))
                status = upstream.faults.get(model)
                if isinstance(status, str):
                    self._misbehave(status, body, model)
                    return
                if status:
                    self._json(status, {"error": {"message": f"injected {status} for {model}", "type": "rate_limit_error" if status == 429 else "server_error", "code": str(status)}})
                    return
                text = f"answered by {model}"
                if path.endswith("/messages"):
                    self._anthropic(body, model, text)
                elif path.endswith("/chat/completions"):
                    self._chat(body, model, text)
                elif path.endswith("/completions"):
                    self._json(200, {"id": "cmpl-1", "object": "text_completion", "created": int(time.time()), "model": model,
                                     "choices": [{"index": 0, "text": text, "finish_reason": "stop", "logprobs": None}],
                                     "usage": {"prompt_tokens": 5, "completion_tokens": 4, "total_tokens": 9}})
                elif path.endswith("/embeddings"):
                    inputs = body.get("input")
                    count = len(inputs) if isinstance(inputs, list) else 1
                    self._json(200, {"object": "list", "model": model, "usage": {"prompt_tokens": 3, "total_tokens": 3},
                                     "data": [{"object": "embedding", "index": i, "embedding": [0.1, 0.2, 0.3]} for i in range(count)]})
                elif path.endswith("/responses"):
                    self._json(200, _response_object(model, text))
                else:
                    self._json(404, {"error": {"message": f"no route {path}"}})

            def _misbehave(self, fault: str, body: dict, model: str) -> None:
                if fault == "timeout":
                    upstream._released.wait(upstream.hang_seconds)
                    self.close_connection = True
                    return
                if fault == "malformed":
                    data = b'{"id": "chatcmpl-1", "object": "chat.completion", "choices": [{"index": 0, "message": '
                    if body.get("stream"):
                        data = b"data: " + data + b"\n\ndata: [DONE]\n\n"
                    self.send_response(200)
                    self.send_header("content-type", "text/event-stream" if body.get("stream") else "application/json")
                    self.send_header("content-length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                    return
                if fault != "drop_stream":
                    raise ValueError(f"unknown fault {fault!r}")
                if body.get("stream"):  # chunked, as real providers stream: a close before the last chunk is an error
                    self.send_response(200)
                    self.send_header("content-type", "text/event-stream")
                    self.send_header("transfer-encoding", "chunked")
                    self.end_headers()
                    chunk = {"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1, "model": model,
                             "choices": [{"index": 0, "delta": {"role": "assistant", "content": "answered by "}, "finish_reason": None}]}
                    event = f"data: {json.dumps(chunk)}\n\n".encode()
                    self.wfile.write(f"{len(event):x}\r\n".encode() + event + b"\r\n")
                else:
                    data = json.dumps({"id": "chatcmpl-1", "object": "chat.completion", "model": model,
                                       "choices": [{"index": 0, "message": {"role": "assistant", "content": "x" * 200}}]}).encode()
                    self.send_response(200)
                    self.send_header("content-type", "application/json")
                    self.send_header("content-length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data[: len(data) // 2])
                self.wfile.flush()
                self.close_connection = True
                self.connection.shutdown(2)  # socket.SHUT_RDWR: the peer sees the answer end half-way

            def _chat(self, body: dict, model: str, text: str) -> None:
                usage = {"prompt_tokens": 5, "completion_tokens": 4, "total_tokens": 9}
                if not body.get("stream"):
                    self._json(200, {"id": "chatcmpl-1", "object": "chat.completion", "created": int(time.time()), "model": model,
                                     "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": text}}],
                                     "usage": usage})
                    return
                chunks = [{"role": "assistant", "content": ""}, {"content": text}]
                events = [
                    {"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1, "model": model,
                     "choices": [{"index": 0, "delta": d, "finish_reason": None}]} for d in chunks
                ]
                events.append({"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1, "model": model,
                               "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}], "usage": usage})
                self._sse([("", e) for e in events] + [("", "[DONE]")])

            def _anthropic(self, body: dict, model: str, text: str) -> None:
                message = {"id": "msg_1", "type": "message", "role": "assistant", "model": model,
                           "content": [{"type": "text", "text": text}], "stop_reason": "end_turn",
                           "stop_sequence": None, "usage": {"input_tokens": 5, "output_tokens": 4}}
                if not body.get("stream"):
                    self._json(200, message)
                    return
                start = dict(message, content=[], stop_reason=None, usage={"input_tokens": 5, "output_tokens": 0})
                self._sse([
                    ("message_start", {"type": "message_start", "message": start}),
                    ("content_block_start", {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}}),
                    ("content_block_delta", {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": text}}),
                    ("content_block_stop", {"type": "content_block_stop", "index": 0}),
                    ("message_delta", {"type": "message_delta", "delta": {"stop_reason": "end_turn", "stop_sequence": None}, "usage": {"output_tokens": 4}}),
                    ("message_stop", {"type": "message_stop"}),
                ])

            def _json(self, status: int, payload: dict) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _sse(self, events: list[tuple[str, Any]]) -> None:
                self.send_response(200)
                self.send_header("content-type", "text/event-stream")
                self.send_header("connection", "close")
                self.end_headers()
                for name, payload in events:
                    data = payload if isinstance(payload, str) else json.dumps(payload)
                    prefix = f"event: {name}\n" if name else ""
                    self.wfile.write(f"{prefix}data: {data}\n\n".encode())
                    self.wfile.flush()
                self.close_connection = True

        self._listen(Handler)

    def stop(self) -> None:
        self._released.set()
        super().stop()

    def clear(self) -> None:
        with self._lock:
            self.seen.clear()
        self.faults.clear()

    def models(self, path_suffix: str = "") -> list[str]:
        """Models of the requests received so far (optionally only on paths ending so)."""
        with self._lock:
            return [s.model for s in self.seen if s.path.endswith(path_suffix)]


def _response_object(model: str, text: str) -> dict:
    return {
        "id": "resp_1", "object": "response", "created_at": int(time.time()), "status": "completed", "model": model,
        "output": [{"type": "message", "id": "msg_1", "status": "completed", "role": "assistant",
                    "content": [{"type": "output_text", "text": text, "annotations": []}]}],
        "usage": {"input_tokens": 5, "output_tokens": 4, "total_tokens": 9,
                  "input_tokens_details": {"cached_tokens": 0}, "output_tokens_details": {"reasoning_tokens": 0}},
        "parallel_tool_calls": True, "tool_choice": "auto", "tools": [],
    }  # fmt: skip
