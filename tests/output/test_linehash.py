"""primaryLocationLineHash against the test vectors of github/codeql-action
(src/fingerprints.test.ts)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from fastlint.output.linehash import file_line_hashes, line_hashes

END = "c129715d7a2bc9a3:1"  # the hash of the (empty) line after a final newline
HELLO = [
    "e9496ae3ebfced30:1",
    "fb7c023a8b9ccb3f:1",
    "ce8ba1a563dcdaca:1",
    "e20e36e16fcb0cc8:1",
    "b3edc88f2938467e:1",
    "c8e28b0b4002a3a0:1",
    END,
]
VECTORS = [
    ("", [END]),
    (
        " a\nb\n  \t\tc\n d",
        ["271789c17abda88f:1", "54703d4cd895b18:1", "180aee12dab6264:1", "a23a3dc5e078b07b:1"],
    ),
    (
        " hello; \t\nworld!!!\n\n\n  \t\tGreetings\n End",
        [
            "8b7cf3e952e7aeb2:1",
            "b1ae1287ec4718d9:1",
            "bff680108adb0fcc:1",
            "c6805c5e1288b612:1",
            "b86d3392aea1be30:1",
            "e6ceba753e1a442:1",
        ],
    ),
    (" hello; \t\nworld!!!\n\n\n  \t\tGreetings\n End\n", HELLO),
    (" hello; \t\nworld!!!\r\r\r  \t\tGreetings\r End\r", HELLO),
    (" hello; \t\r\nworld!!!\r\n\r\n\r\n  \t\tGreetings\r\n End\r\n", HELLO),
    (" hello; \t\nworld!!!\r\n\n\r  \t\tGreetings\r End\r\n", HELLO),
    (
        "Lorem ipsum dolor sit amet.\n" * 10,
        [
            *(f"a7f2ff13bc495cf2:{n}" for n in range(1, 7)),
            "a7f2ff1481e87703:1",
            "a9cf91f7bbf1862b:1",
            "55ec222b86bcae53:1",
            "cc97dc7b1d7d8f7b:1",
            END,
        ],
    ),
    (
        "x = 2\nx = 1\nprint(x)\nx = 3\nprint(x)\nx = 4\nprint(x)\n",
        [
            "e54938cc54b302f1:1",
            "bb609acbe9138d60:1",
            "1131fd5871777f34:1",
            "5c482a0f8b35ea28:1",
            "54517377da7028d2:1",
            "2c644846cb18d53e:1",
            "f1b89f20de0d133:1",
            END,
        ],
    ),
]


@pytest.mark.parametrize(("text", "expected"), VECTORS)
def test_github_test_vectors(text: str, expected: list[str]) -> None:
    hashes = line_hashes(text)
    assert hashes == expected
    # One hash per line, as the action's own test checks.
    assert len(hashes) == len(re.split(r"\r\n|\r|\n", text))


def test_file_hashes_read_bytes_as_the_action_does(tmp_path: Path) -> None:
    path = tmp_path / "crlf.py"
    path.write_bytes(b" hello; \t\r\nworld!!!\r\n\r\n\r\n  \t\tGreetings\r\n End\r\n")
    assert file_line_hashes(str(path)) == HELLO
    assert file_line_hashes(str(tmp_path / "missing.py")) == []


def test_characters_are_utf16_code_units() -> None:
    # An astral character is two code units for JavaScript: it must hash differently from any
    # one-unit character, and the text after it still lines up.
    astral = line_hashes("s = '\U0001f600'\nx = 1\n")
    bmp = line_hashes("s = '\u00e9'\nx = 1\n")
    assert astral[0] != bmp[0]
    assert astral[1:] == bmp[1:] == line_hashes("s = ''\nx = 1\n")[1:]
