"""Security settings: CORS, secrets in code, debug mode."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator, Sequence
from typing import Literal, Optional, Union

import libcst as cst

from fastlint.engine.fastapi import APP_CLASSES
from fastlint.engine.findings import Applicability, Severity
from fastlint.engine.imports import resolve_relative
from fastlint.engine.project import ModuleFacts, ProjectIndex
from fastlint.engine.rule import Example, Rule, replace, words_in
from fastlint.engine.source import (
    COMMENT,
    bracket_depth,
    statement_matches,
    value_end,
    word_first,
)
from fastlint.engine.thinning import Definition

CORS_MIDDLEWARE = frozenset(
    {"starlette.middleware.cors.CORSMiddleware", "fastapi.middleware.cors.CORSMiddleware"}
)
MIDDLEWARE_WRAPPERS = frozenset(
    {"starlette.middleware.Middleware", "fastapi.middleware.Middleware"}
)
# Origins no allow-list would accept: a regex that fully matches all of them matches anything.
_PROBE_ORIGINS = (
    "https://attacker.example",
    "http://evil-site.test:8080",
    "https://a.b.c.invalid",
    "null",
)
MAX_CONSTANT_HOPS = 5
# Between a keyword and its `=`, and between `=` and the value: spaces, newlines, comments,
# line continuations (and, after `=`, parentheses: `debug=(True)` is still the name `True`).
_GAP = r"(?:\s|\\|#[^\n]*\n)*"
_VALUE_GAP = r"(?:\s|\\|#[^\n]*\n|\()*"
_CREDENTIALS_KEYWORD_RE = re.compile(word_first("allow_credentials") + _GAP + "=(?!=)")
_DEBUG_TRUE_RE = re.compile(word_first("debug") + _GAP + "=" + _VALUE_GAP + r"True\b")


def _keyword(call: cst.Call, name: str) -> Optional[cst.BaseExpression]:
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == name:
            return arg.value
    return None


def _string(node: cst.BaseExpression) -> Optional[str]:
    """The value of a plain (not formatted) string literal."""
    if isinstance(node, (cst.SimpleString, cst.ConcatenatedString)):
        value = node.evaluated_value
        return value if isinstance(value, str) else None
    return None


class _Constants:
    """Follows a name to the literal it was bound to once, in this scope or the module's."""

    def __init__(self, rule: Rule) -> None:
        self.rule = rule

    def value(self, node: cst.BaseExpression) -> cst.BaseExpression:
        for _ in range(MAX_CONSTANT_HOPS):
            if not isinstance(node, cst.Name) or node.value in ("True", "False", "None"):
                return node
            found = self.rule.context.lookup(node.value)
            if found is None:
                return node
            binding, _scope = found
            if binding.kind != "local" or binding.value is None:
                return node
            node = binding.value
        return node


def _is_true(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.Name) and node.value == "True"


