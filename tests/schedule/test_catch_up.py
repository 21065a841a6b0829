"""Dry runs that write nothing, and catching up after missed scheduled times (``catch_up: latest`` or ``none``).

The dry runs use the real publish and compare a listing of every file of the project (size and modification
time, directories included) before and after. Catching up is tried with the real publish end to end (the
edition dated at the slot it stands for, the run log recording when it ran) and with a stand-in for the
policies, in ``schedule --once`` and in the long-running scheduler alike.
"""

from __future__ import annotations

import datetime
import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from briefings.cli import main
from briefings.schedule.scheduler import Scheduler
from briefings.schedule.state import read_state, write_state
from tests.conftest import write
from tests.schedule.test_schedule import RUNS, FakePublish, at, runs

WEEKLY = """\
    formats: [md]
    timezone: UTC
    briefings:
      weekly:
        title: Weekly round-up
        topics: [test-topic]
        schedule: "0 10 * * 1"
    """
NONE = WEEKLY.replace("timezone: UTC\n", "timezone: UTC\n    catch_up: none\n")
TOPIC = "sources/topics/test-topic.yaml"
PARIS = "~ fact test-topic/talks-held (text): The two leaders held talks in Paris."
NOW_LINE = "briefings: --now is for testing: acting as if it were "


def listing(root: Path) -> dict[str, tuple[str, int, int]]:
    """Every file and directory under ``root`` (and itself): kind, size and modification time."""
    found = {}
    for path in [root, *root.rglob("*")]:
        info = path.lstat()
        kind = "dir" if path.is_dir() else "link" if path.is_symlink() else "file"
        found[str(path.relative_to(root))] = (kind, info.st_size, info.st_mtime_ns)
    return found


