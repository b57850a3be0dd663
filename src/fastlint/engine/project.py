"""The project view: facts about every module of a run, so rules can look across files.

Facts are extracted with Python's `ast` (seven times faster to parse than LibCST) and are plain,
picklable data, so they can be cached per file and shipped to worker processes. Rules run on the
CST of one file and ask the index about names imported from the rest of the project.
"""

from __future__ import annotations

import ast
import builtins
import functools
import hashlib
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Callable, Optional, TypeVar, Union, cast

from fastlint.engine.astwalk import Function, lines_with, nodes_on_lines, own_returns, yields
from fastlint.engine.callgraph import FunctionSummary, collect_functions
from fastlint.engine.deepstack import on_large_stack
from fastlint.engine.imports import ast_dotted, resolve_relative
from fastlint.engine.routing import RoutingFacts, extract_routing, source_digest

MAX_ALIAS_HOPS = 16
# `router: Final = APIRouter()` says nothing about the class: the value does.
TYPE_QUALIFIERS = frozenset(
    {"typing.Final", "typing_extensions.Final", "typing.ClassVar", "typing_extensions.ClassVar"}
)

# Names only Pydantic 2 exports; importing one at module level (outside `if`/`try`, where
# code that supports both majors puts them) means the project runs on Pydantic 2.
PYDANTIC_V2_NAMES = frozenset(
    {
        "ConfigDict",
        "field_validator",
        "model_validator",
        "field_serializer",
        "model_serializer",
        "TypeAdapter",
        "computed_field",
        "RootModel",
        "AliasChoices",
        "AliasPath",
        "ValidationInfo",
        "ValidatorFunctionWrapHandler",
    }
)


@dataclass
class CallFact:
    """A module-level `name = callee(...)`: enough to know what kind of object `name` is."""

    callee: str  # qualified as written through this module's imports
    keywords: dict[str, object] = field(default_factory=dict)  # literal keyword arguments
    line: int = 0


@dataclass
class ModuleFacts:
    name: str
    path: str
    is_package: bool
    imports: dict[str, str] = field(default_factory=dict)  # local name -> qualified name
    assignments: dict[str, CallFact] = field(default_factory=dict)
    classes: dict[str, list[str]] = field(default_factory=dict)  # qualname -> base names
    functions: dict[str, bool] = field(default_factory=dict)  # qualname -> is async
    annotations: dict[str, str] = field(default_factory=dict)  # `app: FastAPI = ...`
    routing: Optional[RoutingFacts] = None  # apps, routers, routes, includes (engine/routing)
    callables: dict[str, FunctionSummary] = field(default_factory=dict)  # qualname -> calls
    # The module uses, unconditionally, an API that only Pydantic 2 has (see PYDANTIC_V2_NAMES).
    uses_pydantic_v2: bool = False
    # Decorated functions (qualname -> decorator names qualified through this module's imports)
    # and what `Depends(...)`/`Security(...)` receive anywhere in the module.
    decorators: dict[str, list[str]] = field(default_factory=dict)
    dependencies: list[str] = field(default_factory=list)
    # `ast` could not parse it: LibCST must, to report FL000 or check newer syntax.
    ast_failed: bool = False
    # `ast` gave up on its nesting: LibCST would take minutes or crash on it, so it is FL000.
    too_complex: bool = False
    # Calls of `.on_event(...)` / `.add_event_handler(...)` anywhere in the module: a lifespan
    # fix elsewhere must not make FastAPI skip these handlers silently.
    event_handlers: int = 0
    # What parameter defaults and class-body field defaults may build: "builtins.list" for a
    # display or comprehension, and each call's callee qualified through every import of its
    # root name in the module (any scope). The FL304 screen resolves them across the project.
    default_builders: tuple[str, ...] = ()
    # Every import binding of the module, in order, as (local name, qualified name): those
    # inside functions and classes too, and later rebindings that `imports` (first wins) skips.
    # Rule screens read it to know every name an import can bring into the file.
    all_imports: list[tuple[str, str]] = field(default_factory=list)
    # Where each top-level statement starts (its first decorator's line), and a digest of the
    # source these lines belong to: positions of a few nodes then need the code of only the
    # statements that hold them (engine/positions). Not facts about the code (the cache
    # leaves them out of the digests that other files depend on).
    statement_lines: list[int] = field(default_factory=list)
    source_digest: str = ""
    # Top-level functions and classes as (statement index, last line, "def" or "class", name),
    # and `default_builders` by the line of each default, in line order: a file is parsed
    # without the bodies no enabled rule needs (engine/thinning). Tied to the lines as
    # `statement_lines` is, so left out of the digests; `default_builders`, their union, is
    # what other files depend on.
    definitions: list[tuple[int, int, str, str]] = field(default_factory=list)
    # Functions in the body of a top-level class: (class index, first line, last line, name).
    methods: list[tuple[int, int, int, str]] = field(default_factory=list)
    # Top-level `name = value` and `name: T = value` statements, and calls that bind nothing
    # (`app.mount(...)`, name ""), each alone on its lines and binding no other name (no
    # `:=`): (statement index, last line, name). Tied to the lines.
    bindings: list[tuple[int, int, str]] = field(default_factory=list)
    default_builders_by_line: list[tuple[int, tuple[str, ...]]] = field(default_factory=list)
    # Those functions and methods by first line: (line, column) of their body's first statement.
    function_bodies: dict[int, tuple[int, int]] = field(default_factory=dict)
    # Those functions and methods without a return annotation that certainly return plain
    # data: no `yield` of their own, and a `return` of their own whose value is not `None`
    # and, after one `await`, no call (so no Response either). By first line, as (ordinal of
    # the top-level def or class among the top-level defs and classes, ordinal of the method
    # among the functions in its class's body, or -1): LibCST's tree counts definitions the
    # same way, though its statements differ (`a = 1; b = 2` is one), and stubs keep them.
    # Tied to the lines as `function_bodies` is.
    plain_returns: dict[int, tuple[int, int]] = field(default_factory=dict)
    # Those functions and methods without a return annotation whose own `return` statements
    # all give nothing, `None`, or a call (after one `await`) of a name ending in `Response`:
    # no route of theirs serialises what it returns. By first line, tied to the lines.
    response_returns: frozenset[int] = frozenset()

    def describes(self, data: bytes) -> bool:
        """Whether these facts were taken from exactly this source (not, say, from the text
        before a fix round changed it)."""
        return bool(self.source_digest) and self.source_digest == source_digest(data)


