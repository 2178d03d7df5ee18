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

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Iterable, Mapping, Sequence

import regex

_CJK = r"\p{Han}\p{Hiragana}\p{Katakana}ー々〆"
TOKEN_RE = regex.compile(rf"(?V1)[{_CJK}]+|[\w--[{_CJK}]]+")
_CJK_RE = regex.compile(rf"[{_CJK}]")
_HANGUL_RE = regex.compile(r"\p{Hangul}")
_ARABIC_RE = regex.compile(r"\p{Arabic}")
_HIRAGANA_RE = regex.compile(r"^\p{Hiragana}+$")
_ASCII_TOKEN_RE = re.compile(r"[A-Za-z0-9_]+")  # what TOKEN_RE finds in ASCII text, faster
_WORD_RE = regex.compile(r"\w+")  # what TOKEN_RE finds in text without CJK, faster
_ARABIC_FOLD_RE = re.compile("[\u0622\u0623\u0625\u0649\u064b-\u065f]")
CACHE_LIMIT = 20_000  # distinct tokens whose plan a KeywordMatcher remembers between calls
_CACHE_TOKEN_CHARS = 40  # longer tokens are rare: not remembered
_COUNT_ABOVE = 24  # tokens: shorter texts are walked token by token
_ONES = (1,) * _COUNT_ABOVE
_ARABIC_CLITICS = ("وال", "بال", "فال", "كال", "لل", "ال", "و", "ف", "ب", "ل", "ك")
# Alef forms and teh marbuta are often written loosely; tashkeel marks are dropped.
_ARABIC_FOLD = {ord(c): "ا" for c in "أإآ"} | {ord("ى"): "ي"} | {
    cp: None for cp in range(0x064B, 0x0660)
}


def normalize(text: str) -> str:
    """Case-fold and fold Arabic spelling variants, as both keywords and text are."""
    text = text.casefold()
    if text.isascii() or not _ARABIC_FOLD_RE.search(text):
        return text  # str.translate walks every character in Python objects: skip it when it is a no-op
    return text.translate(_ARABIC_FOLD)


def tokenize(text: str) -> list[str]:
    """Split normalized text into word tokens and CJK runs (``TOKEN_RE``, with exact fast paths)."""
    if text.isascii():
        return _ASCII_TOKEN_RE.findall(text)
    if not _CJK_RE.search(text):
        return _WORD_RE.findall(text)
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


_NO_HITS = object()  # plan of a token that matches nothing
_CJK_RUN = object()  # plan of a CJK run: substring search


