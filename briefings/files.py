"""Reading a project's files without trusting them.

Contract: :func:`read_project_file` returns the bytes of one regular file that
lies inside the project, or raises :class:`FileProblem` carrying one
:class:`~briefings.errors.Problem` (the path relative to the project, no line)
that says in one line why it was refused. It never follows a symbolic link to
a place outside the project, never blocks (a named pipe is refused, not
opened for a blocking read), never reads a device, and never reads more than
``max_bytes`` (:data:`MAX_FILE_BYTES` unless told otherwise).

:func:`list_topic_files` lists the topic files of ``sources/topics`` (ignoring
hidden files and editor leftovers), :func:`check_project_dir` vets a
directory such as ``templates/`` or ``output/`` before anything uses it and
:func:`check_output_directory` vets ``output/`` and its bookkeeping before a
build writes there; they report refusals as Problems instead of raising.

Writing: :func:`stage_file` writes bytes to a temporary file beside their
target (named ``.NAME.*.briefings-tmp``, :data:`TEMP_SUFFIX`, so that the
leftovers of a killed build can be recognised and swept) and
:func:`replace_file` moves it into place in one step, so that a reader sees
the old file or the new one, never half of one.

Every path shown to the user is relative to the project, as the user wrote
it (not resolved through links), with control characters in names escaped so
that each problem stays on one line.
"""

from __future__ import annotations

import errno
import os
import re
import secrets
import stat
import unicodedata
from collections.abc import Callable
from pathlib import Path

from briefings.errors import Problem, relative_path
from briefings.paths import OUTPUT_DIR, STATE_DIR

#: The largest file the tool reads (5 MiB): hundreds of times a real topic
#: file, small enough that a mistaken or hostile file cannot exhaust memory.
MAX_FILE_BYTES = 5 * 1024 * 1024
#: The largest archived document read: a saved page with its inline scripts and styles can be large.
MAX_ARCHIVE_BYTES = 20 * 1024 * 1024

TOPIC_SUFFIXES = (".yaml", ".yml")

_READ_CHUNK = 1024 * 1024

#: The ending of every temporary file the tool writes.
TEMP_SUFFIX = ".briefings-tmp"


class FileProblem(Exception):
    """Raised when a project file cannot or must not be read; carries the Problem."""

    def __init__(self, problem: Problem):
        self.problem = problem
        super().__init__(str(problem))


def read_project_file(path: Path, root: Path, *, max_bytes: int = MAX_FILE_BYTES) -> bytes:
    """The contents of ``path``, a regular file inside the project ``root``; see the module docstring."""
    refuse = _refuser(path, root)
    # (a name of printable ASCII has no character to refuse: the common case, told without building the name)
    name_problem = None if _plain_name(str(path)) else _name_problem(_relative_text(path, root))
    if name_problem:
        raise refuse(name_problem)
    real = _resolve_inside(path, root, refuse)
    # stat before opening, so that a device or pipe is never even opened ...
    try:
        _require_regular(os.stat(real).st_mode, refuse)
        descriptor = os.open(real, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | os.O_CLOEXEC)
    except FileProblem:
        raise
    except OSError as error:
        raise _os_problem(error, refuse) from None
    # ... and fstat after, because the file may have been replaced in between.
    return _read_and_close(descriptor, max_bytes, refuse)


