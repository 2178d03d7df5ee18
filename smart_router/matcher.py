"""Linear-time multilingual keyword matching.

One pass tokenizes the text; each token then costs a few dictionary look-ups, so matching
is linear in the text length whatever the keyword lists hold. No regular expression is
built from keywords, so a hostile keyword or prompt cannot cause backtracking.

Per-script rules:
* Latin, Cyrillic, Greek, Hangul, Arabic...: whole words on Unicode word boundaries;
  phrases are consecutive words; a trailing ``*`` on a word makes it a prefix.
* Hangul keywords are prefixes (Korean particles and endings attach to the word).
* Arabic keywords of three letters or more are prefixes (suffixes attach), and Arabic
  tokens also match with a leading clitic (و ف ب ل ك ال ...) removed.
* Han / Hiragana / Katakana: substring search inside each CJK run (no spaces there);
  a keyword of Hiragana only must not continue a Hiragana word (``ことは`` is not ``とは``).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Iterable, Mapping, Sequence

import regex

_CJK = r"\p{Han}\p{Hiragana}\p{Katakana}ー々〆"
TOKEN_RE = regex.compile(rf"(?V1)[{_CJK}]+|[\w--[{_CJK}]]+")
_CJK_RE = regex.compile(rf"[{_CJK}]")
_HANGUL_RE = regex.compile(r"\p{Hangul}")
_ARABIC_RE = regex.compile(r"\p{Arabic}")
_HIRAGANA_RE = regex.compile(r"^\p{Hiragana}+$")
_CACHE_LIMIT = 50_000  # distinct tokens remembered between calls
_ARABIC_CLITICS = ("وال", "بال", "فال", "كال", "لل", "ال", "و", "ف", "ب", "ل", "ك")
# Alef forms and teh marbuta are often written loosely; tashkeel marks are dropped.
_ARABIC_FOLD = {ord(c): "ا" for c in "أإآ"} | {ord("ى"): "ي"} | {
    cp: None for cp in range(0x064B, 0x0660)
}


def normalize(text: str) -> str:
    """Case-fold and fold Arabic spelling variants, as both keywords and text are."""
    return text.casefold().translate(_ARABIC_FOLD)


def tokenize(text: str) -> list[str]:
    """Split normalized text into word tokens and CJK runs."""
    return TOKEN_RE.findall(text)


@dataclass(frozen=True)
class Keyword:
    """One keyword of one dimension and language, in canonical (normalized) form."""

    dimension: str
    language: str
    text: str


@dataclass
class Matches:
    """Keywords found in one text: per dimension the distinct keywords, per language hits."""

    by_dimension: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    by_language: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def add(self, keywords: Iterable[Keyword]) -> None:
        for kw in keywords:
            self.by_dimension[kw.dimension].add(kw.text)
            self.by_language[kw.language] += 1


@dataclass(frozen=True)
class _Phrase:
    words: tuple[str, ...]
    prefix: tuple[bool, ...]
    keywords: tuple[Keyword, ...]

    def matches_at(self, tokens: Sequence[str], start: int, first: str) -> bool:
        if start + len(self.words) > len(tokens):
            return False
        for offset, (word, is_prefix) in enumerate(zip(self.words, self.prefix)):
            token = first if offset == 0 else tokens[start + offset]
            if not (token.startswith(word) if is_prefix else token == word):
                return False
        return True


class KeywordMatcher:
    """Matches keyword lists ``{dimension: {language: [keyword, ...]}}`` against text."""

    def __init__(self, lists: Mapping[str, Mapping[str, Sequence[str]]]):
        self._words: dict[str, list[Keyword]] = defaultdict(list)
        self._stems: dict[str, list[Keyword]] = defaultdict(list)
        self._phrases: dict[str, list[_Phrase]] = defaultdict(list)  # by exact first word
        self._prefix_phrases: dict[str, list[_Phrase]] = defaultdict(list)  # first word is a prefix
        self._cjk: dict[str, list[Keyword]] = defaultdict(list)
        for dimension, per_language in lists.items():
            for language, keywords in per_language.items():
                for raw in keywords:
                    self._add(dimension, language, str(raw))
        self._stem_lengths = sorted({len(s) for s in self._stems})
        self._cjk_lengths = sorted({len(s) for s in self._cjk}, reverse=True)
        self._cjk_first_chars = {s[0] for s in self._cjk}
        self._cache: dict[str, tuple[tuple[int, Keyword], ...]] = {}

    def _add(self, dimension: str, language: str, raw: str) -> None:
        text = normalize(raw.strip())
        if not text or text == "*":
            return
        if _CJK_RE.search(text):
            key = "".join(text.split()).rstrip("*")
            self._cjk[key].append(Keyword(dimension, language, key))
            return
        parts = text.split()
        words = tuple(w for part in parts for w in tokenize(part.rstrip("*")))
        if not words:
            return
        prefix = [False] * len(words)
        # A "*" on a space-separated part applies to that part's last token.
        index = -1
        for part in parts:
            index += len(tokenize(part.rstrip("*")))
            if part.endswith("*") and index >= 0:
                prefix[index] = True
        if _HANGUL_RE.search(words[-1]) or (_ARABIC_RE.search(words[-1]) and len(words[-1]) >= 3):
            prefix[-1] = True  # suffixes and particles attach to the word
        canonical = " ".join(w + ("*" if p else "") for w, p in zip(words, prefix))
        keyword = Keyword(dimension, language, canonical)
        if len(words) == 1:
            (self._stems if prefix[0] else self._words)[words[0]].append(keyword)
        else:
            bucket = self._prefix_phrases[words[0][:2]] if prefix[0] else self._phrases[words[0]]
            for phrase in bucket:
                if phrase.words == words and phrase.prefix == tuple(prefix):
                    bucket[bucket.index(phrase)] = _Phrase(
                        words, tuple(prefix), phrase.keywords + (keyword,)
                    )
                    return
            bucket.append(_Phrase(words, tuple(prefix), (keyword,)))

    def match(self, text: str) -> Matches:
        """Return the keywords found in ``text`` (linear in its length).

        Where keywords of one dimension overlap at the same start ("prove" and
        "prove that"), only the longest counts, so one phrase is one signal.
        """
        found = Matches()
        tokens = tokenize(normalize(text))
        phrases, prefix_phrases = self._phrases, self._prefix_phrases
        for i, token in enumerate(tokens):
            if _CJK_RE.match(token[0]):
                self._match_cjk(token, found)
                continue
            hits = list(self._word_hits(token))
            variants = self._variants(token)
            if len(hits) > 1 or any(v in phrases or v[:2] in prefix_phrases for v in variants):
                for variant in variants:
                    self._match_phrases(tokens, i, variant, hits)
                found.add(_longest_per_dimension(hits))
            elif hits:
                found.add((hits[0][1],))
        return found

    def _word_hits(self, token: str) -> tuple[tuple[int, Keyword], ...]:
        """Single-word keyword hits of one token (cached: prompts repeat their words)."""
        cached = self._cache.get(token)
        if cached is None:
            hits: list[tuple[int, Keyword]] = []
            for variant in self._variants(token):
                self._match_word(variant, hits)
            cached = tuple(hits)
            if len(self._cache) >= _CACHE_LIMIT:
                self._cache.clear()
            self._cache[token] = cached
        return cached

    @staticmethod
    def _variants(token: str) -> tuple[str, ...]:
        if not ("\u0600" <= token[0] <= "\u06ff"):
            return (token,)
        stripped = tuple(
            token[len(c) :] for c in _ARABIC_CLITICS if token.startswith(c) and len(token) - len(c) >= 2
        )
        return (token,) + stripped

    def _match_word(self, token: str, hits: list[tuple[int, Keyword]]) -> None:
        """Collect (length rank, keyword) of every single-word keyword matching ``token``."""
        for kw in self._words.get(token, ()):
            hits.append((2 * len(token) + 1, kw))
        for length in self._stem_lengths:
            if length > len(token):
                break
            for kw in self._stems.get(token[:length], ()):
                hits.append((2 * length, kw))

    def _match_phrases(self, tokens: list[str], i: int, token: str, hits: list[tuple[int, Keyword]]) -> None:
        """Collect (length rank, keyword) of every phrase starting at token ``i``."""
        for phrase in (*self._phrases.get(token, ()), *self._prefix_phrases.get(token[:2], ())):
            if phrase.matches_at(tokens, i, token):
                rank = 2 * sum(len(w) for w in phrase.words) + 1
                hits.extend((rank, kw) for kw in phrase.keywords)

    def _match_cjk(self, run: str, found: Matches) -> None:
        first_chars = self._cjk_first_chars
        for j, char in enumerate(run):
            if char not in first_chars:
                continue
            hits: list[tuple[int, Keyword]] = []
            for length in self._cjk_lengths:
                if j + length > len(run):
                    continue
                for kw in self._cjk.get(run[j : j + length], ()):
                    if j > 0 and _HIRAGANA_RE.match(kw.text) and _HIRAGANA_RE.match(run[j - 1]):
                        continue
                    hits.append((length, kw))
            found.add(_longest_per_dimension(hits))


def _longest_per_dimension(hits: list[tuple[int, Keyword]]) -> list[Keyword]:
    """Of keywords starting at one position, keep per dimension those of the longest match."""
    if len(hits) <= 1:
        return [kw for _, kw in hits]
    best: dict[str, int] = {}
    for rank, kw in hits:
        best[kw.dimension] = max(rank, best.get(kw.dimension, 0))
    return [kw for rank, kw in hits if rank == best[kw.dimension]]
