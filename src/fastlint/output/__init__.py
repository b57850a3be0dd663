"""Output formats. Each module renders a `Report` to text and only reads it."""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, Protocol

from fastlint.engine.findings import Applicability, Finding

if TYPE_CHECKING:
    from fastlint.engine.rule import Rule

FORMATS = ("text", "json", "sarif", "github", "gitlab", "junit")


@dataclass
class Report:
    findings: list[Finding]
    # The rules that ran, loaded only by formats that describe them (SARIF), so a cached
    # run in text or JSON never imports the rules.
    load_rules: Callable[[], Sequence[type[Rule]]]
    version: str
    files_checked: int = 0
    fixes_applied: int = 0
    unsafe_fixes: bool = False
    show_fixes_hint: bool = True
    problems: list[tuple[str, str]] = field(default_factory=list)
    baseline_gone: int = 0  # baseline entries that no longer match a finding

    @property
    def rules(self) -> Sequence[type[Rule]]:
        return self.load_rules()

    @property
    def fixable(self) -> int:
        return sum(
            1
            for f in self.findings
            if f.fix is not None
            and (f.fix.applicability is Applicability.SAFE or self.unsafe_fixes)
        )

    @property
    def hidden_unsafe(self) -> int:
        if self.unsafe_fixes:
            return 0
        return sum(
            1
            for f in self.findings
            if f.fix is not None and f.fix.applicability is Applicability.UNSAFE
        )


class Renderer(Protocol):
    def __call__(self, report: Report, *, color: bool) -> str: ...


def renderer(name: str) -> Renderer:
    module = importlib.import_module(f"fastlint.output.{name}")
    render: Renderer = module.render
    return render
