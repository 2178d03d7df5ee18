"""The installed LiteLLM is inside the reviewed range of pyproject.toml and outside the bad releases.

Excluded on purpose: the withdrawn 1.82.7 and 1.82.8 releases and the CVE-2026-42208 range
(1.81.16 through 1.83.6). The pin in pyproject.toml must exclude them too.
"""

from __future__ import annotations

import re
from importlib.metadata import version
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.version import Version

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    tomllib = pytest.importorskip("tomli")

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"
WITHDRAWN = [Version("1.82.7"), Version("1.82.8")]
CVE_RANGE = SpecifierSet(">=1.81.16,<=1.83.6")  # CVE-2026-42208


def _pinned() -> SpecifierSet:
    project = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]
    pins = [Requirement(dep) for dep in project["dependencies"] if Requirement(dep).name == "litellm"]
    assert len(pins) == 1, f"expected one litellm requirement in {PYPROJECT}, got {pins}"
    assert pins[0].specifier, "litellm must be pinned to a reviewed range, not left open"
    return pins[0].specifier


def test_installed_litellm_is_inside_the_pinned_range():
    installed = Version(version("litellm"))
    pinned = _pinned()
    assert pinned.contains(installed, prereleases=True), f"litellm {installed} is outside the pin {pinned}"


def test_installed_litellm_is_not_a_withdrawn_or_vulnerable_release():
    installed = Version(version("litellm"))
    assert installed not in WITHDRAWN, f"litellm {installed} was withdrawn"
    assert not CVE_RANGE.contains(installed, prereleases=True), f"litellm {installed} is in the CVE-2026-42208 range"


@pytest.mark.parametrize("bad", ["1.82.7", "1.82.8", "1.81.16", "1.82.0", "1.83.6"])
def test_the_pin_itself_excludes_the_bad_releases(bad):
    assert not _pinned().contains(Version(bad), prereleases=True), f"the pin admits {bad}"


def test_the_pin_has_an_upper_bound():
    # A reviewed range: an unreviewed future release must not be installed by accident.
    assert any(re.match(r"<=?$", s.operator) for s in _pinned()), _pinned()
