"""Blocking calls in async code: in a coroutine (FL101) and through project helpers (FL102).

Both rules name calls the same way: the callee's qualified name through imports and aliases
(`requests.get`, `time.sleep`, `builtins.open`), or for a method, the class of the object it is
called on (`requests.Session.get`, `pathlib.Path.read_text`). The catalogue below decides which
names block; the project's call graph (engine/callgraph.py) follows sync helpers across modules.
"""

from __future__ import annotations

import functools
import re
import weakref
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Callable, Optional

import libcst as cst

from fastlint.engine.callgraph import (
    PATH_PRESERVING_ATTRIBUTES,
    PATH_PRESERVING_METHODS,
    CallGraph,
    ChainStep,
    ProjectFunction,
)
from fastlint.engine.findings import Applicability, Severity
from fastlint.engine.imports import module_package, resolve_relative
from fastlint.engine.project import ModuleFacts, ProjectIndex
from fastlint.engine.rule import Example, PendingFix, Rule, replace, words_in
from fastlint.engine.source import (
    COMMENT,
    bound_values,
    receiver_before,
    statement_matches,
    word_first,
)
from fastlint.engine.thinning import Definition, Surroundings

# --- the catalogue -------------------------------------------------------------------------

SLEEP = "sleep"
HTTP = "http"
PROCESS = "process"
FILE = "file"
SOCKET = "socket"
DATABASE = "database"
INPUT = "input"
CONFIGURED = "configured"

_ADVICE = {
    SLEEP: "use `await asyncio.sleep(...)`",
    HTTP: (
        "use an async client such as `httpx.AsyncClient` (or aiohttp), or offload it with "
        "`await asyncio.to_thread(...)` / `await run_in_threadpool(...)`"
    ),
    PROCESS: (
        "use `asyncio.create_subprocess_exec(...)` (or `anyio.run_process`), or offload it with "
        "`await asyncio.to_thread(...)`"
    ),
    FILE: (
        "use `aiofiles` or `anyio.Path`, or offload it with `await asyncio.to_thread(...)` / "
        "`await run_in_threadpool(...)`"
    ),
    SOCKET: (
        "use `asyncio.open_connection(...)` or `loop.getaddrinfo(...)`, or offload it with "
        "`await asyncio.to_thread(...)`"
    ),
    DATABASE: (
        "use an async driver (asyncpg, psycopg's `AsyncConnection`, aiomysql, aiosqlite, "
        "pymongo's `AsyncMongoClient`, `redis.asyncio`), or offload it with "
        "`await asyncio.to_thread(...)`"
    ),
    INPUT: "a server should not read the terminal; if it must, offload it with "
    "`await asyncio.to_thread(input, ...)`",
    CONFIGURED: (
        "it is listed in `extend-blocking-calls`: offload it with "
        "`await asyncio.to_thread(...)` / `await run_in_threadpool(...)`, or use an async API"
    ),
}

_WHAT = {
    SLEEP: "sleeps the whole event loop",
    HTTP: "is a blocking HTTP call",
    PROCESS: "runs a process and waits for it",
    FILE: "is blocking file I/O",
    SOCKET: "is a blocking network call",
    DATABASE: "is a blocking database client",
    INPUT: "waits for terminal input",
    CONFIGURED: "is a blocking call",
}

_HTTP_VERBS = ("get", "post", "put", "patch", "delete", "head", "options", "request")


def _catalogue() -> dict[str, str]:
    names: dict[str, str] = {"time.sleep": SLEEP, "builtins.input": INPUT}
    for verb in _HTTP_VERBS:
        for module in ("requests", "requests.api", "httpx"):
            names[f"{module}.{verb}"] = HTTP
        for session in ("requests.Session", "requests.sessions.Session", "httpx.Client"):
            names[f"{session}.{verb}"] = HTTP
    for name in ("httpx.stream", "httpx.Client.stream", "httpx.Client.send"):
        names[name] = HTTP
    for session in ("requests.Session", "requests.sessions.Session"):
        names[f"{session}.send"] = HTTP
    names["urllib.request.urlopen"] = HTTP
    names["urllib.request.urlretrieve"] = HTTP
    names["urllib3.request"] = HTTP
    for pool in (
        "urllib3.PoolManager",
        "urllib3.poolmanager.PoolManager",
        "urllib3.HTTPConnectionPool",
        "urllib3.HTTPSConnectionPool",
        "urllib3.connectionpool.HTTPConnectionPool",
        "urllib3.connectionpool.HTTPSConnectionPool",
    ):
        for method in ("request", "urlopen", "request_encode_url", "request_encode_body"):
            names[f"{pool}.{method}"] = HTTP
    for function in ("run", "call", "check_call", "check_output", "getoutput", "getstatusoutput"):
        names[f"subprocess.{function}"] = PROCESS
    names["subprocess.Popen"] = PROCESS
    names["subprocess.Popen.communicate"] = PROCESS
    names["subprocess.Popen.wait"] = PROCESS
    for function in ("system", "popen", "wait", "waitpid", "wait3", "wait4", "waitid"):
        names[f"os.{function}"] = PROCESS
    names["builtins.open"] = FILE
    names["io.open"] = FILE
    for path_class in ("pathlib.Path", "pathlib.PosixPath", "pathlib.WindowsPath"):
        for method in ("read_text", "write_text", "read_bytes", "write_bytes", "open"):
            names[f"{path_class}.{method}"] = FILE
    for function in ("create_connection", "getaddrinfo", "gethostbyname", "gethostbyname_ex"):
        names[f"socket.{function}"] = SOCKET
    for method in ("connect", "connect_ex", "accept", "recv", "recv_into", "recvfrom", "sendall"):
        names[f"socket.socket.{method}"] = SOCKET
    for function in (
        "psycopg2.connect",
        "psycopg.connect",
        "psycopg.Connection.connect",
        "pymysql.connect",
        "pymysql.Connect",
        "sqlite3.connect",
        "pymongo.MongoClient",
        "pymongo.mongo_client.MongoClient",
    ):
        names[function] = DATABASE
    return names


# Sync redis clients: any command sent through one is blocking (creating one is not: it
# connects on the first command).
_REDIS_CLIENTS = (
    "redis.Redis",
    "redis.StrictRedis",
    "redis.client.Redis",
    "redis.client.StrictRedis",
)
# Methods of a redis client that only build local objects.
_REDIS_LOCAL_METHODS = frozenset(
    {
        "pipeline",
        "pubsub",
        "lock",
        "register_script",
        "get_encoder",
        "get_connection_kwargs",
        "from_url",
        "from_pool",
    }
)

BLOCKING_CALLS = _catalogue()


# `os.waitpid(pid, os.WNOHANG)` returns at once.
_NON_BLOCKING_FLAGS = frozenset({"os.WNOHANG"})


def blocking_family(
    name: str, configured: Iterable[str] = (), arguments: tuple[str, ...] = ()
) -> Optional[str]:
    """The family of a blocking call's qualified name, or None when it does not block.

    `arguments`: qualified names passed to the call (`os.WNOHANG` makes `os.wait*` return).
    """
    family = BLOCKING_CALLS.get(name)
    if family is not None:
        if family == PROCESS and any(a in _NON_BLOCKING_FLAGS for a in arguments):
            return None
        return family
    receiver, _, method = name.rpartition(".")
    if receiver in _REDIS_CLIENTS and method not in _REDIS_LOCAL_METHODS:
        return DATABASE
    if name in configured:
        return CONFIGURED
    return None


