"""`--format sarif`: SARIF 2.1.0 for GitHub code scanning and other SARIF consumers.

What code scanning reads beyond the schema: relative URIs against `%SRCROOT%` (run fastlint from
the repository root), every rule with short and full descriptions of at most 1,024 characters and
help, `partialFingerprints.primaryLocationLineHash` (see `linehash.py`), and `automationDetails.id`.
Columns count Unicode code points, as fastlint's do (`columnKind`). A file that cannot be parsed
(FL000) is a tool execution notification, not a result: it is not a problem in the code that an
alert could track. Suppressed findings never reach a report, so none is written.

`helpUri` of a rule is `<Documentation URL>/rules.md#<code in lower case>`, the rule's section
of the generated reference `docs/rules.md`, when the installed package declares a `Documentation`
project URL (`[project.urls]` in pyproject.toml: the URL of the `docs/` folder, e.g.
`https://github.com/<owner>/fastlint/blob/main/docs`); it is left out otherwise, as the full
documentation is in `help` anyway.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Optional, Union
from urllib.parse import quote

from fastlint.engine.findings import Applicability, Edit, Finding, Fix, Severity
from fastlint.engine.rule import Rule
from fastlint.output import Report
from fastlint.output.linehash import file_line_hashes

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
SRCROOT = "%SRCROOT%"
PARSE_ERROR_CODE = "FL000"
# GitHub code scanning rejects longer rule descriptions (and truncates silently elsewhere).
DESCRIPTION_LIMIT = 1024

_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
# Code scanning's `security-severity` scale: 9.0+ critical, 7.0+ high, 4.0+ medium, else low.
_SECURITY_SEVERITY = {Severity.ERROR: "8.0", Severity.WARNING: "5.5", Severity.INFO: "3.0"}
# `problem.severity` for non-security alerts: error, warning or recommendation.
_PROBLEM_SEVERITY = {
    Severity.ERROR: "error",
    Severity.WARNING: "warning",
    Severity.INFO: "recommendation",
}


def documentation_url() -> Optional[str]:
    """The `Documentation` project URL of the installed fastlint, if it declares one."""
    from importlib.metadata import PackageNotFoundError, metadata

    try:
        urls: list[str] = metadata("fastlint").get_all("Project-URL") or []
    except PackageNotFoundError:
        return None
    for entry in urls:
        label, _, url = str(entry).partition(",")
        if label.strip().lower() in ("documentation", "docs") and url.strip():
            return url.strip().rstrip("/")
    return None


def help_uri(code: str, base: Optional[str]) -> Optional[str]:
    return f"{base}/rules.md#{code.lower()}" if base else None


def _utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le", errors="surrogatepass")) // 2


def limit(text: str, maximum: int = DESCRIPTION_LIMIT) -> str:
    """`text` cut at a word boundary to at most `maximum` characters, with an ellipsis when cut.

    Characters are counted as UTF-16 units, as GitHub (JavaScript) counts them.
    """
    text = text.strip()
    if _utf16_length(text) <= maximum:
        return text
    budget = maximum - 1  # room for the ellipsis
    used = 0
    end = 0
    for index, char in enumerate(text):
        width = 2 if ord(char) > 0xFFFF else 1
        if used + width > budget:
            break
        used += width
        end = index + 1
    cut = text[:end]
    space = cut.rfind(" ")
    if space > maximum // 2:
        cut = cut[:space]
    return cut.rstrip() + "…"


def docs_section(docs: str, title: str) -> str:
    """The body of one `## title` section of a rule's markdown documentation."""
    match = re.search(rf"^## {re.escape(title)}[ \t]*\n(.*?)(?=^## |\Z)", docs, re.M | re.S)
    return match.group(1).strip() if match else ""


def _paragraph(text: str) -> str:
    return " ".join(text.split())


def rule_descriptor(rule: type[Rule], docs_base: Optional[str]) -> dict[str, Any]:
    what = _paragraph(docs_section(rule.docs, "What it does"))
    why = _paragraph(docs_section(rule.docs, "Why is this bad?"))
    full = " ".join(part for part in (what, why) if part) or rule.summary
    markdown = f"# {rule.name} ({rule.code})\n\n{rule.summary}.\n\n{rule.docs.strip()}\n"
    tags = ["fastapi", *rule.tags]
    properties: dict[str, Any] = {"precision": rule.precision}
    if rule.security:
        if "security" not in tags:
            tags.append("security")
        properties["security-severity"] = _SECURITY_SEVERITY[rule.severity]
    else:
        properties["problem.severity"] = _PROBLEM_SEVERITY[rule.severity]
    properties["tags"] = tags
    descriptor: dict[str, Any] = {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": limit(rule.summary)},
        "fullDescription": {"text": limit(full)},
        "help": {"text": markdown, "markdown": markdown},
        "defaultConfiguration": {"level": _LEVEL[rule.severity]},
        "properties": properties,
    }
    uri = help_uri(rule.code, docs_base)
    if uri:
        descriptor["helpUri"] = uri
    return descriptor


def artifact_location(path: str) -> dict[str, str]:
    """Relative paths against %SRCROOT%; absolute ones (outside the current directory) as file:."""
    if os.path.isabs(path):
        return {"uri": Path(path).as_uri()}
    return {"uri": quote(path, safe="/"), "uriBaseId": SRCROOT}


