from __future__ import annotations

from typing import Any, Optional

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from fastlint.engine.positions import Positions
from fastlint.engine.project import extract_facts
from fastlint.engine.source import SourceFile

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


ANCHORED_CODE = """\
#!/usr/bin/env python
# a header comment the module owns


import os; import sys


# comments and blank lines the next statement owns

@router.get("/a")
# between decorators
@cache
async def handler(a: int = 3) -> None:
    value = await call(a,  b)  # comment
    return x \\
        + 1

x = (
    1,
    2,
)
\x0c
class C(Base):
    attr: int = 4

    def method(self):
        pass
    # trailing comment of the block

if True: y = 1; z = 2
# the module's footer
"""


def _every_node(module: cst.Module) -> list[cst.CSTNode]:
    found: list[cst.CSTNode] = []
    pending: list[cst.CSTNode] = [module]
    while pending:
        node = pending.pop()
        found.append(node)
        pending.extend(node.children)
    return found


def _statement_of(module: cst.Module) -> dict[int, int]:
    owner: dict[int, int] = {}
    for index, statement in enumerate(module.body):
        for node in _every_node(statement):  # type: ignore[arg-type]
            owner[id(node)] = index
    return owner


def test_statement_anchored_ranges_match_the_whole_module_pass() -> None:
    """Generating only the statements asked about gives the very ranges of a full pass."""
    for text in (ANCHORED_CODE, ANCHORED_CODE.replace("\n", "\r\n"), CODE):
        module = cst.parse_module(text)
        lines = extract_facts("m.py", text, name="m").statement_lines
        anchored = Positions(
            module, text, SourceFile("m.py", "m.py", text).line_starts, lines, _statement_of(module)
        )
        whole = Positions(module)
        for node in _every_node(module)[1:]:
            if id(node) in _statement_of(module):
                assert anchored.range(node) == whole.range(node), type(node).__name__
                assert anchored.inclusive_range(node) == whole.inclusive_range(node)
        assert not anchored._whole  # every answer came from single statements


def test_anchors_that_disagree_with_the_code_fall_back_to_a_whole_pass() -> None:
    module = cst.parse_module(ANCHORED_CODE)
    lines = extract_facts("m.py", ANCHORED_CODE, name="m").statement_lines
    shifted = [line + 1 for line in lines]  # as after a fix inserted a line above
    positions = Positions(
        module,
        ANCHORED_CODE,
        SourceFile("m.py", "m.py", ANCHORED_CODE).line_starts,
        shifted,
        _statement_of(module),
    )
    whole = Positions(module)
    node = module.body[-1]
    assert positions.range(node) == whole.range(node)
    assert positions._whole


def test_a_statement_generated_up_to_a_node_then_whole() -> None:
    """Asked first about a node inside a statement, only the code up to it is generated;
    any other node of the statement then gets the ranges of a full pass."""
    for text in (ANCHORED_CODE, CODE):
        module = cst.parse_module(text)
        lines = extract_facts("m.py", text, name="m").statement_lines
        anchored = Positions(
            module, text, SourceFile("m.py", "m.py", text).line_starts, lines, _statement_of(module)
        )
        whole = Positions(module)
        nodes = _every_node(module)[1:]
        first_names = [n for n in nodes if isinstance(n, cst.Name)]
        for node in first_names[:3] + list(reversed(nodes)):
            if id(node) in _statement_of(module):
                assert anchored.range(node) == whole.range(node), type(node).__name__
                assert anchored.inclusive_range(node) == whole.inclusive_range(node)
        assert not anchored._whole and not anchored._partly


CLASS_CODE = """\
import os


class Service(Base):
    \"\"\"Doc.\"\"\"

    limit: int = 3

    # owned by the method below
    @property
    # between decorators
    def name(self) -> str:
        return self._name

    async def fetch(self, url: str = "x") -> bytes:
        async with client() as c:
            return await c.get(url,  timeout=self.limit)
    other = os.sep

    class Inner:
        def deep(self):
            pass

    def last(self): return 1
    # the block's footer


class Tabbed:
\tdef method(self):
\t\treturn [
\t\t\t1,
\t\t]
"""


