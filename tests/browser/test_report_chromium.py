"""``slr stats --html`` in a real headless Chromium (the OS package; ``.ci/run`` installs it).

The report is opened from disk with no network, a screenshot is taken into the test run's
temporary folder, and the test asserts the rendered DOM holds the charts' elements, the
screenshot shows the charts' colours (non-blank pixels), and the page logged nothing to the
console. A control page that does log an error proves the console check can fail.
"""

from __future__ import annotations

import shutil
import struct
import subprocess
import zlib
from collections import Counter
from pathlib import Path

import pytest

from smart_router.cli import main
from smart_router.html_report import COLORS

from ..unit.stats_samples import DAYS, fill
from ..unit.test_html_report import Elements

BROWSERS = ("chromium-headless-shell", "chromium", "chromium-browser")
WINDOW = (1000, 2200)
TIMEOUT = 120


@pytest.fixture(scope="module")
def chromium() -> str:
    found = next((path for name in BROWSERS if (path := shutil.which(name))), None)
    if not found:
        pytest.skip("no headless Chromium (apt-get install chromium-headless-shell); .ci/run installs it")
    return found


def browse(chromium: str, page: Path, *mode: str) -> subprocess.CompletedProcess:
    """Load ``page`` in a fresh headless Chromium with network off; console messages go to stderr."""
    command = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
               f"--window-size={WINDOW[0]},{WINDOW[1]}", "--enable-logging=stderr", "--v=0",
               "--proxy-server=127.0.0.1:9", "--proxy-bypass-list=<-loopback>",  # any network fetch would fail
               f"--user-data-dir={page.parent / 'profile'}", *mode, page.as_uri()]  # fmt: skip
    return subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT, check=True)


def console(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if ":CONSOLE" in line]


def pixels(png: Path) -> tuple[int, int, list[tuple[int, int, int]]]:
    """Width, height and RGB pixels of an 8-bit RGB/RGBA, non-interlaced PNG (what Chromium writes)."""
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, chunks, header = 8, [], None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        body = data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            chunks.append(body)
        pos += 12 + length
    width, height, depth, color, _, _, interlace = header
    assert depth == 8 and color in (2, 6) and not interlace, header
    step = 4 if color == 6 else 3
    raw, stride, rows, prior = zlib.decompress(b"".join(chunks)), width * step, [], bytearray(width * step)
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for i in range(stride):
            left = line[i - step] if i >= step else 0
            up, corner = prior[i], prior[i - step] if i >= step else 0
            if kind == 1:
                line[i] = (line[i] + left) & 255
            elif kind == 2:
                line[i] = (line[i] + up) & 255
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 255
            elif kind == 4:
                p = left + up - corner
                best = min((abs(p - left), 0, left), (abs(p - up), 1, up), (abs(p - corner), 2, corner))[2]
                line[i] = (line[i] + best) & 255
        rows.append(line)
        prior = line
    return width, height, [tuple(row[i : i + 3]) for row in rows for i in range(0, stride, step)]


def rgb(color: str) -> tuple[int, int, int]:
    return tuple(int(color[i : i + 2], 16) for i in (1, 3, 5))


def test_the_html_report_renders_its_charts_in_chromium(chromium, tmp_path_factory):
    folder = tmp_path_factory.mktemp("chromium-report")
    db = folder / "stats.db"
    fill(db)
    report = folder / "report.html"
    assert main(["stats", "--db", str(db), "--html", str(report)]) == 0

    shot = folder / "report.png"
    run = browse(chromium, report, f"--screenshot={shot}")
    print(f"screenshot: {shot}")
    assert console(run.stderr) == []

    dom = Elements()
    dom.feed(browse(chromium, report, "--dump-dom").stdout)
    assert dom.rects["spend"] == 2 * (DAYS[-1] - DAYS[0] + 1) and dom.rects["share"] > len(DAYS) and dom.rects["rules"] == 6
    assert dom.tables == ["smart/auto", "smart/eco"]

    width, height, image = pixels(shot)
    assert (width, height) == WINDOW
    seen = Counter(image)
    blank = seen[(255, 255, 255)] / len(image)
    assert blank < 0.97, f"{blank:.1%} of the screenshot is white"
    for series in ("cost", "baseline", "SIMPLE", "MEDIUM", "COMPLEX", "REASONING", "rule"):
        assert seen[rgb(COLORS[series])] > 500, f"{series} bars not drawn ({seen[rgb(COLORS[series])]} pixels)"


def test_the_console_check_sees_errors(chromium, tmp_path):
    page = tmp_path / "control.html"
    page.write_text('<!DOCTYPE html><p>x</p><script>console.error("control error"); missing();</script>', encoding="utf-8")
    messages = console(browse(chromium, page, "--dump-dom").stderr)
    assert any("control error" in m for m in messages) and any("missing is not defined" in m for m in messages)
