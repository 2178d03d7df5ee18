"""Turn a LiteLLM config into an offline demo: every model answers through an in-process mock provider.

``demo_document`` points each deployment at ``smartdemo/<model_name>`` and registers
``handler`` (a ``litellm.CustomLLM``) for that provider through ``custom_provider_map``.
LiteLLM then serves every API from it: chat and text completions directly, ``/v1/messages``
and ``/v1/responses`` through its completion bridges, streamed or not, with token usage
filled and each deployment's list price copied into its ``model_info`` (LiteLLM prices a
custom provider's answers only from there), so spend accounting runs as with a real
provider. ``handler`` is built on first access, so ``slr start`` never imports LiteLLM.
"""

from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING, Any

from .catalog import facts
from .config import ModelEntry

if TYPE_CHECKING:
    from litellm import CustomLLM

ENV_REF = re.compile(r"^os\.environ/(\w+)$")
DEMO_MASTER_KEY = "sk-demo"
PROVIDER = "smartdemo"
HANDLER_PATH = "smart_router.demo.handler"
EMBEDDING_SIZE = 8


def answer(model: str) -> str:
    """The demo answer of ``model`` (a deployment's model_name)."""
    return f"[smart-llm-router demo] {model} answered."


def pieces(text: str) -> list[str]:
    """``text`` as word-sized stream deltas that join back to it."""
    return re.findall(r"\S+\s*", text) or [text]


def _build_handler() -> CustomLLM:
    """The mock provider: every request is answered with ``answer(model)``, no network involved."""
    from collections.abc import AsyncIterator, Iterator

    import litellm
    from litellm import CustomLLM
    from litellm.types.utils import EmbeddingResponse, GenericStreamingChunk, ModelResponse, Usage

    def usage(messages: list, text: str) -> Usage:
        try:
            prompt = litellm.token_counter(messages=messages)
        except Exception:  # an odd message shape must not fail a demo answer
            prompt = sum(len(str(m).split()) for m in messages)
        completion = litellm.token_counter(text=text)
        return Usage(prompt_tokens=prompt, completion_tokens=completion, total_tokens=prompt + completion)

    class DemoLLM(CustomLLM):
        def completion(self, model: str, messages: list, *args: Any, **kwargs: Any) -> ModelResponse:
            """A full chat response with usage."""
            response: ModelResponse = kwargs.get("model_response") or ModelResponse()
            text = answer(model)
            response.model = model
            response.choices[0].message.content = text  # type: ignore[union-attr]
            response.choices[0].finish_reason = "stop"
            setattr(response, "usage", usage(messages, text))
            return response

        async def acompletion(self, model: str, messages: list, *args: Any, **kwargs: Any) -> ModelResponse:
            """``completion``, awaited."""
            return self.completion(model, messages, *args, **kwargs)

        def streaming(self, model: str, messages: list, *args: Any, **kwargs: Any) -> Iterator[GenericStreamingChunk]:
            """The answer word by word; the last chunk carries finish_reason and usage."""
            text = answer(model)
            total = usage(messages, text)
            block = {"prompt_tokens": total.prompt_tokens, "completion_tokens": total.completion_tokens,
                     "total_tokens": total.total_tokens}  # fmt: skip
            deltas = pieces(text)
            for number, delta in enumerate(deltas, 1):
                last = number == len(deltas)
                yield GenericStreamingChunk(text=delta, tool_use=None, is_finished=last, index=0,
                                            finish_reason="stop" if last else "",
                                            usage=block if last else None)  # type: ignore[typeddict-item]  # fmt: skip

        async def astreaming(
            self, model: str, messages: list, *args: Any, **kwargs: Any
        ) -> AsyncIterator[GenericStreamingChunk]:
            """``streaming``, as an async iterator."""
            for chunk in self.streaming(model, messages, *args, **kwargs):
                yield chunk

        def embedding(
            self, model: str, input: list, model_response: EmbeddingResponse, *args: Any, **kwargs: Any
        ) -> EmbeddingResponse:
            """A fixed small vector per input, with usage."""
            texts = [input] if isinstance(input, str) else list(input)
            model_response.model = model
            model_response.data = [{"object": "embedding", "index": i, "embedding": [0.0] * EMBEDDING_SIZE}
                                   for i in range(len(texts))]  # fmt: skip
            tokens = sum(litellm.token_counter(text=t) if isinstance(t, str) else len(t) for t in texts)
            setattr(model_response, "usage", Usage(prompt_tokens=tokens, completion_tokens=0, total_tokens=tokens))
            return model_response

        async def aembedding(
            self, model: str, input: list, model_response: EmbeddingResponse, *args: Any, **kwargs: Any
        ) -> EmbeddingResponse:
            """``embedding``, awaited."""
            return self.embedding(model, input, model_response, *args, **kwargs)

    return DemoLLM()


def __getattr__(name: str) -> Any:
    """``handler`` (what ``custom_provider_map`` names), built once on first access."""
    if name != "handler":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()["handler"] = built = _build_handler()
    return built


def _priced(item: dict[str, Any]) -> dict[str, Any]:
    """The deployment's ``model_info`` with its list price (from ``base_model`` or its real model) filled in."""
    info = dict(item.get("model_info") or {})
    model = str((item.get("litellm_params") or {}).get("model") or item["model_name"])
    found = facts(ModelEntry(item["model_name"], model, info))
    if found.input_cost is not None and found.output_cost is not None:
        info.setdefault("input_cost_per_token", found.input_cost)
        info.setdefault("output_cost_per_token", found.output_cost)
    return info


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
    """A copy of ``document`` whose deployments answer "[smart-llm-router demo] <model> answered." in process."""
    demo = dict(document)
    demo["model_list"] = [
        {**item, "litellm_params": {"model": f"{PROVIDER}/{item['model_name']}"}, "model_info": _priced(item)}
        for item in document.get("model_list") or []
    ]
    settings = dict(demo.get("litellm_settings") or {})
    providers = [p for p in settings.get("custom_provider_map") or [] if p.get("provider") != PROVIDER]
    settings["custom_provider_map"] = [*providers, {"provider": PROVIDER, "custom_handler": HANDLER_PATH}]
    demo["litellm_settings"] = settings
    general = dict(demo.get("general_settings") or {})
    key = general.get("master_key")
    if not key or (isinstance(key, str) and (match := ENV_REF.match(key)) and not os.environ.get(match.group(1))):
        general["master_key"] = DEMO_MASTER_KEY  # LiteLLM refuses to run without one
    demo["general_settings"] = general
    return demo
