"""The route model: every app and router, its routes in registration order, and its includes.

Facts are extracted per module with `ast` (picklable, like the rest of the project view) and
joined into a `RouteTable` for the whole project, which answers which routes can never be reached
because an earlier route of the same app or router matches every request they match.

Matching follows Starlette's `compile_path`: `{x}` is `[^/]+`, `{x:path}` is `.*`, `{x:int}` is
`[0-9]+`, `{x:float}` is `[0-9]+(\\.[0-9]+)?`, `{x:uuid}` is the lowercase 8-4-4-4-12 hex form;
literal text is escaped. Whether one path covers another is decided exactly, by language
inclusion of the two patterns (a small automaton product), never by heuristics.

FastAPI's `APIRoute` takes `methods` as given (default GET) and, unlike Starlette's `Route`, does
not add HEAD to GET, so a HEAD route after a GET route of the same path is reachable.

Being wrong here means telling someone a working route is dead, so every doubt means no finding:
dynamic paths or prefixes, conditional registration, routers whose content or position in an app
is not fully known, router subclasses that override registration, code that edits `.routes`.
"""

from __future__ import annotations

import ast
import hashlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Optional, Union

from fastlint.engine.astwalk import lines_with, own_returns, yields
from fastlint.engine.fastapi import APP_OR_ROUTER_CLASSES
from fastlint.engine.imports import ast_dotted
from fastlint.engine.source import word_first

if TYPE_CHECKING:
    from fastlint.engine.project import ModuleFacts, ProjectIndex

# Decorator name -> the methods it registers (None: from `methods=`, GET by default).
ROUTE_DECORATORS: dict[str, Optional[tuple[str, ...]]] = {
    "get": ("GET",),
    "post": ("POST",),
    "put": ("PUT",),
    "patch": ("PATCH",),
    "delete": ("DELETE",),
    "head": ("HEAD",),
    "options": ("OPTIONS",),
    "trace": ("TRACE",),
    "api_route": None,
}
WEBSOCKET_DECORATOR = "websocket"
# WebSocket routes only match websocket scopes: model that as a method of its own.
WEBSOCKET = "WEBSOCKET"
_ROUTE_CALLS = frozenset({"add_api_route", "add_api_websocket_route"})
# Methods that, overridden in a router subclass, change what registration means.
_REGISTRATION_METHODS = frozenset(
    {*ROUTE_DECORATORS, WEBSOCKET_DECORATOR, *_ROUTE_CALLS, "include_router", "matches"}
)
_LIST_MUTATORS = frozenset(
    {"insert", "append", "extend", "remove", "pop", "sort", "reverse", "clear", "__setitem__"}
)
LOCAL_MARKER = ".<locals>."


@dataclass(frozen=True)
class RouteFact:
    """One route registration: a decorator on a function, or an `add_api_route` call."""

    owner: str  # key of the app/router object (qualified name, or a function-local key)
    path: Optional[str]  # None when not a literal string
    methods: Optional[tuple[str, ...]]  # None when not literal
    line: int  # of the decorator expression or the call
    function: str  # the endpoint's qualified name in its module, "" if not a local def
    scope: str  # "" for module level (class bodies included), else the function's qualname
    certain: bool  # unconditional within its scope (not under if/for/while/try)
    order: int  # registration order within the module
    top_level: bool  # a decorator on a module-level function


@dataclass(frozen=True)
class IncludeFact:
    owner: Optional[str]  # the receiver; None when not resolvable
    child: Optional[str]  # the included router; None when not resolvable
    prefix: Optional[str]  # "" by default, None when not a literal
    line: int
    scope: str
    certain: bool
    order: int
    # `for r in (a, b): app.include_router(r)`: the routers the loop variable can be.
    candidates: tuple[str, ...] = ()
    has_dependencies: bool = False  # `dependencies=` (or **kwargs that may hold it)


@dataclass(frozen=True)
class OwnerFact:
    """How a (possible) app or router was created: `x = APIRouter(prefix=...)` or `x: FastAPI`."""

    key: str
    callee: Optional[str]
    prefix: Optional[str]  # None when unknown (not literal, **kwargs, a parameter)
    line: int
    scope: str
    has_dependencies: bool = False  # `dependencies=`, or unknown (**kwargs, a parameter)


@dataclass
class RoutingFacts:
    owners: dict[str, OwnerFact] = field(default_factory=dict)
    reassigned: set[str] = field(default_factory=set)  # owner keys bound more than once
    routes: list[RouteFact] = field(default_factory=list)
    includes: list[IncludeFact] = field(default_factory=list)
    # Owner keys whose `.routes` list is edited in place; None when the receiver is unknown.
    route_edits: list[Optional[str]] = field(default_factory=list)
    # "Class.method" of registration methods (and `__init__`) that a class redefines but that
    # hand the path, methods and prefix on untouched (`super().add_api_route(path, ...)`).
    passthrough: set[str] = field(default_factory=set)
    # Classes that define `matches`: a route class with its own matching.
    matchers: set[str] = field(default_factory=set)
    # Functions (module-level and methods, by qualname) annotated to return a `...Response`,
    # and functions whose every `return` is a call: what they call, qualified as written.
    responders: set[str] = field(default_factory=set)
    return_calls: dict[str, tuple[str, ...]] = field(default_factory=dict)


def source_digest(source: Union[str, bytes]) -> str:
    data = source.encode("utf-8") if isinstance(source, str) else source
    return hashlib.sha1(data, usedforsecurity=False).hexdigest()


# --- extraction ----------------------------------------------------------------------------


