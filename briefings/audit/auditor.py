"""The attribution audit: what each fact, quote and figure says, checked against the archived sources.

Contract: :func:`audit_project` takes a loaded :class:`~briefings.project.model.Project`
and returns an :class:`~briefings.audit.results.Audit`: for every quote, fact and figure its outcome,
and the problems found, each located at the offending YAML value
(``path:LINE``). It reads each cited reference's archived copy once
(:func:`briefings.audit.archive.read_archive`) and otherwise has no effect;
:mod:`briefings.audit.project_audit` runs it for ``check``, ``build`` and
``publish`` (the loader never does), adds its errors to the project's problems
and passes its warnings through the ``acknowledge:`` entries like every other warning.

What is checked:

* **Quotes.** A fact's ``quote.text`` must stand, after
  :func:`briefings.audit.normalise.normalise` (typographic quotes, dashes, line
  breaks, invisible characters) and as whole words
  (:func:`briefings.audit.match.find_passage`: ``likely`` is not in "unlikely",
  nor ``13`` in "130"), in the archived text of the fact's *first* source:
  ``verified``; otherwise ``not-found``, an **error** whose message shows the closest passage of the
  archive. A quote whose first source has no archive (no ``archive:``, or the file absent) is ``unverifiable``: warning
  ``quote-unverifiable``. A quote found is *attributed* only when its speaker
  is named near a place it stands (:mod:`briefings.audit.speakers`: the name,
  its surname or a ``speaker_aliases`` entry, in the quote's sentence or the
  one before): otherwise warning ``quote-speaker-unconfirmed``
  (:attr:`briefings.audit.results.QuoteAudit.speaker_confirmed`).
* **Evidence.** Each ``evidence`` passage is checked the same way against
  its own source's archive: ``not-found`` is an **error** with the closest
  passage; a source without an archive gives ``evidence-unverifiable``. A
  fact whose every source carries verified evidence is *fully evidenced*.
* **Numbers.** Every number a fact's text states (dates and years left out,
  see :func:`briefings.audit.numbers.numbers_in`) must be stated by one of its
  evidence passages or its quote (where a day, an ordinal, a time or a span
  of years, ``13 June``, ``10:30``, ``2012-13``, states no number; see
  :func:`briefings.audit.numbers.number_appears`): otherwise warning ``number-not-in-evidence``
  naming the number. Facts without evidence are not checked for numbers (a
  fact with a quote but no evidence, one of whose sources keeps an archive,
  gets warning ``evidence-missing``). A figure's numbers (:func:`briefings.audit.numbers.figure_numbers`) must be stated
  somewhere in the archived text of one of its sources; a figure none of
  whose sources has an archive is ``unverifiable`` and not warned about.
  Otherwise the same warning, naming the number and, as a hint, the numbers
  of the same kind (same currency, or percentages) that the archives state:
  a whole article states many numbers, and which quantity each measures needs
  a reader, so a different number somewhere in it is no contradiction.
* **Polarity.** A fact with evidence whose text and evidence disagree in
  polarity (:func:`briefings.audit.polarity.polarity_mismatch`: ``agreed``
  against ``refused``, ``did not agree`` against ``agreed``): warning
  ``polarity-mismatch``, quoting the two phrases.
* **Figures with evidence.** A figure may name, per source, the passage that
  gives its value (``evidence``, as facts do). Each passage is checked like a
  quote (``evidence-not-found``, an **error**). The curator has said that the
  passage gives *this* quantity, so if it states a number of the same kind
  (an amount in the figure's currency, a percentage) but not the figure's
  value, the figure is *contradicted by its own evidence*: **error**
  ``figure-contradicted``, naming both numbers. A passage stating no number
  of that kind gives the ``number-not-in-evidence`` warning instead.
* **Corroboration.** Each fact's Admiralty grade
  (:func:`briefings.audit.grades.combined_grade`, e.g. ``B2``); warning
  ``single-outlet`` for a fact whose sources come from one outlet (distinct
  ``outlet`` values, not references). ``low-reliability`` (every source
  graded D, E or F) is the loader's warning; the audit records it.
* **Discrepancies.** Figures sharing a ``key`` (within or across topics)
  whose values differ (their numbers as :func:`briefings.audit.numbers.figure_numbers`
  reads value and unit, or else their normalised text) are a discrepancy:
  warning ``figure-discrepancy`` at each figure, naming the other values and
  their sources.
* **Archives.** A reference whose ``archive:`` file does not exist gets warning ``archive-missing`` (its
  passages are then unverifiable, without a warning each); any other problem reading it is an error.

Warnings about attribution (``quote-unverifiable``, ``evidence-unverifiable``,
``evidence-missing``, ``single-outlet``, ``archive-missing``) are given only in a project that keeps
archives (at least one reference has ``archive:``): a project that does not is
checked exactly as before. ``number-not-in-evidence`` needs evidence or an
archive to apply, and ``figure-discrepancy`` a ``key``, so neither affects a
project that uses neither.

The archive directory is the project's ``archive_dir`` (inside the project),
or the ``archive_dir`` argument: a directory anywhere (``--archive-dir`` on
the command line), whose files are read only if they are regular files
inside it (no symbolic link leading out of it).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from briefings.audit.archive import MAX_ARCHIVE_BYTES, ArchivedText, archive_text, read_archive
from briefings.audit.grades import WEAK_GRADES, combined_grade
from briefings.audit.match import WordIndex, closest_passage, find_passage
from briefings.audit.normalise import NormalisedText, normalise
from briefings.audit.numbers import StatedNumber, figure_numbers, number_appears, numbers_in
from briefings.audit.polarity import polarity_mismatch
from briefings.audit.results import (
    ArchiveRecord,
    Audit,
    Discrepancy,
    DiscrepantFigure,
    FactAudit,
    FigureAudit,
    Finding,
    Outcome,
    PassageAudit,
    QuoteAudit,
    SourceAudit,
    TopicSummary,
)
from briefings.audit.speakers import confirm_speaker, speaker_names
from briefings.errors import Problem, Severity
from briefings.files import FileProblem, read_project_file
from briefings.paths import REFERENCES_FILE

if TYPE_CHECKING:
    from briefings.project.model import Project
    from briefings.project.schema import Fact, Figure, Reference

#: The closest passage shown in a message is cut to this many characters.
_SHOWN_CHARS = 300


def audit_project(project: Project, *, archive_dir: Path | str | None = None) -> Audit:
    """Audit ``project`` against its archived sources; see the module docstring.

    ``archive_dir`` overrides the project's ``archive_dir``: a path (absolute,
    or relative to the current directory) to a directory anywhere.
    """
    return _Auditor(project, archive_dir).run()


def _shown(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _SHOWN_CHARS else text[:_SHOWN_CHARS - 1] + "…"


def _value_text(figure: Figure) -> str:
    return f"{figure.value}{' ' + figure.unit if figure.unit else ''}"


class _Auditor:
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

    def _where(self, key: str, location: tuple[object, ...]) -> tuple[str, int | None]:
        document = self.project.documents.get(key)
        if document is None:
            return (key if key == REFERENCES_FILE else f"sources/topics/{key}.yaml"), None
        return document.display_path, document.line_of(location)

    def _error(self, key: str, location: tuple[object, ...], message: str, code: str) -> None:
        path, line = self._where(key, location)
        self.problems.append(Problem(path, line, message, Severity.ERROR, code))

    def _warn(self, key: str, location: tuple[object, ...], message: str, code: str,
              about: tuple[str, ...] | tuple[str, str, int]) -> None:
        path, line = self._where(key, location)
        self.findings.append(Finding(Problem(path, line, message, Severity.WARNING, code), about))

    # -- archives --------------------------------------------------------------

    def archived(self, reference_id: str) -> tuple[ArchivedText, NormalisedText] | None:
        """The reference's archived text and its normalised form, read once per audit (None: none)."""
        if reference_id not in self.texts:
            self.texts[reference_id] = self._read(reference_id)
        return self.texts[reference_id]

    def _warn_unverifiable(self, reference_id: str) -> bool:
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
        where = self._where(REFERENCES_FILE, (reference_id, "archive"))
        directory, relative = self._directory()
        path = directory / name
        if not os.path.lexists(path):
            self.records[reference_id] = ArchiveRecord(reference_id, name, None, "missing")
            if self.uses_archives:
                shown = path.as_posix() if relative is None else f"{relative}/{name}"
                self._warn(REFERENCES_FILE, (reference_id, "archive"),
                           f"reference '{reference_id}': archive '{name}' ({shown}) does not exist: its quotes "
                           "and evidence cannot be verified", "archive-missing", ("references", reference_id))
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
        self.records[reference_id] = ArchiveRecord(reference_id, name, archived.sha256, "archived")
        return archived, normalise(archived.text)

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

    def _evidence(self, topic_id: str, where: tuple[object, ...], subject: str, source: str, passage: str,
                  about: tuple[str, str, int]) -> PassageAudit:
        """An evidence passage (of a fact or a figure) checked against its source: an error if it is not there."""
        check = self.check_passage(source, passage)
        if check.outcome == "not-found":
            self._error(topic_id, where, f"{subject}: the evidence for '{source}' "
                        + self._not_found(check, "").lstrip(), "evidence-not-found")
        elif check.outcome == "unverifiable" and self._warn_unverifiable(source):
            self._warn(topic_id, where, f"{subject}: the evidence for '{source}' cannot be verified: "
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

    def _not_found(self, check: PassageAudit, what: str) -> str:
        name = self.references[check.source].archive
        if check.closest:
            return (f"{what} is not in the archived text of '{check.source}' ({name}); the closest passage "
                    f"(similarity {check.similarity:.2f}) reads: \"{_shown(check.closest)}\"")
        return f"{what} is not in the archived text of '{check.source}' ({name}), nor anything like it"

    # -- the audit -------------------------------------------------------------

    def run(self) -> Audit:
        facts: list[FactAudit] = []
        figures: list[FigureAudit] = []
        for topic_id, parts in self.project.audited_parts():  # (with the valid facts of invalid topics)
            for index, fact in parts.facts:
                facts.append(self._fact(topic_id, index, fact))
            for index, figure in parts.figures:
                figures.append(self._figure(topic_id, index, figure))
        discrepancies = self._discrepancies()
        for reference_id in self.references:  # every archive is read (and its problems found), cited or not
            self.archived(reference_id)
        summaries = []
        for topic_id in self.project.topics:
            mine = [item for item in facts if item.topic == topic_id]
            quotes = [item.quote.outcome for item in mine if item.quote]
            summaries.append(TopicSummary(
                topic=topic_id, facts=len(mine), quotes_verified=quotes.count("verified"),
                quotes_not_found=quotes.count("not-found"), quotes_unverifiable=quotes.count("unverifiable"),
                fully_evidenced=sum(item.fully_evidenced for item in mine),
                single_source=sum(item.single_source for item in mine),
                single_outlet=sum(item.single_outlet for item in mine),
                low_reliability=sum(item.low_reliability for item in mine),
                discrepancies=sum(1 for item in discrepancies if any(f.topic == topic_id for f in item.figures)),
                quotes_speaker_confirmed=sum(1 for item in mine if item.quote and item.quote.speaker_confirmed)))
        return Audit(facts=tuple(facts), figures=tuple(figures), discrepancies=tuple(discrepancies),
                     archives=tuple(self.records[key] for key in sorted(self.records)), topics=tuple(summaries),
                     problems=tuple(self.problems), findings=tuple(self.findings), uses_archives=self.uses_archives)

    def _fact(self, topic_id: str, index: int, fact: Fact) -> FactAudit:
        location = ("facts", index)
        about = ("facts", topic_id, index)
        known = [source for source in fact.sources if source in self.references]
        references: list[Reference] = [self.references[source] for source in known]
        quote = None
        if fact.quote is not None and fact.sources[0] in self.references:
            check = self.check_passage(fact.sources[0], fact.quote.text)
            quote = self._quote(topic_id, index, fact, check)
            if check.outcome == "not-found":
                self._error(topic_id, (*location, "quote", "text"),
                            f"fact '{fact.id}': the quote " + self._not_found(check, "").lstrip(), "quote-not-found")
            elif check.outcome == "unverifiable" and self._warn_unverifiable(fact.sources[0]):
                self._warn(topic_id, (*location, "quote", "text"),
                           f"fact '{fact.id}': the quote cannot be verified: its first source "
                           f"'{fact.sources[0]}' has no archived text", "quote-unverifiable", about)
        sources = []
        for source in dict.fromkeys(fact.sources):
            reference = self.references.get(source)
            evidence = None
            if source in fact.evidence and reference is not None:
                evidence = self._evidence(topic_id, (*location, "evidence", source), f"fact '{fact.id}'", source,
                                          fact.evidence[source], about)
            sources.append(SourceAudit(source, reference.outlet if reference else None,
                                       reference.reliability if reference else None, evidence))
        passages = [*fact.evidence.values(), *([fact.quote.text] if fact.quote else [])]
        unsupported: list[str] = []
        if fact.evidence:
            for number in numbers_in(fact.text):
                if not number_appears(number, passages) and number.written not in unsupported:
                    unsupported.append(number.written)
            if unsupported:
                self._warn(topic_id, (*location, "text"),
                           f"fact '{fact.id}' states {_listed(unsupported)}, which none of its evidence passages "
                           f"states: check the number, or quote the passage that gives it", "number-not-in-evidence",
                           about)
            mismatch = polarity_mismatch(fact.text, passages)
            if mismatch:
                self._warn(topic_id, (*location, "text"),
                           f"fact '{fact.id}' says \"{mismatch[0]}\" where its evidence says \"{mismatch[1]}\": check "
                           "that the fact says what its sources say", "polarity-mismatch", about)
        if fact.quote is not None and not fact.evidence and any(reference.archive for reference in references):
            self._warn(topic_id, (*location, "text"), f"fact '{fact.id}' has a quote but no evidence passage: "
                       "its text is not checked; give under evidence: the passage of each source that supports it",
                       "evidence-missing", about)
        outlets = {reference.outlet.casefold() for reference in references}
        single_outlet = len(outlets) == 1 and len(known) == len(fact.sources)
        if single_outlet and self.uses_archives:
            detail = "" if len(set(fact.sources)) == 1 else f" ({len(set(fact.sources))} references)"
            self._warn(topic_id, (*location, "sources"),
                       f"fact '{fact.id}' rests on a single outlet, {references[0].outlet}{detail}: corroborate it",
                       "single-outlet", about)
        grades = [reference.reliability for reference in references]
        low = bool(references) and len(known) == len(fact.sources) and all(
            grade in WEAK_GRADES for grade in grades)
        fully = bool(sources) and all(item.evidence is not None and item.evidence.outcome == "verified"
                                      for item in sources)
        return FactAudit(topic=topic_id, fact=fact.id, grade=combined_grade(grades, fact.credibility),
                         sources=tuple(sources), quote=quote, fully_evidenced=fully,
                         single_source=len(set(fact.sources)) == 1, single_outlet=single_outlet,
                         low_reliability=low, unsupported_numbers=tuple(unsupported))

    def _quote(self, topic_id: str, index: int, fact: Fact, check: PassageAudit) -> QuoteAudit:
        """The quote's check, with whether its speaker is named near it (:mod:`briefings.audit.speakers`):
        a quote found without its speaker gives warning ``quote-speaker-unconfirmed``."""
        assert fact.quote is not None
        speaker = fact.quote.speaker
        if check.outcome != "verified" or check.start is None or check.end is None:
            return QuoteAudit(**check.__dict__, speaker=speaker)
        archived = self.archived(check.source)
        assert archived is not None
        names = speaker_names(speaker, fact.quote.speaker_aliases)
        named = confirm_speaker(fact.quote.text, archived[0].text, names, (check.start, check.end))
        if named is None:
            self._warn(topic_id, ("facts", index, "quote", "speaker"),
                       f"fact '{fact.id}': the quote is in the archived text of '{check.source}', but its speaker "
                       f"is not named near it (none of {_listed(names)} in its sentence or the one before): check who "
                       "said it, or declare the name the source uses in speaker_aliases",
                       "quote-speaker-unconfirmed", ("facts", topic_id, index))
        return QuoteAudit(**check.__dict__, speaker=speaker, speaker_confirmed=named is not None,
                          speaker_named_as=named)

    def _figure(self, topic_id: str, index: int, figure: Figure) -> FigureAudit:
        if figure.evidence:
            return self._figure_with_evidence(topic_id, index, figure)
        searched = [source for source in dict.fromkeys(figure.sources) if self.archived(source) is not None]
        if not searched:
            return FigureAudit(topic_id, index, figure.label, figure.key, "unverifiable")
        texts = [self.archived(source)[1].original for source in searched]  # type: ignore[index]
        numbers = figure_numbers(figure.value, figure.unit)
        missing = [number for number in numbers if not number_appears(number, texts)]
        if missing:
            hints = _same_kind(missing, texts)
            hint = f"; the archives state {_listed(hints)}" if hints else ""
            self._warn(topic_id, ("figures", index, "value"),
                       f"figure '{figure.label}' ({_value_text(figure)}): {_listed([n.written for n in missing])} "
                       f"is not stated in the archived text of {_listed(searched, quoted=True)}{hint}",
                       "number-not-in-evidence", ("figures", topic_id, index))
        return FigureAudit(topic_id, index, figure.label, figure.key, "not-found" if missing else "verified",
                           tuple(searched), tuple(number.written for number in missing))

    def _figure_with_evidence(self, topic_id: str, index: int, figure: Figure) -> FigureAudit:
        """A figure that names, per source, the passage giving its value: the passages are checked like quotes,
        and the value must be what they state. A passage that states another number of the same kind (another
        amount in the same currency, another percentage) and not the figure's value contradicts it: an error."""
        about = ("figures", topic_id, index)
        checks = []
        for source in dict.fromkeys(figure.sources):
            if source not in figure.evidence or source not in self.references:
                continue
            checks.append(self._evidence(topic_id, ("figures", index, "evidence", source),
                                         f"figure '{figure.label}'", source, figure.evidence[source], about))
        passages = [check.passage for check in checks]
        numbers = figure_numbers(figure.value, figure.unit)
        missing = [number for number in numbers if not number_appears(number, passages)]
        if missing:
            stated = _same_kind(missing, passages)
            shown = f"figure '{figure.label}' ({_value_text(figure)})"
            if stated:
                self._error(topic_id, ("figures", index, "value"),
                            f"{shown} is contradicted by its own evidence, which states {_listed(stated)} and not "
                            f"{_listed([number.written for number in missing])}: correct the value or the passage",
                            "figure-contradicted")
            else:
                self._warn(topic_id, ("figures", index, "value"),
                           f"{shown}: {_listed([number.written for number in missing])} is not stated in its "
                           "evidence passages", "number-not-in-evidence", about)
        outcome: Outcome = "not-found" if missing or any(check.outcome == "not-found" for check in checks) \
            else "verified" if any(check.outcome == "verified" for check in checks) else "unverifiable"
        return FigureAudit(topic_id, index, figure.label, figure.key, outcome,
                           tuple(check.source for check in checks), tuple(number.written for number in missing),
                           tuple(checks))

    def _discrepancies(self) -> list[Discrepancy]:
        by_key: dict[str, list[tuple[str, int, Figure]]] = {}
        for topic_id, topic in self.project.topics.items():
            for index, figure in enumerate(topic.figures):
                if figure.key:
                    by_key.setdefault(figure.key, []).append((topic_id, index, figure))
        found = []
        for key, members in sorted(by_key.items()):
            values = {_comparable(figure) for _, _, figure in members}
            if len(values) < 2:
                continue
            shown = []
            for topic_id, index, figure in members:
                path, line = self._where(topic_id, ("figures", index, "value"))
                shown.append((DiscrepantFigure(topic_id, index, figure.label, _value_text(figure),
                                               tuple(figure.sources), path, line), _comparable(figure)))
            found.append(Discrepancy(key, tuple(item for item, _ in shown)))
            for mine, value in shown:
                others = "; ".join(f"{other.value} in topic '{other.topic}' (figure '{other.label}', sources: "
                                   f"{', '.join(other.sources)})" for other, compared in shown if compared != value)
                self._warn(mine.topic, ("figures", mine.index, "value"),
                           f"figure '{mine.label}' ({mine.value}, sources: {', '.join(mine.sources)}) disagrees with "
                           f"figures of the same key '{key}': {others}", "figure-discrepancy",
                           ("figures", mine.topic, mine.index))
        return found


def _comparable(figure: Figure) -> object:
    numbers = figure_numbers(figure.value, figure.unit)
    if numbers:
        return tuple(sorted((str(n.value.normalize()), n.currency or "", n.percent) for n in numbers))
    return normalise(_value_text(figure)).text.casefold()


def _same_kind(missing: list[StatedNumber], texts: list[str]) -> list[str]:
    """Numbers the texts state of the same kind as a missing one (a currency, or a percentage): hints."""
    hints: list[str] = []
    for number in missing:
        if number.currency is None and not number.percent:
            continue
        for text in texts:
            for stated in numbers_in(text):
                if stated.percent == number.percent and (stated.currency or None) == number.currency \
                        and stated.written not in hints:
                    hints.append(stated.written)
    return hints[:5]


def _listed(items: Iterable[str], *, quoted: bool = True) -> str:
    return ", ".join(f"'{item}'" if quoted else item for item in items)


__all__ = ["audit_project"]
