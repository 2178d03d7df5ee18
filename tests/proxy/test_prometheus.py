"""End to end: LiteLLM's own Prometheus callback labels request metrics with the routing decision.

A proxy with ``callbacks: [smart_router.hook.proxy_handler, prometheus]`` and
``custom_prometheus_metadata_labels`` naming the four ``smart_router_*`` keys serves a few
routed requests (and one concrete-model request that tries to fake the labels); ``/metrics``
is then scraped and parsed with ``prometheus_client``'s own text parser.
"""

from __future__ import annotations

import json
import re
import time
from collections import Counter
from pathlib import Path

import httpx
import pytest

from smart_router.metrics import LABEL_KEYS, RULES, rule_of

from .launcher import MASTER_KEY, start_litellm, upstream_model

prometheus_parser = pytest.importorskip("prometheus_client.parser", reason="prometheus_client is in the test extra")

PROVE = "Prove by induction, step by step, that 2^n > n for every natural number n"
HELLO = "hello, how are you?"
REQUESTS = "litellm_proxy_total_requests_metric"
SPEND = "litellm_spend_metric"
WAIT_SECONDS = 30.0
DASHBOARD = Path(__file__).resolve().parents[2] / "docs" / "grafana" / "smart-llm-router.json"


@pytest.fixture(scope="module")
def proxy(upstream):
    config = {
        "model_list": [
            upstream_model("cheap", upstream.url, base_model="gpt-4o-mini"),
            upstream_model("mid", upstream.url, base_model="gpt-4o"),
            upstream_model("thinker", upstream.url, base_model="o3"),
        ],
        "litellm_settings": {
            "callbacks": ["smart_router.hook.proxy_handler", "prometheus"],
            "custom_prometheus_metadata_labels": list(LABEL_KEYS),
            "num_retries": 0,
        },
        "general_settings": {"master_key": MASTER_KEY},
        "smart_router": {
            "stats": {"enabled": False},
            "profiles": {"auto": {"tiers": {"SIMPLE": "cheap", "MEDIUM": "mid", "COMPLEX": "mid", "REASONING": "thinker"}}},
        },
    }  # fmt: skip
    running = start_litellm(config)
    yield running
    running.stop()


def send(proxy, model: str, prompt: str, headers: dict | None = None, metadata: dict | None = None) -> httpx.Response:
    body = {"model": model, "messages": [{"role": "user", "content": prompt}], **({"metadata": metadata} if metadata else {})}
    response = httpx.post(f"{proxy.base_url}/v1/chat/completions", json=body, timeout=60,
                          headers={"Authorization": f"Bearer {MASTER_KEY}", **(headers or {})})  # fmt: skip
    response.raise_for_status()
    return response


def scrape(proxy) -> dict[str, list]:
    """Samples of every metric family on ``/metrics``, by family name."""
    text = httpx.get(f"{proxy.base_url}/metrics/", timeout=10, headers={"Authorization": f"Bearer {MASTER_KEY}"}).text
    return {family.name: family.samples for family in prometheus_parser.text_string_to_metric_families(text)}


def routed_counts(samples: list, suffix: str = "_total") -> Counter:
    """Sum of a counter's samples per (profile, tier, model, rule) label tuple (LiteLLM writes "None" when unset)."""
    counts: Counter = Counter()
    for sample in samples:
        if sample.name.endswith(suffix):
            counts[tuple(sample.labels.get(k, "None") for k in LABEL_KEYS)] += sample.value
    return counts


def routed(key: tuple) -> bool:
    return key[0] != "None"


def test_request_metrics_carry_profile_tier_model_and_rule(proxy):
    sent = [
        send(proxy, "smart/auto", HELLO),
        send(proxy, "smart/auto", HELLO + " again"),
        send(proxy, "smart/auto", PROVE),
        send(proxy, "smart/auto", HELLO, headers={"x-smart-router-tier": "COMPLEX"}),
        # a concrete model, with a client trying to set the labels itself
        send(proxy, "mid", HELLO, metadata={"smart_router_tier": "FAKE", "spend_logs_metadata": {"smart_router_rule": "x"}}),
    ]
    assert [r.headers.get("x-smart-router-tier") for r in sent] == ["SIMPLE", "SIMPLE", "REASONING", "COMPLEX", None]
    # the rule label is the one step of each reason header that decided (metrics.rule_of, unit-tested)
    expected = Counter(
        ("smart/auto", r.headers["x-smart-router-tier"], r.headers["x-smart-router-model"], rule_of(r.headers["x-smart-router-reason"]))
        for r in sent[:4]
    )
    assert expected[("smart/auto", "COMPLEX", "mid", "client_override")] == 1
    deadline = time.monotonic() + WAIT_SECONDS
    while True:  # metrics are written by a log callback after the response: poll against a deadline
        families = scrape(proxy)
        requests = routed_counts(families.get(REQUESTS, []))
        labelled = Counter({k: v for k, v in requests.items() if routed(k)})
        if labelled == expected and sum(requests.values()) == len(sent) or time.monotonic() > deadline:
            break
        time.sleep(0.1)  # polling interval of the deadline loop
    assert labelled == expected
    assert requests[("None",) * 4] == 1  # the concrete-model request: the client's own labels were dropped
    assert {k[3] for k in labelled} <= set(RULES)
    spend = routed_counts(families.get(SPEND, []))
    assert {k for k in spend if routed(k)} == set(expected)  # spend is labelled the same way
    assert all(v > 0 for k, v in spend.items() if routed(k))


def test_the_grafana_dashboard_queries_metrics_and_labels_the_proxy_exports(proxy):
    send(proxy, "smart/auto", HELLO)
    dashboard = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    exprs = [t["expr"] for panel in dashboard["panels"] for t in panel["targets"]]
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        exported = {(s.name, label) for samples in scrape(proxy).values() for s in samples for label in s.labels}
        names = {name for name, _ in exported}
        used = {m for e in exprs for m in re.findall(r"\b(litellm_\w+)", e)}
        if used <= names or time.monotonic() > deadline:
            break
        time.sleep(0.1)  # polling interval of the deadline loop
    assert used and used <= names, used - names
    for expr in exprs:
        metrics = re.findall(r"\b(litellm_\w+)", expr)
        labels = {l for group in re.findall(r"by \(([^)]*)\)", expr) for l in group.replace(" ", "").split(",")}
        labels |= set(re.findall(r"(smart_router_\w+)!?=", expr))
        assert labels <= set(LABEL_KEYS) and all((m, l) in exported for m in metrics for l in labels), expr
