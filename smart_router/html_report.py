"""``slr stats --html``: one self-contained HTML file with hand-drawn inline SVG charts.

No script, no stylesheet or font from the network: the file opens offline and can be mailed.
Charts: spend vs baseline per day, traffic share per tier per day, the rules that decided
(``metrics.rule_of`` over the recorded reasons), and a table per requested profile.
"""

from __future__ import annotations

import html
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from . import money
from .metrics import rule_of
from .report import Summary, counts, fill_days, summarize
from .types import Tier
from .types import EMBEDDING_TIER

TIERS = [*Tier.__members__, EMBEDDING_TIER]
COLORS = {
    "cost": "#2b7bb9", "baseline": "#c9ced6", "rule": "#7a5cc2",
    "SIMPLE": "#4caf50", "MEDIUM": "#2b7bb9", "COMPLEX": "#f0a030", "REASONING": "#d0453b", EMBEDDING_TIER: "#8a8f98",
}  # fmt: skip
STYLE = """
body { font: 14px/1.4 system-ui, sans-serif; margin: 24px; color: #222; max-width: 1100px; }
h1 { font-size: 22px; } h2 { font-size: 17px; margin-top: 32px; } h3 { font-size: 15px; }
table { border-collapse: collapse; margin: 8px 0 16px; } th, td { padding: 3px 10px; text-align: right; border-bottom: 1px solid #ddd; }
th:first-child, td:first-child { text-align: left; } .legend span { margin-right: 14px; } .swatch { display: inline-block; width: 10px; height: 10px; margin-right: 4px; }
svg text { font: 11px system-ui, sans-serif; fill: #444; } .note { color: #666; }
"""
WIDTH, HEIGHT, PAD_LEFT, PAD_BOTTOM, PAD_TOP = 900, 260, 70, 70, 10


@dataclass(frozen=True)
class Bar:
    """One segment of a column: its value, series name (colour) and hover text."""

    value: float
    series: str
    title: str


def render(path: Path, since: float | None = None, since_text: str | None = None) -> str:
    """The report of the stats file ``path`` (rows at or after ``since``) as an HTML document."""
    days, total = summarize(path, since, "day")
    days = fill_days(days)
    profiles, _ = summarize(path, since, "profile")
    shares: dict[str, Counter] = {}
    for day, tier, n in counts(path, since, "day", "tier"):
        shares.setdefault(day, Counter())[tier] += n
    rules = Counter()
    for reason, n in counts(path, since, "reason"):
        rules[rule_of(str(reason))] += n
    period = f"since {since_text}" if since_text else "all recorded requests"
    parts = [
        f"<h1>smart-llm-router: savings report</h1><p>{html.escape(str(path))}, {html.escape(period)}; "
        f"generated {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC.</p>",
        _totals(total),
        "<h2>Spend vs baseline per day</h2>",
        _legend(["cost", "baseline"], {"cost": "routed cost", "baseline": "baseline (same tokens on the baseline model)"}),
        _columns("spend", [(d.key, _spend_bars(d)) for d in days], stacked=False, unit="$"),
        "<h2>Traffic share per tier per day</h2>",
        _legend([t for t in TIERS if any(c[t] for c in shares.values())]),
        _columns("share", [(d.key, _share_bars(shares.get(d.key, Counter()))) for d in days], stacked=True, unit="%"),
        "<h2>Rules that decided the tier</h2>",
        _columns("rules", [(rule, [Bar(n, "rule", f"{rule}: {n} requests")]) for rule, n in rules.most_common(10)], stacked=False, unit=""),
        "<h2>Per profile</h2>",
        *(_profile_table(path, since, p) for p in profiles),
    ]
    body = "\n".join(parts)
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>smart-llm-router savings report</title>'
            f"<style>{STYLE}</style></head><body>\n{body}\n</body></html>\n")  # fmt: skip


def write(path: Path, out: Path, since: float | None = None, since_text: str | None = None) -> Path:
    """Render and write the report; returns ``out``."""
    out.write_text(render(path, since, since_text), encoding="utf-8")
    return out


def _spend_bars(day: Summary) -> list[Bar]:
    cost, base = day.priced_cost_usd or 0.0, day.baseline_usd or 0.0
    return [Bar(cost, "cost", f"{day.key}: cost {money.usd(day.priced_cost_usd)}"), Bar(base, "baseline", f"{day.key}: baseline {money.usd(day.baseline_usd)}")]


