"""A few seconds of the fuzzing in scripts/fuzz.py, deterministic (derandomized).

fastlint never raises, reports FL000 for what neither parser accepts, and `--fix` writes only
files that parse, once. `python scripts/fuzz.py` runs the same checks for much longer.
"""

from __future__ import annotations

from pathlib import Path

import hypothesmith
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.test_fix_safety import load_script

fuzz = load_script("fuzz")

REPO = Path(__file__).resolve().parent.parent.parent
SEEDS = [path.read_bytes() for path in sorted((REPO / "examples").rglob("*.py"))] + [
    b'"""Doc."""\r\nfrom __future__ import annotations\r\nLIMIT = 0x40\r\n',
    b"\xef\xbb\xbfdef f(a=0o17, b=1_000):\n\treturn a + b\n",
    b"class A:\n    x = 0x1 .real\n    y = [0b11 for _ in range(0x3)]\n",
]

FUZZ_SETTINGS = settings(
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@settings(FUZZ_SETTINGS, max_examples=12)
@given(hypothesmith.from_grammar())
@example("x = 0x10\n")
def test_generated_programs(source: str) -> None:
    assert fuzz.check_input(source.encode("utf-8")) == []


@settings(FUZZ_SETTINGS, max_examples=40)
@given(st.sampled_from(SEEDS), fuzz.mutations())
def test_mutated_files(seed: bytes, steps: list[tuple[str, int, int]]) -> None:
    assert fuzz.check_input(fuzz.mutate(seed, steps, max_depth=300)) == []


def test_the_fuzzing_rule_fixes_and_imports(tmp_path: Path) -> None:
    """The checks above only mean something if the fuzzing rule's fix really runs."""
    assert fuzz.check_input(b"x = 0x10\n") == []
    target = tmp_path / "fuzzed.py"
    target.write_bytes(b'"""Doc."""\r\nLIMIT = 0x40\r\n')
    result = fuzz._run(tmp_path, fix=True)
    assert result.fixes_applied == 1
    assert target.read_bytes() == b'"""Doc."""\r\nimport math\r\nLIMIT = 64\r\n'
