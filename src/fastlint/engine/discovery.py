"""Finding the files to check: Python sources plus deployment files, honouring ignores."""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Optional

if TYPE_CHECKING:
    import pathspec

# Never worth walking into (ruff's defaults, plus ours), matched by name.
DEFAULT_EXCLUDES = frozenset(
    {
        ".bzr",
        ".direnv",
        ".eggs",
        ".git",
        ".git-rewrite",
        ".hg",
        ".ipynb_checkpoints",
        ".mypy_cache",
        ".nox",
        ".pants.d",
        ".pyenv",
        ".pytest_cache",
        ".pytype",
        ".ruff_cache",
        ".fastlint_cache",
        ".svn",
        ".tox",
        ".venv",
        ".vscode",
        "__pypackages__",
        "__pycache__",
        "_build",
        "buck-out",
        "build",
        "dist",
        "node_modules",
        "site-packages",
        "venv",
    }
)


@dataclass(frozen=True)
class DiscoveredFile:
    path: str
    kind: str  # "python", "dockerfile", "procfile", "compose", "production"


@dataclass
class Discovery:
    files: list[DiscoveredFile] = field(default_factory=list)
    # (path, message) for paths that could not be walked or read.
    problems: list[tuple[str, str]] = field(default_factory=list)
    # Paths given on the command line that do not exist: reported as findings, as ruff does.
    missing: list[str] = field(default_factory=list)


def file_kind(name: str, relpath: str, production_globs: Sequence[str]) -> Optional[str]:
    if name.endswith(".py"):
        return "python"
    if name.startswith("Dockerfile") or name.endswith(".dockerfile"):
        return "dockerfile"
    if name == "Procfile" or name.startswith("Procfile."):
        return "procfile"
    lower = name.lower()
    if lower.endswith((".yml", ".yaml")) and (
        lower.startswith("docker-compose") or lower.startswith("compose")
    ):
        return "compose"
    for pattern in production_globs:
        if fnmatch.fnmatch(relpath, pattern) or fnmatch.fnmatch(name, pattern):
            return "production"
    return None


class _Ignores:
    """`.gitignore` files from the repository root down, as git reads them."""

    def __init__(self) -> None:
        self._cache: dict[str, Optional[pathspec.GitIgnoreSpec]] = {}

    def _spec(self, directory: str) -> Optional[pathspec.GitIgnoreSpec]:
        if directory not in self._cache:
            spec = None
            try:
                with open(os.path.join(directory, ".gitignore"), encoding="utf-8") as handle:
                    lines = handle.read().splitlines()
                import pathspec  # only when there is a .gitignore: it costs ~50 ms to import

                spec = pathspec.GitIgnoreSpec.from_lines(lines)
            except (OSError, UnicodeDecodeError, ValueError):
                spec = None
            self._cache[directory] = spec
        return self._cache[directory]

    def ignored(self, path: str, is_dir: bool, chain: Sequence[str]) -> bool:
        """Whether `path` is ignored by the .gitignore files of the directories in `chain`."""
        for directory in reversed(chain):  # the deepest .gitignore decides first
            spec = self._spec(directory)
            if spec is None:
                continue
            rel = os.path.relpath(path, directory).replace(os.sep, "/")
            if is_dir:
                rel += "/"
            result = spec.check_file(rel)
            if result.include is not None:
                return bool(result.include)
        return False


def _repository_root(start: str) -> Optional[str]:
    current = os.path.abspath(start)
    while True:
        if os.path.exists(os.path.join(current, ".git")):
            return current
        parent = os.path.dirname(current)
        if parent == current:
            return None
        current = parent


def _ancestor_chain(root: Optional[str], directory: str) -> list[str]:
    """Directories from the repository root down to `directory` (inclusive)."""
    directory = os.path.abspath(directory)
    if root is None:
        return [directory]
    chain = []
    current = directory
    while True:
        chain.append(current)
        if current == root:
            break
        parent = os.path.dirname(current)
        if parent == current:
            break
        current = parent
    chain.reverse()
    return chain


