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

import hashlib
import json
import os
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Optional

from fastlint.engine.findings import Finding

BASELINE_VERSION = 1


class BaselineError(Exception):
    """A baseline file that cannot be read or is not a fastlint baseline; the message says why."""


def fingerprint(finding: Finding, path: Optional[str] = None) -> str:
    """A stable hash of where a finding is, in terms that survive line shifts."""
    parts = (finding.code, path if path is not None else finding.path, finding.context)
    snippet = " ".join(finding.snippet.split())
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
