"""Baselines: record the findings a codebase has today, report only new ones later.

A finding's fingerprint is built from what survives edits elsewhere in the file: the rule code,
the path, the enclosing function or class (`Finding.context`) and the code of the reported node
with its whitespace normalised (`Finding.snippet`). Line numbers and messages are left out (a
message may name a line). Equal fingerprints are counted, and matched as a multiset: three
identical findings in a baseline of two leave one new finding.

Paths in the file are relative to the baseline file's directory, so the baseline works from any
current directory. The file is sorted JSON, one entry per fingerprint, so it diffs well.
"""

from __future__ import annotations

import ast
import hashlib
import io
import json
import os
import tokenize
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Optional

from fastlint.engine.findings import Finding
from fastlint.engine.source import split_lines

BASELINE_VERSION = 1


class BaselineError(Exception):
    """A baseline file that cannot be read or is not a fastlint baseline; the message says why."""


_SKIPPED_TOKENS = frozenset(
    {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT}
)
# Python 3.12+ splits f-strings (3.14: t-strings) into parts; older versions see one token.
_STRING_STARTS = frozenset(
    getattr(tokenize, name)
    for name in ("FSTRING_START", "TSTRING_START")
    if hasattr(tokenize, name)
)
_STRING_ENDS = frozenset(
    getattr(tokenize, name) for name in ("FSTRING_END", "TSTRING_END") if hasattr(tokenize, name)
)


def _span(lines: list[str], start: tuple[int, int], end: tuple[int, int]) -> str:
    """Source text between two tokenize positions (1-based rows, 0-based columns)."""
    if start[0] == end[0]:
        return lines[start[0] - 1][start[1] : end[1]]
    middle = lines[start[0] : end[0] - 1]
    return lines[start[0] - 1][start[1] :] + "".join(middle) + lines[end[0] - 1][: end[1]]


def normalise(snippet: str, python: bool = True) -> str:
    """Code as tokens: formatting, comments, trailing commas and quote style do not count.

    The same on every Python version. Non-Python text (a Dockerfile line), and text that does not
    tokenize, only has its whitespace collapsed.
    """
    collapsed = " ".join(snippet.split())
    if not python:
        return collapsed
    # Inside brackets the tokenizer ignores indentation, so a node cut out of an indented block
    # (its first line without indentation, the others with) tokenizes as well.
    wrapped = f"(\n{snippet}\n)"
    tokens: list[str] = []
    depth = 0  # inside an f-string of Python 3.12+: kept as written, like older versions do
    string_start = (0, 0)
    lines = split_lines(wrapped)
    try:
        for token in tokenize.generate_tokens(io.StringIO(wrapped).readline):
            if token.type in _STRING_STARTS:
                if depth == 0:
                    string_start = token.start
                depth += 1
                continue
            if depth:
                if token.type in _STRING_ENDS:
                    depth -= 1
                    if depth == 0:
                        tokens.append(_span(lines, string_start, token.end))
                continue
            if token.type in _SKIPPED_TOKENS or token.type == tokenize.ENDMARKER:
                continue
            text = token.string
            if token.type == tokenize.STRING:
                try:
                    value = ast.literal_eval(text)
                except (ValueError, SyntaxError):  # f-strings stay as written
                    pass
                else:
                    text = repr(value)
            tokens.append(text)
    except (tokenize.TokenError, SyntaxError):
        return collapsed
    if tokens[:1] != ["("] or tokens[-1:] != [")"]:
        return collapsed
    inner = tokens[1:-1]
    # A (magic) trailing comma before a closing bracket is formatting.
    tokens = [
        text
        for index, text in enumerate(inner)
        if not (text == "," and index + 1 < len(inner) and inner[index + 1] in (")", "]", "}"))
    ]
    return " ".join(tokens)


def fingerprint(finding: Finding, path: Optional[str] = None) -> str:
    """A stable hash of where a finding is, in terms that survive line shifts."""
    parts = (finding.code, path if path is not None else finding.path, finding.context)
    snippet = normalise(finding.snippet, python=finding.path.endswith((".py", ".pyi")))
    digest = hashlib.sha256("\0".join((*parts, snippet)).encode("utf-8", "surrogatepass"))
    return digest.hexdigest()[:20]


