"""``slr stats --html`` (structure; the browser test renders it) and the ``--by day`` sparklines."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from smart_router import report
from smart_router.cli import main
from smart_router.html_report import render

from .stats_samples import DAYS, KINDS, fill


class Elements(HTMLParser):
    """Counts rects per chart and collects attributes that could load something."""

    def __init__(self) -> None:
        super().__init__()
        self.chart: str | None = None
        self.rects: dict[str, int] = {}
        self.tables: list[str] = []
        self.loads: list[str] = []
        self.tags: set[str] = set()

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        self.tags.add(tag)
        self.loads += [v for k, v in attrs if k in ("src", "href", "xlink:href") and v]
        if tag == "svg":
            self.chart = values.get("data-chart")
        elif tag == "rect" and self.chart:
            self.rects[self.chart] = self.rects.get(self.chart, 0) + 1
        elif tag == "table":
            self.tables.append(values.get("data-profile", ""))

    def handle_endtag(self, tag):
        if tag == "svg":
            self.chart = None


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path = tmp_path_factory.mktemp("report") / "stats.db"
    fill(path)
    return path


def test_the_report_is_one_self_contained_file_with_three_charts_and_a_table_per_profile(db):
    page = render(db)
    parsed = Elements()
    parsed.feed(page)
    assert not parsed.loads and not {"script", "link", "img", "iframe"} & parsed.tags
    assert "url(" not in page and "@import" not in page
    span = DAYS[-1] - DAYS[0] + 1
    assert parsed.rects["spend"] == 2 * span  # cost and baseline per calendar day, quiet days included
    assert parsed.rects["share"] == sum(len({t for _, t, *_ in KINDS}) for _ in DAYS)  # one segment per (day, tier)
    assert parsed.rects["rules"] == 6  # score, session, client_override, rule, background, escalation
    assert parsed.tables == ["smart/auto", "smart/eco"]
    assert re.search(r"<b>\d+</b> requests \(1 errors", page)


def test_shares_add_up_to_the_full_column(db):
    page = render(db)
    column = re.findall(r'<rect class="bar (\w+)" x="([\d.]+)" y="[\d.]+" width="[\d.]+" height="([\d.]+)"', page.split('data-chart="share"')[1].split("</svg>")[0])
    heights: dict[str, float] = {}
    for _, x, h in column:
        heights[x] = heights.get(x, 0) + float(h)
    assert len(heights) == len(DAYS) and all(h == pytest.approx(180, abs=0.5) for h in heights.values())


def test_slr_stats_html_and_since(db, tmp_path, capsys):
    out = tmp_path / "report.html"
    assert main(["stats", "--db", str(db), "--html", str(out), "--since", "2026-11-10"]) == 0
    assert f"wrote {out}" in capsys.readouterr().out
    parsed = Elements()
    parsed.feed(out.read_text(encoding="utf-8"))
    assert parsed.rects["spend"] == 2 * 5  # 10 to 14 November (day 9 of the samples on)


def test_by_day_prints_sparklines_with_one_mark_per_calendar_day(db, capsys):
    assert main(["stats", "--db", str(db), "--by", "day", "--since", "2026-10-01"]) == 0
    lines = {line.split()[0]: line for line in capsys.readouterr().out.splitlines() if line[:9].strip() in ("requests", "cost", "baseline")}
    marks = lines["requests"][10:].split("  ")[0]
    assert len(marks) == DAYS[-1] - DAYS[0] + 1 and set(marks) <= set(report.SPARKS)
    assert marks[3] == "▁"  # 4 November: no request
    assert report.sparkline([1.0, None, 3.0, 2.0]) == "▁ █▅"
    assert report.sparkline([2.0, 2.0]) == "▁▁"
