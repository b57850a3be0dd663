"""Name resolution from a file's own import statements, with local shadowing.

`QualifiedNameProvider` costs ten times the parse. Python's scoping rules are simple enough for
what rules need: a name bound anywhere in a function is local to all of it, class bodies are not
visible to nested functions, and `global` sends a name back to the module.
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass, field
from typing import Optional, Union

import libcst as cst

from fastlint.engine.imports import module_package, resolve_relative
from fastlint.engine.walk import is_expression_type, iter_children

BUILTIN_NAMES = frozenset(dir(builtins))

ScopeNode = Union[cst.Module, cst.FunctionDef, cst.ClassDef, cst.Lambda]


@dataclass(frozen=True)
class Binding:
    kind: str  # "import", "def", "class", "local", "global", "nonlocal"
    qualified: Optional[str] = None  # for imports, defs and classes
    # For a local bound once: the assigned value, or the annotation of a parameter or variable.
    value: Optional[cst.BaseExpression] = None
    annotation: Optional[cst.BaseExpression] = None


@dataclass
class Scope:
    node: ScopeNode
    qualname: str  # "" for the module, "f", "C", "C.f", "f.<locals>.g"
    parent: Optional[Scope]
    _bindings: Optional[dict[str, list[Binding]]] = field(default=None, repr=False)

    @property
    def is_class(self) -> bool:
        return isinstance(self.node, cst.ClassDef)

    @property
    def is_function(self) -> bool:
        return isinstance(self.node, (cst.FunctionDef, cst.Lambda))


def dotted_name(node: cst.BaseExpression) -> Optional[str]:
    """`a.b.c` for a Name/Attribute chain, None for anything else."""
    parts: list[str] = []
    while isinstance(node, cst.Attribute):
        parts.append(node.attr.value)
        node = node.value
    if isinstance(node, cst.Name):
        parts.append(node.value)
        return ".".join(reversed(parts))
    return None


def _import_alias_name(node: Union[cst.Attribute, cst.Name]) -> str:
    return dotted_name(node) or ""


class _BindingCollector:
    """Collects the names a scope binds, without entering nested scopes' bodies."""

    def __init__(
        self, scope: Scope, module_name: str, package: str, enter_expressions: bool = True
    ) -> None:
        self.scope = scope
        self.module_name = module_name
        self.package = package
        # Inside expressions only `:=` binds: without one in the file, they are skipped.
        self.enter_expressions = enter_expressions
        self.bindings: dict[str, list[Binding]] = {}

    def add(self, name: str, binding: Binding) -> None:
        self.bindings.setdefault(name, []).append(binding)

    def qualify(self, name: str) -> str:
        prefix = self.scope.qualname
        if self.scope.is_function:
            prefix = f"{prefix}.<locals>"
        local = f"{prefix}.{name}" if prefix else name
        return f"{self.module_name}.{local}" if self.module_name else local

    def collect(self) -> dict[str, list[Binding]]:
        node = self.scope.node
        if isinstance(node, (cst.FunctionDef, cst.Lambda)):
            self._params(node.params)
            body: cst.CSTNode = node.body
        else:
            body = node.body if isinstance(node, cst.ClassDef) else node
        self._visit(body)
        return self.bindings

    def _params(self, params: cst.Parameters) -> None:
        for param in (*params.posonly_params, *params.params, *params.kwonly_params):
            annotation = param.annotation.annotation if param.annotation is not None else None
            self.add(param.name.value, Binding("local", annotation=annotation))
        for star in (params.star_arg, params.star_kwarg):
            if isinstance(star, cst.Param):
                self.add(star.name.value, Binding("local"))

    def _target(self, target: cst.BaseExpression) -> None:
        if isinstance(target, cst.Name):
            self.add(target.value, Binding("local"))
        elif isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                self._target(element.value)
        elif isinstance(target, cst.StarredElement):
            self._target(target.value)

    def _visit(self, root: cst.CSTNode) -> None:
        # `type(node) is` rather than `isinstance`: LibCST's node classes have an ABC
        # metaclass, which makes every `isinstance` about ten times slower, and the concrete
        # node classes have no subclasses.
        stack: list[cst.CSTNode] = [root]
        enter_expressions = self.enter_expressions
        while stack:
            node = stack.pop()
            kind = type(node)
            if not enter_expressions and is_expression_type(kind):
                continue
            if kind is cst.FunctionDef or kind is cst.ClassDef:
                defined = "def" if kind is cst.FunctionDef else "class"
                name = node.name.value  # type: ignore[attr-defined]
                self.add(name, Binding(defined, self.qualify(name)))
                # Decorators and defaults run in this scope; the body does not.
                stack.extend(node.decorators)  # type: ignore[attr-defined]
                continue
            if kind in _OWN_SCOPES:
                continue
            if kind is cst.Import:
                assert isinstance(node, cst.Import)
                for alias in node.names:
                    full = _import_alias_name(alias.name)
                    if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                        self.add(alias.asname.name.value, Binding("import", full))
                    else:
                        root_name = full.split(".")[0]
                        self.add(root_name, Binding("import", root_name))
                continue
            if kind is cst.ImportFrom:
                assert isinstance(node, cst.ImportFrom)
                level = len(node.relative)
                module = _import_alias_name(node.module) if node.module is not None else None
                base = resolve_relative(self.package, level, module) if level else module or ""
                if isinstance(node.names, cst.ImportStar):
                    continue
                for alias in node.names:
                    name = _import_alias_name(alias.name)
                    local = name
                    if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                        local = alias.asname.name.value
                    self.add(local, Binding("import", f"{base}.{name}" if base else name))
                continue
            if kind is cst.Assign:
                assert isinstance(node, cst.Assign)
                if len(node.targets) == 1 and isinstance(node.targets[0].target, cst.Name):
                    name = node.targets[0].target.value
                    self.add(name, Binding("local", value=node.value))
                else:
                    for target in node.targets:
                        self._target(target.target)
            elif kind is cst.AnnAssign:
                assert isinstance(node, cst.AnnAssign)
                if isinstance(node.target, cst.Name):
                    annotation = node.annotation.annotation
                    binding = Binding("local", value=node.value, annotation=annotation)
                    self.add(node.target.value, binding)
                else:
                    self._target(node.target)
            elif kind is cst.AugAssign or kind is cst.For:
                self._target(node.target)  # type: ignore[attr-defined]
            elif kind is cst.WithItem:
                assert isinstance(node, cst.WithItem)
                if node.asname is not None:
                    self._target(node.asname.name)
            elif kind is cst.ExceptHandler:
                assert isinstance(node, cst.ExceptHandler)
                if node.name is not None:
                    self._target(node.name.name)
            elif kind is cst.NamedExpr:
                self._target(node.target)  # type: ignore[attr-defined]
            elif kind is cst.Global or kind is cst.Nonlocal:
                declared = "global" if kind is cst.Global else "nonlocal"
                for item in node.names:  # type: ignore[attr-defined]
                    self.add(item.name.value, Binding(declared))
                continue
            stack.extend(reversed(list(iter_children(node))))  # keep source order


