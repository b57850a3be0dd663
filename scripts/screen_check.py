"""Prove that the rule screens drop no finding: the same run with and without them.

    python scripts/screen_check.py open-webui litellm --select FL304

Runs fastlint twice on each corpus (see scripts/corpora.py), once as usual and once with
FASTLINT_NO_SCREENS=1 (every rule parses and walks every file), and compares the JSON findings.
It is about correctness; bench/bench.py measures speed. Exit status 1 when any finding differs.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpora import CORPORA, ensure_corpus  # noqa: E402


def findings(root: Path, select: list[str], screens: bool) -> list[dict[str, object]]:
    env = dict(os.environ)
    if not screens:
        env["FASTLINT_NO_SCREENS"] = "1"
    command = [
        sys.executable,
        "-m",
        "fastlint",
        "check",
        ".",
        "--no-cache",
        "--exit-zero",
        "--format",
        "json",
    ]
    for code in select:
        command += ["--select", code]
    result = subprocess.run(command, cwd=root, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"fastlint failed on {root}: {result.stderr[-2000:]}")
    found: list[dict[str, object]] = json.loads(result.stdout)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="*", help=f"default: all of {', '.join(CORPORA)}")
    parser.add_argument("--select", action="append", default=[])
    args = parser.parse_args()
    failed = False
    for name in args.corpus or sorted(CORPORA):
        if name not in CORPORA:
            raise SystemExit(f"unknown corpus {name!r}")
        root = ensure_corpus(name)
        screened = findings(root, args.select, screens=True)
        unscreened = findings(root, args.select, screens=False)
        missing = [f for f in unscreened if f not in screened]
        extra = [f for f in screened if f not in unscreened]
        status = "ok" if not (missing or extra) else "DIFFERENT"
        print(f"{name}: {len(screened)} findings with screens, {len(unscreened)} without: {status}")
        for finding in missing[:20]:
            print(f"  dropped by a screen: {finding['path']}:{finding['line']} {finding['code']}")
        for finding in extra[:20]:
            print(f"  only with screens: {finding['path']}:{finding['line']} {finding['code']}")
        failed |= bool(missing or extra)
    raise SystemExit(1 if failed else 0)


if __name__ == "__main__":
    main()
