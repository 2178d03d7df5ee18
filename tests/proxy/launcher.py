"""Run a real LiteLLM proxy (or ``slr start``) as a subprocess on a free loopback port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import yaml

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
MASTER_KEY = "sk-test-master"
START_TIMEOUT = 120.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Proxy:
    """A proxy process; ``base_url`` answers once ``wait_ready`` returns."""

    def __init__(self, command: list[str], port: int, log: Path, env: dict[str, str] | None = None):
        self.port = port
        self.base_url = f"http://127.0.0.1:{port}"
        self.log = log
        full_env = {
            **os.environ,
            "LITELLM_LOCAL_MODEL_COST_MAP": "True",
            "PYTHONPATH": str(REPO),
            "SMART_ROUTER_STATS_DB": str(log.parent / "stats.db"),  # never the user's ~/.smart-router
            **(env or {}),
        }
        self._out = log.open("wb")
        self.process = subprocess.Popen(command, stdout=self._out, stderr=subprocess.STDOUT, env=full_env, cwd=str(REPO))

    def wait_ready(self) -> "Proxy":
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"proxy exited with {self.process.returncode}:\n{self.tail()}")
            try:
                if httpx.get(f"{self.base_url}/health/liveliness", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.25)  # polling interval while the process starts, not a timing assumption
        self.stop()
        raise RuntimeError(f"proxy not ready after {START_TIMEOUT}s:\n{self.tail()}")

    def tail(self, lines: int = 60) -> str:
        self._out.flush()
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._out.close()


def start_litellm(config: dict[str, Any], env: dict[str, str] | None = None) -> Proxy:
    """Write ``config`` to a temp file and run ``litellm --config`` on it."""
    folder = Path(tempfile.mkdtemp(prefix="slr-e2e-"))
    path = folder / "config.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    port = free_port()
    command = [str(BIN / "litellm"), "--config", str(path), "--host", "127.0.0.1", "--port", str(port)]
    return Proxy(command, port, folder / "proxy.log", env).wait_ready()


def start_demo(folder: Path, env: dict[str, str]) -> Proxy:
    """Run ``slr start --demo`` (its log, and the stats file, in ``folder``)."""
    slr = BIN / "slr"
    assert slr.exists(), "the slr command is not installed in this environment"
    port = free_port()
    return Proxy([str(slr), "start", "--demo", "--port", str(port)], port, folder / "slr.log", env).wait_ready()


def upstream_model(name: str, upstream_url: str, **model_info: Any) -> dict[str, Any]:
    """A model_list entry served by the fake upstream as an OpenAI-compatible model."""
    entry: dict[str, Any] = {
        "model_name": name,
        "litellm_params": {"model": f"openai/{name}", "api_base": f"{upstream_url}/v1", "api_key": "sk-upstream"},
    }
    if model_info:
        entry["model_info"] = model_info
    return entry
