"""Shared types: tier names and the hook's ``RoutingInfo`` record."""

import pytest

from smart_router.errors import BadRequest
from smart_router.types import RoutingInfo, Tier


def test_tiers_parse_case_insensitively_and_name_the_valid_ones():
    assert Tier.parse(" complex ") is Tier.COMPLEX
    with pytest.raises(BadRequest, match="valid: SIMPLE, MEDIUM, COMPLEX, REASONING"):
        Tier.parse("huge")


def test_routing_info_round_trips_through_its_metadata_form():
    info = RoutingInfo("id1", "smart/auto", "auto", "SIMPLE", -0.1, "cheap", ("b",), "score", "hash", ("en",), 3, "k", "d")
    assert info.to_dict()["fallbacks"] == ["b"] and RoutingInfo.from_dict(info.to_dict()) == info


def test_routing_info_from_junk_is_none_or_coerced():
    assert RoutingInfo.from_dict("junk") is None and RoutingInfo.from_dict({"tier": "SIMPLE"}) is None
    base = RoutingInfo("id", "smart/auto", "auto", "SIMPLE", 0.0, "m").to_dict()
    odd = RoutingInfo.from_dict({**base, "score": "1e9", "fallbacks": "x", "tokens": True, "reason": 5})
    assert (odd.score, odd.fallbacks, odd.tokens, odd.reason) == (0.0, (), 0, "5")
