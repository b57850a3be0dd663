"""The rule registry: every rule of every family, in code order."""

from __future__ import annotations

from typing import Optional

from fastlint.engine.rule import Rule
from fastlint.rules import lifecycle

ALL_RULES: tuple[type[Rule], ...] = tuple(sorted((*lifecycle.RULES,), key=lambda rule: rule.code))


def find_rule(code_or_name: str) -> Optional[type[Rule]]:
    wanted = code_or_name.strip()
    for rule in ALL_RULES:
        if rule.code == wanted.upper() or rule.name == wanted.lower():
            return rule
    return None