T = TypeVar("T")

# How far above a file to look for the package it belongs to.
MAX_PACKAGE_DEPTH = 12


@functools.lru_cache(maxsize=4096)
def _is_package_directory(directory: str) -> bool:
    return os.path.isfile(os.path.join(directory, "__init__.py"))


def module_name_for(path: str) -> tuple[str, bool]:
    """The dotted module name of a file, from the topmost package above it.

    Directories without `__init__.py` between the file and a regular package are namespace
    packages (`litellm/types/` inside `litellm/`): they belong to the name too, or every module
    under them would be known by its bare file name and collide with its namesakes.
    """
    path = os.path.abspath(path)
    directory, filename = os.path.split(path)
    stem = filename[:-3] if filename.endswith(".py") else filename
    is_package = stem == "__init__"
    parts = _package_parts(directory)
    if parts is None:
        return ("" if is_package else stem), is_package
    return ".".join(parts if is_package else (*parts, stem)), is_package


@functools.lru_cache(maxsize=4096)
def _package_parts(directory: str) -> Optional[tuple[str, ...]]:
    """The dotted name of the package `directory` is, by parts; None when it is in none."""
    top: Optional[str] = None
    current = directory
    for _ in range(MAX_PACKAGE_DEPTH):
        if _is_package_directory(current):
            top = current
        parent = os.path.dirname(current)
        if parent == current:
            break
        current = parent
    if top is None:
        return None
    relative = os.path.relpath(directory, os.path.dirname(top))
    return tuple(p for p in relative.split(os.sep) if p and p != ".")


def _literal(node: ast.expr) -> object:
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return None


