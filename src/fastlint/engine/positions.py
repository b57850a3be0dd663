"""Node positions from code generation, computed only for files that need them.

`PositionProvider` costs eight times a plain codegen pass and needs a `MetadataWrapper` deep copy;
this state records the same syntactic ranges during `_codegen` directly. When the lines where
top-level statements start are known (from the `ast` facts of the same text), only the
statements that hold the nodes asked about are generated, each checked against the source
text; anything else falls back to one pass over the whole module.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Optional, cast

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
        # Generation stops once these nodes (by identity) have their positions.
        self.until: Optional[set[int]] = None

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
        until = self.until
        if until is not None and id(node) in until:
            until.discard(id(node))
            if not until:
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

    `statement_of` maps nodes to the unit of code holding them: the index of a top-level
    statement, or past those, a method of a top-level class (`methods`: its class's index and
    node, by unit). `statement_lines` gives the line where each `ast` top-level statement
    starts and `method_lines` the `ast` facts' methods (class index, first line, last line,
    name); without them (or when they disagree with the code) a method's class, or the whole
    module, is generated instead.
    """

    def __init__(
        self,
        module: cst.Module,
        text: str = "",
        line_starts: Optional[list[int]] = None,
        statement_lines: Optional[list[int]] = None,
        statement_of: Optional[dict[int, int]] = None,
        methods: Optional[list[tuple[int, cst.FunctionDef]]] = None,
        method_lines: Optional[list[tuple[int, int, int, str]]] = None,
    ) -> None:
        self._module = module
        self._syntactic: dict[int, Range] = {}
        self._inclusive: dict[int, Range] = {}
        self._text = text
        self._line_starts = line_starts or []
        self._statement_of = statement_of or {}
        # The first `ast` statement of each top-level statement, then their number.
        self._ast_indexes = _ast_indexes(module) if statement_lines else []
        self._anchors = _anchors(self._ast_indexes, statement_lines) if statement_lines else None
        self._methods = methods or []
        self._method_lines = method_lines or []
        self._method_anchors: Optional[dict[int, int]] = None  # by unit, when first needed
        self._generated: set[int] = set()
        self._partly: set[int] = set()  # units generated only up to a node asked about
        self._expected: dict[int, set[int]] = {}  # nodes that will be asked about, by unit
        self._whole = False

    def expect(self, nodes: Iterable[cst.CSTNode]) -> None:
        """Nodes whose positions will be asked about: the first generation of a unit goes on
        until it has all of its nodes, so that no unit is generated twice."""
        for node in nodes:
            unit = self._statement_of.get(id(node))
            if unit is not None:
                self._expected.setdefault(unit, set()).add(id(node))

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
        unit = self._statement_of.get(id(node))
        if unit is not None and self._anchors is not None and unit >= len(self._anchors):
            if self._generate_unit(unit, node):
                return
            unit = self._methods[unit - len(self._anchors)][0]  # the method's class, then
        if unit is not None and self._anchors is not None and self._generate_unit(unit, node):
            return
        self._generate_module()

    def _generate_unit(self, unit: int, node: cst.CSTNode) -> bool:
        """Generate the unit holding `node` (up to it, the first time), if that gives its
        position."""
        if unit in self._generated and unit not in self._partly:
            return False
        until = None
        if unit not in self._generated:
            until = self._expected.pop(unit, set())
            until.add(id(node))
        self._generated.add(unit)
        self._partly.discard(unit)
        assert self._anchors is not None
        if unit < len(self._anchors):
            statement = self._module.body[unit]
            line = self._anchors[unit] - len(getattr(statement, "leading_lines", ()))
            if not self._generate(unit, statement, line, [], until):
                self._anchors = None  # the lines belong to other code: trust none of them
                return False
        else:
            class_index, method = self._methods[unit - len(self._anchors)]
            first_line = self._method_anchor(unit)
            if first_line is None:
                return False
            block = cast(cst.ClassDef, self._module.body[class_index]).body
            assert isinstance(block, cst.IndentedBlock)
            indent = block.indent if block.indent is not None else self._module.default_indent
            line = first_line - len(method.leading_lines)
            if not self._generate(unit, method, line, [indent], until):
                return False
        return id(node) in self._inclusive

    def _generate(
        self,
        unit: int,
        code_unit: cst.CSTNode,
        first_line: int,
        indent: list[str],
        until: Optional[set[int]],
    ) -> bool:
        """Positions of a statement or method starting at `first_line` (until the nodes in
        `until` have theirs, when given); False when the code generated is not the source's
        at that line."""
        if not 1 <= first_line <= len(self._line_starts):
            return False
        state = _PositionState(self._module.default_indent, self._module.default_newline)
        state.line = first_line
        state.indent_tokens = indent
        state.until = until
        try:
            code_unit._codegen(state)
        except _Reached:
            self._partly.add(unit)
        code = "".join(state.tokens)
        if not self._text.startswith(code, self._line_starts[first_line - 1]):
            return False
        self._syntactic.update(state.syntactic)
        self._inclusive.update(state.inclusive)
        return True

    def _method_anchor(self, unit: int) -> Optional[int]:
        """The first line of a method's first decorator or `def`, from the `ast` facts, when
        its class's methods there are those of the tree, by name and in order."""
        if self._method_anchors is None:
            assert self._anchors is not None
            # The facts count `ast` statements: `a = 1; b = 2` is two.
            first_parts = self._ast_indexes[:-1]
            tree_index = {ast_index: index for index, ast_index in enumerate(first_parts)}
            facts_methods: dict[int, list[tuple[int, str]]] = {}
            for ast_index, first_line, _, name in self._method_lines:
                class_index = tree_index.get(ast_index, -1)
                facts_methods.setdefault(class_index, []).append((first_line, name))
            tree_methods: dict[int, list[tuple[int, str]]] = {}
            for position, (class_index, method) in enumerate(self._methods):
                unit_of = len(self._anchors) + position
                tree_methods.setdefault(class_index, []).append((unit_of, method.name.value))
            self._method_anchors = {}
            for class_index, in_tree in tree_methods.items():
                in_facts = facts_methods.get(class_index, [])
                if [name for _, name in in_tree] == [name for _, name in in_facts]:
                    for (unit_of, _), (first_line, _) in zip(in_tree, in_facts):
                        self._method_anchors[unit_of] = first_line
        return self._method_anchors.get(unit)

    def _generate_module(self) -> None:
        state = _PositionState(self._module.default_indent, self._module.default_newline)
        self._module._codegen(state)
        self._syntactic = state.syntactic
        self._inclusive = state.inclusive
        self._whole = True


def _anchors(indexes: list[int], statement_lines: list[int]) -> Optional[list[int]]:
    """The line of each LibCST top-level statement's first token after its leading lines
    (`indexes`: `_ast_indexes` of the module)."""
    if indexes[-1] != len(statement_lines):
        return None
    return [statement_lines[index] for index in indexes[:-1]]


def _ast_indexes(module: cst.Module) -> list[int]:
    """The index of the first `ast` statement of each LibCST top-level statement, and then their
    number: a line of simple statements is as many `ast` statements as it has parts."""
    indexes = [0]
    for statement in module.body:
        parts = len(statement.body) if isinstance(statement, cst.SimpleStatementLine) else 1
        indexes.append(indexes[-1] + parts)
    return indexes
