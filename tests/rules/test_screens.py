"""Screens (Rule.could_fire): False on unrelated files, True on tricky positives."""

from __future__ import annotations

import ast
import re
import textwrap
from pathlib import Path

import pytest

from fastlint.engine import checker
from fastlint.engine.checker import applicable_rules
from fastlint.engine.project import ProjectIndex, extract_facts
from fastlint.engine.rule import Rule
from fastlint.rules import migrations
from fastlint.rules.blocking import BlockingCallInAsync, TransitiveBlockingCall
from fastlint.rules.defaults import MutableDefault
from fastlint.rules.dependencies import ContextManagerDependency, DependencyCleanupNotInFinally
from fastlint.rules.deployment import ReloadInProduction
from fastlint.rules.lifecycle import OnEventDeprecated
from fastlint.rules.migrations import AsyncClientAppArgument, PydanticV1Api, ValidationErrorHandler
from fastlint.rules.routes import (
    MissingResponseModel,
    PathParameterMismatch,
    RouteShadowing,
    may_register_routes,
)
from fastlint.rules.security import CorsWildcardWithCredentials, DebugEnabled, HardcodedSecret
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


UNRELATED_DEFAULTS = """\
import os
from fastapi import APIRouter, Depends

router = APIRouter()


@router.get("/items/{item_id}")
async def read_item(item_id: int, limit: int = 10, user=Depends(current_user)) -> dict:
    rows = []
    settings = {"debug": False}
    rows.append(item_id)
    return {"rows": rows, "token_url": "/auth/token"}
"""


def could_fire(
    rule: type[Rule], code: str, tmp_path: Path, others: dict[str, str] | None = None
) -> bool:
    files = {"app/__init__.py": "", "app/main.py": textwrap.dedent(code), **(others or {})}
    project = ProjectIndex()
    for relative, text in files.items():
        path = tmp_path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        project.add(extract_facts(str(path), text))
    main = tmp_path / "app/main.py"
    return rule.could_fire(files["app/main.py"], project.facts_for_path(str(main)), project)


# --- FL304 ---------------------------------------------------------------------------------


def test_fl304_screen_skips_body_lists_and_non_mutable_defaults(tmp_path: Path) -> None:
    assert not could_fire(MutableDefault, UNRELATED_DEFAULTS, tmp_path)
    plain_class = "class Cache:\n    items: list = []\n"  # no decorator, no base: no fields
    assert not could_fire(MutableDefault, plain_class, tmp_path)


def test_fl304_screen_sees_nested_and_aliased_defaults(tmp_path: Path) -> None:
    nested = """\
    class Outer:
        def method(self):
            if True:
                def inner(x={}):
                    return x
    """
    assert could_fire(MutableDefault, nested, tmp_path)
    aliased = "from collections import deque as Queue\n\ndef f(q=Queue()):\n    return q\n"
    assert could_fire(MutableDefault, aliased, tmp_path)
    local_import = (
        "def outer():\n"
        "    from collections import defaultdict as dd\n"
        "\n"
        "    def f(x=dd(list)): ...\n"
    )
    assert could_fire(MutableDefault, local_import, tmp_path)
    field = (
        "from app.models import Base\n"
        "\n"
        "class M(Base):\n"
        "    if True:\n"
        "        tags: list = [\n"
        "            1,\n"
        "        ]\n"
    )
    assert could_fire(MutableDefault, field, tmp_path)
    lambda_default = "handler = lambda event,\\\n    seen=set(): seen\n"
    assert could_fire(MutableDefault, lambda_default, tmp_path)


def test_fl304_screen_follows_project_reexports(tmp_path: Path) -> None:
    reexport = {"app/util.py": "from collections import OrderedDict as Ordered\n"}
    code = "from app.util import Ordered\n\ndef f(x=Ordered()):\n    return x\n"
    assert could_fire(MutableDefault, code, tmp_path, reexport)
    code = "from app import util\n\ndef f(x=util.Ordered()):\n    return x\n"
    assert could_fire(MutableDefault, code, tmp_path, reexport)


# --- FL401 ---------------------------------------------------------------------------------


def test_fl401_screen(tmp_path: Path) -> None:
    assert not could_fire(ReloadInProduction, UNRELATED_DEFAULTS, tmp_path)
    assert not could_fire(
        ReloadInProduction, "uvicorn.run(app, reload=settings.reload)\n", tmp_path
    )
    multi_line = (
        "import uvicorn\nuvicorn.run(\n    app,\n    reload  # dev\n    =\n    (True),\n)\n"
    )
    assert could_fire(ReloadInProduction, multi_line, tmp_path)
    # Deployment files (no facts) keep the substring triggers.
    assert ReloadInProduction.could_fire("CMD uvicorn app:app --reload\n", None, ProjectIndex())


# --- FL402 ---------------------------------------------------------------------------------


def test_fl402_screen(tmp_path: Path) -> None:
    assert not could_fire(CorsWildcardWithCredentials, UNRELATED_DEFAULTS, tmp_path)
    assert not could_fire(
        CorsWildcardWithCredentials, "app.add_middleware(Cors, allow_credentials=False)\n", tmp_path
    )
    constant = (
        "CREDENTIALS = True\n"
        "app.add_middleware(\n"
        "    Cors,\n"
        "    allow_credentials =\n"
        "        CREDENTIALS,\n"
        ")\n"
    )
    assert could_fire(CorsWildcardWithCredentials, constant, tmp_path)


# --- FL403 ---------------------------------------------------------------------------------


def test_fl403_screen_skips_files_without_secret_bindings(tmp_path: Path) -> None:
    assert not could_fire(HardcodedSecret, UNRELATED_DEFAULTS, tmp_path)
    computed = "from app.config import settings\n\napi_key = settings.api_key\n"
    assert not could_fire(HardcodedSecret, computed, tmp_path, {"app/config.py": "settings = 1\n"})


def test_fl403_screen_sees_literals_fallbacks_and_jwt(tmp_path: Path) -> None:
    chained = "DEFAULT = SECRET_KEY = 'a3f9c2d17e5b'\n"
    assert could_fire(HardcodedSecret, chained, tmp_path)
    annotated = (
        "class Settings(Base):\n"
        "    apiKey: Annotated[\n"
        "        str, Field()\n"
        "    ] = 'sk-123456789'\n"
    )
    assert could_fire(HardcodedSecret, annotated, tmp_path)
    fallback = "import os as system\n\nTOKEN = system.getenv('TOKEN') or (\n    'abc123!xyz'\n)\n"
    assert could_fire(HardcodedSecret, fallback, tmp_path)
    keyword = (
        "client = Client(\n    api_key  # from the dashboard\n    = 'sk-proj-4f8a9b2c7d1e',\n)\n"
    )
    assert could_fire(HardcodedSecret, keyword, tmp_path)
    # `encode` re-exported by a project module, called without `jwt` in the text.
    security = {"app/security.py": "from jwt import encode as sign\n"}
    call = "from app.security import sign\n\ndef issue(p):\n    return sign(p, 'k')\n"
    assert could_fire(HardcodedSecret, call, tmp_path, security)
    local_import = "def issue(p):\n    from app import security\n    return security.sign(p, 'k')\n"
    assert could_fire(HardcodedSecret, local_import, tmp_path, security)
    one_line_annotation = "class S:\n    api_key: Optional[str] = 'sk-proj-4f8a9b2c7d1e'\n"
    assert could_fire(HardcodedSecret, one_line_annotation, tmp_path)
    concatenated = "API_KEY = 'sk-proj-' '4f8a9b2c7d1e'\n"
    assert could_fire(HardcodedSecret, concatenated, tmp_path)


