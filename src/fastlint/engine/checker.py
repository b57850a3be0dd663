"""Checking one file: prefilter, one parse, one walk for all rules, then positions and fixes."""

from __future__ import annotations

import ast
import os
import re
from collections.abc import Sequence
from typing import Any, Callable, Optional

import libcst as cst

from fastlint.engine import cstparse, deepstack
from fastlint.engine.context import FileContext, PendingFinding
from fastlint.engine.findings import Edit, Finding, Fix, Severity
from fastlint.engine.positions import Positions
from fastlint.engine.project import ModuleFacts, ProjectIndex
from fastlint.engine.rule import NodeEdit, Rule, TextEdit
from fastlint.engine.source import SourceFile, line_starts
from fastlint.engine.suppression import is_suppressed, skips_file
from fastlint.engine.thinning import HEADER, NOTHING, WHOLE, Definition, Surroundings, thin
from fastlint.engine.walk import walk

PARSE_ERROR_CODE = "FL000"
# For scripts/screen_check.py only: run every rule on every whole file, to prove the screens
# (and the statement screens that thin files) drop no finding. Never set in normal use (it is
# also part of the cache key).
SCREENS_OFF = os.environ.get("FASTLINT_NO_SCREENS") == "1"
PARSE_ERROR_NAME = "parse-error"

_HANDLERS: dict[type[Rule], tuple[dict[str, str], dict[str, str]]] = {}


def _handler_names(rule_type: type[Rule]) -> tuple[dict[str, str], dict[str, str]]:
    """visit_/leave_ methods of a rule class, keyed by LibCST node class name."""
    found = _HANDLERS.get(rule_type)
    if found is None:
        visits: dict[str, str] = {}
        leaves: dict[str, str] = {}
        for attr in dir(rule_type):
            if attr.startswith("visit_"):
                visits[attr[6:]] = attr
            elif attr.startswith("leave_"):
                leaves[attr[6:]] = attr
        for name in (*visits, *leaves):
            if not isinstance(getattr(cst, name, None), type):
                raise TypeError(f"{rule_type.__name__}: no LibCST node type named {name}")
        found = (visits, leaves)
        _HANDLERS[rule_type] = found
    return found


def parse_error(source: SourceFile, line: int, column: int, message: str) -> Finding:
    return Finding(
        path=source.display_path,
        line=line,
        column=column,
        end_line=line,
        end_column=column,
        code=PARSE_ERROR_CODE,
        rule=PARSE_ERROR_NAME,
        severity=Severity.ERROR,
        message=message,
    )


def parse_module(
    source: SourceFile, text: Optional[str] = None, *, validate: bool = True
) -> cst.Module | Finding:
    """Parse with LibCST (`text` instead of the source's own, when given: a thinned copy), or
    return the FL000 finding that says why it could not.

    `validate=False` when Python's own parser has accepted the source (`cstparse`)."""
    try:
        return cstparse.parse_module(source.text if text is None else text, validate=validate)
    except cst.ParserSyntaxError as exc:
        return _syntax_error(source, str(exc.message))
    except RecursionError:
        return parse_error(source, 1, 1, "cannot parse: the code is nested too deeply")
    except Exception as exc:  # LibCST's native parser raises a few others on odd input
        return parse_error(source, 1, 1, f"cannot parse: {type(exc).__name__}: {exc}")


_LIBCST_LOCATION = re.compile(r"error at (\d+):(\d+): ")


def _syntax_error(source: SourceFile, libcst_message: str) -> Finding:
    """FL000 located and worded as Python's own parser would, when it also rejects the code.

    LibCST's errors carry the position only inside the message, and say less.
    """
    try:
        ast.parse(source.text)
    except SyntaxError as exc:
        line = exc.lineno or 1
        column = exc.offset or 1
        return parse_error(source, line, column, f"SyntaxError: {exc.msg}")
    except (ValueError, MemoryError, RecursionError):
        pass
    match = _LIBCST_LOCATION.search(libcst_message)
    line, column = (int(match.group(1)), int(match.group(2)) + 1) if match else (1, 1)
    detail = _LIBCST_LOCATION.sub("", libcst_message).strip() or "invalid syntax"
    return parse_error(source, line, column, f"SyntaxError: {detail}")


def applicable_rules(
    rules: Sequence[type[Rule]],
    text: str,
    kind: str,
    project: ProjectIndex,
    path: str,
    options: Optional[dict[str, Any]] = None,
) -> list[type[Rule]]:
    """Rules that could fire on this file, by their screens: no LibCST work for the others.

    A rule whose screen depends on an option that is set (`screen_options`) is screened by its
    `triggers` only.
    """
    candidates = [rule for rule in rules if kind in rule.file_kinds]
    if not candidates or SCREENS_OFF:
        return candidates
    facts = project.facts_for_path(path) if kind == "python" else None
    if facts is not None and facts.ast_failed:
        facts = None
    configured = _configured(options)
    return [
        rule
        for rule in candidates
        if (
            rule.triggered(text)
            if configured.intersection(rule.screen_options)
            else rule.could_fire(text, facts, project)
        )
    ]


