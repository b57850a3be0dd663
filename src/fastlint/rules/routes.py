"""Route contracts: what a route returns, whether it can be reached, and its path parameters."""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Optional

import libcst as cst

from fastlint.engine.findings import Applicability, Severity
from fastlint.engine.positions import Positions
from fastlint.engine.project import ModuleFacts, ProjectIndex, extract_facts
from fastlint.engine.routing import (
    ROUTE_DECORATORS,
    WEBSOCKET_DECORATOR,
    RouteTable,
    Shadowing,
    compile_pattern,
    covers,
    path_parameters,
    route_table,
)
from fastlint.engine.rule import Example, PendingFix, Rule, TextEdit
from fastlint.engine.source import COMMENT, display_path, word_first
from fastlint.engine.thinning import Definition
from fastlint.engine.walk import iter_children

ROUTE_TRIGGERS = (
    "get",
    "post",
    "put",
    "patch",
    "delete",
    "head",
    "options",
    "trace",
    "api_route",
    "websocket",
    "add_api",
)
# --- screens: which files can hold a route registration, without parsing them ------------

_ROUTE_METHODS = "|".join([*ROUTE_DECORATORS, WEBSOCKET_DECORATOR])
# A decorator line whose own text has `.get` (or another route method) after the `@`.
_ROUTE_DECORATOR_LINE = re.compile(rf"^[ \t\f]*@[^\n]*\.[ \t]*(?:{_ROUTE_METHODS})\b", re.M)
_DECORATOR_LINE = re.compile(r"^[ \t\f]*@([^\n]*)", re.M)
# `.get` with whitespace, line continuations or comments between the dot and the name.
# A comment ends at its line end: `#[^\n]*` alone would let `# ## ###` match in exponentially
# many ways (a banner comment after a sentence's full stop took minutes).
_ROUTE_ATTRIBUTE = re.compile(rf"\.(?:\s|\\|#[^\n]*\n)*(?:{_ROUTE_METHODS})\b")
_SIMPLE_STRING = re.compile(
    r"""[rRbBfFuU]*(?:"[^"\\\n]*(?:\\.[^"\\\n]*)*"|'[^'\\\n]*(?:\\.[^'\\\n]*)*')"""
)
_ROUTE_CALL_NAMES = ("add_api_route", "add_api_websocket_route")


def _continues(decorator: str) -> bool:
    """Whether a decorator may go on past its first line (open brackets, `\\`, long strings)."""
    code = _SIMPLE_STRING.sub("", decorator).partition("#")[0].rstrip()
    if "'" in code or '"' in code or code.endswith("\\"):
        return True
    opened = sum(code.count(c) for c in "([{")
    return opened != sum(code.count(c) for c in ")]}")


@functools.lru_cache(maxsize=4)  # three route rules screen the same text in turn
def may_register_routes(text: str) -> bool:
    """Whether the text may hold `@<expr>.get(...)`-style decorators or `add_api_route` calls.

    Conservative: a decorator written over several lines counts when a route method name
    follows a dot anywhere in the file.
    """
    if any(name in text for name in _ROUTE_CALL_NAMES):
        return True
    if "@" not in text:
        return False
    if "\r" in text:  # `^` in the patterns knows only `\n` line ends
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if _ROUTE_DECORATOR_LINE.search(text):
        return True
    if not _ROUTE_ATTRIBUTE.search(text):
        return False
    return any(_continues(m.group(1)) for m in _DECORATOR_LINE.finditer(text))


# A `{name}` placeholder, also with `{` or the name's first letter written as an escape.
_PLACEHOLDER = re.compile(
    r"(?:\{|\\x7b|\\u007b|\\U0000007b|\\173|\\N\{LEFT CURLY BRACKET\})[A-Za-z_\\]", re.I
)


# Library functions that return a Response (FastAPI's documentation pages).
_LIBRARY_RESPONDERS = frozenset(
    f"fastapi.openapi.docs.{name}"
    for name in ("get_swagger_ui_html", "get_redoc_html", "get_swagger_ui_oauth2_redirect_html")
)
# Status codes whose responses have no body, so nothing is serialised.
_BODYLESS_STATUS = frozenset({204, 304})


@dataclass
class _Route:
    """A route registration found in the CST."""

    call: cst.Call  # the decorator call or the `add_api_route` call
    method: str  # "get", ..., "api_route", "websocket", "add_api_route", ...
    function: Optional[cst.FunctionDef]  # the endpoint, when it is defined here
    in_class: bool


def _keyword(call: cst.Call, name: str) -> Optional[cst.Arg]:
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == name:
            return arg
    return None


def _has_star_args(call: cst.Call) -> bool:
    return any(arg.star for arg in call.args)


def _path_argument(call: cst.Call) -> Optional[str]:
    arg = _keyword(call, "path")
    if arg is None and call.args and call.args[0].keyword is None and not call.args[0].star:
        arg = call.args[0]
    if arg is not None and isinstance(arg.value, cst.SimpleString):
        value = arg.value.evaluated_value
        return value if isinstance(value, str) else None
    return None


def _endpoint_argument(call: cst.Call) -> Optional[cst.BaseExpression]:
    arg = _keyword(call, "endpoint")
    if arg is None:
        positional = [a for a in call.args if a.keyword is None]
        if len(positional) >= 2 and not positional[0].star and not positional[1].star:
            arg = positional[1]
    return arg.value if arg is not None else None


