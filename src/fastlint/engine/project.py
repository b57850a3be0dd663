"""The project view: facts about every module of a run, so rules can look across files.

Facts are extracted with Python's `ast` (seven times faster to parse than LibCST) and are plain,
picklable data, so they can be cached per file and shipped to worker processes. Rules run on the
CST of one file and ask the index about names imported from the rest of the project.
"""

from __future__ import annotations

import ast
import os
from dataclasses import dataclass, field
from typing import Optional, Union

from fastlint.engine.names import resolve_relative

MAX_ALIAS_HOPS = 16


@dataclass
class CallFact:
    """A module-level `name = callee(...)`: enough to know what kind of object `name` is."""

    callee: str  # qualified as written through this module's imports
    keywords: dict[str, object] = field(default_factory=dict)  # literal keyword arguments
    line: int = 0


@dataclass
class ModuleFacts:
    name: str
    path: str
    is_package: bool
    imports: dict[str, str] = field(default_factory=dict)  # local name -> qualified name
    assignments: dict[str, CallFact] = field(default_factory=dict)
    classes: dict[str, list[str]] = field(default_factory=dict)  # qualname -> base names
    functions: dict[str, bool] = field(default_factory=dict)  # qualname -> is async
    annotations: dict[str, str] = field(default_factory=dict)  # `app: FastAPI = ...`
    # `ast` could not parse it: LibCST must, to report FL000 or check newer syntax.
    ast_failed: bool = False
    # `ast` gave up on its nesting: LibCST would take minutes or crash on it, so it is FL000.
    too_complex: bool = False


def module_name_for(path: str) -> tuple[str, bool]:
    """The dotted module name of a file, following `__init__.py` up the tree."""
    path = os.path.abspath(path)
    directory, filename = os.path.split(path)
    stem = filename[:-3] if filename.endswith(".py") else filename
    is_package = stem == "__init__"
    parts = [] if is_package else [stem]
    while os.path.isfile(os.path.join(directory, "__init__.py")):
        directory, package = os.path.split(directory)
        parts.insert(0, package)
        if not package:
            break
    return ".".join(p for p in parts if p), is_package


def _literal(node: ast.expr) -> object:
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return None


def _dotted(node: ast.expr) -> Optional[str]:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


class _FactCollector:
    def __init__(self, facts: ModuleFacts) -> None:
        self.facts = facts
        self.package = facts.name if facts.is_package else facts.name.rpartition(".")[0]

    def qualify(self, dotted: Optional[str]) -> Optional[str]:
        """Resolve a dotted name through this module's imports and top-level definitions."""
        if dotted is None:
            return None
        root, _, rest = dotted.partition(".")
        if root in self.facts.imports:
            base = self.facts.imports[root]
        elif root in self.facts.classes or root in self.facts.functions:
            base = f"{self.facts.name}.{root}" if self.facts.name else root
        else:
            base = root
        return f"{base}.{rest}" if rest else base

    def collect(self, tree: ast.Module) -> None:
        # Imports and definitions first, so assignments and bases can be qualified.
        self._statements(tree.body, definitions=True)
        self._statements(tree.body, definitions=False)

    def _statements(self, body: list[ast.stmt], *, definitions: bool) -> None:
        for stmt in body:
            if isinstance(stmt, (ast.If, ast.Try, ast.With)) or stmt.__class__.__name__ in (
                "TryStar",
                "AsyncWith",
            ):
                for block in ("body", "orelse", "finalbody"):
                    self._statements(getattr(stmt, block, []) or [], definitions=definitions)
                for handler in getattr(stmt, "handlers", []) or []:
                    self._statements(handler.body, definitions=definitions)
                continue
            if definitions:
                self._definition(stmt)
            else:
                self._assignment(stmt)

    def _definition(self, stmt: ast.stmt) -> None:
        facts = self.facts
        if isinstance(stmt, ast.Import):
            for alias in stmt.names:
                if alias.asname:
                    facts.imports.setdefault(alias.asname, alias.name)
                else:
                    root = alias.name.split(".")[0]
                    facts.imports.setdefault(root, root)
        elif isinstance(stmt, ast.ImportFrom):
            module = stmt.module
            base = resolve_relative(self.package, stmt.level, module) if stmt.level else module
            for alias in stmt.names:
                if alias.name == "*":
                    continue
                local = alias.asname or alias.name
                facts.imports.setdefault(local, f"{base}.{alias.name}" if base else alias.name)
        elif isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            facts.functions[stmt.name] = isinstance(stmt, ast.AsyncFunctionDef)
        elif isinstance(stmt, ast.ClassDef):
            self._class(stmt, stmt.name)

    def _class(self, node: ast.ClassDef, qualname: str) -> None:
        self.facts.classes[qualname] = [name for name in (_dotted(b) for b in node.bases) if name]
        for item in node.body:
            if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                self.facts.functions[f"{qualname}.{item.name}"] = isinstance(
                    item, ast.AsyncFunctionDef
                )
            elif isinstance(item, ast.ClassDef):
                self._class(item, f"{qualname}.{item.name}")

    def _assignment(self, stmt: ast.stmt) -> None:
        facts = self.facts
        if isinstance(stmt, ast.ClassDef):
            facts.classes[stmt.name] = [
                q for q in (self.qualify(_dotted(b)) for b in stmt.bases) if q is not None
            ]
            return
        target: Optional[str] = None
        value: Optional[ast.expr] = None
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
            if isinstance(stmt.targets[0], ast.Name):
                target, value = stmt.targets[0].id, stmt.value
        elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
            target, value = stmt.target.id, stmt.value
            annotation = self.qualify(_dotted(stmt.annotation))
            if annotation:
                facts.annotations[target] = annotation
        if target is None or not isinstance(value, ast.Call):
            return
        callee = self.qualify(_dotted(value.func))
        if callee is None:
            return
        keywords = {kw.arg: _literal(kw.value) for kw in value.keywords if kw.arg is not None}
        facts.assignments[target] = CallFact(callee, keywords, stmt.lineno)


