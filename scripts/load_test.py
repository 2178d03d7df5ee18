"""Load test: concurrent streaming clients against a real LiteLLM proxy with the hook.

    .venv/bin/python scripts/load_test.py                      # 50 clients, 5,000 requests (or 60 s)
    .venv/bin/python scripts/load_test.py --clients 10 --requests 500 --json

Starts the fake upstream (tests/proxy/fake_upstream.py, in its own process) and a proxy
(``litellm --config``) on 127.0.0.1, then runs ``--clients`` concurrent clients that each
send ``smart/auto`` chat requests with ``stream: true`` (a mix of simple, complex,
reasoning, tool and multi-turn prompts; ``--model mid`` sends a concrete model the hook
leaves alone, for a baseline) until ``--requests`` are done or ``--seconds``
pass. A request is an error unless it answers 200 and its stream carries the expected
"answered by <model>" text and ends with [DONE]. Prints requests, errors, throughput,
latency p50/p99 (whole stream), the proxy's RSS (VmRSS) at start, during and at the end,
and the rows of the stats database (one per request: nothing counted twice, nothing lost).
Exit code 1 when any request failed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

from tests.proxy.launcher import MASTER_KEY, start_litellm, upstream_model  # noqa: E402

PROMPTS = [
    "hello, how are you?",
    "What is the capital of France?",
    "design a high-availability microservices architecture",
    "Prove by induction, step by step, that 2^n > n for every natural number n.",
    "Write a Python function that merges two sorted lists, then explain its complexity.",
    "Translate 'good morning' into Spanish.",
    "Compare B-trees and LSM trees for a write-heavy workload; list the trade-offs.",
    "分布式系统中如何实现一致性？请详细解释。",
]
TOOL = {"type": "function", "function": {"name": "read_file", "parameters": {"type": "object", "properties": {"path": {"type": "string"}}}}}
UPSTREAM_CODE = (
    "import sys, time; sys.path.insert(0, sys.argv[1]); from tests.proxy.fake_upstream import FakeUpstream\n"
    "u = FakeUpstream().start(); print(u.url, flush=True)\n"
    "while True:\n"
    "    time.sleep(5)\n"
    "    with u._lock: u.seen.clear()  # a long run must not grow the upstream's own memory\n"
)


def rss_kib(pid: int) -> int:
    """VmRSS of a process in KiB, from /proc/<pid>/status."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for {pid}")


def proxy_config(upstream_url: str, stats_db: Path) -> dict:
    tiers = {
        "SIMPLE": {"model": "cheap", "fallbacks": ["mid"]},
        "MEDIUM": {"model": "mid", "fallbacks": ["strong"]},
        "COMPLEX": {"model": "strong", "fallbacks": ["mid"]},
        "REASONING": {"model": "thinker", "fallbacks": ["strong"]},
    }
    return {
        "model_list": [upstream_model(n, upstream_url) for n in ("cheap", "mid", "strong", "thinker")],
        "litellm_settings": {"callbacks": "smart_router.hook.proxy_handler", "num_retries": 0},
        "general_settings": {"master_key": MASTER_KEY},
        "smart_router": {
            "stats": {"path": str(stats_db)},
            "profiles": {
                "auto": {"tiers": tiers},
                "agentic": {"tiers": {"SIMPLE": "mid", "MEDIUM": "mid", "COMPLEX": "strong", "REASONING": "strong"}},
            },
        },
    }


def body_for(rng: random.Random, number: int, model: str = "smart/auto") -> dict:
    prompt = rng.choice(PROMPTS)
    messages = [{"role": "user", "content": f"{prompt} (#{number})"}]
    if rng.random() < 0.2:  # a follow-up turn in a conversation
        messages = [{"role": "user", "content": rng.choice(PROMPTS)}, {"role": "assistant", "content": "ok"}] + messages
    body = {"model": model, "stream": True, "messages": messages, "max_tokens": 100}
    if rng.random() < 0.1:
        body["tools"] = [TOOL]
    return body


async def one_request(client: httpx.AsyncClient, body: dict) -> tuple[bool, float, str]:
    started = time.perf_counter()
    try:
        async with client.stream("POST", "/v1/chat/completions", json=body) as response:
            text, done = [], False
            async for line in response.aiter_lines():
                if line == "data: [DONE]":
                    done = True
                elif line.startswith("data: {"):
                    chunk = json.loads(line[6:])
                    for choice in chunk.get("choices") or []:
                        text.append((choice.get("delta") or {}).get("content") or "")
            answer = "".join(text)
            model = response.headers.get("x-smart-router-model", "?")
            ok = response.status_code == 200 and done and answer.startswith("answered by ")
            why = "" if ok else f"{response.status_code} done={done} model={model} answer={answer[:60]!r}"
    except httpx.HTTPError as exc:
        ok, why = False, f"{type(exc).__name__}: {exc}"
    return ok, time.perf_counter() - started, why


