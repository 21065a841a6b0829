"""The ``briefings`` command: a thin layer over :mod:`briefings.build`.

Contract: each command calls the library and prints. Problems in the user's
files are printed one per line as ``path:LINE: message`` on standard error,
followed by a count, and the command exits 1. Nothing prints a traceback
unless ``--debug`` is given. Exit codes: 0 success, 1 problems in the
project, 2 a usage error (Click's), 70 an internal error (one line saying
so), 130 interrupted (Ctrl-C: one line). Every value from the project is
printed as plain text with control characters escaped: never as console
markup, never as a terminal escape sequence.

Start-up is kept short: the pipeline (the model and pydantic, Jinja,
python-markdown, and WeasyPrint through the build) and Rich are imported
only by the commands that use them, so ``--version`` and ``--help`` load
little more than Click. While a command imports them, Ctrl-C exits at once
with the one line, as while the command itself loads (see
:mod:`briefings.__main__`).
"""

from __future__ import annotations

import functools
import importlib
import logging
import math
import os
import signal
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any, TypeVar

import click

from . import __version__
from .errors import ProblemsFound, printable, relative_path

if TYPE_CHECKING:
    from rich.console import Console
    from rich.text import Text

    from .build import BuildReport
    from .model import Project

F = TypeVar("F", bound=Callable[..., Any])

EXIT_PROBLEMS = 1
EXIT_INTERNAL_ERROR = 70
EXIT_INTERRUPTED = 130

#: :data:`briefings.model.OUTPUT_FORMATS`, written out so that ``--help`` need
#: not import the model (tests/test_errors_cli.py checks that the two agree).
OUTPUT_FORMATS = ("md", "html", "pdf")
#: :data:`briefings.lock.DEFAULT_WAIT`, written out for the same reason (tests/test_startup.py).
DEFAULT_WAIT = 300.0


def _exit_at_once(signum: int, frame: object) -> None:
    os.write(2, b"briefings: interrupted\n")
    os._exit(EXIT_INTERRUPTED)


@contextmanager
def _interrupt_exits_at_once() -> Iterator[None]:
    """While libraries load there is nothing to clean up: Ctrl-C ends the process at once."""
    try:
        previous = signal.signal(signal.SIGINT, _exit_at_once)
    except ValueError:  # not the main thread: leave signals alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous if previous is not None else signal.default_int_handler)


def _load(module: str) -> ModuleType:
    """Import ``briefings.<module>`` (and what it needs) on first use."""
    with _interrupt_exits_at_once():
        return importlib.import_module(f".{module}", __package__)


def run_build(root: Path, **options: Any) -> BuildReport:
    """:func:`briefings.build.build`, imported on first use."""
    return _load("build").build(root, **options)  # type: ignore[no-any-return]


def load_project(root: Path) -> Project:
    """:func:`briefings.model.load_project`, imported on first use."""
    return _load("model").load_project(root)  # type: ignore[no-any-return]


@functools.cache
def _stdout() -> Console:
    with _interrupt_exits_at_once():
        from rich.console import Console
    return Console(highlight=False)


def _text(*args: Any, **kwargs: Any) -> Text:
    with _interrupt_exits_at_once():
        from rich.text import Text
    return Text(*args, **kwargs)


def say(*parts: str | Text) -> None:
    """Print one line to standard output; ``str`` parts are the tool's own words, ``Text`` parts styled."""
    from rich.text import Text

    _stdout().print(Text.assemble(*parts), soft_wrap=True)


def plain(value: object) -> str:
    """A value from the project, made safe to print: escaped, and never read as markup."""
    return printable(str(value))


def _echo_problems(problems: list[Any], what: str) -> None:
    for problem in problems:
        click.echo(str(problem), err=True)
    errors = sum(1 for p in problems if p.severity.value == "error")
    warnings = len(problems) - errors
    parts = [f"{errors} error{'s' if errors != 1 else ''}"] if errors else []
    if warnings:
        parts.append(f"{warnings} warning{'s' if warnings != 1 else ''}")
    click.echo(f"{what} failed: {', '.join(parts) or 'problems'}.", err=True)