def extract_facts(path: str, source: Union[str, bytes]) -> ModuleFacts:
    """Facts of one module; an unparsable module gives facts with its name only."""
    name, is_package = module_name_for(path)
    facts = ModuleFacts(name=name, path=path, is_package=is_package)
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        facts.ast_failed = True
        facts.too_complex = "too many nested" in str(exc.msg)
        return facts
    except (MemoryError, RecursionError):
        facts.ast_failed = facts.too_complex = True
        return facts
    except ValueError:
        facts.ast_failed = True
        return facts
    _FactCollector(facts).collect(tree)
    return facts


class ProjectIndex:
    """All modules of a run, and the questions rules ask across them."""

    def __init__(self, modules: Optional[list[ModuleFacts]] = None) -> None:
        self.modules: dict[str, ModuleFacts] = {}
        self._by_suffix: dict[str, list[str]] = {}
        self.ast_failed: set[str] = set()  # absolute paths
        self.too_complex: set[str] = set()  # absolute paths
        for facts in modules or []:
            self.add(facts)

    def add(self, facts: ModuleFacts) -> None:
        if facts.ast_failed:
            self.ast_failed.add(os.path.abspath(facts.path))
        if facts.too_complex:
            self.too_complex.add(os.path.abspath(facts.path))
        self.modules[facts.name] = facts
        parts = facts.name.split(".")
        for i in range(len(parts)):
            self._by_suffix.setdefault(".".join(parts[i:]), []).append(facts.name)

    def find_module(self, name: str) -> Optional[ModuleFacts]:
        """A project module by import name; tolerates roots that are not packages (src/, app/)."""
        found = self.modules.get(name)
        if found is not None:
            return found
        candidates = self._by_suffix.get(name, [])
        if len(candidates) == 1:
            return self.modules[candidates[0]]
        return None

    def _split(self, qualified: str) -> Optional[tuple[ModuleFacts, str]]:
        """Split `pkg.mod.attr.rest` into the longest project module and the rest."""
        parts = qualified.split(".")
        for i in range(len(parts) - 1, 0, -1):
            module = self.find_module(".".join(parts[:i]))
            if module is not None:
                return module, ".".join(parts[i:])
        return None

    def resolve(self, qualified: str) -> str:
        """Follow re-exports through project modules to where a name is defined."""
        for _ in range(MAX_ALIAS_HOPS):
            split = self._split(qualified)
            if split is None:
                return qualified
            module, rest = split
            head, _, tail = rest.partition(".")
            target = module.imports.get(head)
            if target is None:
                return f"{module.name}.{rest}"
            qualified = f"{target}.{tail}" if tail else target
        return qualified

    def object_class(self, qualified: str) -> Optional[str]:
        """For a module-level object of the project, the qualified class it was created from."""
        split = self._split(self.resolve(qualified))
        if split is None:
            return None
        module, rest = split
        if rest in module.annotations:
            return self.resolve(module.annotations[rest])
        assignment = module.assignments.get(rest)
        if assignment is None:
            return None
        return self.resolve(assignment.callee)

    def class_bases(self, qualified: str) -> Optional[list[str]]:
        split = self._split(self.resolve(qualified))
        if split is None:
            return None
        module, rest = split
        bases = module.classes.get(rest)
        return [self.resolve(b) for b in bases] if bases is not None else None

    def is_subclass(self, qualified: str, ancestors: frozenset[str]) -> bool:
        """Whether a class is, or derives from, one of `ancestors` (through project classes)."""
        seen: set[str] = set()
        pending = [self.resolve(qualified)]
        while pending:
            current = pending.pop()
            if current in ancestors:
                return True
            if current in seen:
                continue
            seen.add(current)
            pending.extend(self.class_bases(current) or [])
        return False
