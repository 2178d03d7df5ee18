"""Routing quality on the bundled holdout set may not regress; eval tooling behaves."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from smart_router import evaluate
from smart_router.types import Tier

# Recorded with `slr eval --split holdout|style-shift` when the scorer was last tuned
# (docs/routing-quality.md). Margins are a few rows of each set.
RECORDED = {
    # split: (accuracy, hard->SIMPLE % of hard rows, MEDIUM->SIMPLE % of MEDIUM rows)
    "holdout": (69.0, 1.5, 3.6),
    "style-shift": (78.4, 0.3, 4.2),
}
MARGIN = 2.0  # accuracy points: 15 holdout rows, 16 style-shift rows
UNDER_MARGIN = 1.5  # points of the hard / MEDIUM rows


@pytest.mark.parametrize("split", sorted(RECORDED))
def test_routing_quality_does_not_regress(engine, split):
    accuracy, hard_to_simple, medium_to_simple = RECORDED[split]
    report = evaluate.run("ours", evaluate.ours(engine), evaluate.load_rows(evaluate.default_files(split))).to_dict()
    assert report["accuracy"] >= accuracy - MARGIN, report
    assert report["hard_to_simple"] <= hard_to_simple + UNDER_MARGIN, report
    assert report["medium_to_simple"] <= medium_to_simple + UNDER_MARGIN, report


def test_the_splits_are_disjoint_and_cover_nine_languages_and_four_tiers():
    splits = {name: evaluate.load_rows(evaluate.default_files(name)) for name in ("tune", "holdout", "style-shift")}
    ids = [{r.id for r in rows} for rows in splits.values()]
    assert not (ids[0] & ids[1] or ids[0] & ids[2] or ids[1] & ids[2])
    for rows in splits.values():
        assert {(r.language, r.expected) for r in rows} == {(lang, t) for lang in {r.language for r in rows} for t in Tier}
        assert len({r.language for r in rows}) == 9
    assert sum(len(rows) for rows in splits.values()) >= 2000 and len(splits["style-shift"]) >= 300


def test_public_cross_check_reads_litellms_own_cases():
    rows = evaluate.public_rows()
    assert len(rows) >= 20 and {r.expected for r in rows} == set(Tier)


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
    assert data["reports"][0]["accuracy"] >= RECORDED["holdout"][0] - MARGIN
    assert {"by_length", "by_task", "medium_to_simple", "hard_to_simple"} <= data["reports"][0].keys()
    assert data["cost"]["baseline_usd"] > data["cost"]["routed_usd"] > 0 and data["cost"]["baseline_model"] == "o3"