def cli(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def change_a_fact(project: Path) -> None:
    path = project / TOPIC
    path.write_text(path.read_text().replace("held talks in London", "held talks in Paris"))


# -- dry runs ----------------------------------------------------------------------------------------------


def test_schedule_once_dry_run_says_what_would_be_published_and_writes_nothing(project: Path) -> None:
    write(project, "briefings.yaml", WEEKLY)
    before = listing(project)
    first = cli("schedule", "--project", str(project), "--once", "--dry-run", "--now", "2026-12-07T10:05+00:00")
    assert first.exit_code == 0, first.output
    assert first.stdout.splitlines() == [
        "would publish weekly as edition 1 (2026-12-07, for 2026-12-07T10:00+00:00)", "  first edition",
        first.stdout.splitlines()[-1]]
    assert first.stdout.splitlines()[-1].endswith("0 unchanged, 0 failed; "
                                                  f"{first.stdout.split('; ')[-1].split(' s.')[0]} s. "
                                                  "Dry run: nothing written.")
    assert first.stderr.splitlines() == [f"{NOW_LINE}2026-12-07T10:05:00+00:00"]
    assert listing(project) == before  # not even output/

    # After a real run (output/, the lock file, the manifest, the state and the run log all exist) and a change.
    real = cli("schedule", "--project", str(project), "--once", "--now", "2026-12-07T10:05+00:00")
    assert real.exit_code == 0, real.output
    assert real.stderr.splitlines()[0] == f"{NOW_LINE}2026-12-07T10:05:00+00:00 (the editions it publishes are real)"
    assert (project / "output/.briefings/lock").is_file()
    change_a_fact(project)
    before = listing(project)
    dry = cli("schedule", "--project", str(project), "--once", "--dry-run", "--now", "2026-12-14T10:05+00:00")
    assert dry.exit_code == 0, dry.output
    assert dry.stdout.splitlines()[:2] == [
        "would publish weekly as edition 2 (2026-12-14, for 2026-12-14T10:00+00:00)",
        f"  {PARIS}"]
    assert listing(project) == before
    # The real run then does what the dry run said.
    real = cli("schedule", "--project", str(project), "--once", "--now", "2026-12-14T10:05+00:00")
    assert real.stdout.splitlines()[:2] == ["published weekly as edition 2", f"  {PARIS}"]


def test_publish_dry_run_writes_nothing(project: Path) -> None:
    write(project, "briefings.yaml", WEEKLY)
    before = listing(project)
    dry = cli("publish", "--project", str(project), "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert dry.stdout.splitlines()[0].startswith("would publish weekly as edition 1 (")
    assert dry.stdout.splitlines()[-1] == "Dry run, nothing written: 1 would be published, 0 unchanged, 0 failed."
    assert listing(project) == before

    assert cli("publish", "--project", str(project)).exit_code == 0
    change_a_fact(project)
    before = listing(project)
    dry = cli("publish", "--project", str(project), "--dry-run", "--now", "2026-12-14T10:00")
    assert dry.exit_code == 0, dry.output
    assert dry.stderr.splitlines()[0] == "briefings: --now is for testing: publishing as if it were " \
                                         "2026-12-14T10:00:00+00:00"
    assert dry.stdout.splitlines()[:2] == ["would publish weekly as edition 2 (14 December 2026)", f"    {PARIS}"]
    assert listing(project) == before
    unchanged = cli("publish", "--project", str(project), "--dry-run", "--only", "weekly")
    assert unchanged.exit_code == 0


def test_dry_run_goes_with_once(project: Path) -> None:
    write(project, "briefings.yaml", WEEKLY)
    result = cli("schedule", "--project", str(project), "--dry-run")
    assert result.exit_code == 2 and "--dry-run goes with --once" in result.stderr


# -- catching up -------------------------------------------------------------------------------------------


def test_two_missed_mondays_publish_once_dated_at_the_latest_slot(project: Path) -> None:
    write(project, "briefings.yaml", WEEKLY)
    first = cli("schedule", "--project", str(project), "--once", "--now", "2026-12-07T10:05+00:00")
    assert first.exit_code == 0, first.output
    change_a_fact(project)

    # The server was down on the 14th and the 21st; it runs again on Tuesday the 22nd.
    late = cli("schedule", "--project", str(project), "--once", "--now", "2026-12-22T10:00+00:00")
    assert late.exit_code == 0, late.output
    lines = late.stdout.splitlines()
    assert lines[0] == ("weekly: 2 slots missed (2026-12-14T10:00+00:00, 2026-12-21T10:00+00:00): "
                        "publishing once, for the latest")
    assert lines[1] == "published weekly as edition 2"
    # The edition stands for the 21st, and is dated so; the run log says when it actually ran.
    assert (project / "output/editions/weekly/weekly-edition-0002-2026-12-21.md").is_file()
    assert not list((project / "output/editions/weekly").glob("*2026-12-22*"))
    last = runs(project)[-1]
    assert (last["time"], last["slot"], last["edition"]) == ("2026-12-22T10:00:00+00:00",
                                                             "2026-12-21T10:00:00+00:00", 2)
    assert read_state(project)[0] == {"weekly": at("2026-12-21T10:00+00:00")}


def test_an_edition_is_never_dated_before_the_one_it_follows(project: Path) -> None:
    write(project, "briefings.yaml", WEEKLY)
    assert cli("schedule", "--project", str(project), "--once", "--now", "2026-12-07T10:05+00:00").exit_code == 0
    change_a_fact(project)
    # Published by hand on the 22nd; then a catch-up for the 21st, with another change.
    assert cli("publish", "--project", str(project), "--now", "2026-12-22T09:00").exit_code == 0
    path = project / TOPIC
    path.write_text(path.read_text().replace("held talks in Paris", "held talks in Rome"))
    late = cli("schedule", "--project", str(project), "--once", "--now", "2026-12-22T10:00+00:00")
    assert late.exit_code == 0, late.output
    assert sorted(p.name for p in (project / "output/editions/weekly").glob("*.md")) == [
        "weekly-edition-0001-2026-12-07.md", "weekly-edition-0002-2026-12-22.md",
        "weekly-edition-0003-2026-12-22.md"]


def test_a_run_on_time_names_no_missed_slot(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(project, "briefings.yaml", WEEKLY)
    write_state(project, {"weekly": at("2026-12-07T10:00+00:00")})
    fake = FakePublish()
    monkeypatch.setattr("briefings.build.publish.publish", fake)
    result = cli("schedule", "--project", str(project), "--once", "--now", "2026-12-14T10:40+00:00")
    assert result.stdout.splitlines()[0] == "published weekly as edition 1"
    assert fake.calls[0]["edition_dates"] == {"weekly": datetime.date(2026, 12, 14)}


def test_the_slot_is_dated_in_the_projects_zone(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(project, "briefings.yaml", WEEKLY.replace("timezone: UTC", "timezone: Pacific/Auckland")
          .replace('"0 10 * * 1"', '"30 0 * * 2"'))
    fake = FakePublish()
    monkeypatch.setattr("briefings.build.publish.publish", fake)
    # 00:30 on Tuesday in Auckland is Monday in UTC: the edition is Tuesday's.
    result = cli("schedule", "--project", str(project), "--once", "--now", "2026-12-14T11:40+00:00")
    assert result.exit_code == 0, result.output
    assert fake.calls[0]["edition_dates"] == {"weekly": datetime.date(2026, 12, 15)}


def test_catch_up_none_skips_missed_slots_and_waits_for_the_next(project: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    write(project, "briefings.yaml", NONE)
    write_state(project, {"weekly": at("2026-12-07T10:00+00:00")})
    fake = FakePublish()
    monkeypatch.setattr("briefings.build.publish.publish", fake)

    late = cli("schedule", "--project", str(project), "--once", "--now", "2026-12-22T10:00+00:00")
    assert late.exit_code == 0, late.output
    assert late.stdout.splitlines() == [
        "weekly: 2 slots missed (2026-12-14T10:00+00:00, 2026-12-21T10:00+00:00): skipped (catch_up: none), "
        "waiting for the next; next at 2026-12-28T10:00+00:00",
        "Nothing is due at 2026-12-22T10:00+00:00."]
    assert fake.calls == [] and not (project / RUNS).exists()
    assert read_state(project)[0] == {"weekly": at("2026-12-21T10:00+00:00")}  # skipped: counted as run
    again = cli("schedule", "--project", str(project), "--once", "--now", "2026-12-22T11:00+00:00")
    assert again.stdout == "Nothing is due at 2026-12-22T11:00+00:00.\n"

    # On time (within the hour) for the next one: published, the earlier one it missed named.
    write_state(project, {"weekly": at("2026-12-14T10:00+00:00")})
    on_time = cli("schedule", "--project", str(project), "--once", "--now", "2026-12-28T10:20+00:00")
    assert on_time.stdout.splitlines()[:2] == [
        "weekly: 1 slot missed (2026-12-21T10:00+00:00): skipped (catch_up: none); publishing for "
        "2026-12-28T10:00+00:00",
        "published weekly as edition 1"]
    assert fake.calls[0]["edition_dates"] == {"weekly": datetime.date(2026, 12, 28)}


def test_catch_up_must_be_latest_or_none(project: Path) -> None:
    write(project, "briefings.yaml", WEEKLY.replace("timezone: UTC\n", "timezone: UTC\n    catch_up: sometimes\n"))
    result = cli("check", "--project", str(project))
    assert result.exit_code == 1
    assert any(line.startswith("briefings.yaml:3:") and "catch_up" in line and "latest" in line
               for line in result.stderr.splitlines()), result.stderr


def test_many_missed_slots_are_counted_and_named_in_bounded_form(project: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    write(project, "briefings.yaml", WEEKLY.replace('"0 10 * * 1"', '"0 * * * *"'))
    write_state(project, {"weekly": at("2026-12-01T00:00+00:00")})
    monkeypatch.setattr("briefings.build.publish.publish", FakePublish())
    result = cli("schedule", "--project", str(project), "--once", "--now", "2026-12-22T10:00+00:00")
    first = result.stdout.splitlines()[0]
    assert first.startswith("weekly: more than 100 slots missed (2026-12-01T01:00+00:00, 2026-12-01T02:00+00:00, "
                            "2026-12-01T03:00+00:00, …, ")
    assert first.endswith("): publishing once, for 2026-12-22T10:00+00:00")


def run_scheduler_until(project: Path, done: Callable[[FakePublish], bool]
                        ) -> tuple[Scheduler, FakePublish, list[str]]:
    """A scheduler started at 2026-12-22T10:00 UTC, run until ``done`` (at most 20 s), then stopped."""
    fake, lines = FakePublish(), []
    scheduler = Scheduler(project, publish=fake, clock=lambda: at("2026-12-22T10:00+00:00"), echo=lines.append,
                          echo_error=lambda line: lines.append("ERR " + line))
    scheduler.load()
    scheduler.start()
    try:
        deadline = datetime.datetime.now() + datetime.timedelta(seconds=20)
        while not done(fake) and datetime.datetime.now() < deadline:
            os.sched_yield()
    finally:
        scheduler.stop()
    return scheduler, fake, lines


def test_the_scheduler_catches_up_at_start_under_the_same_policy(project: Path) -> None:
    write(project, "briefings.yaml", WEEKLY)
    write_state(project, {"weekly": at("2026-12-07T10:00+00:00")})
    scheduler, fake, lines = run_scheduler_until(project, lambda fake: bool(fake.calls))
    assert fake.published == [["weekly"]], lines
    assert fake.calls[0]["edition_dates"] == {"weekly": datetime.date(2026, 12, 21)}
    assert lines[0] == ("2026-12-22T10:00:00+00:00 weekly: 2 slots missed (2026-12-14T10:00+00:00, "
                        "2026-12-21T10:00+00:00): publishing once, for the latest")
    assert json.loads((project / RUNS).read_text())["slot"] == "2026-12-21T10:00:00+00:00"

    # catch_up: none: the scheduler skips them too, records them as run, and waits for the next.
    write(project, "briefings.yaml", NONE)
    write_state(project, {"weekly": at("2026-12-07T10:00+00:00")})
    scheduler, fake, lines = run_scheduler_until(
        project, lambda fake: read_state(project)[0]["weekly"] >= at("2026-12-21T10:00+00:00"))
    assert fake.calls == []
    assert lines == ["2026-12-22T10:00:00+00:00 weekly: 2 slots missed (2026-12-14T10:00+00:00, "
                     "2026-12-21T10:00+00:00): skipped (catch_up: none), waiting for the next; "
                     "next at 2026-12-28T10:00+00:00"]
    assert [when.isoformat() for when, _ in scheduler.next_run_times()] == ["2026-12-28T10:00:00+00:00"]


def test_a_scheduler_started_for_a_briefing_that_never_ran_waits_for_its_time(project: Path) -> None:
    write(project, "briefings.yaml", WEEKLY)
    scheduler = Scheduler(project, publish=FakePublish(), clock=lambda: at("2026-12-22T10:00+00:00"))
    scheduler.load()
    scheduler.start()
    scheduler.stop()
    assert not (project / RUNS).exists()
