"""Agent-harness envelopes are cut from scored text: complete blocks only, any case, linear."""

from __future__ import annotations

import time

import pytest

from smart_router.harness import DEFAULT_ENVELOPES, EnvelopeStripper

strip = EnvelopeStripper().strip


@pytest.mark.parametrize("text,kept", [
    ("", ""),
    ("fix the bug", "fix the bug"),
    ("<system-reminder>todo list</system-reminder>fix the bug", "fix the bug"),
    ("fix <SYSTEM-Reminder>x</system-REMINDER>the bug", "fix the bug"),  # markers in any case
    ("a<command-name>/model</command-name>b<command-args>x</command-args>c", "abc"),
    ("<system-reminder>never closed", "<system-reminder>never closed"),  # an open marker alone is text
    ("</system-reminder>a close alone", "</system-reminder>a close alone"),
    ("<system-reminder>x</command-name>y", "<system-reminder>x</command-name>y"),  # closes must pair
    ("<system-reminder>a <system-reminder> b</system-reminder>c", "c"),  # the first open to its close
])  # fmt: skip
def test_default_envelopes(text, kept):
    assert strip(text) == kept


def test_every_default_pair_is_cut():
    for open_marker, close_marker in DEFAULT_ENVELOPES:
        assert strip(f"ask{open_marker}noise{close_marker}") == "ask"


def test_custom_pairs_replace_the_defaults():
    custom = EnvelopeStripper([("[[", "]]")]).strip
    assert custom("a[[b]]c<system-reminder>x</system-reminder>") == "ac<system-reminder>x</system-reminder>"
    assert EnvelopeStripper([]).strip("a<system-reminder>x</system-reminder>") == "a<system-reminder>x</system-reminder>"


def test_hostile_input_is_linear():
    small, large = "<system-reminder>" * 5_000, "<system-reminder>" * 50_000
    started = time.perf_counter()
    assert strip(small) == small
    first = time.perf_counter() - started
    started = time.perf_counter()
    assert strip(large) == large
    assert time.perf_counter() - started < 30 * max(first, 1e-3)  # 10x the text; quadratic would be 100x
