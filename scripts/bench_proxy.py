"""Routing overhead through a real LiteLLM proxy: ``smart/auto`` vs the model it routes to, one run.

    python scripts/bench_proxy.py [--requests 300] [--json FILE]

Starts, on free loopback ports: a fast fake OpenAI upstream (a separate asyncio process, so
the upstream never competes with this client for the GIL), the proxy with our hook
(``litellm --config``, callbacks: smart_router.hook.proxy_handler) and the same proxy config
without the callback. Then, interleaving the targets so machine noise hits them alike, it
measures:

* non-streaming latency p50 / p99 (one client; the targets take turns request by request),
* streaming time to first byte p50 / p99 (the same way),
* requests/s at 1, 10 and 50 concurrent clients: ``--rounds`` short runs per target of a
  fixed number of requests (each also bounded in time: ``--phase-seconds``), the targets
  back to back; the median per target and the median ratio of back-to-back pairs,

for ``smart/auto`` and for the concrete model it routes to (the model is read from the
``x-smart-router-model`` header of a first request), plus that model through the proxy
without the hook. It prints the routing overhead as a difference and a ratio. Memory: RSS of
both proxies after the same warm-up traffic (``--warmup`` requests each).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

PROMPT = "Write a Python function that parses a CSV file and returns the rows as dictionaries."
PROFILE = "smart/auto"
TIERS = {"SIMPLE": "cheap", "MEDIUM": "mid", "COMPLEX": "strong", "REASONING": "thinker"}


# --- fast fake upstream (runs in its own process) -----------------------------------------------


def _chat_json(model: str) -> bytes:
    return json.dumps({
        "id": "chatcmpl-1", "object": "chat.completion", "created": 1, "model": model,
        "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": f"answered by {model}"}}],
        "usage": {"prompt_tokens": 5, "completion_tokens": 4, "total_tokens": 9},
    }).encode()  # fmt: skip


def _chat_sse(model: str) -> bytes:
    def event(delta: dict, finish: str | None = None, **extra: Any) -> str:
        chunk = {"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1, "model": model,
                 "choices": [{"index": 0, "delta": delta, "finish_reason": finish}], **extra}  # fmt: skip
        return f"data: {json.dumps(chunk)}\n\n"

    usage = {"prompt_tokens": 5, "completion_tokens": 4, "total_tokens": 9}
    body = event({"role": "assistant", "content": ""}) + event({"content": f"answered by {model}"})
    return (body + event({}, "stop", usage=usage) + "data: [DONE]\n\n").encode()


class _Upstream(asyncio.Protocol):
    """Minimal HTTP/1.1 keep-alive server: canned OpenAI chat answers naming the model."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self.buffer = b""

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while True:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head = self.buffer[:end].decode("latin-1").split("\r\n")
            length = 0
            for line in head[1:]:
                name, _, value = line.partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value.strip())
            if len(self.buffer) < end + 4 + length:
                return
            body, self.buffer = self.buffer[end + 4 : end + 4 + length], self.buffer[end + 4 + length :]
            method, path = (head[0].split(" ") + ["", ""])[:2]
            self._answer(method, path, body)

    def _answer(self, method: str, path: str, body: bytes) -> None:
        if method == "POST" and path.split("?")[0].endswith("/chat/completions"):
            request = json.loads(body or b"{}")
            model = str(request.get("model", ""))
            stream = bool(request.get("stream"))
            payload, kind = (_chat_sse(model), "text/event-stream") if stream else (_chat_json(model), "application/json")
            status = "200 OK"
        elif method == "GET":
            payload, kind, status = b'{"object": "list", "data": []}', "application/json", "200 OK"
        else:
            payload, kind, status = b'{"error": {"message": "no route"}}', "application/json", "404 Not Found"
        header = f"HTTP/1.1 {status}\r\ncontent-type: {kind}\r\ncontent-length: {len(payload)}\r\n\r\n"
        self.transport.write(header.encode() + payload)


def serve_upstream(port: int) -> None:
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass

    async def main() -> None:
        server = await asyncio.get_running_loop().create_server(_Upstream, "127.0.0.1", port, backlog=1024)
        async with server:
            await server.serve_forever()

    asyncio.run(main())


# --- processes ------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_upstream() -> tuple[subprocess.Popen, str]:
    port = free_port()
    process = subprocess.Popen([sys.executable, str(Path(__file__).resolve()), "--serve-upstream", str(port)])
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return process, f"http://127.0.0.1:{port}"
        except OSError:
            if process.poll() is not None:
                raise RuntimeError("fake upstream exited") from None
            time.sleep(0.05)  # polling while the process starts
    process.kill()
    raise RuntimeError("fake upstream did not start")


