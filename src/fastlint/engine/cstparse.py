"""LibCST parsing that survives deeply nested code (on engine/deepstack's large stack)."""

from __future__ import annotations

import functools

import libcst as cst
from libcst import CSTNode

from fastlint.engine.deepstack import on_large_stack


def parse_module(text: str, *, validate: bool = True) -> cst.Module:
    """`libcst.parse_module` on the large-stack thread; raises what it raises.

    `validate=False` is for code Python's own parser has accepted (see `_parse_unvalidated`).
    """
    parse = cst.parse_module if validate or not _validation_can_be_skipped() else _parse_unvalidated
    return on_large_stack(parse, text)


def _no_validation(node: CSTNode) -> None:
    pass


def _parse_unvalidated(text: str) -> cst.Module:
    """Parse without checking each new node's fields (`CSTNode.__post_init__` → `_validate`).

    The checks are for trees built by hand; on a parse of code Python accepts they find
    nothing and cost ~17% of the parse. Node construction happens on this thread only while
    the calling thread waits for the parse, so no other tree is built meanwhile.
    """
    validating = CSTNode.__post_init__
    CSTNode.__post_init__ = _no_validation  # type: ignore[method-assign, assignment]
    try:
        return cst.parse_module(text)
    finally:
        CSTNode.__post_init__ = validating  # type: ignore[method-assign]


@functools.lru_cache(maxsize=1)
def _validation_can_be_skipped() -> bool:
    """Whether node validation is where this LibCST keeps it: one `__post_init__` on
    `CSTNode`, which no node class overrides. Otherwise every parse validates."""
    if "__post_init__" not in CSTNode.__dict__:
        return False
    pending = list(CSTNode.__subclasses__())
    while pending:
        node_class = pending.pop()
        if "__post_init__" in node_class.__dict__:
            return False
        pending.extend(node_class.__subclasses__())
    return True