class _RouteCollector(Rule):
    """Shared plumbing: find route registrations on apps and routers."""

    @classmethod
    def could_fire_in(cls, definition: Definition) -> bool:
        """Findings sit on registrations; the endpoint of an `add_api_route` call elsewhere
        is kept because the call names it."""
        return may_register_routes(definition.text)

    @classmethod
    def reads_body(cls, definition: Definition) -> bool:
        """For the registrations in it; the route a function's decorators register is read
        from its decorators and signature."""
        return may_register_routes(definition.body)

    @classmethod
    def reads_named_body(cls, definition: Definition) -> bool:
        """The endpoint `add_api_route(path, endpoint)` names is a route: what it returns, the
        path parameters its body reads."""
        return any(name in definition.file_text for name in _ROUTE_CALL_NAMES)

    def begin_file(self) -> None:
        self.functions: dict[str, cst.FunctionDef] = {}
        module = self.context.module
        if module is not None:
            for statement in module.body:
                if isinstance(statement, cst.FunctionDef):
                    self.functions[statement.name.value] = statement

    def routes_of(self, node: cst.FunctionDef) -> Iterator[_Route]:
        in_class = self.context.current_class is not None
        for decorator in node.decorators:
            call = decorator.decorator
            if not (isinstance(call, cst.Call) and isinstance(call.func, cst.Attribute)):
                continue
            method = call.func.attr.value
            if method not in ROUTE_DECORATORS and method != WEBSOCKET_DECORATOR:
                continue
            if self.context.is_app_or_router(call.func.value):
                yield _Route(call, method, node, in_class)

    def route_call(self, node: cst.Call) -> Optional[_Route]:
        func = node.func
        if not isinstance(func, cst.Attribute):
            return None
        method = func.attr.value
        if method not in ("add_api_route", "add_api_websocket_route"):
            return None
        if not self.context.is_app_or_router(func.value):
            return None
        endpoint = _endpoint_argument(node)
        function = None
        if isinstance(endpoint, cst.Name):
            function = self.functions.get(endpoint.value)
            binding = self.context.lookup(endpoint.value)
            # Only a module-level def that the name still refers to here.
            if binding is None or binding[1].parent is not None:
                function = None
        return _Route(node, method, function, False)


def _describe(route: _Route) -> str:
    path = _path_argument(route.call)
    shown = f" `{path}`" if path is not None else ""
    if route.method in ROUTE_DECORATORS and route.method != "api_route":
        return f"`{route.method.upper()}`{shown} route"
    return f"route{shown}"


# --- FL201 ---------------------------------------------------------------------------------


_RESPONSE_MODEL_KEYWORD = re.compile(word_first("response_") + r"(?:model|class)\s*=")
_DEF_KEYWORD = re.compile(r"\b(?:async\s+)?def\b")


def _declares_response_model(header: str) -> bool:
    """Whether a function's decorators and signature (text) declare what its routes return:
    a return annotation, or `response_model=`/`response_class=` given to its only decorator.

    Conservative: no when strings or line continuations make the text hard to read.
    """
    if '"""' in header or "'''" in header or "\\\n" in header or "\\\r" in header:
        return False
    code = COMMENT.sub("", _SIMPLE_STRING.sub('""', header))
    if re.search(r"\)\s*->", code):
        return True
    signature = _DEF_KEYWORD.search(code)
    decorators = code[: signature.start()] if signature is not None else ""
    if decorators.count("@") != 1:
        return False
    # A keyword of the decorator's call itself, not of a call nested in its arguments.
    return any(
        _depth(decorators[: match.start()]) == 1
        for match in _RESPONSE_MODEL_KEYWORD.finditer(decorators)
    )


def _depth(code: str) -> int:
    return sum(code.count(c) for c in "([{") - sum(code.count(c) for c in ")]}")


def _is_bodyless_status(value: cst.BaseExpression) -> bool:
    if isinstance(value, cst.Integer):
        return int(value.value, 0) in _BODYLESS_STATUS
    name = value.attr.value if isinstance(value, cst.Attribute) else None
    if isinstance(value, cst.Name):
        name = value.value
    if name in ("NO_CONTENT", "NOT_MODIFIED"):  # http.HTTPStatus
        return True
    return name is not None and any(name.startswith(f"HTTP_{code}_") for code in _BODYLESS_STATUS)


def _returns(body: cst.CSTNode) -> Iterator[cst.Return]:
    """Return statements of a function body, not of the functions and classes nested in it."""
    pending: list[cst.CSTNode] = [body]
    while pending:
        node = pending.pop()
        if type(node) is cst.Return:
            yield node
        pending.extend(c for c in iter_children(node) if type(c) not in _NESTED_SCOPES)


def _contains_yield(body: cst.CSTNode) -> bool:
    pending: list[cst.CSTNode] = [body]
    while pending:
        node = pending.pop()
        if type(node) is cst.Yield:
            return True
        pending.extend(c for c in iter_children(node) if type(c) not in _NESTED_SCOPES)
    return False


# Compared by type (LibCST's classes make `isinstance` slow), in the loops over whole bodies.
_NESTED_SCOPES = frozenset({cst.FunctionDef, cst.ClassDef, cst.Lambda})