class _FactCollector:
    def __init__(self, facts: ModuleFacts) -> None:
        self.facts = facts
        self.package = facts.name if facts.is_package else facts.name.rpartition(".")[0]

    def qualify(self, dotted: Optional[str]) -> Optional[str]:
        """Resolve a dotted name through this module's imports and top-level definitions."""
        if dotted is None:
            return None
        root, _, rest = dotted.partition(".")
        if root in self.facts.imports:
            base = self.facts.imports[root]
        elif root in self.facts.classes or root in self.facts.functions:
            base = f"{self.facts.name}.{root}" if self.facts.name else root
        else:
            base = root
        return f"{base}.{rest}" if rest else base

    def collect(self, tree: ast.Module) -> None:
        # Imports and definitions first, so assignments and bases can be qualified.
        self._statements(tree.body, definitions=True)
        self._statements(tree.body, definitions=False)
        self.facts.uses_pydantic_v2 = any(map(_uses_pydantic_v2, tree.body))
        self.facts.all_imports = self._all_imports(tree.body)

    def _all_imports(self, body: list[ast.stmt]) -> list[tuple[str, str]]:
        """Import bindings at any depth of statements (expressions are not entered)."""
        found: list[tuple[str, str]] = []
        pending = list(reversed(body))
        while pending:
            stmt = pending.pop()
            if isinstance(stmt, ast.Import):
                for alias in stmt.names:
                    if alias.asname:
                        found.append((alias.asname, alias.name))
                    else:
                        root = alias.name.split(".")[0]
                        found.append((root, root))
            elif isinstance(stmt, ast.ImportFrom):
                module = stmt.module
                base = resolve_relative(self.package, stmt.level, module) if stmt.level else module
                for alias in stmt.names:
                    if alias.name != "*":
                        qualified = f"{base}.{alias.name}" if base else alias.name
                        found.append((alias.asname or alias.name, qualified))
            else:
                nested: list[ast.stmt] = []
                for block in ("body", "orelse", "finalbody"):
                    value = getattr(stmt, block, None)
                    if isinstance(value, list):
                        nested.extend(value)
                for clause in (*getattr(stmt, "handlers", ()), *getattr(stmt, "cases", ())):
                    nested.extend(clause.body)
                pending.extend(reversed(nested))
        return found

    def _statements(self, body: list[ast.stmt], *, definitions: bool) -> None:
        for stmt in body:
            if isinstance(stmt, (ast.If, ast.Try, ast.With)) or stmt.__class__.__name__ in (
                "TryStar",
                "AsyncWith",
            ):
                for block in ("body", "orelse", "finalbody"):
                    self._statements(getattr(stmt, block, []) or [], definitions=definitions)
                for handler in getattr(stmt, "handlers", []) or []:
                    self._statements(handler.body, definitions=definitions)
                continue
            if definitions:
                self._definition(stmt)
            else:
                self._assignment(stmt)

    def _definition(self, stmt: ast.stmt) -> None:
        facts = self.facts
        if isinstance(stmt, ast.Import):
            for alias in stmt.names:
                if alias.asname:
                    facts.imports.setdefault(alias.asname, alias.name)
                else:
                    root = alias.name.split(".")[0]
                    facts.imports.setdefault(root, root)
        elif isinstance(stmt, ast.ImportFrom):
            module = stmt.module
            base = resolve_relative(self.package, stmt.level, module) if stmt.level else module
            for alias in stmt.names:
                if alias.name == "*":
                    continue
                local = alias.asname or alias.name
                facts.imports.setdefault(local, f"{base}.{alias.name}" if base else alias.name)
        elif isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            facts.functions[stmt.name] = isinstance(stmt, ast.AsyncFunctionDef)
        elif isinstance(stmt, ast.ClassDef):
            self._class(stmt, stmt.name)

    def _class(self, node: ast.ClassDef, qualname: str) -> None:
        self.facts.classes[qualname] = [
            name for name in (ast_dotted(b) for b in node.bases) if name
        ]
        for item in node.body:
            if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                self.facts.functions[f"{qualname}.{item.name}"] = isinstance(
                    item, ast.AsyncFunctionDef
                )
            elif isinstance(item, ast.ClassDef):
                self._class(item, f"{qualname}.{item.name}")

    def _assignment(self, stmt: ast.stmt) -> None:
        facts = self.facts
        if isinstance(stmt, ast.ClassDef):
            facts.classes[stmt.name] = [
                q for q in (self.qualify(ast_dotted(b)) for b in stmt.bases) if q is not None
            ]
            return
        target: Optional[str] = None
        value: Optional[ast.expr] = None
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
            if isinstance(stmt.targets[0], ast.Name):
                target, value = stmt.targets[0].id, stmt.value
        elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
            target, value = stmt.target.id, stmt.value
            annotation = self.qualify(ast_dotted(stmt.annotation))
            if annotation and annotation not in TYPE_QUALIFIERS:
                facts.annotations[target] = annotation
        if target is None or not isinstance(value, ast.Call):
            return
        callee = self.qualify(ast_dotted(value.func))
        if callee is None:
            return
        keywords = {kw.arg: _literal(kw.value) for kw in value.keywords if kw.arg is not None}
        facts.assignments[target] = CallFact(callee, keywords, stmt.lineno)


def _uses_pydantic_v2(stmt: ast.stmt) -> bool:
    """`from pydantic import ConfigDict`, `import pydantic_core`, a class's `model_config = ...`."""
    if isinstance(stmt, ast.ImportFrom) and not stmt.level and stmt.module:
        root = stmt.module.split(".")[0]
        if root in ("pydantic_core", "pydantic_settings"):
            return True
        return (
            stmt.module.startswith("pydantic")
            and not stmt.module.startswith("pydantic.v1")
            and any(alias.name in PYDANTIC_V2_NAMES for alias in stmt.names)
        )
    if isinstance(stmt, ast.Import):
        return any(alias.name.split(".")[0] == "pydantic_core" for alias in stmt.names)
    if isinstance(stmt, ast.ClassDef):
        for item in stmt.body:
            targets = item.targets if isinstance(item, ast.Assign) else []
            if isinstance(item, ast.AnnAssign):
                targets = [item.target]
            if any(isinstance(t, ast.Name) and t.id == "model_config" for t in targets):
                return True
    return False


_DEPENDS_MARKERS = ("Depends", "Security")


