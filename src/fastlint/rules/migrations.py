"""Migrations: APIs that changed under FastAPI code (Pydantic 2, httpx 0.28, exception handlers)."""

from __future__ import annotations

import os
import re
import weakref
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Optional

import libcst as cst

from fastlint.engine.fastapi import APP_CLASSES
from fastlint.engine.findings import Applicability, Severity
from fastlint.engine.names import Scope, dotted_name
from fastlint.engine.positions import Positions
from fastlint.engine.rule import (
    Example,
    PendingFix,
    Rule,
    TextEdit,
    insert_after,
    insert_before,
    replace,
    words_in,
)
from fastlint.engine.source import bound_values, receiver_before, word_first
from fastlint.engine.walk import iter_children

if TYPE_CHECKING:
    from fastlint.engine.context import FileContext
    from fastlint.engine.project import ModuleFacts, ProjectIndex
    from fastlint.engine.thinning import Definition

# --- shared helpers --------------------------------------------------------------------------


def _keyword(call: cst.Call, name: str) -> Optional[cst.Arg]:
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == name:
            return arg
    return None


def _has_star_args(call: cst.Call) -> bool:
    return any(arg.star for arg in call.args)


def _import_state(rule: Rule, name: str, qualified: frozenset[str]) -> Optional[bool]:
    """Whether a fix that writes `name` needs an import: True (add it), False (already
    imported), None (the name is bound to something else here, so no fix)."""
    found = rule.context.lookup(name)
    if found is None:
        return True
    binding, _ = found
    if binding.kind == "import" and binding.qualified in qualified:
        return False
    return None


# --- screens (checked on the text and `ast` facts before LibCST parses a file) ----------------

# What may separate the tokens of one call: whitespace, line continuations, comments.
_GAP = r"(?:[ \t\f\r\n\\]|#[^\n]*\n)*"


class _KeywordPattern:
    """A keyword argument as written: after `(` or `,`, then `name =` (not `==`).

    `search` looks for the names first: the pattern alone tries every bracket and comma of a
    file that has none of them (open-webui: 0.06 s per pattern per run).
    """

    def __init__(self, *names: str) -> None:
        self.names = names
        keyword = rf"(?:{'|'.join(names)}){_GAP}=(?!=)"
        self._pattern = re.compile(rf"[(,]{_GAP}{keyword}")
        self._suffix = re.compile(keyword)

    def search(self, text: str) -> Optional[re.Match[str]]:
        if not any(name in text for name in self.names) or not self._suffix.search(text):
            return None
        return self._pattern.search(text)


def _imports_reach(
    facts: ModuleFacts, project: ProjectIndex, wanted: Callable[[str], bool]
) -> bool:
    """Whether an import of the file (at any depth) resolves to a wanted name, or to a project
    module (whose attributes may re-export one)."""
    for imported in {qualified for _, qualified in facts.all_imports}:
        resolved = project.resolve(imported)
        if wanted(resolved) or project.find_module(resolved) is not None:
            return True
    return False


# --- FL501 validation-error-handler ----------------------------------------------------------

VALIDATION_ERRORS = frozenset(
    {
        "pydantic.ValidationError",
        "pydantic.error_wrappers.ValidationError",
        "pydantic_core.ValidationError",
        "pydantic_core._pydantic_core.ValidationError",
        "pydantic.v1.ValidationError",
        "pydantic.v1.error_wrappers.ValidationError",
    }
)
REQUEST_VALIDATION_ERRORS = frozenset(
    {"fastapi.exceptions.RequestValidationError", "fastapi.RequestValidationError"}
)


_HANDLER_REGISTRATION = re.compile(
    rf"\.{_GAP}(?:add_)?exception_handler\b|[(,]{_GAP}exception_handlers{_GAP}=(?!=)"
)


@dataclass
class _HandlerRegistration:
    exception: cst.BaseExpression
    target: str  # how the code names the app: "app", "FastAPI(...)"
    fix: Optional[PendingFix]


