"""The fast matcher, structure and token paths give exactly what the plain algorithms give.

The references below are the straightforward versions the fast code replaced: one
position at a time for keywords, one regular expression per code kind, one tiktoken call
per text. Any optimization that changes a result fails here.
"""

from __future__ import annotations

import random
import re
import string

import regex

from smart_router import matcher, structure, tokens
from smart_router.config import load_config
from smart_router.scorer import ESCALATION, LANGUAGE_HINTS, STRUCTURED_OUTPUT

from .multilingual_cases import CASES


def _lists() -> dict:
    cfg = load_config(None).scoring
    return {
        **cfg.keywords,
        LANGUAGE_HINTS: cfg.stopwords,
        ESCALATION: cfg.signals.get(ESCALATION, {}),
        STRUCTURED_OUTPUT: cfg.signals.get(STRUCTURED_OUTPUT, {}),
    }


def _reference_match(m: matcher.KeywordMatcher, text: str) -> tuple[dict, dict]:
    """Keyword matching position by position, with no plans, caches or fast paths."""
    by_dimension: dict[str, set[str]] = {}
    by_language: dict[str, int] = {}

    def add(keywords):
        for kw in keywords:
            by_dimension.setdefault(kw.dimension, set()).add(kw.text)
            by_language[kw.language] = by_language.get(kw.language, 0) + 1

    toks = matcher.TOKEN_RE.findall(text.casefold().translate(matcher._ARABIC_FOLD))
    for i, token in enumerate(toks):
        if matcher._CJK_RE.match(token[0]):
            for j in range(len(token)):
                hits = []
                for key, keywords in m._cjk.items():
                    if token.startswith(key, j):
                        for kw in keywords:
                            if j > 0 and matcher._HIRAGANA_RE.match(kw.text) and matcher._HIRAGANA_RE.match(token[j - 1]):
                                continue
                            hits.append((len(key), kw))
                add(matcher._longest_per_dimension(hits))
            continue
        hits = []
        for variant in m._variants(token):
            m._match_word(variant, hits)
        for variant in m._variants(token):
            for phrase in (*m._phrases.get(variant, ()), *m._prefix_phrases.get(variant[:2], ())):
                if phrase.matches_at(toks, i, variant):
                    hits.extend((2 * sum(len(w) for w in phrase.words) + 1, kw) for kw in phrase.keywords)
        add(matcher._longest_per_dimension(hits))
    return by_dimension, by_language


def _corpus(seed: int, count: int) -> list[str]:
    lists = _lists()
    words = [str(w).rstrip("*") for per in lists.values() for ws in per.values() for w in ws]
    rng = random.Random(seed)
    seps = [" ", "", "\n", ", ", "。", "、", " (", ") ", "-", "_", "'", "\t", "：", "?", "？"]
    suffixes = ["", "s", "ing", "ы", "ами", "的", "는", "ه", "ة", "ال"]
    texts = [case[1] for case in CASES]
    texts += ["", " ", "ことは", "とは", "ことはとは", "ال", "وال", "x" * 80, "́abc", "١٢٣", "Ⅻ ½ ²", "㋐㋑ かな ㌀", "⺀⼀ 中文"]
    for _ in range(count):
        parts = [rng.choice(words) + rng.choice(suffixes) for _ in range(rng.randint(1, 30))]
        parts = [p.upper() if rng.random() < 0.2 else p for p in parts]
        texts.append("".join(p + rng.choice(seps) for p in parts))
    return texts


def test_matcher_equals_position_by_position_reference():
    m = matcher.KeywordMatcher(_lists())
    for text in _corpus(seed=11, count=1500):
        found = m.match(text)
        assert (dict(found.by_dimension), dict(found.by_language)) == _reference_match(m, text), text


def test_matcher_results_do_not_depend_on_its_cache():
    m = matcher.KeywordMatcher(_lists())
    texts = _corpus(seed=12, count=200)
    first = [(dict(f.by_dimension), dict(f.by_language)) for f in map(m.match, texts)]
    m._plans.clear()
    again = [(dict(f.by_dimension), dict(f.by_language)) for f in map(m.match, reversed(texts))]
    assert first == list(reversed(again))


def test_tokenize_and_normalize_fast_paths_are_exact():
    ascii_chars = "".join(map(chr, range(128)))
    assert matcher.tokenize(ascii_chars) == matcher.TOKEN_RE.findall(ascii_chars)
    rng = random.Random(13)
    pool = [chr(c) for c in range(0x20, 0x2FF)] + list("ЖжЯя中文かなカナーー々〆한국어عربيةأإآىً ́") + ["\u0300", "\u094d", "²", "Ⅻ"]
    for _ in range(2000):
        text = "".join(rng.choice(pool) for _ in range(rng.randint(0, 40)))
        assert matcher.tokenize(text) == matcher.TOKEN_RE.findall(text), text
        assert matcher.normalize(text) == text.casefold().translate(matcher._ARABIC_FOLD), text


