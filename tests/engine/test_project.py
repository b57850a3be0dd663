from __future__ import annotations

import ast
import pickle
from pathlib import Path
from typing import Any, Optional

import pytest

from fastlint.engine.project import ModuleFacts, ProjectIndex, extract_facts, module_name_for
from tests.helpers import write_tree


def build(tmp_path: Path, files: dict[str, str]) -> ProjectIndex:
    write_tree(tmp_path, files)
    return ProjectIndex(
        [extract_facts(str(tmp_path / rel), (tmp_path / rel).read_text()) for rel in files]
    )


def test_module_names_follow_packages(tmp_path: Path) -> None:
    write_tree(tmp_path, {"app/__init__.py": "", "app/api/__init__.py": "", "app/api/v1.py": ""})
    assert module_name_for(str(tmp_path / "app/api/v1.py")) == ("app.api.v1", False)
    assert module_name_for(str(tmp_path / "app/api/__init__.py")) == ("app.api", True)


def test_resolve_follows_reexports(tmp_path: Path) -> None:
    index = build(
        tmp_path,
        {
            "app/__init__.py": "from app.core import app\n",
            "app/core.py": "from fastapi import FastAPI as F\napp = F(title='x')\n",
            "app/routers/__init__.py": "",
            "app/routers/items.py": "from fastapi import APIRouter\nrouter = APIRouter()\n",
        },
    )
    assert index.resolve("app.app") == "app.core.app"
    assert index.object_class("app.app") == "fastapi.FastAPI"
    assert index.object_class("app.routers.items.router") == "fastapi.APIRouter"
    assert index.object_class("app.core.missing") is None


def test_subclasses_across_modules(tmp_path: Path) -> None:
    index = build(
        tmp_path,
        {
            "lib/__init__.py": "",
            "lib/base.py": "import fastapi\nclass Router(fastapi.APIRouter):\n    pass\n",
            "lib/custom.py": "from .base import Router\nclass Versioned(Router):\n    pass\n",
        },
    )
    assert index.is_subclass("lib.custom.Versioned", frozenset({"fastapi.APIRouter"}))
    assert not index.is_subclass("lib.custom.Versioned", frozenset({"fastapi.FastAPI"}))


def test_namespace_layout_found_by_suffix(tmp_path: Path) -> None:
    # `app/` without __init__.py, imported as `app.main` when run from the root.
    index = build(tmp_path, {"app/main.py": "from fastapi import FastAPI\napp = FastAPI()\n"})
    assert index.find_module("main") is not None
    assert index.object_class("main.app") == "fastapi.FastAPI"


def test_import_cycle_terminates(tmp_path: Path) -> None:
    index = build(
        tmp_path,
        {"p/__init__.py": "", "p/a.py": "from p.b import x\n", "p/b.py": "from p.a import x\n"},
    )
    assert index.resolve("p.a.x") in {"p.a.x", "p.b.x"}


def test_unparsable_module_is_marked(tmp_path: Path) -> None:
    index = build(tmp_path, {"bad.py": "def f(:\n"})
    facts = index.facts_for_path(str(tmp_path / "bad.py"))
    assert facts is not None and facts.ast_failed


def test_two_scripts_with_one_name_are_ambiguous(tmp_path: Path) -> None:
    index = build(
        tmp_path,
        {
            "a/main.py": "from fastapi import FastAPI\napp = FastAPI()\n",
            "b/main.py": "app = object()\n",
        },
    )
    assert index.find_module("main") is None
    assert index.object_class("main.app") is None
    assert index.facts_for_path(str(tmp_path / "b/main.py")) is not None


def test_namespace_directory_inside_a_package_keeps_the_full_name(tmp_path: Path) -> None:
    write_tree(tmp_path, {"lib/__init__.py": "", "lib/types/llms/rerank.py": "", "x/y.py": ""})
    assert module_name_for(str(tmp_path / "lib/types/llms/rerank.py")) == (
        "lib.types.llms.rerank",
        False,
    )
    assert module_name_for(str(tmp_path / "x/y.py")) == ("y", False)


def test_memoized_resolve_records_the_same_dependencies() -> None:
    """A check that resolves a name answered before still depends on the modules it went
    through (the cache invalidates by them)."""
    index = ProjectIndex(
        [
            extract_facts("pkg/__init__.py", "from pkg.core import app\n", name="pkg"),
            extract_facts("pkg/core.py", "app = 1\n", name="pkg.core"),
        ]
    )
    recorded = []
    for _ in range(2):
        index.track()
        assert index.resolve("pkg.app") == "pkg.core.app"
        recorded.append(index.tracked())
    assert recorded[0] == recorded[1] and recorded[0]