def proxy_config(upstream_url: str, hook: bool) -> dict[str, Any]:
    from tests.proxy.launcher import MASTER_KEY, upstream_model

    settings: dict[str, Any] = {"num_retries": 0}
    if hook:
        settings["callbacks"] = "smart_router.hook.proxy_handler"
    return {
        "model_list": [upstream_model(name, upstream_url, max_input_tokens=128_000) for name in TIERS.values()],
        "litellm_settings": settings,
        "general_settings": {"master_key": MASTER_KEY},
        "router_settings": {"model_group_alias": {PROFILE: "mid"}},  # lets the proxy accept the name
        "smart_router": {"profiles": {"auto": {"tiers": dict(TIERS)}}},
    }


def rss_mb(pid: int) -> float:
    """Resident memory of a process and its descendants, in MB (Linux /proc)."""
    total, stack, seen = 0, [pid], set()
    while stack:
        current = stack.pop()
        if current in seen:
            continue
        seen.add(current)
        try:
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
            for task in Path(f"/proc/{current}/task").iterdir():
                children = (task / "children").read_text().split()
                stack.extend(int(c) for c in children)
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
    return total / 1024


# --- measurements ---------------------------------------------------------------------------------


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


class Target:
    def __init__(self, label: str, base_url: str, model: str):
        self.label, self.base_url, self.model = label, base_url, model
        self.latency: list[float] = []
        self.ttfb: list[float] = []
        self.rps: dict[int, float] = {}
        self.rps_runs: dict[int, list[float]] = {}
        self.errors = 0
        self.retried = 0

    def body(self, stream: bool = False) -> dict[str, Any]:
        return {"model": self.model, "messages": [{"role": "user", "content": PROMPT}], "max_tokens": 16, "stream": stream}


async def one(client: Any, target: Target, stream: bool = False) -> tuple[float, float]:
    """(time to first byte, total time) of one request, in seconds.

    A pooled keep-alive connection the server has just closed fails before any byte arrives;
    that request is sent again once (counted in ``retried``), as any HTTP client would.
    """
    import httpx

    for attempt in range(2):
        started = time.perf_counter()
        first = None
        try:
            async with client.stream("POST", f"{target.base_url}/v1/chat/completions", json=target.body(stream)) as response:
                async for _ in response.aiter_raw():
                    if first is None:
                        first = time.perf_counter()
                if response.status_code != 200:
                    target.errors += 1
        except (httpx.ReadError, httpx.RemoteProtocolError, httpx.ConnectError):
            if attempt or first is not None:
                target.errors += 1
                break
            target.retried += 1
            continue
        break
    ended = time.perf_counter()
    return (first or ended) - started, ended - started


async def sequential(client: Any, targets: list[Target], count: int, stream: bool) -> None:
    """``count`` requests per target from one client, interleaved request by request."""
    for k in range(count):
        for target in targets[k % len(targets) :] + targets[: k % len(targets)]:
            ttfb, total = await one(client, target, stream)
            (target.ttfb if stream else target.latency).append(ttfb if stream else total)


async def throughput(client: Any, target: Target, concurrency: int, count: int, limit_s: float) -> float:
    """Requests/s of ``count`` requests from ``concurrency`` clients (stops issuing after ``limit_s``)."""
    issued = done = 0
    started = time.perf_counter()

    async def worker() -> None:
        nonlocal issued, done
        while issued < count and time.perf_counter() - started < limit_s:
            issued += 1
            await one(client, target)
            done += 1

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return done / (time.perf_counter() - started)


