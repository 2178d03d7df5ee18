"""`slr start --demo` with LITELLM_LOG=INFO: the routing log line, and the real Claude Code and
Codex CLI (from npm; skipped with a reason when not installed) answered with streaming, one
stats row per request. Codex reads the README's ``~/.codex/config.toml`` block as written."""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import httpx
import pytest

from smart_router.demo import DEMO_MASTER_KEY, answer

from .launcher import REPO, Proxy, start_demo

CLIENT_TIMEOUT_S = 180
STATS_WAIT_S = 30.0
LOG_LINE = re.compile(r"smart_router (smart/\w+) -> (\S+) tier=(\w+) .* reason=(.*)$")


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Iterator[Proxy]:
    proxy = start_demo(tmp_path_factory.mktemp("real-clients"), {"LITELLM_LOG": "INFO", "LITELLM_MASTER_KEY": DEMO_MASTER_KEY})
    try:
        yield proxy
    finally:
        proxy.stop()


def routing_lines(demo: Proxy) -> list[tuple[str, ...]]:
    """(requested, model, tier, reason) of each routing log line so far."""
    return [m.groups() for line in demo.tail(100_000).splitlines() if (m := LOG_LINE.search(line))]


def stats(demo: Proxy, count: int) -> list[tuple]:
    """(status, requested, tier, model, reason) of the stats rows, once ``count`` are written."""
    db = demo.log.parent / "stats.db"
    deadline = time.monotonic() + STATS_WAIT_S
    rows: list[tuple] = []
    while len(rows) < count and time.monotonic() < deadline:
        try:
            with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as conn:
                rows = list(conn.execute("SELECT status, requested, tier, model, reason FROM requests ORDER BY ts"))
        except sqlite3.OperationalError:
            rows = []
        time.sleep(0.2)  # polling interval against the deadline above
    return rows


def assert_rows_match_log(demo: Proxy) -> None:
    """One ok stats row per routed request, with the tier, model and reason of its log line."""
    lines = routing_lines(demo)
    rows = stats(demo, len(lines))
    assert sorted((r[1], r[3], r[2], r[4]) for r in rows) == sorted(lines)
    assert {r[0] for r in rows} == {"ok"}


def test_routing_log_line_under_slr_start(demo):
    response = httpx.post(f"{demo.base_url}/v1/chat/completions", headers={"authorization": f"Bearer {DEMO_MASTER_KEY}"},
                          json={"model": "smart/auto", "messages": [{"role": "user", "content": "hello!"}]}, timeout=60)  # fmt: skip
    assert response.status_code == 200
    deadline = time.monotonic() + STATS_WAIT_S
    while not routing_lines(demo) and time.monotonic() < deadline:
        time.sleep(0.2)  # the log is written by another process: poll against the deadline
    requested, model, tier, reason = routing_lines(demo)[-1]
    assert (requested, model, tier, reason) == ("smart/auto", response.headers["x-smart-router-model"],
                                                response.headers["x-smart-router-tier"], response.headers["x-smart-router-reason"])  # fmt: skip
    assert_rows_match_log(demo)


def readme_codex_config(port: int) -> str:
    """The README's ``~/.codex/config.toml`` block, pointed at ``port``."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```toml\n# ~/.codex/config.toml\n(.*?)```", text, re.S)
    assert block, "the README has no ~/.codex/config.toml block"
    return block.group(1).replace("127.0.0.1:4000", f"127.0.0.1:{port}")


def run(command: list[str], home: Path, cwd: Path, **env: str) -> subprocess.CompletedProcess:
    full = {k: v for k, v in os.environ.items() if not k.startswith(("ANTHROPIC_", "OPENAI_"))} | {"HOME": str(home), **env}
    return subprocess.run(command, cwd=cwd, env=full, capture_output=True, text=True, timeout=CLIENT_TIMEOUT_S)


def test_claude_code_print_mode(demo, tmp_path):
    claude = shutil.which("claude")
    if not claude:
        pytest.skip("claude is not installed (npm install -g @anthropic-ai/claude-code)")
    before = len(routing_lines(demo))
    done = run([claude, "-p", "What is 2+2?", "--model", "smart/auto"], tmp_path, tmp_path,
               ANTHROPIC_BASE_URL=demo.base_url, ANTHROPIC_AUTH_TOKEN=DEMO_MASTER_KEY)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    new = routing_lines(demo)[before:]
    main = [line for line in new if "tools -> agentic" in line[3]]
    assert len(main) == 1 and done.stdout.strip() == answer(main[0][1])  # streamed once, not re-sent
    assert all(line[2] == "SIMPLE" for line in new)  # "2+2" and its side calls stay cheap
    assert_rows_match_log(demo)


def test_codex_exec_with_the_readme_config(demo, tmp_path):
    codex = shutil.which("codex")
    if not codex:
        pytest.skip("codex is not installed (npm install -g @openai/codex)")
    (tmp_path / ".codex").mkdir()
    (tmp_path / ".codex" / "config.toml").write_text(readme_codex_config(demo.port), encoding="utf-8")
    before = len(routing_lines(demo))
    done = run([codex, "exec", "--skip-git-repo-check", "What is 2+2?"], tmp_path, tmp_path, SMART_ROUTER_API_KEY=DEMO_MASTER_KEY)
    assert done.returncode == 0, done.stderr[-2000:]
    new = routing_lines(demo)[before:]
    assert [line[:3] for line in new] == [("smart/agentic", "gpt-4o-mini", "SIMPLE")]  # one streamed request
    assert answer("gpt-4o-mini") in done.stdout
    assert_rows_match_log(demo)
