"""Applying fixes: in rounds, without overlaps, re-parsed before anything is written.

As in ruff: apply the non-overlapping fixes, re-parse and re-check, repeat until nothing changes
(at most MAX_ROUNDS); a round whose result does not parse is dropped. Imports the fixes need are
added once per round, after the other edits.
"""

from __future__ import annotations

import contextlib
import difflib
import os
import stat
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Callable, Optional

import libcst as cst

from fastlint.engine import cstparse
from fastlint.engine.findings import Applicability, Finding, Fix
from fastlint.engine.names import dotted_name
from fastlint.engine.source import SourceFile, first_newline, split_lines

MAX_ROUNDS = 10


@dataclass
class FixOutcome:
    text: str
    applied: int = 0
    findings: list[Finding] = field(default_factory=list)
    problem: Optional[str] = None  # why some fixes were not applied


def is_applicable(fix: Optional[Fix], unsafe: bool) -> bool:
    if fix is None:
        return False
    return fix.applicability is Applicability.SAFE or unsafe


def apply_edits(text: str, fixes: Sequence[Fix]) -> tuple[str, int]:
    """Apply whole fixes whose edits overlap no earlier fix's; returns the text and the count."""
    holder = SourceFile("", "", text)
    taken: list[tuple[int, int]] = []
    edits: list[tuple[int, int, str]] = []
    applied = 0
    ordered = sorted(fixes, key=_fix_start)
    for fix in ordered:
        spans = [
            (holder.offset(e.line, e.column), holder.offset(e.end_line, e.end_column), e.content)
            for e in fix.edits
        ]
        if any(_overlaps(s, e, taken) for s, e, _ in spans):
            continue  # retried next round, against the new text
        taken.extend((s, e) for s, e, _ in spans)
        edits.extend(spans)
        applied += 1
    # From the end back, so offsets stay valid; insertions at one point from several fixes
    # end up in the order of the fixes (the later one is inserted first).
    ordered_edits = sorted(
        ((start, end, position, content) for position, (start, end, content) in enumerate(edits)),
        reverse=True,
    )
    for start, end, _, content in ordered_edits:
        text = text[:start] + content + text[end:]
    return text, applied


def _fix_start(fix: Fix) -> tuple[int, int]:
    return (fix.edits[0].line, fix.edits[0].column) if fix.edits else (0, 0)


def _overlaps(start: int, end: int, taken: Iterable[tuple[int, int]]) -> bool:
    for s, e in taken:
        if start < e and s < end:
            return True
        if start == end == s == e:
            continue  # two insertions at one point: both, in the order of their fixes
        if start == end and start in (s, e):
            return True  # an insertion at the edge of a replaced span: which side is unclear
    return False


def _existing_imports(module: cst.Module) -> set[tuple[str, Optional[str]]]:
    found: set[tuple[str, Optional[str]]] = set()
    for statement in module.body:
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for small in statement.body:
            if isinstance(small, cst.Import):
                for alias in small.names:
                    if alias.asname is None:
                        found.add((dotted_name(alias.name) or "", None))
            elif isinstance(small, cst.ImportFrom) and not small.relative and small.module:
                module_name = dotted_name(small.module) or ""
                if isinstance(small.names, cst.ImportStar):
                    continue
                for alias in small.names:
                    if alias.asname is None:
                        found.add((module_name, dotted_name(alias.name)))
    return found


def _import_insertion_offset(module: cst.Module) -> int:
    """After the module's docstring, `__future__` imports and leading import block."""
    position = len("".join(module.code_for_node(line) for line in module.header))
    offset = position
    for index, statement in enumerate(module.body):
        code = module.code_for_node(statement)
        is_docstring = (
            index == 0
            and isinstance(statement, cst.SimpleStatementLine)
            and len(statement.body) == 1
            and isinstance(statement.body[0], cst.Expr)
            and isinstance(statement.body[0].value, (cst.SimpleString, cst.ConcatenatedString))
        )
        is_import = isinstance(statement, cst.SimpleStatementLine) and all(
            isinstance(small, (cst.Import, cst.ImportFrom)) for small in statement.body
        )
        if not (is_docstring or is_import):
            break
        position += len(code)
        offset = position
    return offset


def add_imports(text: str, imports: Iterable[tuple[str, Optional[str]]]) -> str:
    """Add the imports that are missing, after the module's leading imports."""
    wanted = sorted(set(imports), key=lambda item: (item[0], item[1] or ""))
    if not wanted:
        return text
    module = cstparse.parse_module(text)
    missing = [item for item in wanted if item not in _existing_imports(module)]
    if not missing:
        return text
    newline = first_newline(text)
    lines = []
    for module_name, name in missing:
        if name is None:
            lines.append(f"import {module_name}")
        else:
            lines.append(f"from {module_name} import {name}")
    block = newline.join(lines) + newline
    offset = _import_insertion_offset(module)
    if offset > 0 and not text[:offset].endswith(("\n", "\r")):
        block = newline + block
    return text[:offset] + block + text[offset:]


def parses(text: str) -> bool:
    try:
        cstparse.parse_module(text)
    except Exception:
        return False
    return True


def fix_text(
    text: str, check: Callable[[str], list[Finding]], *, unsafe: bool, python: bool = True
) -> FixOutcome:
    """Fix one file's text in rounds; `check` lints a text and returns its findings.

    For Python, every round's result must parse or the round is dropped.
    """
    outcome = FixOutcome(text=text)
    findings = check(text)
    if any(f.code == "FL000" for f in findings):
        outcome.findings = findings
        return outcome  # never fix a file that does not parse
    for _ in range(MAX_ROUNDS):
        fixes = [f.fix for f in findings if f.fix is not None and is_applicable(f.fix, unsafe)]
        if not fixes:
            break
        new_text, applied = apply_edits(outcome.text, fixes)
        if python:
            needed = [imp for fix in fixes for imp in fix.imports]
            try:
                new_text = add_imports(new_text, needed)
            except Exception:
                outcome.problem = "a fix produced code that does not parse; it was not applied"
                break
        if new_text == outcome.text:
            break
        if python and not parses(new_text):
            outcome.problem = "a fix produced code that does not parse; it was not applied"
            break
        outcome.text = new_text
        outcome.applied += applied
        findings = check(new_text)
    else:
        outcome.problem = f"fixes did not converge after {MAX_ROUNDS} rounds"
    outcome.findings = findings
    return outcome


def unified_diff(path: str, before: str, after: str) -> str:
    return "".join(
        difflib.unified_diff(
            split_lines(before),
            split_lines(after),
            fromfile=f"a/{path}",
            tofile=f"b/{path}",
        )
    )


def write_atomic(source: SourceFile, text: str) -> None:
    """Replace the file in one step, keeping its encoding, BOM and mode."""
    data = source.encode(text)
    directory = os.path.dirname(os.path.abspath(source.path))
    mode = stat.S_IMODE(os.stat(source.path).st_mode)
    fd, temporary = tempfile.mkstemp(dir=directory, prefix=".fastlint-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, source.path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
