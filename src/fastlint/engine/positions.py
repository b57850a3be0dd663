"""Node positions from one code-generation pass, computed only for files that need them.

`PositionProvider` costs eight times a plain codegen pass and needs a `MetadataWrapper` deep copy;
this state records the same syntactic ranges during `Module._codegen` directly.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Optional

import libcst as cst
from libcst._nodes.internal import CodegenState

# (line, column): 1-based line, 0-based column, as LibCST counts them.
Point = tuple[int, int]
Range = tuple[Point, Point]


class _PositionState(CodegenState):
    def __init__(self, default_indent: str, default_newline: str) -> None:
        super().__init__(default_indent=default_indent, default_newline=default_newline)
        self.line = 1
        self.column = 0
        self.stack: list[Point] = []
        self.syntactic: dict[int, Range] = {}
        self.inclusive: dict[int, Range] = {}

    def _advance(self, value: str) -> None:
        if "\n" not in value and "\r" not in value:
            self.column += len(value)
            return
        normalized = value.replace("\r\n", "\n").replace("\r", "\n")
        self.line += normalized.count("\n")
        self.column = len(normalized) - normalized.rfind("\n") - 1

    def add_indent_tokens(self) -> None:
        self.tokens.extend(self.indent_tokens)
        for token in self.indent_tokens:
            self._advance(token)

    def add_token(self, value: str) -> None:
        self.tokens.append(value)
        self._advance(value)

    def before_codegen(self, node: cst.CSTNode) -> None:
        self.stack.append((self.line, self.column))

    def after_codegen(self, node: cst.CSTNode) -> None:
        start = self.stack.pop()
        self.inclusive[id(node)] = (start, (self.line, self.column))

    @contextmanager
    def record_syntactic_position(
        self,
        node: cst.CSTNode,
        *,
        start_node: Optional[cst.CSTNode] = None,
        end_node: Optional[cst.CSTNode] = None,
    ) -> Iterator[None]:
        start = (self.line, self.column)
        # No `finally`: when code generation fails inside (a RecursionError on deep code), the
        # inner nodes have no position, and looking them up would hide that error behind a
        # TypeError.
        yield
        end = (self.line, self.column)
        if start_node is not None:
            start = self.syntactic.get(id(start_node), self.inclusive.get(id(start_node)))[0]  # type: ignore[index]
        if end_node is not None:
            end = self.syntactic.get(id(end_node), self.inclusive.get(id(end_node)))[1]  # type: ignore[index]
        self.syntactic[id(node)] = (start, end)


class Positions:
    """Ranges of every node of a module, keyed by node identity."""

    def __init__(self, module: cst.Module) -> None:
        state = _PositionState(module.default_indent, module.default_newline)
        module._codegen(state)
        self._syntactic = state.syntactic
        self._inclusive = state.inclusive

    def range(self, node: cst.CSTNode) -> Range:
        """The node without surrounding whitespace (what PositionProvider gives)."""
        found = self._syntactic.get(id(node))
        if found is None:
            found = self._inclusive[id(node)]
        return found

    def inclusive_range(self, node: cst.CSTNode) -> Range:
        """The node with the whitespace, comments and decorators it owns."""
        return self._inclusive[id(node)]
