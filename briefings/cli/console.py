"""How every command talks to the terminal and ends: printing, problems, exit codes and Ctrl-C.

Contract: problems in the user's files are printed one per line as
``path:LINE: message`` on standard error, followed by a count, and the
command exits 1. Nothing prints a traceback unless ``--debug`` is given.
Exit codes: 0 success, 1 problems in the project (or a library that is not
installed: one line saying what to install), 2 a usage error (Click's), 70
an internal error (one line saying so), 130 interrupted (Ctrl-C: one line).
Every value from the project is printed as plain text with control
characters escaped (:func:`plain`): never as console markup, never as a
terminal escape sequence.

Ctrl-C: while a command's module and the libraries it needs load, and while
its command line is parsed, Ctrl-C ends the process at once with the one
line (:func:`interrupt_exits_at_once`, and :mod:`briefings.__main__` before
it): there is nothing to clean up yet. While the command's own code runs
(:func:`handles_problems`), Ctrl-C raises KeyboardInterrupt, so that its
``finally`` clauses clean up; it is then reported as the same one line.

Rich (the styled output) is imported on first use: this module is imported
by ``briefings --help``, which must load little more than Click.
"""

from __future__ import annotations

import functools
import os
import signal
import sys
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click

from briefings.errors import Problem, ProblemsFound, missing_library, printable

if TYPE_CHECKING:
    from rich.console import Console
    from rich.text import Text

F = TypeVar("F", bound=Callable[..., Any])

EXIT_PROBLEMS = 1
EXIT_INTERNAL_ERROR = 70
EXIT_INTERRUPTED = 130
INTERRUPTED_MESSAGE = "briefings: interrupted"


# -- Ctrl-C ---------------------------------------------------------------------------------------------------


def _exit_at_once(signum: int, frame: object) -> None:
    os.write(2, f"{INTERRUPTED_MESSAGE}\n".encode())
    os._exit(EXIT_INTERRUPTED)


@contextmanager
def _sigint_handled_by(handler: Callable[[int, Any], object] | int) -> Iterator[None]:
    """SIGINT goes to ``handler`` inside the block; the previous handling comes back after it."""
    try:
        previous = signal.signal(signal.SIGINT, handler)
    except ValueError:  # not the main thread: leave signals alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous if previous is not None else signal.default_int_handler)


def interrupt_exits_at_once() -> AbstractContextManager[None]:
    """While libraries load there is nothing to clean up: Ctrl-C ends the process at once."""
    return _sigint_handled_by(_exit_at_once)


def _interrupt_raises() -> AbstractContextManager[None]:
    """While a command's own code runs, Ctrl-C raises KeyboardInterrupt, so that its ``finally`` clauses clean up.

    Before it (loading, parsing the command line) and after it, the command-line
    tool has Ctrl-C exit at once (see :mod:`briefings.__main__`): that handling
    comes back when the command ends, before its outcome is printed.
    """
    return _sigint_handled_by(signal.default_int_handler)


def _caused_by_interrupt(error: BaseException) -> bool:
    seen: BaseException | None = error
    for _ in range(20):  # exception chains are short; a cycle must not loop
        if seen is None:
            return False
        if isinstance(seen, KeyboardInterrupt):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


# -- printing -------------------------------------------------------------------------------------------------


def stdout_console() -> Console:
    """A Rich console on standard output."""
    # One console per use, not one per process: it reads the terminal's width
    # (COLUMNS) when made, and a process may run several commands (tests do).
    with interrupt_exits_at_once():
        from rich.console import Console
    return Console(highlight=False)


def styled(*args: Any, **kwargs: Any) -> Text:
    """A Rich ``Text`` (``styled("rendered", style="green")``); its text is never read as markup."""
    with interrupt_exits_at_once():
        from rich.text import Text
    return Text(*args, **kwargs)


def say(*parts: str | Text) -> None:
    """Print one line to standard output; ``str`` parts are the tool's own words, ``Text`` parts styled."""
    from rich.text import Text

    stdout_console().print(Text.assemble(*parts), soft_wrap=True)


def plain(value: object) -> str:
    """A value from the project, made safe to print: escaped, and never read as markup."""
    return printable(str(value))


def warning_counts(warnings: int, acknowledged: int) -> str:
    """``", 2 warning(s), 1 warning(s) acknowledged"``, to end a summary line (empty when there are none)."""
    parts = [f"{warnings} warning(s)"] if warnings else []
    if acknowledged:
        parts.append(f"{acknowledged} warning(s) acknowledged")
    return "".join(f", {part}" for part in parts)


def _echo_problems(problems: list[Problem], what: str) -> None:
    for problem in problems:
        click.echo(str(problem), err=True)
    errors = sum(1 for p in problems if p.severity.value == "error")
    warnings = len(problems) - errors
    parts = [f"{errors} error{'s' if errors != 1 else ''}"] if errors else []
    if warnings:
        parts.append(f"{warnings} warning{'s' if warnings != 1 else ''}")
    click.echo(f"{what} failed: {', '.join(parts) or 'problems'}.", err=True)


# -- how a command ends ---------------------------------------------------------------------------------------


def exit_on_failure(error: Exception) -> NoReturn:
    """End the process for an exception no command handled: a library that is not installed (one line saying
    what to install, exit 1), Ctrl-C seen by a library (one line, exit 130), anything else (exit 70)."""
    if _caused_by_interrupt(error):  # e.g. Ctrl-C inside a lazy import, wrapped by Python
        click.echo(INTERRUPTED_MESSAGE, err=True)
        sys.exit(EXIT_INTERRUPTED)
    missing = missing_library(error)
    if missing is not None:  # an installation to complete, not a bug: say what to install
        click.echo(missing, err=True)
        sys.exit(EXIT_PROBLEMS)
    click.echo(f"briefings: internal error: {type(error).__name__}: {printable(str(error))} "
               "(run again with --debug for the traceback)", err=True)
    sys.exit(EXIT_INTERNAL_ERROR)


def handles_problems(what: str) -> Callable[[F], F]:
    """Turn ProblemsFound into exit 1, Ctrl-C into one line and exit 130, and anything unexpected into
    one line and exit 70; while the command runs, Ctrl-C raises KeyboardInterrupt (:func:`_interrupt_raises`).

    It adds the command's ``--debug`` option (as ``briefings --debug``: tracebacks instead)."""

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
                click.echo(INTERRUPTED_MESSAGE, err=True)
                sys.exit(EXIT_INTERRUPTED)
            except (click.exceptions.Exit, click.ClickException):
                raise
            except Exception as error:  # noqa: BLE001 - the promise is: no traceback without --debug
                if debug:
                    raise
                exit_on_failure(error)

        wrapper = click.option("--debug", is_flag=True, help="Show tracebacks for failures.")(wrapper)
        return wrapper  # type: ignore[return-value]

    return decorate
