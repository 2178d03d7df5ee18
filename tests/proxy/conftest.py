"""Fixtures for end-to-end tests: one fake upstream per session, proxies per module."""

import pytest

from .fake_upstream import FakeUpstream


@pytest.fixture(scope="session")
def upstream():
    server = FakeUpstream().start()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _fresh_upstream(upstream):
    upstream.clear()
    yield
