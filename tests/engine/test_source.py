"""Source text helpers (engine/source): lines as Python numbers them, word-first patterns."""

from __future__ import annotations

import ast
import re

import pytest

from fastlint.engine.source import split_lines, statement_matches, word_first
from fastlint.rules.blocking import _NESTED_IMPORT
from fastlint.rules.security import _IMPORT_RE


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", []),
        ("a", ["a"]),
        ("a\n", ["a\n"]),
        ("a\r\nb\rc\n", ["a\r\n", "b\r", "c\n"]),
        ("\n\n", ["\n", "\n"]),
        ("x = 1  # \x0c\ny = 2\n", ["x = 1  # \x0c\n", "y = 2\n"]),
        ("s = '\x1c\x85\u2028'\nt = 1", ["s = '\x1c\x85\u2028'\n", "t = 1"]),
        ("x = '\v\u2029'\r\n", ["x = '\v\u2029'\r\n"]),
    ],
)
def test_split_lines_ends_lines_where_python_does(text: str, expected: list[str]) -> None:
    assert split_lines(text) == expected


def test_line_numbers_agree_with_the_parser() -> None:
    text = "a = 1  # \x0c page\nb = '\u2028'\nc = 3\n"
    lines = split_lines(text)
    for statement in ast.parse(text).body:
        assert lines[statement.lineno - 1].startswith(ast.unparse(statement)[:1])
    assert len(text.splitlines()) > len(lines)  # what str.splitlines would have numbered


def test_word_first_matches_where_a_leading_word_boundary_would() -> None:
    texts = ["async def", "x = 1\nasync def", "(async def", "xasync def", "éasync def", "_async"]
    texts += ["a.async def", "async\\\n def", "1async def", "asyncasync def"]
    for word in ("async", "import", "re.sub"):
        fast = re.compile(word_first(word) + r"\b")
        slow = re.compile(rf"\b{re.escape(word)}\b")
        for text in texts + [t.replace("async", word) for t in texts]:
            assert [m.span() for m in fast.finditer(text)] == [
                m.span() for m in slow.finditer(text)
            ], (word, text)


IMPORTS = """\
import os; from a.b import (c,
    d as e)  # comment
x = "from fake import name"; import json
if TYPE_CHECKING: from typing import Any
important = 1
def f():
    from . import \\
        sibling
    from the docs, a sentence
y = {"k": 1}; z = 2
class C: import re
"""


@pytest.mark.parametrize("pattern", [_IMPORT_RE, _NESTED_IMPORT], ids=["FL403", "FL101"])
def test_statement_matches_are_the_pattern_s_matches(pattern: re.Pattern[str]) -> None:
    for text in (IMPORTS, IMPORTS.replace("\n", "\r\n"), "import x", "importlib.reload(m)"):
        expected = [(m.span(), m.groups()) for m in pattern.finditer(text)]
        found = statement_matches(pattern, text, ("from", "import"))
        assert [(m.span(), m.groups()) for m in found] == expected
    assert len(list(statement_matches(pattern, IMPORTS, ("from", "import")))) > 3
