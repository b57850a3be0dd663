"""A lambda whose body is another lambda opens two scopes and closes both."""

from __future__ import annotations

from pathlib import Path

from fastlint.rules.security import DebugEnabled
from tests.helpers import lint_tree, write_tree


def test_lambda_returning_lambda_does_not_break_the_walk(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "app.py": (
                "from fastapi import FastAPI\n"
                "factories = {'a': lambda: lambda x: x}\n"
                "app = FastAPI(debug=True)\n"
            )
        },
    )
    findings = lint_tree(tmp_path, [DebugEnabled])
    assert [f.code for f in findings] == ["FL404"]
