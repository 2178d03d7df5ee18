"""The keyword matcher: its rules on small lists, and its fast paths against a plain reference.

The reference below is the straightforward version the fast code replaced: it reads the
keyword lists by the rules of the module docstring and tries every keyword at every
position, with no plans, caches or indexes. Any optimization that changes a result fails here.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import pytest
import regex

from smart_router import matcher
from smart_router.config import load_config
from smart_router.matcher import Keyword, KeywordMatcher
from smart_router.scorer import ESCALATION, LANGUAGE_HINTS, STRUCTURED_OUTPUT

from .multilingual_cases import CASES

CJK = regex.compile(r"[\p{Han}\p{Hiragana}\p{Katakana}ー々〆]")
HIRAGANA_WORD = regex.compile(r"^\p{Hiragana}+$")
ARABIC_CLITICS = ("وال", "بال", "فال", "كال", "لل", "ال", "و", "ف", "ب", "ل", "ك")
ARABIC_FOLD = {ord(c): "ا" for c in "أإآ"} | {ord("ى"): "ي"} | {cp: None for cp in range(0x064B, 0x0660)}


def _lists() -> dict:
    cfg = load_config(None).scoring
    return {
        **cfg.keywords,
        LANGUAGE_HINTS: cfg.stopwords,
        ESCALATION: cfg.signals.get(ESCALATION, {}),
        STRUCTURED_OUTPUT: cfg.signals.get(STRUCTURED_OUTPUT, {}),
    }


def _found(lists: dict, text: str) -> dict[str, set[str]]:
    return dict(KeywordMatcher(lists).match(text).by_dimension)


@pytest.mark.parametrize("keywords,text,found", [
    (["prove"], "improve it", set()),  # whole words only
    (["prove", "prove that"], "prove that it halts", {"prove that"}),  # the longest match per dimension
    (["optim*"], "optimizing and reoptimizing", {"optim*"}),  # "*": a prefix, still at a word start
    (["step by step"], "Step By Step, please", {"step by step"}),  # phrases, case-folded
    (["step by step"], "step, by step", {"step by step"}),  # punctuation between words is no word
    (["step by"], "step", set()),
    (["증명"], "증명하세요", {"증명*"}),  # Hangul keywords are prefixes
    (["كتاب"], "والكتاب", {"كتاب*"}),  # Arabic: a clitic removed, and a prefix
    (["أحمد"], "احمد", {"احمد*"}),  # Arabic spelling variants folded
    (["とは"], "AIとは", {"とは"}),  # CJK: a substring of the run
    (["とは"], "ことは", set()),  # but Hiragana must not continue a Hiragana word
    (["证明"], "请证明这个定理", {"证明"}),
    (["", "*", "  "], "anything * at all", set()),  # empty keywords match nothing
])  # fmt: skip
def test_matching_rules(keywords, text, found):
    assert _found({"d": {"xx": keywords}}, text) == ({"d": found} if found else {})


def test_hits_are_counted_per_language_and_occurrence():
    m = KeywordMatcher({"d": {"en": ["proof"], "de": ["beweis"]}, "e": {"en": ["proof"]}})
    found = m.match("proof, proof and Beweis")
    assert dict(found.by_dimension) == {"d": {"proof", "beweis"}, "e": {"proof"}}
    assert dict(found.by_language) == {"en": 4, "de": 1}


@dataclass(frozen=True)
class Entry:
    """One keyword read by the docstring's rules: its words (or CJK key) and which are prefixes."""

    keyword: Keyword
    words: tuple[str, ...]
    prefix: tuple[bool, ...]

    @property
    def rank(self) -> int:
        """Its match length: longer wins; an exact word beats a prefix of the same length."""
        return 2 * sum(map(len, self.words)) + (0 if self.prefix == (True,) else 1)

    def matches_at(self, tokens: list[str], i: int, first: str) -> bool:
        words = [first, *tokens[i + 1 : i + len(self.words)]]
        return len(words) == len(self.words) and all(
            token.startswith(word) if is_prefix else token == word
            for token, word, is_prefix in zip(words, self.words, self.prefix)
        )