def test_fl403_screen_skips_literals_that_cannot_be_secrets(tmp_path: Path) -> None:
    cases = [
        "def f(api_key: str = '', token: Optional[str] = None):\n    pass\n",
        "client = Client(api_key='', password=\"<your password>\")\n",
        "async def f(auth_token: Credentials | None = Depends(bearer)):\n    pass\n",
        "SECRET_KEY = 'SECRET_KEY'  # the name of the variable\n",
    ]
    for text in cases:
        assert not could_fire(HardcodedSecret, text, tmp_path), text
    # A project module binds `jwt.encode`, but this file never writes that name.
    security = {"app/security.py": "from jwt import encode as sign\n"}
    unrelated = "from app import security\n\ndef f():\n    return security.check()\n"
    assert not could_fire(HardcodedSecret, unrelated, tmp_path, security)


def test_fl403_screen_reads_the_value_of_each_secret_binding(tmp_path: Path) -> None:
    """A secret-named binding to an expression may hold a literal only as the rule reads one:
    `... or "literal"` or an environment lookup in its own value, or a lookup imported under
    another name; `or "..."` elsewhere and the `os` module used for other things do not."""
    elsewhere = (
        "import os\n\n"
        "def f(form, other):\n"
        "    token = form.get('token')\n"
        "    name = other or 'a-default-name!'\n"
        "    return os.path.join(token, name)\n"
    )
    assert not could_fire(HardcodedSecret, elsewhere, tmp_path)
    # The fallback of `or` is a call, and an `or` inside a call is no fallback of the binding.
    no_literal = (
        "import os\n\n"
        "def f(api_key, wrap):\n"
        "    api_key = api_key or os.getenv('API_KEY')\n"
        "    token = wrap(api_key or 'abc123!xyz')\n"
    )
    assert not could_fire(HardcodedSecret, no_literal, tmp_path)
    assert not could_fire(HardcodedSecret, "def f():\n    return decode_jwt_header(x)\n", tmp_path)
    own_value = (
        "def f(form):\n    token = (\n        form.get('token')\n        or 'abc123!xyz'\n    )\n"
    )
    assert could_fire(HardcodedSecret, own_value, tmp_path)
    keyword = "client = Client(api_key=os.environ.get('KEY', 'sk-4f8a9b2c'), retries=3)\n"
    assert could_fire(HardcodedSecret, keyword, tmp_path)
    renamed = "from os import getenv as env\n\nTOKEN = env('TOKEN', 'abc123!xyz')\n"
    assert could_fire(HardcodedSecret, renamed, tmp_path)
    environ = "from os import environ as E\n\nTOKEN = E.get('TOKEN', 'abc123!xyz')\n"
    assert could_fire(HardcodedSecret, environ, tmp_path)


