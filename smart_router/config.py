"""Load and validate smart-router configuration into frozen dataclasses.

The configuration lives in a LiteLLM proxy config file: its ``model_list`` names the
models, and an optional ``smart_router:`` section holds profiles and scoring overrides.
Without that section the bundled profiles are used. Every error names the file, the key
and what would be valid.
"""

from __future__ import annotations

import difflib
import fnmatch
import math
import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Iterable, Mapping

import yaml

from .ask import AskLexicon
from .scorer import KEYWORD_DIMENSIONS, DIMENSIONS, DimensionSpec, ScoringConfig
from .errors import BadRequest, ConfigError
from .types import Tier

PROFILE_PREFIX = "smart/"
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
SECTION_KEYS = ("tools_profile", "agentic_threshold", "profiles", "scoring", "agents", "sessions", "overrides", "stats",
                "budget", "baseline_model", "escalation_phrases")  # fmt: skip
PROFILE_KEYS = ("tiers", "description", "embedding_model", "use_tools_profile")
_LANGUAGE_CODE = re.compile(r"[a-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})?")  # en, fr, pt-BR, zh_Hant


@dataclass(frozen=True)
class TierRoute:
    """The model a tier routes to and the fallbacks LiteLLM tries after it, in order."""

    model: str
    fallbacks: tuple[str, ...] = ()

    @property
    def candidates(self) -> tuple[str, ...]:
        return (self.model,) + self.fallbacks


@dataclass(frozen=True)
class Profile:
    """A ``smart/<name>`` profile: a tier table plus how it treats tools and embeddings."""

    name: str
    tiers: Mapping[Tier, TierRoute]
    description: str = ""
    embedding_model: str | None = None
    use_tools_profile: bool = True  # requests with tools use the tools profile's table


@dataclass(frozen=True)
class ModelEntry:
    """One ``model_list`` entry as far as routing cares."""

    name: str
    litellm_model: str
    model_info: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ControlSettings:
    """Conversation and client controls: stickiness, overrides, escalation, agent rules."""

    sessions: bool = True  # keep a conversation's tier (it may rise, never fall)
    session_idle_seconds: float = 1800.0  # a session idle this long starts afresh
    retry_window_seconds: float = 120.0  # the same last ask again within this window -> one tier up
    overrides: bool = True  # honour x-smart-router-* request headers / metadata
    stall_repeats: int = 3  # the same tool call (or an error) this many times ...
    stall_window: int = 6  # ... within the newest this many calls -> one tier up
    background_max_tokens: int = 32  # tool-less requests with max_tokens at most this -> SIMPLE


@dataclass(frozen=True)
class StatsSettings:
    """Cost accounting: where the SQLite file is and what savings are measured against."""

    enabled: bool = True
    path: str | None = None  # None: $SMART_ROUTER_STATS_DB, else ~/.smart-router/stats.db
    baseline_model: str | None = None  # None: each profile's REASONING model


@dataclass(frozen=True)
class BudgetSettings:
    """Budget-aware routing: shares of a key's, team's or user's max_budget already spent."""

    enabled: bool = True
    eco_at: float | None = 0.75  # from this share on, use eco_profile's table (None: never)
    medium_at: float | None = 0.90  # from this share on, at most MEDIUM (None: never)
    eco_profile: str | None = "eco"


@dataclass(frozen=True)
class RouterConfig:
    """The validated configuration the CLI and the proxy hook share."""

    path: str
    profiles: Mapping[str, Profile]
    models: Mapping[str, ModelEntry]
    scoring: ScoringConfig
    tools_profile: str | None = "agentic"
    agentic_threshold: float = 1.0
    controls: ControlSettings = ControlSettings()
    stats: StatsSettings = StatsSettings()
    budget: BudgetSettings = BudgetSettings()

    def profile(self, name: str) -> Profile:
        """Profile by name (case-insensitive, ``smart/`` optional); BadRequest lists valid ones."""
        key = name.lower().removeprefix(PROFILE_PREFIX)
        if key not in self.profiles:
            raise BadRequest(f"unknown profile '{name}'; valid: {self.profile_list()}")
        return self.profiles[key]

    def profile_list(self) -> str:
        return ", ".join(PROFILE_PREFIX + p for p in self.profiles)


