"""Structural signals that keywords cannot see: code shapes, numbered steps, questions.

Every pattern is anchored on short literal tokens with bounded repetition, so a scan is
linear in the text length (no ``.*`` spanning the text, no nested quantifiers).
"""

from __future__ import annotations

from dataclasses import dataclass

import regex

_CODE_PATTERNS = {
    "code fence": r"```|~~~",
    "definition": r"\b(?:def|fn|func|function|class|struct|impl|interface|enum)\s+[A-Za-z_]\w{0,60}\s{0,3}[(<:{]",
    "statement": r"(?m)^[ \t]{0,40}(?:import|from|#include|using|package|return|const|let|var|public|private|static|SELECT|INSERT|UPDATE|DELETE|CREATE|ALTER)\b",
    "call": r"\b[A-Za-z_][\w.]{0,60}\([^()\n]{0,80}\)\s{0,3}[{;:]",
    "operator": r"=>|->|::|===|!==|==|!=|&&|\|\||\+=|\+\+|<<|>>",
    "line end": r"(?m)[;{}][ \t]{0,20}$",
    "traceback": r"Traceback \(most recent call last\)|\bat [\w.$]{1,200}\(|\b\w{1,60}(?:Error|Exception):",
}
_CODE_RES = {name: regex.compile(pattern) for name, pattern in _CODE_PATTERNS.items()}
_LIST_ITEM_RE = regex.compile(r"(?m)^[ \t]{0,20}(?:\d{1,3}[.)]|[-*•])[ \t]+\S")
_QUESTION_RE = regex.compile(r"[?？؟]")
_SEPARATOR_RE = regex.compile(r"[,;:،؛、，；：]")


@dataclass(frozen=True)
class Structure:
    """Counts of structural features in one text."""

    code_kinds: tuple[str, ...]
    list_items: int
    questions: int
    separators: int  # commas, semicolons, colons: how many parts the ask enumerates


def analyze(text: str) -> Structure:
    """Find code shapes, list items and question marks in ``text`` (linear time)."""
    return Structure(
        code_kinds=tuple(sorted(name for name, rx in _CODE_RES.items() if rx.search(text))),
        list_items=len(_LIST_ITEM_RE.findall(text)),
        questions=len(_QUESTION_RE.findall(text)),
        separators=len(_SEPARATOR_RE.findall(text)),
    )
