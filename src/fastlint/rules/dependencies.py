"""Dependency injection: what `Depends()` receives and how `yield` dependencies clean up."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Optional, Union

import libcst as cst

from fastlint.engine.findings import Applicability, Severity
from fastlint.engine.names import Scope
from fastlint.engine.project import ModuleFacts, ProjectIndex
from fastlint.engine.rule import Example, Rule, remove_lines
from fastlint.engine.source import word_first
from fastlint.engine.thinning import Definition
from fastlint.engine.walk import iter_children

DEPENDS_CALLEES = frozenset(
    f"{module}.{name}"
    for module in ("fastapi", "fastapi.params", "fastapi.param_functions")
    for name in ("Depends", "Security")
)
CONTEXT_MANAGER_DECORATORS = frozenset(
    {"contextlib.contextmanager", "contextlib.asynccontextmanager"}
)


# `D = Depends` / `D = fastapi.Security`: an alias the text does not show at the call.
_DEPENDS_ALIAS = re.compile(
    r"^[ \t\f]*\w+[ \t]*(?::[^=\n]*)?=[ \t]*(?:[\w.]+\.)?(?:Depends|Security)[ \t]*(?:#.*)?$", re.M
)
_DEPENDS_WORDS = ("Depends", "Security")
_DEF_WORD = re.compile(word_first("def") + r"\b")
# A `match` statement (a soft keyword: not `match = ...`, `match.group()`, `match: str`).
_MATCH_LINE = re.compile(r"^[ \t\f]*match\b(?![ \t]*(?:[.,:)\]}]|[-+*/%&|^@]?=(?!=)|$))", re.M)
LOCALS = ".<locals>."


def _depends_alias(facts: ModuleFacts, project: ProjectIndex) -> bool:
    """`Depends`/`Security` under another name: `import ... as`, a project re-export, `D = ...`."""
    for local, qualified in facts.imports.items():
        if local in _DEPENDS_WORDS:
            continue
        if qualified.rpartition(".")[2] in _DEPENDS_WORDS:
            return True
        if "." in qualified and project.resolve(qualified) in DEPENDS_CALLEES:
            return True
    return False


def may_call_depends(text: str, facts: Optional[ModuleFacts], project: ProjectIndex) -> bool:
    """Whether a `Depends(...)`/`Security(...)` call (qualified to FastAPI) may be in the file."""
    if any(word in text for word in _DEPENDS_WORDS):
        return True
    return facts is None or _depends_alias(facts, project)


def _recorded_targets_complete(text: str, facts: ModuleFacts, project: ProjectIndex) -> bool:
    """Whether `facts.dependencies` holds every `Depends`/`Security` target of the file.

    The facts record calls written `Depends(...)`/`x.Security(...)`; aliases escape them.
    """
    return _DEPENDS_ALIAS.search(text) is None and not _depends_alias(facts, project)


def _context_manager_names(project: ProjectIndex) -> Optional[re.Pattern[str]]:
    """Where a context-manager-decorated project function may be passed to `Depends()`: its
    name, or one that an import leading to it uses. None when the project has no such function.

    Built once per index; the answer depends on every module.
    """
    return project.derived("fl302-names", lambda: _build_context_manager_names(project))


def _build_context_manager_names(project: ProjectIndex) -> Optional[re.Pattern[str]]:
    modules = project.all_modules()
    names: set[str] = set()
    for module in modules:
        for qualname, decorators in module.decorators.items():
            if any(project.resolve(name) in CONTEXT_MANAGER_DECORATORS for name in decorators):
                names.add(qualname.rpartition(".")[2])
    if names:
        for module in modules:
            for local, qualified in module.imports.items():
                if project.resolve(qualified).rpartition(".")[2] in names:
                    names.update((local, qualified.rpartition(".")[2]))
    words = "|".join(map(re.escape, sorted(names)))
    # As a `Depends()` argument the name is followed by `,` or `)` (or a comment); `as` keeps
    # an import that renames it (possibly inside a function, where the facts do not look).
    follows = r"(?=[\s\\]*(?:[,)#]|as\b))"
    return re.compile(rf"\b(?:{words})\b{follows}") if names else None


def dependency_target(call: cst.Call) -> Optional[cst.BaseExpression]:
    """What `Depends(x)` / `Depends(dependency=x)` / `Security(x, scopes=...)` receives."""
    for arg in call.args:
        if arg.keyword is None and arg.star == "":
            return arg.value
        if arg.keyword is not None and arg.keyword.value == "dependency":
            return arg.value
    return None


def _module_scope(scope: Scope) -> Scope:
    while scope.parent is not None:
        scope = scope.parent
    return scope


def _module_functions(module: cst.Module) -> dict[str, cst.FunctionDef]:
    """Functions defined at module level (also under `if`/`try`) and methods, by qualname."""
    found: dict[str, cst.FunctionDef] = {}

    def visit(body: Sequence[cst.CSTNode], prefix: str) -> None:
        for stmt in body:
            if isinstance(stmt, cst.FunctionDef):
                found.setdefault(prefix + stmt.name.value, stmt)
            elif isinstance(stmt, cst.ClassDef):
                visit(_block(stmt.body), f"{prefix}{stmt.name.value}.")
            elif not prefix and isinstance(stmt, (cst.If, cst.Try, cst.TryStar, cst.With)):
                for child in _child_blocks(stmt):
                    visit(child, prefix)

    visit(module.body, "")
    return found


def _block(suite: cst.BaseSuite) -> Sequence[cst.BaseStatement]:
    if isinstance(suite, cst.IndentedBlock):
        return suite.body
    return ()  # a one-line suite holds only small statements


def _child_blocks(stmt: cst.BaseCompoundStatement) -> Iterator[Sequence[cst.BaseStatement]]:
    yield _block(stmt.body)
    if isinstance(stmt, (cst.Try, cst.TryStar)):
        for handler in stmt.handlers:
            yield _block(handler.body)
        if stmt.orelse is not None:
            yield _block(stmt.orelse.body)
        if stmt.finalbody is not None:
            yield _block(stmt.finalbody.body)
    elif isinstance(stmt, cst.If):
        orelse = stmt.orelse
        while isinstance(orelse, cst.If):
            yield _block(orelse.body)
            orelse = orelse.orelse
        if orelse is not None:
            yield _block(orelse.body)


class ContextManagerDependency(Rule):
    code = "FL302"
    name = "context-manager-dependency"
    severity = Severity.ERROR
    summary = (
        "`Depends()` on a `@contextmanager`/`@asynccontextmanager` function: FastAPI does not "
        "enter it, so the route never gets the yielded value"
    )
    tags = ("dependencies", "bug")
    fix = Applicability.UNSAFE
    triggers = ("Depends", "Security")

    # Reads the decorators of the function a `Depends()` call names (its fix removes one).
    named_bodies = False

    @classmethod
    def could_fire_in(cls, definition: Definition) -> bool:
        """Findings sit on `Depends()` calls; the function they name is kept because they
        name it."""
        return may_call_depends(definition.text, definition.facts, definition.project)

    @classmethod
    def reads_body(cls, definition: Definition) -> bool:
        """For the `Depends()` calls in it (the fix edits the function they name)."""
        return may_call_depends(definition.body, definition.facts, definition.project)

    @classmethod
    def could_fire(cls, text: str, facts: Optional[ModuleFacts], project: ProjectIndex) -> bool:
        if not may_call_depends(text, facts, project):
            return False
        if facts is None or "contextmanager" in text:
            return True
        # A function of this file decorated with a (re-exported) context manager decorator.
        for names in facts.decorators.values():
            if any(project.resolve(name) in CONTEXT_MANAGER_DECORATORS for name in names):
                return True
        if not _recorded_targets_complete(text, facts, project):
            return True  # an alias of `Depends` hides calls from the facts
        # A target from another module: its name (or a re-export's) is in the text, also when
        # it is imported inside a function, where the facts do not look.
        imported = _context_manager_names(project)
        if imported is not None and imported.search(text):
            return True
        for target in facts.dependencies:
            decorators = project.function_decorators(target)
            if decorators and any(d in CONTEXT_MANAGER_DECORATORS for d in decorators):
                return True
        return False

    docs = """\
