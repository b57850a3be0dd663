"""GitHub workflow commands, GitLab Code Quality and JUnit XML."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

from fastlint.engine.findings import Finding, Severity
from fastlint.output import Report
from fastlint.output.github import annotation, escape_data, escape_property
from fastlint.output.gitlab import render as render_gitlab
from fastlint.output.junit import render as render_junit
from fastlint.rules import all_rules
from tests.helpers import ON_EVENT_APP, fastlint, lint_tree, write_tree


def _finding(**changes: object) -> Finding:
    values: dict[str, object] = {
        "path": "app/main.py",
        "line": 3,
        "column": 5,
        "end_line": 3,
        "end_column": 9,
        "code": "FL301",
        "rule": "on-event-deprecated",
        "severity": Severity.WARNING,
        "message": "a message",
    }
    values.update(changes)
    return Finding(**values)  # type: ignore[arg-type]


# --- github --------------------------------------------------------------------------------


def test_github_escaping_follows_the_actions_toolkit() -> None:
    assert escape_data("100% done\r\nnext") == "100%25 done%0D%0Anext"
    assert escape_data("a: b, c") == "a: b, c"  # only properties escape : and ,
    assert escape_property("dir,x/a:b%\n.py") == "dir%2Cx/a%3Ab%25%0A.py"


def test_github_annotation_of_a_one_line_finding() -> None:
    line = annotation(_finding(message="50% of it\nis: bad, really"))
    assert line == (
        "::warning file=app/main.py,line=3,col=5,endLine=3,endColumn=9,"
        "title=fastlint FL301 (on-event-deprecated)"
        "::app/main.py:3:5: FL301 50%25 of it%0Ais: bad, really"
    )


def test_github_annotation_escapes_paths_and_drops_columns_across_lines() -> None:
    line = annotation(
        _finding(path="a,b/c:d.py", end_line=5, end_column=2, severity=Severity.ERROR)
    )
    assert line.startswith("::error file=a%2Cb/c%3Ad.py,line=3,endLine=5,title=")
    assert "col=" not in line and "endColumn=" not in line


def test_github_format_end_to_end(tmp_path: Path) -> None:
    write_tree(tmp_path, {"main.py": ON_EVENT_APP})
    result = fastlint("--format", "github", "--color", "always", cwd=tmp_path)
    assert result.returncode == 1
    (line,) = result.stdout.splitlines()
    assert line.startswith("::warning file=main.py,line=6,col=2,")
    assert "\x1b[" not in result.stdout


# --- gitlab --------------------------------------------------------------------------------

SHIFTED_APP = ON_EVENT_APP.replace(
    "app = FastAPI()\n", "# a comment\n\n\napp = FastAPI()\nVALUE = 1\n"
)


def _gitlab(tmp_path: Path, source: str) -> list[dict[str, object]]:
    write_tree(tmp_path, {"main.py": source})
    findings = lint_tree(tmp_path, all_rules())
    report = Report(findings=findings, load_rules=lambda: all_rules(), version="0")
    issues: list[dict[str, object]] = json.loads(render_gitlab(report, color=False))
    return issues


def test_gitlab_fingerprints_survive_line_shifts(tmp_path: Path) -> None:
    before = _gitlab(tmp_path / "a", ON_EVENT_APP)
    after = _gitlab(tmp_path / "b", SHIFTED_APP)
    assert len(before) == len(after) == 1
    assert before[0]["location"] != after[0]["location"]  # the line moved
    assert before[0]["fingerprint"] == after[0]["fingerprint"]
    issue = before[0]
    assert {"description", "check_name", "fingerprint", "severity", "location"} <= set(issue)
    assert issue["severity"] in ("info", "minor", "major", "critical", "blocker")
    assert issue["location"] == {
        "path": "main.py",
        "positions": {"begin": {"line": 6, "column": 2}, "end": {"line": 6, "column": 25}},
    }


def test_gitlab_fingerprints_are_unique_for_identical_findings(tmp_path: Path) -> None:
    twice = ON_EVENT_APP + '\n\n@app.on_event("startup")\nasync def startup() -> None:\n    pass\n'
    issues = _gitlab(tmp_path, twice)
    assert len(issues) == 2
    assert issues[0]["fingerprint"] != issues[1]["fingerprint"]


def test_gitlab_fingerprints_differ_by_rule_path_and_code() -> None:
    base = _finding(snippet="app.on_event('startup')")
    variants = [
        base,
        _finding(snippet="app.on_event('shutdown')"),
        _finding(snippet="app.on_event('startup')", path="other.py"),
        _finding(snippet="app.on_event('startup')", context="setup"),
        _finding(snippet="app.on_event('startup')", code="FL302"),
    ]
    report = Report(findings=variants, load_rules=lambda: all_rules(), version="0")
    fingerprints = [i["fingerprint"] for i in json.loads(render_gitlab(report, color=False))]
    assert len(set(fingerprints)) == len(variants)


# --- junit ---------------------------------------------------------------------------------


def test_junit_parses_and_escapes() -> None:
    nasty = 'uses <b> & "quotes"\nand a NUL \x00 and \x1b[31m'
    report = Report(
        findings=[_finding(message=nasty), _finding(path="x&y.py", line=9)],
        load_rules=lambda: all_rules(),
        version="0",
        problems=[("bin.py", "cannot decode <binary>")],
    )
    root = ET.fromstring(render_junit(report, color=False).encode("utf-8"))
    assert root.tag == "testsuites"
    (suite,) = root.findall("testsuite")
    assert suite.get("tests") == "2" and suite.get("failures") == "2"
    cases = suite.findall("testcase")
    assert [c.get("classname") for c in cases] == ["app/main.py", "x&y.py"]
    failure = cases[0].find("failure")
    assert failure is not None and failure.get("type") == "FL301"
    assert failure.get("message", "").startswith('uses <b> & "quotes"\nand a NUL \ufffd and \ufffd')
    assert "cannot decode <binary>" in (suite.findtext("system-err") or "")


def test_junit_without_findings_has_one_passing_case(tmp_path: Path) -> None:
    write_tree(tmp_path, {"main.py": "x = 1\n"})
    result = fastlint("--format", "junit", cwd=tmp_path)
    assert result.returncode == 0
    root = ET.fromstring(result.stdout)
    (case,) = root.iter("testcase")
    assert case.find("failure") is None
    assert root.get("failures") == "0"


# --- files never get colors ----------------------------------------------------------------


def test_text_written_to_a_file_has_no_colors(tmp_path: Path) -> None:
    write_tree(tmp_path, {"main.py": ON_EVENT_APP})
    result = fastlint("--color", "always", "--output-file", "out.txt", cwd=tmp_path)
    assert result.returncode == 1
    written = (tmp_path / "out.txt").read_text(encoding="utf-8")
    assert "main.py:6:2: FL301" in written
    assert "\x1b[" not in written
    on_terminal = fastlint("--color", "always", cwd=tmp_path)
    assert "\x1b[" in on_terminal.stdout  # the flag does work where colors belong