# One plain regular expression per code kind: the reference structure.analyze's probes must equal.
CODE_PATTERNS = {
    "code fence": r"```|~~~",
    "definition": r"\b(?:def|fn|func|function|class|struct|impl|interface|enum)\s+[A-Za-z_]\w{0,60}\s{0,3}[(<:{]",
    "statement": r"(?m)^[ \t]{0,40}(?:import|from|#include|using|package|return|const|let|var|public|private|static|SELECT|INSERT|UPDATE|DELETE|CREATE|ALTER)\b",
    "call": r"\b[A-Za-z_][\w.]{0,60}\([^()\n]{0,80}\)\s{0,3}[{;:]",
    "operator": r"=>|->|::|===|!==|==|!=|&&|\|\||\+=|\+\+|<<|>>",
    "line end": r"(?m)[;{}][ \t]{0,20}$",
    "traceback": r"Traceback \(most recent call last\)|\bat [\w.$]{1,200}\(|\b\w{1,60}(?:Error|Exception):",
}


def test_structure_equals_one_regex_per_kind():
    reference = {name: regex.compile(pattern) for name, pattern in CODE_PATTERNS.items()}
    list_item = regex.compile(r"(?m)^[ \t]{0,20}(?:\d{1,3}[.)]|[-*•])[ \t]+\S")
    rng = random.Random(14)
    pieces = list("abcXYZ_019 \t\n()[]{}<>:;=!&|+-*.~`?？,،•") + [
        "def ", "class ", "fn ", "import ", "  return ", "at ", "Error:", "ValueError:", "Exception:", "```",
        "Traceback (most recent call last)", "1. ", "- ", "SELECT ", "é", "中", "\u0301", "foo(x);", "a == b",
    ]  # fmt: skip
    texts = ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 60))) for _ in range(5000)]
    texts += [structure.__doc__ or "", open(structure.__file__, encoding="utf-8").read()]
    for text in texts:
        got = structure.analyze(text)
        assert got.code_kinds == tuple(sorted(k for k, rx in reference.items() if rx.search(text))), text
        assert got.list_items == len(list_item.findall(text))
        assert got.questions == len(regex.findall(r"[?？؟]", text))
        assert got.separators == len(regex.findall(r"[,;:،؛、，；：]", text))


def test_joined_token_count_is_exact():
    rng = random.Random(15)
    pool = list("ab Z9 0\t\n\r'.,!?()-_") + ["'s", "'ll", "  ", "\n\n", "中文", "Ж", "é", "\u3000", "\u00a0", "123", "😀"]
    for _ in range(3000):
        parts = ["".join(rng.choice(pool) for _ in range(rng.randint(0, 12))) for _ in range(rng.randint(1, 4))]
        last = tokens.count_tokens(parts[-1])
        assert tokens.count_joined(parts, last) == tokens.count_tokens("\n".join(parts)), parts


def test_lean_encoder_counts_like_tiktoken():
    import tiktoken

    reference = tiktoken.get_encoding(tokens.ENCODING_NAME)
    rng = random.Random(16)
    pool = string.printable + "中文かなЖé😀\u3000" + "\ud800"
    for _ in range(500):
        text = "".join(rng.choice(pool) for _ in range(rng.randint(0, 200)))
        assert tokens._exact(text) == len(reference.encode_ordinary(text))


# The scorer's math-notation test as one plain regular expression: the reference its probes must equal.
MATH_NOTATION = re.compile(
    "[√∛∫∮∑∏≠≡∞∈∉∀∃⊂⊆∪∩ℕℤℚℝℂ∂∇−\u2070-\u209c]|(?<![mM])[²³]"
    r"|\\(?:frac|sum|int|sqrt|prod|lim|binom|leq?|geq?|neq|cdot|infty)\b|\w\^[\w(]"
)


def test_math_notation_probes_equal_the_single_regex():
    from smart_router.scorer import _has_math_notation

    rng = random.Random(17)
    pool = list("abc mM x^2 ( \\ ²³√−⁰₁ℝ\n_") + ["\\frac", "\\le", "\\leq ", "\\lex", "x^", "m²", "M³", "é", "中", "^("]
    for _ in range(20000):
        text = "".join(rng.choice(pool) for _ in range(rng.randint(0, 25)))
        assert _has_math_notation(text) == bool(MATH_NOTATION.search(text)), text
