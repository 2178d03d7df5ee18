"""Issue 16 (Hardening II) end to end: each item through a real proxy (custom auth keys from
``hardening_keys.py``, the fake upstream counting every attempt, the stats file and LiteLLM's
spend-log payload inspected). Items a proxy cannot express are tested on the hook directly
(``tests/unit``: per-owner session limits, config strictness). Expected tiers come from the
bundled scoring table (fixture ``scored``), so these tests check rules, not weights.
"""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import time
import uuid
from pathlib import Path

import httpx
import pytest

from smart_router.types import Tier

from .launcher import start_litellm, upstream_model

MASTER = "sk-h-master"
TIERS = {"SIMPLE": "cheap", "MEDIUM": "mid", "COMPLEX": "strong", "REASONING": "thinker"}
SIMPLE = "hello, how are you?"
HARD = "Design a high-availability microservices architecture with Kubernetes, Kafka and PostgreSQL replication."
PROOF = "Prove by induction, step by step, that 2^n > n for every natural number n."
FORGED = "x\nINFO smart_router FORGED line"
WAIT_S = 30.0


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("hardening")


@pytest.fixture(scope="module")
def stats_db(folder) -> Path:
    return folder / "private" / "stats" / "stats.db"  # folders the proxy creates


def _config(upstream, stats_path: Path) -> dict:
    return {
        "model_list": [upstream_model(n, upstream.url) for n in ("cheap", "mid", "strong", "thinker", "eco-model", "embedder")],
        "litellm_settings": {"callbacks": ["smart_router.hook.proxy_handler", "tests.proxy.money_helpers.probe"], "num_retries": 0},
        "general_settings": {"master_key": MASTER, "custom_auth": "tests.proxy.hardening_keys.user_api_key_auth"},
        "smart_router": {
            "stats": {"path": str(stats_path)},
            "budget": {"eco_profile": None},
            "profiles": {
                "auto": {"tiers": {
                    "SIMPLE": {"model": "cheap", "fallbacks": ["mid"]},
                    "MEDIUM": "mid",
                    "COMPLEX": "strong",
                    "REASONING": {"model": "thinker", "fallbacks": ["strong"]},
                }, "embedding_model": "embedder"},
                "eco": {"tiers": {t: "eco-model" for t in TIERS}},
                "premium": {"tiers": {"SIMPLE": "strong", "MEDIUM": "strong", "COMPLEX": "thinker", "REASONING": "thinker"}},
                "agentic": {"tiers": {"SIMPLE": "mid", "MEDIUM": "mid", "COMPLEX": "strong", "REASONING": "thinker"}},
            },
        },
    }  # fmt: skip


@pytest.fixture(scope="module")
def proxy(upstream, folder, stats_db):
    site = folder / "site"  # every logger at INFO into the proxy log, as an operator who turns logging on sees it
    site.mkdir()
    (site / "sitecustomize.py").write_text(
        "import logging\nlogging.basicConfig(level=logging.INFO, format='%(levelname)s %(name)s %(message)s')\n"
    )
    repo = str(Path(__file__).resolve().parents[2])
    env = {"SPEND_PROBE_FILE": str(folder / "spend.jsonl"), "LITELLM_LOG": "INFO", "PYTHONPATH": os.pathsep.join([str(site), repo])}
    server = start_litellm(_config(upstream, stats_db), env=env)
    yield server
    server.stop()


def post(proxy, body: dict, key: str = MASTER, path: str = "/v1/chat/completions", headers: dict | None = None,
         timeout: float = 60) -> httpx.Response:  # fmt: skip
    return httpx.post(f"{proxy.base_url}{path}", json=body, timeout=timeout,
                      headers={"Authorization": f"Bearer {key}", **(headers or {})})  # fmt: skip


def chat(proxy, content, key: str = MASTER, model: str = "smart/auto", headers: dict | None = None, **extra) -> httpx.Response:
    messages = content if isinstance(content, list) else [{"role": "user", "content": content}]
    return post(proxy, {"model": model, "messages": messages, **extra}, key, headers=headers)


def unique(text: str) -> str:
    return f"{text} #{uuid.uuid4().hex[:8]}"


def poll(read, done, seconds: float = WAIT_S):
    """``read()`` until ``done(value)`` or the deadline (the stats writer and spend logs are asynchronous)."""
    deadline = time.monotonic() + seconds
    while True:
        value = read()
        if done(value) or time.monotonic() > deadline:
            return value
        time.sleep(0.2)  # polling interval against the deadline above


