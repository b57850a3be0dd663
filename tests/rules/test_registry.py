"""The catalog that lets cached runs skip importing rules must match the rule classes."""

from __future__ import annotations

import importlib
import subprocess
import sys

from fastlint.rules import CATALOG, FAMILIES, all_rules


def test_catalog_matches_rule_classes() -> None:
    for entry, rule in zip(CATALOG, all_rules()):
        assert (entry.code, entry.name) == (rule.code, rule.name)
    codes = [entry.code for entry in CATALOG]
    assert codes == sorted(codes)


def test_every_rule_of_every_family_is_cataloged() -> None:
    cataloged = {(e.module, e.class_name) for e in CATALOG}
    for family in FAMILIES:
        module = importlib.import_module(f"fastlint.rules.{family}")
        for rule in module.RULES:
            assert (family, rule.__name__) in cataloged, f"{rule.code} is not in the catalog"


def test_catalog_import_does_not_load_libcst() -> None:
    code = (
        "import sys, fastlint.rules, fastlint.config, fastlint.engine.runner, fastlint.output; "
        "print('libcst' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "False", result.stderr
