"""The ``briefings`` command: the group, and the module that holds each of its commands.

Contract: :data:`main` is the ``briefings`` command group. Its commands are
listed in :data:`COMMANDS`, one module of this package per command family:
``build`` (:mod:`~briefings.cli.build`), ``publish`` (:mod:`~briefings.cli.publish`), ``check``
(:mod:`~briefings.cli.check`), ``list`` and ``init``
(:mod:`~briefings.cli.project`), ``templates`` (:mod:`~briefings.cli.templates`),
``add-source`` (:mod:`~briefings.cli.sources`), ``schedule``
(:mod:`~briefings.cli.schedule`), ``watch`` (:mod:`~briefings.cli.watch`) and
``serve`` (:mod:`~briefings.cli.serve`). Each command module parses its
options, calls the library and prints through :mod:`briefings.cli.console`
(how problems, exit codes and Ctrl-C are handled); options several commands
share are in :mod:`briefings.cli.options`.

Start-up is kept short: a command's module, and with it the part of the
library it uses (the model and pydantic, Jinja, python-markdown, and so on),
is imported only when that command runs or its own ``--help`` is shown
(Click's lazily loading group, :class:`LazyGroup`). ``briefings --version``
and ``briefings --help`` load little more than Click: the command list in
``--help`` is drawn from the short help kept in :data:`COMMANDS`, which
tests/cli/test_startup.py checks against each command's own. While a
command's module loads, Ctrl-C exits at once with the one line, as while the
command line is parsed (see :mod:`briefings.__main__`); a library that cannot
be loaded is reported in one line, as when a command runs
(:func:`briefings.cli.console.exit_on_failure`).
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import click

from briefings import __version__
from briefings.cli.console import exit_on_failure, interrupt_exits_at_once


@dataclass(frozen=True)
class LazyCommand:
    """Where a command is (``"module:attribute"``), and its short help for the group's ``--help``."""

    target: str
    short_help: str


#: Every command: its module and attribute, and the first line of its docstring (shown by ``briefings --help``).
COMMANDS: Mapping[str, LazyCommand] = {
    "add-source": LazyCommand("briefings.cli.sources:add_source",
                              "Archive FILE in the project and add it to sources/references.yaml."),
    "build": LazyCommand("briefings.cli.build:build", "Build briefings into output/, rendering only what changed."),
    "check": LazyCommand("briefings.cli.check:check",
                         "Validate the project, audit its attribution and render every template; write nothing."),
    "init": LazyCommand("briefings.cli.project:init",
                        "Create a new briefing project in DIRECTORY, with one sample topic."),
    "list": LazyCommand("briefings.cli.project:list_", "List topics and briefings with their as-of dates."),
    "publish": LazyCommand("briefings.cli.publish:publish",
                           "Publish each briefing whose content changed as a new edition (output/editions/), "
                           "then deliver it."),
    "schedule": LazyCommand("briefings.cli.schedule:schedule",
                            "Publish briefings at the times their schedules name (see docs/scheduling.md)."),
    "serve": LazyCommand("briefings.cli.serve:serve", "Serve the HTML drafts on 127.0.0.1 with live reload, "
                         "rebuilding as the sources change (Ctrl-C stops)."),
    "templates": LazyCommand("briefings.cli.templates:templates",
                             "List the templates, show a built-in, or copy one into templates/ to start from."),
    "watch": LazyCommand("briefings.cli.watch:watch",
                         "Build, then rebuild whenever sources/, templates/ or briefings.yaml change (Ctrl-C stops)."),
}


#: Where :meth:`LazyGroup.resolve_command` notes that the command line asks for ``--debug`` (tracebacks).
_DEBUG_KEY = "briefings.debug"


class LazyGroup(click.Group):
    """A group whose commands are imported on first use (Click's documented pattern for lazy loading).

    ``lazy_commands`` maps each command name to its :class:`LazyCommand`.
    """

    def __init__(self, *args: Any, lazy_commands: Mapping[str, LazyCommand], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy_commands = lazy_commands

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy_commands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.lazy_commands:
            return super().get_command(ctx, cmd_name)
        module_name, _, attribute = self.lazy_commands[cmd_name].target.partition(":")
        try:
            with interrupt_exits_at_once():
                module = importlib.import_module(module_name)
        except Exception as error:  # a library not installed, say: one line, as when a command runs
            if ctx.meta.get(_DEBUG_KEY) or ctx.find_root().params.get("debug"):
                raise
            exit_on_failure(error)
        command = getattr(module, attribute)
        if not isinstance(command, click.Command):
            raise TypeError(f"{module_name}.{attribute} is not a command")
        return command

    def resolve_command(self, ctx: click.Context, args: list[str]) -> tuple[str | None, click.Command | None,
                                                                              list[str]]:
        # The command's own --debug (added by handles_problems) is not parsed yet while its module loads.
        ctx.meta[_DEBUG_KEY] = "--debug" in args[1:]
        try:
            return super().resolve_command(ctx, args)
        except click.UsageError as error:
            # Click suggests the nearest command names from the commands it holds; here, those it would load.
            no_such_command = getattr(click.exceptions, "NoSuchCommand", None)  # Click 8.4 and later
            if no_such_command is None or not isinstance(error, no_such_command):
                raise
            raise no_such_command(error.command_name, possibilities=self.list_commands(ctx), ctx=ctx) from None

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list of ``--help``, as Click writes it, from the short help in :data:`COMMANDS`."""
        names = self.list_commands(ctx)
        if not names:
            return
        limit = formatter.width - 6 - max(len(name) for name in names)
        rows = [(name, self.lazy_short_help(name, limit) if name in self.lazy_commands
                 else self.commands[name].get_short_help_str(limit)) for name in names]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def lazy_short_help(self, name: str, limit: int = 45) -> str:
        """The short help of the lazily loaded command ``name`` as Click would show it (cut to ``limit``)."""
        return click.Command(name, help=self.lazy_commands[name].short_help).get_short_help_str(limit)


@click.group(cls=LazyGroup, lazy_commands=COMMANDS, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="briefings")
@click.option("--debug", is_flag=True, help="Show tracebacks for failures.")
def main(debug: bool) -> None:
    """Turn curated, sourced facts into Markdown, HTML and PDF briefings."""
    logging.basicConfig(level=logging.ERROR, format="%(message)s")


if __name__ == "__main__":  # pragma: no cover
    main()
