"""The command starts quickly: what renders nothing imports nothing heavy, and a command loads only its own module."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import click
import pytest

from briefings.cli import COMMANDS, LazyGroup, main
from tests.conftest import copy_example

HEAVY = ("pydantic", "jinja2", "markdown", "nh3", "weasyprint", "docx", "babel", "yaml", "rich", "cronsim", "asyncio",
         "apscheduler", "multiprocessing", "importlib.metadata",
         "briefings.project.loader", "briefings.build.orchestrate", "briefings.render.html", "briefings.render.pdf",
         "briefings.render.environment",
         "briefings.schedule.cron", "briefings.schedule.state", "briefings.schedule.runner",
         "briefings.schedule.scheduler", "zoneinfo", "watchfiles", "briefings.live.watch", "briefings.live.serve",
         "http.server")
#: The library's layers: ``--version`` and ``--help`` load none of them (not even the model).
LIBRARY = ("briefings.project", "briefings.audit", "briefings.render", "briefings.build", "briefings.editions",
           "briefings.schedule", "briefings.live")
#: What ``list`` (which loads the project and renders nothing) must not load.
RENDERING = ("jinja2", "nh3", "weasyprint", "docx", "watchfiles", "http.server", "briefings.render", "briefings.build",
             "briefings.editions", "briefings.live")
#: What neither ``list`` nor ``check`` may load: they deliver, schedule and serve nothing, and write no PDF or DOCX
#: (issue 21: APScheduler and asyncio were once imported for a listing). (babel: the example names no locale.)
NOT_FOR_LIST_OR_CHECK = ("weasyprint", "docx", "apscheduler", "asyncio", "babel", "smtplib", "http.client",
                         "urllib.request", "watchfiles", "http.server", "briefings.delivery", "briefings.schedule",
                         "briefings.live", "briefings.cli.deliveries", "briefings.cli.schedule")
#: The quick check's modules (:mod:`briefings.build.quick`), with which ``list`` reads the listing the last build
#: recorded: light, no renderer among them.
QUICK_CHECK = {"briefings.build", "briefings.build.quick", "briefings.build.scan", "briefings.build.manifest",
               "briefings.build.report", "briefings.render", "briefings.render.fonts"}
#: The modules of briefings.cli every command uses: the rest are one module per command family.
#: (findings: how warnings print; deliveries: how publish and schedule report delivering editions)
SHARED = {"briefings.cli.console", "briefings.cli.options", "briefings.cli.findings", "briefings.cli.deliveries"}

PROBE = """
import json, sys
sys.argv = ["briefings", *json.loads(sys.argv[1])]
from briefings.__main__ import main
try:
    main()
except SystemExit:
    pass
print(json.dumps(sorted(sys.modules)), file=sys.stderr)
"""


def modules_loaded_by(*args: str) -> set[str]:
    result = subprocess.run([sys.executable, "-c", PROBE, json.dumps(args)], capture_output=True, text=True,
                            timeout=60)
    return set(json.loads(result.stderr.strip().splitlines()[-1]))


def loaded_under(loaded: set[str], prefixes: tuple[str, ...]) -> list[str]:
    return sorted(name for name in loaded if name.startswith(prefixes))


@pytest.mark.parametrize("args", [("--version",), ("--help",), ("-h",)])
def test_version_and_help_import_nothing_heavy_and_no_command(args: tuple[str, ...]) -> None:
    loaded = modules_loaded_by(*args)
    assert "click" in loaded
    assert sorted(name for name in HEAVY if name in loaded) == []
    assert loaded_under(loaded, LIBRARY) == []
    assert loaded_under(loaded, ("briefings.cli.",)) == ["briefings.cli.console"]  # the list comes from COMMANDS


def test_list_loads_the_project_and_nothing_that_renders(tmp_path: Path) -> None:
    project = copy_example(tmp_path / "example")
    loaded = modules_loaded_by("list", "--project", str(project))
    assert "briefings.project.loader" in loaded  # (it did list)
    assert sorted(set(loaded_under(loaded, RENDERING)) - QUICK_CHECK) == []
    # The loader alone: the attribution audit is for check, build and publish; schedules are checked with cronsim.
    assert loaded_under(loaded, ("briefings.audit", "briefings.schedule")) == []
    # Nothing that runs in parallel: a listing forks no worker.
    assert loaded_under(loaded, NOT_FOR_LIST_OR_CHECK + ("multiprocessing", "concurrent")) == []


def test_check_loads_no_pdf_docx_delivery_or_schedule_code(tmp_path: Path) -> None:
    project = copy_example(tmp_path / "example")
    loaded = modules_loaded_by("check", "--project", str(project))
    assert "briefings.audit.auditor" in loaded and "jinja2" in loaded  # (it did audit and render)
    assert loaded_under(loaded, NOT_FOR_LIST_OR_CHECK) == []


@pytest.mark.parametrize(("args", "module"), [
    (("build", "--help"), "briefings.cli.build"), (("publish", "--help"), "briefings.cli.publish"),
    (("check", "--help"), "briefings.cli.check"), (("list", "--help"), "briefings.cli.project"),
    (("init", "--help"), "briefings.cli.project"), (("templates", "--help"), "briefings.cli.templates"),
    (("templates", "eject", "--help"), "briefings.cli.templates"), (("add-source", "--help"), "briefings.cli.sources"),
    (("schedule", "--help"), "briefings.cli.schedule"), (("watch", "--help"), "briefings.cli.watch"),
    (("serve", "--help"), "briefings.cli.serve"),
])
def test_a_commands_help_loads_its_own_module_and_no_other(args: tuple[str, ...], module: str) -> None:
    loaded = modules_loaded_by(*args)
    own = {module, "briefings.cli.watch"} if module == "briefings.cli.serve" else {module}  # serve reports as watch
    assert set(loaded_under(loaded, ("briefings.cli.",))) - SHARED == own
    assert "weasyprint" not in loaded  # only when a PDF is rendered
    if module not in {"briefings.cli.watch", "briefings.cli.serve"}:
        assert loaded_under(loaded, ("briefings.live", "http.server", "watchfiles")) == []


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_the_short_help_kept_for_the_command_list_is_the_commands_own(name: str) -> None:
    assert isinstance(main, LazyGroup)
    command = main.get_command(click.Context(main), name)
    assert command is not None and command.name == name
    for limit in (20, 45, 60, 200):
        assert main.lazy_short_help(name, limit) == command.get_short_help_str(limit)
