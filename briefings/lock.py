"""One build of a project at a time: a lock on the project's ``output/`` directory.

Contract: :func:`project_lock` is a context manager held by every command
that writes (``build``, through :class:`BuildLock`; ``check`` and ``list``
never lock). While one build is inside it, no other build of the same
project is, whichever process or terminal started it. A second build that finds the lock taken calls
``on_wait`` once (the CLI prints one line) and waits up to ``wait_seconds``
for it; ``wait_seconds=0`` means fail at once. When the wait runs out it
raises :class:`~briefings.errors.ProblemsFound` with one problem::

    output/.briefings/lock: another build of this project is still running after 300 s; try again later or raise --wait

and nothing has been written. A lock file that cannot be created or opened
(a symbolic link or a directory in its place, no permission) is a problem at
the same path, never a traceback.

The lock is ``output/.briefings/lock`` (:data:`LOCK_FILE_NAME`), taken with
the maintained `filelock <https://py-filelock.readthedocs.io>`_ library. On
Unix that is an ``flock`` on the open file, which the kernel drops when the
process holding it ends in any way, SIGKILL included: a killed build never
blocks the next one, and no stale-lock clean-up is needed. The file itself
is left in place and reused by every later build (removing it on release
would let two builds lock two different files of the same name). It is not
an output: nothing that lists, writes or cleans the outputs may count,
replace or remove it (:func:`is_lock_file`).

The caller must have checked ``output/`` first (see
:func:`briefings.files.check_output_directory`): the lock creates
``output/`` if it is missing and a file inside it, which must never happen
in a directory outside the project or one that is not ours to write.

Caveats, inherited from ``flock``: a child process that inherits the open
lock file keeps the lock held after its parent dies, until it ends too, so
the build's worker processes close their copies at once
(:func:`forget_inherited_locks`) and are told to end with their parent; and
on a filesystem without ``flock`` (some network
filesystems) ``filelock`` falls back, with a warning, to a lock that exists
as long as its file does, which a killed build would leave behind.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import filelock

from briefings.errors import Problem, ProblemsFound
from briefings.paths import DEFAULT_WAIT, LOCK_FILE_NAME, LOCK_PATH, OUTPUT_DIR, STATE_DIR

_IN_ITS_PLACE = {errno.ELOOP: "a symbolic link is in its place", errno.EISDIR: "a directory is in its place"}

#: How often a waiting build tries the lock again: short enough that it starts soon after the other ends.
_POLL_SECONDS = 0.1


def is_lock_file(path: Path) -> bool:
    """Whether ``path`` is the build lock, which is never one of the outputs."""
    return path.name == LOCK_FILE_NAME and path.parent.name == STATE_DIR


def lock_path(root: Path) -> Path:
    return Path(root) / OUTPUT_DIR / STATE_DIR / LOCK_FILE_NAME


@contextmanager
def project_lock(root: Path, wait_seconds: float = DEFAULT_WAIT, *,
                 on_wait: Callable[[], None] | None = None) -> Iterator[None]:
    """Hold the build lock of the project at ``root`` for the duration of the block; see the module docstring."""
    if wait_seconds < 0 or wait_seconds != wait_seconds or wait_seconds == float("inf"):
        raise ValueError(f"wait_seconds must be a finite number of seconds, 0 or more, not {wait_seconds!r}")
    path = lock_path(root)
    try:
        path.parent.parent.mkdir(exist_ok=True)
        path.parent.mkdir(exist_ok=True)
    except OSError as error:
        raise ProblemsFound([Problem(OUTPUT_DIR, None,
                                     f"cannot create the output directory: {error.strerror}")]) from None
    # is_singleton=False and thread_local=False: one fresh lock per build, so that two builds in one process
    # (tests, a long-running caller) exclude each other as two processes would, instead of re-entering.
    lock = filelock.FileLock(str(path), thread_local=False, is_singleton=False)
    try:
        if not _try(lock, blocking=False):
            if wait_seconds == 0:
                raise _still_running(None)
            if on_wait is not None:
                on_wait()
            if not _try(lock, timeout=wait_seconds):
                raise _still_running(wait_seconds)
    except OSError as error:
        # A symbolic link or a directory in the lock's place, or no permission: ours to report, not to follow.
        reason = _IN_ITS_PLACE.get(error.errno or 0, error.strerror or str(error))
        raise ProblemsFound([Problem(LOCK_PATH, None, f"cannot take the build lock: {reason}")]) from None
    try:
        _held_descriptors.add(_descriptor(lock))
        yield
    finally:
        _held_descriptors.discard(_descriptor(lock))
        lock.release()


class BuildLock:
    """The project's lock for one build, taken when the build is ready for it and released when the build ends.

    A build calls :meth:`take` with ``create=False`` once ``output/`` has been
    checked, before rendering, and :meth:`take` again just before writing.
    While ``output/`` does not exist the first call does nothing: there are
    no outputs yet to protect, and a build that fails must leave no trace,
    not even ``output/``; the second call then creates it and locks. Used as
    a context manager, it releases the lock (if taken) on leaving.
    """

    def __init__(self, root: Path, wait_seconds: float = DEFAULT_WAIT, *,
                 on_wait: Callable[[], None] | None = None) -> None:
        self.root = Path(root)
        self.wait_seconds = wait_seconds
        self.on_wait = on_wait
        self._stack = ExitStack()
        self.held = False

    def take(self, *, create: bool = True) -> None:
        if self.held or (not create and not (self.root / OUTPUT_DIR).is_dir()):
            return
        self._stack.enter_context(project_lock(self.root, self.wait_seconds, on_wait=self.on_wait))
        self.held = True

    def __enter__(self) -> BuildLock:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.held = False
        self._stack.close()


#: File descriptors of the locks this process holds: a forked worker closes its copies
#: (see :func:`forget_inherited_locks`), so that the lock ends with the build that took it.
_held_descriptors: set[int] = set()


def _descriptor(lock: filelock.BaseFileLock) -> int:
    return -1 if lock._context.lock_file_fd is None else lock._context.lock_file_fd  # noqa: SLF001


def forget_inherited_locks() -> None:
    """In a forked child: close the lock files inherited from the parent (the parent's locks stay held)."""
    for descriptor in _held_descriptors:
        if descriptor >= 0:
            try:
                os.close(descriptor)
            except OSError:
                pass
    _held_descriptors.clear()


def _try(lock: filelock.BaseFileLock, *, blocking: bool = True, timeout: float = -1) -> bool:
    try:
        lock.acquire(timeout=timeout, blocking=blocking, poll_interval=_POLL_SECONDS)
    except filelock.Timeout:
        return False
    return True


def _still_running(waited: float | None) -> ProblemsFound:
    if waited is None:
        message = "another build of this project is running; try again later or raise --wait"
    else:
        message = (f"another build of this project is still running after {waited:g} s; "
                   "try again later or raise --wait")
    return ProblemsFound([Problem(LOCK_PATH, None, message)])


def waiting_message(wait_seconds: float) -> str:
    """The one line a build prints when it has to wait for another."""
    return (f"briefings: waiting up to {wait_seconds:g} s for another build of this project to finish "
            f"({LOCK_PATH})…")


__all__ = ["DEFAULT_WAIT", "BuildLock", "LOCK_FILE_NAME", "LOCK_PATH", "is_lock_file", "lock_path", "project_lock",
           "waiting_message"]