def _collect_dependency_facts(
    collector: _FactCollector, tree: ast.Module, source: Union[str, bytes]
) -> None:
    """Which functions carry which decorators, and which callables are used as dependencies."""
    facts = collector.facts

    def definitions(body: list[ast.stmt], prefix: str) -> None:
        for stmt in body:
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                names = [collector.qualify(ast_dotted(d)) for d in stmt.decorator_list]
                found = [name for name in names if name]
                if found:
                    facts.decorators[prefix + stmt.name] = found
            elif isinstance(stmt, ast.ClassDef):
                definitions(stmt.body, f"{prefix}{stmt.name}.")
            elif not prefix:
                for block in ("body", "orelse", "finalbody"):
                    definitions(getattr(stmt, block, None) or [], prefix)
                for handler in getattr(stmt, "handlers", None) or []:
                    definitions(handler.body, prefix)

    definitions(tree.body, "")
    calls = _calls_on_lines_with(tree, source, _DEPENDS_MARKERS)
    if calls is None:
        return
    known = set(facts.imports) | set(facts.functions) | set(facts.classes)
    for node in calls:
        callee = ast_dotted(node.func)
        if callee is None or callee.rpartition(".")[2] not in _DEPENDS_MARKERS:
            continue
        target: Optional[ast.expr] = node.args[0] if node.args else None
        for keyword in node.keywords:
            if keyword.arg == "dependency":
                target = keyword.value
        dotted = ast_dotted(target) if target is not None else None
        if dotted is not None and dotted.partition(".")[0] in known:
            qualified = collector.qualify(dotted)
            if qualified is not None:
                facts.dependencies.append(qualified)


# Before Python 3.11, `ast.parse` has no guard against deep nesting and overflows the C stack
# (a segmentation fault: no exception) on about 100,000 nested operators on one line, which
# takes at least 200 KB; larger files are parsed on a large stack (engine/deepstack).
DEEP_AST_BYTES = 64 * 1024


def extract_facts(
    path: str,
    source: Union[str, bytes],
    *,
    name: Optional[str] = None,
    is_package: bool = False,
) -> ModuleFacts:
    """Facts of one module; an unparsable module gives facts with its name only."""
    if name is None:
        name, is_package = module_name_for(path)
    facts = ModuleFacts(name=name, path=path, is_package=is_package)
    try:
        if len(source) >= DEEP_AST_BYTES and sys.version_info < (3, 11):
            tree = on_large_stack(ast.parse, source)
        else:
            tree = ast.parse(source)
    except SyntaxError as exc:
        facts.ast_failed = True
        facts.too_complex = "too many nested" in str(exc.msg)
        return facts
    except (MemoryError, RecursionError):
        facts.ast_failed = facts.too_complex = True
        return facts
    except ValueError:
        facts.ast_failed = True
        return facts
    collector = _FactCollector(facts)
    collector.collect(tree)
    _collect_dependency_facts(collector, tree, source)
    facts.routing = extract_routing(name, collector.qualify, tree, source)
    facts.callables = collect_functions(facts, tree, source)
    facts.event_handlers = _count_event_handlers(tree, source)
    facts.default_builders, facts.default_builders_by_line = _default_builders(
        tree, collector.package
    )
    facts.statement_lines = [_first_line(statement) for statement in tree.body]
    has_walrus = b":=" in source if isinstance(source, bytes) else ":=" in source
    facts.definitions = [
        (
            index,
            statement.end_lineno or statement.lineno,
            "class" if isinstance(statement, ast.ClassDef) else "def",
            statement.name,
        )
        for index, statement in enumerate(tree.body)
        if isinstance(statement, _DEFINITIONS) and not (has_walrus and _header_binds(statement))
    ]
    facts.methods = [
        (
            index,
            _first_line(method),
            method.end_lineno or method.lineno,
            method.name,
        )
        for index, statement in enumerate(tree.body)
        if isinstance(statement, ast.ClassDef)
        for method in statement.body
        if isinstance(method, _FUNCTIONS) and not (has_walrus and _header_binds(method))
    ]
    facts.bindings = _bindings(tree.body, has_walrus)
    facts.function_bodies = {
        # A decorated first statement starts at its first decorator, not at its `def`.
        _first_line(function): (_first_line(function.body[0]), function.body[0].col_offset)
        for statement in tree.body
        for function in (statement.body if isinstance(statement, ast.ClassDef) else [statement])
        if isinstance(function, _FUNCTIONS)
    }
    facts.plain_returns, facts.response_returns = _returns_by_kind(tree, source)
    facts.source_digest = source_digest(source)
    return facts


_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
_DEFINITIONS = (*_FUNCTIONS, ast.ClassDef)
_FUNCTION_TYPES = frozenset(_FUNCTIONS)


def _first_line(statement: ast.stmt) -> int:
    """Where a statement starts: its first decorator's line, if it has one."""
    decorators: list[ast.expr] = getattr(statement, "decorator_list", [])
    return min([statement.lineno, *(d.lineno for d in decorators)])


