"""Cron expressions in a time zone: validation, the next scheduled times, the latest one at or before an instant.

Contract. A briefing's ``schedule:`` is a cron expression read by the
maintained library cronsim (:class:`cronsim.CronSim`) in the project's
``timezone:`` (an IANA name, default ``UTC``). cronsim follows Debian's
(Vixie) cron, so these are standard cron semantics:

* five fields, minute hour day-of-month month day-of-week; lists, ranges,
  steps and names (``mon-fri``, ``jan``); day of the week 0 and 7 are Sunday;
* when both day fields are restricted (neither starts with ``*``), a day
  that matches EITHER runs (``0 6 1 * 1``: the 1st and every Monday);
* clock changes, as Debian cron: a schedule naming a fixed hour and minute
  runs a time the spring change skips right after the change (Europe/London's
  01:30 on 29 March 2026 runs at 02:00 BST), and a time the autumn change
  repeats once, at its first occurrence (01:30 BST on 25 October 2026); a
  schedule whose minute or hour field starts with ``*`` (``*/15 * * * *``,
  ``30 * * * *``) follows real time, so it runs in both passes of a
  repeated hour.

What cronsim accepts beyond that (``L``, ``LW``, ``#``, a sixth, leading
field of seconds) is accepted too: :func:`validate` is exactly "cronsim reads
it" plus "the zone is known", so that ``briefings check`` (which asks cronsim
directly, in the project layer) and the scheduler accept the same schedules.
cronsim refuses a day of the month that no listed month has (``0 0 31 2 *``).

:func:`next_runs` lists the next times strictly after an instant, :func:`runs_between`
those between two instants (bounded);
:func:`last_run` finds the latest time at or before one. cronsim only runs
forwards in the way these rules are defined, so :func:`last_run` searches
forwards from a window before the instant, doubling it up to :data:`LOOKBACK`
(a sparse schedule such as ``0 0 29 2 *`` costs a few dozen steps), then
halves the interval where the latest time lies: both functions see the same
sequence of times. Every search is bounded: at most :data:`MAX_RUNS_LISTED`
times are listed, and cronsim itself gives up on a schedule with no time in
50 years. Nothing here reads a file or knows about projects.
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Iterator
from dataclasses import dataclass
from zoneinfo import ZoneInfo, available_timezones

from cronsim import CronSim

UTC = datetime.UTC

#: The most run times :func:`next_runs` lists.
MAX_RUNS_LISTED = 100
#: How far back :func:`last_run` looks for a scheduled time (a schedule may name 29 February on a Sunday).
LOOKBACK = datetime.timedelta(days=366 * 40)
#: The first window :func:`last_run` looks back over before doubling it.
_FIRST_WINDOW = datetime.timedelta(minutes=1)
#: Scheduled times are whole seconds: an interval this short holds at most one.
_SECOND = datetime.timedelta(seconds=1)
#: How many times :func:`last_run` steps through one by one before halving instead (a dense burst of times).
_LINEAR_STEPS = 256
#: How many times cronsim may give at or before the previous one (the repeated hour of an autumn change,
#: from a start inside its second pass: at most an hour of times, seconds included) before the search stops.
_MAX_BEHIND = 10_000


@functools.cache
def known_time_zones() -> frozenset[str]:
    """The IANA time zone names this machine knows (the system's database, or the tzdata package)."""
    return frozenset(available_timezones())


@functools.lru_cache(maxsize=4096)
def _checked(expression: str, zone: str) -> ZoneInfo:
    """The zone of a valid ``expression``; ValueError if cronsim refuses the expression or the zone is unknown."""
    if zone not in known_time_zones():
        raise ValueError(f"unknown time zone {zone!r}")
    tz = ZoneInfo(zone)
    try:
        CronSim(expression, datetime.datetime(2000, 1, 1, tzinfo=tz))
    except Exception as error:  # noqa: BLE001 - whatever cronsim raises reading an expression, it refuses it
        raise ValueError(str(error) or type(error).__name__) from None
    return tz


def validate(expression: str, zone: str = "UTC") -> None:
    """None if cronsim reads ``expression`` and ``zone`` is a known IANA name; otherwise ValueError saying why."""
    _checked(expression, zone)


def aware(instant: datetime.datetime) -> datetime.datetime:
    """``instant``, a naive one taken as UTC."""
    return instant if instant.tzinfo is not None else instant.replace(tzinfo=UTC)


def in_zone(instant: datetime.datetime, zone: str) -> datetime.datetime:
    """``instant`` (naive: UTC) as a time in the IANA ``zone``."""
    return aware(instant).astimezone(ZoneInfo(zone))


def _times_after(expression: str, tz: ZoneInfo, start: datetime.datetime) -> Iterator[datetime.datetime]:
    """The scheduled times strictly after ``start``, in UTC, increasing; ends where cronsim gives up.

    cronsim reads a fixed-time schedule on the wall clock, so from a start inside the second pass of a
    repeated hour it first gives times of the first pass, which are before ``start``: those are passed over.
    """
    times = CronSim(expression, start.astimezone(tz))
    previous = start.astimezone(UTC)
    behind = 0
    while True:
        try:
            fire = next(times).astimezone(UTC)
        except StopIteration:
            return
        if fire <= previous:
            behind += 1
            if behind > _MAX_BEHIND:
                return
            continue
        previous = fire
        yield fire


def _first_after(expression: str, tz: ZoneInfo, start: datetime.datetime) -> datetime.datetime | None:
    return next(_times_after(expression, tz, start), None)


def next_runs(expression: str, zone: str, after: datetime.datetime, count: int = 3) -> list[datetime.datetime]:
    """The next ``count`` (at most :data:`MAX_RUNS_LISTED`) scheduled times strictly after ``after``, in ``zone``."""
    tz = _checked(expression, zone)
    runs: list[datetime.datetime] = []
    wanted = max(0, min(count, MAX_RUNS_LISTED))
    if wanted:
        for fire in _times_after(expression, tz, aware(after)):
            runs.append(fire.astimezone(tz))
            if len(runs) == wanted:
                break
    return runs


def runs_between(expression: str, zone: str, after: datetime.datetime, until: datetime.datetime,
                 limit: int) -> list[datetime.datetime]:
    """The scheduled times in (``after``, ``until``], in ``zone``, oldest first: at most ``limit`` of them."""
    tz = _checked(expression, zone)
    end = aware(until).astimezone(UTC)
    runs: list[datetime.datetime] = []
    for fire in _times_after(expression, tz, aware(after)):
        if fire > end or len(runs) >= limit:
            break
        runs.append(fire.astimezone(tz))
    return runs


def last_run(expression: str, zone: str, at: datetime.datetime) -> datetime.datetime | None:
    """The latest scheduled time at or before ``at`` (within :data:`LOOKBACK`), in ``zone``; None if there is none."""
    tz = _checked(expression, zone)
    at = aware(at).astimezone(UTC)
    window = _FIRST_WINDOW
    empty_from = at  # no scheduled time in (empty_from, at]
    while window <= 2 * LOOKBACK:
        start = at - window
        latest = None
        for steps, fire in enumerate(_times_after(expression, tz, start)):
            if fire > at:
                break
            latest = fire
            if steps == _LINEAR_STEPS:  # a dense burst: halve the rest of the interval instead
                latest = _latest_between(expression, tz, latest, empty_from, at)
                break
        if latest is not None:
            return latest.astimezone(tz)
        empty_from = start
        window *= 2
    return None


def _latest_between(expression: str, tz: ZoneInfo, low: datetime.datetime, high: datetime.datetime,
                    at: datetime.datetime) -> datetime.datetime:
    """The latest scheduled time at or before ``at``, given one at ``low`` (≤ ``at``) and none in (``high``, ``at``]."""
    while high - low > _SECOND:
        middle = low + (high - low) / 2
        fire = _first_after(expression, tz, middle)
        if fire is not None and fire <= at:
            low = fire  # a later scheduled time; none after ``high`` still
        else:
            high = middle  # none in (middle, at]
    fire = _first_after(expression, tz, low)
    return fire if fire is not None and fire <= at else low


@dataclass(frozen=True)
class ScheduledBriefing:
    id: str
    schedule: str | None
    #: The line of its entry in briefings.yaml, when it has one.
    line: int | None = None


@dataclass(frozen=True)
class Schedules:
    """The briefings of a project with their schedules, and the zone the schedules are read in."""

    zone: str
    briefings: tuple[ScheduledBriefing, ...]
    #: The catch-up policy (``catch_up:`` in briefings.yaml): "latest" or "none".
    catch_up: str = "latest"

    @property
    def scheduled(self) -> tuple[ScheduledBriefing, ...]:
        return tuple(briefing for briefing in self.briefings if briefing.schedule is not None)

    def groups(self) -> dict[str, tuple[str, ...]]:
        """Briefing ids by schedule: the briefings of one schedule run together."""
        grouped: dict[str, list[str]] = {}
        for briefing in self.scheduled:
            assert briefing.schedule is not None
            grouped.setdefault(briefing.schedule, []).append(briefing.id)
        return {expression: tuple(ids) for expression, ids in grouped.items()}