class _PhrasePlan:
    """A token that may start a phrase: its single-word hits and the phrases starting with it.

    Phrases are indexed by their second word (when it must match exactly), so at most
    positions one look-up of the next token settles that no phrase starts there.
    """

    __slots__ = ("hits", "base", "by_next", "other")

    def __init__(self, hits: tuple[tuple[int, Keyword], ...], phrases: tuple[_Phrase, ...]):
        self.hits = hits
        self.base = tuple(_longest_per_dimension(list(hits)))  # the result where no phrase matches
        by_next: dict[str, list[tuple]] = defaultdict(list)
        other: list[tuple] = []
        for p in phrases:
            entry = (p, 2 * sum(len(w) for w in p.words) + 1, list(p.words[1:]), any(p.prefix[1:]))
            if p.prefix[1]:
                other.append(entry)
            else:
                by_next[p.words[1]].append(entry)
        self.by_next = {word: tuple(entries) for word, entries in by_next.items()}
        self.other = tuple(other)

    def at(self, tokens: list[str], i: int) -> Sequence[Keyword] | None:
        """Keywords starting at ``tokens[i]`` (longest per dimension); None: just ``base``."""
        if i + 1 >= len(tokens):
            return None  # a phrase has two words or more
        entries = self.by_next.get(tokens[i + 1], ())
        if self.other:
            entries = (*entries, *self.other)
        hits = None
        for phrase, rank, rest, rest_has_prefix in entries:
            if rest_has_prefix:  # the head word was checked when the plan was made
                if not phrase.matches_at(tokens, i, phrase.words[0]):
                    continue
            elif tokens[i + 1 : i + 1 + len(rest)] != rest:
                continue
            if hits is None:
                hits = list(self.hits)
            hits.extend((rank, kw) for kw in phrase.keywords)
        return None if hits is None else _longest_per_dimension(hits)


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
        # CJK keywords by first character: [(length, {text: [(keyword, hiragana only)]})], longest first
        by_first: dict[str, dict[int, dict[str, list[tuple[Keyword, bool]]]]] = defaultdict(dict)
        for key, keywords in self._cjk.items():
            table = by_first[key[0]].setdefault(len(key), {})
            table[key] = [(kw, bool(_HIRAGANA_RE.match(kw.text))) for kw in keywords]
        self._cjk_by_first = {
            char: tuple(sorted(tables.items(), key=lambda item: -item[0])) for char, tables in by_first.items()
        }
        self._plans: dict[str, object] = {}

    @property
    def cache_size(self) -> int:
        """Tokens whose plan is cached between calls; at most ``CACHE_LIMIT``."""
        return len(self._plans)

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

        Each distinct token is looked up once per call (and its plan cached between
        calls); only tokens that can start a phrase are revisited at their positions.
        """
        found = Matches()
        tokens = tokenize(normalize(text))
        if not tokens:
            return found
        by_dimension, by_language = found.by_dimension, found.by_language
        plans, plan_of = self._plans, self._plan
        phrase_starts: dict[str, _PhrasePlan] = {}
        # each distinct token once (a short text's repeats cost less than counting them)
        for token, count in Counter(tokens).items() if len(tokens) > _COUNT_ABOVE else zip(tokens, _ONES):
            plan = plans.get(token)
            if plan is None:
                plan = plan_of(token)
            if plan is _NO_HITS:
                continue
            if plan.__class__ is _PhrasePlan:
                phrase_starts[token] = plan
                continue
            for kw in plan if plan.__class__ is tuple else self._cjk_keywords(token):
                by_dimension[kw.dimension].add(kw.text)
                by_language[kw.language] += count
        if phrase_starts:
            plain: Counter[str] = Counter()  # positions where no phrase matched: the plan's base
            get = phrase_starts.get
            for i, token in enumerate(tokens):
                plan = get(token)
                if plan is not None:
                    keywords = plan.at(tokens, i)
                    if keywords is None:
                        plain[token] += 1
                    else:
                        found.add(keywords)
            for token, count in plain.items():
                for kw in phrase_starts[token].base:
                    by_dimension[kw.dimension].add(kw.text)
                    by_language[kw.language] += count
        return found

    def _plan(self, token: str) -> "tuple[Keyword, ...] | _PhrasePlan | object":
        """What one token contributes wherever it stands, computed once (prompts repeat words).

        ``_NO_HITS``; a tuple of keywords (same at every position); ``_CJK_RUN`` (substring
        search); or a ``_PhrasePlan`` when a phrase may start at the token.
        """
        if _CJK_RE.match(token):
            plan: object = _CJK_RUN
        else:
            hits: list[tuple[int, Keyword]] = []
            variants = self._variants(token)
            for variant in variants:
                self._match_word(variant, hits)
            candidates = []
            for variant in variants:
                for phrase in (*self._phrases.get(variant, ()), *self._prefix_phrases.get(variant[:2], ())):
                    head, is_prefix = phrase.words[0], phrase.prefix[0]
                    if variant.startswith(head) if is_prefix else variant == head:
                        candidates.append(phrase)
            phrase_start = any(v in self._phrases or v[:2] in self._prefix_phrases for v in variants)
            if phrase_start and candidates:
                plan = _PhrasePlan(tuple(hits), tuple(candidates))
            elif hits:
                plan = tuple(_longest_per_dimension(hits))
            else:
                plan = _NO_HITS
        if len(token) <= _CACHE_TOKEN_CHARS and plan is not _CJK_RUN:
            if len(self._plans) >= CACHE_LIMIT:
                self._plans.clear()
            self._plans[token] = plan
        return plan

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

    def _cjk_keywords(self, run: str) -> list[Keyword]:
        """Keywords inside one CJK run, one entry per occurrence (longest per dimension)."""
        out: list[Keyword] = []
        by_first = self._cjk_by_first
        for j, char in enumerate(run):
            entries = by_first.get(char)
            if entries is None:
                continue
            hits: list[tuple[int, Keyword]] = []
            for length, table in entries:
                keywords = table.get(run[j : j + length]) if length > 1 else table.get(char)
                if keywords is None:
                    continue
                for kw, hiragana_only in keywords:
                    if hiragana_only and j > 0 and _HIRAGANA_RE.match(run[j - 1]):
                        continue
                    hits.append((length, kw))
            if len(hits) == 1:
                out.append(hits[0][1])
            elif hits:
                out.extend(_longest_per_dimension(hits))
        return out


def _longest_per_dimension(hits: list[tuple[int, Keyword]]) -> list[Keyword]:
    """Of keywords starting at one position, keep per dimension those of the longest match."""
    if len(hits) <= 1:
        return [kw for _, kw in hits]
    best: dict[str, int] = {}
    for rank, kw in hits:
        best[kw.dimension] = max(rank, best.get(kw.dimension, 0))
    return [kw for rank, kw in hits if rank == best[kw.dimension]]
