"""What a rule sees of the file being checked: the tree, where the walk is, names, the project."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Optional, Union

import libcst as cst

from fastlint.engine.fastapi import APP_CLASSES, APP_OR_ROUTER_CLASSES, ROUTER_CLASSES
from fastlint.engine.findings import Severity
from fastlint.engine.names import Binding, NameResolver, Scope, dotted_name
from fastlint.engine.project import TYPE_QUALIFIERS, ModuleFacts, ProjectIndex
from fastlint.engine.source import SourceFile

if TYPE_CHECKING:
    from fastlint.engine.rule import PendingFix, Rule

FunctionNode = Union[cst.FunctionDef, cst.Lambda]


@dataclass
class PendingFinding:
    # The rule's class: an instance holds the context, which holds this finding, and that
    # cycle would keep the file's whole tree alive until Python's cycle collector finds it.
    rule: type[Rule]
    node: Optional[cst.CSTNode]
    end_node: Optional[cst.CSTNode]
    message: str
    fix: Optional[PendingFix]
    scope_qualname: str
    # For text findings (non-Python files): offsets into the text.
    start: int = 0
    end: int = 0
    severity: Optional[Severity] = None  # None: the rule's own


class FileContext:
    def __init__(
        self,
        source: SourceFile,
        module: Optional[cst.Module],
        project: ProjectIndex,
        options: dict[str, Any],
        module_name: str,
        is_package: bool,
        file_kind: str = "python",
        facts: Optional[ModuleFacts] = None,
    ) -> None:
        self.source = source
        self.module = module
        self.project = project
        # The file's own `ast` facts when they were taken from this very text; None when they
        # describe another (a fix round changed it) or Python's parser rejected it.
        self.facts = facts
        self.options = options
        self.module_name = module_name
        self.file_kind = file_kind
        self.names = NameResolver(module_name, is_package, has_walrus=":=" in source.text)
        self.ancestors: list[cst.CSTNode] = []  # from the module down to the current node
        self.scope: Optional[Scope] = Scope(module, "", None) if module is not None else None
        self.pending: list[PendingFinding] = []

    # --- where the walk is ---------------------------------------------------------------

    @property
    def parent(self) -> Optional[cst.CSTNode]:
        return self.ancestors[-2] if len(self.ancestors) >= 2 else None

    @property
    def current_function(self) -> Optional[FunctionNode]:
        """The function (or lambda) whose body the walk is in; None at module or class level."""
        scope = self.scope
        while scope is not None:
            if isinstance(scope.node, (cst.FunctionDef, cst.Lambda)):
                return scope.node
            if isinstance(scope.node, cst.ClassDef):
                return None
            scope = scope.parent
        return None

    @property
    def current_class(self) -> Optional[cst.ClassDef]:
        scope = self.scope
        return scope.node if scope is not None and isinstance(scope.node, cst.ClassDef) else None

    def in_coroutine(self) -> bool:
        """True when the code runs directly in an `async def` (not in a nested def or lambda)."""
        function = self.current_function
        return isinstance(function, cst.FunctionDef) and function.asynchronous is not None

    def enter_scope(self, node: Union[cst.FunctionDef, cst.ClassDef, cst.Lambda]) -> None:
        assert self.scope is not None
        name = "<lambda>" if isinstance(node, cst.Lambda) else node.name.value
        prefix = self.scope.qualname
        if self.scope.is_function:
            prefix = f"{prefix}.<locals>"
        qualname = f"{prefix}.{name}" if prefix else name
        self.scope = Scope(node, qualname, self.scope)

    def leave_scope(self) -> None:
        assert self.scope is not None and self.scope.parent is not None
        self.scope = self.scope.parent

    # --- names ---------------------------------------------------------------------------

    def qualified_name(self, expr: cst.BaseExpression) -> Optional[str]:
        """The qualified name an expression refers to, through imports and aliases.

        `snooze` after `from time import sleep as snooze` is "time.sleep"; a name bound locally
        (`requests = []`) resolves to None. Names from project modules are followed to where they
        are defined.
        """
        if self.scope is None:
            return None
        qualified = self.names.qualified_name(expr, self.scope)
        if qualified is None or qualified.startswith("builtins."):
            return qualified
        return self.project.resolve(qualified)

    def lookup(self, name: str) -> Optional[tuple[Binding, Scope]]:
        if self.scope is None:
            return None
        return self.names.lookup_with_scope(name, self.scope)

    def instance_class(self, expr: cst.BaseExpression) -> Optional[str]:
        """The qualified class of the object a name refers to, when the code says it.

        `app = FastAPI()`, `app: FastAPI` (parameter or variable), or an object created at
        module level in another project module and imported here.
        """
        if self.scope is None:
            return None
        if isinstance(expr, cst.Call):
            callee = self.qualified_name(expr.func)
            return callee
        if not isinstance(expr, cst.Name):
            dotted = dotted_name(expr)
            if dotted is None:
                return None
            qualified = self.qualified_name(expr)
            return self.project.object_class(qualified) if qualified else None
        found = self.names.lookup_with_scope(expr.value, self.scope)
        if found is None:
            return None
        binding, scope = found
        if binding.kind == "import" and binding.qualified is not None:
            return self.project.object_class(binding.qualified)
        if binding.kind != "local":
            return None
        if binding.annotation is not None:
            annotated = self.names.qualified_name(binding.annotation, scope)
            if annotated is not None and annotated not in TYPE_QUALIFIERS:
                return self.project.resolve(annotated)
        if isinstance(binding.value, cst.Call):
            callee = self.names.qualified_name(binding.value.func, scope)
            if callee is not None:
                return self.project.resolve(callee)
        return None

    def _instance_of(self, expr: cst.BaseExpression, classes: frozenset[str]) -> bool:
        cls = self.instance_class(expr)
        return cls is not None and self.project.is_subclass(cls, classes)

    def is_app(self, expr: cst.BaseExpression) -> bool:
        """A FastAPI or Starlette application object (or a subclass's)."""
        return self._instance_of(expr, APP_CLASSES)

    def is_router(self, expr: cst.BaseExpression) -> bool:
        return self._instance_of(expr, ROUTER_CLASSES)

    def is_app_or_router(self, expr: cst.BaseExpression) -> bool:
        return self._instance_of(expr, APP_OR_ROUTER_CLASSES)

    # --- text ----------------------------------------------------------------------------

    def code_for(self, node: cst.CSTNode) -> str:
        assert self.module is not None
        return self.module.code_for_node(node)

    # --- reporting (called through Rule.report) ------------------------------------------

    def add_finding(
        self,
        rule: Rule,
        node: cst.CSTNode,
        message: str,
        fix: Optional[PendingFix],
        end_node: Optional[cst.CSTNode],
        severity: Optional[Severity] = None,
    ) -> None:
        qualname = self.scope.qualname if self.scope is not None else ""
        self.pending.append(
            PendingFinding(type(rule), node, end_node, message, fix, qualname, severity=severity)
        )

    def add_text_finding(
        self,
        rule: Rule,
        start: int,
        end: int,
        message: str,
        fix: Optional[PendingFix],
        severity: Optional[Severity] = None,
    ) -> None:
        self.pending.append(
            PendingFinding(type(rule), None, None, message, fix, "", start, end, severity)
        )
