"""Fuzz fastlint with generated programs and mutated real files.

    python scripts/fuzz.py                          # 500 generated + 2,000 mutated inputs
    python scripts/fuzz.py --generated 2000 --mutated 10000 --corpus fastapi --corpus gradio
    python scripts/fuzz.py --seed-dir /work/corpora/src/open-webui --seed 7

Inputs are programs from hypothesmith (valid Python from the grammar) and real files mutated the
ways real files go wrong: truncated, bytes flipped, mixed line endings, a BOM, tabs, a latin-1
coding cookie, lines dropped or repeated, deeply nested expressions spliced in. For each input
the engine runs every rule, plus a test-only rule with a fix that adds an import, and:
- nothing may raise (no internal error), and no file may take longer than `--timeout` seconds;
- a file neither Python's parser nor LibCST accepts must be reported as FL000;
- `--fix --unsafe-fixes` writes only files that parse (and compile, if the input did), and a
  second fix run changes nothing.

Failing inputs are saved under `.cache/fuzz-failures/`. Needs the test extra (hypothesis,
hypothesmith). `tests/engine/test_fuzz.py` runs the same checks, briefly.
"""

from __future__ import annotations

import argparse
import ast
import codecs
import contextlib
import os
import random
import re
import signal
import sys
import tempfile
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, Optional

import libcst as cst
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fastlint.engine.findings import Applicability
from fastlint.engine.rule import Rule, replace
from fastlint.engine.runner import RunOptions, RunResult, run
from fastlint.rules import all_rules

REPO_ROOT = Path(__file__).resolve().parent.parent
FAILURES_DIR = REPO_ROOT / ".cache" / "fuzz-failures"


class CanonicalInteger(Rule):
    """Fuzzing-only rule: rewrite `0x10`, `1_000` as plain decimals, importing `math`.

    It has an idempotent fix that can land anywhere in any program (and next to attribute
    access, where `0x1 .real` → `1.real` would not parse), so the fix machinery is exercised on
    every input whatever rules exist.
    """

    code = "FL990"
    name = "fuzz-canonical-integer"
    summary = "fuzzing only"
    docs = ""
    fix = Applicability.SAFE
    triggers = ()

    def visit_Integer(self, node: cst.Integer) -> None:
        try:
            value = ast.literal_eval(node.value)
        except (ValueError, SyntaxError):
            return
        if isinstance(value, int) and str(value) != node.value and len(node.value) < 50:
            fix = self.make_fix("decimal", replace(node, str(value)), imports=[("math", None)])
            self.report(node, "write it in decimal", fix=fix)


FUZZ_RULES: tuple[type[Rule], ...] = (*all_rules(), CanonicalInteger)
_BY_CODE = {rule.code: rule for rule in FUZZ_RULES}
OPTIONS: dict[str, Any] = {"extend-blocking-calls": (), "production-files": ()}

# --- mutations ------------------------------------------------------------------------------

NESTINGS = (
    lambda n: "(" * n + "1" + ")" * n,
    lambda n: "-" * n + "1",
    lambda n: "1" + " and 1" * n,
    lambda n: "[" * n + "]" * n,
    lambda n: "lambda: " * n + "1",
    lambda n: "a" + ".b" * n,
    lambda n: "f(" * n + ")" * n,
    lambda n: "1 if x else " * n + "1",
    lambda n: "{" * n + "}" * n,
)


def mutate(data: bytes, steps: Sequence[tuple[str, int, int]], max_depth: int) -> bytes:
    """Apply mutations; each step is (kind, a, b) with a, b random integers."""
    for kind, a, b in steps:
        if kind == "truncate" and data:
            data = data[: a % (len(data) + 1)]
        elif kind == "flip" and data:
            position = a % len(data)
            data = data[:position] + bytes([data[position] ^ (b % 255 + 1)]) + data[position + 1 :]
        elif kind == "line_endings":
            parts = data.split(b"\n")
            endings = (b"\n", b"\r\n", b"\r")
            rng = random.Random(a)
            data = b"".join(p + rng.choice(endings) for p in parts[:-1]) + parts[-1]
        elif kind == "bom":
            data = codecs.BOM_UTF8 + data if a % 4 else data + codecs.BOM_UTF8
        elif kind == "tabs":
            lines = data.split(b"\n")
            rng = random.Random(a)
            data = b"\n".join(
                line.replace(b"    ", b"\t", 1) if rng.random() < 0.3 else line for line in lines
            )
        elif kind == "latin1":
            try:
                text = data.decode("utf-8")
                data = ("# -*- coding: latin-1 -*-\n" + text + "\nX = 'é'\n").encode("latin-1")
            except (UnicodeDecodeError, UnicodeEncodeError):
                data = b"# -*- coding: latin-1 -*-\n" + data
        elif kind == "drop_lines" or kind == "repeat_lines":
            lines = data.split(b"\n")
            start = a % (len(lines) + 1)
            end = min(len(lines), start + b % 5 + 1)
            if kind == "drop_lines":
                lines = lines[:start] + lines[end:]
            else:
                lines = lines[:end] + lines[start:end] + lines[end:]
            data = b"\n".join(lines)
        elif kind == "nest":
            lines = data.split(b"\n")
            depth = [10, 100, 300, 1000, 3000, 10000][a % 6]
            depth = min(depth, max_depth)
            expression = NESTINGS[b % len(NESTINGS)](depth)
            where = b % (len(lines) + 1)
            indent = b"" if not lines or where >= len(lines) else _indent(lines[where])
            lines.insert(where, indent + b"x = " + expression.encode("ascii"))
            data = b"\n".join(lines)
        elif kind == "hex":  # gives the fuzzing rule's fix something to do
            numbers = list(re.finditer(rb"(?<![\w.])[1-9][0-9]*(?![\w.])", data))
            if numbers:
                match = numbers[a % len(numbers)]
                data = (
                    data[: match.start()] + hex(int(match.group())).encode() + data[match.end() :]
                )
        elif kind == "insert":
            position = a % (len(data) + 1)
            junk = [b"\x00", b"\t", b"\\", b"'''", b"\xe9", b"\xff", b"\r", b"#", b":", b"\x0c"]
            data = data[:position] + junk[b % len(junk)] + data[position:]
    return data