def _returns_by_kind(
    tree: ast.Module, source: Union[str, bytes]
) -> tuple[dict[int, tuple[int, int]], frozenset[int]]:
    """`ModuleFacts.plain_returns` and `ModuleFacts.response_returns`."""
    plain: list[tuple[int, int, Function]] = []
    responding: set[int] = set()

    def consider(ordinal: int, method_ordinal: int, function: Function) -> None:
        if function.returns is not None:
            return
        kind = _return_kind(function)
        if kind == _PLAIN:
            plain.append((ordinal, method_ordinal, function))
        elif kind == _RESPONSE:
            responding.add(_first_line(function))

    ordinal = -1
    for statement in tree.body:  # compared by type: this runs over every definition
        if type(statement) is ast.ClassDef:
            ordinal += 1
            methods = [m for m in statement.body if type(m) in _FUNCTION_TYPES]
            for method_ordinal, method in enumerate(methods):
                consider(ordinal, method_ordinal, cast(Function, method))
        elif type(statement) in _FUNCTION_TYPES:
            ordinal += 1
            consider(ordinal, -1, cast(Function, statement))
    if not plain:
        return {}, frozenset(responding)
    yield_lines = lines_with(source, "yield")
    plain_returns = {
        _first_line(function): (ordinal, method_ordinal)
        for ordinal, method_ordinal, function in plain
        if not yields(function, yield_lines)
    }
    return plain_returns, frozenset(responding)


_PLAIN, _RESPONSE, _CALLS = "plain", "response", "calls"


def _return_kind(function: Function) -> str:
    """`_PLAIN` when one of the function's own `return` statements gives a value that is
    neither `None` nor a call (after one `await`); else `_RESPONSE` when every call they give
    is of a name ending in `Response` (or they give none); else `_CALLS`."""
    kind = _RESPONSE
    for node in own_returns(function):
        value = node.value
        if value is None or type(value) is ast.Constant and value.value is None:
            continue
        if type(value) is ast.Await:
            value = value.value
        if type(value) is not ast.Call:
            return _PLAIN
        callee = value.func
        name = callee.id if type(callee) is ast.Name else getattr(callee, "attr", "")
        if not name.endswith("Response"):
            kind = _CALLS
    return kind


def _bindings(body: list[ast.stmt], has_walrus: bool) -> list[tuple[int, int, str]]:
    """`ModuleFacts.bindings`."""
    found: list[tuple[int, int, str]] = []
    for index, statement in enumerate(body):
        kind = type(statement)
        if kind is ast.Assign:
            targets = cast(ast.Assign, statement).targets
            if len(targets) != 1 or type(targets[0]) is not ast.Name:
                continue
            name = targets[0].id
        elif kind is ast.AnnAssign:
            annotated = cast(ast.AnnAssign, statement)
            if annotated.value is None or type(annotated.target) is not ast.Name:
                continue
            name = annotated.target.id
        elif kind is ast.Expr and type(cast(ast.Expr, statement).value) is ast.Call:
            name = ""
        else:
            continue
        last = statement.end_lineno or statement.lineno
        # Alone on its lines: not `a = 1; b = 2`, whose statements LibCST counts as one.
        after_previous = index == 0 or (body[index - 1].end_lineno or 0) < statement.lineno
        before_next = index + 1 == len(body) or _first_line(body[index + 1]) > last
        if statement.col_offset != 0 or not (after_previous and before_next):
            continue
        if has_walrus and any(type(node) is ast.NamedExpr for node in ast.walk(statement)):
            continue
        found.append((index, last, name))
    return found


def _header_binds(definition: ast.stmt) -> bool:
    """Whether a `:=` in what runs at module level (decorators, defaults, annotations, bases)
    binds a module-level name."""
    if isinstance(definition, ast.ClassDef):
        header: list[ast.AST] = [*definition.decorator_list, *definition.bases]
        header.extend(keyword.value for keyword in definition.keywords)
    elif isinstance(definition, _FUNCTIONS):
        header = [*definition.decorator_list, definition.args]
        if definition.returns is not None:
            header.append(definition.returns)
    else:
        return False
    return any(isinstance(node, ast.NamedExpr) for part in header for node in ast.walk(part))


_DISPLAY_KINDS: dict[type[ast.expr], str] = {
    ast.List: "builtins.list",
    ast.ListComp: "builtins.list",
    ast.Dict: "builtins.dict",
    ast.DictComp: "builtins.dict",
    ast.Set: "builtins.set",
    ast.SetComp: "builtins.set",
}
_BUILTIN_NAMES = frozenset(dir(builtins))


