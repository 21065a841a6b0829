"""Publishing: turning the current state of each briefing into a numbered edition.

Contract (interface fixed; the implementation lands with issue 7's core):
:func:`publish` builds the selected briefings as :func:`briefings.build.build`
does and, for each whose content differs from its last edition, records a new
edition under ``output/editions/<briefing-id>/``. It never raises for a
problem of one briefing: each briefing's outcome is in
:attr:`PublishReport.results`. It raises :class:`~briefings.errors.ProblemsFound`
only when nothing at all can be attempted (the lock, an unusable ``output/``).
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from .errors import Problem

Outcome = Literal["published", "unchanged", "failed"]


@dataclass
class PublishResult:
    briefing_id: str
    outcome: Outcome
    #: The edition published, or the latest edition when unchanged; None when there is none.
    edition: int | None = None
    #: The date of that edition.
    edition_date: datetime.date | None = None
    problems: list[Problem] = field(default_factory=list)
    #: "What changed" as terminal lines (empty when unchanged or failed).
    summary: list[str] = field(default_factory=list)
    seconds: float = 0.0


@dataclass
class PublishReport:
    results: list[PublishResult] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return any(result.outcome == "failed" for result in self.results)


def publish(root: Path, *, only: Sequence[str] = (), now: datetime.datetime | None = None,
            wait: float = 300.0, jobs: int | None = None) -> PublishReport:
    """Publish the briefings of ``root`` (``only`` some of them) as of ``now`` (default: the clock)."""
    raise NotImplementedError("publish lands with issue 7's core")
