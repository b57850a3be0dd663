"""Function summaries for cross-module call chains, extracted with `ast`.

For every function of a module (module level, methods, nested functions) the facts record the
qualified names of the calls it makes directly: calls inside nested functions, lambdas and
classes belong to those, and a function handed over by reference (`asyncio.to_thread(f, x)`,
`executor.submit(f)`) is not a call at all. Names are qualified through the module's imports,
its own definitions and the function's locals; which of them block is for the rules to decide.
`CallGraph` answers "does this function reach a call that a predicate accepts, and through
which chain?" across the whole project, memoized and safe against recursion cycles.
"""

from __future__ import annotations

import ast
import builtins
import re
import sys
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, Optional, Union, cast

from fastlint.engine.imports import ast_dotted, module_package, resolve_relative
from fastlint.engine.suppression import line_suppressions

if TYPE_CHECKING:
    from fastlint.engine.project import ModuleFacts, ProjectIndex

_BUILTIN_NAMES = frozenset(dir(builtins))

FunctionNode = Union[ast.FunctionDef, ast.AsyncFunctionDef]

# Expressions derived from a `pathlib.Path` that are Paths again: `p.parent`, `p / "x"`,
# `p.resolve()`. Keeping the receiver's name through them lets `(BASE / "f").read_text()` resolve.
PATH_PRESERVING_ATTRIBUTES = frozenset({"parent"})
PATH_PRESERVING_METHODS = frozenset(
    {"resolve", "absolute", "expanduser", "joinpath", "with_name", "with_suffix", "with_stem"}
)


@dataclass
class FunctionSummary:
    """One function: what it is and the calls its own body makes, in source order."""

    is_async: bool
    line: int
    # Calling a generator function runs none of its body; iterating the generator does.
    is_generator: bool = False
    decorators: tuple[str, ...] = ()  # qualified names of decorators (without arguments)
    # (qualified callee, line, qualified names passed as arguments): the first call of each
    # callee with each set of argument names (`os.waitpid(pid, os.WNOHANG)` does not wait).
    calls: tuple[tuple[str, int, tuple[str, ...]], ...] = ()  # empty for coroutines
    # Uses a module-level cache (`global X`, then `if X is not None: return X` or
    # `if X is None: X = build()`): what builds it runs once, not on every call.
    caches_in_global: bool = False
    # Suppression comments (noqa, fastlint: ignore) on the `def` line or on call lines: line ->
    # codes, ("*",) for a bare one. Lets a project accept a blocking helper once, for all callers.
    suppressed: dict[int, tuple[str, ...]] = field(default_factory=dict)


@dataclass
class _Scope:
    """Names a function binds: local imports, nested defs, objects of a known class, others."""

    qualname: str
    parent: Optional[_Scope]
    imports: dict[str, str] = field(default_factory=dict)
    defs: dict[str, str] = field(default_factory=dict)  # name -> qualname in the module
    # Locals bound once, by `x = Callee(...)`, `with Callee(...) as x` or `x: Annotation`.
    instances: dict[str, ast.expr] = field(default_factory=dict)
    others: set[str] = field(default_factory=set)  # any other local binding: shadows the name
    self_name: Optional[str] = None  # first parameter of a method
    class_qualname: Optional[str] = None


def _target_names(target: ast.expr) -> Iterator[str]:
    if isinstance(target, ast.Name):
        yield target.id
    elif isinstance(target, (ast.Tuple, ast.List)):
        for element in target.elts:
            yield from _target_names(element)
    elif isinstance(target, ast.Starred):
        yield from _target_names(target.value)


_NESTED_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)


# Nodes that bind a name in the function they run in.
_BINDING_TYPES = (
    ast.Import,
    ast.ImportFrom,
    ast.FunctionDef,
    ast.AsyncFunctionDef,
    ast.ClassDef,
    ast.Assign,
    ast.AnnAssign,
    ast.AugAssign,
    ast.For,
    ast.AsyncFor,
    ast.withitem,
    ast.ExceptHandler,
    ast.NamedExpr,
    ast.comprehension,
    ast.Global,
    ast.Nonlocal,
)
# Leaves and contexts: nothing below them can call or bind.
_SKIPPED_TYPES = (ast.Name, ast.Constant, ast.expr_context, ast.operator, ast.cmpop, ast.unaryop)


