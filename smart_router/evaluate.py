"""Routing quality as numbers: accuracy, confusion, under/over-routing and cost on a labeled set.

Rows are JSONL: ``{"id", "language", "messages", "system"?, "tools"?, "expected", ...}``.
Each row is turned into a chat request body and read by the same ``extract`` + ``Engine``
code the proxy runs. Two baselines run on the same rows: length only, and LiteLLM's own
``complexity_router`` (rule-based, offline; imported only when asked for).
"""

from __future__ import annotations

import json
import os
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

import regex

from . import money
from .config import PROFILE_PREFIX, data_path
from .decide import decide
from .engine import Engine
from .errors import BadRequest
from .extract import extract
from .request import read_request
from .tokens import count_tokens
from .types import Needs, RoutingText, Tier

OUTPUT_TOKENS = 500  # assumed completion length per request for cost estimates
Classifier = Callable[[RoutingText, Needs], Tier]


@dataclass(frozen=True)
class Row:
    """One labeled prompt."""

    id: str
    language: str
    expected: Tier
    body: dict[str, Any]
    category: str = "plain"
    task: str = "unlabeled"
    words: int = 0  # of the newest user turn (CJK: two characters count as a word)


SPLITS = ("tune", "holdout", "style-shift", "all", "public")
LENGTH_BUCKETS = ((10, "<=10 words"), (25, "11-25 words"), (60, "26-60 words"), (None, ">60 words"))
_CJK_CHAR = regex.compile(r"[\p{Han}\p{Hiragana}\p{Katakana}]")
_WORD = regex.compile(r"[^\s\p{Han}\p{Hiragana}\p{Katakana}]+")


def default_files(split: str = "holdout") -> list[Path]:
    """The bundled labeled files of a split: ``tune``, ``holdout``, ``style-shift`` (written by a
    writer who saw only the rubric; nothing is fitted on it) or ``all`` (tune + holdout)."""
    folder = data_path("eval")
    patterns = ["tune-*.jsonl", "holdout-*.jsonl"] if split == "all" else [f"{split}-*.jsonl"]
    return sorted(p for pattern in patterns for p in folder.glob(pattern))


def word_count(text: str) -> int:
    """Words of ``text``; in Chinese and Japanese two characters count as one word."""
    return len(_WORD.findall(text)) + (len(_CJK_CHAR.findall(text)) + 1) // 2


def length_bucket(words: int) -> str:
    """The length bucket ``slr eval`` reports a row under."""
    return next(name for limit, name in LENGTH_BUCKETS if limit is None or words <= limit)


def public_rows() -> list[Row]:
    """LiteLLM's own labeled cases for its complexity_router (shipped in the installed package,
    written by LiteLLM, not here); same tier names. Never used for fitting."""
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    from litellm.router_strategy.complexity_router.evals.eval_complexity_router import EVAL_CASES

    rows = []
    for number, case in enumerate(EVAL_CASES, 1):
        messages = [{"role": "user", "content": case.prompt}]
        if case.system_prompt:
            messages.insert(0, {"role": "system", "content": case.system_prompt})
        tier = Tier.parse(getattr(case.expected_tier, "value", case.expected_tier))
        rows.append(Row(f"litellm-{number:02d}", "en", tier, {"messages": messages}, "litellm_eval", "unlabeled", word_count(case.prompt)))
    return rows


def load_rows(paths: Iterable[str | Path]) -> list[Row]:
    """Rows of JSONL files; a bad line raises BadRequest naming file and line."""
    rows = []
    for path in paths:
        for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                raw = json.loads(line)
                messages = list(raw["messages"])
                if raw.get("system"):
                    messages.insert(0, {"role": "system", "content": raw["system"]})
                body = {"messages": messages}
                if raw.get("tools"):
                    body["tools"] = raw["tools"]
                asks = [m.get("content") for m in raw["messages"] if m.get("role") == "user" and isinstance(m.get("content"), str)]
                rows.append(Row(
                    raw["id"], raw["language"], Tier.parse(raw["expected"]), body, raw.get("category", "plain"),
                    raw.get("task", "unlabeled"), word_count(asks[-1] if asks else ""),
                ))  # fmt: skip
            except (KeyError, TypeError, ValueError) as exc:
                raise BadRequest(f"{path}:{number}: bad eval row: {exc}") from None
    return rows