def _default_builders(
    tree: ast.Module, package: str
) -> tuple[tuple[str, ...], list[tuple[int, tuple[str, ...]]]]:
    """`ModuleFacts.default_builders`, and the same by the line of each default
    (`default_builders_by_line`): a walk over statements only, never into expressions."""
    imports: dict[str, set[str]] = {}  # local name -> what each import of it binds
    values: list[ast.expr] = []  # defaults and field values

    def statements(body: list[ast.stmt], in_fields: bool) -> None:
        for stmt in body:
            if isinstance(stmt, ast.Import):
                for alias in stmt.names:
                    if alias.asname:
                        imports.setdefault(alias.asname, set()).add(alias.name)
                    else:
                        root = alias.name.split(".")[0]
                        imports.setdefault(root, set()).add(root)
            elif isinstance(stmt, ast.ImportFrom):
                module = stmt.module
                base = resolve_relative(package, stmt.level, module) if stmt.level else module
                for alias in stmt.names:
                    if alias.name != "*":
                        target = f"{base}.{alias.name}" if base else alias.name
                        imports.setdefault(alias.asname or alias.name, set()).add(target)
            elif isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                values.extend(stmt.args.defaults)
                values.extend(d for d in stmt.args.kw_defaults if d is not None)
                statements(stmt.body, False)
            elif isinstance(stmt, ast.ClassDef):
                # Only dataclasses (a decorator) and models (a base) have fields.
                statements(stmt.body, bool(stmt.decorator_list or stmt.bases))
            elif isinstance(stmt, ast.AnnAssign):
                if in_fields and stmt.value is not None and isinstance(stmt.target, ast.Name):
                    values.append(stmt.value)
            else:
                for block in ("body", "orelse", "finalbody"):
                    nested = getattr(stmt, block, None)
                    if isinstance(nested, list):
                        statements(nested, in_fields)
                for handler in getattr(stmt, "handlers", None) or []:
                    statements(handler.body, in_fields)
                for case in getattr(stmt, "cases", None) or []:
                    statements(case.body, in_fields)

    statements(tree.body, False)
    at: dict[int, set[str]] = {}
    for value in values:
        builders = at.setdefault(value.lineno, set())
        display = _DISPLAY_KINDS.get(type(value))
        if display is not None:
            builders.add(display)
            continue
        dotted = ast_dotted(value.func) if isinstance(value, ast.Call) else None
        if dotted is None:
            continue
        root, _, rest = dotted.partition(".")
        if root in _BUILTIN_NAMES:  # unless bound somewhere: conservative either way
            builders.add(f"builtins.{dotted}")
        for target in imports.get(root, ()):
            builders.add(f"{target}.{rest}" if rest else target)
    every = set().union(*at.values()) if at else set()
    return tuple(sorted(every)), [(line, tuple(sorted(b))) for line, b in sorted(at.items()) if b]


_EVENT_METHODS = ("on_event", "add_event_handler")


def _count_event_handlers(tree: ast.Module, source: Union[str, bytes]) -> int:
    calls = _calls_on_lines_with(tree, source, _EVENT_METHODS)
    if calls is None:
        return 0  # the common case: no walk at all
    return sum(
        1
        for node in calls
        if isinstance(node.func, ast.Attribute) and node.func.attr in _EVENT_METHODS
    )


def _calls_on_lines_with(
    tree: ast.Module, source: Union[str, bytes], words: tuple[str, ...]
) -> Optional[Iterator[ast.Call]]:
    """The calls of the tree whose lines hold one of `words`, in `ast.walk`'s order; None
    when no word is in the source. Only subtrees whose lines hold a word are walked (a whole
    walk of every file took a tenth of the facts' time on open-webui)."""
    found = [lines_with(source, word) for word in words]
    lines: Optional[list[int]] = None  # lines cannot be counted by line feeds: walk it all
    if all(word_lines is not None for word_lines in found):
        lines = sorted(line for word_lines in found for line in word_lines or ())
        if not lines:
            return None
    return cast(Iterator[ast.Call], nodes_on_lines([tree], (ast.Call,), lines, skip=()))


# Module lookups an answer depends on: (name asked, project module found or None).
Lookups = tuple[tuple[str, Optional[str]], ...]