def data_path(name: str) -> Path:
    """Path of a file shipped in ``smart_router/data``."""
    return Path(str(resources.files("smart_router") / "data" / name))


def bundled_config_path() -> Path:
    """The ``default_config.yaml`` shipped inside the package."""
    return data_path("default_config.yaml")


def read_yaml(path: str | Path) -> Any:
    """Parse a YAML file; errors name the file and the line."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(str(path), "(file)", f"cannot read: {exc.strerror or exc}") from None
    try:
        return yaml.load(text, Loader=_LOADER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else "(file)"
        raise ConfigError(str(path), where, f"invalid YAML: {getattr(exc, 'problem', exc)}") from None


@lru_cache(maxsize=1)
def _default_scoring_data() -> tuple[dict, dict]:
    return read_yaml(data_path("scoring.yaml")), read_yaml(data_path("keywords.yaml"))


def load_config(path: str | Path | None = None) -> RouterConfig:
    """Load a LiteLLM config file (default: the bundled one) with its ``smart_router`` section."""
    path = str(path or bundled_config_path())
    document = read_yaml(path)
    if not isinstance(document, dict):
        raise ConfigError(path, "(top level)", "expected a mapping with model_list and smart_router")
    models = _parse_models(path, document.get("model_list") or [])
    section = document.get("smart_router")
    if section is None:
        bundled = read_yaml(bundled_config_path())
        section = dict(bundled["smart_router"])
        section.setdefault("scoring", {})
    return build_config(path, section, models)


def config_for_model_list(model_list: Any, section: Any = None, source: str = "litellm.Router") -> RouterConfig:
    """A config over an SDK ``litellm.Router``'s ``model_list``; ``section`` None: the bundled profiles."""
    if section is None:
        section = dict(read_yaml(bundled_config_path())["smart_router"])
    return build_config(source, section, _parse_models(source, model_list))


def build_config(path: str, section: Any, models: Mapping[str, ModelEntry]) -> RouterConfig:
    """Validate a ``smart_router`` section against the models it may route to."""
    section = _mapping(path, "smart_router", section)
    _only(path, "smart_router", section, SECTION_KEYS)
    profiles_raw = _mapping(path, "smart_router.profiles", section.get("profiles"))
    if not profiles_raw:
        raise ConfigError(path, "smart_router.profiles", "define at least one profile")
    profiles: dict[str, Profile] = {}
    for name, raw in profiles_raw.items():
        if not isinstance(name, str) or str(name).lower() in profiles:
            raise ConfigError(path, f"smart_router.profiles.{name}", "repeats another profile name (names are case-insensitive) or is not a string")
        profiles[name.lower()] = _parse_profile(path, name.lower(), raw, models)
    tools_profile = section.get("tools_profile", "agentic" if "agentic" in profiles else None)
    if tools_profile is not None and (not isinstance(tools_profile, str) or tools_profile.lower() not in profiles):
        raise ConfigError(
            path, "smart_router.tools_profile",
            f"unknown profile {tools_profile!r}; valid: {', '.join(profiles)} or null",
        )  # fmt: skip
    threshold = _number(path, "smart_router.agentic_threshold", section.get("agentic_threshold", 1.0))
    return RouterConfig(
        path=path,
        profiles=profiles,
        models=models,
        scoring=build_scoring(
            path, section.get("scoring") or {}, _envelopes(path, section.get("agents")), section.get("escalation_phrases")
        ),
        tools_profile=str(tools_profile).lower() if tools_profile is not None else None,
        agentic_threshold=threshold,
        controls=_controls(path, section),
        stats=_stats_settings(path, section, models),
        budget=_budget_settings(path, section.get("budget"), profiles),
    )


