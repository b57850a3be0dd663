"""Application lifecycle and dependencies: how FastAPI starts, stops and injects."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Optional, Union

import libcst as cst

from fastlint.engine.fastapi import APP_CLASSES
from fastlint.engine.findings import Applicability, Severity
from fastlint.engine.names import Scope
from fastlint.engine.rule import (
    AnyEdit,
    NodeEdit,
    PendingFix,
    Rule,
    insert_before_lines,
    remove_lines,
    replace,
)

if TYPE_CHECKING:
    from fastlint.engine.project import ModuleFacts, ProjectIndex


class OnEventDeprecated(Rule):
    code = "FL301"
    name = "on-event-deprecated"
    severity = Severity.WARNING
    fix = Applicability.UNSAFE
    summary = "`on_event` startup/shutdown handlers are deprecated; use a lifespan context manager"
    tags = ("deprecated", "lifecycle")
    triggers = ("on_event", "add_event_handler")

    @classmethod
    def could_fire(cls, text: str, facts: Optional[ModuleFacts], project: ProjectIndex) -> bool:
        """A call of `.on_event(...)` or `.add_event_handler(...)`: the facts count them."""
        if not any(trigger in text for trigger in cls.triggers):
            return False
        return facts is None or facts.event_handlers > 0

    docs = """\
## What it does
Finds startup and shutdown handlers registered with `@app.on_event(...)`,
`@router.on_event(...)` or `app.add_event_handler(...)` on FastAPI, APIRouter and Starlette
objects.

## Why is this bad?
FastAPI deprecated `on_event` in favour of a single `lifespan` async context manager, and
Starlette removed `on_startup`/`on_shutdown` in 1.0. Event handlers cannot share state with each
other except through globals, and when an app is given a `lifespan`, FastAPI ignores every
`on_event` handler, so mixing the two silently skips startup code. Handlers registered on an
`APIRouter` only run when the router is included in an app that has no lifespan of its own.

## Example
```python
app = FastAPI()

@app.on_event("startup")
async def connect() -> None:
    await database.connect()

@app.on_event("shutdown")
async def disconnect() -> None:
    await database.disconnect()
```

## Use instead
```python
@asynccontextmanager
async def lifespan(app: FastAPI):
    await database.connect()
    yield
    await database.disconnect()

app = FastAPI(lifespan=lifespan)
```

## Fix safety
The fix is unsafe. It writes one `lifespan` that runs the startup handlers in registration order
before `yield` (awaiting the async ones, calling the sync ones) and the shutdown handlers after
it, passes `lifespan=lifespan` to the `FastAPI(...)` call, removes the decorators and
`add_event_handler` statements and keeps the handler functions, which other code may call.
It is unsafe because the handlers now run from inside the lifespan: an exception in a startup
handler propagates from the context manager, and code that inspects `app.router.on_startup`
sees an empty list.

No fix is offered (the message says why) when the app already has a `lifespan` or
`on_startup=`/`on_shutdown=` handlers, when it is created in another module, when it is a
subclass of `FastAPI`, when handlers are registered inside functions, on routers, or in other
modules of the project (FastAPI skips them all once the app has a lifespan), when a handler has
other decorators, or when a handler's name or sync/async nature is unclear.