def _digest(material: str) -> str:
    return hashlib.blake2b(material.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


class ProjectIndex:
    """All modules of a run, and the questions rules ask across them.

    While a file is checked, the index records which modules it asked about (`track`), so the
    cache can tell when that file's findings depend on a module that changed.
    """

    def __init__(self, modules: Optional[list[ModuleFacts]] = None) -> None:
        self._modules: dict[str, Optional[ModuleFacts]] = {}
        self._paths: dict[str, str] = {}  # module name -> absolute path
        # Facts by absolute path; None until a question needs facts added with `add_lazy`.
        self._by_path: dict[str, Optional[ModuleFacts]] = {}
        self._loaders: dict[str, Callable[[], Optional[ModuleFacts]]] = {}
        self._ambiguous: set[str] = set()  # names of two files (scripts outside packages)
        self._by_suffix: dict[str, list[str]] = {}
        self.digests: dict[str, str] = {}
        self._tracked: Optional[dict[str, Optional[str]]] = None
        self._resolved: dict[str, tuple[str, Lookups]] = {}
        self._lookups: dict[Lookups, Lookups] = {}
        self._whole_digest: Optional[str] = None
        self.derived_values: dict[str, object] = {}
        self.derived_changed = False
        for facts in modules or []:
            self.add(facts)

    @property
    def uses_pydantic_v2(self) -> bool:
        """Some module of the project uses an API that only Pydantic 2 has (depends on all)."""
        return self.derived(
            "pydantic-v2", lambda: any(facts.uses_pydantic_v2 for facts in self._every_facts())
        )

    def add_name(self, name: str, digest: str = "", path: str = "") -> None:
        """Make a module known by name (its facts may follow with `add`)."""
        path = os.path.abspath(path) if path else ""
        self._resolved.clear()
        self._lookups.clear()
        self._whole_digest = None
        self.derived_values = {}
        known = self._paths.get(name)
        if known is not None and path and known != path:
            self._ambiguous.add(name)
        elif path:
            self._paths[name] = path
        if name not in self._modules:
            self._modules[name] = None
            parts = name.split(".")
            for i in range(len(parts)):
                self._by_suffix.setdefault(".".join(parts[i:]), []).append(name)
        self.digests[name] = digest

    def add(self, facts: ModuleFacts, digest: str = "") -> None:
        path = os.path.abspath(facts.path)
        self.add_name(facts.name, digest or self.digests.get(facts.name, ""), path)
        self._loaders.pop(path, None)
        self._place(path, facts)

    def add_lazy(self, path: str, load: Callable[[], Optional[ModuleFacts]]) -> None:
        """Facts of a module already known by name (`add_name`), read by `load` only when a
        question needs them: a run that re-checks one file of litellm reads a few of 3,000
        modules' facts (unpickling them all took 0.7 s). None from `load`: no facts."""
        path = os.path.abspath(path)
        self._by_path[path] = None  # keeps the order in which modules were added
        self._loaders[path] = load

    def load_all(self) -> None:
        """Read every module's facts now (before forking workers that all need most)."""
        for path in list(self._loaders):
            self._load(path)

    def _place(self, path: str, facts: ModuleFacts) -> None:
        self._by_path[path] = facts
        if self._paths.get(facts.name) == path:
            self._modules[facts.name] = facts

    def _load(self, path: str) -> Optional[ModuleFacts]:
        load = self._loaders.pop(path, None)
        if load is None:
            return self._by_path.get(path)
        facts = load()
        if facts is None:
            del self._by_path[path]
        else:
            self._place(path, facts)
        return facts

    def _every_facts(self) -> list[ModuleFacts]:
        self.load_all()
        return [facts for facts in self._by_path.values() if facts is not None]

    def __getstate__(self) -> dict[str, object]:
        """Pickled (for workers that are not forked) with every module's facts: the loaders
        read this process's cache."""
        self.load_all()
        return self.__dict__

    # --- dependency tracking -------------------------------------------------------------

    def track(self) -> None:
        self._tracked = {}

    def tracked(self) -> dict[str, Optional[str]]:
        """Queries since `track()`, each with the module it found (None: not in the project)."""
        found = self._tracked or {}
        self._tracked = None
        return found

    def depends_on_everything(self) -> None:
        """Record that the file being checked depends on every module of the project."""
        if self._tracked is not None:
            self._tracked["*"] = None

    def derived(self, key: str, compute: Callable[[], T]) -> T:
        """A value computed from every module (so it depends on all of them), once per index.

        Values are kept in the cache with the index they came from (`derived_stamp`): a run in
        which one file changed but no module's facts did reuses them. They must be picklable
        and hold no reference to the index.
        """
        self.depends_on_everything()
        if key not in self.derived_values:
            self.derived_values[key] = compute()
            self.derived_changed = True
        return cast(T, self.derived_values[key])

    def derived_stamp(self) -> str:
        """What derived values depend on: every module's facts, and where each module lives
        (route tables name files)."""
        return _digest(repr((self.whole_digest(), sorted(self._paths.items()))))

    def all_modules(self) -> list[ModuleFacts]:
        """Every module's facts: a rule that reads them all depends on all of them."""
        self.depends_on_everything()
        self.load_all()
        return [facts for facts in self._modules.values() if facts is not None]

    def whole_digest(self) -> str:
        """A digest of every module's facts digest. Every cache entry of a file that depended
        on the whole project holds it: the list itself would be stored once per such file
        (158 MB of litellm's cache)."""
        if self._whole_digest is None:
            self._whole_digest = _digest(
                repr((sorted(self.digests.items()), sorted(self._ambiguous)))
            )
        return self._whole_digest

    def facts_for_path(self, path: str) -> Optional[ModuleFacts]:
        """The facts of one file (its own; no dependency on other modules)."""
        return self._load(os.path.abspath(path))

    # --- lookups -------------------------------------------------------------------------

    def find_module_name(self, name: str) -> Optional[str]:
        """The project module imported as `name`; tolerates roots that are not packages.

        None when no file, or more than one, could be meant.
        """
        if name in self._ambiguous:
            return None
        if name in self._modules:
            return name
        candidates = self._by_suffix.get(name, [])
        if len(candidates) == 1 and candidates[0] not in self._ambiguous:
            return candidates[0]
        return None

    def find_module(self, name: str) -> Optional[ModuleFacts]:
        found = self.find_module_name(name)
        if self._tracked is not None:
            self._tracked[name] = found
        if found is None:
            return None
        facts = self._modules.get(found)
        if facts is None and self._paths.get(found) in self._loaders:
            self._load(self._paths[found])
            facts = self._modules.get(found)
        return facts

    def _split(self, qualified: str) -> Optional[tuple[ModuleFacts, str]]:
        """Split `pkg.mod.attr.rest` into the longest project module and the rest."""
        parts = qualified.split(".")
        for i in range(len(parts) - 1, 0, -1):
            module = self.find_module(".".join(parts[:i]))
            if module is not None:
                return module, ".".join(parts[i:])
        return None

    def split_name(self, qualified: str) -> Optional[tuple[ModuleFacts, str]]:
        """The project module a qualified name lives in, and the rest of the name."""
        return self._split(qualified)

    def resolve(self, qualified: str) -> str:
        """Follow re-exports through project modules to where a name is defined."""
        memo = self._resolved.get(qualified)
        if memo is None:
            # Memoized with the module lookups it made, which a tracked check records again.
            outer, self._tracked = self._tracked, {}
            try:
                resolved = self._resolve(qualified)
                lookups = tuple(self._tracked.items())
            finally:
                self._tracked = outer
            # Names under one package make the same lookups: shared, the memo of litellm's
            # 62,000 names holds 13,000 of them (and one copy of each module name).
            memo = (resolved, self._lookups.setdefault(lookups, lookups))
            self._resolved[qualified] = memo
        if self._tracked is not None:
            self._tracked.update(memo[1])
        return memo[0]

    def _resolve(self, qualified: str) -> str:
        for _ in range(MAX_ALIAS_HOPS):
            split = self._split(qualified)
            if split is None:
                return qualified
            module, rest = split
            head, _, tail = rest.partition(".")
            target = module.imports.get(head)
            if target is None:
                return f"{module.name}.{rest}"
            qualified = f"{target}.{tail}" if tail else target
        return qualified

    def object_class(self, qualified: str) -> Optional[str]:
        """For a module-level object of the project, the qualified class it was created from."""
        split = self._split(self.resolve(qualified))
        if split is None:
            return None
        module, rest = split
        if rest in module.annotations:
            return self.resolve(module.annotations[rest])
        assignment = module.assignments.get(rest)
        if assignment is None:
            return None
        return self.resolve(assignment.callee)

    def function_decorators(self, qualified: str) -> Optional[list[str]]:
        """The decorators of a project function (qualified), or None when it is unknown.

        Tolerates imports that name a module of a namespace package (no `__init__.py`) by its
        full path while the index knows it by a shorter name.
        """
        parts = self.resolve(qualified).split(".")
        for start in range(len(parts) - 1):
            split = self._split(".".join(parts[start:]))
            if split is not None and split[1] in split[0].functions:
                module, rest = split
                return [self.resolve(d) for d in module.decorators.get(rest, ())]
        return None

    def is_dependency(self, qualified: str) -> bool:
        """Whether a callable is passed to `Depends()`/`Security()` somewhere in the project."""
        return self.resolve(qualified) in self.derived("dependency-targets", self._dependencies)

    def _dependencies(self) -> frozenset[str]:
        targets: set[str] = set()
        for facts in self._every_facts():
            for target in facts.dependencies:
                resolved = self.resolve(target)
                targets.add(resolved)
                # Also by shorter names: namespace packages index modules by those.
                parts = resolved.split(".")
                targets.update(".".join(parts[i:]) for i in range(1, len(parts) - 1))
        return frozenset(targets)

    def class_bases(self, qualified: str) -> Optional[list[str]]:
        split = self._split(self.resolve(qualified))
        if split is None:
            return None
        module, rest = split
        bases = module.classes.get(rest)
        return [self.resolve(b) for b in bases] if bases is not None else None

    def class_ancestors(self, qualified: str) -> list[str]:
        """A class and all its bases, project and external, nearest first."""
        found: list[str] = []
        pending = [self.resolve(qualified)]
        while pending:
            current = pending.pop(0)
            if current in found:
                continue
            found.append(current)
            pending.extend(self.class_bases(current) or [])
        return found

    def is_subclass(self, qualified: str, ancestors: frozenset[str]) -> bool:
        """Whether a class is, or derives from, one of `ancestors` (through project classes)."""
        seen: set[str] = set()
        pending = [self.resolve(qualified)]
        while pending:
            current = pending.pop()
            if current in ancestors:
                return True
            if current in seen:
                continue
            seen.add(current)
            pending.extend(self.class_bases(current) or [])
        return False

    def class_defines(self, qualified: str, member: str) -> bool:
        """Whether a project class, or a project class it derives from, defines a method."""
        seen: set[str] = set()
        pending = [self.resolve(qualified)]
        while pending:
            current = pending.pop()
            if current in seen:
                continue
            seen.add(current)
            split = self._split(current)
            if split is None:
                continue
            module, rest = split
            if f"{rest}.{member}" in module.functions:
                return True
            pending.extend(self.class_bases(current) or [])
        return False