def _controls(path: str, section: Mapping[str, Any]) -> ControlSettings:
    """``smart_router.sessions``, ``.overrides`` and ``.agents`` (every key optional)."""
    sessions = _mapping(path, "smart_router.sessions", section.get("sessions"))
    overrides = _mapping(path, "smart_router.overrides", section.get("overrides"))
    agents = _mapping(path, "smart_router.agents", section.get("agents"))
    _only(path, "smart_router.sessions", sessions, {"enabled", "idle_minutes", "retry_window_seconds"})
    _only(path, "smart_router.overrides", overrides, {"enabled"})
    _only(path, "smart_router.agents", agents, {"envelopes", "stall_repeats", "stall_window", "background_max_tokens"})
    default = ControlSettings()

    def number(key: str, raw: Mapping[str, Any], name: str, fallback: float, minimum: float = 0) -> float:
        if name not in raw:
            return fallback
        value = _number(path, f"{key}.{name}", raw[name])
        if value < minimum:
            raise ConfigError(path, f"{key}.{name}", f"must be >= {minimum:g}")
        return value

    settings = ControlSettings(
        sessions=_flag(path, "smart_router.sessions.enabled", sessions.get("enabled", True)),
        session_idle_seconds=60 * number("smart_router.sessions", sessions, "idle_minutes", default.session_idle_seconds / 60),
        retry_window_seconds=number("smart_router.sessions", sessions, "retry_window_seconds", default.retry_window_seconds),
        overrides=_flag(path, "smart_router.overrides.enabled", overrides.get("enabled", True)),
        stall_repeats=int(number("smart_router.agents", agents, "stall_repeats", default.stall_repeats, 2)),
        stall_window=int(number("smart_router.agents", agents, "stall_window", default.stall_window, 2)),
        background_max_tokens=int(number("smart_router.agents", agents, "background_max_tokens", default.background_max_tokens)),
    )
    if settings.stall_repeats > settings.stall_window:
        raise ConfigError(path, "smart_router.agents.stall_repeats", "must not exceed stall_window")
    return settings


def _envelopes(path: str, agents: Any) -> tuple[tuple[str, str], ...] | None:
    """``smart_router.agents.envelopes``: a list of [open, close] marker pairs, or None for the default."""
    raw = _mapping(path, "smart_router.agents", agents).get("envelopes")
    if raw is None:
        return None
    key = "smart_router.agents.envelopes"
    if not isinstance(raw, list):
        raise ConfigError(path, key, 'expected a list of [open, close] pairs, e.g. [["<system-reminder>", "</system-reminder>"]]')
    pairs = []
    for index, pair in enumerate(raw):
        if not (isinstance(pair, list) and len(pair) == 2 and all(isinstance(m, str) and m for m in pair)):
            raise ConfigError(path, f"{key}[{index}]", "expected [open, close]: two non-empty strings")
        pairs.append((pair[0], pair[1]))
    return tuple(pairs)


def _only(path: str, key: str, raw: Mapping[str, Any], allowed: Iterable[str]) -> None:
    """Reject keys not in ``allowed``, suggesting the closest valid name."""
    valid = sorted(allowed) if isinstance(allowed, (set, frozenset)) else list(allowed)
    lowered = {v.lower(): v for v in valid}
    for unknown in sorted(str(k) for k in raw if k not in lowered.values()):
        close = difflib.get_close_matches(unknown.lower(), lowered, n=1, cutoff=0.6)
        hint = f"did you mean {lowered[close[0]]!r}? " if close else ""
        raise ConfigError(path, f"{key}.{unknown}", f"unknown key; {hint}valid: {', '.join(valid)}")


