"""A stats file with a fortnight of routed requests, for the report tests (unit and browser)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

from smart_router import store

START = datetime(2026, 11, 1, 12, tzinfo=timezone.utc)
DAYS = [0, 1, 2, 4, 5, 6, 9, 10, 12, 13]  # 14 days with four of them quiet
# (requested, tier, model, reason, cost, baseline) of one request
KINDS = [
    ("smart/auto", "SIMPLE", "cheap", "score -0.300 -> SIMPLE", 0.0001, 0.002),
    ("smart/auto", "MEDIUM", "mid", "score +0.010 -> MEDIUM; session: kept MEDIUM", 0.0005, 0.002),
    ("smart/auto", "COMPLEX", "strong", "score +0.200 -> COMPLEX; override: tier=COMPLEX", 0.0015, 0.002),
    ("smart/auto", "REASONING", "thinker", "score +0.400 -> REASONING; rule: reasoning markers", 0.002, 0.002),
    ("smart/eco", "SIMPLE", "cheap", "score -0.300 -> SIMPLE; background: max_tokens 1", 0.0001, 0.001),
    ("smart/eco", "MEDIUM", "nopri", "score +0.010 -> MEDIUM; escalation: think harder", None, 0.001),
]


def make_row(call_id, tier="SIMPLE", status="ok", cost=1e-6, baseline=1e-5, ts=None, served="cheap", model="cheap",
             source="litellm") -> store.Row:
    """One smart/auto row, its id the call id."""
    return store.Row(call_id, call_id, ts if ts is not None else 1_800_000_000.0, status, "smart/auto", "auto", tier, 0.1, model, served,
                     5, 4, cost, source if cost is not None else None, "top", baseline, "test")  # fmt: skip


def fill(path: Path) -> int:
    """Write the sample rows (one error among them); returns how many."""
    rows = []
    for d, day in enumerate(DAYS):
        for k, (requested, tier, model, reason, cost, baseline) in enumerate(KINDS):
            for n in range(1 + (d + k) % 3):
                ts = (START + timedelta(days=day, minutes=10 * k + n)).timestamp()
                status = "error" if (d, k, n) == (3, 1, 0) else "ok"
                rows.append(store.Row(
                    id=f"row-{day}-{k}-{n}", call_id=f"{day}-{k}-{n}", ts=ts, status=status, requested=requested, profile=requested[6:],
                    tier=tier, score=0.0, model=model, served=model, prompt_tokens=10, completion_tokens=20,
                    cost=cost if status == "ok" else None, cost_source="litellm" if cost is not None else None,
                    baseline_model="thinker", baseline_cost=baseline if status == "ok" else None, reason=reason,
                ))  # fmt: skip
    conn = store.connect(path)
    store.write(conn, rows)
    conn.close()
    return len(rows)