def handles_problems(what: str) -> Callable[[F], F]:
    """Turn ProblemsFound into exit 1, and anything unexpected into one line and exit 2."""

    def decorate(command: F) -> F:
        @functools.wraps(command)
        def wrapper(*args: Any, debug: bool = False, **kwargs: Any) -> Any:
            debug = debug or bool(click.get_current_context().find_root().params.get("debug"))
            try:
                return command(*args, **kwargs)
            except ProblemsFound as error:
                if debug:
                    raise
                _echo_problems(error.problems, what)
                sys.exit(EXIT_PROBLEMS)
            except KeyboardInterrupt:
                if debug:
                    raise
                click.echo("briefings: interrupted", err=True)
                sys.exit(EXIT_INTERRUPTED)
            except (click.exceptions.Exit, click.ClickException):
                raise
            except Exception as error:  # noqa: BLE001 - the promise is: no traceback without --debug
                if debug:
                    raise
                if _caused_by_interrupt(error):  # e.g. Ctrl-C inside a lazy import, wrapped by Python
                    click.echo("briefings: interrupted", err=True)
                    sys.exit(EXIT_INTERRUPTED)
                click.echo(f"briefings: internal error: {type(error).__name__}: {printable(str(error))} "
                           "(run again with --debug for the traceback)", err=True)
                sys.exit(EXIT_INTERNAL_ERROR)

        wrapper = click.option("--debug", is_flag=True, help="Show tracebacks for failures.")(wrapper)
        return wrapper  # type: ignore[return-value]

    return decorate


def _caused_by_interrupt(error: BaseException) -> bool:
    seen: BaseException | None = error
    for _ in range(20):  # exception chains are short; a cycle must not loop
        if seen is None:
            return False
        if isinstance(seen, KeyboardInterrupt):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _seconds(context: click.Context, parameter: click.Parameter, value: float) -> float:
    if not math.isfinite(value) or value < 0:  # float() also reads "inf" and "nan"
        raise click.BadParameter(f"'{value:g}' is not a number of seconds, 0 or more")
    return value


def _shard(context: click.Context, parameter: click.Parameter, value: str | None) -> tuple[int, int] | None:
    try:
        return None if value is None else _load("shard").parse_shard(value)  # type: ignore[no-any-return]
    except ValueError as error:
        raise click.BadParameter(str(error)) from None


project_option = click.option(
    "--project", "-p", "project", default=".", show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="The briefing project directory.",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="briefings")
@click.option("--debug", is_flag=True, help="Show tracebacks for failures.")
def main(debug: bool) -> None:
    """Turn curated, sourced facts into Markdown, HTML and PDF briefings."""
    logging.basicConfig(level=logging.ERROR, format="%(message)s")


@main.command()
@project_option
@click.option("--only", multiple=True, metavar="ID", help="Build only this briefing (repeatable).")
@click.option("--format", "formats", multiple=True, type=click.Choice(OUTPUT_FORMATS),
              help="Build only this format (repeatable). Default: the project's formats.")
@click.option("--strict", is_flag=True, help="Fail on warnings too.")
@click.option("--force", is_flag=True, help="Render everything, even what is up to date.")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None, metavar="N",
              help="Render in N worker processes. Default: the number of CPUs available.")
@click.option("--quiet", "-q", is_flag=True, help="Print only problems.")
@click.option("--wait", type=float, default=DEFAULT_WAIT, show_default=True, metavar="SECONDS", callback=_seconds,
              help="How long to wait for another build of this project to finish (0: fail at once).")
@click.option("--shard", metavar="K/N", callback=_shard,
              help="Build only the K-th of N equal, fixed slices of the briefings (see docs/sharding.md).")
@handles_problems("build")
def build(project: Path, only: tuple[str, ...], formats: tuple[str, ...], strict: bool, force: bool,
          jobs: int | None, quiet: bool, wait: float, shard: tuple[int, int] | None) -> None:
    """Build briefings into output/, rendering only what changed."""
    with _progress_bar(enabled=not quiet) as progress:
        report = run_build(project, only=only, formats=formats, strict=strict, force=force, jobs=jobs,
                           progress=progress, wait=wait, shard=shard,
                           on_wait=lambda: click.echo(_load("lock").waiting_message(wait), err=True))
    if report.notice:
        click.echo(f"briefings: {printable(report.notice)}", err=True)
    for warning in report.warnings:
        click.echo(str(warning), err=True)
    if quiet:
        return
    if shard is not None:
        selected = len(set(only)) or len(report.project.briefings)
        built = len(report.rendered) + len(report.up_to_date)
        say(f"Shard {shard[0]}/{shard[1]}: " + (f"{built} of {selected} briefing(s)." if built else
            f"empty ({selected} briefing(s) over {shard[1]} shards leave none for it); nothing to build."))
    written = {path.name for path in report.written}
    for briefing_id in sorted([*report.rendered, *report.up_to_date]):
        if briefing_id in report.up_to_date:
            say(_text("up to date", style="dim"), " ", plain(briefing_id))
        else:
            files = [output.format for output in report.outputs
                     if output.briefing_id == briefing_id and output.path.name in written]
            say(_text("rendered", style="green"), f" {plain(briefing_id)} ({', '.join(files) or 'unchanged bytes'})")
    for path in report.removed:
        say(_text("removed", style="yellow"), " ", plain(relative_path(path, project)))
    say(f"{len(report.rendered)} briefing(s) rendered, {len(report.up_to_date)} up to date; "
        f"{len(report.written)} file(s) written" + (f", {len(report.removed)} removed" if report.removed else "")
        + _warning_counts(len(report.warnings), len(report.acknowledged)) + f"; {report.seconds:.1f} s.")


