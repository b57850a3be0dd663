"""A whole run: discover files, build the project index, check (and fix) every file.

Phases: (1) discover and look every file up in the cache; (2) extract project facts of the files
that changed; (3) check the files that changed or whose cross-file dependencies changed. A run
where nothing changed stops after (1): no parse, and neither LibCST nor the rules are imported.
Work is spread over processes with `--jobs`; results are merged in discovery order, so output is
the same for any number of jobs, with or without the cache.
"""

from __future__ import annotations

import dataclasses
import functools
import gc
import os
import sys
import traceback
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Optional, TypeVar

from fastlint.engine.cache import (
    EVERYTHING,
    Answer,
    Cache,
    CacheEntry,
    content_hash,
    facts_digest,
)
from fastlint.engine.discovery import DiscoveredFile, discover
from fastlint.engine.findings import Finding, Severity
from fastlint.engine.project import ModuleFacts, ProjectIndex, extract_facts, module_name_for
from fastlint.engine.source import UnreadableFile, display_path, read_source
from fastlint.engine.suppression import skips_file

if TYPE_CHECKING:
    from concurrent.futures import Executor

    from fastlint.engine.rule import Rule

# Below this many files to work on, worker processes cost more than they save.
PARALLEL_THRESHOLD = 24

T = TypeVar("T")
R = TypeVar("R")

RuleLoader = Callable[[tuple[str, ...]], tuple["type[Rule]", ...]]


@dataclass(frozen=True)
class RunOptions:
    fix: bool = False
    unsafe_fixes: bool = False
    diff: bool = False  # compute fixes, write nothing
    jobs: int = 0  # 0: decide from the number of files and cores
    cache_dir: Optional[str] = None  # None: no cache
    cache_key: str = ""

    @property
    def caches(self) -> bool:
        """Whether the run reads and writes the cache: a run that writes files does not."""
        return self.cache_dir is not None and not (self.fix or self.diff)


@dataclass
class FileResult:
    findings: list[Finding] = field(default_factory=list)
    fixes_applied: int = 0
    diff: str = ""
    problem: Optional[str] = None
    # For the cache: what was checked, and which modules the check asked the index about.
    digest: str = ""
    dependencies: dict[str, Answer] = field(default_factory=dict)
    internal_error: bool = False
    # Project-wide answers a worker process computed first (`ProjectIndex.derived`), for the
    # parent to keep in the cache.
    derived: dict[str, object] = field(default_factory=dict)


@dataclass
class RunResult:
    findings: list[Finding] = field(default_factory=list)
    files_checked: int = 0
    files_cached: int = 0
    fixes_applied: int = 0
    diffs: list[str] = field(default_factory=list)
    problems: list[tuple[str, str]] = field(default_factory=list)
    internal_errors: int = 0  # files whose check raised: a bug in fastlint or a rule


def _placeholder_error(path: str, message: str) -> Finding:
    return Finding(
        path=display_path(path),
        line=1,
        column=1,
        end_line=1,
        end_column=1,
        code="FL000",
        rule="parse-error",
        severity=Severity.ERROR,
        message=message,
    )


def check_file(
    file: DiscoveredFile,
    rules: Sequence[type[Rule]],
    index: ProjectIndex,
    options: dict[str, Any],
    run: RunOptions,
    module: tuple[str, bool] = ("", False),
) -> FileResult:
    """Check (and fix) one file; a bug met on the way is reported for this file only.

    As in ruff, one file that trips a bug must not stop every other file from being checked.
    """
    try:
        return _check_file(file, rules, index, options, run, module)
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
    module: tuple[str, bool],
) -> FileResult:
    """LibCST is imported here, when a file is really checked."""
    from fastlint.engine.checker import check_source, parse_error
    from fastlint.engine.fixes import fix_text, unified_diff, write_atomic

    python = file.kind == "python"
    try:
        source = read_source(file.path, python=python)
    except UnreadableFile as exc:
        return FileResult([_placeholder_error(file.path, str(exc))])
    module_name, is_package = module
    absolute = os.path.abspath(file.path)
    facts = index.facts_for_path(absolute) if python else None
    must_parse = facts is not None and facts.ast_failed
    if facts is not None and facts.too_complex and not skips_file(source.text):
        message = "cannot parse: the code is nested too deeply (Python's own parser gives up too)"
        return FileResult([parse_error(source, 1, 1, message)])

    def check(text: str) -> list[Finding]:
        current = dataclasses.replace(source, text=text, _line_starts=None)
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

    if run.caches:
        index.track()  # the queries the cache entry records, with their answers
    try:
        if not (run.fix or run.diff):
            result = FileResult(check(source.text), digest=source.digest)
        else:
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
                            "the fixed code cannot be written in the file's encoding "
                            f"({source.encoding}): {exc.reason}; the file was left unchanged"
                        )
                        result.fixes_applied = 0
    finally:
        queries = index.tracked()
    result.dependencies = {query: _answer(query, index) for query in queries}
    return result