# ---------------------------------------------------------------- 1. client fallbacks


def test_client_fallbacks_outside_the_key_are_dropped_with_a_reason(proxy, upstream):
    ok = chat(proxy, unique(SIMPLE), key="sk-h-cheap", fallbacks=["thinker"])
    assert ok.status_code == 200, ok.text
    assert "client fallbacks: dropped 1" in ok.headers["x-smart-router-reason"]
    upstream.clear()
    upstream.faults["cheap"] = 500  # the cheap model fails: LiteLLM must not walk to the dear one
    failed = chat(proxy, unique(SIMPLE), key="sk-h-cheap", fallbacks=["thinker"])
    assert failed.status_code >= 500
    assert upstream.models() == ["cheap"]


def test_client_fallbacks_are_not_used_near_a_budget(proxy, upstream):
    ok = chat(proxy, unique(SIMPLE), key="sk-h-spent", fallbacks=[{"smart/auto": ["thinker"]}])
    assert ok.status_code == 200, ok.text
    assert "client fallbacks: dropped 1 (near a budget)" in ok.headers["x-smart-router-reason"]
    upstream.clear()
    upstream.faults.update({"cheap": 500, "mid": 500})
    assert chat(proxy, unique(SIMPLE), key="sk-h-spent", fallbacks=["thinker"]).status_code >= 500
    assert "thinker" not in upstream.models() and upstream.models()[0] == "cheap"


def test_allowed_client_fallbacks_still_work(proxy, upstream):
    upstream.faults.update({"cheap": 500, "mid": 500})
    response = chat(proxy, unique(SIMPLE), fallbacks=["strong"])
    assert response.status_code == 200, response.text
    assert upstream.models() == ["cheap", "mid", "strong"]  # the route's own fallback first, then the client's


# ---------------------------------------------------------------- 2. a profile grant is that profile


@pytest.mark.parametrize("extra, headers", [
    ({}, {"x-smart-router-profile": "smart/premium", "x-smart-router-tier": "REASONING"}),
    ({"tools": [{"type": "function", "function": {"name": "f", "parameters": {"type": "object", "properties": {}}}}]}, {}),
])  # fmt: skip
def test_a_profile_grant_reaches_only_that_profiles_models(proxy, upstream, extra, headers):
    response = chat(proxy, unique(PROOF), key="sk-h-eco", model="smart/eco", headers=headers, **extra)
    assert response.status_code == 200, response.text
    assert upstream.models() == ["eco-model"]
    assert "not allowed for this key: staying in smart/eco" in response.headers["x-smart-router-reason"]


# ---------------------------------------------------------------- 3. overrides off: the scorer alone


def test_overrides_disabled_stop_escalation_phrases_and_regenerations(proxy, upstream, scored):
    text = unique("what is the capital of France? ultrathink")
    base = scored(text)
    assert base < Tier.REASONING
    session = {"x-session-id": uuid.uuid4().hex}
    first = chat(proxy, text, key="sk-h-no-overrides", headers={**session, "x-smart-router-max-tier": "SIMPLE"})
    again = chat(proxy, text, key="sk-h-no-overrides", headers=session)  # a regeneration
    tiers = [r.headers["x-smart-router-tier"] for r in (first, again)]
    assert tiers == [base.name, base.name]
    assert "escalation" not in first.headers["x-smart-router-reason"] and "retry" not in again.headers["x-smart-router-reason"]
    assert "overrides disabled for this key" in first.headers["x-smart-router-reason"]
    assert upstream.models() == [TIERS[base.name]] * 2
    upstream.clear()
    raised = chat(proxy, unique("what is the capital of France? ultrathink"))  # the same phrase on a key with overrides
    assert raised.headers["x-smart-router-tier"] == Tier(base + 1).name


# ---------------------------------------------------------------- 4. skipped models are counted, not named


def test_reasons_and_403s_count_skipped_models_never_name_them(proxy, upstream):
    routed = chat(proxy, unique(PROOF), key="sk-h-cheap")
    assert routed.status_code == 200 and upstream.models() == ["cheap"]
    reason = routed.headers["x-smart-router-reason"]
    assert "skipped" in reason and "not allowed for this key" in reason
    assert not any(name in reason for name in ("thinker", "strong", "mid"))
    denied = chat(proxy, unique(PROOF), key="sk-h-embed")
    assert denied.status_code == 403
    message = denied.json()["error"]["message"]
    assert "any of the 4 models" in message and not any(n in message for n in ("cheap", "mid", "strong", "thinker"))


# ---------------------------------------------------------------- 5-7. honest accounting