def _entries(lists: dict) -> tuple[list[Entry], list[Entry]]:
    """The keywords of ``lists`` as (CJK entries, word entries)."""
    cjk: list[Entry] = []
    word_entries: list[Entry] = []
    for dimension, per_language in lists.items():
        for language, keywords in per_language.items():
            for raw in keywords:
                text = matcher.normalize(str(raw).strip())
                if text in ("", "*"):
                    continue
                if CJK.search(text):
                    key = "".join(text.split()).rstrip("*")
                    cjk.append(Entry(Keyword(dimension, language, key), (key,), (False,)))
                    continue
                words: list[str] = []
                prefix: list[bool] = []
                for part in text.split():
                    found = matcher.tokenize(part.rstrip("*"))
                    words += found
                    prefix += [False] * len(found)
                    if part.endswith("*") and prefix:
                        prefix[-1] = True
                if not words:
                    continue
                if regex.search(r"\p{Hangul}", words[-1]) or (regex.search(r"\p{Arabic}", words[-1]) and len(words[-1]) >= 3):
                    prefix[-1] = True
                canonical = " ".join(w + ("*" if p else "") for w, p in zip(words, prefix))
                word_entries.append(Entry(Keyword(dimension, language, canonical), tuple(words), tuple(prefix)))
    return cjk, word_entries


def _variants(token: str) -> list[str]:
    if not "\u0600" <= token[0] <= "\u06ff":
        return [token]
    return [token] + [token[len(c) :] for c in ARABIC_CLITICS if token.startswith(c) and len(token) - len(c) >= 2]


class Reference:
    """Keyword matching position by position: every keyword that could start there is tried.

    Entries are only grouped by their first character, which cannot change a result.
    """

    def __init__(self, lists: dict):
        cjk, word_entries = _entries(lists)
        self.cjk: dict[str, list[Entry]] = {}
        self.words: dict[str, list[Entry]] = {}
        for group, entries in ((self.cjk, cjk), (self.words, word_entries)):
            for e in entries:
                group.setdefault(e.words[0][0], []).append(e)

    def match(self, text: str) -> tuple[dict, dict]:
        """(keywords per dimension, hits per language) of ``text``."""
        by_dimension: dict[str, set[str]] = {}
        by_language: dict[str, int] = {}

        def add(hits: list[tuple[int, Keyword]]) -> None:
            best: dict[str, int] = {}
            for rank, kw in hits:
                best[kw.dimension] = max(rank, best.get(kw.dimension, 0))
            for rank, kw in hits:
                if rank == best[kw.dimension]:
                    by_dimension.setdefault(kw.dimension, set()).add(kw.text)
                    by_language[kw.language] = by_language.get(kw.language, 0) + 1

        toks = matcher.TOKEN_RE.findall(text.casefold().translate(ARABIC_FOLD))
        for i, token in enumerate(toks):
            if CJK.match(token[0]):
                for j in range(len(token)):
                    add([
                        (e.rank, e.keyword) for e in self.cjk.get(token[j], ()) if token.startswith(e.words[0], j)
                        and not (j > 0 and HIRAGANA_WORD.match(e.words[0]) and HIRAGANA_WORD.match(token[j - 1]))
                    ])  # fmt: skip
            else:
                add([(e.rank, e.keyword) for v in _variants(token) for e in self.words.get(v[0], ()) if e.matches_at(toks, i, v)])
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
    lists = _lists()
    m, reference = KeywordMatcher(lists), Reference(lists)
    for text in _corpus(seed=11, count=1500):
        found = m.match(text)
        assert (dict(found.by_dimension), dict(found.by_language)) == reference.match(text), text


def test_matcher_results_do_not_depend_on_its_cache():
    texts = _corpus(seed=12, count=200)
    warm = KeywordMatcher(_lists())
    first = [(dict(f.by_dimension), dict(f.by_language)) for f in map(warm.match, texts)]
    again = [(dict(f.by_dimension), dict(f.by_language)) for f in map(warm.match, reversed(texts))]
    cold = [(dict(f.by_dimension), dict(f.by_language)) for f in map(KeywordMatcher(_lists()).match, reversed(texts))]
    assert first == list(reversed(again)) == list(reversed(cold))


def test_plan_cache_stays_within_its_limit():
    m = KeywordMatcher(_lists())
    m.match(" ".join(f"w{n}" for n in range(matcher.CACHE_LIMIT + 10)))
    assert 0 < m.cache_size <= matcher.CACHE_LIMIT


def test_tokenize_and_normalize_fast_paths_are_exact():
    ascii_chars = "".join(map(chr, range(128)))
    assert matcher.tokenize(ascii_chars) == matcher.TOKEN_RE.findall(ascii_chars)
    rng = random.Random(13)
    pool = [chr(c) for c in range(0x20, 0x2FF)] + list("ЖжЯя中文かなカナーー々〆한국어عربيةأإآىً ́") + ["\u0300", "\u094d", "²", "Ⅻ"]
    for _ in range(2000):
        text = "".join(rng.choice(pool) for _ in range(rng.randint(0, 40)))
        assert matcher.tokenize(text) == matcher.TOKEN_RE.findall(text), text
        assert matcher.normalize(text) == text.casefold().translate(ARABIC_FOLD), text
