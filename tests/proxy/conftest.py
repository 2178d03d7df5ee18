"""Fixtures for end-to-end tests: one fake upstream per session, proxies per module."""

import shutil
import subprocess
import tempfile

import openai
import pytest
import redis

from smart_router.engine import engine_for
from smart_router.types import RoutingText

from .fake_upstream import FakeUpstream
from .launcher import MASTER_KEY, free_port


@pytest.fixture(scope="session")
def upstream():
    server = FakeUpstream().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def client(proxy):
    """An OpenAI SDK client of the test module's ``proxy``."""
    return openai.OpenAI(base_url=f"{proxy.base_url}/v1", api_key=MASTER_KEY, max_retries=0)


@pytest.fixture(scope="session")
def scored():
    """The tier the bundled scoring table gives a prompt: what a proxy without scoring
    overrides decides, so e2e tests assert routing rules, not today's weights."""
    scorer = engine_for(None).scorer
    return lambda prompt: scorer.score(RoutingText.of(prompt)).tier


@pytest.fixture(autouse=True)
def _fresh_upstream(upstream):
    upstream.clear()
    yield


@pytest.fixture(scope="session")
def redis_url():
    """A real ``redis-server`` on loopback (``.ci/run`` installs it from the OS packages)."""
    binary = shutil.which("redis-server")
    if not binary:
        pytest.skip("redis-server is not installed (apt-get install redis-server); the two-proxy test needs it")
    port = free_port()
    folder = tempfile.mkdtemp(prefix="slr-redis-")
    process = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                                "--dir", folder], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    client = redis.Redis(host="127.0.0.1", port=port)
    for _ in range(200):  # wait for it to accept connections (bounded polling)
        try:
            client.ping()
            break
        except redis.ConnectionError:
            if process.poll() is not None:
                pytest.fail(f"redis-server exited with {process.returncode}")
            process_wait(process)
    yield "127.0.0.1", port
    process.terminate()
    process.wait(timeout=10)


def process_wait(process: subprocess.Popen) -> None:
    try:
        process.wait(timeout=0.05)  # returns early only if the server died
    except subprocess.TimeoutExpired:
        pass