@dataclass
class Report:
    """Metrics of one classifier over a set of rows."""

    name: str
    total: int = 0
    correct: int = 0
    by_language: dict[str, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))
    by_tier: dict[str, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))
    by_category: dict[str, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))
    by_length: dict[str, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))
    by_task: dict[str, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))
    confusion: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    under: int = 0  # COMPLEX/REASONING expected, SIMPLE chosen
    medium_to_simple: int = 0  # MEDIUM expected, SIMPLE chosen
    below: int = 0  # any tier below the expected one
    over: int = 0  # any tier above the expected one
    seconds: float = 0.0

    def add(self, row: Row, predicted: Tier) -> None:
        hit = int(predicted == row.expected)
        self.total += 1
        self.correct += hit
        for table, key in (
            (self.by_language, row.language), (self.by_tier, row.expected.name), (self.by_category, row.category),
            (self.by_length, length_bucket(row.words)), (self.by_task, row.task),
        ):  # fmt: skip
            table[key][0] += hit
            table[key][1] += 1
        self.confusion[row.expected.name][predicted.name] += 1
        self.under += int(row.expected >= Tier.COMPLEX and predicted == Tier.SIMPLE)
        self.medium_to_simple += int(row.expected == Tier.MEDIUM and predicted == Tier.SIMPLE)
        self.below += int(predicted < row.expected)
        self.over += int(predicted > row.expected)

    def to_dict(self) -> dict[str, Any]:
        pct = lambda a, b: round(100 * a / b, 1) if b else None  # noqa: E731
        return {
            "name": self.name,
            "rows": self.total,
            "accuracy": pct(self.correct, self.total),
            "under_routing": pct(self.under, self.total),
            "hard_to_simple": pct(self.under, sum(self.by_tier[t][1] for t in ("COMPLEX", "REASONING") if t in self.by_tier)),
            "medium_to_simple": pct(self.medium_to_simple, self.by_tier["MEDIUM"][1] if "MEDIUM" in self.by_tier else 0),
            "below_expected": pct(self.below, self.total),
            "over_routing": pct(self.over, self.total),
            "by_language": {k: pct(*v) for k, v in sorted(self.by_language.items())},
            "by_tier": {t.name: pct(*self.by_tier[t.name]) for t in Tier if t.name in self.by_tier},
            "by_category": {k: pct(*v) for k, v in sorted(self.by_category.items())},
            "by_length": {name: pct(*self.by_length[name]) for _, name in LENGTH_BUCKETS if name in self.by_length},
            "by_task": {k: pct(*v) for k, v in sorted(self.by_task.items())},
            "confusion": {t.name: {p.name: self.confusion[t.name][p.name] for p in Tier} for t in Tier},
            "ms_per_row": round(1000 * self.seconds / self.total, 4) if self.total else None,
            "ms_total": round(1000 * self.seconds, 1),
        }


def run(name: str, classify: Classifier, rows: Sequence[Row]) -> Report:
    """Classify every row and collect the metrics."""
    report = Report(name)
    inputs = [extract("acompletion", row.body) for row in rows]
    if inputs:
        classify(*inputs[0])  # warm-up: one-time loads (tokenizer) are not per-row cost
    started = time.perf_counter()
    predictions = [classify(text, needs) for text, needs in inputs]
    report.seconds = time.perf_counter() - started
    for row, predicted in zip(rows, predictions):
        report.add(row, predicted)
    return report


def ours(engine: Engine) -> Classifier:
    """This project's scorer."""
    return lambda text, needs: engine.scorer.score(text).tier


def length_only(text: RoutingText, needs: Needs) -> Tier:
    """Trivial baseline: tokens of the newest user turn decide the tier."""
    asks = [t.text for t in text.turns if t.role == "user"]
    tokens = count_tokens(asks[-1] if asks else "")
    return Tier.SIMPLE if tokens < 30 else Tier.MEDIUM if tokens < 120 else Tier.COMPLEX if tokens < 400 else Tier.REASONING


def litellm_complexity_router() -> Classifier:
    """LiteLLM's built-in rule-based ``complexity_router`` (same tier names as ours)."""
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # offline: no price-map fetch
    from litellm.router_strategy.complexity_router.complexity_router import ComplexityRouter

    router = ComplexityRouter(
        model_name="smart-llm-router-eval",
        litellm_router_instance=None,
        complexity_router_config={"tiers": {t.name: t.name.lower() for t in Tier}},
        derive_savings_baseline=False,
    )

    def classify(text: RoutingText, needs: Needs) -> Tier:
        asks = [t.text for t in text.turns if t.role == "user"]
        tier, _score, _signals = router.classify(asks[-1] if asks else "", text.system or None)
        return Tier.parse(getattr(tier, "value", tier))

    return classify


