"""Suppression comments: `# noqa`, `# fastlint: ignore[...]` and `# fastlint: skip-file`."""

from __future__ import annotations

import re
from typing import Optional

from fastlint.engine.findings import Finding
from fastlint.engine.source import SourceFile

_CODE_LIST = r"[A-Z]+[0-9]+(?:\s*,\s*[A-Z]+[0-9]+|\s+[A-Z]+[0-9]+)*"
_NOQA_RE = re.compile(rf"#\s*noqa(?::\s*(?P<codes>{_CODE_LIST}))?", re.IGNORECASE)
_IGNORE_RE = re.compile(rf"#\s*fastlint:\s*ignore(?:\[\s*(?P<codes>{_CODE_LIST})\s*\])?")
_SKIP_FILE_RE = re.compile(r"^[ \t]*#[ \t]*fastlint:[ \t]*skip-file\b", re.MULTILINE)
ALL = frozenset({"*"})


def skips_file(text: str) -> bool:
    return "fastlint" in text and _SKIP_FILE_RE.search(text) is not None


def _codes(match: re.Match[str]) -> frozenset[str]:
    codes = match.group("codes")
    if not codes:
        return ALL
    return frozenset(c.upper() for c in re.split(r"[\s,]+", codes.strip()) if c)


def line_suppressions(line: str) -> Optional[frozenset[str]]:
    """The codes a line's comment suppresses (`ALL` for a bare one), or None."""
    if "#" not in line:
        return None
    found: set[str] = set()
    for regex in (_NOQA_RE, _IGNORE_RE):
        for match in regex.finditer(line):
            codes = _codes(match)
            if codes is ALL:
                return ALL
            found |= codes
    return frozenset(found) if found else None


def is_suppressed(finding: Finding, source: SourceFile) -> bool:
    lines = {finding.line, finding.end_line}
    for number in lines:
        codes = line_suppressions(source.line_text(number))
        if codes is not None and (codes is ALL or finding.code in codes):
            return True
    return False