def _configured(options: Optional[dict[str, Any]]) -> set[str]:
    """The options that are set: screens that depend on one of them cannot be trusted."""
    return {key for key, value in (options or {}).items() if value}


# Compared by type: `isinstance` against LibCST's ABC-derived classes is slow.
_SCOPE_TYPES = frozenset({cst.FunctionDef, cst.ClassDef, cst.Lambda})


# Where each node entered is, for positions (engine/positions): by node, its unit (a top-level
# statement's index, or past those a method of a top-level class), and each method's class
# index and node, by unit.
Units = tuple[dict[int, int], list[tuple[int, cst.FunctionDef]]]


def _run_walk(module: cst.Module, context: FileContext, rules: list[Rule]) -> Units:
    """Run the rules over the module; returns where each node entered is (`Units`)."""
    visit: dict[type[cst.CSTNode], list[Callable[[Any], Any]]] = {}
    leave: dict[type[cst.CSTNode], list[Callable[[Any], Any]]] = {}
    for rule in rules:
        visits, leaves = _handler_names(type(rule))
        for node_name, attr in visits.items():
            visit.setdefault(getattr(cst, node_name), []).append(getattr(rule, attr))
        for node_name, attr in leaves.items():
            leave.setdefault(getattr(cst, node_name), []).append(getattr(rule, attr))
    ancestors = context.ancestors
    # Bodies of functions, classes and lambdas open a scope; decorators, defaults and bases
    # are evaluated in the enclosing one.
    scope_bodies: dict[int, cst.CSTNode] = {}
    statements = {id(statement): index for index, statement in enumerate(module.body)}
    methods = _methods_of_classes(module)
    method_units = {id(method): len(statements) + unit for unit, (_, method) in enumerate(methods)}
    statement_of: dict[int, int] = {}
    current = [-1, -1]  # the unit, and the top-level statement

    def on_enter(node: cst.CSTNode) -> bool:
        ancestors.append(node)
        depth = len(ancestors)
        if depth == 2:
            current[0] = current[1] = statements.get(id(node), -1)
        elif depth == 4 and current[1] >= 0:  # a statement in a class body (or not)
            current[0] = method_units.get(id(node), current[1])
        if current[0] >= 0:
            statement_of[id(node)] = current[0]
        # A node can be both a scope's body and a scope (`lambda: lambda x: x`).
        if id(node) in scope_bodies:
            context.enter_scope(scope_bodies[id(node)])  # type: ignore[arg-type]
        if type(node) in _SCOPE_TYPES:
            scope_bodies[id(node.body)] = node  # type: ignore[attr-defined]
        handlers = visit.get(type(node))
        if handlers:
            for handler in handlers:
                handler(node)
        return True

    def on_leave(node: cst.CSTNode) -> None:
        handlers = leave.get(type(node))
        if handlers:
            for handler in handlers:
                handler(node)
        if id(node) in scope_bodies:
            del scope_bodies[id(node)]
            context.leave_scope()
        ancestors.pop()

    walk(module, on_enter, on_leave)
    return statement_of, methods


def _methods_of_classes(module: cst.Module) -> list[tuple[int, cst.FunctionDef]]:
    """The functions in the bodies of top-level classes, with the index of their class."""
    return [
        (index, method)
        for index, statement in enumerate(module.body)
        if type(statement) is cst.ClassDef and type(statement.body) is cst.IndentedBlock
        for method in statement.body.body
        if type(method) is cst.FunctionDef
    ]


def _indent_of_line(source: SourceFile, line: int) -> str:
    text = source.line_text(line)
    return text[: len(text) - len(text.lstrip(" \t"))]