def _display(name: str) -> str:
    return f"{name[len('builtins.') :] if name.startswith('builtins.') else name}()"


# Sync functions that do not block each time they are called: memoized ones block once at most.
_CACHING_DECORATORS = frozenset(
    {"functools.lru_cache", "functools.cache", "functools.cached_property", "cachetools.cached"}
)


# Generator functions made into context managers: `with helper():` runs the body to `yield`.
_CONTEXT_MANAGER_DECORATORS = frozenset({"contextlib.contextmanager"})


def _follow(function: ProjectFunction) -> bool:
    summary = function.summary
    if summary.is_async or summary.caches_in_global:
        return False
    if summary.is_generator and not any(
        d in _CONTEXT_MANAGER_DECORATORS for d in summary.decorators
    ):
        # Calling it runs nothing; whoever iterates it runs the body (Starlette's
        # `StreamingResponse` does so in a thread pool).
        return False
    return not any(d in _CACHING_DECORATORS for d in summary.decorators)


# One call graph per project index and configuration, kept as long as the index lives.
_GRAPHS: weakref.WeakKeyDictionary[ProjectIndex, dict[tuple[str, ...], CallGraph]] = (
    weakref.WeakKeyDictionary()
)


def blocking_graph(project: ProjectIndex, configured: Iterable[str]) -> CallGraph:
    key = tuple(sorted(configured))
    graphs = _GRAPHS.setdefault(project, {})
    graph = graphs.get(key)
    if graph is None:
        graph = _new_blocking_graph(project, frozenset(key))
        graphs[key] = graph
    return graph


def _new_blocking_graph(project: ProjectIndex, configured: frozenset[str]) -> CallGraph:
    def is_target(name: str, arguments: tuple[str, ...]) -> Optional[str]:
        family = blocking_family(name, configured, arguments)
        return name if family is not None else None

    return CallGraph(project, is_target, _follow, cut_by=frozenset({"FL101", "FL102"}))


# --- screens: which files could have a finding, before LibCST parses them -------------------
#
# FL101: every blocking name a call can go by comes from an import of this file (at module
# level: the facts; nested: the text), or is the builtin `open`/`input`. An import can lead to
# a blocking call when it names a catalogue entry, a module or class under which the catalogue
# has entries (then the call's last name, a method or function, is written in the file), or a
# project object, class or module with such things under it (module-level clients, subclasses
# of blocking classes, re-exports). FL102: the callee's last name is written in the file (in
# the import line, for an alias), or is a project re-export's alias of a blocking function.

_ASYNC_DEF = re.compile(word_first("async") + r"[\s\\]+def\b")
# A name written as a call's callee: `helper(`, `obj.save (`, `(helper)(`, even with a line
# continuation or a comment before the parenthesis; not the name of a `def` or `class`.
_CALLED = re.compile(r"(?<!\bdef )(?<!\bclass )\b(\w+)(?:[\s\\)]|#[^\n]*\n)*\(")
# Imports that the facts do not hold: indented (in functions, classes), after `:` or `;`.
_NESTED_IMPORT = re.compile(r"(?:^[ \t]+|[;:][ \t]*)(?:from|import)\b([^\n]*)", re.M)
# The builtins are called by their bare names (`open(...)`, `(open)(...)`).
# Each name before the check behind it: the regex engine then scans for the names.
_BUILTIN_CALL = re.compile(r"(?:open(?<![\w.]open)|input(?<![\w.]input))\b[\s\\]*[()]")

# Any name under these may block (a redis client's commands): nothing narrower to look for.
_ANY = None
Leaves = Optional[frozenset[str]]


def _catalogue_leaves() -> dict[str, frozenset[str]]:
    """For every dotted prefix of a catalogue name, the last names of the entries under it."""
    found: dict[str, set[str]] = {}
    for name in BLOCKING_CALLS:
        parts = name.split(".")
        for end in range(1, len(parts)):
            found.setdefault(".".join(parts[:end]), set()).add(parts[-1])
    return {prefix: frozenset(leaves) for prefix, leaves in found.items()}


_PREFIX_LEAVES = _catalogue_leaves()
_REDIS_PREFIXES = frozenset(
    ".".join(client.split(".")[:end])
    for client in _REDIS_CLIENTS
    for end in range(1, client.count(".") + 2)
)


@functools.cache  # asked of every import of every file, and per definition
def _blocking_leaves(name: str) -> tuple[bool, Leaves]:
    """Whether calls through `name` may block, and the last names they would be written with.

    (True, None): any call through it may block (a catalogue function, a redis client).
    """
    if name in BLOCKING_CALLS or name in _REDIS_PREFIXES:
        return True, _ANY
    if any(name.startswith(client + ".") for client in _REDIS_CLIENTS):
        return True, _ANY
    leaves = _PREFIX_LEAVES.get(name)
    return (True, leaves) if leaves is not None else (False, _ANY)


def _merge(known: dict[str, Leaves], name: str, leaves: Leaves) -> None:
    if name in known:
        current = known[name]
        known[name] = None if current is None or leaves is None else current | leaves
    else:
        known[name] = leaves


@dataclass(frozen=True)
class _BlockingScreens:
    """What the screens need from the whole project, computed once per index (and kept in
    the cache with it)."""

    # Project names (and every dotted prefix of them) under which a blocking call may be
    # reached, with the last names such calls are written with.
    fl101: dict[str, Leaves]
    # Names one of which a file must write for FL102 to report there.
    fl102: _BlockingNames


