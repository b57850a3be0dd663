"""The default format: `path:line:col: CODE message`, the source line underlined, a summary."""

from __future__ import annotations

import io
import os
from typing import Callable

from fastlint.engine.findings import Applicability, Finding
from fastlint.engine.source import split_lines
from fastlint.output import Report

# (text, style) → the text, plain or as rich markup. rich is imported only for colour output.
Paint = Callable[[str, str], str]


def _plain(text: str, style: str) -> str:
    return text


def _markup(text: str, style: str) -> str:
    from rich.markup import escape

    return f"[{style}]{escape(text)}[/]" if style else escape(text)


_SEVERITY_STYLE = {"error": "bold red", "warning": "bold yellow", "info": "bold cyan"}


def _source_line(path: str, line: int, cache: dict[str, list[str]]) -> str:
    if path not in cache:
        try:
            with open(path, encoding="utf-8", errors="replace", newline="") as handle:
                cache[path] = [line.rstrip("\r\n") for line in split_lines(handle.read())]
        except OSError:
            cache[path] = []
    lines = cache[path]
    return lines[line - 1] if 0 < line <= len(lines) else ""


def _frame(finding: Finding, cache: dict[str, list[str]], paint: Paint) -> list[str]:
    text = _source_line(finding.path.replace("/", os.sep), finding.line, cache)
    if not text.strip():
        return []
    text = text.expandtabs(1)[:300]
    gutter = str(finding.line)
    pad = " " * len(gutter)
    start = max(finding.column - 1, 0)
    end = finding.end_column - 1 if finding.end_line == finding.line else len(text.rstrip())
    width = max(end - start, 1)
    style = _SEVERITY_STYLE.get(finding.severity.value, "bold")
    underline = f"{'^' * width} {finding.code}"
    return [
        paint(f"{pad} |", "blue"),
        f"{paint(f'{gutter} |', 'blue')} {paint(text, '')}",
        f"{paint(f'{pad} |', 'blue')} {' ' * start}{paint(underline, style)}",
        paint(f"{pad} |", "blue"),
    ]


def _plural(count: int, word: str) -> str:
    if count == 1:
        return f"{count} {word}"
    return f"{count} {word}{'es' if word.endswith('x') else 's'}"


def render(report: Report, *, color: bool) -> str:
    paint: Paint = _markup if color else _plain
    lines: list[str] = []
    cache: dict[str, list[str]] = {}
    for finding in report.findings:
        marker = ""
        if finding.fix is not None and (
            finding.fix.applicability is Applicability.SAFE or report.unsafe_fixes
        ):
            marker = "[*] "
        style = _SEVERITY_STYLE.get(finding.severity.value, "bold")
        lines.append(
            f"{paint(finding.path, 'bold')}:{finding.line}:{finding.column}: "
            f"{paint(finding.code, style)} {paint(marker + finding.message, '')}"
        )
        lines.extend(_frame(finding, cache, paint))
        lines.append("")
    for path, problem in report.problems:
        lines.append(f"{paint('warning', 'bold yellow')}: {paint(f'{path}: {problem}', '')}")
    lines.append(_summary(report, paint))
    if not color:
        return "\n".join(lines) + "\n"
    from rich.console import Console

    buffer = io.StringIO()
    console = Console(
        file=buffer, force_terminal=True, highlight=False, soft_wrap=True, width=10_000
    )
    for line in lines:
        console.print(line)
    return buffer.getvalue()


def _summary(report: Report, paint: Paint) -> str:
    remaining = len(report.findings)
    if report.fixes_applied:
        total = remaining + report.fixes_applied
        head = (
            f"Found {_plural(total, 'error')} "
            f"({report.fixes_applied} fixed, {remaining} remaining)."
        )
    elif remaining:
        head = f"Found {_plural(remaining, 'error')}."
    else:
        head = paint("All checks passed!", "green")
    parts = [head]
    if report.baseline_gone:
        gone = report.baseline_gone
        parts.append(f"{gone} baseline {'entry' if gone == 1 else 'entries'} no longer found.")
    if report.show_fixes_hint and remaining:
        fixable = report.fixable
        hidden = report.hidden_unsafe
        if fixable:
            parts.append(paint(f"[*] {fixable} fixable with the `--fix` option.", ""))
        if hidden:
            parts.append(
                f"{_plural(hidden, 'hidden fix')} can be enabled with the `--unsafe-fixes` option."
            )
    return "\n".join(parts)
