"""A cache that never lies: per-file results keyed by content, configuration and versions.

As ruff and mypy do (see the project notes): a file is looked up by stat first, then by content
hash. Results of files with findings are cached too: LibCST work costs 100-300× ruff's.
A file's findings may depend on other modules through the project index, so each entry records
which modules it asked the index about (and the digest of their facts then): editing a helper
in one module invalidates the files that used it, and only those. Files with parse errors are
never cached. Writes are atomic; the folder is marked with CACHEDIR.TAG.

Facts (the project view) are stored apart from findings: a run where nothing changed never loads
them, never parses, and never imports LibCST or the rules.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import os
import pickle
import sys
import tempfile
from dataclasses import dataclass, field
from typing import Any, Optional

from fastlint import __version__
from fastlint.engine.findings import Finding
from fastlint.engine.project import ModuleFacts

# 2: whole-project dependencies hold a digest, not the list; 3: facts pickled per file;
# 4: facts hold `plain_returns`
CACHE_FORMAT = 4
CACHEDIR_TAG = (
    "Signature: 8a477f597d28d172789f06886806bc55\n"
    "# This file is a cache directory tag created by fastlint.\n"
    "# For information about cache directory tags see https://bford.info/cachedir/\n"
)

# A dependency on every module of the project (a rule that looked at all of them).
EVERYTHING = "*"


# What a check asked the index and got: the module a name found (None: none) and that
# module's facts digest; for EVERYTHING, None and the digest of the whole index.
Answer = tuple[Optional[str], Optional[str]]


@dataclass
class CacheEntry:
    mtime_ns: int
    size: int
    content_hash: str
    module_name: str
    facts_digest: Optional[str]
    findings: list[Finding]
    # Index query → (module it found or None, that module's facts digest) when the file was
    # checked; EVERYTHING → digest of the whole index.
    dependencies: dict[str, Answer] = field(default_factory=dict)


def content_hash(data: bytes) -> str:
    """The same digest `read_source` records."""
    return hashlib.blake2b(data, digest_size=16).hexdigest()


# Fields that say where facts came from, not what the code means: a file moved, or edited
# without changing its facts (a comment), must not invalidate the files that depend on it.
_PROVENANCE = {
    ("ModuleFacts", "path"),
    ("ModuleFacts", "statement_lines"),
    ("ModuleFacts", "source_digest"),
    ("ModuleFacts", "definitions"),
    ("ModuleFacts", "methods"),
    ("ModuleFacts", "bindings"),
    ("ModuleFacts", "default_builders_by_line"),
    ("ModuleFacts", "function_bodies"),
    ("ModuleFacts", "plain_returns"),
    ("ModuleFacts", "response_returns"),
}


# Values that are their own canonical form, by exact type (a subclass, such as an enum, takes
# the general path below): this runs over every fact.
_ATOMS = frozenset({str, int, float, bool, bytes, type(None)})
_FIELDS: dict[type, Optional[tuple[str, ...]]] = {}  # a dataclass's fields in the digest


def _canonical(value: Any) -> Any:
    """A form of facts whose repr is the same in every process (sets sorted, dicts ordered)."""
    kind = type(value)
    if kind in _ATOMS:
        return value
    if kind is tuple or kind is list:
        return tuple(v if type(v) in _ATOMS else _canonical(v) for v in value)
    if kind not in _FIELDS:
        _FIELDS[kind] = _dataclass_fields(value)
    names = _FIELDS[kind]
    if names is not None:
        return (kind.__name__, tuple((name, _canonical(getattr(value, name))) for name in names))
    if isinstance(value, dict):
        return tuple(sorted((repr(k), _canonical(v)) for k, v in value.items()))
    if isinstance(value, (set, frozenset)):
        return tuple(sorted(repr(_canonical(v)) for v in value))
    if isinstance(value, (list, tuple)):
        return tuple(_canonical(v) for v in value)
    return value


def _dataclass_fields(value: Any) -> Optional[tuple[str, ...]]:
    if not dataclasses.is_dataclass(value) or isinstance(value, type):
        return None
    kind = type(value).__name__
    return tuple(f.name for f in dataclasses.fields(value) if (kind, f.name) not in _PROVENANCE)


def facts_digest(facts: ModuleFacts) -> str:
    return hashlib.blake2b(repr(_canonical(facts)).encode(), digest_size=16).hexdigest()


def libcst_version() -> str:
    """LibCST's version, read from its source (importlib.metadata costs ~50 ms to import)."""
    import importlib.util

    spec = importlib.util.find_spec("libcst")
    if spec is None or spec.origin is None:
        return "unknown"
    try:
        with open(os.path.join(os.path.dirname(spec.origin), "_version.py"), "rb") as handle:
            return hashlib.blake2b(handle.read(), digest_size=8).hexdigest()
    except OSError:
        return "unknown"