def _answer(query: str, index: ProjectIndex) -> Answer:
    """What a cache entry records of an index query: the module it finds and that module's
    facts digest (for EVERYTHING, the digest of the whole index)."""
    if query == EVERYTHING:
        return None, index.whole_digest()
    found = index.find_module_name(query)
    return found, index.digests.get(found) if found is not None else None


# --- worker processes ---------------------------------------------------------------------

# After checking a file this large, memory it freed is handed back to the system. The C
# allocator keeps freed memory for reuse, but Python's object arenas do not reuse it: after
# litellm's largest module (0.9 MB) a worker kept ~200 MiB it no longer used, under the trees
# of the files that came next, and its peak was that of its largest files together. (After
# every file of 128 KiB and more, 41 in litellm, the system time of a run grew by about 1 s.)
TRIM_AFTER_BYTES = 256 * 1024


def _return_freed_memory() -> None:
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@functools.lru_cache(maxsize=1)
def _malloc_trim() -> Optional[Callable[[int], int]]:
    """glibc's `malloc_trim`, or None (another C library, another system)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        import ctypes

        return ctypes.CDLL(None).malloc_trim
    except Exception:  # no symbol, no ctypes, a C library ctypes cannot open: only a saving lost
        return None


def _load_checker(load_rules: RuleLoader, codes: tuple[str, ...]) -> None:
    """Import LibCST, the checker and the rules once, here, so that the workers forked to
    check files inherit them instead of each importing them (0.2 s each)."""
    import fastlint.engine.checker
    import fastlint.engine.fixes  # noqa: F401

    load_rules(codes)


# Set before the pool forks, so workers inherit the index instead of unpickling it per task.
_WORKER: dict[str, Any] = {}


def _init_worker(state: dict[str, Any]) -> None:
    _WORKER.update(state)


def _rules_for(codes: tuple[str, ...]) -> tuple[type[Rule], ...]:
    cache: dict[tuple[str, ...], tuple[type[Rule], ...]] = _WORKER.setdefault("rules", {})
    if codes not in cache:
        cache[codes] = _WORKER["load_rules"](codes)
    return cache[codes]


def _without_cycle_collection(function: Callable[[T], R]) -> Callable[[T], R]:
    """`function` with Python's cycle collector paused while it runs.

    Parsing a file (`ast` for the facts, LibCST for the check) allocates a tree whose nodes
    all live until the file is done, so the collector's passes during it find nothing to free
    and scan ever more objects: ~7% of LibCST's parse and 5-10% of a whole cold run here. The
    trees hold no cycles: they are freed by reference counting when the file is done, and any
    cycle a file leaves is collected at the collector's next pass after it.
    """

    @functools.wraps(function)
    def paused(item: T) -> R:
        if not gc.isenabled():
            return function(item)
        gc.disable()
        try:
            return function(item)
        finally:
            gc.enable()

    return paused


@_without_cycle_collection
def _check_task(task: tuple[DiscoveredFile, tuple[str, ...], tuple[str, bool]]) -> FileResult:
    file, codes, module = task
    index: ProjectIndex = _WORKER["index"]
    result = check_file(file, _rules_for(codes), index, _WORKER["options"], _WORKER["run"], module)
    stat = _stat(file.path)
    if stat is not None and stat.st_size >= TRIM_AFTER_BYTES:
        _return_freed_memory()
    if index.derived_changed and _WORKER.get("in_worker"):
        result.derived = dict(index.derived_values)
        index.derived_changed = False
    return result


@_without_cycle_collection
def _facts_task(task: tuple[str, str, bool, bool]) -> tuple[Optional[ModuleFacts], str]:
    """A module's facts, and their digest when the run keeps a cache ("" otherwise: only cache
    entries and the values derived for the cache use it)."""
    path, name, is_package, digested = task
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError:
        return None, ""
    facts = extract_facts(path, data, name=name, is_package=is_package)
    return facts, facts_digest(facts) if digested else ""


def _pool(jobs: int, state: dict[str, Any]) -> Executor:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    _WORKER.clear()
    _WORKER.update(state, in_worker=True)
    if _can_fork():
        return ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("fork"))
    return ProcessPoolExecutor(
        jobs, initializer=_init_worker, initargs=({**state, "in_worker": True},)
    )


def _map(
    function: Callable[[Any], Any],
    items: list[Any],
    jobs: int,
    state: dict[str, Any],
    sizes: Optional[list[int]] = None,
    meanwhile: Optional[Callable[[], None]] = None,
) -> Iterator[Any]:
    """Results in order, in this process or across `jobs` processes.

    With `sizes` (a cost estimate of each item, such as its file's size), the largest items are
    handed out first and alone, so that no process is left with a large file at the end.
    `meanwhile` runs in this process once the workers have their tasks (not at all without
    workers).
    """
    if not _in_workers(jobs, len(items)):
        _WORKER.clear()
        _WORKER.update(state)
        yield from map(function, items)
        return
    with _pool(jobs, state) as pool:
        if sizes is None:
            mapped = pool.map(function, items, chunksize=max(1, len(items) // (jobs * 8)))
            if meanwhile is not None:
                meanwhile()
            yield from mapped
            return
        batches = _batches(sizes, jobs)
        results: list[Any] = [None] * len(items)
        done = [False] * len(items)
        position = 0
        batch_results_in_order = pool.map(
            _run_batch, [(function, [items[i] for i in b]) for b in batches]
        )
        if meanwhile is not None:
            meanwhile()
        for batch, batch_results in zip(batches, batch_results_in_order):
            for index, item_result in zip(batch, batch_results):
                results[index], done[index] = item_result, True
            while position < len(items) and done[position]:
                yield results[position]
                results[position] = None
                position += 1


def _in_workers(jobs: int, count: int) -> bool:
    """Whether `count` items are handed to worker processes (`_map`)."""
    return jobs > 1 and count >= PARALLEL_THRESHOLD


def _batches(sizes: list[int], jobs: int) -> list[list[int]]:
    """Indexes of items in batches, largest items first: a batch holds one large item or
    small ones adding up to about as much (few round trips, and an even end)."""
    order = sorted(range(len(sizes)), key=lambda i: -sizes[i])
    target = max(1, sum(sizes) // (jobs * 32))
    batches: list[list[int]] = []
    current: list[int] = []
    weight = 0
    for index in order:
        current.append(index)
        weight += sizes[index]
        if weight >= target:
            batches.append(current)
            current, weight = [], 0
    if current:
        batches.append(current)
    return batches


def _run_batch(task: tuple[Callable[[Any], Any], list[Any]]) -> list[Any]:
    function, items = task
    return [function(item) for item in items]


def _jobs(requested: int) -> int:
    if requested > 0:
        return requested
    return max(1, min(os.cpu_count() or 1, 8))


# --- the run ------------------------------------------------------------------------------


@dataclass
class _FileState:
    file: DiscoveredFile
    absolute: str  # its path, as the cache and the index know it
    codes: tuple[str, ...]
    module: tuple[str, bool]
    stat: Optional[os.stat_result]
    entry: Optional[CacheEntry] = None  # a cache entry whose content matches
    digest: str = ""


class _ModuleNames:
    """Module names of files, memoising the `__init__.py` lookups per directory."""

    def __init__(self) -> None:
        self._memo: dict[str, tuple[str, bool]] = {}

    def __call__(self, path: str) -> tuple[str, bool]:
        if path not in self._memo:
            self._memo[path] = module_name_for(path)
        return self._memo[path]


def _stat(path: str) -> Optional[os.stat_result]:
    try:
        return os.stat(path)
    except OSError:
        return None


def _lookup(state: _FileState, cache: Cache) -> None:
    """Find a cache entry for the file's current content: stat first, then content hash."""
    entry = cache.entries.get(state.absolute)
    if entry is None or state.stat is None or entry.module_name != state.module[0]:
        return  # (a new `__init__.py` renames modules: their facts name them)
    if entry.mtime_ns == state.stat.st_mtime_ns and entry.size == state.stat.st_size:
        state.entry = entry
        return
    try:
        with open(state.file.path, "rb") as handle:
            digest = content_hash(handle.read())
    except OSError:
        return
    if digest == entry.content_hash:
        entry.mtime_ns, entry.size = state.stat.st_mtime_ns, state.stat.st_size
        cache.touch(state.absolute)
        state.entry = entry


def _still_valid(entry: CacheEntry, index: ProjectIndex, answers: dict[str, Answer]) -> bool:
    """Whether every query the file's check asked the index gets the same answer now.
    `answers` keeps each query's answer for this index: litellm's entries ask 100,000 queries
    of which 16,000 differ."""
    for query, recorded in entry.dependencies.items():
        current = answers.get(query)
        if current is None:
            current = answers[query] = _answer(query, index)
        if current != recorded:
            return False
    return True


def _relocated(findings: list[Finding], path: str) -> list[Finding]:
    """Cached findings under the path as displayed from the current directory."""
    if not findings:
        return findings
    shown = display_path(path)
    if all(f.path == shown for f in findings):
        return findings
    return [dataclasses.replace(f, path=shown) for f in findings]


def run(
    paths: Sequence[str],
    *,
    project_root: str,
    rules_for: Callable[[DiscoveredFile], tuple[str, ...]],
    load_rules: RuleLoader,
    options: dict[str, Any],
    run_options: RunOptions,
    exclude: Sequence[str] = (),
    respect_gitignore: bool = True,
    production_files: Sequence[str] = (),
    progress: Optional[Callable[[int, int], None]] = None,
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
    for missing in discovery.missing:
        result.findings.append(_placeholder_error(missing, "no such file or directory"))
    result.files_checked = len(discovery.files)
    jobs = _jobs(run_options.jobs)
    cache = (
        Cache(run_options.cache_dir, run_options.cache_key)
        if run_options.cache_dir is not None and run_options.caches
        else None
    )

    # Phase 1: what each file is, and whether the cache knows its current content.
    names = _ModuleNames()
    states = []
    for file in discovery.files:
        python = file.kind == "python"
        absolute = os.path.abspath(file.path)
        state = _FileState(
            file,
            absolute,
            rules_for(file),
            names(absolute) if python else ("", False),
            _stat(file.path),
        )
        if cache is not None:
            _lookup(state, cache)
        states.append(state)

    # Phase 2: the project index; facts are extracted only for files the cache does not know.
    index = ProjectIndex()
    for state in states:
        if state.file.kind == "python" and state.entry is not None:
            index.add_name(state.module[0], state.entry.facts_digest or "", state.absolute)
    unknown = [s for s in states if s.file.kind == "python" and s.entry is None]
    tasks = [(s.file.path, *s.module, cache is not None) for s in unknown]
    sizes = [s.stat.st_size if s.stat is not None else 0 for s in unknown]
    # While the workers extract facts: what checking the files will need.
    codes = tuple(sorted({code for state in states for code in state.codes}))
    extracted = _map(
        _facts_task, tasks, jobs, {}, sizes, meanwhile=lambda: _load_checker(load_rules, codes)
    )
    for state, (facts, digest) in zip(unknown, extracted):
        if facts is not None:
            index.add(facts, digest)
            state.digest = digest
            if cache is not None:
                cache.store_facts(state.absolute, facts)

    # Phase 3: check what changed, and what depends on a module that changed.
    answers: dict[str, Answer] = {}
    to_check = [s for s in states if s.entry is None or not _still_valid(s.entry, index, answers)]
    result.files_cached = len(states) - len(to_check)
    fresh: dict[int, FileResult] = {}
    if to_check:
        _complete_index(index, states, cache)
        if _in_workers(jobs, len(to_check)):
            index.load_all()  # once, here: forked workers inherit them
        _prepare(index, to_check, load_rules, jobs)
        # The index lives as long as the run: the cycle collector need not scan it again
        # (nor touch its pages, which forked workers share).
        gc.freeze()
        try:
            fresh = _check_all(
                to_check, index, options, run_options, load_rules, jobs, cache, progress
            )
        finally:
            gc.unfreeze()  # a caller that runs again (the tests) must not keep it forever
        if cache is not None and index.derived_changed:
            cache.save_derived(index.derived_stamp(), index.derived_values)

    for state in states:
        file_result = fresh.get(id(state))
        if file_result is None:
            assert state.entry is not None
            result.findings.extend(_relocated(state.entry.findings, state.file.path))
            continue
        result.findings.extend(file_result.findings)
        result.fixes_applied += file_result.fixes_applied
        result.internal_errors += file_result.internal_error
        if file_result.diff:
            result.diffs.append(file_result.diff)
        if file_result.problem:
            result.problems.append((display_path(state.file.path), file_result.problem))
    if cache is not None:
        cache.save({s.absolute for s in states})
    result.findings.sort(key=lambda f: f.sort_key)
    return result


def _check_all(
    to_check: list[_FileState],
    index: ProjectIndex,
    options: dict[str, Any],
    run_options: RunOptions,
    load_rules: RuleLoader,
    jobs: int,
    cache: Optional[Cache],
    progress: Optional[Callable[[int, int], None]],
) -> dict[int, FileResult]:
    """Results by `id` of the file's state, in the order of `to_check`."""
    fresh: dict[int, FileResult] = {}
    state_for_workers = {
        "index": index,
        "options": options,
        "run": run_options,
        "load_rules": load_rules,
    }
    work = [(s.file, s.codes, s.module) for s in to_check]
    sizes = [s.stat.st_size if s.stat is not None else 0 for s in to_check]
    checked = _map(_check_task, work, jobs, state_for_workers, sizes)
    for done, (state, file_result) in enumerate(zip(to_check, checked), start=1):
        fresh[id(state)] = file_result
        for key, value in file_result.derived.items():
            if key not in index.derived_values:
                index.derived_values[key] = value
                index.derived_changed = True
        file_result.derived = {}
        if progress is not None:
            progress(done, len(to_check))
        if cache is not None:
            _remember(cache, state, file_result, index)
    return fresh


def _prepare(
    index: ProjectIndex, to_check: list[_FileState], load_rules: RuleLoader, jobs: int
) -> None:
    """Project-wide values the rules will ask for (`Rule.prepare`), computed once before files
    are checked in forked workers, in processes of their own, each `prepare` in one (up to
    `jobs` at a time): the workers inherit the values without the memory their computation
    left behind (on litellm, 45 MB of call graph and lookups in each worker, on top of the
    largest file's parse), and without each computing them again. Without `fork`, they are
    computed here and reach the workers with the pickled index. Files checked in this process
    ask for the values when they need them: a run on one file may need none."""
    if not _in_workers(jobs, len(to_check)):
        return
    codes = tuple(sorted({code for state in to_check for code in state.codes}))
    rules = [rule for rule in load_rules(codes) if rule.overrides("prepare")]
    # Rules that share their `prepare` (FL101 and FL102) need it once.
    preparers = list({getattr(rule.prepare, "__func__", rule): rule for rule in rules}.values())
    if not _can_fork():
        for rule in preparers:
            rule.prepare(index)
        return
    if not preparers:
        return
    try:
        with _pool(min(jobs, len(preparers)), {"index": index}) as pool:
            computed = [pool.submit(_prepare_task, rule) for rule in preparers]
            results = [future.result() for future in computed]
    except Exception:  # a process that cannot start or dies: the workers compute them
        return
    for values in results:
        for key, value in values.items():
            if key not in index.derived_values:
                index.derived_values[key] = value
                index.derived_changed = True


def _can_fork() -> bool:
    import multiprocessing

    return "fork" in multiprocessing.get_all_start_methods()


def _prepare_task(rule: type[Rule]) -> dict[str, object]:
    index: ProjectIndex = _WORKER["index"]
    before = set(index.derived_values)
    rule.prepare(index)
    return {k: v for k, v in index.derived_values.items() if k not in before}


def _complete_index(index: ProjectIndex, states: list[_FileState], cache: Optional[Cache]) -> None:
    """Give the index the facts of cached files too, before anything is checked: read from the
    cache when a question needs them."""
    for state in states:
        if state.file.kind == "python" and state.entry is not None:
            index.add_lazy(state.absolute, functools.partial(_cached_facts, state, cache))
    if cache is not None:
        # What rules computed from the whole project last time, if no module changed since.
        index.derived_values = cache.load_derived(index.derived_stamp())


def _cached_facts(state: _FileState, cache: Optional[Cache]) -> Optional[ModuleFacts]:
    path = state.absolute
    facts = cache.load_facts(path) if cache is not None else None
    if facts is None:  # the facts file was lost: extract again
        facts, _ = _facts_task((state.file.path, *state.module, False))
        if facts is not None and cache is not None:
            cache.store_facts(path, facts)
    return facts


def _remember(
    cache: Cache, state: _FileState, file_result: FileResult, index: ProjectIndex
) -> None:
    path = state.absolute
    if state.stat is None or not file_result.digest:
        cache.drop(path)
        return
    if any(f.code == "FL000" for f in file_result.findings):
        cache.drop(path)  # parse errors are never cached
        return
    digest = state.digest or (state.entry.facts_digest if state.entry is not None else None)
    cache.put(
        path,
        CacheEntry(
            mtime_ns=state.stat.st_mtime_ns,
            size=state.stat.st_size,
            content_hash=file_result.digest,
            module_name=state.module[0],
            facts_digest=digest if state.file.kind == "python" else None,
            findings=file_result.findings,
            dependencies=file_result.dependencies,
        ),
    )
