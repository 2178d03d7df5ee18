"""Loaded by the proxy in the money tests: a custom auth with budgets and a spend-log probe.

``sk-spent-<N>`` authenticates as a key that has spent N of its 100 USD budget (custom auth
needs no database). The probe is a second callback that runs LiteLLM's own spend-log
payload builder on every success and appends the ``spend_logs_metadata`` it would store to
``$SPEND_PROBE_FILE``, so the tests see what a proxy with a database would keep.
"""

from __future__ import annotations

import json
import os
from typing import Any

from fastapi import Request
from litellm.integrations.custom_logger import CustomLogger
from litellm.proxy._types import LitellmUserRoles, UserAPIKeyAuth
from litellm.proxy.spend_tracking.spend_tracking_utils import get_logging_payload

SPENT_PREFIX = "sk-spent-"
BUDGET_USD = 100.0


async def user_api_key_auth(request: Request, api_key: str) -> UserAPIKeyAuth:
    if api_key.startswith(SPENT_PREFIX):
        spent = float(api_key.removeprefix(SPENT_PREFIX))
        return UserAPIKeyAuth(api_key=api_key, token=api_key, spend=spent, max_budget=BUDGET_USD)
    return UserAPIKeyAuth(api_key=api_key, token=api_key, user_role=LitellmUserRoles.PROXY_ADMIN)


class SpendProbe(CustomLogger):
    async def async_log_success_event(self, kwargs: dict, response_obj: Any, start_time: Any, end_time: Any) -> None:
        payload = get_logging_payload(kwargs, response_obj, start_time, end_time)
        metadata = json.loads(payload["metadata"]) if isinstance(payload["metadata"], str) else payload["metadata"]
        line = {"call_id": kwargs.get("litellm_call_id"), "spend_logs_metadata": metadata.get("spend_logs_metadata")}
        with open(os.environ["SPEND_PROBE_FILE"], "a", encoding="utf-8") as out:
            out.write(json.dumps(line) + "\n")


probe = SpendProbe()
