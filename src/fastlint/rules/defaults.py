"""Default values: mutable defaults of parameters and of dataclass and Pydantic fields."""

from __future__ import annotations

import bisect
import re
from collections.abc import Container, Iterable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from typing import Optional

import libcst as cst

from fastlint.engine.findings import Applicability, Severity
from fastlint.engine.names import Scope, dotted_name
from fastlint.engine.project import ModuleFacts, ProjectIndex
from fastlint.engine.routing import ROUTE_DECORATORS, WEBSOCKET_DECORATOR
from fastlint.engine.rule import (
    AnyEdit,
    Example,
    PendingFix,
    Rule,
    insert_after,
    insert_before_lines,
    replace,
)
from fastlint.engine.source import word_first
from fastlint.engine.thinning import Definition
from fastlint.engine.walk import iter_children

# Calls that build a new mutable object, by qualified name, with what to call them in messages.
_MUTABLE_CALLS = {
    "builtins.list": "list",
    "builtins.dict": "dict",
    "builtins.set": "set",
    "builtins.bytearray": "bytearray",
    "collections.defaultdict": "defaultdict",
    "collections.deque": "deque",
    "collections.OrderedDict": "OrderedDict",
    "collections.Counter": "Counter",
    "collections.ChainMap": "ChainMap",
}
# `@dataclass` rejects these exact types on every Python version; other unhashable defaults
# only from Python 3.11 on.
_ALWAYS_REJECTED = frozenset({"list", "dict", "set"})

_DATACLASS_DECORATORS = frozenset({"dataclasses.dataclass", "pydantic.dataclasses.dataclass"})
_PYDANTIC_BASES = frozenset(
    {
        "pydantic.BaseModel",
        "pydantic.main.BaseModel",
        "pydantic.v1.BaseModel",
        "pydantic.BaseSettings",
        "pydantic_settings.BaseSettings",
        "sqlmodel.SQLModel",
    }
)
_FIELD_FUNCTIONS = frozenset({"pydantic.Field", "pydantic.fields.Field", "sqlmodel.Field"})
_ROUTE_METHODS = frozenset({*ROUTE_DECORATORS, WEBSOCKET_DECORATOR})
# Annotations that promise not to mutate the argument (ruff's B006 trusts them too).
_READ_ONLY_TYPES = frozenset(
    {
        "Mapping",
        "Sequence",
        "AbstractSet",
        "Collection",
        "Container",
        "Iterable",
        "Reversible",
        "FrozenSet",
        "Tuple",
    }
)
_FASTAPI_PARAMS = frozenset(
    {"Depends", "Security", "Query", "Path", "Body", "Header", "Cookie", "Form", "File"}
)
# `Depends(name)` / `Security(name)` anywhere in the file: `name` is a dependency.
_DEPENDENCY_RE = re.compile(
    rf"(?:{word_first('Depends')}|{word_first('Security')})\(\s*(?:dependency\s*=\s*)?([A-Za-z_]\w*)"
)
# A lambda with a default: lambdas have no annotations, so the first `=` comes before any `:`.
_LAMBDA_DEFAULT_RE = re.compile(word_first("lambda") + r"\b[^:]*=")
_PARAM_FUNCTION_RE = re.compile(
    "(?:" + "|".join(word_first(name) for name in sorted(_FASTAPI_PARAMS)) + r")\("
)


@dataclass(frozen=True)
class _Mutable:
    kind: str  # "list", "dict", "defaultdict"...
    factory: str  # what `default_factory=` gets: "list" or "lambda: [1, 2]"