class _Materializer:
    """Turns pending findings into Findings with positions, fixes and context."""

    def __init__(
        self,
        source: SourceFile,
        module: Optional[cst.Module],
        facts: Optional[ModuleFacts] = None,
        units: Optional[Units] = None,
        parsed_text: Optional[str] = None,
    ) -> None:
        self.source = source
        self.module = module
        # What LibCST parsed when it was not the source (engine/thinning): the same lines.
        self._parsed_text = parsed_text
        self._facts = facts  # of the source: where its statements and methods start
        self._units = units
        self._positions: Optional[Positions] = None

    @property
    def positions(self) -> Positions:
        if self._positions is None:
            assert self.module is not None
            text, starts = self.source.text, self.source.line_starts
            if self._parsed_text is not None:
                text, starts = self._parsed_text, line_starts(self._parsed_text)
            facts, units = self._facts, self._units
            self._positions = Positions(
                self.module,
                text,
                starts,
                (facts.statement_lines or None) if facts is not None else None,
                units[0] if units is not None else None,
                units[1] if units is not None else None,
                facts.methods if facts is not None else None,
            )
        return self._positions

    def expect(self, pending: Sequence[PendingFinding]) -> None:
        """Tell the positions every node these findings will ask about (engine/positions)."""
        nodes: list[cst.CSTNode] = []
        for finding in pending:
            if finding.node is None:
                continue
            nodes.append(finding.node)
            if finding.end_node is not None:
                nodes.append(finding.end_node)
            if finding.fix is not None:
                nodes.extend(edit.node for edit in finding.fix.edits if type(edit) is NodeEdit)
        if nodes and self.module is not None:
            self.positions.expect(nodes)

    def offset(self, point: tuple[int, int]) -> int:
        return self.source.offset(point[0], point[1] + 1)

    def node_offsets(self, node: cst.CSTNode) -> tuple[int, int]:
        start, end = self.positions.range(node)
        return self.offset(start), self.offset(end)

    def render(self, content: str | cst.CSTNode, line: int) -> str:
        if isinstance(content, cst.CSTNode):
            assert self.module is not None
            content = self.module.code_for_node(content)
            if isinstance(content, str) and "\n" in content:
                indent = _indent_of_line(self.source, line)
                lines = content.split("\n")
                content = "\n".join(
                    [lines[0]] + [indent + ln if ln.strip() else ln for ln in lines[1:]]
                )
        newline = self.source.newline
        return content.replace("\n", newline) if newline != "\n" else content

    def _whole_lines(self, start: int, end: int) -> tuple[int, int]:
        text = self.source.text
        line_start = text.rfind("\n", 0, start) + 1
        if text[line_start:start].strip() == "":
            start = line_start
        if end > 0 and text[end - 1] != "\n":
            newline_at = text.find("\n", end)
            rest = text[end:newline_at] if newline_at != -1 else text[end:]
            if rest.strip() == "" or rest.lstrip().startswith("#"):
                end = newline_at + 1 if newline_at != -1 else len(text)
        return start, end

    def _first_owned_line(self, node: cst.CSTNode) -> int:
        """Offset of the first comment or code line a node owns (its blank lines skipped)."""
        start = self.offset(self.positions.inclusive_range(node)[0])
        syntactic_start = self.node_offsets(node)[0]
        text = self.source.text
        while start < syntactic_start:
            newline_at = text.find("\n", start, syntactic_start)
            if newline_at == -1 or text[start:newline_at].strip():
                break
            start = newline_at + 1
        return start

    def edit(self, edit: NodeEdit | TextEdit) -> tuple[int, int, str]:
        if isinstance(edit, TextEdit):
            return edit.start, edit.end, edit.content
        node = edit.node
        start, end = self.node_offsets(node)
        line = self.source.position(start)[0]
        if edit.kind == "replace":
            return start, end, self.render(edit.content, line)
        if edit.kind == "insert_before":
            return start, start, self.render(edit.content, line)
        if edit.kind == "insert_after":
            return end, end, self.render(edit.content, line)
        if edit.kind == "insert_before_lines":
            owned = self._first_owned_line(node)
            return owned, owned, self.render(edit.content, line)
        if edit.kind == "remove_lines":
            decorators = getattr(node, "decorators", ())
            if decorators:
                start = self.node_offsets(decorators[0])[0]
            return (*self._whole_lines(start, end), "")
        raise ValueError(f"unknown edit kind {edit.kind}")

    def finding(self, pending: PendingFinding) -> Finding:
        rule = pending.rule
        if pending.node is not None:
            start, _ = self.node_offsets(pending.node)
            _, end = self.node_offsets(pending.end_node or pending.node)
            assert self.module is not None
            # As written: the baseline normalises it (comments need their line breaks).
            snippet = self.module.code_for_node(pending.node)
        else:
            start, end = pending.start, pending.end
            snippet = self.source.text[start:end]
        line, column = self.source.position(start)
        end_line, end_column = self.source.position(end)
        fix: Optional[Fix] = None
        if pending.fix is not None:
            edits = []
            for raw in pending.fix.edits:
                edit_start, edit_end, content = self.edit(raw)
                sl, sc = self.source.position(edit_start)
                el, ec = self.source.position(edit_end)
                edits.append(Edit(sl, sc, el, ec, content))
            edits.sort(key=lambda e: (e.line, e.column, e.end_line, e.end_column))
            fix = Fix(
                pending.fix.applicability, pending.fix.message, tuple(edits), pending.fix.imports
            )
        return Finding(
            path=self.source.display_path,
            line=line,
            column=column,
            end_line=end_line,
            end_column=end_column,
            code=rule.code,
            rule=rule.name,
            severity=pending.severity or rule.severity,
            message=pending.message,
            fix=fix,
            context=pending.scope_qualname,
            snippet=snippet,
        )


