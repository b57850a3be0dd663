"""FL302 context-manager-dependency and FL303 dependency-cleanup-not-in-finally."""

from __future__ import annotations

from pathlib import Path

import pytest

from fastlint.engine.findings import Applicability
from fastlint.rules.dependencies import ContextManagerDependency, DependencyCleanupNotInFinally
from tests.helpers import lint_tree, write_tree

# --- FL302 ---------------------------------------------------------------------------------


def _fl302(tmp_path: Path, files: dict[str, str]) -> list[tuple[str, int]]:
    write_tree(tmp_path, files)
    findings = lint_tree(tmp_path, [ContextManagerDependency])
    return [(f.path, f.line) for f in findings]


def test_same_module_aliased_decorator_is_found_with_unsafe_fix(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "app.py": (
                "from contextlib import asynccontextmanager as acm\n"
                "from fastapi import Depends\n"
                "@acm\n"
                "async def get_session():\n"
                "    yield 1\n"
                "async def route(s=Depends(dependency=get_session)): ...\n"
            )
        },
    )
    [finding] = lint_tree(tmp_path, [ContextManagerDependency])
    assert finding.line == 6
    assert "@asynccontextmanager" in finding.message
    assert finding.fix is not None and finding.fix.applicability is Applicability.UNSAFE


def test_imported_dependency_is_followed_across_modules(tmp_path: Path) -> None:
    findings = _fl302(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/db.py": (
                "import contextlib\n@contextlib.contextmanager\ndef get_db():\n    yield 1\n"
            ),
            # Re-exported by a package, then imported under another name.
            "app/deps/__init__.py": "from app.db import get_db\n",
            "app/routes.py": (
                "from typing import Annotated\n"
                "from fastapi import Security\n"
                "from app.deps import get_db as database\n"
                "Db = Annotated[object, Security(database, scopes=['read'])]\n"
            ),
        },
    )
    assert findings == [("app/routes.py", 4)]


def test_cross_module_finding_has_no_fix(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "deps.py": (
                "from contextlib import asynccontextmanager\n"
                "@asynccontextmanager\n"
                "async def get_client():\n"
                "    yield 1\n"
            ),
            "main.py": (
                "from fastapi import Depends\n"
                "import deps\n"
                "async def route(c=Depends(deps.get_client)): ...\n"
            ),
        },
    )
    [finding] = lint_tree(tmp_path, [ContextManagerDependency])
    assert finding.path == "main.py" and finding.fix is None


@pytest.mark.parametrize(
    "code",
    [
        # A plain generator: FastAPI drives it itself.
        "from fastapi import Depends\n"
        "def get_db():\n"
        "    yield 1\n"
        "def route(db=Depends(get_db)): ...\n",
        # A decorator of the project that happens to be called contextmanager.
        "from fastapi import Depends\n"
        "def contextmanager(f):\n"
        "    return f\n"
        "@contextmanager\n"
        "def get_db():\n"
        "    yield 1\n"
        "def route(db=Depends(get_db)): ...\n",
        # A context manager used in a `with` inside a dependency, not as the dependency.
        "from contextlib import contextmanager\n"
        "from fastapi import Depends\n"
        "@contextmanager\n"
        "def session():\n"
        "    yield 1\n"
        "def get_db():\n"
        "    with session() as s:\n"
        "        yield s\n"
        "def route(db=Depends(get_db)): ...\n",
        # `Depends` of another library.
        "from contextlib import contextmanager\n"
        "from injector import Depends\n"
        "@contextmanager\n"
        "def get_db():\n"
        "    yield 1\n"
        "def route(db=Depends(get_db)): ...\n",
    ],
)
def test_fl302_negative(tmp_path: Path, code: str) -> None:
    assert _fl302(tmp_path, {"app.py": code}) == []


# --- FL303 ---------------------------------------------------------------------------------


def _fl303(tmp_path: Path, files: dict[str, str]) -> list[tuple[str, int]]:
    write_tree(tmp_path, files)
    findings = lint_tree(tmp_path, [DependencyCleanupNotInFinally])
    return [(f.path, f.line) for f in findings]


ROUTE = "from fastapi import Depends\ndef route(dep=Depends(dep_fn)): ...\n"


