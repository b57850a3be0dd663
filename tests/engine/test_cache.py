"""The cache never lies: edits, configuration and version changes, and cross-file facts."""

from __future__ import annotations

import dataclasses
import json
import os
import pickle
import subprocess
import sys
from pathlib import Path
from typing import Optional

import pytest

from fastlint.engine import cache as cache_module
from fastlint.engine import project as project_module
from fastlint.engine.project import ModuleFacts
from fastlint.engine.runner import RunOptions, RunResult, run
from fastlint.rules import CATALOG, load_rules
from tests.helpers import write_tree

APP_MODULE = "from fastapi import FastAPI\n\napp = FastAPI()\n"
HANDLERS = (
    "from pkg.core import app\n\n\n@app.on_event('startup')\nasync def start() -> None:\n    pass\n"
)


def lint(
    root: Path,
    *,
    key: str = "k",
    codes: tuple[str, ...] = ("FL301",),
    jobs: int = 1,
    paths: tuple[str, ...] = (".",),
) -> RunResult:
    cwd = os.getcwd()
    os.chdir(root)
    try:
        return run(
            list(paths),
            project_root=str(root),
            rules_for=lambda _file: codes,
            load_rules=load_rules,
            options={},
            run_options=RunOptions(jobs=jobs, cache_dir=str(root / ".cache"), cache_key=key),
        )
    finally:
        os.chdir(cwd)


def project(tmp_path: Path) -> Path:
    write_tree(
        tmp_path,
        {"pkg/__init__.py": "", "pkg/core.py": APP_MODULE, "pkg/handlers.py": HANDLERS},
    )
    return tmp_path


def test_warm_run_uses_the_cache_and_gives_the_same_findings(tmp_path: Path) -> None:
    root = project(tmp_path)
    cold = lint(root)
    warm = lint(root)
    assert cold.files_cached == 0 and warm.files_cached == 3
    assert warm.findings == cold.findings and len(cold.findings) == 1
    assert (root / ".cache" / "CACHEDIR.TAG").read_text().startswith("Signature: 8a477f59")


def test_edit_invalidates_the_file(tmp_path: Path) -> None:
    root = project(tmp_path)
    lint(root)
    handlers = root / "pkg/handlers.py"
    handlers.write_text(HANDLERS + "\n\n@app.on_event('shutdown')\ndef stop() -> None:\n    pass\n")
    result = lint(root)
    assert len(result.findings) == 2 and result.files_cached == 2


def test_a_run_on_some_files_keeps_the_entries_of_the_others(tmp_path: Path) -> None:
    root = project(tmp_path)
    lint(root)
    assert lint(root, paths=("pkg/handlers.py",)).files_checked == 1
    result = lint(root)
    # handlers.py alone was checked against a project of one file: it alone is checked again.
    assert result.files_cached == 2 and len(result.findings) == 1


def test_entries_of_deleted_files_are_forgotten(tmp_path: Path) -> None:
    root = project(tmp_path)
    lint(root)
    (root / "pkg/handlers.py").unlink()
    lint(root)
    stored = cache_module.Cache(str(root / ".cache"), "k")
    assert sorted(os.path.basename(p) for p in stored.entries) == ["__init__.py", "core.py"]
    assert stored.load_facts(str(root / "pkg/core.py")) is not None


def test_same_content_with_new_mtime_is_a_hit(tmp_path: Path) -> None:
    root = project(tmp_path)
    lint(root)
    os.utime(root / "pkg/handlers.py", ns=(1, 1))
    assert lint(root).files_cached == 3


def test_change_in_an_imported_module_invalidates_its_users(tmp_path: Path) -> None:
    root = project(tmp_path)
    assert len(lint(root).findings) == 1
    # handlers.py is unchanged, but `app` is no longer a FastAPI object.
    (root / "pkg/core.py").write_text("class Bus:\n    pass\n\napp = Bus()\n")
    result = lint(root)
    assert result.findings == []
    assert result.files_cached == 1  # only __init__.py, which asked nothing of core


def test_comment_edit_rechecks_only_the_edited_file(tmp_path: Path) -> None:
    """Other files depend on a module's facts, not its text: a comment changes no facts."""
    root = project(tmp_path)
    lint(root)
    (root / "pkg/core.py").write_text(APP_MODULE + "# a comment\n")
    result = lint(root)
    assert result.files_cached == 2 and len(result.findings) == 1


MAIN = (
    "from fastapi import FastAPI\n\nfrom pkg.featured import router\n\napp = FastAPI()\n\n\n"
    "@app.get('/items/{anything}')\ndef anything(anything: str) -> str:\n    return anything\n\n\n"
    "app.include_router(router)\n"
)
FEATURED = (
    "from fastapi import APIRouter\n\nrouter = APIRouter()\n\n\n@router.get('/items/featured')\n"
    "def featured() -> str:\n    return 'x'\n"
)


