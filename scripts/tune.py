"""Tune weights, saturations, boundaries and length thresholds on the ``tune`` split only.

    python scripts/tune.py [--l2 1.0] [--folds 5] [--rounds 0] [--nested] [--write]

Keyword matching does not depend on the numbers being tuned, so every row is scanned
once (with saturations set very high, which recovers each dimension's raw signal count)
and each candidate table is then scored arithmetically.

Everything starts from the hand-written table (``PRIOR``: the routing table of the product
this is modelled on, with more weight on reasoning, code, technical and domain terms), so a
run is reproducible. Two stages fit a table, both on ``tune`` rows only:

1. weights and boundaries: an ordinal logistic regression (proportional odds) of the tier
   on the dimension values, in the table's own units with a free sharpness, with an L2
   penalty pulling the weights toward ``PRIOR`` and sign constraints (every dimension
   pushes up except ``simpleIndicators``), fitted by projected Adam. It optimizes a smooth
   likelihood over every row rather than the accuracy count, which keeps it from chasing
   single rows;
2. boundaries only: a coordinate search that minimizes the expected cost of mistakes under
   ``COST`` (one tier too low costs 3x one tier too high; two tiers too low 7x) per request
   of the stated ``TRAFFIC_MIX``, with the weights fixed.

Around the fit, by 5-fold cross-validation *inside* ``tune`` (fit on 4 folds, price the
fifth): the L2 strength (the lowest cost),
then the length range, all by the same expected cost; plain accuracy is reported beside it.
``--rounds N`` adds N passes of a search over each dimension's saturation; it is off by
default because the saturations it picked fitted all of tune worse (in-sample) than the
folds it was picked on, so the hand-written saturations are kept. The rules (reasoning markers, huge
context, technical terms, deliverable scope, JSON, code requests, task types, a new ask
without evidence of a simple one) are applied as floors, as the scorer does. ``--nested`` redoes the saturation search inside
each fold to estimate the whole procedure on rows it never saw. The holdout split is only
reported, never searched on. ``--write`` stores the table in smart_router/data/scoring.yaml.

Needs numpy, a dependency of the tuning script only: ``pip install -e ".[tune]"``.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import os
import sys
from pathlib import Path

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

from smart_router import evaluate  # noqa: E402
from smart_router.config import data_path, load_config  # noqa: E402
from smart_router.extract import extract  # noqa: E402
from smart_router.scorer import DIMENSIONS, KEYWORD_DIMENSIONS, DimensionSpec, Scorer  # noqa: E402
from smart_router.types import Tier  # noqa: E402

# The price of routing a row of the expected tier (rows) to a tier (columns): under-routing
# gives the user a weak answer, over-routing costs cents.
COST = np.array([
    [0.0, 1.0, 2.0, 3.0],   # SIMPLE expected
    [3.0, 0.0, 1.0, 2.0],   # MEDIUM
    [7.0, 3.0, 0.0, 1.0],   # COMPLEX
    [12.0, 7.0, 3.0, 0.0],  # REASONING
])  # fmt: skip
# Expected cost is per request of real traffic, so rows are weighted by the share of their tier
# in the traffic the router serves, stated here up front (everyday assistant and agent traffic:
# mostly simple and medium asks), not by their share in the deliberately balanced labeled set.
TRAFFIC_MIX = np.array([0.35, 0.40, 0.18, 0.07])  # SIMPLE, MEDIUM, COMPLEX, REASONING
RAW = 1e6  # saturation that keeps value = signals / RAW unclipped
NEGATIVE = {"simpleIndicators"}  # dimensions whose weight must be <= 0; all others >= 0
SATURATION_GRID = (1, 2, 3, 4)
LENGTH_GRID = ((10, 1000), (10, 500), (15, 600), (20, 400), (10, 300), (20, 1000), (30, 600))
# The hand-written table the weights are pulled toward (the routing table of the product this
# is modelled on, with more weight on reasoning, code, technical and domain terms).
PRIOR = {
    "reasoningMarkers": 0.45, "codePresence": 0.20, "multiStepPatterns": 0.12, "technicalTerms": 0.22,
    "tokenCount": 0.08, "creativeMarkers": 0.05, "questionComplexity": 0.05, "constraintCount": 0.06,
    "agenticTask": 0.06, "imperativeVerbs": 0.05, "outputFormat": 0.03, "referenceComplexity": 0.02,
    "domainSpecificity": 0.14, "simpleIndicators": -0.10, "negationComplexity": 0.01,
}  # fmt: skip
PRIOR_WEIGHTS = np.array([PRIOR[n] for n in DIMENSIONS])
PRIOR_SATURATIONS = {
    "reasoningMarkers": 1, "codePresence": 3, "multiStepPatterns": 3, "technicalTerms": 3,
    "creativeMarkers": 2, "questionComplexity": 2, "constraintCount": 3, "agenticTask": 2,
    "imperativeVerbs": 1, "outputFormat": 2, "referenceComplexity": 2, "domainSpecificity": 2,
    "simpleIndicators": 1, "negationComplexity": 2,
}  # fmt: skip
PRIOR_LENGTH = (10, 1000)  # tokens: value -1 at or below, +1 at or above


@dataclasses.dataclass
class Data:
    """The scanned rows: raw signal counts per keyword dimension, ask tokens, floors, labels."""

    counts: np.ndarray  # rows x keyword dimensions
    tokens: np.ndarray
    floor: np.ndarray  # lowest tier the rules allow (reasoning markers, scope, tasks, no simple-ask evidence ...)
    ceiling: np.ndarray  # highest tier the score may give (COMPLEX without reasoning markers)
    y: np.ndarray
    language: list[str]

    def take(self, index) -> "Data":
        return Data(
            self.counts[index], self.tokens[index], self.floor[index], self.ceiling[index], self.y[index],
            [self.language[i] for i in index],
        )


def scan(scorer: Scorer, rows) -> Data:
    counts, tokens, floors, ceilings, ys, langs = [], [], [], [], [], []
    for row in rows:
        text, _needs = extract("acompletion", row.body)
        d = scorer.score(text)
        counts.append([d.dimension(n).value * RAW for n in KEYWORD_DIMENSIONS])
        floor = d.floor
        ceilings.append(int(d.ceiling))
        tokens.append(int(d.dimension("tokenCount").matches[0].split()[0]))  # what the length signal reads
        floors.append(int(floor))
        ys.append(int(row.expected))
        langs.append(row.language)
    return Data(np.array(counts), np.array(tokens, dtype=float), np.array(floors), np.array(ceilings), np.array(ys), langs)


def length_value(tokens: np.ndarray, short: float, long: float) -> np.ndarray:
    value = -1.0 + 2.0 * np.log(np.maximum(tokens, 1) / short) / math.log(long / short)
    return np.clip(value, -1.0, 1.0)


def features(data: Data, saturations: dict, short: float, long: float) -> np.ndarray:
    """Rows x DIMENSIONS, in DIMENSIONS order (tokenCount included)."""
    sat = np.array([saturations[n] for n in KEYWORD_DIMENSIONS], dtype=float)
    values = np.minimum(1.0, data.counts / sat)
    columns = {n: values[:, i] for i, n in enumerate(KEYWORD_DIMENSIONS)}
    columns["tokenCount"] = length_value(data.tokens, short, long)
    return np.stack([columns[n] for n in DIMENSIONS], axis=1)


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def fit_ordinal(x: np.ndarray, y: np.ndarray, l2: float, prior: np.ndarray, steps: int = 2000):
    """Proportional-odds fit in the table's own units: P(tier >= k) = sigmoid(c * (score - b_k)),
    score = x @ w, with a free sharpness c > 0.

    Minimizes the mean negative log-likelihood + l2 * |w - prior|^2 with Adam; after each step
    the weights are projected onto their signs and the boundaries kept increasing. A large
    l2 keeps the hand-written table (only the boundaries move); a small one follows the data."""
    n, d = x.shape
    lower = np.array([-np.inf if name in NEGATIVE else 0.0 for name in DIMENSIONS])
    upper = np.array([0.0 if name in NEGATIVE else np.inf for name in DIMENSIONS])
    params = np.concatenate([prior, [0.0, 0.3, 0.5], [math.log(10.0)]])
    m = np.zeros_like(params)
    v = np.zeros_like(params)
    rate, b1, b2 = 0.01, 0.9, 0.999
    onehot = np.eye(4)[y]
    for t in range(1, steps + 1):
        w, bounds, c = params[:d], params[d : d + 3], math.exp(params[-1])
        s = x @ w
        gap = s[:, None] - bounds[None, :]
        up = _sigmoid(c * gap)  # P(y >= k), k = 1..3
        cum = np.concatenate([np.ones((n, 1)), up, np.zeros((n, 1))], axis=1)
        p = np.clip(cum[:, :-1] - cum[:, 1:], 1e-9, None)  # P(y = k), k = 0..3
        dp = -onehot / p  # d(-log p_y) / d p_k
        d_up = dp[:, 1:] - dp[:, :-1]  # up_k enters p_k with +, p_{k-1} with -
        d_z = d_up * up * (1 - up)  # through the sigmoid: d/dz, z = c * gap
        grad_w = c * (x.T @ d_z.sum(axis=1)) / n + 2 * l2 * (w - prior)
        grad_b = -c * d_z.sum(axis=0) / n
        grad_c = c * float((d_z * gap).sum()) / n  # d/d log c
        grad = np.concatenate([grad_w, grad_b, [grad_c]])
        m = b1 * m + (1 - b1) * grad
        v = b2 * v + (1 - b2) * grad * grad
        params = params - rate * (m / (1 - b1**t)) / (np.sqrt(v / (1 - b2**t)) + 1e-8)
        params[:d] = np.clip(params[:d], lower, upper)
        params[d : d + 3] = np.maximum.accumulate(params[d : d + 3] + [0.0, -0.01, -0.02]) + [0.0, 0.01, 0.02]
    return params[:d].copy(), params[d : d + 3].copy()


def predict(x: np.ndarray, data: "Data", w: np.ndarray, bounds) -> np.ndarray:
    s = x @ w
    tier = (s[:, None] >= np.asarray(bounds)[None, :]).sum(axis=1)
    return np.maximum(np.minimum(tier, data.ceiling), data.floor)


def objective(pred: np.ndarray, y: np.ndarray) -> float:
    """Minus the expected cost per request of the predictions: ``COST`` averaged within each
    expected tier, weighted by ``TRAFFIC_MIX`` (higher is better)."""
    costs = COST[y, pred]
    present = [t for t in range(4) if (y == t).any()]
    mix = TRAFFIC_MIX[present] / TRAFFIC_MIX[present].sum()
    return -float(sum(share * costs[y == t].mean() for share, t in zip(mix, present)))


def refine_bounds(x, data: Data, w, bounds, rounds: int = 3):
    """Coordinate search over the three boundaries only (weights fixed)."""
    bounds = list(bounds)
    s = x @ w
    candidates = np.unique(np.round(s, 4))
    best = objective(predict(x, data, w, bounds), data.y)
    for _ in range(rounds):
        improved = False
        for i in range(3):
            lo = bounds[i - 1] if i else -np.inf
            hi = bounds[i + 1] if i < 2 else np.inf
            for c in candidates:
                if not lo < c < hi:
                    continue
                trial = list(bounds)
                trial[i] = float(c)
                value = objective(predict(x, data, w, trial), data.y)
                # prefer the smaller move on ties: stay put unless strictly better
                if value > best + 1e-9:
                    best, bounds, improved = value, trial, True
        if not improved:
            break
    return bounds


def train(data: Data, saturations, short, long, l2):
    x = features(data, saturations, short, long)
    w, theta = fit_ordinal(x, data.y, l2, PRIOR_WEIGHTS)
    bounds = refine_bounds(x, data, w, theta)
    return w, bounds


def cross_validated(data: Data, saturations, short, long, l2, folds: int) -> float:
    """``objective`` of ``train`` on rows it left out, over ``folds`` folds (stratified by order)."""
    return objective(out_of_fold(data, saturations, short, long, l2, folds), data.y)


def out_of_fold(data: Data, saturations, short, long, l2, folds: int) -> np.ndarray:
    """Each row's prediction by the fit on the other folds."""
    order = np.arange(len(data.y))
    pred = np.zeros_like(data.y)
    for k in range(folds):
        test = order[k::folds]
        w, bounds = train(data.take(np.setdiff1d(order, test)), saturations, short, long, l2)
        held = data.take(test)
        pred[test] = predict(features(held, saturations, short, long), held, w, bounds)
    return pred


