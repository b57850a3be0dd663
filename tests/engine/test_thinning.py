"""Parsing a file with stubs for the definitions no rule needs (engine/thinning)."""

from __future__ import annotations

from typing import Optional

import libcst as cst

from fastlint.engine.project import extract_facts
from fastlint.engine.source import line_starts
from fastlint.engine.thinning import thin

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


def _thin(text: str, needed: tuple[str, ...]) -> Optional[str]:
    """Keep the definitions whose text holds one of `needed`."""
    facts = extract_facts("m.py", text, name="m")
    return thin(
        text, line_starts(text), facts, lambda statement, _: any(n in statement for n in needed)
    )


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
    assert "        return 2" not in lines and "    def count(" in lines
    assert "class Unused(" in thinned and "def method" not in thinned
    for number, line in enumerate(lines):
        if line.strip() and "pass" not in line and not line.endswith("("):
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
