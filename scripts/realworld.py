"""Run fastlint on the pinned real-world corpora and tabulate what it finds.

    python scripts/realworld.py                      # every corpus, markdown table on stdout
    python scripts/realworld.py -o report.md --findings-dir findings/ open-webui fastapi
    python scripts/realworld.py --src /work/corpora/src   # corpora already unpacked there

For each corpus it runs the installed `fastlint` CLI (`--format json --exit-zero`, plus
`--no-cache` when the CLI has that flag, so every run is a cold one) in the corpus directory, and
reports: findings per rule, crashes (exit status 2, a traceback on stderr, or output that is not
the JSON array), FL000 parse errors, and wall-clock time. Exit status: 1 if any run crashed.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpora import CORPORA, CorpusError, ensure_corpus  # noqa: E402


@dataclass
class CorpusRun:
    name: str
    path: Path
    python_files: int = 0
    lines: int = 0
    seconds: float = 0.0
    exit_status: int = 0
    crash: Optional[str] = None  # why the run counts as a crash
    stderr: str = ""
    findings: list[dict[str, object]] = field(default_factory=list)

    @property
    def per_rule(self) -> Counter[str]:
        return Counter(str(f["code"]) for f in self.findings)

    @property
    def warnings(self) -> list[str]:
        """Per-file problems fastlint printed (unreadable files, fixes not applied...)."""
        return [line for line in self.stderr.splitlines() if line.startswith("warning:")]

    @property
    def parse_errors(self) -> list[dict[str, object]]:
        return [f for f in self.findings if f["code"] == "FL000"]


def fastlint_command() -> list[str]:
    """The installed CLI: the `fastlint` script beside this interpreter, else `-m fastlint`."""
    beside = Path(sys.executable).parent / "fastlint"
    if beside.exists():
        return [str(beside)]
    found = shutil.which("fastlint")
    return [found] if found else [sys.executable, "-m", "fastlint"]


def has_flag(command: list[str], flag: str) -> bool:
    completed = subprocess.run([*command, "check", "--help"], capture_output=True, text=True)
    return flag in completed.stdout


def count_python(path: Path) -> tuple[int, int]:
    files = lines = 0
    for source in path.rglob("*.py"):
        files += 1
        with open(source, "rb") as handle:
            lines += sum(1 for _ in handle)
    return files, lines


def run_corpus(
    name: str, path: Path, command: list[str], extra: list[str], jobs: Optional[int]
) -> CorpusRun:
    result = CorpusRun(name, path)
    result.python_files, result.lines = count_python(path)
    argv = [*command, "check", ".", "--format", "json", "--exit-zero", *extra]
    if jobs is not None:
        argv += ["--jobs", str(jobs)]
    start = time.perf_counter()
    completed = subprocess.run(argv, cwd=path, capture_output=True, text=True)
    result.seconds = time.perf_counter() - start
    result.exit_status = completed.returncode
    result.stderr = completed.stderr
    if "Traceback (most recent call last)" in completed.stderr:
        result.crash = "traceback on stderr"
    elif completed.returncode == 2:
        result.crash = "exit status 2"
    elif completed.returncode != 0:
        result.crash = f"exit status {completed.returncode} despite --exit-zero"
    try:
        parsed = json.loads(completed.stdout)
        if not isinstance(parsed, list):
            raise ValueError("not a JSON array")
        result.findings = parsed
    except ValueError as exc:
        result.crash = result.crash or f"output is not the JSON array ({exc})"
    return result


def _cell(count: int) -> str:
    return str(count) if count else "·"


def markdown(runs: list[CorpusRun], version: str) -> str:
    out = [f"fastlint {version}, one cold run per corpus.", ""]
    out.append("| corpus | .py files | lines | time (s) | findings | FL000 | warnings | crash |")
    out.append("|---|---:|---:|---:|---:|---:|---:|---|")
    for run in runs:
        out.append(
            f"| {run.name} | {run.python_files} | {run.lines:,} | {run.seconds:.1f} "
            f"| {len(run.findings)} | {len(run.parse_errors)} | {len(run.warnings)} "
            f"| {run.crash or 'no'} |"
        )
    codes = sorted({code for run in runs for code in run.per_rule})
    out += ["", "Findings per rule and corpus:", ""]
    if codes:
        rules = {str(f["code"]): str(f["rule"]) for run in runs for f in run.findings}
        out.append("| rule | " + " | ".join(run.name for run in runs) + " | total |")
        out.append("|---|" + "---:|" * (len(runs) + 1))
        for code in codes:
            counts = [run.per_rule[code] for run in runs]
            cells = " | ".join(_cell(c) for c in counts)
            out.append(f"| {code} {rules[code]} | {cells} | {sum(counts)} |")
    else:
        out.append("No findings.")
    parse_errors = [(run.name, f) for run in runs for f in run.parse_errors]
    if parse_errors:
        out += ["", "Parse errors (FL000):", ""]
        for name, finding in parse_errors:
            out.append(f"- {name}: `{finding['path']}:{finding['line']}` {finding['message']}")
    warned = [(run.name, line) for run in runs for line in run.warnings]
    if warned:
        out += ["", "Warnings:", ""]
        out += [f"- {name}: `{line[len('warning: ') :]}`" for name, line in warned[:50]]
    crashes = [run for run in runs if run.crash]
    if crashes:
        out += ["", "Crashes:", ""]
        for run in crashes:
            tail = "\n".join(run.stderr.strip().splitlines()[-15:])
            out += [f"- {run.name}: {run.crash}", "", "```", tail, "```"]
    return "\n".join(out) + "\n"


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", help="corpora to run (default: all)")
    parser.add_argument("-o", "--output", type=Path, help="write the markdown here")
    parser.add_argument("--src", type=Path, help="directory holding already unpacked corpora")
    parser.add_argument("--findings-dir", type=Path, help="also write <corpus>.json findings")
    parser.add_argument("--jobs", type=int, help="passed to fastlint --jobs")
    args = parser.parse_args(argv)
    command = fastlint_command()
    extra = ["--no-cache"] if has_flag(command, "--no-cache") else []
    version = subprocess.run([*command, "--version"], capture_output=True, text=True).stdout
    runs = []
    for name in args.names or list(CORPORA):
        try:
            path = args.src / name if args.src else ensure_corpus(name)
        except CorpusError as exc:
            print(f"realworld: error: {exc}", file=sys.stderr)
            return 2
        print(f"realworld: {name} ...", file=sys.stderr, flush=True)
        run = run_corpus(name, path, command, extra, args.jobs)
        runs.append(run)
        if args.findings_dir:
            args.findings_dir.mkdir(parents=True, exist_ok=True)
            target = args.findings_dir / f"{name}.json"
            target.write_text(json.dumps(run.findings, indent=1) + "\n", encoding="utf-8")
    report = markdown(runs, version.strip().rpartition(" ")[2] or "?")
    if args.output:
        args.output.write_text(report, encoding="utf-8")
    else:
        sys.stdout.write(report)
    return 1 if any(run.crash for run in runs) else 0


if __name__ == "__main__":
    sys.exit(main())
