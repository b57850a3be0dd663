"""The command line: wires configuration, rules, engine and output together.

Heavy modules (libcst, rich, the rules) are imported inside commands, so `--version` and `--help`
start fast.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from typing import Any, Callable, NoReturn, Optional

import click

from fastlint import __version__

FORMAT_CHOICES = ("text", "json", "sarif", "github", "gitlab", "junit")


class _DefaultCheckGroup(click.Group):
    """`fastlint PATHS...` means `fastlint check PATHS...`, as with ruff."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args or (
            args[0] not in self.commands and args[0] not in ("--help", "-h", "--version")
        ):
            args = ["check", *args]
        return super().parse_args(ctx, args)


@click.group(cls=_DefaultCheckGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="fastlint")
def main() -> None:
    """fastlint: find and fix FastAPI anti-patterns."""


def run() -> NoReturn:
    """The `fastlint` command: `main`, then an exit that skips tearing the interpreter down.

    Freeing every object of a run (the cache's entries, the project index, LibCST's classes)
    took 0.05-0.15 s of a run that re-checked one file of litellm; mypy ends the same way.
    What was written is flushed first. A run that ends otherwise (a bug's traceback) ends as
    Python ends it.
    """
    try:
        main()
        status = 0
    except SystemExit as stop:
        status = _exit_status(stop.code)
    for stream in (sys.stdout, sys.stderr):
        # A closed pipe or stream: nothing more can reach it.
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    os._exit(status)