class CorsWildcardWithCredentials(Rule):
    code = "FL402"
    name = "cors-wildcard-with-credentials"
    severity = Severity.ERROR
    summary = (
        "`CORSMiddleware` allows every origin together with credentials: any website can make "
        "authenticated requests with your users' cookies"
    )
    tags = ("security", "cors")
    security = True
    triggers = ("allow_credentials",)  # required for a finding; the class may be a subclass
    # Reports calls where they are written (with values bound at module level).
    named_bodies = False

    docs = """\
## What it does
Finds `CORSMiddleware` configured with `allow_origins` containing `"*"` (or an
`allow_origin_regex` that matches any origin, such as `.*`) together with
`allow_credentials=True`, whether added with `app.add_middleware(CORSMiddleware, ...)`,
`Middleware(CORSMiddleware, ...)` or by wrapping the app. Origins held in a constant of the
module (`origins = ["*"]`) are followed.

## Why is this bad?
Browsers refuse `Access-Control-Allow-Origin: *` on credentialed requests, so Starlette
answers such requests by echoing the caller's `Origin` instead. With credentials allowed, every
website a user visits can then call your API with that user's cookies and read the answers:
the same-origin policy is switched off for your API.

## Example
```python
app.add_middleware(
    CORSMiddleware,
    allow_origins=["*"],
    allow_credentials=True,
)
```

## Use instead
```python
app.add_middleware(
    CORSMiddleware,
    allow_origins=["https://app.example.com"],
    allow_credentials=True,
)
```
or keep `allow_origins=["*"]` and drop `allow_credentials` for a public, cookie-less API.

## Fix safety
No automatic fix: only you know which origins should be trusted.

## References
- [FastAPI: CORS](https://fastapi.tiangolo.com/tutorial/cors/)
- [Starlette: CORSMiddleware](https://www.starlette.io/middleware/#corsmiddleware)
- [MDN: CORS requests with credentials](https://developer.mozilla.org/en-US/docs/Web/HTTP/CORS#credentialed_requests_and_wildcards)
"""
    valid = (
        """\
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

app = FastAPI()
app.add_middleware(CORSMiddleware, allow_origins=["*"], allow_methods=["*"])
""",
        """\
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

app = FastAPI()
app.add_middleware(
    CORSMiddleware,
    allow_origins=["https://app.example.com"],
    allow_origin_regex=r"https://.*\\.example\\.com",
    allow_credentials=True,
)
""",
        """\
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

app = FastAPI()
app.add_middleware(CORSMiddleware, allow_origins=settings.origins, allow_credentials=True)
""",
    )
    invalid = (
        """\
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

app = FastAPI()
app.add_middleware(
    CORSMiddleware,
    allow_origins=["*"],
    allow_credentials=True,
    allow_methods=["*"],
)
""",
        """\
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware

ORIGINS = ["*"]
CREDENTIALS = True

app = Starlette(
    middleware=[Middleware(CORSMiddleware, allow_origins=ORIGINS, allow_credentials=CREDENTIALS)]
)
""",
        """\
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware as Cors

app = FastAPI()
app.add_middleware(Cors, allow_origin_regex=".*", allow_credentials=True)
""",
    )

    @classmethod
    def could_fire(cls, text: str, facts: Optional[ModuleFacts], project: ProjectIndex) -> bool:
        # The keyword is required; its value is `True` itself or a name bound to `True`.
        return (
            "allow_credentials" in text
            and "True" in text
            and _CREDENTIALS_KEYWORD_RE.search(text) is not None
        )

    @classmethod
    def could_fire_in(cls, definition: Definition) -> bool:
        """The keyword is written in the call (its value may be bound at module level)."""
        return _CREDENTIALS_KEYWORD_RE.search(definition.text) is not None

    def _is_cors(self, expr: cst.BaseExpression) -> bool:
        qualified = self.context.qualified_name(expr)
        return qualified is not None and self.context.project.is_subclass(
            qualified, CORS_MIDDLEWARE
        )

    def visit_Call(self, node: cst.Call) -> None:
        positional = [arg.value for arg in node.args if arg.keyword is None and arg.star == ""]
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value == "add_middleware":
            configured = bool(positional) and self._is_cors(positional[0])
        elif self._is_cors(func):
            configured = True
        else:
            callee = self.context.qualified_name(func)
            configured = (
                callee in MIDDLEWARE_WRAPPERS and bool(positional) and self._is_cors(positional[0])
            )
        if not configured:
            return
        constants = _Constants(self)
        credentials = _keyword(node, "allow_credentials")
        if credentials is None or not _is_true(constants.value(credentials)):
            return
        what: Optional[str] = None
        origins = _keyword(node, "allow_origins")
        if origins is not None and _has_wildcard(origins, constants):
            what = '`allow_origins` contains `"*"`'
        regex = _keyword(node, "allow_origin_regex")
        pattern = _string(constants.value(regex)) if regex is not None else None
        if what is None and pattern is not None and _matches_any_origin(pattern):
            what = f"`allow_origin_regex={pattern!r}` matches every origin"
        if what is None:
            return
        self.report(
            node,
            f"{what} and `allow_credentials=True`: Starlette then echoes any caller's origin, so "
            "every website can make authenticated requests with your users' cookies; list the "
            "trusted origins instead",
        )


def _has_wildcard(node: cst.BaseExpression, constants: _Constants, depth: int = 0) -> bool:
    if depth > MAX_CONSTANT_HOPS:
        return False
    node = constants.value(node)
    if _string(node) == "*":
        return True
    if isinstance(node, (cst.List, cst.Tuple, cst.Set)):
        for element in node.elements:
            if isinstance(element, cst.StarredElement):
                if _has_wildcard(element.value, constants, depth + 1):
                    return True
            elif _string(constants.value(element.value)) == "*":
                return True
        return False
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Add):
        return _has_wildcard(node.left, constants, depth + 1) or _has_wildcard(
            node.right, constants, depth + 1
        )
    return False


def _matches_any_origin(pattern: str) -> bool:
    try:
        compiled = re.compile(pattern)
    except (re.error, RecursionError, OverflowError):
        return False
    return all(compiled.fullmatch(origin) for origin in _PROBE_ORIGINS)


# --- FL403 ---------------------------------------------------------------------------------

