"""The installed console scripts, run as subprocesses."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent


def run(*args: str, stdin: str | None = None, script: str = "slr") -> subprocess.CompletedProcess:
    exe = shutil.which(script, path=str(BIN)) or shutil.which(script)
    assert exe, f"{script} is not installed"
    return subprocess.run([exe, *args], input=stdin, capture_output=True, text=True, timeout=60)


def test_test_command_explains_a_decision():
    result = run("test", "Prove that sqrt(2) is irrational step by step")
    assert result.returncode == 0, result.stderr
    assert "REASONING" in result.stdout
    assert "reasoningMarkers" in result.stdout and "step by step" in result.stdout
    assert "o3" in result.stdout  # the auto profile's REASONING model


def test_test_command_json_and_stdin_and_alias():
    result = run("test", "-", "--json", "--profile", "smart/eco", stdin="¿Cuál es la capital de Francia?", script="smart-llm-router")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["tier"] == "SIMPLE" and data["profile"] == "smart/eco"
    assert data["model"] == "gemini-flash-lite"
    assert data["languages"] == ["es"]
    assert set(data["dimensions"]) >= {"reasoningMarkers", "tokenCount", "simpleIndicators"}
    assert data["cost"]["chosen_usd"] > 0 and data["cost"]["savings_pct"] > 0


def test_unknown_price_is_reported_not_invented(tmp_path):
    config = tmp_path / "c.yaml"
    config.write_text(
        "model_list:\n"
        "  - {model_name: mystery, litellm_params: {model: openai/mystery-model}}\n"
        "smart_router:\n  profiles:\n    auto:\n      tiers: {SIMPLE: mystery, MEDIUM: mystery, COMPLEX: mystery, REASONING: mystery}\n",
        encoding="utf-8",
    )
    result = run("test", "hello", "--config", str(config))
    assert result.returncode == 0, result.stderr
    assert "cost      unknown on mystery vs unknown on baseline mystery" in result.stdout and "saves" not in result.stdout


def test_unknown_profile_is_a_usage_error_listing_profiles():
    result = run("test", "hi", "--profile", "smart/nope")
    assert result.returncode == 2
    assert "smart/auto" in result.stderr and "smart/free" in result.stderr


def test_models_lists_every_tier_with_prices():
    result = run("models", "--profile", "premium", "--json")
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert [r["tier"] for r in rows] == ["SIMPLE", "MEDIUM", "COMPLEX", "REASONING"]
    assert rows[2]["model"] == "claude-opus" and rows[2]["input_per_1m"] == pytest.approx(5.0)
    table = run("models")
    assert "smart/agentic" in table.stdout and "$/1M in" in table.stdout


def test_bad_config_names_file_and_key(tmp_path):
    config = tmp_path / "bad.yaml"
    config.write_text(
        "model_list:\n  - {model_name: a, litellm_params: {model: openai/a}}\n"
        "smart_router:\n  profiles:\n    auto:\n      tiers: {SIMPLE: a, MEDIUM: a, COMPLEX: ghost, REASONING: a}\n",
        encoding="utf-8",
    )
    result = run("models", "--config", str(config))
    assert result.returncode == 1
    assert str(config) in result.stderr
    assert "smart_router.profiles.auto.tiers.COMPLEX.model" in result.stderr and "ghost" in result.stderr


def test_version_and_help():
    assert run("--version").stdout.strip().startswith("slr ")
    helped = run("--help")
    assert helped.returncode == 0 and "start" in helped.stdout and "models" in helped.stdout
    assert run().returncode == 2


def test_output_cut_short_by_a_closed_pipe_is_not_a_traceback():
    import subprocess
    import sys

    command = [sys.executable, "-m", "smart_router.cli", "models"]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as process:
        process.stdout.close()  # like `| head` exiting: hung up before slr writes anything
        stderr = process.stderr.read().decode()
        assert process.wait(timeout=60) == 0
    assert "Traceback" not in stderr and "BrokenPipeError" not in stderr
