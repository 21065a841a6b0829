"""What a reference's ``archive:`` file name and the project's ``archive_dir`` may be.

Contract: :func:`archive_name_problem` and :func:`archive_dir_problem` say in
one phrase what is wrong with a value (None: nothing), without touching the
disk. The schema (:mod:`briefings.project.schema`) refuses bad values with
them, ``add-source`` checks its options with them, and the audit
(:mod:`briefings.audit.archive`) checks again before it reads a file, so
that a name can never lead out of the archive directory. They live in the
project layer because validating what the user wrote is the loader's job;
reading the archives is the audit's.
"""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Literal

from briefings.files import first_forbidden_character

#: What each accepted file ending is read as.
ARCHIVE_KINDS: dict[str, Literal["text", "html"]] = {".txt": "text", ".md": "text", ".html": "html", ".htm": "html"}
_MAX_NAME_BYTES = 255


def archive_name_problem(name: str) -> str | None:
    """What is wrong with ``name`` as an ``archive:`` file name, or None."""
    if not name:
        return "must be a file name, not empty"
    if "/" in name or "\\" in name:
        return f"'{name}' must be a plain file name in the archive directory, without '/' or '\\'"
    if ".." in name:
        return f"'{name}' must not contain '..'"
    if name.startswith("."):
        return f"'{name}' must not be a hidden file name (starting with '.')"
    if name != name.strip():
        return f"'{name}' must not begin or end with white space"
    if first_forbidden_character(name) or "\n" in name or "\t" in name:
        return f"'{name}' contains a control character"
    if len(name.encode("utf-8", "surrogatepass")) > _MAX_NAME_BYTES:
        return f"file name is too long (at most {_MAX_NAME_BYTES} bytes)"
    suffix = PurePosixPath(name).suffix.lower()
    if suffix not in ARCHIVE_KINDS:
        return f"'{name}' is not a kind of file the archive takes (expected {', '.join(ARCHIVE_KINDS)})"
    return None


def archive_dir_problem(directory: str) -> str | None:
    """What is wrong with ``directory`` as the project's ``archive_dir``, or None."""
    if not directory or not directory.strip():
        return "must be a directory inside the project, not empty"
    if "\\" in directory or first_forbidden_character(directory) or "\n" in directory:
        return f"'{directory}' must be a project-relative path written with '/'"
    path = PurePosixPath(directory)
    if path.is_absolute() or directory.startswith("~"):
        return f"'{directory}' must be relative to the project, not absolute"
    if ".." in path.parts:
        return f"'{directory}' must stay inside the project (no '..')"
    if path.parts in ((), (".",)):
        return f"'{directory}' must be a directory inside the project, not the project itself"
    return None