@contextmanager
def _progress_bar(*, enabled: bool) -> Iterator[Callable[[int, int], None] | None]:
    """A progress bar on an interactive terminal when more than a few briefings render; nothing otherwise."""
    if not enabled or not _stdout().is_terminal:
        yield None
        return
    from rich.progress import Progress

    with Progress(console=_stdout(), transient=True) as bar:
        task = None

        def update(done: int, total: int) -> None:
            nonlocal task
            if total <= 3:
                return
            if task is None:
                task = bar.add_task("Rendering", total=total)
            bar.update(task, completed=done)

        yield update


def _warning_counts(warnings: int, acknowledged: int) -> str:
    parts = [f"{warnings} warning(s)"] if warnings else []
    if acknowledged:
        parts.append(f"{acknowledged} warning(s) acknowledged")
    return "".join(f", {part}" for part in parts)


@main.command()
@project_option
@click.option("--strict", is_flag=True, help="Fail on warnings too (acknowledged ones never fail).")
@click.option("--show-acknowledged", is_flag=True, help="Also list acknowledged warnings with their reasons.")
@handles_problems("check")
def check(project: Path, strict: bool, show_acknowledged: bool) -> None:
    """Validate the project and render every template; write nothing."""
    report = run_build(project, formats=("md", "html"), write=False, strict=strict)
    for warning in report.warnings:
        click.echo(str(warning), err=True)
    if show_acknowledged:
        for item in report.acknowledged:
            shown = str(item.warning).replace(": warning: ", ": acknowledged: ", 1)
            click.echo(f"{shown}: {printable(item.reason)}", err=True)
    loaded = report.project
    facts = sum(len(topic.facts) for topic in loaded.topics.values())
    say(_text("ok", style="green"), f": {len(loaded.topics)} topic(s), {facts} fact(s), "
        f"{len(loaded.references)} reference(s), {len(loaded.briefings)} briefing(s)"
        + _warning_counts(len(report.warnings), len(report.acknowledged)))


@main.command(name="list")
@project_option
@handles_problems("list")
def list_(project: Path) -> None:
    """List topics and briefings with their as-of dates."""
    loaded = load_project(project)
    with _interrupt_exits_at_once():
        from rich.table import Table
    topics = Table(title="Topics", title_justify="left")
    for column in ("id", "title", "facts", "figures", "as of", "review by"):
        topics.add_column(column, no_wrap=column != "title")
    for topic in loaded.topics.values():
        topics.add_row(*_cells(topic.id, topic.title, len(topic.facts), len(topic.figures),
                               topic.as_of.isoformat(), topic.review_by.isoformat() if topic.review_by else ""))
    briefings = Table(title="Briefings", title_justify="left")
    for column in ("id", "title", "topics", "as of", "template", "schedule"):
        briefings.add_column(column, no_wrap=column not in {"title", "topics"})
    for briefing in loaded.briefings:
        briefings.add_row(*_cells(briefing.id, briefing.title, ", ".join(t.id for t in briefing.topics),
                                  briefing.as_of.isoformat(), briefing.template or "", briefing.schedule or ""))
    _stdout().print(topics)
    _stdout().print(briefings)


def _cells(*values: object) -> list[Text]:
    # Text cells are never parsed as console markup: a title may contain "[/x]".
    return [_text(plain(value)) for value in values]


@main.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@handles_problems("init")
def init(directory: Path) -> None:
    """Create a new briefing project in DIRECTORY, with one sample topic."""
    from .scaffold import ScaffoldError, create_project

    try:
        created = create_project(directory)
    except ScaffoldError as error:
        raise click.ClickException(str(error)) from error
    for path in created:
        say(_text("created", style="green"), " ", plain(relative_path(path, directory)))
    say(f"Next: briefings build --project {plain(directory)}")




if __name__ == "__main__":  # pragma: no cover
    main()
