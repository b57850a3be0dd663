"""Hostile files and file systems: each gives a clear finding or message, never a traceback,
and every other file is still checked.

Most cases run the real CLI in a subprocess. Fix-preserving cases (encoding, BOM, line endings)
drive `fastlint.engine.runner.run` with a small rule defined here, because they need a fix that
does not depend on which rules exist.
"""

from __future__ import annotations

import codecs
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import libcst as cst
import pytest
from click.testing import CliRunner

from fastlint.cli import main
from fastlint.engine import fixes as fixes_module
from fastlint.engine import runner as runner_module
from fastlint.engine.findings import Applicability, Finding
from fastlint.engine.positions import Positions
from fastlint.engine.rule import Rule, replace
from fastlint.engine.runner import RunOptions, RunResult, run

# A file with one FL301 finding: the proof that "the other files are still checked".
GOOD = (
    "from fastapi import FastAPI\n"
    "app = FastAPI()\n"
    "\n"
    '@app.on_event("startup")\n'
    "async def start():\n"
    "    pass\n"
)


def write(path: Path, data: bytes | str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    path.write_bytes(data)
    return path


def run_cli(cwd: Path, *args: str, timeout: float = 120) -> tuple[int, list[dict[str, Any]], str]:
    """The real CLI in a subprocess: exit status, JSON findings, stderr."""
    completed = subprocess.run(
        [sys.executable, "-m", "fastlint", "check", *args, "--format", "json"],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert "Traceback" not in completed.stderr, completed.stderr
    assert completed.returncode in (0, 1), (completed.returncode, completed.stderr)
    return completed.returncode, json.loads(completed.stdout), completed.stderr


def codes_by_path(findings: list[dict[str, Any]]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for finding in findings:
        found.setdefault(finding["path"], []).append(finding["code"])
    return found


def assert_good_checked(findings: list[dict[str, Any]]) -> None:
    assert codes_by_path(findings).get("good.py") == ["FL301"], findings


# --- unreadable, vanished, looping --------------------------------------------------------


@pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() == 0,
    reason="root reads files whatever their mode; see the simulated test below",
)
def test_unreadable_file_with_real_permissions(tmp_path: Path) -> None:
    write(tmp_path / "good.py", GOOD)
    secret = write(tmp_path / "secret.py", GOOD)
    secret.chmod(0)
    try:
        _, findings, _ = run_cli(tmp_path)
    finally:
        secret.chmod(0o644)
    assert_good_checked(findings)
    assert [f["message"] for f in findings if f["path"] == "secret.py"] == [
        "cannot read: Permission denied"
    ]


def test_unreadable_file_simulated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """As root chmod 000 does not stop reads, so opening the file is made to fail instead."""
    write(tmp_path / "good.py", GOOD)
    write(tmp_path / "secret.py", GOOD)
    real_open = open

    def guarded_open(file: Any, *args: Any, **kwargs: Any) -> Any:
        if str(file).endswith("secret.py"):
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr("fastlint.engine.source.open", guarded_open, raising=False)
    monkeypatch.setattr("fastlint.engine.runner.open", guarded_open, raising=False)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["check", ".", "--format", "json", "--jobs", "1"])
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.exit_code == 1
    findings = json.loads(result.stdout)
    assert_good_checked(findings)
    assert [f["message"] for f in findings if f["path"] == "secret.py"] == [
        "cannot read: Permission denied"
    ]


def test_file_deleted_between_discovery_and_check(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path / "good.py", GOOD)
    doomed = write(tmp_path / "doomed.py", GOOD)
    real_discover = runner_module.discover

    def discover_then_delete(*args: Any, **kwargs: Any) -> Any:
        found = real_discover(*args, **kwargs)
        doomed.unlink()
        return found

    monkeypatch.setattr(runner_module, "discover", discover_then_delete)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["check", ".", "--format", "json", "--jobs", "1"])
    assert result.exit_code == 1, result.output
    findings = json.loads(result.stdout)
    assert_good_checked(findings)
    assert [f["message"] for f in findings if f["path"] == "doomed.py"] == [
        "file vanished before it could be read"
    ]


