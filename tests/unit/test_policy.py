"""``policy.resolve``: adjustments applied in order to the scored tier."""

from smart_router.policy import Adjustment, resolve
from smart_router.types import Tier


def test_resolve_applies_steps_in_order_and_keeps_reasons_of_those_that_acted():
    steps = [
        Adjustment("session", floor=Tier.COMPLEX),
        None,
        Adjustment("no-op floor", floor=Tier.SIMPLE),
        Adjustment("escalation", raise_by=1),
        Adjustment("budget", ceiling=Tier.MEDIUM, profile="eco"),
    ]
    resolved = resolve(Tier.SIMPLE, steps)
    assert resolved.tier == Tier.MEDIUM
    assert resolved.profile == "eco"
    assert resolved.reasons == ("session", "escalation", "budget")


def test_raise_is_capped_at_reasoning_and_notes_are_kept():
    resolved = resolve(Tier.REASONING, [Adjustment("up", raise_by=2), Adjustment("overrides disabled")])
    assert resolved.tier == Tier.REASONING
    assert resolved.reasons == ("overrides disabled",)
