"""The ``briefings`` command: a thin layer over the library (one module per command family).

Contract: each command calls the library and prints. Problems in the user's
files are printed one per line as ``path:LINE: message`` on standard error,
followed by a count, and the command exits 1. Nothing prints a traceback
unless ``--debug`` is given. Exit codes: 0 success, 1 problems in the
project (or a library that is not installed: one line saying what to
install), 2 a usage error (Click's), 70 an internal error (one line saying
so), 130 interrupted (Ctrl-C: one line). Every value from the project is
printed as plain text with control characters escaped: never as console
markup, never as a terminal escape sequence.

Start-up is kept short: the pipeline (the model and pydantic, Jinja,
python-markdown, and WeasyPrint through the build) and Rich are imported
only by the commands that use them, so ``--version`` and ``--help`` load
little more than Click. While a command imports them, Ctrl-C exits at once
with the one line, as while the command itself loads and its command line is
parsed (see :mod:`briefings.__main__`); the rest of a command's own code runs
with Ctrl-C raising KeyboardInterrupt (:func:`handles_problems`), so that its
``finally`` clauses clean up.
"""

from __future__ import annotations

import functools
import importlib
import logging
import os
import signal
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any, TypeVar

import click

from briefings import __version__
from briefings.errors import ProblemsFound, missing_library, printable
from briefings.paths import BUILD_FORMATS, DEFAULT_WAIT, OUTPUT_FORMATS  # noqa: F401 (the commands use them)

if TYPE_CHECKING:
    from rich.console import Console
    from rich.text import Text

    from briefings.build.orchestrate import BuildReport
    from briefings.project.model import Project

F = TypeVar("F", bound=Callable[..., Any])

EXIT_PROBLEMS = 1
EXIT_INTERNAL_ERROR = 70
EXIT_INTERRUPTED = 130



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


@contextmanager
def _interrupt_raises() -> Iterator[None]:
    """While a command's own code runs, Ctrl-C raises KeyboardInterrupt, so that its ``finally`` clauses clean up.

    Before it (loading, parsing the command line) and after it, the command-line
    tool has Ctrl-C exit at once (see :mod:`briefings.__main__`): that handling
    comes back when the command ends, before its outcome is printed.
    """
    try:
        previous = signal.signal(signal.SIGINT, signal.default_int_handler)
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
        return importlib.import_module(f"briefings.{module}")


def run_build(root: Path, **options: Any) -> BuildReport:
    """:func:`briefings.build.orchestrate.build`, imported on first use."""
    return _load("build.orchestrate").build(root, **options)  # type: ignore[no-any-return]


def load_project(root: Path) -> Project:
    """:func:`briefings.project.loader.load_project`, imported on first use."""
    return _load("project.loader").load_project(root)  # type: ignore[no-any-return]


def _stdout() -> Console:
    # One console per use, not one per process: it reads the terminal's width
    # (COLUMNS) when made, and a process may run several commands (tests do).
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
    """Turn ProblemsFound into exit 1, Ctrl-C into one line and exit 130, and anything unexpected into
    one line and exit 70; while the command runs, Ctrl-C raises KeyboardInterrupt (:func:`_interrupt_raises`)."""

    def decorate(command: F) -> F:
        @functools.wraps(command)
        def wrapper(*args: Any, debug: bool = False, **kwargs: Any) -> Any:
            debug = debug or bool(click.get_current_context().find_root().params.get("debug"))
            try:
                with _interrupt_raises():
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
                missing = missing_library(error)
                if missing is not None:  # an installation to complete, not a bug: say what to install
                    click.echo(missing, err=True)
                    sys.exit(EXIT_PROBLEMS)
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


archive_dir_option = click.option(
    "--archive-dir", "archive_dir", default=None, metavar="DIR",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Read the archived sources from DIR (any directory; relative to the current directory) "
         "instead of the project's archive_dir.",
)

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


def _warning_counts(warnings: int, acknowledged: int) -> str:
    parts = [f"{warnings} warning(s)"] if warnings else []
    if acknowledged:
        parts.append(f"{acknowledged} warning(s) acknowledged")
    return "".join(f", {part}" for part in parts)


# The commands live in briefings.commands, one module per family; they import
# the helpers above, so they are registered only now.
from briefings.cli import build as _build_commands  # noqa: E402
from briefings.cli import project as _project_commands  # noqa: E402
from briefings.cli import schedule as _schedule_commands  # noqa: E402
from briefings.cli import serve as _serve_commands  # noqa: E402
from briefings.cli import sources as _sources_commands  # noqa: E402
from briefings.cli import templates as _template_commands  # noqa: E402
from briefings.cli import watch as _watch_commands  # noqa: E402

main.add_command(_build_commands.build)
main.add_command(_build_commands.publish)
main.add_command(_project_commands.check)
main.add_command(_project_commands.list_)
main.add_command(_project_commands.init)
main.add_command(_template_commands.templates)
main.add_command(_sources_commands.add_source)
main.add_command(_schedule_commands.schedule)
main.add_command(_watch_commands.watch)
main.add_command(_serve_commands.serve)


if __name__ == "__main__":  # pragma: no cover
    main()