def _exit_status(code: object) -> int:
    """As Python turns `SystemExit`'s code into the process's status."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1


def _split(values: tuple[str, ...]) -> list[str]:
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def _use_color(choice: str, stream: Any) -> bool:
    if choice == "always":
        return True
    if choice == "never" or os.environ.get("NO_COLOR"):
        return False
    return bool(getattr(stream, "isatty", lambda: False)())


def _fail(message: str) -> NoReturn:
    click.echo(f"fastlint: error: {message}", err=True)
    sys.exit(2)


@main.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--select", multiple=True, help="Rules to enable (codes, prefixes or names).")
@click.option("--ignore", multiple=True, help="Rules to disable.")
@click.option("--extend-select", multiple=True, help="Rules to enable on top of the selection.")
@click.option("--fix", is_flag=True, help="Apply safe fixes.")
@click.option("--unsafe-fixes", is_flag=True, help="Also apply (or show) unsafe fixes.")
@click.option("--diff", is_flag=True, help="Print the fixes as a unified diff; write nothing.")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(FORMAT_CHOICES),
    default="text",
    show_default=True,
    help="Output format.",
)
@click.option("--output-file", "-o", type=click.Path(dir_okay=False), help="Write output here.")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when findings remain.")
@click.option("--exit-non-zero-on-fix", is_flag=True, help="Exit 1 when any fix was applied.")
@click.option("--statistics", is_flag=True, help="Count findings per rule.")
@click.option("--no-cache", is_flag=True, help="Neither read nor write the cache.")
@click.option(
    "--cache-dir", type=click.Path(file_okay=False), help="Cache folder (default: .fastlint_cache)."
)
@click.option(
    "--jobs", "-j", type=click.IntRange(min=0), default=0, help="Worker processes (0: auto)."
)
@click.option(
    "--config", "config_file", type=click.Path(dir_okay=False), help="Configuration file."
)
@click.option(
    "--baseline",
    "baseline_file",
    type=click.Path(dir_okay=False),
    help="Report only findings that are not in this baseline file.",
)
@click.option(
    "--write-baseline",
    "write_baseline_file",
    type=click.Path(dir_okay=False),
    help="Record the current findings in this baseline file and exit 0.",
)
@click.option("--quiet", "-q", is_flag=True, help="Print findings only, no summary.")
@click.option(
    "--color", type=click.Choice(("auto", "always", "never")), default="auto", show_default=True
)
def check(
    paths: tuple[str, ...],
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    extend_select: tuple[str, ...],
    fix: bool,
    unsafe_fixes: bool,
    diff: bool,
    output_format: str,
    output_file: Optional[str],
    exit_zero: bool,
    exit_non_zero_on_fix: bool,
    statistics: bool,
    no_cache: bool,
    cache_dir: Optional[str],
    jobs: int,
    config_file: Optional[str],
    baseline_file: Optional[str],
    write_baseline_file: Optional[str],
    quiet: bool,
    color: str,
) -> None:
    """Check PATHS (default: the current directory)."""
    from fastlint.config import (
        ConfigError,
        check_selectors,
        ignored_for_path,
        load_settings,
        select_rules,
    )
    from fastlint.engine.cache import configuration_key
    from fastlint.engine.discovery import DiscoveredFile
    from fastlint.engine.runner import RunOptions, run
    from fastlint.output import Report, renderer
    from fastlint.rules import CATALOG, load_rules

    targets = list(paths) or ["."]
    start = targets[0] if os.path.isdir(targets[0]) else os.path.dirname(targets[0]) or "."
    try:
        settings = load_settings(config_file, start)
        where = settings.config_path or "configuration"
        check_selectors(CATALOG, settings.select or [], where)
        check_selectors(CATALOG, settings.ignore + settings.extend_select, where)
        for codes in settings.per_file_ignores.values():
            check_selectors(CATALOG, codes, where)
        cli_select, cli_ignore, cli_extend = _split(select), _split(ignore), _split(extend_select)
        check_selectors(CATALOG, cli_select + cli_ignore + cli_extend, "command line")
    except ConfigError as exc:
        _fail(str(exc))
        return
    chosen = select_rules(
        CATALOG,
        cli_select or settings.select,
        settings.extend_select + cli_extend,
        settings.ignore + cli_ignore,
    )
    root = settings.project_root

    chosen_codes = tuple(entry.code for entry in chosen)

    def rules_for(file: DiscoveredFile) -> tuple[str, ...]:
        if not settings.per_file_ignores:
            return chosen_codes
        relative = os.path.relpath(os.path.abspath(file.path), root).replace(os.sep, "/")
        off = ignored_for_path(settings, relative)
        if not off:
            return chosen_codes
        return tuple(entry.code for entry in select_rules(chosen, None, [], off))

    cache_key = configuration_key(
        (
            chosen_codes,
            settings.per_file_ignores,
            settings.rule_options,
            os.environ.get("FASTLINT_NO_SCREENS"),
        )
    )
    run_options = RunOptions(
        fix=fix,
        unsafe_fixes=unsafe_fixes,
        diff=diff,
        jobs=jobs,
        cache_dir=None if no_cache else cache_dir or os.path.join(root, ".fastlint_cache"),
        cache_key=cache_key,
    )
    with _progress(enabled=not quiet and output_file is None) as progress:
        result = run(
            targets,
            project_root=root,
            rules_for=rules_for,
            load_rules=load_rules,
            options=settings.rule_options,
            run_options=run_options,
            progress=progress,
            exclude=settings.exclude + settings.extend_exclude,
            respect_gitignore=settings.respect_gitignore,
            production_files=settings.production_files,
        )
    findings = result.findings
    if write_baseline_file is not None:
        _write_baseline(findings, write_baseline_file, quiet)
    baseline_gone = 0
    if baseline_file is None and settings.baseline is not None:
        baseline_file = os.path.join(root, settings.baseline)
    if baseline_file is not None:
        findings, baseline_gone = _apply_baseline(findings, baseline_file, targets, chosen_codes)
    report = Report(
        findings=findings,
        load_rules=lambda: load_rules(chosen_codes),
        version=__version__,
        files_checked=result.files_checked,
        fixes_applied=0 if diff else result.fixes_applied,
        unsafe_fixes=unsafe_fixes,
        problems=result.problems,
        baseline_gone=baseline_gone,
    )
    if diff:
        sys.stdout.write("".join(result.diffs))
        if result.diffs and not quiet:
            click.echo(f"Would fix {len(result.diffs)} file(s).", err=True)
    stream = sys.stdout
    to_file = output_file is not None
    rendered = ""
    if not diff or output_format != "text":
        rendered = renderer(output_format)(report, color=not to_file and _use_color(color, stream))
        if quiet and output_format == "text":
            rendered = _strip_summary(rendered)
    if statistics and output_format == "text":
        rendered = _statistics(report)
    if to_file:
        assert output_file is not None
        try:
            with open(output_file, "w", encoding="utf-8") as handle:
                handle.write(rendered)
        except OSError as exc:
            _fail(f"cannot write {output_file}: {exc.strerror or exc}")
    elif rendered:
        stream.write(rendered)
        stream.flush()
    if output_format != "text" or to_file:
        # Machine-readable output has no place for these: say them on stderr, as ruff does.
        for path, problem in result.problems:
            click.echo(f"warning: {path}: {problem}", err=True)
    if result.internal_errors:
        sys.exit(2)
    remaining = len(findings)
    if diff:
        sys.exit(1 if result.diffs and not exit_zero else (1 if remaining and not exit_zero else 0))
    if exit_non_zero_on_fix and result.fixes_applied:
        sys.exit(1)
    sys.exit(0 if exit_zero or remaining == 0 else 1)


@contextlib.contextmanager
def _progress(*, enabled: bool) -> Iterator[Optional[Callable[[int, int], None]]]:
    """A progress bar on an interactive terminal for long runs; nothing in pipes or CI."""
    if not enabled or not sys.stderr.isatty() or os.environ.get("CI"):
        yield None
        return
    from rich.progress import Progress

    with Progress(transient=True, console=None) as bar:
        task = bar.add_task("Checking", total=None)

        def update(done: int, total: int) -> None:
            if total >= 50:
                bar.update(task, completed=done, total=total)

        yield update


def _write_baseline(findings: Any, file: str, quiet: bool) -> None:
    from fastlint.engine import baseline

    try:
        count = baseline.write(findings, file)
    except OSError as exc:
        _fail(f"cannot write baseline {file}: {exc.strerror or exc}")
    if not quiet:
        click.echo(f"Wrote {count} finding(s) to the baseline {file}.", err=True)
    sys.exit(0)


def _apply_baseline(
    findings: Any, file: str, targets: list[str], codes_run: tuple[str, ...]
) -> tuple[Any, int]:
    """Findings not in the baseline, and the number of baseline entries no longer found among
    the files and rules of this run."""
    from fastlint.engine.baseline import Baseline, BaselineError

    try:
        loaded = Baseline.load(file)
    except BaselineError as exc:
        _fail(str(exc))
    codes = {*codes_run, "FL000"}  # parse errors are findings too (not imported: no LibCST)
    roots = [os.path.abspath(target) for target in targets]

    def in_scope(code: str, path: str) -> bool:
        return code in codes and any(
            path == root or path.startswith(root.rstrip(os.sep) + os.sep) for root in roots
        )

    return loaded.filter(findings, in_scope)


def _strip_summary(rendered: str) -> str:
    """--quiet: the findings without the closing summary."""
    head, sep, _ = rendered.rpartition("\n\n")
    return head + "\n" if sep else ""


def _statistics(report: Any) -> str:
    counts: dict[tuple[str, str], list[int]] = {}
    for finding in report.findings:
        entry = counts.setdefault((finding.code, finding.rule), [0, 0])
        entry[0] += 1
        if finding.fix is not None:
            entry[1] += 1
    lines = []
    for (code, name), (count, fixable) in sorted(counts.items(), key=lambda kv: (-kv[1][0], kv[0])):
        marker = "[*]" if fixable else "[ ]"
        lines.append(f"{count:>5}\t{code}\t{marker} {name}")
    return "\n".join(lines) + ("\n" if lines else "")


@main.command()
@click.argument("code")
def rule(code: str) -> None:
    """Print the documentation of a rule (by code or name)."""
    from fastlint.rules import find_rule

    found = find_rule(code)
    if found is None:
        _fail(f"unknown rule `{code}` (see `fastlint rules`)")
        return
    click.echo(rule_markdown(found))


def rule_markdown(rule_type: Any) -> str:
    fix = {None: "No fix.", "safe": "Fix: safe.", "unsafe": "Fix: unsafe."}
    applicability = rule_type.fix.value if rule_type.fix is not None else None
    return (
        f"# {rule_type.name} ({rule_type.code})\n\n"
        f"{rule_type.summary}.\n\n"
        f"Severity: {rule_type.severity.value}. {fix[applicability]}\n\n"
        f"{rule_type.docs.strip()}\n"
    )


@main.command()
@click.option("--format", "output_format", type=click.Choice(("text", "json")), default="text")
def rules(output_format: str) -> None:
    """List every rule."""
    import json

    from fastlint.rules import all_rules

    rule_types = all_rules()
    if output_format == "json":
        click.echo(
            json.dumps(
                [
                    {
                        "code": r.code,
                        "name": r.name,
                        "severity": r.severity.value,
                        "fix": r.fix.value if r.fix is not None else None,
                        "summary": r.summary,
                    }
                    for r in rule_types
                ],
                indent=2,
            )
        )
        return
    from rich.console import Console
    from rich.table import Table

    table = Table("Code", "Name", "Severity", "Fix", "Summary", box=None)
    for r in rule_types:
        table.add_row(r.code, r.name, r.severity.value, r.fix.value if r.fix else "", r.summary)
    Console(soft_wrap=False).print(table)
