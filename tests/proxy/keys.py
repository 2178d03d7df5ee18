"""A ``custom_auth`` for e2e tests: fixed API keys with their own metadata, models and spend,
so key-level rules are testable without a database. Use in a proxy config as
``general_settings: {custom_auth: tests.proxy.keys.user_api_key_auth}``."""

from __future__ import annotations

from fastapi import HTTPException
from litellm.proxy._types import UserAPIKeyAuth

KEYS = {
    "sk-test-master": {},
    "sk-no-overrides": {"metadata": {"smart_router_overrides": False}},
    "sk-near-budget": {"spend": 90.0, "max_budget": 100.0},  # `slr test --budget-used 0.9`
}


async def user_api_key_auth(request, api_key: str) -> UserAPIKeyAuth:
    """The key's ``UserAPIKeyAuth``; unknown keys get a 401."""
    token = api_key.removeprefix("Bearer ").strip()
    if token not in KEYS:
        raise HTTPException(status_code=401, detail="unknown test key")
    return UserAPIKeyAuth(api_key=token, token=token, **KEYS[token])
