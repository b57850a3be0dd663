"""What the engine gives rules (engine/rule)."""

from __future__ import annotations

import re

import pytest

from fastlint.engine.rule import words_in


@pytest.mark.parametrize(
    "text",
    [
        "",
        "async def f(x_1, *a, **k):\n    return x_1.y+2\t# note\x0cz\x1cw\x7fv",
        "".join(chr(code) for code in range(128)) * 2,
        "naïve = café.été  # not ASCII: the pattern itself",
        "a\u2028b\u00a0c",
    ],
)
def test_words_are_the_word_pattern_s_matches(text: str) -> None:
    assert words_in(text) == frozenset(re.findall(r"\w+", text))