class _ScreenBuilder:
    """Builds `_BlockingScreens` from the project index."""

    def __init__(self, project: ProjectIndex) -> None:
        self.project = project

    def build(self) -> _BlockingScreens:
        return _BlockingScreens(self._fl101_names(), self._fl102_words())

    def _class_leaves(self, qualified: str) -> tuple[bool, Leaves]:
        """A class and its ancestors (through project classes): the catalogue under them."""
        relevant = False
        merged: dict[str, Leaves] = {}
        for ancestor in self.project.class_ancestors(qualified):
            found, leaves = _blocking_leaves(ancestor)
            if found:
                relevant = True
                _merge(merged, "", leaves)
        return relevant, merged.get("")

    def _fl101_names(self) -> dict[str, Leaves]:
        project = self.project
        modules = project.all_modules()
        direct: dict[str, Leaves] = {}
        for module in modules:
            prefix = f"{module.name}." if module.name else ""
            for name in (*module.assignments, *module.annotations):
                cls = project.object_class(prefix + name)
                if cls is not None:
                    found, leaves = self._class_leaves(cls)
                    if found:
                        _merge(direct, prefix + name, leaves)
            for name in module.classes:
                found, leaves = self._class_leaves(prefix + name)
                if found:
                    _merge(direct, prefix + name, leaves)
        # Re-exports of catalogue names and of the project names above. `resolve` goes to the
        # definition, so one pass sees every chain; these only matter as prefixes
        # (`import pkg`, then `pkg.compat.nap()`).
        exported: dict[str, Leaves] = {}
        for module in modules:
            prefix = f"{module.name}." if module.name else ""
            for alias, target in module.imports.items():
                for name in (target, project.resolve(target)):
                    found, leaves = _blocking_leaves(name)
                    if not found and name in direct:
                        found, leaves = True, direct[name]
                    if found:
                        _merge(exported, prefix + alias, leaves)
        for name, leaves in exported.items():
            _merge(direct, name, leaves)
        with_prefixes: dict[str, Leaves] = {}
        for name, leaves in direct.items():
            parts = name.split(".")
            for end in range(1, len(parts) + 1):
                _merge(with_prefixes, ".".join(parts[:end]), leaves)
        return with_prefixes

    def _fl102_words(self) -> _BlockingNames:
        project = self.project
        # The rules' graph (no configured names: the screens know the catalogue only); its
        # answers do not depend on the questions asked before, so sharing it changes no message.
        graph = blocking_graph(project, ())
        blocking: set[str] = set()
        # Blocking functions (and classes whose `__init__` blocks) by name: (module, qualified).
        plain: dict[str, set[tuple[str, str]]] = {}
        # Blocking methods by name, with the classes they belong to (qualified).
        methods: dict[str, set[str]] = {}
        modules = project.all_modules()
        for module in modules:
            prefix = f"{module.name}." if module.name else ""
            for qualname, summary in module.callables.items():
                if summary.is_async:
                    continue
                # `runs`: also generators, whose body runs when the coroutine iterates them.
                if graph.chain(prefix + qualname, runs=True) is None:
                    continue
                blocking.add(f"{module.name}.{qualname}")  # as ProjectFunction names it
                owner, _, name = qualname.rpartition(".")
                if owner in module.classes:
                    methods.setdefault(name, set()).add(prefix + owner)
                else:
                    plain.setdefault(name, set()).add((module.name, prefix + qualname))
        for module in modules:
            prefix = f"{module.name}." if module.name else ""
            # Classes called to build an object: their (inherited) `__init__` runs.
            for name in module.classes:
                function = graph.function(prefix + name)
                if function is not None and function.qualified in blocking:
                    plain.setdefault(name.rpartition(".")[2], set()).add(
                        (module.name, prefix + name)
                    )
            # Re-exports under another name: `from pkg import helper` for `fetch as helper`.
            for alias, target in module.imports.items():
                function = graph.function(target)
                if function is not None and function.qualified in blocking:
                    plain.setdefault(alias, set()).add((module.name, prefix + alias))
                    plain[alias].add((module.name, function.qualified))
        carriers = self._carrier_words({c for owners in methods.values() for c in owners})
        return _BlockingNames(
            {name: frozenset(found) for name, found in plain.items()},
            {
                name: frozenset(word for owner in owners for word in carriers.get(owner, ()))
                for name, owners in methods.items()
            },
        )

    def _carrier_words(self, classes: set[str]) -> dict[str, set[str]]:
        """For each class, the names a file must write to call a method on it: the class and
        its subclasses, module-level objects of them, and every alias these are imported as.

        A method call reaches the call graph only through a receiver the code names (`self` in
        the class or a subclass, `Users.get(...)`, `client: Client`, `c = Client()`).
        """
        project = self.project
        modules = project.all_modules()
        words: dict[str, set[str]] = {cls: set() for cls in classes}
        # Which of `classes` each project class or module-level object (qualified) is or
        # derives from.
        derived: dict[str, set[str]] = {}
        for module in modules:
            prefix = f"{module.name}." if module.name else ""
            for name in module.classes:
                found = classes.intersection(project.class_ancestors(prefix + name))
                if found:
                    derived[project.resolve(prefix + name)] = found
                    for cls in found:
                        words[cls].add(name.rpartition(".")[2])
        objects: dict[str, set[str]] = {}
        for module in modules:
            prefix = f"{module.name}." if module.name else ""
            for name in (*module.assignments, *module.annotations):
                made_by = project.object_class(prefix + name)
                owners = derived.get(made_by) if made_by is not None else None
                if owners:
                    objects[project.resolve(prefix + name)] = owners
                    for owner in owners:
                        words[owner].add(name)
        derived.update(objects)
        for module in modules:
            for alias, target in module.all_imports:
                for owner in derived.get(project.resolve(target), ()):
                    words[owner].add(alias)
        return words


@dataclass(frozen=True)
class _BlockingNames:
    """The names one of which a file must write for FL102 to report there."""

    # A blocking function's name (or a class's whose `__init__` blocks, or an alias of either)
    # → (module, qualified name) of each. Another module reaches it only through an import of
    # it or of a module above it.
    plain: dict[str, frozenset[tuple[str, str]]]
    # A blocking method's name → the names of the objects it may be called on.
    methods: dict[str, frozenset[str]]

    @functools.cached_property
    def qualified(self) -> frozenset[str]:
        """The qualified names in `plain`, classes also by themselves (not `.__init__`)."""
        names = {qualified for found in self.plain.values() for _, qualified in found}
        return frozenset(names | {name.removesuffix(".__init__") for name in names})

    def may_be_called(
        self,
        callees: frozenset[str],
        words: frozenset[str],
        facts: ModuleFacts,
        project: ProjectIndex,
        text: str,
        around: Optional[frozenset[str]] = None,
        in_class: bool = False,
    ) -> bool:
        """Whether one of `callees` (names written as called in `text`) may be a blocking
        function of the project, or a blocking method called on an object whose name is in
        `words` (or, for `self`/`cls` in a method, in `around`: the module-level code and
        classes a definition sees; None for a whole file). `in_class`: the text is a class
        or a method, whose first parameters are objects of the class.

        The loops run over the names written, not over every blocking name of the project."""
        plain, methods = self.plain, self.methods
        known = [name for name in callees if name in plain or name in methods]
        imported: Optional[list[tuple[str, str]]] = None
        # As the rule names a call (engine/names): through the import that binds its first
        # name; a module-level alias (`run = helper`) is not followed.
        for word in known:
            for module, qualified in plain.get(word, ()):
                if module == facts.name:
                    return True
                if imported is None:
                    imported = [(local, project.resolve(t)) for local, t in facts.all_imports]
                function = qualified.removesuffix(".__init__")  # a class: called by its name
                for local, target in imported:
                    if target in (function, qualified):
                        if _written_bare(word, text):  # `helper()`, `h()` for `helper as h`
                            return True
                    elif qualified.startswith(f"{target}.") and _reached_through(local, word, text):
                        return True  # `pkg.mod.helper()` after `import pkg`
        # An import in a function binds a helper under another name (`from m import (\n
        # Logging as Make,\n)`, then `Make()`): module-level imports are in `plain`.
        for local, target in facts.all_imports:
            if (
                local in callees
                and local not in plain
                and (target in self.qualified or project.resolve(target) in self.qualified)
                and _written_bare(local, text)
            ):
                return True
        # The receiver is named in the code itself (`store.get()`, `s: Store`), except for
        # `self`/`cls` in a method, whose class (and its bases) the code around it names.
        seen = around if around is not None else frozenset()
        own = seen if "self" in words or "cls" in words else frozenset()
        called_methods = [name for name in known if name in methods]
        if around is not None:
            # In a definition, where each call is on (`_called_on`).
            first = {"self", "cls"}.union(_FIRST_PARAMETER.findall(text) if in_class else ())
            if any(
                _called_on(methods[name], name, text, words, own, seen, first)
                for name in called_methods
            ):
                return True
            called_methods = _known_methods(self, around)
        # A dunder method (`__enter__`, `__call__`) runs where its name is not written as
        # called: written anywhere, it counts.
        called_methods = [
            *called_methods,
            *(name for name in _dunders(self) if name in words or name in seen),
        ]
        return any(
            not methods[name].isdisjoint(words) or not methods[name].isdisjoint(own)
            for name in called_methods
        )


