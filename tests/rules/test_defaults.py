"""FL304: where a mutable default is, what it does there, and what the fixes make of it."""

from __future__ import annotations

import importlib.util
import shutil
import sys
from pathlib import Path
from types import ModuleType

import pytest

from fastlint.engine.findings import Severity
from fastlint.rules.defaults import MutableDefault
from tests.helpers import lint_tree, write_tree

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "fixes" / "FL304"


def _findings(tmp_path: Path, code: str, **files: str) -> list[tuple[int, Severity, str]]:
    write_tree(tmp_path, {"mod.py": code, **files})
    findings = lint_tree(tmp_path, [MutableDefault])
    return [(f.line, f.severity, f.message) for f in findings if f.path == "mod.py"]


ROUTES = """\
from typing import Annotated
from fastapi import APIRouter, Depends, FastAPI, Query

app = FastAPI()
router = APIRouter()

def paging(tags: list[str] = []):
    return tags

def current_user(token: Annotated[str, Query()], scopes: list = []):
    return scopes

@app.get("/a")
async def a(tags: list[str] = [], page=Depends(paging)):
    return tags

@router.post("/b")
def b(body: dict = {}):
    return body
"""


def test_routes_and_dependencies_are_info(tmp_path: Path) -> None:
    found = _findings(tmp_path, ROUTES)
    assert [(line, severity) for line, severity, _ in found] == [
        (7, Severity.INFO),  # a dependency: `Depends(paging)`
        (10, Severity.INFO),  # parameters declared with `Query()`: FastAPI calls it
        (14, Severity.INFO),
        (18, Severity.INFO),
    ]
    assert "FastAPI copies parameter defaults for each request" in found[2][2]
    assert "route `a`" in found[2][2] and "dependency `paging`" in found[0][2]


def test_plain_function_is_a_warning_with_unsafe_fix(tmp_path: Path) -> None:
    write_tree(tmp_path, {"mod.py": "def f(x=[]):\n    return x\n"})
    [finding] = lint_tree(tmp_path, [MutableDefault])
    assert finding.severity is Severity.WARNING
    assert "shares (and can change) the same list" in finding.message
    assert finding.fix is not None and finding.fix.applicability.value == "unsafe"


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        ("x=list()", "list"),
        ("x=dict(a=1)", "dict"),
        ("x={1, 2}", "set"),
        ("x={k: 1 for k in 'ab'}", "dict"),
        ("x=[i for i in range(3)]", "list"),
        ("x=collections.OrderedDict()", "OrderedDict"),
        ("x=collections.Counter()", "Counter"),
        ("x=dd(int)", "defaultdict"),
        ("*, x=bytearray()", "bytearray"),
    ],
)
def test_mutable_values(tmp_path: Path, code: str, kind: str) -> None:
    header = "import collections\nfrom collections import defaultdict as dd\n"
    found = _findings(tmp_path, f"{header}def f({code}):\n    return x\n")
    assert len(found) == 1 and f"same {kind}" in found[0][2]


@pytest.mark.parametrize(
    "code",
    [
        "def f(x=(), y=None, z=frozenset(), w='[]', v=0):\n    pass\n",
        # A read-only annotation says the function does not change it (as ruff's B006).
        "from typing import Mapping, Optional\nfrom collections import abc\n"
        "def f(x: Mapping[str, int] = {}, y: Optional[abc.Sequence] = [], z: tuple = []):\n"
        "    pass\n",
        "list = lambda: 1\ndef f(x=list()):\n    pass\n",  # not the builtin
        "from typing import overload\n@overload\ndef f(x: list = []) -> None: ...\n",
        "class Plain:\n    cache: dict = {}\n    items = []\n",
        "from dataclasses import dataclass, field\n@dataclass\nclass D:\n"
        "    x: list = field(default_factory=list)\n",
        "from typing import ClassVar\nfrom pydantic import BaseModel\nclass M(BaseModel):\n"
        "    registry: ClassVar[dict] = {}\n    model_config = {'extra': 'forbid'}\n",
        "from fastapi import FastAPI, Query\napp = FastAPI()\n@app.get('/')\n"
        "def r(tags: list[str] = Query(default=[])):\n    pass\n",
    ],
)
def test_not_flagged(tmp_path: Path, code: str) -> None:
    assert _findings(tmp_path, code) == []


def test_fields(tmp_path: Path) -> None:
    code = """\
import collections
from dataclasses import dataclass
from pydantic import BaseModel
from models import Base

@dataclass
class D:
    a: list = []
    b: collections.deque = collections.deque()

class M(Base):
    c: dict = {}
    _d: list = []
"""
    base = "from pydantic import BaseModel\nclass Base(BaseModel):\n    pass\n"
    found = _findings(tmp_path, code, **{"models.py": base})
    assert [(line, severity) for line, severity, _ in found] == [
        (8, Severity.ERROR),
        (9, Severity.ERROR),
        (12, Severity.INFO),  # through a project base class
        (13, Severity.INFO),
    ]
    assert "raises ValueError for it when the class is created" in found[0][2]
    assert "on Python 3.11+" in found[1][2]
    assert "Pydantic copies the default" in found[2][2]
    assert "PrivateAttr" in found[3][2]


def test_no_guard_fix_when_it_could_change_meaning(tmp_path: Path) -> None:
    code = (
        "def uses_param(limit, x=[limit]):\n    return x\n"
        "def one_line(x=[]): return x\n"
        "def multi_line(x={\n    'a': 1,\n}):\n    return x\n"
        "Optional = 1\ndef clash(x: list = []):\n    return x\n"
    )
    write_tree(tmp_path, {"mod.py": code})
    findings = lint_tree(tmp_path, [MutableDefault])
    assert len(findings) == 4 and all(f.fix is None for f in findings)


def _import(path: Path) -> ModuleType:
    """Import one of our own fixture files (never user code)."""
    name = f"_fl304_{path.stem.replace('.', '_')}"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[name]
    return module


@pytest.mark.skipif(
    sys.version_info < (3, 10),
    reason="the fixtures' `dict | None` annotations are evaluated, and fail, before 3.10",
)
def test_fixed_code_runs_and_shares_nothing(tmp_path: Path) -> None:
    for name in ("function_guard", "dataclass_field", "pydantic_field"):
        shutil.copyfile(FIXTURES / f"{name}.before.py", tmp_path / f"{name}.py")
    lint_tree(tmp_path, [MutableDefault], fix=True, unsafe=True)
    functions = _import(tmp_path / "function_guard.py")
    assert functions.add_tag("a") == ["a"] and functions.add_tag("b") == ["b"]
    assert functions.Index().group([("k", 1)]) == {"k": [1]}
    assert functions.Index().group([("k", 2)]) == {"k": [2]}
    dataclasses_ = _import(tmp_path / "dataclass_field.py")  # imports at all: before, it raised
    first, second = dataclasses_.Cart(), dataclasses_.Cart()
    first.items.append(1)
    assert second.items == [] and second.tags == {"new"}
    assert dataclasses_.Point().coords == [0, 0]
    models = _import(tmp_path / "pydantic_field.py")
    assert models.Order().items == [] and models.Order().meta == {}