## References
- [FastAPI: Lifespan Events](https://fastapi.tiangolo.com/advanced/events/)
- [FastAPI: Alternative Events (deprecated)](https://fastapi.tiangolo.com/advanced/events/#alternative-events-deprecated)
"""
    valid = (
        """\
from contextlib import asynccontextmanager
from fastapi import FastAPI

@asynccontextmanager
async def lifespan(app: FastAPI):
    yield

app = FastAPI(lifespan=lifespan)
""",
        """\
class Bus:
    def on_event(self, name): ...

bus = Bus()

@bus.on_event("startup")
def handler(): ...
""",
        """\
from fastapi import FastAPI

app = FastAPI()

def build():
    app = Emitter()
    app.add_event_handler("startup", print)
""",
    )
    invalid = (
        """\
from fastapi import FastAPI

app = FastAPI()

@app.on_event("startup")
async def startup():
    ...
""",
        """\
import fastapi as fa

router = fa.APIRouter(prefix="/items")

@router.on_event("shutdown")
def close():
    ...
""",
        """\
from starlette.applications import Starlette

def create_app() -> Starlette:
    application = Starlette()
    application.add_event_handler("startup", print)
    return application
""",
        """\
from fastapi import FastAPI

def configure(app: FastAPI) -> None:
    @app.on_event("startup")
    async def warm_up() -> None: ...
""",
    )

    def begin_file(self) -> None:
        self._registrations: list[_Registration] = []
        # Registrations no fix can move (in functions, on routers...): their presence means a
        # lifespan would make FastAPI skip them, so no registration of the module is moved.
        self._unmovable = 0

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if not isinstance(func, cst.Attribute):
            return
        method = func.attr.value
        if method not in ("on_event", "add_event_handler"):
            return
        if not self.context.is_app_or_router(func.value):
            return
        event = _event_name(node)
        target = self.context.code_for(func.value)
        what = f'"{event}" handler' if event else "event handler"
        message = (
            f"`{target}.{method}` is deprecated: move this {what} into a `lifespan` async "
            "context manager passed to `FastAPI(lifespan=...)`"
        )
        registration = _Registration(node, func.value, method, event, message)
        scope = self.context.scope
        if scope is not None and scope.parent is not None:
            self._unmovable += 1
            self.report(node, f"{message} (no automatic fix: registered inside `{scope.qualname}`)")
            return
        self._describe_handler(registration)
        self._registrations.append(registration)

    def _describe_handler(self, registration: _Registration) -> None:
        """Find the handler's name, whether it is async, and the edit that unregisters it."""
        node = registration.call
        ancestors = self.context.ancestors
        if registration.event not in ("startup", "shutdown"):
            registration.problem = 'the event is not a literal "startup" or "shutdown"'
            return
        if registration.method == "on_event":
            decorator = ancestors[-2] if len(ancestors) >= 2 else None
            function = ancestors[-3] if len(ancestors) >= 3 else None
            if not isinstance(decorator, cst.Decorator) or not isinstance(
                function, cst.FunctionDef
            ):
                registration.problem = "`on_event` is not used as a decorator"
                return
            if len(function.decorators) != 1:
                registration.problem = (
                    f"`{function.name.value}` has other decorators, so what `on_event` receives "
                    "is not the function itself"
                )
                return
            registration.handler = function.name.value
            registration.is_async = function.asynchronous is not None
            registration.removal = remove_lines(decorator)
            return
        statement = ancestors[-3] if len(ancestors) >= 3 else None
        if not (
            isinstance(ancestors[-2], cst.Expr)
            and isinstance(statement, cst.SimpleStatementLine)
            and len(statement.body) == 1
        ):
            registration.problem = "`add_event_handler` is not a statement of its own"
            return
        handler = _handler_argument(node)
        if not isinstance(handler, cst.Name):
            registration.problem = "the handler is not a plain function name"
            return
        is_async = self._function_is_async(handler.value)
        if is_async is None:
            registration.problem = (
                f"cannot tell whether `{handler.value}` is a function of this project, "
                "sync or async"
            )
            return
        registration.handler = handler.value
        registration.is_async = is_async
        registration.removal = remove_lines(statement)

    def _function_is_async(self, name: str) -> Optional[bool]:
        """Whether a module-level name is an async function; None when unknown."""
        module = self.context.module
        found = self.context.lookup(name)
        if module is None or found is None:
            return None
        binding, _ = found
        if binding.kind == "def":
            for statement in module.body:
                if isinstance(statement, cst.FunctionDef) and statement.name.value == name:
                    return statement.asynchronous is not None
            return None
        if binding.kind == "import" and binding.qualified is not None:
            qualified = self.context.project.resolve(binding.qualified)
            module_name, _, function = qualified.rpartition(".")
            facts = self.context.project.find_module(module_name)
            if facts is not None:
                return facts.functions.get(function)
        return None

    def end_file(self) -> None:
        if not self._registrations:
            return
        outcome = self._module_problem() or self._lifespan_fix()
        for registration in self._registrations:
            if isinstance(outcome, str):
                reason = registration.problem or outcome
                self.report(
                    registration.call, f"{registration.message} (no automatic fix: {reason})"
                )
            else:
                self.report(registration.call, registration.message, fix=outcome)

    def _module_problem(self) -> Optional[str]:
        """Why the registrations of this module cannot be moved all together, if they cannot."""
        if self._unmovable:
            return "other handlers of this module are registered inside functions"
        for registration in self._registrations:
            if registration.problem is not None:
                return registration.problem
        targets = {self.context.code_for(r.target) for r in self._registrations}
        if len(targets) > 1:
            return f"handlers are registered on several objects ({', '.join(sorted(targets))})"
        others = sorted(
            facts.name
            for facts in self.context.project.all_modules()
            if facts.event_handlers and facts.name != self.context.module_name
        )
        if others:
            return (
                f"`{others[0]}` also registers event handlers, which FastAPI would skip once "
                "the app has a lifespan"
            )
        return None

    def _lifespan_fix(self) -> Union[PendingFix, str]:
        """One fix for the module (the lifespan, `lifespan=lifespan`, the registrations gone),
        or why there is none."""
        creation = self._app_creation(self._registrations[0].target)
        if isinstance(creation, str):
            return creation
        statement, call = creation
        handlers: list[str] = []
        for registration in self._registrations:
            clash = self._name_problem(registration.handler or "")
            if clash is not None:
                return clash
        module = self.context.module
        assert module is not None
        indent = module.default_indent
        app_class = self.context.code_for(call.func)
        startup = [r for r in self._registrations if r.event == "startup"]
        shutdown = [r for r in self._registrations if r.event == "shutdown"]
        for registration in startup:
            handlers.append(_handler_call(registration, indent))
        handlers.append(f"{indent}yield\n")
        for registration in shutdown:
            handlers.append(_handler_call(registration, indent))
        lifespan = (
            "\n" * (2 - min(2, _blank_lines_above(statement))) + "@asynccontextmanager\n"
            f"async def lifespan(app: {app_class}):\n" + "".join(handlers) + "\n\n"
        )
        edits: list[AnyEdit] = [
            insert_before_lines(statement, lifespan),
            replace(call, _with_lifespan_argument(call)),
        ]
        edits.extend(r.removal for r in self._registrations if r.removal is not None)
        names = ", ".join(f"`{r.handler}`" for r in self._registrations)
        return self.make_fix(
            f"Run {names} from a `lifespan` context manager",
            *edits,
            applicability=Applicability.UNSAFE,
            imports=[("contextlib", "asynccontextmanager")],
        )

    def _app_creation(
        self, target: cst.BaseExpression
    ) -> Union[str, tuple[cst.SimpleStatementLine, cst.Call]]:
        """The module-level statement and `FastAPI(...)` call that create the app, or why not."""
        module = self.context.module
        assert module is not None
        if not isinstance(target, cst.Name):
            return f"`{self.context.code_for(target)}` is not a plain name"
        found = self.context.lookup(target.value)
        if found is None:
            return f"cannot find where `{target.value}` is created"
        binding, scope = found
        if binding.kind == "import":
            return (
                f"`{target.value}` is created in another module ({binding.qualified}); "
                "move these handlers into a lifespan there"
            )
        if scope.parent is not None or binding.kind != "local" or binding.value is None:
            return f"`{target.value}` is not assigned once at module level"
        call = binding.value
        if not isinstance(call, cst.Call):
            return f"`{target.value}` is not created by a `FastAPI(...)` call here"
        cls = self.context.qualified_name(call.func)
        if cls is None or cls not in APP_CLASSES:
            return f"`{target.value}` is an instance of a subclass, which may not take `lifespan=`"
        for arg in call.args:
            if arg.star:
                return f"`{self.context.code_for(call)}` passes `*` arguments"
            keyword = arg.keyword.value if arg.keyword is not None else None
            if keyword == "lifespan":
                return "the app already has a `lifespan`: move these handlers into it by hand"
            if keyword in ("on_startup", "on_shutdown"):
                return f"the app also gets `{keyword}=` handlers, which a lifespan replaces"
        for statement in module.body:
            if isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1:
                small = statement.body[0]
                if isinstance(small, (cst.Assign, cst.AnnAssign)) and small.value is call:
                    return statement, call
        app_class = self.context.code_for(call.func)
        return f"`{target.value} = {app_class}(...)` is not a plain module-level statement"

    def _name_problem(self, handler: str) -> Optional[str]:
        """Names the lifespan needs must mean one thing in the module."""
        bindings = self.context.names.bindings(self._module_scope())
        if len(bindings.get(handler, ())) != 1:
            return f"`{handler}` is bound more than once in this module"
        if "lifespan" in bindings:
            return "the module already has a `lifespan` name"
        imported = bindings.get("asynccontextmanager")
        if imported and {b.qualified for b in imported} != {"contextlib.asynccontextmanager"}:
            return "`asynccontextmanager` means something else in this module"
        return None

    def _module_scope(self) -> Scope:
        scope = self.context.scope
        assert scope is not None
        while scope.parent is not None:
            scope = scope.parent
        return scope


@dataclass
class _Registration:
    call: cst.Call
    target: cst.BaseExpression
    method: str
    event: str
    message: str
    handler: Optional[str] = None  # the function name the lifespan calls
    is_async: bool = False
    removal: Optional[NodeEdit] = None  # the decorator or statement that registers it
    problem: Optional[str] = None  # why it cannot be moved automatically


def _blank_lines_above(statement: cst.SimpleStatementLine) -> int:
    """Blank lines between the statement (or the comments above it) and the code before it."""
    count = 0
    for line in statement.leading_lines:
        if line.comment is not None:
            break
        count += 1
    return count


def _handler_call(registration: _Registration, indent: str) -> str:
    awaited = "await " if registration.is_async else ""
    return f"{indent}{awaited}{registration.handler}()\n"


def _handler_argument(call: cst.Call) -> Optional[cst.BaseExpression]:
    for index, arg in enumerate(call.args):
        if arg.keyword is not None and arg.keyword.value == "func":
            return arg.value
        if arg.keyword is None and index == 1:
            return arg.value
    return None


def _with_lifespan_argument(call: cst.Call) -> cst.Call:
    """`call` with `lifespan=lifespan` appended, in the layout the call already has."""
    new_arg = cst.Arg(
        keyword=cst.Name("lifespan"),
        value=cst.Name("lifespan"),
        equal=cst.AssignEqual(
            whitespace_before=cst.SimpleWhitespace(""),
            whitespace_after=cst.SimpleWhitespace(""),
        ),
    )
    args = list(call.args)
    if not args:
        return call.with_changes(args=[new_arg])
    last = args[-1]
    # Between arguments: what the call uses already (a newline and indent in a multi-line call).
    separator: cst.BaseParenthesizableWhitespace = cst.SimpleWhitespace(" ")
    if len(args) >= 2 and isinstance(args[-2].comma, cst.Comma):
        separator = args[-2].comma.whitespace_after
    elif isinstance(call.whitespace_before_args, cst.ParenthesizedWhitespace):
        separator = call.whitespace_before_args
    if isinstance(last.comma, cst.Comma):
        # A trailing comma stays trailing: the new argument takes the old last one's comma.
        args[-1] = last.with_changes(comma=cst.Comma(whitespace_after=separator))
        new_arg = new_arg.with_changes(comma=last.comma)
    else:
        args[-1] = last.with_changes(
            comma=cst.Comma(whitespace_after=separator),
            whitespace_after_arg=cst.SimpleWhitespace(""),
        )
        new_arg = new_arg.with_changes(whitespace_after_arg=last.whitespace_after_arg)
    return call.with_changes(args=[*args, new_arg])


def _event_name(call: cst.Call) -> str:
    """The literal event of `on_event(event_type)` / `add_event_handler(event_type, func)`."""
    for index, arg in enumerate(call.args):
        keyword = arg.keyword.value if arg.keyword is not None else None
        is_event = keyword == "event_type" or (keyword is None and index == 0)
        if is_event and isinstance(arg.value, cst.SimpleString):
            value = arg.value.evaluated_value
            return value if isinstance(value, str) else ""
    return ""


RULES: tuple[type[Rule], ...] = (OnEventDeprecated,)