class ValidationErrorHandler(Rule):
    code = "FL501"
    name = "validation-error-handler"
    severity = Severity.WARNING
    summary = (
        "Exception handler for pydantic's `ValidationError`: invalid requests raise "
        "`RequestValidationError`, which it never sees"
    )
    tags = ("pydantic", "errors")
    fix = Applicability.UNSAFE
    # Every registration form names `exception_handler(s)`; the exception may be a re-export.
    triggers = ("exception_handler",)

    # Reads registrations, not the handlers they name.
    named_bodies = False

    @classmethod
    def could_fire(cls, text: str, facts: Optional[ModuleFacts], project: ProjectIndex) -> bool:
        """A registration (`.exception_handler`, `.add_exception_handler`,
        `exception_handlers=`), and `ValidationError` named in the text or reached by an import
        (an alias re-exported by a project module)."""
        if "exception_handler" not in text or not _HANDLER_REGISTRATION.search(text):
            return False
        if facts is None or "ValidationError" in text:
            return True
        return _imports_reach(facts, project, VALIDATION_ERRORS.__contains__)

    @classmethod
    def could_fire_in(cls, definition: Definition) -> bool:
        """Every registration is kept (the rule also asks whether the file registers a
        handler for `RequestValidationError`)."""
        return _HANDLER_REGISTRATION.search(definition.text) is not None

    docs = """\
## What it does
Finds exception handlers registered for pydantic's `ValidationError` on a FastAPI or Starlette
application (`@app.exception_handler(ValidationError)`, `app.add_exception_handler(...)`,
`FastAPI(exception_handlers={ValidationError: ...})`), when the same file registers no handler
for `RequestValidationError`.

## Why is this bad?
FastAPI validates requests itself and raises `fastapi.exceptions.RequestValidationError`, which
is not a subclass of pydantic's `ValidationError`. A handler meant to reshape 422 responses for
bad requests, registered for `ValidationError`, is never called for them: clients keep getting
FastAPI's default error body and the custom handler is dead code for that purpose.

A `ValidationError` handler is legitimate for validation errors raised by the application's own
code (a model built from a database row, say). When the same file also registers a
`RequestValidationError` handler, the author evidently knows the difference, so the rule stays
silent.

## Example
```python
from fastapi import FastAPI
from pydantic import ValidationError

app = FastAPI()

@app.exception_handler(ValidationError)
async def invalid_request(request, exc):
    return JSONResponse({"detail": exc.errors()}, status_code=400)
```

## Use instead
```python
from fastapi.exceptions import RequestValidationError

@app.exception_handler(RequestValidationError)
async def invalid_request(request, exc):
    return JSONResponse({"detail": exc.errors()}, status_code=400)
```

## Fix safety
The fix registers the handler for `RequestValidationError` instead (adding
`from fastapi.exceptions import RequestValidationError`). It is unsafe: validation errors raised
in the application's own code are no longer handled by it; register both if you need both.

## References
- [FastAPI: Override request validation exceptions](https://fastapi.tiangolo.com/tutorial/handling-errors/#override-request-validation-exceptions)
- [FastAPI: `RequestValidationError` vs `ValidationError`](https://fastapi.tiangolo.com/tutorial/handling-errors/#requestvalidationerror-vs-validationerror)
"""
    valid = (
        """\
from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError

app = FastAPI()

@app.exception_handler(RequestValidationError)
async def handler(request, exc):
    ...
""",
        # Both registered: the ValidationError one is for errors raised in the app's own code.
        """\
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

app = FastAPI()

async def on_error(request: Request, exc: Exception):
    ...

app.add_exception_handler(RequestValidationError, on_error)
app.add_exception_handler(ValidationError, on_error)
""",
        # Not an application object.
        """\
from pydantic import ValidationError

class Bus:
    def exception_handler(self, exc): ...

bus = Bus()

@bus.exception_handler(ValidationError)
def handler(exc): ...
""",
        # Some other ValidationError.
        """\
from fastapi import FastAPI
from jsonschema import ValidationError

app = FastAPI()

@app.exception_handler(ValidationError)
async def handler(request, exc):
    ...
""",
    )
    invalid = (
        Example(
            """\
from fastapi import FastAPI
from pydantic import ValidationError

app = FastAPI()

@app.exception_handler(ValidationError)
async def handler(request, exc):
    ...
""",
            fixed="""\
from fastapi import FastAPI
from pydantic import ValidationError
from fastapi.exceptions import RequestValidationError

app = FastAPI()

@app.exception_handler(RequestValidationError)
async def handler(request, exc):
    ...
""",
        ),
        """\
import pydantic
from starlette.applications import Starlette

def create_app() -> Starlette:
    application = Starlette()
    application.add_exception_handler(pydantic.ValidationError, print)
    return application
""",
        """\
from fastapi import FastAPI
from pydantic_core import ValidationError as CoreError

async def handler(request, exc): ...

app = FastAPI(exception_handlers={CoreError: handler})
""",
    )

    def begin_file(self) -> None:
        self._candidates: list[_HandlerRegistration] = []
        self._handles_request_errors = False

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value in (
            "exception_handler",
            "add_exception_handler",
        ):
            if not node.args or node.args[0].keyword is not None:
                return
            if not self.context.is_app_or_router(func.value):
                return
            target = self.context.code_for(func.value)
            self._registered(node.args[0].value, f"{target}.{func.attr.value}")
            return
        handlers = _keyword(node, "exception_handlers")
        if handlers is None or not isinstance(handlers.value, cst.Dict):
            return
        callee = self.context.qualified_name(func)
        if callee is None or not self.context.project.is_subclass(callee, APP_CLASSES):
            return
        for element in handlers.value.elements:
            if isinstance(element, cst.DictElement):
                self._registered(element.key, "exception_handlers")

    def _registered(self, exception: cst.BaseExpression, where: str) -> None:
        qualified = self.context.qualified_name(exception)
        if qualified in REQUEST_VALIDATION_ERRORS:
            self._handles_request_errors = True
        elif qualified in VALIDATION_ERRORS:
            self._candidates.append(_HandlerRegistration(exception, where, self._fix(exception)))

    def _fix(self, exception: cst.BaseExpression) -> Optional[PendingFix]:
        needs_import = _import_state(self, "RequestValidationError", REQUEST_VALIDATION_ERRORS)
        if needs_import is None:
            return None
        imports = [("fastapi.exceptions", "RequestValidationError")] if needs_import else []
        return self.make_fix(
            "Handle `RequestValidationError` instead",
            replace(exception, "RequestValidationError"),
            applicability=Applicability.UNSAFE,
            imports=imports,
        )

    def end_file(self) -> None:
        if self._handles_request_errors:
            return
        for candidate in self._candidates:
            written = self.context.code_for(candidate.exception)
            self.report(
                candidate.exception,
                f"`{candidate.target}({written})` never sees invalid requests: FastAPI raises "
                "`RequestValidationError` for them; register the handler for "
                "`fastapi.exceptions.RequestValidationError`",
                fix=candidate.fix,
            )


# --- FL503 asyncclient-app-argument ----------------------------------------------------------

_APP_KEYWORD = _KeywordPattern("app")
ASYNC_CLIENTS = frozenset({"httpx.AsyncClient", "httpx._client.AsyncClient"})
SYNC_CLIENTS = frozenset({"httpx.Client", "httpx._client.Client"})
ASGI_TRANSPORTS = frozenset({"httpx.ASGITransport", "httpx._transports.asgi.ASGITransport"})
WSGI_TRANSPORTS = frozenset({"httpx.WSGITransport", "httpx._transports.wsgi.WSGITransport"})