def open_project_dir(path: Path, root: Path) -> int | None:
    """A descriptor of ``path``, a directory inside the project (no link on the way out of it), to read many
    files of it by name with :func:`read_file_in`; None if it is absent or not such a directory. The caller
    closes it."""
    if check_project_dir(path, root) is not None or not os.path.isdir(path):
        return None
    try:
        return os.open(os.path.realpath(path), os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError:
        return None


def read_file_in(directory: int, name: str, shown: str, *, max_bytes: int = MAX_FILE_BYTES) -> bytes:
    """The contents of the regular file ``name`` (a plain name, no "/") of the directory open as ``directory``
    (:func:`open_project_dir`): never through a link, nor a device or pipe. ``shown`` names it in a problem.

    The directory was vetted once, so each file costs one open, not the resolution of its whole path."""
    def refuse(message: str) -> FileProblem:
        return FileProblem(Problem(shown, None, message))

    if not name or "/" in name or name in (".", ".."):
        raise refuse("is not a plain file name")
    try:
        descriptor = os.open(name, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=directory)
    except OSError as error:
        raise _os_problem(error, refuse) from None
    return _read_and_close(descriptor, max_bytes, refuse)


def _read_and_close(descriptor: int, max_bytes: int, refuse: _Refuse) -> bytes:
    """The bytes of the open ``descriptor``, which must be a regular file of at most ``max_bytes``; closed after."""
    try:
        info = os.fstat(descriptor)
        _require_regular(info.st_mode, refuse)
        if info.st_size > max_bytes:
            raise refuse(_too_large(_mebibytes(info.st_size), max_bytes))
        chunks: list[bytes] = []
        size = 0
        while size <= max_bytes:  # the file may grow while it is read
            chunk = os.read(descriptor, min(_READ_CHUNK, max_bytes + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > max_bytes:
            raise refuse(_too_large(f"more than {_mebibytes(max_bytes)}", max_bytes))
        return b"".join(chunks)
    except OSError as error:
        raise _os_problem(error, refuse) from None
    finally:
        os.close(descriptor)


def list_topic_files(directory: Path, root: Path) -> tuple[list[Path], list[Problem]]:
    """The ``*.yaml`` and ``*.yml`` entries of ``directory``, sorted by name, and any problem listing it.

    Hidden names are skipped: they include editor lock and swap files
    (``.#name.yaml``, ``.name.yaml.swp``); backups and autosaves
    (``name.yaml~``, ``#name.yaml#``) do not end in ``.yaml``. Entries are
    not vetted here: :func:`read_project_file` refuses what must not be read.
    An absent directory has no files and no problem.
    """
    problem = check_project_dir(directory, root)
    if problem is not None:
        return [], [problem]
    if not directory.exists():
        return [], []
    try:
        names = os.listdir(directory)
    except OSError as error:
        return [], [_os_problem(error, _refuser(directory, root)).problem]
    chosen = sorted(name for name in names if name.endswith(TOPIC_SUFFIXES) and not name.startswith("."))
    return [directory / name for name in chosen], []


def check_project_dir(path: Path, root: Path) -> Problem | None:
    """None if ``path`` is absent or a directory inside the project, else the Problem with it."""
    if not os.path.lexists(path):
        return None
    refuse = _refuser(path, root)
    try:
        real = _resolve_inside(path, root, refuse, what="directory")
        if not real.is_dir():
            raise refuse("is not a directory")
    except FileProblem as error:
        return error.problem
    return None


def check_output_directory(root: Path) -> list[Problem]:
    """Refuse, before rendering anything, an ``output/`` (or its bookkeeping directory ``output/.briefings/``)
    that could not be written or lies outside the project."""
    directory = root / OUTPUT_DIR
    for vetted in (directory, directory / STATE_DIR):
        problem = check_project_dir(vetted, root)
        if problem is not None:
            return [problem]
    if directory.is_dir() and not os.access(directory, os.W_OK | os.X_OK):
        return [Problem(OUTPUT_DIR, None, "output directory is not writable")]
    return []


def display_path(path: Path, root: Path) -> str:
    """``path`` as the user knows it: relative to ``root`` without resolving links, names escaped."""
    return escape_name(_relative_text(path, root))


def escape_name(name: str) -> str:
    """``name`` with control and bidirectional characters (and undecodable bytes) written as escapes."""
    if _plain_name(name):
        return name  # (printable ASCII: nothing to escape, told without a look at each character)
    return "".join(_escape(character) if _is_unsafe(character) else character for character in name)


def describe_character(character: str) -> str:
    """``U+202E (RIGHT-TO-LEFT OVERRIDE)``: a character's code point, with its name when it has one."""
    name = unicodedata.name(character, "") or _CONTROL_NAMES.get(ord(character), "")
    code = f"U+{ord(character):04X}"
    return f"{code} ({name})" if name else code


def is_forbidden_character(character: str) -> bool:
    """Whether ``character`` may not appear in a file name or in text: controls other than tab and
    newline, and the bidirectional controls that make text display differently from what it says."""
    code = ord(character)
    return (code < 0x20 and character not in "\t\n") or 0x7F <= code <= 0x9F or code in _BIDI_CONTROLS


def first_forbidden_character(text: str) -> str | None:
    """The first character of ``text`` for which :func:`is_forbidden_character` holds, if any (one regex search)."""
    match = _FORBIDDEN_CHARACTER.search(text)
    return match.group() if match else None


# -- internals -------------------------------------------------------------------------------------

_BIDI_CONTROLS = frozenset([*range(0x202A, 0x202F), *range(0x2066, 0x206A)])
# The characters is_forbidden_character refuses, as one class (tests check that the two agree).
_FORBIDDEN_CHARACTER = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")

# unicodedata has no names for C0 controls; these are their Unicode aliases.
_CONTROL_NAMES = {
    0x00: "NULL", 0x01: "START OF HEADING", 0x02: "START OF TEXT", 0x03: "END OF TEXT",
    0x04: "END OF TRANSMISSION", 0x05: "ENQUIRY", 0x06: "ACKNOWLEDGE", 0x07: "BELL", 0x08: "BACKSPACE",
    0x09: "CHARACTER TABULATION", 0x0A: "LINE FEED", 0x0B: "LINE TABULATION", 0x0C: "FORM FEED",
    0x0D: "CARRIAGE RETURN", 0x0E: "SHIFT OUT", 0x0F: "SHIFT IN", 0x10: "DATA LINK ESCAPE",
    0x11: "DEVICE CONTROL ONE", 0x12: "DEVICE CONTROL TWO", 0x13: "DEVICE CONTROL THREE",
    0x14: "DEVICE CONTROL FOUR", 0x15: "NEGATIVE ACKNOWLEDGE", 0x16: "SYNCHRONOUS IDLE",
    0x17: "END OF TRANSMISSION BLOCK", 0x18: "CANCEL", 0x19: "END OF MEDIUM", 0x1A: "SUBSTITUTE",
    0x1B: "ESCAPE", 0x1C: "FILE SEPARATOR", 0x1D: "GROUP SEPARATOR", 0x1E: "RECORD SEPARATOR",
    0x1F: "UNIT SEPARATOR", 0x7F: "DELETE", 0x85: "NEXT LINE",
}


def _is_unsafe(character: str) -> bool:
    # A lone surrogate is a byte of a name that is not UTF-8 (Python's surrogateescape).
    return is_forbidden_character(character) or character in "\t\n" or 0xD800 <= ord(character) <= 0xDFFF


def _escape(character: str) -> str:
    code = ord(character)
    if 0xDC80 <= code <= 0xDCFF:
        return f"\\x{code - 0xDC00:02x}"
    return character.encode("unicode_escape").decode("ascii")


def _name_problem(name: str) -> str | None:
    for character in name:
        if 0xDC80 <= ord(character) <= 0xDCFF:
            return f"file name is not valid UTF-8 (byte 0x{ord(character) - 0xDC00:02x}): rename the file"
        if _is_unsafe(character):
            return f"file name contains the control character {describe_character(character)}: rename the file"
    return None


_Refuse = Callable[[str], FileProblem]


def _plain_name(name: str) -> bool:
    return name.isascii() and name.isprintable()


def _refuser(path: Path, root: Path) -> _Refuse:
    # The path is shown only if something is refused: most reads refuse nothing.
    return lambda message: FileProblem(Problem(display_path(path, root), None, message))


def _relative_text(path: Path, root: Path) -> str:
    # (the common case, a path under the root as given, told from the strings without making paths)
    text, base = str(path), str(root)
    if text.startswith(base) and text[len(base):len(base) + 1] == "/" and base not in ("", "."):
        return text[len(base) + 1:]
    for candidate, base in ((path, root), (Path(os.path.abspath(path)), Path(os.path.abspath(root)))):
        try:
            return candidate.relative_to(base).as_posix()
        except ValueError:
            continue
    return relative_path(path, root)


def _resolve_inside(path: Path, root: Path, refuse: _Refuse, what: str = "file") -> Path:
    """The real path of ``path``, which must be inside ``root``; a FileProblem otherwise."""
    # (strings, not Path objects: this runs for every file a build reads)
    real_root = os.path.realpath(root)
    # A path that leaves the project by its own ".." is no symbolic link: say what it is.
    if not _within(os.path.abspath(path), os.path.abspath(root)):
        raise refuse(f"is outside the project: refused (a {what} must be inside the project directory)")
    try:
        real = os.path.realpath(path, strict=True)
    except FileNotFoundError:
        # A broken link: say where it points only if that is inside the project.
        if not _within(os.path.realpath(path), real_root):
            raise refuse(f"is a symbolic link to a {what} outside the project: refused") from None
        if os.path.islink(path):
            raise refuse("is a broken symbolic link (what it points to does not exist)") from None
        raise refuse(f"{what} does not exist") from None
    except OSError as error:
        raise _os_problem(error, refuse) from None
    if not _within(real, real_root):
        raise refuse(f"is a symbolic link to a {what} outside the project: refused")
    return Path(real)


def _within(path: str, base: str) -> bool:
    """Whether the normalised absolute ``path`` is ``base`` or inside it (as :meth:`Path.is_relative_to`)."""
    return path == base or path.startswith(base if base.endswith(os.sep) else base + os.sep)


def _require_regular(mode: int, refuse: _Refuse) -> None:
    if stat.S_ISREG(mode):
        return
    if stat.S_ISDIR(mode):
        raise refuse("is a directory, not a file")
    if stat.S_ISFIFO(mode):
        raise refuse("is a named pipe (FIFO), not a regular file: refused")
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        raise refuse("is a device, not a regular file: refused")
    if stat.S_ISSOCK(mode):
        raise refuse("is a socket, not a regular file: refused")
    raise refuse("is not a regular file: refused")


def _os_problem(error: OSError, refuse: _Refuse) -> FileProblem:
    if error.errno == errno.ELOOP:
        return refuse("is a symbolic link loop")
    if error.errno in (errno.EACCES, errno.EPERM):
        return refuse("cannot read file: permission denied")
    reason = (error.strerror or type(error).__name__).lower()
    return refuse(f"cannot read file: {reason}")


def _too_large(size: str, limit: int) -> str:
    return f"file is too large: {size} (the limit is {_mebibytes(limit)})"


def _mebibytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MiB" if size >= 1024 * 1024 else f"{size:,} bytes"


def temporary_name(target: Path) -> Path:
    """A fresh temporary name beside ``target``."""
    return target.with_name(f".{target.name}.{secrets.token_hex(6)}{TEMP_SUFFIX}")


def stage_file(target: Path, data: bytes, *, fsync: bool = False) -> Path:
    """Write ``data`` to a new temporary file beside ``target``; return its path (removed again on failure)."""
    temporary = temporary_name(target)
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            if fsync:
                handle.flush()
                os.fsync(handle.fileno())
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return temporary


def replace_file(target: Path, data: bytes, *, fsync: bool = False) -> None:
    """Replace ``target`` with ``data`` in one step (see the module docstring)."""
    os.replace(stage_file(target, data, fsync=fsync), target)
