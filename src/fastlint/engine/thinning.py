"""Parsing a file without the functions and classes no enabled rule needs.

LibCST's parse, the walk and the rules cost about the same per line wherever the line is, and
most functions of a file that some rule must read hold nothing that rule reports: a router's
helpers, a model module's query methods. A top-level function or class, or a function in the
body of a top-level class, that no enabled rule's statement screen (`Rule.could_fire_in`)
keeps is handed to LibCST as a stub of the same kind and name on the same lines
(`def name(` … `): pass`). So the tree still binds every name, every statement keeps its index
and its lines, and everything else is the file's own text: the positions, snippets and fixes of
nodes in kept code are those of the whole file.

Module-level code other than definitions is always kept, and so is every definition that kept
code names other than in a call: rules read the endpoint of `add_api_route(path, endpoint)`
and the parameters of `Depends(dependency)` from the tree (other questions about other
definitions go to the `ast` facts).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable, Optional

from fastlint.engine.project import ModuleFacts
from fastlint.engine.source import NEWLINE_RE

# A name not called (`Depends(get_db)`, `endpoint=read_item`, `x: Model`).
_REFERENCE = re.compile(r"\b\w+(?!\w|[ \t\\\r\n]*\()")
# Definitions whose code binds module-level names are kept: a stub would lose those bindings.
# `global x` here; `:=` in decorators, defaults or bases leaves it out of the facts.
_BINDS_MODULE_NAMES = re.compile(r"\bglobal\b")
# Where the `ast` says a definition starts, the text must show it (not a form feed or a BOM).
_DEFINITION_START = re.compile(r"[ \t]*(?:@|def\b|async\b|class\b)")

# (definition text, index of the top-level statement holding it) -> some enabled rule needs it
KeepTest = Callable[[str, int], bool]


@dataclass
class _Definition:
    keyword: str  # "def" or "class"
    name: str
    index: int  # of the top-level statement
    start: int  # offsets of its whole lines
    end: int
    methods: list[_Definition] = field(default_factory=list)
    alive: bool = False


def thin(text: str, line_starts: list[int], facts: ModuleFacts, keep: KeepTest) -> Optional[str]:
    """The text with stubs for the definitions no rule needs; None when every one is needed.

    `facts` must describe exactly this text, and `line_starts` be its line offsets.
    """
    definitions = _definitions(text, line_starts, facts)
    if definitions is None:
        return None
    words: set[str] = set()
    position = 0
    for definition in definitions:
        words.update(_REFERENCE.findall(text, position, definition.start))
        position = definition.end
    words.update(_REFERENCE.findall(text, position))

    def needed(definition: _Definition) -> bool:
        statement = text[definition.start : definition.end]
        return (
            not _DEFINITION_START.match(statement)
            or _BINDS_MODULE_NAMES.search(statement) is not None
            or keep(statement, definition.index)
        )

    dead: dict[str, list[_Definition]] = {}  # by name, until kept code names them

    def revive(definition: _Definition) -> None:
        definition.alive = True
        position = definition.start
        for method in definition.methods:
            words.update(_REFERENCE.findall(text, position, method.start))
            position = method.end
            if needed(method):
                revive(method)
            else:
                dead.setdefault(method.name, []).append(method)
        words.update(_REFERENCE.findall(text, position, definition.end))

    for definition in definitions:
        if needed(definition):
            revive(definition)
        else:
            dead.setdefault(definition.name, []).append(definition)
    named = words.intersection(dead)
    while named:
        for name in named:
            for definition in dead.pop(name):
                revive(definition)
        named = words.intersection(dead)
    if not dead:
        return None
    stubs = [d for d in definitions if not d.alive]
    stubs.extend(m for d in definitions if d.alive for m in d.methods if not m.alive)
    stubs.sort(key=lambda d: d.start)
    return _with_stubs(text, stubs)


def _definitions(
    text: str, line_starts: list[int], facts: ModuleFacts
) -> Optional[list[_Definition]]:
    def span(first_line: int, last_line: int) -> Optional[tuple[int, int]]:
        if not 1 <= first_line <= last_line <= len(line_starts):
            return None  # the facts do not fit the text after all
        end = line_starts[last_line] if last_line < len(line_starts) else len(text)
        return line_starts[first_line - 1], end

    found: dict[int, _Definition] = {}
    for index, last_line, keyword, name in facts.definitions:
        first_line = facts.statement_lines[index] if index < len(facts.statement_lines) else 0
        offsets = span(first_line, last_line)
        if offsets is None:
            return None
        found[index] = _Definition(keyword, name, index, *offsets)
    for index, first_line, last_line, name in facts.methods:
        offsets = span(first_line, last_line)
        cls = found.get(index)
        if offsets is None or cls is None or not cls.start <= offsets[0] < offsets[1] <= cls.end:
            return None
        cls.methods.append(_Definition("def", name, index, *offsets))
    return sorted(found.values(), key=lambda d: d.start)


def _with_stubs(text: str, stubs: list[_Definition]) -> str:
    pieces: list[str] = []
    position = 0
    for stub in stubs:
        pieces.append(text[position : stub.start])
        pieces.append(_stub(stub.keyword, stub.name, text[stub.start : stub.end]))
        position = stub.end
    pieces.append(text[position:])
    return "".join(pieces)


def _stub(keyword: str, name: str, statement: str) -> str:
    """`def name(): pass` at the statement's indentation and over as many lines, with its last
    line ending."""
    indent = statement[: len(statement) - len(statement.lstrip(" \t"))]
    breaks = NEWLINE_RE.findall(statement)
    final = breaks[-1] if breaks and statement.endswith(breaks[-1]) else ""
    inner = len(breaks) - (1 if final else 0)
    newline = final or (breaks[0] if breaks else "\n")
    return f"{indent}{keyword} {name}({newline * inner}): pass{final}"
