from __future__ import annotations

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from fastlint.engine.positions import Positions

CODE = '''\
"""doc"""
import os


@decorator(
    arg=1,
)
async def handler(a: int = 3, *rest) -> None:
    value = await call(a,  b)  # comment
    if value:\r
        return [x for x in value]
    lambda: os.path.join("a", "b")


class C(Base):
    attr: int = 4
'''


def test_ranges_match_libcst_position_provider() -> None:
    module = cst.parse_module(CODE)
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    expected = wrapper.resolve(PositionProvider)
    positions = Positions(module)
    checked = 0
    for node, code_range in expected.items():
        (line, column), (end_line, end_column) = positions.range(node)
        assert (line, column, end_line, end_column) == (
            code_range.start.line,
            code_range.start.column,
            code_range.end.line,
            code_range.end.column,
        ), type(node).__name__
        checked += 1
    assert checked > 50
