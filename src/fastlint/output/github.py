"""`--format github`: GitHub Actions workflow commands, shown as annotations on the pull request.

`::error file=…,line=…,col=…,endLine=…,endColumn=…,title=…::message`, escaped as the Actions
toolkit escapes them (`@actions/core` command.ts): `%`, `\\r` and `\\n` in the message, and also
`:` and `,` in property values. Columns are left out of findings that span lines: GitHub only
accepts them on one-line annotations.
"""

from __future__ import annotations

from fastlint.engine.findings import Finding, Severity
from fastlint.output import Report

_COMMAND = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(name: str, properties: dict[str, object], message: str) -> str:
    rendered = ",".join(f"{key}={escape_property(str(value))}" for key, value in properties.items())
    return (
        f"::{name} {rendered}::{escape_data(message)}"
        if rendered
        else f"::{name}::{escape_data(message)}"
    )


def annotation(finding: Finding) -> str:
    properties: dict[str, object] = {"file": finding.path, "line": finding.line}
    if finding.end_line == finding.line:
        properties["col"] = finding.column
        properties["endLine"] = finding.end_line
        properties["endColumn"] = finding.end_column
    else:
        properties["endLine"] = finding.end_line
    properties["title"] = f"fastlint {finding.code} ({finding.rule})"
    message = f"{finding.path}:{finding.line}:{finding.column}: {finding.code} {finding.message}"
    return command(_COMMAND[finding.severity], properties, message)


def render(report: Report, *, color: bool) -> str:
    lines = [annotation(finding) for finding in report.findings]
    lines.extend(
        command("warning", {"file": path, "title": "fastlint"}, problem)
        for path, problem in report.problems
    )
    return "".join(line + "\n" for line in lines)
