"""Route contracts: the path matcher, the route model across modules, FL201-FL203."""

from __future__ import annotations

import ast
from pathlib import Path

import libcst as cst
import pytest

from fastlint.engine.findings import Finding
from fastlint.engine.project import extract_facts
from fastlint.engine.routing import compile_pattern, covers
from fastlint.rules.routes import (
    MissingResponseModel,
    PathParameterMismatch,
    RouteShadowing,
    _functions_by_ordinals,
)
from tests.helpers import lint_tree, write_tree


def _covers(first: str, second: str) -> bool:
    a, b = compile_pattern(first), compile_pattern(second)
    assert a is not None and b is not None
    return covers(a, b)


@pytest.mark.parametrize(
    ("earlier", "later", "expected"),
    [
        # {x}: one segment, any characters but "/"
        ("/items/{id}", "/items/featured", True),
        ("/items/{id}", "/items/{other}", True),
        ("/items/{id}", "/items/{n:int}", True),
        ("/items/{id}", "/items/{n:float}", True),
        ("/items/{id}", "/items/{u:uuid}", True),
        ("/items/{id}", "/items/a/b", False),
        ("/items/{id}", "/items/", False),
        ("/{x:str}", "/{y}", True),
        ("/{a}-{b}", "/x-y", True),
        ("/{a}-{b}", "/{u:uuid}", True),
        ("/files/{name}", "/files/{stem}.txt", True),
        ("/files/{stem}.txt", "/files/{name}", False),
        # {x:int}: digits only
        ("/items/{n:int}", "/items/{id}", False),
        ("/items/{n:int}", "/items/42", True),
        ("/items/{n:int}", "/items/007", True),
        ("/items/{n:int}", "/items/-1", False),
        ("/items/{n:int}", "/items/{m:float}", False),
        # {x:float}: digits with an optional fraction
        ("/v/{f:float}", "/v/{n:int}", True),
        ("/v/{f:float}", "/v/1.5", True),
        ("/v/{f:float}", "/v/1.", False),
        ("/v/{f:float}", "/v/.5", False),
        # {x:uuid}: lowercase 8-4-4-4-12 hex
        ("/u/{a:uuid}", "/u/{b:uuid}", True),
        ("/u/{a:uuid}", "/u/{b}", False),
        ("/u/{a:uuid}", "/u/123e4567-e89b-12d3-a456-426614174000", True),
        ("/u/{a:uuid}", "/u/123E4567-E89B-12D3-A456-426614174000", False),
        # {x:path}: the rest of the path, anything but a newline
        ("/files/{p:path}", "/files/a/b/c", True),
        ("/files/{p:path}", "/files/", True),
        ("/files/{p:path}", "/files", False),
        ("/files/{p:path}", "/files/{n:int}/{u:uuid}", True),
        ("/files/{p:path}", "/files/{name}", False),  # `{name}` may hold "%0A"
        ("/{p:path}/x", "/a/b/x", True),
        ("/{a}/{b}", "/{c}/{d:path}", False),
        # literal paths: exact, trailing slashes differ
        ("/a", "/a", True),
        ("/a", "/a/", False),
        ("/a/", "/a", False),
        ("/a/{x}", "/a/", False),
    ],
)
def test_path_coverage(earlier: str, later: str, expected: bool) -> None:
    assert _covers(earlier, later) is expected


SEGMENT_PATHS = [
    "/",
    "/items",
    "/items/",
    "/items/{id}",
    "/items/featured",
    "/items/{n:int}",
    "/items/{u:uuid}",
    "/items/{id}/tags",
    "/items/{id}/{tag}",
    "/{a}/{b}/{c}",
    "/{rest:path}",
    "/items/{rest:path}",
    "/files/{stem}.txt",
    "/files/{name}",
    "/{a}-{b}",
    "/x-y",
    "/v/{f:float}",
    "/v/1.5",
    "/{x}",
]


@pytest.mark.parametrize("earlier", SEGMENT_PATHS)
def test_segment_test_agrees_with_the_automaton(earlier: str) -> None:
    """The cheap segment comparison only ever answers what the automaton answers."""
    for later in SEGMENT_PATHS:
        first, second = compile_pattern(earlier), compile_pattern(later)
        assert first is not None and second is not None
        quick = covers(first, second)
        first.segments = second.segments = None  # the automaton alone
        assert quick is covers(first, second), (earlier, later)