def test_route_path_change_in_another_module_invalidates(tmp_path: Path) -> None:
    """A route's URL path is a fact: FL202 in one module reads the routes of another."""
    write_tree(tmp_path, {"pkg/__init__.py": "", "pkg/main.py": MAIN, "pkg/featured.py": FEATURED})
    assert [f.path for f in lint(tmp_path, codes=("FL202",)).findings] == ["pkg/featured.py"]
    (tmp_path / "pkg/main.py").write_text(MAIN.replace("/items/{anything}", "/other/{anything}"))
    result = lint(tmp_path, codes=("FL202",))
    assert result.findings == [] and result.files_cached == 1


def test_new_module_that_answers_a_lookup_invalidates(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {"main.py": "from core import app\n\n@app.on_event('startup')\ndef s():\n    pass\n"},
    )
    assert lint(tmp_path).findings == []  # `core` is not in the project: unknown object
    write_tree(tmp_path, {"core.py": APP_MODULE})
    assert len(lint(tmp_path).findings) == 1


def test_configuration_change_uses_another_cache(tmp_path: Path) -> None:
    root = project(tmp_path)
    lint(root, key="one")
    assert lint(root, key="two").files_cached == 0
    assert lint(root, key="one").files_cached == 3


def test_version_change_invalidates(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = project(tmp_path)
    lint(root, key=cache_module.configuration_key("config"))
    monkeypatch.setattr(cache_module, "__version__", "999.0")
    assert lint(root, key=cache_module.configuration_key("config")).files_cached == 0


def test_parse_errors_are_not_cached(tmp_path: Path) -> None:
    root = project(tmp_path)
    write_tree(root, {"pkg/broken.py": "def f(:\n"})
    lint(root)
    result = lint(root)
    assert result.files_cached == 3
    assert [f.code for f in result.findings] == ["FL000", "FL301"]


def test_lost_facts_file_is_rebuilt(tmp_path: Path) -> None:
    root = project(tmp_path)
    lint(root)
    for facts in (root / ".cache").rglob("*.facts"):
        facts.unlink()
    (root / "pkg/handlers.py").write_text(HANDLERS + "# edited\n")
    assert len(lint(root).findings) == 1


def test_corrupt_cache_is_ignored(tmp_path: Path) -> None:
    root = project(tmp_path)
    lint(root)
    for results in (root / ".cache").rglob("*.results"):
        results.write_bytes(b"not a pickle")
    result = lint(root)
    assert result.files_cached == 0 and len(result.findings) == 1


def _cli(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "fastlint", "--format", "json", *args],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_cli_results_identical_with_and_without_cache_for_any_jobs(tmp_path: Path) -> None:
    files = {f"pkg/m{i}.py": HANDLERS for i in range(30)}
    files.update({"pkg/__init__.py": "", "pkg/core.py": APP_MODULE, "pkg/bad.py": "x = (\n"})
    write_tree(tmp_path, files)
    outputs = {
        _cli(tmp_path, "--no-cache", "--jobs", "1").stdout,
        _cli(tmp_path, "--jobs", "2").stdout,  # cold, fills the cache
        _cli(tmp_path, "--jobs", "2").stdout,  # warm
        _cli(tmp_path, "--jobs", "1").stdout,  # warm
    }
    assert len(outputs) == 1
    assert len(json.loads(outputs.pop())) == 31


def test_warm_cli_run_imports_neither_libcst_nor_rules(tmp_path: Path) -> None:
    root = project(tmp_path)
    _cli(root)
    # The command (`cli.run`) ends the process: the probe runs what it runs, `main`.
    probe = (
        "import sys\n"
        "from fastlint.cli import main\n"
        "sys.argv = ['fastlint', '--format', 'json', '.']\n"
        "try:\n    main()\n"
        "except SystemExit:\n    pass\n"
        "loaded = [m for m in ('libcst', 'fastlint.rules.lifecycle') if m in sys.modules]\n"
        "print('LOADED', loaded, file=sys.stderr)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=root, capture_output=True, text=True, timeout=120
    )
    assert "LOADED []" in result.stderr, result.stderr
    assert len(json.loads(result.stdout)) == 1


def test_project_wide_answers_are_reused_only_for_the_same_project(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A comment edit re-checks one file without recomputing the route table; a change to
    any module's facts computes it again."""
    from fastlint.engine import routing

    computed: list[int] = []
    original = routing.RouteTable._compute

    def counting(self: routing.RouteTable) -> dict[str, list[routing.Shadowing]]:
        computed.append(1)
        return original(self)

    monkeypatch.setattr(routing.RouteTable, "_compute", counting)
    write_tree(tmp_path, {"pkg/__init__.py": "", "pkg/main.py": MAIN, "pkg/featured.py": FEATURED})
    lint(tmp_path, codes=("FL202",))
    (tmp_path / "pkg/featured.py").write_text(FEATURED + "# a comment\n")
    computed.clear()
    result = lint(tmp_path, codes=("FL202",))
    assert computed == [] and [f.path for f in result.findings] == ["pkg/featured.py"]
    (tmp_path / "pkg/main.py").write_text(MAIN.replace("/items/{anything}", "/other/{anything}"))
    assert lint(tmp_path, codes=("FL202",)).findings == [] and computed == [1]


def test_answers_computed_in_worker_processes_are_kept(tmp_path: Path) -> None:
    files = {f"pkg/m{i}.py": f"X{i} = {i}\n" for i in range(30)}
    write_tree(tmp_path, {**files, "pkg/__init__.py": "", "pkg/main.py": MAIN})
    write_tree(tmp_path, {"pkg/featured.py": FEATURED})
    lint(tmp_path, codes=("FL202",), jobs=2)
    [derived] = (tmp_path / ".cache").rglob("*.derived")
    stamp, values = pickle.loads(derived.read_bytes())
    assert "route-shadowing" in values


def test_entries_share_equal_queries_and_answers(tmp_path: Path) -> None:
    """So that a shard pickles each once."""
    cache = cache_module.Cache(str(tmp_path), "k")
    for name in ("a.py", "b.py"):
        query = "".join(["pkg.", "core"])  # equal for both files, not the same object
        answer = (query, "".join(["digest-of-", "core"]))
        cache.put(name, cache_module.CacheEntry(1, 1, "h", name, None, [], {query: answer}))
    [(query_a, answer_a)] = cache.entries["a.py"].dependencies.items()
    [(query_b, answer_b)] = cache.entries["b.py"].dependencies.items()
    assert query_a is query_b and answer_a is answer_b


def test_an_edit_rewrites_only_the_shards_of_that_file(tmp_path: Path) -> None:
    files = {f"pkg/m{i}.py": f"X{i} = {i}\n" for i in range(40)}
    write_tree(tmp_path, {**files, "pkg/__init__.py": ""})
    lint(tmp_path)

    def contents() -> dict[str, bytes]:
        return {p.name: p.read_bytes() for p in (tmp_path / ".cache").rglob("*.*s")}

    before = contents()
    (tmp_path / "pkg/m7.py").write_text("X7 = 8\n")
    assert lint(tmp_path).files_cached == 40
    after = contents()
    changed = sorted(name.rsplit(".", 1)[1] for name in after if after[name] != before.get(name))
    assert changed == ["facts", "results"] and len(before) > 10


def test_whole_project_dependencies_hold_a_digest_not_the_module_list(tmp_path: Path) -> None:
    """A file that depended on every module records one digest: the list of every module
    would be stored again for each such file (158 MB of cache on litellm)."""
    files = {f"pkg/module_number_{i}.py": f"X{i} = {i}\n" for i in range(60)}
    write_tree(tmp_path, {**files, "pkg/__init__.py": "", "pkg/main.py": MAIN})
    write_tree(tmp_path, {"pkg/featured.py": FEATURED})
    lint(tmp_path, codes=("FL202",))
    entries: dict[str, cache_module.CacheEntry] = {}
    for shard in (tmp_path / ".cache").rglob("*.results"):
        entries.update(pickle.loads(shard.read_bytes()))
    everything = [
        e.dependencies[cache_module.EVERYTHING]
        for e in entries.values()
        if cache_module.EVERYTHING in e.dependencies
    ]
    assert everything and all(found is None and len(d or "") == 32 for found, d in everything)
    # and it still tells projects apart: another module's facts invalidate those files
    (tmp_path / "pkg/module_number_7.py").write_text("X7 = 'changed'\n")
    assert lint(tmp_path, codes=("FL202",)).files_cached < len(entries)


BLOCKING_HELPER = "import time\n\n\ndef wait_{i}() -> None:\n    time.sleep(1)\n"
ROUTES = (
    "from fastapi import APIRouter\n\nfrom pkg.helpers_1 import wait_1\n\n"
    "router = APIRouter()\n\n\n@router.get('/a')\n"
    "async def a() -> dict[str, str]:\n    wait_1()\n    return {}\n"
)


def test_a_recheck_reads_only_the_facts_it_asks_for(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Facts of cached files are read when a question needs them: a comment edit in one
    module of litellm read 3,000 modules' facts (0.7 s) to re-check that one file."""
    cold, result, read = _recheck_after_a_comment(tmp_path, monkeypatch, ROUTES)
    assert [(f.path, f.code) for f in cold.findings] == [("pkg/routes.py", "FL102")]
    assert result.findings == cold.findings and result.files_cached == 7
    assert read == [os.path.join("pkg", "helpers_1.py")]


def test_a_recheck_reads_only_the_facts_shards_of_the_files_it_touches(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The facts of the edited file are stored, those of the one helper it calls read: their
    shards, not all sixteen (litellm's facts take 20 MB)."""
    files = {f"pkg/helpers_{i}.py": BLOCKING_HELPER.format(i=i) for i in range(6)}
    write_tree(tmp_path, {**files, "pkg/__init__.py": "", "pkg/routes.py": ROUTES})
    codes = tuple(entry.code for entry in CATALOG)
    lint(tmp_path, codes=codes)
    shards_read: list[str] = []
    load = cache_module._load

    def spy(path: str) -> object:
        if path.endswith(".facts"):
            shards_read.append(path)
        return load(path)

    monkeypatch.setattr(cache_module, "_load", spy)
    (tmp_path / "pkg/routes.py").write_text(ROUTES + "# edited\n")
    assert lint(tmp_path, codes=codes).files_cached == 7
    touched = [str(tmp_path / "pkg" / name) for name in ("routes.py", "helpers_1.py")]
    assert {int(path.rsplit(".", 2)[1]) for path in shards_read} == {
        cache_module._shard(path) for path in touched
    }


def _recheck_after_a_comment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, routes: str
) -> tuple[RunResult, RunResult, list[str]]:
    """Every rule on six helper modules and `routes`, then again after a comment was added to
    `routes`: both results, and the facts the second run read from the cache (relative paths)."""
    files = {f"pkg/helpers_{i}.py": BLOCKING_HELPER.format(i=i) for i in range(6)}
    write_tree(tmp_path, {**files, "pkg/__init__.py": "", "pkg/routes.py": routes})
    codes = tuple(entry.code for entry in CATALOG)
    cold = lint(tmp_path, codes=codes)
    read: list[str] = []
    load_facts = cache_module.Cache.load_facts

    def spy(self: cache_module.Cache, path: str) -> Optional[ModuleFacts]:
        read.append(os.path.relpath(path, tmp_path))
        return load_facts(self, path)

    monkeypatch.setattr(cache_module.Cache, "load_facts", spy)
    (tmp_path / "pkg/routes.py").write_text(routes + "# edited\n")
    return cold, lint(tmp_path, codes=codes), read


def test_a_new_package_marker_renames_cached_modules(tmp_path: Path) -> None:
    """A new `__init__.py` renames the modules under it, and their cached facts name them by
    the old name: those entries must not be used (they were, and `pkg.core` stayed unknown)."""
    write_tree(tmp_path, {"pkg/core.py": APP_MODULE, "pkg/handlers.py": HANDLERS})
    assert lint(tmp_path).findings == []  # without it, `pkg.core` is no module of the project
    (tmp_path / "pkg/__init__.py").write_text("")
    # Within one process, directories are looked up once; a run is a process of its own.
    project_module._package_parts.cache_clear()
    project_module._is_package_directory.cache_clear()
    result = lint(tmp_path)
    assert [f.code for f in result.findings] == ["FL301"] and result.files_cached == 0


def test_a_recheck_asks_the_cached_route_answers_without_reading_every_module(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """FL203 asks whether a router may add dependencies (whose parameters an endpoint need
    not declare): answered from the last run, not by building the route table again."""
    routes = (
        "from fastapi import APIRouter\n\nrouter = APIRouter()\n\n\n"
        "@router.get('/items/{item_id}')\nasync def read() -> dict[str, str]:\n    return {}\n"
    )
    cold, result, read = _recheck_after_a_comment(tmp_path, monkeypatch, routes)
    assert [(f.path, f.code) for f in cold.findings] == [("pkg/routes.py", "FL203")]
    assert result.findings == cold.findings and result.files_cached == 7 and read == []


def test_facts_tied_to_lines_are_left_out_of_the_digests_other_files_depend_on() -> None:
    """Where definitions are, and which of them return plain data, say nothing other files
    use: a file whose own facts only differ there leaves its dependents' results valid."""
    code = "class A:\n    def get(self):\n        return self.value\n\ndef f():\n    return 1\n"
    facts = project_module.extract_facts("m.py", code, name="m")
    assert facts.plain_returns and facts.definitions and facts.methods
    bare = dataclasses.replace(
        facts, plain_returns={}, definitions=[], methods=[], function_bodies={}
    )
    assert cache_module.facts_digest(bare) == cache_module.facts_digest(facts)
