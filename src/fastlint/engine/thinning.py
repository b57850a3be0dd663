"""Parsing a file without the functions and classes no enabled rule needs.

LibCST's parse, the walk and the rules cost about the same per line wherever the line is, and
most functions of a file that some rule must read hold nothing that rule reports: a router's
helpers, a model module's query methods. A top-level function or class, or a function in the
body of a top-level class, that no enabled rule's statement screen (`Rule.could_fire_in`)
keeps is handed to LibCST as a stub of the same kind and name on the same lines
(`def name(): pass`; over several lines, a triple-quoted string of the line ends instead of
`pass`). A function that rules keep only for its decorators and signature (no rule that
keeps it reads its body: `Rule.reads_body`) keeps them as written, with such a filler for a
body on the same lines. So the tree still binds every name, every statement keeps its
index and its lines, and everything else is the file's own text: the positions, snippets and
fixes of nodes in kept code are those of the whole file.

Statement screens also see what a definition can see of the rest of its file
(`Surroundings`): module-level code and classes, not imports and not other functions.

A top-level `name = value` statement (`ModuleFacts.bindings`) that no statement screen keeps
becomes `name = ()` (or a filler) on the same lines, unless kept code writes its name anywhere
(a call included: rules resolve `session()` through `session = sessionmaker(...)`); a
top-level call statement no screen keeps becomes `()` (or a filler): it binds nothing. Other
module-level code is always kept, and so is every definition that kept code names other than
in a call: rules read the parameters of `Depends(dependency)` and the endpoint of
`add_api_route(path, endpoint)` from the tree (other questions about other definitions go to
the `ast` facts). A function kept only for being named keeps its decorators and signature,
and its body when a rule reads it (`Rule.reads_named_body`); for methods, see `thin`.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import Callable, Optional

from fastlint.engine.project import ModuleFacts, ProjectIndex
from fastlint.engine.source import NEWLINE_RE, word_first

# A name not called (`Depends(get_db)`, `endpoint=read_item`, `x: Model`).
_REFERENCE = re.compile(r"\b\w+(?!\w|[ \t\\\r\n]*\()")
_WORD = re.compile(r"\w+")
# Definitions whose code binds module-level names are kept: a stub would lose those bindings.
# `global x` here; `:=` in decorators, defaults or bases leaves it out of the facts.
_BINDS_MODULE_NAMES = re.compile(word_first("global") + r"\b")
# Where the `ast` says a definition starts, the text must show it (not a form feed or a BOM).
_DEFINITION_START = re.compile(r"[ \t]*(?:@|def\b|async\b|class\b)")

# The keywords of a binding (`ModuleFacts.bindings`), whose statement starts with its name,
# and of a call statement (a binding without a name), which binds nothing.
_BINDING, _CALL = "=", "()"
_SIMPLE = (_BINDING, _CALL)


def _starts_with_name(statement: str, name: str) -> bool:
    following = statement[len(name) : len(name) + 1]
    return statement.startswith(name) and not (following.isalnum() or following == "_")


# A top-level import statement.
_IMPORT_STATEMENT = re.compile(r"(?:from|import)\b")

# How much of a definition the enabled rules read.
NOTHING, HEADER, WHOLE = "nothing", "header", "whole"


@dataclass(frozen=True)
class Surroundings:
    """What the code of a definition can see of the rest of its file, for statement screens.

    `code` is the module-level code other than imports and functions (a function's names are
    its own), with classes but not their methods.
    """

    code: str


@dataclass(frozen=True)
class Definition:
    """A top-level `def` or `class`, a method of a top-level class, or a top-level
    `name = value` statement, as the statement screens (`Rule.could_fire_in`,
    `Rule.reads_body`) see it."""

    text: str
    index: int  # of its top-level statement
    lines: tuple[int, int]  # its first (first decorator's) and last line
    facts: ModuleFacts
    project: ProjectIndex
    around: Surroundings
    body_at: Optional[int] = None  # where a body that could be left out starts in `text`
    file_text: str = ""  # the whole file's

    @property
    def header(self) -> str:
        """Its decorators and signature (all of it when the body cannot be left out)."""
        return self.text if self.body_at is None else self.text[: self.body_at]

    @property
    def body(self) -> str:
        return "" if self.body_at is None else self.text[self.body_at :]

    @property
    def class_name(self) -> Optional[str]:
        """The top-level class this definition is, or is a method of; None for a function."""
        for index, _, kind, name in self.facts.definitions:
            if index == self.index:
                return name if kind == "class" else None
        return None


# (definition text, index of its top-level statement, its first and last line, offset in the
# text where a body that could be left out starts (None: it cannot), surroundings, whether
# the question is what a definition kept code names needs) -> NOTHING, HEADER or WHOLE
KeepTest = Callable[[str, int, tuple[int, int], Optional[int], Surroundings, bool], str]


@dataclass(eq=False)  # identity: kept in dictionaries by definition
class _Definition:
    keyword: str  # "def", "class", "=" (a binding: `name = value`) or "()" (a call)
    name: str
    index: int  # of the top-level statement
    lines: tuple[int, int]  # first and last
    start: int  # offsets of its whole lines
    end: int
    body_start: Optional[int] = None  # a function's body, when it starts a line of its own
    methods: list[_Definition] = field(default_factory=list)
    alive: bool = False
    hollow: bool = False  # parsed with a filler (`pass`) for its body


def thin(text: str, line_starts: list[int], facts: ModuleFacts, keep: KeepTest) -> Optional[str]:
    """The text with stubs for the definitions no rule needs, and fillers for the bodies of
    functions whose signature alone the rules read; None when nothing can be left out.

    `facts` must describe exactly this text, and `line_starts` be its line offsets.
    """
    definitions = _definitions(text, line_starts, facts)
    if definitions is None:
        return None
    surroundings = _surroundings(text, line_starts, facts, definitions)
    # What kept code names (and writes at all, for bindings), and where that code is (for
    # attributes of a class, when asked).
    words: set[str] = set()
    written: set[str] = set()
    kept: list[tuple[int, int]] = []

    def note(start: int, end: int) -> set[str]:
        names = set(_REFERENCE.findall(text, start, end))
        words.update(names)
        if facts.bindings:
            written.update(_WORD.findall(text, start, end))
        kept.append((start, end))
        return names

    attributes: dict[str, tuple[int, set[str]]] = {}  # class name -> (pieces read, found)

    def attributes_of(name: str) -> set[str]:
        read, found = attributes.get(name, (0, set()))
        if read < len(kept):
            pattern = _attribute_of(name)
            for start, end in kept[read:]:
                found.update(pattern.findall(text, start, end))
            attributes[name] = (len(kept), found)
        return found

    position = 0
    for definition in definitions:
        note(position, definition.start)
        position = definition.end
    note(position, len(text))

    def needed(definition: _Definition, named: bool = False) -> str:
        statement = text[definition.start : definition.end]
        if definition.keyword == _BINDING:
            if not _starts_with_name(statement, definition.name):
                return WHOLE
        elif definition.keyword == _CALL:
            if not (statement[:1].isalnum() or statement[:1] == "_"):
                return WHOLE  # it must start with the callee's name (not a BOM, not a `(`)
        elif not _DEFINITION_START.match(statement) or _BINDS_MODULE_NAMES.search(statement):
            return WHOLE
        if named and definition.keyword == _BINDING:
            return WHOLE
        body = definition.body_start
        body_at = None if body is None else body - definition.start
        return keep(statement, definition.index, definition.lines, body_at, surroundings, named)

    # Definitions left out or hollow, by owner (None: the module; else a class) and name, until
    # kept code names them: any code for top-level definitions. Rules look names up as Python
    # does, so a method is named by its class's own code and its methods' signatures (run in
    # the class's scope) or as an attribute of its class (`Depends(Resources.client)`), not by
    # a bare name in a function body nor by `self.helper`.
    waiting: dict[Optional[_Definition], dict[str, list[_Definition]]] = {None: {}}
    class_names: dict[_Definition, set[str]] = {}
    bindings_waiting: dict[str, list[_Definition]] = {}  # left out until kept code writes them

    def wait(definition: _Definition, owner: Optional[_Definition]) -> None:
        if definition.keyword == _CALL:
            return  # no name: nothing brings it back
        if definition.keyword == _BINDING:
            bindings_waiting.setdefault(definition.name, []).append(definition)
            return
        waiting.setdefault(owner, {}).setdefault(definition.name, []).append(definition)

    def revive(
        definition: _Definition,
        need: str = WHOLE,
        owner: Optional[_Definition] = None,
        named: bool = False,
    ) -> None:
        if need == HEADER and definition.body_start is not None:
            if definition.alive:
                return  # hollow already
            definition.alive = definition.hollow = True
            note(definition.start, definition.body_start)
            if not named:
                wait(definition, owner)  # being named may need its body
            return
        definition.alive = True
        definition.hollow = False
        if not definition.methods:
            note(definition.start, definition.end)
            return
        names: set[str] = set()
        position = definition.start
        for method in definition.methods:
            names |= note(position, method.start)
            signature_end = method.end if method.body_start is None else method.body_start
            names |= note(method.start, signature_end)
            position = method.end
        names |= note(position, definition.end)
        class_names[definition] = names
        for method in definition.methods:
            method_need = needed(method)
            if method_need != NOTHING:
                revive(method, method_need, definition)
            else:
                wait(method, definition)

    def named() -> list[tuple[_Definition, Optional[_Definition]]]:
        """The waiting definitions kept code names now, with their owners."""
        found: list[tuple[_Definition, Optional[_Definition]]] = []
        for owner, by_name in waiting.items():
            if not by_name:
                continue
            names = words if owner is None else class_names[owner] | attributes_of(owner.name)
            for name in names.intersection(by_name):
                found.extend((definition, owner) for definition in by_name.pop(name))
        for name in written.intersection(bindings_waiting):
            found.extend((definition, None) for definition in bindings_waiting.pop(name))
        return found

    for definition in definitions:
        need = needed(definition)
        if need != NOTHING:
            revive(definition, need)
        else:
            wait(definition, None)
    pending = named()
    while pending:
        for definition, owner in pending:
            revive(definition, needed(definition, named=True), owner, named=True)
        pending = named()
    changed = [d for d in definitions if not d.alive or d.hollow]
    for definition in definitions:
        if definition.alive and not definition.hollow:
            changed.extend(m for m in definition.methods if not m.alive or m.hollow)
    if not changed:
        return None
    changed.sort(key=lambda d: d.start)
    return _with_stubs(text, changed)


@functools.lru_cache(maxsize=256)
def _attribute_of(name: str) -> re.Pattern[str]:
    """An attribute of `name`, not called (`Depends(Resources.client)`)."""
    return re.compile(rf"{word_first(name)}[ \t]*\.[ \t\\\r\n]*(\w+)(?!\w|[ \t\\\r\n]*\()")


def _surroundings(
    text: str, line_starts: list[int], facts: ModuleFacts, definitions: list[_Definition]
) -> Surroundings:
    if not all(1 <= line <= len(line_starts) for line in facts.statement_lines):
        return Surroundings(text)  # the facts do not fit: all of it, to be safe
    by_index = {definition.index: definition for definition in definitions}
    starts = [line_starts[line - 1] for line in facts.statement_lines]
    pieces: list[str] = []
    for index, start in enumerate(starts):
        end = starts[index + 1] if index + 1 < len(starts) else len(text)
        definition = by_index.get(index)
        if definition is None or definition.keyword in _SIMPLE:
            if not _IMPORT_STATEMENT.match(text, start):
                pieces.append(text[start:end])
            continue
        if _BINDS_MODULE_NAMES.search(text, start, end):
            pieces.append(text[start:end])  # `global`: its code binds module-level names
        elif definition.keyword == "class":
            position = start
            for method in definition.methods:
                pieces.append(text[position : method.start])
                position = method.end
            pieces.append(text[position:end])
    return Surroundings("".join(pieces))


def _definitions(
    text: str, line_starts: list[int], facts: ModuleFacts
) -> Optional[list[_Definition]]:
    def span(first_line: int, last_line: int) -> Optional[tuple[int, int]]:
        if not 1 <= first_line <= last_line <= len(line_starts):
            return None  # the facts do not fit the text after all
        end = line_starts[last_line] if last_line < len(line_starts) else len(text)
        return line_starts[first_line - 1], end

    def body_start(first_line: int, last_line: int) -> Optional[int]:
        """Where the function's body starts, when its first statement starts a line after the
        signature (not `def f(): return 1`)."""
        line, column = facts.function_bodies.get(first_line, (0, 0))
        if not first_line < line <= last_line:
            return None
        start = line_starts[line - 1]
        indent = text[start : start + column]
        if indent.strip(" \t") or text[start + column : start + column + 1].isspace():
            return None  # the column counts bytes: only plain indentation is understood
        return start

    found: dict[int, _Definition] = {}
    for index, last_line, keyword, name in facts.definitions:
        first_line = facts.statement_lines[index] if index < len(facts.statement_lines) else 0
        offsets = span(first_line, last_line)
        if offsets is None:
            return None
        body = body_start(first_line, last_line) if keyword == "def" else None
        found[index] = _Definition(
            keyword, name, index, (first_line, last_line), *offsets, body_start=body
        )
    for index, last_line, name in facts.bindings:
        first_line = facts.statement_lines[index] if index < len(facts.statement_lines) else 0
        offsets = span(first_line, last_line)
        if offsets is None or index in found:
            return None
        keyword = _BINDING if name else _CALL
        found[index] = _Definition(keyword, name, index, (first_line, last_line), *offsets)
    for index, first_line, last_line, name in facts.methods:
        offsets = span(first_line, last_line)
        cls = found.get(index)
        if offsets is None or cls is None or not cls.start <= offsets[0] < offsets[1] <= cls.end:
            return None
        body = body_start(first_line, last_line)
        cls.methods.append(
            _Definition("def", name, index, (first_line, last_line), *offsets, body_start=body)
        )
    return sorted(found.values(), key=lambda d: d.start)


def _with_stubs(text: str, stubs: list[_Definition]) -> str:
    pieces: list[str] = []
    position = 0
    for stub in stubs:
        pieces.append(text[position : stub.start])
        if stub.hollow and stub.body_start is not None:
            pieces.append(text[stub.start : stub.body_start])
            pieces.append(_empty_body(text[stub.body_start : stub.end]))
        else:
            pieces.append(_stub(stub.keyword, stub.name, text[stub.start : stub.end]))
        position = stub.end
    pieces.append(text[position:])
    return "".join(pieces)


def _stub(keyword: str, name: str, statement: str) -> str:
    """`def name(): pass` (or `name = ()`, or `()`) at the statement's indentation and over as
    many lines (`_filler`), with its last line ending."""
    indent, inner, newline, final = _layout(statement)
    if keyword == _BINDING:
        return f"{indent}{name} = {_filler(inner, newline, '()')}{final}"
    if keyword == _CALL:
        return f"{indent}{_filler(inner, newline, '()')}{final}"
    return f"{indent}{keyword} {name}(): {_filler(inner, newline, 'pass')}{final}"


def _empty_body(body: str) -> str:
    """`pass` at the body's indentation over as many lines as the body has (`_filler`)."""
    indent, inner, newline, final = _layout(body)
    return f"{indent}{_filler(inner, newline, 'pass')}{final}"


def _filler(inner: int, newline: str, short: str) -> str:
    """`short` on one line; over more, a string literal holding the line ends: one token,
    where blank lines would each be a node of LibCST's tree (7 µs each to parse)."""
    return f'"""{newline * inner}"""' if inner else short


def _layout(code: str) -> tuple[str, int, str, str]:
    """The first line's indentation, how many line ends come before the last line's, the line
    end to repeat, and the last line's own line end ("" when the code does not end a line)."""
    indent = code[: len(code) - len(code.lstrip(" \t"))]
    breaks = NEWLINE_RE.findall(code)
    final = breaks[-1] if breaks and code.endswith(breaks[-1]) else ""
    inner = len(breaks) - (1 if final else 0)
    newline = final or (breaks[0] if breaks else "\n")
    return indent, inner, newline, final
