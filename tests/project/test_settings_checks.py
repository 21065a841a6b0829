"""briefings.project.settings_checks: time zone names and cron schedules, checked without the layers above."""

from __future__ import annotations

import datetime
import zoneinfo

import pytest
from cronsim import CronSim, CronSimError

from briefings.project.settings_checks import cron_problem, time_zone_problem

INVALID = "is not a valid cron expression (e.g. \"0 6 * * 1-5\")"


@pytest.mark.parametrize("name", ["UTC", "Europe/London", "America/New_York", "Etc/GMT+5", "America/Port-au-Prince",
                                  "America/Argentina/Buenos_Aires"])
def test_a_known_time_zone_is_accepted(name: str) -> None:
    assert time_zone_problem(name) is None


def test_a_known_time_zone_is_checked_without_a_scan_of_the_zone_database(monkeypatch: pytest.MonkeyPatch) -> None:
    # Listing every zone (zoneinfo.available_timezones walks the whole database) is for "did you mean" alone:
    # the time zone of a project that loads (list, check, every build) costs one lookup (issue 21).
    def scan() -> set[str]:
        raise AssertionError("the zone database was scanned for a known time zone")

    monkeypatch.setattr(zoneinfo, "available_timezones", scan)
    assert time_zone_problem("Europe/London") is None


def test_an_unknown_time_zone_says_what_was_meant() -> None:
    assert time_zone_problem("Europe/Lundon") == ("timezone 'Europe/Lundon' is not a known IANA time zone "
                                                  "(did you mean 'Europe/London'?) (e.g. 'Europe/London' or 'UTC')")


@pytest.mark.parametrize("name", ["/etc/localtime", "../../etc/passwd", "Europe/../UTC", "Europe//London", "Europe/",
                                  "Europe", "zone.tab", "posix/Europe/London", "right/UTC", "posixlocal", "UTC\x00",
                                  "Europe\\London"])
def test_a_path_or_a_file_of_the_zone_database_is_not_a_time_zone(name: str) -> None:
    # What zoneinfo.available_timezones() leaves out is refused, without reading any file outside the database.
    assert name not in zoneinfo.available_timezones()
    assert time_zone_problem(name) is not None


@pytest.mark.parametrize("expression", [
    "0 6 * * 1-5", "0 6 * * mon-fri", "30 1 * * *", "*/15 * * * *", "0 6 * * 0", "0 6 * * 7", "0 6 * * 5-7",
    "0 6 1 * 1",  # both day fields restricted: standard cron runs it on the 1st and on every Monday
    "0 6 L * *", "0 6 * * 1#2", "0 0 29 2 *",
])
def test_standard_cron_expressions_are_accepted(expression: str) -> None:
    assert cron_problem(expression) is None


@pytest.mark.parametrize("expression", [
    "0 6 * * 8", "61 * * * *", "0 24 * * *", "0 6 * *", "x", "", "@daily", "0 6 5-1 * *", "*/0 * * * *",
    "0 0 31 2 *",  # no month has that day
    "1" * 5000 + " * * * *",  # more digits than int() converts
])
def test_anything_else_is_refused(expression: str) -> None:
    assert cron_problem(expression) == INVALID


@pytest.mark.parametrize("expression", ["0 6 * * 1-5", "0 6 1 * 1", "0 0 31 2 *", "0 6 * * 8", "0 0 6 * * *",
                                        "0 6 LW * *", "0 6 * * 5L", "0 6 ? * *"])
def test_check_accepts_exactly_what_cronsim_reads(expression: str) -> None:
    # The scheduler reads schedules with cronsim: check must agree with it, both ways.
    try:
        CronSim(expression, datetime.datetime(2000, 1, 1))
        accepted = True
    except CronSimError:
        accepted = False
    assert (cron_problem(expression) is None) is accepted
