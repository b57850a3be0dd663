"""Deployment: how the app is served, in Python and in Dockerfiles, Procfiles and compose files."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Optional

import libcst as cst

from fastlint.engine.findings import Applicability, Severity
from fastlint.engine.project import ModuleFacts, ProjectIndex
from fastlint.engine.rule import Example, PendingFix, Rule, TextEdit, replace
from fastlint.engine.source import word_first
from fastlint.engine.thinning import Definition

# Names that say "this is for development": modules, functions, files, stages, services.
DEVELOPMENT_WORDS = frozenset(
    {"dev", "devel", "develop", "development", "devserver", "local", "debug", "test", "tests"}
)
# Directory names that hold development-only files.
_DEVELOPMENT_DIRECTORIES = DEVELOPMENT_WORDS | {"devcontainer", ".devcontainer"}
# Substrings of a deployment file's name that mark a development variant.
_DEVELOPMENT_FILE_PARTS = ("dev", "local", "override", "debug", "test")

_UVICORN_CALLS = frozenset(
    {"uvicorn.run", "uvicorn.main.run", "uvicorn.Config", "uvicorn.config.Config"}
)
# Servers whose `--reload` flag turns auto-reload on.
_SERVERS = frozenset({"uvicorn", "gunicorn", "hypercorn", "fastapi"})
_SEPARATORS = frozenset({"&&", "||", ";", "|", "&"})
_WORD_RE = re.compile(r"\S+")
# `reload=True` as a keyword argument, however it is spaced, commented or parenthesized.
_RELOAD_TRUE_RE = re.compile(
    word_first("reload") + r"(?:\s|\\|#[^\n]*\n)*=(?:\s|\\|#[^\n]*\n|\()*True\b"
)
_TOKEN_SPLIT_RE = re.compile(r"[^a-z0-9]+")


def _tokens(name: str) -> set[str]:
    return set(_TOKEN_SPLIT_RE.split(name.lower()))


def is_development_name(name: str) -> bool:
    """`run_dev`, `local_server`, `app.debug`: a name made of a development word."""
    return bool(_tokens(name) & DEVELOPMENT_WORDS)


def is_development_file(display_path: str) -> bool:
    """`docker-compose.override.yml`, `Dockerfile.dev`, `.devcontainer/Dockerfile`..."""
    parts = display_path.split("/")
    name = parts[-1].lower()
    if any(part in name for part in _DEVELOPMENT_FILE_PARTS):
        return True
    return any(part.lower() in _DEVELOPMENT_DIRECTORIES for part in parts[:-1])


@dataclass(frozen=True)
class _Reload:
    start: int  # offsets of the flag in the file's text
    end: int
    kind: str  # "--reload" or "fastapi dev"
    server: str
    removal: Optional[TextEdit]  # how to remove the flag, when that is clear


class ReloadInProduction(Rule):
    code = "FL401"
    name = "reload-in-production"
    severity = Severity.WARNING
    summary = "Auto-reload (`--reload`, `reload=True`, `fastapi dev`) where the app runs for real"
    tags = ("deployment", "performance")
    fix = Applicability.SAFE
    file_kinds = frozenset({"python", "dockerfile", "procfile", "compose", "production"})
    triggers = ("reload", "fastapi")
    # Reports calls where they are written.
    named_bodies = False

    docs = """\
## What it does
Finds auto-reload turned on where the application is deployed:
- `--reload` given to uvicorn, gunicorn, hypercorn or `fastapi run`, and `fastapi dev`, in a
  Dockerfile `CMD`/`ENTRYPOINT` (exec and shell form, line continuations included), a Procfile,
  a compose file's `command:`/`entrypoint:` (string or list), or a file matched by the
  `production-files` setting;
- a literal `reload=True` passed to `uvicorn.run(...)` or `uvicorn.Config(...)` outside
  `if __name__ == "__main__":` and outside modules and functions named for development.

