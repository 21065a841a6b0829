"""Time and memory bounds for work driven by untrusted input (templates, stylesheets).

Contract: :func:`time_limit` raises :class:`TimeLimitExceeded` inside the
guarded block once ``seconds`` have passed, and :func:`memory_limit` makes
any allocation that would take the process more than ``extra_bytes`` past
its current size fail with :class:`MemoryError`, which the caller turns into
a located problem. Both restore the previous state on exit and nest.

The time limit uses ``SIGALRM``, which Python delivers between bytecodes and
which interrupts blocking system calls (PEP 475), so a template looping for
ever or a read from a FIFO both end. Signals reach only the main thread:
called from any other thread, :func:`time_limit` runs the block without a
limit. The memory limit is ``RLIMIT_AS`` and exists on Linux only; elsewhere
the block runs unbounded.
"""

from __future__ import annotations

import contextlib
import resource
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import FrameType


class TimeLimitExceeded(Exception):
    """The guarded block ran longer than its limit."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        super().__init__(f"took longer than {seconds:g} s (the limit)")


# Once the limit has passed, the alarm repeats at this interval: libraries
# swallow exceptions in a few places (WeasyPrint around an SVG that fails to
# draw, say), and a swallowed TimeLimitExceeded must come again.
_REPEAT_SECONDS = 0.25


@contextlib.contextmanager
def time_limit(seconds: float | None) -> Iterator[None]:
    """Raise :class:`TimeLimitExceeded` in the block once ``seconds`` have passed (main thread only).

    The previous SIGALRM handler and timer are restored afterwards (the timer
    less the time spent here), so an enclosing limit still fires.
    """
    if not seconds or threading.current_thread() is not threading.main_thread() \
            or not hasattr(signal, "setitimer"):
        yield
        return
    finished = False

    def expire(signum: int, frame: FrameType | None) -> None:
        # Raised inside a finalizer, the exception would be printed and
        # ignored (and the finalizer cut short): wait for the next repeat.
        if not finished and not _in_finalizer(frame):
            raise TimeLimitExceeded(seconds)

    started = time.monotonic()
    previous_handler = signal.signal(signal.SIGALRM, expire)
    previous_delay, previous_interval = signal.setitimer(signal.ITIMER_REAL, seconds, _REPEAT_SECONDS)
    try:
        try:
            yield
        finally:
            finished = True  # an alarm that arrives while the rest is undone must not raise
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        # None: the previous handler was not installed from Python.
        signal.signal(signal.SIGALRM, signal.SIG_DFL if previous_handler is None else previous_handler)
        if previous_delay > 0:
            remaining = max(previous_delay - (time.monotonic() - started), 1e-6)
            signal.setitimer(signal.ITIMER_REAL, remaining, previous_interval)


def _in_finalizer(frame: FrameType | None) -> bool:
    for _ in range(10_000):  # bounded: a stack is never this deep
        if frame is None:
            return False
        if frame.f_code.co_name == "__del__":
            return True
        frame = frame.f_back
    return False


def _address_space_in_use() -> int | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


@contextlib.contextmanager
def memory_limit(extra_bytes: int) -> Iterator[None]:
    in_use = _address_space_in_use()
    if in_use is None:
        yield
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    wanted = in_use + extra_bytes
    if soft != resource.RLIM_INFINITY and soft <= wanted:
        yield  # already bounded more tightly from outside
        return
    if hard != resource.RLIM_INFINITY:
        wanted = min(wanted, hard)
    resource.setrlimit(resource.RLIMIT_AS, (wanted, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
