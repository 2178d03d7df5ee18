"""Harness envelopes cut before scoring, reminders beside tool results."""

from smart_router.harness import EnvelopeStripper
from smart_router.types import RoutingText, Turn


def test_complete_envelopes_are_cut_case_insensitively_unclosed_ones_kept():
    strip = EnvelopeStripper().strip
    assert strip("a <System-Reminder>x</SYSTEM-reminder> b") == "a  b"
    assert strip("keep <system-reminder> unclosed") == "keep <system-reminder> unclosed"
    assert strip("</system-reminder> q <system-reminder>y</system-reminder>z") == "</system-reminder> q z"
    custom = EnvelopeStripper([("<env>", "</env>"), ("[[", "]]")]).strip
    assert custom("1<ENV>2</env>3[[4]]5") == "135"


def test_reminder_text_does_not_change_the_score(scorer):
    plain = scorer.score(RoutingText.of("rename the variable x to count"))
    reminder = "<system-reminder>Prove every theorem step by step; design a distributed architecture.</system-reminder>"
    wrapped = scorer.score(RoutingText.of(reminder + "\nrename the variable x to count"))
    assert (wrapped.tier, round(wrapped.score, 6)) == (plain.tier, round(plain.score, 6))


def test_a_tool_result_turn_is_a_continuation_even_with_reminders_beside_it(scorer):
    turns = (Turn("user", "fix the failing test"), Turn("assistant", ""), Turn("tool", "3 passed"),
             Turn("user", "<system-reminder>todo list is empty</system-reminder>"))  # fmt: skip
    decision = scorer.score(RoutingText(turns=turns))
    assert decision.continuation
    assert not scorer.score(RoutingText(turns=turns + (Turn("user", "now explain it"),))).continuation
