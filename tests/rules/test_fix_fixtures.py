"""Before/after fixtures: `tests/fixtures/fixes/<CODE>/<case>.before.py` → `<case>.after.py`.

The file is checked under its name without `.before` (`Dockerfile.before` is a `Dockerfile`).

Each case is fixed with unsafe fixes enabled in a temporary copy; the result must equal the
after file, and a second run must change nothing.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from fastlint.rules import find_rule
from tests.helpers import lint_tree

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "fixes"
CASES = sorted(FIXTURES.glob("FL*/*.before*"))


@pytest.mark.parametrize("before", CASES, ids=[f"{p.parent.name}/{p.name}" for p in CASES])
def test_fix_fixture(tmp_path: Path, before: Path) -> None:
    rule = find_rule(before.parent.name)
    assert rule is not None, f"no rule {before.parent.name}"
    after = before.with_name(before.name.replace(".before", ".after"))
    assert after.exists(), f"{after} is missing"
    target = tmp_path / before.name.replace(".before", "")
    shutil.copyfile(before, target)
    lint_tree(tmp_path, [rule], fix=True, unsafe=True)
    assert target.read_bytes().decode("utf-8") == after.read_bytes().decode("utf-8")
    first = target.read_bytes()
    lint_tree(tmp_path, [rule], fix=True, unsafe=True)
    assert target.read_bytes() == first, "a second --fix run changed the file"
