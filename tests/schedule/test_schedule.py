"""Scheduled publishing: what is due when, --once, --list, the run log and state, and the long-running scheduler.

The clock is always injected (``--now``, ``now=``, ``clock=``) and publish is a fake, except in the one
end-to-end test that runs once the real :func:`briefings.build.publish.publish` exists.
"""

from __future__ import annotations

import datetime
import inspect
import json
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner, Result

from briefings.build import publish as publishing
from briefings.build.publish import PublishReport, PublishResult
from briefings.cli import main
from briefings.cli.options import NOW_YEARS
from briefings.errors import Problem, ProblemsFound
from briefings.lock import BuildLock, project_lock
from briefings.schedule import runner as scheduling
from briefings.schedule.scheduler import Scheduler
from briefings.schedule.state import FIRST_YEAR, LAST_YEAR, RunRecord, read_run_log, read_state, write_state
from tests.conftest import FAKE_SITECUSTOMIZE, write

UTC = datetime.UTC
LONDON = ZoneInfo("Europe/London")
STATE = "output/editions/schedule-state.json"
RUNS = "output/editions/runs.jsonl"

SEVERAL = """\
    timezone: UTC
    briefings:
      daily:
        title: Daily note
        topics: [test-topic]
        schedule: "0 6 * * *"
      weekly:
        title: Weekly round-up
        topics: [test-topic]
        schedule: "0 6 * * 1"
      monthly:
        title: Monthly review
        topics: [test-topic]
        schedule: "0 0 1 * *"
      hourly:
        title: Hourly flash
        topics: [test-topic]
        schedule: "0 * * * *"
      by-hand:
        title: Published by hand
        topics: [test-topic]
    """


class FakePublish:
    """Stands in for briefings.build.publish.publish: records each call, publishes (or fails, or raises) as told."""

    def __init__(self, *, fail: Sequence[str] = (), unchanged: Sequence[str] = (),
                 raises: BaseException | None = None) -> None:
        self.calls: list[dict[str, object]] = []
        self.fail = set(fail)
        self.unchanged = set(unchanged)
        self.raises = raises
        self.editions: dict[str, int] = {}

    def __call__(self, root: Path, *, only: Sequence[str] = (), now: datetime.datetime | None = None,
                 wait: float = 300.0, jobs: int | None = None, lock: BuildLock | None = None,
                 edition_dates: dict[str, datetime.date] | None = None, dry_run: bool = False) -> PublishReport:
        # A scheduled run decides what is due under the project's lock, and hands it over (held); a dry run
        # takes no lock.
        assert dry_run or (lock is not None and lock.held)
        self.calls.append({"root": root, "only": list(only), "now": now, "edition_dates": edition_dates,
                           "dry_run": dry_run})
        if self.raises is not None:
            raise self.raises
        results = []
        for briefing_id in only:
            if briefing_id in self.fail:
                results.append(PublishResult(briefing_id, "failed", problems=[
                    Problem("templates/briefing.md.j2", 3, f"'x' is undefined while rendering {briefing_id}")],
                    seconds=0.5))
            elif briefing_id in self.unchanged:
                results.append(PublishResult(briefing_id, "unchanged", edition=self.editions.get(briefing_id)))
            else:
                self.editions[briefing_id] = self.editions.get(briefing_id, 0) + 1
                results.append(PublishResult(briefing_id, "published", edition=self.editions[briefing_id],
                                             edition_date=(edition_dates or {}).get(briefing_id) or (
                                                 now or datetime.datetime.now(UTC)).date(),
                                             summary=["1 fact added"], seconds=0.25))
        return PublishReport(results=results)

    @property
    def published(self) -> list[list[object]]:
        return [call["only"] for call in self.calls]  # type: ignore[misc]


