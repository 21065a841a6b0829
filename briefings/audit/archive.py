"""Archived copies of the documents references cite: reading them, and the text to verify facts against.

Contract: a reference may name ``archive: <file name>``, a plain file name
(no ``/``, no ``..``, not hidden) in the project's archive directory
(``archive_dir`` in ``briefings.yaml``, by default ``sources/archive``).
:func:`read_archive` reads it through :func:`briefings.files.read_project_file`
(inside the project only, symbolic links out refused, regular files, at most
:data:`MAX_ARCHIVE_BYTES`) and returns an :class:`ArchivedText` with the
problems found, located at the reference when the caller says where it is.

Plain text (``.txt``, ``.md``) is the text as it stands. A saved web page
(``.html``, ``.htm``) is reduced to its article text by trafilatura, set up
to be deterministic and offline: the markup is given to it as text, it
fetches nothing, and it keeps no state between documents (no
de-duplication). When it finds no article, the whole text of the page is
used instead, with a warning saying so. Offsets reported against an archive
(see :mod:`briefings.audit.match`) are offsets in :attr:`ArchivedText.text`: the
file's text, or the text extracted from the page.

Text that is not valid UTF-8 is decoded with the invalid bytes replaced by
U+FFFD and a warning naming the first one: the archive is a copy of someone
else's document, so the curator may not be able to fix it, and a quotation
can never be verified by a replacement character, only fail to be.
Extraction takes a few milliseconds per news article (3 to 9 ms for the
example project's five seed articles, plus 0.2 s to import trafilatura
once); its results are remembered by the file's SHA-256 for the life of the
process.
"""

from __future__ import annotations

import codecs
import hashlib
import re
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Literal

from briefings.errors import Problem, Severity
from briefings.files import MAX_ARCHIVE_BYTES, FileProblem, check_project_dir, display_path, read_project_file
from briefings.paths import DEFAULT_ARCHIVE_DIR
from briefings.project.archive_names import ARCHIVE_KINDS, archive_dir_problem, archive_name_problem

_CACHE_ENTRIES = 64


@dataclass(frozen=True)
class ArchivedText:
    """The text of one archived document."""

    name: str
    text: str
    #: SHA-256 of the file's bytes, in hex.
    sha256: str
    kind: Literal["text", "html"]
    #: For a web page: True when no article was found and the whole page's text was used.
    whole_page: bool = False


def read_archive(name: str, root: Path, archive_dir: str = DEFAULT_ARCHIVE_DIR, *,
                 where: tuple[str, int | None] | None = None) -> tuple[ArchivedText | None, list[Problem]]:
    """The archived document ``name`` of the project at ``root``, and the problems reading it.

    Without ``where`` a problem is located at the archived file (or the
    archive directory); with it (the file and line of the ``archive:`` key),
    at the reference, naming the file. A result of None always comes with at
    least one error; a result may come with warnings (text that is not
    UTF-8, a page whose article could not be found).
    """
    directory = root / archive_dir
    path = directory / name

    def located(message: str, severity: Severity = Severity.ERROR, at: Path = path) -> Problem:
        if where is None:
            return Problem(display_path(at, root), None, message, severity)
        return Problem(where[0], where[1], f"archive '{name}' ({display_path(at, root)}): {message}", severity)

    problem = archive_dir_problem(archive_dir)
    if problem:
        return None, [located(f"archive_dir {problem}", at=root)]
    problem = archive_name_problem(name)
    if problem:
        return None, [located(problem, at=directory)]
    directory_problem = check_project_dir(directory, root)
    if directory_problem is not None:
        return None, [located(directory_problem.message, at=directory)]
    try:
        data = read_project_file(path, root, max_bytes=MAX_ARCHIVE_BYTES)
    except FileProblem as error:
        return None, [located(error.problem.message)]
    archived, messages = archive_text(name, data)
    problems = [located(message, Severity.WARNING) for message in messages]
    if archived is None:
        return None, [located("no text could be read from the file")]
    return archived, problems