class MutableDefault(Rule):
    code = "FL304"
    name = "mutable-default"
    severity = Severity.WARNING
    summary = "Mutable default of a parameter or of a dataclass or Pydantic field"
    tags = ("correctness",)
    fix = Applicability.SAFE
    triggers = (
        "=[",
        "= [",
        "={",
        "= {",
        "=(",
        "= (",
        "list(",
        "dict(",
        "set(",
        "bytearray(",
        "defaultdict",
        "deque",
        "OrderedDict",
        "Counter",
        "ChainMap",
    )
    # Defaults are in the signatures of the definitions it keeps.
    named_bodies = False

    docs = """\
## What it does
Finds mutable defaults (list, dict and set displays and comprehensions, `list()`, `dict()`,
`set()`, `defaultdict()`, `deque()`, `OrderedDict()`, `Counter()`...) of function parameters
and of dataclass and Pydantic model fields. Severity follows what the default does there:

- a plain function or method (warning): the object is created once, when the `def` runs, and
  shared by every call that omits the argument;
- a route or dependency parameter (info): FastAPI copies the default for each request, so only
  direct calls of the function share it;
- a dataclass field (error): `@dataclass` raises `ValueError` when the class is created (for
  `defaultdict`, `deque`... from Python 3.11 on; before that all instances share one object);
- a Pydantic model field (info): Pydantic copies the default for each instance.

## Why is this bad?
A default is evaluated once. A function that appends to its default list keeps what earlier calls
appended: state leaks between calls, and in a server, between requests and users. Where the
framework copies the default (FastAPI request parameters, Pydantic fields) nothing leaks, and the
finding is informational: `default_factory` says what is meant and stays correct if the code is
reused outside the framework.

## Example
```python
def add_tag(tag: str, tags: list[str] = []) -> list[str]:
    tags.append(tag)
    return tags

class Order(BaseModel):
    items: list[str] = []
```

## Use instead
```python
def add_tag(tag: str, tags: Optional[list[str]] = None) -> list[str]:
    if tags is None:
        tags = []
    tags.append(tag)
    return tags

class Order(BaseModel):
    items: list[str] = Field(default_factory=list)
```

## Fix safety
Dataclass and Pydantic fields: `field(default_factory=...)` / `Field(default_factory=...)`, a
safe fix (an empty display becomes `list`, `dict` or `set`, anything else a `lambda`). For a
Pydantic model it removes `"default"` from the field's JSON schema, and so from the OpenAPI
document. No fix for private attributes (`_name`).

Plain functions: `None` as the default, `Optional[...]` around the annotation when it does not
already allow `None`, and `if x is None: x = ...` at the top of the body (after the docstring).
Unsafe: a caller that passes `None` explicitly now gets a fresh object, and the default is now
evaluated at each call. No fix when the default spans several lines or uses names the function
binds itself, or for one-line bodies and lambdas.

Routes and dependencies get no fix: `None` would change the request schema.

## References
- [Python: Default parameter values are evaluated once](https://docs.python.org/3/reference/compound_stmts.html#function-definitions)
- [Python: dataclasses, mutable default values](https://docs.python.org/3/library/dataclasses.html#mutable-default-values)
- [Pydantic: Fields with non-hashable default values](https://docs.pydantic.dev/latest/concepts/models/#fields-with-non-hashable-default-values)
- [ruff: B006 mutable-argument-default](https://docs.astral.sh/ruff/rules/mutable-argument-default/)
"""
    valid = (
        """\
def add_tag(tag, tags=None):
    if tags is None:
        tags = []
    tags.append(tag)
    return tags
""",
        """\
from fastapi import FastAPI, Query

app = FastAPI()

@app.get("/items")
async def items(tags: list[str] = Query(default=[])):
    return tags
""",
        """\
from dataclasses import dataclass, field

@dataclass
class Cart:
    items: list = field(default_factory=list)
    sizes: tuple = ()
""",
        """\
from typing import ClassVar
from pydantic import BaseModel, ConfigDict

class Model(BaseModel):
    registry: ClassVar[dict] = {}
    model_config: ConfigDict = {"extra": "forbid"}
""",
        """\
class Plain:
    cache: dict = {}
""",
    )
    invalid = (
        Example(
            """\
def add_tag(tag: str, tags: list[str] = []) -> list[str]:
    \"\"\"Add a tag.\"\"\"
    tags.append(tag)
    return tags
""",
            fixed="""\
from typing import Optional
def add_tag(tag: str, tags: Optional[list[str]] = None) -> list[str]:
    \"\"\"Add a tag.\"\"\"
    if tags is None:
        tags = []
    tags.append(tag)
    return tags
""",
        ),
        Example(
            """\
from pydantic import BaseModel

class Order(BaseModel):
    items: list[str] = []
""",
            fixed="""\
from pydantic import BaseModel
from pydantic import Field

class Order(BaseModel):
    items: list[str] = Field(default_factory=list)
""",
        ),
        Example(
            """\
from dataclasses import dataclass

@dataclass
class Cart:
    items: dict = {}
""",
            fixed="""\
from dataclasses import dataclass
from dataclasses import field

@dataclass
class Cart:
    items: dict = field(default_factory=dict)
""",
        ),
        """\
from fastapi import FastAPI

app = FastAPI()

@app.get("/search")
async def search(tags: list[str] = []):
    return tags
""",
        """\
from collections import defaultdict

def group(rows, into=defaultdict(list)):
    for key, value in rows:
        into[key].append(value)
    return into
""",
    )

    @classmethod
    def could_fire(cls, text: str, facts: Optional[ModuleFacts], project: ProjectIndex) -> bool:
        if facts is None:
            return super().could_fire(text, facts, project)
        return _may_default_mutable(text, facts.default_builders, project)

    @classmethod
    def could_fire_in(cls, definition: Definition) -> bool:
        """A default of this definition builds something mutable (or a lambda has one)."""
        first, last = definition.lines
        by_line = definition.facts.default_builders_by_line
        builders: list[str] = []
        for position in range(bisect.bisect_left(by_line, (first,)), len(by_line)):
            line, line_builders = by_line[position]
            if line > last:
                break
            builders.extend(line_builders)
        return _may_default_mutable(definition.text, builders, definition.project)

    def begin_file(self) -> None:
        self._dependencies = frozenset(_DEPENDENCY_RE.findall(self.context.source.text))
        self._class_kinds: dict[int, str] = {}

    # --- parameters ----------------------------------------------------------------------

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        if any(self._decorator_name(d) == "typing.overload" for d in node.decorators):
            return  # the implementation's defaults are the ones that count
        injected = self._injected_by_fastapi(node)
        for param in _all_params(node.params):
            if param.default is None:
                continue
            mutable = self._mutable(param.default)
            if mutable is None:
                continue
            if param.annotation is not None and self._read_only(param.annotation.annotation):
                continue  # as ruff's B006: a read-only type says the function does not mutate it
            default = self.context.code_for(param.default)
            shown = f"`{param.name.value}={_short(default)}`"
            function = node.name.value
            if injected is not None:
                self.report(
                    param.default,
                    f"{shown} is a mutable default of {injected} `{function}`: FastAPI copies "
                    "parameter defaults for each request, so requests do not share it, but "
                    f"direct calls of `{function}()` do",
                    severity=Severity.INFO,
                )
                continue
            self.report(
                param.default,
                f"{shown} is created once, when `{function}` is defined: every call that omits "
                f"`{param.name.value}` shares (and can change) the same {mutable.kind}; default "
                f"to `None` and create the {mutable.kind} in the body",
                fix=self._guard_fix(node, param, default),
            )

    def visit_Lambda(self, node: cst.Lambda) -> None:
        for param in _all_params(node.params):
            if param.default is None or self._mutable(param.default) is None:
                continue
            default = self.context.code_for(param.default)
            self.report(
                param.default,
                f"`{param.name.value}={_short(default)}` is created once and shared by every "
                "call of this lambda that omits it; default to `None` instead",
            )

    def _injected_by_fastapi(self, node: cst.FunctionDef) -> Optional[str]:
        """ "route" or "dependency" when FastAPI calls this function with the parameters."""
        for decorator in node.decorators:
            call = decorator.decorator
            if (
                isinstance(call, cst.Call)
                and isinstance(call.func, cst.Attribute)
                and call.func.attr.value in _ROUTE_METHODS
                and self.context.is_app_or_router(call.func.value)
            ):
                return "route"
        if node.name.value in self._dependencies:
            return "dependency"
        for param in _all_params(node.params):
            # Parameters declared with `Depends()`, `Query()`... are only used by FastAPI.
            annotation = param.annotation.annotation if param.annotation is not None else None
            for part in (param.default, annotation):
                if part is not None and _PARAM_FUNCTION_RE.search(self.context.code_for(part)):
                    return "dependency"
        return None

    def _guard_fix(
        self, function: cst.FunctionDef, param: cst.Param, default: str
    ) -> Optional[PendingFix]:
        """`None` plus `if x is None: x = ...` at the top of the body, when that is sure."""
        body = function.body
        assert param.default is not None
        if not isinstance(body, cst.IndentedBlock) or "\n" in default:
            return None
        if self._uses_local_names(function, param.default):
            return None
        edits: list[AnyEdit] = [replace(param.default, "None")]
        imports: list[tuple[str, Optional[str]]] = []
        if param.annotation is not None:
            annotation = param.annotation.annotation
            if not self._allows_none(annotation):
                if not self._name_means("Optional", {"typing.Optional"}):
                    return None
                code = self.context.code_for(annotation)
                edits.append(replace(annotation, f"Optional[{code}]"))
                imports.append(("typing", "Optional"))
        module = self.context.module
        assert module is not None
        indent = self._body_indent(body)
        unit = body.indent if body.indent is not None else module.default_indent
        name = param.name.value
        guard = f"if {name} is None:\n{indent}{unit}{name} = {default}"
        statements = list(body.body)
        if _is_docstring(statements[0]):
            if len(statements) == 1:
                edits.append(insert_after(statements[0], f"\n{indent}{guard}"))
            else:
                edits.append(insert_before_lines(statements[1], f"{indent}{guard}\n"))
        else:
            edits.append(insert_before_lines(statements[0], f"{indent}{guard}\n"))
        return self.make_fix(
            f"Default `{name}` to `None` and create the object in the body",
            *edits,
            applicability=Applicability.UNSAFE,
            imports=imports,
        )

    def _body_indent(self, body: cst.IndentedBlock) -> str:
        """The absolute indentation of the statements of `body`."""
        module = self.context.module
        assert module is not None
        blocks = [node for node in self.context.ancestors if isinstance(node, cst.IndentedBlock)]
        blocks.append(body)
        return "".join(b.indent if b.indent is not None else module.default_indent for b in blocks)

    def _uses_local_names(self, function: cst.FunctionDef, expression: cst.CSTNode) -> bool:
        """Whether moving `expression` into the body would make a name mean something else."""
        scope = Scope(function, function.name.value, self.context.scope)
        return _mentions_any(expression, self.context.names.bindings(scope))

    def _read_only(self, annotation: cst.BaseExpression) -> bool:
        """`Mapping[str, int]`, `Optional[Sequence[str]]`, `frozenset`...: no mutation allowed."""
        if isinstance(annotation, cst.Subscript):
            outer = self.context.qualified_name(annotation.value)
            if outer in ("typing.Optional", "typing.Annotated", "typing_extensions.Annotated"):
                first = annotation.slice[0].slice
                if isinstance(first, cst.Index):
                    return self._read_only(first.value)
                return False
            annotation = annotation.value
        qualified = self.context.qualified_name(annotation) or ""
        module, _, name = qualified.rpartition(".")
        if module in ("typing", "typing_extensions", "collections.abc"):
            return name in _READ_ONLY_TYPES
        return qualified in ("builtins.frozenset", "builtins.tuple", "types.MappingProxyType")

    def _allows_none(self, annotation: cst.BaseExpression) -> bool:
        code = self.context.code_for(annotation).replace(" ", "")
        if code.startswith(("Optional[", "typing.Optional[", "Union[", "typing.Union[")):
            return code.startswith(("Optional", "typing.Optional")) or "None" in code
        if isinstance(annotation, cst.BinaryOperation) and isinstance(
            annotation.operator, cst.BitOr
        ):
            return "None" in code.split("|")
        return code in ("Any", "typing.Any", "object", "None")

    def _name_means(self, name: str, qualified: AbstractSet[str]) -> bool:
        """True when `name` is unbound here (so an import can add it) or already means it."""
        found = self.context.lookup(name)
        if found is None:
            return True
        binding, _ = found
        return binding.kind == "import" and binding.qualified in qualified

    # --- fields --------------------------------------------------------------------------

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        for decorator in node.decorators:
            if self._decorator_name(decorator) in _DATACLASS_DECORATORS:
                self._class_kinds[id(node)] = "dataclass"
                return
        for base in node.bases:
            qualified = self.context.qualified_name(base.value)
            if qualified is not None and self.context.project.is_subclass(
                qualified, _PYDANTIC_BASES
            ):
                self._class_kinds[id(node)] = "pydantic"
                return

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        cls = self.context.current_class
        if cls is None or node.value is None or not isinstance(node.target, cst.Name):
            return
        kind = self._class_kinds.get(id(cls))
        if kind is None:
            return
        mutable = self._mutable(node.value)
        if mutable is None:
            return
        annotation = self.context.code_for(node.annotation.annotation).replace(" ", "")
        if re.match(r"^(typing\.)?(ClassVar|InitVar|dataclasses\.InitVar)\b", annotation):
            return  # not a field
        name = node.target.value
        if kind == "pydantic" and name == "model_config":
            return
        default = _short(self.context.code_for(node.value))
        if kind == "dataclass":
            if mutable.kind in _ALWAYS_REJECTED:
                effect = "`@dataclass` raises ValueError for it when the class is created"
            else:
                effect = (
                    "`@dataclass` raises ValueError for it on Python 3.11+, and shares one "
                    f"{mutable.kind} among all instances before"
                )
            self.report(
                node.value,
                f"dataclass field `{name} = {default}`: {effect}; use "
                f"`field(default_factory={mutable.factory})`",
                fix=self._factory_fix(node.value, mutable, "field", {"dataclasses.field"}),
                severity=Severity.ERROR,
            )
            return
        if name.startswith("_"):  # a private attribute: `PrivateAttr`, not `Field`
            what, factory, fix = "private attribute", "PrivateAttr", None
        else:
            what, factory = "field", "Field"
            fix = self._factory_fix(node.value, mutable, "Field", _FIELD_FUNCTIONS)
        self.report(
            node.value,
            f"Pydantic {what} `{name} = {default}`: Pydantic copies the default for each "
            f"instance, so nothing is shared, but `{factory}(default_factory="
            f"{_short(mutable.factory)})` says what is meant",
            fix=fix,
            severity=Severity.INFO,
        )

    def _factory_fix(
        self,
        value: cst.BaseExpression,
        mutable: _Mutable,
        function: str,
        qualified: AbstractSet[str],
    ) -> Optional[PendingFix]:
        if not self._name_means(function, qualified):
            return None
        if mutable.factory.startswith("lambda") and self._uses_class_names(value):
            return None  # a lambda does not see the class body's names
        module = "dataclasses" if function == "field" else "pydantic"
        return self.make_fix(
            f"Use `{function}(default_factory={_short(mutable.factory)})`",
            replace(value, f"{function}(default_factory={mutable.factory})"),
            imports=[(module, function)],
        )

    def _uses_class_names(self, expression: cst.CSTNode) -> bool:
        scope = self.context.scope
        if scope is None or not scope.is_class:
            return False
        return _mentions_any(expression, self.context.names.bindings(scope))

    # --- shared --------------------------------------------------------------------------

    def _decorator_name(self, decorator: cst.Decorator) -> Optional[str]:
        expression = decorator.decorator
        if isinstance(expression, cst.Call):
            expression = expression.func
        return self.context.qualified_name(expression)

    def _mutable(self, value: cst.BaseExpression) -> Optional[_Mutable]:
        code = self.context.code_for(value)
        if isinstance(value, (cst.List, cst.ListComp)):
            return _Mutable("list", "list" if _is_empty(value) else f"lambda: {code}")
        if isinstance(value, (cst.Dict, cst.DictComp)):
            return _Mutable("dict", "dict" if _is_empty(value) else f"lambda: {code}")
        if isinstance(value, (cst.Set, cst.SetComp)):
            return _Mutable("set", f"lambda: {code}")
        if isinstance(value, cst.Call):
            qualified = self.context.qualified_name(value.func)
            kind = _MUTABLE_CALLS.get(qualified or "")
            if kind is None:
                return None
            if not value.args and dotted_name(value.func) == kind:
                return _Mutable(kind, kind)
            return _Mutable(kind, f"lambda: {code}")
        return None


