"""What checking one file leaves behind."""

from __future__ import annotations

import dataclasses
import gc
from pathlib import Path
from typing import Optional

import libcst as cst
import pytest

from fastlint.engine import cstparse
from fastlint.engine.checker import check_source
from fastlint.engine.project import ModuleFacts, ProjectIndex, extract_facts
from fastlint.engine.rule import Rule
from fastlint.engine.source import SourceFile
from fastlint.rules import load_rules
from tests.helpers import lint_tree, write_tree


def test_a_checked_file_s_tree_is_freed_without_the_cycle_collector(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    trees: set[int] = set()  # LibCST nodes take no weak references
    parse = cstparse.parse_module

    def remembering(text: str, *, validate: bool = True) -> cst.Module:
        module = parse(text, validate=validate)
        trees.add(id(module))
        return module

    monkeypatch.setattr(cstparse, "parse_module", remembering)
    write_tree(tmp_path, {"app.py": "import time\nasync def f(x=[]):\n    time.sleep(1)\n"})
    gc.disable()
    try:
        findings = lint_tree(tmp_path, load_rules(("FL101", "FL304")))
        assert sorted(f.code for f in findings) == ["FL101", "FL304"]
        assert trees
        assert not [o for o in gc.get_objects() if type(o) is cst.Module and id(o) in trees]
    finally:
        gc.enable()


class _FactsSeen(Rule):
    """Records the file facts its context offers."""

    code = "FL990"
    name = "facts-seen"
    summary = "test rule"
    seen: list[Optional[ModuleFacts]] = []

    def begin_file(self) -> None:
        type(self).seen.append(self.context.facts)


def test_rules_see_the_file_s_own_facts_only_when_they_describe_the_checked_text(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_FactsSeen, "seen", [])
    path = str(tmp_path / "app.py")
    text = "def f():\n    return 1\n"
    facts = extract_facts(path, text)
    project = ProjectIndex()
    project.add(facts)
    for checked in (text, text.replace("1", "2")):  # as written, then as a fix round left it
        check_source(SourceFile(path, "app.py", checked), [_FactsSeen], project, {})
    project.add(dataclasses.replace(facts, ast_failed=True))  # as when Python's parser fails
    check_source(SourceFile(path, "app.py", text), [_FactsSeen], project, {})
    assert _FactsSeen.seen == [facts, None, None]
