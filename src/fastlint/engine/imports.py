"""Import arithmetic shared by the `ast` facts and the CST name resolver (no LibCST here)."""

from __future__ import annotations

import ast
from typing import Optional


def module_package(module_name: str, is_package: bool) -> str:
    """The package that relative imports in this module are relative to."""
    if is_package:
        return module_name
    return module_name.rpartition(".")[0]


def resolve_relative(package: str, level: int, module: Optional[str]) -> str:
    """The absolute name of `from {'.' * level}{module} import ...` inside `package`."""
    parts = package.split(".") if package else []
    if level > 1:
        parts = parts[: len(parts) - (level - 1)] if level - 1 <= len(parts) else []
    base = ".".join(parts)
    if module:
        return f"{base}.{module}" if base else module
    return base


def ast_dotted(node: ast.expr) -> Optional[str]:
    """`a.b.c` for an `ast` Name/Attribute chain, None for anything else."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None