Not flagged: a computed value (`reload=settings.debug`); development files (`*.override.yml`,
names containing `dev`, `local`, `debug` or `test`, `.devcontainer/`); Dockerfile stages,
compose services and Procfile processes named for development (`FROM base AS dev`, `api-dev:`,
`dev: ...`); modules and functions whose name is made of such words (`run_dev`, `local.py`).

## Why is this bad?
Auto-reload is a development tool. The server runs a file watcher that polls or watches the
whole tree, restarts the application whenever a file changes (a log or upload written under the
watched directory is enough), drops in-flight requests when it does, and uvicorn ignores
`--workers` when reloading, so production runs one process.

## Example
```dockerfile
CMD ["uvicorn", "app.main:app", "--host", "0.0.0.0", "--reload"]
```

## Use instead
```dockerfile
CMD ["uvicorn", "app.main:app", "--host", "0.0.0.0"]
```
and keep `--reload` in a development override (`docker-compose.override.yml`).

## Fix safety
Removing `--reload` from a Dockerfile, Procfile or production file is a safe fix. `fastapi dev`
becomes `fastapi run`, an unsafe fix: `fastapi run` also listens on `0.0.0.0` instead of
`127.0.0.1`. Compose files are not fixed (move the flag to an override file by hand). In Python,
removing `reload=True` is unsafe: the call may be how developers start the server.

A `# noqa: FL401` comment on the flag's line suppresses the finding in every kind of file. In
a Dockerfile's exec form a trailing comment breaks the JSON; put `--reload` on a line of its
own or use `per-file-ignores`.

