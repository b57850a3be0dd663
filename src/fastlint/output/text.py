"""The default format: `path:line:col: CODE message`, the source line underlined, a summary."""

from __future__ import annotations

import io
import os

from rich.console import Console
from rich.markup import escape

from fastlint.engine.findings import Applicability, Finding
from fastlint.output import Report

_SEVERITY_STYLE = {"error": "bold red", "warning": "bold yellow", "info": "bold cyan"}


def _source_line(path: str, line: int, cache: dict[str, list[str]]) -> str:
    if path not in cache:
        try:
            with open(path, encoding="utf-8", errors="replace", newline="") as handle:
                cache[path] = handle.read().splitlines()
        except OSError:
            cache[path] = []
    lines = cache[path]
    return lines[line - 1] if 0 < line <= len(lines) else ""


def _frame(finding: Finding, cache: dict[str, list[str]]) -> list[str]:
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
    return [
        f"[blue]{pad} |[/]",
        f"[blue]{gutter} |[/] {escape(text)}",
        f"[blue]{pad} |[/] {' ' * start}[{style}]{'^' * width} {finding.code}[/]",
        f"[blue]{pad} |[/]",
    ]


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def render(report: Report, *, color: bool) -> str:
    buffer = io.StringIO()
    console = Console(
        file=buffer,
        force_terminal=color,
        no_color=not color,
        highlight=False,
        soft_wrap=True,
        width=10_000,
    )
    cache: dict[str, list[str]] = {}
    for finding in report.findings:
        marker = ""
        if finding.fix is not None and (
            finding.fix.applicability is Applicability.SAFE or report.unsafe_fixes
        ):
            marker = "[*] "
        style = _SEVERITY_STYLE.get(finding.severity.value, "bold")
        console.print(
            f"[bold]{escape(finding.path)}[/]:{finding.line}:{finding.column}: "
            f"[{style}]{finding.code}[/] {marker}{escape(finding.message)}"
        )
        for line in _frame(finding, cache):
            console.print(line)
        console.print()
    for path, problem in report.problems:
        console.print(f"[bold yellow]warning[/]: {escape(path)}: {escape(problem)}")
    console.print(_summary(report))
    return buffer.getvalue()


def _summary(report: Report) -> str:
    remaining = len(report.findings)
    if report.fixes_applied:
        if remaining:
            head = (
                f"Found {_plural(remaining + report.fixes_applied, 'error')} "
                f"({report.fixes_applied} fixed, {remaining} remaining)."
            )
        else:
            fixed = report.fixes_applied
            head = f"Found {_plural(fixed, 'error')} ({fixed} fixed, 0 remaining)."
    elif remaining:
        head = f"Found {_plural(remaining, 'error')}."
    else:
        head = "[green]All checks passed![/]"
    parts = [head]
    if report.baseline_gone:
        gone = report.baseline_gone
        parts.append(f"{gone} baseline {'entry' if gone == 1 else 'entries'} no longer found.")
    if report.show_fixes_hint and remaining:
        fixable = report.fixable
        hidden = report.hidden_unsafe
        if fixable:
            parts.append(f"[*] {fixable} fixable with the `--fix` option.")
        if hidden:
            parts.append(
                f"{_plural(hidden, 'hidden fix')} can be enabled with the `--unsafe-fixes` option."
            )
    return "\n".join(parts)
