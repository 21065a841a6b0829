"""The ``archive-missing`` warning: its code, its wording, and reading it back.

Contract: :data:`ARCHIVE_MISSING_MESSAGE` is how the audit
(:mod:`briefings.audit.checker`) words the warning on a reference whose
archive file does not exist; :func:`missing_archive` reads one back, so that
the command line can sum many of them up in one line without importing the
audit itself.
"""

from __future__ import annotations

import dataclasses
import re

from briefings.errors import Problem

#: The warning on a reference whose archive file does not exist, and its wording (read back by
#: :func:`missing_archive`, with which the command line sums many of them up in one line).
ARCHIVE_MISSING = "archive-missing"
ARCHIVE_MISSING_MESSAGE = ("reference '{reference}': archive '{name}' ({shown}) does not exist: its quotes and "
                           "evidence cannot be verified")
_ARCHIVE_MISSING_PATTERN = re.compile(r"reference '(?P<reference>[^']*)': archive '(?P<name>[^/\\]*?)' "
                                      r"\((?P<shown>.*)\) does not exist: its quotes and evidence cannot be verified")


@dataclasses.dataclass(frozen=True)
class MissingArchive:
    """What an ``archive-missing`` warning says: the reference, its archive file, and where it was looked for."""

    reference: str
    name: str
    #: The file's path as the warning shows it (relative to the project, or absolute outside it).
    shown: str

    @property
    def directory(self) -> str:
        return self.shown[:-len(self.name)].rstrip("/") or "."


def missing_archive(problem: Problem) -> MissingArchive | None:
    """The missing archive an ``archive-missing`` warning is about (None for any other problem)."""
    if problem.code != ARCHIVE_MISSING:
        return None
    match = _ARCHIVE_MISSING_PATTERN.fullmatch(problem.message)
    if match is None or not match["shown"].endswith(match["name"]):
        return None
    return MissingArchive(match["reference"], match["name"], match["shown"])


__all__ = ["ARCHIVE_MISSING", "ARCHIVE_MISSING_MESSAGE", "MissingArchive", "missing_archive"]