def configuration_key(configuration: Any) -> str:
    """Everything results depend on besides the files: versions, rules and options."""
    material = repr(
        (
            CACHE_FORMAT,
            # A new fact changes what cached facts must hold: never unpickle an older shape.
            tuple(f.name for f in dataclasses.fields(ModuleFacts)),
            __version__,
            libcst_version(),
            sys.version_info[:3],
            _canonical(configuration),
        )
    )
    return hashlib.blake2b(material.encode(), digest_size=12).hexdigest()


def _write_atomic(path: str, data: bytes) -> None:
    directory = os.path.dirname(path)
    fd, temporary = tempfile.mkstemp(dir=directory, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


# Results and facts are split by path into this many files, so that a run that changed one
# file rewrites a sixteenth of the cache, not all of it (litellm's facts take 20 MB).
SHARDS = 16


def _shard(path: str) -> int:
    """A stable shard number for a path (`hash()` differs between processes)."""
    return (
        hashlib.blake2b(path.encode("utf-8", "surrogatepass"), digest_size=2).digest()[0] % SHARDS
    )


# What reading a damaged pickle, or one from another version, raises.
_UNREADABLE = (
    OSError,
    EOFError,
    pickle.UnpicklingError,
    AttributeError,
    ImportError,
    TypeError,
    ValueError,
    IndexError,
)


def _load(path: str) -> Any:
    try:
        with open(path, "rb") as handle:
            return pickle.load(handle)
    except _UNREADABLE:
        return None  # missing or from another version: start afresh


class _ShardedStore:
    """A dict by path kept in `SHARDS` pickle files. A shard is read when a path in it is
    first asked for (or all of them, with `load_all`), and written only when it changed."""

    def __init__(self, directory: str, key: str, kind: str) -> None:
        self.paths = [os.path.join(directory, f"{key}.{i:02d}.{kind}") for i in range(SHARDS)]
        self.items: dict[str, Any] = {}  # of the shards read so far
        self._read: set[int] = set()
        self.dirty: set[int] = set()

    def load_all(self) -> dict[str, Any]:
        for index in range(SHARDS):
            self._load_shard(index)
        return self.items

    def _load_shard(self, index: int) -> None:
        if index not in self._read:
            self._read.add(index)
            found = _load(self.paths[index])
            if isinstance(found, dict):
                self.items.update(found)

    def get(self, path: str) -> Any:
        self._load_shard(_shard(path))
        return self.items.get(path)

    def put(self, path: str, value: Any) -> None:
        index = _shard(path)
        self._load_shard(index)
        self.items[path] = value
        self.dirty.add(index)

    def pop(self, path: str) -> None:
        index = _shard(path)
        self._load_shard(index)
        if self.items.pop(path, None) is not None:
            self.dirty.add(index)

    def save(self) -> None:
        for index in sorted(self.dirty):
            part = {p: v for p, v in self.items.items() if _shard(p) == index}
            _write_atomic(self.paths[index], pickle.dumps(part, protocol=4))
        self.dirty.clear()


class Cache:
    def __init__(self, directory: str, key: str) -> None:
        self.root = directory
        self.directory = os.path.join(directory, __version__)
        self.derived_path = os.path.join(self.directory, f"{key}.derived")
        self._results = _ShardedStore(self.directory, key, "results")
        # Every file is looked up: all results are read now. Facts are read by shard, only
        # for the files a run re-checks or asks about (a sixteenth of litellm's 20 MB for one
        # changed file).
        self.entries: dict[str, CacheEntry] = self._results.load_all()
        self._facts = _ShardedStore(self.directory, key, "facts")
        self._answers: dict[Answer, Answer] = {}

    def load_facts(self, path: str) -> Optional[ModuleFacts]:
        """The stored facts of a file, None if there are none (or they cannot be read).

        Each file's facts are pickled on their own, so a run unpickles only those its checks
        ask for, from the shards that hold them."""
        blob = self._facts.get(path)
        if not isinstance(blob, bytes):
            return None
        try:
            facts = pickle.loads(blob)
        except _UNREADABLE:  # a damaged entry: the caller extracts the facts again
            return None
        return facts if isinstance(facts, ModuleFacts) else None

    def load_derived(self, stamp: str) -> dict[str, object]:
        """Values computed from the whole project (`ProjectIndex.derived`), if they were
        computed from a project with this stamp; empty otherwise."""
        found = _load(self.derived_path)
        if isinstance(found, tuple) and len(found) == 2 and found[0] == stamp:
            return dict(found[1])
        return {}

    def save_derived(self, stamp: str, values: dict[str, object]) -> None:
        try:
            os.makedirs(self.directory, exist_ok=True)
            _write_atomic(self.derived_path, pickle.dumps((stamp, values), protocol=4))
        except (OSError, pickle.PicklingError, TypeError, AttributeError):
            pass  # only a later run's head start is lost

    def store_facts(self, path: str, facts: ModuleFacts) -> None:
        self._facts.put(path, pickle.dumps(facts, protocol=4))

    def put(self, path: str, entry: CacheEntry) -> None:
        # Entries of one run share their equal queries and answers: pickled once per shard,
        # not once per file (litellm: 103,555 of them, 16,186 different; its warm run read
        # the results in 0.061 s, 0.020 s so).
        entry.dependencies = {
            sys.intern(query): self._answers.setdefault(answer, answer)
            for query, answer in entry.dependencies.items()
        }
        self._results.put(path, entry)

    def drop(self, path: str) -> None:
        self._results.pop(path)

    def touch(self, path: str) -> None:
        """An entry was updated in place (a new mtime for the same content)."""
        self._results.dirty.add(_shard(path))

    def save(self, live_paths: set[str]) -> None:
        """Write what changed. Entries of files this run did not check are kept while the
        files exist: a run on some files must not leave the next run on all of them cold (as
        ruff's cache does not). Those of files that are gone are forgotten."""
        gone: dict[str, bool] = {}

        def is_gone(path: str) -> bool:
            if path in live_paths:
                return False
            if path not in gone:
                gone[path] = not os.path.isfile(path)
            return gone[path]

        for path in [p for p in self.entries if is_gone(p)]:
            self._results.pop(path)
        # Facts of gone files in shards this run did not read go when a later run reads them.
        for path in [p for p in self._facts.items if is_gone(p)]:
            self._facts.pop(path)
        if not (self._results.dirty or self._facts.dirty):
            return
        try:
            os.makedirs(self.directory, exist_ok=True)
            tag = os.path.join(self.root, "CACHEDIR.TAG")
            if not os.path.exists(tag):
                _write_atomic(tag, CACHEDIR_TAG.encode())
                _write_atomic(os.path.join(self.root, ".gitignore"), b"*\n")
            self._results.save()
            self._facts.save()
        except OSError:
            pass  # a read-only tree still gets its results; only the cache is lost