def at(text: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(text)


def once(root: Path, when: str, fake: FakePublish) -> scheduling.OnceReport:
    return scheduling.run_once(root, now=at(when), publish=fake)


def problems(result: Result) -> list[str]:
    """The lines of standard error after the one saying that --now is for testing (which comes first)."""
    lines = result.stderr.splitlines()
    assert lines and lines[0].startswith("briefings: --now is for testing: acting as if it were "), lines
    return lines[1:]


def runs(root: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in (root / RUNS).read_text().splitlines()]


def invoke(monkeypatch: pytest.MonkeyPatch, fake: FakePublish | None, *args: str) -> Result:
    if fake is not None:
        monkeypatch.setattr(publishing, "publish", fake)
    return CliRunner().invoke(main, ["schedule", *args])


# -- --once ------------------------------------------------------------------------------------------------


def test_once_publishes_exactly_what_is_due(project: Path) -> None:
    write(project, "briefings.yaml", SEVERAL)
    fake = FakePublish()

    # Never run: every scheduled briefing is due once, at its most recent time, in ONE publish call.
    report = once(project, "2026-03-02T06:30:00+00:00", fake)  # a Monday
    assert fake.published == [["daily", "weekly", "monthly", "hourly"]]
    assert {due.briefing_id: due.scheduled.isoformat() for due in report.due} == {
        "daily": "2026-03-02T06:00:00+00:00", "weekly": "2026-03-02T06:00:00+00:00",
        "monthly": "2026-03-01T00:00:00+00:00", "hourly": "2026-03-02T06:00:00+00:00"}
    assert fake.calls[0]["now"] == at("2026-03-02T06:30:00+00:00")

    # The same instant again: nothing twice.
    report = once(project, "2026-03-02T06:30:00+00:00", fake)
    assert report.due == [] and len(fake.calls) == 1

    # Later instants make the next ones due.
    once(project, "2026-03-02T07:00:00+00:00", fake)
    once(project, "2026-03-03T06:05:00+00:00", fake)
    once(project, "2026-03-09T06:00:00+00:00", fake)
    once(project, "2026-04-01T00:00:00+00:00", fake)
    assert fake.published[1:] == [["hourly"], ["daily", "hourly"], ["daily", "weekly", "hourly"],
                                  ["daily", "weekly", "monthly", "hourly"]]  # 1 April 2026 is a Wednesday
    state = json.loads((project / STATE).read_text())
    assert state["briefings"]["weekly"] == {"last_run": "2026-03-30T06:00:00+00:00", "schedule": "0 6 * * 1"}
    assert "by-hand" not in state["briefings"]
    assert [(r["briefing"], r["outcome"], r["edition"]) for r in runs(project)][:4] == [
        ("daily", "published", 1), ("weekly", "published", 1), ("monthly", "published", 1),
        ("hourly", "published", 1)]
    first = runs(project)[0]
    assert set(first) == {"time", "briefing", "outcome", "edition", "problems", "seconds", "slot"}
    assert first["time"] == "2026-03-02T06:30:00+00:00" and first["problems"] == [] and first["seconds"] == 0.25
    assert first["slot"] == "2026-03-02T06:00:00+00:00"


def test_once_across_the_spring_change(project: Path) -> None:
    write(project, "briefings.yaml", """\
        timezone: Europe/London
        briefings:
          night:
            title: Night note
            topics: [test-topic]
            schedule: "30 1 * * *"
        """)
    write(project, STATE, json.dumps({"version": 1, "briefings": {"night": {"last_run": "2026-03-28T01:30:00+00:00"}}}))
    fake = FakePublish()
    # 01:30 does not exist on 29 March: it is due right after the change, at 02:00 BST (as in Debian cron).
    assert once(project, "2026-03-29T00:59:00+00:00", fake).due == []
    assert [d.scheduled.isoformat() for d in once(project, "2026-03-29T02:00:00+01:00", fake).due] == [
        "2026-03-29T02:00:00+01:00"]
    assert once(project, "2026-03-29T02:30:00+01:00", fake).due == []
    assert once(project, "2026-03-29T23:00:00+01:00", fake).due == []
    assert [d.scheduled.isoformat() for d in once(project, "2026-03-30T01:31:00+01:00", fake).due] == [
        "2026-03-30T01:30:00+01:00"]
    assert fake.published == [["night"], ["night"]]
    assert [r["time"] for r in runs(project)] == ["2026-03-29T02:00:00+01:00", "2026-03-30T01:31:00+01:00"]


def test_once_across_the_autumn_change_runs_once_that_day(project: Path) -> None:
    write(project, "briefings.yaml", """\
        timezone: Europe/London
        briefings:
          night:
            title: Night note
            topics: [test-topic]
            schedule: "30 1 * * *"
        """)
    write(project, STATE, json.dumps({"version": 1, "briefings": {"night": {"last_run": "2026-10-24T01:30:00+01:00"}}}))
    fake = FakePublish()
    assert [d.scheduled.isoformat() for d in once(project, "2026-10-25T01:30:00+01:00", fake).due] == [
        "2026-10-25T01:30:00+01:00"]
    # 01:30 again, an hour later (now GMT): not a second run.
    assert once(project, "2026-10-25T01:30:00+00:00", fake).due == []
    assert once(project, "2026-10-25T02:00:00+00:00", fake).due == []
    assert len(once(project, "2026-10-26T01:30:00+00:00", fake).due) == 1
    assert fake.published == [["night"], ["night"]]


def test_once_from_the_command_line(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(project, "briefings.yaml", SEVERAL)
    fake = FakePublish(unchanged=["monthly"])

    result = invoke(monkeypatch, fake, "--project", str(project), "--once", "--now", "2026-03-02T06:30+00:00")

    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "published daily as edition 1", "  1 fact added",
        "published weekly as edition 1", "  1 fact added",
        "unchanged monthly",
        "published hourly as edition 1", "  1 fact added",
        result.stdout.splitlines()[-1]]
    assert result.stdout.splitlines()[-1].startswith(
        "4 briefing(s) due at 2026-03-02T06:30+00:00: 3 published, 1 unchanged, 0 failed; ")
    # A time without an offset is in the project's zone; nothing more is due.
    result = invoke(monkeypatch, fake, "--project", str(project), "--once", "--now", "2026-03-02T06:45")
    assert result.exit_code == 0 and result.stdout == "Nothing is due at 2026-03-02T06:45+00:00.\n"
    assert len(fake.calls) == 1


def test_a_failing_briefing_does_not_stop_the_others_and_exits_1(project: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    write(project, "briefings.yaml", SEVERAL)
    fake = FakePublish(fail=["weekly"])

    result = invoke(monkeypatch, fake, "--project", str(project), "--once", "--now", "2026-03-02T06:30+00:00")

    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert "failed weekly" in result.stdout and "published daily as edition 1" in result.stdout
    assert "templates/briefing.md.j2:3: 'x' is undefined while rendering weekly" in result.stderr
    logged = {r["briefing"]: r for r in runs(project)}
    assert logged["weekly"]["outcome"] == "failed" and logged["weekly"]["edition"] is None
    assert logged["weekly"]["problems"] == ["templates/briefing.md.j2:3: 'x' is undefined while rendering weekly"]
    assert logged["hourly"]["outcome"] == "published"
    # The failed scheduled run counts as run: it is not retried until its next time.
    assert invoke(monkeypatch, fake, "--project", str(project), "--once", "--now",
                  "2026-03-02T06:40+00:00").exit_code == 0
    assert len(fake.calls) == 1


def test_when_publish_cannot_start_nothing_advances(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(project, "briefings.yaml", SEVERAL)
    locked = ProblemsFound([Problem("output/.briefings/lock", None, "another build of this project is running")])
    result = invoke(monkeypatch, FakePublish(raises=locked), "--project", str(project), "--once",
                    "--now", "2026-03-02T06:30+00:00")
    assert result.exit_code == 1
    assert "output/.briefings/lock: another build of this project is running" in result.stderr
    assert {r["outcome"] for r in runs(project)} == {"failed"}
    assert not (project / STATE).exists()
    fake = FakePublish()
    assert invoke(monkeypatch, fake, "--project", str(project), "--once", "--now",
                  "2026-03-02T06:31+00:00").exit_code == 0
    assert fake.published == [["daily", "weekly", "monthly", "hourly"]]


# -- --list ------------------------------------------------------------------------------------------------


def test_list_shows_the_next_three_times_in_the_zone(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(project, "briefings.yaml", """\
        timezone: Europe/London
        briefings:
          night:
            title: Night note
            topics: [test-topic]
            schedule: "30 1 * * *"
          leap:
            title: Leap day
            topics: [test-topic]
            schedule: "0 0 29 2 *"
          by-hand:
            title: By hand
            topics: [test-topic]
        """)
    result = invoke(monkeypatch, None, "--project", str(project), "--list", "--now", "2026-03-28T12:00")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "Times in Europe/London, after 2026-03-28T12:00+00:00:",
        'night: "30 1 * * *"; next: 2026-03-29T02:00+01:00, 2026-03-30T01:30+01:00, 2026-03-31T01:30+01:00',
        'leap: "0 0 29 2 *"; next: 2028-02-29T00:00+00:00, 2032-02-29T00:00+00:00, 2036-02-29T00:00+00:00',
        "by-hand: not scheduled",
    ]


def test_list_without_briefings_key_lists_topics_as_not_scheduled(project: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    result = invoke(monkeypatch, None, "--project", str(project), "--list")
    assert result.exit_code == 0 and result.stdout.splitlines()[1:] == ["test-topic: not scheduled"]


def test_usage_errors(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert invoke(monkeypatch, None, "--project", str(project), "--now", "2026-01-01").exit_code == 2
    assert invoke(monkeypatch, None, "--project", str(project), "--once", "--list").exit_code == 2
    result = invoke(monkeypatch, None, "--project", str(project), "--once", "--now", "tuesday")
    assert result.exit_code == 2 and "is not an ISO 8601 date and time" in result.output


# Times at the far ends of the calendar once overflowed (exit 70) while the project's zone was applied.
OUT_OF_RANGE = ["0001-01-01T00:00:00+00:00", "0001-01-01T00:00", "9999-12-31T23:59:59+00:00", "9999-12-31T23:59",
                "1969-12-31T23:59+00:00", "3000-01-01T00:00-14:00"]
FAR_ZONES = """\
    timezone: {zone}
    briefings:
      daily:
        title: Daily note
        topics: [test-topic]
        schedule: "0 6 * * *"
    """


@pytest.mark.parametrize("when", OUT_OF_RANGE)
@pytest.mark.parametrize("mode", ["--once", "--list"])
def test_now_out_of_range_is_a_usage_error(project: Path, monkeypatch: pytest.MonkeyPatch, mode: str,
                                           when: str) -> None:
    write(project, "briefings.yaml", FAR_ZONES.format(zone="Pacific/Kiritimati"))
    fake = FakePublish()
    result = invoke(monkeypatch, fake, "--project", str(project), mode, "--now", when)
    assert result.exit_code == 2, result.output
    assert result.stderr.splitlines()[-1] == (f"Error: Invalid value for '--now': '{when}' is out of range: "
                                              "give a date in the years 1970 to 2999")
    assert fake.calls == [] and not (project / "output").exists()


@pytest.mark.parametrize("when", ["0001-01-01", "9999-12-31T23:59:59", "1969-12-31T23:59", "3000-01-01"])
def test_publish_now_out_of_range_is_a_usage_error(project: Path, when: str) -> None:
    result = CliRunner().invoke(main, ["publish", "--project", str(project), "--now", when])
    assert result.exit_code == 2, result.output
    assert "is out of range: give a date in the years 1970 to 2999" in result.stderr.splitlines()[-1]
    assert not (project / "output").exists()


@pytest.mark.parametrize("zone", ["Pacific/Kiritimati", "Etc/GMT+12", "UTC"])
@pytest.mark.parametrize("when", ["1970-01-01T00:00", "1970-01-01T00:00+14:00", "2999-12-31T23:59",
                                  "2999-12-31T23:59:59.999999-23:59"])
def test_now_at_the_ends_of_the_range_in_far_zones(project: Path, monkeypatch: pytest.MonkeyPatch, zone: str,
                                                   when: str) -> None:
    write(project, "briefings.yaml", FAR_ZONES.format(zone=zone))
    listed = invoke(monkeypatch, None, "--project", str(project), "--list", "--now", when)
    assert listed.exit_code == 0, listed.output
    assert "daily: \"0 6 * * *\"; next: " in listed.stdout and "never" not in listed.stdout
    ran = invoke(monkeypatch, FakePublish(), "--project", str(project), "--once", "--now", when)
    assert ran.exit_code == 0, ran.output


def test_the_years_now_takes_are_the_schedulers_and_in_the_help() -> None:
    assert NOW_YEARS == (FIRST_YEAR, LAST_YEAR)
    shown = " ".join(CliRunner().invoke(main, ["schedule", "--help"]).output.split())
    assert "in the years 1970 to 2999" in shown


# -- check: schedules and the time zone at their lines ----------------------------------------------------


def test_invalid_schedule_and_time_zone_are_located(project: Path) -> None:
    text = write(project, "briefings.yaml", """\
        timezone: Europe/Lundon
        briefings:
          weekly:
            title: Weekly
            topics: [test-topic]
            schedule: "0 6 * * 8"
          never:
            title: Never
            topics: [test-topic]
            schedule: "0 0 31 2 *"
        """).read_text()
    result = CliRunner().invoke(main, ["check", "--project", str(project)])
    assert result.exit_code == 1
    lines = text.splitlines()

    def line(needle: str) -> int:
        return next(n for n, content in enumerate(lines, 1) if needle in content)

    assert result.stderr.splitlines() == [
        f"briefings.yaml:{line('Lundon')}: timezone 'Europe/Lundon' is not a known IANA time zone "
        "(did you mean 'Europe/London'?) (e.g. 'Europe/London' or 'UTC')",
        f"briefings.yaml:{line('* * 8')}: schedule '0 6 * * 8' is not a valid cron expression (e.g. \"0 6 * * 1-5\")",
        # No 31 February: cronsim (so the scheduler) refuses a day of the month that no listed month has.
        f"briefings.yaml:{line('31 2')}: schedule '0 0 31 2 *' is not a valid cron expression (e.g. \"0 6 * * 1-5\")",
        "check failed: 3 errors.",
    ]


def test_a_valid_zone_and_schedule_pass_check(project: Path) -> None:
    write(project, "briefings.yaml", """\
        timezone: America/New_York
        briefings:
          weekly:
            title: Weekly
            topics: [test-topic]
            schedule: "0 6 * * mon-fri"
          monthly:
            title: Monthly
            topics: [test-topic]
            schedule: "0 6 1 * 1"
        """)
    # Both day fields restricted: standard cron runs it on the 1st and on every Monday.
    result = CliRunner().invoke(main, ["check", "--project", str(project)])
    assert result.exit_code == 0, result.output


# -- hostile state, run log and output ---------------------------------------------------------------------


def test_a_corrupt_state_file_is_started_afresh(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(project, "briefings.yaml", SEVERAL)
    write(project, STATE, b"\x00{not json")
    fake = FakePublish()
    result = invoke(monkeypatch, fake, "--project", str(project), "--once", "--now", "2026-03-02T06:30+00:00")
    assert result.exit_code == 0
    assert "briefings: output/editions/schedule-state.json is not valid JSON: ignored" in result.stderr
    assert fake.published == [["daily", "weekly", "monthly", "hourly"]]
    assert set(json.loads((project / STATE).read_text())["briefings"]) == {"daily", "weekly", "monthly", "hourly"}
    # Damaged entries (wrong types, naive or unparsable times) are ignored one by one.
    write(project, STATE, json.dumps({"briefings": {"daily": {"last_run": "2026-03-02T06:00:00+00:00"},
                                                   "weekly": {"last_run": "yesterday"}, "monthly": 7,
                                                   "hourly": {"last_run": "2026-03-02T06:00:00"}}}))
    state, notice = read_state(project)
    assert list(state) == ["daily"] and notice is not None and "3 damaged entries" in notice
    # Not a mapping at all.
    write(project, STATE, "[1, 2]")
    assert read_state(project)[0] == {}


def test_state_entries_out_of_range_are_damaged(project: Path) -> None:
    # One far in the future would otherwise keep its briefing from ever being due again.
    write(project, "briefings.yaml", SEVERAL)
    write(project, STATE, json.dumps({"briefings": {"daily": {"last_run": "9999-12-31T23:59:59-23:59"},
                                                   "weekly": {"last_run": "0001-01-01T00:00:00+00:00"},
                                                   "hourly": {"last_run": "2026-03-02T06:00:00+00:00"}}}))
    state, notice = read_state(project)
    assert list(state) == ["hourly"] and notice is not None and "2 damaged entries" in notice
    fake = FakePublish()
    assert [due.briefing_id for due in once(project, "2026-03-02T06:30:00+00:00", fake).due] == [
        "daily", "weekly", "monthly"]


@pytest.mark.parametrize("name", [STATE, RUNS])
def test_a_state_file_or_run_log_linking_out_of_the_project_is_refused(project: Path, tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch,
                                                                          name: str) -> None:
    write(project, "briefings.yaml", SEVERAL)
    outside = tmp_path / "outside.txt"
    outside.write_text("precious\n")
    (project / "output/editions").mkdir(parents=True)
    (project / name).symlink_to(outside)
    fake = FakePublish()
    result = invoke(monkeypatch, fake, "--project", str(project), "--once", "--now", "2026-03-02T06:30+00:00")
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert problems(result)[0].startswith(f"{name}: ")
    assert fake.calls == [] and outside.read_text() == "precious\n"


def test_output_outside_the_project_is_refused(project: Path, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    write(project, "briefings.yaml", SEVERAL)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (project / "output").symlink_to(elsewhere)
    fake = FakePublish()
    result = invoke(monkeypatch, fake, "--project", str(project), "--once", "--now", "2026-03-02T06:30+00:00")
    assert result.exit_code == 1
    assert problems(result)[0].startswith("output: is a symbolic link to a directory outside the project")
    assert fake.calls == [] and list(elsewhere.iterdir()) == []


def test_a_fifo_as_run_log_is_refused_without_blocking(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(project, "briefings.yaml", SEVERAL)
    (project / "output/editions").mkdir(parents=True)
    os.mkfifo(project / RUNS)
    result = invoke(monkeypatch, FakePublish(), "--project", str(project), "--once", "--now",
                    "2026-03-02T06:30+00:00")
    assert result.exit_code == 1
    assert problems(result)[0].startswith(f"{RUNS}: cannot append to the run log: it is not a regular file")


def test_the_run_log_reader_skips_damaged_lines(project: Path) -> None:
    good = RunRecord(at("2026-03-02T06:30:00+00:00"), "daily", "published", 3, (), 1.5)
    write(project, RUNS, "\n".join([good.to_json(), "{oops", "[]", json.dumps({"time": "x"}),
                                    json.dumps({**json.loads(good.to_json()), "outcome": "exploded"}),
                                    good.to_json()]) + "\n")
    records, skipped = read_run_log(project)
    assert records == [good, good] and skipped == 4
    # Only the tail is read from a large log; its cut first line is dropped, not counted.
    records, skipped = read_run_log(project, tail_bytes=len(good.to_json()) + 5)
    assert records == [good] and skipped == 0


def test_many_briefings_are_handled_in_bounded_time(project: Path) -> None:
    entries = "".join(f"  b{index}:\n    title: B {index}\n    topics: [test-topic]\n"
                      f"    schedule: \"{index % 60} {index % 24} * * *\"\n" for index in range(3000))
    write(project, "briefings.yaml", "briefings:\n" + entries)
    fake = FakePublish()
    started = time.monotonic()
    report = once(project, "2026-03-02T06:30:00+00:00", fake)
    assert len(report.due) == 3000 and len(fake.calls) == 1
    assert once(project, "2026-03-02T06:30:00+00:00", fake).due == []
    assert time.monotonic() - started < 30


# -- overlapping runs: one at a time, under the build lock ------------------------------------------------


def test_a_run_that_waited_for_the_lock_finds_the_time_already_run(project: Path) -> None:
    write(project, "briefings.yaml", SEVERAL)
    fake, waiting, outcome = FakePublish(), threading.Event(), {}

    def run() -> None:
        try:
            outcome["report"] = scheduling.run_once(project, now=at("2026-03-02T06:30:00+00:00"), publish=fake,
                                                    wait=30, on_wait=waiting.set)
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            outcome["error"] = error

    thread = threading.Thread(target=run)
    with project_lock(project):  # another run holds the lock ...
        thread.start()
        assert waiting.wait(30)
        # ... and, before letting go, records that it made this morning's runs.
        write_state(project, {"daily": at("2026-03-02T06:00:00+00:00"),
                                         "weekly": at("2026-03-02T06:00:00+00:00"),
                                         "monthly": at("2026-03-01T00:00:00+00:00"),
                                         "hourly": at("2026-03-02T06:00:00+00:00")})
    thread.join(30)
    assert not thread.is_alive() and "error" not in outcome, outcome
    assert outcome["report"].due == [] and fake.calls == [] and not (project / RUNS).exists()


def test_a_run_that_cannot_take_the_lock_writes_nothing(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(project, "briefings.yaml", SEVERAL)
    fake = FakePublish()
    with project_lock(project):
        result = invoke(monkeypatch, fake, "--project", str(project), "--once", "--now", "2026-03-02T06:30+00:00",
                        "--wait", "0")
    assert result.exit_code == 1
    assert problems(result)[0] == ("output/.briefings/lock: another build of this project is running; "
                                             "try again later or raise --wait")
    assert fake.calls == [] and not (project / RUNS).exists() and not (project / STATE).exists()


def test_a_run_with_nothing_due_neither_waits_nor_creates_output(project: Path) -> None:
    write(project, "briefings.yaml", SEVERAL)
    fake = FakePublish()
    assert once(project, "2026-03-02T00:00:00+00:00", FakePublish()).due  # a first pass makes them all
    with project_lock(project):  # a long build in progress: nothing due, so no reason to wait for it
        report = scheduling.run_once(project, now=at("2026-03-02T00:30:00+00:00"), publish=fake, wait=0)
    assert report.due == [] and fake.calls == []
    fresh = project.parent / "fresh"
    write(fresh, "sources/references.yaml", (project / "sources/references.yaml").read_text())
    write(fresh, "sources/topics/test-topic.yaml", (project / "sources/topics/test-topic.yaml").read_text())
    assert scheduling.run_once(fresh, now=at("2026-03-02T00:30:00+00:00"), publish=fake).due == []
    assert not (fresh / "output").exists()


#: Runs in each ``schedule --once`` process of the test below: its first read of the schedule state waits at a
#: barrier (the test, over loopback) until both processes have read it, the widest window two overlapping
#: runs can have. It is the first read, made before the lock is taken, so the barrier cannot deadlock.
BARRIER_SITECUSTOMIZE = '''
import os, socket
from briefings.schedule import runner as scheduling

_read_state = scheduling.read_state
_first = [True]

def read_state(root):
    result = _read_state(root)
    if _first:
        _first.clear()
        with socket.create_connection(("127.0.0.1", int(os.environ["BARRIER_PORT"])), timeout=60) as barrier:
            barrier.sendall(b"read\\n")
            barrier.recv(1)
    return result

scheduling.read_state = read_state
'''


def test_two_overlapping_once_processes_make_a_scheduled_time_once(project: Path, tmp_path: Path) -> None:
    write(project, "briefings.yaml", """\
        formats: [md]
        briefings:
          weekly:
            title: Weekly round-up
            topics: [test-topic]
            schedule: "0 6 * * 1"
        """)
    site = tmp_path / "barrier-site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(BARRIER_SITECUSTOMIZE)
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(60)
    env = {**os.environ, "PYTHONPATH": str(site), "BARRIER_PORT": str(server.getsockname()[1])}
    briefings = str(Path(sys.executable).with_name("briefings"))
    command = [briefings, "schedule", "--project", str(project), "--once", "--now", "2026-03-02T06:30+00:00"]
    processes = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
                 for _ in range(2)]
    try:
        arrived = []
        for _ in processes:
            connection, _ = server.accept()
            connection.settimeout(60)
            assert connection.recv(5) == b"read\n"
            arrived.append(connection)
        for connection in arrived:  # both have read the state: let them go on
            connection.sendall(b"g")
            connection.close()
        outputs = [process.communicate(timeout=120) for process in processes]
    finally:
        server.close()
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.wait()
    assert [process.returncode for process in processes] == [0, 0], outputs
    stdouts = sorted(stdout for stdout, _ in outputs)
    assert stdouts[0] == "Nothing is due at 2026-03-02T06:30+00:00.\n", outputs
    assert stdouts[1].startswith("published weekly as edition 1\n"), outputs
    assert [(r["briefing"], r["outcome"], r["edition"]) for r in runs(project)] == [("weekly", "published", 1)]
    assert sorted(path.name for path in (project / "output/editions/weekly").iterdir()
                  if path.name.startswith("weekly-edition-")) == ["weekly-edition-0001-2026-03-02.json",
                                                                  "weekly-edition-0001-2026-03-02.md"]
    assert json.loads((project / STATE).read_text())["briefings"]["weekly"]["last_run"] == "2026-03-02T06:00:00+00:00"


# -- the long-running scheduler: its job function ----------------------------------------------------------


def make_scheduler(root: Path, fake: object, lines: list[str] | None = None,
                   clock: str = "2026-03-02T06:00:00+00:00") -> Scheduler:
    lines = lines if lines is not None else []
    return Scheduler(root, publish=fake, clock=lambda: at(clock),  # type: ignore[arg-type]
                     echo=lines.append, echo_error=lambda line: lines.append("ERR " + line))


def test_the_scheduler_has_one_job_per_schedule(project: Path) -> None:
    write(project, "briefings.yaml", SEVERAL.replace('"0 0 1 * *"', '"0 6 * * *"'))
    scheduler = make_scheduler(project, FakePublish())
    scheduler.load()
    assert scheduler.job_ids() == {"schedule:0 6 * * *": ("daily", "monthly"), "schedule:0 6 * * 1": ("weekly",),
                                   "schedule:0 * * * *": ("hourly",)}
    assert [(when.isoformat(), ids) for when, ids in scheduler.next_run_times()] == [
        ("2026-03-02T07:00:00+00:00", ("hourly",)), ("2026-03-03T06:00:00+00:00", ("daily", "monthly")),
        ("2026-03-09T06:00:00+00:00", ("weekly",))]


class MovingClock:
    """A clock that runs with real time from ``start``; ``skip`` moves it on at once (a run that takes long)."""

    def __init__(self, start: str) -> None:
        self.start, self.began, self.skipped = at(start), time.monotonic(), datetime.timedelta()

    def __call__(self) -> datetime.datetime:
        return self.start + self.skipped + datetime.timedelta(seconds=time.monotonic() - self.began)

    def skip(self, seconds: float) -> None:
        self.skipped += datetime.timedelta(seconds=seconds)


def test_the_scheduler_runs_a_job_at_its_time_and_a_missed_time_once_late(project: Path) -> None:
    write(project, "briefings.yaml", """\
        briefings:
          minutely:
            title: Every minute
            topics: [test-topic]
            schedule: "* * * * *"
        """)
    clock, calls, second = MovingClock("2026-03-02T06:59:59.6+00:00"), [], threading.Event()

    def long_publish(root: Path, *, only: Sequence[str], now: datetime.datetime, **options: object) -> PublishReport:
        calls.append(now)
        if len(calls) == 1:
            clock.skip(150)  # the first run takes two and a half minutes: 07:01 and 07:02 pass meanwhile
        else:
            second.set()
        return PublishReport([PublishResult(briefing_id, "published", edition=len(calls)) for briefing_id in only])

    lines: list[str] = []
    scheduler = Scheduler(project, publish=long_publish, clock=clock, echo=lines.append,
                          echo_error=lambda line: lines.append("ERR " + line))
    scheduler.start()
    try:
        assert second.wait(20), lines
    finally:
        scheduler.stop()
    assert len(calls) == 2, calls
    assert "2026-03-02T07:00:00" <= calls[0].isoformat() < "2026-03-02T07:00:10"
    assert "2026-03-02T07:02:30" <= calls[1].isoformat() < "2026-03-02T07:02:40"  # once, late, for 07:02
    assert [(r["briefing"], r["edition"]) for r in runs(project)] == [("minutely", 1), ("minutely", 2)]
    state, _ = read_state(project)
    assert state == {"minutely": at("2026-03-02T07:02:00+00:00")}
    assert [when.isoformat() for when, _ in scheduler.next_run_times()] == ["2026-03-02T07:03:00+00:00"]


def test_a_job_publishes_logs_and_records_the_state(project: Path) -> None:
    write(project, "briefings.yaml", SEVERAL)
    fake, lines = FakePublish(fail=["weekly"]), []
    scheduler = make_scheduler(project, fake, lines)
    scheduler.load()
    results = scheduler.run_job("0 6 * * 1", ("weekly", "daily"))
    assert results is not None and [r.outcome for r in results] == ["failed", "published"]
    assert fake.published == [["weekly", "daily"]]
    assert lines[0] == "2026-03-02T06:00:00+00:00 failed weekly: 1 problem (0.5 s)"
    assert "ERR templates/briefing.md.j2:3: 'x' is undefined while rendering weekly" in lines
    assert "2026-03-02T06:00:00+00:00 published daily as edition 1 (0.2 s)" in lines
    assert [(r["briefing"], r["outcome"]) for r in runs(project)] == [("weekly", "failed"), ("daily", "published")]
    state, _ = read_state(project)
    assert state == {"weekly": at("2026-03-02T06:00+00:00"), "daily": at("2026-03-02T06:00+00:00")}


def test_a_job_survives_an_exception_from_publish(project: Path) -> None:
    write(project, "briefings.yaml", SEVERAL)
    lines: list[str] = []
    broken = FakePublish(raises=RuntimeError("disk on fire"))
    scheduler = make_scheduler(project, broken, lines)
    scheduler.load()
    results = scheduler.run_job("0 * * * *", ("hourly",))
    assert results is not None and results[0].outcome == "failed"
    assert runs(project)[0]["problems"] == ["internal error: RuntimeError: disk on fire"]
    assert "ERR internal error: RuntimeError: disk on fire" in lines
    # The scheduler carries on: the next run works.
    scheduler.publish = FakePublish()
    assert [r.outcome for r in scheduler.run_job("0 * * * *", ("hourly",)) or []] == ["published"]


def test_a_job_still_running_is_not_started_twice(project: Path) -> None:
    write(project, "briefings.yaml", SEVERAL)
    release, entered = threading.Event(), threading.Event()
    calls: list[object] = []

    def slow_publish(root: Path, **options: object) -> PublishReport:
        calls.append(options)
        entered.set()
        release.wait(10)
        return PublishReport([PublishResult("hourly", "unchanged", edition=4)])

    lines: list[str] = []
    scheduler = make_scheduler(project, slow_publish, lines)
    scheduler.load()
    first = threading.Thread(target=scheduler.run_job, args=("0 * * * *", ("hourly",)))
    first.start()
    assert entered.wait(10)
    assert scheduler.run_job("0 * * * *", ("hourly",)) is None  # skipped while the first is running
    release.set()
    first.join(10)
    assert len(calls) == 1
    assert "ERR briefings: the run of hourly is still going; this one is skipped" in lines


def test_stopping_waits_for_the_run_in_progress_then_starts_no_other(project: Path) -> None:
    write(project, "briefings.yaml", SEVERAL)
    release, entered = threading.Event(), threading.Event()

    def slow_publish(root: Path, *, only: Sequence[str], **options: object) -> PublishReport:
        entered.set()
        release.wait(10)
        return PublishReport([PublishResult(briefing_id, "published", edition=1) for briefing_id in only])

    scheduler = Scheduler(project, publish=slow_publish, clock=MovingClock("2026-03-02T06:59:59.7+00:00"))
    scheduler.start()  # the hourly job's 07:00 comes in a moment
    assert entered.wait(10)
    stopper = threading.Thread(target=scheduler.stop)
    stopper.start()
    stopper.join(0.3)
    assert stopper.is_alive()  # waiting for the run
    release.set()
    stopper.join(10)
    assert not stopper.is_alive()
    assert [r["briefing"] for r in runs(project)] == ["hourly"]
    assert scheduler.run_job("0 6 * * *", ("daily",)) is None  # stopped: no new run


def test_the_scheduler_does_not_repeat_a_time_a_once_run_made(project: Path) -> None:
    write(project, "briefings.yaml", SEVERAL.replace('"0 0 1 * *"', '"0 6 * * *"'))
    once(project, "2026-03-02T06:00:30+00:00", FakePublish())  # the cron pass ran 06:00 first
    fake, lines = FakePublish(), []
    scheduler = make_scheduler(project, fake, lines, clock="2026-03-02T06:00:00+00:00")
    scheduler.load()
    assert scheduler.run_job("0 6 * * *", ("daily", "monthly")) == []
    assert fake.calls == [] and len(runs(project)) == 4
    assert lines == ["2026-03-02T06:00:00+00:00 already run for 2026-03-02T06:00+00:00: daily, monthly"]
    # A briefing the state does not record as run at that time is still published.
    state, _ = read_state(project)
    write_state(project, {key: value for key, value in state.items() if key != "monthly"})
    assert [result.briefing_id for result in scheduler.run_job("0 6 * * *", ("daily", "monthly")) or []] == [
        "monthly"]
    assert fake.published == [["monthly"]] and len(runs(project)) == 5


def test_a_once_run_waits_for_the_scheduler_run_in_progress_and_does_not_repeat_it(project: Path) -> None:
    write(project, "briefings.yaml", SEVERAL)
    entered, release = threading.Event(), threading.Event()

    def slow_publish(root: Path, *, only: Sequence[str], lock: BuildLock, **options: object) -> PublishReport:
        assert lock.held
        entered.set()
        release.wait(30)
        return PublishReport([PublishResult(briefing_id, "published", edition=1) for briefing_id in only])

    scheduler = make_scheduler(project, slow_publish, clock="2026-03-02T06:00:00+00:00")
    scheduler.load()
    job = threading.Thread(target=scheduler.run_job, args=("0 * * * *", ("hourly",)))
    job.start()
    try:
        assert entered.wait(30)
        fake = FakePublish()
        report = scheduling.run_once(project, now=at("2026-03-02T06:00:30+00:00"), publish=fake, wait=30,
                                     on_wait=release.set)
    finally:
        release.set()
        job.join(30)
    assert fake.published == [["daily", "weekly", "monthly"]]
    assert [r["briefing"] for r in runs(project)] == ["hourly", "daily", "weekly", "monthly"]
    assert [due.briefing_id for due in report.due] == ["daily", "weekly", "monthly"]


def test_reload_keeps_the_old_schedule_when_the_new_file_is_invalid(project: Path) -> None:
    write(project, "briefings.yaml", SEVERAL)
    lines: list[str] = []
    scheduler = make_scheduler(project, FakePublish(), lines)
    scheduler.load()
    before = scheduler.job_ids()
    assert scheduler.reload_if_changed() is False  # unchanged: not even read again
    write(project, "briefings.yaml", SEVERAL.replace('"0 6 * * 1"', '"0 6 * * funday"'))
    assert scheduler.reload_if_changed() is False
    assert scheduler.job_ids() == before
    assert lines[0] == "ERR briefings: briefings.yaml changed but has problems; keeping the previous schedule:"
    assert lines[1].startswith("ERR briefings.yaml:10: schedule '0 6 * * funday' is not a valid cron expression")
    write(project, "briefings.yaml", SEVERAL.replace('"0 6 * * 1"', '"0 7 * * 1"'))
    assert scheduler.reload_if_changed() is True
    assert "schedule:0 7 * * 1" in scheduler.job_ids() and "schedule:0 6 * * 1" not in scheduler.job_ids()
    assert lines[-1].endswith("briefings.yaml changed: schedule reloaded (4 briefing(s) scheduled in UTC)")


# -- the long-running scheduler as a process ---------------------------------------------------------------


@pytest.fixture
def fake_publish_env(tmp_path: Path) -> dict[str, str]:
    """Environment for a subprocess whose briefings.build.publish.publish is a fake that logs its calls."""
    site = tmp_path / "fake-site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(FAKE_SITECUSTOMIZE)
    return {**os.environ, "PYTHONPATH": str(site), "FAKE_PUBLISH_LOG": str(tmp_path / "publish-calls.jsonl")}


class Lines:
    """A subprocess's output lines, read in the background."""

    def __init__(self, stream: object) -> None:
        self.queue: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._read, args=(stream,), daemon=True).start()

    def _read(self, stream: object) -> None:
        for line in stream:  # type: ignore[attr-defined]
            self.queue.put(line.rstrip("\n"))

    def wait_for(self, needle: str, timeout: float = 20) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.queue.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                break
            self.seen.append(line)
            if needle in line:
                return line
        raise AssertionError(f"{needle!r} not seen; got {self.seen}")


def test_the_scheduler_process_reloads_and_stops_on_sigterm(project: Path, fake_publish_env: dict[str, str]) -> None:
    write(project, "briefings.yaml", SEVERAL)
    briefings = str(Path(sys.executable).with_name("briefings"))
    process = subprocess.Popen([briefings, "schedule", "--project", str(project)], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, env=fake_publish_env)
    try:
        out, err = Lines(process.stdout), Lines(process.stderr)
        started = out.wait_for("scheduler started")
        assert "4 briefing(s) scheduled in UTC" in started
        write(project, "briefings.yaml", SEVERAL.replace('"0 6 * * 1"', '"0 6 * * 9"'))
        err.wait_for("keeping the previous schedule")
        assert err.wait_for("briefings.yaml:10:").startswith("briefings.yaml:10: schedule '0 6 * * 9'")
        write(project, "briefings.yaml", SEVERAL.replace('"0 6 * * 1"', '"0 7 * * 1"'))
        out.wait_for("schedule reloaded")
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
        out.wait_for("scheduler stopped")
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_the_scheduler_process_stops_on_sigint(project: Path, fake_publish_env: dict[str, str]) -> None:
    write(project, "briefings.yaml", SEVERAL)
    briefings = str(Path(sys.executable).with_name("briefings"))
    process = subprocess.Popen([briefings, "schedule", "--project", str(project)], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, env=fake_publish_env)
    try:
        out = Lines(process.stdout)
        out.wait_for("scheduler started")
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0
        assert out.wait_for("scheduler stopped").endswith(" scheduler stopped")
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_the_scheduler_refuses_to_start_with_an_invalid_file(project: Path) -> None:
    write(project, "briefings.yaml", SEVERAL.replace('"0 6 * * 1"', '"0 6 * * 9"'))
    result = CliRunner().invoke(main, ["schedule", "--project", str(project)])
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0].startswith("briefings.yaml:10: schedule '0 6 * * 9'")


# -- end to end, with the real publish --------------------------------------------------------------------

PUBLISH_IS_A_STUB = "NotImplementedError" in inspect.getsource(publishing.publish)


@pytest.mark.skipif(PUBLISH_IS_A_STUB, reason="briefings.build.publish.publish is not implemented yet")
def test_once_end_to_end_with_the_real_publish(project: Path) -> None:
    write(project, "briefings.yaml", """\
        formats: [md]
        briefings:
          weekly:
            title: Weekly round-up
            topics: [test-topic]
            schedule: "0 6 * * 1"
          by-hand:
            title: By hand
            topics: [test-topic]
        """)
    command = ["schedule", "--project", str(project), "--once", "--now"]
    first = CliRunner().invoke(main, [*command, "2026-03-02T06:30+00:00"])
    assert first.exit_code == 0, first.output
    assert "published weekly as edition 1" in first.stdout
    again = CliRunner().invoke(main, [*command, "2026-03-02T06:30+00:00"])
    assert again.exit_code == 0 and again.stdout.startswith("Nothing is due")
    later = CliRunner().invoke(main, [*command, "2026-03-09T06:30+00:00"])
    assert later.exit_code == 0, later.output
    assert "unchanged weekly" in later.stdout
    assert [(r["briefing"], r["outcome"], r["edition"]) for r in runs(project)] == [
        ("weekly", "published", 1), ("weekly", "unchanged", 1)]
