"""``slr stats`` summaries of a stats file: groups, savings priced both ways, since, JSON / CSV / terminal."""

import json
from datetime import datetime, timezone

import pytest

from smart_router import report, store
from smart_router.cli import main
from smart_router.errors import BadRequest

from .stats_samples import make_row


@pytest.fixture()
def filled(tmp_path):
    path = tmp_path / "stats.db"
    day = datetime(2026, 11, 20, 12, tzinfo=timezone.utc).timestamp()
    store.write(store.connect(path), [
        make_row("s1", "SIMPLE", cost=1e-6, baseline=1e-5, ts=day),
        make_row("s2", "SIMPLE", cost=3e-6, baseline=1e-5, ts=day + 86400),
        make_row("m1", "MEDIUM", cost=None, baseline=2e-5, model="mid", served="nopri", ts=day + 86400),
        make_row("m2", "MEDIUM", cost=4e-6, baseline=2e-5, model="mid", served="mid", ts=day + 86400, source="price list"),
        make_row("r1", "REASONING", cost=5e-5, baseline=5e-5, model="top", served="top", ts=day + 86400),
        make_row("e1", "SIMPLE", status="error", cost=None, baseline=None, ts=day + 86400),
    ])  # fmt: skip
    return path, day


def test_summaries_compare_only_requests_priced_both_ways(filled):
    path, _ = filled
    groups, total = report.summarize(path, by="tier")
    by_tier = {g.key: g for g in groups}
    assert [g.key for g in groups] == ["SIMPLE", "MEDIUM", "REASONING"]
    simple = by_tier["SIMPLE"]
    assert (simple.requests, simple.errors, simple.prompt_tokens, simple.unknown_price) == (2, 1, 10, 0)
    assert simple.cost_usd == pytest.approx(4e-6) and simple.baseline_usd == pytest.approx(2e-5)
    assert simple.savings_pct == pytest.approx(80.0)
    medium = by_tier["MEDIUM"]
    assert medium.unknown_price == 1 and medium.fallbacks == 1
    assert medium.cost_usd == pytest.approx(4e-6) and medium.baseline_usd == pytest.approx(2e-5)  # m1 left out
    assert by_tier["REASONING"].savings_pct == pytest.approx(0.0)
    assert (total.requests, total.errors, total.unknown_price, total.estimated) == (5, 1, 1, 1)
    assert total.savings_usd == pytest.approx(9e-5 - 5.8e-5)  # (1+1+2+5)e-5 baseline, (1+3+4+50)e-6 routed


def test_grouping_and_since(filled):
    path, day = filled
    assert [g.key for g in report.summarize(path, by="day")[0]] == ["2026-11-20", "2026-11-21"]
    assert {g.key for g in report.summarize(path, by="model")[0]} == {"cheap", "nopri", "mid", "top"}
    assert [g.key for g in report.summarize(path, by="profile")[0]] == ["smart/auto"]
    recent, total = report.summarize(path, since=day + 3600, by="tier")
    assert total.requests == 4
    assert report.parse_since("7d", now=day) == day - 7 * 86400
    assert report.parse_since("2026-11-21") == day + 12 * 3600
    with pytest.raises(BadRequest, match="--since"):
        report.parse_since("last week")
    with pytest.raises(BadRequest, match="unknown grouping"):
        report.summarize(path, by="color")


def test_slr_stats_json_csv_and_terminal(filled, capsys):
    path, _ = filled
    assert main(["stats", "--db", str(path), "--json", "--by", "tier"]) == 0
    summary = json.loads(capsys.readouterr().out)
    simple = next(g for g in summary["groups"] if g["key"] == "SIMPLE")
    assert simple["savings_pct"] == 80.0 and summary["total"]["unknown_price"] == 1
    assert main(["stats", "--db", str(path), "--csv"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("key,requests,errors") and lines[-1].startswith("total,5,1")
    assert main(["stats", "--db", str(path)]) == 0
    text = capsys.readouterr().out
    # bars scale to the largest amount (REASONING, 5e-5 -> 40 characters): SIMPLE 4e-6 -> 3 '#', 2e-5 -> 16 in all
    assert "SIMPLE     ###" + "." * 13 + " " * 25 + "$0.000004 vs $0.000020  80.0% saved" in text
    assert "REASONING  " + "#" * 40 in text and "price unknown" not in text
    assert "1 of the costs are list prices" in text
    assert main(["stats", "--db", str(path.parent / "missing.db")]) == 1
    assert "no statistics" in capsys.readouterr().err
    assert main(["stats", "--db", str(path), "--since", "soon"]) == 2


def test_bars_say_dearer_when_the_routed_model_costs_more_than_the_baseline():
    complex_tier = report.Summary(key="COMPLEX", requests=1, errors=0, fallbacks=0, prompt_tokens=10, completion_tokens=20,
                                 cost_usd=3.3e-4, unknown_price=0, estimated=0, priced_cost_usd=3.3e-4, baseline_usd=1.8e-4)  # fmt: skip
    assert complex_tier.savings_pct == pytest.approx(-83.33, abs=0.01)
    assert report.format_bars([complex_tier]).splitlines()[1] == "COMPLEX    " + "#" * 40 + " $0.000330 vs $0.000180  83.3% dearer"