# What `_own_nodes` does with a node, by its exact type (filled in as types are met): a table
# lookup instead of a chain of `isinstance` checks, on every node of every function.
_SKIP, _CALL, _BINDER, _NESTED_DEF, _NESTED_CLASS, _LAMBDA, _YIELD, _OTHER = range(8)
_NODE_KINDS: dict[type, int] = {}


# The first of these a node's type derives from gives its kind; any other is `_OTHER`.
_KINDS_BY_TYPES: tuple[tuple[Union[type, tuple[type, ...]], int], ...] = (
    (_SKIPPED_TYPES, _SKIP),
    (ast.Call, _CALL),
    ((ast.FunctionDef, ast.AsyncFunctionDef), _NESTED_DEF),
    (ast.ClassDef, _NESTED_CLASS),
    (_BINDING_TYPES, _BINDER),
    (ast.Lambda, _LAMBDA),
    ((ast.Yield, ast.YieldFrom), _YIELD),
)


def _node_kind(node_type: type) -> int:
    kind = next((k for types, k in _KINDS_BY_TYPES if issubclass(node_type, types)), _OTHER)
    _NODE_KINDS[node_type] = kind
    return kind


def _own_nodes(function: FunctionNode) -> tuple[list[ast.Call], list[ast.AST], bool]:
    """Calls and binding nodes of a function's body that run when it runs, and whether it yields.

    Nested functions, lambdas and classes are not entered, but their decorators, defaults and
    bases run in this function, so they count. One pass, since this runs on every function.
    """
    calls: list[ast.Call] = []
    binders: list[ast.AST] = []
    yields = False
    stack: list[ast.AST] = list(reversed(function.body))
    kinds = _NODE_KINDS
    while stack:
        node = stack.pop()
        node_type = type(node)
        kind = kinds.get(node_type)
        if kind is None:
            kind = _node_kind(node_type)
        if kind == _SKIP:
            continue
        if kind == _CALL:
            calls.append(node)  # type: ignore[arg-type]
        elif kind == _NESTED_DEF:
            binders.append(node)
            nested = cast(Union[ast.FunctionDef, ast.AsyncFunctionDef], node)
            stack.extend(nested.decorator_list)
            stack.extend(nested.args.defaults)
            stack.extend(d for d in nested.args.kw_defaults if d is not None)
            continue
        elif kind == _NESTED_CLASS:
            binders.append(node)
            stack.extend(cast(ast.ClassDef, node).decorator_list)
            stack.extend(cast(ast.ClassDef, node).bases)
            continue
        elif kind == _BINDER:
            binders.append(node)
        elif kind == _LAMBDA:
            stack.extend(cast(ast.Lambda, node).args.defaults)
            continue
        elif kind == _YIELD:
            yields = True
        children: list[ast.AST] = []
        for field_name in node_type._fields:
            value = getattr(node, field_name, None)
            if type(value) is list:
                children.extend(item for item in value if isinstance(item, ast.AST))
            elif isinstance(value, ast.AST):
                children.append(value)
        children.reverse()
        stack.extend(children)
    return calls, binders, yields


def _caches_in_global(function: FunctionNode) -> bool:
    """`global X` and `if <test on X>:` that returns early or sets X (lazy initialisation)."""
    declared = {
        name for stmt in function.body if isinstance(stmt, ast.Global) for name in stmt.names
    }
    if not declared:
        return False
    for stmt in function.body:
        if not isinstance(stmt, ast.If) or not stmt.body:
            continue
        if not any(isinstance(n, ast.Name) and n.id in declared for n in ast.walk(stmt.test)):
            continue
        if isinstance(stmt.body[-1], ast.Return):
            return True  # `if X is not None: return X`
        for inner in stmt.body:
            targets = (
                inner.targets
                if isinstance(inner, ast.Assign)
                else [inner.target]
                if isinstance(inner, ast.AnnAssign)
                else []
            )
            if any(isinstance(t, ast.Name) and t.id in declared for t in targets):
                return True  # `if X is None: X = build()`
    return False


