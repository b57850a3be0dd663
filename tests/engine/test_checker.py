"""What checking one file leaves behind."""

from __future__ import annotations

import gc
from pathlib import Path

import libcst as cst
import pytest

from fastlint.engine import cstparse
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
