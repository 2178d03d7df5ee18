"""Client overrides and the per-request plan of adjustments (``controls``)."""

import pytest

from smart_router.config import ControlSettings
from smart_router.controls import Overrides, parse_overrides, plan
from smart_router.policy import resolve
from smart_router.types import RoutingText, Tier, Turn
from smart_router.sessions import SessionState


def test_overrides_are_parsed_case_insensitively(engine):
    parsed = parse_overrides({"tier": "complex", "min-tier": "medium"}, engine.config)
    assert parsed == Overrides(tier=Tier.COMPLEX, min_tier=Tier.MEDIUM)


@pytest.mark.parametrize(
    "values, message",
    [
        ({"tier": "HUGE"}, "valid: SIMPLE, MEDIUM, COMPLEX, REASONING"),
        ({"profile": "smart/nope"}, "valid: smart/auto"),
        ({"min-tier": "complex", "max-tier": "simple"}, "above max-tier"),
        ({"max-tier": 3}, "expected a non-empty string"),
    ],
)
def test_invalid_overrides_name_the_valid_values(engine, values, message):
    with pytest.raises(ValueError, match=message):
        parse_overrides(values, engine.config)


def test_override_adjustment_forces_and_clamps():
    step = Overrides(profile="eco", tier=Tier.SIMPLE, max_tier=Tier.MEDIUM).adjustment()
    assert step.reason == "override: profile=eco, tier=SIMPLE, max=MEDIUM"
    assert resolve(Tier.REASONING, [step]).tier == Tier.SIMPLE


def _decision(scorer, prompt, **extra):
    return scorer.score(RoutingText(turns=(Turn("user", prompt),) + tuple(extra.get("tail", ()))))


def test_session_tier_is_a_floor_and_escalation_lasts_one_request(scorer):
    decision = _decision(scorer, "thanks!")
    session = SessionState(Tier.COMPLEX, seen_at=0.0)
    steps = plan(decision, ControlSettings(), session, "x", 10.0, None, None, None)
    assert resolve(decision.tier, steps.lasting).tier == Tier.COMPLEX
    assert not steps.this_request


def test_regenerated_ask_within_the_window_goes_one_up(scorer):
    decision = _decision(scorer, "hello there")
    session = SessionState(Tier.SIMPLE, seen_at=100.0, ask_digest="d", ask_at=100.0)
    settings = ControlSettings(retry_window_seconds=60)
    soon = plan(decision, settings, session, "d", 150.0, None, None, None)
    late = plan(decision, settings, session, "d", 161.0, None, None, None)
    unseen = plan(decision, settings, session, None, 150.0, None, None, None)
    assert [s.reason for s in soon.this_request] == ["retry: same ask again"]
    assert late.this_request == () and unseen.this_request == ()


def test_background_call_is_simple_and_ignores_the_session(scorer):
    decision = _decision(scorer, "Prove by induction, step by step, that 2^n > n.")
    steps = plan(decision, ControlSettings(), SessionState(Tier.REASONING, 0.0), "x", 1.0, None, "background: x", None)
    assert steps.lasting == ()
    assert resolve(decision.tier, steps.this_request).tier == Tier.SIMPLE


def test_escalation_phrase_raises_one_tier(scorer):
    decision = _decision(scorer, "Think harder: what is the capital of France?")
    assert decision.escalation == ("think harder",)
    steps = plan(decision, ControlSettings(), None, "x", 0.0, None, None, None)
    assert resolve(decision.tier, steps.this_request).tier == Tier(decision.tier + 1)


@pytest.mark.parametrize(
    "prompt",
    ["请深入思考：这段代码为什么慢？", "Подумай ещё раз: сколько будет 2+2?", "ultrathink: rename this variable", "よく考えて答えてください"],
)
def test_escalation_phrases_are_multilingual(scorer, prompt):
    assert _decision(scorer, prompt).escalation


def test_a_word_inside_another_is_not_an_escalation(scorer):
    assert _decision(scorer, "I think hard problems and think-tanks are fun").escalation == ()