def _called_on(
    objects: frozenset[str],
    method: str,
    text: str,
    words: frozenset[str],
    own: frozenset[str],
    seen: frozenset[str],
    first: set[str],
) -> bool:
    """Whether a call of `method` in a definition's text may be on one of `objects` (a
    blocking method's classes, their objects and aliases), as the rule finds receivers: a
    dotted name that goes through one of them, a name the definition binds from one
    (`s: Store`, `s = Store()`), the first parameter of a method (`first`) of a class the
    code around names (`seen`). `super()` is none of them; other calls, subscripts and
    parenthesized receivers, and names bound by `with ... as`, fall back to every word of
    the definition (and, with `self`/`cls` in it, of the code around: `own`)."""
    named = not (objects.isdisjoint(words) and objects.isdisjoint(own))
    roots: set[str] = set()  # plain names already asked about
    for match in _method_call(method).finditer(text):
        receiver = receiver_before(text, match.start())
        if receiver is None:
            before = match.start()
            if named and _SUPER_CALL.search(text, max(0, before - 200), before) is None:
                return True
            continue
        root, rest = receiver
        if root in objects or not objects.isdisjoint(rest.split(".")):
            return True
        if root in roots:
            continue
        roots.add(root)
        if root in first and not (objects.isdisjoint(seen) and objects.isdisjoint(words)):
            return True  # (a class's own text names it, too)
        if not named:
            continue  # a binding or a `with` item would write one of them
        if any(not objects.isdisjoint(words_in(value)) for value in bound_values(root, text)):
            return True
        if _bound_by_as(root).search(text):
            return True
    return False


# The first parameter of each function of a text: of a method, it is its class's object.
_FIRST_PARAMETER = re.compile(word_first("def") + r"[ \t]+\w+[ \t]*\(\s*(\w+)")
# `super().method(`: the rule's receiver is `builtins.super`, never a project class.
_SUPER_CALL = re.compile(r"\bsuper[ \t]*\([^()]*\)[ \t]*\Z")


@functools.lru_cache(maxsize=1024)
def _method_call(method: str) -> re.Pattern[str]:
    """`.method(` as written, from its dot (`(obj.method)(` too)."""
    return re.compile(_after_dot(method).pattern + rf"{_BEFORE_DOT}\(")


@functools.lru_cache(maxsize=1024)
def _bound_by_as(name: str) -> re.Pattern[str]:
    """`with Store() as name`: the rule takes the receiver's class from the `with` item."""
    return re.compile(rf"{word_first('as')}[ \t]+{re.escape(name)}(?!\w)")


# Lists worked out from one project's blocking names, kept while its files are screened: the
# dunder methods, and the blocking methods named in the module-level code of the file at hand.
_DERIVED: dict[tuple[int, object], tuple[_BlockingNames, list[str]]] = {}


def _derived(names: _BlockingNames, key: object, compute: Callable[[], list[str]]) -> list[str]:
    found = _DERIVED.get((id(names), key))
    if found is None or found[0] is not names:
        if len(_DERIVED) >= 8:
            _DERIVED.clear()
        found = _DERIVED[(id(names), key)] = (names, compute())
    return found[1]


def _dunders(names: _BlockingNames) -> list[str]:
    """The blocking methods that run without their names being called (`with`, `for`,
    `obj()`). Not `__init__`: it runs when its class is called by name, which `plain` holds."""
    return _derived(
        names,
        "dunders",
        lambda: [n for n in names.methods if n.startswith("__") and n != "__init__"],
    )


def _written_bare(name: str, text: str) -> bool:
    """Whether `name` is written somewhere in `text` other than after a `.`."""
    return len(_written(name).findall(text)) > len(_after_dot(name).findall(text))


@functools.lru_cache(maxsize=1024)
def _after_dot(name: str) -> re.Pattern[str]:
    """`name` after a `.`, as `_DOTTED` finds attribute names."""
    return re.compile(rf"\.{_AFTER_DOT}{name}(?!\w)")


def _reached_through(local: str, name: str, text: str) -> bool:
    """Whether `text` writes `local.….name`: a dotted name from `local` to `name`."""
    return local in text and _chain(local, name).search(text) is not None


@functools.lru_cache(maxsize=1024)
def _chain(local: str, name: str) -> re.Pattern[str]:
    link = rf"{_BEFORE_DOT}\.{_AFTER_DOT}"
    return re.compile(rf"{word_first(local)}(?:{link}\w+)*?{link}{name}(?!\w)")


def _known_methods(names: _BlockingNames, around: frozenset[str]) -> list[str]:
    """The names in `around` that are blocking methods."""
    return _derived(names, around, lambda: [n for n in around if n in names.methods])


def _screens(project: ProjectIndex) -> _BlockingScreens:
    return project.derived("blocking-screens", _ScreenBuilder(project).build)


def _is_catalogue_class(prefix: str) -> bool:
    """`requests.Session`, `pathlib.Path`, `socket.socket`: methods called on its objects."""
    return prefix.rpartition(".")[2][:1].isupper() or prefix == "socket.socket"


def _module_members() -> dict[str, dict[str, Leaves]]:
    """For a catalogue module, its members written after it (`time.sleep`, `requests.Session`)
    and the last names of the calls under each member (None: the member is called itself)."""
    found: dict[str, dict[str, Leaves]] = {}
    for prefix, _ in _PREFIX_LEAVES.items():
        if _is_catalogue_class(prefix):
            continue
        members: dict[str, Leaves] = {}
        for name in BLOCKING_CALLS:
            if not name.startswith(prefix + "."):
                continue
            rest = name[len(prefix) + 1 :].split(".")
            _merge(members, rest[0], None if len(rest) == 1 else frozenset({rest[-1]}))
        found[prefix] = members
    return found


_MODULE_MEMBERS = _module_members()
# Attribute names, and the names after a given name and a dot, as written: Python allows
# space, comments and backslash continuations around the dot, and a closing parenthesis before
# it (`(time).sleep`). Each alternative starts with another character: one way to match, no
# exponential backtracking.
_BEFORE_DOT = r"(?:[\s\\)]|#[^\n]*\n)*"
_AFTER_DOT = r"(?:[\s\\]|#[^\n]*\n)*"
_DOTTED = re.compile(rf"\.{_AFTER_DOT}(\w+)")


@functools.lru_cache(maxsize=1024)
def _after(name: str) -> re.Pattern[str]:
    # Starting with the literal name (its word start checked behind it) lets the regex engine
    # scan for it: 15 times faster than finding every `word.word` pair. The lookahead keeps
    # `a.a.b` giving both names after `a`.
    return re.compile(rf"{word_first(name)}(?={_BEFORE_DOT}\.{_AFTER_DOT}(\w+))")


