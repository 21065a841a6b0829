"""The schedule's records on disk: the state file (the last scheduled run per briefing) and the run log.

Contract. :func:`read_state` / :func:`write_state` keep
``output/editions/schedule-state.json``: per briefing, the last scheduled
time that was run (``last_run``, ISO 8601 with offset) and, for people, its
schedule; it is replaced atomically. :func:`read_run_log` /
:func:`append_runs` keep ``output/editions/runs.jsonl``, one JSON object per
briefing per run (:class:`RunRecord`): ``time`` (ISO 8601 with offset, in
the project's zone: when the run was made), ``slot`` (the scheduled time it
stands for, when it stands for one), ``briefing``, ``outcome`` (``published``, ``unchanged``
or ``failed``), ``edition`` (a number or null), ``problems`` (one line each)
and ``seconds``; appended in one write, never through a link.

The years: instants given to the scheduler are in :data:`FIRST_YEAR` to
:data:`LAST_YEAR` (``--now`` refuses others, as a usage error; a state entry
outside them is damaged, since one far in the future would keep its briefing
from ever being due again). The range keeps time zone offsets, the look-back
and the next runs listed well inside what :mod:`datetime` can represent.

Untrusted input: both files are read only if they are regular files inside
the project (:func:`briefings.files.read_project_file`); refused ones are
:class:`~briefings.errors.Problem` s at their path, never followed. A state
file that is not what it should be (not JSON, wrong shape, dates that do not
parse or are out of range) is a one-line notice and is started afresh (each
scheduled briefing is then due once); damaged lines of the run log are
skipped, and only its last :data:`RUN_LOG_TAIL_BYTES` are read. Nothing here
takes the build lock: the runner holds it around every read that decides a
run and every write.
"""

from __future__ import annotations

import datetime
import json
import os
import stat
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from briefings.errors import Problem, ProblemsFound, printable
from briefings.files import FileProblem, check_output_directory, check_project_dir, read_project_file, replace_file
from briefings.paths import EDITIONS_DIR, RUN_LOG, SCHEDULE_STATE_FILE
from briefings.schedule.cron import Schedules

STATE_VERSION = 1

#: The years an instant given to the scheduler may be in (see the module docstring; ``briefings schedule --help``
#: writes them out, tests/schedule/test_schedule.py checks that the two agree).
FIRST_YEAR = 1970
LAST_YEAR = 2999
#: The tail of the run log :func:`read_run_log` reads.
RUN_LOG_TAIL_BYTES = 5 * 1024 * 1024


def in_range(instant: datetime.datetime) -> bool:
    """Whether ``instant`` (its date as written) is in the years :data:`FIRST_YEAR` to :data:`LAST_YEAR`."""
    return FIRST_YEAR <= instant.year <= LAST_YEAR


# -- output/editions/ --------------------------------------------------------------------------------------


def editions_problem(root: Path) -> Problem | None:
    """None if ``output/`` and ``output/editions/`` are absent or directories inside the project we may write."""
    problems = check_output_directory(root)
    if problems:
        return problems[0]
    return check_project_dir(root / EDITIONS_DIR, root)


def _ensure_editions_dir(root: Path) -> Path:
    problem = editions_problem(root)
    if problem is not None:
        raise ProblemsFound([problem])
    directory = root / EDITIONS_DIR
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ProblemsFound([Problem(EDITIONS_DIR, None, f"cannot create the directory: {error.strerror}")]) from None
    return directory


# -- the state file ----------------------------------------------------------------------------------------


