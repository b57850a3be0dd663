"""Configuration: `[tool.fastlint]` in the nearest pyproject.toml, or a fastlint.toml.

Unknown keys and bad values are errors that name the key and the file, never silently ignored.
"""

from __future__ import annotations

import fnmatch
import os
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Optional

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python < 3.11 only
    import tomli as tomllib

from fastlint.engine.rule import Rule


class ConfigError(Exception):
    """A configuration or usage problem; the CLI prints it and exits with status 2."""


@dataclass
class Settings:
    select: Optional[list[str]] = None  # None: every rule
    ignore: list[str] = field(default_factory=list)
    extend_select: list[str] = field(default_factory=list)
    per_file_ignores: dict[str, list[str]] = field(default_factory=dict)
    exclude: list[str] = field(default_factory=list)
    extend_exclude: list[str] = field(default_factory=list)
    respect_gitignore: bool = True
    extend_blocking_calls: list[str] = field(default_factory=list)
    production_files: list[str] = field(default_factory=list)
    baseline: Optional[str] = None
    config_path: Optional[str] = None
    project_root: str = "."

    @property
    def rule_options(self) -> dict[str, Any]:
        """What rules may read of the configuration."""
        return {
            "extend-blocking-calls": tuple(self.extend_blocking_calls),
            "production-files": tuple(self.production_files),
        }


def _string_list(key: str, value: object, path: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{path}: `{key}` must be a list of strings, got {value!r}")
    return list(value)


def _per_file_ignores(key: str, value: object, path: str) -> dict[str, list[str]]:
    if not isinstance(value, dict):
        raise ConfigError(f"{path}: `{key}` must be a table of glob = [codes], got {value!r}")
    return {glob: _string_list(f"{key}.{glob}", codes, path) for glob, codes in value.items()}


def _boolean(key: str, value: object, path: str) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"{path}: `{key}` must be true or false, got {value!r}")
    return value


def _string(key: str, value: object, path: str) -> str:
    if not isinstance(value, str):
        raise ConfigError(f"{path}: `{key}` must be a string, got {value!r}")
    return value


_KEYS = {
    "select": _string_list,
    "ignore": _string_list,
    "extend-select": _string_list,
    "per-file-ignores": _per_file_ignores,
    "exclude": _string_list,
    "extend-exclude": _string_list,
    "respect-gitignore": _boolean,
    "extend-blocking-calls": _string_list,
    "production-files": _string_list,
    "baseline": _string,
}


def find_config(start: str) -> Optional[tuple[str, bool]]:
    """The nearest fastlint.toml, or pyproject.toml with a [tool.fastlint] table.

    Returns (path, is_pyproject).
    """
    current = os.path.abspath(start)
    while True:
        candidate = os.path.join(current, "fastlint.toml")
        if os.path.isfile(candidate):
            return candidate, False
        candidate = os.path.join(current, "pyproject.toml")
        if os.path.isfile(candidate) and _has_tool_table(candidate):
            return candidate, True
        parent = os.path.dirname(current)
        if parent == current:
            return None
        current = parent


def _has_tool_table(path: str) -> bool:
    try:
        with open(path, "rb") as handle:
            text = handle.read()
    except OSError:
        return False
    return b"tool.fastlint" in text


def _read_toml(path: str) -> dict[str, Any]:
    try:
        with open(path, "rb") as handle:
            data: dict[str, Any] = tomllib.load(handle)
            return data
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None


def load_settings(config_file: Optional[str], start: str) -> Settings:
    """Settings from `config_file` or from the nearest configuration above `start`."""
    if config_file is not None:
        if not os.path.isfile(config_file):
            raise ConfigError(f"{config_file}: configuration file not found")
        is_pyproject = os.path.basename(config_file) == "pyproject.toml"
        found: Optional[tuple[str, bool]] = (config_file, is_pyproject)
    else:
        found = find_config(start)
    if found is None:
        return Settings(project_root=os.path.abspath(start))
    path, is_pyproject = found
    data = _read_toml(path)
    if is_pyproject:
        table = data.get("tool", {}).get("fastlint", {})
        label = f"{path} [tool.fastlint]"
    else:
        table = data.get("tool", {}).get("fastlint", data) if "tool" in data else data
        label = path
    if not isinstance(table, dict):
        raise ConfigError(f"{label}: must be a table")
    settings = Settings(config_path=path, project_root=os.path.dirname(os.path.abspath(path)))
    for key, value in table.items():
        parser = _KEYS.get(key)
        if parser is None:
            known = ", ".join(sorted(_KEYS))
            raise ConfigError(f"{label}: unknown key `{key}` (known keys: {known})")
        setattr(settings, key.replace("-", "_"), parser(key, value, label))
    return settings


# --- rule selection ----------------------------------------------------------------------


def selector_matches(rule: type[Rule], selector: str) -> bool:
    """`ALL`, a code (`FL101`), a prefix (`FL1`) or a rule name (`blocking-call-in-async`)."""
    selector = selector.strip()
    if selector.upper() == "ALL":
        return True
    if selector == rule.name:
        return True
    return rule.code.startswith(selector.upper()) and selector[:1].isalpha()


def check_selectors(rules: Sequence[type[Rule]], selectors: Iterable[str], where: str) -> None:
    for selector in selectors:
        if selector.upper() == "FL000" or selector.upper() == "FL0":
            continue
        if not any(selector_matches(rule, selector) for rule in rules):
            raise ConfigError(f"{where}: unknown rule selector `{selector}`")


def select_rules(
    rules: Sequence[type[Rule]],
    select: Optional[Sequence[str]],
    extend_select: Sequence[str],
    ignore: Sequence[str],
) -> list[type[Rule]]:
    chosen_selectors = list(select) if select is not None else ["ALL"]
    chosen_selectors += list(extend_select)
    return [
        rule
        for rule in rules
        if any(selector_matches(rule, s) for s in chosen_selectors)
        and not any(selector_matches(rule, s) for s in ignore)
    ]


def ignored_for_path(settings: Settings, relative_path: str) -> list[str]:
    """Selectors that `per-file-ignores` turns off for one file (path from the project root)."""
    name = relative_path.rsplit("/", 1)[-1]
    found: list[str] = []
    for pattern, codes in settings.per_file_ignores.items():
        if (
            fnmatch.fnmatch(relative_path, pattern)
            or fnmatch.fnmatch(name, pattern)
            or fnmatch.fnmatch(relative_path, pattern.rstrip("/") + "/*")
        ):
            found.extend(codes)
    return found
