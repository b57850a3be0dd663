"""`--format json`: one array of finding objects with exactly the keys of the spec."""

from __future__ import annotations

import json

from fastlint.output import Report


def render(report: Report, *, color: bool) -> str:
    return json.dumps([f.to_json() for f in report.findings], indent=2, ensure_ascii=False) + "\n"
