"""``slr`` / ``smart-llm-router``: explain routing decisions, list tier tables, run the proxy.

LiteLLM is imported only by ``slr start`` (in the proxy process), so ``slr test`` and
``slr models`` start fast. Exit codes: 0 success, 1 runtime or config error, 2 usage error.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Sequence

from . import __version__, money
from .config import PROFILE_PREFIX, bundled_config_path, load_config, read_yaml
from .engine import CONFIG_ENV, Engine, resolve_config_path
from .errors import BadRequest, ConfigError
from .types import Tier

if TYPE_CHECKING:
    from .decide import Outcome

DEFAULT_OUTPUT_TOKENS = 500


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console scripts."""
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return 2
    try:
        code = args.handler(args)
        sys.stdout.flush()  # a closed pipe surfaces here, not at interpreter exit
        return code
    except ConfigError as exc:
        print(f"slr: config error: {exc}", file=sys.stderr)
        return 1
    except BadRequest as exc:  # a usage problem the message explains; anything else is a bug: traceback
        print(f"slr: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # the reader went away (`slr test ... | head`): not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit
        return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="slr",
        description="Route LiteLLM Proxy's smart/* model names to the cheapest capable model.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    test = sub.add_parser("test", help="score a prompt and show the routing decision (offline)")
    test.add_argument("prompt", help="the prompt, or - to read it from stdin")
    test.add_argument("--profile", default="auto", help="profile to route with (default: auto)")
    test.add_argument("--system", default="", help="a system prompt to send along")
    test.add_argument("--output-tokens", type=int, default=DEFAULT_OUTPUT_TOKENS,
                      help=f"completion length assumed for the cost estimate (default {DEFAULT_OUTPUT_TOKENS})")  # fmt: skip
    test.add_argument("--json", action="store_true", help="print JSON")
    state = test.add_argument_group("request and state, as the proxy would see them")
    state.add_argument("--header", action="append", default=[], metavar="NAME=VALUE",
                       help="a request header, e.g. x-smart-router-min-tier=COMPLEX (repeatable)")  # fmt: skip
    state.add_argument("--session-tier", type=Tier.parse, metavar="TIER", help="the session's sticky tier so far")
    state.add_argument("--tools", type=int, default=0, metavar="N", help="send N tool definitions")
    state.add_argument("--max-tokens", type=int, metavar="N", help="the request's max_tokens")
    state.add_argument("--budget-used", type=float, metavar="SHARE", help="the key's spend as a share of its max_budget, e.g. 0.8")
    _config_option(test)
    test.set_defaults(handler=_cmd_test)

    models = sub.add_parser("models", help="print the tier -> model table with prices")
    models.add_argument("--profile", help="only this profile")
    models.add_argument("--json", action="store_true", help="print JSON")
    _config_option(models)
    models.set_defaults(handler=_cmd_models)

    eval_parser = sub.add_parser("eval", help="routing accuracy on a labeled prompt set, with baselines")
    eval_parser.add_argument("files", nargs="*", help="JSONL files (default: the bundled set of --split)")
    eval_parser.add_argument("--split", choices=("holdout", "tune", "style-shift", "all", "public"), default="holdout",
                             help="bundled set (all = tune + holdout; public = LiteLLM's complexity_router cases)")
    eval_parser.add_argument("--profile", default="auto", help="profile for the cost estimate (default: auto)")
    eval_parser.add_argument("--no-baselines", action="store_true", help="skip the length-only and LiteLLM baselines")
    eval_parser.add_argument("--json", action="store_true", help="print JSON")
    _config_option(eval_parser)
    eval_parser.set_defaults(handler=_cmd_eval)

    stats_parser = sub.add_parser("stats", help="requests, tokens, cost and savings recorded by the proxy")
    stats_parser.add_argument("--since", help="only requests since then: 7d, 12h, 30m, 2w or a date (UTC)")
    stats_parser.add_argument("--by", choices=("profile", "tier", "model", "day"), default="tier", help="grouping (default: tier)")
    stats_parser.add_argument("--db", help="statistics file (default: the config's smart_router.stats.path, "
                                          "$SMART_ROUTER_STATS_DB or ~/.smart-router/stats.db)")  # fmt: skip
    output = stats_parser.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="print JSON")
    output.add_argument("--csv", action="store_true", help="print CSV")
    output.add_argument("--html", metavar="FILE", help="write a self-contained HTML report with charts to FILE")
    _config_option(stats_parser)
    stats_parser.set_defaults(handler=_cmd_stats)

    start = sub.add_parser("start", help="run LiteLLM Proxy with routing")
    start.add_argument("--port", type=int, default=4000)
    start.add_argument("--host", default="127.0.0.1")
    start.add_argument("--demo", action="store_true",
                       help="answer with mock responses, no provider keys (automatic when keys are missing)")  # fmt: skip
    _config_option(start)
    start.set_defaults(handler=_cmd_start)
    return parser


def _config_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", help=f"LiteLLM config file (default: ${CONFIG_ENV} or the bundled one)")