# The last word of a name says what the value is: `token_url` is a URL, `api_token` a token.
_SECRET_WORDS = frozenset({"secret", "password", "passwd", "pwd", "passphrase", "token", "apikey"})
_KEY_QUALIFIERS = frozenset(
    {
        "api",
        "secret",
        "private",
        "access",
        "signing",
        "encryption",
        "jwt",
        "auth",
        "master",
        "client",
        "hmac",
        "webhook",
        "app",
    }
)
# Names of known-bad values kept to reject them (`_LEGACY_DEFAULT_ADMIN_PASSWORD`).
_DENYLIST_WORDS = frozenset(
    {"legacy", "known", "weak", "common", "insecure", "banned", "forbidden", "blocked"}
)
_WORD_SPLIT = re.compile(r"[^A-Za-z0-9]+|(?<=[a-z0-9])(?=[A-Z])")
_PLACEHOLDER_MARKERS = (
    "change",
    "replace",
    "your",
    "example",
    "dummy",
    "placeholder",
    "todo",
    "fixme",
    "insert",
    "fake",
    "sample",
    "notset",
    "not-set",
    "not_set",
    "undefined",
    "redacted",
    "xxx",
    "***",
    "...",
    "<",
    ">",
    "${",
    "{{",
    "%(",
    "{",
    "test",
    "mock",
)
_ENV_VAR_NAME = re.compile(r"^[A-Z][A-Z0-9_]*$")
_FILE_SUFFIXES = (".pem", ".key", ".crt", ".json", ".txt", ".p12", ".env", ".yaml", ".yml")
ENV_LOOKUPS = frozenset({"os.getenv", "os.environ.get", "os.environ.setdefault"})
JWT_FUNCTIONS = frozenset(
    {
        "jwt.encode",
        "jwt.decode",
        "jose.jwt.encode",
        "jose.jwt.decode",
        "jwt.api_jwt.encode",
        "jwt.api_jwt.decode",
    }
)
_TEST_DIRECTORIES = frozenset({"tests", "test", "testing"})
_JWT_PACKAGES = ("jwt", "jose")
# A name that may be a secret (`is_secret_name` decides), bound by `=` or annotated with `:`.
# Before the `=`: spaces, comments, continuations, and `)` of a parenthesized target.
_SECRET_TARGET_RE = re.compile(
    r"\b(\w*(?i:secret|password|passwd|pwd|passphrase|token|apikey|key)_*)\b"
    r"(?:\s|\\|#[^\n]*\n|\))*(=(?!=)|:)"
)
# The same, found from its end in lowercased text: an ignore-case alternation is slow to scan
# for, and the name is read back from where its word starts.
_SECRET_TARGET_END_RE = re.compile(
    r"((?:secret|password|passwd|pwd|passphrase|token|apikey|key)_*)\b"
    r"(?:\s|\\|#[^\n]*\n|\))*(=(?!=)|:)"
)
_ASSIGNMENT_IN_LINE_RE = re.compile(r"(?<![=!<>])=(?!=)")
# A plain string literal (not bytes, not an f-string), maybe parenthesized, starts here.
_STRING_START_RE = re.compile(r"(?:\s|\\|#[^\n]*\n|\()*[rRuU]?[\"']")
_CHAINED_TARGET_RE = re.compile(r"(?:\s|\\|#[^\n]*\n|\()*[\w.]+(?:\s|\\|#[^\n]*\n|\))*=(?!=)")
_OR_STRING_RE = re.compile(word_first("or") + r"(?:\s|\\|#[^\n]*\n|\()*[rRuU]?[\"']")
_ENV_WORDS = ("getenv", "environ")
# `from .mod import a, b as c` (names possibly parenthesized over lines) and `import a.b as c`,
# also after `;` and in one-line compound statements (`if TYPE_CHECKING: import x`).
_IMPORT_RE = re.compile(
    r"(?:^|[;:])[ \t]*(?:from[ \t]+(\.*)[ \t]*([\w.]*)[ \t]+import[ \t]+|import[ \t]+)"
    r"(\((?:[^)#]|#[^\n]*\n)*\)|[^\n]*(?:\\\n[^\n]*)*)",
    re.MULTILINE,
)


def is_secret_name(name: str) -> bool:
    words = [w.lower() for w in _WORD_SPLIT.split(name) if w]
    if not words or _DENYLIST_WORDS.intersection(words):
        return False
    last = words[-1]
    if last in _SECRET_WORDS:
        return True
    return last == "key" and len(words) > 1 and words[-2] in _KEY_QUALIFIERS