def _rows(db: Path, call_id: str) -> list[tuple]:
    if not db.exists():
        return []
    with sqlite3.connect(db) as conn:
        return list(conn.execute("SELECT status, model, requested FROM requests WHERE call_id = ? ORDER BY model", (call_id,)))


def test_a_forged_call_id_never_overwrites_another_requests_row(proxy, upstream, stats_db):
    call_id = f"forged-{uuid.uuid4().hex}"
    victim = chat(proxy, unique(PROOF), key=MASTER, headers={"x-litellm-call-id": call_id})
    attacker = chat(proxy, unique(SIMPLE), key="sk-h-other", headers={"x-litellm-call-id": call_id})
    assert victim.status_code == attacker.status_code == 200
    assert victim.headers["x-litellm-call-id"] == attacker.headers["x-litellm-call-id"] == call_id  # LiteLLM takes it
    rows = poll(lambda: _rows(stats_db, call_id), lambda r: len(r) >= 2)
    assert rows == [("ok", "cheap", "smart/auto"), ("ok", "thinker", "smart/auto")]


def test_client_smart_router_spend_logs_metadata_is_dropped_on_concrete_models(proxy, upstream, folder):
    forged = {"spend_logs_metadata": {"smart_router": {"cost": 0, "baseline_cost": 1000}, "team_tag": "kept"}}
    response = post(proxy, {"model": "cheap", "messages": [{"role": "user", "content": unique(SIMPLE)}], "metadata": forged})
    assert response.status_code == 200, response.text
    call_id = response.headers["x-litellm-call-id"]
    probe = folder / "spend.jsonl"

    def logged():
        lines = probe.read_text().splitlines() if probe.exists() else []
        return next((json.loads(x)["spend_logs_metadata"] for x in lines if json.loads(x)["call_id"] == call_id), None)

    spend = poll(logged, lambda found: found is not None)
    assert spend is not None and spend.get("team_tag") == "kept"  # the client's own metadata still reaches spend logs
    assert "smart_router" not in spend


def test_stats_files_are_private(proxy, upstream, stats_db):
    response = chat(proxy, unique(SIMPLE))
    assert response.status_code == 200
    poll(lambda: _rows(stats_db, response.headers["x-litellm-call-id"]), bool)
    assert stat.S_IMODE(stats_db.stat().st_mode) == 0o600
    assert stat.S_IMODE(stats_db.parent.stat().st_mode) == stat.S_IMODE(stats_db.parent.parent.stat().st_mode) == 0o700
    for extra in stats_db.parent.glob("stats.db-*"):
        assert stat.S_IMODE(extra.stat().st_mode) == 0o600, extra


# ---------------------------------------------------------------- 8. nothing waits on the loop


def test_a_stats_file_locked_by_another_process_stalls_nothing(upstream, tmp_path):
    db = tmp_path / "locked.db"
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("CREATE TABLE t (x)")
    holder.execute("BEGIN EXCLUSIVE")  # this test process holds the file; the proxy is another process
    server = start_litellm(_config(upstream, db))
    try:
        for _ in range(3):  # each success is logged (and its row queued) right after its answer
            assert chat(server, unique(SIMPLE), timeout=8).status_code == 200
            assert post(server, {"model": "mid", "messages": [{"role": "user", "content": "hi"}]}, timeout=8).status_code == 200
            assert httpx.get(f"{server.base_url}/health/liveliness", timeout=5).status_code == 200
    finally:
        holder.execute("ROLLBACK")
        holder.close()
        server.stop()


# ---------------------------------------------------------------- 9-10. sessions


def test_hash_sessions_never_merge_conversations_with_the_same_opening(proxy, upstream, scored):
    opening = [{"role": "system", "content": f"You are the shop assistant #{uuid.uuid4().hex[:6]}"},
               {"role": "user", "content": "Hi!"}, {"role": "assistant", "content": "Hello, how can I help?"}]  # fmt: skip
    high, low = scored(HARD), scored("opening hours?")
    assert low < high
    hard = chat(proxy, [*opening, {"role": "user", "content": HARD}])
    other = chat(proxy, [*opening, {"role": "user", "content": "opening hours?"}])  # another user, same app
    assert (hard.headers["x-smart-router-tier"], other.headers["x-smart-router-tier"]) == (high.name, low.name)
    follow_up = [*opening, {"role": "user", "content": HARD}, {"role": "assistant", "content": "answered"},
                 {"role": "user", "content": "thanks"}]  # fmt: skip
    kept = chat(proxy, follow_up)  # the first conversation itself keeps its tier
    assert kept.headers["x-smart-router-tier"] == high.name and "session: kept" in kept.headers["x-smart-router-reason"]


