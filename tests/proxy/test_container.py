"""The container recipe of the README: its Dockerfile is the one in ``docs/container`` and the
documented config loads with ``litellm --config`` in a clean virtualenv that has only this
package installed (``pip install .[prometheus]``, as the Dockerfile does), routes, and exports
the routing labels on ``/metrics``. Nothing is built with docker.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import yaml

from .launcher import REPO, Proxy, free_port

CONTAINER = REPO / "docs" / "container"
KEY = "sk-container-test"
PROVE = "Prove by induction, step by step, that 2^n > n for every natural number n"


@pytest.fixture(scope="module")
def clean_venv(tmp_path_factory) -> Path:
    """A fresh virtualenv with the package from this tree (not editable) and its prometheus extra."""
    venv = tmp_path_factory.mktemp("clean-venv") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    install = subprocess.run([str(venv / "bin" / "pip"), "install", "--quiet", f"{REPO}[prometheus]"],
                             capture_output=True, text=True, timeout=900)  # fmt: skip
    if install.returncode != 0:
        pytest.skip(f"pip could not install the package into a clean venv (no package index?): {install.stderr[-500:]}")
    return venv


def test_the_readme_dockerfile_is_the_shipped_one_and_three_lines():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```dockerfile\n(.*?)```", readme, re.S)
    assert block and block.group(1) == (CONTAINER / "Dockerfile").read_text(encoding="utf-8")
    assert len(block.group(1).strip().splitlines()) == 3
    assert "/app/config.yaml" in readme and "docs/container/config.yaml" in readme


def test_the_container_config_keeps_the_bundled_models():
    shipped = yaml.safe_load((REPO / "smart_router" / "data" / "default_config.yaml").read_text(encoding="utf-8"))
    documented = yaml.safe_load((CONTAINER / "config.yaml").read_text(encoding="utf-8"))
    assert documented["model_list"] == shipped["model_list"]
    assert documented["router_settings"] == shipped["router_settings"]


def test_the_documented_config_loads_with_litellm_in_a_clean_venv(clean_venv, upstream, tmp_path):
    port = free_port()
    command = [str(clean_venv / "bin" / "litellm"), "--config", str(CONTAINER / "config.yaml"), "--host", "127.0.0.1", "--port", str(port)]
    env = {"PYTHONPATH": "", "LITELLM_MASTER_KEY": KEY, "OPENROUTER_API_KEY": "sk-or-unused",
           "OPENROUTER_API_BASE": f"{upstream.url}/v1",  # LiteLLM's OpenRouter provider then calls the fake upstream
           "SMART_ROUTER_STATS_DB": str(tmp_path / "stats.db")}  # fmt: skip
    proxy = Proxy(command, port, tmp_path / "proxy.log", env).wait_ready()
    try:
        auth = {"Authorization": f"Bearer {KEY}"}
        listed = {m["id"] for m in httpx.get(f"{proxy.base_url}/v1/models", headers=auth, timeout=30).json()["data"]}
        assert {"smart/auto", "smart/eco", "smart/premium", "smart/agentic", "smart/free"} <= listed
        body = {"model": "smart/auto", "messages": [{"role": "user", "content": PROVE}]}
        answer = httpx.post(f"{proxy.base_url}/v1/chat/completions", json=body, headers=auth, timeout=60)
        assert answer.status_code == 200, answer.text
        assert (answer.headers["x-smart-router-tier"], answer.headers["x-smart-router-model"]) == ("REASONING", "o3")
        assert upstream.models() == ["openai/o3"]  # the bundled o3 deployment: openrouter/openai/o3
        installed = subprocess.run([str(clean_venv / "bin" / "python"), "-c", "import smart_router; print(smart_router.__file__)"],
                                   capture_output=True, text=True, check=True, cwd=tmp_path).stdout  # fmt: skip
        assert str(clean_venv) in installed  # the clean venv's copy, not this working tree
        assert _eventually_labelled(proxy, auth)
    finally:
        proxy.stop()


def _eventually_labelled(proxy: Proxy, auth: dict) -> bool:
    """The metrics callback runs after the response: poll ``/metrics`` for the label against a deadline."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if 'smart_router_tier="REASONING"' in httpx.get(f"{proxy.base_url}/metrics/", headers=auth, timeout=30).text:
            return True
        time.sleep(0.1)  # polling interval of the deadline loop
    return False
