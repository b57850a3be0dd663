"""Work across processes: batches by size, results in the order of the items."""

from __future__ import annotations

import gc
import os
import sys
import time
from pathlib import Path
from typing import Any, ClassVar

import pytest

from fastlint.engine import runner
from fastlint.engine.discovery import DiscoveredFile
from fastlint.engine.findings import Severity
from fastlint.engine.project import ProjectIndex
from fastlint.engine.rule import Rule
from fastlint.engine.runner import PARALLEL_THRESHOLD, RunOptions, _batches, _map
from fastlint.rules import load_rules


def _run(root: Path, rules: tuple[type[Rule], ...], **options: Any) -> runner.RunResult:
    """The run on every file under `root`, with these rules."""
    return runner.run(
        [str(root)],
        project_root=str(root),
        rules_for=lambda file: tuple(rule.code for rule in rules),
        load_rules=lambda codes: rules,
        options={},
        run_options=RunOptions(**options),
    )


def test_batches_hand_out_large_items_first_and_alone() -> None:
    sizes = [5, 100, 1, 1, 1, 50, 1, 1, 1, 1] * 3
    batches = _batches(sizes, 2)
    assert sorted(i for batch in batches for i in batch) == list(range(len(sizes)))
    assert [sizes[i] for i in batches[0]] == [100]
    firsts = [sizes[batch[0]] for batch in batches]
    assert firsts == sorted(firsts, reverse=True)


def test_map_gives_results_in_order_across_processes() -> None:
    items = list(range(-PARALLEL_THRESHOLD, PARALLEL_THRESHOLD))
    sizes = [abs(i) * 7 % 13 for i in items]
    assert list(_map(abs, items, 2, {}, sizes)) == [abs(i) for i in items]
    assert list(_map(abs, items, 2, {})) == [abs(i) for i in items]


def _mark(task: tuple[str, int]) -> int:
    directory, item = task
    Path(directory, str(item)).touch()
    return item


@pytest.mark.parametrize("sized", [True, False])
def test_map_runs_meanwhile_once_the_workers_have_their_tasks(tmp_path: Path, sized: bool) -> None:
    """`meanwhile` (importing what checking needs, in the run) overlaps the workers' work:
    it runs after the tasks are handed out, before the first result is read, and only once."""
    items = [(str(tmp_path), i) for i in range(PARALLEL_THRESHOLD * 2)]
    sizes = [i % 5 for i in range(len(items))] if sized else None
    calls: list[bool] = []

    def meanwhile() -> None:
        deadline = time.monotonic() + 30
        while not any(tmp_path.iterdir()) and time.monotonic() < deadline:
            time.sleep(0.01)
        calls.append(any(tmp_path.iterdir()))

    results = _map(_mark, items, 2, {}, sizes, meanwhile=meanwhile)
    assert next(results) == 0 and calls == [True]
    assert list(results) == list(range(1, len(items))) and calls == [True]
    assert list(_map(abs, [-1, 2], 1, {}, meanwhile=meanwhile)) == [1, 2] and len(calls) == 1


def test_memory_is_handed_back_after_large_files_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    small, large = tmp_path / "small.py", tmp_path / "large.py"
    small.write_text("x = 1\n")
    large.write_text("x = 1\n" * 100)
    trims: list[int] = []
    monkeypatch.setattr(runner, "TRIM_AFTER_BYTES", 300)
    monkeypatch.setattr(runner, "_return_freed_memory", lambda: trims.append(1))
    monkeypatch.setattr(
        runner,
        "_WORKER",
        {"index": ProjectIndex(), "options": {}, "run": RunOptions(), "load_rules": load_rules},
    )
    for path in (small, large, small):
        runner._check_task((DiscoveredFile(str(path), "python"), ("FL101",), ("m", False)))
        if path == large:
            assert trims == [1]
    assert trims == [1]


def test_handing_memory_back_without_malloc_trim_does_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import ctypes

    def no_library(name: object) -> object:
        raise TypeError("as ctypes.CDLL(None) does on Windows")

    monkeypatch.setattr(ctypes, "CDLL", no_library)
    runner._malloc_trim.cache_clear()
    try:
        runner._return_freed_memory()
        assert runner._malloc_trim() is None
        monkeypatch.undo()
        monkeypatch.setattr(sys, "platform", "darwin")
        runner._malloc_trim.cache_clear()
        assert runner._malloc_trim() is None  # not even looked for
    finally:
        runner._malloc_trim.cache_clear()


def test_the_cycle_collector_pauses_for_one_task_only() -> None:
    seen: list[bool] = []

    @runner._without_cycle_collection
    def task(fail: bool) -> None:
        seen.append(gc.isenabled())
        if fail:
            raise ValueError

    assert gc.isenabled()
    task(False)
    with pytest.raises(ValueError):
        task(True)
    assert seen == [False, False] and gc.isenabled()
    gc.disable()
    try:
        task(False)
        assert not gc.isenabled()  # a caller that paused it keeps it paused
    finally:
        gc.enable()


def test_only_code_python_accepted_is_parsed_without_validation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fastlint.engine import cstparse

    calls: list[bool] = []
    parse = cstparse.parse_module

    def recording(text: str, *, validate: bool = True) -> object:
        calls.append(validate)
        return parse(text, validate=validate)

    monkeypatch.setattr(cstparse, "parse_module", recording)
    (tmp_path / "ok.py").write_text("import time\nasync def f():\n    time.sleep(1)\n")
    (tmp_path / "bad.py").write_text("import time\nasync def f(:\n    time.sleep(1)\n")
    result = runner.run(
        [str(tmp_path)],
        project_root=str(tmp_path),
        rules_for=lambda file: ("FL101",),
        load_rules=load_rules,
        options={},
        run_options=RunOptions(jobs=1),
    )
    assert sorted(f.code for f in result.findings) == ["FL000", "FL101"]
    assert sorted(calls) == [False, True]  # ok.py unvalidated; bad.py, which ast rejects, not