def _flag(path: str, key: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(path, key, f"expected true or false, got {value!r}")
    return value


def _stats_settings(path: str, section: Mapping[str, Any], models: Mapping[str, ModelEntry]) -> StatsSettings:
    """``smart_router.stats: {enabled, path}`` and ``smart_router.baseline_model``."""
    key = "smart_router.stats"
    raw = _mapping(path, key, section.get("stats"))
    _only(path, key, raw, {"enabled", "path"})
    db = raw.get("path")
    if db is not None and (not isinstance(db, str) or not db.strip()):
        raise ConfigError(path, f"{key}.path", f"expected a file path, got {db!r}")
    baseline = section.get("baseline_model")
    return StatsSettings(
        enabled=_flag(path, f"{key}.enabled", raw.get("enabled", True)),
        path=db,
        baseline_model=None if baseline is None else _known_model(path, "smart_router.baseline_model", baseline, models),
    )


def _budget_settings(path: str, raw: Any, profiles: Mapping[str, Profile]) -> BudgetSettings:
    """``smart_router.budget: {enabled, eco_at, medium_at, eco_profile}``; shares are fractions in (0, 1]."""
    key = "smart_router.budget"
    raw = _mapping(path, key, raw)
    _only(path, key, raw, {"enabled", "eco_at", "medium_at", "eco_profile"})
    default = BudgetSettings()

    def share(name: str, fallback: float | None) -> float | None:
        value = raw.get(name, fallback)
        if value is None:
            return None
        value = _number(path, f"{key}.{name}", value)
        if not 0 < value <= 1:
            raise ConfigError(path, f"{key}.{name}", f"expected a share of the budget in (0, 1], e.g. 0.75, or null; got {value:g}")
        return value

    eco_profile = raw.get("eco_profile", default.eco_profile if default.eco_profile in profiles else None)
    if eco_profile is not None and (not isinstance(eco_profile, str) or eco_profile.lower() not in profiles):
        raise ConfigError(path, f"{key}.eco_profile", f"unknown profile {eco_profile!r}; valid: {', '.join(profiles)} or null")
    return BudgetSettings(
        enabled=_flag(path, f"{key}.enabled", raw.get("enabled", True)),
        eco_at=share("eco_at", default.eco_at),
        medium_at=share("medium_at", default.medium_at),
        eco_profile=None if eco_profile is None else str(eco_profile).lower(),
    )


def _parse_models(path: str, raw: Any) -> dict[str, ModelEntry]:
    if not isinstance(raw, list):
        raise ConfigError(path, "model_list", "expected a list of {model_name, litellm_params}")
    models: dict[str, ModelEntry] = {}
    for index, item in enumerate(raw):
        key = f"model_list[{index}]"
        item = _mapping(path, key, item)
        name = item.get("model_name")
        params = item.get("litellm_params") or {}
        if not name or not isinstance(params, dict):
            raise ConfigError(path, key, "needs model_name and a litellm_params mapping")
        models.setdefault(
            str(name), ModelEntry(str(name), str(params.get("model", name)), item.get("model_info") or {})
        )
    return models


def _parse_profile(path: str, name: str, raw: Any, models: Mapping[str, ModelEntry]) -> Profile:
    key = f"smart_router.profiles.{name}"
    raw = _mapping(path, key, raw)
    _only(path, key, raw, PROFILE_KEYS)
    tiers_raw = _mapping(path, f"{key}.tiers", raw.get("tiers"))
    _only(path, f"{key}.tiers", tiers_raw, Tier.__members__)
    tiers: dict[Tier, TierRoute] = {}
    for tier in Tier:
        entry = tiers_raw.get(tier.name)
        tier_key = f"{key}.tiers.{tier.name}"
        if entry is None:
            raise ConfigError(path, tier_key, "missing; every profile needs SIMPLE, MEDIUM, COMPLEX and REASONING")
        if isinstance(entry, str):
            entry = {"model": entry}
        entry = _mapping(path, tier_key, entry)
        _only(path, tier_key, entry, {"model", "fallbacks"})
        model = _known_model(path, f"{tier_key}.model", entry.get("model"), models)
        fallbacks = entry.get("fallbacks") or []
        if not isinstance(fallbacks, list):
            raise ConfigError(path, f"{tier_key}.fallbacks", "expected a list of model names")
        tiers[tier] = TierRoute(
            model,
            tuple(_known_model(path, f"{tier_key}.fallbacks[{i}]", f, models) for i, f in enumerate(fallbacks)),
        )
    embedding = raw.get("embedding_model")
    if embedding is not None:
        embedding = _known_model(path, f"{key}.embedding_model", embedding, models)
    description = raw.get("description", "")
    if not isinstance(description, str):
        raise ConfigError(path, f"{key}.description", f"expected a string, got {description!r}")
    return Profile(
        name=name,
        tiers=tiers,
        description=description,
        embedding_model=embedding,
        use_tools_profile=_flag(path, f"{key}.use_tools_profile", raw.get("use_tools_profile", True)),
    )


def _known_model(path: str, key: str, name: Any, models: Mapping[str, ModelEntry]) -> str:
    if not name or not isinstance(name, str):
        raise ConfigError(path, key, "expected a model name from model_list")
    if name in models or any(("*" in m and fnmatch.fnmatchcase(name, m)) for m in models):
        return name
    valid = ", ".join(sorted(models)) or "(model_list is empty)"
    raise ConfigError(path, key, f"unknown model {name!r}; add it to model_list or use one of: {valid}")


def build_scoring(
    path: str,
    overrides: Any,
    envelopes: tuple[tuple[str, str], ...] | None = None,
    escalation: Any = None,
) -> ScoringConfig:
    """Bundled scoring table and keyword lists, with the config's overrides applied."""
    base, keyword_data = _default_scoring_data()
    overrides = _mapping(path, "smart_router.scoring", overrides)
    _only(path, "smart_router.scoring", overrides, {"boundaries", "dimensions", "token_count", "overrides", "text", "keywords"})

    def merged(name: str) -> dict:
        value = dict(base.get(name) or {})
        given = _mapping(path, f"smart_router.scoring.{name}", overrides.get(name) or {})
        _only(path, f"smart_router.scoring.{name}", given, value)
        return value | given

    dimensions = {}
    dim_raw = dict(base["dimensions"])
    for name, spec in _mapping(path, "smart_router.scoring.dimensions", overrides.get("dimensions") or {}).items():
        _only(path, "smart_router.scoring.dimensions", {name: spec}, DIMENSIONS)
        spec = _mapping(path, f"smart_router.scoring.dimensions.{name}", spec)
        _only(path, f"smart_router.scoring.dimensions.{name}", spec, {"weight", "saturation"})
        dim_raw[name] = {**dim_raw[name], **spec}
    for name in DIMENSIONS:
        key = f"smart_router.scoring.dimensions.{name}"
        weight = _number(path, f"{key}.weight", dim_raw[name].get("weight"))
        saturation = _number(path, f"{key}.saturation", dim_raw[name].get("saturation", 1))
        if saturation <= 0:
            raise ConfigError(path, f"{key}.saturation", "must be > 0")
        dimensions[name] = DimensionSpec(weight, saturation)

    bounds_raw = merged("boundaries")
    boundaries = {}
    for tier in (Tier.MEDIUM, Tier.COMPLEX, Tier.REASONING):
        boundaries[tier] = _number(path, f"smart_router.scoring.boundaries.{tier.name}", bounds_raw.get(tier.name))
    if not boundaries[Tier.MEDIUM] <= boundaries[Tier.COMPLEX] <= boundaries[Tier.REASONING]:
        raise ConfigError(path, "smart_router.scoring.boundaries", "must not decrease: MEDIUM <= COMPLEX <= REASONING")

    tokens, rules, text = merged("token_count"), merged("overrides"), merged("text")
    return ScoringConfig(
        dimensions=dimensions,
        boundaries=boundaries,
        keywords=_keywords(path, keyword_data["dimensions"], overrides.get("keywords") or {}),
        signals=_signals(path, keyword_data.get("signals") or {}, escalation),
        stopwords=keyword_data.get("stopwords") or {},
        short_tokens=int(_number(path, "smart_router.scoring.token_count.short", tokens["short"])),
        long_tokens=int(_number(path, "smart_router.scoring.token_count.long", tokens["long"])),
        reasoning_override=int(_number(path, "smart_router.scoring.overrides.reasoning_markers", rules["reasoning_markers"])),
        huge_context_tokens=int(_number(path, "smart_router.scoring.overrides.huge_context_tokens", rules["huge_context_tokens"])),
        max_scan_chars=int(_number(path, "smart_router.scoring.text.max_scan_chars", text["max_scan_chars"])),
        history_turns=int(_number(path, "smart_router.scoring.text.history_turns", text["history_turns"])),
        history_decay=_number(path, "smart_router.scoring.text.history_decay", text["history_decay"]),
        ask=AskLexicon.from_data(keyword_data.get("ask") or {}),
        scope_points=int(_number(path, "smart_router.scoring.overrides.scope_points", rules["scope_points"])),
        **({"envelopes": envelopes} if envelopes is not None else {}),
    )


def _signals(path: str, base: Mapping[str, Any], escalation: Any) -> dict[str, dict[str, list[str]]]:
    """Bundled signal lists plus ``smart_router.escalation_phrases: {language: [phrase, ...]}``."""
    key = "smart_router.escalation_phrases"
    signals = {name: {lang: list(words) for lang, words in langs.items()} for name, langs in base.items()}
    for lang, words in _mapping(path, key, escalation).items():
        if not _LANGUAGE_CODE.fullmatch(str(lang)):
            raise ConfigError(path, f"{key}.{lang}", "unknown language; use an ISO 639-1 code such as en, de, zh")
        if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
            raise ConfigError(path, f"{key}.{lang}", "expected a list of strings")
        signals.setdefault("escalation", {}).setdefault(str(lang), []).extend(words)
    return signals


def _keywords(path: str, base: Mapping[str, Any], raw: Any) -> dict[str, dict[str, list[str]]]:
    """Apply ``keywords: {extend: {...}, replace: {...}}`` to the bundled lists."""
    key = "smart_router.scoring.keywords"
    raw = _mapping(path, key, raw)
    _only(path, key, raw, {"extend", "replace"})
    lists = {dim: {lang: list(words) for lang, words in langs.items()} for dim, langs in base.items()}
    bundled = ", ".join(sorted({str(lang) for langs in base.values() for lang in langs}))
    for mode in ("replace", "extend"):
        for dim, langs in _mapping(path, f"{key}.{mode}", raw.get(mode) or {}).items():
            if dim not in KEYWORD_DIMENSIONS:
                raise ConfigError(path, f"{key}.{mode}.{dim}", f"unknown dimension; valid: {', '.join(KEYWORD_DIMENSIONS)}")
            for lang, words in _mapping(path, f"{key}.{mode}.{dim}", langs).items():
                if not _LANGUAGE_CODE.fullmatch(str(lang)):
                    raise ConfigError(
                        path, f"{key}.{mode}.{dim}.{lang}",
                        f"unknown language; use an ISO 639-1 code (bundled: {bundled}; others such as fr, it are fine)",
                    )  # fmt: skip
                if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
                    raise ConfigError(path, f"{key}.{mode}.{dim}.{lang}", "expected a list of strings")
                current = [] if mode == "replace" else lists[dim].get(str(lang), [])
                lists[dim][str(lang)] = current + words
    return lists


def _mapping(path: str, key: str, value: Any) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ConfigError(path, key, f"expected a mapping, got {type(value).__name__}")
    return value


def _number(path: str, key: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ConfigError(path, key, f"expected a number, got {value!r}")
    return float(value)
