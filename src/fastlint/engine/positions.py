"""Node positions from code generation, computed only for files that need them.

`PositionProvider` costs eight times a plain codegen pass and needs a `MetadataWrapper` deep copy;
this state records the same syntactic ranges during `_codegen` directly. When the lines where
top-level statements start are known (from the `ast` facts of the same text), only the
statements that hold the nodes asked about are generated, each checked against the source
text; anything else falls back to one pass over the whole module.
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


class _Reached(Exception):
    """The node asked about has its position: the rest of the statement can wait."""


class _PositionState(CodegenState):
    def __init__(self, default_indent: str, default_newline: str) -> None:
        super().__init__(default_indent=default_indent, default_newline=default_newline)
        self.line = 1
        self.column = 0
        self.stack: list[Point] = []
        self.syntactic: dict[int, Range] = {}
        self.inclusive: dict[int, Range] = {}
        self.until: Optional[cst.CSTNode] = None

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
        if node is self.until:
            raise _Reached

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
    """Ranges of nodes of a module, keyed by node identity.

    `statement_of` maps nodes to the index of the top-level statement holding them and
    `statement_lines` gives the line where each `ast` top-level statement starts; without
    them (or when they disagree with the code) the whole module is generated once.
    """

    def __init__(
        self,
        module: cst.Module,
        text: str = "",
        line_starts: Optional[list[int]] = None,
        statement_lines: Optional[list[int]] = None,
        statement_of: Optional[dict[int, int]] = None,
    ) -> None:
        self._module = module
        self._syntactic: dict[int, Range] = {}
        self._inclusive: dict[int, Range] = {}
        self._text = text
        self._line_starts = line_starts or []
        self._statement_of = statement_of or {}
        self._anchors = _anchors(module, statement_lines) if statement_lines else None
        self._generated: set[int] = set()
        self._partly: set[int] = set()  # statements generated only up to a node asked about
        self._whole = False

    def range(self, node: cst.CSTNode) -> Range:
        """The node without surrounding whitespace (what PositionProvider gives)."""
        self._ensure(node)
        found = self._syntactic.get(id(node))
        if found is None:
            found = self._inclusive[id(node)]
        return found

    def inclusive_range(self, node: cst.CSTNode) -> Range:
        """The node with the whitespace, comments and decorators it owns."""
        self._ensure(node)
        return self._inclusive[id(node)]

    def _ensure(self, node: cst.CSTNode) -> None:
        if self._whole or id(node) in self._inclusive:
            return
        index = self._statement_of.get(id(node))
        if (
            index is not None
            and self._anchors is not None
            and (index not in self._generated or index in self._partly)
            and self._generate_statement(index, node if index not in self._generated else None)
            and id(node) in self._inclusive
        ):
            return
        self._generate_module()

    def _generate_statement(self, index: int, until: Optional[cst.CSTNode] = None) -> bool:
        """Positions of one top-level statement (up to `until`, when given), if it reproduces
        the source where the `ast` says it starts."""
        assert self._anchors is not None
        self._generated.add(index)
        self._partly.discard(index)
        statement = self._module.body[index]
        first_line = self._anchors[index] - len(getattr(statement, "leading_lines", ()))
        if not 1 <= first_line <= len(self._line_starts):
            return False
        state = _PositionState(self._module.default_indent, self._module.default_newline)
        state.line = first_line
        state.until = until
        try:
            statement._codegen(state)
        except _Reached:
            self._partly.add(index)
        code = "".join(state.tokens)
        start = self._line_starts[first_line - 1]
        if not self._text.startswith(code, start):
            self._anchors = None  # the lines belong to other code: trust none of them
            return False
        self._syntactic.update(state.syntactic)
        self._inclusive.update(state.inclusive)
        return True

    def _generate_module(self) -> None:
        state = _PositionState(self._module.default_indent, self._module.default_newline)
        self._module._codegen(state)
        self._syntactic = state.syntactic
        self._inclusive = state.inclusive
        self._whole = True


def _anchors(module: cst.Module, statement_lines: list[int]) -> Optional[list[int]]:
    """The line of each LibCST top-level statement's first token after its leading lines:
    a line of simple statements is as many `ast` statements as it has parts."""
    anchors = []
    position = 0
    for statement in module.body:
        if position >= len(statement_lines):
            return None
        anchors.append(statement_lines[position])
        position += len(statement.body) if isinstance(statement, cst.SimpleStatementLine) else 1
    return anchors if position == len(statement_lines) else None