def looks_like_secret(value: str) -> bool:
    """A literal that could be a real secret: not empty, a placeholder, a name or a path."""
    if len(value) < 8 or any(c.isspace() for c in value):
        return False
    lowered = value.lower()
    if any(marker in lowered for marker in _PLACEHOLDER_MARKERS):
        return False
    if (
        _ENV_VAR_NAME.match(value)
        or "://" in value
        or lowered.startswith("urn:")
        or lowered.endswith(_FILE_SUFFIXES)
    ):
        return False
    if value.startswith(("/", "./", "../", "~")) or len(set(value)) <= 2:
        return False
    # Labels such as "access_token" or "X-API-Key" are words; secrets have digits or symbols.
    has_digit = any(c.isdigit() for c in value)
    has_symbol = any(not c.isalnum() and c not in "-_." for c in value)
    mixed_case = value != value.lower() and value != value.upper()
    return has_digit or has_symbol or (mixed_case and len(value) >= 20)


def is_test_path(path: str) -> bool:
    parts = path.replace("\\", "/").split("/")
    filename = parts[-1]
    return (
        any(part in _TEST_DIRECTORIES for part in parts[:-1])
        or filename.startswith("test_")
        or filename.endswith("_test.py")
        or filename == "conftest.py"
    )


def _target_name(target: cst.BaseExpression) -> Optional[str]:
    if isinstance(target, cst.Name):
        return target.value
    if isinstance(target, cst.Attribute):
        return target.attr.value
    return None


# One plain single-line string literal, then the end of the value.
_SIMPLE_LITERAL_RE = re.compile(
    r"""[ \t]*[rRuU]?("(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')[ \t]*(?=[,)\]}\n#;]|$)"""
)


def _binds_literal_secret(text: str, position: int) -> bool:
    """Whether the string literal that starts at `position` may be reported: a plain
    one-line literal must look like a secret; anything else cannot be told from the text."""
    match = _SIMPLE_LITERAL_RE.match(text, position)
    if match is None:
        return True
    try:
        value = ast.literal_eval(match.group(1))
    except (ValueError, SyntaxError):
        return True
    return not isinstance(value, str) or looks_like_secret(value)


def _annotated_value(rest: str) -> Optional[int]:
    """In the rest of a line after `name:`, where the value after `=` starts; -1 when the
    annotation goes on past the line (it cannot be told), None when nothing is assigned."""
    depth = 0
    for index, char in enumerate(rest):
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        elif char == "\\" or char == "#":
            return -1 if depth or char == "\\" else None
        elif char == "=" and depth == 0 and _ASSIGNMENT_IN_LINE_RE.match(rest, index):
            return index + 1
    return -1 if depth > 0 else None


def _secret_targets(text: str) -> Iterator[tuple[str, str, int]]:
    """(name, `=` or `:`, offset after it) of each match of `_SECRET_TARGET_RE`."""
    lowered = text.lower()
    if len(lowered) != len(text):  # a few characters lowercase to two: offsets would shift
        for match in _SECRET_TARGET_RE.finditer(text):
            yield match.group(1), match.group(2), match.end()
        return
    for match in _SECRET_TARGET_END_RE.finditer(lowered):
        start = match.start()
        while start and (text[start - 1].isalnum() or text[start - 1] == "_"):
            start -= 1
        yield text[start : match.end(1)], match.group(2), match.end()


def _secret_binding(text: str) -> Optional[str]:
    """How a secret-named target or keyword is bound: `NAME = "..."`, `name="..."`,
    `name: T = "..."` give "literal" (also when the text cannot tell), a value that may fall
    back to a literal (`... or "..."`, an environment lookup written as such) "fallback", any
    other value "expression" (a lookup under another name may still hold a literal), and no
    secret-named binding at all None. A plain literal that cannot be a secret (`""`,
    `"<your key>"`) binds nothing."""
    found: Optional[str] = None
    for name, operator, end in _secret_targets(text):
        if not is_secret_name(name):
            continue
        if operator == "=":
            position = end
            while True:  # `SECRET = other.name = "..."`: skip the other targets
                chained = _CHAINED_TARGET_RE.match(text, position)
                if chained is None:
                    break
                position = chained.end()
            if _STRING_START_RE.match(text, position):
                if _binds_literal_secret(text, position):
                    return "literal"
                continue
            found = _stronger(found, _expression_kind(text, position))
            continue
        # `name: annotation = value`: a bare annotation or a slice has no `=` after it.
        line_end = text.find("\n", end)
        rest = text[end : line_end if line_end >= 0 else len(text)]
        value = _annotated_value(rest)
        if value == -1:
            return "literal"
        if value is None:
            continue
        if _STRING_START_RE.match(rest, value):
            if _binds_literal_secret(rest, value):
                return "literal"
            continue
        found = _stronger(found, _expression_kind(text, end + value))
    return found