def _share_bars(tiers: Counter) -> list[Bar]:
    total = sum(tiers.values())
    return [Bar(100 * tiers[t] / total, t, f"{t}: {tiers[t]} of {total} requests") for t in TIERS if tiers[t]] if total else []


def _columns(name: str, columns: list[tuple[str, list[Bar]]], stacked: bool, unit: str) -> str:
    """A column chart: one column (stacked segments) or group (side-by-side bars) per label."""
    if not columns or not any(b.value for _, bars in columns for b in bars):
        return f'<p class="note" data-chart="{name}">no data for this chart</p>'
    top = 100.0 if unit == "%" else max((sum(b.value for b in bars) if stacked else max((b.value for b in bars), default=0)) for _, bars in columns)
    plot_w, plot_h = WIDTH - PAD_LEFT - 10, HEIGHT - PAD_BOTTOM - PAD_TOP
    slot = plot_w / len(columns)
    width = slot * 0.7 / (1 if stacked else max(len(bars) for _, bars in columns) or 1)
    out = [f'<svg data-chart="{name}" xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" role="img">']
    for i in range(5):  # gridlines and axis labels
        y = PAD_TOP + plot_h * (1 - i / 4)
        out.append(f'<line x1="{PAD_LEFT}" x2="{WIDTH - 10}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e3e3e3"/>')
        out.append(f'<text x="{PAD_LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{_axis(top * i / 4, unit)}</text>')
    for index, (label, bars) in enumerate(columns):
        x0 = PAD_LEFT + slot * index + slot * 0.15
        base = 0.0
        for j, bar in enumerate(bars):
            h = plot_h * bar.value / top if top else 0
            x = x0 if stacked else x0 + j * width
            y = PAD_TOP + plot_h - h - (plot_h * base / top if stacked and top else 0)
            out.append(f'<rect class="bar {bar.series}" x="{x:.1f}" y="{y:.1f}" width="{width:.1f}" height="{h:.1f}" '
                       f'fill="{COLORS.get(bar.series, "#888")}"><title>{html.escape(bar.title)}</title></rect>')  # fmt: skip
            base += bar.value if stacked else 0
        lx, ly = PAD_LEFT + slot * (index + 0.5), HEIGHT - PAD_BOTTOM + 14
        out.append(f'<text x="{lx:.1f}" y="{ly}" text-anchor="end" transform="rotate(-35 {lx:.1f} {ly})">{html.escape(label)}</text>')
    out.append("</svg>")
    return "\n".join(out)


def _legend(series: list[str], names: dict[str, str] | None = None) -> str:
    items = "".join(f'<span><i class="swatch" style="background:{COLORS.get(s, "#888")}"></i>{html.escape((names or {}).get(s, s))}</span>' for s in series)
    return f'<p class="legend">{items}</p>'


def _totals(total: Summary) -> str:
    return (f"<p><b>{total.requests}</b> requests ({total.errors} errors, {total.fallbacks} fallbacks); cost "
            f"<b>{money.usd(total.priced_cost_usd)}</b> vs baseline <b>{money.usd(total.baseline_usd)}</b>: <b>{money.pct(total.savings_pct)}</b> saved "
            f"on the {total.requests - total.unknown_price} requests priced both ways ({total.unknown_price} with an unknown price).</p>")  # fmt: skip


def _profile_table(path: Path, since: float | None, profile: Summary) -> str:
    tiers, total = summarize(path, since, "tier", profile=profile.key)
    head = "<tr><th>tier</th><th>requests</th><th>errors</th><th>fallbacks</th><th>tokens in/out</th><th>cost</th><th>baseline</th><th>saved</th><th>unknown price</th></tr>"
    rows = "".join(
        f"<tr><td>{html.escape(s.key)}</td><td>{s.requests}</td><td>{s.errors}</td><td>{s.fallbacks}</td>"
        f"<td>{s.prompt_tokens}/{s.completion_tokens}</td><td>{money.usd(s.priced_cost_usd)}</td><td>{money.usd(s.baseline_usd)}</td>"
        f"<td>{money.pct(s.savings_pct)}</td><td>{s.unknown_price}</td></tr>"
        for s in [*tiers, total]
    )  # fmt: skip
    return f'<h3>{html.escape(profile.key)}</h3><table data-profile="{html.escape(profile.key)}">{head}{rows}</table>'


def _axis(value: float, unit: str) -> str:
    if unit == "$":
        return f"${value:.2g}" if value else "$0"
    return f"{value:.0f}{unit}"
