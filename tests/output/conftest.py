"""Shared pieces of the output-format tests."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def chdir(path: Path) -> Iterator[None]:
    """Output formats read files by their report paths, relative to the current directory."""
    previous = os.getcwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(previous)