def search_saturations(data: Data, saturations, short, long, l2, folds: int, rounds: int):
    """Coordinate search over SATURATION_GRID, one dimension at a time, by cross-validation."""
    best = cross_validated(data, saturations, short, long, l2, folds)
    for _ in range(rounds):
        changed = False
        for name in KEYWORD_DIMENSIONS:
            for sat in SATURATION_GRID:
                trial = dict(saturations, **{name: sat})
                value = cross_validated(data, trial, short, long, l2, folds)
                if value > best + 1e-9:
                    best, saturations, changed = value, trial, True
        if not changed:
            break
    return saturations, best


def nested(data: Data, saturations, short, long, l2, folds: int, rounds: int) -> float:
    """Accuracy of the whole procedure (saturation search + fit) on folds it never saw."""
    order = np.arange(len(data.y))
    pred = np.zeros_like(data.y)
    for k in range(folds):
        test = order[k::folds]
        inner, held = data.take(np.setdiff1d(order, test)), data.take(test)
        sats, _ = search_saturations(inner, saturations, short, long, l2, folds, rounds)
        w, bounds = train(inner, sats, short, long, l2)
        pred[test] = predict(features(held, sats, short, long), held, w, bounds)
        print(f"  nested fold {k + 1}/{folds} done", flush=True)
    return float((pred == data.y).mean()), objective(pred, data.y)