def _functions_by_ordinals(module: cst.Module) -> Iterator[tuple[tuple[int, int], cst.FunctionDef]]:
    """Top-level functions and the functions in the bodies of top-level classes, keyed as
    `ModuleFacts.plain_returns` keys them: (ordinal among the top-level defs and classes,
    ordinal among the class's functions, or -1)."""
    top_level = [s for s in module.body if type(s) in (cst.FunctionDef, cst.ClassDef)]
    for ordinal, statement in enumerate(top_level):
        if type(statement) is cst.FunctionDef:
            yield (ordinal, -1), statement
        elif type(statement) is cst.ClassDef and type(statement.body) is cst.IndentedBlock:
            methods = [m for m in statement.body.body if type(m) is cst.FunctionDef]
            for method_ordinal, method in enumerate(methods):
                yield (ordinal, method_ordinal), method


def _callee_name(expr: cst.BaseExpression) -> Optional[str]:
    if isinstance(expr, cst.Await):
        expr = expr.expression
    if not isinstance(expr, cst.Call):
        return None
    func = expr.func
    if isinstance(func, cst.Name):
        return func.value
    if isinstance(func, cst.Attribute):
        return func.attr.value
    return None


class MissingResponseModel(_RouteCollector):
    code = "FL201"
    name = "missing-response-model"
    severity = Severity.WARNING
    summary = (
        "Route without `response_model` or return annotation: whatever it returns is serialised"
    )
    tags = ("routes", "security")
    triggers = ROUTE_TRIGGERS

    @classmethod
    def could_fire(cls, text: str, facts: Optional[ModuleFacts], project: ProjectIndex) -> bool:
        return may_register_routes(text)

    @classmethod
    def could_fire_in(cls, definition: Definition) -> bool:
        """A function whose own decorators and signature declare its response model, or that
        the file's facts say returns only Responses (or nothing), gives no finding for the
        routes they register: only for those its body may register."""
        if definition.body_at is not None and (
            definition.lines[0] in definition.facts.response_returns
            or _declares_response_model(definition.header)
        ):
            return may_register_routes(definition.body)
        return super().could_fire_in(definition)

    @classmethod
    def reads_body(cls, definition: Definition) -> bool:
        """Also for what a route returns, unless its response model is declared or the file's
        facts say it returns plain data (then `_check` reports it from the facts)."""
        if may_register_routes(definition.body):
            return True
        returns_plain = definition.lines[0] in definition.facts.plain_returns
        return not (returns_plain or _declares_response_model(definition.header))

    docs = """\
## What it does
Finds routes that declare neither a `response_model=` (any value, `None` included), nor a return
annotation, nor a `response_class=`, and that return a value.

Not reported: routes with status 204 or 304 (no body), routes annotated `-> None` (or with any
return annotation), websocket routes, routes that return nothing, and routes whose every
`return` builds a `Response` object (`JSONResponse(...)`, `RedirectResponse(...)`...), which
FastAPI sends as is. Generators (streaming endpoints) are not reported either.

## Why is this bad?
Without a response model FastAPI serialises whatever the function returns. Return an ORM
object or a dict built from one and every field goes out, `hashed_password` included. A
response model (or a return annotation, which FastAPI turns into one) filters the output to
the declared fields, validates it, and documents it in the OpenAPI schema.

## Example
```python
@app.get("/users/{user_id}")
async def read_user(user_id: int):
    return await db.get_user(user_id)
```

## Use instead
```python
@app.get("/users/{user_id}")
async def read_user(user_id: int) -> UserPublic:
    return await db.get_user(user_id)
```

## Fix safety
No automatic fix: the right model is a design decision.

## References
- [FastAPI: Response Model - Return Type](https://fastapi.tiangolo.com/tutorial/response-model/)
- [FastAPI: Return a Response Directly](https://fastapi.tiangolo.com/advanced/response-directly/)
"""
    valid = (
        """\
from fastapi import FastAPI

app = FastAPI()

@app.get("/users/{user_id}")
async def read_user(user_id: int) -> dict[str, int]:
    return {"id": user_id}

@app.get("/items", response_model=None)
async def items():
    return []

@app.delete("/items/{item_id}", status_code=204)
async def delete_item(item_id: int):
    return None

@app.websocket("/ws")
async def ws(websocket):
    return 1
""",
        """\
from fastapi import APIRouter, status
from fastapi.responses import HTMLResponse, JSONResponse

router = APIRouter()

@router.post("/ping", status_code=status.HTTP_204_NO_CONTENT)
def ping():
    return "ignored"

@router.get("/page", response_class=HTMLResponse)
def page():
    return "<p>hi</p>"

@router.get("/raw")
def raw():
    if router:
        return JSONResponse({"a": 1})
    return JSONResponse({"a": 2}, status_code=404)

@router.get("/nothing")
def nothing():
    print("side effect")
""",
        """\
class Client:
    def get(self, path): ...

client = Client()

@client.get("/users")
def users():
    return [1]
""",
    )
    invalid = (
        """\
from fastapi import FastAPI

app = FastAPI()

@app.get("/users/{user_id}")
async def read_user(user_id: int):
    return {"id": user_id, "password": "secret"}
""",
        Example(
            code="""\
from app.routers import router

@router.api_route("/items", methods=["GET", "POST"])
def items():
    return [{"id": 1}]
""",
            files={
                "app/__init__.py": "",
                "app/routers.py": (
                    "from fastapi import APIRouter\n\nrouter = APIRouter(prefix='/v1')\n"
                ),
            },
        ),
        """\
from fastapi import FastAPI

app = FastAPI()

def users():
    return ["alice"]

app.add_api_route("/users", users)
""",
    )

    def begin_file(self) -> None:
        super().begin_file()
        # The functions the file's own facts say return plain data, by node identity: their
        # bodies may have been left out (`reads_body`).
        self._returns_plain: set[int] = set()
        facts, module = self.context.facts, self.context.module
        if facts is not None and facts.plain_returns and module is not None:
            keys = set(facts.plain_returns.values())
            self._returns_plain = {
                id(function) for key, function in _functions_by_ordinals(module) if key in keys
            }

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        for route in self.routes_of(node):
            self._check(route)

    def visit_Call(self, node: cst.Call) -> None:
        route = self.route_call(node)
        if route is not None:
            self._check(route)

    def _check(self, route: _Route) -> None:
        call, function = route.call, route.function
        if function is None or route.method in (WEBSOCKET_DECORATOR, "add_api_websocket_route"):
            return
        if _has_star_args(call) or function.returns is not None:
            return
        if _keyword(call, "response_model") or _keyword(call, "response_class"):
            return
        status = _keyword(call, "status_code")
        if status is not None and _is_bodyless_status(status.value):
            return
        if id(function) not in self._returns_plain and not self._serialises(function):
            return
        self.report(
            call,
            f"{_describe(route)} `{function.name.value}` has no `response_model` and no return "
            "annotation, so whatever it returns is serialised unfiltered and undocumented; "
            "annotate the return type or pass `response_model=`",
        )

    def _serialises(self, function: cst.FunctionDef) -> bool:
        """Whether the body returns something FastAPI serialises."""
        if _contains_yield(function.body):
            return False
        values = [r.value for r in _returns(function.body) if r.value is not None]
        values = [v for v in values if not (isinstance(v, cst.Name) and v.value == "None")]
        if not values:
            return False  # returns nothing: the body is `null`, nothing leaks
        # A Response is sent as is, not serialised.
        return not all(self._gives_response(v) for v in values)

    def _gives_response(self, value: cst.BaseExpression, depth: int = 0) -> bool:
        if (_callee_name(value) or "").endswith("Response"):
            return True
        if isinstance(value, cst.Await):
            value = value.expression
        if not isinstance(value, cst.Call) or depth > 8:
            return False
        if isinstance(value.func, cst.Name):
            helper = self._local_helper(value.func.value)
            if helper is not None:
                return self._builds_response(helper, depth + 1)
        table = route_table(self.context.project)
        func = value.func
        if isinstance(func, cst.Attribute):
            # `manager.handle_login(...)` on an object whose class the project defines
            cls = self.context.instance_class(func.value)
            if cls is not None and table.is_responder(f"{cls}.{func.attr.value}"):
                return True
        qualified = self.context.qualified_name(func)
        if qualified in _LIBRARY_RESPONDERS:
            return True
        return qualified is not None and table.is_responder(qualified)

    def _local_helper(self, name: str) -> Optional[cst.FunctionDef]:
        """A function defined in an enclosing function (`def create_app(): def helper(): ...`)."""
        found = self.context.lookup(name)
        if found is None or found[0].kind != "def":
            return None
        node = found[1].node
        if not isinstance(node, cst.FunctionDef) or not isinstance(node.body, cst.IndentedBlock):
            return None
        defs = [
            s for s in node.body.body if isinstance(s, cst.FunctionDef) and s.name.value == name
        ]
        return defs[0] if len(defs) == 1 else None

    def _builds_response(self, function: cst.FunctionDef, depth: int) -> bool:
        if function.returns is not None:
            annotation = function.returns.annotation
            name = annotation.attr.value if isinstance(annotation, cst.Attribute) else None
            if isinstance(annotation, cst.Name):
                name = annotation.value
            elif isinstance(annotation, cst.SimpleString):  # `-> "StreamingResponse"`
                evaluated = annotation.evaluated_value
                name = evaluated.strip() if isinstance(evaluated, str) else None
            return name is not None and name.endswith("Response")
        if _contains_yield(function.body):
            return False
        values = [r.value for r in _returns(function.body)]
        return bool(values) and all(
            v is not None and self._gives_response(v, depth) for v in values
        )


