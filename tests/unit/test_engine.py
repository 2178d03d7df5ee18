"""The engine of a configuration: which file, built once, and routing a scored request."""

from smart_router.engine import CONFIG_ENV, engine_for, resolve_config_path
from smart_router.types import RoutingText, Tier


def test_the_config_path_is_explicit_then_environment_then_bundled(monkeypatch, tmp_path):
    monkeypatch.delenv(CONFIG_ENV, raising=False)
    assert resolve_config_path() is None
    monkeypatch.setenv(CONFIG_ENV, str(tmp_path / "env.yaml"))
    assert resolve_config_path() == str(tmp_path / "env.yaml")
    assert resolve_config_path(tmp_path / "explicit.yaml") == str(tmp_path / "explicit.yaml")


def test_an_engine_is_built_once_per_file():
    assert engine_for(None) is engine_for(None)


def test_route_takes_the_tier_asked_for_else_the_scored_one(engine):
    scored = engine.scorer.score(RoutingText.of("hi"))
    auto = engine.config.profile("auto")
    assert engine.route(scored, "auto").model == auto.tiers[scored.tier].model
    assert engine.route(scored, "auto", tier=Tier.REASONING).model == auto.tiers[Tier.REASONING].model
    assert engine.route(scored, "auto", tier=Tier.SIMPLE, switch="eco").profile == "eco"