def report(name: str, data: Data, saturations, short, long, w, bounds) -> str:
    x = features(data, saturations, short, long)
    pred = predict(x, data, w, bounds)
    by_lang = {}
    for lang in sorted(set(data.language)):
        mask = np.array([lg == lang for lg in data.language])
        by_lang[lang] = 100 * float((pred[mask] == data.y[mask]).mean())
    under = 100 * float(((data.y >= Tier.COMPLEX) & (pred == Tier.SIMPLE)).mean())
    langs = " ".join(f"{k} {v:.0f}" for k, v in by_lang.items())
    tiers = " ".join(f"{t.name[0]} {100 * float((pred[data.y == t] == t).mean()):.0f}" for t in Tier)
    cost = -objective(pred, data.y)
    return f"{name:11} accuracy {100 * float((pred == data.y).mean()):5.1f}%  cost {cost:.3f}  under {under:4.1f}%  | {langs} | {tiers}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--l2", type=float, default=None, help="L2 penalty (default: chosen by cross-validation)")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=0,
                        help="passes of the saturation grid search (default 0: the hand-written saturations; "
                        "a search picked by cross-validation fitted all of tune worse than its folds)")
    parser.add_argument("--nested", action="store_true", help="also estimate the whole procedure by nested CV (minutes)")
    parser.add_argument("--write", action="store_true", help="write the result into scoring.yaml")
    args = parser.parse_args()

    config = load_config()
    sc = config.scoring
    raw_dims = {n: DimensionSpec(s.weight, RAW) for n, s in sc.dimensions.items()}
    unreachable = {Tier.MEDIUM: 1e6, Tier.COMPLEX: 2e6, Tier.REASONING: 3e6}  # every floor then shows
    scanner = Scorer(dataclasses.replace(sc, dimensions=raw_dims, boundaries=unreachable))
    tune = scan(scanner, evaluate.load_rows(evaluate.default_files("tune")))
    holdout = scan(scanner, evaluate.load_rows(evaluate.default_files("holdout")))  # reported only
    # The style-shift split is never scanned here: no fit, weight or keyword choice looks at it.

    saturations = {n: sc.dimensions[n].saturation for n in KEYWORD_DIMENSIONS}
    short, long = sc.short_tokens, sc.long_tokens
    current_w = np.array([sc.dimensions[n].weight for n in DIMENSIONS])
    current_b = [sc.boundaries[t] for t in (Tier.MEDIUM, Tier.COMPLEX, Tier.REASONING)]
    print("current table")
    print(" ", report("tune", tune, saturations, short, long, current_w, current_b))
    print(" ", report("holdout", holdout, saturations, short, long, current_w, current_b))

    # The search always starts from the hand-written table, not from the last result, so a
    # run is reproducible and nothing chosen on all of tune leaks into the nested estimate.
    saturations, (short, long) = dict(PRIOR_SATURATIONS), PRIOR_LENGTH
    l2_grid = (args.l2,) if args.l2 is not None else (0.03, 0.1, 0.3, 1.0, 3.0)
    cv = lambda sats, s, lg, l2: cross_validated(tune, sats, s, lg, l2, args.folds)  # noqa: E731
    scores = {value: cv(saturations, short, long, value) for value in l2_grid}
    print("l2 -> cross-validated tune cost:", ", ".join(f"{k}: {-v:.3f}" for k, v in scores.items()))
    l2 = max(scores, key=scores.get)  # the lowest cross-validated cost (same folds for every value)
    best = scores[l2]
    print(f"l2 {l2}: cv cost {-best:.3f}")
    for s_, l_ in LENGTH_GRID:
        value = cv(saturations, s_, l_, l2)
        if value > best + 1e-9:
            best, short, long = value, s_, l_
    print(f"length {short}..{long}: cv cost {-best:.3f}")
    start_saturations = saturations
    saturations, best = search_saturations(tune, saturations, short, long, l2, args.folds, args.rounds)
    print(f"saturations: cv cost {-best:.3f} (optimistic: the saturations were picked by this figure)")
    if args.nested:
        acc, score = nested(tune, start_saturations, short, long, l2, args.folds, args.rounds)
        print(f"nested cross-validation (saturation search redone inside each fold): accuracy {100 * acc:.1f}%, cost {-score:.3f}")

    w, bounds = train(tune, saturations, short, long, l2)
    # The table stores weights to 3 decimals: refine the boundaries for the weights as stored
    # (the expected cost is flat and bumpy in them, so rounding alone can move its optimum).
    w = np.round(w, 3)
    bounds = [round(float(b), 3) for b in refine_bounds(features(tune, saturations, short, long), tune, w, bounds)]
    print("tuned table (weights fitted on tune only)")
    print(" ", report("tune", tune, saturations, short, long, w, bounds))
    cv_pred = out_of_fold(tune, saturations, short, long, l2, args.folds)
    print(" ", f"tune-cv     accuracy {100 * float((cv_pred == tune.y).mean()):5.1f}%  cost {-objective(cv_pred, tune.y):.3f}  (rows predicted by fits that did not see them; the saturations were chosen by it, so --nested is the honest figure)")
    print(" ", report("holdout", holdout, saturations, short, long, w, bounds))

    table = yaml.safe_load(data_path("scoring.yaml").read_text(encoding="utf-8"))
    table["boundaries"] = dict(zip(("MEDIUM", "COMPLEX", "REASONING"), bounds))
    table["token_count"] = {"short": int(short), "long": int(long)}
    for i, name in enumerate(DIMENSIONS):
        spec = {"weight": float(w[i])}
        if name != "tokenCount":
            spec["saturation"] = saturations[name]
        table["dimensions"][name] = spec
    print(yaml.safe_dump({k: table[k] for k in ("boundaries", "dimensions", "token_count")}, sort_keys=False, default_flow_style=None))
    if args.write:
        _write(table)
        print("written to", data_path("scoring.yaml"))
    return 0


