"""Every malformed config stops with ONE line naming the file, the key and the fix.

The same line comes out of ``load_config`` (the proxy hook validates at import), ``slr
models`` / ``slr start`` (exit code 1, no traceback) and the hook itself when LiteLLM loads
it with a bad ``smart_router`` section.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from smart_router.cli import main
from smart_router.config import load_config
from smart_router.errors import ConfigError

MODELS = [{"model_name": n, "litellm_params": {"model": f"openai/{n}"}} for n in ("small", "big")]
TIERS = {"SIMPLE": "small", "MEDIUM": "small", "COMPLEX": "big", "REASONING": "big"}


def _config(**section) -> dict:
    return {"model_list": MODELS, "smart_router": {"profiles": {"auto": {"tiers": dict(TIERS)}}, **section}}


def _without_tier() -> dict:
    config = _config()
    del config["smart_router"]["profiles"]["auto"]["tiers"]["COMPLEX"]
    return config


def _unknown_model() -> dict:
    config = _config()
    config["smart_router"]["profiles"]["auto"]["tiers"]["MEDIUM"] = {"model": "gpt-9", "fallbacks": ["small"]}
    return config


def _profile(**keys) -> dict:
    return _config(profiles={"auto": {"tiers": dict(TIERS), **keys}})


def _tier(entry) -> dict:
    return _config(profiles={"auto": {"tiers": {**TIERS, "SIMPLE": entry}}})


def _unknown_fallback() -> dict:
    config = _config()
    config["smart_router"]["profiles"]["auto"]["tiers"]["SIMPLE"] = {"model": "small", "fallbacks": ["nope"]}
    return config


# (case id, config document or raw text, the key the line must name, words of the fix it must contain)
CASES = [
    ("missing tier", _without_tier(), "smart_router.profiles.auto.tiers.COMPLEX", ["SIMPLE, MEDIUM, COMPLEX and REASONING"]),
    ("unknown model", _unknown_model(), "smart_router.profiles.auto.tiers.MEDIUM.model", ["'gpt-9'", "model_list", "big, small"]),
    ("unknown fallback", _unknown_fallback(), "smart_router.profiles.auto.tiers.SIMPLE.fallbacks[0]", ["'nope'", "big, small"]),
    ("unknown tier", _config(profiles={"auto": {"tiers": {**TIERS, "HARD": "big"}}}), "smart_router.profiles.auto.tiers.HARD", ["valid: SIMPLE, MEDIUM, COMPLEX, REASONING"]),
    ("no profiles", {"model_list": MODELS, "smart_router": {"profiles": {}}}, "smart_router.profiles", ["at least one profile"]),
    ("profile not a mapping", _config(profiles={"auto": "small"}), "smart_router.profiles.auto", ["expected a mapping"]),
    ("bad boundary order", _config(scoring={"boundaries": {"MEDIUM": 0.4, "COMPLEX": 0.3, "REASONING": 0.5}}), "smart_router.scoring.boundaries", ["MEDIUM <= COMPLEX <= REASONING"]),
    ("non-numeric boundary", _config(scoring={"boundaries": {"COMPLEX": "high"}}), "smart_router.scoring.boundaries.COMPLEX", ["expected a number", "'high'"]),
    ("non-numeric weight", _config(scoring={"dimensions": {"codePresence": {"weight": "heavy"}}}), "smart_router.scoring.dimensions.codePresence.weight", ["expected a number", "'heavy'"]),
    ("infinite weight", _config(scoring={"dimensions": {"codePresence": {"weight": float("inf")}}}), "smart_router.scoring.dimensions.codePresence.weight", ["expected a number"]),
    ("zero saturation", _config(scoring={"dimensions": {"codePresence": {"saturation": 0}}}), "smart_router.scoring.dimensions.codePresence.saturation", ["must be > 0"]),
    ("unknown dimension", _config(scoring={"dimensions": {"vibes": {"weight": 1}}}), "smart_router.scoring.dimensions.vibes", ["valid:", "reasoningMarkers"]),
    ("unknown scoring key", _config(scoring={"boundary": {}}), "smart_router.scoring.boundary", ["valid:", "boundaries"]),
    ("unknown keyword language", _config(scoring={"keywords": {"extend": {"technicalTerms": {"klingon": ["warp"]}}}}), "smart_router.scoring.keywords.extend.technicalTerms.klingon", ["unknown language", "ISO 639-1", "en, es"]),
    ("keywords not a list", _config(scoring={"keywords": {"replace": {"creativeMarkers": {"en": "poem"}}}}), "smart_router.scoring.keywords.replace.creativeMarkers.en", ["list of strings"]),
    ("unknown keyword dimension", _config(scoring={"keywords": {"extend": {"vibes": {"en": ["x"]}}}}), "smart_router.scoring.keywords.extend.vibes", ["valid:", "technicalTerms"]),
    ("unknown tools profile", _config(tools_profile="robots"), "smart_router.tools_profile", ["'robots'", "valid: auto"]),
    # issue 16: typos and wrong types no longer load silently; the closest valid name is suggested
    ("typo tool_profile", _config(tool_profile="auto"), "smart_router.tool_profile", ["did you mean 'tools_profile'", "valid:"]),
    ("typo sesions", _config(sesions={"enabled": False}), "smart_router.sesions", ["did you mean 'sessions'"]),
    ("typo overide", _config(overide={"enabled": False}), "smart_router.overide", ["did you mean 'overrides'"]),
    ("typo baseline_modle", _config(baseline_modle="big"), "smart_router.baseline_modle", ["did you mean 'baseline_model'"]),
    ("typo escalation_phrase", _config(escalation_phrase={"en": ["x"]}), "smart_router.escalation_phrase", ["did you mean 'escalation_phrases'"]),
    ("typo embeding_model", _profile(embeding_model="small"), "smart_router.profiles.auto.embeding_model", ["did you mean 'embedding_model'"]),
    ("typo use_tool_profile", _profile(use_tool_profile=False), "smart_router.profiles.auto.use_tool_profile", ["did you mean 'use_tools_profile'"]),
    ("string boolean", _profile(use_tools_profile="false"), "smart_router.profiles.auto.use_tools_profile", ["expected true or false", "'false'"]),
    ("string boolean in sessions", _config(sessions={"enabled": "no"}), "smart_router.sessions.enabled", ["expected true or false"]),
    ("singular fallback", _tier({"model": "small", "fallback": ["big"]}), "smart_router.profiles.auto.tiers.SIMPLE.fallback", ["did you mean 'fallbacks'", "valid: fallbacks, model"]),
    ("lowercase tier", _config(profiles={"auto": {"tiers": {k.lower(): v for k, v in TIERS.items()}}}), "smart_router.profiles.auto.tiers.complex", ["did you mean 'COMPLEX'", "valid: SIMPLE, MEDIUM, COMPLEX, REASONING"]),
    ("profiles differing in case", _config(profiles={"auto": {"tiers": dict(TIERS)}, "Auto": {"tiers": dict(TIERS)}}), "smart_router.profiles.auto", ["case-insensitive"]),
    ("typo boundary name", _config(scoring={"boundaries": {"MEDIUN": 0.1}}), "smart_router.scoring.boundaries.MEDIUN", ["did you mean 'MEDIUM'"]),
    ("typo dimension key", _config(scoring={"dimensions": {"codePresence": {"wieght": 1}}}), "smart_router.scoring.dimensions.codePresence.wieght", ["did you mean 'weight'"]),
    ("escalation language", _config(escalation_phrases={"english": ["go deeper"]}), "smart_router.escalation_phrases.english", ["ISO 639-1"]),
    ("description not a string", _profile(description=["x"]), "smart_router.profiles.auto.description", ["expected a string"]),
    ("tools profile not a string", _config(tools_profile=5), "smart_router.tools_profile", ["valid: auto"]),
    ("model_list not a list", {"model_list": {"small": 1}, "smart_router": {}}, "model_list", ["expected a list"]),
    ("model entry without name", {"model_list": [{"litellm_params": {}}]}, "model_list[0]", ["model_name"]),
    ("top level not a mapping", "- just\n- a list\n", "(top level)", ["expected a mapping"]),
    ("invalid YAML", "model_list:\n  - model_name: a\n   litellm_params: {model: x}\n", "line 3", ["invalid YAML"]),
    ("unclosed bracket", "smart_router: {profiles: [\n", "line 2", ["invalid YAML"]),
]  # fmt: skip


def _write(folder: Path, document) -> Path:
    path = folder / "bad.yaml"
    path.write_text(document if isinstance(document, str) else yaml.safe_dump(document), encoding="utf-8")
    return path


def _assert_one_line(message: str, path: Path | str, key: str, fix: list[str]) -> None:
    assert "\n" not in message.strip(), f"not one line: {message!r}"
    assert str(path) in message, message
    assert f": {key}: " in message, f"key {key!r} not named in: {message}"
    for words in fix:
        assert words in message, f"fix {words!r} missing from: {message}"


@pytest.mark.parametrize("case,document,key,fix", CASES, ids=[c[0] for c in CASES])
def test_load_config_names_file_key_and_fix(tmp_path, case, document, key, fix):
    path = _write(tmp_path, document)
    with pytest.raises(ConfigError) as error:
        load_config(path)
    _assert_one_line(str(error.value), path, key, fix)
    assert error.value.key == key


@pytest.mark.parametrize("case,document,key,fix", CASES, ids=[c[0] for c in CASES])
def test_slr_models_exits_1_with_the_line(tmp_path, capsys, case, document, key, fix):
    path = _write(tmp_path, document)
    assert main(["models", "--config", str(path)]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("slr: config error: ")
    _assert_one_line(err, path, key, fix)


@pytest.mark.parametrize("target", ["missing", "directory"])
def test_unreadable_file_is_one_line(tmp_path, capsys, target):
    path = tmp_path / "absent.yaml" if target == "missing" else tmp_path
    with pytest.raises(ConfigError) as error:
        load_config(path)
    _assert_one_line(str(error.value), path, "(file)", ["cannot read"])
    assert main(["start", "--config", str(path)]) == 1
    _assert_one_line(capsys.readouterr().err, path, "(file)", ["cannot read"])


def test_slr_start_exits_nonzero_with_the_line_and_no_traceback(tmp_path):
    path = _write(tmp_path, _unknown_model())
    slr = Path(sys.executable).parent / "slr"
    done = subprocess.run([str(slr), "start", "--config", str(path), "--port", "1"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr + done.stdout
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, done.stderr
    _assert_one_line(lines[0], path, "smart_router.profiles.auto.tiers.MEDIUM.model", ["'gpt-9'"])


def test_hook_module_imported_by_a_proxy_reports_one_line_and_exits(tmp_path):
    """What LiteLLM does at start-up: import the proxy, then the callback module."""
    path = _write(tmp_path, _without_tier())
    code = "import litellm.proxy.proxy_server\nimport smart_router.hook\nprint('not reached')"
    env = {**os.environ, "SMART_ROUTER_CONFIG": str(path), "LITELLM_LOCAL_MODEL_COST_MAP": "True"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 1
    assert "not reached" not in done.stdout and "Traceback" not in done.stderr
    lines = [line for line in done.stderr.splitlines() if "config error" in line]
    assert len(lines) == 1, done.stderr[-2000:]
    assert lines[0].startswith("smart_router: config error: ")
    _assert_one_line(lines[0], path, "smart_router.profiles.auto.tiers.COMPLEX", ["SIMPLE, MEDIUM, COMPLEX and REASONING"])


def test_building_the_hook_elsewhere_raises_config_error(tmp_path):
    from smart_router.hook import SmartRouterHook

    path = _write(tmp_path, _without_tier())
    with pytest.raises(ConfigError):
        SmartRouterHook(str(path)).engine


def test_plain_litellm_with_a_bad_section_stops_with_one_clear_line(tmp_path):
    """``litellm --config`` (no slr) imports the hook; start-up stops with the line, no traceback."""
    config = _unknown_model()
    config["litellm_settings"] = {"callbacks": "smart_router.hook.proxy_handler"}
    config["general_settings"] = {"master_key": "sk-test"}
    path = _write(tmp_path, config)
    litellm = Path(sys.executable).parent / "litellm"
    env = {**os.environ, "LITELLM_LOCAL_MODEL_COST_MAP": "True", "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    env.pop("SMART_ROUTER_CONFIG", None)
    done = subprocess.run([str(litellm), "--config", str(path), "--port", "1"], capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode != 0
    log = done.stdout + done.stderr
    assert "Traceback" not in log, log[-3000:]
    lines = [line for line in log.splitlines() if "smart_router: config error:" in line]
    assert len(lines) == 1, log[-3000:]
    _assert_one_line(lines[0], path, "smart_router.profiles.auto.tiers.MEDIUM.model", ["'gpt-9'", "big, small"])


@pytest.mark.parametrize("key", ["general_settings", "litellm_settings", "router_settings"])
def test_slr_start_rejects_litellm_sections_that_are_not_mappings(tmp_path, capsys, key):
    config = _config()
    config[key] = ["not", "a", "mapping"]
    path = _write(tmp_path, config)
    assert main(["start", "--config", str(path)]) == 1  # stops before launching anything
    err = capsys.readouterr().err
    assert err.startswith("slr: config error: ")
    _assert_one_line(err, path, key, ["expected a mapping"])