class _Walker:
    def __init__(
        self,
        project_root: str,
        exclude: Sequence[str],
        respect_gitignore: bool,
        production_files: Sequence[str],
    ) -> None:
        self.project_root = project_root
        self.exclude_spec: Optional[pathspec.GitIgnoreSpec] = None
        if exclude:
            import pathspec

            self.exclude_spec = pathspec.GitIgnoreSpec.from_lines(list(exclude))
        self.user_exclude = bool(exclude)
        self.respect_gitignore = respect_gitignore
        self.production_files = production_files
        self.ignores = _Ignores()
        self.result = Discovery()
        self.seen_files: set[str] = set()
        self.visited_directories: set[str] = set()
        self._relative_directories: dict[str, str] = {}

    def relative(self, path: str) -> str:
        """The path from the project root, "/"-separated (its directory's part computed once)."""
        directory, name = os.path.split(path)
        if not name:  # `dir/`
            return os.path.relpath(os.path.abspath(path), self.project_root).replace(os.sep, "/")
        base = self._relative_directories.get(directory)
        if base is None:
            base = os.path.relpath(os.path.abspath(directory), self.project_root)
            base = self._relative_directories[directory] = base.replace(os.sep, "/")
        return name if base == "." else f"{base}/{name}"

    def excluded(self, path: str, is_dir: bool) -> bool:
        """Excludes match a file or directory name, or its path from the project root."""
        name = os.path.basename(path)
        if is_dir and name in DEFAULT_EXCLUDES:
            return True
        if self.exclude_spec is None:
            return False
        suffix = "/" if is_dir else ""
        candidates = [name + suffix]
        rel = self.relative(path)
        if not rel.startswith("../"):
            candidates.append(rel + suffix)
        return any(self.exclude_spec.match_file(c) for c in candidates)

    def add(self, path: str, kind: str, real_directory: Optional[str] = None) -> None:
        """`real_directory`: the real path of the directory of `path`, which is no symlink."""
        if real_directory is None:
            key = os.path.realpath(path)
        else:
            key = os.path.join(real_directory, os.path.basename(path))
        if key not in self.seen_files:
            self.seen_files.add(key)
            self.result.files.append(DiscoveredFile(path, kind))

    def given(self, path: str) -> None:
        if not os.path.lexists(path):
            self.result.missing.append(path)
        elif not os.path.exists(path):
            self.result.problems.append((path, "broken symbolic link or symlink loop"))
        elif os.path.isdir(path):
            repo = _repository_root(path) if self.respect_gitignore else None
            chain = _ancestor_chain(repo, path) if self.respect_gitignore else []
            self.directory_tree(path, chain)
        elif not os.path.isfile(path):
            # A FIFO, socket or device: reading it could block forever.
            self.result.problems.append((path, "not a regular file"))
        else:
            # A file named on the command line is checked unless the configuration excludes
            # it (so pre-commit, which passes every file, still honours `exclude`).
            name = os.path.basename(path)
            kind = file_kind(name, self.relative(path), self.production_files)
            if kind is not None and not (self.user_exclude and self.excluded(path, False)):
                self.add(path, kind)

    def directory_tree(self, top: str, chain: list[str]) -> None:
        stack: list[tuple[str, list[str]]] = [(top, chain)]
        while stack:
            directory, dir_chain = stack.pop()
            real = os.path.realpath(directory)
            if real in self.visited_directories:
                self.result.problems.append((directory, "symlink loop: directory already visited"))
                continue
            self.visited_directories.add(real)
            if os.path.isfile(os.path.join(directory, "pyvenv.cfg")):
                continue  # a virtualenv, whatever its name
            try:
                entries = sorted(os.scandir(directory), key=lambda e: e.name)
            except OSError as exc:
                message = f"cannot read directory: {exc.strerror or exc}"
                self.result.problems.append((directory, message))
                continue
            subdirectories = []
            for entry in entries:
                sub = self.entry(entry, dir_chain, real)
                if sub is not None:
                    subdirectories.append(sub)
            for sub in reversed(subdirectories):
                sub_chain = dir_chain + [os.path.abspath(sub)] if self.respect_gitignore else []
                stack.append((sub, sub_chain))

    def entry(
        self, entry: os.DirEntry[str], chain: list[str], real_directory: str
    ) -> Optional[str]:
        """Handle one directory entry; returns it when it is a directory to walk into."""
        path = entry.path
        try:
            is_dir = entry.is_dir()
            is_file = entry.is_file()
        except OSError as exc:
            self.result.problems.append((path, f"cannot stat: {exc.strerror or exc}"))
            return None
        if not is_dir and not is_file:
            if entry.is_symlink() and entry.name.endswith(".py"):
                self.result.problems.append((path, "broken symbolic link or symlink loop"))
            return None
        if self.excluded(path, is_dir):
            return None
        if self.respect_gitignore and self.ignores.ignored(path, is_dir, chain):
            return None
        if is_dir:
            return path
        # The path from the root is read only for production globs (9,000 files in litellm).
        relative = self.relative(path) if self.production_files else ""
        kind = file_kind(entry.name, relative, self.production_files)
        if kind is not None:
            self.add(path, kind, None if entry.is_symlink() else real_directory)
        return None


def discover(
    paths: Sequence[str],
    *,
    project_root: str,
    exclude: Sequence[str] = (),
    respect_gitignore: bool = True,
    production_files: Sequence[str] = (),
) -> Discovery:
    """Files to check under `paths`, in a stable order, and the paths that could not be read."""
    walker = _Walker(project_root, exclude, respect_gitignore, production_files)
    for path in paths:
        walker.given(path)
    return walker.result