def _string(node: Optional[ast.expr]) -> Optional[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def _keyword(call: ast.Call, name: str) -> Optional[ast.keyword]:
    for keyword in call.keywords:
        if keyword.arg == name:
            return keyword
    return None


def _has_star_kwargs(call: ast.Call) -> bool:
    return any(keyword.arg is None for keyword in call.keywords) or any(
        isinstance(arg, ast.Starred) for arg in call.args
    )


def _argument(call: ast.Call, position: int, name: str) -> tuple[bool, Optional[ast.expr]]:
    """(given?, value) of an argument passed by position or keyword."""
    keyword = _keyword(call, name)
    if keyword is not None:
        return True, keyword.value
    if len(call.args) > position and not any(
        isinstance(a, ast.Starred) for a in call.args[: position + 1]
    ):
        return True, call.args[position]
    return False, None


def _methods(call: ast.Call, default: Optional[tuple[str, ...]]) -> Optional[tuple[str, ...]]:
    if default is not None:
        return default
    keyword = _keyword(call, "methods")
    if keyword is None:
        return None if _has_star_kwargs(call) else ("GET",)
    value = keyword.value
    if isinstance(value, ast.Constant) and value.value is None:
        return ("GET",)
    if isinstance(value, (ast.List, ast.Tuple, ast.Set)):
        names = [_string(e) for e in value.elts]
        if all(n is not None for n in names):
            return tuple(sorted({n.upper() for n in names if n is not None}))
    return None


def _assigned_names(body: Iterable[ast.stmt]) -> set[str]:
    """Names bound by the statements of one scope, not descending into nested scopes."""
    names: set[str] = set()
    pending: list[ast.AST] = list(body)
    while pending:
        node = pending.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
            continue
        if isinstance(node, ast.Lambda):
            continue
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            names.add(node.id)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                names.add((alias.asname or alias.name).split(".")[0])
        pending.extend(ast.iter_child_nodes(node))
    return names


class _Scope:
    """A scope of the module; the names it binds are only gathered when a lookup needs them."""

    def __init__(
        self,
        qualname: str,
        kind: str,
        body: Callable[[], set[str]],
        parent: Optional[_Scope],
        sequence: str,
    ) -> None:
        self.qualname = qualname  # "" for the module
        self.kind = kind  # "module", "class", "function"
        self._body = body
        self._names: Optional[set[str]] = None
        self.parent = parent
        self.sequence = sequence  # the registration sequence: "" for module level and classes

    @property
    def names(self) -> set[str]:
        if self._names is None:
            self._names = self._body()
        return self._names


class _RoutingCollector:
    def __init__(
        self,
        module: str,
        qualify: Callable[[Optional[str]], Optional[str]],
        tree: ast.Module,
        yield_lines: Optional[list[int]],
    ) -> None:
        self.module = module
        self.qualify = qualify
        self.yield_lines = yield_lines  # of the module (`astwalk.lines_with`)
        self.facts = RoutingFacts()
        self.order = 0
        self.handled: set[int] = set()  # ids of calls already recorded
        self.module_scope = _Scope("", "module", lambda: _assigned_names(tree.body), None, "")
        self.bound: dict[str, int] = {}

    # keys -------------------------------------------------------------------------------

    def _local_key(self, scope: _Scope, name: str) -> str:
        if scope.kind == "function":
            return f"{self.module}.{scope.qualname}{LOCAL_MARKER}{name}"
        if scope.kind == "class":
            return f"{self.module}.{scope.qualname}.{name}"
        return f"{self.module}.{name}" if self.module else name

    def key(self, expr: ast.expr, scope: _Scope) -> Optional[str]:
        """The owner key an expression names, or None."""
        if isinstance(expr, ast.Name):
            current: Optional[_Scope] = scope
            first = True
            while current is not None:
                # Class bodies are not visible from the functions defined in them.
                if current.kind == "class" and not first:
                    current = current.parent
                    continue
                if expr.id in current.names:
                    if current.kind == "module":
                        break
                    return self._local_key(current, expr.id)
                first = False
                current = current.parent
            if expr.id in self.module_scope.names:
                qualified = self.qualify(expr.id)
                if qualified is not None and qualified != expr.id:
                    return qualified  # imported
                return self._local_key(self.module_scope, expr.id)
            return None
        dotted = ast_dotted(expr)
        if dotted is None or "." not in dotted:
            return None
        root = dotted.split(".")[0]
        if root in ("self", "cls"):
            return None
        qualified = self.qualify(dotted)
        if qualified != dotted:
            return qualified
        return f"{self.module}.{dotted}" if root in self.module_scope.names else None

    # traversal --------------------------------------------------------------------------

    def collect(self, tree: ast.Module, text: str) -> RoutingFacts:
        self._body(tree.body, self.module_scope, certain=True)
        # The full walk is only needed when the text shows more includes than the statements
        # held, or something that may edit a `.routes` list.
        handled = sum(1 for i in self.facts.includes)
        includes = len(_INCLUDE_WORD.findall(text)) if "include_router" in text else 0
        if includes > handled or _ROUTES_EDIT.search(text):
            self._stray_calls(tree)
        facts = self.facts
        # Keep function-local owners only where this module registers on or includes them.
        used = {r.owner for r in facts.routes}
        used.update(k for i in facts.includes for k in (i.owner, i.child, *i.candidates) if k)
        facts.owners = {
            key: owner
            for key, owner in facts.owners.items()
            if (LOCAL_MARKER not in key and owner.callee is not None) or key in used
        }
        facts.reassigned = {k for k, n in self.bound.items() if n > 1 and k in facts.owners}
        return facts

    def _next(self) -> int:
        self.order += 1
        return self.order

    def _body(self, body: list[ast.stmt], scope: _Scope, *, certain: bool) -> None:
        for stmt in body:
            self._statement(stmt, scope, certain=certain)

    def _statement(self, stmt: ast.stmt, scope: _Scope, *, certain: bool) -> None:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            self._function(stmt, scope, certain=certain)
        elif isinstance(stmt, ast.ClassDef):
            qualname = f"{scope.qualname}.{stmt.name}" if scope.qualname else stmt.name
            body = stmt.body
            inner = _Scope(qualname, "class", lambda: _assigned_names(body), scope, scope.sequence)
            self._class_methods(stmt, qualname)
            self._body(stmt.body, inner, certain=certain)
        elif isinstance(stmt, (ast.With, ast.AsyncWith)):
            self._body(stmt.body, scope, certain=certain)
        elif isinstance(stmt, (ast.For, ast.AsyncFor)):
            self._loop(stmt, scope)
        elif isinstance(stmt, (ast.If, ast.While, ast.Try)) or stmt.__class__.__name__ in (
            "TryStar",
            "Match",
        ):
            for child in ast.iter_child_nodes(stmt):
                if isinstance(child, ast.stmt):
                    self._statement(child, scope, certain=False)
                elif isinstance(getattr(child, "body", None), list):
                    # except handlers and match cases (no `ast.match_case` before 3.10)
                    self._body(child.body, scope, certain=False)  # type: ignore[attr-defined]
        elif isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
            self._call(stmt.value, scope, certain=certain)
        elif isinstance(stmt, (ast.Assign, ast.AnnAssign)):
            self._assignment(stmt, scope)

    def _class_methods(self, node: ast.ClassDef, qualname: str) -> None:
        for item in node.body:
            if not isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            if item.name == "matches":
                self.facts.matchers.add(qualname)
            elif item.name == "__init__":
                if _forwards_init(item):
                    self.facts.passthrough.add(f"{qualname}.{item.name}")
            elif item.name in _REGISTRATION_METHODS and _forwards_path(item):
                self.facts.passthrough.add(f"{qualname}.{item.name}")

    def _loop(self, stmt: Union[ast.For, ast.AsyncFor], scope: _Scope) -> None:
        candidates: tuple[str, ...] = ()
        if isinstance(stmt.target, ast.Name) and isinstance(stmt.iter, (ast.List, ast.Tuple)):
            keys = [self.key(e, scope) for e in stmt.iter.elts]
            candidates = tuple(k for k in keys if k is not None)
            if len(candidates) != len(keys):
                candidates = ()
        for inner in stmt.body:
            if (
                candidates
                and isinstance(inner, ast.Expr)
                and isinstance(inner.value, ast.Call)
                and isinstance(inner.value.func, ast.Attribute)
                and inner.value.func.attr == "include_router"
            ):
                self._include(inner.value, scope, certain=False, candidates=candidates)
            else:
                self._statement(inner, scope, certain=False)
        self._body(stmt.orelse, scope, certain=False)

    def _function(
        self, node: Union[ast.FunctionDef, ast.AsyncFunctionDef], scope: _Scope, *, certain: bool
    ) -> None:
        qualname = f"{scope.qualname}.{node.name}" if scope.qualname else node.name
        # Stacked decorators apply bottom-up, so the lowest registers first.
        for decorator in reversed(node.decorator_list):
            if not (isinstance(decorator, ast.Call) and isinstance(decorator.func, ast.Attribute)):
                continue
            attr = decorator.func.attr
            if attr not in ROUTE_DECORATORS and attr != WEBSOCKET_DECORATOR:
                continue
            self.handled.add(id(decorator))
            owner = self.key(decorator.func.value, scope)
            if owner is None:
                continue
            _, path = _argument(decorator, 0, "path")
            methods = (
                (WEBSOCKET,)
                if attr == WEBSOCKET_DECORATOR
                else _methods(decorator, ROUTE_DECORATORS[attr])
            )
            self.facts.routes.append(
                RouteFact(
                    owner=owner,
                    path=_string(path),
                    methods=methods,
                    line=decorator.lineno,
                    function=qualname,
                    scope=scope.sequence,
                    certain=certain,
                    order=self._next(),
                    top_level=scope.kind == "module",
                )
            )
        arguments = node.args

        def names() -> set[str]:
            bound = _assigned_names(node.body)
            for arg in (*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs):
                bound.add(arg.arg)
            for star in (arguments.vararg, arguments.kwarg):
                if star is not None:
                    bound.add(star.arg)
            return bound

        inner = _Scope(qualname, "function", names, scope, qualname)
        if scope.kind != "function":
            self._returns(node, qualname)
        for arg in (*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs):
            annotation = ast_dotted(arg.annotation) if arg.annotation is not None else None
            if annotation is not None:
                key = self._local_key(inner, arg.arg)
                self._owner(key, self.qualify(annotation), None, node.lineno, qualname)
        self._body(node.body, inner, certain=True)

    def _returns(self, node: Union[ast.FunctionDef, ast.AsyncFunctionDef], qualname: str) -> None:
        """What a function returns, when that can make it a Response factory."""
        if node.returns is not None:
            annotation = _string(node.returns) or ast_dotted(node.returns) or ""  # "..." too
            if annotation.strip().endswith("Response"):
                self.facts.responders.add(qualname)
            return
        callees: list[str] = []
        for statement in own_returns(node):
            value = statement.value
            if isinstance(value, ast.Await):
                value = value.value
            callee = self.qualify(ast_dotted(value.func)) if isinstance(value, ast.Call) else None
            if callee is None:
                return
            callees.append(callee)
        if callees and not yields(node, self.yield_lines):  # a generator is no Response factory
            self.facts.return_calls[qualname] = tuple(dict.fromkeys(callees))

    def _owner(
        self,
        key: str,
        callee: Optional[str],
        prefix: Optional[str],
        line: int,
        scope: str,
        dependencies: bool = True,
    ) -> None:
        self.bound[key] = self.bound.get(key, 0) + 1
        if callee is not None:
            self.facts.owners[key] = OwnerFact(key, callee, prefix, line, scope, dependencies)

    def _assignment(self, stmt: Union[ast.Assign, ast.AnnAssign], scope: _Scope) -> None:
        targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
        value = stmt.value
        for target in targets:
            if not isinstance(target, ast.Name):
                continue
            key = self._local_key(scope, target.id)
            if isinstance(value, ast.Call):
                callee = self.qualify(ast_dotted(value.func))
                prefix: Optional[str] = ""
                if _has_star_kwargs(value) or value.args:
                    prefix = None
                else:
                    given, expr = _argument(value, 99, "prefix")
                    if given:
                        prefix = _string(expr)
                dependencies = (
                    _has_star_kwargs(value) or _keyword(value, "dependencies") is not None
                )
                self._owner(key, callee, prefix, stmt.lineno, scope.sequence, dependencies)
            elif isinstance(stmt, ast.AnnAssign):
                annotation = self.qualify(ast_dotted(stmt.annotation))
                self._owner(key, annotation, None, stmt.lineno, scope.sequence)
            else:
                # Bound to something else (an alias, a call result of unknown kind).
                self._owner(key, None, None, stmt.lineno, scope.sequence)

    def _call(self, call: ast.Call, scope: _Scope, *, certain: bool) -> None:
        func = call.func
        if not isinstance(func, ast.Attribute):
            return
        if func.attr == "include_router":
            self._include(call, scope, certain=certain)
        elif func.attr in _ROUTE_CALLS:
            self.handled.add(id(call))
            owner = self.key(func.value, scope)
            if owner is None:
                return
            _, path = _argument(call, 0, "path")
            methods = (
                (WEBSOCKET,) if func.attr == "add_api_websocket_route" else _methods(call, None)
            )
            _, endpoint = _argument(call, 1, "endpoint")
            function = endpoint.id if isinstance(endpoint, ast.Name) else ""
            self.facts.routes.append(
                RouteFact(
                    owner=owner,
                    path=_string(path),
                    methods=methods,
                    line=call.lineno,
                    function=function,
                    scope=scope.sequence,
                    certain=certain,
                    order=self._next(),
                    top_level=False,
                )
            )

    def _include(
        self, call: ast.Call, scope: _Scope, *, certain: bool, candidates: tuple[str, ...] = ()
    ) -> None:
        assert isinstance(call.func, ast.Attribute)
        self.handled.add(id(call))
        owner = self.key(call.func.value, scope)
        given, child_expr = _argument(call, 0, "router")
        child = self.key(child_expr, scope) if child_expr is not None else None
        if candidates:
            child = None
        prefix: Optional[str] = ""
        if _has_star_kwargs(call):
            prefix = None
        else:
            prefix_given, prefix_expr = _argument(call, 99, "prefix")
            if prefix_given:
                prefix = _string(prefix_expr)
        self.facts.includes.append(
            IncludeFact(
                owner=owner,
                child=child if given else None,
                prefix=prefix,
                line=call.lineno,
                scope=scope.sequence,
                certain=certain,
                order=self._next(),
                candidates=candidates,
                has_dependencies=_has_star_kwargs(call)
                or _keyword(call, "dependencies") is not None,
            )
        )

    def _stray_calls(self, tree: ast.Module) -> None:
        """Includes and `.routes` edits outside plain statements: recorded as unknowns."""
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                attr = node.func.attr
                if attr == "include_router" and id(node) not in self.handled:
                    self.facts.includes.append(
                        IncludeFact(
                            None, None, None, node.lineno, "?", False, self._next(), (), True
                        )
                    )
                elif attr in _LIST_MUTATORS and _is_routes_list(node.func.value):
                    self._route_edit(node.func.value)
            elif isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Delete)):
                targets = (
                    node.targets if isinstance(node, (ast.Assign, ast.Delete)) else [node.target]
                )
                for target in targets:
                    while isinstance(target, ast.Subscript):
                        target = target.value
                    if _is_routes_list(target):
                        self._route_edit(target)

    def _route_edit(self, routes: ast.expr) -> None:
        assert isinstance(routes, ast.Attribute)
        receiver = routes.value
        if isinstance(receiver, ast.Attribute) and receiver.attr == "router":
            receiver = receiver.value  # app.router.routes
        key = self.key(receiver, self.module_scope)
        if key is None:
            # Unknown receivers count (everywhere) only when they look like an app or router:
            # `self.routes = []` in an unrelated class must not switch the rule off.
            text = (ast_dotted(receiver) or "").lower()
            if "app" not in text and "router" not in text:
                return
        self.facts.route_edits.append(key)


