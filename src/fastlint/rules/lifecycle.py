"""Application lifecycle and dependencies: how FastAPI starts, stops and injects."""

from __future__ import annotations

import libcst as cst

from fastlint.engine.findings import Severity
from fastlint.engine.rule import Rule


class OnEventDeprecated(Rule):
    code = "FL301"
    name = "on-event-deprecated"
    severity = Severity.WARNING
    summary = "`on_event` startup/shutdown handlers are deprecated; use a lifespan context manager"
    tags = ("deprecated", "lifecycle")
    triggers = ("on_event", "add_event_handler")
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
No automatic fix yet.

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
        self.report(
            node,
            f"`{target}.{method}` is deprecated: move this {what} into a `lifespan` async "
            "context manager passed to `FastAPI(lifespan=...)`",
        )


def _event_name(call: cst.Call) -> str:
    if call.args and isinstance(call.args[0].value, cst.SimpleString):
        value = call.args[0].value.evaluated_value
        return value if isinstance(value, str) else ""
    return ""


RULES: tuple[type[Rule], ...] = (OnEventDeprecated,)