class AsyncClientAppArgument(Rule):
    code = "FL503"
    name = "asyncclient-app-argument"
    severity = Severity.ERROR
    precision = "very-high"  # a keyword that httpx 0.28 rejects, on a resolved httpx client
    summary = (
        "`httpx.AsyncClient(app=...)` was removed in httpx 0.28; "
        "pass `transport=ASGITransport(app=...)`"
    )
    tags = ("testing", "httpx")
    fix = Applicability.SAFE
    # The keyword is literal; the client class may come through a project re-export.
    triggers = ("app",)

    # Reports calls where they are written.
    named_bodies = False

    @classmethod
    def could_fire(cls, text: str, facts: Optional[ModuleFacts], project: ProjectIndex) -> bool:
        """An `app=` keyword argument, and httpx named in the text or reached by an import."""
        if not _APP_KEYWORD.search(text):
            return False
        if facts is None or "httpx" in text:
            return True
        return _imports_reach(facts, project, lambda name: name.split(".")[0] == "httpx")

    @classmethod
    def could_fire_in(cls, definition: Definition) -> bool:
        """The `app=` keyword is written in the call."""
        return _APP_KEYWORD.search(definition.text) is not None

    docs = """\
## What it does
Finds `httpx.AsyncClient(app=...)` and `httpx.Client(app=...)`, through imports and aliases.

## Why is this bad?
httpx 0.28 removed the `app=` shortcut: the call raises
`TypeError: AsyncClient.__init__() got an unexpected keyword argument 'app'`. Tests of FastAPI
applications written against older tutorials break as soon as httpx is upgraded. The explicit
transport has always been the supported spelling.

`httpx.Client(app=...)` took a WSGI application. Given a FastAPI or Starlette application (ASGI)
it never worked; use `fastapi.testclient.TestClient(app)` or `AsyncClient` with an
`ASGITransport` instead.

## Example
```python
from httpx import AsyncClient

async with AsyncClient(app=app, base_url="http://test") as client:
    response = await client.get("/")
```

## Use instead
```python
from httpx import ASGITransport, AsyncClient

async with AsyncClient(transport=ASGITransport(app=app), base_url="http://test") as client:
    response = await client.get("/")
```

## Fix safety
Safe: it is what httpx did with `app=` before 0.28 (`ASGITransport(app=app)` for `AsyncClient`,
`WSGITransport(app=app)` for `Client`). `from httpx import ASGITransport` is added when needed.
No fix when `transport=` or `**kwargs` is also passed, when the name `ASGITransport` means
something else in the file, or when `Client` is given a FastAPI/Starlette application.

## References
- [httpx 0.28.0 changelog](https://github.com/encode/httpx/blob/master/CHANGELOG.md#0280-28th-november-2024)
- [FastAPI: Async Tests](https://fastapi.tiangolo.com/advanced/async-tests/)
"""
    valid = (
        """\
from httpx import ASGITransport, AsyncClient
from main import app

client = AsyncClient(transport=ASGITransport(app=app), base_url="http://test")
""",
        """\
class AsyncClient:
    def __init__(self, app): ...

client = AsyncClient(app=object())
""",
        """\
import httpx

def make(app):
    return httpx.AsyncClient(base_url="http://test")
""",
    )
    invalid = (
        Example(
            """\
from httpx import AsyncClient
from main import app

client = AsyncClient(app=app, base_url="http://test")
""",
            fixed="""\
from httpx import AsyncClient
from main import app
from httpx import ASGITransport

client = AsyncClient(transport=ASGITransport(app=app), base_url="http://test")
""",
        ),
        """\
import httpx as hx

async def test_root(app):
    async with hx.AsyncClient(base_url="http://t", app=app) as client:
        await client.get("/")
""",
        """\
import httpx
from flask import Flask

flask_app = Flask(__name__)
client = httpx.Client(app=flask_app)
""",
    )

    def visit_Call(self, node: cst.Call) -> None:
        app_arg = _keyword(node, "app")
        if app_arg is None:
            return
        callee = self.context.qualified_name(node.func)
        if callee in ASYNC_CLIENTS:
            transport, transports = "ASGITransport", ASGI_TRANSPORTS
        elif callee in SYNC_CLIENTS:
            transport, transports = "WSGITransport", WSGI_TRANSPORTS
        else:
            return
        client = self.context.code_for(node.func)
        if transport == "WSGITransport" and self.context.is_app(app_arg.value):
            self.report(
                app_arg,
                f"`{client}(app=...)` was removed in httpx 0.28, and the sync client never ran "
                "ASGI applications: use `fastapi.testclient.TestClient(app)`, or "
                "`httpx.AsyncClient(transport=httpx.ASGITransport(app=app))`",
            )
            return
        self.report(
            app_arg,
            f"`{client}(app=...)` was removed in httpx 0.28 (it raises `TypeError`): pass "
            f"`transport={transport}(app=...)`",
            fix=self._fix(node, app_arg, transport, transports),
        )

    def _fix(
        self, call: cst.Call, app_arg: cst.Arg, transport: str, transports: frozenset[str]
    ) -> Optional[PendingFix]:
        if _keyword(call, "transport") is not None or _has_star_args(call):
            return None
        assert app_arg.keyword is not None
        needs_import = _import_state(self, transport, transports)
        if needs_import is None:
            return None
        return self.make_fix(
            f"Pass `transport={transport}(app=...)`",
            replace(app_arg.keyword, "transport"),
            insert_before(app_arg.value, f"{transport}(app="),
            insert_after(app_arg.value, ")"),
            imports=[("httpx", transport)] if needs_import else [],
        )


# --- FL502 pydantic-v1-api -------------------------------------------------------------------

MODEL_ROOTS = frozenset(
    {
        "pydantic.BaseModel",
        "pydantic.main.BaseModel",
        "pydantic.RootModel",
        "pydantic.root_model.RootModel",
        "pydantic_settings.BaseSettings",
        "pydantic_settings.main.BaseSettings",
    }
)
SETTINGS_ROOTS = frozenset(
    {"pydantic_settings.BaseSettings", "pydantic_settings.main.BaseSettings"}
)
CONFIG_DICTS = frozenset({"pydantic.ConfigDict", "pydantic.config.ConfigDict"})
FIELD_FUNCTIONS = frozenset(
    {"pydantic.Field", "pydantic.fields.Field", "pydantic.constr", "pydantic.types.constr"}
)
# FastAPI's parameter functions took `regex=` too, deprecated since FastAPI 0.100 (Pydantic 2).
FASTAPI_PARAMS = frozenset(
    f"{module}.{name}"
    for module in ("fastapi", "fastapi.param_functions")
    for name in ("Query", "Path", "Header", "Cookie", "Body", "Form", "File")
)
VALIDATORS = frozenset(
    {
        "pydantic.validator",
        "pydantic.class_validators.validator",
        "pydantic.deprecated.class_validators.validator",
    }
)
ROOT_VALIDATORS = frozenset(
    {
        "pydantic.root_validator",
        "pydantic.class_validators.root_validator",
        "pydantic.deprecated.class_validators.root_validator",
    }
)
FIELD_VALIDATORS = frozenset(
    {"pydantic.field_validator", "pydantic.functional_validators.field_validator"}
)

# Config keys Pydantic 2 renamed. Under Pydantic 2 the old names are ignored (with a warning).
RENAMED_CONFIG_KEYS = {
    "allow_population_by_field_name": "populate_by_name",
    "anystr_lower": "str_to_lower",
    "anystr_strip_whitespace": "str_strip_whitespace",
    "anystr_upper": "str_to_upper",
    "keep_untouched": "ignored_types",
    "max_anystr_length": "str_max_length",
    "min_anystr_length": "str_min_length",
    "orm_mode": "from_attributes",
    "schema_extra": "json_schema_extra",
    "validate_all": "validate_default",
}
# Keys that mean the same in a v1 `class Config` and a v2 `ConfigDict`.
CONFIG_KEYS = frozenset(
    {
        "title",
        "str_to_lower",
        "str_to_upper",
        "str_strip_whitespace",
        "str_min_length",
        "str_max_length",
        "extra",
        "frozen",
        "populate_by_name",
        "use_enum_values",
        "validate_assignment",
        "arbitrary_types_allowed",
        "from_attributes",
        "loc_by_alias",
        "alias_generator",
        "ignored_types",
        "allow_inf_nan",
        "json_schema_extra",
        "json_encoders",
        "strict",
        "revalidate_instances",
        "ser_json_timedelta",
        "ser_json_bytes",
        "validate_default",
        "validate_return",
        "protected_namespaces",
        "hide_input_in_errors",
        "defer_build",
        "coerce_numbers_to_str",
        "regex_engine",
        "use_attribute_docstrings",
        "validate_by_alias",
        "validate_by_name",
        "serialize_by_alias",
    }
)
# Methods of v1 models and their v2 names; the keyword arguments the fix may carry over.
DUMP_KEYWORDS = frozenset(
    {"include", "exclude", "by_alias", "exclude_unset", "exclude_defaults", "exclude_none"}
)
INSTANCE_METHODS = {"dict": "model_dump", "json": "model_dump_json"}
CLASS_METHODS = {"parse_obj": "model_validate", "from_orm": "model_validate"}
FINAL = frozenset({"typing.Final", "typing_extensions.Final"})
# Class methods that build an instance of the model they are called on.
MODEL_CONSTRUCTORS = frozenset(
    {
        "model_validate",
        "model_validate_json",
        "model_validate_strings",
        "model_construct",
        "parse_obj",
        "parse_raw",
        "from_orm",
        "construct",
    }
)
# Code that supports both majors branches on a version flag; its v1 branch is right as it is.
# `hasattr(x, "model_dump")` is such a test too.
_VERSION_TEST = re.compile(r"pydantic|version|model_|(?<![A-Za-z0-9])v[12](?![0-9])", re.I)