def cost_summary(engine: Engine, profile: str, rows: Sequence[Row]) -> dict[str, Any]:
    """Estimated cost of routing every row vs sending it to the baseline model (``money.baseline_model``)."""
    baseline_model = money.baseline_model(engine.config, profile)
    baseline = engine.catalog.get(baseline_model or "")
    routed = total = 0.0
    unknown = 0
    requested = PROFILE_PREFIX + engine.config.profile(profile).name
    for row in rows:
        outcome = decide(engine, read_request(engine.config, "acompletion", {**row.body, "model": requested}, None), None, 0.0)
        decision, route = outcome.decision, outcome.route
        chosen = engine.catalog.get(route.model).cost(decision.tokens, OUTPUT_TOKENS)
        base = baseline.cost(decision.tokens, OUTPUT_TOKENS)
        if chosen is None or base is None:
            unknown += 1
            continue
        routed, total = routed + chosen, total + base
    savings = money.savings_pct(routed, total)
    return {
        "profile": requested,
        "output_tokens_assumed": OUTPUT_TOKENS,
        "routed_usd": round(routed, 6),
        "baseline_model": baseline_model,
        "baseline_usd": round(total, 6),
        "savings_pct": None if savings is None else round(savings, 1),
        "rows_with_unknown_price": unknown,
    }


def format_reports(reports: Sequence[dict[str, Any]], cost: dict[str, Any] | None) -> str:
    """A plain-text table of one or more reports side by side."""
    names = [r["name"] for r in reports]
    width = max(14, *(len(n) for n in names))
    label = 30
    lines = [f"{'':{label}}" + "".join(f"{n:>{width + 2}}" for n in names)]

    def line(name: str, values: Sequence[Any], suffix: str = "%") -> None:
        cells = "".join(f"{('-' if v is None else f'{v}{suffix}'):>{width + 2}}" for v in values)
        lines.append(f"{name:{label}}{cells}")

    line("rows", [r["rows"] for r in reports], "")
    line("accuracy", [r["accuracy"] for r in reports])
    line("under-routing (hard->SIMPLE)", [r["under_routing"] for r in reports])
    line("  of COMPLEX+REASONING rows", [r["hard_to_simple"] for r in reports])
    line("MEDIUM->SIMPLE, of MEDIUM rows", [r["medium_to_simple"] for r in reports])
    line("below expected tier", [r["below_expected"] for r in reports])
    line("over-routing", [r["over_routing"] for r in reports])
    for lang in reports[0]["by_language"]:
        line(f"  lang {lang}", [r["by_language"].get(lang) for r in reports])
    for tier in Tier:
        line(f"  tier {tier.name}", [r["by_tier"].get(tier.name) for r in reports])
    for category in reports[0].get("by_category", {}):
        line(f"  kind {category}", [r["by_category"].get(category) for r in reports])
    for bucket in reports[0].get("by_length", {}):
        line(f"  length {bucket}", [r["by_length"].get(bucket) for r in reports])
    for task in reports[0].get("by_task", {}):
        line(f"  task {task}", [r["by_task"].get(task) for r in reports])
    line("ms per row", [r["ms_per_row"] for r in reports], "")
    line("ms for all rows", [r["ms_total"] for r in reports], "")
    first = reports[0]
    lines.append("")
    lines.append(f"confusion ({first['name']}): rows = expected, columns = routed")
    lines.append(f"{'':12}" + "".join(f"{t.name:>11}" for t in Tier))
    for t in Tier:
        lines.append(f"{t.name:12}" + "".join(f"{first['confusion'][t.name][p.name]:>11}" for p in Tier))
    if cost:
        lines.append("")
        saving = "" if cost["savings_pct"] is None else f" ({money.pct(cost['savings_pct'])} saved)"
        lines.append(
            f"cost on {cost['profile']} ({cost['output_tokens_assumed']} output tokens/request assumed): "
            f"routed {money.usd(cost['routed_usd'])} vs always {cost['baseline_model']} {money.usd(cost['baseline_usd'])}{saving}; "
            f"rows with unknown price: {cost['rows_with_unknown_price']}"
        )
    return "\n".join(lines)
