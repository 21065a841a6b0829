"""The command starts quickly: what renders nothing imports nothing heavy."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from briefings import cli
from briefings.project.schema import Settings

HEAVY = ("pydantic", "jinja2", "markdown", "nh3", "weasyprint", "yaml", "rich", "cronsim",
         "briefings.project.loader", "briefings.build.orchestrate", "briefings.render.html", "briefings.render.pdf",
         "briefings.render.environment",
         "briefings.schedule.cron", "briefings.schedule.state", "briefings.schedule.runner",
         "briefings.schedule.scheduler", "zoneinfo", "watchfiles", "briefings.live.watch", "briefings.live.serve",
         "http.server")

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


@pytest.mark.parametrize("args", [("--version",), ("--help",), ("list", "--help"), ("build", "--help"),
                                  ("check", "--help"), ("init", "--help"),
                                  ("templates", "--help"), ("templates", "list", "--help"),
                                  ("templates", "eject", "--help"),
                                  ("schedule", "--help"),
                                  ("watch", "--help"), ("serve", "--help")])
def test_version_and_help_import_nothing_heavy(args: tuple[str, ...]) -> None:
    loaded = modules_loaded_by(*args)
    assert "click" in loaded
    assert sorted(name for name in HEAVY if name in loaded) == []


def test_the_formats_in_the_help_are_the_models() -> None:
    assert cli.OUTPUT_FORMATS == tuple(Settings().formats)
    from briefings import lock

    assert cli.DEFAULT_WAIT == lock.DEFAULT_WAIT
