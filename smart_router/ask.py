"""What an ask asks for, without looking at its length: task type, deliverable scope, and the
evidence a SIMPLE ask needs (docs/rubric.md). Pure, linear in the text.

The keyword groups come from the ``ask:`` section of ``keywords.yaml`` and are matched by the
scorer's single keyword pass (group names ``ask.lookup``, ``ask.task.<type>``,
``ask.make.<type>``, ``ask.depth``, ``ask.deliverables``); this module adds what keywords cannot see: a requested length (a number
before a unit: "700-word", "5 paragraphs", "3000字") and the count of required parts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

from .matcher import Matches, normalize, tokenize

LOOKUP = "ask.lookup"
TASK_PREFIX = "ask.task."  # question tasks: they beat lookup evidence
DELIVERABLE_PREFIX = "ask.make."  # deliverable tasks: lookup evidence beats them
DEPTH = "ask.depth"
DELIVERABLES = "ask.deliverables"
DOCUMENTS = "ask.documents"

LONG_REQUEST_WORDS = 450  # a requested length at least this long: two scope points
MEDIUM_REQUEST_WORDS = 200  # at least this long: one point
MANY_DELIVERABLES = 3  # distinct deliverable verbs ("design, implement, test"): two points
_CJK_NUMERALS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
_CJK_MULTIPLIERS = {"十": 10, "百": 100, "千": 1000, "万": 10000}
_LEADING_NUMBER = re.compile(r"(\d{1,7})(\D*)")
_THOUSANDS = re.compile(r"(?<=\d)[,.\u00a0\u202f '](?=\d{3}(?!\d))")
_SENTENCE_END = re.compile(r"[.!?。！？\n]+")
_PART_SEPARATORS = ",;:،؛、；："
_CJK_PART_SEPARATORS = "、；;"  # in Chinese and Japanese a comma joins clauses, not list items
_CJK_TEXT = re.compile("[\u3040-\u30ff\u4e00-\u9fff]")
_ADDRESS = re.compile(  # URLs and file names: "summary" in a URL or "requirements.txt" asks for nothing
    r"https?://\S{1,500}|[\w/.-]{1,120}\.(?:py|js|ts|tsx|jsx|go|rs|java|kt|rb|php|c|h|cc|cpp|cs|sh|sql|txt|md"
    r"|json|ya?ml|toml|ini|env|cfg|conf|lock|csv|xml|html|css|log)\b"
)
_BRACKETED = re.compile(r"\([^()]{0,200}\)|\[[^\[\]]{0,200}\]|\{[^{}]{0,200}\}")  # "users(id, name)"
_UNIT_PREFIX_CHARS = 5  # a unit glued to a number or CJK run is one of its first few characters
MANY_PARTS = 5  # required parts ("covering A, B, C, D and E"): two scope points; three or more: one
SHORT_TOOL_ASK_WORDS = 12  # a new ask this short beside tools is one obvious tool call
WORD_PROBLEM_WORDS = 12  # an ask this long with two numbers or more is a math word problem
_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")
_ARITHMETIC = re.compile(r"^[\s\d.,()+\-*/x×÷^%=?√]+$")  # "12*15", "(3+4)^2 =?", "18% 45"


@dataclass(frozen=True)
class AskLexicon:
    """Keyword groups of the ask (for the matcher) and the requested-length tables."""

    groups: Mapping[str, Mapping[str, Sequence[str]]]  # group name -> language -> words
    length_units: Mapping[str, float]  # normalized unit word -> words it stands for
    number_words: Mapping[str, int]  # normalized number word -> value
    duration_units: Mapping[str, float] = field(default_factory=dict)  # only for creative/planning asks

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> "AskLexicon":
        """Build from the ``ask:`` section of ``keywords.yaml``."""
        groups = {
            LOOKUP: data.get("lookup") or {},
            DEPTH: data.get("depth") or {},
            DELIVERABLES: data.get("deliverables") or {},
            DOCUMENTS: data.get("documents") or {},
        }
        for section, prefix in (("tasks", TASK_PREFIX), ("deliverable_tasks", DELIVERABLE_PREFIX)):
            for task, langs in (data.get(section) or {}).items():
                groups[prefix + task] = langs
        numbers = {normalize(word): int(value) for langs in (data.get("number_words") or {}).values() for word, value in langs.items()}
        return cls(groups, _units(data.get("length_units")), numbers, _units(data.get("duration_units")))


def _units(section: Mapping[str, Any] | None) -> dict[str, float]:
    """Normalized unit word -> the words one unit stands for."""
    return {normalize(name): float(unit["words"]) for unit in (section or {}).values() for name in unit["names"]}


@dataclass(frozen=True)
class AskShape:
    """Task types, scope and lookup evidence found in one ask."""

    tasks: tuple[tuple[str, tuple[str, ...]], ...] = ()  # task type -> words that fired
    lookup: tuple[str, ...] = ()  # evidence of a SIMPLE ask
    scope_points: int = 0
    scope: tuple[str, ...] = ()  # what earned the points, e.g. "700 words", "in depth: complete"
    numbers: int = 0  # numbers in an ask of WORD_PROBLEM_WORDS or more (quantities to work with)

    def describe(self) -> list[str]:
        """One line per signal that fired, for ``slr test``."""
        lines = [f"task {name}: {', '.join(words)}" for name, words in self.tasks]
        if self.scope:
            lines.append(f"scope ({self.scope_points} points): {'; '.join(self.scope)}")
        if self.lookup:
            lines.append(f"simple-ask evidence: {', '.join(self.lookup)}")
        return lines


def read_ask(
    text: str, matches: Matches, lexicon: AskLexicon, list_items: int = 0, has_tools: bool = False
) -> AskShape:
    """The shape of ``text`` from its keyword ``matches`` (which must include the ask groups)."""
    found = matches.by_dimension
    words = len(text.split()) + sum(1 for c in text if "\u3040" <= c <= "\u9fff") // 2
    numbers = len(_NUMBER.findall(text)) if words >= WORD_PROBLEM_WORDS else 0
    lookup = sorted(found.get(LOOKUP, ()))
    if text.strip() and _ARITHMETIC.match(text):
        lookup.append("arithmetic")
    tasks = []
    for group in sorted(lexicon.groups):
        fired = found.get(group)
        if not fired or not group.startswith((TASK_PREFIX, DELIVERABLE_PREFIX)):
            continue
        if group.startswith(DELIVERABLE_PREFIX) and lookup:
            continue  # "what is a haiku?", "who wrote this poem?"
        fired = tuple(sorted(w for w in fired if not _shadowed(w, lookup)))
        if fired:
            tasks.append((group.split(".")[-1], fired))
    generative = bool(tasks or found.get(DELIVERABLES) or found.get(DOCUMENTS) or found.get("codePresence"))
    if numbers >= 2 and not tasks:
        tasks.append(("math", (f"word problem: {numbers} numbers",)))
    if has_tools and not tasks and words <= SHORT_TOOL_ASK_WORDS:
        lookup.append("short ask beside tools")

    points, scope = 0, []
    makes_text = any(name in ("creative", "planning") for name, _ in tasks) or bool(found.get(DOCUMENTS))
    requested = requested_words(text, lexicon.length_units, lexicon.number_words)
    if makes_text and lexicon.duration_units:
        requested = max(requested, requested_words(text, lexicon.duration_units, lexicon.number_words))
    if requested >= MEDIUM_REQUEST_WORDS:
        points += 2 if requested >= LONG_REQUEST_WORDS else 1
        scope.append(f"~{requested} words requested")
    if found.get(DEPTH):
        points += 1
        scope.append(f"depth: {', '.join(sorted(found[DEPTH]))}")
    parts = max(count_parts(text), list_items) if generative else 0  # "sort: a, b, c, d" is no deliverable
    if parts >= 3:
        points += 2 if parts >= MANY_PARTS else 1
        scope.append(f"{parts} parts")
    if found.get(DOCUMENTS):
        points += 1
        scope.append(f"document: {', '.join(sorted(found[DOCUMENTS]))}")
    deliverables = found.get(DELIVERABLES, ())
    if len(deliverables) >= 2:
        points += 2 if len(deliverables) >= MANY_DELIVERABLES else 1
        scope.append(f"deliverables: {', '.join(sorted(deliverables))}")
    return AskShape(tuple(tasks), tuple(lookup), points, tuple(scope), numbers)


def without_addresses(text: str) -> str:
    """``text`` with URLs and file names blanked, for keyword matching (bounded, linear)."""
    if "://" not in text and "." not in text:
        return text
    return _ADDRESS.sub(" ", text)


def _shadowed(word: str, lookup: Sequence[str]) -> bool:
    """A task phrase that starts a longer lookup phrase ("how do" in "how do you say")."""
    word = word.rstrip("*")  # a prefix keyword ("كيف*") shadows as its stem
    return any(len(phrase) > len(word) and phrase.startswith(word) for phrase in lookup)


def requested_words(text: str, units: Mapping[str, float], number_words: Mapping[str, int]) -> int:
    """The largest length ``text`` requests in ``units``, in approximate words (0: none). Linear."""
    tokens = tokenize(_THOUSANDS.sub("", normalize(text)))
    best = 0.0
    for index, token in enumerate(tokens):
        value, rest = _number_at(token, number_words)
        if value is None:
            continue
        unit = _unit(rest, units) if rest else None
        for offset in (1, 2):  # "5 paragraphs", "5 short paragraphs"
            if unit is not None or index + offset >= len(tokens):
                break
            unit = _unit(tokens[index + offset], units)
        if unit is not None:
            best = max(best, value * unit)
    return round(best)


def _number_at(token: str, number_words: Mapping[str, int]) -> tuple[int | None, str]:
    """The number a token starts with (digits, a number word, CJK numerals) and what follows."""
    if token in number_words:
        return number_words[token], ""
    if token[0].isdigit():
        match = _LEADING_NUMBER.match(token)
        return (int(match.group(1)), match.group(2)) if match else (None, "")
    if token[0] in _CJK_NUMERALS:
        return _cjk_number(token)
    return None, ""


def _cjk_number(token: str) -> tuple[int | None, str]:
    """Leading CJK numerals (三, 二十, 三千, 两万) as a number, and the rest of the run."""
    total, current, index = 0, 0, 0
    for index, char in enumerate(token[:6]):
        if char in _CJK_MULTIPLIERS:
            total += max(current, 1) * _CJK_MULTIPLIERS[char]
            current = 0
        elif char in _CJK_NUMERALS:
            current = _CJK_NUMERALS[char]
        else:
            break
    else:
        index = min(len(token), 6)
    return total + current, token[index:]


def _unit(word: str, units: Mapping[str, float]) -> float | None:
    """Words per unit when ``word`` is a unit, or starts with one (CJK, Hangul: "字の", "단어로")."""
    if word in units:
        return units[word]
    if word.isascii():
        return None
    for size in range(min(len(word), _UNIT_PREFIX_CHARS), 0, -1):
        if word[:size] in units:
            return units[word[:size]]
    return None


def count_parts(text: str) -> int:
    """Parts the ask enumerates: the most list separators in one sentence, plus one (0 if
    under 2). Bracketed groups ("users(id, name)") are not parts."""
    separators = _CJK_PART_SEPARATORS if _CJK_TEXT.search(text) else _PART_SEPARATORS
    sentences = _SENTENCE_END.split(_BRACKETED.sub(" ", text))
    most = max((sum(map(sentence.count, separators)) for sentence in sentences), default=0)
    return most + 1 if most >= 2 else 0