async def measure(args: argparse.Namespace, hook_url: str, plain_url: str, plain_pid: int, hook_pid: int) -> dict[str, Any]:
    import httpx

    from tests.proxy.launcher import MASTER_KEY

    limits = httpx.Limits(max_connections=200, max_keepalive_connections=200)
    headers = {"authorization": f"Bearer {MASTER_KEY}"}
    async with httpx.AsyncClient(headers=headers, limits=limits, timeout=60) as client:
        probe = await client.post(f"{hook_url}/v1/chat/completions", json=Target("", "", PROFILE).body())
        probe.raise_for_status()
        concrete = probe.headers.get("x-smart-router-model") or probe.json().get("model")
        tier = probe.headers.get("x-smart-router-tier", "?")
        routed = Target(PROFILE, hook_url, PROFILE)
        direct = Target(f"{concrete} (same proxy)", hook_url, concrete)
        plain = Target(f"{concrete} (proxy without hook)", plain_url, concrete)
        targets = [routed, direct, plain]

        # the same warm-up traffic for both proxies, then memory
        for _ in range(args.warmup // 2):
            await one(client, routed)
            await one(client, direct)
            await one(client, plain)
            await one(client, plain)
        memory = {"with_hook_mb": rss_mb(hook_pid), "without_hook_mb": rss_mb(plain_pid)}

        await sequential(client, targets, args.requests, stream=False)
        await sequential(client, targets, args.requests, stream=True)
        for concurrency in (1, 10, 50):
            # short runs, the targets back to back in a rotating order; the ratio of each round's
            # pair is what machine noise disturbs least
            runs: dict[str, list[float]] = {t.label: [] for t in targets}
            count = max(concurrency * 3, args.requests // 5)
            for r in range(args.rounds):
                for target in targets[r % len(targets) :] + targets[: r % len(targets)]:
                    runs[target.label].append(await throughput(client, target, concurrency, count, args.phase_seconds))
            for target in targets:
                target.rps[concurrency] = statistics.median(runs[target.label])
                target.rps_runs[concurrency] = runs[target.label]
        memory["with_hook_after_run_mb"] = rss_mb(hook_pid)
        memory["without_hook_after_run_mb"] = rss_mb(plain_pid)

    return {"tier": tier, "concrete": concrete, "targets": targets, "memory": memory}


def report(result: dict[str, Any]) -> dict[str, Any]:
    routed, direct, plain = result["targets"]
    ms = 1000.0
    print(f"prompt routed to {result['concrete']} (tier {result['tier']})")
    print(f"{'':34} {'smart/auto':>12} {'concrete':>12} {'no hook':>12} {'overhead':>10} {'ratio':>7}")
    rows = []

    def line(name: str, a: float, b: float, c: float, unit: str, higher_better: bool = False) -> None:
        diff = a - b
        ratio = a / b if b else float("nan")
        print(f"{name:34} {a:>10.2f}{unit} {b:>10.2f}{unit} {c:>10.2f}{unit} {diff:>+8.2f}{unit} {ratio:>7.3f}")
        rows.append({"metric": name, "smart_auto": a, "concrete": b, "no_hook": c, "difference": diff, "ratio": ratio})

    for label, series in (("latency", "latency"), ("ttfb stream", "ttfb")):
        for q, qn in ((0.5, "p50"), (0.99, "p99")):
            line(f"{label} {qn}", pct(getattr(routed, series), q) * ms, pct(getattr(direct, series), q) * ms,
                 pct(getattr(plain, series), q) * ms, "ms")  # fmt: skip
    for concurrency in (1, 10, 50):
        line(f"requests/s at {concurrency} concurrent", routed.rps[concurrency], direct.rps[concurrency],
             plain.rps[concurrency], "  ", higher_better=True)  # fmt: skip
    def paired(a: Target, b: Target, level: int) -> float:
        return statistics.median(x / y for x, y in zip(a.rps_runs[level], b.rps_runs[level]))

    for concurrency in (1, 10, 50):
        rows.append({"metric": f"paired req/s ratio at {concurrency}", "vs_concrete": paired(routed, direct, concurrency),
                     "vs_no_hook": paired(routed, plain, concurrency)})  # fmt: skip
    print("req/s of smart/auto / concrete, median of back-to-back pairs: "
          + ", ".join(f"{c} concurrent {paired(routed, direct, c):.3f}" for c in (1, 10, 50))
          + "; / proxy without hook: "
          + ", ".join(f"{c} concurrent {paired(routed, plain, c):.3f}" for c in (1, 10, 50)))  # fmt: skip
    fewer = 100 * (1 - paired(routed, direct, 50))
    fewer_plain = 100 * (1 - paired(routed, plain, 50))
    mem = result["memory"]
    print(f"routing overhead: p50 {rows[0]['difference']:+.2f} ms (x{rows[0]['ratio']:.3f}); at 50 concurrent "
          f"{fewer:+.1f}% requests/s lost vs the concrete model ({fewer_plain:+.1f}% vs the proxy without hook; "
          "negative: smart/auto was faster, i.e. noise)")
    cpu = result["hook_cpu_us"]
    print(f"the hook's own work per smart/auto request, in-process without HTTP (pre-call hook + headers hook): "
          f"p50 {cpu[0]:.0f} us, p99 {cpu[1]:.0f} us")
    print(f"RSS after {args_warmup} warm-up requests per proxy: with hook {mem['with_hook_mb']:.1f} MB, "
          f"without {mem['without_hook_mb']:.1f} MB, difference {mem['with_hook_mb'] - mem['without_hook_mb']:+.1f} MB; "
          f"after the whole run (the hook proxy served twice the requests): {mem['with_hook_after_run_mb']:.1f} / "
          f"{mem['without_hook_after_run_mb']:.1f} MB")
    print(f"  where it goes (fresh process, after importing the proxy): hook code, config and keyword tables "
          f"{mem['hook_code_mb']:.1f} MB, cl100k token counter {mem['tokenizer_mb']:.1f} MB")
    errors = {t.label: t.errors for t in result["targets"]}
    retried = {t.label: t.retried for t in result["targets"]}
    if any(errors.values()) or any(retried.values()):
        print(f"failed requests: {errors}; sent again after a closed keep-alive connection: {retried}")
    return {"concrete": result["concrete"], "tier": result["tier"], "rows": rows, "memory": mem, "errors": errors,
            "hook_cpu_p50_us": cpu[0], "hook_cpu_p99_us": cpu[1],
            "fewer_rps_at_50_pct": fewer, "fewer_rps_at_50_vs_no_hook_pct": fewer_plain}  # fmt: skip


args_warmup = 0

_BREAKDOWN = """
import os, sys
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
def rss():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
import litellm.proxy.proxy_server
base = rss()
from smart_router.hook import proxy_handler
from smart_router.engine import engine_for
from smart_router.types import RoutingText
engine = engine_for(None)
hook = rss()
engine.scorer.score(RoutingText.of("Write a Python function that parses a CSV file."))
print(hook - base, rss() - hook)
"""


_HOOK_CPU = """
import asyncio, copy, json, os, sys, time, types
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
import litellm.proxy.proxy_server
from smart_router.hook import proxy_handler
body = {"model": "smart/auto", "messages": [{"role": "user", "content": sys.argv[1]}], "max_tokens": 16}
async def main():
    times = []
    for i in range(int(sys.argv[2]) + 50):
        data = copy.deepcopy(body)
        started = time.perf_counter()
        key = types.SimpleNamespace(token="bench")  # an owner: sessions are part of the hook's work
        data = await proxy_handler.async_pre_call_hook(key, None, data, "acompletion")
        await proxy_handler.async_post_call_response_headers_hook(data, None, None)
        if i >= 50:
            times.append(time.perf_counter() - started)
    times.sort()
    print(json.dumps([times[len(times) // 2] * 1e6, times[int(len(times) * 0.99)] * 1e6]))
asyncio.run(main())
"""


def hook_cpu_us(calls: int = 2000) -> tuple[float, float]:
    """(p50, p99) microseconds of the hook's own work per request (pre-call + headers), in-process."""
    out = subprocess.run([sys.executable, "-c", _HOOK_CPU, PROMPT, str(calls)], capture_output=True, text=True,
                         cwd=str(REPO), env={**os.environ, "PYTHONPATH": str(REPO)}, timeout=300)  # fmt: skip
    p50, p99 = json.loads(out.stdout.strip().splitlines()[-1])
    return p50, p99


def memory_breakdown() -> tuple[float, float]:
    """(hook code and config, token counter) RSS in MB, measured in a fresh proxy-like process."""
    out = subprocess.run([sys.executable, "-c", _BREAKDOWN], capture_output=True, text=True, cwd=str(REPO),
                         env={**os.environ, "PYTHONPATH": str(REPO)}, timeout=300)  # fmt: skip
    code, tokenizer = (float(x) for x in out.stdout.split()[-2:])
    return code, tokenizer


def main() -> int:
    global args_warmup
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=300, help="requests per target and phase")
    parser.add_argument("--rounds", type=int, default=6, help="interleaved throughput runs per target and level")
    parser.add_argument("--warmup", type=int, default=200, help="warm-up requests per proxy before memory is read")
    parser.add_argument("--phase-seconds", type=float, default=60.0, help="time bound of one throughput run")
    parser.add_argument("--json", help="also write the results to this file")
    parser.add_argument("--serve-upstream", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_upstream:
        serve_upstream(args.serve_upstream)
        return 0
    args_warmup = args.warmup

    from tests.proxy.launcher import start_litellm

    upstream, upstream_url = start_upstream()
    proxies = []
    try:
        with ThreadPoolExecutor(2) as pool:  # both start at once (start-up takes a while)
            futures = [pool.submit(start_litellm, proxy_config(upstream_url, hook=h)) for h in (True, False)]
            for future in futures:
                try:
                    proxies.append(future.result())
                except Exception:
                    for other in futures:
                        if other is not future and other.exception() is None:
                            other.result().stop()
                    raise
        hook, plain = proxies
        result = asyncio.run(measure(args, hook.base_url, plain.base_url, plain.process.pid, hook.process.pid))
        result["memory"]["hook_code_mb"], result["memory"]["tokenizer_mb"] = memory_breakdown()
        result["hook_cpu_us"] = hook_cpu_us()
        summary = report(result)
    finally:
        for proxy in proxies:
            proxy.stop()
        upstream.terminate()
        upstream.wait(timeout=10)
    if args.json:
        Path(args.json).write_text(json.dumps(summary, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