# --- FL202 ---------------------------------------------------------------------------------


def _comment_or_blank(line: str) -> bool:
    stripped = line.strip()
    return not stripped or stripped.startswith("#")


class RouteShadowing(_RouteCollector):
    code = "FL202"
    name = "route-shadowing"
    severity = Severity.ERROR
    summary = (
        "Route never reached: an earlier route of the same app or router matches all its paths"
    )
    tags = ("routes", "correctness")
    fix = Applicability.UNSAFE
    triggers = ROUTE_TRIGGERS

    @classmethod
    def prepare(cls, project: ProjectIndex) -> None:
        """The project's shadowed routes, found once (in each worker, it took open-webui
        0.12 s)."""
        route_table(project).shadowed_in("")

    @classmethod
    def could_fire(cls, text: str, facts: Optional[ModuleFacts], project: ProjectIndex) -> bool:
        if not may_register_routes(text):
            return False
        if facts is None or facts.routing is None:
            return True  # `begin_file` finds no facts either, but stay on the safe side
        if not facts.describes(text.encode("utf-8")):
            return True  # the text changed since indexing (a fix round): `begin_file` re-indexes
        if not facts.routing.routes:
            return False  # only routes registered in this module are reported
        # The route table depends on every module, and so does this answer (tracked).
        return bool(route_table(project).shadowed_in(facts.name))

    @classmethod
    def reads_body(cls, definition: Definition) -> bool:
        """The fix moves whole functions."""
        return True

    docs = """\
## What it does
Finds routes that can never be reached for a method because a route registered earlier on the
same app or router (directly, or through `include_router`) accepts that method and matches every
path the later route matches. Paths are compared after `APIRouter(prefix=)` and
`include_router(prefix=)`, exactly as Starlette matches them: `{x}` is one path segment,
`{x:path}` the rest of the path, `{x:int}` digits, `{x:float}` digits with an optional
fraction, `{x:uuid}` a lowercase UUID. Exact duplicates count. FastAPI does not add HEAD to GET
routes, so a later HEAD route is reachable.

The rule only reports what it can prove: dynamic paths or prefixes, conditional or looped
registration, routers whose place in an app is not fully known, router subclasses that override
registration and code that edits `.routes` all mean no finding. A `{x:path}` parameter matches
anything but a newline while `{x}` matches a newline too (`%0A`), so a `{x:path}` route does
not shadow a later `{x}` route.

## Why is this bad?
Starlette tries routes in registration order and the first full match wins. With
`/books/{book_id}` registered before `/books/featured`, a request for `/books/featured` runs
the first route with `book_id="featured"` (and fails validation if `book_id: int`); the second
route is dead code that still shows up in the OpenAPI schema.

## Example
```python
@router.get("/books/{book_id}")
async def read_book(book_id: int) -> Book: ...

@router.get("/books/featured")
async def featured_books() -> list[Book]: ...
```

## Use instead
```python
@router.get("/books/featured")
async def featured_books() -> list[Book]: ...

@router.get("/books/{book_id}")
async def read_book(book_id: int) -> Book: ...
```

## Fix safety
The fix moves the unreachable route's function (with its decorators and the comments right
above it) above the route that shadows it, when both are module-level functions of the same
file registered on the same router, the move makes no other route unreachable, and nothing
defined in between is needed by the moved function's decorators or signature. It is unsafe:
requests that used to reach the earlier route now reach the moved one, which is the point but
changes behaviour.

## References
- [FastAPI: Path Parameters - Order matters](https://fastapi.tiangolo.com/tutorial/path-params/#order-matters)
- [Starlette: Routing](https://www.starlette.io/routing/)
"""
    valid = (
        """\
from fastapi import FastAPI

app = FastAPI()

@app.get("/books/featured")
def featured(): ...

@app.get("/books/{book_id}")
def book(book_id: int): ...

@app.post("/books/{book_id}")
def update(book_id: int): ...

@app.head("/books/{book_id}")
def head(book_id: int): ...

@app.get("/files/{name:path}")
def files(name: str): ...

@app.get("/files/{name}")
def file(name: str): ...
""",
        """\
from fastapi import FastAPI

app = FastAPI()

@app.get("/items/{item_id:int}")
def item(item_id: int): ...

@app.get("/items/{name}")
def named(name: str): ...

@app.get("/items/{item_id}/")
def trailing(item_id: str): ...
""",
        """\
import os
from fastapi import FastAPI

app = FastAPI()

if os.environ.get("DEBUG"):
    @app.get("/{anything}")
    def debug(anything: str): ...

@app.get("/health")
def health(): ...
""",
    )
    invalid = (
        Example(
            code="""\
from fastapi import APIRouter

router = APIRouter(prefix="/books")


@router.get("/{book_id}")
async def read_book(book_id: int):
    return book_id


@router.get("/featured")
async def featured_books():
    return []
""",
            fixed="""\
from fastapi import APIRouter

router = APIRouter(prefix="/books")


@router.get("/featured")
async def featured_books():
    return []


@router.get("/{book_id}")
async def read_book(book_id: int):
    return book_id
""",
        ),
        Example(
            code="""\
from fastapi import FastAPI
from app import items as item_routes

app = FastAPI()
app.include_router(item_routes.router, prefix="/api")

@app.get("/api/items/{item_id:uuid}")
def by_uuid(item_id: str): ...
""",
            files={
                "app/__init__.py": "",
                "app/items.py": (
                    "from fastapi import APIRouter\n\nrouter = APIRouter(prefix='/items')\n\n"
                    "@router.get('/{item_id}')\ndef item(item_id: str): ...\n"
                ),
            },
        ),
    )

    def begin_file(self) -> None:
        super().begin_file()
        self.shadowings: dict[int, list[Shadowing]] = {}
        self.found: list[tuple[cst.Call, Optional[cst.FunctionDef]]] = []
        self.table: Optional[RouteTable] = None
        context = self.context
        facts = context.project.facts_for_path(context.source.path)
        if facts is None or facts.routing is None:
            return
        if os.path.abspath(facts.path) != os.path.abspath(context.source.path):
            return
        source = context.source
        if facts.describes(source.encode(source.text)):
            table = route_table(context.project)
        else:
            # The text changed since the project was indexed (a fix round): index it again.
            table = RouteTable(context.project, replaced=extract_facts(facts.path, source.text))
        self.table = table
        for shadowing in table.shadowed_in(context.module_name):
            self.shadowings.setdefault(shadowing.route.fact.line, []).append(shadowing)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        if not self.shadowings:
            return
        top_level = self.context.scope is not None and self.context.scope.parent is None
        for decorator in node.decorators:
            call = decorator.decorator
            if isinstance(call, cst.Call) and isinstance(call.func, cst.Attribute):
                self.found.append((call, node if top_level else None))

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if (
            self.shadowings
            and isinstance(func, cst.Attribute)
            and func.attr.value in ("add_api_route", "add_api_websocket_route")
        ):
            self.found.append((node, None))

    def end_file(self) -> None:
        if not self.shadowings or self.context.module is None:
            return
        positions = Positions(self.context.module)
        by_line: dict[int, tuple[cst.Call, Optional[cst.FunctionDef]]] = {}
        for call, function in self.found:
            by_line.setdefault(positions.range(call)[0][0], (call, function))
        for line, shadowings in sorted(self.shadowings.items()):
            if line not in by_line or len(shadowings) != 1:
                continue
            call, function = by_line[line]
            shadowing = shadowings[0]
            self.report(
                call, self._message(shadowing), fix=self._fix(shadowing, positions, by_line)
            )

    def _message(self, shadowing: Shadowing) -> str:
        by = shadowing.by
        methods = ", ".join(shadowing.methods)
        by_methods = ", ".join(by.fact.methods or ())
        where = (
            "on the same router"
            if shadowing.same_router
            else "in the app or router both are included in"
        )
        location = f"{display_path(by.path)}:{by.fact.line}"
        return (
            f"`{methods} {shadowing.full_path}` is never reached: `{by_methods} "
            f"{shadowing.by_full_path}` ({location}) is registered before it {where} and "
            "matches every path it matches; register the more specific route first"
        )

    def _fix(
        self,
        shadowing: Shadowing,
        positions: Positions,
        by_line: dict[int, tuple[cst.Call, Optional[cst.FunctionDef]]],
    ) -> Optional[PendingFix]:
        moved_entry = by_line.get(shadowing.route.fact.line)
        target_entry = by_line.get(shadowing.by.fact.line)
        if not shadowing.same_router or moved_entry is None or target_entry is None:
            return None
        if shadowing.by.module != self.context.module_name or self.table is None:
            return None
        moved, target = moved_entry[1], target_entry[1]
        if moved is None or target is None or moved is target:
            return None
        if not (shadowing.route.fact.top_level and shadowing.by.fact.top_level):
            return None
        if not self._move_is_harmless(shadowing, moved, target):
            return None
        return self._move(moved, target, positions)

    def _move_is_harmless(
        self, shadowing: Shadowing, moved: cst.FunctionDef, target: cst.FunctionDef
    ) -> bool:
        assert self.table is not None and self.context.module is not None
        route, by = shadowing.route.fact, shadowing.by.fact
        # The moved function must register exactly this one route.
        owner = self.table.canonical(route.owner) or ""
        siblings = [
            r
            for r in self.table.routes_of(owner)
            if r.module == shadowing.route.module and r.fact.scope == ""
        ]
        if sum(1 for r in siblings if r.fact.function == route.function) != 1:
            return False
        if sum(1 for d in moved.decorators if self._is_route_decorator(d)) != 1:
            return False
        if any(by.order < i.order < route.order for i in self.table.includes_of(owner)):
            return False
        mine = compile_pattern(route.path or "")
        if mine is None or route.path is None or route.methods is None:
            return False
        # Moved up, it must not shadow any route it jumps over.
        for other in siblings:
            fact = other.fact
            if not by.order <= fact.order < route.order or fact.function == route.function:
                continue
            if fact.path is None or fact.methods is None:
                return False
            theirs = compile_pattern(fact.path)
            if theirs is None:
                return False
            if set(fact.methods) & set(route.methods) and covers(mine, theirs):
                return False
        # Its decorators and signature run at definition time: they must not need anything
        # defined between the two functions.
        body = list(self.context.module.body)
        if moved not in body or target not in body:
            return False
        start, end = body.index(target), body.index(moved)
        defined: set[str] = set()
        for statement in body[start:end]:
            defined.update(_bound_names(statement))
        used = _names_in(
            [*moved.decorators, moved.params, *([moved.returns] if moved.returns else [])]
        )
        return not (defined & used)

    def _is_route_decorator(self, decorator: cst.Decorator) -> bool:
        call = decorator.decorator
        return (
            isinstance(call, cst.Call)
            and isinstance(call.func, cst.Attribute)
            and (
                call.func.attr.value in ROUTE_DECORATORS
                or call.func.attr.value == WEBSOCKET_DECORATOR
            )
        )

    def _move(
        self, moved: cst.FunctionDef, target: cst.FunctionDef, positions: Positions
    ) -> Optional[PendingFix]:
        source = self.context.source
        lines = source.lines()

        def first_line(function: cst.FunctionDef) -> int:
            node: cst.CSTNode = function.decorators[0] if function.decorators else function
            line = positions.range(node)[0][0]
            while line > 1 and lines[line - 2].strip().startswith("#"):
                line -= 1  # the comments right above belong to the function
            return line

        (end_line, end_column) = positions.range(moved)[1]
        last = end_line if end_column > 0 else end_line - 1
        moved_first, target_first = first_line(moved), first_line(target)
        blank_start = moved_first
        while blank_start > 1 and lines[blank_start - 2].strip() == "":
            blank_start -= 1
        blank_count = moved_first - blank_start
        text = "".join(lines[moved_first - 1 : last])
        if not text.endswith(("\n", "\r")):
            return None  # the last line of the file: keep it simple, no fix
        newline = "\r\n" if text.endswith("\r\n") else "\n"
        remove_start = source.offset(blank_start, 1)
        remove_end = source.offset(last + 1, 1) if last < len(lines) else len(source.text)
        insert_at = source.offset(target_first, 1)
        return self.make_fix(
            "Move this route above the route that shadows it",
            TextEdit(insert_at, insert_at, text + newline * blank_count),
            TextEdit(remove_start, remove_end, ""),
            applicability=Applicability.UNSAFE,
        )


