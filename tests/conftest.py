"""Shared fixtures: the bundled engine, built once per session."""

import os
import tempfile

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
# in-process hooks record stats somewhere of the test run's own, never in ~/.smart-router
os.environ["SMART_ROUTER_STATS_DB"] = os.path.join(tempfile.mkdtemp(prefix="slr-tests-"), "stats.db")

import pytest

from smart_router.config import load_config
from smart_router.engine import Engine


@pytest.fixture(scope="session")
def engine() -> Engine:
    return Engine(load_config())


@pytest.fixture(scope="session")
def scorer(engine):
    return engine.scorer