def test_unknown_converter_is_not_compiled() -> None:
    assert compile_pattern("/x/{a:slug}") is None


def _lint(tmp_path: Path, files: dict[str, str], rule: type = RouteShadowing) -> list[Finding]:
    write_tree(tmp_path, files)
    return [f for f in lint_tree(tmp_path, [rule]) if f.code == rule.code]


def _where(findings: list[Finding]) -> list[tuple[str, int]]:
    return sorted((f.path, f.line) for f in findings)


APP_HEADER = "from fastapi import APIRouter, FastAPI\n\napp = FastAPI()\n"


# --- FL202: methods ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("first", "second", "shadowed"),
    [
        ('@app.get("/x")', '@app.get("/x")', True),  # exact duplicate
        ('@app.get("/x")', '@app.post("/x")', False),
        ('@app.get("/x")', '@app.head("/x")', False),  # FastAPI does not add HEAD to GET
        ('@app.api_route("/x")', '@app.get("/x")', True),  # api_route defaults to GET
        ('@app.api_route("/x", methods=["GET", "POST"])', '@app.post("/x")', True),
        ('@app.api_route("/x", methods=["put"])', '@app.put("/x")', True),
        ('@app.api_route("/x", methods=["PUT"])', '@app.patch("/x")', False),
        ('@app.post("/x")', '@app.api_route("/x", methods=["GET", "POST"])', True),
        ('@app.api_route("/x", methods=METHODS)', '@app.get("/x")', False),  # not literal
        ('@app.websocket("/x")', '@app.get("/x")', False),
        ('@app.websocket("/ws")', '@app.websocket("/ws")', True),
    ],
)
def test_methods(tmp_path: Path, first: str, second: str, shadowed: bool) -> None:
    code = f"{APP_HEADER}METHODS = ['GET']\n\n{first}\ndef a(): ...\n\n{second}\ndef b(): ...\n"
    findings = _lint(tmp_path, {"main.py": code})
    assert _where(findings) == ([("main.py", 9)] if shadowed else [])


def test_partially_shadowed_route_names_the_methods(tmp_path: Path) -> None:
    code = (
        f"{APP_HEADER}\n@app.get('/x/{{a}}')\ndef a(a: str): ...\n\n"
        "@app.api_route('/x/y', methods=['GET', 'POST'])\ndef b(): ...\n"
    )
    (finding,) = _lint(tmp_path, {"main.py": code})
    assert finding.message.startswith("`GET /x/y` is never reached: `GET /x/{a}` (main.py:5)")


def test_stacked_decorators_register_bottom_up(tmp_path: Path) -> None:
    reached = f'{APP_HEADER}\n@app.get("/a/{{x}}")\n@app.get("/a/b")\ndef f(x: str = ""): ...\n'
    assert _lint(tmp_path / "one", {"main.py": reached}) == []
    dead = f'{APP_HEADER}\n@app.get("/a/b")\n@app.get("/a/{{x}}")\ndef f(x: str = ""): ...\n'
    assert _where(_lint(tmp_path / "two", {"main.py": dead})) == [("main.py", 5)]


def test_class_based_view_methods_in_class_body_order(tmp_path: Path) -> None:
    code = (
        "from fastapi import APIRouter\n\nrouter = APIRouter()\n\n"
        "class ItemView:\n"
        "    @router.get('/items/{item_id}')\n    def one(self, item_id: int): ...\n\n"
        "    @router.get('/items/latest')\n    def latest(self): ...\n"
    )
    assert _where(_lint(tmp_path, {"views.py": code})) == [("views.py", 9)]


def test_add_api_route(tmp_path: Path) -> None:
    code = (
        f"{APP_HEADER}\ndef a(): ...\ndef b(): ...\n\n"
        "app.add_api_route('/x/{id}', a, methods=['GET'])\n"
        "app.add_api_route('/x/new', b)\n"
    )
    assert _where(_lint(tmp_path, {"main.py": code})) == [("main.py", 9)]


# --- FL202: prefixes and includes -------------------------------------------------------


ITEMS = (
    "from fastapi import APIRouter\n\nrouter = APIRouter(prefix='/items')\n\n"
    "@router.get('/{item_id}')\ndef item(item_id: str): ...\n"
)
FEATURED = (
    "from fastapi import APIRouter\n\nrouter = APIRouter()\n\n"
    "@router.get('/items/featured')\ndef featured(): ...\n"
)


