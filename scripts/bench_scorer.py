"""Decision time of our scorer vs LiteLLM's built-in complexity_router, measured in one run.

    python scripts/bench_scorer.py [--repeat 31] [--json FILE]

Prints median and p99 per input (10 words ... 1 MB, English / Chinese / Russian, and
pathological inputs) for both scorers and the ratio ours/theirs (< 1 means ours is faster).
Both run in this process on the same strings, so machine noise hits both alike.
LiteLLM's scorer backtracks on the pathological inputs (minutes per MB), so there it is
timed once on the first ``THEIR_PATHOLOGICAL_CHARS`` characters only, and the row says so.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from smart_router.engine import engine_for  # noqa: E402
from smart_router.evaluate import litellm_complexity_router  # noqa: E402
from smart_router.scorer import RoutingText  # noqa: E402
from smart_router.select import Needs  # noqa: E402

WORDS = {
    "en": "Please explain step by step how the distributed cache keeps data consistent when a node fails ".split(),
    "zh": list("请逐步解释分布式缓存在节点故障时如何保持数据一致性并给出证明"),
    "ru": "Пожалуйста объясни шаг за шагом как распределённый кэш сохраняет согласованность данных при отказе узла".split(),
}
SEPARATOR = {"en": " ", "zh": "", "ru": " "}
THEIR_PATHOLOGICAL_CHARS = 20_000


def text_of(lang: str, words: int) -> str:
    pool = WORDS[lang]
    return SEPARATOR[lang].join(pool[i % len(pool)] for i in range(words))


def inputs() -> list[tuple[str, str]]:
    cases = []
    for lang in WORDS:
        for label, words in (("10 words", 10), ("300 words", 300), ("5k words", 5_000), ("20k words", 20_000), ("150k tokens", 120_000)):
            cases.append((f"{lang} {label}", text_of(lang, words)))
        cases.append((f"{lang} 1 MB", (text_of(lang, 300_000))[:1_000_000]))
    cases.append(("pathological 'first step '", ("first step " * 100_000)[:1_000_000]))
    cases.append(("pathological punctuation", ("?!.,;:(){}[]" * 90_000)[:1_000_000]))
    cases.append(("pathological no spaces", "a" * 1_000_000))
    return cases


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
    args = parser.parse_args()
    engine = engine_for(None)
    theirs = litellm_complexity_router()
    rows = []
    print(f"{'input':48} {'ours p50':>10} {'ours p99':>10} {'litellm p50':>12} {'litellm p99':>12} {'ratio':>7}")
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
        rows.append(row)
        print(f"{name:48} {row['ours_p50_us']:>8.0f}us {row['ours_p99_us']:>8.0f}us {row['litellm_p50_us']:>10.0f}us "
              f"{row['litellm_p99_us']:>10.0f}us {row['ratio']:>7.2f}")  # fmt: skip
    print(f"median ratio ours/litellm: {statistics.median(r['ratio'] for r in rows):.2f}")
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