# FL502 screens, one per way the rule can report.
_CONFIG_CLASS = re.compile(word_first("class") + r"[ \t\\\r\n]+Config\b")
# The method called: `(` follows, or `)` when the attribute is parenthesized.
_V1_METHOD = re.compile(rf"\.{_GAP}(?:{'|'.join([*INSTANCE_METHODS, *CLASS_METHODS])}){_GAP}[()]")
_V1_KEYWORD = _KeywordPattern("regex", *RENAMED_CONFIG_KEYS)
# A decorator as written: `@` then a dotted name (group 1), or `@(` (any expression).
_DECORATOR = re.compile(rf"@{_GAP}(?:([^\W\d]\w*(?:{_GAP}\.{_GAP}[^\W\d]\w*)*)|\()")


def _writes_v1_form(text: str) -> bool:
    """Whether the text may write a reported form (`class Config`, a v1 keyword or method, a
    validator), whatever the names mean."""
    return "validator" in text or any(
        pattern.search(text) for pattern in (_CONFIG_CLASS, _V1_KEYWORD, _V1_METHOD)
    )


_SPACES = re.compile(r"[ \t\f\r\n\\]+|#[^\n]*\n")
V1_VALIDATORS = VALIDATORS | ROOT_VALIDATORS


def _v1_validator_decorator(text: str, facts: ModuleFacts, project: ProjectIndex) -> bool:
    """A decorator whose name has `validator` (as the rule requires) and that may resolve to
    pydantic's `validator` or `root_validator` through an import of the file."""
    if "validator" not in text:
        return False
    if facts.name.split(".")[0] == "pydantic":
        return True  # pydantic's own modules define them
    for match in _DECORATOR.finditer(text):
        if match.group(1) is None:
            return True  # `@(...)`: any name
        written = _SPACES.sub("", match.group(1))
        if "validator" not in written:
            continue
        root, _, rest = written.partition(".")
        bindings = [qualified for local, qualified in facts.all_imports if local == root]
        if root in facts.classes or root in facts.functions:
            bindings.append(f"{facts.name}.{root}" if facts.name else root)
        for bound in bindings:
            if project.resolve(f"{bound}.{rest}" if rest else bound) in V1_VALIDATORS:
                return True
    return False


def _may_call_on_model(text: str, definition: Definition) -> bool:
    """Whether a `.dict()`, `.json()`, `.parse_obj()` or `.from_orm()` in `text` (the
    definition or its body) may be called on a model as the rule finds receivers: a dotted
    name through an import or a class of the file that leads to one; a name bound in the
    definition from something that may lead to one, or a module-level name that does
    (`_model_words`); the first parameter of a model's method. Other receivers
    (`response.json()` on a local bound otherwise, `self.client.json()`) are never
    reported; calls and subscripts fall back to the words of the whole definition."""
    facts, project = definition.facts, definition.project
    model_words = _model_words(facts, project)
    named = not words_in(definition.text).isdisjoint(model_words)
    asked: set[tuple[str, str]] = set()
    for match in _V1_METHOD.finditer(text):
        receiver = receiver_before(text, match.start())
        if receiver is None:
            if named:
                return True
            continue
        if receiver in asked:
            continue
        asked.add(receiver)
        root, rest = receiver
        if rest:
            if _leads_through(root, rest, facts, project):
                return True
        elif root in model_words or (
            named
            and any(
                not words_in(value).isdisjoint(model_words)
                for value in bound_values(root, definition.text)
            )
        ):
            return True
        elif _in_model_class(definition):
            return True  # `self.dict()`, `cls.parse_obj()`: the first parameter may be it
    return False


def _in_model_class(definition: Definition) -> bool:
    """Whether the definition is a method of a model class (or the class itself)."""
    name, module = definition.class_name, definition.facts.name
    if name is None:
        return False
    return definition.project.is_subclass(f"{module}.{name}" if module else name, MODEL_ROOTS)


def _leads_through(root: str, rest: str, facts: ModuleFacts, project: ProjectIndex) -> bool:
    """Whether `root.rest` may name a model or a module-level model object, `root` being bound
    by an import of the file or being one of its classes or functions."""
    leads = PydanticV1Api._leads_to_model(project)
    bound = [target for local, target in facts.all_imports if local == root]
    if root in facts.classes or root in facts.functions:
        bound.append(f"{facts.name}.{root}" if facts.name else root)
    return any(leads(project.resolve(f"{target}.{rest}")) for target in bound)


# Per index, the words of each file's facts that may lead to a model (`_model_words`).
_MODEL_WORDS: weakref.WeakKeyDictionary[
    ProjectIndex, dict[int, tuple[ModuleFacts, frozenset[str]]]
] = weakref.WeakKeyDictionary()


def _model_words(facts: ModuleFacts, project: ProjectIndex) -> frozenset[str]:
    """Names of a file that may lead to a Pydantic model, found once per file: the parts of
    its model classes' names, what its imports bind to a model or a project module, and its
    module-level objects made from a model (or by one of its class methods)."""
    known = _MODEL_WORDS.setdefault(project, {})
    found = known.get(id(facts))
    if found is not None and found[0] is facts:
        return found[1]
    leads = PydanticV1Api._leads_to_model(project)
    prefix = f"{facts.name}." if facts.name else ""
    words: set[str] = set()
    for qualname in facts.classes:
        if project.is_subclass(prefix + qualname, MODEL_ROOTS):
            words.update(qualname.split("."))
    for local, target in facts.all_imports:
        resolved = project.resolve(target)
        if leads(resolved) or project.find_module(resolved) is not None:
            words.add(local)
    for name, assignment in facts.assignments.items():
        callee = project.resolve(assignment.callee)
        owner = callee.rpartition(".")[0]
        if leads(callee) or (owner and project.is_subclass(owner, MODEL_ROOTS)):
            words.add(name)
    for name, annotation in facts.annotations.items():
        if leads(project.resolve(annotation)):
            words.add(name)
    result = frozenset(words)
    known[id(facts)] = (facts, result)
    return result


