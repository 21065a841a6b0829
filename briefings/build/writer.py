"""Writing a build's outputs into ``output/``: all or nothing per briefing, and only files this tool wrote.

Contract: (:func:`briefings.files.check_output_directory` refuses, before
anything is rendered, an ``output/`` that could not be written or lies outside
the project.) :func:`write_outputs` writes outputs all or nothing: each to a
temporary file (``output/.NAME.*.briefings-tmp``), then moved into place
together, the ones already moved being put back if a later move fails.
:func:`write_briefing` writes one briefing's changed outputs so and records
them in the manifest (:mod:`briefings.build.manifest`, written last by the
build, atomically); :func:`keep_edition` keeps a new edition's files under
``output/editions/`` (:mod:`briefings.editions.store`) before the drafts are
replaced. Temporary files that a killed build left behind are removed by the
next build (:func:`remove_stale_temporaries`), and outputs of briefings that
no longer exist are removed (:func:`remove_stale`), but only files this tool
wrote, as the manifest records them: nothing else in ``output/`` is touched.
Every failure to write is a located :class:`~briefings.errors.Problem`.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from briefings.build.fingerprint import Fingerprints
from briefings.build.manifest import BriefingRecord, FileState, Manifest, OutputRecord
from briefings.build.plan import Plan
from briefings.digests import digest
from briefings.editions.store import prune, write_edition
from briefings.errors import Problem, ProblemsFound, relative_path
from briefings.files import (
    TEMP_SUFFIX,
    FileProblem,
    stage_file,
    temporary_name,
)
from briefings.paths import EDITIONS_NAME, OUTPUT_DIR, STATE_DIR
from briefings.project.model import Briefing, Project
from briefings.render.briefing import RenderedBriefing

logger = logging.getLogger("briefings")


@dataclass(frozen=True)
class Output:
    """One rendered file of a briefing, and where it goes: ``output/<briefing id>.<format>``."""

    briefing_id: str
    format: str
    path: Path
    #: The rendered bytes; in a build's report, None once they are written (they are then the file's, and a
    #: large build holds no more than the briefings being written).
    data: bytes | None

    def written(self) -> Output:
        """This output as the report keeps it once written: without its bytes."""
        return replace(self, data=None)

    @property
    def content(self) -> bytes:
        """The rendered bytes (what a caller that did not write them reads; never None)."""
        assert self.data is not None, f"{self.path.name} was written: read the file"
        return self.data


def output_of(root: Path, briefing: Briefing, extension: str, data: bytes) -> Output:
    """The output of ``briefing`` in the format ``extension``, made of ``data``."""
    return Output(briefing.id, extension, root / OUTPUT_DIR / f"{briefing.id}.{extension}", data)


def write_briefing(root: Path, plan: Plan, result: RenderedBriefing, outputs: list[Output], manifest: Manifest,
                   fingerprints: Fingerprints) -> list[Path]:
    """Write one briefing's changed outputs (all or none of them) and record them in the manifest."""
    generated = plan.generated.isoformat()
    record = manifest.briefings.get(plan.briefing.id) or BriefingRecord(generated=generated)
    record.generated = generated
    changed = []
    for output in outputs:
        previous = record.outputs.get(output.format)
        unchanged = previous is not None and previous.file.sha256 == digest(output.content) \
            and previous.file.matches(output.path)
        if not unchanged:
            changed.append(output)
    written = write_outputs(root, changed)
    for output in outputs:
        previous = record.outputs.get(output.format)
        state = previous.file if output not in changed and previous else FileState.of(output.path, output.content)
        reads = result.reads.get(output.format, set())
        uses_all = result.uses_all_references.get(output.format, False)
        record.outputs[output.format] = OutputRecord(
            fingerprint=fingerprints.output(plan.data, output.format, generated, reads, uses_all),
            generated=generated, reads={key: fingerprints.file(key) for key in sorted(reads)},
            uses_all_references=uses_all, file=state)
    record.warnings = [[warning.path, warning.line, warning.message, warning.code] for warning in result.warnings]
    manifest.briefings[plan.briefing.id] = record
    return written


