"""Reading source files: encoding, BOM, binary detection, and line/column arithmetic."""

from __future__ import annotations

import codecs
import functools
import hashlib
import io
import os
import re
import tokenize
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Optional

NEWLINE_RE = re.compile(r"\r\n?|\n")
MAX_FILE_BYTES = 20 * 1024 * 1024


def word_first(word: str) -> str:
    """A pattern for `word` at a word start, written word first: `\bword` makes the regex
    engine try every position of the text, while a leading literal lets it scan for the word
    (15-25 times faster on files without it). The look-behind is the `\b`."""
    escaped = re.escape(word)
    return rf"{escaped}(?<!\w{escaped})"


def line_starts(text: str) -> list[int]:
    """The offset where each line of `text` starts (Python's line ends: `\r\n`, `\r`, `\n`)."""
    return [0, *(m.end() for m in NEWLINE_RE.finditer(text))]


# Where `str.splitlines` ends a line and Python does not.
_OTHER_LINE_BREAKS = re.compile("[\v\f\x1c-\x1e\x85\u2028\u2029]")


def split_lines(text: str, starts: Optional[list[int]] = None) -> list[str]:
    """The lines of `text` with their line ends, as Python numbers lines: `str.splitlines`
    also ends a line at a vertical tab, a form feed, `\x1c`-`\x1e`, `\x85`, `\u2028` or
    `\u2029`, which Python's lines run through, and every line after one would get the wrong
    number."""
    if starts is None:
        if not _OTHER_LINE_BREAKS.search(text):
            return text.splitlines(keepends=True)  # the same lines, found in C
        starts = line_starts(text)
    lines = [text[start:end] for start, end in zip(starts, [*starts[1:], len(text)])]
    if lines and not lines[-1]:
        lines.pop()  # after the last line end: no line
    return lines


class UnreadableFile(Exception):
    """A file that cannot be read or decoded; the message says why, for the user."""


@dataclass
class SourceFile:
    path: str  # as given to the filesystem
    display_path: str  # relative to the current directory, "/"-separated
    text: str  # decoded, without BOM
    encoding: str = "utf-8"
    bom: bool = False
    digest: str = ""  # of the bytes on disk, for the cache
    _line_starts: Optional[list[int]] = field(default=None, repr=False)

    @property
    def line_starts(self) -> list[int]:
        if self._line_starts is None:
            self._line_starts = line_starts(self.text)
        return self._line_starts

    def offset(self, line: int, column: int) -> int:
        """1-based line and column to an offset into `text`."""
        starts = self.line_starts
        if line > len(starts):
            return len(self.text)
        return min(starts[line - 1] + column - 1, len(self.text))

    def position(self, offset: int) -> tuple[int, int]:
        """An offset into `text` to a 1-based line and column."""
        starts = self.line_starts
        lo, hi = 0, len(starts) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if starts[mid] <= offset:
                lo = mid
            else:
                hi = mid - 1
        return lo + 1, offset - starts[lo] + 1

    @property
    def newline(self) -> str:
        """The file's first line ending, used for text a fix inserts."""
        return first_newline(self.text)

    def lines(self) -> list[str]:
        """Its lines with their line ends (`split_lines`)."""
        return split_lines(self.text, self.line_starts)

    def line_text(self, line: int) -> str:
        starts = self.line_starts
        if not 1 <= line <= len(starts):
            return ""
        start = starts[line - 1]
        end = starts[line] if line < len(starts) else len(self.text)
        return self.text[start:end].rstrip("\r\n")

    def encode(self, text: str) -> bytes:
        data = text.encode(self.encoding)
        if self.bom:
            data = codecs.BOM_UTF8 + data
        return data


def first_newline(text: str) -> str:
    match = NEWLINE_RE.search(text)
    return match.group(0) if match else "\n"


def display_path(path: str) -> str:
    try:
        rel = os.path.relpath(path)
    except ValueError:  # another drive on Windows
        rel = os.path.abspath(path)
    if rel.startswith(".." + os.sep) and os.path.isabs(path):
        rel = path
    return rel.replace(os.sep, "/")


