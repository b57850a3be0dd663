"""Rule screens (`Rule.could_fire`): no for unrelated files, yes for tricky positives."""

from __future__ import annotations

import textwrap
from pathlib import Path

from fastlint.engine.project import ProjectIndex, extract_facts
from fastlint.engine.rule import Rule
from fastlint.rules.defaults import MutableDefault
from fastlint.rules.deployment import ReloadInProduction
from fastlint.rules.security import CorsWildcardWithCredentials, DebugEnabled, HardcodedSecret

UNRELATED = """\
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
    assert not could_fire(MutableDefault, UNRELATED, tmp_path)
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
    assert not could_fire(ReloadInProduction, UNRELATED, tmp_path)
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
    assert not could_fire(CorsWildcardWithCredentials, UNRELATED, tmp_path)
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
    assert not could_fire(HardcodedSecret, UNRELATED, tmp_path)
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


# --- FL404 ---------------------------------------------------------------------------------


def test_fl404_screen(tmp_path: Path) -> None:
    assert not could_fire(DebugEnabled, UNRELATED, tmp_path)
    assert not could_fire(DebugEnabled, "app = FastAPI(debug=settings.debug)\n", tmp_path)
    multi_line = (
        "from app.base import App\n\napp = App(\n    title='x',\n    debug=\\\n        True,\n)\n"
    )
    assert could_fire(DebugEnabled, multi_line, tmp_path)
