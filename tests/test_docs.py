"""docs/rules.md is built from the rules' own text and must be current."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def test_rule_reference_is_up_to_date() -> None:
    result = subprocess.run(
        [sys.executable, "scripts/build_docs.py", "--check"],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
