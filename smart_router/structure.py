"""Structural signals that keywords cannot see: code shapes, numbered steps, questions.

Every pattern is anchored on short literal tokens with bounded repetition, so a scan is
linear in the text length (no ``.*`` spanning the text, no nested quantifiers).

Speed: a code kind is present when any of its probes finds something, so alternations whose
branches defeat the regex engine's literal scan are split into one pattern per branch, and a
probe is skipped when a character or literal it cannot match without is absent (``in`` is a
C scan). Counts of single characters use ``str.count``. Same results as one regex per kind.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import regex

_DEFINITION_WORDS = ("def", "fn", "func", "function", "class", "struct", "impl", "interface", "enum")

# kind -> probes; a probe is (literals of which one must occur, compiled pattern or None).
# tests/unit/test_structure.py checks them against one plain regex per kind.
_PROBES: dict[str, tuple[tuple[tuple[str, ...], "regex.Pattern | None"], ...]] = {
    "code fence": ((("```", "~~~"), None),),
    "definition": tuple(
        ((word, ), regex.compile(rf"\b{word}\s+[A-Za-z_]\w{{0,60}}\s{{0,3}}[(<:{{]")) for word in _DEFINITION_WORDS
    ),
    "statement": (((), regex.compile(
        r"(?m)^[ \t]{0,40}(?:import|from|#include|using|package|return|const|let|var|public|private|static"
        r"|SELECT|INSERT|UPDATE|DELETE|CREATE|ALTER)\b"
    )),),
    "call": ((("(",), regex.compile(r"\b[A-Za-z_][\w.]{0,60}\([^()\n]{0,80}\)\s{0,3}[{;:]")),),
    "operator": (((), regex.compile(r"=>|->|::|===|!==|==|!=|&&|\|\||\+=|\+\+|<<|>>")),),
    "line end": (((";", "{", "}"), regex.compile(r"(?m)[;{}][ \t]{0,20}$")),),
    "traceback": (
        (("Traceback (most recent call last)",), None),
        (("at ",), regex.compile(r"\bat [\w.$]{1,200}\(")),
        (("Error:", "Exception:"), regex.compile(r"\b\w{1,60}(?:Error|Exception):")),
    ),
}
# A character that every code kind but "statement" needs (fences, brackets, operators, colons).
_CODE_CHAR_RE = re.compile(r"[`~(<:{;}=!&|+>-]")
_LIST_ITEM_RE = regex.compile(r"(?m)^[ \t]{0,20}(?:\d{1,3}[.)]|[-*•])[ \t]+\S")
_QUESTION_CHARS = "?？؟"
_SEPARATOR_CHARS = ",;:،؛、，；："


@dataclass(frozen=True)
class Structure:
    """Counts of structural features in one text."""

    code_kinds: tuple[str, ...]
    list_items: int
    questions: int
    separators: int  # commas, semicolons, colons: how many parts the ask enumerates


def _has(text: str, probes: tuple[tuple[tuple[str, ...], "regex.Pattern | None"], ...]) -> bool:
    for needed, pattern in probes:
        if needed and not any(literal in text for literal in needed):
            continue
        if pattern is None or pattern.search(text):
            return True
    return False


def analyze(text: str) -> Structure:
    """Find code shapes, list items and question marks in ``text`` (linear time)."""
    if _CODE_CHAR_RE.search(text):
        kinds = tuple(sorted(kind for kind, probes in _PROBES.items() if _has(text, probes)))
    else:  # every other kind needs one of these characters
        kinds = ("statement",) if _has(text, _PROBES["statement"]) else ()
    return Structure(
        code_kinds=kinds,
        list_items=len(_LIST_ITEM_RE.findall(text)),
        questions=sum(map(text.count, _QUESTION_CHARS)),
        separators=sum(map(text.count, _SEPARATOR_CHARS)),
    )
