"""The ``briefings`` command's entry point (also ``python -m briefings``).

Ctrl-C at any moment ends with one line, ``briefings: interrupted``, and exit
code 130, never a traceback. While the libraries load there is nothing to
clean up, so an interrupt then exits at once (Python would otherwise raise
it inside whatever module is being imported, where some libraries wrap it in
other errors); once the command runs, Ctrl-C raises KeyboardInterrupt as
usual, so that the build's ``finally`` clauses remove their temporary files.
"""

from __future__ import annotations

import os
import signal
import sys

EXIT_INTERRUPTED = 130
INTERRUPTED_MESSAGE = "briefings: interrupted"


def _exit_now(signum: int, frame: object) -> None:
    os.write(2, f"{INTERRUPTED_MESSAGE}\n".encode())
    os._exit(EXIT_INTERRUPTED)


# Installed as this module loads, before anything heavy is imported.
signal.signal(signal.SIGINT, _exit_now)


def main() -> None:
    signal.signal(signal.SIGINT, _exit_now)
    import click

    from .cli import main as command

    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        try:
            code = command.main(prog_name="briefings", standalone_mode=False)
        except click.exceptions.Abort:
            raise KeyboardInterrupt from None
        except click.ClickException as error:
            error.show()
            code = error.exit_code
    except KeyboardInterrupt:
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
