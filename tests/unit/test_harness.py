"""Agent-harness envelopes are cut from scored text: complete blocks only, any case, linear."""

from __future__ import annotations

import pytest

from smart_router.harness import DEFAULT_ENVELOPES, EnvelopeStripper
from smart_router.types import RoutingText, Turn

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


def test_hostile_input_is_read_whole():
    """Many opens and no close (the quadratic case of a naive cutter) come back as they were;
    speed is measured by scripts/bench_scorer.py, not here."""
    hostile = "<system-reminder>" * 50_000
    assert strip(hostile) == hostile
    assert strip(hostile + "</system-reminder>tail") == "tail"


def test_reminder_text_does_not_change_the_score(scorer):
    plain = scorer.score(RoutingText.of("rename the variable x to count"))
    reminder = "<system-reminder>Prove every theorem step by step; design a distributed architecture.</system-reminder>"
    wrapped = scorer.score(RoutingText.of(reminder + "\\nrename the variable x to count"))
    assert (wrapped.tier, round(wrapped.score, 6)) == (plain.tier, round(plain.score, 6))


def test_a_tool_result_turn_is_a_continuation_even_with_reminders_beside_it(scorer):
    turns = (Turn("user", "fix the failing test"), Turn("assistant", ""), Turn("tool", "3 passed"),
             Turn("user", "<system-reminder>todo list is empty</system-reminder>"))  # fmt: skip
    decision = scorer.score(RoutingText(turns=turns))
    assert decision.continuation
    assert not scorer.score(RoutingText(turns=turns + (Turn("user", "now explain it"),))).continuation
