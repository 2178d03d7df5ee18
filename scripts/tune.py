"""Tune weights, saturations, boundaries and length thresholds on the ``tune`` split only.

    python scripts/tune.py [--rounds 4] [--write]

Keyword matching does not depend on the numbers being tuned, so every row is scanned
once (with saturations set very high, which recovers each dimension's raw signal count)
and each candidate table is then scored arithmetically. The search is a coordinate
descent that maximizes accuracy minus a penalty for under-routing (a COMPLEX/REASONING
row sent to SIMPLE). ``--write`` stores the result in smart_router/data/scoring.yaml.
The holdout split is only reported, never searched on.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from smart_router import evaluate  # noqa: E402
from smart_router.config import data_path, load_config  # noqa: E402
from smart_router.engine import Engine  # noqa: E402
from smart_router.extract import extract  # noqa: E402
from smart_router.scorer import DIMENSIONS, DimensionSpec, Scorer, Tier  # noqa: E402

UNDER_PENALTY = 3.0
RAW = 1e6  # saturation that keeps value = signals / RAW unclipped


def signals_of(scorer: Scorer, rows):
    """Per row: raw signal count per dimension, ask tokens and the override floors."""
    out = []
    for row in rows:
        text, _needs = extract("acompletion", row.body)
        d = scorer.score(text)
        raw = {x.name: x.value * RAW for x in d.dimensions if x.name != "tokenCount"}
        floor = Tier.SIMPLE
        if d.override:
            floor = Tier.REASONING if d.override.startswith("reasoning") else Tier.COMPLEX if "tokens" in d.override else Tier.MEDIUM
        out.append((raw, d.ask_tokens, floor, row.expected))
    return out


def predict(params, raw, tokens, floor) -> Tier:
    weights, saturations, bounds, short, long = params
    if tokens <= short:
        length = -1.0
    elif tokens >= long:
        length = 1.0
    else:
        length = -1.0 + 2.0 * math.log(tokens / short) / math.log(long / short)
    score = weights["tokenCount"] * length
    for name, count in raw.items():
        score += weights[name] * min(1.0, count / saturations[name])
    tier = Tier.SIMPLE
    for t, b in zip((Tier.MEDIUM, Tier.COMPLEX, Tier.REASONING), bounds):
        if score >= b:
            tier = t
    return max(tier, floor)


def objective(params, data) -> float:
    hits = under = 0
    for raw, tokens, floor, expected in data:
        got = predict(params, raw, tokens, floor)
        hits += got == expected
        under += expected >= Tier.COMPLEX and got == Tier.SIMPLE
    return (hits - UNDER_PENALTY * under) / len(data)


def accuracy(params, data) -> float:
    return sum(predict(params, *d[:3]) == d[3] for d in data) / len(data)


WEIGHT_GRID = (0.0, 0.02, 0.05, 0.08, 0.12, 0.16, 0.2, 0.25, 0.3, 0.4, 0.5, 0.6, 0.8)
SATURATION_GRID = (1, 2, 3, 4, 6)
BOUNDARY_STEPS = (-0.1, -0.05, -0.02, 0.02, 0.05, 0.1)
LENGTH_GRID = ((10, 200), (15, 300), (20, 400), (30, 500), (50, 500), (20, 1000), (30, 800), (10, 500), (10, 1000), (15, 600), (20, 600))


def search(params, data, rounds: int):
    """Coordinate descent over bounded grids; a change is kept only if it helps on ``data``."""
    weights, saturations, bounds, short, long = params
    best = objective(params, data)

    def consider(candidate) -> bool:
        nonlocal best, weights, saturations, bounds, short, long
        value = objective(candidate, data)
        if value > best + 1e-9:
            best = value
            weights, saturations, bounds, short, long = candidate
            return True
        return False

    for _ in range(rounds):
        improved = False
        for name in DIMENSIONS:
            sign = -1.0 if name == "simpleIndicators" else 1.0
            for w in WEIGHT_GRID:
                if name == "simpleIndicators" and w == 0.0:
                    continue
                improved |= consider((dict(weights, **{name: sign * w}), saturations, bounds, short, long))
            if name != "tokenCount":
                for sat in SATURATION_GRID:
                    improved |= consider((weights, dict(saturations, **{name: sat}), bounds, short, long))
        for i in range(3):
            for delta in BOUNDARY_STEPS:
                trial = list(bounds)
                trial[i] = round(trial[i] + delta, 3)
                if trial[0] < trial[1] < trial[2]:
                    improved |= consider((weights, saturations, tuple(trial), short, long))
        for s_, l_ in LENGTH_GRID:
            improved |= consider((weights, saturations, bounds, s_, l_))
        if not improved:
            break
    return (weights, saturations, bounds, short, long), best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--write", action="store_true", help="write the result into scoring.yaml")
    args = parser.parse_args()

    config = load_config()
    sc = config.scoring
    raw_dims = {n: DimensionSpec(s.weight, RAW) for n, s in sc.dimensions.items()}
    scanner = Scorer(dataclasses.replace(sc, dimensions=raw_dims))
    tune = signals_of(scanner, evaluate.load_rows(evaluate.default_files("tune")))
    holdout = signals_of(scanner, evaluate.load_rows(evaluate.default_files("holdout")))

    start = (
        {n: s.weight for n, s in sc.dimensions.items()},
        {n: s.saturation for n, s in sc.dimensions.items()},
        tuple(sc.boundaries[t] for t in (Tier.MEDIUM, Tier.COMPLEX, Tier.REASONING)),
        sc.short_tokens,
        sc.long_tokens,
    )
    print(f"start: tune {accuracy(start, tune):.3f}  holdout {accuracy(start, holdout):.3f}")
    tuned, _ = search(start, tune, args.rounds)
    print(f"tuned: tune {accuracy(tuned, tune):.3f}  holdout {accuracy(tuned, holdout):.3f}")
    weights, saturations, bounds, short, long = tuned
    table = yaml.safe_load(data_path("scoring.yaml").read_text(encoding="utf-8"))
    table["boundaries"] = dict(zip(("MEDIUM", "COMPLEX", "REASONING"), bounds))
    table["token_count"] = {"short": short, "long": long}
    for name in DIMENSIONS:
        spec = {"weight": weights[name]}
        if name != "tokenCount":
            spec["saturation"] = saturations[name]
        table["dimensions"][name] = spec
    print(yaml.safe_dump({k: table[k] for k in ("boundaries", "dimensions", "token_count")}, sort_keys=False))
    if args.write:
        _write(table)
        print("written to", data_path("scoring.yaml"))
    return 0


def _write(table: dict) -> None:
    path = data_path("scoring.yaml")
    text = path.read_text(encoding="utf-8")
    header = text[: text.index("boundaries:")]
    body = yaml.safe_dump(table, sort_keys=False, default_flow_style=None, width=100)
    path.write_text(header + body, encoding="utf-8")


if __name__ == "__main__":
    raise SystemExit(main())
