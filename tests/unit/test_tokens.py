"""Token counts: exact below EXACT_LIMIT, a bounded estimate above, and the lean encoder exact."""

from __future__ import annotations

import random
import string

import pytest

from smart_router import tokens
from smart_router.tokens import EXACT_LIMIT, count_joined, count_tokens, exact_tokens


def test_known_counts():
    assert count_tokens("") == 0
    assert count_tokens("hello world") == 2
    assert count_joined(["", "hello"], count_tokens("hello")) == count_tokens("\nhello")


@pytest.mark.parametrize("unit", ["The cache keeps data consistent. ", "分布式缓存保持数据一致。"])
def test_long_texts_are_estimated_close_to_the_exact_count(unit):
    text = unit * (3 * EXACT_LIMIT // len(unit))
    exact = exact_tokens(text)
    assert count_tokens(text) == pytest.approx(exact, rel=0.02)
    assert count_tokens(text[:EXACT_LIMIT]) == exact_tokens(text[:EXACT_LIMIT])


def test_joined_token_count_is_exact():
    rng = random.Random(15)
    pool = list("ab Z9 0\t\n\r'.,!?()-_") + ["'s", "'ll", "  ", "\n\n", "中文", "Ж", "é", "\u3000", "\u00a0", "123", "😀"]
    for _ in range(3000):
        parts = ["".join(rng.choice(pool) for _ in range(rng.randint(0, 12))) for _ in range(rng.randint(1, 4))]
        last = count_tokens(parts[-1])
        assert count_joined(parts, last) == count_tokens("\n".join(parts)), parts


def test_lean_encoder_counts_like_tiktoken():
    import tiktoken

    reference = tiktoken.get_encoding(tokens.ENCODING_NAME)
    rng = random.Random(16)
    pool = string.printable + "中文かなЖé😀\u3000" + "\ud800"
    for _ in range(500):
        text = "".join(rng.choice(pool) for _ in range(rng.randint(0, 200)))
        assert exact_tokens(text) == len(reference.encode_ordinary(text))


