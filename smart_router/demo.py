"""Turn a LiteLLM config into an offline demo: every model answers through ``mock_response``."""

from __future__ import annotations

import os
import re
from typing import Any

ENV_REF = re.compile(r"^os\.environ/(\w+)$")
DEMO_MASTER_KEY = "sk-demo"


def missing_env(document: dict[str, Any]) -> list[str]:
    """Environment variables that ``model_list`` refers to (``os.environ/X``) but are unset."""
    names = {
        match.group(1)
        for item in document.get("model_list") or []
        for value in (item.get("litellm_params") or {}).values()
        if isinstance(value, str) and (match := ENV_REF.match(value))
    }
    return sorted(n for n in names if not os.environ.get(n))


def demo_document(document: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``document`` whose deployments answer "[demo] <model> answered." with no provider."""
    demo = dict(document)
    demo["model_list"] = [
        {
            **item,
            "litellm_params": {
                "model": (item.get("litellm_params") or {}).get("model", item["model_name"]),
                "api_key": "demo-no-key",
                "mock_response": f"[smart-llm-router demo] {item['model_name']} answered.",
            },
        }
        for item in document.get("model_list") or []
    ]
    settings = dict(demo.get("general_settings") or {})
    key = settings.get("master_key")
    if not key or (isinstance(key, str) and (match := ENV_REF.match(key)) and not os.environ.get(match.group(1))):
        settings["master_key"] = DEMO_MASTER_KEY  # LiteLLM refuses to run without one
    demo["general_settings"] = settings
    return demo