def _stronger(found: Optional[str], kind: str) -> str:
    """What two bindings of a text say together: "fallback" if either may fall back."""
    return "fallback" if "fallback" in (found, kind) else kind


def _expression_kind(text: str, position: int) -> str:
    """ "fallback" when the value that starts at `position` may fall back to a literal as the
    rule reports it, else "expression": the value is `... or "..."` (not an `or` inside a
    call or a display), or a call of something named like an environment lookup
    (`os.getenv("X", "...")`; not `key or os.getenv("X")`, whose fallback is no literal)."""
    value = text[position : value_end(text, position)]
    # Parentheses that open the value: `(a or "b")` is still an `or`.
    outer = value[: len(value) - len(value.lstrip(" \t\n("))].count("(")
    if any(bracket_depth(value, m.start()) <= outer for m in _OR_STRING_RE.finditer(value)):
        return "fallback"
    call = _LEADING_CALL.match(value)
    if call is not None and any(word in call.group(1) for word in _ENV_WORDS):
        return "fallback"
    return "expression"


# A value that starts with a call of a dotted name (group 1).
_LEADING_CALL = re.compile(r"[\s(\\]*([^\W\d]\w*(?:[\s\\]*\.[\s\\]*\w+)*)[\s\\]*\(")


def _aliases_of(project: ProjectIndex, targets: tuple[str, ...]) -> frozenset[str]:
    """Names project modules bind to something within `targets` (built once per index; the
    answer depends on every module)."""
    return project.derived(
        f"fl403-aliases-{'-'.join(targets)}",
        lambda: frozenset(
            alias
            for module in project.all_modules()
            for alias, target in module.imports.items()
            if _within(project.resolve(target), targets)
        ),
    )


def _within(qualified: str, targets: tuple[str, ...]) -> bool:
    """Whether a qualified name is one of `targets` or something in one (`jwt.encode` in
    `jwt`)."""
    return any(qualified == t or qualified.startswith(f"{t}.") for t in targets)


# What an environment lookup the rule reads may be imported as under another name: a module
# imported itself (`import os as system`) still writes `getenv` or `environ` in the call.
_ENV_TARGETS = ("os.getenv", "os.environ")


def _secret_screen(text: str) -> Union[Literal[True], tuple[str, ...]]:
    """What the text alone says: True when a finding may be in it, else what a call in it must
    come from for one (JWT's packages; also an environment lookup, when a secret-named
    binding is some other expression)."""
    binding = _secret_binding(text)
    # A secret-named binding to a literal, `... or "literal"` or `os.getenv("X", "literal")`.
    if binding in ("literal", "fallback"):
        return True
    # A JWT call: `jwt`/`jose` is written unless an import binds another name to it.
    if any(package in text for package in _JWT_PACKAGES) and not words_in(text).isdisjoint(
        _JWT_PACKAGES
    ):
        return True
    # An environment lookup under another name (`from os import getenv as env`).
    return (*_JWT_PACKAGES, *_ENV_TARGETS) if binding is not None else _JWT_PACKAGES


def _may_hold_secret(code: str, facts: ModuleFacts, project: ProjectIndex) -> bool:
    """The screen of part of a file: the names imports bind count when the part writes them."""
    targets = _secret_screen(code)
    if targets is True:
        return True
    words = words_in(code)
    if not words.isdisjoint(_aliases_of(project, targets)):
        return True
    return any(
        local in words and _within(project.resolve(target), targets)
        for local, target in facts.all_imports
    )


def _import_targets(text: str, facts: ModuleFacts) -> Iterator[str]:
    """What every import statement of the text binds (`pkg.mod.name`), at any indentation."""
    package = facts.name if facts.is_package else facts.name.rpartition(".")[0]
    for match in statement_matches(_IMPORT_RE, text, ("import",)):
        relative, module, names = match.group(1), match.group(2), match.group(3)
        if relative is None and module is None:  # `import a.b as c, d`
            for part in _import_names(names):
                dotted = part.split(" ")[0]
                yield dotted
                yield dotted.split(".")[0]  # `import a.b` binds `a`
            continue
        level = len(relative or "")
        base = resolve_relative(package, level, module or None) if level else module
        for name in _import_names(names):
            name = name.split(" ")[0]
            if name != "*":
                yield f"{base}.{name}" if base else name


