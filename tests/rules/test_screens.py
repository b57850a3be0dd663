"""Screens (`Rule.could_fire`): no for unrelated files, yes wherever the rule can report."""

from __future__ import annotations

from pathlib import Path

import pytest

from fastlint.engine.project import ProjectIndex, extract_facts
from fastlint.engine.rule import Rule
from fastlint.rules.dependencies import ContextManagerDependency, DependencyCleanupNotInFinally
from fastlint.rules.routes import MissingResponseModel, PathParameterMismatch, RouteShadowing
from tests.helpers import lint_tree, write_tree


def _could_fire(tmp_path: Path, rule: type[Rule], files: dict[str, str], path: str) -> bool:
    """The screen's answer for `path`, with the whole tree indexed as the runner does."""
    write_tree(tmp_path, files)
    index = ProjectIndex()
    for relative in files:
        index.add(extract_facts(str(tmp_path / relative), files[relative]))
    return rule.could_fire(files[path], index.facts_for_path(str(tmp_path / path)), index)


def _reports(tmp_path: Path, rule: type[Rule], path: str) -> bool:
    return any(f.path.endswith(path) for f in lint_tree(tmp_path, [rule]))


UNRELATED = """\
import json

def load(path):
    with open(path) as handle:
        data = json.load(handle)
    return data.get("items", []), data.get("total")
"""

# --- FL201, FL202, FL203 ---------------------------------------------------------------------

ROUTE_RULES = (MissingResponseModel, RouteShadowing, PathParameterMismatch)


@pytest.mark.parametrize("rule", ROUTE_RULES)
def test_fl201_fl202_fl203_unrelated_file_is_screened_out(tmp_path: Path, rule: type[Rule]) -> None:
    assert not _could_fire(tmp_path, rule, {"util.py": UNRELATED}, "util.py")


def test_fl201_fl203_other_decorators_are_screened_out(tmp_path: Path) -> None:
    code = (
        "import functools\n\n"
        "@functools.lru_cache(maxsize=None)\n"
        "def settings(name):\n"
        "    return {'name': name}.get('{name}')\n"
    )
    for rule in (MissingResponseModel, PathParameterMismatch):
        assert not _could_fire(tmp_path, rule, {"util.py": code}, "util.py")


MULTI_LINE_DECORATOR = """\
from fastapi import FastAPI

apps = {"main": FastAPI()}

@apps[
    "main"
].get("/items/{item_id}")
def read(itemid: int):
    return {"id": itemid}
"""

CONTINUED_DECORATOR = """\
from fastapi import FastAPI

app = FastAPI()

@(app  # the app
  .get)("/items/{item_id}")
def read(itemid: int):
    return {"id": itemid}
"""

ADD_API_ROUTE = """\
from fastapi import APIRouter

router = APIRouter()

def read(itemid: int):
    return {"id": itemid}

registered = [router.add_api_route("/items/{item_id}", read)]
"""


@pytest.mark.parametrize("code", [MULTI_LINE_DECORATOR, CONTINUED_DECORATOR, ADD_API_ROUTE])
@pytest.mark.parametrize("rule", [MissingResponseModel, PathParameterMismatch])
def test_fl201_fl203_tricky_registrations_pass(tmp_path: Path, rule: type[Rule], code: str) -> None:
    assert _could_fire(tmp_path, rule, {"api.py": code}, "api.py")


def test_fl203_escaped_placeholder_passes(tmp_path: Path) -> None:
    code = "@router.get('/items/\\x7bitem_id}')\ndef read(): ...\n"
    assert _could_fire(tmp_path, PathParameterMismatch, {"api.py": code}, "api.py")
    plain = "@router.get('/items')\ndef read(): ...\n"
    assert not _could_fire(tmp_path, PathParameterMismatch, {"api.py": plain}, "api.py")


