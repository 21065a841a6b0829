"""The build's time: the date a rendered briefing shows, and the day a build judges reviews on.

Contract: :func:`generation_time` reads ``SOURCE_DATE_EPOCH`` (None when it is
not set: "now, if anything changed"); :func:`now` is the only reading of the
clock in a build; :func:`build_day` is the build's day. Light, so that the
quick check (:mod:`briefings.build.quick`) can use it.
"""

from __future__ import annotations

import datetime
import os

from briefings.errors import Problem, ProblemsFound


def generation_time() -> datetime.datetime | None:
    """``SOURCE_DATE_EPOCH`` when set (so that builds can be reproduced), else None: "now, if anything changed"."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not epoch:
        return None
    shown = epoch if len(epoch) <= 40 else epoch[:40] + "…"
    if not epoch.isascii() or not epoch.isdigit():
        raise ProblemsFound([Problem("SOURCE_DATE_EPOCH", None,
                                     f"'{shown}' is not a whole number of seconds since 1970-01-01")])
    try:
        return datetime.datetime.fromtimestamp(int(epoch), tz=datetime.UTC)
    except (OverflowError, ValueError, OSError):
        raise ProblemsFound([Problem("SOURCE_DATE_EPOCH", None,
                                     f"{shown} is out of range: give seconds since 1970-01-01 "
                                     "for a date before the year 10000")]) from None


def now() -> datetime.datetime:
    """The only reading of the clock in a build (tests replace it)."""
    return datetime.datetime.now(datetime.UTC).replace(microsecond=0)


def build_day(fixed_time: datetime.datetime | None) -> datetime.date:
    """The build's day (overdue reviews are judged on it): that of ``fixed_time``, else today's (UTC)."""
    return (fixed_time or now()).date()


__all__ = ["build_day", "generation_time", "now"]