def _relative_to(path: str, directory: str) -> str:
    """A finding's path (relative to the current directory) relative to `directory`."""
    absolute = os.path.abspath(path.replace("/", os.sep))
    try:
        relative = os.path.relpath(absolute, directory)
    except ValueError:  # another drive on Windows
        relative = absolute
    return relative.replace(os.sep, "/")


@dataclass(frozen=True)
class Entry:
    fingerprint: str
    code: str
    path: str
    context: str
    count: int

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "path": self.path,
            "context": self.context,
            "fingerprint": self.fingerprint,
            "count": self.count,
        }


def _entries(findings: Iterable[Finding], directory: str) -> list[Entry]:
    counts: Counter[tuple[str, str, str, str]] = Counter()
    for finding in findings:
        path = _relative_to(finding.path, directory)
        counts[(path, finding.code, finding.context, fingerprint(finding, path))] += 1
    return [
        Entry(fingerprint=fp, code=code, path=path, context=context, count=count)
        for (path, code, context, fp), count in sorted(counts.items())
    ]


def dumps(findings: Iterable[Finding], directory: str) -> str:
    entries = _entries(findings, directory)
    document = {
        "fastlint-baseline": BASELINE_VERSION,
        "findings": [entry.to_json() for entry in entries],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def write(findings: Sequence[Finding], file: str) -> int:
    """Write the baseline of `findings` to `file` (atomically); return the number of findings."""
    directory = os.path.dirname(os.path.abspath(file))
    text = dumps(findings, directory)
    temporary = f"{file}.tmp{os.getpid()}"
    with open(temporary, "w", encoding="utf-8", newline="\n") as handle:
        handle.write(text)
    os.replace(temporary, file)
    return len(findings)


@dataclass
class Baseline:
    # fingerprint -> (count, rule code, absolute path of the file)
    entries: dict[str, tuple[int, str, str]]
    directory: str  # paths in the fingerprints are relative to it

    @classmethod
    def load(cls, file: str) -> Baseline:
        try:
            with open(file, encoding="utf-8") as handle:
                document = json.load(handle)
        except OSError as exc:
            raise BaselineError(f"cannot read baseline {file}: {exc.strerror or exc}") from exc
        except ValueError as exc:
            raise BaselineError(f"baseline {file} is not valid JSON: {exc}") from exc
        if not isinstance(document, dict) or document.get("fastlint-baseline") != BASELINE_VERSION:
            raise BaselineError(
                f"{file} is not a fastlint baseline (version {BASELINE_VERSION}); "
                "write one with --write-baseline"
            )
        raw_entries = document.get("findings")
        if not isinstance(raw_entries, list):
            raise BaselineError(f"baseline {file}: `findings` must be an array")
        directory = os.path.dirname(os.path.abspath(file))
        entries: dict[str, tuple[int, str, str]] = {}
        for entry in raw_entries:
            count = entry.get("count", 1) if isinstance(entry, dict) else None
            if not (
                isinstance(entry, dict)
                and isinstance(entry.get("fingerprint"), str)
                and isinstance(entry.get("code"), str)
                and isinstance(entry.get("path"), str)
                and isinstance(count, int)
                and count > 0
            ):
                raise BaselineError(f"baseline {file}: malformed entry {json.dumps(entry)}")
            path = os.path.normpath(os.path.join(directory, entry["path"].replace("/", os.sep)))
            previous = entries.get(entry["fingerprint"], (0, "", ""))[0]
            entries[entry["fingerprint"]] = (previous + count, entry["code"], path)
        return cls(entries, directory)

    def filter(
        self, findings: Sequence[Finding], in_scope: Optional[Callable[[str, str], bool]] = None
    ) -> tuple[list[Finding], int]:
        """The findings that are not in the baseline, and how many baseline entries are gone.

        Each baseline entry absorbs as many findings as its count; the rest are new. Findings
        are matched in their report order, so with duplicates the later ones are the new ones.
        Entries that were not looked for this run (`in_scope(code, absolute_path)` is false: a
        rule not selected, a file not given) do not count as gone.
        """
        remaining = Counter({key: count for key, (count, _, _) in self.entries.items()})
        new = []
        for finding in findings:
            key = fingerprint(finding, _relative_to(finding.path, self.directory))
            if remaining[key] > 0:
                remaining[key] -= 1
            else:
                new.append(finding)
        gone = 0
        for key, count in remaining.items():
            _, code, path = self.entries[key]
            if count > 0 and (in_scope is None or in_scope(code, path)):
                gone += count
        return new, gone