def test_prefixes_on_both_sides(tmp_path: Path) -> None:
    main = (
        "from fastapi import FastAPI\nfrom pkg import items, featured as feat\n\n"
        "app = FastAPI()\napp.include_router(items.router, prefix='/api')\n"
        "app.include_router(feat.router, prefix='/api')\n"
    )
    files = {"pkg/__init__.py": "", "pkg/items.py": ITEMS, "pkg/featured.py": FEATURED}
    findings = _lint(tmp_path, {**files, "pkg/main.py": main})
    assert _where(findings) == [("pkg/featured.py", 5)]
    message = findings[0].message
    assert "`GET /api/items/featured` is never reached" in message
    assert "`GET /api/items/{item_id}` (pkg/items.py:5)" in message


def test_include_order_decides(tmp_path: Path) -> None:
    main = (
        "from fastapi import FastAPI\nfrom pkg import items, featured\n\n"
        "app = FastAPI()\napp.include_router(featured.router)\napp.include_router(items.router)\n"
    )
    files = {"pkg/__init__.py": "", "pkg/items.py": ITEMS, "pkg/featured.py": FEATURED}
    assert _lint(tmp_path, {**files, "pkg/main.py": main}) == []


def test_different_prefixes_do_not_meet(tmp_path: Path) -> None:
    main = (
        "from fastapi import FastAPI\nfrom pkg import items, featured\n\n"
        "app = FastAPI()\napp.include_router(items.router, prefix='/v1')\n"
        "app.include_router(featured.router, prefix='/v2')\n"
    )
    files = {"pkg/__init__.py": "", "pkg/items.py": ITEMS, "pkg/featured.py": FEATURED}
    assert _lint(tmp_path, {**files, "pkg/main.py": main}) == []


def test_router_route_shadowed_by_app_route_registered_before_include(tmp_path: Path) -> None:
    main = (
        "from fastapi import FastAPI\nfrom pkg.featured import router as featured_router\n\n"
        "app = FastAPI()\n\n@app.get('/items/{anything}')\ndef anything(anything: str): ...\n\n"
        "app.include_router(featured_router)\n"
    )
    files = {"pkg/__init__.py": "", "pkg/featured.py": FEATURED}
    assert _where(_lint(tmp_path, {**files, "pkg/main.py": main})) == [("pkg/featured.py", 5)]


def test_router_included_in_factory_function(tmp_path: Path) -> None:
    main = (
        "from fastapi import FastAPI\nfrom pkg import items, featured\n\n"
        "def create_app() -> FastAPI:\n    application = FastAPI()\n"
        "    application.include_router(items.router)\n"
        "    application.include_router(featured.router)\n    return application\n"
    )
    files = {"pkg/__init__.py": "", "pkg/items.py": ITEMS, "pkg/featured.py": FEATURED}
    assert _where(_lint(tmp_path, {**files, "pkg/main.py": main})) == [("pkg/featured.py", 5)]


def test_nested_routers(tmp_path: Path) -> None:
    api = (
        "from fastapi import APIRouter\nfrom pkg import items, featured\n\n"
        "api = APIRouter(prefix='/api')\napi.include_router(items.router)\n"
        "api.include_router(featured.router)\n"
    )
    files = {"pkg/__init__.py": "", "pkg/items.py": ITEMS, "pkg/featured.py": FEATURED}
    findings = _lint(tmp_path, {**files, "pkg/api.py": api})
    assert _where(findings) == [("pkg/featured.py", 5)]
    assert findings[0].message.startswith("`GET /api/items/featured` is never reached")


