"""One build of a project at a time: real processes holding, releasing and dying with the lock.

The lock is held from a helper process (``python -c`` with :mod:`briefings.lock`) that says
``locked`` once it holds it and releases it when its standard input closes, or dies by SIGKILL.
Every wait here is bounded: each subprocess has a timeout, each polling loop a deadline.
"""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import Result

from briefings.build.orchestrate import build
from briefings.errors import ProblemsFound
from briefings.lock import project_lock, waiting_message
from briefings.paths import LOCK_FILE_NAME
from tests.conftest import GENERATED, TOPIC, TOPIC_FILE, changed, check, files_under, invoke, write

LOCK = "output/.briefings/lock"
HOLDER = """\
import sys
from pathlib import Path
from briefings.lock import project_lock
with project_lock(Path(sys.argv[1]), 0):
    print("locked", flush=True)
    sys.stdin.read()  # hold the lock until the test closes our standard input (or kills us)
"""
TIMEOUT = 60  # for any one process: far beyond what it needs, only so that a failure cannot hang the run


def build_md(root: Path, *extra: str) -> Result:
    return invoke("build", "--project", str(root), "--format", "md", *extra)


@contextmanager
def holder(root: Path) -> Iterator[subprocess.Popen[str]]:
    """Another process holding the project's lock for as long as the block lasts."""
    process = subprocess.Popen([sys.executable, "-c", HOLDER, str(root)], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        ready, _, _ = select.select([process.stdout], [], [], TIMEOUT)
        assert ready and process.stdout is not None and process.stdout.readline() == "locked\n", \
            process.stderr.read() if process.stderr else ""
        yield process
    finally:
        release(process)


def release(process: subprocess.Popen[str]) -> None:
    if process.poll() is None and process.stdin is not None:
        process.stdin.close()
    try:
        process.wait(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=TIMEOUT)


def wait_for(condition: object, what: str, seconds: float = TIMEOUT) -> None:
    deadline = time.monotonic() + seconds
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def build_process(root: Path, *extra: str, stderr_file: Path) -> subprocess.Popen[bytes]:
    with stderr_file.open("wb") as stderr:
        return subprocess.Popen([sys.executable, "-m", "briefings", "build", "--project", str(root),
                                 "--format", "md", *extra], stdout=subprocess.DEVNULL, stderr=stderr,
                                env={**os.environ, "SOURCE_DATE_EPOCH": "1767323045"})


# -- a second build waits ----------------------------------------------------------------------------------------


def test_second_build_waits_for_the_first_and_then_builds(project: Path, tmp_path: Path) -> None:
    (project / "output").mkdir()
    stderr_file = tmp_path / "stderr"
    with holder(project) as first:
        second = build_process(project, "--wait", "60", stderr_file=stderr_file)
        try:
            wait_for(lambda: stderr_file.read_bytes().endswith(b"\n") or second.poll() is not None,
                     "the waiting message")
            time.sleep(0.5)  # several polls of the lock: the message must still be one line
            assert second.poll() is None, "the second build did not wait"
            assert not (project / "output" / "test-topic.md").exists()
            release(first)
            assert second.wait(timeout=TIMEOUT) == 0, stderr_file.read_text()
        finally:
            if second.poll() is None:
                second.kill()
                second.wait(timeout=TIMEOUT)
    assert stderr_file.read_text(encoding="utf-8").splitlines() == [waiting_message(60)]
    assert waiting_message(60) == ("briefings: waiting up to 60 s for another build of this project to finish "
                                   "(output/.briefings/lock)…")
    assert (project / "output" / "test-topic.md").is_file()


def test_a_build_that_waits_too_long_fails_and_leaves_the_outputs_as_they_were(project: Path) -> None:
    assert build_md(project).exit_code == 0
    before = files_under(project / "output")
    write(project, TOPIC_FILE, changed(TOPIC, "held talks in London", "held talks in Paris"))
    with holder(project):
        started = time.monotonic()
        result = build_md(project, "--wait", "0.5")
        waited = time.monotonic() - started
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    assert result.stderr.splitlines() == [
        "briefings: waiting up to 0.5 s for another build of this project to finish (output/.briefings/lock)…",
        "output/.briefings/lock: another build of this project is still running after 0.5 s; "
        "try again later or raise --wait",
        "build failed: 1 error.",
    ]
    assert result.stdout == ""
    assert 0.4 < waited < 30
    assert files_under(project / "output") == before


def test_wait_0_fails_at_once_without_a_waiting_message(project: Path) -> None:
    with holder(project):
        started = time.monotonic()
        result = build_md(project, "--wait", "0")
        assert time.monotonic() - started < 10
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "output/.briefings/lock: another build of this project is running; try again later or raise --wait",
        "build failed: 1 error.",
    ]
    assert not (project / "output" / "test-topic.md").exists()


