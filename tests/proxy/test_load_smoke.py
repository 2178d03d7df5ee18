"""A short run of scripts/load_test.py: concurrent streaming clients, zero errors, one stats row
per request, the proxy alive and its memory not running away. (The full run — 50 clients,
5,000 requests or 60 s — is a script, not part of CI; its figures are in the README.)"""

from __future__ import annotations

import importlib.util

from .launcher import REPO

spec = importlib.util.spec_from_file_location("load_test", REPO / "scripts" / "load_test.py")
load_test = importlib.util.module_from_spec(spec)
spec.loader.exec_module(load_test)


def test_concurrent_streaming_clients_without_errors(capsys):
    result = load_test.load_test(clients=10, requests=200, seconds=60, warmup=20, seed=3)
    with capsys.disabled():
        print(f"\nload smoke: {result['requests']} requests, {result['errors']} errors, p50 {result['p50_ms']} ms, "
              f"p99 {result['p99_ms']} ms, RSS {result['rss_start_mib']} -> {result['rss_end_mib']} MiB")  # fmt: skip
    assert result["errors"] == 0 and result["warmup_errors"] == 0, result["error_samples"]
    assert result["requests"] == 200
    assert result["proxy_alive"]
    assert result["stats_rows"] == result["stats_rows_expected"] == 220  # one row per request, none twice
    assert result["rss_end_mib"] - result["rss_start_mib"] < 100, result["rss_samples_kib"]