@pytest.mark.parametrize(
    "includes",
    [
        # conditional, looped and repeated inclusions: the order is not known
        "if DEBUG:\n    app.include_router(items.router)\napp.include_router(featured.router)\n",
        "for r in (items.router, featured.router):\n    app.include_router(r)\n",
        "app.include_router(items.router)\napp.include_router(featured.router)\n"
        "other.include_router(featured.router)\n",
        "app.include_router(items.router)\napp.include_router(featured.router)\n"
        "app.include_router(get_router())\n",
        "app.include_router(items.router, prefix=PREFIX)\napp.include_router(featured.router)\n",
        "app.include_router(items.router)\napp.include_router(featured.router)\n"
        "app.router.routes.sort(key=len)\n",
        "try:\n    app.include_router(items.router)\nexcept ImportError:\n    pass\n"
        "app.include_router(featured.router)\n",
    ],
)
def test_unknown_inclusion_means_no_finding(tmp_path: Path, includes: str) -> None:
    main = (
        "from fastapi import FastAPI\nfrom pkg import items, featured\n\n"
        "DEBUG = False\nPREFIX = '/x'[:0]\napp = FastAPI()\nother = FastAPI()\n"
        "def get_router(): ...\n" + includes
    )
    files = {"pkg/__init__.py": "", "pkg/items.py": ITEMS, "pkg/featured.py": FEATURED}
    assert _lint(tmp_path, {**files, "pkg/main.py": main}) == []


def test_route_added_after_include_in_same_module_is_not_compared(tmp_path: Path) -> None:
    code = (
        "from fastapi import APIRouter, FastAPI\n\napp = FastAPI()\nrouter = APIRouter()\n\n"
        "@router.get('/a/{x}')\ndef a(x: str): ...\n\napp.include_router(router)\n\n"
        "other = APIRouter()\n\n@other.get('/a/b')\ndef b(): ...\n\n"
        "app.include_router(other)\n\n@router.get('/a/c')\ndef c(): ...\n"
    )
    # b is shadowed through the app; c is shadowed on its own router.
    assert _where(_lint(tmp_path, {"main.py": code})) == [("main.py", 13), ("main.py", 18)]


@pytest.mark.parametrize(
    "code",
    [
        # dynamic path or prefix
        "P = '/a'\n@app.get(P + '/{x}')\ndef a(x: str): ...\n@app.get('/a/b')\ndef b(): ...\n",
        # a router subclass that changes registration
        "class R(APIRouter):\n    def add_api_route(self, path, endpoint, **kw): ...\n"
        "app = R()\n@app.get('/a/{x}')\ndef a(x: str): ...\n@app.get('/a/b')\ndef b(): ...\n",
        # registered conditionally: the earlier route may not exist
        "import os\nif os.environ.get('X'):\n    @app.get('/a/{x}')\n    def a(x: str): ...\n"
        "@app.get('/a/b')\ndef b(): ...\n",
        # not an app or router
        "class Cache:\n    def get(self, path): ...\napp = Cache()\n"
        "@app.get('/a/{x}')\ndef a(x: str): ...\n@app.get('/a/b')\ndef b(): ...\n",
        # rebound
        "app = APIRouter()\napp = APIRouter(prefix='/v2')\n"
        "@app.get('/a/{x}')\ndef a(x: str): ...\n@app.get('/a/b')\ndef b(): ...\n",
    ],
)
def test_no_finding_when_unsure(tmp_path: Path, code: str) -> None:
    assert _lint(tmp_path, {"main.py": APP_HEADER + code}) == []


def test_router_subclass_is_a_router(tmp_path: Path) -> None:
    code = (
        "from fastapi import APIRouter\n\nclass TaggedRouter(APIRouter):\n    pass\n\n"
        "router = TaggedRouter()\n\n@router.get('/a/{x}')\ndef a(x: str): ...\n\n"
        "@router.get('/a/b')\ndef b(): ...\n"
    )
    assert _where(_lint(tmp_path, {"main.py": code})) == [("main.py", 11)]


# --- FL202: the fix ---------------------------------------------------------------------


def _fixed(tmp_path: Path, code: str) -> str:
    write_tree(tmp_path, {"main.py": code})
    lint_tree(tmp_path, [RouteShadowing], fix=True, unsafe=True)
    return (tmp_path / "main.py").read_text()


def test_fix_not_offered_when_the_move_needs_names_defined_between(tmp_path: Path) -> None:
    code = (
        f"{APP_HEADER}\n\n@app.get('/a/{{x}}')\ndef a(x: str): ...\n\n\n"
        "def dep(): ...\n\n\n@app.get('/a/b', dependencies=[dep])\ndef b(): ...\n"
    )
    (finding,) = _lint(tmp_path, {"main.py": code})
    assert finding.fix is None