def _bound_names(statement: cst.CSTNode) -> set[str]:
    names: set[str] = set()
    if isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
        names.add(statement.name.value)
        return names
    pending: list[cst.CSTNode] = [statement]
    while pending:
        node = pending.pop()
        if isinstance(node, (cst.AssignTarget, cst.AnnAssign, cst.AugAssign)):
            target = node.target
            names.update(n.value for n in _iter_names(target))
        elif isinstance(node, (cst.ImportAlias)):
            alias = node.asname.name if node.asname else node.name
            if isinstance(alias, cst.Name):
                names.add(alias.value)
            elif isinstance(alias, cst.Attribute):
                root: cst.BaseExpression = alias
                while isinstance(root, cst.Attribute):
                    root = root.value
                if isinstance(root, cst.Name):
                    names.add(root.value)
        elif isinstance(node, cst.NamedExpr):
            names.update(n.value for n in _iter_names(node.target))
        pending.extend(iter_children(node))
    return names


def _iter_names(node: cst.CSTNode) -> Iterator[cst.Name]:
    pending = [node]
    while pending:
        current = pending.pop()
        if isinstance(current, cst.Name):
            yield current
        pending.extend(iter_children(current))


def _names_in(nodes: Sequence[cst.CSTNode]) -> set[str]:
    return {name.value for node in nodes for name in _iter_names(node)}