SHADOWING = """\
from fastapi import APIRouter

router = APIRouter()

@router.get("/books/{book_id}")
def book(book_id: str): ...

@router.get("/books/featured")
def featured(): ...
"""


def test_fl202_routes_without_shadowing_are_screened_out(tmp_path: Path) -> None:
    code = SHADOWING.replace("/books/featured", "/featured")
    assert not _could_fire(tmp_path, RouteShadowing, {"api.py": code}, "api.py")


def test_fl202_shadowing_through_an_include_elsewhere_passes(tmp_path: Path) -> None:
    files = {
        "app/__init__.py": "",
        "app/a.py": (
            "from fastapi import APIRouter\n\nrouter = APIRouter()\n\n"
            "@router.get('/{name}')\ndef any_name(name: str): ...\n"
        ),
        "app/b.py": (
            "from fastapi import APIRouter\n\nrouter = APIRouter()\n\n"
            "@router.get('/health')\ndef health(): ...\n"
        ),
        "app/main.py": (
            "from fastapi import FastAPI\nfrom app import a, b\n\napp = FastAPI()\n"
            "app.include_router(a.router)\napp.include_router(b.router)\n"
        ),
    }
    assert _could_fire(tmp_path, RouteShadowing, files, "app/b.py")
    assert not _could_fire(tmp_path, RouteShadowing, files, "app/a.py")
    assert _reports(tmp_path, RouteShadowing, "b.py")


def test_fl202_changed_text_passes(tmp_path: Path) -> None:
    """In a fix round the text no longer matches the indexed facts: no shortcut then."""
    code = SHADOWING.replace("/books/featured", "/featured")
    write_tree(tmp_path, {"api.py": code})
    index = ProjectIndex([extract_facts(str(tmp_path / "api.py"), code)])
    facts = index.facts_for_path(str(tmp_path / "api.py"))
    assert RouteShadowing.could_fire(SHADOWING, facts, index)


# --- FL302 -----------------------------------------------------------------------------------


def test_fl302_unrelated_files_are_screened_out(tmp_path: Path) -> None:
    plain_dependency = (
        "from fastapi import Depends\n\n"
        "def get_db():\n    yield 1\n\n"
        "def route(db=Depends(get_db)): ...\n"
    )
    files = {"util.py": UNRELATED, "deps.py": plain_dependency}
    assert not _could_fire(tmp_path, ContextManagerDependency, files, "util.py")
    assert not _could_fire(tmp_path, ContextManagerDependency, files, "deps.py")


def test_fl302_decorator_re_exported_by_the_project_passes(tmp_path: Path) -> None:
    files = {
        "app/__init__.py": "",
        "app/compat.py": "from contextlib import asynccontextmanager as acm\n",
        "app/db.py": (
            "from fastapi import Depends\nfrom app.compat import acm\n\n"
            "@acm\nasync def get_session():\n    yield 1\n\n"
            "async def route(session=Depends(get_session)): ...\n"
        ),
    }
    assert _could_fire(tmp_path, ContextManagerDependency, files, "app/db.py")
    assert _reports(tmp_path, ContextManagerDependency, "db.py")


def test_fl302_imported_target_and_aliased_depends_pass(tmp_path: Path) -> None:
    files = {
        "app/__init__.py": "",
        "app/db.py": (
            "from contextlib import contextmanager\n\n"
            "@contextmanager\ndef get_session():\n    yield 1\n"
        ),
        "app/routes.py": (
            "from fastapi import Depends\nfrom app import db\n\n"
            "def route(session=Depends(\n    db.get_session,\n)): ...\n"
        ),
        "app/aliased.py": (
            "from fastapi import Security as S\nfrom app.db import get_session\n\n"
            "def route(session=S(get_session)): ...\n"
        ),
    }
    assert _could_fire(tmp_path, ContextManagerDependency, files, "app/routes.py")
    assert _could_fire(tmp_path, ContextManagerDependency, files, "app/aliased.py")
    assert _reports(tmp_path, ContextManagerDependency, "routes.py")
    assert _reports(tmp_path, ContextManagerDependency, "aliased.py")


