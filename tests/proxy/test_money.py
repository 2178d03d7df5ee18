"""End to end: costs, savings, ``slr stats`` and budget downgrades through a real LiteLLM proxy.

The fake upstream answers every call with 5 prompt and 4 completion tokens. ``cheap`` and
``thinker`` are priced through ``model_info.base_model`` (gpt-4o-mini, o3), ``mid`` through
its own per-token prices, ``nopri`` (all of ``smart/unpriced``) has no price at all; the
baseline is set to ``thinker``. Every request's row is found by the
``x-litellm-call-id`` the proxy returns; asynchronous writes are awaited by polling the
database against a deadline.
"""

from __future__ import annotations

import itertools
import json
import sqlite3
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import litellm
import pytest
from litellm import ModelResponse, Usage

from .launcher import BIN, MASTER_KEY, Proxy, start_litellm, upstream_model

PROVE = "Prove by induction, step by step, that 2^n > n for every natural number n"
HELLO = "hello, how are you?"
MID_PRICE = {"input_cost_per_token": 1e-6, "output_cost_per_token": 3e-6}
PRICE_MAP_NAME = {"cheap": "gpt-4o-mini", "thinker": "o3"}
WAIT_SECONDS = 30.0
_numbers = itertools.count(1)


def litellm_cost(model: str) -> float | None:
    """What litellm.completion_cost says the fake upstream's answer costs on ``model``."""
    response = ModelResponse(model=model, usage=Usage(prompt_tokens=5, completion_tokens=4, total_tokens=9))
    if model in PRICE_MAP_NAME:
        return litellm.completion_cost(completion_response=response, model=PRICE_MAP_NAME[model])
    if model == "mid":
        return litellm.completion_cost(completion_response=response, model="mid", custom_cost_per_token=MID_PRICE)
    return None


BASELINE = "thinker"  # smart_router.baseline_model (also smart/auto's REASONING model)


@dataclass(frozen=True)
class Sent:
    call_id: str
    tier: str
    served: str
    headers: httpx.Headers


@dataclass
class Money:
    """The proxy under test, its stats file and every request sent to it."""

    config: dict
    db: Path
    probe: Path
    proxy: Proxy | None = None
    ledger: list[Sent] = field(default_factory=list)

    def start(self) -> None:
        self.proxy = start_litellm(self.config, env={"SPEND_PROBE_FILE": str(self.probe)})

    def send(self, prompt: str, key: str = MASTER_KEY, stream: bool = False, path: str = "/v1/chat/completions",
             model: str = "smart/auto") -> Sent:  # fmt: skip
        text = f"{prompt} (request {next(_numbers)})"
        body = {"model": model, "stream": stream, "max_tokens": 100}
        body |= {"input": text} if path == "/v1/responses" else {"messages": [{"role": "user", "content": text}]}
        response = httpx.post(f"{self.proxy.base_url}{path}", json=body, timeout=60, headers={"Authorization": f"Bearer {key}"})
        response.raise_for_status()
        headers = response.headers
        served = headers.get("x-smart-router-served-by") or headers["x-smart-router-model"]
        sent = Sent(headers["x-litellm-call-id"], headers["x-smart-router-tier"], served, headers)
        self.ledger.append(sent)
        return sent

    def rows(self, sent: list[Sent]) -> dict[str, sqlite3.Row]:
        """The successful rows of ``sent``, waiting up to a deadline (a fallback's failure row comes first)."""
        wanted = {s.call_id for s in sent}
        deadline = time.monotonic() + WAIT_SECONDS
        while True:
            found = {}
            if self.db.exists():
                conn = sqlite3.connect(self.db)
                conn.row_factory = sqlite3.Row
                marks = ",".join("?" * len(wanted))
                found = {r["call_id"]: r for r in conn.execute(f"SELECT * FROM requests WHERE status = 'ok' AND call_id IN ({marks})", list(wanted))}
                conn.close()
            if len(found) == len(wanted) or time.monotonic() > deadline:
                return found
            time.sleep(0.05)  # polling interval of the deadline loop

    def count(self) -> int:
        return sqlite3.connect(self.db).execute("SELECT COUNT(*) FROM requests").fetchone()[0]