@functools.lru_cache(maxsize=1024)
def _chains_after(name: str) -> re.Pattern[str]:
    """The attributes written after `name` (group 1: from the first dot)."""
    return re.compile(rf"{word_first(name)}((?:{_BEFORE_DOT}\.{_AFTER_DOT}\w+)+)")


# An import statement on a line of its own (up to a `;`, after which other code may follow).
_IMPORT_LINE = re.compile(r"^[ \t]*(?:from|import)\b[^\n;]*", re.M)


@functools.lru_cache(maxsize=1024)
def _written(name: str) -> re.Pattern[str]:
    return re.compile(rf"{word_first(name)}(?!\w)")


class _FileWords:
    """The names a file (or a definition, with what it can see) writes, found once and only
    when a screen asks."""

    def __init__(self, text: str, around: Optional[_FileWords] = None) -> None:
        self.text = text
        self.around = around
        self._dotted: Optional[frozenset[str]] = None
        self._after: dict[str, frozenset[str]] = {}
        self._chains: dict[str, frozenset[tuple[str, ...]]] = {}
        self._code: Optional[str] = None

    @property
    def dotted(self) -> frozenset[str]:
        """The attribute names the text itself writes: a method is called in the code that
        calls it, on an object that may come from around it (`session.get()`)."""
        if self._dotted is None:
            self._dotted = frozenset(_DOTTED.findall(self.text))
        return self._dotted

    @property
    def code(self) -> str:
        """The text without its import statements: `from pkg.mod import f` is no use of `pkg`."""
        if self._code is None:
            self._code = _IMPORT_LINE.sub("", self.text) if "import" in self.text else self.text
        return self._code

    def after(self, name: str) -> frozenset[str]:
        """The names written after `name.` (`requests.get` gives "get" after "requests"), other
        than in import statements; in what the definition sees, too."""
        found = self.after_here(name)
        return found | self.around.after(name) if self.around is not None else found

    def after_here(self, name: str) -> frozenset[str]:
        """`after` in the text itself (a definition's own code)."""
        found = self._after.get(name)
        if found is None:
            code = self.code
            found = frozenset(_after(name).findall(code)) if name in code else frozenset()
            self._after[name] = found
        return found

    def has_attribute(self, leaves: Leaves) -> bool:
        return leaves is None or not leaves.isdisjoint(self.dotted)

    def chains(self, name: str) -> frozenset[tuple[str, ...]]:
        """The dotted names written after `name.` (`litellm.llms.client.post` gives
        ("llms", "client", "post")), other than in import statements; in what the
        definition sees, too."""
        found = self._chains.get(name)
        if found is None:
            code = self.code
            found = frozenset(
                tuple(_DOTTED.findall(COMMENT.sub("", chain)))
                for chain in (_chains_after(name).findall(code) if name in code else ())
            )
            self._chains[name] = found
        return found | self.around.chains(name) if self.around is not None else found


def _import_may_block(
    local: Optional[str],
    qualified: str,
    words: _FileWords,
    screens: _BlockingScreens,
    project: ProjectIndex,
    written_here: bool = True,
) -> bool:
    """Whether calls through a name imported as `local` may block here.

    `local` None: an import the text does not show whole; "" as the name: not even its module.
    `written_here`: the text itself writes `local` (not only what it sees around it).
    """
    if not qualified:
        return True
    for name in (qualified, project.resolve(qualified)):
        found, leaves = _blocking_leaves(name)
        if local is None and (found or name in screens.fl101):
            return True  # `from time import (\n sleep as nap)`: `nap` may be anything
        if found:
            members = _MODULE_MEMBERS.get(name) if leaves is not None else None
            if members is None:
                # A function (`from time import sleep`) is called by its name, in the code
                # that calls it; a class (`from pathlib import Path`) may make an object that
                # module-level code holds.
                if name in BLOCKING_CALLS and not written_here:
                    continue
                if words.has_attribute(leaves):
                    return True
                continue
            # A module: its functions and classes are written after its local name (functions
            # where they are called; classes anywhere the definition sees).
            if local is None:
                continue
            written, called = words.after(local), words.after_here(local)
            for member, member_leaves in members.items():
                if member_leaves is None and member not in called:
                    continue
                if member in written and words.has_attribute(member_leaves):
                    return True
        elif name in screens.fl101:
            if local is not None and project.find_module_name(name) is not None:
                # A project module (`import litellm`): a call through it names the members it
                # goes through (`litellm.llms.client.post()`), so only the names written count,
                # not everything under the module that may block. (The rule does not follow
                # an alias of the module, `m = litellm`, nor does this.)
                if any(
                    _chain_may_block(name, chain, screens.fl101, project, words)
                    for chain in words.chains(local)
                ):
                    return True
            elif words.has_attribute(screens.fl101[name]):
                return True
    return False


def _chain_may_block(
    module: str,
    chain: tuple[str, ...],
    fl101: dict[str, Leaves],
    project: ProjectIndex,
    words: _FileWords,
) -> bool:
    """Whether `module.a.b.c` (`chain`: a, b, c) may reach a blocking call, followed as far as
    the FL101 names go: under a module only a name that may block counts; after an object
    that may block, its method must be one of its blocking leaves (or be written elsewhere,
    when the chain ends at the object)."""
    current, leaves, is_module = module, fl101[module], True
    for part in chain:
        under = f"{current}.{part}"
        if under not in fl101:
            resolved = project.resolve(under)
            if resolved not in fl101:
                return not is_module and (leaves is None or part in leaves)
            under = resolved
        current, leaves = under, fl101[under]
        is_module = project.find_module_name(under) == under
    return words.has_attribute(leaves)


_FROM_IMPORT = re.compile(r"from[ \t]+(\.*)([\w.]*)[ \t]+import[ \t]+(.*)")
_PLAIN_IMPORT = re.compile(r"import[ \t]+(.*)")
_IMPORTED_NAME = re.compile(r"^([\w.]+)(?:[ \t]+as[ \t]+(\w+))?$")


def _nested_imports(text: str, facts: ModuleFacts) -> Iterator[tuple[Optional[str], str]]:
    """(local name, qualified name) of the imports the facts do not hold, read from the text.

    An import the text does not show whole (on several lines) gives its module as the
    qualified name with no local name.
    """
    if "import" not in text:  # in every import statement; most functions have none
        return
    package = module_package(facts.name, facts.is_package)
    for match in statement_matches(_NESTED_IMPORT, text, ("from", "import")):
        line = match.group(0).lstrip(" \t;:").split("#")[0].rstrip()
        if line.endswith("\\"):
            yield None, ""  # continued on the next line
            continue
        from_import = _FROM_IMPORT.match(line)
        if from_import is not None:
            dots, module, names = from_import.groups()
            base = resolve_relative(package, len(dots), module or None) if dots else module
            names = names.strip()
            if names.startswith("(") and ")" not in names:
                # `from pkg import (\n    a,\n    b as c,\n)`: the names up to the `)`.
                close = text.find(")", match.end())
                if close >= 0:
                    names += COMMENT.sub("", text[match.end() : close + 1])
            if names.startswith("(") and names.endswith(")"):
                names = names[1:-1]
            parts = [" ".join(part.split()) for part in names.split(",") if part.strip()]
            parsed = [_IMPORTED_NAME.match(part) for part in parts]
            if not parts or "(" in names or not all(parsed):
                yield None, base
                continue
            for found in parsed:
                assert found is not None
                imported, alias = found.groups()
                yield alias or imported, f"{base}.{imported}" if base else imported
            continue
        plain = _PLAIN_IMPORT.match(line)
        if plain is None:
            continue  # `from` or `import` in some other sense (a docstring's prose)
        for part in plain.group(1).split(","):
            found = _IMPORTED_NAME.match(part.strip())
            if found is None:
                yield None, part.strip().split(" ")[0].rstrip("\\")
                continue
            imported, alias = found.groups()
            yield (alias, imported) if alias else (imported.split(".")[0], imported.split(".")[0])