class _ModuleBindings:
    """Module-level names, with the same shadowing rule as the CST resolver.

    A name bound both by an import and by an assignment (`try: import x / except: x = None`)
    is not trusted; names bound only by imports resolve to the first import.
    """

    def __init__(self, facts: ModuleFacts, tree: ast.Module) -> None:
        self.facts = facts
        self.kinds: dict[str, set[str]] = {}
        self._collect(tree.body)

    def _add(self, name: str, kind: str) -> None:
        self.kinds.setdefault(name, set()).add(kind)

    def _collect(self, body: list[ast.stmt]) -> None:
        for stmt in body:
            if isinstance(stmt, (ast.Import, ast.ImportFrom)):
                for alias in stmt.names:
                    if alias.name != "*":
                        self._add(alias.asname or alias.name.split(".")[0], "import")
            elif isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                self._add(stmt.name, "def")
            elif isinstance(stmt, ast.Assign):
                for target in stmt.targets:
                    for name in _target_names(target):
                        self._add(name, "object")
            elif isinstance(stmt, (ast.AnnAssign, ast.AugAssign, ast.For, ast.AsyncFor)):
                for name in _target_names(stmt.target):
                    self._add(name, "object")
            elif isinstance(stmt, (ast.With, ast.AsyncWith)):
                for item in stmt.items:
                    if item.optional_vars is not None:
                        for name in _target_names(item.optional_vars):
                            self._add(name, "object")
            for block in ("body", "orelse", "finalbody"):
                inner = getattr(stmt, block, None)
                if inner and not isinstance(stmt, _NESTED_SCOPES):
                    self._collect(inner)
            for handler in getattr(stmt, "handlers", None) or []:
                if handler.name:
                    self._add(handler.name, "object")
                self._collect(handler.body)

    def qualify(self, name: str) -> Optional[str]:
        kinds = self.kinds.get(name)
        module = self.facts.name
        if kinds is None:
            return f"builtins.{name}" if name in _BUILTIN_NAMES else None
        if kinds == {"import"}:
            return self.facts.imports.get(name)
        if len(kinds) == 1:  # only defs, or only assignments: an object of this module
            return f"{module}.{name}" if module else name
        return None