def test_file_deleted_before_the_fix_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = write(tmp_path / "fixme.py", "old_name = 1\n")
    real_fix_text = fixes_module.fix_text

    def fix_then_delete(*args: Any, **kwargs: Any) -> Any:
        outcome = real_fix_text(*args, **kwargs)
        target.unlink()
        return outcome

    monkeypatch.setattr(fixes_module, "fix_text", fix_then_delete)
    result = run_rules(tmp_path, [Rename], fix=True)
    assert result.internal_errors == 0
    assert [p for _, p in result.problems] == [
        "cannot write the fixed file: No such file or directory"
    ]
    assert not target.exists()
    assert not list(tmp_path.iterdir()), "no temporary file may be left behind"


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symbolic links")
def test_symlink_loops(tmp_path: Path) -> None:
    write(tmp_path / "good.py", GOOD)
    (tmp_path / "loop").mkdir()
    os.symlink("..", tmp_path / "loop" / "up")  # a directory loop
    os.symlink("self.py", tmp_path / "self.py")  # a file that links to itself
    os.symlink("b.py", tmp_path / "a.py")  # two files linking to each other
    os.symlink("a.py", tmp_path / "b.py")
    _, findings, stderr = run_cli(tmp_path)
    assert_good_checked(findings)
    assert len(findings) == 1, "the directory loop must not check good.py twice"
    for name in ("self.py", "a.py", "b.py"):
        assert f"warning: {name}: cannot stat: Too many levels of symbolic links" in stderr
    assert "warning: loop/up: symlink loop: directory already visited" in stderr
    # Named on the command line, a looping link is a message too.
    _, findings, stderr = run_cli(tmp_path, "self.py", "good.py")
    assert_good_checked(findings)
    assert "self.py: broken symbolic link or symlink loop" in stderr


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_named_pipe_with_a_python_name(tmp_path: Path) -> None:
    """Reading a FIFO blocks until someone writes: it must not even be opened."""
    write(tmp_path / "good.py", GOOD)
    os.mkfifo(tmp_path / "pipe.py")
    _, findings, stderr = run_cli(tmp_path, "pipe.py", "good.py", timeout=60)
    assert_good_checked(findings)
    assert "warning: pipe.py: not a regular file" in stderr
    _, findings, _ = run_cli(tmp_path, timeout=60)  # walked: not a file to check
    assert_good_checked(findings)


def test_directory_named_like_a_python_file(tmp_path: Path) -> None:
    write(tmp_path / "good.py", GOOD)
    write(tmp_path / "pkg.py" / "inner.py", GOOD)
    _, findings, stderr = run_cli(tmp_path)
    assert codes_by_path(findings) == {"good.py": ["FL301"], "pkg.py/inner.py": ["FL301"]}
    _, findings, _ = run_cli(tmp_path, "pkg.py")
    assert codes_by_path(findings) == {"pkg.py/inner.py": ["FL301"]}


# --- odd contents -------------------------------------------------------------------------


def test_very_long_lines(tmp_path: Path) -> None:
    write(tmp_path / "good.py", GOOD)
    # A 1 MB string literal on one line is fine code and is checked.
    write(tmp_path / "blob.py", GOOD + 'BLOB = "' + "x" * 1_000_000 + '"\n')
    # A 1 MB line of `1+1+...` is beyond what Python's own parser accepts since 3.11; before,
    # it parses (on a large stack: on the main thread it would crash the process) and holds
    # nothing to report.
    write(tmp_path / "sum.py", "total = " + "1+" * 500_000 + "1\n")
    _, findings, _ = run_cli(tmp_path)
    by_path = codes_by_path(findings)
    assert by_path["good.py"] == ["FL301"]
    assert by_path["blob.py"] == ["FL301"]
    assert by_path.get("sum.py") == (["FL000"] if sys.version_info >= (3, 11) else None)


def test_ten_megabyte_files(tmp_path: Path) -> None:
    write(tmp_path / "good.py", GOOD)
    write(tmp_path / "blob.py", GOOD + 'BLOB = "' + "x" * (10 * 1024 * 1024) + '"\n')
    write(tmp_path / "comments.py", ("# " + "y" * 1000 + "\n") * 10_500 + GOOD)
    huge = tmp_path / "huge.py"
    with open(huge, "wb") as handle:  # over the size limit: not even read
        handle.truncate(21 * 1024 * 1024)
    _, findings, _ = run_cli(tmp_path)
    by_path = codes_by_path(findings)
    assert by_path["good.py"] == ["FL301"]
    assert by_path["blob.py"] == ["FL301"]
    assert by_path["comments.py"] == ["FL301"]
    assert [f["message"] for f in findings if f["path"] == "huge.py"] == [
        "file is too large (21 MB)"
    ]


def test_empty_files(tmp_path: Path) -> None:
    write(tmp_path / "good.py", GOOD)
    write(tmp_path / "empty.py", b"")
    write(tmp_path / "pkg" / "__init__.py", b"")
    write(tmp_path / "Dockerfile", b"")
    write(tmp_path / "Procfile", b"")
    _, findings, stderr = run_cli(tmp_path)
    assert codes_by_path(findings) == {"good.py": ["FL301"]}
    assert stderr == ""