def _engine(args: argparse.Namespace) -> Engine:
    return Engine(load_config(resolve_config_path(args.config)))


def _cmd_test(args: argparse.Namespace) -> int:
    prompt = sys.stdin.read() if args.prompt == "-" else args.prompt
    engine = _engine(args)
    outcome = _route_like_the_proxy(engine, args, prompt)
    decision, route = outcome.decision, outcome.route
    baseline = money.baseline_model(engine.config, args.profile)
    chosen_cost = engine.catalog.get(route.model).cost(decision.tokens, args.output_tokens)
    baseline_cost = engine.catalog.get(baseline).cost(decision.tokens, args.output_tokens) if baseline else None
    savings = money.savings_pct(chosen_cost, baseline_cost)
    result = {
        "profile": PROFILE_PREFIX + route.profile,
        "model": route.model,
        "fallbacks": list(route.fallbacks),
        "reason": outcome.reason,
        **decision.to_dict(),
        "tier": route.tier.name,
        "scored_tier": decision.tier.name,
        "cost": {
            "output_tokens_assumed": args.output_tokens,
            "chosen_usd": chosen_cost,
            "baseline_model": baseline,
            "baseline_usd": baseline_cost,
            "savings_pct": None if savings is None else round(savings, 1),
        },
    }
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
        return 0
    print(f"tier      {route.tier.name}   (score {decision.score:+.3f})")
    print(f"model     {route.model}   ({PROFILE_PREFIX}{route.profile}; fallbacks: {', '.join(route.fallbacks) or 'none'})")
    print(f"rule      {decision.rule or 'none'}")
    for line in decision.shape.describe():
        print(f"ask       {line}")
    print(f"language  {', '.join(decision.languages) or 'unknown'}   tokens {decision.tokens}")
    print(f"reason    {outcome.reason}")
    print("dimensions (largest contributions):")
    for dim in decision.top(6):
        shown = ", ".join(dim.matches[:6]) + (" ..." if len(dim.matches) > 6 else "")
        print(f"  {dim.name:20} {dim.contribution:+.3f}  (value {dim.value:+.2f} x weight {dim.weight:+.2f})  {shown}")
    saves = "" if savings is None else f", saves {money.pct(savings)}"
    print(f"cost      {money.usd(chosen_cost)} on {route.model} vs {money.usd(baseline_cost)} on baseline {baseline or '?'}"
          f" (prompt {decision.tokens} + {args.output_tokens} output tokens){saves}")  # fmt: skip
    return 0


def _route_like_the_proxy(engine: Engine, args: argparse.Namespace, prompt: str) -> "Outcome":
    """Route ``prompt`` through the proxy's own reader and ``decide`` with the request and state
    the flags describe, so the reason is the one the proxy would send in ``x-smart-router-reason``."""
    from .decide import decide
    from .request import read_request
    from .sessions import SESSION_HEADER, SessionState

    headers = {}
    for item in args.header:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise BadRequest(f"--header {item!r}: expected NAME=VALUE")
        headers[name.strip().lower()] = value.strip()
    if args.session_tier is not None:
        headers.setdefault(SESSION_HEADER, "slr-test")
    messages = [{"role": "system", "content": args.system}] if args.system else []
    body: dict = {
        "model": PROFILE_PREFIX + args.profile.lower().removeprefix(PROFILE_PREFIX),
        "messages": [*messages, {"role": "user", "content": prompt}],
        "proxy_server_request": {"headers": headers},
    }
    if args.tools:
        body["tools"] = [
            {"type": "function", "function": {"name": f"tool_{i}", "parameters": {"type": "object", "properties": {}}}}
            for i in range(args.tools)
        ]
    if args.max_tokens is not None:
        body["max_tokens"] = args.max_tokens
    budget = {"spend": 100.0 * args.budget_used, "max_budget": 100.0} if args.budget_used is not None else {}
    auth = SimpleNamespace(token="slr-test", **budget)  # no model lists: a key that may use every model
    now = time.time()
    session = SessionState(args.session_tier, now, "", now) if args.session_tier is not None else None
    return decide(engine, read_request(engine.config, "acompletion", body, auth), session, now)


def _cmd_models(args: argparse.Namespace) -> int:
    engine = _engine(args)
    names = [engine.config.profile(args.profile).name] if args.profile else list(engine.config.profiles)
    rows = []
    for name in names:
        profile = engine.config.profiles[name]
        for tier in Tier:
            route = profile.tiers[tier]
            facts = engine.catalog.get(route.model)
            rows.append({
                "profile": PROFILE_PREFIX + name,
                "tier": tier.name,
                "model": route.model,
                "fallbacks": list(route.fallbacks),
                "input_per_1m": _per_million(facts.input_cost),
                "output_per_1m": _per_million(facts.output_cost),
                "context": facts.max_input_tokens,
                "vision": facts.supports_vision,
            })  # fmt: skip
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    header = f"{'profile':15} {'tier':10} {'model':20} {'$/1M in':>9} {'$/1M out':>9} {'context':>9}  fallbacks"
    print(header)
    print("-" * len(header))
    for r in rows:
        print(f"{r['profile']:15} {r['tier']:10} {r['model']:20} {_money(r['input_per_1m']):>9} "
              f"{_money(r['output_per_1m']):>9} {r['context'] or '?':>9}  {', '.join(r['fallbacks'])}")  # fmt: skip
    return 0


