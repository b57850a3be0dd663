"""`--fix --unsafe-fixes` on a copy of the example app damages nothing (scripts/fix_safety.py).

The example app makes most of the mistakes fastlint knows, so every fix the rules offer runs
here: changed files must compile, only the files `--diff` announced may change, and a second
run must change nothing.
"""

from __future__ import annotations

import importlib.util
import sys
import textwrap
from pathlib import Path
from types import ModuleType

REPO = Path(__file__).resolve().parent.parent


def load_script(name: str) -> ModuleType:
    sys.path.insert(0, str(REPO / "scripts"))
    try:
        spec = importlib.util.spec_from_file_location(name, REPO / "scripts" / f"{name}.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # dataclasses look their module up there
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(str(REPO / "scripts"))


fix_safety = load_script("fix_safety")


def test_fixing_the_example_app_is_safe(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "fastlint"]
    result = fix_safety.check_tree(REPO / "examples" / "app", tmp_path / "app", command)
    assert result.problems == []
    assert result.files > 5


def test_the_harness_catches_a_damaging_fix(tmp_path: Path) -> None:
    """A stand-in for fastlint that breaks one file and silently touches another."""
    fake = tmp_path / "fake_fastlint.py"
    fake.write_text(
        textwrap.dedent(
            """
            import pathlib, sys
            if "--fix" in sys.argv:
                pathlib.Path("a.py").write_text("def broken(:\\n")
                pathlib.Path("b.py").write_text("y = 2\\n")
            elif "--diff" in sys.argv:
                print("+++ b/a.py")
            """
        ),
        encoding="utf-8",
    )
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "a.py").write_text("x = 1\n", encoding="utf-8")
    (tree / "b.py").write_text("y = 1\n", encoding="utf-8")
    (tree / "c.py").write_text("z = 1\n", encoding="utf-8")
    result = fix_safety.check_tree(tree, tmp_path / "copy", [sys.executable, str(fake)])
    problems = "\n".join(result.problems)
    assert "a.py: does not compile after --fix" in problems
    assert "b.py: changed by --fix but not shown by --diff" in problems
    assert "c.py" not in problems
    assert result.fixed_files == ["a.py", "b.py"]
