"""What a build is asked to do and what it did: :class:`BuildOptions` and :class:`BuildReport`.

Contract: plain dataclasses, importing nothing heavy (the types they hold are
named for type checkers only), so that the quick check
(:mod:`briefings.build.quick`) and the ``build`` command can make and read them
without loading the project's loader or the renderers.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from briefings.errors import Acknowledged, Problem

if TYPE_CHECKING:
    from briefings.build.writer import Output
    from briefings.project.model import Project
    from briefings.render.edition_state import EditionState

#: Called as ``progress(done, total)`` while briefings render.
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class BuildOptions:
    """What to build and how: everything a build takes besides the project's root and its lock."""

    #: Only these briefings (every briefing when empty); a name the project does not have is a problem.
    only: Sequence[str] = ()
    #: Only these formats; by default the project's formats and the JSON snapshot.
    formats: Sequence[str] = ()
    #: False: render every selected briefing in memory and write nothing (``check``).
    write: bool = True
    #: Warnings fail the build like errors.
    strict: bool = False
    #: The time every rendered briefing shows; by default ``SOURCE_DATE_EPOCH``, else when its content changed.
    generated: datetime.datetime | None = None
    #: Seconds a PDF may take; by default the project's ``limits.pdf_seconds``.
    pdf_timeout: float | None = None
    #: Render every selected output again (the date it shows stays when its content did not change).
    force: bool = False
    #: Worker processes; by default one per CPU this process may use (:mod:`briefings.build.workers`).
    jobs: int | None = None
    progress: Progress | None = None
    #: ``(K, N)``: only the K-th of N slices of the selected briefings (:mod:`briefings.build.shard`).
    shard: tuple[int, int] | None = None
    #: The archived copies of the references, instead of the project's (:mod:`briefings.audit.auditor`).
    archive_dir: Path | str | None = None
    #: Publishing (:mod:`briefings.build.publish`, which takes the lock before the last editions are read):
    #: each selected briefing whose content differs from its last edition becomes an edition dated that day.
    publish_at: datetime.datetime | None = None
    #: The date of each new edition, by briefing, when it is not that of ``publish_at`` (a scheduled run dates
    #: an edition at the scheduled time it stands for).
    edition_dates: Mapping[str, datetime.date] | None = None
    #: Build the briefings a problem does not touch (a broken topic file stops only the briefings that use it)
    #: and record the others in :attr:`BuildReport.failed` instead of raising for them.
    isolate: bool = False
    #: Render every selected briefing for this audience ("reader" or "analyst"), whatever the project says.
    audience: str | None = None


@dataclass
class BuildReport:
    """What a build did: the outputs it made, its warnings, and the briefings rendered, up to date or failed."""

    #: The project as loaded; None only in the report of a quick check that found everything up to date
    #: (:func:`briefings.build.entry.build`), which never loads it.
    project: Project | None
    outputs: list[Output] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    acknowledged: list[Acknowledged] = field(default_factory=list)
    written: list[Path] = field(default_factory=list)
    #: Briefings rendered in this build, and those whose outputs were already up to date.
    rendered: list[str] = field(default_factory=list)
    up_to_date: list[str] = field(default_factory=list)
    #: Outputs of briefings (or formats) no longer in the project, removed.
    removed: list[Path] = field(default_factory=list)
    #: Why the manifest of the last build could not be used, if it could not.
    notice: str | None = None
    seconds: float = 0.0
    #: For each selected briefing that could be planned: whether it is an edition or a draft, and what changed.
    editions: dict[str, EditionState] = field(default_factory=dict)
    #: Briefings published as a new edition by this run (``publish`` only), and the files of each edition.
    published: dict[str, list[Path]] = field(default_factory=dict)
    #: Briefings that could not be built, with their problems (collected only with ``isolate=True``).
    failed: dict[str, list[Problem]] = field(default_factory=dict)
    #: How many briefings the project has (whatever was selected).
    briefing_count: int = 0
