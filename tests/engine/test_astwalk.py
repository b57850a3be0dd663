"""The shared `ast` walks: a function's own returns and yields, and nodes on given lines."""

from __future__ import annotations

import ast

import pytest

from fastlint.engine.astwalk import lines_with, nodes_on_lines, own_returns, yields

FUNCTION = """\
def outer(flag):
    def inner():
        yield 1
        return "inner"
    if flag:
        try:
            return "try"
        except ValueError:
            return None
    lambda: (yield)
    return [x for x in inner()]
"""


def test_own_returns_are_the_function_s_statements_not_nested_ones() -> None:
    [function] = ast.parse(FUNCTION).body
    assert isinstance(function, ast.FunctionDef)
    values = [ast.unparse(r.value) if r.value else None for r in own_returns(function)]
    assert values == ["[x for x in inner()]", "None", "'try'"]  # last first, as a stack meets them


@pytest.mark.parametrize("source", [FUNCTION, FUNCTION + "\ndef gen():\n    yield 2\n"])
def test_a_yield_in_a_nested_function_or_lambda_is_not_the_function_s(source: str) -> None:
    function, *others = ast.parse(source).body
    assert isinstance(function, ast.FunctionDef)
    for lines in (lines_with(source, "yield"), None):
        assert not yields(function, lines)
        assert all(yields(other, lines) for other in others if isinstance(other, ast.FunctionDef))


def test_nodes_on_lines_enter_only_subtrees_on_those_lines_decorators_included() -> None:
    source = "@route(Depends(a))\ndef f(x=1):\n    call()\n\nother(Depends(b))\n"
    tree = ast.parse(source)
    lines = lines_with(source, "Depends")
    assert lines == [1, 5]
    found = nodes_on_lines([tree], (ast.Call,), lines, skip=())
    walked = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and n.lineno in (1, 5)]
    assert list(found) == walked  # `call()` on line 3 is not reached; the order is `ast.walk`'s
    assert [ast.unparse(n) for n in walked][:2] == ["route(Depends(a))", "other(Depends(b))"]
    assert lines_with("a\ryield\r", "yield") is None  # a lone carriage return: lines unknown
