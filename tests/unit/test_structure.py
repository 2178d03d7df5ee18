"""Structural signals: code kinds, list items, questions and separators, against plain regexes."""

from __future__ import annotations

import random

import pytest
import regex

from smart_router import structure
from smart_router.structure import Structure, analyze


@pytest.mark.parametrize("text,kinds", [
    ("", ()),
    ("How do I bake bread?", ()),
    ("```\nprint(1)\n```", ("code fence",)),
    ("def parse(text):\n    return text", ("call", "definition", "statement")),
    ("import os", ("statement",)),
    ("Traceback (most recent call last):\n  File x", ("traceback",)),
    ("x = a && b", ("operator",)),
])  # fmt: skip
def test_code_kinds(text, kinds):
    assert analyze(text).code_kinds == kinds


def test_counts_of_list_items_questions_and_separators():
    text = "Plan:\n1. read it, then\n2) test it; fix it\n- ship\nWhy? 为什么？"
    assert analyze(text) == Structure(code_kinds=(), list_items=3, questions=2, separators=3)


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
        got = analyze(text)
        assert got.code_kinds == tuple(sorted(k for k, rx in reference.items() if rx.search(text))), text
        assert got.list_items == len(list_item.findall(text))
        assert got.questions == len(regex.findall(r"[?？؟]", text))
        assert got.separators == len(regex.findall(r"[,;:،؛、，；：]", text))


