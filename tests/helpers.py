"""Running rules on small projects written to a temporary directory."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Optional, Union

from fastlint.engine.discovery import DiscoveredFile, file_kind
from fastlint.engine.findings import Finding
from fastlint.engine.rule import Example, Rule
from fastlint.engine.runner import RunOptions, run


def write_tree(root: Path, files: dict[str, str]) -> None:
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def lint_tree(
    root: Path,
    rules: Sequence[type[Rule]],
    *,
    options: Optional[dict[str, Any]] = None,
    fix: bool = False,
    unsafe: bool = False,
    diff: bool = False,
) -> list[Finding]:
    """Check (and optionally fix, or compute the fixes of) every file under `root` with the
    given rules."""
    base = {"extend-blocking-calls": (), "production-files": ()}
    base.update(options or {})
    cwd = os.getcwd()
    os.chdir(root)
    try:
        by_code = {rule.code: rule for rule in rules}
        result = run(
            ["."],
            project_root=str(root),
            rules_for=lambda _file: tuple(by_code),
            load_rules=lambda codes: tuple(by_code[code] for code in codes),
            options=base,
            run_options=RunOptions(fix=fix, unsafe_fixes=unsafe, diff=diff, jobs=1),
            production_files=tuple(base.get("production-files", ())),
        )
    finally:
        os.chdir(cwd)
    # The runner reports a crashing rule as a problem and goes on: in tests it must fail loudly.
    assert not result.internal_errors, result.problems
    return result.findings


def as_example(example: Union[str, Example]) -> Example:
    return example if isinstance(example, Example) else Example(code=example)


def lint_example(
    tmp_path: Path, rule: type[Rule], example: Union[str, Example], *, fix: bool = False
) -> tuple[list[Finding], str]:
    """Findings of `rule` on the example's main file, and that file's text afterwards."""
    example = as_example(example)
    files = dict(example.files)
    files[example.filename] = example.code
    write_tree(tmp_path, files)
    findings = lint_tree(tmp_path, [rule], options=example.options, fix=fix, unsafe=fix)
    text = (tmp_path / example.filename).read_text(encoding="utf-8")
    return [f for f in findings if f.path == example.filename], text


REPO = Path(__file__).resolve().parent.parent
ON_EVENT_APP = """\
from fastapi import FastAPI

app = FastAPI()


@app.on_event("startup")
async def startup() -> None:
    pass
"""


def fastlint(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """The real CLI in a subprocess, as users run it."""
    return subprocess.run(
        [sys.executable, "-m", "fastlint", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


__all__ = [
    "ON_EVENT_APP",
    "REPO",
    "fastlint",
    "DiscoveredFile",
    "file_kind",
    "lint_example",
    "lint_tree",
    "write_tree",
]