def test_fix_not_offered_when_the_move_would_shadow_another_route(tmp_path: Path) -> None:
    code = (
        f"{APP_HEADER}\n\n@app.get('/a/{{x}}')\ndef a(x: str): ...\n\n\n"
        "@app.get('/a/{y:int}')\ndef b(y: int): ...\n\n\n@app.get('/a/{z}')\ndef c(z: str): ...\n"
    )
    findings = _lint(tmp_path, {"main.py": code})
    assert _where(findings) == [("main.py", 10), ("main.py", 14)]
    assert findings[1].fix is None  # moved above `a`, `c` would shadow `b`


def test_fix_moves_the_route_with_its_comments(tmp_path: Path) -> None:
    code = (
        f"{APP_HEADER}\n\n# all items\n@app.get('/items/{{item_id}}')\n"
        "def item(item_id: int): ...\n\n"
        "\n# the featured ones\n@app.get('/items/featured')\ndef featured(): ...\n\n\n"
        "@app.get('/other')\ndef other(): ...\n"
    )
    assert _fixed(tmp_path, code) == (
        f"{APP_HEADER}\n\n# the featured ones\n@app.get('/items/featured')\ndef featured(): ...\n"
        "\n\n# all items\n@app.get('/items/{item_id}')\ndef item(item_id: int): ...\n\n\n"
        "@app.get('/other')\ndef other(): ...\n"
    )


# --- FL201 -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("route", "found"),
    [
        ("@app.get('/x')\ndef f():\n    return {'a': 1}\n", True),
        ("@app.get('/x', response_model=None)\ndef f():\n    return {'a': 1}\n", False),
        ("@app.get('/x')\ndef f() -> dict:\n    return {'a': 1}\n", False),
        ("@app.get('/x')\ndef f() -> None:\n    return None\n", False),
        ("@app.get('/x', status_code=204)\ndef f():\n    return 1\n", False),
        ("@app.get('/x', status_code=304)\ndef f():\n    return 1\n", False),
        ("@app.get('/x', status_code=status.HTTP_204_NO_CONTENT)\ndef f():\n    return 1\n", False),
        ("@app.get('/x', status_code=200)\ndef f():\n    return 1\n", True),
        ("@app.get('/x', status_code=HTTPStatus.NO_CONTENT)\ndef f():\n    return 1\n", False),
        ("@app.get('/x', response_class=PlainTextResponse)\ndef f():\n    return 'a'\n", False),
        ("@app.get('/x')\ndef f():\n    return PlainTextResponse('a')\n", False),
        ("@app.get('/x')\nasync def f():\n    return await make_response()\n", True),
        ("@app.get('/x')\nasync def f():\n    return await MakeResponse()\n", False),
        (
            "@app.get('/x')\ndef f():\n    if f:\n        return PlainTextResponse('a')\n"
            "    return {'a': 1}\n",
            True,
        ),
        ("@app.get('/x')\ndef f():\n    def inner():\n        return 1\n    inner()\n", False),
        ("@app.get('/x')\ndef f():\n    yield 1\n", False),
        ("@app.get('/x')\ndef f():\n    if f:\n        return {'a': 1}\n    yield 1\n", False),
        ("@app.get('/x')\ndef f():\n    def inner():\n        yield 1\n    return inner\n", True),
        ("@app.get('/x')\ndef f():\n    if f:\n        return\n    return None\n", False),
        ("class V:\n    @app.get('/x')\n    def f(self):\n        return self.value\n", True),
        ("@app.get('/docs')\ndef f():\n    return get_swagger_ui_html(openapi_url='/o')\n", False),
        ("@app.get('/x', **OPTIONS)\ndef f():\n    return 1\n", False),
        ("@app.websocket('/x')\nasync def f(ws):\n    return 1\n", False),
    ],
)
def test_missing_response_model(tmp_path: Path, route: str, found: bool) -> None:
    code = (
        "from http import HTTPStatus\nfrom fastapi import FastAPI, status\n"
        "from fastapi.openapi.docs import get_swagger_ui_html\n"
        "from fastapi.responses import PlainTextResponse\n\n"
        "app = FastAPI()\nOPTIONS = {}\nasync def make_response(): ...\n\n" + route
    )
    findings = _lint(tmp_path, {"main.py": code}, MissingResponseModel)
    assert bool(findings) is found


