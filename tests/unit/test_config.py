"""Config loading: overrides apply, and every malformed case names file, key and fix."""

import pytest

from smart_router.config import load_config
from smart_router.errors import ConfigError
from smart_router.engine import Engine
from smart_router.types import RoutingText, Tier

MODELS = "model_list:\n  - {model_name: a, litellm_params: {model: openai/a}}\n  - {model_name: b, litellm_params: {model: openai/b}}\n"
TIERS = "      tiers: {SIMPLE: a, MEDIUM: a, COMPLEX: b, REASONING: b}\n"


def write(tmp_path, text):
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_keywords_can_be_extended_and_weights_changed(tmp_path):
    path = write(tmp_path, MODELS + "smart_router:\n  profiles:\n    auto:\n" + TIERS + (
        "  scoring:\n"
        "    dimensions: {technicalTerms: {weight: 0.6, saturation: 1}}\n"
        "    keywords:\n      extend: {technicalTerms: {fr: [terraformation]}}\n"
    ))  # fmt: skip
    engine = Engine(load_config(path))
    decision = engine.scorer.score(RoutingText.of("parle-moi de terraformation"))
    assert decision.dimension("technicalTerms").matches == ("terraformation",)
    assert decision.dimension("technicalTerms").contribution == pytest.approx(0.6)
    assert decision.tier >= Tier.COMPLEX


def test_keywords_can_be_replaced(tmp_path):
    path = write(tmp_path, MODELS + "smart_router:\n  profiles:\n    auto:\n" + TIERS
                 + "  scoring:\n    keywords:\n      replace: {creativeMarkers: {en: [limerick]}}\n")  # fmt: skip
    scorer = Engine(load_config(path)).scorer
    assert scorer.score(RoutingText.of("write a poem")).dimension("creativeMarkers").matches == ()
    assert scorer.score(RoutingText.of("write a limerick")).dimension("creativeMarkers").matches == ("limerick",)


@pytest.mark.parametrize(
    "section,key",
    [
        ("  profiles:\n    auto:\n      tiers: {SIMPLE: a, MEDIUM: a, COMPLEX: b}\n", "smart_router.profiles.auto.tiers.REASONING"),
        ("  profiles:\n    auto:\n      tiers: {SIMPLE: a, MEDIUM: a, COMPLEX: b, REASONING: zz}\n", "smart_router.profiles.auto.tiers.REASONING.model"),
        ("  profiles:\n    auto:\n" + TIERS + "  scoring:\n    boundaries: {MEDIUM: 0.5, COMPLEX: 0.3}\n", "smart_router.scoring.boundaries"),
        ("  profiles:\n    auto:\n" + TIERS + "  scoring:\n    dimensions: {codePresence: {weight: lots}}\n", "smart_router.scoring.dimensions.codePresence.weight"),
        ("  profiles:\n    auto:\n" + TIERS + "  scoring:\n    dimensions: {vibes: {weight: 1}}\n", "smart_router.scoring.dimensions.vibes"),
        ("  profiles:\n    auto:\n" + TIERS + "  tools_profile: nope\n", "smart_router.tools_profile"),
    ],
)
def test_malformed_config_names_file_and_key(tmp_path, section, key):
    path = write(tmp_path, MODELS + "smart_router:\n" + section)
    with pytest.raises(ConfigError) as error:
        load_config(path)
    assert error.value.key == key
    assert str(path) in str(error.value)


def test_invalid_yaml_and_missing_file(tmp_path):
    with pytest.raises(ConfigError, match=r"line \d+: invalid YAML"):
        load_config(write(tmp_path, "model_list:\n  - [unclosed\n"))
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(tmp_path / "missing.yaml")