def _write(table: dict) -> None:
    """Replace the numbers in scoring.yaml, keeping its comments and layout."""
    path = data_path("scoring.yaml")
    lines = path.read_text(encoding="utf-8").splitlines()
    out, section = [], None
    for line in lines:
        stripped = line.strip()
        if line and not line[0].isspace() and not stripped.startswith("#") and ":" in line:
            section = stripped.split(":")[0]
        key = stripped.split(":")[0] if ":" in stripped and not stripped.startswith("#") else None
        comment = line[line.index("#"):] if "#" in line else ""
        indent = line[: len(line) - len(line.lstrip())]
        if section == "dimensions" and key in table["dimensions"] and indent:
            spec = table["dimensions"][key]
            body = f"{{weight: {spec['weight']:.3f}" + (f", saturation: {spec['saturation']:g}}}" if "saturation" in spec else "}")
            line = f"{indent}{key + ':':21}{body}"
        elif section == "boundaries" and key in table["boundaries"] and indent:
            line = f"{indent}{key}: {table['boundaries'][key]:.3f}" + (f"   {comment}" if comment else "")
        elif section == "token_count" and key in table["token_count"] and indent:
            value = f"{key}: {table['token_count'][key]}"
            line = f"{indent}{value:18}{comment}" if comment else f"{indent}{value}"
        out.append(line)
    path.write_text("\n".join(out) + "\n", encoding="utf-8")


if __name__ == "__main__":
    raise SystemExit(main())
