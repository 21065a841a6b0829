"""What the live preview may serve: regular files inside the project's ``output/``, and nothing else.

Contract: :func:`resolve_output_file` (and :func:`locate`, which also gives
the directory it vetted) says which file a URL path names, or None:
no ``..``, no dotfiles or dot-directories (the build's ``output/.briefings/``
bookkeeping, temporaries), no symbolic link leading out of ``output/``, and
nothing at all if ``output/`` itself leads out of the project.
:func:`read_output_file` reads the file found, opened without following a
link in its last component and, where the system can say which file was
opened (``/proc/self/fd`` on Linux, ``F_GETPATH`` on macOS), only if that is
inside ``output/``, so a directory swapped for a link between the check and
the read serves nothing either. :func:`output_problem` is the build's own
vetting of ``output/`` (linked out of the project, or its ``.briefings/``),
which the server applies at start and on every request.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from urllib.parse import unquote

from briefings.errors import Problem
from briefings.files import check_project_dir
from briefings.paths import OUTPUT_DIR


def output_problem(root: Path) -> Problem | None:
    """Why the project's ``output/`` must not be served from (linked out of the project, not a directory), if so."""
    return check_project_dir(root / OUTPUT_DIR, root)


def resolve_output_file(output: Path, url_path: str) -> Path | None:
    """The regular file inside ``output`` that ``url_path`` names, or None if it names nothing it may serve.

    ``output`` is a project's output directory: if it leads out of the project (its parent), nothing is served.
    """
    resolved = locate(output, url_path)
    return Path(resolved[0]) if resolved is not None else None


def locate(output: Path, url_path: str) -> tuple[str, str] | None:
    """The real path of the file ``url_path`` names and the real path of ``output`` it was found inside."""
    relative = unquote(url_path)
    if "\\" in relative or "\0" in relative or not relative.startswith("/"):
        return None
    parts = relative[1:].split("/")
    if any(part in ("", ".", "..") or part.startswith(".") for part in parts):
        return None
    # Resolved once, and the file looked for inside what was vetted (a second realpath could see a swapped link).
    base = os.path.realpath(output)
    if not Path(base).is_relative_to(os.path.realpath(output.parent)) or not os.path.isdir(base):
        return None
    target = os.path.realpath(os.path.join(base, *parts))
    if not _inside(target, base) or not os.path.isfile(target):
        return None
    return target, base


def _inside(path: str, base: str) -> bool:
    """Whether the real path ``path`` is inside the real directory ``base`` and no part of it is hidden."""
    inside = os.path.relpath(path, base)
    return not (inside.startswith("..") or os.path.isabs(inside)
                or any(part.startswith(".") for part in inside.split(os.sep)))


def read_output_file(target: str, base: str) -> bytes | None:
    """The bytes of ``target`` if the file opened is still inside ``base`` (both from :func:`locate`).

    ``output/`` or a directory on the way may have been swapped for a link since ``target`` was resolved: the
    last component is opened without following a link, and the file opened is checked by the path the system
    gives for it, where it gives one. None if it cannot or must not be read.
    """
    try:
        descriptor = os.open(target, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):  # replaced by a FIFO or device since: never read
            return None
        opened = _opened_path(descriptor)
        if opened is not None and not _inside(opened, base):
            return None
        with os.fdopen(os.dup(descriptor), "rb") as handle:
            return handle.read()
    except OSError:
        return None
    finally:
        os.close(descriptor)


def _opened_path(descriptor: int) -> str | None:
    """The path of the file open as ``descriptor``, as the system gives it (None where it cannot)."""
    try:
        return os.readlink(f"/proc/self/fd/{descriptor}")  # Linux
    except OSError:
        pass
    try:
        import fcntl
    except ImportError:  # Windows: no such call; the check before opening is all there is
        return None
    get_path = getattr(fcntl, "F_GETPATH", None)  # macOS
    if get_path is None:
        return None
    try:
        return os.fsdecode(fcntl.fcntl(descriptor, get_path, bytes(1024)).split(b"\0", 1)[0])
    except OSError:
        return None