def _import_names(names: str) -> Iterator[str]:
    cleaned = COMMENT.sub("", names).replace("\\\n", " ").split(";")[0]
    cleaned = cleaned.strip("()\n\t ")
    for part in cleaned.split(","):
        part = " ".join(part.split())
        if part:
            yield part


class HardcodedSecret(Rule):
    code = "FL403"
    name = "hardcoded-secret"
    severity = Severity.WARNING
    summary = "A literal secret in the code: a secret-named setting or a JWT signing key"
    tags = ("security", "secrets")
    security = True
    # Every secret name ends in one of these (case-sensitive) spellings; "jwt" for the keys.
    triggers = (
        "ecret",
        "ECRET",
        "assw",
        "ASSW",
        "pwd",
        "PWD",
        "oken",
        "OKEN",
        "assphrase",
        "ASSPHRASE",
        "_key",
        "_KEY",
        "Key",
        "apikey",
        "APIKEY",
        "jwt",
    )
    # Reports values where they are written.
    named_bodies = False

    docs = """\
## What it does
Finds literal secrets: a string assigned to a secret-named variable, constant, attribute or
settings field (`SECRET_KEY`, `JWT_SECRET`, `api_key`, `db_password`, `access_token`...), passed
as a secret-named keyword argument, used as the fallback of an environment lookup
(`os.getenv("SECRET_KEY", "...")`), or passed as the key of `jwt.encode` / `jwt.decode`.

The name's last word decides: `token_url`, `password_field` and `TOKEN_TYPE` are not secrets.
Values that cannot be real secrets are skipped: empty and short strings, placeholders
(`"changeme"`, `"your-secret-key"`, `"<token>"`), environment variable names, paths, URLs and
plain words such as `"access_token"`. A literal JWT key is reported whatever its value.
Test files (`tests/`, `test_*.py`, `conftest.py`) and enum members are not checked.

## Why is this bad?
A secret in the source is in every clone, fork, wheel, container image and log of the
repository, and cannot be rotated without a release. A JWT signing key that is public lets
anyone mint tokens for any user; a hardcoded fallback for `SECRET_KEY` is used silently when
the deployment forgets to set the variable.

## Example
```python
SECRET_KEY = "09d25e094faa6ca2556c818166b7a9563b93f7099f6f0f4caa6cf63b88e8d3e7"

token = jwt.encode(payload, "s3cr3t-k3y", algorithm="HS256")
```

## Use instead
```python
class Settings(BaseSettings):
    secret_key: SecretStr  # read from the SECRET_KEY environment variable

token = jwt.encode(payload, settings.secret_key.get_secret_value(), algorithm="HS256")
```

## Fix safety
No automatic fix: the secret has to be moved to the deployment's configuration, and rotated.

## References
- [FastAPI: OAuth2 with JWT tokens](https://fastapi.tiangolo.com/tutorial/security/oauth2-jwt/)
- [FastAPI: Settings and environment variables](https://fastapi.tiangolo.com/advanced/settings/)
- [CWE-798: Use of Hard-coded Credentials](https://cwe.mitre.org/data/definitions/798.html)
"""
    valid = (
        """\
import os

SECRET_KEY = os.environ["SECRET_KEY"]
API_KEY = os.getenv("API_KEY", "")
TOKEN_TYPE = "bearer"
token_url = "/auth/token"
password_field = "password"
JWT_SECRET = "changeme"
DB_PASSWORD = "your-password-here"
""",
        """\
from enum import Enum

class Credential(str, Enum):
    ACCESS_TOKEN = "access_token"
    API_KEY = "api-key-2"
""",
        """\
from pydantic_settings import BaseSettings

class Settings(BaseSettings):
    secret_key: str
    api_key: str = ""
    password_min_length: int = 8
""",
        Example(
            'SECRET_KEY = "a3f9c2d17e5b48c0"\n',
            filename="tests/test_auth.py",
        ),
    )
    invalid = (
        'SECRET_KEY = "09d25e094faa6ca2556c818166b7a9563b93f7099f6f0f4caa6cf63b88e8d3e7"\n',
        """\
from pydantic_settings import BaseSettings

class Settings(BaseSettings):
    jwt_secret: str = "s3cr3t-k3y!"
""",
        """\
import jwt

def issue(payload):
    return jwt.encode(payload, "secret", algorithm="HS256")
""",
        """\
import os

SECRET_KEY = os.getenv("SECRET_KEY", "t0p-s3cr3t")
""",
        """\
from openai import OpenAI

client = OpenAI(api_key="sk-proj-4f8a9b2c7d1e")
""",
    )

    @classmethod
    def could_fire(cls, text: str, facts: Optional[ModuleFacts], project: ProjectIndex) -> bool:
        targets = _secret_screen(text)
        if targets is True or facts is None:
            return True
        through_modules = False
        for target in _import_targets(text, facts):
            resolved = project.resolve(target)
            if _within(resolved, targets):
                return True
            through_modules = through_modules or project.find_module(resolved) is not None
        # `module.make_token(...)`: a project module imported `jwt.encode as make_token`, and
        # the call must write that name.
        return through_modules and not _aliases_of(project, targets).isdisjoint(words_in(text))

    @classmethod
    def could_fire_in(cls, definition: Definition) -> bool:
        """`could_fire` on the definition alone, except that the names imports bind count
        when the definition writes them (the imports themselves are elsewhere)."""
        return _may_hold_secret(definition.text, definition.facts, definition.project)

    @classmethod
    def reads_body(cls, definition: Definition) -> bool:
        """When the body alone may hold a finding (defaults are not reported)."""
        return _may_hold_secret(definition.body, definition.facts, definition.project)

    def begin_file(self) -> None:
        self._skip = is_test_path(self.context.source.display_path)

    def _in_enum(self) -> bool:
        cls = self.context.current_class
        if cls is None:
            return False
        for base in cls.bases:
            qualified = self.context.qualified_name(base.value) or ""
            if qualified.rpartition(".")[2].endswith("Enum"):
                return True
        return False

    def _check_value(self, name: str, value: Optional[cst.BaseExpression]) -> None:
        if value is None or not is_secret_name(name):
            return
        literal = _string(value)
        if literal is not None:
            if looks_like_secret(literal):
                self.report(
                    value,
                    f"`{name}` is set to a literal secret: read it from the environment or a "
                    "secrets store (e.g. a pydantic `BaseSettings` field without a default)",
                )
            return
        fallback = self._env_fallback(value)
        if fallback is not None:
            fallback_text = _string(fallback)
            if fallback_text is not None and looks_like_secret(fallback_text):
                self.report(
                    fallback,
                    f"`{name}` falls back to a literal secret when the environment does not "
                    "set it: fail at start-up instead of running with a known secret",
                )

    def _env_fallback(self, value: cst.BaseExpression) -> Optional[cst.BaseExpression]:
        if isinstance(value, cst.BooleanOperation) and isinstance(value.operator, cst.Or):
            return value.right if _string(value.right) is not None else None
        if not isinstance(value, cst.Call):
            return None
        if self.context.qualified_name(value.func) not in ENV_LOOKUPS:
            return None
        default = _keyword(value, "default")
        positional = [arg.value for arg in value.args if arg.keyword is None and arg.star == ""]
        if default is None and len(positional) >= 2:
            default = positional[1]
        return default

    def visit_Assign(self, node: cst.Assign) -> None:
        if self._skip or self._in_enum():
            return
        for target in node.targets:
            name = _target_name(target.target)
            if name is not None:
                self._check_value(name, node.value)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if self._skip or self._in_enum():
            return
        name = _target_name(node.target)
        if name is not None:
            self._check_value(name, node.value)

    def visit_Call(self, node: cst.Call) -> None:
        if self._skip:
            return
        for arg in node.args:
            if arg.keyword is not None:
                self._check_value(arg.keyword.value, arg.value)
        callee = self.context.qualified_name(node.func)
        if callee not in JWT_FUNCTIONS:
            return
        key = _keyword(node, "key")
        positional = [arg.value for arg in node.args if arg.keyword is None and arg.star == ""]
        if key is None and len(positional) >= 2:
            key = positional[1]
        literal = _string(key) if key is not None else None
        if key is not None and literal:
            self.report(
                key,
                f"`{callee}` is given a literal key: anyone who reads the code can forge or read "
                "tokens; load the key from the environment or a secrets store",
            )


