"""Rule screens (`Rule.could_fire`): never no where the rule reports, and no on unrelated files."""

from __future__ import annotations

from pathlib import Path

import pytest

from fastlint.engine import checker
from fastlint.engine.project import ProjectIndex, extract_facts
from fastlint.engine.rule import Rule
from fastlint.rules.lifecycle import OnEventDeprecated
from fastlint.rules.migrations import AsyncClientAppArgument, PydanticV1Api, ValidationErrorHandler
from tests.helpers import lint_tree, write_tree

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