def _region(line: int, column: int, end_line: int, end_column: int) -> dict[str, int]:
    return {"startLine": line, "startColumn": column, "endLine": end_line, "endColumn": end_column}


def _location(finding: Finding) -> dict[str, Any]:
    return {
        "physicalLocation": {
            "artifactLocation": artifact_location(finding.path),
            "region": _region(finding.line, finding.column, finding.end_line, finding.end_column),
        }
    }


def _import_edit(path: str, fix: Fix) -> Optional[Edit]:
    """The insertion `--fix` makes for the imports a fix needs, or None if it needs none.

    The engine adds imports after the other edits, at a place it computes from the whole module;
    the same function gives the same place here.
    """
    from fastlint.engine.fixes import add_imports
    from fastlint.engine.source import SourceFile, read_source

    source = read_source(path.replace("/", os.sep), python=True)
    new_text = add_imports(source.text, fix.imports)
    if new_text == source.text:
        return None
    old_text = source.text
    start = 0
    while start < len(old_text) and old_text[start] == new_text[start]:
        start += 1
    inserted = new_text[start : start + len(new_text) - len(old_text)]
    line, column = SourceFile(path, path, old_text).position(start)
    return Edit(line, column, line, column, inserted)


_ImportEdits = dict[tuple[str, tuple[tuple[str, Optional[str]], ...]], Union[Edit, None, str]]


def _fix(finding: Finding, import_edits: _ImportEdits) -> Optional[dict[str, Any]]:
    fix = finding.fix
    if fix is None:
        return None
    edits = list(fix.edits)
    if fix.imports:
        key = (finding.path, fix.imports)
        if key not in import_edits:  # one parse per file and set of imports, not per finding
            try:
                import_edits[key] = _import_edit(finding.path, fix)
            except Exception:  # unreadable or unparsable now: a fix we cannot complete
                import_edits[key] = "failed"
        import_edit = import_edits[key]
        if isinstance(import_edit, str):
            return None
        if import_edit is not None:
            edits.append(import_edit)
    edits.sort(key=lambda e: (e.line, e.column, e.end_line, e.end_column))
    unsafe = " (unsafe: may change behaviour)" if fix.applicability is Applicability.UNSAFE else ""
    return {
        "description": {"text": f"{fix.message}{unsafe}"},
        "artifactChanges": [
            {
                "artifactLocation": artifact_location(finding.path),
                "replacements": [
                    {
                        "deletedRegion": _region(e.line, e.column, e.end_line, e.end_column),
                        "insertedContent": {"text": e.content},
                    }
                    for e in edits
                ],
            }
        ],
        "properties": {"applicability": fix.applicability.value},
    }


def _result(
    finding: Finding,
    rule_index: dict[str, int],
    hashes: dict[str, list[str]],
    import_edits: _ImportEdits,
) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": finding.code,
        "level": _LEVEL[finding.severity],
        "message": {"text": finding.message},
        "locations": [_location(finding)],
    }
    if finding.code in rule_index:
        result["ruleIndex"] = rule_index[finding.code]
    if finding.path not in hashes:
        hashes[finding.path] = file_line_hashes(finding.path.replace("/", os.sep))
    line_hashes = hashes[finding.path]
    if 0 < finding.line <= len(line_hashes):
        result["partialFingerprints"] = {"primaryLocationLineHash": line_hashes[finding.line - 1]}
    fix = _fix(finding, import_edits)
    if fix is not None:
        result["fixes"] = [fix]
    return result


def _notification(
    level: str, message: str, path: str, finding: Optional[Finding]
) -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": artifact_location(path)}
    if finding is not None:
        physical["region"] = {"startLine": finding.line, "startColumn": finding.column}
    notification: dict[str, Any] = {
        "level": level,
        "message": {"text": message},
        "locations": [{"physicalLocation": physical}],
    }
    if finding is not None:
        notification["descriptor"] = {"id": PARSE_ERROR_CODE, "index": 0}
    return notification


def sarif_log(report: Report, docs_base: Optional[str] = None) -> dict[str, Any]:
    rules: Sequence[type[Rule]] = sorted(report.rules, key=lambda r: r.code)
    rule_index = {rule.code: index for index, rule in enumerate(rules)}
    results = []
    notifications = []
    hashes: dict[str, list[str]] = {}
    import_edits: _ImportEdits = {}
    for finding in report.findings:
        if finding.code == PARSE_ERROR_CODE:
            notifications.append(_notification("error", finding.message, finding.path, finding))
        else:
            results.append(_result(finding, rule_index, hashes, import_edits))
    for path, problem in report.problems:
        notifications.append(_notification("warning", problem, path, None))
    driver: dict[str, Any] = {
        "name": "fastlint",
        "version": report.version,
        "semanticVersion": report.version,
        "rules": [rule_descriptor(rule, docs_base) for rule in rules],
        "notifications": [
            {
                "id": PARSE_ERROR_CODE,
                "name": "parse-error",
                "shortDescription": {"text": "A file that fastlint could not read or parse."},
            }
        ],
    }
    if docs_base:
        driver["informationUri"] = docs_base
    return {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": driver},
                "automationDetails": {"id": "fastlint/"},
                "invocations": [
                    {"executionSuccessful": True, "toolExecutionNotifications": notifications}
                ],
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }


def render(report: Report, *, color: bool) -> str:
    return json.dumps(sarif_log(report, documentation_url()), indent=2, ensure_ascii=False) + "\n"