def decode_python(data: bytes) -> tuple[str, str, bool]:
    """Decode Python source as the interpreter would: BOM, then PEP 263 cookie, then UTF-8."""
    if b"\x00" in data:
        raise UnreadableFile("binary file (contains NUL bytes)")
    bom = data.startswith(codecs.BOM_UTF8)
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as exc:
        raise UnreadableFile(f"cannot decode: {exc}") from None
    if bom:
        data = data[len(codecs.BOM_UTF8) :]
        encoding = "utf-8"
    elif encoding == "utf-8-sig":
        encoding = "utf-8"
    try:
        text = data.decode(encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        raise UnreadableFile(f"cannot decode as {encoding}: {exc}") from None
    return text, encoding, bom


def decode_text(data: bytes) -> tuple[str, str, bool]:
    """Decode a non-Python text file (Dockerfile, Procfile, compose) as UTF-8."""
    if b"\x00" in data:
        raise UnreadableFile("binary file (contains NUL bytes)")
    bom = data.startswith(codecs.BOM_UTF8)
    if bom:
        data = data[len(codecs.BOM_UTF8) :]
    try:
        return data.decode("utf-8"), "utf-8", bom
    except UnicodeDecodeError as exc:
        raise UnreadableFile(f"cannot decode as utf-8: {exc}") from None


def read_source(path: str, *, python: bool = True) -> SourceFile:
    try:
        size = os.path.getsize(path)
        if size > MAX_FILE_BYTES:
            raise UnreadableFile(f"file is too large ({size // (1024 * 1024)} MB)")
        with open(path, "rb") as handle:
            data = handle.read()
    except FileNotFoundError:
        raise UnreadableFile("file vanished before it could be read") from None
    except IsADirectoryError:
        raise UnreadableFile("is a directory") from None
    except OSError as exc:
        raise UnreadableFile(f"cannot read: {exc.strerror or exc}") from None
    text, encoding, bom = decode_python(data) if python else decode_text(data)
    digest = hashlib.blake2b(data, digest_size=16).hexdigest()
    return SourceFile(path, display_path(path), text, encoding, bom, digest)


_STATEMENT_SEPARATOR = re.compile(r"[;:]")


def statement_matches(
    pattern: re.Pattern[str], text: str, words: tuple[str, ...]
) -> Iterator[re.Match[str]]:
    """`pattern.finditer(text)` for a pattern whose matches start at a line's start or at `;`
    or `:` and hold one of `words` on their first line (an import statement): tried only
    there, on those lines. A pattern with no literal to look for first is otherwise tried at
    every character of the text (3-4 times slower on the import patterns of the screens)."""
    position = 0
    while True:
        found = min((i for i in (text.find(w, position) for w in words) if i != -1), default=-1)
        if found == -1:
            return
        line_start = text.rfind("\n", 0, found) + 1
        line_end = text.find("\n", found)
        if line_end == -1:
            line_end = len(text)
        starts = [line_start] if line_start >= position else []
        starts.extend(m.start() for m in _STATEMENT_SEPARATOR.finditer(text, position, line_end))
        match = next(filter(None, (pattern.match(text, start) for start in starts)), None)
        if match is None:
            position = line_end + 1
            continue
        yield match
        position = match.end()


# A comment, up to the end of its line.
COMMENT = re.compile(r"#[^\n]*")


def value_end(text: str, position: int) -> int:
    """Where an expression that starts at `position` ends, as far as the text tells: at a
    comma, `;`, closing bracket or line end outside brackets (so a tuple ends at its first
    comma). Strings and comments are skipped; continued lines go on."""
    depth = 0
    for index, char in _code_characters(text, position):
        if char in "([{":
            depth += 1
        elif char in ")]}":
            if depth == 0:
                return index
            depth -= 1
        elif depth == 0 and char in ",;\n":
            return index
    return len(text)


def bracket_depth(text: str, index: int) -> int:
    """How many brackets are open at `index` of `text` (strings and comments skipped)."""
    depth = 0
    for position, char in _code_characters(text, 0):
        if position >= index:
            break
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
    return depth


def _code_characters(text: str, start: int) -> Iterator[tuple[int, str]]:
    """(offset, character) of the code from `start`: string literals and comments are
    skipped (a comment's line end is not), and so is a backslash with what follows it."""
    index, size = start, len(text)
    while index < size:
        char = text[index]
        if char == "\\":
            index += 2
        elif char == "#":
            line_end = text.find("\n", index)
            index = size if line_end < 0 else line_end
        elif char in "\"'":
            index = string_end(text, index)
        else:
            yield index, char
            index += 1


def string_end(text: str, start: int) -> int:
    """The offset after the string literal whose quote is at `start` (or the line's end, for
    one left open)."""
    quote = text[start] * 3 if text.startswith(text[start] * 3, start) else text[start]
    index = start + len(quote)
    while index < len(text):
        char = text[index]
        if char == "\\":
            index += 2
        elif text.startswith(quote, index):
            return index + len(quote)
        elif char == "\n" and len(quote) == 1:
            return index
        else:
            index += 1
    return len(text)


_TRAILING_NAME = re.compile(r"[^\W\d]\w*\Z")


def receiver_before(text: str, dot: int) -> Optional[tuple[str, str]]:
    """The receiver of the attribute whose dot is at `dot`, as (root name, rest of the dotted
    name); None when it is not a dotted name (a call, a subscript, a parenthesized
    expression)."""
    parts: list[str] = []
    end = dot
    while True:
        end = _skip_space_before(text, end)
        match = _TRAILING_NAME.search(text, max(0, end - 200), end)
        if match is None:
            return None
        parts.append(match.group())
        start = match.start()
        if start and (text[start - 1].isalnum() or text[start - 1] == "_"):
            return None  # the end of a longer token (`1a`): no name
        if "#" in text[text.rfind("\n", 0, start) + 1 : start]:
            return None  # maybe a word of a comment between the receiver and its dot
        end = _skip_space_before(text, start)
        if end == 0 or text[end - 1] != ".":
            break
        end -= 1
    parts.reverse()
    return parts[0], ".".join(parts[1:])


def _skip_space_before(text: str, end: int) -> int:
    """`end` moved back over spaces, line breaks and continuations."""
    while end and text[end - 1] in " \t\f\r\n\\":
        end -= 1
    return end


def bound_values(name: str, text: str) -> Iterator[str]:
    """What the text binds `name` to (`name = ...`, `name: T`, `name: T = ...`, `name := ...`,
    a keyword or a default), annotation and value alike, as far as `value_end` reads them."""
    for match in _binding(name).finditer(text):
        yield text[match.end() : value_end(text, match.end())]


@functools.lru_cache(maxsize=1024)
def _binding(name: str) -> re.Pattern[str]:
    """`name` bound (not an attribute), written name first as `word_first` explains."""
    escaped = re.escape(name)
    return re.compile(rf"{escaped}(?<![\w.]{escaped})[ \t]*(?::=|:|=(?!=))")