@pytest.mark.parametrize(
    ("body", "line"),
    [
        ("def dep_fn():\n    db = connect()\n    yield db\n    db.close()\n", 4),
        # Cleanup after a try whose handler re-raises.
        (
            "def dep_fn():\n"
            "    db = connect()\n"
            "    try:\n"
            "        yield db\n"
            "    except Exception:\n"
            "        db.rollback()\n"
            "        raise\n"
            "    db.close()\n",
            8,
        ),
        # A yield in one branch; the cleanup after the `if` is skipped on errors.
        (
            "async def dep_fn(flag: bool):\n"
            "    conn = await pool.acquire()\n"
            "    if flag:\n"
            "        yield conn\n"
            "    else:\n"
            "        yield None\n"
            "    await pool.release(conn)\n",
            7,
        ),
        # `pass` and docstrings are not cleanup; what follows them is.
        ("def dep_fn():\n    yield 1\n    pass\n    release()\n", 4),
    ],
)
def test_fl303_positive(tmp_path: Path, body: str, line: int) -> None:
    code = body + ROUTE
    assert _fl303(tmp_path, {"app.py": code}) == [("app.py", line)]


@pytest.mark.parametrize(
    "body",
    [
        "def dep_fn():\n    db = connect()\n    try:\n        yield db\n    finally:\n"
        "        db.close()\n",
        # Code after the yield inside try/finally or with is the success path (commit).
        "def dep_fn():\n    db = connect()\n    try:\n        yield db\n        db.commit()\n"
        "    finally:\n        db.close()\n",
        "async def dep_fn():\n    async with Session() as s:\n        yield s\n"
        "        await s.commit()\n",
        # A handler that swallows the error lets the code after the try run.
        "def dep_fn():\n    try:\n        yield 1\n    except Exception:\n        log()\n"
        "    release()\n",
        # Nothing after the yield, or only a return.
        "def dep_fn():\n    setup()\n    yield 1\n",
        "def dep_fn():\n    yield 1\n    return\n",
        # `yield; return` in a branch: the cleanup after the branch is on another path.
        "async def dep_fn(mode: str):\n"
        "    if mode != 'real':\n"
        "        yield\n"
        "        return\n"
        "    token = attach()\n"
        "    try:\n"
        "        yield\n"
        "    finally:\n"
        "        detach(token)\n",
        # The yield belongs to a nested function.
        "def dep_fn():\n    def gen():\n        yield 1\n        cleanup()\n    return gen\n",
    ],
)
def test_fl303_negative(tmp_path: Path, body: str) -> None:
    assert _fl303(tmp_path, {"app.py": body + ROUTE}) == []


def test_fl303_generator_not_used_as_dependency_is_ignored(tmp_path: Path) -> None:
    code = (
        "from contextlib import asynccontextmanager\n"
        "@asynccontextmanager\n"
        "async def lifespan(app):\n"
        "    pool = await open_pool()\n"
        "    yield\n"
        "    await pool.close()\n"
        "def chunks():\n"
        "    yield 1\n"
        "    log('done')\n"
    )
    assert _fl303(tmp_path, {"app.py": code}) == []


def test_fl303_dependency_used_in_another_module(tmp_path: Path) -> None:
    findings = _fl303(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/deps.py": "def get_db():\n    db = connect()\n    yield db\n    db.close()\n",
            "app/api/__init__.py": "",
            "app/api/items.py": (
                "from fastapi import APIRouter, Depends\n"
                "from ..deps import get_db\n"
                "router = APIRouter(dependencies=[Depends(get_db)])\n"
            ),
        },
    )
    assert findings == [("app/deps.py", 4)]


def test_fl303_same_name_in_another_module_is_not_confused(tmp_path: Path) -> None:
    findings = _fl303(
        tmp_path,
        {
            "a.py": "def get_db():\n    db = connect()\n    yield db\n    db.close()\n",
            "b.py": (
                "from fastapi import Depends\n"
                "def get_db():\n"
                "    db = connect()\n"
                "    try:\n"
                "        yield db\n"
                "    finally:\n"
                "        db.close()\n"
                "def route(db=Depends(get_db)): ...\n"
            ),
        },
    )
    assert findings == []


def test_namespace_package_modules_are_matched(tmp_path: Path) -> None:
    # `internal/` has no `__init__.py`: the index knows `internal/db.py` as `db`, while the
    # routes import it as `app.internal.db`.
    files = {
        "app/__init__.py": "",
        "app/internal/db.py": (
            "from contextlib import asynccontextmanager\n"
            "@asynccontextmanager\n"
            "async def get_ctx():\n"
            "    yield 1\n"
            "def get_db():\n"
            "    db = connect()\n"
            "    yield db\n"
            "    db.close()\n"
        ),
        "app/routes.py": (
            "from fastapi import Depends\n"
            "from app.internal.db import get_ctx, get_db\n"
            "def route(db=Depends(get_db), ctx=Depends(get_ctx)): ...\n"
        ),
    }
    write_tree(tmp_path, files)
    findings = lint_tree(tmp_path, [ContextManagerDependency, DependencyCleanupNotInFinally])
    assert sorted((f.code, f.path, f.line) for f in findings) == [
        ("FL302", "app/routes.py", 3),
        ("FL303", "app/internal/db.py", 8),
    ]