class PydanticV1Api(Rule):
    code = "FL502"
    name = "pydantic-v1-api"
    severity = Severity.WARNING
    summary = (
        "Pydantic v1 API in a project on Pydantic 2 (`class Config`, `.dict()`, `parse_obj`, "
        "`regex=`, `@validator`)"
    )
    tags = ("pydantic", "deprecated")
    fix = Applicability.SAFE
    # Each finding has one of these literally: the class name `Config`, the method, the keyword,
    # the v1 config key, or `validator` in the decorator as written.
    triggers = (
        "Config",
        "dict",
        "json",
        "parse_obj",
        "from_orm",
        "regex",
        "validator",
        *RENAMED_CONFIG_KEYS,
    )

    # Reports forms written in the definitions it keeps.
    named_bodies = False

    @classmethod
    def could_fire(cls, text: str, facts: Optional[ModuleFacts], project: ProjectIndex) -> bool:
        """The text of one of the reported forms, the models it needs within reach, and a
        project on Pydantic 2 (asked last: the answer depends on every module)."""
        if facts is None:
            return _writes_v1_form(text)
        return cls._has_v1_form(text, facts, project) and project.uses_pydantic_v2

    @classmethod
    def could_fire_in(cls, definition: Definition) -> bool:
        """Each finding writes one of the reported forms inside the definition; a v1 method
        is called on a receiver the code ties to a model (see `_may_call_on_model`)."""
        return cls._may_fire_in(definition.text, definition)

    @classmethod
    def reads_body(cls, definition: Definition) -> bool:
        """For the forms written in it; `regex=` in a signature is in the signature."""
        return cls._may_fire_in(definition.body, definition)

    @classmethod
    def _may_fire_in(cls, text: str, definition: Definition) -> bool:
        if "validator" in text or _CONFIG_CLASS.search(text) or _V1_KEYWORD.search(text):
            return True
        return _V1_METHOD.search(text) is not None and _may_call_on_model(text, definition)

    @classmethod
    def _has_v1_form(cls, text: str, facts: ModuleFacts, project: ProjectIndex) -> bool:
        if _V1_KEYWORD.search(text):
            return True  # `regex=`, a renamed config key
        if _V1_METHOD.search(text) and (
            # `.dict()` and friends on a model (or an instance of one) defined here, imported,
            # or reached through a module.
            cls._defines_model(facts, project)
            or _imports_reach(facts, project, cls._leads_to_model(project))
        ):
            return True
        if "Config" in text and _CONFIG_CLASS.search(text) and cls._defines_model(facts, project):
            return True  # inside a model of this file
        return _v1_validator_decorator(text, facts, project)

    @staticmethod
    def _defines_model(facts: ModuleFacts, project: ProjectIndex) -> bool:
        prefix = f"{facts.name}." if facts.name else ""
        return any(project.is_subclass(prefix + name, MODEL_ROOTS) for name in facts.classes)

    @staticmethod
    def _leads_to_model(project: ProjectIndex) -> Callable[[str], bool]:
        def leads(name: str) -> bool:
            """A model, a module-level instance of one, or a module that holds pydantic's."""
            if project.is_subclass(name, MODEL_ROOTS):
                return True
            if any(root.startswith(f"{name}.") for root in MODEL_ROOTS):
                return True
            created = project.object_class(name)
            if created is not None and project.is_subclass(created, MODEL_ROOTS):
                return True
            # A project class with a model nested in it (`Schemas.Create.parse_obj(...)`).
            split = project.split_name(name)
            if split is None:
                return False
            module, rest = split
            return any(
                nested.startswith(f"{rest}.")
                and project.is_subclass(f"{module.name}.{nested}", MODEL_ROOTS)
                for nested in module.classes
            )

        return leads

    docs = """\
## What it does
Finds Pydantic v1 API in a project that runs on Pydantic 2:
- `class Config` inside a model, and v1 config keys (`orm_mode`, ...) in `ConfigDict(...)`;
- `.dict()`, `.json()` on model instances, `.parse_obj()`, `.from_orm()` on model classes;
- `Field(regex=...)`, `constr(regex=...)` (and FastAPI's `Query(regex=...)` and friends);
- `@validator` and `@root_validator`.

The project counts as being on Pydantic 2 when one of its modules uses, unconditionally (not
inside `if`/`try`, where code supporting both majors keeps it), an API only Pydantic 2 has:
`from pydantic import ConfigDict` (or `field_validator`, `model_validator`, `TypeAdapter`,
`computed_field`, `RootModel`, ...), an import of `pydantic_core` or `pydantic_settings`, or a
`model_config = ...` in a class body. Requirement files are not read: code that uses a v2-only
API proves which major it runs on, while a `pydantic>=2` pin may belong to another package of a
monorepo, and findings should follow from the Python files of the run alone. A project that pins
Pydantic 2 but uses none of its API yet is not checked (a missed finding, never a false one).

Method calls are only reported where the receiver is known to be a Pydantic model of the project
(a class deriving from `pydantic.BaseModel` through project classes): `Model.parse_obj(...)`, or
`x.dict()` where `x` is annotated with the model, assigned from `Model(...)`, or is `self` in a
method of the model. `.dict()` on anything else is never reported.

Code written for both majors is left alone: code under an `if` that tests the Pydantic version
or a feature (`if PYDANTIC_V2:`, `hasattr(x, "model_dump")`), code in a function that has such an
`if`, and the `except` branch of a `try` that uses the v2 API. So are models based on
`pydantic.v1.BaseModel`.

## Why is this bad?
Pydantic 2 keeps most of the v1 API as deprecated shims that warn on every call and will be
removed in Pydantic 3, and some of it no longer works at all: renamed config keys such as
`orm_mode` in `class Config` are ignored (so `from_orm` raises), `Field(regex=...)` raises at
import time, `.json(indent=2)` raises `TypeError`.

## Example
```python
class User(BaseModel):
    name: str = Field(regex="^[a-z]+$")

    class Config:
        orm_mode = True

user = User.from_orm(row)
payload = user.dict()
```

## Use instead
```python
class User(BaseModel):
    name: str = Field(pattern="^[a-z]+$")

    model_config = ConfigDict(from_attributes=True)

user = User.model_validate(row, from_attributes=True)
payload = user.model_dump()
```

## Fix safety
- `.dict()` → `.model_dump()`, `.json()` → `.model_dump_json()`, `.parse_obj()` →
  `.model_validate()`, `.from_orm(x)` → `.model_validate(x, from_attributes=True)`: safe; these
  are exactly what Pydantic 2's shims call. Only offered when every argument carries over and the
  model does not define a method of that name itself.
- `regex=` → `pattern=`: safe (Pydantic 2 rejects `regex=`; FastAPI maps it to `pattern`).
- `class Config` → `model_config = ConfigDict(...)`, comments kept: offered only when every entry
  is a plain `name = value` with a Pydantic 2 equivalent. Safe when no key is renamed; unsafe
  when one is (`orm_mode` → `from_attributes`, `schema_extra` → `json_schema_extra`, ...),
  because Pydantic 2 ignores the old names, so the renamed settings start to take effect.
  Settings classes (`BaseSettings`) get no fix: they want `SettingsConfigDict`.
- `@validator("f")` → `@field_validator("f")` plus `@classmethod`: unsafe, and only for a
  validator with the `(cls, value)` signature and no options but `pre`, `allow_reuse`,
  `check_fields`: v1 skipped validators for `None` on optional fields, v2 does not.
  `@root_validator` has no fix.

## References
- [Pydantic: Migration guide](https://docs.pydantic.dev/latest/migration/)
- [Pydantic: Changes to config](https://docs.pydantic.dev/latest/migration/#changes-to-config)
- [FastAPI: Query parameters and string validations](https://fastapi.tiangolo.com/tutorial/query-params-str-validations/)
"""
    valid = (
        # `.dict()` on something that is not known to be a model.
        """\
from pydantic import BaseModel, ConfigDict

class Item(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    name: str

def f(obj):
    return obj.dict(), {}.copy()
""",
        # A project on Pydantic 1 (no v2-only API anywhere): v1 API is right there.
        """\
from pydantic import BaseModel

class Item(BaseModel):
    name: str

    class Config:
        orm_mode = True

def dump(item: Item):
    return item.dict()
""",
        # Explicit v1 models inside a v2 project.
        """\
from pydantic import ConfigDict
from pydantic.v1 import BaseModel

class Legacy(BaseModel):
    name: str

    class Config:
        orm_mode = True

def dump(item: Legacy):
    return item.dict()
""",
        # Code that supports both majors.
        """\
from pydantic import VERSION, BaseModel, ConfigDict

PYDANTIC_V2 = VERSION.startswith("2.")

class Item(BaseModel):
    name: str
    if PYDANTIC_V2:
        model_config = ConfigDict(from_attributes=True)
    else:
        class Config:
            orm_mode = True

def dump(item: Item):
    if PYDANTIC_V2:
        return item.model_dump()
    return item.dict()
""",
        # The model defines its own `dict`.
        """\
from pydantic import BaseModel, ConfigDict

class Item(BaseModel):
    model_config = ConfigDict()

    def dict(self, **kwargs):
        return {"name": "x"}

def dump(item: Item):
    return item.dict()
""",
    )
    invalid = (
        Example(
            """\
from pydantic import BaseModel, ConfigDict

class Item(BaseModel):
    model_config = ConfigDict(frozen=True)
    name: str

def dump(item: Item):
    return item.dict(exclude_none=True), Item.parse_obj({"name": "x"}).json()
""",
            fixed="""\
from pydantic import BaseModel, ConfigDict

class Item(BaseModel):
    model_config = ConfigDict(frozen=True)
    name: str

def dump(item: Item):
    return item.model_dump(exclude_none=True), Item.model_validate({"name": "x"}).model_dump_json()
""",
        ),
        Example(
            """\
from pydantic import BaseModel, Field, field_validator

class Item(BaseModel):
    name: str = Field(regex="^[a-z]+$")

    class Config:
        extra = "forbid"  # no surprises
""",
            fixed="""\
from pydantic import BaseModel, Field, field_validator
from pydantic import ConfigDict

class Item(BaseModel):
    name: str = Field(pattern="^[a-z]+$")

    model_config = ConfigDict(
        extra="forbid",  # no surprises
    )
""",
        ),
        """\
from pydantic import BaseModel, ConfigDict, validator

class Item(BaseModel):
    model_config = ConfigDict(orm_mode=True)
    name: str

    @validator("name", each_item=True)
    def check(cls, value, values):
        return value
""",
    )

    def begin_file(self) -> None:
        self._pydantic_v2: Optional[bool] = None
        self._positions: Optional[Positions] = None
        self._version_functions: dict[int, bool] = {}
        self._own_module: Optional[bool] = None

    def _report(
        self,
        node: cst.CSTNode,
        message: str,
        *,
        fix: Optional[PendingFix] = None,
        end_node: Optional[cst.CSTNode] = None,
    ) -> None:
        """Report only in a project on Pydantic 2. Asked last, because the answer depends on
        every module: a file that asks must be checked again when any module changes."""
        if self._pydantic_v2 is None:
            self._pydantic_v2 = self.context.project.uses_pydantic_v2
        if self._pydantic_v2:
            self.report(node, message, fix=fix, end_node=end_node)

    # --- what is a model --------------------------------------------------------------------

    def _is_model(self, qualified: str) -> bool:
        return self.context.project.is_subclass(qualified, MODEL_ROOTS)

    def _class_qualname(self, scope_qualname: str) -> Optional[str]:
        """This file's class as the project index names it; None when the index files another
        module under this module's name (directories without `__init__.py` can make two files
        share one), so what it says about the class may be about someone else's."""
        if self._own_module is None:
            module = self.context.project.find_module(self.context.module_name)
            path = os.path.abspath(self.context.source.path)
            self._own_module = module is not None and os.path.abspath(module.path) == path
        if not self._own_module:
            return None
        module_name = self.context.module_name
        return f"{module_name}.{scope_qualname}" if module_name else scope_qualname

    def _in_version_branch(self) -> bool:
        """Inside an `if` on the Pydantic version, or in a function that has one (its v1 code
        often follows an early `return` of the v2 branch)."""
        ancestors = self.context.ancestors
        for index, ancestor in enumerate(ancestors):
            if isinstance(ancestor, (cst.If, cst.IfExp)) and self._tests_version(ancestor):
                return True
            # `try: x.model_dump()` / `except AttributeError: x.dict()`: a v1 fallback.
            if isinstance(ancestor, cst.ExceptHandler) and index > 0:
                attempt = ancestors[index - 1]
                if isinstance(attempt, cst.Try) and "model_" in self.context.code_for(attempt.body):
                    return True
        function = self.context.current_function
        if function is None:
            return False
        known = self._version_functions.get(id(function))
        if known is None:
            known = any(
                isinstance(node, (cst.If, cst.IfExp)) and self._tests_version(node)
                for node in _descendants(function.body)
            )
            self._version_functions[id(function)] = known
        return known

    def _tests_version(self, node: cst.If | cst.IfExp) -> bool:
        return bool(_VERSION_TEST.search(self.context.code_for(node.test)))

    def _receiver_model(self, expr: cst.BaseExpression) -> Optional[tuple[str, bool]]:
        """(the model's qualified name, whether `expr` is the class itself), when known."""
        if isinstance(expr, (cst.Name, cst.Attribute)):
            qualified = self.context.qualified_name(expr)
            if qualified is not None and self._is_model(qualified):
                return qualified, True
        if isinstance(expr, cst.Name):
            own = self._self_or_cls(expr.value)
            if own is not None:
                return own if self._is_model(own[0]) else None
        instance = self.context.instance_class(expr)
        if instance is not None and self._is_model(instance):
            return instance, False
        built = self._built_by_classmethod(expr)
        return (built, False) if built is not None else None

    def _built_by_classmethod(self, expr: cst.BaseExpression) -> Optional[str]:
        """`Model.model_validate(...)` (or `parse_obj`, ...), or a local assigned from one, or a
        local annotated `Final` (or `Final[Model]`) and assigned from `Model(...)`."""
        scope = self.context.scope
        if isinstance(expr, cst.Name):
            found = self.context.lookup(expr.value)
            if found is None or found[0].kind != "local" or found[0].value is None:
                return None
            binding, scope = found
            if binding.annotation is not None:
                final = self._final_model(binding.annotation, scope)
                if final is None:
                    return None  # annotated with something else: instance_class decided
                if final:
                    return final
            assert binding.value is not None
            expr = binding.value
            if isinstance(expr, cst.Call):
                callee = self.context.names.qualified_name(expr.func, scope)
                if callee is not None and self._is_model(self.context.project.resolve(callee)):
                    return self.context.project.resolve(callee)
        if scope is None or not isinstance(expr, cst.Call):
            return None
        func = expr.func
        if not isinstance(func, cst.Attribute) or func.attr.value not in MODEL_CONSTRUCTORS:
            return None
        qualified = self.context.names.qualified_name(func.value, scope)
        if qualified is None:
            return None
        qualified = self.context.project.resolve(qualified)
        return qualified if self._is_model(qualified) else None

    def _final_model(self, annotation: cst.BaseExpression, scope: Scope) -> Optional[str]:
        """For `Final`: "" (look at the value); for `Final[Model]`: the model; else None."""
        names = self.context.names
        if isinstance(annotation, cst.Subscript):
            if names.qualified_name(annotation.value, scope) not in FINAL:
                return None
            inner = annotation.slice[0].slice if len(annotation.slice) == 1 else None
            if not isinstance(inner, cst.Index):
                return None
            qualified = names.qualified_name(inner.value, scope)
            if qualified is None:
                return None
            qualified = self.context.project.resolve(qualified)
            return qualified if self._is_model(qualified) else None
        return "" if names.qualified_name(annotation, scope) in FINAL else None

    def _self_or_cls(self, name: str) -> Optional[tuple[str, bool]]:
        """`self` / `cls` of a method: the enclosing class, as an instance or as the class."""
        found = self.context.lookup(name)
        if found is None:
            return None
        binding, scope = found
        function = scope.node
        if binding.kind != "local" or not isinstance(function, cst.FunctionDef):
            return None
        if scope.parent is None or not scope.parent.is_class:
            return None
        params = function.params.posonly_params or function.params.params
        if not params or params[0].name.value != name:
            return None
        decorators = {self.context.code_for(d.decorator) for d in function.decorators}
        if "staticmethod" in decorators:
            return None
        cls = self._class_qualname(scope.parent.qualname)
        return (cls, "classmethod" in decorators) if cls is not None else None

    # --- handlers ---------------------------------------------------------------------------

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        if node.name.value != "Config":
            return
        scope = self.context.scope
        if scope is None or not scope.is_class or self._in_version_branch():
            return
        model = self._class_qualname(scope.qualname)
        if model is None or not self._is_model(model):
            return
        assert isinstance(scope.node, cst.ClassDef)
        keys, problem = _config_entries(node)
        renamed = [key for key in keys if key in RENAMED_CONFIG_KEYS]
        settings = self.context.project.is_subclass(model, SETTINGS_ROOTS)
        wanted = "SettingsConfigDict" if settings else "ConfigDict"
        message = f"`class Config` is Pydantic v1 API: use `model_config = {wanted}(...)`"
        if renamed:
            names = ", ".join(f"`{k}` → `{RENAMED_CONFIG_KEYS[k]}`" for k in renamed)
            message += f"; Pydantic 2 ignores the renamed keys here ({names})"
        fix = None
        if _assigns(scope.node, "model_config"):
            message += "; this model also sets `model_config`, which Pydantic 2 rejects"
        elif settings:
            pass  # no fix: settings keys are not all ConfigDict keys
        elif problem is not None:
            message += f" (no automatic fix: {problem})"
        else:
            fix = self._config_fix(node, bool(renamed))
        self._report(node, message, fix=fix, end_node=node.name)

    def _config_fix(self, config: cst.ClassDef, renamed: bool) -> Optional[PendingFix]:
        needs_import = _import_state(self, "ConfigDict", CONFIG_DICTS)
        if needs_import is None:
            return None
        assert isinstance(config.body, cst.IndentedBlock)
        module = self.context.module
        assert module is not None
        source = self.context.source
        if self._positions is None:
            self._positions = Positions(module)
        line, column = self._positions.range(config)[0]
        end_line, end_column = self._positions.inclusive_range(config)[1]
        start = source.offset(line, 1)
        end = source.offset(end_line, end_column + 1)
        outer = source.text[start : start + column]
        if outer.strip():
            return None  # `class Config` does not start its line
        inner = outer + (
            config.body.indent if config.body.indent is not None else module.default_indent
        )
        newline = module.default_newline
        header = config.body.header.comment
        lines = ["model_config = ConfigDict(" + (f"  {header.value}" if header else "")]
        lines[0] = outer + lines[0]
        for statement in config.body.body:
            assert isinstance(statement, cst.SimpleStatementLine)
            lines.extend(_comment_lines(statement.leading_lines, inner))
            for index, small in enumerate(statement.body):
                assert isinstance(small, cst.Assign)
                target = small.targets[0].target
                assert isinstance(target, cst.Name)
                key = RENAMED_CONFIG_KEYS.get(target.value, target.value)
                # The value as written: inside brackets LibCST keeps indentation relative to
                # the block, and the entries stay at the block's indentation.
                (v_line, v_column), (v_end_line, v_end_column) = self._positions.range(small.value)
                value = source.text[
                    source.offset(v_line, v_column + 1) : source.offset(
                        v_end_line, v_end_column + 1
                    )
                ]
                entry = f"{inner}{key}={value},"
                comment = statement.trailing_whitespace.comment
                if index == len(statement.body) - 1 and comment is not None:
                    entry += statement.trailing_whitespace.whitespace.value + comment.value
                lines.append(entry)
        lines.extend(_comment_lines(config.body.footer, inner))
        lines.append(f"{outer})")
        text = newline.join(lines) + newline
        if end < len(source.text) and end > 0 and source.text[end - 1] not in "\r\n":
            return None  # the class does not end its line: leave it to a human
        return self.make_fix(
            "Replace `class Config` with `model_config = ConfigDict(...)`",
            TextEdit(start, end, text),
            applicability=Applicability.UNSAFE if renamed else Applicability.SAFE,
            imports=[("pydantic", "ConfigDict")] if needs_import else [],
        )

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if isinstance(func, cst.Attribute):
            method = func.attr.value
            if method in INSTANCE_METHODS or method in CLASS_METHODS:
                self._method_call(node, func, method)
                return
        if not any(arg.keyword is not None for arg in node.args):
            return
        callee = self.context.qualified_name(func)
        if callee is None:
            return
        if callee in FIELD_FUNCTIONS or callee in FASTAPI_PARAMS:
            self._regex(node)
        elif callee in CONFIG_DICTS:
            self._config_dict(node)

    def _method_call(self, node: cst.Call, func: cst.Attribute, method: str) -> None:
        model = self._receiver_model(func.value)
        if model is None:
            return
        cls, is_class = model
        if is_class != (method in CLASS_METHODS):
            return
        if self.context.project.class_defines(cls, method) or self._in_version_branch():
            return
        new = INSTANCE_METHODS.get(method) or CLASS_METHODS[method]
        receiver = self.context.code_for(func.value)
        fix: Optional[PendingFix] = None
        if method in INSTANCE_METHODS:
            if all(a.keyword is not None and a.keyword.value in DUMP_KEYWORDS for a in node.args):
                fix = self.make_fix(f"Use `.{new}()`", replace(func.attr, new))
        elif len(node.args) == 1 and node.args[0].keyword is None and not node.args[0].star:
            edits = [replace(func.attr, new)]
            if method == "from_orm":
                edits.append(insert_after(node.args[0].value, ", from_attributes=True"))
            fix = self.make_fix(f"Use `.{new}()`", *edits)
        extra = ", from_attributes=True" if method == "from_orm" else ""
        self._report(
            node,
            f"`{receiver}.{method}()` is Pydantic v1 API, deprecated in Pydantic 2: use "
            f"`{receiver}.{new}(...{extra})`",
            fix=fix,
        )

    def _regex(self, node: cst.Call) -> None:
        regex = _keyword(node, "regex")
        if regex is None or self._in_version_branch():
            return
        assert regex.keyword is not None
        fix = None
        if _keyword(node, "pattern") is None:
            fix = self.make_fix("Use `pattern=`", replace(regex.keyword, "pattern"))
        self._report(
            regex,
            f"`{self.context.code_for(node.func)}(regex=...)` is Pydantic v1 API (Pydantic 2 "
            "rejects it): use `pattern=`",
            fix=fix,
        )

    def _config_dict(self, node: cst.Call) -> None:
        if self._in_version_branch():
            return
        for arg in node.args:
            if arg.keyword is None or arg.keyword.value not in RENAMED_CONFIG_KEYS:
                continue
            new = RENAMED_CONFIG_KEYS[arg.keyword.value]
            fix = None
            if _keyword(node, new) is None:
                fix = self.make_fix(
                    f"Rename to `{new}`",
                    replace(arg.keyword, new),
                    applicability=Applicability.UNSAFE,
                )
            self._report(
                arg,
                f"`{arg.keyword.value}` is a Pydantic v1 config key that Pydantic 2 ignores: "
                f"use `{new}`",
                fix=fix,
            )

    def visit_Decorator(self, node: cst.Decorator) -> None:
        expr = node.decorator
        func = expr.func if isinstance(expr, cst.Call) else expr
        written = dotted_name(func)
        if written is None or "validator" not in written:
            return  # keeps the `validator` trigger sound: an alias is not followed
        qualified = self.context.qualified_name(func)
        if qualified in ROOT_VALIDATORS:
            if not self._in_version_branch():
                self._report(
                    node,
                    "`@root_validator` is Pydantic v1 API, deprecated in Pydantic 2: use "
                    "`@model_validator(mode=...)`",
                )
            return
        if qualified not in VALIDATORS or self._in_version_branch():
            return
        self._report(
            node,
            "`@validator` is Pydantic v1 API, deprecated in Pydantic 2: use `@field_validator` "
            "with `@classmethod`",
            fix=self._validator_fix(node),
        )

    def _validator_fix(self, decorator: cst.Decorator) -> Optional[PendingFix]:
        function = self.context.parent
        call = decorator.decorator
        if not isinstance(function, cst.FunctionDef) or not isinstance(call, cst.Call):
            return None
        if function.decorators != (decorator,) or not _is_cls_value_signature(function.params):
            return None
        names: list[str] = []
        mode = ""
        for arg in call.args:
            if arg.keyword is None and not arg.star and isinstance(arg.value, cst.SimpleString):
                names.append(self.context.code_for(arg.value))
            elif arg.keyword is None or arg.star:
                return None
            elif arg.keyword.value == "pre" and _bool_literal(arg.value) is not None:
                mode = ', mode="before"' if _bool_literal(arg.value) else ""
            elif arg.keyword.value == "allow_reuse":
                continue
            elif arg.keyword.value == "check_fields" and _bool_literal(arg.value) is not None:
                names.append(f"check_fields={self.context.code_for(arg.value)}")
            else:
                return None
        if not names or names[0].startswith("check_fields"):
            return None
        needs_import = _import_state(self, "field_validator", FIELD_VALIDATORS)
        if needs_import is None:
            return None
        classmethod_binding = self.context.lookup("classmethod")
        if classmethod_binding is not None:
            return None  # `classmethod` is shadowed here
        indent = _indent_of(self.context)
        newline = self.context.module.default_newline if self.context.module else "\n"
        return self.make_fix(
            "Use `@field_validator` with `@classmethod`",
            replace(
                call, f"field_validator({', '.join(names)}{mode}){newline}{indent}@classmethod"
            ),
            applicability=Applicability.UNSAFE,
            imports=[("pydantic", "field_validator")] if needs_import else [],
        )