def _may_block_in_async(
    text: str,
    facts: Optional[ModuleFacts],
    project: ProjectIndex,
    around: Optional[Surroundings] = None,
) -> bool:
    """The FL101 screen of a file, or of one definition and what it can see (`around`)."""
    if not _ASYNC_DEF.search(text):
        return False
    # Names a star import brings are not followed (neither here nor by the rules: engine/names
    # leaves them unresolved), so only the imports the facts and the text show count.
    if facts is None or _BUILTIN_CALL.search(text):
        return True
    screens = _screens(project)
    words = _FileWords(text, None if around is None else _around_words(around.code))
    imports: Iterable[tuple[Optional[str], str]] = (
        *facts.imports.items(),
        *_nested_imports(text, facts),
    )
    here = words_in(text)
    if around is not None:
        # A call through an import writes its name here or in module-level code.
        elsewhere = words_in(around.code)
        imports = [
            (local, name)
            for local, name in imports
            if local is None or local in here or local in elsewhere
        ]
    return any(
        _import_may_block(local, name, words, screens, project, local is None or local in here)
        for local, name in imports
    )


def _calls_blocking_helper(
    text: str,
    facts: Optional[ModuleFacts],
    project: ProjectIndex,
    around: Optional[Surroundings] = None,
    in_class: bool = False,
) -> bool:
    """The FL102 screen of a file, or of one definition and what it can see (`around`);
    `in_class`: the definition is a class or one of its methods."""
    if not _ASYNC_DEF.search(text):
        return False
    if facts is None:
        return True
    words = words_in(text)
    names = _screens(project).fl102
    if around is None:
        return names.may_be_called(words, words, facts, project, text)
    # The rule reports calls: in the definition, a name not written as a call's callee (an
    # annotation, a word in a string) is not one. Module-level code may alias a helper under
    # another name (`run = helper`), so all of its names count.
    callees = frozenset(_CALLED.findall(text))
    return names.may_be_called(
        callees, words, facts, project, text, words_in(around.code), in_class
    )


# One file's definitions are screened in turn with the same surroundings.
@functools.lru_cache(maxsize=2)
def _around_words(code: str) -> _FileWords:
    return _FileWords(code)


# --- naming a call in the CST --------------------------------------------------------------


class _CallNaming(Rule):
    """Shared by both rules: the names a call may go by, and the project's call graph."""

    # Parsed only when the file has a coroutine; without one neither rule can report.
    triggers = ("async",)
    # Both read the calls of the coroutines they keep; the calls of other functions are in the
    # `ast` call graph.
    named_bodies = False
    # The screens know the catalogue, not the configured names.
    screen_options = ("extend-blocking-calls",)

    @classmethod
    def could_fire_in(cls, definition: Definition) -> bool:
        """Both report only calls made directly in an `async def`."""
        return _ASYNC_DEF.search(definition.text) is not None

    @classmethod
    def prepare(cls, project: ProjectIndex) -> None:
        """The screens' names (litellm: 2 s, and 45 MB of call graph and lookups kept)."""
        _screens(project)

    def begin_file(self) -> None:
        # `with Client() as c`: the class of `c` by (function, name), which bindings lack.
        self._with_targets: dict[tuple[int, str], cst.BaseExpression] = {}

    @property
    def configured(self) -> tuple[str, ...]:
        return tuple(self.options.get("extend-blocking-calls", ()) or ())

    @property
    def graph(self) -> CallGraph:
        # The graph memoizes across files, so its answers cannot be traced to the modules they
        # came from: a file that consults it depends on the whole project (for a cache that
        # tracks per-file dependencies).
        project = self.context.project
        project.depends_on_everything()
        return blocking_graph(project, self.configured)

    def visit_WithItem(self, node: cst.WithItem) -> None:
        function = self.context.current_function
        if (
            function is not None
            and node.asname is not None
            and isinstance(node.asname.name, cst.Name)
            and isinstance(node.item, cst.Call)
        ):
            self._with_targets[(id(function), node.asname.name.value)] = node.item.func

    def argument_names(self, call: cst.Call) -> tuple[str, ...]:
        """Qualified names passed as arguments (`os.WNOHANG`), as the call graph records them."""
        names = []
        for argument in call.args:
            if isinstance(argument.value, (cst.Name, cst.Attribute)):
                name = self.context.qualified_name(argument.value)
                if name is not None:
                    names.append(name)
        return tuple(names)

    def call_names(self, call: cst.Call) -> Iterator[str]:
        """Qualified names the callee may go by, most literal first."""
        func = call.func
        scope = self.context.scope
        if isinstance(func, (cst.Name, cst.Attribute)) and scope is not None:
            raw = self.context.names.qualified_name(func, scope)
            if raw is not None:
                yield raw
                # As `context.qualified_name` does: follow the project's re-exports.
                if not raw.startswith("builtins."):
                    resolved = self.context.project.resolve(raw)
                    if resolved != raw:
                        yield resolved
        if isinstance(func, cst.Attribute):
            receiver = self._receiver_class(func.value)
            if receiver is not None:
                yield f"{receiver}.{func.attr.value}"

    def _receiver_class(self, expr: cst.BaseExpression) -> Optional[str]:
        """The class (or module-level object) a method is called on, when the code says it."""
        context = self.context
        if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Divide):
            return self._receiver_class(expr.left)
        if isinstance(expr, cst.Attribute) and expr.attr.value in PATH_PRESERVING_ATTRIBUTES:
            return self._receiver_class(expr.value)
        if isinstance(expr, cst.Call):
            func = expr.func
            if isinstance(func, cst.Attribute) and func.attr.value in PATH_PRESERVING_METHODS:
                return self._receiver_class(func.value)
            return context.qualified_name(func)
        if isinstance(expr, cst.Name):
            owner = self._self_class(expr.value)
            if owner is not None:
                return owner
            function = context.current_function
            with_target = self._with_targets.get((id(function), expr.value))
            if with_target is not None:
                found = context.lookup(expr.value)
                if found is not None and found[0].value is None and found[0].annotation is None:
                    return context.qualified_name(with_target)
        found_class = context.instance_class(expr)
        if found_class is not None:
            return found_class
        if isinstance(expr, (cst.Name, cst.Attribute)):
            return context.qualified_name(expr)  # a module, or an object of a project module
        return None

    def _self_class(self, name: str) -> Optional[str]:
        """`self`/`cls` in a method: the qualified name of the class it belongs to."""
        scope = self.context.scope
        function = self.context.current_function
        if scope is None or scope.node is not function or not isinstance(function, cst.FunctionDef):
            return None
        parent = scope.parent
        if parent is None or not isinstance(parent.node, cst.ClassDef):
            return None
        params = [*function.params.posonly_params, *function.params.params]
        if not params or params[0].name.value != name:
            return None
        if any(_decorator_name(d) == "staticmethod" for d in function.decorators):
            return None
        module = self.context.module_name
        return f"{module}.{parent.qualname}" if module else parent.qualname


