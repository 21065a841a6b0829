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
from collections.abc import Iterator
from pathlib import Path


class TimeLimitExceeded(Exception):
    """The guarded block ran longer than its limit."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        super().__init__(f"took longer than {seconds:g} s (the limit)")


@contextlib.contextmanager
def time_limit(seconds: float | None) -> Iterator[None]:
    if not seconds or threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(signum: int, frame: object) -> None:
        raise TimeLimitExceeded(seconds)

    previous_handler = signal.signal(signal.SIGALRM, expire)
    previous_delay, previous_interval = signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous_handler)
        if previous_delay:  # an outer limit keeps running
            signal.setitimer(signal.ITIMER_REAL, previous_delay, previous_interval)


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