async def run(base_url: str, clients: int, requests: int, seconds: float, pid: int, seed: int, model: str = "smart/auto") -> dict:
    rng = random.Random(seed)
    latencies: list[float] = []
    errors: list[str] = []
    counter = iter(range(requests))
    deadline = time.monotonic() + seconds
    rss_samples = [rss_kib(pid)]

    async def sampler() -> None:
        while True:
            await asyncio.sleep(2)
            rss_samples.append(rss_kib(pid))

    async def worker(client: httpx.AsyncClient) -> None:
        for number in counter:
            if time.monotonic() > deadline:
                return
            ok, spent, why = await one_request(client, body_for(rng, number, model))
            latencies.append(spent)
            if not ok:
                errors.append(why)

    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    headers = {"Authorization": f"Bearer {MASTER_KEY}"}
    async with httpx.AsyncClient(base_url=base_url, headers=headers, limits=limits, timeout=60) as client:
        sampling = asyncio.create_task(sampler())
        started = time.perf_counter()
        await asyncio.gather(*(worker(client) for _ in range(clients)))
        elapsed = time.perf_counter() - started
        sampling.cancel()
    rss_samples.append(rss_kib(pid))
    latencies.sort()

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(len(latencies) * p))] * 1000 if latencies else float("nan")

    return {
        "clients": clients,
        "requests": len(latencies),
        "errors": len(errors),
        "error_samples": errors[:5],
        "seconds": round(elapsed, 1),
        "requests_per_second": round(len(latencies) / elapsed, 1) if elapsed else None,
        "p50_ms": round(pct(0.50), 1),
        "p99_ms": round(pct(0.99), 1),
        "max_ms": round(latencies[-1] * 1000, 1) if latencies else None,
        "rss_samples_kib": rss_samples,
    }


def stats_rows(db: Path, expected: int, wait: float = 30.0) -> int:
    """Rows in the stats database once the asynchronous writer caught up (or ``wait`` passed)."""
    deadline = time.monotonic() + wait
    count = 0
    while time.monotonic() < deadline:
        if db.exists():
            with sqlite3.connect(db) as conn:
                count = conn.execute("SELECT count(*) FROM requests").fetchone()[0]
            if count >= expected:
                return count
        time.sleep(0.5)  # polling interval against the deadline above
    return count


def load_test(
    clients: int = 50, requests: int = 5000, seconds: float = 60.0, warmup: int = 50, seed: int = 1, model: str = "smart/auto"
) -> dict:
    """Start upstream and proxy, warm up, run the load, stop everything; the figures as a dict."""
    folder = Path(tempfile.mkdtemp(prefix="slr-load-"))
    stats_db = folder / "stats.db"
    upstream = subprocess.Popen([sys.executable, "-c", UPSTREAM_CODE, str(REPO)], stdout=subprocess.PIPE, text=True, cwd=str(REPO))
    proxy = None
    try:
        upstream_url = upstream.stdout.readline().strip()
        proxy = start_litellm(proxy_config(upstream_url, stats_db))
        pid = proxy.process.pid
        rss_boot = rss_kib(pid)
        warm = asyncio.run(run(proxy.base_url, min(clients, 10), warmup, seconds, pid, seed + 1, model)) if warmup else None
        result = asyncio.run(run(proxy.base_url, clients, requests, seconds, pid, seed, model))
        result["model"] = model
        total = result["requests"] + (warm["requests"] if warm else 0)
        result["warmup_requests"] = warm["requests"] if warm else 0
        result["warmup_errors"] = warm["errors"] if warm else 0
        result["rss_boot_mib"] = round(rss_boot / 1024, 1)
        result["rss_start_mib"] = round(result["rss_samples_kib"][0] / 1024, 1)
        result["rss_end_mib"] = round(result["rss_samples_kib"][-1] / 1024, 1)
        result["rss_max_mib"] = round(max(result["rss_samples_kib"]) / 1024, 1)
        result["stats_rows"] = stats_rows(stats_db, total) if model.startswith("smart/") else total
        result["stats_rows_expected"] = total
        result["proxy_alive"] = proxy.process.poll() is None
        return result
    finally:
        if proxy:
            proxy.stop()
        upstream.terminate()
        upstream.wait(timeout=15)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--seconds", type=float, default=60.0, help="stop after this long even if requests remain")
    parser.add_argument("--warmup", type=int, default=50, help="requests before the measured run (not counted)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--model", default="smart/auto", help="e.g. a concrete model (mid) to measure the proxy without routing")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    result = load_test(args.clients, args.requests, args.seconds, args.warmup, args.seed, args.model)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        samples = result.pop("rss_samples_kib")
        print(f"model {result['model']}  clients {result['clients']}  requests {result['requests']}  errors {result['errors']}  "
              f"in {result['seconds']} s ({result['requests_per_second']} req/s)")  # fmt: skip
        print(f"latency (whole stream) p50 {result['p50_ms']} ms  p99 {result['p99_ms']} ms  max {result['max_ms']} ms")
        print(f"proxy RSS: boot {result['rss_boot_mib']} MiB, start {result['rss_start_mib']} MiB, "
              f"max {result['rss_max_mib']} MiB, end {result['rss_end_mib']} MiB "
              f"(samples every 2 s, MiB: {' '.join(str(round(s / 1024)) for s in samples)})")  # fmt: skip
        print(f"stats rows {result['stats_rows']} for {result['stats_rows_expected']} requests (warm-up included)")
        for sample in result["error_samples"]:
            print(f"  error: {sample}")
    ok = result["errors"] == 0 and result["warmup_errors"] == 0 and result["proxy_alive"]
    return 0 if ok and result["stats_rows"] == result["stats_rows_expected"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
