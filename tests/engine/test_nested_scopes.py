"""The walk enters and leaves scopes in pairs, also when a scope is another scope's body."""

from __future__ import annotations

from pathlib import Path

from fastlint.rules.defaults import MutableDefault
from tests.helpers import lint_tree, write_tree


def test_lambda_whose_body_is_a_lambda(tmp_path: Path) -> None:
    code = "FETCH = {'a': lambda: lambda x=[]: x}\ndef f(y=[]):\n    return lambda: lambda: y\n"
    write_tree(tmp_path, {"mod.py": code})
    findings = lint_tree(tmp_path, [MutableDefault])
    assert [(f.line, f.context) for f in findings] == [(1, "<lambda>"), (2, "")]