# --- FL404 ---------------------------------------------------------------------------------


def _without_argument(call: cst.Call, index: int) -> cst.Call:
    """The call without one argument, keeping the others' commas and layout."""
    args = list(call.args)
    removed = args.pop(index)
    if args and index == len(args):
        args[-1] = args[-1].with_changes(comma=_last_comma(args[-1].comma, removed.comma))
    if not args:
        return call.with_changes(args=(), whitespace_before_args=cst.SimpleWhitespace(""))
    return call.with_changes(args=tuple(args))


def _last_comma(
    previous: Union[cst.Comma, cst.MaybeSentinel], removed: Union[cst.Comma, cst.MaybeSentinel]
) -> Union[cst.Comma, cst.MaybeSentinel]:
    """The comma of the new last argument: the removed one's layout, the previous one's comment.

    `f(a, debug=True)` → `f(a)`; in a call with one argument per line, the closing parenthesis
    keeps its place and a comment on the removed line goes with it.
    """
    if not isinstance(removed, cst.Comma) or not isinstance(previous, cst.Comma):
        return removed
    after = removed.whitespace_after
    kept = previous.whitespace_after
    if isinstance(after, cst.ParenthesizedWhitespace) and isinstance(
        kept, cst.ParenthesizedWhitespace
    ):
        after = after.with_changes(first_line=kept.first_line)
    return previous.with_changes(whitespace_after=after)