@pytest.mark.parametrize(("version", "deep"), [((3, 10, 14), True), ((3, 11, 0), False)])
def test_large_files_are_parsed_on_a_large_stack_before_python_3_11(
    monkeypatch: pytest.MonkeyPatch, version: tuple[int, int, int], deep: bool
) -> None:
    from fastlint.engine import project

    on_large_stack: list[object] = []

    def recording(function: Any, *args: Any) -> Any:
        on_large_stack.append(function)
        return function(*args)

    monkeypatch.setattr(project, "on_large_stack", recording)
    monkeypatch.setattr(project.sys, "version_info", version)
    large = "def helper():\n    pass\n" + "x = 1\n" * (project.DEEP_AST_BYTES // 6)
    facts = extract_facts("m.py", large, name="m")
    assert "helper" in facts.callables and not facts.ast_failed
    assert on_large_stack == ([ast.parse] if deep else [])
    on_large_stack.clear()
    extract_facts("m.py", "x = 1\n", name="m")  # small files: on the calling thread
    assert on_large_stack == []


def test_lazily_added_facts_are_read_once_when_asked_for_and_when_pickled(
    tmp_path: Path,
) -> None:
    write_tree(tmp_path, {"a.py": "X = 1\n", "b.py": "from a import X\n", "gone.py": "Y = 2\n"})
    read: list[str] = []

    def loader(name: str) -> Any:
        def load() -> Optional[ModuleFacts]:
            read.append(name)
            if name == "gone":
                return None  # facts that cannot be had: the module has none
            path = tmp_path / f"{name}.py"
            return extract_facts(str(path), path.read_text())

        return load

    index = ProjectIndex()
    for name in ("a", "b", "gone"):
        index.add_name(name, "digest", str(tmp_path / f"{name}.py"))
        index.add_lazy(str(tmp_path / f"{name}.py"), loader(name))
    assert index.resolve("b.X") == "a.X" and read == ["b", "a"]
    assert index.find_module("a") is not None and read == ["b", "a"]
    copy = pickle.loads(pickle.dumps(index))  # for workers that are not forked
    assert read == ["b", "a", "gone"]
    assert [m.name for m in copy.all_modules()] == ["a", "b"]
    assert copy.facts_for_path(str(tmp_path / "gone.py")) is None


PLAIN_RETURNS = """\
import json; LIMIT = 1

def plain():
    return {"a": 1}

async def awaited():
    return await fetch()

class Views:
    size = 1

    def call(self):
        return make()

    def none(self):
        if self:
            return
        return None

    @property
    def mixed(self):
        try:
            return make()
        except ValueError:
            return self.cached

def generator():
    if LIMIT:
        return 1
    yield 2

def nested():
    def inner():
        yield 1
    return inner.name, (lambda: (yield))

def only_nested():
    class Inner:
        def get(self):
            return 1
    Inner()

def awaited_twice():
    return await (await fetch())

async def responds():
    if LIMIT:
        return await responses.JSONResponse({})
    return StreamingResponse(iter(()))

def annotated() -> dict:
    return JSONResponse({})

def responds_or_calls():
    if LIMIT:
        return JSONResponse({})
    return make_response()

def annotated() -> dict:
    return {}

if LIMIT:
    def conditional():
        return 1

def delegated():
    yield from other()
    return 1
"""


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
@pytest.mark.parametrize("as_bytes", [False, True])
def test_plain_returns_are_keyed_by_first_line_and_definition_ordinals(
    newline: str, as_bytes: bool
) -> None:
    """`a; b` is one statement to LibCST: definitions are counted among definitions."""
    text = PLAIN_RETURNS.replace("\n", newline)
    facts = extract_facts("m.py", text.encode() if as_bytes else text, name="m")
    lines = PLAIN_RETURNS.splitlines()

    def line(text: str) -> int:
        return lines.index(text) + 1

    assert facts.plain_returns == {
        line("def plain():"): (0, -1),
        line("    @property"): (2, 2),  # by its first decorator's line, as in `methods`
        line("def nested():"): (4, -1),
        line("def awaited_twice():"): (6, -1),
    }
    # Nothing, `None`, or `...Response(...)` calls: `none` and `only_nested` return nothing.
    assert facts.response_returns == {
        line("    def none(self):"),
        line("def only_nested():"),
        line("async def responds():"),
    }


DEPENDENCIES = """\
import fastapi
from fastapi import APIRouter, Depends, FastAPI, Security
from typing import Annotated

from app.auth import audit, current_user, get_db, scopes, settings

app = FastAPI()
router = APIRouter()


def lookup(): return 1


@router.get("/audited", dependencies=[Depends(audit)])
async def audited():
    return 1


@router.get(
    "/items",
    dependencies=[Depends(current_user)],
)
async def items(db: Annotated[object, Depends(get_db)], key=Security(scopes)):
    total = 0
    for item in range(10):
        total += item
    return total


@app.on_event("startup")
async def start():
    def inner(x=fastapi.
              Depends(lookup)):
        return x
    app.add_event_handler("shutdown", inner)


value = settings.value
"""


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_dependency_and_event_handler_calls_are_found_wherever_they_are(newline: str) -> None:
    """In a decorator above its `def`, in annotations and defaults, across lines; in the
    order of `ast.walk` (breadth first), which the facts' digest sees."""
    facts = extract_facts("m.py", DEPENDENCIES.replace("\n", newline).encode(), name="m")
    assert facts.dependencies == [
        "app.auth.scopes",
        "m.lookup",
        "app.auth.audit",
        "app.auth.current_user",
        "app.auth.get_db",
    ]
    assert facts.event_handlers == 2


def test_bindings_are_top_level_single_name_assignments_alone_on_their_lines() -> None:
    text = (
        "import os\n"  # 0
        "A = 1\n"  # 1
        "B: int = f(\n    2,\n)\n"  # 2
        "C: int\n"  # 3: no value
        "d = e = 3\n"  # 4: two targets
        "g, h = 4, 5\n"  # 5: a tuple
        "os.x = 6\n"  # 6: an attribute
        "i = 7; j = 8\n"  # 7, 8: one line
        "k = (m := 9)\n"  # 9: binds `m` too
        "if A:\n    n = 10\n"  # 10: not top level
        "@dec\ndef p(): pass\n"  # 11
        "q = 11\n"  # 12
        "register(\n    q,\n)\n"  # 13: a call binds nothing
        '"""docstring"""\n'  # 14: not a call
        "f(n := 1)\n"  # 15: binds `n`
    )
    facts = extract_facts("m.py", text, name="m")
    assert facts.bindings == [(1, 2, "A"), (2, 5, "B"), (12, 16, "q"), (13, 19, "")]