def _decorator_name(decorator: cst.Decorator) -> Optional[str]:
    expr = decorator.decorator
    return expr.value if isinstance(expr, cst.Name) else None


# --- FL101 ---------------------------------------------------------------------------------


class BlockingCallInAsync(_CallNaming):
    code = "FL101"
    name = "blocking-call-in-async"
    severity = Severity.ERROR
    summary = (
        "A blocking call (sleep, sync HTTP, file, process, socket, DB) made inside `async def`"
    )
    fix = Applicability.SAFE
    tags = ("async", "performance")
    docs = """\
## What it does
Finds calls that block the thread made directly in the body of an `async def` (a route, a
dependency or any other coroutine): `time.sleep`, `requests` (functions and `Session` methods),
the sync `httpx` API and `httpx.Client` methods, `urllib.request.urlopen`, `urllib3`,
`subprocess`, `os.system`/`os.popen`/`os.wait*`, `open`/`io.open` and `pathlib.Path` I/O
methods, socket connects and DNS lookups, sync database drivers (`psycopg2`, `psycopg`,
`pymysql`, `sqlite3`, `pymongo.MongoClient`, commands sent through a sync `redis.Redis`
client), `input`, and the qualified names listed in `extend-blocking-calls`. Names are resolved
through imports and aliases, and methods through the class of the object they are called on
when the code says it (`session = requests.Session()`, `path: Path`, a client created at module
level in another module of the project).

Not reported either: `os.waitpid(..., os.WNOHANG)`, which returns at once, and creating a
`redis.Redis` client, which connects on its first command.

Not reported: calls inside a nested `def` or `lambda`, functions passed by reference to
`asyncio.to_thread`, `run_in_threadpool`, `loop.run_in_executor` or `anyio.to_thread.run_sync`,
and plain `def` routes, which FastAPI already runs in a thread pool.

## Why is this bad?
A coroutine runs on the event loop thread, which serves every request of the worker. While a
blocking call waits for the network, the disk or a timer, no other request makes progress:
one `requests.get` that takes two seconds stalls the whole worker for two seconds.

## Example
```python
@app.get("/users/{user_id}")
async def read_user(user_id: int):
    time.sleep(0.5)
    response = requests.get(f"https://api.example.com/users/{user_id}")
    return response.json()
```

## Use instead
```python
@app.get("/users/{user_id}")
async def read_user(user_id: int):
    await asyncio.sleep(0.5)
    async with httpx.AsyncClient() as client:
        response = await client.get(f"https://api.example.com/users/{user_id}")
    return response.json()
```
When no async library fits, run the blocking call in a thread:
`await asyncio.to_thread(requests.get, url)` or `await run_in_threadpool(requests.get, url)`.
Or declare the route with plain `def`: FastAPI then runs it in its thread pool.
Short local file reads (a template at startup) cost little; the rule still reports them,
because under load the disk is not always fast. Suppress with `# noqa: FL101` where you
measured that it does not matter.

## Fix safety
`time.sleep(x)` becomes `await asyncio.sleep(x)` (adding `import asyncio`); this is safe: both
wait the same time, and the coroutine lets other requests run meanwhile. Other calls have no
automatic fix: the async replacement has a different API.

## References
- [FastAPI: Concurrency and async / await](https://fastapi.tiangolo.com/async/)
- [Python: Developing with asyncio — running blocking code](https://docs.python.org/3/library/asyncio-dev.html#running-blocking-code)
- [asyncio.to_thread](https://docs.python.org/3/library/asyncio-task.html#asyncio.to_thread)
"""
    valid = (
        """\
import asyncio
import requests

async def fetch(url: str):
    return await asyncio.to_thread(requests.get, url, timeout=5)
""",
        """\
import time
from fastapi import FastAPI

app = FastAPI()

@app.get("/slow")
def slow():
    time.sleep(1)
    return {}
""",
        """\
import requests

async def handler():
    def work():
        return requests.get("https://example.com", timeout=5)
    callback = lambda: requests.get("https://example.com", timeout=5)
    return work, callback
""",
        """\
async def handler(items):
    requests = []
    requests.append(1)
    open = None
    return requests, open
""",
        """\
from starlette.concurrency import run_in_threadpool
import subprocess

async def run(command):
    return await run_in_threadpool(subprocess.run, command, check=True)
""",
    )
    invalid = (
        Example(
            """\
import time

async def wait():
    time.sleep(1)
""",
            fixed="""\
import time
import asyncio

async def wait():
    await asyncio.sleep(1)
""",
        ),
        """\
import requests as r

async def fetch():
    return r.get("https://example.com", timeout=5).json()
""",
        """\
from pathlib import Path

async def load(path: Path) -> str:
    return path.read_text()
""",
        """\
import httpx

async def fetch():
    with httpx.Client() as client:
        return client.get("https://example.com")
""",
        Example(
            """\
import mylib

async def handler():
    mylib.slow_call()
""",
            options={"extend-blocking-calls": ["mylib.slow_call"]},
        ),
    )

    @classmethod
    def could_fire(cls, text: str, facts: Optional[ModuleFacts], project: ProjectIndex) -> bool:
        """A coroutine, and an import (or builtin) through which a blocking call is reached."""
        return _may_block_in_async(text, facts, project)

    @classmethod
    def could_fire_in(cls, definition: Definition) -> bool:
        """`could_fire` on the definition and the module-level code and classes it sees."""
        return _may_block_in_async(
            definition.text, definition.facts, definition.project, definition.around
        )

    def visit_Call(self, node: cst.Call) -> None:
        if not self.context.in_coroutine():
            return
        configured = self.configured
        graph = self.graph
        arguments = self.argument_names(node)
        for name in self.call_names(node):
            family = blocking_family(name, configured, arguments)
            if family is None:
                # Methods of module-level objects of other modules, of project subclasses.
                kind = graph.classify(name, arguments)
                if kind is None or kind[0] != "target":
                    continue
                name = kind[1]
                family = blocking_family(name, configured, arguments) or CONFIGURED
            self._report(node, name, family)
            return

    def _report(self, node: cst.Call, name: str, family: str) -> None:
        shown = _display(name)
        message = f"`{shown}` {_WHAT[family]} inside `async def`: {_ADVICE[family]}"
        fix = self._sleep_fix(node) if name == "time.sleep" else None
        self.report(node, message, fix=fix)

    def _sleep_fix(self, node: cst.Call) -> Optional[PendingFix]:
        if any(arg.keyword is not None for arg in node.args) or not node.args:
            return None
        parent = self.context.parent
        if isinstance(parent, cst.Await):
            return None
        # An `await` inside a generator expression would make it an async generator.
        for ancestor in reversed(self.context.ancestors[:-1]):
            if isinstance(ancestor, cst.GeneratorExp):
                return None
            if isinstance(ancestor, (cst.FunctionDef, cst.Lambda)):
                break
        found = self.context.lookup("asyncio")
        if found is not None and not (
            found[0].kind == "import" and found[0].qualified == "asyncio"
        ):
            return None  # `asyncio` means something else here
        call = cst.Call(
            func=cst.Attribute(value=cst.Name("asyncio"), attr=cst.Name("sleep")),
            args=[arg.with_changes(comma=cst.MaybeSentinel.DEFAULT) for arg in node.args],
        )
        lpar, rpar = node.lpar, node.rpar
        # `await` binds looser than attribute access, subscripts and calls.
        needs_parentheses = (
            (isinstance(parent, cst.Attribute) and parent.value is node)
            or (isinstance(parent, cst.Subscript) and parent.value is node)
            or (isinstance(parent, cst.Call) and parent.func is node)
        )
        if needs_parentheses and not lpar:
            lpar, rpar = [cst.LeftParen()], [cst.RightParen()]
        awaited = cst.Await(expression=call, lpar=lpar, rpar=rpar)
        return self.make_fix(
            "Replace with `await asyncio.sleep(...)`",
            replace(node, awaited),
            imports=[("asyncio", None)],
        )