_INCLUDE_WORD = re.compile(word_first("include_router") + r"\b")
_ROUTES_EDIT = re.compile(
    r"\.\s*_?routes\s*(\[|\.\s*(insert|append|extend|remove|pop|sort|reverse|clear)\b|=(?!=)|\+=)"
)


def _mentions(function: ast.AST, word: str) -> bool:
    for node in ast.walk(function):
        if isinstance(node, ast.Name) and node.id == word:
            return True
        if isinstance(node, ast.Constant) and node.value == word:
            return True
        if isinstance(node, ast.keyword) and node.arg == word:
            return True
        if isinstance(node, ast.arg) and node.arg == word:
            return True
    return False


def _super_or_self_calls(function: ast.AST) -> Iterator[ast.Call]:
    for node in ast.walk(function):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            receiver = node.func.value
            if (
                isinstance(receiver, ast.Call)
                and isinstance(receiver.func, ast.Name)
                and receiver.func.id == "super"
            ) or (isinstance(receiver, ast.Name) and receiver.id == "self"):
                yield node


def _forwards_path(function: Union[ast.FunctionDef, ast.AsyncFunctionDef]) -> bool:
    """A redefined registration method that passes its path on untouched and leaves methods be.

    `def add_api_route(self, path, endpoint, **kwargs): ...; super().add_api_route(path, ...)`
    """
    params = [*function.args.posonlyargs, *function.args.args]
    if len(params) < 2:
        return False
    path = params[1].arg
    if _mentions(function, "methods") or _mentions(function, "prefix"):
        return False
    for node in ast.walk(function):
        if isinstance(node, ast.Name) and node.id == path and not isinstance(node.ctx, ast.Load):
            return False
    return any(
        call.func.attr in _REGISTRATION_METHODS  # type: ignore[attr-defined]
        and call.args
        and isinstance(call.args[0], ast.Name)
        and call.args[0].id == path
        for call in _super_or_self_calls(function)
    )