def _per_million(cost: float | None) -> float | None:
    return None if cost is None else round(cost * 1_000_000, 4)


def _money(value: float | None) -> str:
    return "unknown" if value is None else f"{value:.2f}"


def _cmd_eval(args: argparse.Namespace) -> int:
    from . import evaluate

    engine = _engine(args)
    if args.split == "public" and not args.files:
        files, rows = ["litellm complexity_router eval cases"], evaluate.public_rows()
    else:
        files = args.files or evaluate.default_files(args.split)
        rows = evaluate.load_rows(files)
    if not rows:
        print("slr: no eval rows found", file=sys.stderr)
        return 1
    classifiers = [("smart-llm-router", evaluate.ours(engine))]
    if not args.no_baselines:
        classifiers.append(("length-only", evaluate.length_only))
        classifiers.append(("litellm-complexity", evaluate.litellm_complexity_router()))
    reports = [evaluate.run(name, classify, rows).to_dict() for name, classify in classifiers]
    cost = evaluate.cost_summary(engine, args.profile, rows)
    if args.json:
        print(json.dumps({"files": [str(f) for f in files], "reports": reports, "cost": cost}, indent=2))
    else:
        print(f"{len(rows)} rows from {', '.join(map(str, files)) if len(files) < 3 else f'{len(files)} files'}")
        print(evaluate.format_reports(reports, cost))
    return 0


def _cmd_stats(args: argparse.Namespace) -> int:
    from . import report, store

    path = Path(args.db).expanduser() if args.db else store.db_path(load_config(resolve_config_path(args.config)).stats)
    since = report.parse_since(args.since) if args.since else None
    try:
        groups, total = report.summarize(path, since, args.by)
        tiers = groups if args.by == "tier" else report.summarize(path, since, "tier")[0]
    except (FileNotFoundError, store.NewerSchemaError) as exc:
        print(f"slr: {exc}", file=sys.stderr)
        return 1
    if args.html:
        from . import html_report

        out = html_report.write(path, Path(args.html), since, args.since)
        print(f"slr: wrote {out}")
    elif args.json:
        since_text = None if since is None else datetime.fromtimestamp(since, timezone.utc).isoformat(timespec="seconds")
        summary = {"db": str(path), "since": since_text, "by": args.by, "groups": [g.to_dict() for g in groups]}
        print(json.dumps({**summary, "total": total.to_dict()}, indent=2))
    elif args.csv:
        print(report.to_csv(groups, total), end="")
    else:
        print(f"{path}{f' since {args.since}' if args.since else ''}\n")
        print(report.format_table(groups, total, args.by) + "\n")
        if args.by == "day":
            print(report.format_sparklines(groups) + "\n")
        print(report.format_bars(tiers))
    return 0


def _cmd_start(args: argparse.Namespace) -> int:
    from .demo import DEMO_MASTER_KEY, demo_document, missing_env

    source = resolve_config_path(args.config) or str(bundled_config_path())
    load_config(source)  # validate before launching: errors name file and key
    document = read_yaml(source)
    for key in ("general_settings", "litellm_settings", "router_settings", "environment_variables"):
        if document.get(key) is not None and not isinstance(document[key], dict):
            raise ConfigError(source, key, f"expected a mapping, got {type(document[key]).__name__}")
    missing = missing_env(document)
    demo = args.demo or bool(missing)
    if demo:
        if not args.demo:
            print(f"slr: {', '.join(missing)} not set: starting in demo mode (mock answers, no provider calls)")
        document = demo_document(document)
        if document["general_settings"]["master_key"] == DEMO_MASTER_KEY:
            print(f"slr: LITELLM_MASTER_KEY not set: the demo proxy's key is {DEMO_MASTER_KEY}")
    config_path = _write_config(document, source)
    litellm = shutil.which("litellm", path=str(Path(sys.executable).parent)) or shutil.which("litellm")
    if not litellm:
        print("slr: the litellm command was not found; install with: pip install 'smart-llm-router'", file=sys.stderr)
        return 1
    env = dict(os.environ)
    env[CONFIG_ENV] = config_path
    env.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    print(f"slr: LiteLLM proxy on http://{args.host}:{args.port} with {source}{' (demo)' if demo else ''}", flush=True)
    command = [litellm, "--config", config_path, "--host", args.host, "--port", str(args.port)]
    os.execve(litellm, command, env)
    return 1  # not reached


def _write_config(document: dict, source: str) -> str:
    import yaml

    handle, path = tempfile.mkstemp(prefix="slr-", suffix=".yaml")
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        out.write(f"# generated by slr start from {source}\n")
        yaml.safe_dump(document, out, sort_keys=False, allow_unicode=True)
    return path


if __name__ == "__main__":
    raise SystemExit(main())
