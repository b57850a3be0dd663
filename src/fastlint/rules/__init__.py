"""The rule registry.

The catalog names every rule without importing it, so a run whose files are all cached imports
neither the rules nor LibCST. `tests/rules/test_registry.py` keeps it in step with the classes.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, NamedTuple, Optional

if TYPE_CHECKING:
    from fastlint.engine.rule import Rule


class RuleEntry(NamedTuple):
    code: str
    name: str
    module: str  # the family module under fastlint.rules
    class_name: str


CATALOG: tuple[RuleEntry, ...] = (
    RuleEntry("FL101", "blocking-call-in-async", "blocking", "BlockingCallInAsync"),
    RuleEntry("FL102", "transitive-blocking-call", "blocking", "TransitiveBlockingCall"),
    RuleEntry("FL201", "missing-response-model", "routes", "MissingResponseModel"),
    RuleEntry("FL202", "route-shadowing", "routes", "RouteShadowing"),
    RuleEntry("FL203", "path-parameter-mismatch", "routes", "PathParameterMismatch"),
    RuleEntry("FL301", "on-event-deprecated", "lifecycle", "OnEventDeprecated"),
    RuleEntry("FL302", "context-manager-dependency", "dependencies", "ContextManagerDependency"),
    RuleEntry(
        "FL303",
        "dependency-cleanup-not-in-finally",
        "dependencies",
        "DependencyCleanupNotInFinally",
    ),
    RuleEntry("FL304", "mutable-default", "defaults", "MutableDefault"),
    RuleEntry("FL401", "reload-in-production", "deployment", "ReloadInProduction"),
    RuleEntry("FL402", "cors-wildcard-with-credentials", "security", "CorsWildcardWithCredentials"),
    RuleEntry("FL403", "hardcoded-secret", "security", "HardcodedSecret"),
    RuleEntry("FL404", "debug-enabled", "security", "DebugEnabled"),
    RuleEntry("FL501", "validation-error-handler", "migrations", "ValidationErrorHandler"),
    RuleEntry("FL502", "pydantic-v1-api", "migrations", "PydanticV1Api"),
    RuleEntry("FL503", "asyncclient-app-argument", "migrations", "AsyncClientAppArgument"),
)

FAMILIES = tuple(sorted({entry.module for entry in CATALOG}))


def load_rule(entry: RuleEntry) -> type[Rule]:
    module = importlib.import_module(f"fastlint.rules.{entry.module}")
    rule: type[Rule] = getattr(module, entry.class_name)
    return rule


def load_rules(codes: tuple[str, ...]) -> tuple[type[Rule], ...]:
    by_code = {entry.code: entry for entry in CATALOG}
    return tuple(load_rule(by_code[code]) for code in codes)


def all_rules() -> tuple[type[Rule], ...]:
    return tuple(load_rule(entry) for entry in CATALOG)


def find_entry(code_or_name: str) -> Optional[RuleEntry]:
    wanted = code_or_name.strip()
    for entry in CATALOG:
        if entry.code == wanted.upper() or entry.name == wanted.lower():
            return entry
    return None


def find_rule(code_or_name: str) -> Optional[type[Rule]]:
    entry = find_entry(code_or_name)
    return load_rule(entry) if entry is not None else None
