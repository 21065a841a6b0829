"""Driving a real ``briefings`` process from a test: starting it, and waiting until it reaches a known point.

Signals sent after a fixed delay land wherever the process happens to be on
that machine and that day; these helpers let a test send them at points it
can name instead: before the command's first instruction (SIGINT blocked when
the process starts, so that it is pending from the outset), or once the
process visibly reached a stage (it holds the build's lock open, it has
worker processes), read from ``/proc`` (Linux).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

#: A fixed "generated" time, so that a build's outputs do not depend on the clock.
SOURCE_DATE_EPOCH = "1767323045"
#: How long a process may take to reach a stage (generous: a loaded CI machine, a first run compiling .pyc files).
STAGE_SECONDS = 120.0
#: ``briefings`` as a user runs it: ``python -m briefings``, or the console script pip installed beside Python.
ENTRY_POINTS = {"python -m briefings": [sys.executable, "-m", "briefings"],
                "briefings script": [str(Path(sys.executable).with_name("briefings"))]}


def start(arguments: Sequence[str], *, entry: str = "python -m briefings", sigint_pending: bool = False,
          new_session: bool = False) -> subprocess.Popen[str]:
    """Start ``briefings ARGUMENTS``; with ``sigint_pending``, SIGINT is blocked in it from its first instant.

    A signal mask survives fork and exec, so a SIGINT sent at once stays
    pending through the interpreter's start-up, whatever the machine's
    speed, until the command unblocks it. ``new_session`` makes it the leader
    of its own process group, so that ``os.killpg`` reaches it and its
    workers, as a terminal's Ctrl-C does.
    """
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT}) if sigint_pending else None
    try:
        return subprocess.Popen([*ENTRY_POINTS[entry], *arguments], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, env={**os.environ, "SOURCE_DATE_EPOCH": SOURCE_DATE_EPOCH},
                                start_new_session=new_session)
    finally:
        if previous is not None:
            signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def wait_until(process: subprocess.Popen[str], reached: Callable[[], bool], stage: str) -> None:
    """Return as soon as ``reached()``; fail if the process ends first or takes longer than STAGE_SECONDS."""
    deadline = time.monotonic() + STAGE_SECONDS
    while not reached():
        if process.poll() is not None:
            stdout, stderr = process.communicate()
            raise AssertionError(f"the process ended (exit {process.returncode}) before {stage}:\n{stdout}{stderr}")
        if time.monotonic() > deadline:
            _stop(process)
            raise AssertionError(f"the process did not reach {stage} within {STAGE_SECONDS:g} s")
        time.sleep(0.002)  # polling /proc: there is no event to wait on


def finish(process: subprocess.Popen[str], seconds: float = STAGE_SECONDS) -> tuple[str, str]:
    """Its standard output and error once it ends; one still running after ``seconds`` is killed, so that a
    failing test leaves nothing behind."""
    try:
        return process.communicate(timeout=seconds)
    except subprocess.TimeoutExpired:
        stdout, stderr = _stop(process)
        raise AssertionError(f"the process was still running after {seconds:g} s:\n{stdout}{stderr}") from None


def _stop(process: subprocess.Popen[str]) -> tuple[str, str]:
    """Kill the process, with its process group if it leads one (its workers)."""
    try:
        if os.getpgid(process.pid) == process.pid:
            os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.kill()
    return process.communicate()


def children(pid: int) -> list[int]:
    """The processes ``pid`` started that are still running (its worker processes)."""
    listed = Path(f"/proc/{pid}/task/{pid}/children")
    try:
        return [int(child) for child in listed.read_text().split()]
    except FileNotFoundError:
        pass  # a kernel without that file: look at every process's parent
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def workers(pid: int) -> list[int]:
    """The children of ``pid`` that run its own program (not yet another one), e.g. its worker processes.

    A child that will run another program (ctypes looking for a library runs
    ``ldconfig``, say) runs this one for an instant first, after fork and
    before exec: such children come one at a time, so two at once are workers.
    """
    try:
        program = os.readlink(f"/proc/{pid}/exe")
    except OSError:
        return []
    found = []
    for child in children(pid):
        try:
            if os.readlink(f"/proc/{child}/exe") == program:
                found.append(child)
        except OSError:
            continue
    return found


def holds_open(pid: int, path: Path) -> bool:
    """Whether process ``pid`` has the file ``path`` open."""
    target = str(path.resolve())
    try:
        descriptors = list(Path(f"/proc/{pid}/fd").iterdir())
    except OSError:
        return False
    for descriptor in descriptors:
        try:
            if os.readlink(descriptor) == target:
                return True
        except OSError:
            continue
    return False
