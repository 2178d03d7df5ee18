"""Reports over the stats file: totals by profile, tier, model or day, as a table, bars or CSV.

Read-only: ``slr stats`` opens the SQLite file the proxy writes (``smart_router.store``) as
it is, never migrating or writing it (the proxy, maybe an older release, may be writing it,
and the reader may not own it): every schema version has the columns read here, and a file of
a newer release is refused (``store.NewerSchemaError``).
Savings compare only requests whose actual and baseline prices are both known; the others
are counted as "unknown price", never as 0 or 100% savings.
"""

from __future__ import annotations

import csv
import io
import re
import time
from dataclasses import dataclass, fields, replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from . import money
from .errors import BadRequest
from .store import open_for_reading
from .types import EMBEDDING_TIER, Tier

GROUPINGS = {"profile": "requested", "tier": "tier", "model": "served", "day": "date(ts, 'unixepoch')"}


@dataclass(frozen=True)
class Summary:
    """Totals of one group of rows. ``savings_*`` compare only rows whose both prices are known."""

    key: str
    requests: int
    errors: int
    fallbacks: int
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float | None  # every request with a known price
    unknown_price: int  # requests whose actual or baseline price is unknown
    estimated: int  # requests LiteLLM logged without a price, priced here from the price list
    priced_cost_usd: float | None  # the requests with both prices known ...
    baseline_usd: float | None  # ... and what the baseline model would have cost for them

    @property
    def savings_usd(self) -> float | None:
        if self.baseline_usd is None or self.priced_cost_usd is None:
            return None
        return self.baseline_usd - self.priced_cost_usd

    @property
    def savings_pct(self) -> float | None:
        return money.savings_pct(self.priced_cost_usd, self.baseline_usd)

    def to_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)} | {
            "savings_usd": self.savings_usd,
            "savings_pct": None if self.savings_pct is None else round(self.savings_pct, 2),
        }


COUNTED = "requests: answered requests only; errors: requests that failed on every model (not in requests, tokens or costs)"
_PRICED = "status = 'ok' AND cost IS NOT NULL AND baseline_cost IS NOT NULL"
_AGGREGATES = f"""
    COALESCE(SUM(status = 'ok'), 0), COALESCE(SUM(status = 'error'), 0),
    COALESCE(SUM(status = 'ok' AND served IS NOT NULL AND served != model), 0),
    COALESCE(SUM(CASE WHEN status = 'ok' THEN prompt_tokens END), 0),
    COALESCE(SUM(CASE WHEN status = 'ok' THEN completion_tokens END), 0),
    SUM(CASE WHEN status = 'ok' THEN cost END),
    COALESCE(SUM(status = 'ok' AND NOT ({_PRICED})), 0), COALESCE(SUM(status = 'ok' AND cost_source = 'price list'), 0),
    SUM(CASE WHEN {_PRICED} THEN cost END), SUM(CASE WHEN {_PRICED} THEN baseline_cost END)
"""


def summarize(
    path: Path, since: float | None = None, by: str = "tier", profile: str | None = None
) -> tuple[list[Summary], Summary]:
    """Groups (``by`` profile, tier, model or day) and the total, of rows at or after ``since``
    (and of one requested ``profile``, e.g. ``smart/auto``, if given)."""
    if by not in GROUPINGS:
        raise BadRequest(f"unknown grouping {by!r}; valid: {', '.join(GROUPINGS)}")
    conn = open_for_reading(path)
    try:
        where, args = _where(since, profile)
        key = GROUPINGS[by]
        grouped = conn.execute(f"SELECT COALESCE({key}, '?'), {_AGGREGATES} FROM requests {where} GROUP BY 1", args).fetchall()
        total = conn.execute(f"SELECT 'total', {_AGGREGATES} FROM requests {where}", args).fetchone()
    finally:
        conn.close()
    groups = [Summary(*r) for r in grouped]
    return sorted(groups, key=_order(by)), Summary(*total)


def counts(path: Path, since: float | None, *keys: str) -> list[tuple[Any, ...]]:
    """Requests (ok and error) per combination of ``keys`` (a grouping, or ``reason``): ``(*values, n)`` rows."""
    columns = [GROUPINGS.get(k) or {"reason": "reason"}[k] for k in keys]
    conn = open_for_reading(path)
    try:
        where, args = _where(since)
        select = ", ".join(f"COALESCE({c}, '?')" for c in columns)
        return conn.execute(f"SELECT {select}, COUNT(*) FROM requests {where} GROUP BY {', '.join(map(str, range(1, len(keys) + 1)))}", args).fetchall()
    finally:
        conn.close()


def _where(since: float | None, profile: str | None = None) -> tuple[str, tuple[Any, ...]]:
    tests = [("ts >= ?", since), ("requested = ?", profile)]
    used = [(sql, value) for sql, value in tests if value is not None]
    return ("WHERE " + " AND ".join(sql for sql, _ in used) if used else ""), tuple(v for _, v in used)


def _order(by: str):
    if by == "tier":
        ranks = {name: i for i, name in enumerate([*Tier.__members__, EMBEDDING_TIER])}
        return lambda s: (ranks.get(s.key, len(ranks)), s.key)
    if by == "day":
        return lambda s: s.key
    return lambda s: (-(s.cost_usd or 0), s.key)