def _forwards_init(function: Union[ast.FunctionDef, ast.AsyncFunctionDef]) -> bool:
    """An `__init__` that hands its keyword arguments to the parent's and never sees `prefix`."""
    kwarg = function.args.kwarg
    if kwarg is None or _mentions(function, "prefix"):
        return False
    return any(
        call.func.attr == "__init__"  # type: ignore[attr-defined]
        and any(
            k.arg is None and isinstance(k.value, ast.Name) and k.value.id == kwarg.arg
            for k in call.keywords
        )
        for call in _super_or_self_calls(function)
    )


def _is_routes_list(node: ast.expr) -> bool:
    return isinstance(node, ast.Attribute) and node.attr in ("routes", "_routes")


def extract_routing(
    module: str,
    qualify: Callable[[Optional[str]], Optional[str]],
    tree: ast.Module,
    source: Union[str, bytes],
) -> RoutingFacts:
    text = source.decode("utf-8", "replace") if isinstance(source, bytes) else source
    collector = _RoutingCollector(module, qualify, tree, lines_with(source, "yield"))
    return collector.collect(tree, text)


# --- path matching -------------------------------------------------------------------------

_PARAM = re.compile(r"{([a-zA-Z_][a-zA-Z0-9_]*)(:[a-zA-Z_][a-zA-Z0-9_]*)?}")
_DIGITS = "0123456789"
_HEX = _DIGITS + "abcdef"
# A character class: a literal character, or one of Starlette's converter classes.
_NOT_SLASH = "[^/]"
_ANY = "[^\\n]"  # `.` without DOTALL: anything but a newline
_DIGIT = "[0-9]"
_HEXDIGIT = "[0-9a-f]"


