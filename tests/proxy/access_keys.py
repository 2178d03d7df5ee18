"""A ``custom_auth`` for the access e2e test: fixed keys limited to some models, no database.
Use as ``general_settings: {custom_auth: tests.proxy.access_keys.user_api_key_auth}``."""

from __future__ import annotations

from fastapi import HTTPException
from litellm.proxy._types import UserAPIKeyAuth

KEYS = {
    "sk-acc-master": [],  # every model
    "sk-acc-mid": ["mid"],  # smart/auto is an alias of mid, so LiteLLM lets smart/auto through
    "sk-acc-cheap": ["cheap"],
    "sk-acc-profile": ["smart/auto"],  # the profile itself: its tables
    "sk-acc-group": ["basic"],  # an access group: cheap and mid
    "sk-acc-none": ["embedder"],  # no model of the tables
}


async def user_api_key_auth(request, api_key: str) -> UserAPIKeyAuth:
    token = api_key.removeprefix("Bearer ").strip()
    if token not in KEYS:
        raise HTTPException(status_code=401, detail="unknown test key")
    return UserAPIKeyAuth(api_key=token, token=token, models=KEYS[token])