def test_fl403_statement_screen_keeps_the_definitions_a_fallback_is_in(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = {
        "main.py": (
            "import os\n"
            "from os import environ as E\n\n"
            "def unrelated(form, other):\n"
            "    token = form.get('token')\n"
            "    name = other or 'a-default-name!'\n"
            "    return os.path.join(token, name)\n\n"
            "def fallback(form):\n"
            "    token = (form.get('token')  # a comment, then the fallback\n"
            "             or 'abc123!xyz')\n"
            "    return token\n\n"
            "def renamed():\n"
            "    api_key = E.get('KEY', 'sk-4f8a9b2c7d1e')\n"
            "    return api_key\n"
        ),
    }
    main, found, whole = _main_thinned_and_findings(tmp_path, monkeypatch, files, [HardcodedSecret])
    assert "a-default-name" not in main and "abc123!xyz" in main and "sk-4f8a9b2c7d1e" in main
    assert whole == found == [("FL403", 11), ("FL403", 15)]


# --- FL404 ---------------------------------------------------------------------------------


def test_fl404_screen(tmp_path: Path) -> None:
    assert not could_fire(DebugEnabled, UNRELATED_DEFAULTS, tmp_path)
    assert not could_fire(DebugEnabled, "app = FastAPI(debug=settings.debug)\n", tmp_path)
    multi_line = (
        "from app.base import App\n\napp = App(\n    title='x',\n    debug=\\\n        True,\n)\n"
    )
    assert could_fire(DebugEnabled, multi_line, tmp_path)


V2 = "from pydantic import ConfigDict\n"  # marks the project as on Pydantic 2


def screen(tmp_path: Path, rule: type[Rule], files: dict[str, str]) -> bool:
    """The screen's answer for `main.py` of a project."""
    write_tree(tmp_path, files)
    index = ProjectIndex()
    for name, text in files.items():
        index.add(extract_facts(str(tmp_path / name), text))
    main = files["main.py"]
    facts = index.facts_for_path(str(tmp_path / "main.py"))
    return rule.could_fire(main, facts, index)


def reports(tmp_path: Path, rule: type[Rule], monkeypatch: pytest.MonkeyPatch) -> bool:
    """Whether the rule, with every screen off, reports in `main.py`."""
    monkeypatch.setattr(checker, "SCREENS_OFF", True)
    found = lint_tree(tmp_path, [rule])
    monkeypatch.setattr(checker, "SCREENS_OFF", False)
    return any(f.code == rule.code and Path(f.path).name == "main.py" for f in found)


def fires(
    tmp_path: Path, rule: type[Rule], files: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> bool:
    """The screen lets `main.py` through; checked against the rule, which must report there."""
    passed = screen(tmp_path, rule, files)
    assert reports(tmp_path, rule, monkeypatch), "the case should be a positive"
    return passed


# --- FL301 ----------------------------------------------------------------------------------


def test_fl301_screen(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    mention = 'HELP = "use lifespan, not on_event or add_event_handler"\n'
    assert not screen(tmp_path / "a", OnEventDeprecated, {"main.py": mention})
    spaced = (
        "from fastapi import FastAPI\napp = FastAPI()\n"
        "@app . on_event(\n    'startup'\n)\nasync def start(): ...\n"
    )
    assert fires(tmp_path / "b", OnEventDeprecated, {"main.py": spaced}, monkeypatch)


# --- FL501 ----------------------------------------------------------------------------------


def test_fl501_screen(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    unrelated = (
        "from fastapi import FastAPI, HTTPException\napp = FastAPI()\n"
        "@app.exception_handler(HTTPException)\nasync def h(request, exc): ...\n"
    )
    assert not screen(tmp_path / "a", ValidationErrorHandler, {"main.py": unrelated})
    no_handler = "from pydantic import ValidationError\ntry: pass\nexcept ValidationError: pass\n"
    assert not screen(tmp_path / "b", ValidationErrorHandler, {"main.py": no_handler})
    # The exception under another name, re-exported by a project module, reached as an attribute.
    errors = {"pkg/__init__.py": "", "pkg/errors.py": "from pydantic import ValidationError as E\n"}
    through_module = (
        "from fastapi import FastAPI\nfrom pkg import errors\n\nasync def h(request, exc): ...\n\n"
        "app = FastAPI(\n    title='x',  # comment\n    exception_handlers={errors.E: h},\n)\n"
    )
    files = {**errors, "main.py": through_module}
    assert fires(tmp_path / "c", ValidationErrorHandler, files, monkeypatch)
    nested = (
        "from fastapi import FastAPI\napp = FastAPI()\n\ndef setup():\n"
        "    from pkg.errors import E\n    app.add_exception_handler(E, print)\n"
    )
    files = {**errors, "main.py": nested}
    assert fires(tmp_path / "d", ValidationErrorHandler, files, monkeypatch)


# --- FL502 ----------------------------------------------------------------------------------


def test_fl502_screen_negatives(tmp_path: Path) -> None:
    response = "import requests\n\ndef get():\n    return requests.get('u').json()\n"
    assert not screen(tmp_path / "a", PydanticV1Api, {"v2.py": V2, "main.py": response})
    v2_validator = (
        "from pydantic import BaseModel, field_validator\n\nclass M(BaseModel):\n    x: int\n\n"
        "    @field_validator('x')\n    @classmethod\n    def check(cls, v):\n        return v\n"
    )
    assert not screen(tmp_path / "b", PydanticV1Api, {"v2.py": V2, "main.py": v2_validator})
    # A project on Pydantic 1: v1 API is right there.
    v1 = "from pydantic import BaseModel\n\nclass M(BaseModel):\n    class Config:\n        x = 1\n"
    assert not screen(tmp_path / "c", PydanticV1Api, {"main.py": v1})


@pytest.mark.parametrize(
    "files",
    [
        # A model under another name, re-exported by a package.
        {
            "pkg/__init__.py": "from pkg.models import Item as Thing\n",
            "pkg/models.py": V2 + "from pydantic import BaseModel\n\nclass Item(BaseModel):\n"
            "    x: int\n",
            "main.py": "from pkg import Thing as T\n\ndef f(t: T):\n    return t.json()\n",
        },
        # A module-level instance of a model, imported.
        {
            "config.py": V2 + "from pydantic import BaseModel\n\nclass Settings(BaseModel):\n"
            "    x: int = 1\n\nsettings = Settings()\n",
            "main.py": "from config import settings\n\nprint(settings . dict (\n))\n",
        },
        # The model reached inside a function, through an attribute of a module.
        {
            "models.py": V2 + "from pydantic import BaseModel\n\nclass M(BaseModel):\n    x: int\n",
            "main.py": "def f(row):\n    import models\n    return models.M.from_orm(row)\n",
        },
        # `validator` imported in a class body, and a spaced decorator.
        {
            "v2.py": V2,
            "main.py": "import pydantic\n\nclass M(pydantic.BaseModel):\n    x: int\n\n"
            "    @pydantic . validator('x')\n    def check(cls, v):\n        return v\n",
        },
        {
            "v2.py": V2,
            "main.py": "from pydantic import BaseModel\n\nclass M(BaseModel):\n"
            "    from pydantic import root_validator as my_validator\n    x: int\n\n"
            "    @my_validator\n    def check(cls, values):\n        return values\n",
        },
        # `regex=` after a comment, on its own line.
        {
            "v2.py": V2,
            "main.py": "from fastapi import Query\n\ndef f(q: str = Query(\n"
            "    None,  # the query\n    regex='^a',\n)):\n    ...\n",
        },
    ],
)
def test_fl502_screen_positives(
    tmp_path: Path, files: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert fires(tmp_path, PydanticV1Api, files, monkeypatch)


# --- FL503 ----------------------------------------------------------------------------------


def test_fl503_screen(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    app_file = "from fastapi import FastAPI\nimport httpx\napp = FastAPI()\n"
    assert not screen(tmp_path / "a", AsyncClientAppArgument, {"main.py": app_file})
    star = "import httpx\n\ndef make(**kwargs):\n    return httpx.AsyncClient(**kwargs)\n"
    assert not screen(tmp_path / "b", AsyncClientAppArgument, {"main.py": star})
    multiline = (
        "from httpx import AsyncClient as Client\n\ndef make(application):\n"
        "    return Client(\n        base_url='http://t',  # comment\n        app =\\\n"
        "            application,\n    )\n"
    )
    assert fires(tmp_path / "c", AsyncClientAppArgument, {"main.py": multiline}, monkeypatch)
    through_module = {
        "pkg/__init__.py": "",
        "pkg/compat.py": "from httpx import AsyncClient as AC\n",
        "main.py": "from pkg import compat\n\ndef make(a):\n    return compat.AC(app=a)\n",
    }
    assert fires(tmp_path / "d", AsyncClientAppArgument, through_module, monkeypatch)


def _index(tmp_path: Path, files: dict[str, str]) -> ProjectIndex:
    index = ProjectIndex()
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        module = name[:-3].replace("/", ".")
        is_package = module.endswith(".__init__")
        module = module.removesuffix(".__init__")
        index.add(extract_facts(str(path), text, name=module, is_package=is_package))
    return index


def _fires(rule: type, tmp_path: Path, files: dict[str, str], name: str) -> bool:
    index = _index(tmp_path, files)
    facts = index.facts_for_path(str(tmp_path / name))
    return bool(rule.could_fire(files[name], facts, index))


UNRELATED_BLOCKING = """\
import asyncio
import os.path

async def handler(items):
    await asyncio.sleep(1)
    return {"system": os.path.join("a", "b"), "items": items.get("x")}
"""


def test_fl101_screen_drops_unrelated_file(tmp_path: Path) -> None:
    assert not _fires(BlockingCallInAsync, tmp_path, {"m.py": UNRELATED_BLOCKING}, "m.py")
    no_coroutine = "import time\n\ndef f():\n    time.sleep(1)\n"
    assert not _fires(BlockingCallInAsync, tmp_path, {"s.py": no_coroutine}, "s.py")


def test_fl101_screen_keeps_aliases_and_multiline_calls(tmp_path: Path) -> None:
    cases = {
        "a.py": "from time import sleep as nap\n\nasync def f():\n    nap(1)\n",
        "b.py": "import time as t\n\nasync def f():\n    (t\n     .sleep(1))\n",
        "c.py": "async def f():\n    with open (\n        'x'\n    ) as h:\n        pass\n",
        "d.py": "async def f(c):\n    import requests\n    requests.get(c)\n",
        "e.py": (
            "async def f():\n    from time import (\n        sleep as nap,\n    )\n    nap(1)\n"
        ),
        "f.py": "import time\n\nasync def f():\n    (time).sleep(1)\n",
        "g.py": "import time\n\nasync def f():\n    time \\\n        .sleep(1)\n",
        "h.py": "import time\n\nasync def f():\n    time.\\\n        sleep(1)\n",
    }
    for name in cases:
        assert _fires(BlockingCallInAsync, tmp_path, cases, name), name


def test_fl101_screen_follows_project_objects_and_reexports(tmp_path: Path) -> None:
    files = {
        "app/__init__.py": "",
        "app/clients.py": (
            "import redis\nimport requests\ncache = redis.Redis()\nhttp = requests.Session()\n"
        ),
        "app/compat.py": "from time import sleep as pause\n",
        "app/base.py": "import httpx\nclass Api(httpx.Client):\n    pass\n",
        "r1.py": "from app.clients import cache\n\nasync def f():\n    cache.hgetall('k')\n",
        "r2.py": "from app import clients\n\nasync def f():\n    clients.http.post('u')\n",
        "r3.py": "from app.compat import pause\n\nasync def f():\n    pause(1)\n",
        "r4.py": (
            "from app.base import Api\n\nclass Mine(Api):\n"
            "    async def f(self):\n        self.get('u')\n"
        ),
    }
    for name in ("r1.py", "r2.py", "r3.py", "r4.py"):
        assert _fires(BlockingCallInAsync, tmp_path, files, name), name


STAR_IMPORTED = {
    "pkg/__init__.py": "",
    "pkg/helpers.py": (
        "import time\nfrom time import sleep\nimport requests\n\n"
        "def slow():\n    time.sleep(1)\n\nclient = requests.Session()\n"
    ),
    "pkg/app.py": (
        "from pkg.helpers import *\n\nasync def handler():\n    sleep(1)\n    slow()\n"
        "    client.get('x')\n    time.sleep(2)\n    requests.get('y')\n"
    ),
}


def test_fl101_fl102_screens_drop_names_from_star_imports(tmp_path: Path) -> None:
    """The rules do not follow a star import (engine/names leaves its names unresolved, as
    ruff does), so neither do the screens: dropping the file loses no finding."""
    for rule in (BlockingCallInAsync, TransitiveBlockingCall):
        assert not _fires(rule, tmp_path, STAR_IMPORTED, "pkg/app.py"), rule.code
    write_tree(tmp_path, STAR_IMPORTED)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(checker, "SCREENS_OFF", True)
        unscreened = lint_tree(tmp_path, [BlockingCallInAsync, TransitiveBlockingCall])
    assert [f for f in unscreened if f.path.endswith("app.py")] == []
    # What the file imports by name still counts.
    explicit = {**STAR_IMPORTED, "pkg/app.py": "import time\n" + STAR_IMPORTED["pkg/app.py"]}
    assert _fires(BlockingCallInAsync, tmp_path, explicit, "pkg/app.py")


def test_fl101_screen_off_when_blocking_calls_are_configured(tmp_path: Path) -> None:
    index = _index(tmp_path, {"m.py": UNRELATED_BLOCKING})
    path = str(tmp_path / "m.py")
    options = {"extend-blocking-calls": ("mylib.slow",)}
    assert BlockingCallInAsync not in applicable_rules(
        [BlockingCallInAsync], UNRELATED_BLOCKING, "python", index, path
    )
    assert BlockingCallInAsync in applicable_rules(
        [BlockingCallInAsync], UNRELATED_BLOCKING, "python", index, path, options
    )


def test_fl102_screen(tmp_path: Path) -> None:
    files = {
        "app/__init__.py": "from app.services import build_report as report_builder\n",
        "app/services.py": """\
import subprocess

def fetch_profile(user_id):
    return subprocess.run(["x", user_id])

def build_report(user_id):
    return fetch_profile(user_id)

class Deployer:
    def __init__(self):
        subprocess.run(["make"])
""",
        "unrelated.py": UNRELATED_BLOCKING,
        "alias.py": "from app import report_builder as r\n\nasync def f():\n    r(1)\n",
        "cls.py": "from app.services import Deployer as D\n\nasync def f():\n    D()\n",
        "direct.py": (
            "from app.services import build_report\n\nasync def f():\n    build_report(1)\n"
        ),
    }
    assert not _fires(TransitiveBlockingCall, tmp_path, files, "unrelated.py")
    for name in ("alias.py", "cls.py", "direct.py"):
        assert _fires(TransitiveBlockingCall, tmp_path, files, name), name


def _fl102_reports(tmp_path: Path, files: dict[str, str], name: str) -> bool:
    """FL102 reports in `name` (so a screen that let it through was needed)."""
    write_tree(tmp_path, files)
    return any(f.path == name for f in lint_tree(tmp_path, [TransitiveBlockingCall]))


BLOCKING_SERVICES = """\
import subprocess

def fetch(url):
    return subprocess.run(["curl", url])

class Store:
    def get(self, key):
        return subprocess.run(["cat", key])

class CachedStore(Store):
    pass

store = CachedStore()
"""


def test_fl102_screen_needs_an_import_of_a_blocking_function(tmp_path: Path) -> None:
    files = {
        "app/__init__.py": "",
        "app/services.py": BLOCKING_SERVICES,
        # Same names, other functions: a local `fetch`, a `fetch` method of some client.
        "own.py": "def fetch(u):\n    return u\n\nasync def f():\n    fetch(1)\n",
        "client.py": "async def f(client):\n    await client.fetch('u')\n",
        "named.py": "from app.services import fetch\n\nasync def f():\n    fetch('u')\n",
        "module.py": "from app import services\n\nasync def f():\n    services.fetch('u')\n",
        "package.py": "import app.services\n\nasync def f():\n    app.services.fetch('u')\n",
    }
    for name in ("own.py", "client.py"):
        assert not _fires(TransitiveBlockingCall, tmp_path, files, name), name
    for name in ("named.py", "module.py", "package.py"):
        assert _fires(TransitiveBlockingCall, tmp_path, files, name), name
        assert _fl102_reports(tmp_path, files, name), name


def test_fl102_screen_needs_an_object_of_the_class_of_a_blocking_method(tmp_path: Path) -> None:
    files = {
        "app/__init__.py": "from app.services import store as shared_store\n",
        "app/services.py": BLOCKING_SERVICES,
        "other.py": "async def f(cache):\n    cache.get('k')\n",
        "object.py": "from app.services import store\n\nasync def f():\n    store.get('k')\n",
        "alias.py": "from app import shared_store as s\n\nasync def f():\n    s.get('k')\n",
        "subclass.py": (
            "from app.services import CachedStore\n\nasync def f():\n    CachedStore().get('k')\n"
        ),
        "annotated.py": (
            "from app.services import Store\n\nasync def f(s: Store):\n    s.get('k')\n"
        ),
        "own_class.py": (
            "from app.services import Store\n\nclass Mine(Store):\n"
            "    async def f(self):\n        self.get('k')\n"
        ),
    }
    assert not _fires(TransitiveBlockingCall, tmp_path, files, "other.py")
    for name in ("object.py", "alias.py", "subclass.py", "annotated.py", "own_class.py"):
        assert _fires(TransitiveBlockingCall, tmp_path, files, name), name
        assert _fl102_reports(tmp_path, files, name), name


# --- statement screens and signature-only functions (engine/thinning) ------------------------

# Each finding depends on code outside the definition that holds it, or on a body that a
# signature alone seems to make unnecessary; the unrelated definitions are parsed as stubs.
STATEMENT_CASES = [
    pytest.param(
        BlockingCallInAsync,
        """\
import requests

session = requests.Session()

async def fetch():
    return session.get("https://example.com")
""",
        id="FL101-module-level-object",
    ),
    pytest.param(
        BlockingCallInAsync,
        """\
import time

class Worker:
    pause = time.sleep

    async def run(self):
        time.sleep(1)
""",
        id="FL101-method",
    ),
    pytest.param(
        TransitiveBlockingCall,
        """\
import subprocess

def _deploy(command):
    return subprocess.run(command, check=True)

class Deployer:
    async def deploy(self):
        _deploy(["make"])
""",
        id="FL102-function-of-the-module",
    ),
    pytest.param(
        MissingResponseModel,
        """\
from fastapi import APIRouter, Depends

router = APIRouter()

@router.get("/a", summary="maps f(a) -> b")
async def read():
    return {"a": 1}

@router.get("/b", response_model=dict)
@router.get("/c")
async def both():
    return {"b": 1}

def make(**options):
    return lambda: options

@router.get("/e", dependencies=[Depends(make(response_model=1))])
async def nested_keyword():
    return {"e": 1}
""",
        id="FL201-arrow-in-a-string-two-decorators-a-nested-keyword",
    ),
    pytest.param(
        PathParameterMismatch,
        """\
from fastapi import APIRouter, Request

router = APIRouter()

@router.get("/items/{item_id}")
async def read(request: Request) -> dict:
    return {"id": request.path_params["item_id"]}

@router.get("/users/{user_id}")
async def user() -> dict:
    return {}
""",
        id="FL203-path-params-in-the-body",
    ),
    pytest.param(
        CorsWildcardWithCredentials,
        """\
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

ALLOW = True
ORIGINS = ["*"]

def create_app():
    app = FastAPI()
    app.add_middleware(CORSMiddleware, allow_origins=ORIGINS, allow_credentials=ALLOW)
    return app
""",
        id="FL402-values-bound-at-module-level",
    ),
    pytest.param(
        ValidationErrorHandler,
        """\
from fastapi import FastAPI
from pydantic import ValidationError

def create_app():
    app = FastAPI()

    @app.exception_handler(ValidationError)
    async def invalid(request, exc):
        return None

    return app
""",
        id="FL501-registration-in-a-factory",
    ),
    pytest.param(
        MutableDefault,
        """\
from dataclasses import dataclass

class Router:
    def route(self, name, seen=[]):
        return seen

    def plan(self, name):
        def step(acc={}):
            return acc
        return step

    def other(self, name):
        return name

@dataclass
class Options:
    tags: list = list()
""",
        id="FL304-methods-nested-functions-fields",
    ),
]


def _record_thinning(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The texts the checker parses from now on, for each file it thins."""
    thinned: list[str] = []
    original = checker.thin

    def recording_thin(*args: object) -> object:
        result = original(*args)  # type: ignore[arg-type]
        if result is not None:
            thinned.append(result)
        return result

    monkeypatch.setattr(checker, "thin", recording_thin)
    return thinned


def _main_thinned_and_findings(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    files: dict[str, str],
    rules: list[type[Rule]],
) -> tuple[str, list[tuple[str, int]], list[tuple[str, int]]]:
    """The text LibCST parses for `main.py`, and the (code, line) of the findings in the tree
    with the screens, then without them (which must be the same)."""
    thinned = _record_thinning(monkeypatch)
    write_tree(tmp_path / "thin", files)
    found = [(f.code, f.line) for f in lint_tree(tmp_path / "thin", rules)]
    [main] = [text for text in thinned if text.startswith(files["main.py"][:40])]
    monkeypatch.setattr(checker, "SCREENS_OFF", True)
    write_tree(tmp_path / "whole", files)
    whole = [(f.code, f.line) for f in lint_tree(tmp_path / "whole", rules)]
    return main, found, whole


@pytest.mark.parametrize(("rule", "code"), STATEMENT_CASES)
def test_statement_screens_keep_what_findings_need(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, rule: type[Rule], code: str
) -> None:
    text = (
        code + "\n\n" + UNRELATED.replace("import json\n", "") + "\n\nasync def idle():\n    pass\n"
    )
    thinned = _record_thinning(monkeypatch)
    write_tree(tmp_path / "thin", {"app.py": text})
    found = [(f.code, f.line, f.message) for f in lint_tree(tmp_path / "thin", [rule])]
    assert thinned and "return data.get" not in thinned[0]  # the unrelated body was left out
    monkeypatch.setattr(checker, "SCREENS_OFF", True)
    write_tree(tmp_path / "whole", {"app.py": text})
    assert [(f.code, f.line, f.message) for f in lint_tree(tmp_path / "whole", [rule])] == found
    assert found


def test_fl304_statement_screen_keeps_only_the_methods_with_mutable_defaults(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Defaults are found by line: one method's `[]` does not keep its whole class."""
    thinned = _record_thinning(monkeypatch)
    code = (
        "class Router:\n"
        "    def route(self, seen=[]):\n        return seen\n\n"
        "    def other(self, name):\n        return name.upper()\n"
    )
    write_tree(tmp_path, {"app.py": code})
    found = [(f.code, f.line) for f in lint_tree(tmp_path, [MutableDefault])]
    assert found == [("FL304", 2)]
    assert "return seen" in thinned[0] and "name.upper()" not in thinned[0]


def test_fl102_statement_screen_needs_the_helper_called(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A coroutine that only names a blocking helper (a docstring, an annotation) is not read;
    one that calls it, however the call is written, is."""
    thinned = _record_thinning(monkeypatch)
    code = (
        "import subprocess\n\n"
        "def deploy(command):\n    return subprocess.run(command)\n\n"
        "async def describe(kind: deploy = None):\n"
        '    """Says what deploy does."""\n    return "runs make"\n\n'
        "async def wrapped():\n    (deploy)(['make'])\n\n"
        "async def continued():\n    deploy \\\n        (['make'])\n\n"
        "async def commented():\n    (deploy  # why\n    )(['make'])\n"
    )
    write_tree(tmp_path / "thin", {"app.py": code})
    found = [(f.code, f.line) for f in lint_tree(tmp_path / "thin", [TransitiveBlockingCall])]
    assert [line for _, line in found][:2] == [11, 14] and len(found) == 3
    assert 'return "runs make"' not in thinned[0] and "(deploy)(" in thinned[0]
    monkeypatch.setattr(checker, "SCREENS_OFF", True)
    write_tree(tmp_path / "whole", {"app.py": code})
    whole = lint_tree(tmp_path / "whole", [TransitiveBlockingCall])
    assert [(f.code, f.line) for f in whole] == found


def test_fl101_statement_screen_reads_the_members_written_after_a_project_module(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`import app`: a coroutine is read for what it reaches through `app`, not for every name
    under `app` that may block. The rule does not follow an alias (`a = app`); it does follow
    parentheses and backslash continuations."""
    files = {
        "app/__init__.py": "from app import clients, config\n",
        "app/clients.py": "import requests\nhttp = requests.Session()\n",
        "app/config.py": "values = {}\n",
        "main.py": (
            "import app\n\n"
            "async def member():\n    app.clients.http.get('u')\n\n"
            "async def other():\n    return app.config.values.get('unrelated')\n\n"
            "async def aliased():\n    a = app\n    a.clients.http.get('u')\n\n"
            "async def continued():\n    app \\\n        .clients.http.get('u')\n\n"
            "async def parenthesized():\n    (app).clients.http.get('u')\n\n"
            "async def imports_more():\n    import app.clients\n"
            "    return app.config.values.get('more')\n"
        ),
    }
    main, found, whole = _main_thinned_and_findings(
        tmp_path, monkeypatch, files, [BlockingCallInAsync]
    )
    assert all(text not in main for text in ("'unrelated'", "a.clients.http", "'more'"))
    assert all(call in main for call in ("app.clients.http", "\n        .clients", "(app).clients"))
    assert whole == found == [("FL101", 4), ("FL101", 14), ("FL101", 18)]


def test_fl102_statement_screen_needs_the_helper_written_as_its_import_reaches_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Through `import app` a helper is called as `app.services.list(...)`, so a bare `list()`
    is the builtin; an imported class named only in an annotation is not called; the rule does
    not follow a module-level alias (`run = build`), so neither does the screen."""
    files = {
        "app/__init__.py": "from app import services\n",
        "app/services.py": (
            "import subprocess\n\n"
            "def list(command):\n    return subprocess.run(command)\n\n"
            "class Deployer:\n    def __init__(self):\n        subprocess.run(['make'])\n"
        ),
        "main.py": (
            "import app\n"
            "from app.services import Deployer\n\n"
            "run = Deployer\n\n"
            "async def builtin(items):\n    return list(items)\n\n"
            "async def annotated(deployer: 'Deployer'):\n    return deployer\n\n"
            "async def aliased():\n    run()\n\n"
            "async def through_module(items):\n    return app.services.list(items)\n\n"
            "async def direct():\n    return Deployer()\n\n"
            "async def other_object(client, items):\n    return client.list(items)\n\n"
            "async def parenthesized(items):\n    return (app\n        .services).list(items)\n"
        ),
    }
    main, found, whole = _main_thinned_and_findings(
        tmp_path, monkeypatch, files, [TransitiveBlockingCall]
    )
    left_out = ("return list(items)", "return deployer", "run()", "client.list")
    assert all(call not in main for call in left_out)
    assert "app.services.list(items)" in main and "Deployer()" in main and ").list" in main
    assert whole == found == [("FL102", 16), ("FL102", 19), ("FL102", 25)]


def test_blocking_statement_screens_read_calls_in_the_coroutine_itself(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What module-level code calls, or the attributes it names, is no call of a coroutine;
    the objects it makes are (`session.get()`), and so are `self` calls in a subclass."""
    files = {
        "app/__init__.py": "",
        "app/store.py": (
            "import subprocess\n\nclass Store:\n    def __init__(self):\n"
            "        subprocess.run(['make'])\n\n    def get(self, key):\n"
            "        return subprocess.run(['cat', key])\n"
        ),
        "main.py": (
            "import socket\nimport time\nimport requests\nfrom app.store import Store\n\n"
            "HOST = socket.gethostname()\ntime.sleep(0)\nsession = requests.Session()\n"
            "store = Store()\nsession.post\n\n"
            "async def idle(items):\n    return store.name, items.count\n\n"
            "async def fetch():\n    return session.get('u')\n\n"
            "async def read():\n    return store.get('k')\n\n"
            "class Mine(Store):\n    async def mine(self):\n        return self.get('k')\n"
        ),
    }
    rules: list[type[Rule]] = [BlockingCallInAsync, TransitiveBlockingCall]
    main, found, whole = _main_thinned_and_findings(tmp_path, monkeypatch, files, rules)
    assert "store.name" not in main
    assert all(call in main for call in ("session.get", "store.get", "self.get"))
    assert whole == found == [("FL101", 16), ("FL102", 19), ("FL102", 23)]


# Routes without a response model: a body is left out when the file's `ast` facts say it
# returns plain data (a finding whatever else it returns), and read otherwise.
FL201_ROUTES = """\
import json; LIMIT = 1
from fastapi import APIRouter, FastAPI
from fastapi.responses import JSONResponse

app = FastAPI(debug=True)
router = APIRouter()

def make(kind):
    return json.loads(kind)

@router.get("/users/{user_id}")
async def read_user(user_id: int):
    user = await load(user_id)
    return {"id": user.id, "secret": user.secret}

@router.get("/calls")
def call_only():
    return make("call")

@router.get("/responses")
def response_only():
    return JSONResponse({"response": True})

@router.get("/stream")
def generator():
    if LIMIT:
        return {"stream": False}
    yield b"stream chunk"

@router.get("/nothing")
def returns_none():
    print("side effect")
    return None

@router.get("/mixed")
async def call_or_value():
    if LIMIT:
        return await make("awaited")
    return "plain text"

class Views:
    @router.get("/method")
    def read_attribute(self):
        return self.method_value

    @router.get("/method-call")
    def read_call(self):
        return make("method call")

@router.get("/first")
def redefined():
    return make("first body")

@router.get("/second")
def redefined():
    return {"second body": True}

def endpoint():
    return {"endpoint": True}

router.add_api_route("/endpoint", endpoint)
"""


def test_a_body_that_starts_with_a_decorated_definition_starts_at_its_decorator(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Else the decorator stays in the signature above `pass`: no Python, and the file was
    parsed whole after all."""
    code = """\
from fastapi import APIRouter

router = APIRouter()

def factory() -> None:
    @router.get("/nested")
    def nested_route():
        return {"nested": 1}

def unrelated() -> None:
    pass
"""
    thinned = _record_thinning(monkeypatch)
    write_tree(tmp_path, {"main.py": code})
    assert [f.line for f in lint_tree(tmp_path, [MissingResponseModel])] == [6]
    [main] = thinned
    ast.parse(main)
    assert '@router.get("/nested")' in main


def test_fl201_leaves_out_routes_that_declare_their_response_model(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    code = """\
from fastapi import APIRouter

router = APIRouter()

@router.get("/annotated")
async def annotated_route() -> dict[str, int]:
    return {"annotated": 1}

@router.get("/declared", response_model=None)
async def declared_route():
    return {"declared": 1}

@router.get("/undeclared")
async def undeclared_route():
    return {"undeclared": 1}

def factory() -> None:
    @router.get("/nested")
    def nested_route():
        return {"nested": 1}
"""
    thinned = _record_thinning(monkeypatch)
    write_tree(tmp_path, {"main.py": code})
    findings = lint_tree(tmp_path, [MissingResponseModel])
    [main] = thinned
    assert "annotated_route(" in main and "declared_route(" in main  # stubs of the same name
    assert "/annotated" not in main and "/declared" not in main
    assert '"/undeclared"' in main and '"/nested"' in main
    assert [f.line for f in findings] == [13, 18]


def _fl201_findings(root: Path, **run: bool) -> list[tuple[object, ...]]:
    findings = lint_tree(root, [MissingResponseModel, DebugEnabled], **run)
    return [(f, f.snippet, f.context) for f in findings if f.code == "FL201"]


def test_fl201_bodies_the_facts_answer_for_are_left_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    thinned = _record_thinning(monkeypatch)
    write_tree(tmp_path / "thin", {"main.py": FL201_ROUTES})
    found = _fl201_findings(tmp_path / "thin")
    [main] = thinned
    left_out = ("user.secret", "plain text", "method_value", "second body")
    # Routes that return only Responses, or nothing: no finding, not even their signatures.
    left_out += ("JSONResponse({", "side effect", "response_only():\n", "returns_none():\n")
    assert [text for text in left_out if text in main] == []
    read = ('"call"', "stream chunk", "method call")
    assert [text for text in read if text not in main] == []
    assert "first body" in main and '"endpoint": True' in main  # whole: named by kept code
    lines = FL201_ROUTES.splitlines()
    expected = [
        '@router.get("/users/{user_id}")',
        '@router.get("/calls")',
        '@router.get("/mixed")',
        '    @router.get("/method")',
        '    @router.get("/method-call")',
        '@router.get("/first")',
        '@router.get("/second")',
        'router.add_api_route("/endpoint", endpoint)',
    ]
    assert [finding.line for finding, *_ in found] == [lines.index(e) + 1 for e in expected]
    monkeypatch.setattr(checker, "SCREENS_OFF", True)
    write_tree(tmp_path / "whole", {"main.py": FL201_ROUTES})
    assert _fl201_findings(tmp_path / "whole") == found  # messages, positions and snippets


@pytest.mark.parametrize("mode", ["fix", "diff"])
def test_fl201_reads_bodies_again_once_a_fix_changed_the_text(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mode: str
) -> None:
    """The facts describe the text as written: after a fix round the rule reads bodies."""
    write_tree(tmp_path / "check", {"main.py": FL201_ROUTES})
    checked = _fl201_findings(tmp_path / "check")
    thinned = _record_thinning(monkeypatch)
    write_tree(tmp_path / mode, {"main.py": FL201_ROUTES})
    fixed = _fl201_findings(tmp_path / mode, **{mode: True})
    assert len(thinned) == 1  # the first round only: then the facts describe another text
    written = (tmp_path / mode / "main.py").read_text()
    assert ("debug=True" in written) is (mode == "diff")
    assert fixed == checked and len(checked) == 8


def test_route_screen_reads_banner_comments_in_linear_time() -> None:
    """A full stop, then a comment of many `#`: the attribute pattern once tried every way
    to split the comment (2**30 here), hanging the whole run."""
    text = (
        "class A:\n    @property\n    def x(self):\n        return 1\n\n# The end.\n"
        + "# " * 30
        + "\n"
    )
    assert not may_register_routes.__wrapped__(text)


def test_fl502_statement_screen_follows_the_receiver_of_v1_methods(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`.json()` on a response, or on a local bound from something else, is not reported, so
    it keeps nothing; a receiver through an import, a parameter annotated with a model, a
    module-level model object and `self` in a model's method do."""
    files = {
        "app/__init__.py": "",
        "app/models.py": (
            "from pydantic import BaseModel, ConfigDict\n\n"
            "class User(BaseModel):\n    model_config = ConfigDict()\n    name: str\n\n"
            "    def as_dict(self):\n        return self.dict()\n"
        ),
        "main.py": (
            "from app import models\n"
            "from app.models import User\n\n"
            "DEFAULT = User(name='x')\n\n"
            "async def fetch(client):\n    r = await client.get('/')\n    return r.json()\n\n"
            "def unrelated(r: Response):\n    data = r.json()\n    return User(**data)\n\n"
            "def annotated(user: User):\n    return user.dict()\n\n"
            "def through_module(data):\n    return models.User.parse_obj(data)\n\n"
            "def module_level():\n    return DEFAULT.dict()\n\n"
            "class Admin(User):\n"
            "    def other(self, r):\n        return r.json()\n\n"
            "    def own(self):\n        return self.json()\n"
        ),
    }
    main, found, whole = _main_thinned_and_findings(tmp_path, monkeypatch, files, [PydanticV1Api])
    assert "client.get" not in main and "data = r.json()" not in main
    assert all(call in main for call in ("user.dict()", "models.User.parse_obj", "DEFAULT.dict"))
    # app/models.py: `self.dict()` on line 8; main.py: the other four
    assert (
        whole == found == [("FL502", 8), ("FL502", 15), ("FL502", 18), ("FL502", 21), ("FL502", 28)]
    )


def test_fl102_statement_screen_reads_the_receiver_of_blocking_methods(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A blocking method is reported on a receiver the code ties to its class: `.get()` on a
    client, a dict or `super()` keeps nothing, even in a coroutine that names the class."""
    files = {
        "app/__init__.py": "",
        "app/store.py": (
            "import time\n\n"
            "class Store:\n    def get(self, key):\n        time.sleep(1)\n        return key\n\n"
            "store = Store()\n"
        ),
        "main.py": (
            "from app.store import Store, store\n\n"
            "async def annotated(s: Store):\n    return s.get('k')\n\n"
            "async def response(client):\n    r = await client.get('/')\n    return Store\n\n"
            "async def module_object():\n    return store.get('k')\n\n"
            "async def built():\n    s = Store()\n    return s.get('k')\n\n"
            "async def other(data: dict):\n    return data.get('k'), Store\n\n"
            "class Cached(Store):\n"
            "    async def fetch(self):\n        return self.get('k')\n\n"
            "    async def parent(self):\n        return super().get('k')\n\n"
            "    async def unrelated(self, d):\n        return d.get('x')\n"
        ),
    }
    main, found, whole = _main_thinned_and_findings(
        tmp_path, monkeypatch, files, [TransitiveBlockingCall]
    )
    assert all(text not in main for text in ("client.get", "data.get", "super().get", "d.get"))
    assert all(text in main for text in ("s.get('k')", "store.get", "self.get"))
    assert whole == found == [("FL102", 4), ("FL102", 11), ("FL102", 15), ("FL102", 22)]


def test_fl101_statement_screen_follows_dotted_names_and_imports_over_several_lines(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`app.clients.cache.get()` reaches no blocking object, though `app.clients.http` is one:
    a dotted name is followed as far as names that may block go. An import in parentheses
    over several lines binds its names, not everything its module may reach."""
    files = {
        "app/__init__.py": "from app import clients\n",
        "app/clients.py": "import requests\nhttp = requests.Session()\ncache = {}\n",
        "app/slow.py": "from time import sleep as nap\nfrom json import dumps\n",
        "main.py": (
            "import app\n\n"
            "async def member():\n    app.clients.http.get('u')\n\n"
            "async def sibling():\n    return app.clients.cache.get('k')\n\n"
            "async def nested_nap():\n"
            "    from app.slow import (\n        nap,  # slow\n    )\n    nap(1)\n\n"
            "async def nested_dumps():\n"
            "    from app.slow import (\n        dumps,\n    )\n    return dumps({})\n"
        ),
    }
    main, found, whole = _main_thinned_and_findings(
        tmp_path, monkeypatch, files, [BlockingCallInAsync]
    )
    assert "cache.get" not in main and "dumps({})" not in main and "nap(1)" in main
    assert whole == found == [("FL101", 4), ("FL101", 13)]


def test_fl102_statement_screen_sees_helpers_imported_under_another_name_in_a_function(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`from app.slow import (nap as rest)` inside the coroutine, then `rest()`: the rule
    follows the import; the screen knew only module-level aliases."""
    files = {
        "app/__init__.py": "",
        "app/slow.py": "import time\n\ndef nap():\n    time.sleep(1)\n",
        "main.py": (
            "import json\n\n"
            "async def aliased_inside():\n"
            "    from app.slow import (\n        nap as rest,\n    )\n    rest()\n\n"
            "async def other():\n    return json.dumps({})\n"
        ),
    }
    main, found, whole = _main_thinned_and_findings(
        tmp_path, monkeypatch, files, [TransitiveBlockingCall]
    )
    assert "rest()" in main and "json.dumps" not in main
    assert whole == found == [("FL102", 7)]


def test_statement_screens_keep_the_bindings_findings_need(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A module-level `name = value` is parsed as `name = ()` unless a rule reports in it or
    kept code writes its name: the findings are those of the whole file."""
    files = {
        "main.py": (
            "import requests\n"
            "from fastapi import FastAPI\n"
            "from fastapi.exceptions import RequestValidationError\n"
            "from pydantic import ValidationError\n\n"
            "session = requests.Session(\n"
            "    # used by a coroutine\n"
            ")\n"
            "API_TOKEN = (\n"
            "    'sk-4f8a9b2c7d1e'\n"
            ")\n"
            "app = FastAPI(\n"
            "    exception_handlers={ValidationError: on_invalid},\n"
            ")\n"
            "CHOICES = [\n"
            "    'unrelated-choice',\n"
            "]\n\n"
            "async def on_invalid(request, exc):\n    return None\n\n"
            "async def fetch():\n    return session.get('u')\n"
        ),
    }
    rules = [BlockingCallInAsync, HardcodedSecret, ValidationErrorHandler]
    main, found, whole = _main_thinned_and_findings(tmp_path, monkeypatch, files, rules)
    assert "unrelated-choice" not in main and 'CHOICES = """\n\n"""' in main
    assert "requests.Session(" in main and "ValidationError: on_invalid" in main
    assert whole == found and {code for code, _ in found} == {"FL101", "FL403", "FL501"}


def test_fl303_statement_screen_reads_signatures_for_their_dependencies(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A route that names its dependencies in its signature is read for them, not for its
    body; a body that calls `Depends()` or yields is read."""
    files = {
        "main.py": (
            "from fastapi import Depends\n\n"
            "def get_db():\n    db = connect()\n    yield db\n    db.close()\n\n"
            "def route(db=Depends(get_db)):\n"
            "    rows = db.query('unrelated-body')\n    return rows\n\n"
            "def other():\n    session = Depends(get_session)\n    return session\n\n"
            "def get_session():\n    s = connect()\n    yield s\n    s.close()\n"
        ),
    }
    main, found, whole = _main_thinned_and_findings(
        tmp_path, monkeypatch, files, [DependencyCleanupNotInFinally]
    )
    assert "unrelated-body" not in main and "Depends(get_session)" in main
    assert whole == found == [("FL303", 6), ("FL303", 19)]


@pytest.mark.parametrize("registered", [False, True])
def test_named_functions_keep_their_bodies_only_for_rules_that_read_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, registered: bool
) -> None:
    """A coroutine named in a dispatch table that no screen keeps is parsed for its signature;
    an endpoint `add_api_route` names is a route, read whole by the route rules."""
    registration = 'router.add_api_route("/items/{item_id}", endpoint)\n' if registered else ""
    files = {
        "main.py": (
            "import requests\n"
            "from fastapi import APIRouter\n\n"
            "router = APIRouter()\n\n"
            "async def engine_a(payload):\n    return {'engine-data': payload}\n\n"
            "ENGINES = {'a': engine_a}\n\n"
            "@router.post('/speech')\n"
            "async def speech(engine: str):\n    return await ENGINES[engine]({})\n\n"
            "def endpoint(request):\n"
            "    return {'id': request.path_params['item_id']}\n\n"
            "def unrelated():\n    return 'left-out'\n\n" + registration
        ),
    }
    rules = [MissingResponseModel, PathParameterMismatch, BlockingCallInAsync]
    main, found, whole = _main_thinned_and_findings(tmp_path, monkeypatch, files, rules)
    assert "'left-out'" not in main and "async def engine_a(payload):" in main
    assert ("'engine-data'" in main) is registered and ("path_params" in main) is registered
    assert whole == found
    assert [code for code, _ in found] == ["FL201", "FL201"] if registered else ["FL201"]


def test_fl203_reads_the_bodies_of_dependencies_for_path_params(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A dependency named in a route's signature that reads `request.path_params` declares
    what it reads: its body is parsed, so the route is not reported."""
    files = {
        "main.py": (
            "from fastapi import APIRouter, Depends, Request\n\n"
            "router = APIRouter()\n\n"
            "def get_item(request: Request):\n"
            "    return request.path_params['item_id']\n\n"
            "def get_user(request: Request):\n    return request.state.user\n\n"
            "@router.get('/items/{item_id}')\n"
            "def read(item=Depends(get_item)):\n    return item\n\n"
            "@router.get('/users/{user_id}')\n"
            "def user(found=Depends(get_user)):\n    return found\n"
        ),
    }
    main, found, whole = _main_thinned_and_findings(
        tmp_path, monkeypatch, files, [PathParameterMismatch]
    )
    assert "request.path_params" in main and "request.state.user" not in main
    assert whole == found == [("FL203", 15)]


def test_fl203_statement_screen_keeps_only_routes_with_placeholders(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = {
        "main.py": (
            "from fastapi import APIRouter\n\n"
            "router = APIRouter()\n\n"
            "@router.get('/health')\ndef health(verbose: bool = False):\n    return 'no-path'\n\n"
            "@router.get('/items/{item_id}')\ndef read(item: int):\n    return 'item-body'\n\n"
            "def user(request):\n    return None\n\n"
            "def register():\n"
            "    router.add_api_route('/users/{user_id}', user)\n"
        ),
    }
    main, found, whole = _main_thinned_and_findings(
        tmp_path, monkeypatch, files, [PathParameterMismatch]
    )
    assert "verbose" not in main and "def read(item: int):" in main and "item-body" not in main
    assert "add_api_route('/users/{user_id}'" in main
    assert whole == found == [("FL203", 9), ("FL203", 17)]


def test_statement_screens_keep_the_module_level_calls_findings_need(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A top-level call statement no screen keeps is parsed as `()`; what only it names is
    left out too."""
    files = {
        "main.py": (
            "from fastapi import FastAPI\n"
            "from fastapi.middleware.cors import CORSMiddleware\n"
            "from pydantic import ValidationError\n\n"
            "app = FastAPI()\n"
            "SETTINGS = {\n    'unrelated-setting': 1,\n}\n\n"
            "app.state.configure(\n    SETTINGS,\n)\n"
            "app.add_middleware(\n    CORSMiddleware,\n    allow_origins=['*'],\n"
            "    allow_credentials=True,\n)\n"
            "app.add_exception_handler(\n    ValidationError,\n    on_invalid,\n)\n\n"
            "async def on_invalid(request, exc):\n    return None\n"
        ),
    }
    rules = [CorsWildcardWithCredentials, ValidationErrorHandler]
    main, found, whole = _main_thinned_and_findings(tmp_path, monkeypatch, files, rules)
    assert "unrelated-setting" not in main and "SETTINGS,\n" not in main
    assert "allow_credentials=True" in main and "    on_invalid,\n" in main
    assert whole == found and {code for code, _ in found} == {"FL402", "FL501"}


@pytest.mark.parametrize(
    "text",
    [
        "AsyncClient(app=app)",
        "AsyncClient(\n    base_url='x',  # note\n    app \\\n  = app)",
        "if app == other: pass",
        "f(x, app==1)",
        "app = FastAPI()",
        "Field(regex='^a$')",
        "class Config:\n    orm_mode = True",
        "dict(orm_mode=True, other=1)",
        "f(regex # comment\n = 'x')",
        "no keywords here, (just text)",
    ],
)
def test_keyword_screens_find_what_their_pattern_finds(text: str) -> None:
    for keyword in (migrations._APP_KEYWORD, migrations._V1_KEYWORD):
        full = re.compile(
            rf"[(,]{migrations._GAP}(?:{'|'.join(keyword.names)}){migrations._GAP}=(?!=)"
        )
        found, expected = keyword.search(text), full.search(text)
        assert (found and found.span()) == (expected and expected.span())