def path_parameters(path: str) -> list[str]:
    """The names of the `{param}` placeholders of a route path, as Starlette reads them."""
    return [match.group(1) for match in _PARAM.finditer(path)]


def _class_accepts(label: str, char: str) -> bool:
    if label == _NOT_SLASH:
        return char != "/"
    if label == _ANY:
        return char != "\n"
    if label == _DIGIT:
        return char in _DIGITS
    if label == _HEXDIGIT:
        return char in _HEX
    return label == char


class PathPattern:
    """A route path compiled to a small NFA over characters (None labels are epsilon moves)."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.edges: list[list[tuple[Optional[str], int]]] = [[]]
        self.literals: set[str] = set()
        self.prefix = ""  # the literal text before the first parameter
        state = 0
        position = 0
        for match in _PARAM.finditer(path):
            state = self._literal(state, path[position : match.start()])
            if position == 0 and match.start() >= 0 and not self.prefix:
                self.prefix = path[: match.start()]
            state = self._converter(state, (match.group(2) or ":str")[1:])
            position = match.end()
        if position == 0:
            self.prefix = path
        self.accept = self._literal(state, path[position:])
        # Without a `{x:path}` parameter every matched path has these many segments, and a
        # segment without a parameter matches only itself: a cheap test before the automaton.
        self.segments = path_segments(path)

    def _new(self) -> int:
        self.edges.append([])
        return len(self.edges) - 1

    def _step(self, state: int, label: str) -> int:
        target = self._new()
        self.edges[state].append((label, target))
        return target

    def _plus(self, state: int, label: str) -> int:
        target = self._step(state, label)
        self.edges[target].append((label, target))
        return target

    def _literal(self, state: int, text: str) -> int:
        for char in text:
            self.literals.add(char)
            state = self._step(state, char)
        return state

    def _converter(self, state: int, name: str) -> int:
        if name == "str":
            return self._plus(state, _NOT_SLASH)
        if name == "path":
            target = self._new()
            self.edges[state].append((None, target))
            self.edges[target].append((_ANY, target))
            return target
        if name == "int":
            return self._plus(state, _DIGIT)
        if name == "float":
            whole = self._plus(state, _DIGIT)
            end = self._new()
            self.edges[whole].append((None, end))
            fraction = self._plus(self._step(whole, "."), _DIGIT)
            self.edges[fraction].append((None, end))
            return end
        if name == "uuid":
            for index, count in enumerate((8, 4, 4, 4, 12)):
                if index:
                    state = self._step(state, "-")
                for _ in range(count):
                    state = self._step(state, _HEXDIGIT)
            return state
        raise ValueError(f"unknown path converter {name!r}")

    def closure(self, states: Iterable[int]) -> frozenset[int]:
        seen = set(states)
        pending = list(seen)
        while pending:
            state = pending.pop()
            for label, target in self.edges[state]:
                if label is None and target not in seen:
                    seen.add(target)
                    pending.append(target)
        return frozenset(seen)

    def step(self, states: frozenset[int], char: str) -> frozenset[int]:
        moved = {
            target
            for state in states
            for label, target in self.edges[state]
            if label is not None and _class_accepts(label, char)
        }
        return self.closure(moved) if moved else frozenset()


def path_segments(path: str) -> Optional[tuple[str, ...]]:
    """The segments every path a route matches has, or None with a `{x:path}` parameter."""
    if any(match.group(2) == ":path" for match in _PARAM.finditer(path)):
        return None
    return tuple(path.split("/"))


def compile_pattern(path: str) -> Optional[PathPattern]:
    """The pattern of a route path, or None when it uses a converter Starlette does not ship."""
    try:
        return PathPattern(path)
    except ValueError:
        return None


def covers(first: PathPattern, second: PathPattern) -> bool:
    """Whether every path `second` matches is also matched by `first`.

    Characters are grouped by the classes that can tell them apart: each literal of either
    pattern stands for itself, and one representative stands for every other character of
    each remaining class, so the product automaton is small and the answer exact.
    """
    if not second.prefix.startswith(first.prefix):
        return False  # a different literal start always leaves a path `first` misses
    if first.segments is not None:
        # `first` matches only paths of its segment count, each literal segment as written.
        if second.segments is None or len(second.segments) != len(first.segments):
            return False
        for first_segment, second_segment in zip(first.segments, second.segments):
            if "{" not in first_segment and first_segment != second_segment:
                return False
    literals = first.literals | second.literals
    alphabet = set(literals) | set(_HEX) | {"/", "\n", ".", "-"}
    alphabet.add(next(c for c in ("~", "!", "\x00", "\x01") if c not in literals))
    start = (second.closure([0]), first.closure([0]))
    seen = {start}
    pending = [start]
    while pending:
        mine, theirs = pending.pop()
        if second.accept in mine and first.accept not in theirs:
            return False
        for char in alphabet:
            next_mine = second.step(mine, char)
            if not next_mine:
                continue
            pair = (next_mine, first.step(theirs, char))
            if pair not in seen:
                seen.add(pair)
                pending.append(pair)
    return True


# --- the project's route table -------------------------------------------------------------

ROUTE_CLASSES = frozenset(
    {
        "starlette.routing.BaseRoute",
        "starlette.routing.Route",
        "starlette.routing.WebSocketRoute",
        "fastapi.routing.APIRoute",
        "fastapi.routing.APIWebSocketRoute",
    }
)


@dataclass(frozen=True)
class RouteRef:
    module: str
    path: str  # file path of the module
    fact: RouteFact


@dataclass(frozen=True)
class Shadowing:
    """`route` is never reached for `methods`: `by` comes first and matches all its paths."""

    route: RouteRef
    by: RouteRef
    methods: tuple[str, ...]
    full_path: str  # the path in the router both meet in (with its prefix when known)
    by_full_path: str
    same_router: bool


@dataclass
class _Entry:
    ref: RouteRef
    path: Optional[str]  # relative to the owner whose list it is in
    chain: tuple[str, ...]  # routers between that owner and the route's own router
    reliable: bool  # certainly registered, and present when its router was included


# Attributes of a `RouteTable` that `_build` sets.
_BUILT = frozenset(
    {
        "modules",
        "owner_facts",
        "reassigned",
        "routes",
        "includes",
        "included",
        "unknown_includes",
        "edited",
    }
)


class RouteTable:
    """Apps, routers, routes and includes of a whole project."""

    def __init__(self, index: ProjectIndex, replaced: Optional[ModuleFacts] = None) -> None:
        self.index = index
        self._replacement = replaced  # a fix round's text: not the index's answer
        self._owner_cache: dict[str, Optional[str]] = {}
        self._reordered: Optional[set[str]] = None  # None: anything may be reordered
        self._reorder_known = False
        self._shadowings: Optional[dict[str, list[Shadowing]]] = None

    def __getattr__(self, name: str) -> Any:
        """The tables `_build` makes, made on first use: the shadowings of a cached run and
        `is_responder` need none, and making them reads every module's facts."""
        if name in _BUILT and "owner_facts" not in self.__dict__:
            self._build()
            return getattr(self, name)
        raise AttributeError(name)

    # building ---------------------------------------------------------------------------

    def canonical(self, key: Optional[str]) -> Optional[str]:
        if key is None:
            return None
        return key if LOCAL_MARKER in key else self.index.resolve(key)

    def _build(self) -> None:
        self.modules: dict[str, ModuleFacts] = {m.name: m for m in self.index.all_modules()}
        if self._replacement is not None:
            self.modules[self._replacement.name] = self._replacement
        self.owner_facts: dict[str, tuple[ModuleFacts, OwnerFact]] = {}
        self.reassigned: set[str] = set()
        self.routes: dict[str, list[RouteRef]] = {}
        self.includes: dict[str, list[tuple[ModuleFacts, IncludeFact]]] = {}
        self.included: dict[str, int] = {}  # how many include calls name a router
        self.unknown_includes: set[Optional[str]] = set()  # receivers of unknown includes
        self.edited: set[Optional[str]] = set()
        for module in self.modules.values():
            routing = getattr(module, "routing", None)
            if routing is None:
                continue
            for key, owner in routing.owners.items():
                self.owner_facts[key] = (module, owner)
            self.reassigned.update(routing.reassigned)
            for route in routing.routes:
                owner_key = self.canonical(route.owner)
                assert owner_key is not None
                self.routes.setdefault(owner_key, []).append(
                    RouteRef(module.name, module.path, route)
                )
            for include in routing.includes:
                receiver = self.canonical(include.owner)
                child = self.canonical(include.child)
                for name in (child, *map(self.canonical, include.candidates)):
                    if name is not None:
                        self.included[name] = self.included.get(name, 0) + 1
                if child is None and not include.candidates:
                    self.unknown_includes.add(receiver)
                self.includes.setdefault(receiver or "?", []).append((module, include))
            self.edited.update(self.canonical(k) for k in routing.route_edits)

    def router_class(self, key: str) -> Optional[str]:
        """The app/router class an owner key was created from, if it is one we understand."""
        if key in self._owner_cache:
            return self._owner_cache[key]
        found: Optional[str] = None
        if key not in self.reassigned:
            cls: Optional[str] = None
            if LOCAL_MARKER in key:
                fact = self.owner_facts.get(key)
                cls = self.index.resolve(fact[1].callee) if fact and fact[1].callee else None
            else:
                cls = self.index.object_class(key)
            if (
                cls is not None
                and self.index.is_subclass(cls, APP_OR_ROUTER_CLASSES)
                and not self._overrides(cls, _REGISTRATION_METHODS)
            ):
                found = cls
        self._owner_cache[key] = found
        return found

    def _overrides(self, cls: str, methods: frozenset[str]) -> bool:
        """Whether a project class between `cls` and FastAPI's redefines one of `methods`."""
        pending, seen = [cls], set()
        while pending:
            current = pending.pop()
            if current in seen or current in APP_OR_ROUTER_CLASSES:
                continue
            seen.add(current)
            module, _, name = current.rpartition(".")
            facts = self.index.find_module(module)
            if facts is None:
                continue
            routing = facts.routing
            passthrough = routing.passthrough if routing is not None else set()
            if any(
                f"{name}.{m}" in facts.functions and f"{name}.{m}" not in passthrough
                for m in methods
            ):
                return True
            pending.extend(self.index.class_bases(current) or [])
        return False

    def prefix(self, key: str) -> Optional[str]:
        """An owner's own `prefix=`: "" when none, None when unknown."""
        fact = self.owner_facts.get(key)
        cls = self.router_class(key)
        if cls is None or self._overrides(cls, frozenset({"__init__"})):
            return None
        if fact is None:
            return None
        return fact[1].prefix

    def _defining_module(self, key: str) -> Optional[str]:
        fact = self.owner_facts.get(key)
        return fact[0].name if fact is not None else None

    def _is_edited(self, key: str) -> bool:
        """Whether code may reorder or edit the routes `key`'s routes end up in.

        `app.router.routes = sorted(...)` reorders the routes of every router included in
        `app` too, so the edit covers the whole tree below an edited owner; an edited tree
        that includes routers the table cannot resolve could hold any router.
        """
        if not self._reorder_known:
            self._reorder_known = True
            self._reordered = set()
            for edited in self.edited:
                if edited is None or not self._collect_tree(edited, self._reordered):
                    self._reordered = None
                    break
        return self._reordered is None or key in self._reordered

    def _collect_tree(self, key: str, into: set[str]) -> bool:
        """Add `key` and every router included below it; False if an include is unknown."""
        if key in into:
            return True
        into.add(key)
        for _, include in self.includes.get(key, []):
            if include.child is None and not include.candidates:
                return False
            for child in {
                self.canonical(include.child),
                *map(self.canonical, include.candidates),
            }:
                if child is not None and not self._collect_tree(child, into):
                    return False
        return True

    # lookups ----------------------------------------------------------------------------

    def may_add_dependencies(self, key: str) -> bool:
        """Whether an app or router, or anything it is included into, may add dependencies.

        Unknown counts as yes: an owner we did not see created, a parameter, an include the
        table cannot resolve that passes `dependencies=`. The owners that certainly add none
        are kept with the project's other derived values: a cached run asks without building
        the table (which reads every module's facts).
        """
        if self._replacement is not None:
            return self._adds_dependencies(key, set())
        quiet = self.index.derived("route-owners-without-dependencies", self._quiet_owners)
        return key not in quiet

    def _quiet_owners(self) -> frozenset[str]:
        return frozenset(key for key in self.owner_facts if not self._adds_dependencies(key, set()))

    def _adds_dependencies(self, key: str, seen: set[str]) -> bool:
        if key in seen:
            return False
        seen.add(key)
        fact = self.owner_facts.get(key)
        if fact is None or fact[1].has_dependencies or key in self.reassigned:
            return True
        for receiver, includes in self.includes.items():
            for _, include in includes:
                targets = {
                    self.canonical(include.child),
                    *map(self.canonical, include.candidates),
                }
                wild = include.child is None and not include.candidates
                if not (key in targets or (wild and include.has_dependencies)):
                    continue
                if include.has_dependencies:
                    return True
                if receiver == "?" or self._adds_dependencies(receiver, seen):
                    return True
        return False

    def is_responder(self, qualified: str, seen: Optional[set[str]] = None) -> bool:
        """Whether calling `qualified` certainly gives a Response object, sent as is.

        A class named `...Response`, a function annotated to return one, or a project
        function whose every `return` calls such things.
        """
        qualified = self.index.resolve(qualified)
        if qualified.rpartition(".")[2].endswith("Response"):
            return True
        seen = seen if seen is not None else set()
        if qualified in seen:
            return False
        seen.add(qualified)
        parts = qualified.split(".")
        for cut in range(len(parts) - 1, 0, -1):
            module = self.index.find_module(".".join(parts[:cut]))
            if module is None:
                continue
            rest = ".".join(parts[cut:])
            routing = module.routing
            if routing is None:
                return False
            if rest in routing.responders:
                return True
            callees = routing.return_calls.get(rest, ())
            return bool(callees) and all(self.is_responder(c, seen) for c in callees)
        return False

    def owners(self) -> list[str]:
        """Keys of every app and router that has routes or includes."""
        keys = {*self.routes, *self.includes} - {"?"}
        return sorted(k for k in keys if self.router_class(k) is not None)

    def routes_of(self, key: str) -> list[RouteRef]:
        """Routes registered directly on an app or router, in registration order per module."""
        return sorted(self.routes.get(key, []), key=lambda r: (r.module, r.fact.order))

    def includes_of(self, key: str) -> list[IncludeFact]:
        return sorted((i for _, i in self.includes.get(key, [])), key=lambda i: i.order)

    def shadowed_in(self, module: str) -> list[Shadowing]:
        """The unreachable routes registered in one module."""
        if self._shadowings is None:
            if self._replacement is not None:
                self._shadowings = self._compute()
            else:
                self._shadowings = self.index.derived("route-shadowing", self._compute)
        return self._shadowings.get(module, [])

    # shadowing --------------------------------------------------------------------------

    def _events(
        self, key: str
    ) -> dict[tuple[str, str], list[Union[RouteRef, tuple[ModuleFacts, IncludeFact]]]]:
        """An owner's registrations grouped by sequence (module, scope), each in order."""
        sequences: dict[
            tuple[str, str], list[Union[RouteRef, tuple[ModuleFacts, IncludeFact]]]
        ] = {}
        for ref in self.routes.get(key, []):
            sequences.setdefault((ref.module, ref.fact.scope), []).append(ref)
        for module, include in self.includes.get(key, []):
            sequences.setdefault((module.name, include.scope), []).append((module, include))
        for events in sequences.values():
            events.sort(key=lambda e: e.fact.order if isinstance(e, RouteRef) else e[1].order)
        return sequences

    def _flatten(
        self,
        key: str,
        sequence: tuple[str, str],
        events: list[Union[RouteRef, tuple[ModuleFacts, IncludeFact]]],
        chain: tuple[str, ...],
        reliable: bool,
        at: Optional[tuple[str, str, int]],
        visiting: frozenset[str],
    ) -> Iterator[_Entry]:
        """Entries of one registration sequence, with included routers expanded in place.

        `at` is where the enclosing include happened (module, scope, order): a route counts
        as present only if it was certainly registered before then.
        """
        for event in events:
            if isinstance(event, RouteRef):
                fact = event.fact
                # Registered before the include ran: earlier in the same sequence, or at
                # import time of another module (which the including code had to import).
                present = (
                    at is None
                    or (event.module == at[0] and fact.scope == at[1] and fact.order < at[2])
                    or (event.module != at[0] and fact.scope == "")
                )
                yield _Entry(event, fact.path, chain, reliable and fact.certain and present)
                continue
            module, include = event
            child = self.canonical(include.child)
            if (
                child is None
                or child in visiting
                or self.router_class(child) is None
                or self._is_edited(child)
            ):
                continue
            child_prefix = self.prefix(child)
            child_sequence = (self._defining_module(child) or "", "")
            if LOCAL_MARKER in child:
                child_sequence = sequence
            child_events = self._events(child).get(child_sequence, [])
            for entry in self._flatten(
                child,
                child_sequence,
                child_events,
                (*chain, child),
                reliable and include.certain,
                (module.name, include.scope, include.order),
                visiting | {key},
            ):
                path = None
                if (
                    entry.path is not None
                    and include.prefix is not None
                    and child_prefix is not None
                ):
                    path = include.prefix + child_prefix + entry.path
                yield _Entry(entry.ref, path, entry.chain, entry.reliable)

    def _open(self, key: str, seen: Optional[set[str]] = None) -> bool:
        """Whether routers the table cannot see may be included into this owner's tree."""
        seen = seen if seen is not None else set()
        if key in seen:
            return False
        seen.add(key)
        if None in self.unknown_includes or key in self.unknown_includes:
            return True
        if self._is_edited(key):
            return True
        for _, include in self.includes.get(key, []):
            child = self.canonical(include.child)
            if child is not None and self._open(child, seen):
                return True
        return False

    def _custom_matching(self) -> bool:
        """Whether the project has route classes of its own that redefine `matches`."""
        for module in self.modules.values():
            for name in module.routing.matchers if module.routing is not None else ():
                qualified = f"{module.name}.{name}" if module.name else name
                if self.index.is_subclass(qualified, ROUTE_CLASSES):
                    return True
        return False

    def _compute(self) -> dict[str, list[Shadowing]]:
        found: dict[RouteFact, Shadowing] = {}
        if self._custom_matching():
            return {}
        for key in self.owners():
            if self._is_edited(key):
                continue
            for sequence, events in sorted(self._events(key).items()):
                entries = list(self._flatten(key, sequence, events, (), True, None, frozenset()))
                if not entries:
                    continue
                is_open = any(entry.chain for entry in entries) and self._open(key)
                # Shown with the owner's own prefix when it is known (it is the same for both).
                self._compare(entries, is_open, found, self.prefix(key) or "")
        result: dict[str, list[Shadowing]] = {}
        for shadowing in found.values():
            result.setdefault(shadowing.route.module, []).append(shadowing)
        for items in result.values():
            items.sort(key=lambda s: s.route.fact.order)
        return result

    def _compare(
        self,
        entries: list[_Entry],
        is_open: bool,
        found: dict[RouteFact, Shadowing],
        shown_prefix: str,
    ) -> None:
        patterns: dict[str, Optional[PathPattern]] = {}

        def pattern(path: str) -> Optional[PathPattern]:
            if path not in patterns:
                patterns[path] = compile_pattern(path)
            return patterns[path]

        first_copy: dict[RouteFact, int] = {}
        # Earlier routes that may cover a path of n segments: those of n segments, and those
        # with a `{x:path}` parameter (key None); positions ascending, so the first found is
        # the earliest.
        by_segments: dict[Optional[int], list[int]] = {}
        for position, entry in enumerate(entries):
            first_copy.setdefault(entry.ref.fact, position)
            if entry.path is not None:
                segments = path_segments(entry.path)
                key = len(segments) if segments is not None else None
                by_segments.setdefault(key, []).append(position)
        for position, entry in enumerate(entries):
            fact = entry.ref.fact
            if fact in found or first_copy[fact] != position or not entry.reliable:
                continue
            if self._is_edited(self.canonical(fact.owner) or ""):
                continue
            if entry.path is None or fact.methods is None:
                continue
            if entry.chain and (
                is_open
                or any(self.included.get(k, 0) != 1 or self._is_edited(k) for k in entry.chain)
            ):
                continue
            mine = pattern(entry.path)
            if mine is None:
                continue
            # A route of fixed segments never covers one with a `{x:path}` parameter.
            keys = (None,) if mine.segments is None else (len(mine.segments), None)
            candidates = sorted(p for key in keys for p in by_segments.get(key, ()) if p < position)
            for earlier in (entries[p] for p in candidates):
                if not earlier.reliable or earlier.path is None or earlier.ref.fact.methods is None:
                    continue
                if earlier.ref.fact == fact:
                    continue
                methods = tuple(m for m in fact.methods if m in earlier.ref.fact.methods)
                if not methods:
                    continue
                theirs = pattern(earlier.path)
                if theirs is None or not covers(theirs, mine):
                    continue
                found[fact] = Shadowing(
                    route=entry.ref,
                    by=earlier.ref,
                    methods=methods,
                    full_path=shown_prefix + entry.path,
                    by_full_path=shown_prefix + earlier.path,
                    same_router=not entry.chain and not earlier.chain,
                )
                break


def route_table(index: ProjectIndex) -> RouteTable:
    """The project's route table, built once per index (and depending on every module)."""
    index.depends_on_everything()
    table = getattr(index, "_route_table", None)
    if table is None:
        table = RouteTable(index)
        index._route_table = table  # type: ignore[attr-defined]
    return table