def test_missing_response_model_on_imported_router(tmp_path: Path) -> None:
    files = {
        "pkg/__init__.py": "",
        "pkg/routers.py": "from fastapi import APIRouter\n\nrouter = APIRouter()\n",
        "pkg/views.py": (
            "from .routers import router as r\n\n@r.post('/x')\ndef f():\n    return 1\n"
        ),
    }
    assert _where(_lint(tmp_path, files, MissingResponseModel)) == [("pkg/views.py", 3)]


ORDINALS = """\
import os; import sys
flag = (seen := 1)

@decorate(found := True)
def walrus_header():
    return "walrus header"

if os:
    def conditional():
        return "conditional"

class Empty: pass

@decorate
class Outer:
    value = 1; other = 2

    class Inner:
        def inner(self):
            return "inner"

    async def first(self):
        return "first"

    if value:
        def hidden(self):
            return "hidden"

    def second(self):
        return "second"

async def last(): return "one line"

def last():
    return "redefined"
"""


def test_fl201_finds_the_functions_of_the_facts_in_its_tree() -> None:
    """The facts count definitions in `ast`'s tree, the rule in LibCST's: the same ones, though
    their statements differ (`a; b`), a `:=` leaves a definition out of other facts, and
    definitions in blocks or nested classes are not counted."""
    facts = extract_facts("m.py", ORDINALS, name="m")
    names = {
        min([node.lineno, *(d.lineno for d in node.decorator_list)]): node.name
        for node in ast.walk(ast.parse(ORDINALS))
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
    }
    in_facts = sorted((key, names[line]) for line, key in facts.plain_returns.items())
    in_tree = [(key, f.name.value) for key, f in _functions_by_ordinals(cst.parse_module(ORDINALS))]
    assert in_facts == in_tree
    assert in_tree == [
        ((0, -1), "walrus_header"),
        ((2, 0), "first"),
        ((2, 1), "second"),
        ((3, -1), "last"),
        ((4, -1), "last"),
    ]


# --- FL203 -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("route", "found"),
    [
        ("@router.get('/u/{user_id}')\ndef f(user_id: int): ...\n", False),
        ("@router.get('/u/{user_id}')\ndef f(uid: int): ...\n", True),
        ("@router.get('/u/{user_id:int}/{rest:path}')\ndef f(user_id: int): ...\n", True),
        ("@router.get('/u/{user_id}')\ndef f(uid: int = Path(alias='user_id')): ...\n", False),
        ("@router.get('/u/{user_id}')\ndef f(u: Annotated[int, Depends(by_id)]): ...\n", False),
        ("@router.get('/u/{user_id}')\ndef f(u=Depends(by_token)): ...\n", True),
        ("@router.get('/u/{user_id}')\ndef f(u=Depends(imported)): ...\n", False),
        ("@router.get('/u/{user_id}')\ndef f(u=Depends(helper())): ...\n", False),
        ("@router.get('/u/{user_id}', dependencies=[Depends(by_id)])\ndef f(): ...\n", False),
        ("@router.get('/u/{user_id}', dependencies=[Depends(by_token)])\ndef f(): ...\n", True),
        ("@router.get('/u/{user_id}')\ndef f(**kwargs): ...\n", False),
        ("@router.get('/u/{user_id}')\ndef f(request: Request):\n    request.path_params\n", False),
        ("@router.get(PATH)\ndef f(): ...\n", False),
    ],
)
def test_path_parameter_mismatch(tmp_path: Path, route: str, found: bool) -> None:
    code = (
        "from typing import Annotated\n"
        "from fastapi import APIRouter, Depends, Path, Request\n"
        "from other import imported, helper\n\n"
        "router = APIRouter()\nPATH = '/u/{user_id}'\n\n"
        "def by_id(user_id: int): ...\n\ndef by_token(token: str): ...\n\n" + route
    )
    findings = _lint(tmp_path, {"main.py": code}, PathParameterMismatch)
    assert bool(findings) is found