def read_state(root: Path) -> tuple[dict[str, datetime.datetime], str | None]:
    """The last scheduled run of each briefing, and a notice if the state file had to be ignored.

    A missing file is an empty state. A file that must not be read (a link out of the project, not a regular
    file, too large) raises :class:`ProblemsFound`; one whose contents are damaged gives an empty state and a
    notice.
    """
    path = Path(root) / SCHEDULE_STATE_FILE
    if not os.path.lexists(path):
        return {}, None
    try:
        data = json.loads(read_project_file(path, Path(root)))
    except FileProblem as error:
        raise ProblemsFound([error.problem]) from None
    except (ValueError, RecursionError):
        return {}, f"{SCHEDULE_STATE_FILE} is not valid JSON: ignored, so every scheduled briefing is due once"
    entries = data.get("briefings") if isinstance(data, dict) else None
    if not isinstance(entries, dict):
        return {}, f"{SCHEDULE_STATE_FILE} is not a schedule state: ignored, so every scheduled briefing is due once"
    state: dict[str, datetime.datetime] = {}
    damaged = 0
    for briefing_id, entry in entries.items():
        last = entry.get("last_run") if isinstance(entry, dict) else None
        try:
            instant = datetime.datetime.fromisoformat(last) if isinstance(last, str) and len(last) < 64 else None
        except ValueError:
            instant = None
        if instant is None or instant.tzinfo is None or not in_range(instant):
            damaged += 1
            continue
        state[str(briefing_id)] = instant
    notice = (f"{SCHEDULE_STATE_FILE}: {damaged} damaged entr{'y' if damaged == 1 else 'ies'} ignored, "
              "so those briefings are due once") if damaged else None
    return state, notice


def write_state(root: Path, state: Mapping[str, datetime.datetime], schedules: Schedules | None = None) -> None:
    """Replace the state file with ``state`` in one step (the schedules, if given, are recorded for people)."""
    directory = _ensure_editions_dir(Path(root))
    expressions = {briefing.id: briefing.schedule for briefing in schedules.briefings} if schedules else {}
    entries = {}
    for briefing_id, instant in sorted(state.items()):
        entry: dict[str, Any] = {"last_run": instant.isoformat()}
        if expressions.get(briefing_id):
            entry["schedule"] = expressions[briefing_id]
        entries[briefing_id] = entry
    data = json.dumps({"version": STATE_VERSION, "briefings": entries}, indent=2, ensure_ascii=False) + "\n"
    target = directory / Path(SCHEDULE_STATE_FILE).name
    try:
        replace_file(target, data.encode("utf-8"))
    except OSError as error:
        raise ProblemsFound([Problem(SCHEDULE_STATE_FILE, None,
                                     f"cannot write the schedule state: {(error.strerror or str(error)).lower()}")]
                            ) from None


# -- the run log -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RunRecord:
    """One briefing's part in one run, as one line of the run log."""

    time: datetime.datetime
    briefing: str
    outcome: str
    edition: int | None = None
    problems: tuple[str, ...] = ()
    seconds: float = 0.0
    #: The scheduled time the run stands for (its edition is dated that day); ``time`` is when it was made.
    slot: datetime.datetime | None = None

    def to_json(self) -> str:
        data = {"time": self.time.isoformat(timespec="seconds"), "briefing": self.briefing,
                "outcome": self.outcome, "edition": self.edition, "problems": list(self.problems),
                "seconds": round(self.seconds, 3)}
        if self.slot is not None:
            data["slot"] = self.slot.isoformat(timespec="seconds")
        return json.dumps(data, ensure_ascii=False)

    @classmethod
    def from_json(cls, line: str) -> RunRecord | None:
        try:
            data = json.loads(line)
            if not isinstance(data, dict):
                return None
            instant = datetime.datetime.fromisoformat(data["time"])
            edition = data.get("edition")
            problems = data.get("problems", [])
            seconds = data.get("seconds", 0.0)
            if (instant.tzinfo is None or not isinstance(data.get("briefing"), str)
                    or data.get("outcome") not in ("published", "unchanged", "failed")
                    or not (edition is None or (isinstance(edition, int) and not isinstance(edition, bool)))
                    or not isinstance(problems, list) or not all(isinstance(p, str) for p in problems)
                    or not isinstance(seconds, (int, float)) or isinstance(seconds, bool)):
                return None
            slot = data.get("slot")
            slot_time = datetime.datetime.fromisoformat(slot) if isinstance(slot, str) and len(slot) < 64 else None
            if slot_time is not None and slot_time.tzinfo is None:
                slot_time = None
            return cls(instant, data["briefing"], data["outcome"], edition, tuple(problems), float(seconds),
                       slot_time)
        except (ValueError, TypeError, KeyError, RecursionError):
            return None

    def describe(self) -> str:
        """The run as one terminal line (values escaped)."""
        when = self.time.isoformat(timespec="seconds")
        if self.outcome == "published":
            what = f"published {self.briefing} as edition {self.edition}"
        elif self.outcome == "unchanged":
            what = f"unchanged {self.briefing}" + (f" (edition {self.edition})" if self.edition is not None else "")
        else:
            count = len(self.problems)
            what = f"failed {self.briefing}: {count} problem{'s' if count != 1 else ''}"
        return printable(f"{when} {what} ({self.seconds:.1f} s)")