class DebugEnabled(Rule):
    code = "FL404"
    name = "debug-enabled"
    severity = Severity.WARNING
    summary = "`FastAPI(debug=True)` / `Starlette(debug=True)`: tracebacks are sent to clients"
    tags = ("security", "production")
    security = True
    fix = Applicability.SAFE
    triggers = ("debug",)
    # Reports calls where they are written.
    named_bodies = False

    docs = """\
## What it does
Finds `FastAPI(debug=True)` and `Starlette(debug=True)` with a literal `True`, including
subclasses of the project and imports under other names. Test files (`tests/`, `test_*.py`,
`conftest.py`) are not checked.

## Why is this bad?
In debug mode Starlette answers every unhandled exception with the full traceback, local
source lines included, as an HTML or plain-text page. In production that hands file paths,
code, queries and sometimes secrets to whoever triggers an error. A literal `True` is on in
every environment; debug mode should come from configuration that is off by default.

## Example
```python
app = FastAPI(title="Shop", debug=True)
```

## Use instead
```python
app = FastAPI(title="Shop")
# or, when needed during development:
app = FastAPI(title="Shop", debug=settings.debug)
```

## Fix safety
The fix removes the `debug=True` argument. It is safe: the default is `debug=False`, the
application behaves the same except that unhandled errors get a plain 500 response.

## References
- [FastAPI: `FastAPI` class, `debug`](https://fastapi.tiangolo.com/reference/fastapi/#fastapi.FastAPI--example)
- [Starlette: Applications](https://www.starlette.io/applications/)
"""
    valid = (
        """\
from fastapi import FastAPI

app = FastAPI(debug=settings.debug)
""",
        """\
from fastapi import FastAPI

app = FastAPI(debug=False)
""",
        """\
def FastAPI(**kwargs): ...

app = FastAPI(debug=True)
""",
    )
    invalid = (
        Example(
            """\
from fastapi import FastAPI

app = FastAPI(title="Shop", debug=True)
""",
            fixed="""\
from fastapi import FastAPI

app = FastAPI(title="Shop")
""",
        ),
        Example(
            """\
from starlette.applications import Starlette as App

app = App(debug=True, routes=[])
""",
            fixed="""\
from starlette.applications import Starlette as App

app = App(routes=[])
""",
        ),
        Example(
            """\
from fastapi import FastAPI

class ShopApp(FastAPI):
    pass

app = ShopApp(debug=True)
""",
            fixed="""\
from fastapi import FastAPI

class ShopApp(FastAPI):
    pass

app = ShopApp()
""",
        ),
    )

    @classmethod
    def could_fire(cls, text: str, facts: Optional[ModuleFacts], project: ProjectIndex) -> bool:
        return "debug" in text and _DEBUG_TRUE_RE.search(text) is not None

    @classmethod
    def could_fire_in(cls, definition: Definition) -> bool:
        """The keyword and its literal `True` are written where the call is."""
        return "debug" in definition.text and _DEBUG_TRUE_RE.search(definition.text) is not None

    def begin_file(self) -> None:
        self._skip = is_test_path(self.context.source.display_path)

    def visit_Call(self, node: cst.Call) -> None:
        index = _debug_true_index(node.args) if not self._skip else None
        if index is None:
            return
        callee = self.context.qualified_name(node.func)
        if callee is None or not self.context.project.is_subclass(callee, APP_CLASSES):
            return
        fix = self.make_fix("Remove `debug=True`", replace(node, _without_argument(node, index)))
        self.report(
            node.args[index],
            f"`{self.context.code_for(node.func)}(debug=True)` sends tracebacks to clients on "
            "every error; remove it, or read the flag from settings that are off by default",
            fix=fix,
        )


def _debug_true_index(args: Sequence[cst.Arg]) -> Optional[int]:
    for index, arg in enumerate(args):
        if arg.keyword is not None and arg.keyword.value == "debug" and _is_true(arg.value):
            return index
    return None


RULES: tuple[type[Rule], ...] = (CorsWildcardWithCredentials, HardcodedSecret, DebugEnabled)
