"""Every rule's documented valid and invalid examples, checked the same way."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any, Optional

import pytest

from fastlint.engine import checker, thinning
from fastlint.engine.rule import Rule
from fastlint.rules import all_rules
from tests.helpers import as_example, lint_example

ALL_RULES = all_rules()

VALID = [(rule, i) for rule in ALL_RULES for i in range(len(rule.valid))]
INVALID = [(rule, i) for rule in ALL_RULES for i in range(len(rule.invalid))]


def _id(case: tuple[type[Rule], int]) -> str:
    return f"{case[0].code}-{case[1]}"


@pytest.mark.parametrize("case", VALID, ids=[_id(c) for c in VALID])
def test_valid_example_has_no_finding(tmp_path: Path, case: tuple[type[Rule], int]) -> None:
    rule, index = case
    findings, _ = lint_example(tmp_path, rule, rule.valid[index])
    assert [f for f in findings if f.code == rule.code] == []


@pytest.mark.parametrize("case", INVALID, ids=[_id(c) for c in INVALID])
def test_invalid_example_is_found(tmp_path: Path, case: tuple[type[Rule], int]) -> None:
    rule, index = case
    example = as_example(rule.invalid[index])
    findings, _ = lint_example(tmp_path, rule, example)
    assert [f.code for f in findings if f.code == rule.code], findings
    if example.fixed is not None:
        _, fixed = lint_example(tmp_path, rule, example, fix=True)
        assert fixed == example.fixed


@pytest.mark.parametrize("case", INVALID, ids=[_id(c) for c in INVALID])
def test_invalid_example_with_windows_line_endings_is_found(
    tmp_path: Path, case: tuple[type[Rule], int]
) -> None:
    """Screens and rules see through `\r\n` (a screen once dropped every CRLF file)."""
    rule, index = case
    example = as_example(rule.invalid[index])
    crlf = dataclasses.replace(example, code=example.code.replace("\n", "\r\n"))
    findings, _ = lint_example(tmp_path, rule, crlf)
    assert [f.code for f in findings if f.code == rule.code], findings


@pytest.mark.parametrize("rule", ALL_RULES, ids=[r.code for r in ALL_RULES])
def test_rule_is_documented(rule: type[Rule]) -> None:
    assert rule.code.startswith("FL") and len(rule.code) == 5
    assert rule.name == rule.name.lower() and " " not in rule.name
    assert rule.summary and len(rule.summary) <= 200
    for section in (
        "## What it does",
        "## Why is this bad?",
        "## Example",
        "## Use instead",
        "## Fix safety",
        "## References",
    ):
        assert section in rule.docs, f"{rule.code} docs lack {section}"
    assert rule.valid and rule.invalid, "each rule needs valid and invalid examples"


def test_codes_and_names_are_unique() -> None:
    codes = [r.code for r in ALL_RULES]
    names = [r.name for r in ALL_RULES]
    assert len(codes) == len(set(codes))
    assert len(names) == len(set(names))


# Definitions and a binding no rule needs: a file that holds them is parsed with stubs in
# their place.
UNNEEDED_DEFINITIONS = """


UNRELATED_LIMITS = dict(
    retries=3,
    timeout=5,
)


def unrelated_helper(values):
    total = 0
    for value in values:
        total += value
    return total


class UnrelatedTable:
    def count(self, rows):
        return len(rows)

    def names(self, rows):
        return [row.name for row in rows]
"""


@pytest.mark.parametrize("case", INVALID, ids=[_id(c) for c in INVALID])
def test_invalid_example_among_unneeded_definitions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, case: tuple[type[Rule], int]
) -> None:
    """Parsing without the definitions no rule needs changes no finding, fix or message."""
    rule, index = case
    example = as_example(rule.invalid[index])
    if example.filename.endswith(".py"):
        padded = example.code.rstrip("\n") + UNNEEDED_DEFINITIONS
    else:
        padded = example.code
    example = dataclasses.replace(example, code=padded)
    thinned: list[bool] = []

    def recording_thin(*args: Any) -> Optional[str]:
        result = thinning.thin(*args)
        thinned.append(result is not None)
        return result

    monkeypatch.setattr(checker, "thin", recording_thin)
    findings, _ = lint_example(tmp_path / "thin", rule, example)
    fixed = lint_example(tmp_path / "thin-fix", rule, example, fix=True)[1]
    # With an option its screens cannot see, a rule reads every definition.
    screened = not any(example.options.get(option) for option in rule.screen_options)
    if example.filename.endswith(".py") and checker._screens_statements(rule) and screened:
        assert any(thinned), "the unneeded definitions were parsed"
    monkeypatch.setattr(checker, "SCREENS_OFF", True)
    assert lint_example(tmp_path / "whole", rule, example)[0] == findings
    assert lint_example(tmp_path / "whole-fix", rule, example, fix=True)[1] == fixed
