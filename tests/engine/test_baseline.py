"""Baselines: fingerprints that survive line shifts, duplicates as a multiset, entries gone."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fastlint.engine import baseline
from fastlint.engine.baseline import Baseline, BaselineError, fingerprint
from fastlint.engine.findings import Finding, Severity
from fastlint.rules import all_rules
from tests.helpers import fastlint, lint_tree, write_tree

HANDLER = '@app.on_event("{event}")\nasync def on_{event}() -> None:\n    pass\n'


def app(*events: str, header: str = "") -> str:
    handlers = "\n\n".join(HANDLER.format(event=event) for event in events)
    return f"{header}from fastapi import FastAPI\n\napp = FastAPI()\n\n\n{handlers}"


def findings_of(root: Path, files: dict[str, str]) -> list[Finding]:
    write_tree(root, files)
    return lint_tree(root, all_rules())


def test_fingerprint_ignores_lines_and_messages() -> None:
    def make(line: int, message: str, snippet: str = "app.on_event('startup')") -> Finding:
        return Finding(
            "a.py", line, 1, line, 9, "FL301", "r", Severity.WARNING, message,
            context="setup", snippet=snippet,
        )  # fmt: skip

    assert fingerprint(make(3, "x")) == fingerprint(make(30, "y"))
    assert fingerprint(make(3, "x")) == fingerprint(make(3, "x", "app.on_event( 'startup' )"))
    assert fingerprint(make(3, "x")) != fingerprint(make(3, "x", "app.on_event('shutdown')"))
    assert fingerprint(make(3, "x")) != fingerprint(make(3, "x"), path="b.py")


def test_line_shifts_and_unrelated_edits_keep_the_baseline(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    before = findings_of(tmp_path, {"main.py": app("startup", "shutdown")})
    assert len(before) == 2
    baseline.write(before, str(tmp_path / "baseline.json"))
    loaded = Baseline.load(str(tmp_path / "baseline.json"))
    # Lines added above, and an unrelated line edited: same findings, on other lines.
    shifted = app("startup", "shutdown", header="'''Docs.'''\n\nimport os\n\nX = os.sep\n\n")
    after = findings_of(tmp_path, {"main.py": shifted})
    assert [f.line for f in after] != [f.line for f in before]
    assert loaded.filter(after) == ([], 0)


def test_moved_code_keeps_the_baseline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    baseline.write(findings_of(tmp_path, {"main.py": app("startup", "shutdown")}), "b.json")
    swapped = findings_of(tmp_path, {"main.py": app("shutdown", "startup")})
    assert Baseline.load("b.json").filter(swapped) == ([], 0)


def test_duplicates_are_matched_as_a_multiset(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    two = findings_of(tmp_path, {"main.py": app("startup", "startup")})
    baseline.write(two, "b.json")
    (entry,) = json.loads(Path("b.json").read_text())["findings"]
    assert entry["count"] == 2
    loaded = Baseline.load("b.json")
    three = findings_of(tmp_path, {"main.py": app("startup", "startup", "startup")})
    new, gone = loaded.filter(three)
    assert (len(new), gone) == (1, 0)
    assert new[0] == three[2]  # the later duplicate is the new one
    one = findings_of(tmp_path, {"main.py": app("startup")})
    assert loaded.filter(one) == ([], 1)


def test_removed_and_new_findings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    baseline.write(findings_of(tmp_path, {"main.py": app("startup", "shutdown")}), "b.json")
    now = findings_of(tmp_path, {"main.py": app("shutdown"), "other.py": app("startup")})
    new, gone = Baseline.load("b.json").filter(now)
    assert [f.path for f in new] == ["other.py"]  # same code, another file: new
    assert gone == 1  # main.py's startup handler is gone


def test_gone_counts_only_what_was_looked_for(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    files = {"main.py": app("startup"), "sub/other.py": app("shutdown")}
    baseline.write(findings_of(tmp_path, files), "b.json")
    loaded = Baseline.load("b.json")
    only_sub = [f for f in findings_of(tmp_path, files) if f.path.startswith("sub/")]
    in_sub = str(tmp_path / "sub")
    assert loaded.filter(only_sub, lambda code, path: path.startswith(in_sub)) == ([], 0)
    assert loaded.filter(only_sub, lambda code, path: code != "FL301") == ([], 0)
    assert loaded.filter(only_sub) == ([], 1)


def test_file_is_sorted_stable_and_relative_to_its_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = {"pkg/b.py": app("startup"), "pkg/a.py": app("shutdown", "startup")}
    monkeypatch.chdir(tmp_path)
    findings = findings_of(tmp_path, files)
    (tmp_path / "ci").mkdir()
    baseline.write(findings, "ci/baseline.json")
    text = Path("ci/baseline.json").read_text()
    baseline.write(list(reversed(findings)), "ci/again.json")
    assert Path("ci/again.json").read_text() == text
    document = json.loads(text)
    assert document["fastlint-baseline"] == 1
    entries = document["findings"]
    assert [e["path"] for e in entries] == ["../pkg/a.py", "../pkg/a.py", "../pkg/b.py"]
    assert entries == sorted(
        entries, key=lambda e: (e["path"], e["code"], e["context"], e["fingerprint"])
    )
    # Loaded from another current directory, it still matches.
    monkeypatch.chdir(tmp_path / "pkg")
    moved = lint_tree(tmp_path, all_rules())  # paths relative to tmp_path again
    monkeypatch.chdir(tmp_path)
    assert Baseline.load("ci/baseline.json").filter(moved) == ([], 0)


@pytest.mark.parametrize(
    "content",
    ["not json", "[]", '{"fastlint-baseline": 99, "findings": []}', '{"fastlint-baseline": 1}',
     '{"fastlint-baseline": 1, "findings": [{"fingerprint": 3}]}'],
)  # fmt: skip
def test_bad_baseline_files_are_errors(tmp_path: Path, content: str) -> None:
    (tmp_path / "b.json").write_text(content)
    with pytest.raises(BaselineError):
        Baseline.load(str(tmp_path / "b.json"))
    with pytest.raises(BaselineError, match="cannot read"):
        Baseline.load(str(tmp_path / "missing.json"))


# --- the command line ------------------------------------------------------------------------


def test_cli_write_then_use_a_baseline(tmp_path: Path) -> None:
    write_tree(tmp_path, {"main.py": app("startup", "shutdown")})
    written = fastlint("--write-baseline", "fastlint-baseline.json", cwd=tmp_path)
    assert written.returncode == 0, written.stderr
    assert "2 finding(s)" in written.stderr
    clean = fastlint("--baseline", "fastlint-baseline.json", "--color", "never", cwd=tmp_path)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "All checks passed!" in clean.stdout
    # A new finding, an old one removed, lines shifted.
    write_tree(tmp_path, {"main.py": app("shutdown", "startup", "startup", header="import os\n")})
    changed = fastlint("--baseline", "fastlint-baseline.json", "--format", "json", cwd=tmp_path)
    assert changed.returncode == 1
    assert len(json.loads(changed.stdout)) == 1
    write_tree(tmp_path, {"main.py": app("shutdown")})
    gone = fastlint("--baseline", "fastlint-baseline.json", "--color", "never", cwd=tmp_path)
    assert gone.returncode == 0
    assert "1 baseline entry no longer found." in gone.stdout


def test_cli_baseline_from_configuration(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "pyproject.toml": '[tool.fastlint]\nbaseline = "lint/baseline.json"\n',
            "src/main.py": app("startup"),
        },
    )
    (tmp_path / "lint").mkdir()
    assert fastlint("--write-baseline", "lint/baseline.json", cwd=tmp_path).returncode == 0
    result = fastlint("src", "--color", "never", cwd=tmp_path / ".")
    assert result.returncode == 0, result.stdout
    # From a subdirectory the configured path is still found (relative to the configuration).
    result = fastlint(".", "--color", "never", cwd=tmp_path / "src")
    assert result.returncode == 0, result.stdout + result.stderr


def test_cli_missing_baseline_is_a_usage_error(tmp_path: Path) -> None:
    write_tree(tmp_path, {"main.py": app("startup")})
    result = fastlint("--baseline", "nope.json", cwd=tmp_path)
    assert result.returncode == 2
    assert "nope.json" in result.stderr


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("app.on_event( 'startup' )", 'app.on_event("startup",)'),
        ("requests.get(url,  # why\n timeout=3)", "requests.get(url, timeout=3)"),
        ("f(x)", "f( x )"),
    ],
)
def test_normalised_code_ignores_formatting(first: str, second: str) -> None:
    assert baseline.normalise(first) == baseline.normalise(second)


def test_normalised_code_keeps_meaning() -> None:
    assert baseline.normalise("f(x)") != baseline.normalise("f(y)")
    assert baseline.normalise("'a' 'b'") != baseline.normalise("'ab'")
    assert baseline.normalise('f"{x}"') != baseline.normalise('f"{y}"')
    assert baseline.normalise("CMD a  --reload", python=False) == "CMD a --reload"


def test_normalised_code_of_an_indented_block() -> None:
    block = "if x:\n        a = 1\n    else:\n        a = 2  # two\n"
    assert baseline.normalise(block) == "if x : a = 1 else : a = 2"
    assert baseline.normalise("x = 1,") != baseline.normalise("x = 1")
