"""Walks of Python's `ast` that the facts share: a function's own `return`s and `yield`s, and
the nodes on the lines that hold a word, without walking the rest of the tree."""

from __future__ import annotations

import ast
import bisect
import collections
from collections.abc import Iterable, Iterator
from typing import AnyStr, Optional, Union

Function = Union[ast.FunctionDef, ast.AsyncFunctionDef]

# The statement lists (and handlers, cases) in each compound statement that opens no scope.
_BLOCKS: dict[type[ast.AST], tuple[str, ...]] = {
    ast.If: ("body", "orelse"),
    ast.For: ("body", "orelse"),
    ast.AsyncFor: ("body", "orelse"),
    ast.While: ("body", "orelse"),
    ast.With: ("body",),
    ast.AsyncWith: ("body",),
    ast.Try: ("body", "handlers", "orelse", "finalbody"),
    ast.ExceptHandler: ("body",),
}
_BLOCKS.update(
    (getattr(ast, name), fields)
    for name, fields in (
        ("TryStar", _BLOCKS[ast.Try]),
        ("Match", ("cases",)),
        ("match_case", ("body",)),
    )
    if hasattr(ast, name)  # `match` is new in Python 3.10, `except*` in 3.11
)

# Where a function's own code ends: what runs in these runs when they are called.
NESTED_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)


def own_returns(function: Function) -> Iterator[ast.Return]:
    """The function's own `return` statements (not those of the functions and classes in it),
    last statement first as a walk with a stack meets them. Only statements are walked: a
    `return` is one."""
    pending: list[ast.AST] = list(function.body)
    while pending:
        node = pending.pop()
        if type(node) is ast.Return:
            yield node
            continue
        blocks = _BLOCKS.get(type(node))
        if blocks is not None:
            for block in blocks:
                pending.extend(getattr(node, block))


def yields(function: Function, yield_lines: Optional[list[int]]) -> bool:
    """Whether the function has a `yield` (or `yield from`) of its own. `yield_lines`: the
    lines of its file that hold the word (`lines_with`), None to look everywhere."""
    return any(nodes_on_lines(function.body, (ast.Yield, ast.YieldFrom), yield_lines))


def lines_with(source: Union[str, bytes], word: str) -> Optional[list[int]]:
    """The lines where `word` occurs, in order; None when lines cannot be counted by line
    feeds (a lone carriage return ends a line too)."""
    if isinstance(source, bytes):
        return _lines_with(source, word.encode(), b"\n", b"\r")
    return _lines_with(source, word, "\n", "\r")


def _lines_with(
    source: AnyStr, word: AnyStr, feed: AnyStr, carriage: AnyStr
) -> Optional[list[int]]:
    found = source.find(word)
    if (
        found != -1
        and carriage in source
        and source.count(carriage) != source.count(carriage + feed)
    ):
        return None
    lines: list[int] = []
    line, position = 1, 0
    while found != -1:
        line += source.count(feed, position, found)
        lines.append(line)
        position = found
        found = source.find(word, found + len(word))
    return lines


def nodes_on_lines(
    roots: Iterable[ast.AST],
    kinds: tuple[type[ast.AST], ...],
    lines: Optional[list[int]],
    skip: tuple[type[ast.AST], ...] = NESTED_SCOPES,
) -> Iterator[ast.AST]:
    """The nodes of `kinds` under `roots` (them included), breadth first as `ast.walk`, not
    entering nodes of `skip`. Only subtrees whose lines hold one of `lines` (sorted) are
    walked; None: all of them."""
    pending: collections.deque[ast.AST] = collections.deque(roots)
    while pending:
        node = pending.popleft()
        if isinstance(node, skip):
            continue
        first: Optional[int] = getattr(node, "lineno", None)
        if lines is not None and first is not None:  # a node without a position is entered
            # Decorators come before a definition's line.
            decorators: list[ast.expr] = getattr(node, "decorator_list", None) or []
            first = min([first, *(d.lineno for d in decorators)])
            last = getattr(node, "end_lineno", None) or first
            position = bisect.bisect_left(lines, first)
            if position == len(lines) or lines[position] > last:
                continue
        if isinstance(node, kinds):
            yield node
        pending.extend(ast.iter_child_nodes(node))