class _CallCollector:
    def __init__(
        self, facts: ModuleFacts, tree: ast.Module, suppressions: dict[int, tuple[str, ...]]
    ) -> None:
        self.facts = facts
        self.suppressions = suppressions
        self.module = _ModuleBindings(facts, tree)
        self.tree = tree
        self.summaries: dict[str, FunctionSummary] = {}
        self._resolving: set[tuple[int, str]] = set()

    def _suppressed(self, first: int, last: Optional[int]) -> tuple[str, ...]:
        codes: list[str] = []
        for line in range(first, (last or first) + 1):
            codes.extend(self.suppressions.get(line, ()))
        return tuple(codes)

    # --- walking definitions ---------------------------------------------------------------

    def collect(self) -> dict[str, FunctionSummary]:
        self._definitions(self.tree.body, prefix="", scope=None, class_qualname=None)
        return self.summaries

    def _definitions(
        self,
        body: list[ast.stmt],
        *,
        prefix: str,
        scope: Optional[_Scope],
        class_qualname: Optional[str],
    ) -> None:
        """Functions and classes defined in a block, including inside if/try/with/for."""
        for stmt in body:
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                self._function(stmt, f"{prefix}{stmt.name}", scope, class_qualname)
            elif isinstance(stmt, ast.ClassDef):
                qualname = f"{prefix}{stmt.name}"
                self._definitions(
                    stmt.body, prefix=f"{qualname}.", scope=scope, class_qualname=qualname
                )
            else:
                for block in ("body", "orelse", "finalbody"):
                    inner = getattr(stmt, block, None)
                    if isinstance(inner, list):
                        self._definitions(
                            inner, prefix=prefix, scope=scope, class_qualname=class_qualname
                        )
                for handler in getattr(stmt, "handlers", None) or []:
                    self._definitions(
                        handler.body, prefix=prefix, scope=scope, class_qualname=class_qualname
                    )

    def _function(
        self,
        node: FunctionNode,
        qualname: str,
        parent: Optional[_Scope],
        class_qualname: Optional[str],
    ) -> None:
        scope = _Scope(qualname, parent, class_qualname=class_qualname)
        self._bind_parameters(node, scope, class_qualname)
        own_calls, binders, yields = _own_nodes(node)
        self._bind_locals(binders, scope, f"{qualname}.<locals>.")
        decorators = tuple(
            name
            for name in (
                self._name(d.func if isinstance(d, ast.Call) else d, scope)
                for d in node.decorator_list
            )
            if name is not None
        )
        suppressed: dict[int, tuple[str, ...]] = {}
        if self.suppressions:
            codes = self._suppressed(node.lineno, node.lineno)
            if codes:
                suppressed[node.lineno] = codes
        calls: dict[tuple[str, tuple[str, ...], bool], int] = {}
        # A coroutine's calls do not run when sync code calls it: chains never go through one,
        # so only its kind is kept (the facts travel to every worker process).
        is_async = isinstance(node, ast.AsyncFunctionDef)
        for call in () if is_async else own_calls:
            name = self._name(call.func, scope)
            if name is None:
                continue
            name = sys.intern(name)  # repeated names pickle once
            arguments = tuple(
                argument
                for argument in (
                    self._name(value, scope)
                    for value in (*call.args, *(keyword.value for keyword in call.keywords))
                    if isinstance(value, (ast.Name, ast.Attribute))
                )
                if argument is not None
            )
            codes = self._suppressed(call.lineno, call.end_lineno) if self.suppressions else ()
            if codes:
                suppressed[call.lineno] = codes
            calls.setdefault((name, arguments, bool(codes)), call.lineno)
        self.summaries[qualname] = FunctionSummary(
            is_async=is_async,
            is_generator=yields,
            line=node.lineno,
            decorators=decorators,
            calls=tuple((name, line, arguments) for (name, arguments, _), line in calls.items()),
            caches_in_global=_caches_in_global(node),
            suppressed=suppressed,
        )
        self._definitions(
            node.body, prefix=f"{qualname}.<locals>.", scope=scope, class_qualname=None
        )

    def _bind_parameters(
        self, node: FunctionNode, scope: _Scope, class_qualname: Optional[str]
    ) -> None:
        args = node.args
        positional = [*args.posonlyargs, *args.args]
        is_static = any(ast_dotted(d) == "staticmethod" for d in node.decorator_list)
        if class_qualname is not None and positional and not is_static:
            scope.self_name = positional[0].arg
        for arg in (*positional, *args.kwonlyargs):
            if arg.arg == scope.self_name:
                continue
            if arg.annotation is not None and ast_dotted(arg.annotation) is not None:
                scope.instances[arg.arg] = arg.annotation
            else:
                scope.others.add(arg.arg)
        for star in (args.vararg, args.kwarg):
            if star is not None:
                scope.others.add(star.arg)

    def _bind_locals(self, own: list[ast.AST], scope: _Scope, nested_prefix: str) -> None:
        bound: dict[str, int] = {}
        values: dict[str, ast.expr] = {}

        def bind(name: str, value: Optional[ast.expr] = None) -> None:
            bound[name] = bound.get(name, 0) + 1
            if value is not None:
                values[name] = value

        for node in own:
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                self._bind_import(node, scope)
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                scope.defs[node.name] = f"{nested_prefix}{node.name}"
            elif isinstance(node, ast.Assign):
                single = len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)
                for target in node.targets:
                    for name in _target_names(target):
                        bind(
                            name,
                            node.value if single and isinstance(node.value, ast.Call) else None,
                        )
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                bind(node.target.id, node.annotation)
            elif isinstance(node, (ast.AugAssign, ast.For, ast.AsyncFor, ast.AnnAssign)):
                for name in _target_names(node.target):
                    bind(name)
            elif isinstance(node, ast.withitem) and node.optional_vars is not None:
                value = node.context_expr if isinstance(node.context_expr, ast.Call) else None
                for name in _target_names(node.optional_vars):
                    bind(name, value if isinstance(node.optional_vars, ast.Name) else None)
            elif isinstance(node, ast.ExceptHandler) and node.name:
                bind(node.name)
            elif isinstance(node, ast.NamedExpr):
                bind(node.target.id)
            elif isinstance(node, ast.comprehension):
                for name in _target_names(node.target):
                    bind(name)
            elif isinstance(node, (ast.Global, ast.Nonlocal)):
                scope.others.update(node.names)  # not followed: treat as unknown
        for name, count in bound.items():
            if name in scope.instances or name in scope.others:
                scope.instances.pop(name, None)  # a parameter bound again: unknown
                scope.others.add(name)
            elif name in scope.imports or name in scope.defs:
                scope.others.add(name)  # bound twice in different ways: unknown
            elif count == 1 and name in values:
                scope.instances[name] = values[name]
            else:
                scope.others.add(name)
        for name in list(scope.imports):
            if name in scope.others:
                del scope.imports[name]

    def _bind_import(self, node: Union[ast.Import, ast.ImportFrom], scope: _Scope) -> None:
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    scope.imports[alias.asname] = alias.name
                else:
                    root = alias.name.split(".")[0]
                    scope.imports[root] = root
            return
        base = node.module or ""
        if node.level:
            package = module_package(self.facts.name, self.facts.is_package)
            base = resolve_relative(package, node.level, node.module)
        for alias in node.names:
            if alias.name != "*":
                local = alias.asname or alias.name
                scope.imports[local] = f"{base}.{alias.name}" if base else alias.name

    # --- qualifying names ------------------------------------------------------------------

    def _qualify_root(self, root: str, scope: Optional[_Scope]) -> Optional[str]:
        module = self.facts.name
        current = scope
        while current is not None:
            if root in current.others:
                return None
            if root in current.imports:
                return current.imports[root]
            if root in current.defs:
                local = current.defs[root]
                return f"{module}.{local}" if module else local
            if root == current.self_name and current.class_qualname is not None:
                return f"{module}.{current.class_qualname}" if module else current.class_qualname
            if root in current.instances:
                # `x = x.copy()`-like self-references must not loop.
                if (id(current), root) in self._resolving:
                    return None
                self._resolving.add((id(current), root))
                try:
                    return self._instance_class(current.instances[root], current)
                finally:
                    self._resolving.discard((id(current), root))
            current = current.parent
        return self.module.qualify(root)

    def _instance_class(self, value: ast.expr, scope: _Scope) -> Optional[str]:
        # The object's class: the callee of `x = Callee(...)`, or the annotation's name.
        if isinstance(value, ast.Call):
            return self._name(value.func, scope)
        return self._name(value, scope)

    def _name(self, func: ast.expr, scope: Optional[_Scope]) -> Optional[str]:
        """The qualified name a callee expression refers to, or None when unknown."""
        if isinstance(func, ast.Attribute):
            receiver = self._receiver(func.value, scope)
            return f"{receiver}.{func.attr}" if receiver is not None else None
        if isinstance(func, ast.Name):
            return self._qualify_root(func.id, scope)
        return None

    def _receiver(self, value: ast.expr, scope: Optional[_Scope]) -> Optional[str]:
        """Name of a method call's receiver: a dotted name, or the class of a fresh object."""
        if isinstance(value, (ast.Name, ast.Attribute)):
            if isinstance(value, ast.Attribute) and value.attr in PATH_PRESERVING_ATTRIBUTES:
                return self._receiver(value.value, scope)
            return self._name(value, scope)
        if isinstance(value, ast.Call):
            func = value.func
            if isinstance(func, ast.Attribute) and func.attr in PATH_PRESERVING_METHODS:
                return self._receiver(func.value, scope)
            return self._name(func, scope)  # `Path(p).read_text()`: the class of the object
        if isinstance(value, ast.BinOp) and isinstance(value.op, ast.Div):
            return self._receiver(value.left, scope)
        return None


