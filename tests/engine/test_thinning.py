"""Parsing a file with stubs for the definitions no rule needs (engine/thinning)."""

from __future__ import annotations

from typing import Optional

import libcst as cst

from fastlint.engine.project import extract_facts
from fastlint.engine.source import line_starts
from fastlint.engine.thinning import HEADER, NOTHING, WHOLE, Surroundings, thin

SOURCE = """\
from fastapi import APIRouter, Depends

router = APIRouter()


def get_db():
    return object()


def helper(x):
    return x * 2


@router.get("/items")
async def list_items(db=Depends(get_db)):
    return helper(1)


class Table:
    name = "table"

    async def fetch(self):
        return 1

    def count(self):
        return 2


class Unused:
    def method(self):
        return 3
"""


def _thin(text: str, needed: tuple[str, ...], named_need: str = WHOLE) -> Optional[str]:
    """Keep the definitions whose text holds one of `needed`, and `named_need` of those kept
    code names."""
    facts = extract_facts("m.py", text, name="m")

    def keep(statement: str, *arguments: object) -> str:
        if arguments[-1]:  # named
            return named_need
        return WHOLE if any(n in statement for n in needed) else NOTHING

    return thin(text, line_starts(text), facts, keep)


def test_unneeded_definitions_become_stubs_on_the_same_lines() -> None:
    thinned = _thin(SOURCE, ("async def",))
    assert thinned is not None
    assert thinned.count("\n") == SOURCE.count("\n")
    lines, original = thinned.split("\n"), SOURCE.split("\n")
    # The route and what it names, not called, stay; the helper it calls does not.
    assert "def get_db():" in thinned and "return object()" in thinned
    assert "def helper(" in thinned and "return x * 2" not in thinned
    assert "async def list_items(db=Depends(get_db)):" in thinned
    # A needed class keeps its other statements and needed methods; the rest are stubs.
    assert '    name = "table"' in lines and "        return 1" in lines
    assert "        return 2" not in lines and '    def count(): """' in lines
    assert "class Unused(" in thinned and "def method" not in thinned
    for number, line in enumerate(lines):
        if line.strip() and "pass" not in line and '"""' not in line:
            assert line == original[number]
    module = cst.parse_module(thinned)
    names = [getattr(s, "name", None) for s in module.body]
    assert [n.value for n in names if n is not None] == [
        "get_db",
        "helper",
        "list_items",
        "Table",
        "Unused",
    ]


def test_nothing_to_drop_gives_none() -> None:
    assert _thin(SOURCE, ("def", "class")) is None


def test_windows_line_endings_are_kept() -> None:
    crlf = SOURCE.replace("\n", "\r\n")
    thinned = _thin(crlf, ("async def",))
    assert thinned is not None
    assert "\n" not in thinned.replace("\r\n", "")
    assert thinned.count("\r\n") == crlf.count("\r\n")


def test_definitions_binding_module_names_are_kept() -> None:
    text = (
        "def setup():\n"
        "    global client\n"
        "    client = 1\n"
        "\n"
        "def remember(x=(last := 0)):\n"
        "    return x\n"
        "\n"
        "def plain():\n"
        "    return 2\n"
    )
    thinned = _thin(text, ())
    assert thinned is not None
    assert "global client" in thinned and "last := 0" in thinned
    assert "return 2" not in thinned


def test_a_class_named_only_in_a_call_is_not_kept() -> None:
    text = "class Table:\n    def rows(self):\n        return []\n\n\nTables = Table()\n"
    thinned = _thin(text, ())
    assert thinned is not None and "return []" not in thinned
    annotated = text + "\n\nasync def f(t: Table):\n    pass\n"
    kept = _thin(annotated, ("async def",))
    # Named as an annotation: the class stays, but its unneeded method still goes.
    assert kept is not None and "class Table:" in kept and "return []" not in kept


def test_methods_are_kept_when_python_would_find_them_by_that_name() -> None:
    """A method is named by its class's own code, by a method's signature (both run in the
    class's scope) or as an attribute of its class; `self.helper` in a body and a bare name
    in a function body mean something else to a lookup."""
    text = (
        "class Resources:\n"
        "    handlers = [on_start]\n"
        "\n"
        "    async def route(self, fallback=default_value):\n"
        "        return self.attribute_only, bare_in_body\n"
        "\n"
        "    def on_start(self):\n        return 'on_start'\n"
        "\n"
        "    def default_value(self):\n        return 'default_value'\n"
        "\n"
        "    def client(self):\n        return 'client'\n"
        "\n"
        "    def attribute_only(self):\n        return 'attribute_only'\n"
        "\n"
        "    def bare_in_body(self):\n        return 'bare_in_body'\n"
        "\n"
        "\n"
        "async def endpoint(client=Depends(Resources.client)):\n"
        "    pass\n"
    )
    thinned = _thin(text, ("async def",))
    assert thinned is not None
    for kept in ("on_start", "default_value", "client"):
        assert f"return '{kept}'" in thinned, kept
    for left_out in ("attribute_only", "bare_in_body"):
        assert f"return '{left_out}'" not in thinned, left_out


def _hollow(text: str, whole: tuple[str, ...] = ()) -> Optional[str]:
    """Keep every definition: whole when its text holds one of `whole`, else its signature."""
    facts = extract_facts("m.py", text, name="m")

    def keep(
        statement: str,
        index: int,
        lines: object,
        body_at: Optional[int],
        _: Surroundings,
        named: bool,
    ) -> str:
        if named or body_at is None or any(w in statement for w in whole):
            return WHOLE
        return HEADER

    return thin(text, line_starts(text), facts, keep)


