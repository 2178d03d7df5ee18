"""A ``custom_auth`` for the issue-16 e2e tests: fixed keys with models, budgets and metadata,
no database. Use as ``general_settings: {custom_auth: tests.proxy.hardening_keys.user_api_key_auth}``."""

from __future__ import annotations

from typing import Any

from fastapi import HTTPException
from litellm.proxy._types import UserAPIKeyAuth

KEYS: dict[str, dict[str, Any]] = {
    "sk-h-master": {},
    "sk-h-other": {},
    "sk-h-cheap": {"models": ["cheap"]},
    "sk-h-eco": {"models": ["smart/eco"]},
    "sk-h-embed": {"models": ["embedder"]},
    "sk-h-spent": {"spend": 95.0, "max_budget": 100.0},
    "sk-h-no-overrides": {"metadata": {"smart_router_overrides": False}},
}
ANONYMOUS = "sk-h-anon"  # authenticates, but LiteLLM gets no token for it (no owner)


async def user_api_key_auth(request, api_key: str) -> UserAPIKeyAuth:
    token = api_key.removeprefix("Bearer ").strip()
    if token == ANONYMOUS:
        return UserAPIKeyAuth()
    if token not in KEYS:
        raise HTTPException(status_code=401, detail="unknown test key")
    return UserAPIKeyAuth(api_key=token, token=token, **KEYS[token])
