"""A whole run: discover files, build the project index, check (and fix) every file.

Work is spread over processes with `--jobs`; results are merged in discovery order, so output is
the same for any number of jobs.
"""

from __future__ import annotations

import os
import traceback
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Optional

from fastlint.engine.checker import check_source, parse_error
from fastlint.engine.discovery import DiscoveredFile, discover
from fastlint.engine.findings import Finding
from fastlint.engine.fixes import fix_text, unified_diff, write_atomic
from fastlint.engine.project import ModuleFacts, ProjectIndex, extract_facts, module_name_for
from fastlint.engine.rule import Rule
from fastlint.engine.source import SourceFile, UnreadableFile, display_path, read_source
from fastlint.engine.suppression import skips_file

# Below this many files, worker processes cost more than they save.
PARALLEL_THRESHOLD = 40


@dataclass(frozen=True)
class RunOptions:
    fix: bool = False
    unsafe_fixes: bool = False
    diff: bool = False  # compute fixes, write nothing
    jobs: int = 0  # 0: decide from the number of files and cores


@dataclass
class FileResult:
    findings: list[Finding] = field(default_factory=list)
    fixes_applied: int = 0
    diff: str = ""
    problem: Optional[str] = None
    internal_error: bool = False


@dataclass
class RunResult:
    findings: list[Finding] = field(default_factory=list)
    files_checked: int = 0
    fixes_applied: int = 0
    diffs: list[str] = field(default_factory=list)
    problems: list[tuple[str, str]] = field(default_factory=list)
    internal_errors: int = 0  # files whose check raised: a bug in fastlint or a rule


@dataclass(frozen=True)
class FileTask:
    file: DiscoveredFile
    rules: tuple[type[Rule], ...]


def _facts(path: str) -> Optional[ModuleFacts]:
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError:
        return None
    return extract_facts(path, data)


# Per worker process: set once by the pool initializer instead of pickled with every task.
_WORKER_STATE: dict[str, Any] = {}


def _init_worker(index: ProjectIndex, options: dict[str, Any], run: RunOptions) -> None:
    _WORKER_STATE["index"] = index
    _WORKER_STATE["options"] = options
    _WORKER_STATE["run"] = run


def _check_task(task: FileTask) -> FileResult:
    return check_file(
        task.file,
        task.rules,
        _WORKER_STATE["index"],
        _WORKER_STATE["options"],
        _WORKER_STATE["run"],
    )


def check_file(
    file: DiscoveredFile,
    rules: Sequence[type[Rule]],
    index: ProjectIndex,
    options: dict[str, Any],
    run: RunOptions,
) -> FileResult:
    """Check (and fix) one file; a bug met on the way is reported for this file only.

    As in ruff, one file that trips a bug must not stop every other file from being checked.
    """
    try:
        return _check_file(file, rules, index, options, run)
    except Exception as exc:
        where = traceback.extract_tb(exc.__traceback__)[-1]
        location = f"{os.path.basename(where.filename)}:{where.lineno}"
        message = (
            f"internal error while checking this file: {type(exc).__name__}: {exc} "
            f"(at {location}); please report it"
        )
        return FileResult(problem=message, internal_error=True)


def _check_file(
    file: DiscoveredFile,
    rules: Sequence[type[Rule]],
    index: ProjectIndex,
    options: dict[str, Any],
    run: RunOptions,
) -> FileResult:
    python = file.kind == "python"
    try:
        source = read_source(file.path, python=python)
    except UnreadableFile as exc:
        placeholder = SourceFile(file.path, display_path(file.path), "")
        return FileResult([parse_error(placeholder, 1, 1, str(exc))])
    module_name, is_package = module_name_for(file.path) if python else ("", False)
    absolute = os.path.abspath(file.path)
    must_parse = python and absolute in index.ast_failed
    if python and absolute in index.too_complex and not skips_file(source.text):
        message = "cannot parse: the code is nested too deeply (Python's own parser gives up too)"
        return FileResult([parse_error(source, 1, 1, message)])

    def check(text: str) -> list[Finding]:
        current = SourceFile(source.path, source.display_path, text, source.encoding, source.bom)
        return check_source(
            current,
            rules,
            index,
            options,
            kind=file.kind,
            module_name=module_name,
            is_package=is_package,
            must_parse=must_parse,
        )

    if not (run.fix or run.diff):
        return FileResult(check(source.text))
    outcome = fix_text(source.text, check, unsafe=run.unsafe_fixes, python=python)
    result = FileResult(outcome.findings, outcome.applied, problem=outcome.problem)
    if outcome.text != source.text:
        if run.diff:
            result.diff = unified_diff(source.display_path, source.text, outcome.text)
        else:
            try:
                write_atomic(source, outcome.text)
            except OSError as exc:
                result.problem = f"cannot write the fixed file: {exc.strerror or exc}"
                result.fixes_applied = 0
            except UnicodeEncodeError as exc:
                result.problem = (
                    f"the fixed code cannot be written in the file's encoding ({source.encoding}):"
                    f" {exc.reason}; the file was left unchanged"
                )
                result.fixes_applied = 0
    return result


def _jobs(requested: int, files: int) -> int:
    if requested > 0:
        return requested
    if files < PARALLEL_THRESHOLD:
        return 1
    return max(1, min(os.cpu_count() or 1, 8))


def run(
    paths: Sequence[str],
    *,
    project_root: str,
    rules_for: Any,  # Callable[[DiscoveredFile], tuple[type[Rule], ...]]
    options: dict[str, Any],
    run_options: RunOptions,
    exclude: Sequence[str] = (),
    respect_gitignore: bool = True,
    production_files: Sequence[str] = (),
) -> RunResult:
    discovery = discover(
        paths,
        project_root=project_root,
        exclude=exclude,
        respect_gitignore=respect_gitignore,
        production_files=production_files,
    )
    # Paths as findings show them (`a.py`, not `./a.py`).
    result = RunResult(problems=[(display_path(p), m) for p, m in discovery.problems])
    files = discovery.files
    result.files_checked = len(files)
    python_paths = [f.path for f in files if f.kind == "python"]
    tasks = [FileTask(f, tuple(rules_for(f))) for f in files]
    jobs = _jobs(run_options.jobs, len(files))
    if jobs == 1:
        index = ProjectIndex([f for f in map(_facts, python_paths) if f is not None])
        results = [check_file(t.file, t.rules, index, options, run_options) for t in tasks]
    else:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            chunk = max(1, len(python_paths) // (jobs * 8))
            facts = pool.map(_facts, python_paths, chunksize=chunk)
            index = ProjectIndex([f for f in facts if f is not None])
        with ProcessPoolExecutor(
            max_workers=jobs, initializer=_init_worker, initargs=(index, options, run_options)
        ) as pool:
            results = list(pool.map(_check_task, tasks, chunksize=max(1, len(tasks) // (jobs * 8))))
    for task, file_result in zip(tasks, results):
        result.findings.extend(file_result.findings)
        result.fixes_applied += file_result.fixes_applied
        if file_result.diff:
            result.diffs.append(file_result.diff)
        if file_result.problem:
            result.problems.append((display_path(task.file.path), file_result.problem))
        result.internal_errors += file_result.internal_error
    result.findings.sort(key=lambda f: f.sort_key)
    return result