## What it does
Finds `Depends(f)` and `Security(f)` (also inside `Annotated[...]` and `dependencies=[...]`)
where `f` is decorated with `@contextlib.contextmanager` or `@contextlib.asynccontextmanager`,
whether `f` is defined in the same module or imported from another module of the project.

## Why is this bad?
FastAPI runs generator functions as `yield` dependencies itself: it calls them, injects the
yielded value and runs the code after `yield` once the response is done. A function wrapped in
`@asynccontextmanager` is no longer a generator function; calling it returns a context manager
object. Depending on the FastAPI version, the route receives that object instead of the
session or client it expected (and fails on first use), or the request fails when FastAPI
tries to iterate it. Either way the setup and cleanup code never run as intended.

## Example
```python
from contextlib import asynccontextmanager

@asynccontextmanager
async def get_session():
    async with SessionLocal() as session:
        yield session

@app.get("/items")
async def list_items(session: AsyncSession = Depends(get_session)): ...
```

## Use instead
```python
async def get_session():
    async with SessionLocal() as session:
        yield session
```

## Fix safety
The fix removes the decorator (and leaves the `contextlib` import for your import sorter or
`ruff --fix` to clean up). FastAPI then drives the generator exactly as the decorator would
have. It is unsafe because other code may still use the function as a context manager
(`async with get_session() as session:`), which breaks once the decorator is gone; keep a
decorated copy for those callers if so. Only functions defined in the same file are fixed.

