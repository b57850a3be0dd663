"""Fix safety on real code: `fastlint --fix --unsafe-fixes` must never damage a file.

    python scripts/fix_safety.py                    # every pinned corpus (see corpora.py)
    python scripts/fix_safety.py fastapi --src /work/corpora/src
    python scripts/fix_safety.py --tree examples/app

Each tree is copied to a scratch directory, then:
1. `fastlint --diff --unsafe-fixes` says which files the fixes would change;
2. `fastlint --fix --unsafe-fixes` fixes the copy;
3. every changed Python file must still parse and compile (`compile(..., "exec")`; the code is
   never run), exactly the files the diff named may have changed, every other file must be
   byte-identical (SHA-256 before and after), and no temporary file may be left behind;
4. a second `--fix` run must change nothing.

Exit status: 0 when every tree passes, 1 otherwise. The checks are in `check_tree`, which
`tests/test_fix_safety.py` runs on a copy of `examples/app`.
"""

from __future__ import annotations

import argparse
import hashlib
import re
import shutil
import subprocess
import sys
import tempfile
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpora import CORPORA, CorpusError, ensure_corpus  # noqa: E402

_DIFF_TARGET = re.compile(r"^\+\+\+ b/(.+?)\s*$", re.MULTILINE)


@dataclass
class FixSafety:
    tree: str
    files: int = 0
    fixed_files: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # each one a failure
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.problems


def fastlint_command() -> list[str]:
    beside = Path(sys.executable).parent / "fastlint"
    if beside.exists():
        return [str(beside)]
    found = shutil.which("fastlint")
    return [found] if found else [sys.executable, "-m", "fastlint"]


def snapshot(root: Path) -> dict[str, str]:
    """SHA-256 of every file under `root`, by `/`-separated relative path."""
    hashes = {}
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink():
            relative = path.relative_to(root).as_posix()
            hashes[relative] = hashlib.sha256(path.read_bytes()).hexdigest()
    return hashes


def compiles(path: Path) -> Optional[str]:
    """None if the file compiles, else why not. Bytes, so coding cookies and BOMs count."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # invalid escape sequences and the like
        try:
            compile(path.read_bytes(), str(path), "exec", dont_inherit=True)
        except (SyntaxError, ValueError) as exc:
            return f"{type(exc).__name__}: {exc}"
        except (MemoryError, RecursionError):
            return "too deeply nested for this interpreter"
    return None


def _fastlint(command: list[str], cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*command, "check", ".", "--unsafe-fixes", "--exit-zero", "--quiet", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
    )


def _crashed(completed: subprocess.CompletedProcess[str]) -> Optional[str]:
    if "Traceback (most recent call last)" in completed.stderr:
        return "traceback on stderr:\n" + completed.stderr[-2000:]
    if completed.returncode not in (0, 1):
        return f"exit status {completed.returncode}: {completed.stderr[-2000:]}"
    return None


def check_tree(source: Path, scratch: Path, command: Optional[list[str]] = None) -> FixSafety:
    """Fix a copy of `source` in `scratch` (which must not exist) and check it was done safely."""
    import time

    command = command or fastlint_command()
    result = FixSafety(tree=str(source))
    shutil.copytree(source, scratch, symlinks=True)
    # Files that do not compile before the fix (newer syntax than this interpreter, on purpose
    # broken test data) cannot be held against the fix.
    broken_before = {
        p.relative_to(scratch).as_posix() for p in scratch.rglob("*.py") if compiles(p)
    }
    before = snapshot(scratch)
    result.files = len(before)
    start = time.perf_counter()

    diff = _fastlint(command, scratch, "--diff")
    if _crashed(diff):
        result.problems.append(f"--diff crashed: {_crashed(diff)}")
    announced = set(_DIFF_TARGET.findall(diff.stdout))
    if snapshot(scratch) != before:
        result.problems.append("--diff wrote to files")

    fixed = _fastlint(command, scratch, "--fix")
    if _crashed(fixed):
        result.problems.append(f"--fix crashed: {_crashed(fixed)}")
    after = snapshot(scratch)
    result.seconds = time.perf_counter() - start
    changed = sorted(path for path in before if after.get(path) != before[path])
    result.fixed_files = changed
    for path in sorted(set(before) - set(after)):
        result.problems.append(f"{path}: deleted by --fix")
    for path in sorted(set(after) - set(before)):
        result.problems.append(f"{path}: created by --fix (a temporary file left behind?)")
    for path in changed:
        if path not in announced:
            result.problems.append(f"{path}: changed by --fix but not shown by --diff")
        if path.endswith(".py") and path not in broken_before:
            why = compiles(scratch / path)
            if why is not None:
                result.problems.append(f"{path}: does not compile after --fix: {why}")
    for path in sorted(announced - set(changed)):
        result.problems.append(f"{path}: shown by --diff but not changed by --fix")

    again = _fastlint(command, scratch, "--fix")
    if _crashed(again):
        result.problems.append(f"second --fix crashed: {_crashed(again)}")
    for path, digest in snapshot(scratch).items():
        if after.get(path) != digest:
            result.problems.append(f"{path}: changed again by a second --fix run")
    return result


def markdown(results: list[FixSafety]) -> str:
    lines = [
        "| tree | files | fixed files | time (s) | problems |",
        "|---|---:|---:|---:|---|",
    ]
    for result in results:
        verdict = "none" if result.ok else f"**{len(result.problems)}**"
        lines.append(
            f"| {result.tree} | {result.files} | {len(result.fixed_files)} "
            f"| {result.seconds:.1f} | {verdict} |"
        )
    for result in results:
        for problem in result.problems:
            lines.append(f"- {result.tree}: {problem}")
    return "\n".join(lines) + "\n"


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", help="corpora to check (default: all)")
    parser.add_argument("--src", type=Path, help="directory holding already unpacked corpora")
    parser.add_argument("--tree", type=Path, action="append", help="check this tree instead")
    parser.add_argument("--keep", action="store_true", help="keep the fixed copies")
    args = parser.parse_args(argv)
    trees: list[tuple[str, Path]] = []
    if args.tree:
        trees = [(str(tree), tree) for tree in args.tree]
    for name in args.names or ([] if args.tree else list(CORPORA)):
        try:
            trees.append((name, args.src / name if args.src else ensure_corpus(name)))
        except CorpusError as exc:
            print(f"fix_safety: error: {exc}", file=sys.stderr)
            return 2
    scratch_root = Path(tempfile.mkdtemp(prefix="fastlint-fix-safety-"))
    results = []
    try:
        for label, tree in trees:
            print(f"fix_safety: {label} ...", file=sys.stderr, flush=True)
            result = check_tree(tree, scratch_root / f"tree{len(results)}")
            result.tree = label
            results.append(result)
    finally:
        if args.keep:
            print(f"fix_safety: fixed copies kept in {scratch_root}", file=sys.stderr)
        else:
            shutil.rmtree(scratch_root, ignore_errors=True)
    sys.stdout.write(markdown(results))
    return 0 if all(result.ok for result in results) else 1


if __name__ == "__main__":
    sys.exit(main())