_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def _suppression_comments(source: Union[str, bytes]) -> dict[int, tuple[str, ...]]:
    """Line -> codes of its `# noqa` / `# fastlint: ignore` comment, for lines that have one."""
    text = source.decode("utf-8", "replace") if isinstance(source, bytes) else source
    if "noqa" not in text and "fastlint" not in text:
        return {}
    found: dict[int, tuple[str, ...]] = {}
    for number, line in enumerate(_LINE_BREAK.split(text), start=1):
        if "#" in line:
            codes = line_suppressions(line)
            if codes is not None:
                found[number] = tuple(sorted(codes))
    return found


def collect_functions(
    facts: ModuleFacts, tree: ast.Module, source: Union[str, bytes] = ""
) -> dict[str, FunctionSummary]:
    """Summaries of every function of a parsed module, by qualname (`C.m`, `f.<locals>.g`).

    `source` is read for suppression comments only. Code nested too deeply for the collector's
    recursion gives no summaries, not a crash.
    """
    try:
        return _CallCollector(facts, tree, _suppression_comments(source)).collect()
    except RecursionError:
        return {}


# --- questions across the project ------------------------------------------------------------

# What a callee name is, as a rule sees it: ("target", display) ends a chain; ("function",
# qualified) is a project function to follow; None is anything else.
Classification = Optional[tuple[str, str]]