SINCE = re.compile(r"^(\d+(?:\.\d+)?)([smhdw])$")
UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_since(text: str, now: float | None = None) -> float:
    """``7d``, ``12h``, ``30m``, ``2w`` before now, or a date ``2026-11-01`` (UTC); epoch seconds."""
    match = SINCE.match(text.strip())
    if match:
        return (time.time() if now is None else now) - float(match.group(1)) * UNIT_SECONDS[match.group(2)]
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise BadRequest(f"--since {text!r}: expected e.g. 7d, 12h, 30m, 2w or a date like 2026-11-01") from None
    return (moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)).timestamp()


def to_csv(groups: list[Summary], total: Summary) -> str:
    """Groups and total as CSV with a header."""
    out = io.StringIO()
    rows = [s.to_dict() for s in [*groups, total]]
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def format_table(groups: list[Summary], total: Summary, by: str) -> str:
    """A terminal table of the groups and the total."""
    header = f"{by:20} {'requests':>8} {'errors':>6} {'fallback':>8} {'tokens in/out':>15} {'cost':>11} {'baseline':>11} {'saved':>7} {'unknown price':>13}"
    lines = [header, "-" * len(header)]
    for s in [*groups, total]:
        if s is total:
            lines.append("-" * len(header))
        tokens = f"{s.prompt_tokens}/{s.completion_tokens}"
        lines.append(
            f"{s.key[:20]:20} {s.requests:>8} {s.errors:>6} {s.fallbacks:>8} {tokens:>15} {money.usd(s.cost_usd):>11} "
            f"{money.usd(s.baseline_usd) if s.baseline_usd is not None else '-':>11} {money.pct(s.savings_pct):>7} {s.unknown_price:>13}"
        )  # fmt: skip
    lines.append(COUNTED)
    if total.estimated:
        lines.append(f"{total.estimated} of the costs are list prices: LiteLLM logged no price for those requests")
    return "\n".join(lines)


def format_bars(tiers: list[Summary], width: int = 40) -> str:
    """Per tier: actual cost (#) against the baseline's cost (.) for the requests priced both ways."""
    scale = max([s.baseline_usd or 0 for s in tiers] + [s.priced_cost_usd or 0 for s in tiers] + [0])
    lines = ["cost per tier: # routed, . baseline (requests with both prices known)"]
    for s in tiers:
        if s.baseline_usd is None or s.priced_cost_usd is None or not scale:
            lines.append(f"{s.key:10} price unknown ({s.unknown_price} requests)")
            continue
        used, base = round(width * s.priced_cost_usd / scale), round(width * s.baseline_usd / scale)
        bar = "#" * used + "." * max(0, base - used)
        verdict = "-" if s.savings_pct is None else f"{money.pct(abs(s.savings_pct))} {'saved' if s.savings_pct >= 0 else 'dearer'}"
        lines.append(f"{s.key:10} {bar:{width}} {money.usd(s.priced_cost_usd)} vs {money.usd(s.baseline_usd)}  {verdict}")
    return "\n".join(lines)


SPARKS = "▁▂▃▄▅▆▇█"


def sparkline(values: list[float | None]) -> str:
    """One character per value, ``▁`` (lowest) to ``█`` (highest); a gap for unknown values."""
    known = [v for v in values if v is not None]
    low, high = (min(known), max(known)) if known else (0.0, 0.0)
    span = high - low
    return "".join(" " if v is None else SPARKS[round((v - low) / span * (len(SPARKS) - 1)) if span else 0] for v in values)


def fill_days(days: list[Summary]) -> list[Summary]:
    """Per-day summaries with the days that had no request in between, as zero rows."""
    if not days:
        return []
    known = {s.key: s for s in days}
    first, last = (datetime.fromisoformat(days[0].key), datetime.fromisoformat(days[-1].key))
    empty = Summary("", 0, 0, 0, 0, 0, None, 0, 0, None, None)
    return [known.get(day, replace(empty, key=day)) for day in (
        (first + timedelta(days=i)).date().isoformat() for i in range((last - first).days + 1))]  # fmt: skip


def format_sparklines(days: list[Summary]) -> str:
    """Per-day trends as sparklines: requests, routed cost, baseline cost, savings %."""
    filled = fill_days(days)
    if not filled:
        return "no requests in this period"
    rows = [
        ("requests", [float(s.requests) for s in filled], f"{sum(s.requests for s in filled)} total"),
        ("cost", [s.priced_cost_usd for s in filled], money.usd(sum(s.priced_cost_usd or 0 for s in filled))),
        ("baseline", [s.baseline_usd for s in filled], money.usd(sum(s.baseline_usd or 0 for s in filled))),
        ("saved %", [s.savings_pct for s in filled], "per day, blank: no priced request"),
    ]
    lines = [f"per day, {filled[0].key} .. {filled[-1].key} (low ▁ .. █ high)"]
    lines += [f"{name:9} {sparkline(values)}  {note}" for name, values, note in rows]
    return "\n".join(lines)

