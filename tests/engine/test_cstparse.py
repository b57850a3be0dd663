"""LibCST parsing on the large-stack thread, with node validation skipped when asked."""

from __future__ import annotations

import contextlib
import dataclasses
import gc
from collections.abc import Iterator

import libcst as cst
import pytest

from fastlint.engine import cstparse, deepstack

CODE = '''\
import time


@app.get("/items/{item_id}")
async def read_item(item_id: int, q: str | None = None) -> dict[str, int]:
    """Docstring."""
    time.sleep(1)
    return {"id": item_id, **{k: v for k, v in zip("ab", (1, 2))}}


class Item(BaseModel):
    tags: list[str] = []
'''


@pytest.fixture
def name_validation_fails(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every `Name` node fails validation: shows whether a parse validated."""

    def fail(self: cst.Name) -> None:
        raise cst.CSTValidationError("validated")

    monkeypatch.setattr(cst.Name, "_validate", fail)
    yield


def test_an_unvalidated_parse_gives_the_same_tree() -> None:
    validated = cstparse.parse_module(CODE)
    unvalidated = cstparse.parse_module(CODE, validate=False)
    assert unvalidated.deep_equals(validated)
    assert unvalidated.code == CODE


@pytest.mark.usefixtures("name_validation_fails")
def test_validate_false_skips_node_validation() -> None:
    with pytest.raises(Exception, match="validated"):
        cstparse.parse_module("x = 1\n")
    assert cstparse.parse_module("x = 1\n", validate=False).code == "x = 1\n"


@pytest.mark.parametrize("code", ["x = 1\n", "def (:\n"])
def test_validation_is_back_after_an_unvalidated_parse(code: str) -> None:
    with contextlib.suppress(cst.ParserSyntaxError):
        cstparse.parse_module(code, validate=False)
    with pytest.raises(cst.CSTValidationError):
        cst.Name("")  # built by hand, as fixes build nodes: validated again
    with pytest.raises(cst.CSTValidationError):
        deepstack.call_deep(cst.Name, "")  # on the parser's own thread too


@pytest.mark.usefixtures("name_validation_fails")
def test_a_node_class_with_its_own_post_init_keeps_validation_on() -> None:
    @dataclasses.dataclass(frozen=True)
    class Checked(cst.Name):
        def __post_init__(self) -> None:
            self._validate()

    cstparse._validation_can_be_skipped.cache_clear()
    try:
        assert not cstparse._validation_can_be_skipped()
        with pytest.raises(Exception, match="validated"):
            cstparse.parse_module("x = 1\n", validate=False)
    finally:
        del Checked
        gc.collect()  # the class leaves `__subclasses__` when it is collected
        cstparse._validation_can_be_skipped.cache_clear()
    assert cstparse._validation_can_be_skipped()
