"""The rule API: a rule is one small class with its documentation and examples beside it.

A rule declares `visit_<NodeType>` / `leave_<NodeType>` methods (LibCST node class names); one walk
of each file calls every enabled rule's handlers. Rules report through `self.report` and never
print. Rules that read deployment files instead implement `check_text`.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Optional, Union

from fastlint.engine.findings import Applicability, Severity

if TYPE_CHECKING:  # LibCST is imported only when a file is parsed: cached runs never need it.
    import libcst as cst

    from fastlint.engine.context import FileContext
    from fastlint.engine.project import ModuleFacts, ProjectIndex
    from fastlint.engine.thinning import Definition


@dataclass(frozen=True)
class NodeEdit:
    """An edit expressed on the tree; the engine turns it into text positions.

    kind: "replace" (node → content), "insert_before", "insert_after", "remove_lines"
    (the node's whole lines, with the decorators, comments and blank lines it owns),
    "insert_before_lines" (at the start of the node's first line, above the comments it owns).
    """

    kind: str
    node: cst.CSTNode
    content: Union[str, cst.CSTNode] = ""


@dataclass(frozen=True)
class TextEdit:
    """An edit on the file's text, by offsets (for non-Python files and whole-line work)."""

    start: int
    end: int
    content: str


AnyEdit = Union[NodeEdit, TextEdit]


@dataclass(frozen=True)
class PendingFix:
    applicability: Applicability
    message: str
    edits: tuple[AnyEdit, ...]
    imports: tuple[tuple[str, Optional[str]], ...] = ()


_WORD = re.compile(r"\w+")
# In ASCII text `\w` is a letter, a digit or `_`: every other character separates words.
_SEPARATORS_TO_SPACES = str.maketrans(
    {chr(code): " " for code in range(128) if not (chr(code).isalnum() or chr(code) == "_")}
)


@functools.lru_cache(maxsize=8)
def words_in(text: str) -> frozenset[str]:
    """The words of a file or definition, found once for all the screens that ask."""
    if text.isascii():
        # The same words as the pattern, 1.5 times faster (most code is ASCII).
        return frozenset(text.translate(_SEPARATORS_TO_SPACES).split())
    return frozenset(_WORD.findall(text))


def replace(node: cst.CSTNode, content: Union[str, cst.CSTNode]) -> NodeEdit:
    return NodeEdit("replace", node, content)


def insert_before(node: cst.CSTNode, content: str) -> NodeEdit:
    return NodeEdit("insert_before", node, content)


def insert_after(node: cst.CSTNode, content: str) -> NodeEdit:
    return NodeEdit("insert_after", node, content)


def insert_before_lines(node: cst.CSTNode, content: str) -> NodeEdit:
    """Insert whole lines above a statement and the comments right above it."""
    return NodeEdit("insert_before_lines", node, content)


def remove_lines(node: cst.CSTNode) -> NodeEdit:
    return NodeEdit("remove_lines", node)


@dataclass(frozen=True)
class Example:
    """An invalid example, with the code `--fix` should make of it when the rule has a fix."""

    code: str
    fixed: Optional[str] = None
    # Extra files of the project the example needs, by relative path.
    files: dict[str, str] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)
    filename: str = "example.py"


class Rule:
    """Base class of all rules. Subclasses set the class attributes and define handlers."""

    code: ClassVar[str]
    name: ClassVar[str]
    severity: ClassVar[Severity] = Severity.WARNING
    summary: ClassVar[str]  # one line: what the rule finds
    # Markdown sections, as in ruff's documentation: "## What it does", "## Why is this bad?",
    # "## Example", "## Use instead", "## Fix safety", "## References".
    docs: ClassVar[str]
    fix: ClassVar[Optional[Applicability]] = None  # the best fix the rule offers, if any
    tags: ClassVar[tuple[str, ...]] = ()
    security: ClassVar[bool] = False
    # How often a finding is a true positive (SARIF `precision`): "very-high", "high", "medium",
    # "low". Code scanning lists alerts of higher precision first.
    precision: ClassVar[str] = "high"
    # Which files the rule reads: "python", "dockerfile", "procfile", "compose", "production".
    file_kinds: ClassVar[frozenset[str]] = frozenset({"python"})
    # A file is parsed for this rule only if its text contains one of these (empty: always).
    triggers: ClassVar[tuple[str, ...]] = ()
    # Options the screen (`could_fire`) cannot see but depends on: when one of them is set, the
    # engine screens the file by `triggers` alone.
    screen_options: ClassVar[tuple[str, ...]] = ()
    # Whether the rule reads the body of a function it finds in the tree by a name kept code
    # writes (`reads_named_body`).
    named_bodies: ClassVar[bool] = True
    valid: ClassVar[Sequence[Union[str, Example]]] = ()
    invalid: ClassVar[Sequence[Union[str, Example]]] = ()

    def __init__(self, context: FileContext) -> None:
        self.context = context

    @classmethod
    def could_fire(cls, text: str, facts: Optional[ModuleFacts], project: ProjectIndex) -> bool:
        """The screen: could this rule report anything in this file? Checked before LibCST parses.

        Must never answer no for a file that has a finding. The default looks for `triggers` in
        the text; rules that can say more from the file's `ast` facts (None when Python's own
        parser could not read the file) override it.
        """
        return cls.triggered(text)

    @classmethod
    def could_fire_in(cls, definition: Definition) -> bool:
        """The statement screen: could this rule report inside this top-level `def` or
        `class`, a method of a top-level class, or a top-level `name = value` statement (its
        text, the index of its top-level statement, and what it can see of the rest of the
        file)?

        Asked only in files `could_fire` let through. The other module-level statements, and
        every definition or binding kept code names, are parsed whatever the answers; one that
        no enabled rule needs is parsed as an empty stub of the same name and lines
        (engine/thinning). Must never answer no for a statement that holds a finding. The
        default keeps every one.
        """
        return True

    @classmethod
    def reads_body(cls, definition: Definition) -> bool:
        """Asked for a function this rule's `could_fire_in` keeps (`definition.header`, its
        decorators and signature, and `definition.body`): does the rule read the body?

        When no rule that keeps a function reads its body, the body is parsed as `pass` on the
        same lines. Must answer yes when a finding may be in the body, when a finding elsewhere
        depends on what the body holds, and when a fix needs the function's extent. The
        default reads every body.
        """
        return True

    @classmethod
    def reads_named_body(cls, definition: Definition) -> bool:
        """Asked for a function that no rule's `could_fire_in` keeps but that kept code names
        other than as a callee (`Depends(get_db)`, `add_api_route("/", endpoint)`, a dispatch
        table): does the rule read the body of a function it finds by name in the tree? Its
        decorators and signature are parsed either way. The default answers `named_bodies`.
        """
        return cls.named_bodies

    @classmethod
    def prepare(cls, project: ProjectIndex) -> None:
        """Compute the project-wide values (`ProjectIndex.derived`) the rule's screens or
        checks will ask for, before files are checked in several worker processes: the runner
        calls it once, in a short-lived process, and the workers inherit the values, not the
        memory spent on computing them (where processes cannot be forked, in the runner's
        process, and the workers receive them with the index). Files checked in the runner's
        own process are not prepared for: the screens and checks must ask
        `ProjectIndex.derived` with the same computation. The default computes nothing."""

    @classmethod
    def overrides(cls, method: str) -> bool:
        """Whether the rule defines its own `method` (a classmethod), not `Rule`'s default."""
        own = getattr(getattr(cls, method), "__func__", None)
        return own is not getattr(getattr(Rule, method), "__func__", None)

    @classmethod
    def triggered(cls, text: str) -> bool:
        """Whether the text contains one of `triggers` (or the rule has none)."""
        return not cls.triggers or any(trigger in text for trigger in cls.triggers)

    @property
    def options(self) -> dict[str, Any]:
        return self.context.options

    def report(
        self,
        node: cst.CSTNode,
        message: str,
        *,
        fix: Optional[PendingFix] = None,
        end_node: Optional[cst.CSTNode] = None,
        severity: Optional[Severity] = None,
    ) -> None:
        """Report a node; `severity` overrides the rule's when one finding matters less or more."""
        self.context.add_finding(self, node, message, fix, end_node, severity)

    def report_at(
        self,
        start: int,
        end: int,
        message: str,
        *,
        fix: Optional[PendingFix] = None,
        severity: Optional[Severity] = None,
    ) -> None:
        """Report a text range by offsets (non-Python files)."""
        self.context.add_text_finding(self, start, end, message, fix, severity)

    def make_fix(
        self,
        message: str,
        *edits: AnyEdit,
        applicability: Applicability = Applicability.SAFE,
        imports: Sequence[tuple[str, Optional[str]]] = (),
    ) -> PendingFix:
        return PendingFix(applicability, message, tuple(edits), tuple(imports))

    def begin_file(self) -> None:
        """Called before the walk of each file."""

    def end_file(self) -> None:
        """Called after the walk of each file."""

    def check_text(self) -> None:
        """For rules that read non-Python files: look at `self.context.source.text`."""