# --- FL102 ---------------------------------------------------------------------------------


class TransitiveBlockingCall(_CallNaming):
    code = "FL102"
    name = "transitive-blocking-call"
    severity = Severity.ERROR
    summary = "An `async def` calls a sync project function that blocks, directly or further down"
    tags = ("async", "performance")
    docs = """\
## What it does
Follows the calls a coroutine makes to the project's own sync functions — in any module,
through imports under other names, methods called on `self`, and further helpers — and reports
the call when the chain reaches a blocking call (the list of `blocking-call-in-async`, plus
`extend-blocking-calls`). The message names the whole chain, for instance
`build_report() → fetch_profile() → requests.get()`.

Not reported: functions handed to `asyncio.to_thread`, `run_in_threadpool`,
`loop.run_in_executor`, `anyio.to_thread.run_sync` or `BackgroundTasks.add_task` (passed by
reference, they run in a thread or after the response), calls that are awaited (the helper was
made awaitable by a decorator), and helpers memoized with `functools.lru_cache`/`cache` or
a module-level cache (`global X`, then `if X is not None: return X` or
`if X is None: X = build()`), which block at most once.

A helper you have decided to accept (a one-time startup path, a tiny local file) can be marked
once instead of at every caller: `# noqa: FL102` (or `FL101`) on the helper's `def` line or on
the blocking call ends every chain there.

## Why is this bad?
A blocking call hidden two helpers down stalls the event loop exactly like one written in the
coroutine, but per-file linters cannot see it: they only look at the coroutine's own body.
Every request the worker serves waits while the helper waits.

## Example
```python
# services.py
def fetch_profile(user_id: int) -> dict:
    return requests.get(f"https://profiles.example.com/{user_id}", timeout=5).json()

def build_report(user_id: int) -> dict:
    return {"profile": fetch_profile(user_id)}

# routes.py
@router.get("/report/{user_id}")
async def report(user_id: int):
    return build_report(user_id)
```

## Use instead
```python
@router.get("/report/{user_id}")
async def report(user_id: int):
    return await run_in_threadpool(build_report, user_id)
```
or make the chain async (`httpx.AsyncClient` and `async def` helpers), or declare the route with
plain `def` so that FastAPI runs it in its thread pool.

## Fix safety
No automatic fix: whether to offload or to rewrite the helpers as coroutines is a design choice.

## References
- [FastAPI: Concurrency and async / await](https://fastapi.tiangolo.com/async/)
- [Starlette: run_in_threadpool](https://www.starlette.io/threadpool/)
- [asyncio.to_thread](https://docs.python.org/3/library/asyncio-task.html#asyncio.to_thread)
"""
    valid = (
        """\
import asyncio
import requests

def fetch_profile(user_id):
    return requests.get(f"https://example.com/{user_id}", timeout=5).json()

async def report(user_id):
    return await asyncio.to_thread(fetch_profile, user_id)
""",
        """\
def total(values):
    return sum(values)

async def report(values):
    return total(values)
""",
        """\
from functools import lru_cache

@lru_cache
def settings():
    with open("settings.json") as handle:
        return handle.read()

async def read_settings():
    return settings()
""",
    )
    invalid = (
        Example(
            """\
from app.services import build_report as make_report

async def report(user_id):
    return make_report(user_id)
""",
            files={
                "app/__init__.py": "",
                "app/services.py": """\
import requests

def fetch_profile(user_id):
    return requests.get(f"https://example.com/{user_id}", timeout=5).json()

def build_report(user_id):
    return {"profile": fetch_profile(user_id)}
""",
            },
        ),
        """\
import subprocess

class Deployer:
    def _run(self, command):
        return subprocess.run(command, check=True)

    async def deploy(self):
        self._run(["make", "deploy"])
""",
    )

    @classmethod
    def could_fire(cls, text: str, facts: Optional[ModuleFacts], project: ProjectIndex) -> bool:
        """A coroutine, and the name of a project function that blocks, directly or further down."""
        return _calls_blocking_helper(text, facts, project)

    @classmethod
    def could_fire_in(cls, definition: Definition) -> bool:
        """`could_fire` on the definition and the module-level code and classes it sees."""
        if not _ASYNC_DEF.search(definition.text):
            return False  # before `class_name`, which reads every definition of the file
        return _calls_blocking_helper(
            definition.text,
            definition.facts,
            definition.project,
            definition.around,
            definition.class_name is not None,
        )

    def visit_Call(self, node: cst.Call) -> None:
        if not self.context.in_coroutine() or isinstance(self.context.parent, cst.Await):
            return
        graph = self.graph
        configured = self.configured
        arguments = self.argument_names(node)
        for name in self.call_names(node):
            if blocking_family(name, configured, arguments) is not None:
                return  # FL101's finding
            kind = graph.classify(name, arguments)
            if kind is None:
                continue
            if kind[0] == "target":
                return
            function = graph.function(kind[1])
            chain = graph.chain(kind[1], runs=self._iterated_here(node))
            if function is None or chain is None:
                continue
            self._report(node, function, chain)
            return

    def _iterated_here(self, node: cst.Call) -> bool:
        """`for x in helper():` (or a comprehension over it): a generator's body runs here."""
        parent = self.context.parent
        return isinstance(parent, (cst.For, cst.CompFor)) and parent.iter is node

    def _report(
        self, node: cst.Call, function: ProjectFunction, chain: tuple[ChainStep, ...]
    ) -> None:
        names = [f"{function.qualname}()"]
        names.extend(
            _display(step.callee) if step.is_target else f"{step.callee}()" for step in chain
        )
        last = chain[-1]
        where = f"{last.module}, line {last.line}" if last.module else f"line {last.line}"
        self.report(
            node,
            f"`{function.qualname}()` blocks the event loop: {' → '.join(names)} ({where}); "
            "offload it with `await asyncio.to_thread(...)` / `await run_in_threadpool(...)`, "
            "or make the chain async",
        )


RULES: tuple[type[Rule], ...] = (BlockingCallInAsync, TransitiveBlockingCall)
