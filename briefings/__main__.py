"""The ``briefings`` command's entry point (also ``python -m briefings``).

It imports the command only inside the guard, so that Ctrl-C at any moment,
even while the libraries load, ends with one line and exit code 130 rather
than a traceback (Click alone would print "Aborted!" and exit 1).
"""

from __future__ import annotations

import sys

EXIT_INTERRUPTED = 130


def main() -> None:
    try:
        import click

        from .cli import main as command

        try:
            code = command.main(prog_name="briefings", standalone_mode=False)
        except click.exceptions.Abort:
            raise KeyboardInterrupt from None
        except click.ClickException as error:
            error.show()
            sys.exit(error.exit_code)
        sys.exit(code if isinstance(code, int) else 0)
    except KeyboardInterrupt:
        print("briefings: interrupted", file=sys.stderr)
        sys.exit(EXIT_INTERRUPTED)


if __name__ == "__main__":
    main()
