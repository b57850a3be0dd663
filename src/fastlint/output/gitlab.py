"""`--format gitlab`: GitLab Code Quality report (a JSON array of issues).

GitLab matches issues between the merge request and its target branch by `fingerprint`, so a
fingerprint must not change when code above a finding moves: it is the baseline fingerprint
(rule, path, enclosing function, normalised code of the node), with the number of the occurrence
added when the same fingerprint occurs more than once (GitLab drops issues with equal ones).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from fastlint.engine.baseline import fingerprint
from fastlint.engine.findings import Finding, Severity
from fastlint.output import Report

# Code Quality severities: info, minor, major, critical, blocker.
_SEVERITY = {Severity.ERROR: "major", Severity.WARNING: "minor", Severity.INFO: "info"}


def issue(finding: Finding, occurrence: int) -> dict[str, Any]:
    base = fingerprint(finding)
    unique = base if occurrence == 1 else f"{base}:{occurrence}"
    return {
        "type": "issue",
        "check_name": finding.code,
        "description": f"{finding.code} {finding.message}",
        "categories": ["Bug Risk"],
        "severity": _SEVERITY[finding.severity],
        "fingerprint": hashlib.sha256(unique.encode("utf-8")).hexdigest()[:32],
        "location": {
            "path": finding.path,
            "positions": {
                "begin": {"line": finding.line, "column": finding.column},
                "end": {"line": finding.end_line, "column": finding.end_column},
            },
        },
    }


def render(report: Report, *, color: bool) -> str:
    seen: dict[str, int] = {}
    issues = []
    for finding in report.findings:
        key = fingerprint(finding)
        seen[key] = seen.get(key, 0) + 1
        issues.append(issue(finding, seen[key]))
    return json.dumps(issues, indent=2, ensure_ascii=False) + "\n"
