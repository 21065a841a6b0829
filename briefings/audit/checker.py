"""One audit run's shared state: the project, each archive read once, and the problems found.

Contract: a :class:`Checker` is made for one run of the audit
(:func:`briefings.audit.auditor.audit_project`) and handed to the checks
(:mod:`briefings.audit.fact_checks`, :mod:`briefings.audit.figure_checks`).
It reads each reference's archived copy at most once (:meth:`Checker.archived`,
confined to the archive directory), checks a passage against it
(:meth:`Checker.check_passage`: found as whole words after normalising, or the
closest passage), and collects the run's errors (:attr:`Checker.problems`) and
warnings (:attr:`Checker.findings`), each located at the YAML value it is
about (``path:LINE``).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from briefings.audit.archive import MAX_ARCHIVE_BYTES, ArchivedText, archive_text, read_archive
from briefings.audit.match import WordIndex, closest_passage, find_passage
from briefings.audit.missing import ARCHIVE_MISSING, ARCHIVE_MISSING_MESSAGE
from briefings.audit.normalise import NormalisedText, normalise
from briefings.audit.results import ArchiveRecord, Finding, PassageAudit
from briefings.audit.spans import SpanProblem, locate_span, restricted
from briefings.errors import Problem, Severity
from briefings.files import FileProblem, read_project_file
from briefings.paths import REFERENCES_FILE

if TYPE_CHECKING:
    from briefings.project.model import Project

#: The closest passage shown in a message is cut to this many characters.
_SHOWN_CHARS = 300


def shown(text: str) -> str:
    """``text`` on one line, cut to :data:`_SHOWN_CHARS` characters for a message."""
    text = " ".join(text.split())
    return text if len(text) <= _SHOWN_CHARS else text[:_SHOWN_CHARS - 1] + "…"


def listed(items: Iterable[str], *, quoted: bool = True) -> str:
    """``'a', 'b'`` for a message."""
    return ", ".join(f"'{item}'" if quoted else item for item in items)


class Checker:
    """The state of one audit run; see the module docstring."""

    def __init__(self, project: Project, archive_dir: Path | str | None):
        self.project = project
        self.override = Path(archive_dir) if archive_dir is not None else None
        self.references = project.references
        self.uses_archives = any(reference.archive for reference in self.references.values())
        self.texts: dict[str, tuple[ArchivedText, NormalisedText] | None] = {}
        self.records: dict[str, ArchiveRecord] = {}
        #: The archives' word indexes, made at the first passage not found in each (closest passages).
        self.indexes: dict[str, WordIndex] = {}
        self.problems: list[Problem] = []
        self.findings: list[Finding] = []

    # -- locating --------------------------------------------------------------

    def where(self, key: str, location: tuple[object, ...]) -> tuple[str, int | None]:
        document = self.project.documents.get(key)
        if document is None:
            return (key if key == REFERENCES_FILE else f"sources/topics/{key}.yaml"), None
        return document.display_path, document.line_of(location)

    def error(self, key: str, location: tuple[object, ...], message: str, code: str) -> None:
        path, line = self.where(key, location)
        self.problems.append(Problem(path, line, message, Severity.ERROR, code))

    def warn(self, key: str, location: tuple[object, ...], message: str, code: str,
              about: tuple[str, ...] | tuple[str, str, int]) -> None:
        path, line = self.where(key, location)
        self.findings.append(Finding(Problem(path, line, message, Severity.WARNING, code), about))

    # -- archives --------------------------------------------------------------

    def archived(self, reference_id: str) -> tuple[ArchivedText, NormalisedText] | None:
        """The reference's archived text and its normalised form, read once per audit (None: none)."""
        if reference_id not in self.texts:
            self.texts[reference_id] = self._read(reference_id)
        return self.texts[reference_id]

    def warn_unverifiable(self, reference_id: str) -> bool:
        """Whether a passage of this source that cannot be verified deserves its own warning.

        Not when the reference names an archive file that is missing or unreadable: that was said
        once, on the reference (``archive-missing``), and saying it again for each passage would bury it.
        """
        record = self.records.get(reference_id)
        return self.uses_archives and (record is None or record.status == "none")

    def _read(self, reference_id: str) -> tuple[ArchivedText, NormalisedText] | None:
        reference = self.references.get(reference_id)
        if reference is None or reference.archive is None:
            self.records[reference_id] = ArchiveRecord(reference_id, None, None, "none")
            return None
        name = reference.archive
        where = self.where(REFERENCES_FILE, (reference_id, "archive"))
        directory, relative = self._directory()
        path = directory / name
        if not os.path.lexists(path):
            self.records[reference_id] = ArchiveRecord(reference_id, name, None, "missing")
            if self.uses_archives:
                shown = path.as_posix() if relative is None else f"{relative}/{name}"
                self.warn(REFERENCES_FILE, (reference_id, "archive"),
                          ARCHIVE_MISSING_MESSAGE.format(reference=reference_id, name=name, shown=shown),
                          ARCHIVE_MISSING, ("references", reference_id))
            return None
        if relative is not None:
            archived, problems = read_archive(name, self.project.root, relative, where=where)
        else:
            archived, problems = self._read_outside(name, directory, where)
        errors = [problem for problem in problems if problem.severity is Severity.ERROR]
        self.problems.extend(errors)
        for problem in problems:
            if problem.severity is Severity.WARNING:
                self.findings.append(Finding(problem, ("references", reference_id)))
        if archived is None:
            self.records[reference_id] = ArchiveRecord(reference_id, name, None, "unreadable")
            return None
        normalised = normalise(archived.text)
        span = reference.span
        if span is None:
            self.records[reference_id] = ArchiveRecord(reference_id, name, archived.sha256, "archived")
            return archived, normalised
        located = locate_span(normalised, span.start, span.end)
        if isinstance(located, SpanProblem):
            # The file was read (its record stays right); its passages cannot be checked without the span.
            self.records[reference_id] = ArchiveRecord(reference_id, name, archived.sha256, "archived")
            self.error(REFERENCES_FILE, (reference_id, "span"),
                       f"reference '{reference_id}': span in archive '{name}': {located.message}", located.code)
            return None
        part = restricted(normalised, *located)
        low, high = part.original_span(0, len(part.text)) if part.text else (0, 0)
        self.records[reference_id] = ArchiveRecord(reference_id, name, archived.sha256, "archived", low, high)
        return archived, part

    def scope(self, reference_id: str) -> str | None:
        """The original text the reference's passages are matched in: its archive, or its span of it (None: none).
        Offsets into it are offsets into the whole archived text minus :attr:`ArchiveRecord.span_start`."""
        found = self.archived(reference_id)
        if found is None:
            return None
        record = self.records[reference_id]
        if record.span_start is None or record.span_end is None:
            return found[0].text
        return found[0].text[record.span_start:record.span_end]

    def _directory(self) -> tuple[Path, str | None]:
        """The archive directory, and its path relative to the project when it is inside it."""
        root = self.project.root
        if self.override is None:
            return root / self.project.settings.archive_dir, self.project.settings.archive_dir
        try:
            relative = self.override.resolve().relative_to(root.resolve()).as_posix()
        except (ValueError, OSError, RuntimeError):
            return self.override, None
        return root / relative, relative

    def _read_outside(self, name: str, directory: Path, where: tuple[str, int | None]
                      ) -> tuple[ArchivedText | None, list[Problem]]:
        """An archive in a directory outside the project (``--archive-dir``): confined to that directory."""
        shown = (directory / name).as_posix()

        def located(message: str, severity: Severity = Severity.ERROR) -> Problem:
            return Problem(where[0], where[1], f"archive '{name}' ({shown}): {message}", severity)

        try:
            data = read_project_file(directory / name, directory, max_bytes=MAX_ARCHIVE_BYTES)
        except FileProblem as error:
            return None, [located(error.problem.message)]
        archived, messages = archive_text(name, data)
        problems = [located(message, Severity.WARNING) for message in messages]
        if archived is None:
            return None, [located("no text could be read from the file")]
        return archived, problems

    # -- passages --------------------------------------------------------------

    def evidence(self, topic_id: str, where: tuple[object, ...], subject: str, source: str, passage: str,
                  about: tuple[str, str, int]) -> PassageAudit:
        """An evidence passage (of a fact or a figure) checked against its source: an error if it is not there."""
        check = self.check_passage(source, passage)
        if check.outcome == "not-found":
            self.error(topic_id, where, f"{subject}: the evidence for '{source}' "
                        + self.not_found(check, "").lstrip(), "evidence-not-found")
        elif check.outcome == "unverifiable" and self.warn_unverifiable(source):
            self.warn(topic_id, where, f"{subject}: the evidence for '{source}' cannot be verified: "
                       "the source has no archived text", "evidence-unverifiable", about)
        return check

    def check_passage(self, source: str, passage: str) -> PassageAudit:
        found = self.archived(source)
        if found is None:
            return PassageAudit(source, passage, "unverifiable")
        archived, normalised = found
        match = find_passage(passage, normalised)
        if match is not None:
            return PassageAudit(source, passage, "verified", match.start, match.end, archived.sha256)
        if source not in self.indexes:
            self.indexes[source] = WordIndex(normalised)
        closest, ratio = closest_passage(passage, self.indexes[source])
        return PassageAudit(source, passage, "not-found", sha256=archived.sha256, closest=closest,
                            similarity=ratio)

    def not_found(self, check: PassageAudit, what: str) -> str:
        name = self.references[check.source].archive
        if check.closest:
            return (f"{what} is not in the archived text of '{check.source}' ({name}); the closest passage "
                    f"(similarity {check.similarity:.2f}) reads: \"{shown(check.closest)}\"")
        return f"{what} is not in the archived text of '{check.source}' ({name}), nor anything like it"
