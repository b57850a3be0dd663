"""Shared pieces of the output-format tests."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
ON_EVENT_APP = """\
from fastapi import FastAPI

app = FastAPI()


@app.on_event("startup")
async def startup() -> None:
    pass
"""


def fastlint(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "fastlint", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


@contextmanager
def chdir(path: Path) -> Iterator[None]:
    """Output formats read files by their report paths, relative to the current directory."""
    previous = os.getcwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(previous)
