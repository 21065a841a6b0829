"""A project loaded and audited: what ``check``, ``build`` and ``publish`` read.

Contract: :func:`load_and_audit` (raising :class:`~briefings.errors.ProblemsFound`)
and :func:`load_and_audit_partially` (returning the problems) load the
project with :mod:`briefings.project.loader` and run the attribution audit
(:func:`briefings.audit.auditor.audit_project`) on its valid part, whatever
errors the loader found: every valid topic, and the facts and figures of a
topic file that failed validation that are valid on their own
(:meth:`~briefings.project.model.Project.audited_parts`), so that one run
reports every problem. The loader never runs the audit. :func:`audit_loaded` does the second half for a
project already loaded: the audit's errors join the loader's problems, after
them; its warnings pass the project's ``acknowledge:`` entries like the
loader's own (:func:`briefings.project.acknowledge.settle`), and then every
entry that no warning used is reported; the project comes back with its
warnings and acknowledged warnings sorted, as the loader sorts them, and
:attr:`~briefings.project.model.Project.audit` set.

``archive_dir`` overrides the project's ``archive_dir`` for the audit: a
directory anywhere, as named on the command line (``--archive-dir``).
``recorded`` is the warnings of topics whose audit checks need not run again
(:func:`briefings.audit.auditor.audit_project`), ``recorded_checks`` those of
their cross-checks (:mod:`briefings.project.crosscheck`), from the build's record.
"""

from __future__ import annotations

import dataclasses
import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from briefings.audit.auditor import RecordedFindings, audit_project
from briefings.errors import Problem, ProblemsFound, sort_key
from briefings.project.acknowledge import PendingAcknowledgements, settle
from briefings.project.crosscheck import RecordedChecks
from briefings.project.loader import load_project_partially
from briefings.project.model import Project

if TYPE_CHECKING:
    # A data reference only: the build layer's parse cache, handed down by the build.
    from briefings.build.cache import ParseCache


def load_and_audit(root: Path, *, today: datetime.date | None = None,
                   archive_dir: Path | str | None = None) -> Project:
    """Load, validate, cross-check and audit the project at ``root``; raise :class:`ProblemsFound` on any error."""
    project, problems = load_and_audit_partially(root, today=today, archive_dir=archive_dir)
    if problems:
        raise ProblemsFound(problems)
    return project


def load_and_audit_partially(root: Path, *, today: datetime.date | None = None, cache: ParseCache | None = None,
                             archive_dir: Path | str | None = None, recorded: RecordedFindings | None = None,
                             recorded_checks: RecordedChecks | None = None) -> tuple[Project, list[Problem]]:
    """The project as far as it is valid, audited, and every error found (the loader's, then the audit's).

    ``cache`` answers for files unchanged since the last build (see :mod:`briefings.build.cache`).
    """
    project, problems = load_project_partially(root, today=today, cache=cache, recorded=recorded_checks)
    return audit_loaded(project, problems, archive_dir=archive_dir, recorded=recorded)


def audit_loaded(project: Project, problems: list[Problem], *, archive_dir: Path | str | None = None,
                 recorded: RecordedFindings | None = None) -> tuple[Project, list[Problem]]:
    """``project`` (as the loader returned it, with its ``problems``) with the audit's results added."""
    if not project.root.is_dir():
        # The loader found no project at all and returned an empty one: there is nothing to audit.
        return project, problems
    audit = audit_project(project, archive_dir=archive_dir, recorded=recorded)
    warnings, acknowledged = settle(project.pending_acknowledgements,
                                    ((finding.about, finding.problem) for finding in audit.findings))
    return dataclasses.replace(
        project,
        warnings=tuple(sorted([*project.warnings, *warnings], key=sort_key)),
        acknowledged=tuple(sorted([*project.acknowledged, *acknowledged], key=lambda item: sort_key(item.warning))),
        audit=audit,
        pending_acknowledgements=PendingAcknowledgements(),
    ), [*problems, *audit.problems]