class _PreparingRule(Rule):
    """Computes a project-wide value before the check (where: its process id, also written
    to `log`), and reports it in every file."""

    code = "FL999"
    name = "preparing"
    summary = "test rule"
    severity = Severity.WARNING
    log: ClassVar[Path]

    @classmethod
    def prepare(cls, project: ProjectIndex) -> None:
        project.derived("test-prepared", cls._compute)

    @classmethod
    def _compute(cls) -> int:
        with open(cls.log, "a") as handle:
            handle.write(f"{os.getpid()}\n")
        return os.getpid()

    def begin_file(self) -> None:
        value = self.context.project.derived("test-prepared", self._compute)
        self.report(self.context.module, f"prepared in {value}")


@pytest.mark.parametrize("jobs", [1, 2])
def test_project_wide_values_are_prepared_once_before_the_check(tmp_path: Path, jobs: int) -> None:
    """With several workers, in a process of its own (they inherit the value, not the memory
    its computation left); with one, in this process when first asked."""
    _PreparingRule.log = tmp_path / "prepared.log"
    for i in range(PARALLEL_THRESHOLD):
        (tmp_path / f"m{i}.py").write_text(f"X = {i}\n")
    result = _run(tmp_path, (_PreparingRule,), jobs=jobs)
    [computed_in] = [int(line) for line in _PreparingRule.log.read_text().split()]
    assert {f.message for f in result.findings} == {f"prepared in {computed_in}"}
    assert len(result.findings) == PARALLEL_THRESHOLD
    assert (computed_in == os.getpid()) == (jobs == 1)


def test_facts_digests_and_dependencies_only_for_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """They are what cache entries record: a run without a cache computes neither."""
    project = tmp_path / "project"
    project.mkdir()
    (project / "helpers.py").write_text("import time\n\ndef wait():\n    time.sleep(1)\n")
    (project / "app.py").write_text("from helpers import wait\n\nasync def f():\n    wait()\n")
    digested: list[str] = []
    real = runner.facts_digest

    def counting(facts: Any) -> str:
        digested.append(facts.name)
        return real(facts)

    monkeypatch.setattr(runner, "facts_digest", counting)
    recorded: list[int] = []
    real_remember = runner._remember

    def remembering(cache: Any, state: Any, file_result: Any, index: Any) -> None:
        recorded.append(len(file_result.dependencies))
        real_remember(cache, state, file_result, index)

    monkeypatch.setattr(runner, "_remember", remembering)

    def run(**options: Any) -> list[str]:
        return [f.code for f in _run(project, load_rules(("FL102",)), jobs=1, **options).findings]

    assert run() == ["FL102"] and digested == []
    assert run(cache_dir=str(tmp_path / "cache"), cache_key="k") == ["FL102"]
    assert sorted(digested) == ["app", "helpers"] and max(recorded) > 0


class _SharingRule(_PreparingRule):
    """Shares `_PreparingRule.prepare` (as FL102 shares FL101's)."""

    code = "FL998"
    name = "sharing"


class _OtherPreparingRule(_PreparingRule):
    code = "FL997"
    name = "other-preparing"

    @classmethod
    def prepare(cls, project: ProjectIndex) -> None:
        project.derived("test-other", cls._compute)

    def begin_file(self) -> None:
        value = self.context.project.derived("test-other", self._compute)
        self.report(self.context.module, f"other prepared in {value}")


def test_each_prepare_runs_once_before_the_workers_check(tmp_path: Path) -> None:
    _PreparingRule.log = tmp_path / "prepared.log"
    for i in range(PARALLEL_THRESHOLD):
        (tmp_path / f"m{i}.py").write_text(f"X = {i}\n")
    result = _run(tmp_path, (_PreparingRule, _SharingRule, _OtherPreparingRule), jobs=2)
    computed_in = [int(line) for line in _PreparingRule.log.read_text().split()]
    assert len(computed_in) == 2 and os.getpid() not in computed_in
    assert {f.message.rpartition(" ")[2] for f in result.findings} == {str(p) for p in computed_in}


class _UnaskedRule(_PreparingRule):
    code = "FL996"
    name = "unasked"

    def begin_file(self) -> None:
        pass


def test_files_checked_in_this_process_are_not_prepared_for(tmp_path: Path) -> None:
    """A run on one file computes only the project-wide values its checks ask for."""
    _PreparingRule.log = tmp_path / "prepared.log"
    (tmp_path / "m.py").write_text("X = 1\n")
    _run(tmp_path, (_UnaskedRule,), jobs=2)
    assert not _PreparingRule.log.exists()


def test_without_fork_values_are_prepared_here_for_the_workers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Workers that are not forked get the prepared values with the pickled index."""
    monkeypatch.setattr(runner, "_can_fork", lambda: False)
    _PreparingRule.log = tmp_path / "prepared.log"
    for i in range(PARALLEL_THRESHOLD):
        (tmp_path / f"m{i}.py").write_text(f"X = {i}\n")
    result = _run(tmp_path, (_PreparingRule,), jobs=2)
    assert [int(line) for line in _PreparingRule.log.read_text().split()] == [os.getpid()]
    assert {f.message for f in result.findings} == {f"prepared in {os.getpid()}"}