@dataclass(frozen=True)
class ChainStep:
    """One call of a chain: what is called, from which module, on which line.

    `callee` is a project function's qualname (`Reporter.fetch`) or, for the last step, the
    target's qualified name as `is_target` returned it.
    """

    callee: str
    module: str
    line: int
    is_target: bool = False


@dataclass(frozen=True)
class ProjectFunction:
    qualified: str  # module.qualname
    module: ModuleFacts
    qualname: str
    summary: FunctionSummary


class CallGraph:
    """Reachability from project functions to target calls (blocking ones, for FL102).

    `is_target(name, arguments)` gives the name to report when a call is a target, else None.
    `follow(function)` says whether the chain may go through a project function at all (sync
    only, not cached, ...). A suppression comment with one of `cut_by` on a function's `def`
    line or on a call line ends the chain there. Results are memoized for the index's lifetime.
    """

    def __init__(
        self,
        project: ProjectIndex,
        is_target: Callable[[str, tuple[str, ...]], Optional[str]],
        follow: Callable[[ProjectFunction], bool],
        cut_by: frozenset[str] = frozenset(),
    ) -> None:
        self.project = project
        # Suppression codes that end a chain where they are written ("*": a bare noqa comment).
        self.cut_by = cut_by | {"*"}
        self.is_target = is_target
        self.follow = follow
        self._chains: dict[str, Optional[tuple[ChainStep, ...]]] = {}
        self._functions: dict[str, Optional[ProjectFunction]] = {}
        self._classified: dict[tuple[str, tuple[str, ...]], Classification] = {}

    def function(self, qualified: str) -> Optional[ProjectFunction]:
        """The project function a qualified name refers to (classes: their `__init__`)."""
        if qualified in self._functions:
            return self._functions[qualified]
        found = self._find_function(qualified)
        self._functions[qualified] = found
        return found

    def _find_function(self, qualified: str) -> Optional[ProjectFunction]:
        resolved = self.project.resolve(qualified)
        split = self.project.split_name(resolved)
        if split is None:
            return None
        module, rest = split
        summary = module.callables.get(rest)
        if summary is not None:
            return ProjectFunction(f"{module.name}.{rest}", module, rest, summary)
        if rest in module.classes:
            return self._method(f"{module.name}.{rest}", "__init__")
        owner, _, method = rest.rpartition(".")
        if owner and owner in module.classes:
            return self._method(f"{module.name}.{owner}", method)
        return None

    def _method(self, class_qualified: str, method: str) -> Optional[ProjectFunction]:
        """A method of a project class or of its project bases, in MRO-like order."""
        seen: set[str] = set()
        pending = [class_qualified]
        while pending:
            current = pending.pop(0)
            if current in seen:
                continue
            seen.add(current)
            split = self.project.split_name(current)
            if split is None:
                continue
            module, rest = split
            summary = module.callables.get(f"{rest}.{method}")
            if summary is not None:
                qualname = f"{rest}.{method}"
                return ProjectFunction(f"{module.name}.{qualname}", module, qualname, summary)
            pending.extend(self.project.class_bases(current) or [])
        return None

    def classify(self, name: str, arguments: tuple[str, ...] = ()) -> Classification:
        """Whether a callee name is a target, a project function to follow, or neither.

        `arguments`: the qualified names passed to the call, for targets that depend on them.
        """
        key = (name, arguments)
        if key in self._classified:
            return self._classified[key]
        result = self._classify(name, arguments)
        self._classified[key] = result
        return result

    def _classify(self, name: str, arguments: tuple[str, ...]) -> Classification:
        # The name as written first: a project module that happens to be called `requests`
        # must not turn `requests.get` into a project function.
        target = self.is_target(name, arguments)
        if target is not None:
            return ("target", target)
        resolved = self.project.resolve(name)
        target = self.is_target(resolved, arguments)
        if target is not None:
            return ("target", target)
        function = self.function(resolved)
        if function is not None:
            return ("function", function.qualified)
        receiver, _, method = resolved.rpartition(".")
        if not receiver:
            return None
        if self.project.class_bases(receiver) is not None:
            # A project class with external bases (`class Api(httpx.Client)`, `self.get()`).
            cls: Optional[str] = receiver
        else:
            # A module-level object (`client = httpx.Client()` elsewhere, `client.get()` here).
            cls = self.project.object_class(receiver)
        if cls is None:
            return None
        for ancestor in self.project.class_ancestors(cls):
            target = self.is_target(f"{ancestor}.{method}", arguments)
            if target is not None:
                return ("target", target)
        function = self.function(f"{cls}.{method}")
        return ("function", function.qualified) if function is not None else None

    def _follows(self, function: ProjectFunction) -> bool:
        summary = function.summary
        codes = summary.suppressed.get(summary.line, ()) if summary.suppressed else ()
        return not self.cut_by.intersection(codes) and self.follow(function)

    def chain(self, qualified: str, *, runs: bool = False) -> Optional[tuple[ChainStep, ...]]:
        """The shortest chain of calls from a project function down to a target call.

        `runs`: the caller knows the body runs though `follow` would not go there (a sync
        generator iterated by a `for` in the coroutine); the result is then not memoized.
        """
        if runs:
            start = self.function(qualified)
            if start is None or start.summary.is_async:
                return None
            return self._search(start)
        if qualified in self._chains:
            return self._chains[qualified]
        start = self.function(qualified)
        if start is None or not self._follows(start):
            self._chains[qualified] = None
            return None
        return self._search(start)

    def _search(self, start: ProjectFunction) -> Optional[tuple[ChainStep, ...]]:
        qualified = start.qualified
        # What holds for a start `follow` rejects must not answer later questions about it.
        memoize_start = self._follows(start)
        # Breadth-first, so the chain reported is a shortest one; cycles end at `came_from`.
        came_from: dict[str, Optional[tuple[str, ChainStep]]] = {start.qualified: None}
        queue = deque([start])
        found: Optional[tuple[str, tuple[ChainStep, ...]]] = None
        while queue and found is None:
            current = queue.popleft()
            suppressed = current.summary.suppressed
            for callee, line, arguments in current.summary.calls:
                if suppressed and self.cut_by.intersection(suppressed.get(line, ())):
                    continue
                kind = self.classify(callee, arguments)
                if kind is None:
                    continue
                if kind[0] == "target":
                    step = ChainStep(kind[1], current.module.name, line, is_target=True)
                    found = (current.qualified, (step,))
                    break
                nxt = self.function(kind[1])
                if nxt is None or nxt.qualified in came_from or not self._follows(nxt):
                    continue
                step = ChainStep(nxt.qualname, current.module.name, line)
                if nxt.qualified in self._chains and self._chains[nxt.qualified] is None:
                    continue  # already proven not to block
                # A chain memoized for `nxt` is not a shortcut: which chain this search finds
                # must not depend on the questions asked before (files checked earlier in
                # this process, or in another worker).
                came_from[nxt.qualified] = (current.qualified, step)
                queue.append(nxt)
        if found is None:
            for visited in came_from:
                if visited != qualified or memoize_start:
                    self._chains[visited] = None
            return None
        # Rebuild the path from the start to the function that makes the target call.
        node, tail = found
        steps: list[ChainStep] = list(tail)
        while True:
            link = came_from[node]
            if link is None:
                break
            node, step = link
            steps.insert(0, step)
        if memoize_start:
            self._chains[qualified] = tuple(steps)
        return tuple(steps)