def _may_default_mutable(text: str, builders: Iterable[str], project: ProjectIndex) -> bool:
    """Whether a default the `ast` facts saw (`builders`), or a lambda's, may be mutable."""
    if _LAMBDA_DEFAULT_RE.search(text):
        return True  # lambdas are expressions: the facts do not see them
    return any(
        builder in _MUTABLE_CALLS or project.resolve(builder) in _MUTABLE_CALLS
        for builder in builders
    )


def _all_params(params: cst.Parameters) -> list[cst.Param]:
    return [*params.posonly_params, *params.params, *params.kwonly_params]


def _is_empty(value: cst.BaseExpression) -> bool:
    return isinstance(value, (cst.List, cst.Dict)) and not value.elements


def _is_docstring(statement: cst.BaseStatement) -> bool:
    return (
        isinstance(statement, cst.SimpleStatementLine)
        and len(statement.body) == 1
        and isinstance(statement.body[0], cst.Expr)
        and isinstance(statement.body[0].value, (cst.SimpleString, cst.ConcatenatedString))
    )


def _short(code: str) -> str:
    flat = " ".join(code.split())
    return flat if len(flat) <= 40 else flat[:37] + "..."


RULES: tuple[type[Rule], ...] = (MutableDefault,)


def _mentions_any(expression: cst.CSTNode, names: Container[str]) -> bool:
    """Whether a name in `expression` is one of `names`."""
    stack = [expression]
    while stack:
        node = stack.pop()
        if isinstance(node, cst.Name) and node.value in names:
            return True
        stack.extend(iter_children(node))
    return False
