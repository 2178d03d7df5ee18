"""Token counting with tiktoken, offline, in bounded time.

The encoding files come from the copy that LiteLLM bundles, so no download is ever
attempted. Texts up to ``EXACT_LIMIT`` characters are encoded exactly; longer texts are
estimated from an exactly encoded sample of their head, middle and tail, which keeps
a 1 MB prompt in the low milliseconds while staying calibrated to the script the text
is written in (CJK runs near one token per character, English near four characters).
"""

from __future__ import annotations

import importlib.util
import os
from functools import lru_cache
from pathlib import Path
from typing import Callable, Sequence

ENCODING_NAME = "cl100k_base"
EXACT_LIMIT = 32_000
SAMPLE_CHARS = 4_000


def _bundled_tiktoken_dir() -> str | None:
    spec = importlib.util.find_spec("litellm")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "litellm_core_utils" / "tokenizers"
    return str(path) if path.is_dir() else None


@lru_cache(maxsize=1)
def _encoding():
    """tiktoken's ``Encoding`` for ``ENCODING_NAME`` (shared with anyone else who loads it)."""
    _use_bundled_files()
    import tiktoken

    return tiktoken.get_encoding(ENCODING_NAME)


def _use_bundled_files() -> None:
    if "TIKTOKEN_CACHE_DIR" not in os.environ:
        bundled = _bundled_tiktoken_dir()
        if bundled:
            os.environ["TIKTOKEN_CACHE_DIR"] = bundled


@lru_cache(maxsize=1)
def _encode_ordinary() -> Callable[[str], list[int]]:
    """The encoder behind ``Encoding.encode_ordinary``, loaded lean.

    ``tiktoken.get_encoding`` keeps the 100k-entry rank table as a Python dict next to the
    Rust encoder that copies it (~20 MB of RSS out of ~45). Only the Rust encoder is needed
    to count tokens, so it is built directly and the dict dropped, unless the encoding is
    already loaded (then it is shared) or tiktoken's internals differ (then plain tiktoken).
    """
    _use_bundled_files()
    import tiktoken

    loaded = getattr(getattr(tiktoken, "registry", None), "ENCODINGS", {}).get(ENCODING_NAME)
    if loaded is not None:
        return loaded.encode_ordinary
    try:
        from tiktoken import _tiktoken
        from tiktoken_ext import openai_public

        params = getattr(openai_public, ENCODING_NAME)()
        core = _tiktoken.CoreBPE(params["mergeable_ranks"], params["special_tokens"], params["pat_str"])
    except Exception:  # pragma: no cover - other tiktoken layouts
        return _encoding().encode_ordinary
    del params

    def encode_ordinary(text: str) -> list[int]:
        try:
            return core.encode_ordinary(text)
        except UnicodeEncodeError:  # lone surrogates: what tiktoken's Encoding does
            return core.encode_ordinary(text.encode("utf-16", "surrogatepass").decode("utf-16", "replace"))

    return encode_ordinary


def exact_tokens(text: str) -> int:
    """Exact ``ENCODING_NAME`` token count of ``text`` at any length (``count_tokens`` samples long texts)."""
    return len(_encode_ordinary()(text))


def count_tokens(text: str) -> int:
    """Tokens of ``text``: exact below ``EXACT_LIMIT`` chars, a sampled estimate above."""
    if len(text) <= EXACT_LIMIT:
        return exact_tokens(text) if text else 0
    middle = len(text) // 2
    samples = (
        text[:SAMPLE_CHARS],
        text[middle - SAMPLE_CHARS // 2 : middle + SAMPLE_CHARS // 2],
        text[-SAMPLE_CHARS:],
    )
    sampled_chars = sum(len(s) for s in samples)
    sampled_tokens = sum(exact_tokens(s) for s in samples)
    return round(len(text) * sampled_tokens / sampled_chars)


def count_joined(parts: Sequence[str], last_tokens: int | None = None) -> int:
    """Tokens of ``"\n".join(parts)``; ``last_tokens`` (``count_tokens(parts[-1])``, if the caller
    already has it) saves encoding the last part a second time.

    Exact whenever ``count_tokens`` of the joined text is: cl100k's pre-tokenizer always ends a
    piece right after a newline that is followed by a non-space character (no pattern carries
    a newline into a letter, digit or symbol, and none looks behind), so the pieces, and the
    tokens, of the head and of the last part add up. Above ``EXACT_LIMIT`` both are estimates.
    """
    if last_tokens is None or len(parts) < 2 or not parts[-1] or parts[-1][0].isspace():
        return count_tokens("\n".join(parts))
    head = "\n".join(parts[:-1]) + "\n"
    return (1 if head == "\n" else count_tokens(head)) + last_tokens  # "\n" alone is one token