# Nodes whose names are bound in a scope of their own.
_OWN_SCOPES = frozenset({cst.Lambda, cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp})


class NameResolver:
    """Resolves names at a point of the walk to qualified names, scope by scope."""

    def __init__(self, module_name: str, is_package: bool, has_walrus: bool = True) -> None:
        """`has_walrus`: the text may hold `:=` (False only when it certainly does not)."""
        self.module_name = module_name
        self.package = module_package(module_name, is_package)
        self.has_walrus = has_walrus

    def bindings(self, scope: Scope) -> dict[str, list[Binding]]:
        if scope._bindings is None:
            collector = _BindingCollector(scope, self.module_name, self.package, self.has_walrus)
            scope._bindings = collector.collect()
        return scope._bindings

    def lookup(self, name: str, scope: Scope) -> Optional[Binding]:
        found = self.lookup_with_scope(name, scope)
        return found[0] if found is not None else None

    def lookup_with_scope(self, name: str, scope: Scope) -> Optional[tuple[Binding, Scope]]:
        """The binding `name` refers to in `scope` and the scope that binds it.

        None when it is a builtin or unknown.

        A name bound more than once in one scope resolves only when every binding agrees
        (all imports of the same thing): `requests = []` next to `import requests` shadows it.
        """
        current: Optional[Scope] = scope
        first = True
        while current is not None:
            if current.is_class and not first:
                current = current.parent
                continue
            found = self.bindings(current).get(name)
            if found:
                kinds = {b.kind for b in found}
                if "global" in kinds:
                    current = self._module_scope(current)
                    first = False
                    continue
                if "nonlocal" in kinds:
                    current = current.parent
                    first = False
                    continue
                if len(found) == 1:
                    return found[0], current
                qualified = {b.qualified for b in found}
                if len(qualified) == 1 and None not in qualified:
                    return found[0], current
                if kinds == {"import"}:
                    return found[0], current  # `try: import ujson as json / except: import json`
                return Binding("local"), current
            current = current.parent
            first = False
        return None

    @staticmethod
    def _module_scope(scope: Scope) -> Scope:
        while scope.parent is not None:
            scope = scope.parent
        return scope

    def qualified_name(self, expr: cst.BaseExpression, scope: Scope) -> Optional[str]:
        """`requests.get` → "requests.get", `snooze` → "time.sleep", `open` → "builtins.open".

        None for locals, attributes of calls, and anything that is not a dotted name.
        """
        dotted = dotted_name(expr)
        if dotted is None:
            return None
        root, _, rest = dotted.partition(".")
        binding = self.lookup(root, scope)
        if binding is None:
            if root in BUILTIN_NAMES:
                base = f"builtins.{root}"
            else:
                return None
        elif binding.qualified is None:
            return None
        else:
            base = binding.qualified
        return f"{base}.{rest}" if rest else base
