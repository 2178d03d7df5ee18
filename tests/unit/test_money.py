"""One baseline and one money format: ``slr test``, ``slr eval`` and ``slr stats`` rows compare
with the same model for the same profile, configured or not."""

import json

import pytest
import yaml

from smart_router import evaluate, money, stats
from smart_router.cli import main
from smart_router.config import load_config
from smart_router.engine import Engine
from smart_router.types import RoutingInfo, Tier


def priced(name, input_cost, output_cost):
    return {"model_name": name, "litellm_params": {"model": f"openai/{name}"},
            "model_info": {"input_cost_per_token": input_cost, "output_cost_per_token": output_cost}}  # fmt: skip


def write_config(tmp_path, **smart_router):
    document = {
        # COMPLEX ("dear") costs more than REASONING ("top"): the dearest model is not the baseline
        "model_list": [priced("cheap", 1e-7, 4e-7), priced("mid", 1e-6, 2e-6), priced("dear", 1e-5, 5e-5), priced("top", 2e-6, 8e-6)],
        "smart_router": {"profiles": {"auto": {"tiers": {"SIMPLE": "cheap", "MEDIUM": "mid", "COMPLEX": "dear", "REASONING": "top"}}},
                         **smart_router},
    }  # fmt: skip
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(document))
    return path


@pytest.mark.parametrize("configured,expected", [({}, "top"), ({"baseline_model": "mid"}, "mid")])
def test_slr_test_slr_eval_and_stats_rows_share_the_baseline(tmp_path, capsys, configured, expected):
    path = write_config(tmp_path, **configured)
    engine = Engine(load_config(path))
    assert money.baseline_model(engine.config, "smart/auto") == money.baseline_model(engine.config, "AUTO") == expected

    assert main(["test", "hello there", "--config", str(path), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    cost = result["cost"]
    assert cost["baseline_model"] == expected
    assert cost["baseline_usd"] == pytest.approx(engine.catalog.get(expected).cost(result["tokens"], cost["output_tokens_assumed"]))

    body = {"model": "smart/auto", "messages": [{"role": "user", "content": "hello there"}]}
    summary = evaluate.cost_summary(engine, "auto", [evaluate.Row("r1", "en", Tier.SIMPLE, body)])
    assert summary["baseline_model"] == expected

    info = RoutingInfo("id", "smart/auto", "auto", "SIMPLE", -0.2, "cheap", reason="r")
    event = {"litellm_call_id": "c1", "response_cost": 1e-6, "standard_logging_object": {"prompt_tokens": 5, "completion_tokens": 4}}
    row = stats.build_row(engine, info, event, ok=True)
    assert row.baseline_model == expected
    assert row.baseline_cost == pytest.approx(engine.catalog.get(expected).cost(5, 4))


def test_an_unknown_profile_has_no_baseline(tmp_path):
    config = load_config(write_config(tmp_path))
    assert money.baseline_model(config, "smart/nope") is None


def test_savings_pct():
    assert money.savings_pct(1.0, 4.0) == pytest.approx(75.0)
    assert money.savings_pct(6.0, 4.0) == pytest.approx(-50.0)  # dearer than the baseline
    assert money.savings_pct(None, 4.0) is None and money.savings_pct(1.0, None) is None
    assert money.savings_pct(0.0, 0.0) is None  # nothing to save on a free baseline


@pytest.mark.parametrize("value,text", [
    (None, "unknown"), (0, "$0.000000"), (0.000004, "$0.000004"), (0.000123, "$0.000123"), (0.45, "$0.450000"),
    (2e-7, "$0.00000020"), (1, "$1.00"), (12.345, "$12.35"), (1234.5, "$1,234.50"),
])  # fmt: skip
def test_usd(value, text):
    assert money.usd(value) == text


def test_pct():
    assert money.pct(None) == "-" and money.pct(83.333) == "83.3%" and money.pct(-50) == "-50.0%"