def check_run_log(root: Path) -> Problem | None:
    """None if the run log can be appended to (absent, or a regular file that is not a link), else the Problem."""
    path = Path(root) / RUN_LOG
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return None
    except OSError as error:
        return Problem(RUN_LOG, None, f"cannot append to the run log: {(error.strerror or str(error)).lower()}")
    if stat.S_ISLNK(info.st_mode):
        return Problem(RUN_LOG, None, "cannot append to the run log: a symbolic link is in its place")
    if not stat.S_ISREG(info.st_mode):
        return Problem(RUN_LOG, None, "cannot append to the run log: it is not a regular file")
    return None


def append_runs(root: Path, records: Iterable[RunRecord]) -> None:
    """Append ``records`` to the run log, one line each, in one write; never through a link or into a non-file."""
    data = "".join(record.to_json() + "\n" for record in records).encode("utf-8")
    if not data:
        return
    directory = _ensure_editions_dir(Path(root))
    path = directory / Path(RUN_LOG).name
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK
                             | os.O_CLOEXEC, 0o644)
    except OSError as error:
        reason = "a symbolic link is in its place" if os.path.islink(path) else (error.strerror or str(error)).lower()
        raise ProblemsFound([Problem(RUN_LOG, None, f"cannot append to the run log: {reason}")]) from None
    try:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            raise ProblemsFound([Problem(RUN_LOG, None, "cannot append to the run log: it is not a regular file")])
        view = memoryview(data)
        while view:
            written = os.write(descriptor, view)
            view = view[written:]
    except OSError as error:
        raise ProblemsFound([Problem(RUN_LOG, None,
                                     f"cannot append to the run log: {(error.strerror or str(error)).lower()}")]
                            ) from None
    finally:
        os.close(descriptor)


def read_run_log(root: Path, *, tail_bytes: int = RUN_LOG_TAIL_BYTES) -> tuple[list[RunRecord], int]:
    """The runs in the last ``tail_bytes`` of the run log, oldest first, and how many damaged lines were skipped.

    A missing log has no runs; one that must not be read raises :class:`ProblemsFound`.
    """
    path = Path(root) / RUN_LOG
    if not os.path.lexists(path):
        return [], 0
    try:
        read_project_file(path, Path(root), max_bytes=0)  # vets the path: inside, regular; size checked below
    except FileProblem as error:
        if "too large" not in error.problem.message:
            raise ProblemsFound([error.problem]) from None
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as error:
        raise ProblemsFound([Problem(RUN_LOG, None, f"cannot read the run log: {error.strerror}")]) from None
    try:
        size = os.fstat(descriptor).st_size
        start = max(0, size - tail_bytes)
        os.lseek(descriptor, start, os.SEEK_SET)
        chunks, remaining = [], size - start
        while remaining > 0:
            chunk = os.read(descriptor, min(remaining, 1024 * 1024))
            if not chunk:
                break
            chunks.append(chunk)
            remaining -= len(chunk)
    finally:
        os.close(descriptor)
    text = b"".join(chunks).decode("utf-8", errors="replace")
    lines = text.split("\n")
    if start > 0:
        lines = lines[1:]  # the first line is cut
    records, skipped = [], 0
    for line in lines:
        if not line.strip():
            continue
        record = RunRecord.from_json(line)
        if record is None:
            skipped += 1
        else:
            records.append(record)
    return records, skipped