def test_default_wait_is_300_seconds() -> None:
    result = invoke("build", "--help")
    assert "--wait SECONDS" in result.stdout
    assert "[default: 300.0]" in " ".join(result.stdout.split())  # (however Click wraps the column)


# -- a killed build never blocks the next ------------------------------------------------------------------------


def test_a_holder_killed_with_sigkill_does_not_block_the_next_build(project: Path) -> None:
    with holder(project) as first:
        assert build_md(project, "--wait", "0").exit_code == 1  # it really holds the lock
        first.send_signal(signal.SIGKILL)
        assert first.wait(timeout=TIMEOUT) == -signal.SIGKILL
        assert (project / LOCK).exists()  # the file stays; only the kernel's lock on it went with the process
        result = build_md(project, "--wait", "0")
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    assert (project / "output" / "test-topic.md").is_file()


# -- what locks, and what the lock file is -----------------------------------------------------------------------


def test_check_and_list_never_lock(project: Path) -> None:
    with holder(project):
        assert check(project).exit_code == 0
        assert invoke("list", "--project", str(project)).exit_code == 0


def test_check_creates_no_lock_file(project: Path) -> None:
    assert check(project).exit_code == 0
    assert not (project / "output").exists()


def test_lock_file_is_kept_reused_and_never_an_output(project: Path) -> None:
    first = build(project, formats=("md",), generated=GENERATED)
    inode = (project / LOCK).stat().st_ino
    second = build(project, formats=("md",), generated=GENERATED)
    assert (project / LOCK).stat().st_ino == inode
    assert [path.name for path in first.written] == ["test-topic.md"]
    assert second.written == [] and second.up_to_date == ["test-topic"]
    for report in (first, second):
        assert all(output.path.name != LOCK_FILE_NAME for output in report.outputs)
    result = build_md(project)
    assert "briefings.lock" not in result.output


def test_no_lock_file_is_made_in_an_output_directory_outside_the_project(project: Path, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (project / "output").symlink_to(outside)
    assert build_md(project).exit_code == 1
    assert list(outside.iterdir()) == []


def test_a_symbolic_link_in_the_locks_place_is_refused_not_followed(project: Path, tmp_path: Path) -> None:
    (project / "output/.briefings").mkdir(parents=True)
    target = tmp_path / "victim"
    (project / LOCK).symlink_to(target)
    result = build_md(project)
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "output/.briefings/lock: cannot take the build lock: a symbolic link is in its place",
        "build failed: 1 error.",
    ]
    assert not target.exists()


def test_a_directory_in_the_locks_place_is_refused(project: Path) -> None:
    (project / LOCK).mkdir(parents=True)
    result = build_md(project, "--wait", "5")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (
        "output/.briefings/lock: cannot take the build lock: a directory is in its place")


@pytest.mark.parametrize("value", ["-1", "nan", "inf", "soon"])
def test_bad_wait_is_a_usage_error(project: Path, value: str) -> None:
    result = build_md(project, "--wait", value)
    assert result.exit_code == 2
    assert "Invalid value for '--wait'" in result.stderr


# -- the library ----------------------------------------------------------------------------------------------------


def test_two_locks_in_one_process_exclude_each_other(project: Path) -> None:
    waits: list[None] = []
    with project_lock(project, 0):
        with pytest.raises(ProblemsFound) as error, project_lock(project, 0.2, on_wait=lambda: waits.append(None)):
            pass
    assert [str(problem) for problem in error.value.problems] == [
        "output/.briefings/lock: another build of this project is still running after 0.2 s; "
        "try again later or raise --wait"]
    assert waits == [None]
    with project_lock(project, 0):  # released: free again
        pass


def test_the_library_build_takes_the_lock_too(project: Path) -> None:
    with project_lock(project, 0), pytest.raises(ProblemsFound):
        build(project, formats=("md",), generated=GENERATED, wait=0)
    assert not (project / "output" / "test-topic.md").exists()