def _units(module: cst.Module) -> tuple[dict[int, int], list[tuple[int, cst.FunctionDef]]]:
    """What the checker's walk records: each node's top-level statement, or its method of a
    top-level class (numbered after the statements)."""
    owner = _statement_of(module)
    methods: list[tuple[int, cst.FunctionDef]] = []
    for index, statement in enumerate(module.body):
        if isinstance(statement, cst.ClassDef) and isinstance(statement.body, cst.IndentedBlock):
            for method in statement.body.body:
                if isinstance(method, cst.FunctionDef):
                    for node in _every_node(method):  # type: ignore[arg-type]
                        owner[id(node)] = len(module.body) + len(methods)
                    methods.append((index, method))
    return owner, methods


def _anchored(text: str, methods_lines: object = None) -> tuple[cst.Module, Positions]:
    module = cst.parse_module(text)
    facts = extract_facts("m.py", text, name="m")
    owner, methods = _units(module)
    positions = Positions(
        module,
        text,
        SourceFile("m.py", "m.py", text).line_starts,
        facts.statement_lines,
        owner,
        methods,
        facts.methods if methods_lines is None else methods_lines,  # type: ignore[arg-type]
    )
    return module, positions


def test_a_method_is_generated_alone() -> None:
    """A node in a method of a top-level class: only that method is generated, and its
    ranges are those of a full pass."""
    for text in (CLASS_CODE, CLASS_CODE.replace("\n", "\r\n"), ANCHORED_CODE):
        module, anchored = _anchored(text)
        whole = Positions(module)
        owner, methods = _units(module)
        nodes = [n for n in _every_node(module) if owner.get(id(n), -1) >= len(module.body)]
        assert nodes
        for node in nodes[:5] + list(reversed(nodes)):
            assert anchored.range(node) == whole.range(node), type(node).__name__
            assert anchored.inclusive_range(node) == whole.inclusive_range(node)
        assert not anchored._whole
        assert not {index for index, _ in methods} & anchored._generated  # nor their classes
        for node in reversed(_every_node(module)[1:]):  # then everything else
            if id(node) in owner:
                assert anchored.range(node) == whole.range(node), type(node).__name__
        assert not anchored._whole


def test_methods_the_facts_do_not_match_are_found_by_generating_their_class() -> None:
    module, positions = _anchored(CLASS_CODE, methods_lines=[(1, 10, 13, "renamed")])
    whole = Positions(module)
    owner, methods = _units(module)
    class_index, method = methods[0]
    node = method.body
    assert positions.range(node) == whole.range(node)
    assert class_index in positions._generated and not positions._whole
    # A method whose facts give the wrong line: its class instead, and the same ranges.
    module, positions = _anchored(CLASS_CODE, methods_lines=[(1, 9, 13, "name")])
    owner, methods = _units(module)
    node = methods[0][1].body
    assert positions.range(node) == Positions(module).range(node)
    assert methods[0][0] in positions._generated and not positions._whole


def test_the_walk_records_the_units_positions_use() -> None:
    from fastlint.engine.checker import _run_walk
    from fastlint.engine.context import FileContext
    from fastlint.engine.project import ProjectIndex

    for text in (CLASS_CODE, ANCHORED_CODE, CODE):
        module = cst.parse_module(text)
        source = SourceFile("m.py", "m.py", text)
        context = FileContext(source, module, ProjectIndex(), {}, "m", False)
        walked, methods = _run_walk(module, context, [])
        expected, expected_methods = _units(module)
        assert methods == expected_methods
        assert walked == {key: expected[key] for key in walked}  # the walk skips some leaves
        assert {id(method) for _, method in methods} <= set(walked)
        assert {id(statement) for statement in module.body} <= set(walked)


def test_expected_nodes_are_found_in_one_generation_of_their_unit() -> None:
    for text in (CLASS_CODE, ANCHORED_CODE, CODE):
        module, anchored = _anchored(text)
        owner, _ = _units(module)
        nodes = [n for n in _every_node(module)[1:] if isinstance(n, cst.Name) and id(n) in owner]
        generated: list[int] = []
        generate = anchored._generate

        def counting(unit: int, *rest: Any) -> Optional[bool]:
            generated.append(unit)  # noqa: B023 (called in this iteration only)
            return generate(unit, *rest)  # noqa: B023

        anchored._generate = counting  # type: ignore[method-assign]
        anchored.expect(nodes)
        whole = Positions(module)
        for node in sorted(nodes, key=whole.range):  # the first of each unit first
            assert anchored.range(node) == whole.range(node)
        assert sorted(generated) == sorted(set(generated)) and not anchored._whole