ROUTES = """\
@router.get(
    "/items",  # a comment
)
async def list_items(db=Depends(get_db)) -> list[int]:
    \"\"\"A docstring.\"\"\"
    rows = await db.fetch()

    return [row.id for row in rows]


def one_liner(): return 1


class Service:
    async def run(self):
        await self.step()
        return helper()
"""


def test_signatures_kept_with_empty_bodies_on_the_same_lines() -> None:
    thinned = _hollow(ROUTES)
    assert thinned is not None
    assert thinned.count("\n") == ROUTES.count("\n")
    lines = thinned.split("\n")
    assert lines[:4] == ROUTES.split("\n")[:4]  # decorators and signature as written
    # One string literal over the body's lines: blank lines would each be a node.
    assert lines[4:8] == ['    """', "", "", '"""']
    assert "def one_liner(): return 1" in thinned  # no body of its own line: kept
    assert "    async def run(self):" in lines and '        """' in lines
    assert "helper()" not in thinned and "self.step" not in thinned
    cst.parse_module(thinned)


def test_a_function_named_by_kept_code_gets_its_body_back() -> None:
    text = "def get_db():\n    return 1\n\n\nasync def route(db=Depends(get_db)):\n    return db\n"
    thinned = _hollow(text)
    assert thinned is not None
    assert "    return 1" in thinned  # named in a signature: read whole
    assert "    return db" not in thinned


def test_surroundings_hold_module_code_and_classes_without_functions() -> None:
    text = (
        "import requests\n"
        "from x import (\n    y,\n)\n"
        "session = requests.Session()\n"
        "\n"
        "class Client(httpx.Client):\n"
        "    timeout = 5\n"
        "\n"
        "    def get_user(self):\n"
        "        return local_only\n"
        "\n"
        "def helper():\n"
        "    other_local = 1\n"
    )
    facts = extract_facts("m.py", text, name="m")
    seen: list[Surroundings] = []

    def keep(
        statement: str,
        index: int,
        lines: object,
        body_at: Optional[int],
        around: Surroundings,
        named: bool,
    ) -> str:
        seen.append(around)
        return NOTHING

    thin(text, line_starts(text), facts, keep)
    code = seen[0].code
    assert "session = requests.Session()" in code
    assert "class Client(httpx.Client):" in code and "timeout = 5" in code
    assert "import" not in code and "y," not in code
    assert "local_only" not in code and "other_local" not in code and "helper" not in code


BINDINGS = """\
import httpx

client = httpx.Client(
    timeout=5,
)
session = make_session(
    1,
)
UNUSED = {
    "a": handler,
}
x = 1; y = f(
    2,
)
total: int = compute(
    3,
)


def handler():
    return 4


async def route():
    client.get("/")
    session()
    return total
"""


def test_bindings_no_kept_code_writes_become_empty_tuples_on_the_same_lines() -> None:
    thinned = _thin(BINDINGS, ("async def",))
    assert thinned is not None
    assert thinned.count("\n") == BINDINGS.count("\n")
    # Written by the coroutine: as an attribute's object, as a callee, as a name.
    for kept in ("    timeout=5,", "    1,", "    3,"):
        assert kept in thinned
    # Written by nothing kept: `name = ()` over its lines, and what only it named goes too.
    assert 'UNUSED = """\n\n"""\n' in thinned and '"a"' not in thinned
    assert "def handler(" in thinned and "return 4" not in thinned
    # Not alone on its line: kept as written.
    assert "x = 1; y = f(\n    2,\n)\n" in thinned
    module = cst.parse_module(thinned)
    assert len(module.body) == len(cst.parse_module(BINDINGS).body)


def test_a_binding_is_kept_when_a_rule_needs_it_or_kept_code_writes_it() -> None:
    text = (
        'SECRET = (\n    "abc"\n)\n'
        'TABLE = {\n    "a": handler,\n}\n\n\n'
        "def handler():\n    return 4\n"
    )
    thinned = _thin(text, ("SECRET",))
    assert thinned is not None and '    "abc"' in thinned and 'TABLE = """\n\n"""' in thinned
    assert "return 4" not in thinned
    # Kept code that writes `TABLE` brings back what the binding names.
    assert _thin(text + "if TABLE:\n    pass\n", ("SECRET",)) is None
    # A call statement no rule needs is left out, and what it names stays out.
    called = _thin(text + "register(\n    TABLE,\n)\n", ("SECRET",))
    assert called is not None and called.splitlines()[-3:] == ['"""', "", '"""']
    assert 'TABLE = """\n\n"""' in called and "return 4" not in called


def test_a_binding_that_binds_another_name_is_kept() -> None:
    text = "value = (other := compute(\n    1,\n))\n\n\ndef unused():\n    return other\n"
    thinned = _thin(text, ())
    assert thinned is not None and "other := compute" in thinned and "return other" not in thinned


def test_a_named_function_keeps_its_signature_when_no_rule_reads_its_body() -> None:
    text = (
        "ENGINES = {\n    'a': engine_a,\n}\n\n\n"
        "async def engine_a(request, payload):\n    return helper(payload)\n\n\n"
        "def helper(payload):\n    return payload\n\n\n"
        "async def route(db=Depends(get_db)):\n    return ENGINES['a']\n\n\n"
        "def get_db():\n    return connect()\n"
    )
    thinned = _thin(text, ("async def route",), named_need=HEADER)
    assert thinned is not None and thinned.count("\n") == text.count("\n")
    # Named by the kept route (through the table, and in its signature): signatures only.
    assert "async def engine_a(request, payload):\n    pass\n" in thinned
    assert "def get_db():\n    pass\n" in thinned and "connect()" not in thinned
    # Named only by a body left out: a stub.
    assert 'def helper(): """\n"""' in thinned
    whole = _thin(text, ("async def route",))
    assert whole is not None and "connect()" in whole and "return helper(payload)" in whole
