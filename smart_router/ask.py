"""What an ask asks for, without looking at its length: task type, deliverable scope, and the
evidence a SIMPLE ask needs (docs/rubric.md). Pure, linear in the text.

The keyword groups come from the ``ask:`` section of ``keywords.yaml`` and are matched by the
scorer's single keyword pass (group names ``ask.lookup``, ``ask.task.<type>``,
``ask.make.<type>``, ``ask.depth``, ``ask.deliverables``, ``ask.documents``, ``ask.numbers``);
this module adds what keywords cannot see: a requested length (a number before a unit:
"700-word", "5 paragraphs", "3000字") and the count of required parts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Iterable, Mapping, Sequence

import regex

from .matcher import Matches, normalize, tokenize

LOOKUP = "ask.lookup"
BREVITY = "ask.brevity"  # "in one sentence", "yes or no": a short answer asked for, whatever the task
TASK_PREFIX = "ask.task."  # question tasks: they beat lookup evidence
DELIVERABLE_PREFIX = "ask.make."  # deliverable tasks: lookup evidence beats them
DEPTH = "ask.depth"
DELIVERABLES = "ask.deliverables"
DOCUMENTS = "ask.documents"
NUMBER_WORDS = "ask.numbers"

LONG_REQUEST_WORDS = 450  # a requested length at least this long: two scope points
MEDIUM_REQUEST_WORDS = 200  # at least this long: one point
MANY_DELIVERABLES = 3  # distinct deliverable verbs ("design, implement, test"): two points
MANY_PARTS = 5  # required parts ("covering A, B, C, D and E"): two scope points; three or more: one
SHORT_TOOL_ASK_WORDS = 12  # a new ask this short beside tools is one obvious tool call
WORD_PROBLEM_WORDS = 12  # an ask this long with two numbers or more is a math word problem
LONG_ASK_WORDS = 60  # a longer ask may hold pasted material besides its request (split_request)
INSTRUCTION_WORDS = 45  # a paragraph this short at the start or end of a long ask is instruction

_CJK_NUMERALS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
_CJK_MULTIPLIERS = {"十": 10, "百": 100, "千": 1000, "万": 10000}
_LEADING_NUMBER = re.compile(r"(\d{1,7})(\D*)")
_THOUSANDS = re.compile(r"(?<=\d)[,.\u00a0\u202f '](?=\d{3}(?!\d))")
_SENTENCE_END = re.compile(r"[.!?。！？\n]+")
_SENTENCE = re.compile(r"[^.!?。！？\n]+[.!?。！？\n]*")
_PARAGRAPH = re.compile(r"\n[ \t]*\n")
_PART_SEPARATORS = ",;:،؛、；："
_CJK_PART_SEPARATORS = "、；;"  # in Chinese and Japanese a comma joins clauses, not list items
_CJK_TEXT = re.compile("[\u3040-\u30ff\u4e00-\u9fff]")
_GLUED_SCRIPT = re.compile("[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")  # kana, Han, Hangul
_URL = re.compile(r"https?://\S{1,500}")  # "summary" in a URL or "requirements.txt" asks for nothing
_FILE_EXTENSION = re.compile(
    r"\.(?:py|js|ts|tsx|jsx|go|rs|java|kt|rb|php|c|h|cc|cpp|cs|sh|sql|txt|md|json|ya?ml|toml|ini|env|cfg|conf|lock"
    r"|csv|xml|html|css|log)\b"
)
_FILE_NAME_TAIL = re.compile(r"[\w/.-]{1,120}$")  # the name before an extension, read backwards from it
_BRACKETED = re.compile(r"\([^()]{0,200}\)|\[[^\[\]]{0,200}\]|\{[^{}]{0,200}\}")  # "users(id, name)"
_DIGITS = re.compile(r"(?<!\d)\d{1,7}")
_DIGIT = re.compile(r"\d").search
_UNIT_WINDOW = 40  # characters after a number that may hold its unit
_UNIT_PREFIX_CHARS = 5  # a unit glued to a number or CJK run is one of its first few characters
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
            BREVITY: data.get("brevity") or {},
            DEPTH: data.get("depth") or {},
            DELIVERABLES: data.get("deliverables") or {},
            DOCUMENTS: data.get("documents") or {},
            NUMBER_WORDS: {lang: list(words) for lang, words in (data.get("number_words") or {}).items()},
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
    brief: tuple[str, ...] = ()  # a short answer asked for ("in one sentence", "yes or no")

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
    words = _words(text)
    numbers = len(_NUMBER.findall(text)) if words >= WORD_PROBLEM_WORDS and _DIGIT(text) else 0
    brief = sorted(found.get(BREVITY, ()))
    lookup = sorted(found.get(LOOKUP, ())) + [f"short answer: {word}" for word in brief]
    if text.strip() and _ARITHMETIC.match(text):
        lookup.append("arithmetic")
    tasks = []
    for group, name, beaten_by_lookup in _task_groups(tuple(lexicon.groups)):
        fired = found.get(group)
        if not fired or ((beaten_by_lookup or brief) and lookup):
            continue  # "what is a haiku?", "who wrote this poem?", "explain X in one sentence"
        fired = tuple(sorted(w for w in fired if not _shadowed(w, lookup)))
        if fired:
            tasks.append((name, fired))
    generative = bool(tasks or found.get(DELIVERABLES) or found.get(DOCUMENTS) or found.get("codePresence"))
    if numbers >= 2 and not tasks:
        tasks.append(("math", (f"word problem: {numbers} numbers",)))
    if has_tools and not tasks and words <= SHORT_TOOL_ASK_WORDS:
        lookup.append("short ask beside tools")

    points, scope = 0, []
    makes_text = any(name in ("creative", "planning") for name, _ in tasks) or bool(found.get(DOCUMENTS))
    seen = found.get(NUMBER_WORDS, ())
    requested = requested_words(text, lexicon.length_units, lexicon.number_words, seen)
    if makes_text and lexicon.duration_units:
        requested = max(requested, requested_words(text, lexicon.duration_units, lexicon.number_words, seen))
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
    return AskShape(tuple(tasks), tuple(lookup), points, tuple(scope), numbers, tuple(brief))


def split_request(text: str) -> tuple[str, str]:
    """A long ask as (request, material): the instruction the asker wrote and the text they
    pasted around it (an email, an article, a log), so that material does not count as what
    is asked ("<800-word notice> what date is the meeting?" is a lookup).

    Asks of at most ``LONG_ASK_WORDS`` words are all request. Otherwise, with paragraphs
    (blank lines), the request is the leading and trailing paragraphs of at most
    ``INSTRUCTION_WORDS`` words each (never code in fences) and the material what lies between;
    without, it is the first sentence and the last two. Linear in the text."""
    if _words(text) <= LONG_ASK_WORDS:
        return text, ""
    paragraphs = [p for p in _PARAGRAPH.split(text) if p.strip()]
    if len(paragraphs) >= 2:
        short, fenced = [], False
        for paragraph in paragraphs:  # code fences hold material however short, blank lines or not
            fences = paragraph.count("```")
            short.append(not fenced and not fences and _words(paragraph) <= INSTRUCTION_WORDS)
            fenced ^= fences % 2 == 1
        lead = next((i for i, s in enumerate(short) if not s), len(short))
        if lead == len(short):
            return text, ""  # short paragraphs only: the whole text is the ask
        trail = next(i for i, s in enumerate(reversed(short)) if not s)
        request = paragraphs[:lead] + paragraphs[len(paragraphs) - trail :]
        if request:
            return "\n\n".join(request), "\n\n".join(paragraphs[lead : len(paragraphs) - trail])
    sentences = [s for s in _SENTENCE.findall(text) if s.strip()]
    if len(sentences) <= 3:
        return text, ""
    return "\n".join([sentences[0], *sentences[-2:]]), "\n".join(sentences[1:-2])


def _words(text: str) -> int:
    return len(text.split()) + len(_CJK_TEXT.findall(text)) // 2


def without_addresses(text: str) -> str:
    """``text`` with URLs and file names blanked, for keyword matching (bounded, linear)."""
    if "://" in text:
        text = _URL.sub(" ", text)
    if "." not in text:
        return text
    pieces, done = [], 0
    for match in _FILE_EXTENSION.finditer(text):
        if match.start() < done:
            continue
        name = _FILE_NAME_TAIL.search(text, max(done, match.start() - 120), match.start())
        start = name.start() if name else match.start()
        pieces += [text[done:start], " "]
        done = match.end()
    return "".join(pieces) + text[done:] if pieces else text


@lru_cache(maxsize=8)
def _task_groups(groups: tuple[str, ...]) -> tuple[tuple[str, str, bool], ...]:
    """(group, task name, whether lookup evidence beats it) for the task groups, in name order."""
    return tuple(
        (group, group.split(".")[-1], group.startswith(DELIVERABLE_PREFIX))
        for group in sorted(groups)
        if group.startswith((TASK_PREFIX, DELIVERABLE_PREFIX))
    )


def _shadowed(word: str, lookup: Sequence[str]) -> bool:
    """A task phrase that starts a longer lookup phrase ("how do" in "how do you say")."""
    word = word.rstrip("*")  # a prefix keyword ("كيف*") shadows as its stem
    return any(len(phrase) > len(word) and phrase.startswith(word) for phrase in lookup)


def requested_words(
    text: str, units: Mapping[str, float], number_words: Mapping[str, int], words_seen: Iterable[str] | None = None
) -> int:
    """The largest length ``text`` requests in ``units``, in approximate words (0: none).

    Linear: C-level scans find the numbers (digits, CJK numerals glued to a CJK unit, and the
    number words in ``words_seen``, which the keyword pass found; all of ``number_words`` when
    None); each number then reads only the two words after it."""
    text = _THOUSANDS.sub("", normalize(text))
    starts: list[int] = []
    if _DIGIT(text):
        starts += (m.start() for m in _DIGITS.finditer(text))
    if _CJK_TEXT.search(text):
        starts += (m.start() for m in _cjk_numbers(tuple(units)).finditer(text))
    for word in number_words if words_seen is None else words_seen:
        if word in text:
            starts += (m.start() for m in regex.finditer(rf"(?<!\w){regex.escape(word)}(?!\w)", text))
    best = 0.0
    for start in starts:
        tokens = tokenize(text[start : start + _UNIT_WINDOW])
        value, rest = _number_at(tokens[0], number_words) if tokens else (None, "")
        if value is None:
            continue
        unit = _unit(rest, units) if rest else None
        for offset in (1, 2):  # "5 paragraphs", "5 short paragraphs"
            if unit is not None or offset >= len(tokens):
                break
            unit = _unit(tokens[offset], units)
        if unit is not None:
            best = max(best, value * unit)
    return round(best)


@lru_cache(maxsize=8)
def _cjk_numbers(unit_names: tuple[str, ...]) -> "re.Pattern[str]":
    """CJK numerals directly followed by a CJK unit ("三千字", "五页")."""
    cjk_units = sorted((u for u in unit_names if _CJK_TEXT.match(u)), key=len, reverse=True)
    numerals = "".join(_CJK_NUMERALS) + "".join(_CJK_MULTIPLIERS)
    return re.compile(f"[{numerals}]{{1,6}}(?=(?:{'|'.join(map(re.escape, cjk_units)) or '(?!)'}))")


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
    if not _GLUED_SCRIPT.match(word):  # only CJK and Hangul glue particles to a unit: "Verspätung" holds no "Vers"
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