def keep_edition(root: Path, project: Project, plan: Plan, result: RenderedBriefing) -> list[Path]:
    """Keep the new edition's files under output/editions/, then prune old editions as the project asks."""
    output_dir = root / OUTPUT_DIR
    try:
        written = write_edition(output_dir, plan.briefing.id, plan.edition, result.outputs)
        prune(output_dir, root, plan.briefing.id, project.settings.keep_editions)
    except FileProblem as error:
        raise ProblemsFound([error.problem]) from None
    except OSError as error:
        where = relative_path(Path(error.filename), root) if error.filename else f"{OUTPUT_DIR}/{EDITIONS_NAME}"
        raise ProblemsFound([Problem(where, None, f"cannot write the edition: {error.strerror}")]) from None
    return written


def remove_stale(root: Path, project: Project, manifest: Manifest, keep: Iterable[str] = ()) -> list[Path]:
    """Remove outputs this tool wrote for briefings (or formats) the project no longer has.

    A briefing in ``keep`` (one that failed this run: its topic file is broken, so it is not in
    ``project.briefings``) is not gone: its previous outputs stay as they were.
    """
    current = {briefing.id for briefing in project.briefings} | set(keep)
    removed = []
    for briefing_id, record in list(manifest.briefings.items()):
        for output_format, output in list(record.outputs.items()):
            if briefing_id in current and (output_format in project.settings.formats or output_format == "json"):
                continue
            path = root / OUTPUT_DIR / f"{briefing_id}.{output_format}"
            if output.file.matches(path):  # only what the tool itself wrote, as it wrote it
                path.unlink()
                removed.append(path)
            del record.outputs[output_format]
        if not record.outputs:
            del manifest.briefings[briefing_id]
    return removed


def write_outputs(root: Path, outputs: Sequence[Output]) -> list[Path]:
    """Write every output, or none of them; see the module docstring."""
    directory = root / OUTPUT_DIR
    try:
        directory.mkdir(exist_ok=True)
    except OSError as error:
        raise ProblemsFound([Problem(OUTPUT_DIR, None,
                                     f"cannot create the output directory: {error.strerror}")]) from None
    # (temporary files a killed build left are swept once per build, by the build: sweeping here listed the
    # whole of output/ for each briefing, which made a build of 10,000 briefings quadratic)
    staged: list[tuple[Path, Path]] = []
    moved: list[tuple[Path, Path | None]] = []  # (target, backup of what it replaced)
    try:
        for output in outputs:
            if output.path.is_dir() and not output.path.is_symlink():
                raise ProblemsFound([Problem(relative_path(output.path, root), None,
                                             "cannot write this output: a directory is in its place")])
        for output in outputs:
            # No fsync per output (it cost seconds per thousand files): a rename is
            # atomic for every reader and against a killed build; after a power
            # failure a file not yet on disk no longer matches the manifest's
            # record of it (size, time) and the next build renders it again.
            staged.append((stage_file(output.path, output.content), output.path))
        for temporary, target in staged:
            backup = None
            if os.path.lexists(target):
                backup = temporary_name(target)
                os.link(target, backup, follow_symlinks=False)
            try:
                os.replace(temporary, target)
            except BaseException:
                _discard([backup] if backup else [])
                raise
            moved.append((target, backup))
    except OSError as error:
        _roll_back(moved)
        _discard(temporary for temporary, _ in staged)
        where = relative_path(Path(error.filename), root) if error.filename else OUTPUT_DIR
        raise ProblemsFound([Problem(where, None, f"cannot write output: {error.strerror}; "
                                     "the previous outputs are unchanged")]) from error
    except BaseException:
        _roll_back(moved)
        _discard(temporary for temporary, _ in staged)
        raise
    _discard(backup for _, backup in moved if backup is not None)
    return [target for target, _ in moved]


def _roll_back(moved: list[tuple[Path, Path | None]]) -> None:
    for target, backup in reversed(moved):
        try:
            if backup is None:
                target.unlink(missing_ok=True)
            else:
                os.replace(backup, target)
        except OSError:
            logger.error("could not restore %s", target)


def _discard(paths: Iterable[Path]) -> None:
    for path in paths:
        try:
            path.unlink(missing_ok=True)
        except OSError:
            pass


def remove_stale_temporaries(directory: Path) -> None:
    """Remove the temporary files a killed build left in ``directory`` and its bookkeeping (only ours, by name)."""
    for path in [*directory.glob(f".*{TEMP_SUFFIX}"), *(directory / STATE_DIR).glob(f".*{TEMP_SUFFIX}")]:
        if path.is_file() and not path.is_symlink():
            _discard([path])