def _indent(line: bytes) -> bytes:
    return line[: len(line) - len(line.lstrip(b" \t"))]


MUTATION_KINDS = (
    "truncate",
    "flip",
    "line_endings",
    "bom",
    "tabs",
    "latin1",
    "drop_lines",
    "repeat_lines",
    "nest",
    "insert",
    "hex",
    "hex",
)


def mutations(max_steps: int = 3) -> st.SearchStrategy[list[tuple[str, int, int]]]:
    step = st.tuples(
        st.sampled_from(MUTATION_KINDS),
        st.integers(min_value=0, max_value=2**31),
        st.integers(min_value=0, max_value=2**31),
    )
    return st.lists(step, min_size=1, max_size=max_steps)


# --- the checks -----------------------------------------------------------------------------


class Timeout(Exception):
    pass


@contextlib.contextmanager
def time_limit(seconds: Optional[float]) -> Iterator[None]:
    if not seconds or not hasattr(signal, "SIGALRM"):
        yield
        return

    def expire(_signum: int, _frame: Any) -> None:
        raise Timeout(f"took longer than {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def python_verdict(data: bytes) -> str:
    """ "ok", "nested" (Python's parser gave up on the nesting) or "error"."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            ast.parse(data)
        except SyntaxError as exc:
            return "nested" if "too many nested" in str(exc.msg) else "error"
        except (MemoryError, RecursionError):
            return "nested"
        except ValueError:
            return "error"
    return "ok"


def compiles(data: bytes) -> bool:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            compile(data, "<fuzz>", "exec", dont_inherit=True)
        except (SyntaxError, ValueError, MemoryError, RecursionError):
            return False
    return True


def libcst_accepts(data: bytes) -> bool:
    from fastlint.engine import cstparse
    from fastlint.engine.source import UnreadableFile, decode_python

    try:
        text, _, _ = decode_python(data)
        cstparse.parse_module(text)
    except (UnreadableFile, cst.ParserSyntaxError, RecursionError):
        return False
    except Exception:
        return False
    return True


def line_endings(data: bytes) -> set[bytes]:
    return set(re.findall(rb"\r\n|\r|\n", data))


def _run(directory: Path, fix: bool) -> RunResult:
    cwd = os.getcwd()
    os.chdir(directory)
    try:
        return run(
            ["."],
            project_root=str(directory),
            rules_for=lambda _file: tuple(_BY_CODE),
            load_rules=lambda codes: tuple(_BY_CODE[code] for code in codes),
            options=OPTIONS,
            run_options=RunOptions(fix=fix, unsafe_fixes=True, jobs=1),
        )
    finally:
        os.chdir(cwd)


def check_input(data: bytes, timeout: Optional[float] = None) -> list[str]:
    """Everything wrong with how fastlint handles this file's bytes (empty: all is well)."""
    violations: list[str] = []
    with tempfile.TemporaryDirectory(prefix="fastlint-fuzz-") as scratch:
        directory = Path(scratch)
        target = directory / "fuzzed.py"
        target.write_bytes(data)
        try:
            with time_limit(timeout):
                checked = _run(directory, fix=False)
        except Timeout as exc:
            return [f"check {exc}"]
        violations += [f"check: {problem}" for _, problem in checked.problems]
        codes = [f.code for f in checked.findings]
        # LibCST is asked only about ordinary syntax errors: on code nested too deeply for
        # Python it takes minutes and gigabytes, which is why fastlint does not ask it either.
        verdict = python_verdict(data)
        unparsable = verdict == "nested" or (verdict == "error" and not libcst_accepts(data))
        if unparsable and "FL000" not in codes:
            violations.append("neither parser accepts the file, but there is no FL000")
        if target.read_bytes() != data:
            violations.append("a check without --fix changed the file")

        try:
            with time_limit(timeout):
                fixed = _run(directory, fix=True)
        except Timeout as exc:
            return violations + [f"fix {exc}"]
        after = target.read_bytes()
        for _, problem in fixed.problems:
            if "internal error" in problem:
                violations.append(f"fix: {problem}")
        if after != data:
            if python_verdict(after) == "nested" or not libcst_accepts(after):
                violations.append("--fix wrote a file LibCST cannot parse")
            if compiles(data) and not compiles(after):
                violations.append("--fix wrote a file that no longer compiles")
            if data.startswith(codecs.BOM_UTF8) != after.startswith(codecs.BOM_UTF8):
                violations.append("--fix added or dropped the BOM")
            if line_endings(data) and not line_endings(after) <= line_endings(data):
                violations.append(
                    f"--fix brought new line endings: {sorted(line_endings(after))}"
                    f" into a file with {sorted(line_endings(data))}"
                )
            with time_limit(timeout):
                again = _run(directory, fix=True)
            if target.read_bytes() != after:
                violations.append("a second --fix run changed the file again")
            violations += [f"second fix: {p}" for _, p in again.problems if "internal error" in p]
    return violations


def save_failure(data: bytes, violations: list[str]) -> Path:
    FAILURES_DIR.mkdir(parents=True, exist_ok=True)
    import hashlib

    name = hashlib.sha256(data).hexdigest()[:16]
    path = FAILURES_DIR / f"{name}.py.bin"
    path.write_bytes(data)
    (FAILURES_DIR / f"{name}.txt").write_text("\n".join(violations) + "\n", encoding="utf-8")
    return path


def seed_files(directories: Sequence[Path], limit: int, seed: int) -> list[bytes]:
    paths = sorted(p for d in directories for p in d.rglob("*.py") if p.is_file())
    random.Random(seed).shuffle(paths)
    chosen = []
    for path in paths:
        data = path.read_bytes()
        if 0 < len(data) <= 50_000:
            chosen.append(data)
        if len(chosen) >= limit:
            break
    return chosen


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--generated", type=int, default=500, help="hypothesmith programs")
    parser.add_argument("--mutated", type=int, default=2000, help="mutated real files")
    parser.add_argument("--corpus", action="append", default=[], help="seed from this corpus")
    parser.add_argument("--seed-dir", action="append", type=Path, default=[])
    parser.add_argument("--seeds", type=int, default=200, help="how many seed files to use")
    parser.add_argument("--seed", type=int, default=0, help="random seed (files and hypothesis)")
    parser.add_argument("--timeout", type=float, default=60, help="seconds allowed per file")
    parser.add_argument(
        "--max-depth",
        type=int,
        default=1000,
        help="deepest nesting spliced in (3,000+ is slow: LibCST needs seconds and GBs)",
    )
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore", SyntaxWarning)  # hypothesmith compiles what it generates

    directories = [REPO_ROOT / "examples", *args.seed_dir]
    if args.corpus:
        sys.path.insert(0, str(REPO_ROOT / "scripts"))
        from corpora import ensure_corpus

        directories += [ensure_corpus(name) for name in args.corpus]
    seeds = seed_files(directories, args.seeds, args.seed)
    failures: list[tuple[bytes, list[str]]] = []

    def record(data: bytes) -> None:
        violations = check_input(data, timeout=args.timeout)
        if violations:
            path = save_failure(data, violations)
            failures.append((data, violations))
            print(f"FAIL {path}: {'; '.join(violations)[:300]}", file=sys.stderr, flush=True)

    common = {
        "deadline": None,
        "database": None,
        "suppress_health_check": list(HealthCheck),
        "derandomize": False,
    }
    if args.generated:
        import hypothesmith

        @settings(max_examples=args.generated, **common)
        @given(hypothesmith.from_grammar())
        def generated(source: str) -> None:
            record(source.encode("utf-8"))

        generated._hypothesis_internal_use_seed = args.seed  # type: ignore[attr-defined]
        generated()
        print(f"fuzz: {args.generated} generated programs done", file=sys.stderr, flush=True)
    if args.mutated and seeds:

        @settings(max_examples=args.mutated, **common)
        @given(st.sampled_from(seeds), mutations())
        def mutated(seed_data: bytes, steps: list[tuple[str, int, int]]) -> None:
            record(mutate(seed_data, steps, args.max_depth))

        mutated._hypothesis_internal_use_seed = args.seed  # type: ignore[attr-defined]
        mutated()
        print(f"fuzz: {args.mutated} mutated files done", file=sys.stderr, flush=True)
    print(f"fuzz: {len(failures)} failing input(s)")
    for data, violations in failures[:20]:
        print(f"- {len(data)} bytes: {'; '.join(violations)[:300]}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
