"""Cron expressions in a time zone (briefings.schedule.cron): standard cron read by cronsim, next and last runs.

The rules are Debian cron's, as cronsim implements them: weekdays 0 and 7 are Sunday; when both day fields are
restricted a day matching either runs; a fixed time the spring change skips runs right after the change, and
one the autumn change repeats runs once; schedules with a wildcard hour or minute follow real time.
"""

from __future__ import annotations

import datetime
import time

import pytest
from cronsim import CronSim, CronSimError

from briefings.schedule.cron import MAX_RUNS_LISTED, last_run, next_runs, validate


def at(text: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(text)


def iso(times: list[datetime.datetime]) -> list[str]:
    return [t.isoformat() for t in times]


# -- weekdays and the two day fields -----------------------------------------------------------------------


def test_weekdays_are_numbered_as_in_crontab() -> None:
    # 2026-03-02 is a Monday.
    times = next_runs("0 6 * * 1-5", "UTC", at("2026-03-01T12:00+00:00"), 6)
    assert [t.strftime("%a %d %H:%M") for t in times] == [
        "Mon 02 06:00", "Tue 03 06:00", "Wed 04 06:00", "Thu 05 06:00", "Fri 06 06:00", "Mon 09 06:00"]
    assert [t.strftime("%a") for t in next_runs("0 6 * * 0,7", "UTC", at("2026-03-01T12:00Z"), 2)] == ["Sun", "Sun"]
    assert [t.strftime("%a") for t in next_runs("0 6 * * 7", "UTC", at("2026-03-01T12:00Z"), 2)] == ["Sun", "Sun"]
    assert [t.strftime("%a") for t in next_runs("0 6 * * 6-7", "UTC", at("2026-03-01T12:00Z"), 2)] == [
        "Sat", "Sun"]  # "sat-sun" runs backwards (6-0): cronsim refuses it, as Debian cron does
    assert [t.strftime("%a") for t in next_runs("0 6 * * MON-fri", "UTC", at("2026-03-06T12:00Z"), 2)] == [
        "Mon", "Tue"]


def test_both_day_fields_restricted_means_either() -> None:
    # "The 1st and every Monday", as in every crontab (2026-06-01 is itself a Monday).
    times = next_runs("0 6 1 * 1", "UTC", at("2026-04-27T12:00Z"), 6)
    assert [t.strftime("%a %d %b") for t in times] == [
        "Fri 01 May", "Mon 04 May", "Mon 11 May", "Mon 18 May", "Mon 25 May", "Mon 01 Jun"]
    # Debian cron's rule: a day field starting with "*" counts as unrestricted, so this is "odd days that are
    # Mondays", not "odd days or Mondays".
    times = next_runs("0 6 */2 * 1", "UTC", at("2026-03-01T12:00Z"), 3)
    assert [t.strftime("%a %d %b") for t in times] == ["Mon 09 Mar", "Mon 23 Mar", "Mon 13 Apr"]


# -- next and last runs ------------------------------------------------------------------------------------


def test_next_runs_are_strictly_after_and_in_the_zone() -> None:
    assert iso(next_runs("0 6 * * *", "UTC", at("2026-03-02T06:00Z"), 2)) == [
        "2026-03-03T06:00:00+00:00", "2026-03-04T06:00:00+00:00"]
    assert iso(next_runs("0 6 * * *", "America/New_York", at("2026-03-02T06:00Z"), 1)) == [
        "2026-03-02T06:00:00-05:00"]
    assert next_runs("0 6 * * *", "UTC", at("2026-03-02T06:00Z"), 0) == []
    # A naive instant is UTC.
    assert iso(next_runs("0 6 * * *", "UTC", at("2026-03-02T05:59:59.5"), 1)) == ["2026-03-02T06:00:00+00:00"]


def test_last_run_is_the_latest_scheduled_time_at_or_before() -> None:
    assert last_run("0 6 * * 1", "UTC", at("2026-03-02T05:59+00:00")) == at("2026-02-23T06:00+00:00")
    assert last_run("0 6 * * 1", "UTC", at("2026-03-02T06:00+00:00")) == at("2026-03-02T06:00+00:00")
    assert last_run("* * * * *", "UTC", at("2026-03-02T06:00:30+00:00")) == at("2026-03-02T06:00Z")
    # Rare schedules are found too, within the bounded look-back.
    assert last_run("0 0 29 2 *", "UTC", at("2026-03-02T00:00Z")) == at("2024-02-29T00:00Z")
    assert last_run("* * 1 1 *", "UTC", at("2026-03-02T00:00Z")) == at("2026-01-01T23:59Z")
    # 29 February on a Sunday: 2004, then 2032.
    assert last_run("0 0 29 2 0", "UTC", at("2031-01-01T00:00Z")) != at("2004-02-29T00:00Z")  # "or": any Sunday
    assert last_run("0 0 29 2 */7", "UTC", at("2031-01-01T00:00Z")) == at("2004-02-29T00:00Z")


@pytest.mark.parametrize("expression", ["* * * * *", "*/7 3-5 * * 1-5", "30 1 * * *", "*/15 * * * *",
                                        "0 0 29 2 *", "15 2 L * *", "0 9 * * mon#2", "* * * * 1 *"])
@pytest.mark.parametrize("zone", ["UTC", "Europe/London", "Australia/Lord_Howe"])
def test_last_run_agrees_with_next_runs(expression: str, zone: str) -> None:
    # Whatever the instant, the time last_run finds is followed (next_runs) by one after the instant.
    for instant in ["2026-03-29T00:59:30Z", "2026-03-29T01:00:00Z", "2026-10-25T00:45:00Z", "2026-10-25T01:15:00Z",
                    "2026-10-25T01:45:00Z", "2026-04-04T15:10:00Z", "2026-10-03T15:45:00Z", "2026-01-01T00:00:00Z"]:
        latest = last_run(expression, zone, at(instant))
        assert latest is not None and latest <= at(instant)
        following = next_runs(expression, zone, latest, 1)[0]
        assert following > at(instant), (expression, zone, instant, latest, following)


def test_absurd_schedules_are_bounded() -> None:
    started = time.monotonic()
    assert len(next_runs("* * * * *", "UTC", at("2026-01-01T00:00Z"), 10**9)) == MAX_RUNS_LISTED
    assert len(next_runs("* * * * * *", "UTC", at("2026-01-01T00:00Z"), 10**9)) == MAX_RUNS_LISTED
    assert next_runs("1," * 5000 + "1 * * * *", "UTC", at("2026-01-01T00:00Z"), 1) == [at("2026-01-01T00:01Z")]
    # A dense burst far back (every second of January) and a sparse schedule are both found quickly.
    assert last_run("* * * * 1 *", "UTC", at("2026-12-31T00:00Z")) == at("2026-01-31T23:59:59Z")
    assert last_run("0 0 29 2 *", "UTC", at("2104-03-01T00:00Z")) == at("2104-02-29T00:00Z")
    assert last_run("0 0 29 2 *", "UTC", at("2103-03-01T00:00Z")) == at("2096-02-29T00:00Z")
    assert time.monotonic() - started < 10


# -- clock changes (Europe/London, 2026) -------------------------------------------------------------------


def test_spring_a_time_that_does_not_exist_runs_right_after_the_change() -> None:
    # 29 March: clocks go from 01:00 GMT to 02:00 BST; 01:30 does not exist that day and runs at 02:00 BST.
    assert iso(next_runs("30 1 * * *", "Europe/London", at("2026-03-28T12:00+00:00"), 3)) == [
        "2026-03-29T02:00:00+01:00", "2026-03-30T01:30:00+01:00", "2026-03-31T01:30:00+01:00"]
    assert last_run("30 1 * * *", "Europe/London", at("2026-03-29T01:59:59+00:00")).isoformat() == \
        "2026-03-29T02:00:00+01:00"
    # Several skipped times run once, together.
    assert iso(next_runs("0,20,40 1 * * *", "Europe/London", at("2026-03-29T00:00+00:00"), 2)) == [
        "2026-03-29T02:00:00+01:00", "2026-03-30T01:00:00+01:00"]
    # A schedule with a wildcard hour follows real time: nothing is moved, the skipped hour simply is not there.
    assert iso(next_runs("*/30 * * * *", "Europe/London", at("2026-03-29T00:15+00:00"), 3)) == [
        "2026-03-29T00:30:00+00:00", "2026-03-29T02:00:00+01:00", "2026-03-29T02:30:00+01:00"]


def test_autumn_a_repeated_time_runs_once() -> None:
    # 25 October: 01:00-02:00 happens twice (BST, then GMT); 01:30 runs at its first occurrence only.
    assert iso(next_runs("30 1 * * *", "Europe/London", at("2026-10-24T12:00+01:00"), 3)) == [
        "2026-10-25T01:30:00+01:00", "2026-10-26T01:30:00+00:00", "2026-10-27T01:30:00+00:00"]
    # In the repeated hour, last_run still names the first 01:30, and the next run is the next day's.
    # (Compared as text: Python never finds an ambiguous local time equal to a time in another zone, PEP 495.)
    assert last_run("30 1 * * *", "Europe/London", at("2026-10-25T01:45+00:00")).isoformat() == \
        "2026-10-25T01:30:00+01:00"
    assert iso(next_runs("45 1 * * *", "Europe/London", at("2026-10-25T01:20+00:00"), 1)) == [
        "2026-10-26T01:45:00+00:00"]
    # A schedule with a wildcard hour or minute follows real time: it runs in both passes.
    assert iso(next_runs("30 * * * *", "Europe/London", at("2026-10-24T23:50+00:00"), 3)) == [
        "2026-10-25T01:30:00+01:00", "2026-10-25T01:30:00+00:00", "2026-10-25T02:30:00+00:00"]
    assert len(next_runs("*/15 * * * *", "Europe/London", at("2026-10-24T23:59+00:00"), 12)) == 12
    assert iso(next_runs("*/15 * * * *", "Europe/London", at("2026-10-25T00:50+00:00"), 2)) == [
        "2026-10-25T01:00:00+00:00", "2026-10-25T01:15:00+00:00"]


# -- validation: exactly what cronsim accepts, in a known zone ---------------------------------------------


ACCEPTED = ["0 6 * * 1-5", "0 6 1 * 1", "*/15 * * * *", "0 6 * * 7", "0 6 * * sun-mon", "0 0 L * *",
            "0 9 * * mon#2", "0 0 * * 5L", "30 6 * * * 1", "* * * * * *", "1," * 5000 + "1 * * * *", " 0  6 * * 1 "]
REFUSED = ["", "* * * *", "* * * * * * *", "61 * * * *", "*/0 * * * *", "0 6 * * 8", "0 6 * * 5-1",
           "0 0 31 2 *", "0 0 30 2 *", "\x1b[31m * * * *", "@daily", "0 6 * * funday", "0 0 ? * *",
           "0 6 * * sat-sun"]


@pytest.mark.parametrize("expression", ACCEPTED + REFUSED, ids=lambda text: repr(text[:20]))
def test_validate_is_exactly_what_cronsim_accepts(expression: str) -> None:
    try:
        CronSim(expression, datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC))
        cronsim_accepts = True
    except CronSimError:
        cronsim_accepts = False
    assert cronsim_accepts == (expression in ACCEPTED)
    if cronsim_accepts:
        validate(expression, "Europe/London")
    else:
        with pytest.raises(ValueError):
            validate(expression, "Europe/London")
        with pytest.raises(ValueError):
            next_runs(expression, "UTC", at("2026-01-01T00:00Z"))
        with pytest.raises(ValueError):
            last_run(expression, "UTC", at("2026-01-01T00:00Z"))


def test_an_unknown_zone_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown time zone 'Europe/Lundon'"):
        validate("0 6 * * *", "Europe/Lundon")
    with pytest.raises(ValueError):
        next_runs("0 6 * * *", "../../etc/passwd", at("2026-01-01T00:00Z"))
