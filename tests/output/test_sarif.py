"""SARIF: schema-valid, and what GitHub code scanning needs beyond the schema."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest

from fastlint import __version__
from fastlint.engine.findings import Applicability, Edit, Finding, Fix, Severity
from fastlint.engine.fixes import add_imports
from fastlint.engine.rule import Rule
from fastlint.engine.source import SourceFile
from fastlint.output import Report
from fastlint.output.linehash import line_hashes
from fastlint.output.sarif import DESCRIPTION_LIMIT, limit, sarif_log
from fastlint.rules import all_rules
from tests.helpers import ON_EVENT_APP, REPO, fastlint, write_tree
from tests.output.conftest import chdir

jsonschema = pytest.importorskip("jsonschema")
SCHEMA = REPO / "tests" / "data" / "sarif-schema-2.1.0.json"


@lru_cache(maxsize=1)
def validator() -> Any:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(schema)


def schema_errors(log: dict[str, Any]) -> list[str]:
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator().iter_errors(log)]


def check_github_rules(log: dict[str, Any]) -> None:
    """What code scanning requires on top of the schema."""
    (run,) = log["runs"]
    driver = run["tool"]["driver"]
    assert driver["version"]
    assert run["automationDetails"]["id"]
    assert run["invocations"][0]["executionSuccessful"] is True
    assert run["columnKind"] == "unicodeCodePoints"
    for rule in driver["rules"]:
        for key in ("shortDescription", "fullDescription"):
            assert 0 < len(rule[key]["text"]) <= DESCRIPTION_LIMIT, (rule["id"], key)
        assert rule["help"]["text"] and rule["help"]["markdown"]
        assert rule["properties"]["tags"]
        assert rule["properties"]["precision"] in ("very-high", "high", "medium", "low")
    for result in run["results"]:
        assert result["ruleId"] != "FL000"
        assert driver["rules"][result["ruleIndex"]]["id"] == result["ruleId"]
        location = result["locations"][0]["physicalLocation"]["artifactLocation"]
        assert location["uriBaseId"] == "%SRCROOT%"
        assert not location["uri"].startswith(("/", "file:"))
        assert ":" in result["partialFingerprints"]["primaryLocationLineHash"]


def test_example_app_sarif_validates_against_the_schema(tmp_path: Path) -> None:
    output = tmp_path / "fastlint.sarif"
    result = fastlint(
        "examples/app",
        "--format",
        "sarif",
        "--output-file",
        str(output),
        "--color",
        "always",
        cwd=REPO,
    )
    assert result.returncode == 1, result.stderr
    assert result.stdout == ""
    text = output.read_text(encoding="utf-8")
    assert "\x1b[" not in text
    log = json.loads(text)
    assert schema_errors(log) == []
    check_github_rules(log)
    (run,) = log["runs"]
    assert run["tool"]["driver"]["version"] == __version__
    assert {rule["id"] for rule in run["tool"]["driver"]["rules"]} == {r.code for r in all_rules()}
    assert run["results"], "the example app has findings"
    first = run["results"][0]
    uri = first["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    line = first["locations"][0]["physicalLocation"]["region"]["startLine"]
    source = (REPO / uri).read_text(encoding="utf-8")
    expected = line_hashes(source)[line - 1]
    assert first["partialFingerprints"]["primaryLocationLineHash"] == expected


def test_the_validator_does_reject_invalid_sarif(tmp_path: Path) -> None:
    write_tree(tmp_path, {"main.py": ON_EVENT_APP})
    result = fastlint("--format", "sarif", cwd=tmp_path)
    log = json.loads(result.stdout)
    assert schema_errors(log) == []
    log["runs"][0]["results"][0]["level"] = "fatal"
    del log["runs"][0]["tool"]["driver"]["name"]
    assert len(schema_errors(log)) >= 2


def test_parse_errors_are_notifications_not_results(tmp_path: Path) -> None:
    write_tree(tmp_path, {"main.py": ON_EVENT_APP, "broken.py": "def f(:\n    pass\n"})
    result = fastlint("--format", "sarif", cwd=tmp_path)
    assert result.returncode == 1
    log = json.loads(result.stdout)
    assert schema_errors(log) == []
    (run,) = log["runs"]
    assert [r["ruleId"] for r in run["results"]] == ["FL301"]
    (note,) = run["invocations"][0]["toolExecutionNotifications"]
    assert note["level"] == "error"
    assert note["descriptor"]["id"] == "FL000"
    assert "SyntaxError" in note["message"]["text"]
    assert note["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "broken.py"
    assert run["invocations"][0]["executionSuccessful"] is True


def test_no_findings_is_still_a_valid_log(tmp_path: Path) -> None:
    write_tree(tmp_path, {"main.py": "x = 1\n"})
    result = fastlint("--format", "sarif", cwd=tmp_path)
    assert result.returncode == 0
    log = json.loads(result.stdout)
    assert schema_errors(log) == []
    assert log["runs"][0]["results"] == []


class _SecretRule(Rule):
    code = "FL999"
    name = "test-secret"
    severity = Severity.ERROR
    summary = "A test rule with documentation longer than GitHub accepts"
    tags = ("secrets",)
    security = True
    docs = "## What it does\n" + "Finds secrets. " * 200 + "\n\n## Why is this bad?\nLeaks.\n"


def _finding(path: str, line: int, fix: Fix | None = None, code: str = "FL999") -> Finding:
    return Finding(
        path=path,
        line=line,
        column=5,
        end_line=line,
        end_column=9,
        code=code,
        rule="test-secret",
        severity=Severity.ERROR,
        message="a message",
        fix=fix,
    )


def test_security_rule_descriptions_and_help_uri(tmp_path: Path) -> None:
    write_tree(tmp_path, {"app/main.py": "x = 1\nkey = 'hunter2'\n"})
    report = Report(
        findings=[_finding("app/main.py", 2)], load_rules=lambda: [_SecretRule], version="1.2.3"
    )
    with chdir(tmp_path):
        log = sarif_log(report, docs_base="https://docs.example/fastlint")
    assert schema_errors(log) == []
    check_github_rules(log)
    (rule,) = log["runs"][0]["tool"]["driver"]["rules"]
    assert rule["helpUri"] == "https://docs.example/fastlint/rules.md#fl999"
    assert len(rule["fullDescription"]["text"]) <= DESCRIPTION_LIMIT
    assert rule["fullDescription"]["text"].endswith("…")
    assert rule["properties"]["security-severity"] == "8.0"
    assert "security" in rule["properties"]["tags"]
    (result,) = log["runs"][0]["results"]
    assert result["level"] == "error"
    expected = line_hashes("x = 1\nkey = 'hunter2'\n")[1]
    assert result["partialFingerprints"]["primaryLocationLineHash"] == expected


def test_help_uri_is_left_out_without_a_documentation_url(tmp_path: Path) -> None:
    report = Report(findings=[], load_rules=lambda: [_SecretRule], version="1.2.3")
    (rule,) = sarif_log(report, docs_base=None)["runs"][0]["tool"]["driver"]["rules"]
    assert "helpUri" not in rule


def test_fixes_become_replacements_with_their_imports(tmp_path: Path) -> None:
    source = "import os\n\n\nasync def f():\n    time.sleep(1)\n"
    write_tree(tmp_path, {"app/jobs.py": source})
    fix = Fix(
        Applicability.SAFE,
        "Use `asyncio.sleep`",
        (Edit(5, 5, 5, 18, "await asyncio.sleep(1)"),),
        imports=(("asyncio", None),),
    )
    report = Report(
        findings=[_finding("app/jobs.py", 5, fix)], load_rules=lambda: [_SecretRule], version="1"
    )
    with chdir(tmp_path):
        log = sarif_log(report)
    assert schema_errors(log) == []
    (result,) = log["runs"][0]["results"]
    (change,) = result["fixes"][0]["artifactChanges"]
    assert change["artifactLocation"] == {"uri": "app/jobs.py", "uriBaseId": "%SRCROOT%"}
    replacements = [
        (r["deletedRegion"]["startLine"], r["deletedRegion"]["startColumn"], r["insertedContent"])
        for r in change["replacements"]
    ]
    assert replacements == [
        (2, 1, {"text": "import asyncio\n"}),
        (5, 5, {"text": "await asyncio.sleep(1)"}),
    ]
    # Applied (from the end), the replacements give what `--fix` writes: edits, then imports.
    text = source
    for region in reversed(change["replacements"]):
        deleted = region["deletedRegion"]
        file = SourceFile("x", "x", text)
        start = file.offset(deleted["startLine"], deleted["startColumn"])
        end = file.offset(deleted["endLine"], deleted["endColumn"])
        text = text[:start] + region["insertedContent"]["text"] + text[end:]
    edited = source.replace("time.sleep(1)", "await asyncio.sleep(1)")
    assert text == add_imports(edited, [("asyncio", None)])


def test_paths_are_percent_encoded_uris(tmp_path: Path) -> None:
    write_tree(tmp_path, {"my app/main#1.py": "x = 1\n"})
    report = Report(
        findings=[_finding("my app/main#1.py", 1)], load_rules=lambda: [_SecretRule], version="1"
    )
    with chdir(tmp_path):
        log = sarif_log(report)
    location = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "my%20app/main%231.py"
    assert schema_errors(log) == []


def test_limit_counts_utf16_units_and_cuts_at_words() -> None:
    assert limit("short") == "short"
    text = "word " * 300
    cut = limit(text)
    assert len(cut) <= DESCRIPTION_LIMIT and cut.endswith("word…")
    astral = "\U0001f600" * 600
    assert len(limit(astral).encode("utf-16-le")) // 2 <= DESCRIPTION_LIMIT


def test_problems_are_warning_notifications() -> None:
    report = Report(
        findings=[],
        load_rules=lambda: [_SecretRule],
        version="1",
        problems=[("app/main.py", "cannot write the fixed file: Permission denied")],
    )
    log = sarif_log(report)
    assert schema_errors(log) == []
    (note,) = log["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    assert note["level"] == "warning"
    assert "descriptor" not in note
    assert note["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "app/main.py"
