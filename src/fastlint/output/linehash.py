"""GitHub code scanning's `primaryLocationLineHash`, computed exactly as its upload action does.

github/codeql-action (`src/fingerprints.ts`) hashes every line of a file when a SARIF result has
no fingerprint: a rolling hash (base 37, wrapping 64-bit arithmetic) over the next 100 characters
from the start of the line, where spaces and tabs are skipped and `\\r\\n`/`\\r` count as `\\n`;
the end of the file is marked by the character 65535 and padded with zeros. Identical hashes in one
file are told apart by a `:<n>` suffix (the n-th occurrence). Characters are UTF-16 code units,
as JavaScript's `charCodeAt` sees them.

Computing it ourselves (rather than leaving it to the action) makes the fingerprint available to
every uploader, and the action keeps a fingerprint that is already present.
"""

from __future__ import annotations

from collections.abc import Iterator

_BLOCK_SIZE = 100
_MOD = 37
_MASK = (1 << 64) - 1
_FIRST_MOD = pow(_MOD, _BLOCK_SIZE, 1 << 64)
_TAB, _SPACE, _LF, _CR = 9, 32, 10, 13
_EOF = 65535


def _code_units(text: str) -> Iterator[int]:
    """The text as JavaScript's charCodeAt sees it: UTF-16 code units."""
    if text.isascii():
        yield from text.encode("ascii")
        return
    data = text.encode("utf-16-le", errors="surrogatepass")
    for index in range(0, len(data), 2):
        yield data[index] | (data[index + 1] << 8)


def line_hashes(text: str) -> list[str]:
    """`<hash>:<n>` for every line of `text`, in order (element 0 is line 1).

    A text that ends with a newline has one more, empty, line after it, as in the action.
    One loop with local variables: this runs over every character of each file with findings.
    """
    window = [0] * _BLOCK_SIZE
    # Whether the character at each window slot started a line (its hash is due once the
    # window has moved 100 characters past it).
    starts_line = [False] * _BLOCK_SIZE
    hashes: list[str] = []
    counts: dict[str, int] = {}
    value = 0
    index = 0
    line_start = True
    prev_cr = False

    def emit() -> None:
        digest = format(value, "x")
        counts[digest] = counts.get(digest, 0) + 1
        hashes.append(f"{digest}:{counts[digest]}")

    units = list(_code_units(text))
    units.append(_EOF)
    for current in units:
        if current in (_SPACE, _TAB) or (prev_cr and current == _LF):
            prev_cr = False
            continue
        if current == _CR:
            current = _LF
            prev_cr = True
        else:
            prev_cr = False
        if starts_line[index]:
            emit()
            starts_line[index] = False
        if line_start:
            line_start = False
            starts_line[index] = True
        if current == _LF:
            line_start = True
        begin = window[index]
        window[index] = current
        value = (_MOD * value + current - _FIRST_MOD * begin) & _MASK
        index = (index + 1) % _BLOCK_SIZE
    for _ in range(_BLOCK_SIZE):
        if starts_line[index]:
            emit()
            starts_line[index] = False
        begin = window[index]
        window[index] = 0
        value = (_MOD * value - _FIRST_MOD * begin) & _MASK
        index = (index + 1) % _BLOCK_SIZE
    return hashes


def file_line_hashes(path: str) -> list[str]:
    """Hashes of a file as the action reads it (UTF-8, invalid bytes replaced); [] if unreadable."""
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError:
        return []
    return line_hashes(data.decode("utf-8", errors="replace"))
