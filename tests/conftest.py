"""Shared fixtures: the bundled engine, built once per session."""

import os

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

import pytest

from smart_router.config import load_config
from smart_router.engine import Engine


@pytest.fixture(scope="session")
def engine() -> Engine:
    return Engine(load_config())


@pytest.fixture(scope="session")
def scorer(engine):
    return engine.scorer
