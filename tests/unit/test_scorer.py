"""Scorer behaviour: tiers per language, substring traps, overrides, monotonicity, bounded cost."""

import random
import re
import time

import pytest
from hypothesis import given, settings, strategies as st

from smart_router.scorer import DIMENSIONS, tier_for_score
from smart_router.types import RoutingText, Tier, Turn

from .multilingual_cases import CASES


def tier_of(scorer, prompt: str, system: str = "") -> Tier:
    return scorer.score(RoutingText.of(prompt, system)).tier


@pytest.mark.parametrize("language,prompt,lowest,highest", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_multilingual_prompts_land_in_their_tier(scorer, language, prompt, lowest, highest):
    decision = scorer.score(RoutingText.of(prompt))
    assert Tier[lowest] <= decision.tier <= Tier[highest], decision.to_dict()
    assert decision.languages and decision.languages[0] == language


def test_every_language_has_simple_coding_and_proof_cases():
    for language in ("en", "zh", "ja", "ru", "de", "es", "pt", "ko", "ar"):
        tiers = {(lo, hi) for lang, _, lo, hi in CASES if lang == language}
        assert ("SIMPLE", "SIMPLE") in tiers and ("REASONING", "REASONING") in tiers
        assert any(lo == "MEDIUM" for lo, _ in tiers)


@pytest.mark.parametrize(
    "prompt,expected",
    [
        ("what is the capital of france", Tier.SIMPLE),
        ("Prove that sqrt(2) is irrational step by step", Tier.REASONING),
        ("design a high-availability microservices architecture", Tier.COMPLEX),
    ],
)
def test_seed_examples(scorer, prompt, expected):
    assert tier_of(scorer, prompt) == expected


@pytest.mark.parametrize(
    "trap,keyword,dimension",
    [
        ("Please approve the budget request for next week.", "prove", "reasoningMarkers"),
        ("Tell me the history of Rome in one line.", "story", "creativeMarkers"),
        ("Can you classify these fruits as sweet or sour?", "class", "codePresence"),
        ("State the Pythagorean theorem.", "step", "multiStepPatterns"),
    ],
)
def test_substrings_inside_words_do_not_match(scorer, trap, keyword, dimension):
    decision = scorer.score(RoutingText.of(trap))
    assert not any(keyword in m for m in decision.dimension(dimension).matches), decision.to_dict()
    assert decision.tier <= Tier.MEDIUM
    assert keyword not in re.findall(r"\w+", decision.rule or "")  # a rule may fire, never on the trap word


def test_traps_score_like_their_neutral_twin(scorer):
    # The trap words add nothing compared with a neutral word in their place.
    assert scorer.score(RoutingText.of("Please approve this.")).score == scorer.score(RoutingText.of("Please accept this.")).score
    assert scorer.score(RoutingText.of("State the Pythagorean theorem.")).dimension("multiStepPatterns").value == 0


def test_overlapping_keywords_count_once(scorer):
    # "prove that" contains "prove": one marker, so no REASONING override by itself.
    decision = scorer.score(RoutingText.of("prove that it works"))
    assert decision.dimension("reasoningMarkers").matches == ("prove that",)
    assert decision.rule is None


def test_two_distinct_reasoning_markers_force_reasoning(scorer):
    decision = scorer.score(RoutingText.of("Derive the formula and show that it holds."))
    assert decision.tier == Tier.REASONING and decision.floor == Tier.REASONING


def test_huge_context_is_at_least_complex(scorer):
    # A huge ask is COMPLEX on its length alone; the override is for a short ask on top of a
    # huge context (an earlier turn), which the length of the ask does not see.
    assert scorer.score(RoutingText.of("ok " * 120_000)).tier >= Tier.COMPLEX
    turns = (Turn("user", "ok " * 120_000), Turn("assistant", "Noted."), Turn("user", "thanks"))
    decision = scorer.score(RoutingText(turns=turns))
    assert decision.tokens > 100_000
    assert decision.tier >= Tier.COMPLEX
    assert decision.rule and "tokens" in decision.rule


def test_system_prompt_asking_for_json_is_at_least_medium(scorer):
    plain = scorer.score(RoutingText.of("hello"))
    json_system = scorer.score(RoutingText.of("hello", system="Always answer with valid JSON matching the schema."))
    assert plain.tier == Tier.SIMPLE
    assert json_system.tier == Tier.MEDIUM and json_system.rule == "structured output requested"
    asked = scorer.score(RoutingText(turns=(Turn("user", "hello"),), wants_json=True))
    assert asked.tier == Tier.MEDIUM


def test_boilerplate_system_prompt_does_not_raise_the_tier(scorer):
    boilerplate = (
        "You are an autonomous coding agent. Think step by step and prove each claim rigorously. "
        "You design distributed microservices architecture with high availability. " * 30
    )
    assert tier_of(scorer, "thanks, that's all", system=boilerplate) == Tier.SIMPLE


def test_newest_user_turn_counts_most(scorer):
    hard = "Prove by induction, step by step, that 2^n > n for all n."
    conversation = RoutingText(turns=(Turn("user", hard), Turn("assistant", "Here is the proof..."), Turn("user", "thanks!")))
    decision = scorer.score(conversation)
    assert decision.rule is None  # markers of older turns never force REASONING
    assert decision.tier < Tier.REASONING
    assert decision.dimension("reasoningMarkers").value > 0  # but the history still counts, decayed


def test_decision_reports_every_dimension(scorer):
    decision = scorer.score(RoutingText.of("Write a haiku about the sea"))
    assert [d.name for d in decision.dimensions] == list(DIMENSIONS)
    assert len(DIMENSIONS) == 15
    assert abs(sum(d.contribution for d in decision.dimensions) - decision.score) < 1e-9
    assert "haiku" in decision.dimension("creativeMarkers").matches


def test_cjk_tokens_are_counted_by_tiktoken_not_chars_over_four(scorer):
    text = "请用数学归纳法证明前n个奇数之和等于n的平方" * 20
    decision = scorer.score(RoutingText.of(text))
    assert decision.ask_tokens > len(text) / 4 * 1.5


def test_code_without_keywords_is_detected(scorer):
    snippet = "for (let i = 0; i < n; i++) {\n  total += xs[i] * w[i];\n}\nreturn total === expected;"
    decision = scorer.score(RoutingText.of(snippet))
    assert decision.dimension("codePresence").value > 0.5
    assert decision.tier >= Tier.MEDIUM


@given(st.lists(st.floats(min_value=-5, max_value=5, allow_nan=False), min_size=2, max_size=50))
def test_tier_is_monotonic_in_score(scores):
    boundaries = {Tier.MEDIUM: 0.0, Tier.COMPLEX: 0.3, Tier.REASONING: 0.5}
    ordered = sorted(scores)
    tiers = [tier_for_score(s, boundaries) for s in ordered]
    assert tiers == sorted(tiers)


def test_every_tier_is_reachable_by_score():
    boundaries = {Tier.MEDIUM: 0.0, Tier.COMPLEX: 0.3, Tier.REASONING: 0.5}
    assert [tier_for_score(s, boundaries) for s in (-0.1, 0.0, 0.29, 0.3, 0.5, 0.9)] == [
        Tier.SIMPLE, Tier.MEDIUM, Tier.MEDIUM, Tier.COMPLEX, Tier.REASONING, Tier.REASONING,
    ]  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_any_text_scores_without_error(scorer, text):
    decision = scorer.score(RoutingText.of(text, system=text))
    assert decision.tier in Tier


@pytest.mark.parametrize(
    "name,text",
    [
        ("1 MB prose", ("The quick brown fox proves nothing step by step. " * 25_000)[:1_000_000]),
        ("1 MB repeated pattern", ("first step then (a|a)*$ ``` " * 40_000)[:1_000_000]),
        ("1 MB without spaces", "x" * 1_000_000),
        ("1 MB CJK", ("证明逐步推导" * 200_000)[:1_000_000]),
    ],
)
def test_megabyte_prompts_score_fast(scorer, name, text):
    scorer.score(RoutingText.of("warm up"))
    started = time.perf_counter()
    decision = scorer.score(RoutingText.of(text))
    elapsed = time.perf_counter() - started
    assert decision.tokens > 100_000
    assert elapsed < 0.05, f"{name}: {elapsed * 1000:.1f} ms"


# The scorer's math-notation signal as one plain regular expression: the reference its probes must equal.
MATH_NOTATION = re.compile(
    "[√∛∫∮∑∏≠≡∞∈∉∀∃⊂⊆∪∩ℕℤℚℝℂ∂∇−\u2070-\u209c]|(?<![mM])[²³]"
    r"|\\(?:frac|sum|int|sqrt|prod|lim|binom|leq?|geq?|neq|cdot|infty)\b|\w\^[\w(]"
)


def test_math_notation_signal_equals_the_single_regex(scorer):
    rng = random.Random(17)
    pool = list("abc mM x^2 ( \\ ²³√−⁰₁ℝ\n_") + ["\\frac", "\\le", "\\leq ", "\\lex", "x^", "m²", "M³", "é", "中", "^("]
    for _ in range(20000):
        text = "".join(rng.choice(pool) for _ in range(rng.randint(0, 25)))
        markers = scorer.score(RoutingText.of(text)).dimension("reasoningMarkers").matches
        assert ("math notation" in markers) == bool(MATH_NOTATION.search(text)), text