# --- FL303 -----------------------------------------------------------------------------------


def test_fl303_unrelated_generators_are_screened_out(tmp_path: Path) -> None:
    stream = (
        "from fastapi import Depends\n\n"
        "def numbers():\n    yield 1\n    print('done')\n\n"
        "def user():\n    return 1\n\n"
        "def route(u=Depends(user)):\n    return list(numbers())\n"
    )
    no_depends = "def numbers():\n    yield 1\n    print('done')\n"
    assert not _could_fire(tmp_path, DependencyCleanupNotInFinally, {"s.py": stream}, "s.py")
    assert not _could_fire(tmp_path, DependencyCleanupNotInFinally, {"n.py": no_depends}, "n.py")
    assert not _could_fire(tmp_path, DependencyCleanupNotInFinally, {"u.py": UNRELATED}, "u.py")


def test_fl303_dependency_used_by_another_module_passes(tmp_path: Path) -> None:
    files = {
        "app/__init__.py": "",
        "app/db.py": "def get_db():\n    db = 1\n    yield db\n    print('close')\n",
        "app/routes.py": (
            "from typing import Annotated\nfrom fastapi import Depends\n"
            "from app.db import get_db\n\n"
            "Db = Annotated[int, Depends(get_db)]\n"
        ),
    }
    assert _could_fire(tmp_path, DependencyCleanupNotInFinally, files, "app/db.py")
    assert _reports(tmp_path, DependencyCleanupNotInFinally, "db.py")


def test_fl303_nested_and_duplicate_functions_pass(tmp_path: Path) -> None:
    nested = (
        "from fastapi import Depends, FastAPI\n\n"
        "def create_app():\n"
        "    app = FastAPI()\n\n"
        "    def get_db():\n        db = 1\n        yield db\n        print('close')\n\n"
        "    @app.get('/')\n    def index(db=Depends(get_db)):\n        return db\n"
        "    return app\n"
    )
    # Two `get_db` of the same qualname: only the second one's summary is kept.
    duplicate = (
        "import sys\nfrom fastapi import Depends\n\n"
        "if sys.version_info >= (3, 9):\n"
        "    def get_db():\n        db = 1\n        yield db\n        print('close')\n"
        "else:\n    def get_db():\n        return 1\n\n"
        "def route(db=Depends(get_db)): ...\n"
    )
    assert _could_fire(tmp_path, DependencyCleanupNotInFinally, {"n.py": nested}, "n.py")
    assert _could_fire(tmp_path, DependencyCleanupNotInFinally, {"d.py": duplicate}, "d.py")
    assert _reports(tmp_path, DependencyCleanupNotInFinally, "n.py")
    assert _reports(tmp_path, DependencyCleanupNotInFinally, "d.py")


def test_fl302_target_imported_inside_a_function_passes(tmp_path: Path) -> None:
    files = {
        "app/__init__.py": "",
        "app/db.py": (
            "from contextlib import contextmanager\n\n"
            "@contextmanager\ndef get_session():\n    yield 1\n"
        ),
        "app/routes.py": (
            "from fastapi import Depends\n\n"
            "def make_route():\n"
            "    from app.db import get_session as session_dependency\n\n"
            "    def route(session=Depends(session_dependency)): ...\n\n"
            "    return route\n"
        ),
        "app/other.py": (
            "from fastapi import Depends\nfrom app.db import get_session\n\n"
            "def user(): ...\n\n"
            "def route(u=Depends(user)):\n"
            "    with get_session() as session:\n        return session\n"
        ),
    }
    assert _could_fire(tmp_path, ContextManagerDependency, files, "app/routes.py")
    assert _reports(tmp_path, ContextManagerDependency, "routes.py")
    assert not _could_fire(tmp_path, ContextManagerDependency, files, "app/other.py")