def test_binary_file_with_a_python_name(tmp_path: Path) -> None:
    write(tmp_path / "good.py", GOOD)
    write(tmp_path / "image.py", bytes(range(256)) * 8)
    write(tmp_path / "noise.py", b"\xff\xfe\x80\x81 not utf-8 \xc3\x28\n")
    _, findings, _ = run_cli(tmp_path)
    by_message = {f["path"]: f["message"] for f in findings if f["code"] == "FL000"}
    assert by_message["image.py"] == "binary file (contains NUL bytes)"
    assert by_message["noise.py"].startswith("cannot decode")
    assert_good_checked([f for f in findings if f["code"] != "FL000"])


def test_syntax_error_in_one_file(tmp_path: Path) -> None:
    write(tmp_path / "good.py", GOOD)
    write(tmp_path / "broken.py", GOOD + "def oops(:\n    pass\n")
    rc, findings, _ = run_cli(tmp_path)
    assert rc == 1
    broken = [f for f in findings if f["path"] == "broken.py"]
    assert [(f["code"], f["line"]) for f in broken] == [("FL000", 7)]
    assert broken[0]["message"].startswith("SyntaxError")
    assert_good_checked([f for f in findings if f["path"] != "broken.py"])


def test_latin1_file_with_coding_cookie_is_checked(tmp_path: Path) -> None:
    write(tmp_path / "good.py", GOOD)
    text = "# -*- coding: latin-1 -*-\nGREETING = 'café, naïve'\n" + GOOD
    write(tmp_path / "latin.py", text.encode("latin-1"))
    _, findings, _ = run_cli(tmp_path)
    assert codes_by_path(findings) == {"good.py": ["FL301"], "latin.py": ["FL301"]}
    assert [f["line"] for f in findings if f["path"] == "latin.py"] == [6]


def test_bad_or_unknown_coding_cookies(tmp_path: Path) -> None:
    write(tmp_path / "good.py", GOOD)
    write(tmp_path / "unknown.py", b"# -*- coding: klingon -*-\nx = 1\n")
    write(tmp_path / "lying.py", b"# coding: utf-8\nx = '\xe9'\n")
    write(tmp_path / "bom_and_cookie.py", codecs.BOM_UTF8 + b"# coding: latin-1\nx = 1\n")
    _, findings, _ = run_cli(tmp_path)
    by_path = codes_by_path(findings)
    for name in ("unknown.py", "lying.py", "bom_and_cookie.py"):
        assert by_path[name] == ["FL000"], findings
    assert_good_checked([f for f in findings if f["path"] == "good.py"])


def test_utf8_bom_file_is_checked(tmp_path: Path) -> None:
    write(tmp_path / "bom.py", codecs.BOM_UTF8 + GOOD.encode("utf-8"))
    _, findings, _ = run_cli(tmp_path)
    assert [(f["path"], f["code"], f["line"], f["column"]) for f in findings] == [
        ("bom.py", "FL301", 4, 2)
    ]


@pytest.mark.parametrize(
    "body",
    [
        pytest.param("x = 1" + " and 1" * 10_000, id="10k-chained-and"),  # segfaulted LibCST
        pytest.param("x = " + "(" * 5_000 + "1" + ")" * 5_000, id="5k-parentheses"),  # hung
        pytest.param("x = " + "-" * 1_500 + "1", id="1500-unary"),  # RecursionError
        pytest.param("x = lambda: lambda: lambda y=[]: y", id="lambda-in-lambda"),  # assertion
        pytest.param(
            "class A:\n    def f(self):\n        x = " + "1 if x else " * 1_000 + "1",
            id="1000-conditional-expressions-in-a-method",
        ),
    ],
)
def test_deeply_nested_code(tmp_path: Path, body: str) -> None:
    write(tmp_path / "good.py", GOOD)
    write(tmp_path / "deep.py", GOOD + body + "\n")
    _, findings, _ = run_cli(tmp_path)
    assert_good_checked([f for f in findings if f["path"] == "good.py"])
    # FL304 also fires on the lambda's `y=[]` default, now that the rule exists.
    assert codes_by_path(findings)["deep.py"] in (["FL301"], ["FL000"], ["FL301", "FL304"])


def test_positions_let_a_recursion_error_through(monkeypatch: pytest.MonkeyPatch) -> None:
    """A RecursionError deep in code generation (found by fuzzing a class with 1,000 nested
    conditional expressions) surfaced as a TypeError from the position bookkeeping, which the
    checker does not retry on a deeper stack."""
    module = cst.parse_module("class A:\n    x = 1\n")

    def too_deep(self: cst.IndentedBlock, state: Any, **kwargs: Any) -> None:
        raise RecursionError("maximum recursion depth exceeded")

    # The class body fails before it records a position: the class's own end is unknown.
    monkeypatch.setattr(cst.IndentedBlock, "_codegen_impl", too_deep)
    with pytest.raises(RecursionError):
        Positions(module).range(module.body[0])