## References
- [Uvicorn: Settings, reloading](https://www.uvicorn.org/settings/#development)
- [FastAPI: FastAPI in Containers](https://fastapi.tiangolo.com/deployment/docker/)
- [FastAPI CLI: `fastapi dev` and `fastapi run`](https://fastapi.tiangolo.com/fastapi-cli/)
"""
    valid = (
        """\
import uvicorn

if __name__ == "__main__":
    uvicorn.run("app.main:app", reload=True)
""",
        """\
import uvicorn
from app.settings import settings

uvicorn.run("app.main:app", reload=settings.debug)
""",
        """\
import uvicorn

def run_dev() -> None:
    uvicorn.run("app.main:app", reload=True)
""",
        Example('CMD ["uvicorn", "app.main:app", "--host", "0.0.0.0"]\n', filename="Dockerfile"),
        Example(
            "services:\n  api:\n    command: uvicorn app:app --reload\n",
            filename="docker-compose.override.yml",
        ),
    )
    invalid = (
        """\
import uvicorn

def serve() -> None:
    uvicorn.run("app.main:app", host="0.0.0.0", reload=True)
""",
        Example(
            'CMD ["uvicorn", "app.main:app", "--host", "0.0.0.0", "--reload"]\n',
            fixed='CMD ["uvicorn", "app.main:app", "--host", "0.0.0.0"]\n',
            filename="Dockerfile",
        ),
        Example(
            "web: uvicorn app.main:app --reload --port $PORT\n",
            fixed="web: uvicorn app.main:app --port $PORT\n",
            filename="Procfile",
        ),
        Example(
            'services:\n  api:\n    command: ["fastapi", "dev", "app/main.py"]\n',
            filename="docker-compose.yml",
        ),
    )

    @classmethod
    def could_fire(cls, text: str, facts: Optional[ModuleFacts], project: ProjectIndex) -> bool:
        if facts is None:  # a deployment file, or Python that `ast` could not read
            return super().could_fire(text, facts, project)
        # The substring first: a scan for it is far cheaper than one for the pattern.
        return "reload" in text and _RELOAD_TRUE_RE.search(text) is not None

    @classmethod
    def could_fire_in(cls, definition: Definition) -> bool:
        """The keyword and its literal `True` are written where the call is."""
        return "reload" in definition.text and _RELOAD_TRUE_RE.search(definition.text) is not None

    # --- Python --------------------------------------------------------------------------

    def visit_Call(self, node: cst.Call) -> None:
        reload_arg = next(
            (a for a in node.args if a.keyword is not None and a.keyword.value == "reload"),
            None,
        )
        if reload_arg is None or not (
            isinstance(reload_arg.value, cst.Name) and reload_arg.value.value == "True"
        ):
            return
        callee = self.context.qualified_name(node.func)
        if callee not in _UVICORN_CALLS:
            return
        if self._in_development_code():
            return
        what = self.context.code_for(node.func)
        self.report(
            reload_arg,
            f"`{what}(..., reload=True)` runs wherever this code runs: auto-reload watches "
            "the files, restarts the server on every change and ignores `workers`; take the "
            'value from settings or move the call under `if __name__ == "__main__":`',
            fix=self.make_fix(
                "Remove `reload=True`",
                replace(node, _without_argument(node, reload_arg)),
                applicability=Applicability.UNSAFE,
            ),
        )

    def _in_development_code(self) -> bool:
        if is_development_name(self.context.module_name):
            return True
        for ancestor in self.context.ancestors:
            if isinstance(ancestor, cst.If) and _is_main_guard(ancestor.test):
                return True
            if isinstance(ancestor, (cst.FunctionDef, cst.ClassDef)) and is_development_name(
                ancestor.name.value
            ):
                return True
        return False

    # --- deployment files ----------------------------------------------------------------

    def check_text(self) -> None:
        kind = self.context.file_kind
        path = self.context.source.display_path
        if kind != "production" and is_development_file(path):
            return
        text = self.context.source.text
        if kind == "dockerfile":
            found = list(_dockerfile_reloads(text))
        elif kind == "procfile":
            found = list(_procfile_reloads(text))
        elif kind == "compose" or path.lower().endswith((".yml", ".yaml")):
            found = list(_yaml_reloads(text))
        else:
            found = list(_shell_reloads(text))
        where = {
            "dockerfile": "this Dockerfile",
            "procfile": "this Procfile",
            "compose": "this compose file",
        }.get(kind, "this production file")
        for reload in found:
            # Compose files are not fixed: the flag belongs in an override file, by hand.
            removal = reload.removal if kind != "compose" else None
            fix: Optional[PendingFix] = None
            if reload.kind == "fastapi dev":
                message = (
                    f"`fastapi dev` in {where} runs the development server (auto-reload, "
                    "listening on 127.0.0.1 only); use `fastapi run`"
                )
                if removal is not None:
                    fix = self.make_fix(
                        "Use `fastapi run`", removal, applicability=Applicability.UNSAFE
                    )
            else:
                message = (
                    f"`--reload` for {reload.server} in {where}: auto-reload watches the files, "
                    "restarts the server on every change and ignores `--workers`; keep it in a "
                    "development override"
                )
                if removal is not None:
                    fix = self.make_fix("Remove `--reload`", removal)
            self.report_at(reload.start, reload.end, message, fix=fix)


def _is_main_guard(test: cst.BaseExpression) -> bool:
    if not isinstance(test, cst.Comparison) or len(test.comparisons) != 1:
        return False
    target = test.comparisons[0]
    if not isinstance(target.operator, cst.Equal):
        return False
    sides = (test.left, target.comparator)
    names = [s.value for s in sides if isinstance(s, cst.Name)]
    strings = [s.evaluated_value for s in sides if isinstance(s, cst.SimpleString)]
    return names == ["__name__"] and strings == ["__main__"]


def _without_argument(call: cst.Call, removed: cst.Arg) -> cst.Call:
    args = list(call.args)
    index = args.index(removed)
    del args[index]
    if args and index == len(args):
        # The removed argument was the last: the new last one takes over its comma (or lack).
        args[-1] = args[-1].with_changes(
            comma=removed.comma, whitespace_after_arg=removed.whitespace_after_arg
        )
    return call.with_changes(args=args)


# --- command scanning ------------------------------------------------------------------------


def _unquote(word: str) -> str:
    return word.strip("[],\"'")


def _command_reloads(text: str, start: int, end: int) -> Iterator[_Reload]:
    """`--reload` and `fastapi dev` in a command between two offsets of `text`.

    `text` may have line continuations and comments blanked out (same length). Words are split
    on whitespace, so this reads shell commands, JSON arrays and YAML lists alike.
    """
    server: Optional[str] = None
    previous = ""
    for match in _WORD_RE.finditer(text, start, end):
        raw = match.group()
        if raw.startswith("#"):
            return  # a shell comment
        word = _unquote(raw)
        if raw in _SEPARATORS or word in _SEPARATORS:
            server, previous = None, ""
            continue
        program = word.rsplit("/", 1)[-1]
        if program in _SERVERS:
            server = program
        elif server is not None and word == "--reload":
            begin = match.start() + raw.index(word)
            yield _Reload(begin, begin + len(word), "--reload", server, _removal(text, match))
        elif previous == "fastapi" and word == "dev":
            begin = match.start() + raw.index(word)
            removal = TextEdit(begin, begin + 3, "run")
            yield _Reload(begin, begin + 3, "fastapi dev", "fastapi", removal)
        if raw.endswith(";"):
            server, previous = None, ""
            continue
        previous = word


def _removal(text: str, match: re.Match[str]) -> Optional[TextEdit]:
    """Remove a `--reload` word: with the space before it, or as a JSON array element."""
    raw = match.group()
    start, end = match.start(), match.end()
    if raw in ("--reload", "--reload;"):
        if raw.endswith(";"):
            end -= 1
        return TextEdit(_skip_space_back(text, start), end, "")
    if raw in ('"--reload",', '"--reload"]', '"--reload"'):
        element_end = start + len('"--reload"')
        before = _skip_space_back(text, start)
        if before > 0 and text[before - 1] == ",":
            return TextEdit(before - 1, element_end, "")
        if raw == '"--reload",':
            after = element_end + 1
            while after < len(text) and text[after] in " \t":
                after += 1
            return TextEdit(start, after, "")
        return None
    if raw in ('--reload"', "--reload'", '--reload",', '--reload"]'):  # `sh -c "... --reload"`
        return TextEdit(_skip_space_back(text, start), start + len("--reload"), "")
    return None


def _skip_space_back(text: str, offset: int) -> int:
    while offset > 0 and text[offset - 1] in " \t":
        offset -= 1
    return offset


def _blank(text: str, start: int, end: int) -> str:
    """Replace a span with spaces, keeping newlines out (offsets and lines stay the same)."""
    return text[:start] + " " * (end - start) + text[end:]


# --- Dockerfile ------------------------------------------------------------------------------

_INSTRUCTION_RE = re.compile(r"[ \t]*([A-Za-z]+)\b")
_ESCAPE_RE = re.compile(r"#[ \t]*escape[ \t]*=[ \t]*([\\`])", re.IGNORECASE)
_FROM_STAGE_RE = re.compile(r"\bAS[ \t]+(\S+)", re.IGNORECASE)


def _dockerfile_instructions(text: str) -> Iterator[tuple[str, int, int, str]]:
    """(instruction, start of its arguments, end, text with continuations blanked)."""
    escape = "\\"
    first_line = text.split("\n", 1)[0]
    directive = _ESCAPE_RE.match(first_line.strip())
    if directive:
        escape = directive.group(1)
    blanked = text
    lines = list(re.finditer(r"[^\n]*(?:\n|$)", text))
    index = 0
    while index < len(lines):
        line = lines[index]
        content = line.group().rstrip("\r\n")
        stripped = content.strip()
        index += 1
        if not stripped or stripped.startswith("#"):
            continue
        start = line.start()
        end = line.start() + len(content)
        while content.rstrip().endswith(escape) and index < len(lines):
            escape_at = line.start() + len(content.rstrip()) - 1
            blanked = _blank(blanked, escape_at, line.end())  # the escape and the newline
            line = lines[index]
            content = line.group().rstrip("\r\n")
            index += 1
            if content.strip().startswith("#") or not content.strip():
                blanked = _blank(blanked, line.start(), line.end())
                content = escape  # a comment inside an instruction: keep going
                continue
            end = line.start() + len(content)
        match = _INSTRUCTION_RE.match(text, start)
        if match is None:
            continue
        yield match.group(1).upper(), match.end(), end, blanked


def _dockerfile_reloads(text: str) -> Iterator[_Reload]:
    development_stage = False
    for instruction, start, end, blanked in _dockerfile_instructions(text):
        if instruction == "FROM":
            stage = _FROM_STAGE_RE.search(blanked, start, end)
            development_stage = stage is not None and is_development_name(stage.group(1))
        elif instruction in ("CMD", "ENTRYPOINT") and not development_stage:
            yield from _command_reloads(blanked, start, end)


# --- Procfile and shell-like production files --------------------------------------------------


def _procfile_reloads(text: str) -> Iterator[_Reload]:
    for line in re.finditer(r"^[ \t]*([A-Za-z0-9_-]+)[ \t]*:(.*)$", text, re.MULTILINE):
        if is_development_name(line.group(1)):
            continue
        yield from _command_reloads(text, line.start(2), line.end(2))


def _shell_reloads(text: str) -> Iterator[_Reload]:
    blanked = re.sub(r"\\\r?\n", lambda m: " " * len(m.group()), text)
    for line in re.finditer(r"^.*$", blanked, re.MULTILINE):
        yield from _command_reloads(blanked, line.start(), line.end())


# --- compose and other YAML --------------------------------------------------------------------

_YAML_KEY_RE = re.compile(r"^([ \t]*)(- )?[ \t]*([A-Za-z0-9_.\-]+)[ \t]*:(?:[ \t]|$)")
_COMMAND_KEYS = frozenset({"command", "entrypoint"})


def _yaml_comments_blanked(text: str) -> str:
    """Blank `# comments` (not `#` inside quotes or words) so they are not read as commands."""

    def blank_line(match: re.Match[str]) -> str:
        line = match.group()
        quote: Optional[str] = None
        for i, char in enumerate(line):
            if quote:
                if char == quote:
                    quote = None
            elif char in "\"'":
                quote = char
            elif char == "#" and (i == 0 or line[i - 1] in " \t"):
                return line[:i] + " " * (len(line) - i)
        return line

    return re.sub(r"^.*$", blank_line, text, flags=re.MULTILINE)


def _yaml_reloads(text: str) -> Iterator[_Reload]:
    """`command:`/`entrypoint:` values of services not named for development."""
    blanked = _yaml_comments_blanked(text)
    lines = list(re.finditer(r"^.*$", blanked, re.MULTILINE))
    parents: list[tuple[int, str]] = []  # (indent, key) of the enclosing mappings
    index = 0
    while index < len(lines):
        line = lines[index]
        index += 1
        match = _YAML_KEY_RE.match(line.group())
        if match is None:
            continue
        indent = len(match.group(1)) + (2 if match.group(2) else 0)
        key = match.group(3)
        while parents and parents[-1][0] >= indent:
            parents.pop()
        parents.append((indent, key))
        if key not in _COMMAND_KEYS:
            continue
        if any(is_development_name(name) for _, name in parents[:-1]):
            continue  # a development service, profile or anchor
        end = line.end()
        while index < len(lines):
            following = lines[index].group()
            stripped = following.strip()
            depth = len(following) - len(following.lstrip())
            if stripped and not (depth > indent or (depth == indent and stripped[:2] == "- ")):
                break
            end = lines[index].end()
            index += 1
        yield from _command_reloads(blanked, line.start() + match.end(), end)


RULES: tuple[type[Rule], ...] = (ReloadInProduction,)