@pytest.fixture(scope="module")
def money(upstream, tmp_path_factory):
    folder = tmp_path_factory.mktemp("money")
    config = {
        "model_list": [
            upstream_model("cheap", upstream.url, base_model="gpt-4o-mini"),
            upstream_model("mid", upstream.url, **MID_PRICE),
            upstream_model("thinker", upstream.url, base_model="o3"),
            upstream_model("nopri", upstream.url),
        ],
        "litellm_settings": {
            "callbacks": ["smart_router.hook.proxy_handler", "tests.proxy.money_helpers.probe"],
            "num_retries": 0,
        },
        "general_settings": {"master_key": MASTER_KEY, "custom_auth": "tests.proxy.money_helpers.user_api_key_auth"},
        "smart_router": {
            "stats": {"path": str(folder / "stats.db")},
            "baseline_model": BASELINE,
            "profiles": {
                "auto": {"tiers": {"SIMPLE": {"model": "cheap", "fallbacks": ["mid"]}, "MEDIUM": "mid", "COMPLEX": "mid", "REASONING": "thinker"}},
                "eco": {"tiers": {"SIMPLE": "cheap", "MEDIUM": "cheap", "COMPLEX": "mid", "REASONING": "mid"}},
                "unpriced": {"tiers": {"SIMPLE": "nopri", "MEDIUM": "nopri", "COMPLEX": "nopri", "REASONING": "nopri"}},
            },
        },
    }  # fmt: skip
    running = Money(config, folder / "stats.db", folder / "spend.jsonl")
    running.start()
    yield running
    running.proxy.stop()


def test_costs_and_savings_match_litellm_completion_cost(money, upstream):
    sent = [money.send(HELLO), money.send(PROVE), money.send(HELLO, stream=True)]
    assert [(s.tier, s.served) for s in sent] == [("SIMPLE", "cheap"), ("REASONING", "thinker"), ("SIMPLE", "cheap")]
    rows = money.rows(sent)
    baseline = litellm_cost(BASELINE)
    for s in sent:
        row = rows[s.call_id]
        assert (row["status"], row["served"], row["tier"], row["requested"]) == ("ok", s.served, s.tier, "smart/auto")
        assert (row["prompt_tokens"], row["completion_tokens"]) == (5, 4)
        assert row["cost"] == pytest.approx(litellm_cost(s.served), rel=1e-9) and row["cost_source"] == "litellm"
        assert row["baseline_model"] == BASELINE and row["baseline_cost"] == pytest.approx(baseline, rel=1e-9)
    simple = rows[sent[0].call_id]
    assert 1 - simple["cost"] / simple["baseline_cost"] == pytest.approx(1 - litellm_cost("cheap") / baseline)
    assert rows[sent[1].call_id]["cost"] == pytest.approx(rows[sent[1].call_id]["baseline_cost"])  # no savings on top


@pytest.mark.parametrize("path", ["/v1/messages", "/v1/responses"])
def test_anthropic_messages_and_responses_are_priced_too(money, path):
    sent = money.send(PROVE, path=path)
    row = money.rows([sent])[sent.call_id]
    assert (row["tier"], row["served"], row["prompt_tokens"], row["completion_tokens"]) == ("REASONING", "thinker", 5, 4)
    assert row["cost"] == pytest.approx(litellm_cost("thinker")) and row["baseline_cost"] == pytest.approx(row["cost"])


def test_a_model_without_a_price_is_unknown_not_free(money):
    sent = money.send(HELLO, model="smart/unpriced")
    assert sent.served == "nopri"
    row = money.rows([sent])[sent.call_id]
    assert row["cost"] is None and row["cost_source"] is None
    assert row["baseline_cost"] == pytest.approx(litellm_cost(BASELINE))


def test_a_fallback_is_one_row_priced_on_the_model_that_answered(money, upstream):
    upstream.faults["cheap"] = 429
    sent = money.send(HELLO)
    assert sent.headers["x-smart-router-model"] == "cheap" and sent.served == "mid"
    row = money.rows([sent])[sent.call_id]
    assert (row["model"], row["served"]) == ("cheap", "mid")
    assert row["cost"] == pytest.approx(litellm_cost("mid"), rel=1e-9)


def test_litellm_spend_logs_would_carry_the_same_fields(money):
    sent = money.send(HELLO)
    row = money.rows([sent])[sent.call_id]
    deadline = time.monotonic() + WAIT_SECONDS
    logged = None
    while logged is None and time.monotonic() < deadline:
        lines = money.probe.read_text().splitlines() if money.probe.exists() else []
        logged = next((json.loads(x)["spend_logs_metadata"] for x in lines if json.loads(x)["call_id"] == sent.call_id), None)
        time.sleep(0.05)  # polling interval of the deadline loop
    fields = logged["smart_router"]
    assert (fields["tier"], fields["served"], fields["fallback"]) == ("SIMPLE", "cheap", False)
    assert fields["cost"] == pytest.approx(row["cost"]) and fields["baseline_cost"] == pytest.approx(row["baseline_cost"])


