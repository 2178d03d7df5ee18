"""Decision time of our scorer vs LiteLLM's built-in complexity_router, measured in one run.

    python scripts/bench_scorer.py [--repeat 31] [--json FILE] [--no-loop-lag]

Prints median and p99 per input (10 words ... 1 MB, English / Chinese / Russian, and
pathological inputs) for both scorers and the ratio ours/theirs (< 1 means ours is faster).
Both run in this process on the same strings, so machine noise hits both alike.
``ns/char`` (our median per character) shows whether cost stays linear in size.
LiteLLM's scorer backtracks on the pathological inputs (minutes per MB), so there it is
timed once on the first ``THEIR_PATHOLOGICAL_CHARS`` characters only, and the row says so.

Loop lag: each input is also sent through the real hook
(``proxy_handler.async_pre_call_hook(None, None, body, "acompletion")``, model
``smart/auto``) inside an asyncio loop where a ticker task wakes every millisecond; the
column is the longest time the loop could not run the ticker beyond its 1 ms sleep (the
stall another request would have seen), over ``LAG_CALLS`` calls.
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import json
import os
import random
import statistics
import string
import sys
import time
from pathlib import Path
from types import SimpleNamespace

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from smart_router.engine import engine_for  # noqa: E402
from smart_router.evaluate import litellm_complexity_router  # noqa: E402
from smart_router.types import Needs, RoutingText

OWNER = SimpleNamespace(token="bench")  # an authenticated key: sessions are part of the hook's work

WORDS = {
    "en": "Please explain step by step how the distributed cache keeps data consistent when a node fails ".split(),
    "zh": list("请逐步解释分布式缓存在节点故障时如何保持数据一致性并给出证明"),
    "ru": "Пожалуйста объясни шаг за шагом как распределённый кэш сохраняет согласованность данных при отказе узла".split(),
}
SEPARATOR = {"en": " ", "zh": "", "ru": " "}
THEIR_PATHOLOGICAL_CHARS = 20_000
LAG_CALLS = 3
TICK_S = 0.001


def text_of(lang: str, words: int) -> str:
    pool = WORDS[lang]
    return SEPARATOR[lang].join(pool[i % len(pool)] for i in range(words))


def words_for_tokens(lang: str, tokens: int) -> int:
    """How many words of ``lang`` make about ``tokens`` tokens (exact count of a sample)."""
    from smart_router.tokens import count_tokens

    return round(tokens * 2_000 / count_tokens(text_of(lang, 2_000)))


def inputs() -> list[tuple[str, str]]:
    cases = []
    for lang in WORDS:
        sizes = (("10 words", 10), ("300 words", 300), ("5k words", 5_000), ("20k words", 20_000),
                 ("150k tokens", words_for_tokens(lang, 150_000)))  # fmt: skip
        for label, words in sizes:
            cases.append((f"{lang} {label}", text_of(lang, words)))
        cases.append((f"{lang} 1 MB", (text_of(lang, 1_000_000 if lang == "zh" else 300_000))[:1_000_000]))
    cases.append(("pathological 'first step '", ("first step " * 100_000)[:1_000_000]))
    cases.append(("pathological punctuation", ("?!.,;:(){}[]" * 90_000)[:1_000_000]))
    cases.append(("pathological no spaces", "a" * 1_000_000))
    # the most expensive inputs of the exact token path (just under its limit): one long
    # tiktoken piece costs more than linear, random CJK gives the most tokens per character
    rng = random.Random(6)
    cases.append(("pathological 32k chars, no spaces", "".join(rng.choice(string.ascii_letters) for _ in range(32_000))))
    cases.append(("pathological 32k random Han", "".join(chr(rng.randint(0x4E00, 0x9FFF)) for _ in range(32_000))))
    return cases


async def _loop_lag(hook, text: str) -> tuple[float, float]:
    """(longest loop stall beyond the tick, slowest hook call) in seconds over ``LAG_CALLS`` calls."""
    body = {"model": "smart/auto", "messages": [{"role": "user", "content": text}]}
    worst_gap = 0.0
    running = True

    async def ticker() -> None:
        nonlocal worst_gap
        last = time.perf_counter()
        while running:
            await asyncio.sleep(TICK_S)
            now = time.perf_counter()
            worst_gap = max(worst_gap, now - last - TICK_S)
            last = now

    task = asyncio.create_task(ticker())
    await asyncio.sleep(TICK_S * 3)  # the ticker is running
    worst_gap = 0.0
    slowest = 0.0
    for _ in range(LAG_CALLS):
        started = time.perf_counter()
        await hook.async_pre_call_hook(OWNER, None, copy.deepcopy(body), "acompletion")
        slowest = max(slowest, time.perf_counter() - started)
        await asyncio.sleep(TICK_S * 3)  # let the ticker observe the gap
    running = False
    await task
    return worst_gap, slowest


def _off_loop_module():
    """The module whose ``OFF_LOOP_CHARS`` decides when the hook scores in a worker thread."""
    import importlib

    for name in ("smart_router.request", "smart_router.routing"):
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        if hasattr(module, "OFF_LOOP_CHARS"):
            return module
    return None


def loop_lag(text: str, off_loop_chars: int | None = None) -> tuple[float, float]:
    from smart_router.hook import proxy_handler

    module = _off_loop_module()
    if off_loop_chars is not None and module is not None:
        module.OFF_LOOP_CHARS = off_loop_chars
    return asyncio.run(_loop_lag(proxy_handler, text))


def timings(fn, repeat: int) -> list[float]:
    fn()  # warm-up
    out = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        out.append(time.perf_counter() - started)
    return sorted(out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=31)
    parser.add_argument("--json", help="also write the results to this file")
    parser.add_argument("--no-loop-lag", action="store_true", help="skip the event-loop probe through the hook")
    parser.add_argument("--off-loop-chars", type=int, help="probe with this OFF_LOOP_CHARS (size above which the hook scores in a thread)")
    args = parser.parse_args()
    engine = engine_for(None)
    theirs = litellm_complexity_router()
    if not args.no_loop_lag:
        loop_lag("warm-up: the hook loads its engine on the first call", args.off_loop_chars)
        module = _off_loop_module()
        where = f"{module.__name__}.OFF_LOOP_CHARS={module.OFF_LOOP_CHARS}" if module else "no OFF_LOOP_CHARS found"
        print(f"loop lag: through the hook, {where}")
    rows = []
    print(f"{'input':58} {'chars':>9} {'ours p50':>10} {'ours p99':>10} {'ns/char':>8} {'litellm p50':>12} "
          f"{'litellm p99':>12} {'ratio':>7} {'loop lag':>9}")  # fmt: skip
    for name, text in inputs():
        request = RoutingText.of(text)
        ours = timings(lambda: engine.scorer.score(request), args.repeat)
        if name.startswith("pathological"):
            short = RoutingText.of(text[:THEIR_PATHOLOGICAL_CHARS])
            litellm = timings(lambda: theirs(short, Needs()), 1)
            name += f" (litellm: {THEIR_PATHOLOGICAL_CHARS // 1000}k chars)"
        else:
            litellm = timings(lambda: theirs(request, Needs()), max(3, args.repeat // 4))
        p = lambda xs, q: xs[min(len(xs) - 1, int(q * len(xs)))] * 1e6  # noqa: E731
        row = {
            "input": name, "chars": len(text),
            "ours_p50_us": p(ours, 0.5), "ours_p99_us": p(ours, 0.99),
            "litellm_p50_us": p(litellm, 0.5), "litellm_p99_us": p(litellm, 0.99),
        }  # fmt: skip
        row["ratio"] = row["ours_p50_us"] / row["litellm_p50_us"]
        row["ns_per_char"] = row["ours_p50_us"] * 1000 / max(1, len(text))
        lag = "-"
        if not args.no_loop_lag:
            stall, slowest = loop_lag(text, args.off_loop_chars)
            row["loop_stall_ms"], row["hook_slowest_ms"] = stall * 1e3, slowest * 1e3
            lag = f"{row['loop_stall_ms']:.1f}ms"
        rows.append(row)
        print(f"{name:58} {len(text):>9} {row['ours_p50_us']:>8.0f}us {row['ours_p99_us']:>8.0f}us "
              f"{row['ns_per_char']:>8.1f} {row['litellm_p50_us']:>10.0f}us {row['litellm_p99_us']:>10.0f}us "
              f"{row['ratio']:>7.3f} {lag:>9}")  # fmt: skip
    print(f"median ratio ours/litellm: {statistics.median(r['ratio'] for r in rows):.3f}; "
          f"slowest ratio: {max(r['ratio'] for r in rows):.3f} ({max(rows, key=lambda r: r['ratio'])['input']})")
    if not args.no_loop_lag:
        worst = max(rows, key=lambda r: r["loop_stall_ms"])
        print(f"longest event-loop stall through the hook: {worst['loop_stall_ms']:.1f} ms ({worst['input']})")
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
