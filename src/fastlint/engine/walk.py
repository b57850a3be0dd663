"""A plain depth-first walk over LibCST nodes.

A `CSTVisitor` pass costs as much as the parse itself; reading the dataclass fields that can hold
nodes, and skipping whitespace and punctuation, is about twice as cheap (see the project notes).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Callable

import libcst as cst

# Fields that only hold whitespace, punctuation or comments: never worth a rule's attention.
_TRIVIA_FIELDS = frozenset(
    {
        "lpar",
        "rpar",
        "leading_lines",
        "lines_after_decorators",
        "header",
        "footer",
        "comma",
        "semicolon",
        "equal",
        "colon",
        "dot",
        "lbracket",
        "rbracket",
        "lbrace",
        "rbrace",
        "star",
        "star_tok",
        "newline",
        "asynchronous",
        "trailing_whitespace",
        "operator",
        "whitespace",
        "arrow",
        "walrus",
        "await_token",
        "indent",
    }
)

# Fields in source order for the nodes whose dataclass order differs from it.
_FIELD_ORDER_OVERRIDES: dict[type[cst.CSTNode], tuple[str, ...]] = {
    cst.FunctionDef: ("decorators", "name", "type_parameters", "params", "returns", "body"),
    cst.ClassDef: ("decorators", "name", "type_parameters", "bases", "keywords", "body"),
}

_FIELDS_CACHE: dict[type[cst.CSTNode], tuple[str, ...]] = {}


def _node_fields(node_type: type[cst.CSTNode]) -> tuple[str, ...]:
    fields = _FIELDS_CACHE.get(node_type)
    if fields is None:
        names = [
            f.name
            for f in dataclasses.fields(node_type)
            if f.name not in _TRIVIA_FIELDS and not f.name.startswith("whitespace")
        ]
        override = _FIELD_ORDER_OVERRIDES.get(node_type)
        if override is not None:
            ordered = [name for name in override if name in names]
            names = ordered + [name for name in names if name not in ordered]
        fields = tuple(names)
        _FIELDS_CACHE[node_type] = fields
    return fields


_REVERSED_FIELDS_CACHE: dict[type[cst.CSTNode], tuple[str, ...]] = {}


def _reversed_fields(node_type: type[cst.CSTNode]) -> tuple[str, ...]:
    fields = _REVERSED_FIELDS_CACHE.get(node_type)
    if fields is None:
        fields = _REVERSED_FIELDS_CACHE[node_type] = tuple(reversed(_node_fields(node_type)))
    return fields


# LibCST's node classes have an ABC metaclass, which makes `isinstance` against them about ten
# times slower than a dict lookup by type: what a field value is, is cached by its type.
_NODE, _SEQUENCE, _OTHER = 1, 2, 0
_VALUE_KINDS: dict[type, int] = {}


def _value_kind(value_type: type) -> int:
    kind = _VALUE_KINDS.get(value_type)
    if kind is None:
        if issubclass(value_type, cst.CSTNode):
            kind = _NODE
        elif issubclass(value_type, (list, tuple)):
            kind = _SEQUENCE
        else:
            kind = _OTHER
        _VALUE_KINDS[value_type] = kind
    return kind


_EXPRESSION_TYPES: dict[type, bool] = {}


def is_expression_type(node_type: type) -> bool:
    """`issubclass(node_type, cst.BaseExpression)`, cached."""
    found = _EXPRESSION_TYPES.get(node_type)
    if found is None:
        found = _EXPRESSION_TYPES[node_type] = issubclass(node_type, cst.BaseExpression)
    return found


def iter_children(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """The child nodes that can matter to a rule, in source order."""
    kinds = _VALUE_KINDS
    for name in _node_fields(type(node)):
        value = getattr(node, name)
        kind = kinds.get(type(value))
        if kind is None:
            kind = _value_kind(type(value))
        if kind == _NODE:
            yield value
        elif kind == _SEQUENCE:
            for item in value:
                if kinds.get(type(item)) == _NODE or _value_kind(type(item)) == _NODE:
                    yield item


Handler = Callable[[cst.CSTNode], None]


def walk(
    root: cst.CSTNode,
    on_enter: Callable[[cst.CSTNode], bool],
    on_leave: Callable[[cst.CSTNode], None],
) -> None:
    """Visit every node under `root` depth-first; `on_enter` returns False to skip children.

    Iterative, so deeply nested code cannot exhaust the interpreter's recursion limit.
    """
    leave_marker = object()
    stack: list[object] = [root]
    kinds = _VALUE_KINDS
    while stack:
        item = stack.pop()
        if item is leave_marker:
            on_leave(stack.pop())  # type: ignore[arg-type]
            continue
        node: cst.CSTNode = item  # type: ignore[assignment]
        if not on_enter(node):
            on_leave(node)
            continue
        stack.append(node)
        stack.append(leave_marker)
        # `iter_children` inlined, pushing in reverse so that children pop in source order.
        for name in _reversed_fields(type(node)):
            value = getattr(node, name)
            kind = kinds.get(type(value))
            if kind is None:
                kind = _value_kind(type(value))
            if kind == _NODE:
                stack.append(value)
            elif kind == _SEQUENCE:
                for element in reversed(value):
                    if kinds.get(type(element)) == _NODE or _value_kind(type(element)) == _NODE:
                        stack.append(element)