def _bool_literal(expr: cst.BaseExpression) -> Optional[bool]:
    if isinstance(expr, cst.Name) and expr.value in ("True", "False"):
        return expr.value == "True"
    return None


def _is_cls_value_signature(params: cst.Parameters) -> bool:
    """Exactly `(cls, value)`: no defaults, no other kinds of parameter."""
    if params.posonly_params or params.kwonly_params or params.star_kwarg:
        return False
    if isinstance(params.star_arg, (cst.Param, cst.ParamStar)):
        return False
    plain = params.params
    return (
        len(plain) == 2 and plain[0].name.value == "cls" and all(p.default is None for p in plain)
    )


def _indent_of(context: FileContext) -> str:
    """The indentation of the statement being visited, from the blocks around it."""
    assert context.module is not None
    default = context.module.default_indent
    return "".join(
        (node.indent if node.indent is not None else default)
        for node in context.ancestors
        if isinstance(node, cst.IndentedBlock)
    )


def _assigns(cls: cst.ClassDef, name: str) -> bool:
    """Whether the class body assigns `name` directly."""
    for statement in cls.body.body:
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for small in statement.body:
            if isinstance(small, cst.Assign) and any(
                isinstance(t.target, cst.Name) and t.target.value == name for t in small.targets
            ):
                return True
            if (
                isinstance(small, cst.AnnAssign)
                and isinstance(small.target, cst.Name)
                and small.target.value == name
            ):
                return True
    return False


