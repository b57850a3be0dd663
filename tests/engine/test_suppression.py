from __future__ import annotations

import pytest

from fastlint.engine.suppression import ALL, line_suppressions, skips_file


@pytest.mark.parametrize(
    "line, expected",
    [
        ("x = 1", None),
        ("x = 1  # a comment", None),
        ("x = 1  # noqa", ALL),
        ("x = 1  # NOQA", ALL),
        ("x = 1  # noqa: FL101", frozenset({"FL101"})),
        ("x = 1  # noqa: FL101, FL301", frozenset({"FL101", "FL301"})),
        ("x = 1  # noqa:FL101 FL301", frozenset({"FL101", "FL301"})),
        ("x = 1  # noqa: E501", frozenset({"E501"})),
        ("x = 1  # fastlint: ignore[FL301]", frozenset({"FL301"})),
        ("x = 1  # fastlint: ignore[FL301, FL101]", frozenset({"FL301", "FL101"})),
        ("x = 1  # fastlint: ignore", ALL),
        ("x = 1  # type: ignore  # noqa: FL404", frozenset({"FL404"})),
    ],
)
def test_line_suppressions(line: str, expected: object) -> None:
    assert line_suppressions(line) == expected


def test_skip_file() -> None:
    assert skips_file("import x\n# fastlint: skip-file\n")
    assert not skips_file("x = '# fastlint: skip-file'\n")
    assert not skips_file("import x\n")
