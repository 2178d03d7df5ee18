"""The scorer: conversation text in, routing ``Decision`` out. Pure: no I/O, no LiteLLM.

How the text is chosen: the newest user turn is the ask and counts fully; up to
``history_turns`` earlier turns count with weight ``history_decay ** distance``; the
system prompt is never scored as the ask (agent boilerplate would push every request up),
it only feeds the structured-output floor. Keyword passes read at most ``max_scan_chars``
of each turn (head and tail), while token counts see the real length.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import dataclass, field, replace
from typing import Mapping, Sequence

import regex

from .ask import AskLexicon, AskShape, read_ask, split_request, without_addresses
from .harness import DEFAULT_ENVELOPES, EnvelopeStripper
from .matcher import KeywordMatcher, Matches
from .structure import Structure, analyze
from .tokens import count_joined, count_tokens
from .types import Decision, DimensionScore, RoutingText, Tier, Turn


KEYWORD_DIMENSIONS = (
    "reasoningMarkers", "codePresence", "multiStepPatterns", "technicalTerms",
    "creativeMarkers", "questionComplexity", "constraintCount", "agenticTask",
    "imperativeVerbs", "outputFormat", "referenceComplexity", "domainSpecificity",
    "simpleIndicators", "negationComplexity",
)  # fmt: skip
DIMENSIONS = KEYWORD_DIMENSIONS[:4] + ("tokenCount",) + KEYWORD_DIMENSIONS[4:]
STRUCTURED_OUTPUT = "structuredOutput"
MATERIAL_WEIGHT = 0.25  # keyword signals of text pasted around the request (ask.split_request)
ESCALATION = "escalation"
LANGUAGE_HINTS = "stopwords"


@dataclass(frozen=True)
class DimensionSpec:
    """Weight of a dimension and how many distinct signals make its value 1.0."""

    weight: float
    saturation: float = 1.0


@dataclass(frozen=True)
class ScoringConfig:
    """Everything the scorer needs; built and validated by ``smart_router.config``."""

    dimensions: Mapping[str, DimensionSpec]
    boundaries: Mapping[Tier, float]  # lowest score of MEDIUM, COMPLEX, REASONING
    keywords: Mapping[str, Mapping[str, Sequence[str]]]  # dimension -> language -> words
    signals: Mapping[str, Mapping[str, Sequence[str]]] = field(default_factory=dict)
    stopwords: Mapping[str, Sequence[str]] = field(default_factory=dict)
    short_tokens: int = 50
    long_tokens: int = 500
    reasoning_override: int = 2
    huge_context_tokens: int = 100_000
    technical_override: int = 3  # distinct technical terms in the ask -> at least COMPLEX
    max_scan_chars: int = 8_000
    history_turns: int = 4
    history_decay: float = 0.5
    envelopes: tuple[tuple[str, str], ...] = DEFAULT_ENVELOPES  # harness text cut before scoring
    ask: AskLexicon = AskLexicon({}, {}, {})  # task, scope and lookup signals (smart_router/ask.py)
    scope_points: int = 2  # scope points of the ask (depth, length, parts, deliverables) -> at least COMPLEX


def tier_for_score(score: float, boundaries: Mapping[Tier, float]) -> Tier:
    """Map a score to a tier; monotonic: a higher score never gives a lower tier."""
    tier = Tier.SIMPLE
    for candidate in (Tier.MEDIUM, Tier.COMPLEX, Tier.REASONING):
        if score >= boundaries[candidate]:
            tier = candidate
    return tier


_SCRIPTS = {  # runs of a script's letters: their total length is its letter count
    "ja": regex.compile(r"[\p{Hiragana}\p{Katakana}]+"),
    "zh": regex.compile(r"\p{Han}+"),
    "ko": regex.compile(r"\p{Hangul}+"),
    "ar": regex.compile(r"\p{Arabic}+"),
    "ru": regex.compile(r"\p{Cyrillic}+"),
    "latin": regex.compile(r"\p{Latin}+"),
}
_ASCII_LETTERS = bytes(range(65, 91)) + bytes(range(97, 123))  # \p{Latin} within ASCII
_LATIN_LANGUAGES = ("en", "de", "es", "pt")
_LANGUAGE_SAMPLE = 2_000  # characters of the ask that decide its script
# Typeset mathematics (roots, integrals, sets, super/subscripts but not m² / m³, the minus
# sign, TeX commands, x^2): one reasoning signal, "math notation", when the ask has any.
# Not ≤ ≥ ≈ ±: specifications use them ("p99 ≤ 200 ms"). One search per alternative, each
# skipped when a character it cannot match without is absent (~25 us on 8,000 characters;
# tests/unit/test_scorer.py checks it against the single regular expression).
_MATH_PROBES = (
    ((), re.compile("[√∛∫∮∑∏≠≡∞∈∉∀∃⊂⊆∪∩ℕℤℚℝℂ∂∇−\u2070-\u209c]")),
    (("²", "³"), re.compile("(?<![mM])[²³]")),
    (("\\",), re.compile(r"\\(?:frac|sum|int|sqrt|prod|lim|binom|leq?|geq?|neq|cdot|infty)\b")),
    (("^",), re.compile(r"\w\^[\w(]")),
)


def _has_math_notation(text: str) -> bool:
    """Whether ``text`` holds typeset mathematics (see ``_MATH_PROBES``)."""
    for needed, pattern in _MATH_PROBES:
        if (not needed or any(c in text for c in needed)) and pattern.search(text):
            return True
    return False


def clip(text: str, limit: int) -> str:
    """Head and tail of ``text`` within ``limit`` characters (the ask is often at an end)."""
    if len(text) <= limit:
        return text
    head = limit * 3 // 4
    return text[:head] + "\n" + text[len(text) - (limit - head) :]


class Scorer:
    """Scores requests with one ``ScoringConfig``; build once, call ``score`` many times."""

    def __init__(self, config: ScoringConfig):
        self.config = config
        self._matcher = KeywordMatcher(
            {
                **config.keywords,
                **config.ask.groups,
                LANGUAGE_HINTS: config.stopwords,
                ESCALATION: config.signals.get(ESCALATION, {}),
            }
        )
        self._strip = EnvelopeStripper(config.envelopes).strip
        self._zeros: dict[str, DimensionScore] = {}  # per dimension, its score when nothing fired
        self._system_matcher = KeywordMatcher(
            {STRUCTURED_OUTPUT: config.signals.get(STRUCTURED_OUTPUT, {})}
        )

    @property
    def matcher(self) -> KeywordMatcher:
        """The keyword matcher of asks and earlier turns."""
        return self._matcher

    @property
    def system_matcher(self) -> KeywordMatcher:
        """The keyword matcher of the system prompt (structured-output signals)."""
        return self._system_matcher

    def score(self, request: RoutingText) -> Decision:
        """Score one request. Linear in its length; bounded by ``max_scan_chars`` per turn."""
        cfg = self.config
        turns = request.turns
        ask_index, continuation, stripped = self._walk_back(turns)
        ask = stripped[ask_index] if ask_index is not None else ""
        ask_clip = clip(ask, cfg.max_scan_chars)
        asked, material = split_request(ask_clip)  # text pasted around the request counts less
        ask_matches = self._matcher.match(without_addresses(asked))
        if _has_math_notation(ask_clip):
            ask_matches.by_dimension["reasoningMarkers"].add("math notation")
        ask_structure = analyze(asked)

        shape = read_ask(asked, ask_matches, cfg.ask, ask_structure.list_items, request.has_tools)

        signals: dict[str, float] = defaultdict(float)
        found: dict[str, set[str]] = defaultdict(set)
        _accumulate(signals, found, ask_matches, ask_structure, 1.0)
        puzzle = set()  # reasoning markers of pasted material still make a problem to solve
        if material:
            material_matches = self._matcher.match(without_addresses(material))
            shape_of_material = replace(analyze(material), list_items=0, questions=0, separators=0)  # its code counts, its lists do not
            _accumulate(signals, found, material_matches, shape_of_material, MATERIAL_WEIGHT)
            puzzle = material_matches.by_dimension.get("reasoningMarkers", set())
        if shape.scope_points:  # a multi-part deliverable: scope points count as multi-step signals
            signals["multiStepPatterns"] += shape.scope_points
            found["multiStepPatterns"].update(f"scope: {item}" for item in shape.scope)
        if shape.brief:  # "in one sentence", "yes or no": the asker wants a short answer
            signals["simpleIndicators"] += len(shape.brief)
            found["simpleIndicators"].update(shape.brief)
        if shape.numbers >= 3:  # quantities to work with count as constraints
            signals["constraintCount"] += shape.numbers // 3
            found["constraintCount"].add(f"{shape.numbers} numbers")
        if ask_index is not None:
            weight = 1.0
            for index in range(ask_index - 1, max(0, ask_index - cfg.history_turns) - 1, -1):
                weight *= cfg.history_decay
                text = clip(self._strip(turns[index].text), cfg.max_scan_chars // 2)
                _accumulate(signals, found, self._matcher.match(text), analyze(text), weight)

        ask_tokens = count_tokens(ask)
        length_tokens = _discount_pasted(ask_tokens, ask_clip)
        if material:  # material pasted around the request counts a quarter of its length
            length_tokens = round(length_tokens * (len(asked) + len(material) / 4) / (len(asked) + len(material)))
        dims = [self._dimension(name, signals, found, length_tokens) for name in DIMENSIONS]
        total = sum(d.contribution for d in dims)
        tier = tier_for_score(total, cfg.boundaries)
        # REASONING needs evidence in the ask itself (or in what it pastes): markers of earlier
        # turns count in the score, but a "thanks!" after a proof is no problem to solve
        ceiling = Tier.REASONING if ask_matches.by_dimension.get("reasoningMarkers") or puzzle else Tier.COMPLEX
        tier = min(tier, ceiling)
        last_is_ask = ask_index == len(request.turns) - 1 and ask == request.turns[-1].text
        tokens = count_joined([request.system, *(t.text for t in request.turns)], ask_tokens if last_is_ask else None)

        floor, rule = self._floor(request, ask, ask_matches, ask_structure, shape, tokens, continuation, tier, puzzle)
        if floor > tier:
            tier = floor
        else:
            rule = None

        return Decision(
            tier=tier,
            score=total,
            dimensions=tuple(dims),
            rule=rule,
            tokens=tokens,
            ask_tokens=ask_tokens,
            languages=_languages(ask_clip, ask_matches),
            escalation=tuple(sorted(ask_matches.by_dimension.get(ESCALATION, ()))),
            continuation=continuation,
            floor=floor,
            ceiling=ceiling,
            shape=shape,
        )

    def _floor(
        self,
        request: RoutingText,
        ask: str,
        matches: Matches,
        structure: Structure,
        shape: AskShape,
        tokens: int,
        continuation: bool,
        scored: Tier,
        pasted_markers: set[str],
    ) -> tuple[Tier, str | None]:
        """The lowest tier the rules allow and the rule that sets it, checked in this order
        (the first rule that reaches the highest floor names it): reasoning markers, huge
        context, technical terms, deliverable scope, structured output, a code request, a
        task type, and finally a new ask without evidence of a SIMPLE one."""
        cfg = self.config
        markers = matches.by_dimension.get("reasoningMarkers", set()) | pasted_markers
        technical = matches.by_dimension.get("technicalTerms", set())
        rules: list[tuple[Tier, str]] = []
        if len(markers) >= cfg.reasoning_override:
            rules.append((Tier.REASONING, f"reasoning markers: {', '.join(sorted(markers))}"))
        if tokens > cfg.huge_context_tokens:
            rules.append((Tier.COMPLEX, f"{tokens} tokens > {cfg.huge_context_tokens}"))
        if len(technical) >= cfg.technical_override:
            rules.append((Tier.COMPLEX, f"technical terms: {', '.join(sorted(technical))}"))
        if shape.scope_points >= cfg.scope_points:
            rules.append((Tier.COMPLEX, f"scope: {'; '.join(shape.scope)}"))
        if not rules and scored < Tier.MEDIUM and self._asks_for_json(request):  # the system prompt is read only when it can matter
            rules.append((Tier.MEDIUM, "structured output requested"))
        if matches.by_dimension.get("imperativeVerbs") and (matches.by_dimension.get("codePresence") or structure.code_kinds):
            rules.append((Tier.MEDIUM, "code requested"))  # "write a function that ..." is never SIMPLE
        if shape.tasks:
            name, words = shape.tasks[0]
            rules.append((Tier.MEDIUM, f"task {name}: {', '.join(words)}"))
        if not continuation and ask.strip() and not shape.lookup:
            rules.append((Tier.MEDIUM, "no evidence of a simple ask"))
        if not rules:
            return Tier.SIMPLE, None
        top = max(tier for tier, _ in rules)
        return top, next(reason for tier, reason in rules if tier == top)

    def _walk_back(self, turns: Sequence[Turn]) -> tuple[int | None, bool, dict[int, str]]:
        """From the newest turn back to the ask: its index, whether the newest message with
        content is a tool result (an agent loop step), and the turns' texts without harness
        envelopes. The ask is the newest user turn with text, else the last turn."""
        stripped: dict[int, str] = {}
        continuation: bool | None = None
        for index in range(len(turns) - 1, -1, -1):
            text = stripped[index] = self._strip(turns[index].text)
            has_text = bool(text) and not text.isspace()
            if continuation is None and (turns[index].role == "tool" or has_text):
                continuation = turns[index].role == "tool"
            if turns[index].role == "user" and has_text:
                return index, bool(continuation), stripped
        return (len(turns) - 1 if turns else None), bool(continuation), stripped

    def _dimension(
        self, name: str, signals: Mapping[str, float], found: Mapping[str, set[str]], ask_tokens: int
    ) -> DimensionScore:
        spec = self.config.dimensions[name]
        if name == "tokenCount":
            value = _length_value(ask_tokens, self.config.short_tokens, self.config.long_tokens)
            matches: tuple[str, ...] = (f"{ask_tokens} tokens",)
        else:
            signal = signals.get(name, 0.0)
            if not signal and not found.get(name):  # nothing fired: the same (immutable) score every time
                zero = self._zeros.get(name)
                if zero is None:
                    value = min(1.0, signal / spec.saturation)
                    zero = self._zeros[name] = DimensionScore(name, value, spec.weight, spec.weight * value, ())
                return zero
            value = min(1.0, signal / spec.saturation)
            matches = tuple(sorted(found.get(name, ())))
        return DimensionScore(name, value, spec.weight, spec.weight * value, matches)

    def _asks_for_json(self, request: RoutingText) -> bool:
        if request.wants_json:
            return True
        system = clip(request.system, self.config.max_scan_chars)
        return bool(self._system_matcher.match(system).by_dimension.get(STRUCTURED_OUTPUT))


_PASTE_MARKS = (("```", "```"), ("~~~", "~~~"), ("«", "»"), ("“", "”"), ("„", "“"), ("「", "」"), ("『", "』"), ('"', '"'))
_PASTE_MIN_CHARS = 200  # a quotation at least this long is pasted material, not instruction


def _discount_pasted(tokens: int, text: str) -> int:
    """Tokens for the length signal: material pasted into the ask (code fences, quotations of
    200+ characters) counts half, since "summarize this long text" is not a long task.
    Linear: one ``str.find`` walk per kind of mark."""
    if not text or len(text) < _PASTE_MIN_CHARS:
        return tokens
    pasted = 0
    for opener, closer in _PASTE_MARKS:
        start = text.find(opener)
        while start != -1:
            end = text.find(closer, start + len(opener))
            stop = len(text) if end == -1 else end
            if opener in ("```", "~~~") or stop - start >= _PASTE_MIN_CHARS:
                pasted += stop - start
            if end == -1:
                break
            start = text.find(opener, end + len(closer))
    share = min(pasted, len(text)) / len(text)
    return max(1, round(tokens * (1 - share / 2)))


def _length_value(tokens: int, short: int, long: int) -> float:
    """-1 at or below ``short`` tokens, +1 at or above ``long``, linear in log(tokens) between."""
    if tokens <= short:
        return -1.0
    if tokens >= long:
        return 1.0
    return -1.0 + 2.0 * math.log(tokens / short) / math.log(long / short)


def _accumulate(
    signals: dict[str, float],
    found: dict[str, set[str]],
    matches: Matches,
    structure: Structure,
    weight: float,
) -> None:
    """Add one turn's distinct signals, scaled by the turn's weight."""
    extra = {
        "codePresence": structure.code_kinds,
        "multiStepPatterns": ("numbered steps",) * min(2, structure.list_items // 2)
        + ("enumerated parts",) * min(2, structure.separators // 8),
        "questionComplexity": ("several questions",) * min(2, max(0, structure.questions - 1)),
    }
    for name in KEYWORD_DIMENSIONS:
        keywords = matches.by_dimension.get(name, set())
        shapes = extra.get(name, ())
        count = len(keywords) + len(shapes)
        if count:
            signals[name] += weight * count
            found[name].update(keywords)
            found[name].update(shapes)


def _languages(text: str, matches: Matches) -> tuple[str, ...]:
    """Languages of the ask, most evident first, from scripts and keyword hits."""
    sample = text[:_LANGUAGE_SAMPLE]
    if sample.isascii():
        raw = sample.encode("ascii")
        counts = dict.fromkeys(_SCRIPTS, 0)
        counts["latin"] = len(raw) - len(raw.translate(None, _ASCII_LETTERS))
    else:
        counts = {lang: sum(map(len, rx.findall(sample))) for lang, rx in _SCRIPTS.items()}
    if counts["ja"]:
        counts["ja"] += counts.pop("zh")  # kanji in Japanese text
    letters = sum(counts.values())
    if not letters:
        return ()
    latin = counts.pop("latin")
    if latin:
        best = max(_LATIN_LANGUAGES, key=lambda lang: (matches.by_language.get(lang, 0), lang == "en"))
        counts[best] = counts.get(best, 0) + latin
    present = [lang for lang, n in counts.items() if n and n / letters >= 0.2]
    return tuple(sorted(present, key=lambda lang: -counts[lang]))