def _config_entries(config: cst.ClassDef) -> tuple[list[str], Optional[str]]:
    """The keys a `class Config` sets, and why it cannot be rewritten mechanically (or None)."""
    keys: list[str] = []
    problem: Optional[str] = None
    if config.bases or config.keywords or config.decorators:
        problem = "it has bases or decorators"
    if not isinstance(config.body, cst.IndentedBlock):
        return keys, "it is on one line"
    for statement in config.body.body:
        if not isinstance(statement, cst.SimpleStatementLine):
            problem = problem or "it defines more than plain assignments"
            continue
        for small in statement.body:
            if not (
                isinstance(small, cst.Assign)
                and len(small.targets) == 1
                and isinstance(small.targets[0].target, cst.Name)
            ):
                problem = problem or "it defines more than plain assignments"
                continue
            key = small.targets[0].target.value
            if key not in CONFIG_KEYS and key not in RENAMED_CONFIG_KEYS:
                problem = problem or f"`{key}` has no exact Pydantic 2 equivalent"
            if _names_in(small.value) & set(keys):
                problem = problem or "an entry refers to another"
            keys.append(key)
    if not keys:
        problem = problem or "it is empty"
    return keys, problem


def _descendants(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(iter_children(current))


def _names_in(node: cst.CSTNode) -> set[str]:
    return {n.value for n in _descendants(node) if isinstance(n, cst.Name)}


def _comment_lines(lines: Sequence[cst.EmptyLine], indent: str) -> list[str]:
    return [f"{indent}{line.comment.value}" if line.comment else "" for line in lines]


RULES: tuple[type[Rule], ...] = (ValidationErrorHandler, PydanticV1Api, AsyncClientAppArgument)
