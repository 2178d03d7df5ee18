"""Cost guards for the scorer: linear in the text, bounded for huge prompts, a light import.

Timings use the best of several runs and generous bounds (the test machines are shared and
noisy); they catch a quadratic pass or a lost bound, not a few percent. The absolute
figures are in README "Performance" (``scripts/bench_scorer.py``).
"""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from smart_router import structure
from smart_router.engine import engine_for
from smart_router.types import RoutingText

EN = "Please explain step by step how the distributed cache keeps data consistent when a node fails. "
ZH = "请逐步解释分布式缓存在节点故障时如何保持数据一致性，并给出证明。"
RU = "Пожалуйста, объясни шаг за шагом, как распределённый кэш сохраняет согласованность данных. "
PATHOLOGICAL = ["first step ", "?!.,;:(){}[]", "a", "def f(x): return x == 1;\n"]


def best(fn, runs: int = 5) -> float:
    fn()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return min(times)


@pytest.fixture(scope="module")
def scorer():
    return engine_for(None).scorer


@pytest.mark.parametrize("unit", [EN, ZH, RU, *PATHOLOGICAL])
def test_keyword_and_structure_passes_are_linear(scorer, unit):
    small, large = unit * (4_000 // len(unit) + 1), unit * (32_000 // len(unit) + 1)
    growth = len(large) / len(small)
    match_ratio = best(lambda: scorer.matcher.match(large)) / best(lambda: scorer.matcher.match(small))
    structure_ratio = best(lambda: structure.analyze(large)) / best(lambda: structure.analyze(small))
    assert match_ratio < 3 * growth, f"matcher grew {match_ratio:.1f}x for {growth:.1f}x the text"
    assert structure_ratio < 3 * growth, f"structure grew {structure_ratio:.1f}x for {growth:.1f}x the text"


@pytest.mark.parametrize("unit", [EN, ZH, RU, *PATHOLOGICAL])
def test_megabyte_prompt_is_bounded(scorer, unit):
    request = RoutingText.of((unit * (1_000_000 // len(unit) + 1))[:1_000_000])
    assert best(lambda: scorer.score(request), runs=3) < 0.2  # target 20 ms; 10x slack for shared CI


def test_short_prompt_is_fast(scorer):
    request = RoutingText.of("Please explain step by step how the distributed cache keeps")
    assert best(lambda: scorer.score(request), runs=50) < 0.0005  # target 50 us; 10x slack


def test_scorer_import_is_light():
    code = (
        "import sys, smart_router.scorer, smart_router.engine\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('litellm', 'fastapi', 'tiktoken', 'httpx'))\n"
        "print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "", f"importing the scorer pulled in {out}"