_cache: OrderedDict[tuple[str, str], tuple[str, bool, tuple[str, ...]]] = OrderedDict()


def archive_text(name: str, data: bytes) -> tuple[ArchivedText | None, list[str]]:
    """The text of a document named ``name`` with contents ``data``, and warnings about reading it.

    None when there is no text at all (an empty file, a page with no text).
    """
    kind = ARCHIVE_KINDS.get(PurePosixPath(name).suffix.lower(), "text")
    digest = hashlib.sha256(data).hexdigest()
    key = (digest, kind)
    if key in _cache:
        _cache.move_to_end(key)
        text, whole_page, warnings = _cache[key]
    else:
        if kind == "html":
            text, whole_page, warnings = _page_text(data)
        else:
            decoded, warning = _decode(data, None)
            text, whole_page, warnings = decoded, False, (warning,) if warning else ()
        _cache[key] = (text, whole_page, warnings)
        while len(_cache) > _CACHE_ENTRIES:
            _cache.popitem(last=False)
    if not text.strip():
        return None, list(warnings)
    return ArchivedText(name, text, digest, kind, whole_page), list(warnings)


def _decode(data: bytes, declared: str | None) -> tuple[str, str | None]:
    """``data`` as text: UTF-8 (a byte-order mark dropped) or the encoding a page declares."""
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
        declared = None
    encoding = "utf-8"
    if declared:
        try:
            encoding = codecs.lookup(declared).name
        except LookupError:
            encoding = "utf-8"
    try:
        return data.decode(encoding), None
    except UnicodeDecodeError as error:
        shown = "UTF-8" if encoding == "utf-8" else encoding
        return data.decode(encoding, errors="replace"), (
            f"the text is not valid {shown} (byte 0x{data[error.start]:02x} at offset {error.start}): invalid bytes "
            "are read as U+FFFD, and a passage containing them cannot be verified; save the file as UTF-8")


_DECLARED_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)


def _page_text(data: bytes) -> tuple[str, bool, tuple[str, ...]]:
    declared = _DECLARED_CHARSET.search(data[:4096])
    markup, warning = _decode(data, declared.group(1).decode("ascii") if declared else None)
    warnings = (warning,) if warning else ()
    # A page with encoding declarations confuses lxml when given as text; they have been used already.
    markup = re.sub(r"^\s*<\?xml[^>]*\?>", "", markup)
    import trafilatura  # noqa: PLC0415 - 0.2 s to import: only when a page is read

    text = trafilatura.extract(
        markup, url=None, fast=False, favor_precision=False, favor_recall=False, include_comments=False,
        include_tables=True, include_images=False, include_links=False, include_formatting=False,
        output_format="txt", deduplicate=False, with_metadata=False, config=_trafilatura_config(),
    ) or ""
    if text.strip():
        return text, False, warnings
    whole = trafilatura.html2txt(markup) or ""
    return whole, True, (*warnings, "no article could be found in the page: the whole text of the page is used, "
                         "navigation and advertising included")


_config = None


def _trafilatura_config():  # type: ignore[no-untyped-def]
    global _config
    if _config is None:
        from trafilatura.settings import use_config

        config = use_config()
        config.set("DEFAULT", "EXTRACTION_TIMEOUT", "0")  # no signals: extraction may run in any thread
        config.set("DEFAULT", "MAX_FILE_SIZE", str(MAX_ARCHIVE_BYTES))
        config.set("DEFAULT", "EXTENSIVE_DATE_SEARCH", "off")
        _config = config
    return _config


def archive_path(root: Path, archive_dir: str, name: str) -> Path:
    """Where the archived document ``name`` is kept (not checked: see :func:`read_archive`)."""
    return root / archive_dir / name


__all__ = ["MAX_ARCHIVE_BYTES", "ArchivedText", "archive_path", "archive_text", "read_archive"]
