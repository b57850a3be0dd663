"""Benchmark fastlint against ruff on pinned real FastAPI codebases.

    python bench/bench.py                        # every pinned corpus, 3 runs each
    python bench/bench.py --corpus open-webui --runs 5

For each corpus, in the same invocation: fastlint cold (no cache), fastlint warm (cache, nothing
changed), fastlint after one file changed, and `ruff check --select FAST,ASYNC,B006` cold and warm
on the same files. Prints medians, the peak memory of the largest process, and fastlint/ruff
ratios as a markdown table. It is a script, not a test: timings never go into the test suite.

Corpora are pinned PyPI wheels unpacked into the git-ignored `.cache/corpora/` by
`scripts/corpora.py`. Needs the project installed with its test extra (for ruff).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "scripts"))

from corpora import CORPORA, ensure_corpus  # noqa: E402

DEFAULT_CORPORA = ("open-webui", "litellm", "prefect", "apache-airflow-core")
RUFF_SELECT = "FAST,ASYNC,B006"

# Runs a command and reports the peak resident memory of its largest process (KiB on Linux).
_MEASURE = (
    "import resource, subprocess, sys\n"
    "code = subprocess.call(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, code)\n"
)


@dataclass
class Sample:
    seconds: float
    peak_kib: int


# As on a user's machine, Python caches bytecode (some sandboxes and CI images turn that off,
# which makes every run compile fastlint and LibCST again).
_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def measure(command: list[str], cwd: Path) -> Sample:
    start = time.perf_counter()
    output = subprocess.run(
        [sys.executable, "-c", _MEASURE, *command],
        cwd=cwd,
        env=_ENV,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    seconds = time.perf_counter() - start
    peak, code = int(output[0]), int(output[1])
    if code not in (0, 1):
        raise SystemExit(f"{' '.join(command)} exited with {code}")
    return Sample(seconds, peak)


def median(samples: list[Sample]) -> float:
    return statistics.median(s.seconds for s in samples)


def corpus_size(root: Path) -> tuple[int, int]:
    files = lines = 0
    for path in root.rglob("*.py"):
        files += 1
        with open(path, "rb") as handle:
            lines += handle.read().count(b"\n")
    return files, lines


def pick_file_to_touch(root: Path) -> Path:
    """A mid-sized module that imports FastAPI, so the edit lands where the rules look."""
    candidates = sorted(
        p for p in root.rglob("*.py") if b"fastapi" in p.read_bytes()[:4000]
    ) or sorted(root.rglob("*.py"))
    return candidates[len(candidates) // 2]


def bench_corpus(name: str, runs: int, jobs: Optional[int], ruff: str) -> dict[str, object]:
    root = ensure_corpus(name)
    files, lines = corpus_size(root)
    fastlint = [
        sys.executable,
        "-m",
        "fastlint",
        "check",
        ".",
        "--exit-zero",
        "--quiet",
        "--format",
        "json",
    ]
    if jobs is not None:
        fastlint += ["--jobs", str(jobs)]
    ruff_cmd = [ruff, "check", ".", "--select", RUFF_SELECT, "--exit-zero", "--quiet"]
    scratch = Path(tempfile.mkdtemp(prefix="fastlint-bench-"))
    try:
        fl_cache = ["--cache-dir", str(scratch / "fastlint")]
        ruff_cache = ["--cache-dir", str(scratch / "ruff")]
        cold = [measure([*fastlint, "--no-cache"], root) for _ in range(runs)]
        measure([*fastlint, *fl_cache], root)  # fill the cache
        warm = [measure([*fastlint, *fl_cache], root) for _ in range(runs)]
        touched_path = pick_file_to_touch(root)
        original = touched_path.read_bytes()
        touched = []
        try:
            for i in range(runs):
                touched_path.write_bytes(original + f"\n# bench edit {i}\n".encode())
                touched.append(measure([*fastlint, *fl_cache], root))
        finally:
            touched_path.write_bytes(original)
        ruff_cold = [measure([*ruff_cmd, "--no-cache"], root) for _ in range(runs)]
        measure([*ruff_cmd, *ruff_cache], root)
        ruff_warm = [measure([*ruff_cmd, *ruff_cache], root) for _ in range(runs)]
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return {
        "corpus": name,
        "files": files,
        "lines": lines,
        "cold": median(cold),
        "warm": median(warm),
        "touched": median(touched),
        "ruff_cold": median(ruff_cold),
        "ruff_warm": median(ruff_warm),
        "peak_mib": max(s.peak_kib for s in cold) / 1024,
    }


def table(rows: list[dict[str, object]]) -> str:
    head = (
        "| corpus | files | lines | fastlint cold | fastlint warm | one file changed "
        "| ruff cold | ruff warm | cold / ruff | warm / ruff | peak memory (cold) |\n"
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n"
    )
    body = ""
    for r in rows:
        cold, warm, touched = float(r["cold"]), float(r["warm"]), float(r["touched"])  # type: ignore[arg-type]
        ruff_cold, ruff_warm = float(r["ruff_cold"]), float(r["ruff_warm"])  # type: ignore[arg-type]
        body += (
            f"| {r['corpus']} | {r['files']} | {r['lines']:,} | {cold:.2f} s | {warm:.2f} s "
            f"| {touched:.2f} s | {ruff_cold:.2f} s | {ruff_warm:.2f} s "
            f"| {cold / ruff_cold:.1f}× | {warm / ruff_warm:.1f}× | {float(r['peak_mib']):.0f} MiB |\n"  # type: ignore[arg-type]
        )
    return head + body


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--corpus",
        action="append",
        choices=sorted(CORPORA),
        help="corpus to run (repeatable; default: %(default)s)",
    )
    parser.add_argument("--runs", type=int, default=3, help="runs per measurement (median)")
    parser.add_argument("--jobs", type=int, default=None, help="pass --jobs to fastlint")
    parser.add_argument("--output", type=Path, help="also write the table to this file")
    args = parser.parse_args()
    ruff = shutil.which("ruff", path=os.path.dirname(sys.executable)) or shutil.which("ruff")
    if ruff is None:
        raise SystemExit("ruff is not installed: pip install -e '.[test]'")
    # Compile fastlint's bytecode once, as its first real run would.
    import fastlint

    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", os.path.dirname(fastlint.__file__)],
        env=_ENV,
        check=True,
    )
    rows = []
    for name in args.corpus or DEFAULT_CORPORA:
        print(f"benchmarking {name} ...", file=sys.stderr, flush=True)
        rows.append(bench_corpus(name, args.runs, args.jobs, ruff))
    result = table(rows)
    print(f"\n{os.cpu_count()} cores, Python {sys.version.split()[0]}, {args.runs} runs each\n")
    print(result)
    if args.output is not None:
        args.output.write_text(result)


if __name__ == "__main__":
    main()