# --- FL203 ---------------------------------------------------------------------------------


class PathParameterMismatch(_RouteCollector):
    code = "FL203"
    name = "path-parameter-mismatch"
    severity = Severity.WARNING
    summary = (
        "A `{param}` in a route path that no parameter of the endpoint or its dependencies declares"
    )
    tags = ("routes", "correctness")
    triggers = ROUTE_TRIGGERS

    @classmethod
    def could_fire(cls, text: str, facts: Optional[ModuleFacts], project: ProjectIndex) -> bool:
        # Only a literal path with a `{param}` placeholder can be reported.
        return _PLACEHOLDER.search(text) is not None and may_register_routes(text)

    @classmethod
    def could_fire_in(cls, definition: Definition) -> bool:
        """A registration of a literal path with a `{param}` placeholder, written here."""
        return _PLACEHOLDER.search(definition.text) is not None and super().could_fire_in(
            definition
        )

    @classmethod
    def reads_body(cls, definition: Definition) -> bool:
        """Also when the endpoint reads `request.path_params` itself."""
        return may_register_routes(definition.body) or "path_params" in definition.body

    @classmethod
    def reads_named_body(cls, definition: Definition) -> bool:
        """Also a dependency's, for the `request.path_params` it may read."""
        return "path_params" in definition.body or super().reads_named_body(definition)

    docs = """\
## What it does
Finds `{param}` placeholders in a route's path that neither the endpoint's signature nor its
dependencies declare (by name, or through `alias=`).

The rule stays silent when it cannot see every declaration: endpoints with `**kwargs`, methods
of class-based views, endpoints that read `request.path_params`, dependencies it cannot
resolve to a function of the same file (imported functions, classes, `Depends()` without an
argument), and routers or apps that add dependencies of their own (`dependencies=` on
`APIRouter`, `FastAPI` or `include_router`). Placeholders of a router's `prefix=` are not
checked.

## Why is this bad?
The path still matches, but the value is thrown away: usually a typo (`{item_id}` with a
parameter named `itemid`), or a parameter renamed in one place only. FastAPI does not complain,
and the OpenAPI schema documents a parameter the code never reads.

## Example
```python
@app.get("/items/{item_id}")
async def read_item(itemid: int) -> Item: ...
```

## Use instead
```python
@app.get("/items/{item_id}")
async def read_item(item_id: int) -> Item: ...
```

## Fix safety
No automatic fix: which name is right is for the author to say.

## References
- [FastAPI: Path Parameters](https://fastapi.tiangolo.com/tutorial/path-params/)
- [FastAPI: Dependencies](https://fastapi.tiangolo.com/tutorial/dependencies/)
"""
    valid = (
        """\
from typing import Annotated
from fastapi import Depends, FastAPI, Path

app = FastAPI()

def owner(user_id: int) -> int:
    return user_id

@app.get("/users/{user_id}/items/{item_id}/{slug}")
def read(
    owner_id: Annotated[int, Depends(owner)],
    item: int = Path(alias="item_id"),
    slug: str = "",
):
    return owner_id

@app.get("/files/{file_path:path}")
def files(file_path: str):
    return file_path
""",
        """\
from fastapi import Depends, FastAPI, Request
from app.deps import resolve

app = FastAPI()

@app.get("/a/{x}")
def a(request: Request):
    return request.path_params["x"]

@app.get("/b/{y}")
def b(**kwargs):
    return kwargs

@app.get("/c/{z}", dependencies=[Depends(resolve)])
def c():
    return 1
""",
        """\
from fastapi import APIRouter, Depends

def check(org: str): ...

router = APIRouter(dependencies=[Depends(check)])

@router.get("/orgs/{org}/members")
def members():
    return []
""",
    )
    invalid = (
        """\
from fastapi import FastAPI

app = FastAPI()

@app.get("/items/{item_id}")
async def read_item(itemid: int):
    return itemid
""",
        """\
from fastapi import APIRouter, Depends

router = APIRouter()

def current_user(token: str): ...

@router.delete("/users/{user_id}/sessions/{session_id}")
def end_session(session_id: str, user=Depends(current_user)):
    return session_id
""",
    )

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        for route in self.routes_of(node):
            self._check(route)

    def visit_Call(self, node: cst.Call) -> None:
        route = self.route_call(node)
        if route is not None:
            self._check(route)

    def _check(self, route: _Route) -> None:
        function = route.function
        if function is None or route.in_class or _has_star_args(route.call):
            return
        path = _path_argument(route.call)
        if path is None:
            return
        wanted = path_parameters(path)
        if not wanted:
            return
        if self._owner_adds_dependencies(route.call):
            return
        declared = self._declared(function, set())
        if declared is None:
            return
        extra = _keyword(route.call, "dependencies")
        if extra is not None:
            more = self._dependencies_in(extra.value, set())
            if more is None:
                return
            declared |= more
        missing = [name for name in wanted if name not in declared]
        if not missing:
            return
        names = ", ".join(f"`{{{name}}}`" for name in missing)
        self.report(
            route.call,
            f"path parameter{'s' if len(missing) > 1 else ''} {names} of {_describe(route)} "
            f"`{function.name.value}` {'are' if len(missing) > 1 else 'is'} not declared by the "
            "endpoint or its dependencies, so the value is ignored; add a parameter of that name "
            "or fix the path",
        )

    def _owner_adds_dependencies(self, call: cst.Call) -> bool:
        """Whether the app or router may add dependencies that declare path parameters."""
        func = call.func
        assert isinstance(func, cst.Attribute)
        context = self.context
        receiver = func.value
        qualified = None
        if isinstance(receiver, cst.Name):
            found = context.lookup(receiver.value)
            if found is None:
                return True
            binding, scope = found
            if binding.kind == "import" and binding.qualified is not None:
                qualified = context.project.resolve(binding.qualified)
            elif binding.kind == "local" and isinstance(binding.value, cst.Call):
                if _keyword(binding.value, "dependencies") or _has_star_args(binding.value):
                    return True
                if scope.parent is not None:
                    return True  # a router made in a function: its includes are not tracked
                qualified = f"{context.module_name}.{receiver.value}"
            else:
                return True
        else:
            qualified = context.qualified_name(receiver)
        if qualified is None:
            return True
        table = route_table(context.project)
        return table.may_add_dependencies(qualified)

    def _declared(self, function: cst.FunctionDef, seen: set[str]) -> Optional[set[str]]:
        """Names a function and its dependencies declare; None when that cannot be known."""
        if function.name.value in seen:
            return set()
        seen = seen | {function.name.value}
        params = function.params
        if isinstance(params.star_kwarg, cst.Param):
            return None
        if _mentions_path_params(function.body):
            return None
        declared: set[str] = set()
        for param in (*params.posonly_params, *params.params, *params.kwonly_params):
            declared.add(param.name.value)
            for part in (param.annotation, param.default):
                if part is None:
                    continue
                node = part.annotation if isinstance(part, cst.Annotation) else part
                declared.update(_aliases(node))
                more = self._dependencies_in(node, seen)
                if more is None:
                    return None
                declared |= more
        return declared

    def _dependencies_in(self, node: cst.CSTNode, seen: set[str]) -> Optional[set[str]]:
        """Names the dependencies called in `node` declare; None when one is unknown.

        A call of anything but FastAPI's own parameter functions, Pydantic, typing or the
        builtins may hide a `Depends` (a helper returning one), so it counts as unknown.
        """
        declared: set[str] = set()
        for call in _calls(node):
            name = self.context.qualified_name(call.func) or ""
            if not (name.startswith("fastapi.") and name.endswith((".Depends", ".Security"))):
                if not name.startswith(_KNOWN_CALL_ROOTS):
                    return None
                continue
            positional = [a for a in call.args if a.keyword is None]
            dependency = _keyword(call, "dependency") or (positional[0] if positional else None)
            if dependency is None or not isinstance(dependency.value, cst.Name):
                return None
            target = self.functions.get(dependency.value.value)
            found = self.context.lookup(dependency.value.value)
            if target is None or found is None or found[1].parent is not None:
                return None
            more = self._declared(target, seen)
            if more is None:
                return None
            declared |= more
        return declared


_KNOWN_CALL_ROOTS = ("fastapi.", "pydantic.", "typing.", "typing_extensions.", "builtins.")


def _calls(node: cst.CSTNode) -> Iterator[cst.Call]:
    pending = [node]
    while pending:
        current = pending.pop()
        if isinstance(current, cst.Call):
            yield current
        if not isinstance(current, (cst.Lambda, cst.FunctionDef)):
            pending.extend(iter_children(current))


def _aliases(node: cst.CSTNode) -> set[str]:
    found: set[str] = set()
    for call in _calls(node):
        for keyword in ("alias", "validation_alias"):
            arg = _keyword(call, keyword)
            if arg is not None and isinstance(arg.value, cst.SimpleString):
                value = arg.value.evaluated_value
                if isinstance(value, str):
                    found.add(value)
    return found


def _mentions_path_params(body: cst.CSTNode) -> bool:
    pending: list[cst.CSTNode] = [body]
    while pending:
        node = pending.pop()
        if isinstance(node, cst.Name) and node.value == "path_params":
            return True
        pending.extend(iter_children(node))
    return False


RULES: tuple[type[Rule], ...] = (MissingResponseModel, RouteShadowing, PathParameterMismatch)
