from __future__ import annotations

import os
from pathlib import Path

from fastlint.engine.discovery import discover
from tests.helpers import write_tree


def found(root: Path, **kwargs: object) -> list[str]:
    result = discover([str(root)], project_root=str(root), **kwargs)  # type: ignore[arg-type]
    return sorted(os.path.relpath(f.path, root).replace(os.sep, "/") for f in result.files)


def test_python_and_deployment_files(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "app/main.py": "",
            "Dockerfile": "",
            "Dockerfile.prod": "",
            "web.dockerfile": "",
            "Procfile": "",
            "docker-compose.yml": "",
            "compose.prod.yaml": "",
            "README.md": "",
            "stub.pyi": "",
            "deploy/run.sh": "",
        },
    )
    assert found(tmp_path) == [
        "Dockerfile",
        "Dockerfile.prod",
        "Procfile",
        "app/main.py",
        "compose.prod.yaml",
        "docker-compose.yml",
        "web.dockerfile",
    ]
    assert "deploy/run.sh" in found(tmp_path, production_files=["deploy/*.sh"])


def test_gitignore_and_default_excludes(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            ".git/HEAD": "",
            ".gitignore": "generated/\n*.gen.py\n",
            "app/.gitignore": "local.py\n!keep.gen.py\n",
            "app/main.py": "",
            "app/local.py": "",
            "app/keep.gen.py": "",
            "app/other.gen.py": "",
            "generated/x.py": "",
            "node_modules/pkg/x.py": "",
            "build/lib/x.py": "",
            "__pycache__/x.py": "",
            "env/pyvenv.cfg": "",
            "env/lib/x.py": "",
        },
    )
    assert found(tmp_path) == ["app/keep.gen.py", "app/main.py"]
    assert "generated/x.py" in found(tmp_path, respect_gitignore=False)


def test_gitignore_above_the_given_directory_applies(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {".git/HEAD": "", ".gitignore": "secret.py\n", "app/secret.py": "", "app/ok.py": ""},
    )
    result = discover([str(tmp_path / "app")], project_root=str(tmp_path))
    assert [os.path.basename(f.path) for f in result.files] == ["ok.py"]


def test_excludes_match_names_and_paths(tmp_path: Path) -> None:
    write_tree(tmp_path, {"app/main.py": "", "app/migrations/0001.py": "", "scripts/x.py": ""})
    assert found(tmp_path, exclude=["migrations", "scripts/x.py"]) == ["app/main.py"]


def test_explicit_file_is_checked_unless_configured_out(tmp_path: Path) -> None:
    write_tree(tmp_path, {"build/x.py": "", "gen/y.py": ""})
    explicit = discover([str(tmp_path / "build/x.py")], project_root=str(tmp_path))
    assert len(explicit.files) == 1
    configured = discover(
        [str(tmp_path / "gen/y.py")], project_root=str(tmp_path), exclude=["gen/"]
    )
    assert configured.files == []


def test_symlink_loops_are_reported_not_followed_forever(tmp_path: Path) -> None:
    write_tree(tmp_path, {"pkg/a.py": ""})
    os.symlink(tmp_path / "pkg", tmp_path / "pkg" / "again")
    os.symlink(tmp_path / "self.py", tmp_path / "self.py")
    result = discover([str(tmp_path)], project_root=str(tmp_path))
    assert [os.path.basename(f.path) for f in result.files] == ["a.py"]
    messages = " ".join(message for _, message in result.problems)
    assert "symlink loop" in messages


def test_missing_path_is_a_problem(tmp_path: Path) -> None:
    result = discover([str(tmp_path / "nope")], project_root=str(tmp_path))
    assert result.files == [] and result.missing == [str(tmp_path / "nope")]