@pytest.mark.parametrize("spent,tier,model,reason", [
    (10, "REASONING", "thinker", None),
    (80, "REASONING", "mid", "budget: key spent 80% of max_budget -> smart/eco"),
    (95, "MEDIUM", "cheap", "budget: key spent 95% of max_budget -> smart/eco, at most MEDIUM"),
    (100, "REASONING", "thinker", None),  # LiteLLM's own budget check is in charge from here
])  # fmt: skip
def test_a_key_near_its_budget_gets_the_downgraded_model(money, upstream, spent, tier, model, reason):
    sent = money.send(PROVE, key=f"sk-spent-{spent}")
    assert upstream.models() == [model]
    assert (sent.tier, sent.served) == (tier, model)
    header = sent.headers["x-smart-router-reason"]
    assert (reason in header) if reason else ("budget" not in header)
    row = money.rows([sent])[sent.call_id]
    assert row["cost"] == pytest.approx(litellm_cost(model)) and row["baseline_cost"] == pytest.approx(litellm_cost(BASELINE))


def test_fifty_parallel_requests_lose_no_row(money):
    before = len(money.rows(money.ledger))
    assert before == len(money.ledger)
    count_before = money.count()
    with ThreadPoolExecutor(max_workers=50) as pool:
        sent = list(pool.map(lambda i: money.send(f"hello number {i}"), range(50)))
    rows = money.rows(sent)
    assert len({s.call_id for s in sent}) == 50 and len(rows) == 50
    assert all(r["status"] == "ok" and r["prompt_tokens"] == 5 for r in rows.values())
    assert money.count() == count_before + 50


def test_slr_stats_json_matches_what_was_sent(money):
    money.send(HELLO)
    money.send(PROVE, model="smart/unpriced")
    assert len(money.rows(money.ledger)) == len(money.ledger)
    out = subprocess.run([str(BIN / "slr"), "stats", "--db", str(money.db), "--json", "--by", "tier"],
                         capture_output=True, text=True, check=True).stdout  # fmt: skip
    report = json.loads(out)
    groups = {g["key"]: g for g in report["groups"]}
    assert set(groups) == {s.tier for s in money.ledger}
    for tier, group in groups.items():
        sent = [s for s in money.ledger if s.tier == tier]
        costs = [litellm_cost(s.served) for s in sent]
        known = [c for c in costs if c is not None]
        assert group["requests"] == len(sent) and group["errors"] == 0
        assert group["prompt_tokens"] == 5 * len(sent) and group["completion_tokens"] == 4 * len(sent)
        assert group["unknown_price"] == len(sent) - len(known)
        assert group["fallbacks"] == sum(s.served != s.headers["x-smart-router-model"] for s in sent)
        if known:
            baseline = litellm_cost(BASELINE) * len(known)
            assert group["cost_usd"] == pytest.approx(sum(known)) and group["baseline_usd"] == pytest.approx(baseline)
            assert group["savings_pct"] == pytest.approx(100 * (1 - sum(known) / baseline), abs=0.01)
        else:
            assert group["cost_usd"] is None and group["savings_pct"] is None
    assert report["total"]["requests"] == len(money.ledger)
    by_model = subprocess.run([str(BIN / "slr"), "stats", "--db", str(money.db), "--by", "model", "--json"],
                              capture_output=True, text=True, check=True).stdout  # fmt: skip
    unpriced = next(g for g in json.loads(by_model)["groups"] if g["key"] == "nopri")
    assert unpriced["requests"] == unpriced["unknown_price"] == sum(s.served == "nopri" for s in money.ledger) >= 2
    assert unpriced["cost_usd"] is None and unpriced["savings_pct"] is None
    table = subprocess.run([str(BIN / "slr"), "stats", "--db", str(money.db), "--by", "model"],
                           capture_output=True, text=True, check=True).stdout  # fmt: skip
    line = next(x for x in table.splitlines() if x.startswith("nopri "))
    assert line.split()[5:8] == ["unknown", "-", "-"] and "saved" in table


def test_the_stats_file_survives_a_proxy_restart(money):
    sent = money.send(HELLO)
    assert money.rows([sent])
    before = money.count()
    money.proxy.stop()
    assert money.count() == before
    money.start()
    again = money.send(HELLO)
    assert money.rows([sent, again]).keys() == {sent.call_id, again.call_id}
    assert money.count() == before + 1
    assert sqlite3.connect(money.db).execute("PRAGMA integrity_check").fetchone() == ("ok",)
