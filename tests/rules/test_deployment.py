"""FL401: auto-reload in deployment files and in Python, with real positions and suppressions."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from fastlint.engine.findings import Finding
from fastlint.rules.deployment import ReloadInProduction
from tests.helpers import lint_tree, write_tree


def _lint(tmp_path: Path, files: dict[str, str], **options: object) -> list[Finding]:
    write_tree(tmp_path, files)
    return lint_tree(tmp_path, [ReloadInProduction], options=dict(options))


def _where(findings: list[Finding]) -> list[tuple[str, int, int, int]]:
    return [(f.path, f.line, f.column, f.end_column) for f in findings]


def test_dockerfile_positions_exec_shell_and_continuations(tmp_path: Path) -> None:
    dockerfile = (
        "FROM python:3.12\n"
        'CMD ["uvicorn", "app:app", "--reload"]\n'
        "CMD uvicorn app:app \\\n"
        "    --host 0.0.0.0 \\\n"
        "    --reload\n"
        "entrypoint fastapi dev app/main.py\n"
    )
    found = _lint(tmp_path, {"Dockerfile": dockerfile})
    assert _where(found) == [
        ("Dockerfile", 2, 29, 37),
        ("Dockerfile", 5, 5, 13),
        ("Dockerfile", 6, 20, 23),
    ]
    assert "`fastapi dev`" in found[2].message and found[2].fix is not None
    assert found[2].fix.applicability.value == "unsafe"
    assert found[0].fix is not None and found[0].fix.applicability.value == "safe"


@pytest.mark.parametrize(
    "dockerfile",
    [
        'CMD ["uvicorn", "app:app", "--reload-dir", "src"]\n',
        "RUN uvicorn --reload --help\n",  # build time, not how the container runs
        "CMD python main.py --reload\n",  # not a server we know
        "CMD uvicorn app:app  # --reload later\n",
        "# CMD uvicorn app:app --reload\nCMD uvicorn app:app\n",
        'CMD ["sh", "-c", "echo --reload && uvicorn app:app"]\n',
        "FROM python AS dev\nCMD uvicorn app:app --reload\n",
    ],
)
def test_dockerfile_negatives(tmp_path: Path, dockerfile: str) -> None:
    assert _lint(tmp_path, {"Dockerfile": dockerfile}) == []


def test_development_files_are_not_flagged(tmp_path: Path) -> None:
    command = "services:\n  api:\n    command: uvicorn app:app --reload\n"
    files = {
        "docker-compose.override.yml": command,
        "docker-compose.dev.yml": command,
        "compose.local.yaml": command,
        "Dockerfile.dev": "CMD uvicorn app:app --reload\n",
        ".devcontainer/Dockerfile": "CMD uvicorn app:app --reload\n",
        "Procfile.dev": "web: uvicorn app:app --reload\n",
    }
    assert _lint(tmp_path, files) == []


def test_compose_string_list_and_block_forms(tmp_path: Path) -> None:
    compose = """\
services:
  api:
    command: uvicorn app:app --reload  # a comment
  list:
    command: ["gunicorn", "app:app", "--reload"]
  block:
    entrypoint:
      - hypercorn
      - app:app
      - --reload
  folded:
    command: >
      sh -c "alembic upgrade head &&
      uvicorn app:app --reload"
  api-dev:
    command: uvicorn app:app --reload
  env:
    image: x
    environment:
      - ARGS=--reload
"""
    found = _lint(tmp_path, {"docker-compose.yml": compose})
    assert [(f.line, f.column) for f in found] == [(3, 30), (5, 39), (10, 9), (14, 23)]
    assert all(f.fix is None for f in found), "compose files are not fixed"


def test_procfile(tmp_path: Path) -> None:
    procfile = "web: gunicorn app:app --reload\ndev: uvicorn app:app --reload\n"
    assert _where(_lint(tmp_path, {"Procfile": procfile})) == [("Procfile", 1, 23, 31)]


def test_production_files_setting(tmp_path: Path) -> None:
    files = {
        "deploy/start.sh": "#!/bin/sh\nexec uvicorn app:app \\\n  --reload\n",
        "deploy/k8s.yaml": "spec:\n  containers:\n    - command: [uvicorn, app:app, --reload]\n",
        "scripts/dev.sh": "uvicorn app:app --reload\n",  # not listed as a production file
    }
    found = _lint(tmp_path, files, **{"production-files": ["deploy/*"]})
    assert _where(found) == [("deploy/k8s.yaml", 3, 35, 43), ("deploy/start.sh", 3, 3, 11)]


def test_noqa_on_the_flag_line_in_every_kind_of_file(tmp_path: Path) -> None:
    files = {
        "Dockerfile": "CMD uvicorn app:app --reload # noqa: FL401\n",
        "Procfile": "web: uvicorn app:app --reload # noqa: FL401\n",
        "docker-compose.yml": "services:\n  a:\n    command: uvicorn a:a --reload # noqa: FL401\n",
        "run.py": "import uvicorn\nuvicorn.run('a:a', reload=True)  # noqa: FL401\n",
    }
    assert _lint(tmp_path, files) == []
    files["Procfile"] = "web: uvicorn app:app --reload # noqa: FL101\n"
    assert len(_lint(tmp_path, files)) == 1, "a noqa for another code does not suppress"


def test_python(tmp_path: Path) -> None:
    code = """\
import uvicorn
from uvicorn import Config as C

def serve():
    uvicorn.run("app:app", reload=True)

server = C("app:app", reload=True)

def local_server():
    uvicorn.run("app:app", reload=True)

uvicorn.run("app:app", reload=settings.debug)
uvicorn.run("app:app", reload=False)

if __name__ == "__main__":
    uvicorn.run("app:app", reload=True)
"""
    found = _lint(tmp_path, {"serve.py": code, "dev_server.py": code.replace("serve", "s")})
    assert _where(found) == [("serve.py", 5, 28, 39), ("serve.py", 7, 23, 34)]
    assert all(f.fix and f.fix.applicability.value == "unsafe" for f in found)


def test_cli_json_and_github_positions(tmp_path: Path) -> None:
    write_tree(tmp_path, {"Procfile": "\nweb: uvicorn app:app --reload\n"})
    run = [sys.executable, "-m", "fastlint", "--select", "FL401"]
    out = subprocess.run([*run, "--format", "json"], cwd=tmp_path, capture_output=True, text=True)
    assert out.returncode == 1, out.stderr
    [finding] = json.loads(out.stdout)
    assert (finding["path"], finding["line"], finding["column"]) == ("Procfile", 2, 22)
    assert finding["fix"]["edits"] == [
        {"line": 2, "column": 21, "end_line": 2, "end_column": 30, "content": ""}
    ]