## References
- [FastAPI: Dependencies with yield](https://fastapi.tiangolo.com/tutorial/dependencies/dependencies-with-yield/)
- [contextlib.asynccontextmanager](https://docs.python.org/3/library/contextlib.html#contextlib.asynccontextmanager)
"""
    valid = (
        """\
from fastapi import Depends, FastAPI

app = FastAPI()

async def get_session():
    session = object()
    try:
        yield session
    finally:
        pass

@app.get("/")
async def index(session=Depends(get_session)): ...
""",
        """\
from contextlib import asynccontextmanager
from fastapi import FastAPI

@asynccontextmanager
async def lifespan(app: FastAPI):
    yield

app = FastAPI(lifespan=lifespan)
""",
        """\
from contextlib import contextmanager
from fastapi import Depends

@contextmanager
def transaction():
    yield

def get_db():
    with transaction():
        yield 1

def route(db=Depends(get_db)): ...
""",
    )
    invalid = (
        Example(
            """\
from contextlib import asynccontextmanager
from fastapi import Depends, FastAPI

app = FastAPI()

@asynccontextmanager
async def get_session():
    yield "session"

@app.get("/")
async def index(session=Depends(get_session)): ...
""",
            fixed="""\
from contextlib import asynccontextmanager
from fastapi import Depends, FastAPI

app = FastAPI()

async def get_session():
    yield "session"

@app.get("/")
async def index(session=Depends(get_session)): ...
""",
        ),
        """\
import contextlib as cl
from typing import Annotated
from fastapi import Security

@cl.contextmanager
def get_client():
    yield "client"

Client = Annotated[str, Security(get_client)]
""",
        Example(
            """\
from fastapi import Depends
from app.db import get_session

def route(session=Depends(get_session)): ...
""",
            files={
                "app/__init__.py": "",
                "app/db.py": """\
from contextlib import asynccontextmanager

@asynccontextmanager
async def get_session():
    yield "session"
""",
            },
        ),
    )

    def begin_file(self) -> None:
        self._functions: Optional[dict[str, cst.FunctionDef]] = None

    def _local_function(self, qualified: str) -> Optional[cst.FunctionDef]:
        prefix = f"{self.context.module_name}."
        if not qualified.startswith(prefix) or self.context.module is None:
            return None
        if self._functions is None:
            self._functions = _module_functions(self.context.module)
        return self._functions.get(qualified[len(prefix) :])

    def _context_manager_decorator(
        self, function: cst.FunctionDef
    ) -> Optional[tuple[cst.Decorator, str]]:
        assert self.context.scope is not None
        module_scope = _module_scope(self.context.scope)
        for decorator in function.decorators:
            name = self.context.names.qualified_name(decorator.decorator, module_scope)
            if name is not None and self.context.project.resolve(name) in (
                CONTEXT_MANAGER_DECORATORS
            ):
                return decorator, name.rpartition(".")[2]
        return None

    def visit_Call(self, node: cst.Call) -> None:
        callee = self.context.qualified_name(node.func)
        if callee not in DEPENDS_CALLEES:
            return
        target = dependency_target(node)
        if target is None:
            return
        qualified = self.context.qualified_name(target)
        if qualified is None:
            return
        shown = self.context.code_for(target)
        local = self._local_function(qualified)
        if local is not None:
            found = self._context_manager_decorator(local)
            if found is None:
                return
            decorator, decorator_name = found
            fix = self.make_fix(
                f"Remove `@{decorator_name}` from `{local.name.value}`",
                remove_lines(decorator),
                applicability=Applicability.UNSAFE,
            )
            self.report(node, _message(shown, decorator_name), fix=fix)
            return
        decorators = self.context.project.function_decorators(qualified)
        for name in decorators or ():
            if name in CONTEXT_MANAGER_DECORATORS:
                self.report(node, _message(shown, name.rpartition(".")[2]))
                return


def _message(target: str, decorator: str) -> str:
    return (
        f"`{target}` is decorated with `@{decorator}`: FastAPI does not enter context managers, "
        "so the route gets the context manager object instead of the yielded value; remove the "
        "decorator and FastAPI runs the generator as a `yield` dependency"
    )


# --- FL303 ---------------------------------------------------------------------------------


def _contains_yield(node: cst.CSTNode) -> bool:
    """A `yield` in this node, not counting nested functions, lambdas and classes."""
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, cst.Yield):
            return True
        if isinstance(current, (cst.FunctionDef, cst.Lambda, cst.ClassDef)) and current is not node:
            continue
        stack.extend(iter_children(current))
    return False


def _is_trivial(stmt: cst.BaseStatement) -> bool:
    """Statements whose skipping loses nothing: `pass`, `...`, a bare `return`."""
    if not isinstance(stmt, cst.SimpleStatementLine):
        return False
    for small in stmt.body:
        if isinstance(small, cst.Pass):
            continue
        if isinstance(small, cst.Return) and (
            small.value is None or isinstance(small.value, cst.Name) and small.value.value == "None"
        ):
            continue
        if isinstance(small, cst.Expr) and isinstance(
            small.value, (cst.Ellipsis, cst.SimpleString, cst.ConcatenatedString)
        ):
            continue
        return False
    return True


def _ends_path(stmt: cst.BaseStatement) -> bool:
    """`return`, `raise`, `break` or `continue`: what follows in the block is not reached."""
    return isinstance(stmt, cst.SimpleStatementLine) and any(
        isinstance(small, (cst.Return, cst.Raise, cst.Break, cst.Continue)) for small in stmt.body
    )


def _reraises(handler: Union[cst.ExceptHandler, cst.ExceptStarHandler]) -> bool:
    body = _block(handler.body)
    if not body:
        suite = handler.body
        small = suite.body if isinstance(suite, cst.SimpleStatementSuite) else ()
        return bool(small) and isinstance(small[-1], cst.Raise)
    last = body[-1]
    return (
        isinstance(last, cst.SimpleStatementLine)
        and bool(last.body)
        and isinstance(last.body[-1], cst.Raise)
    )


@dataclass
class _Unprotected:
    yield_stmt: cst.BaseStatement
    cleanup: cst.BaseStatement


def _unprotected_cleanup(
    block: Sequence[cst.BaseStatement], after: Sequence[cst.BaseStatement]
) -> Optional[_Unprotected]:
    """The first statement that runs after a `yield` only when no exception is thrown into it.

    `after` holds the statements that follow this block in the enclosing blocks, up to the
    nearest `finally`/`with`/exception handler that would still run them.
    """
    for index, stmt in enumerate(block):
        following = [*block[index + 1 :], *after]
        if isinstance(stmt, cst.SimpleStatementLine):
            if _contains_yield(stmt):
                for candidate in following:
                    if _ends_path(candidate):
                        break  # `yield; return`: nothing after it runs on this path anyway
                    if not _is_trivial(candidate):
                        return _Unprotected(stmt, candidate)
            continue
        if isinstance(stmt, (cst.FunctionDef, cst.ClassDef)):
            continue
        if not isinstance(stmt, cst.BaseCompoundStatement) or not _contains_yield(stmt):
            continue
        found: Optional[_Unprotected] = None
        if isinstance(stmt, cst.With):
            # `__exit__` cleans up; code after the yield inside is the success path (commit).
            continue
        if isinstance(stmt, (cst.Try, cst.TryStar)):
            handlers: Sequence[Union[cst.ExceptHandler, cst.ExceptStarHandler]] = stmt.handlers
            if stmt.finalbody is not None or not all(_reraises(h) for h in handlers):
                # Cleanup in `finally`, or an exception thrown at the yield is handled here.
                continue
            orelse = _block(stmt.orelse.body) if stmt.orelse is not None else ()
            found = _unprotected_cleanup(_block(stmt.body), [*orelse, *following])
        elif isinstance(stmt, (cst.If, cst.For, cst.While)):
            for child in _child_blocks(stmt):
                found = found or _unprotected_cleanup(child, following)
            if isinstance(stmt, (cst.For, cst.While)) and stmt.orelse is not None:
                found = found or _unprotected_cleanup(_block(stmt.orelse.body), following)
        if found is not None:
            return found
    return None


@dataclass
class _Candidate:
    qualified: str
    name: str
    problem: _Unprotected


class DependencyCleanupNotInFinally(Rule):
    code = "FL303"
    name = "dependency-cleanup-not-in-finally"
    severity = Severity.WARNING
    summary = (
        "Cleanup after `yield` in a dependency is not in `finally` or a `with` block, so it is "
        "skipped when the route raises"
    )
    tags = ("dependencies", "resources")
    triggers = ("yield",)

    # A generator it reports in is kept for its own `yield`.
    named_bodies = False

    @classmethod
    def could_fire_in(cls, definition: Definition) -> bool:
        """The generator, and every `Depends()` call that may make one of this file a
        dependency."""
        return "yield" in definition.text or may_call_depends(
            definition.text, definition.facts, definition.project
        )

    @classmethod
    def reads_body(cls, definition: Definition) -> bool:
        """A generator's, and one that calls `Depends()` inside: a route that only declares
        its dependencies in its signature is read for those."""
        return "yield" in definition.body or may_call_depends(
            definition.body, definition.facts, definition.project
        )

    @classmethod
    def could_fire(cls, text: str, facts: Optional[ModuleFacts], project: ProjectIndex) -> bool:
        if "yield" not in text:
            return False  # no generator at all
        if facts is None:
            return True
        if len(_DEF_WORD.findall(text)) == len(facts.callables):
            generators = [q for q, summary in facts.callables.items() if summary.is_generator]
        else:
            # A summary per `def` word is missing: the word in a comment or string, a function
            # in a `match` case (not summarised) or a second function of the same qualname
            # (whose summary replaced the first, `is_generator` included).
            if not facts.callables or _MATCH_LINE.search(text):
                return True
            generators = list(facts.callables)
        if not generators:
            return False
        if may_call_depends(text, facts, project):
            # Used as a dependency in this file: its name then also appears, not called, in the
            # `Depends()` call (or in an import that aliases it); `def name(` is followed by `(`.
            for qualname in generators:
                name = qualname.rpartition(".")[2]
                if re.search(rf"{word_first(name)}\b(?![\s\\]*\()", text):
                    return True
        # Passed to `Depends()` by another module: nested functions have no importable name.
        prefix = f"{facts.name}." if facts.name else ""
        return any(
            project.is_dependency(prefix + qualname)
            for qualname in generators
            if LOCALS not in qualname
        )

    docs = """\
## What it does
Finds generator functions used as dependencies (`Depends(f)` or `Security(f)` anywhere in the
project) with statements after `yield` that are neither in a `finally:` clause nor protected
by a `with` block.

Only functions that the project actually passes to `Depends()`/`Security()` are checked, so
lifespan handlers and other generators are left alone.

## Why is this bad?
When the route (or a later dependency) raises, FastAPI throws the exception into the
dependency at its `yield`. Code after a bare `yield` then never runs: database sessions stay
open, connections are not returned to the pool, locks are not released. The leak only shows
under errors, which is exactly when pools run dry.

## Example
```python
def get_db():
    db = SessionLocal()
    yield db
    db.close()
```

## Use instead
```python
def get_db():
    db = SessionLocal()
    try:
        yield db
    finally:
        db.close()
```
or `with SessionLocal() as db: yield db`.

## Fix safety
No automatic fix: an `except` clause that swallows the exception would change what the client
sees, and where the `try` should start depends on the setup code.

## References
- [FastAPI: Dependencies with yield and try](https://fastapi.tiangolo.com/tutorial/dependencies/dependencies-with-yield/#a-database-dependency-with-yield)
"""
    valid = (
        """\
from fastapi import Depends

def get_db():
    db = connect()
    try:
        yield db
    finally:
        db.close()

def route(db=Depends(get_db)): ...
""",
        """\
from fastapi import Depends

async def get_client():
    async with Client() as client:
        yield client

def route(client=Depends(get_client)): ...
""",
        """\
def numbers():
    yield 1
    print("done")
""",
        """\
from contextlib import asynccontextmanager

@asynccontextmanager
async def lifespan(app):
    pool = await open_pool()
    yield
    await pool.close()
""",
        """\
from fastapi import Depends

def get_db():
    db = connect()
    try:
        yield db
    except Exception:
        db.rollback()
    db.close()

def route(db=Depends(get_db)): ...
""",
    )
    invalid = (
        """\
from fastapi import Depends, FastAPI

app = FastAPI()

def get_db():
    db = connect()
    yield db
    db.close()

@app.get("/")
def index(db=Depends(get_db)): ...
""",
        """\
from fastapi import Depends

def get_db():
    db = connect()
    try:
        yield db
    except Exception:
        db.rollback()
        raise
    db.close()

def route(db=Depends(get_db)): ...
""",
        Example(
            """\
async def get_redis():
    redis = await open_redis()
    yield redis
    await redis.close()
""",
            files={
                "routes.py": """\
from typing import Annotated
from fastapi import Depends
from example import get_redis

Redis = Annotated[object, Depends(get_redis)]
""",
            },
        ),
    )

    def begin_file(self) -> None:
        self._candidates: list[_Candidate] = []
        self._local_targets: set[str] = set()

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        body = _block(node.body)
        if not body or not _contains_yield(node.body):
            return
        problem = _unprotected_cleanup(body, ())
        if problem is None:
            return
        scope = self.context.scope
        assert scope is not None
        prefix = scope.qualname + (".<locals>" if scope.is_function else "")
        qualname = f"{prefix}.{node.name.value}" if prefix else node.name.value
        module = self.context.module_name
        qualified = f"{module}.{qualname}" if module else qualname
        self._candidates.append(_Candidate(qualified, node.name.value, problem))

    def visit_Call(self, node: cst.Call) -> None:
        if self.context.qualified_name(node.func) not in DEPENDS_CALLEES:
            return
        target = dependency_target(node)
        qualified = self.context.qualified_name(target) if target is not None else None
        if qualified is not None:
            self._local_targets.add(qualified)

    def end_file(self) -> None:
        project = self.context.project
        for candidate in self._candidates:
            used = candidate.qualified in self._local_targets or project.is_dependency(
                candidate.qualified
            )
            if not used:
                continue
            self.report(
                candidate.problem.cleanup,
                f"cleanup after `yield` in dependency `{candidate.name}` is skipped when the "
                "route raises: wrap the `yield` in `try:` and move this code to `finally:` "
                "(or use a `with` block)",
            )


RULES: tuple[type[Rule], ...] = (ContextManagerDependency, DependencyCleanupNotInFinally)
