"""Routing quality on the bundled holdout set may not regress; eval tooling behaves."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from smart_router import evaluate
from smart_router.scorer import Tier

# Recorded with `slr eval --split holdout` when the scorer was last tuned (README, "Routing quality").
RECORDED_HOLDOUT_ACCURACY = 80.6
MARGIN = 2.0  # about three of the 144 holdout rows
RECORDED_HOLDOUT_UNDER_ROUTING = 0.7  # COMPLEX/REASONING rows sent to SIMPLE, % of rows
UNDER_MARGIN = 1.5  # two rows


@pytest.fixture(scope="module")
def holdout_rows():
    rows = evaluate.load_rows(evaluate.default_files("holdout"))
    assert rows, "the bundled holdout set is missing"
    return rows


def test_holdout_accuracy_does_not_regress(engine, holdout_rows):
    report = evaluate.run("ours", evaluate.ours(engine), holdout_rows).to_dict()
    assert report["accuracy"] >= RECORDED_HOLDOUT_ACCURACY - MARGIN, report
    assert report["under_routing"] <= RECORDED_HOLDOUT_UNDER_ROUTING + UNDER_MARGIN, report


def test_tune_and_holdout_do_not_share_rows():
    tune = {r.id for r in evaluate.load_rows(evaluate.default_files("tune"))}
    holdout = {r.id for r in evaluate.load_rows(evaluate.default_files("holdout"))}
    assert tune and holdout and not tune & holdout


def test_report_counts_confusion_and_routing_errors():
    rows = [
        evaluate.Row("a", "en", Tier.COMPLEX, {}),
        evaluate.Row("b", "en", Tier.SIMPLE, {}),
        evaluate.Row("c", "de", Tier.MEDIUM, {}),
    ]
    report = evaluate.Report("x")
    for row, predicted in zip(rows, (Tier.SIMPLE, Tier.MEDIUM, Tier.MEDIUM)):
        report.add(row, predicted)
    data = report.to_dict()
    assert data["accuracy"] == pytest.approx(33.3)
    assert data["under_routing"] == pytest.approx(33.3) and data["over_routing"] == pytest.approx(33.3)
    assert data["confusion"]["COMPLEX"]["SIMPLE"] == 1
    assert data["by_language"] == {"de": 100.0, "en": 0.0}


def test_bad_row_names_file_and_line(tmp_path):
    path = tmp_path / "rows.jsonl"
    path.write_text('{"id": "x", "language": "en", "messages": [], "expected": "HUGE"}\n', encoding="utf-8")
    with pytest.raises(ValueError, match="rows.jsonl:1"):
        evaluate.load_rows([path])


def test_slr_eval_json_has_three_classifiers_and_cost():
    slr = Path(sys.executable).parent / "slr"
    result = subprocess.run([str(slr), "eval", "--json"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert [r["name"] for r in data["reports"]] == ["smart-llm-router", "length-only", "litellm-complexity"]
    assert data["reports"][0]["accuracy"] >= RECORDED_HOLDOUT_ACCURACY - MARGIN
    assert data["cost"]["top_tier_usd"] > data["cost"]["routed_usd"] > 0
