"""End-to-end: the real CLI, in a subprocess, on real files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers import ON_EVENT_APP, REPO, fastlint, write_tree


def test_example_app_shows_fl301_with_code_frames() -> None:
    result = fastlint("examples/app", "--color", "never", cwd=REPO)
    assert result.returncode == 1, result.stderr
    assert "examples/app/app/main.py:27:2: FL301" in result.stdout
    assert '27 | @app.on_event("startup")' in result.stdout
    assert "^^^^" in result.stdout
    assert any(line.startswith("Found ") for line in result.stdout.splitlines())
    assert "Traceback" not in result.stderr


def test_json_has_exactly_the_spec_keys(tmp_path: Path) -> None:
    write_tree(tmp_path, {"main.py": ON_EVENT_APP})
    result = fastlint("--format", "json", cwd=tmp_path)
    assert result.returncode == 1
    findings = json.loads(result.stdout)
    assert [set(f) for f in findings] == [
        {
            "path",
            "line",
            "column",
            "end_line",
            "end_column",
            "code",
            "rule",
            "severity",
            "message",
            "fix",
        }
    ]
    assert findings[0]["path"] == "main.py"
    assert (findings[0]["line"], findings[0]["column"]) == (6, 2)
    assert findings[0]["code"] == "FL301" and findings[0]["rule"] == "on-event-deprecated"


def test_syntax_error_is_fl000_and_other_files_are_checked(tmp_path: Path) -> None:
    write_tree(
        tmp_path, {"a_bad.py": "def f(:\n    pass\n", "main.py": ON_EVENT_APP, "z_empty.py": ""}
    )
    result = fastlint("--format", "json", cwd=tmp_path)
    assert result.returncode == 1
    codes = [(f["path"], f["code"]) for f in json.loads(result.stdout)]
    assert codes == [("a_bad.py", "FL000"), ("main.py", "FL301")]
    assert "Traceback" not in result.stderr


def test_unknown_config_key_exits_2_naming_key_and_file(tmp_path: Path) -> None:
    write_tree(tmp_path, {"pyproject.toml": "[tool.fastlint]\nselct = ['FL3']\n", "m.py": ""})
    result = fastlint(".", cwd=tmp_path)
    assert result.returncode == 2
    assert "selct" in result.stderr and "pyproject.toml" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "config, fragment",
    [
        ("[tool.fastlint]\nselect = 'FL3'\n", "`select` must be a list of strings"),
        ("[tool.fastlint]\nrespect-gitignore = 'yes'\n", "`respect-gitignore` must be true"),
        ("[tool.fastlint]\nselect = ['NOPE1']\n", "unknown rule selector `NOPE1`"),
        ("[tool.fastlint\n", "invalid TOML"),
    ],
)
def test_bad_config_values_exit_2(tmp_path: Path, config: str, fragment: str) -> None:
    write_tree(tmp_path, {"pyproject.toml": config, "m.py": ""})
    result = fastlint(".", cwd=tmp_path)
    assert result.returncode == 2
    assert fragment in result.stderr


def test_fastlint_toml_and_per_file_ignores(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "fastlint.toml": 'per-file-ignores = { "legacy/*" = ["FL301"] }\n',
            "legacy/old.py": ON_EVENT_APP,
            "new.py": ON_EVENT_APP,
        },
    )
    result = fastlint("--format", "json", cwd=tmp_path)
    assert [f["path"] for f in json.loads(result.stdout)] == ["new.py"]


def test_select_ignore_and_exit_codes(tmp_path: Path) -> None:
    write_tree(tmp_path, {"main.py": ON_EVENT_APP})
    assert fastlint("--ignore", "FL301", cwd=tmp_path).returncode == 0
    assert fastlint("--ignore", "on-event-deprecated", cwd=tmp_path).returncode == 0
    assert fastlint("--select", "FL3", cwd=tmp_path).returncode == 1
    assert fastlint("--exit-zero", cwd=tmp_path).returncode == 0
    assert fastlint("--select", "FL9", cwd=tmp_path).returncode == 2


def test_noqa_suppresses(tmp_path: Path) -> None:
    write_tree(tmp_path, {"main.py": ON_EVENT_APP.replace('("startup")', '("startup")  # noqa')})
    result = fastlint(cwd=tmp_path)
    assert result.returncode == 0, result.stdout
    assert "All checks passed!" in result.stdout


def test_rule_and_rules_commands(tmp_path: Path) -> None:
    doc = fastlint("rule", "FL301", cwd=tmp_path)
    assert doc.returncode == 0 and "## Why is this bad?" in doc.stdout
    by_name = fastlint("rule", "on-event-deprecated", cwd=tmp_path)
    assert by_name.stdout == doc.stdout
    assert fastlint("rule", "FL999", cwd=tmp_path).returncode == 2
    listing = json.loads(fastlint("rules", "--format", "json", cwd=tmp_path).stdout)
    assert {"code": "FL301"}.items() <= listing[0].items() or any(
        r["code"] == "FL301" for r in listing
    )


def test_statistics_and_quiet(tmp_path: Path) -> None:
    write_tree(tmp_path, {"main.py": ON_EVENT_APP})
    stats = fastlint("--statistics", cwd=tmp_path)
    # The lifespan fix is unsafe, but it is a fix: marked as ruff marks fixable rules.
    assert stats.stdout.split() == ["1", "FL301", "[*]", "on-event-deprecated"]
    quiet = fastlint("--quiet", "--color", "never", cwd=tmp_path)
    assert "Found" not in quiet.stdout and "FL301" in quiet.stdout


def test_output_file_has_no_color(tmp_path: Path) -> None:
    write_tree(tmp_path, {"main.py": ON_EVENT_APP})
    fastlint("--color", "always", "--output-file", "out.txt", cwd=tmp_path)
    text = (tmp_path / "out.txt").read_text()
    assert "FL301" in text and "\x1b[" not in text


def test_missing_path_is_reported_without_traceback(tmp_path: Path) -> None:
    result = fastlint("nope/", cwd=tmp_path)
    assert result.returncode == 1
    assert "nope:1:1: FL000 no such file or directory" in result.stdout
    assert "Traceback" not in result.stderr


def test_version_and_module_entry_point(tmp_path: Path) -> None:
    result = fastlint("--version", cwd=tmp_path)
    assert result.returncode == 0 and "fastlint" in result.stdout


def test_jobs_give_identical_output(tmp_path: Path) -> None:
    # More files than runner.PARALLEL_THRESHOLD, of different sizes: processes share them.
    files = {f"pkg/m{i}.py": ON_EVENT_APP + "\n" * (i * 37 % 11) for i in range(30)}
    files["pkg/bad.py"] = "x = (\n"
    write_tree(tmp_path, files)
    one = fastlint("--format", "json", "--jobs", "1", cwd=tmp_path)
    two = fastlint("--format", "json", "--jobs", "2", cwd=tmp_path)
    assert one.stdout == two.stdout and len(json.loads(one.stdout)) == 31


def test_text_snippets_and_diffs_number_lines_as_python_does(tmp_path: Path) -> None:
    """A form feed does not end a line: the snippet shown is the finding's own line, and the
    diff counts the same lines."""
    code = "import time\n# \x0c page two\n\n\nasync def f():\n    time.sleep(1)\n"
    write_tree(tmp_path, {"app.py": code})
    text = fastlint("app.py", "--select", "FL101", "--color", "never", cwd=tmp_path)
    assert "app.py:6:5: FL101" in text.stdout
    assert "6 |     time.sleep(1)" in text.stdout
    diff = fastlint("app.py", "--select", "FL101", "--diff", cwd=tmp_path)
    assert "@@ -1,6 +1,7 @@\n" in diff.stdout and "\n # \x0c page two\n" in diff.stdout


def test_the_command_writes_all_its_output_before_it_exits(tmp_path: Path) -> None:
    """It ends without tearing the interpreter down (engine objects are not freed one by
    one): what it wrote, to a pipe or a file, is all there, with the same exit status."""
    handlers = "".join(
        f"\n\n@app.on_event('startup')\nasync def start_{i}() -> None:\n    pass\n"
        for i in range(300)
    )
    write_tree(tmp_path, {"app.py": ON_EVENT_APP + handlers})
    piped = fastlint("check", "--no-cache", "--format", "json", cwd=tmp_path)
    assert piped.returncode == 1 and len(json.loads(piped.stdout)) == 301
    written = fastlint(
        "check", "--no-cache", "--format", "json", "--output-file", "out.json", cwd=tmp_path
    )
    assert written.returncode == 1 and written.stdout == ""
    assert json.loads((tmp_path / "out.json").read_text()) == json.loads(piped.stdout)
    usage = fastlint("check", "--select", "NOPE", cwd=tmp_path)
    assert usage.returncode == 2 and "NOPE" in usage.stderr