@pytest.mark.parametrize(
    "setup",
    [
        "router = APIRouter(dependencies=[Depends(org)])\n",
        "router = APIRouter()\napp = FastAPI()\n"
        "app.include_router(router, dependencies=[Depends(org)])\n",
        "router = APIRouter()\napp = FastAPI(dependencies=[Depends(org)])\n"
        "app.include_router(router)\n",
    ],
)
def test_router_level_dependencies_silence_fl203(tmp_path: Path, setup: str) -> None:
    code = (
        "from fastapi import APIRouter, Depends, FastAPI\n\ndef org(org_id: str): ...\n\n"
        + setup
        + "\n@router.get('/orgs/{org_id}/members')\ndef members(): ...\n"
    )
    assert _lint(tmp_path, {"main.py": code}, PathParameterMismatch) == []


def test_nested_lambdas_keep_scopes_balanced(tmp_path: Path) -> None:
    code = (
        "from fastapi import FastAPI\n\napp = FastAPI()\nmake = lambda: lambda sid: sid\n\n"
        "@app.get('/x/{a}')\ndef a(b: str):\n    return make()(b)\n"
    )
    findings = _lint(tmp_path, {"main.py": code}, PathParameterMismatch)
    assert _where(findings) == [("main.py", 6)]


@pytest.mark.parametrize(
    ("returned", "found"),
    [
        ("helpers.file_response('a')", False),  # returns FileResponse(...)
        ("helpers.favicon()", False),  # returns file_response(...), transitively
        ("await helpers.stream()", False),  # annotated `-> StreamingResponse`
        ("helpers.payload()", True),  # returns a dict
        ("helpers.maybe()", True),  # sometimes returns None
        ("await helpers.manager.login()", False),  # a method annotated `-> RedirectResponse`
        ("await helpers.manager.data()", True),
        ("await helpers.quoted()", False),  # annotated `-> "StreamingResponse"`
    ],
)
def test_helpers_that_build_responses(tmp_path: Path, returned: str, found: bool) -> None:
    helpers = (
        "from fastapi.responses import FileResponse, RedirectResponse, StreamingResponse\n\n"
        "def file_response(path):\n    return FileResponse(path)\n\n"
        "def favicon():\n    return file_response('favicon.ico')\n\n"
        "async def stream() -> StreamingResponse: ...\n\n"
        "async def quoted() -> 'StreamingResponse': ...\n\n"
        "def payload():\n    return dict(a=1)\n\n"
        "def maybe():\n    if payload():\n        return None\n    return FileResponse('x')\n\n"
        "class Manager:\n    async def login(self) -> RedirectResponse: ...\n"
        "    async def data(self): ...\n\nmanager = Manager()\n"
    )
    main = (
        "from fastapi import FastAPI\nfrom pkg import helpers\n\napp = FastAPI()\n\n"
        f"@app.get('/x')\nasync def f():\n    return {returned}\n"
    )
    files = {"pkg/__init__.py": "", "pkg/helpers.py": helpers, "pkg/main.py": main}
    assert bool(_lint(tmp_path, files, MissingResponseModel)) is found


def test_nested_helper_that_builds_a_response(tmp_path: Path) -> None:
    code = (
        "from fastapi import FastAPI\nfrom fastapi.responses import StreamingResponse\n\n"
        "def create_app():\n    app = FastAPI()\n\n"
        "    @app.get('/data')\n    async def data():\n        return await helper()\n\n"
        "    @app.get('/other')\n    async def other():\n        return await plain()\n\n"
        "    async def helper():\n        return StreamingResponse(iter([]))\n\n"
        "    async def plain():\n        return {'a': 1}\n\n    return app\n"
    )
    assert _where(_lint(tmp_path, {"main.py": code}, MissingResponseModel)) == [("main.py", 11)]


def test_fix_moves_the_route_when_a_comment_holds_a_form_feed(tmp_path: Path) -> None:
    """`str.splitlines` ends a line at a form feed, Python does not: the fix once moved the
    wrong lines (and, its result not parsing, was dropped)."""
    code = (
        "from fastapi import FastAPI\n\napp = FastAPI()\n# \x0c section one\n\n"
        '@app.get("/items/{item}")\ndef item(item: str):\n    return {"item": item}\n\n'
        '@app.get("/items/new")\ndef new():\n    return {"new": True}\n'
    )
    write_tree(tmp_path, {"app.py": code})
    lint_tree(tmp_path, [RouteShadowing], fix=True, unsafe=True)
    fixed = (tmp_path / "app.py").read_text()
    assert fixed.index('"/items/new"') < fixed.index('"/items/{item}"')
    assert sorted(fixed.splitlines()) == sorted(code.splitlines())
