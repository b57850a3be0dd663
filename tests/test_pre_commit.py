"""The pre-commit hooks, installed and run for real by `pre-commit try-repo`.

pre-commit installs fastlint from a git repository into its own virtualenv (pip builds it from the
source; only the package index is needed). The hook repository is a snapshot of this working tree
(tracked and untracked files, as git would see them after `git add -A`), committed to a temporary
repository, so the test checks what is on disk in a developer's checkout and in CI's fresh clone.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import write_tree

pytest.importorskip("pre_commit", reason="pre-commit is not installed (it is in the test extra)")

REPO = Path(__file__).resolve().parent.parent
GIT = shutil.which("git")
BAD_APP = """\
from fastapi import FastAPI

app = FastAPI()


@app.on_event("startup")
async def startup() -> None:
    pass
"""


def git(*args: str, cwd: Path) -> str:
    assert GIT is not None
    identity = ["-c", "user.name=fastlint-tests", "-c", "user.email=tests@fastlint.invalid"]
    result = subprocess.run(
        [GIT, *identity, *args], cwd=cwd, capture_output=True, text=True, check=True
    )
    return result.stdout


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if GIT is None:
        pytest.skip("git is not installed")
    if subprocess.run([GIT, "rev-parse"], cwd=REPO, capture_output=True).returncode != 0:
        pytest.skip("not run from a git checkout of fastlint")
    snapshot = tmp_path_factory.mktemp("hook-repo")
    listed = git("ls-files", "-z", "--cached", "--others", "--exclude-standard", cwd=REPO)
    for relative in filter(None, listed.split("\0")):
        source = REPO / relative
        if source.is_file():  # deleted but still in the index: skip
            target = snapshot / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    git("init", "-q", cwd=snapshot)
    git("add", "-A", cwd=snapshot)
    git("commit", "-q", "--no-gpg-sign", "-m", "snapshot", cwd=snapshot)
    return snapshot


def try_repo(hook_repo: Path, project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "PRE_COMMIT"))}
    env.pop("SKIP", None)
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(hook_repo), *args, "--color", "never"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,  # installs fastlint into a fresh virtualenv (try-repo never reuses one)
    )


def test_try_repo_runs_both_hooks_on_the_whole_project(hook_repo: Path, tmp_path: Path) -> None:
    """One try-repo run (each installs fastlint afresh, so there is only one).

    Only the Dockerfile is passed, yet the finding is in app/main.py: the hooks ran because a
    deployment file changed, and checked the project as a whole (cross-module rules need every
    module, so a commit can reveal a finding in a file it did not touch).
    """
    write_tree(tmp_path, {"app/main.py": BAD_APP, "Dockerfile": "FROM python\n"})
    git("init", "-q", cwd=tmp_path)
    git("add", "-A", cwd=tmp_path)
    result = try_repo(hook_repo, tmp_path, "--files", "Dockerfile")
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "An error has occurred" not in output, output
    assert "- hook id: fastlint\n" in output and "- hook id: fastlint-fix\n" in output
    assert output.count("app/main.py:6:2: FL301") == 2, output  # FL301 has no fix: both report
    assert (tmp_path / "app" / "main.py").read_text(encoding="utf-8") == BAD_APP


# --- the manifest, without installing anything -------------------------------------------------


def load_hooks() -> dict[str, dict[str, object]]:
    from pre_commit.clientlib import load_manifest

    return {hook["id"]: hook for hook in load_manifest(str(REPO / ".pre-commit-hooks.yaml"))}


def test_manifest_is_valid_for_pre_commit() -> None:
    hooks = load_hooks()
    assert set(hooks) == {"fastlint", "fastlint-fix"}
    for hook in hooks.values():
        assert hook["language"] == "python"
        assert hook["pass_filenames"] is False
        assert hook["require_serial"] is True
    assert hooks["fastlint"]["entry"] == "fastlint check"
    assert hooks["fastlint-fix"]["entry"] == "fastlint check --fix"


@pytest.mark.parametrize(
    ("path", "runs"),
    [
        ("main.py", True),
        ("src/app/routes.py", True),
        ("Dockerfile", True),
        ("deploy/Dockerfile.prod", True),
        ("deploy/api.dockerfile", True),
        ("Procfile", True),
        ("docker-compose.yml", True),
        ("deploy/compose.prod.yaml", True),
        ("pyproject.toml", True),
        ("fastlint.toml", True),
        ("README.md", False),
        ("notes.txt", False),
        ("package.json", False),
        ("setup.cfg", False),
        ("main.pyc", False),
        ("docs/Dockerfile.md", True),  # conservative: runs more often, never less
        (".github/workflows/ci.yml", False),
    ],
)
def test_hooks_run_for_the_files_fastlint_reads(path: str, runs: bool) -> None:
    for hook in load_hooks().values():
        assert bool(re.search(str(hook["files"]), path)) is runs, (hook["id"], path)