def test_requests_without_an_owner_get_no_session(proxy, upstream, scored):
    assert scored("thanks") < scored(HARD)
    session = {"x-session-id": uuid.uuid4().hex}
    chat(proxy, HARD, key="sk-h-anon", headers=session)
    later = chat(proxy, "thanks", key="sk-h-anon", headers=session)
    assert later.status_code == 200
    assert later.headers["x-smart-router-tier"] == scored("thanks").name
    assert "session" not in later.headers["x-smart-router-reason"]


# ---------------------------------------------------------------- 11. bad input costs one 400


@pytest.mark.parametrize("path, body, named", [
    ("/v1/chat/completions", {"messages": [5]}, "messages[0]"),
    ("/v1/chat/completions", {"messages": [{"role": "user", "content": [{"type": "bogus", "text": "x"}]}]}, "unknown content part"),
    ("/v1/chat/completions", {"messages": [{"role": "user", "content": "hi"}], "tools": "yes"}, "tools"),
    ("/v1/responses", {"input": 5}, "input"),
])  # fmt: skip
def test_unreadable_bodies_are_a_fast_400_naming_the_problem(proxy, upstream, path, body, named):
    response = post(proxy, {"model": "smart/auto", **body}, path=path, timeout=10)
    assert response.status_code == 400, response.text
    assert named in response.text
    assert upstream.models() == []


def test_a_client_error_upstream_is_not_sent_to_fallbacks(proxy, upstream):
    upstream.faults["cheap"] = 400
    assert chat(proxy, unique(SIMPLE), model="cheap").status_code == 400
    concrete = len(upstream.models())
    upstream.clear()
    upstream.faults["cheap"] = 400
    routed = chat(proxy, unique(SIMPLE))  # routed to cheap, whose fallback is mid
    assert routed.status_code == 400, routed.text
    assert upstream.models() == ["cheap"] and concrete == 1
    upstream.clear()
    upstream.faults["cheap"] = 500  # a provider error still falls back
    assert chat(proxy, unique(SIMPLE)).status_code == 200
    assert upstream.models() == ["cheap", "mid"]


# ---------------------------------------------------------------- 12. log injection


def test_control_characters_from_clients_are_escaped_in_logs_headers_and_stats(proxy, upstream, stats_db):
    call = {"id": "c1", "type": "function", "function": {"name": FORGED, "arguments": "{}"}}
    stuck = [{"role": "assistant", "content": None, "tool_calls": [call]}, {"role": "tool", "tool_call_id": "c1", "content": "same"}]
    messages = [{"role": "user", "content": unique("run the tool")}, *stuck * 3]
    tools = [{"type": "function", "function": {"name": FORGED, "parameters": {"type": "object", "properties": {}}}}]
    response = chat(proxy, messages, tools=tools)
    assert response.status_code == 200, response.text
    reason = response.headers["x-smart-router-reason"]
    assert "stall: x\\nINFO smart_router FORGED" in reason
    rows = poll(lambda: _reasons(stats_db, response.headers["x-litellm-call-id"]), bool)
    assert rows and "\n" not in rows[0] and "x\\nINFO" in rows[0]
    log = proxy.tail(100_000).splitlines()
    assert any("smart_router FORGED" in line for line in log)  # the routing line was logged ...
    assert not any(line.startswith("INFO smart_router FORGED") for line in log)  # ... on one line


def _reasons(db: Path, call_id: str) -> list[str]:
    with sqlite3.connect(db) as conn:
        return [r[0] for r in conn.execute("SELECT reason FROM requests WHERE call_id = ?", (call_id,))]


# ---------------------------------------------------------------- 13. embeddings


@pytest.mark.parametrize("metadata", [None, "a string", [1, 2]])
def test_embeddings_with_metadata_that_is_not_an_object(proxy, upstream, metadata):
    """A guard, not the proof: LiteLLM rejects a string or list itself and hands the hook null
    as an object, so the non-object cases are tested on the hook (``tests/unit/test_hook.py``)."""
    response = post(proxy, {"model": "smart/auto", "input": "hello", "metadata": metadata}, path="/v1/embeddings")
    concrete = post(proxy, {"model": "embedder", "input": "hello", "metadata": metadata}, path="/v1/embeddings")
    assert response.status_code == concrete.status_code, (response.text, concrete.text)
    assert response.status_code < 500, response.text