# --- fixes keep encoding, BOM and line endings --------------------------------------------


class Rename(Rule):
    """Test-only rule: `old_name` → `new_name`, and `placeholder()` → two statements."""

    code = "FL999"
    name = "test-rename"
    summary = "test rule"
    docs = ""
    fix = Applicability.SAFE
    triggers = ("old_name", "placeholder")
    replacement = "new_name"

    def visit_Name(self, node: cst.Name) -> None:
        if node.value == "old_name":
            fix = self.make_fix("rename", replace(node, self.replacement))
            self.report(node, "rename it", fix=fix)

    def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> None:
        statement = node.body[0]
        if (
            isinstance(statement, cst.Expr)
            and isinstance(statement.value, cst.Call)
            and isinstance(statement.value.func, cst.Name)
            and statement.value.func.value == "placeholder"
        ):
            # String content is inserted as written, but with the file's own newlines.
            fix = self.make_fix("expand", replace(node, "first()\n    second()"))
            self.report(node, "expand it", fix=fix)


class RenameToArrow(Rename):
    """Test-only rule whose fix inserts a character latin-1 cannot encode."""

    code = "FL998"
    name = "test-rename-arrow"
    replacement = "'→'"


def run_rules(root: Path, rules: list[type[Rule]], *, fix: bool) -> RunResult:
    cwd = os.getcwd()
    os.chdir(root)
    try:
        return run(
            ["."],
            project_root=str(root),
            rules_for=lambda _file: tuple(rule.code for rule in rules),
            load_rules=lambda codes: tuple(r for r in rules if r.code in codes),
            options={"extend-blocking-calls": (), "production-files": ()},
            run_options=RunOptions(fix=fix, unsafe_fixes=True, jobs=1),
        )
    finally:
        os.chdir(cwd)


def codes(findings: list[Finding]) -> list[str]:
    return [f.code for f in findings]


def test_fix_writes_latin1_back_in_latin1(tmp_path: Path) -> None:
    text = "# -*- coding: latin-1 -*-\nname = 'café'\nold_name = name\n"
    target = write(tmp_path / "latin.py", text.encode("latin-1"))
    result = run_rules(tmp_path, [Rename], fix=True)
    assert result.fixes_applied == 1 and result.findings == []
    expected = "# -*- coding: latin-1 -*-\nname = 'café'\nnew_name = name\n"
    assert target.read_bytes() == expected.encode("latin-1")


def test_fix_that_latin1_cannot_hold_leaves_the_file_alone(tmp_path: Path) -> None:
    text = "# -*- coding: latin-1 -*-\nname = 'café'\nx = old_name\n"
    target = write(tmp_path / "latin.py", text.encode("latin-1"))
    write(tmp_path / "other.py", "y = old_name\n")
    result = run_rules(tmp_path, [RenameToArrow], fix=True)
    assert result.internal_errors == 0
    assert target.read_bytes() == text.encode("latin-1")
    assert (tmp_path / "other.py").read_text(encoding="utf-8") == "y = '→'\n"
    [(path, problem)] = result.problems
    assert path == "latin.py" and "cannot be written in the file's encoding" in problem


def test_fix_keeps_the_bom(tmp_path: Path) -> None:
    target = write(tmp_path / "bom.py", codecs.BOM_UTF8 + b"old_name = 1\n")
    run_rules(tmp_path, [Rename], fix=True)
    assert target.read_bytes() == codecs.BOM_UTF8 + b"new_name = 1\n"


def test_fix_keeps_crlf_line_endings(tmp_path: Path) -> None:
    before = b"def f():\r\n    placeholder()\r\n    return old_name\r\n"
    target = write(tmp_path / "crlf.py", before)
    result = run_rules(tmp_path, [Rename], fix=True)
    assert result.fixes_applied == 2
    assert target.read_bytes() == (
        b"def f():\r\n    first()\r\n    second()\r\n    return new_name\r\n"
    )
    again = run_rules(tmp_path, [Rename], fix=True)
    assert again.fixes_applied == 0 and codes(again.findings) == []


def test_fix_keeps_the_file_mode(tmp_path: Path) -> None:
    target = write(tmp_path / "script.py", "#!/usr/bin/env python\nold_name = 1\n")
    target.chmod(0o755)
    run_rules(tmp_path, [Rename], fix=True)
    assert target.read_text(encoding="utf-8").endswith("new_name = 1\n")
    assert target.stat().st_mode & 0o777 == 0o755


def test_check_never_writes(tmp_path: Path) -> None:
    target = write(tmp_path / "a.py", "old_name = 1\n")
    before = target.stat().st_mtime_ns
    result = run_rules(tmp_path, [Rename], fix=False)
    assert codes(result.findings) == ["FL999"]
    assert target.stat().st_mtime_ns == before
