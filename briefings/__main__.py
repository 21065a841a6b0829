"""The ``briefings`` command's entry point (also ``python -m briefings``).

Ctrl-C ends with one line, ``briefings: interrupted``, and exit code 130,
never a traceback, from this module's first instruction on. Its first act is
to take SIGINT over, through ``_signal`` (the interpreter's own module,
loaded before any Python code runs, so that nothing is imported first), with
a handler that exits at once: while the libraries load and the command line
is parsed there is nothing to clean up (Python would otherwise raise
KeyboardInterrupt inside whatever module is being imported, where some
libraries wrap it in other errors, or inside Click, which prints a blank
line for it). It also unblocks SIGINT: a signal mask survives ``exec``, so a
launcher that started the command with SIGINT blocked would otherwise hold
every Ctrl-C back for the whole run; a Ctrl-C that came while it was blocked
is acted on here. Only then does it import the command
(:mod:`briefings.cli`). Only while a command's own code runs does Ctrl-C
raise KeyboardInterrupt (:func:`briefings.cli.console.handles_problems`
arranges it), so that the build's ``finally`` clauses remove their temporary
files; once the command is over, Ctrl-C exits at once again.

Before this module runs, while the Python interpreter itself starts (the
``site`` module and ``.pth`` files), Ctrl-C gets Python's own handling; the
``briefings`` package's ``__init__`` imports nothing, so that this module
follows at once.
"""

from __future__ import annotations

import _signal  # the interpreter's own (``signal`` would import enum first): see above
import os
import sys

EXIT_INTERRUPTED = 130
INTERRUPTED_MESSAGE = "briefings: interrupted"
_INTERRUPTED_LINE = f"{INTERRUPTED_MESSAGE}\n".encode()


def _exit_now(signum: int, frame: object) -> None:
    os.write(2, _INTERRUPTED_LINE)
    os._exit(EXIT_INTERRUPTED)


def _take_over_ctrl_c() -> None:
    _signal.signal(_signal.SIGINT, _exit_now)
    if hasattr(_signal, "pthread_sigmask"):
        _signal.pthread_sigmask(_signal.SIG_UNBLOCK, [_signal.SIGINT])


# As this module loads, before anything else is imported.
_take_over_ctrl_c()

import click  # noqa: E402 - only once Ctrl-C is taken over (see above)

from briefings.cli import main as command  # noqa: E402


def main() -> None:
    _take_over_ctrl_c()  # (again, for a caller that imported this module earlier and changed it since)
    try:
        try:
            code = command.main(prog_name="briefings", standalone_mode=False)
        except click.exceptions.Abort:
            raise KeyboardInterrupt from None
        except click.ClickException as error:
            error.show()
            code = error.exit_code
    except KeyboardInterrupt:
        # Only with --debug (which re-raises it) or from a caller that handles SIGINT itself.
        print(INTERRUPTED_MESSAGE, file=sys.stderr)
        code = EXIT_INTERRUPTED
    except SystemExit as exit_request:
        code = exit_request.code
    if code == EXIT_INTERRUPTED:
        # Exit at once: an interrupt that some library saw first may have left
        # Python set to re-raise SIGINT at shutdown, turning 130 into a kill.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(EXIT_INTERRUPTED)
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":
    main()
