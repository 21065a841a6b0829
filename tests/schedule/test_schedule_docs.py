"""The three ways to run scheduled publishing that docs/scheduling.md shows, each tried as far as this machine allows.

The systemd units are checked with ``systemd-analyze verify`` when it exists (with the paths made real),
and always parsed; the crontab line's command is run in a shell against a temporary project with a fake
publish; the GitHub Actions workflow is parsed and its schedule and commands checked.
"""

from __future__ import annotations

import configparser
import json
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from briefings import paths
from briefings.schedule.cron import validate
from tests.conftest import FAKE_SITECUSTOMIZE, REPO_ROOT, write

DOCS = REPO_ROOT / "docs"
BRIEFINGS = "/opt/briefings/.venv/bin/briefings"
PROJECT = "/srv/briefings"
UNITS = ["briefings-scheduler.service", "briefings-publish.service", "briefings-publish.timer"]


def unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string((DOCS / "systemd" / name).read_text())
    return parser


def test_the_service_units_run_briefings_schedule() -> None:
    service = unit("briefings-scheduler.service")
    assert shlex.split(service["Service"]["ExecStart"]) == [BRIEFINGS, "schedule", "--project", PROJECT]
    assert service["Service"]["KillMode"] == "mixed" and service["Service"]["KillSignal"] == "SIGTERM"
    assert service["Install"]["WantedBy"] == "multi-user.target"
    oneshot = unit("briefings-publish.service")
    assert oneshot["Service"]["Type"] == "oneshot"
    assert shlex.split(oneshot["Service"]["ExecStart"]) == [BRIEFINGS, "schedule", "--once", "--project", PROJECT]
    timer = unit("briefings-publish.timer")
    assert timer["Timer"]["Unit"] == "briefings-publish.service"
    assert timer["Timer"]["OnCalendar"] == "*:0/15" and timer["Timer"]["Persistent"] == "true"


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_the_units_pass_systemd_analyze_verify(tmp_path: Path) -> None:
    briefings = Path(sys.executable).with_name("briefings")
    for name in UNITS:
        text = (DOCS / "systemd" / name).read_text().replace(BRIEFINGS, str(briefings))
        # The paths made real, and no User= (the account does not exist here).
        text = "\n".join(line for line in text.replace(PROJECT, str(tmp_path)).splitlines()
                         if not line.startswith("User="))
        (tmp_path / name).write_text(text + "\n")
    result = subprocess.run(["systemd-analyze", "verify", *(str(tmp_path / name) for name in UNITS)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "briefings" not in result.stderr, result.stderr  # no warning about our units


def crontab_line() -> tuple[str, str]:
    lines = [line for line in (DOCS / "cron" / "briefings.crontab").read_text().splitlines()
             if line.strip() and not line.startswith("#")]
    assert len(lines) == 1
    fields = lines[0].split(None, 5)
    return " ".join(fields[:5]), fields[5]


def test_the_crontab_line_is_a_valid_schedule_calling_schedule_once() -> None:
    when, command = crontab_line()
    validate(when, "UTC")
    assert shlex.split(command)[:5] == [BRIEFINGS, "schedule", "--once", "--project", PROJECT]


def test_the_crontab_command_publishes_what_is_due(project: Path, tmp_path: Path) -> None:
    write(project, "briefings.yaml", """\
        briefings:
          every-five:
            title: Every five minutes
            topics: [test-topic]
            schedule: "*/5 * * * *"
        """)
    site = tmp_path / "fake-site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(FAKE_SITECUSTOMIZE)
    calls, log = tmp_path / "publish-calls.jsonl", tmp_path / "schedule.log"
    _, command = crontab_line()
    command = (command.replace(BRIEFINGS, shlex.quote(str(Path(sys.executable).with_name("briefings"))))
               .replace("/var/log/briefings/schedule.log", shlex.quote(str(log)))
               .replace(PROJECT, shlex.quote(str(project))))
    # cron runs commands with /bin/sh, a minimal environment and the home directory as working directory.
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "PYTHONPATH": str(site), "FAKE_PUBLISH_LOG": str(calls)}
    for _ in range(2):
        result = subprocess.run(["/bin/sh", "-c", command], cwd=tmp_path, env=env, capture_output=True, text=True,
                                timeout=120)
        assert result.returncode == 0, log.read_text()
    # Due once (its most recent time); the second pass a moment later finds nothing new (unless a
    # five-minute mark passed in between, which makes it due once more).
    published = [json.loads(line)["only"] for line in calls.read_text().splitlines()]
    assert published[0] == ["every-five"] and len(published) in (1, 2)
    said = log.read_text()
    assert "published every-five as edition 1" in said
    assert (project / "output/editions/runs.jsonl").is_file()
    assert json.loads((project / "output/editions/schedule-state.json").read_text())["briefings"]["every-five"]


def test_the_github_workflow_runs_schedule_once_and_keeps_the_editions() -> None:
    workflow = yaml.safe_load((DOCS / "github-actions" / "publish-briefings.yml").read_text())
    triggers = workflow[True] if True in workflow else workflow["on"]  # YAML 1.1 reads a bare `on` as true
    crons = [entry["cron"] for entry in triggers["schedule"]]
    assert crons == ["*/30 * * * *"]
    for cron in crons:
        validate(cron, "UTC")
    assert "workflow_dispatch" in triggers
    assert workflow["permissions"] == {"contents": "write"}
    assert workflow["concurrency"]["cancel-in-progress"] is False
    steps = workflow["jobs"]["publish"]["steps"]
    commands = [step.get("run", "") for step in steps]
    assert "bash .ci/setup" in commands
    assert ".venv/bin/briefings schedule --once" in commands
    commit = next(command for command in commands if "git commit" in command)
    assert "git add -f output/editions" in commit and "git push" in commit
    upload = next(step for step in steps if str(step.get("uses", "")).startswith("actions/upload-artifact"))
    assert upload["with"]["path"] == "output/editions" and upload["if"] == "always()"
    assert steps[commands.index(commit)]["if"] == "always()"  # failures are committed too: they are in the run log


def test_the_guide_links_every_file() -> None:
    guide = (DOCS / "scheduling.md").read_text()
    for path in ["systemd/briefings-scheduler.service", "systemd/briefings-publish.service",
                 "systemd/briefings-publish.timer", "cron/briefings.crontab", "github-actions/publish-briefings.yml"]:
        assert f"]({path})" in guide, path
        assert (DOCS / path).is_file()
    assert os.path.basename(paths.RUN_LOG) in guide and os.path.basename(paths.SCHEDULE_STATE_FILE) in guide


def ini_blocks(text: str) -> dict[str, list[str]]:
    """The ```ini blocks of a Markdown guide (indented or not), by the file name on their first line."""
    blocks, current, name = {}, None, ""
    for line in text.splitlines():
        stripped = line.strip()
        if current is None and stripped == "```ini":
            current, indent = [], len(line) - len(line.lstrip())
        elif current is not None and stripped == "```":
            name = current[0].lstrip("# ").strip()
            blocks[name] = current[1:]
            current = None
        elif current is not None:
            current.append(line[indent:])
    return blocks


@pytest.mark.parametrize("guide", [DOCS / "scheduling.md", REPO_ROOT / "README.md"], ids=["guide", "readme"])
def test_the_guides_systemd_timer_example_is_the_shipped_files(guide: Path) -> None:
    blocks = ini_blocks(guide.read_text())
    assert set(blocks) == {"briefings-publish.timer", "briefings-publish.service"}
    for name, block in blocks.items():
        shipped = [line for line in (DOCS / "systemd" / name).read_text().splitlines() if not line.startswith("#")]
        assert block == shipped, name
    timer = unit("briefings-publish.timer")
    assert timer["Timer"]["Persistent"] == "true"
    # The guide no longer promises an ExecStartPre= the unit does not have: the scheduler catches up itself.
    guide = (DOCS / "scheduling.md").read_text()
    assert "can do so with `ExecStartPre=`" not in guide and "catch_up" in guide
    for name in UNITS:
        assert all(not key.startswith("ExecStartPre") for section in unit(name).values() for key in section)


def listing(root: Path) -> dict[str, tuple[int, int]]:
    return {str(path.relative_to(root)): (path.lstat().st_size, path.lstat().st_mtime_ns)
            for path in [root, *root.rglob("*")]}


@pytest.mark.parametrize("name", ["briefings-publish.service", "briefings-scheduler.service"])
def test_each_exec_start_is_a_valid_briefings_command_line(name: str, project: Path) -> None:
    write(project, "briefings.yaml", """\
        formats: [md]
        briefings:
          weekly:
            title: Weekly round-up
            topics: [test-topic]
            schedule: "0 6 * * 1"
        """)
    argv = shlex.split(unit(name)["Service"]["ExecStart"])
    assert argv[0] == BRIEFINGS and argv[argv.index("--project") + 1] == PROJECT
    assert unit(name)["Service"]["WorkingDirectory"] == PROJECT
    command = [str(Path(sys.executable).with_name("briefings")),
               *(str(project) if arg == PROJECT else arg for arg in argv[1:])]
    # Its options parse: --help reads them all and runs nothing.
    helped = subprocess.run([*command, "--help"], capture_output=True, text=True, timeout=120, cwd=project)
    assert helped.returncode == 0 and helped.stdout.startswith("Usage: briefings schedule"), helped.stderr
    if "--once" in argv:
        # And run as a dry run, as the timer would run it: it says what it would publish and writes nothing.
        before = listing(project)
        ran = subprocess.run([*command, "--dry-run"], capture_output=True, text=True, timeout=300, cwd=project)
        assert ran.returncode == 0, ran.stderr
        assert ran.stdout.startswith("would publish weekly as edition 1 ("), ran.stdout
        assert listing(project) == before