def check_source(
    source: SourceFile,
    rules: Sequence[type[Rule]],
    project: ProjectIndex,
    options: dict[str, Any],
    *,
    kind: str = "python",
    module_name: str = "",
    is_package: bool = False,
    must_parse: bool = False,
) -> list[Finding]:
    """All unsuppressed findings of the given rules in one file, sorted.

    A file no rule could fire on is not parsed, unless `must_parse` (Python's own parser
    rejected it, so LibCST decides whether it is a parse error).
    """
    if skips_file(source.text):
        return []
    active = applicable_rules(rules, source.text, kind, project, source.path, options)
    if not active and not must_parse:
        return []
    module: Optional[cst.Module] = None
    thinned: Optional[str] = None
    facts = _own_facts(source, project) if kind == "python" else None
    if kind == "python":
        thinned = _thinned_text(source, facts, active, project, options)
        # Facts of this very text: Python's parser accepted it.
        parsed = parse_module(source, thinned, validate=facts is None)
        if isinstance(parsed, Finding) and thinned is not None:
            thinned = None
            parsed = parse_module(source)  # an error is the whole file's, as written
        if isinstance(parsed, Finding):
            return [parsed]
        module = parsed
    arguments = (
        source,
        module,
        active,
        project,
        options,
        module_name,
        is_package,
        kind,
        thinned,
        facts,
    )
    try:
        findings = _check_parsed(*arguments)
    except RecursionError:
        # LibCST's code generation (positions, `code_for_node`) recurses per nesting level:
        # try again where deeper recursion is safe.
        try:
            findings = deepstack.call_deep(_check_parsed, *arguments)
        except RecursionError:
            return [parse_error(source, 1, 1, "cannot check: the code is nested too deeply")]
    findings = [f for f in findings if not is_suppressed(f, source)]
    findings.sort(key=lambda f: f.sort_key)
    return findings


def _own_facts(source: SourceFile, project: ProjectIndex) -> Optional[ModuleFacts]:
    """The file's facts, when they were taken from this very text (not from the text before a
    fix round)."""
    facts = project.facts_for_path(source.path)
    if facts is None or facts.ast_failed:
        return None
    try:
        data = source.encode(source.text)
    except UnicodeEncodeError:
        return None
    return facts if facts.describes(data) else None


def _thinned_text(
    source: SourceFile,
    facts: Optional[ModuleFacts],
    rules: Sequence[type[Rule]],
    project: ProjectIndex,
    options: dict[str, Any],
) -> Optional[str]:
    """The text without the definitions none of `rules` needs (engine/thinning), if any."""
    if SCREENS_OFF or not rules or not all(_screens_statements(rule) for rule in rules):
        return None
    if facts is None or not (facts.definitions or facts.bindings):
        return None
    configured = _configured(options)
    if any(configured.intersection(rule.screen_options) for rule in rules):
        return None  # the statement screens, too, know only what the options do not change

    def needed(
        statement: str,
        index: int,
        lines: tuple[int, int],
        body_at: Optional[int],
        around: Surroundings,
        named: bool,
    ) -> str:
        definition = Definition(
            statement, index, lines, facts, project, around, body_at, source.text
        )
        if named:  # no rule keeps it, but kept code names it
            if body_at is None or any(rule.reads_named_body(definition) for rule in rules):
                return WHOLE
            return HEADER
        need = NOTHING
        for rule in rules:
            if not rule.could_fire_in(definition):
                continue
            if body_at is None or rule.reads_body(definition):
                return WHOLE
            need = HEADER
        return need

    return thin(source.text, source.line_starts, facts, needed)


def _screens_statements(rule: type[Rule]) -> bool:
    return rule.overrides("could_fire_in")


def _check_parsed(
    source: SourceFile,
    module: Optional[cst.Module],
    active: list[type[Rule]],
    project: ProjectIndex,
    options: dict[str, Any],
    module_name: str,
    is_package: bool,
    kind: str,
    parsed_text: Optional[str] = None,
    facts: Optional[ModuleFacts] = None,
) -> list[Finding]:
    context = FileContext(
        source, module, project, options, module_name, is_package, kind, facts=facts
    )
    instances = [rule_type(context) for rule_type in active]
    for rule in instances:
        rule.begin_file()
    units: Optional[Units] = None
    if module is not None:
        units = _run_walk(module, context, instances)
    else:
        for rule in instances:
            rule.check_text()
    for rule in instances:
        rule.end_file()
    if not context.pending:
        return []
    materializer = _Materializer(source, module, facts, units, parsed_text)
    materializer.expect(context.pending)
    return [materializer.finding(p) for p in context.pending]
