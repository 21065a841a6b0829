"""The long-running scheduler (``briefings schedule``): publishes each briefing at its times until stopped.

Contract. :class:`Scheduler` keeps one job per distinct schedule (briefings
sharing a schedule share a run) and makes them from one thread, which sleeps
on an event until the earliest next time (at most :data:`MAX_SLEEP` at once,
so that a change of the system clock is noticed): runs happen one at a time,
and a time that passes while a run is going is made once, late. A run
(:meth:`Scheduler.run_job`) never raises (an exception from publish is logged
as a failure) and works as a ``--once`` pass does, under the project's build
lock (:func:`briefings.schedule.runner.publish_run`), leaving out a briefing
whose state already records the time (a ``--once`` pass made it).
``briefings.yaml`` is re-read when its bytes change; an invalid file is
reported and the previous schedule kept. :meth:`Scheduler.run_until_signalled`
stops cleanly on SIGINT or SIGTERM: no new run starts, the run in progress
finishes, then it returns.

The clock is injectable: it decides what is due and the times shown; the
sleeping in between is real time.
"""

from __future__ import annotations

import datetime
import hashlib
import os
import select
import signal
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from briefings.build.publish import PublishResult
from briefings.delivery.runner import after_publish
from briefings.errors import Problem, ProblemsFound, printable
from briefings.files import FileProblem, read_project_file
from briefings.lock import BuildLock
from briefings.paths import SETTINGS_FILE
from briefings.schedule.cron import ScheduledBriefing, Schedules, aware, in_zone, last_run, next_runs
from briefings.schedule.runner import Clock, PublishFunction, catch_up, load_schedules, publish_run, system_clock
from briefings.schedule.state import RunRecord, check_run_log, editions_problem, read_state, write_state

#: How often the long-running scheduler looks at briefings.yaml for changes.
RELOAD_SECONDS = 2.0
#: The longest the scheduler sleeps before looking at the clock again.
MAX_SLEEP = 60.0


def _settings_signature(root: Path) -> str:
    """What briefings.yaml holds now, as a digest (or why it cannot be read), to notice changes."""
    path = root / SETTINGS_FILE
    if not os.path.lexists(path):
        return "absent"
    try:
        return hashlib.sha256(read_project_file(path, root)).hexdigest()
    except FileProblem as error:
        return f"refused: {error.problem}"


@dataclass
class _Job:
    """One distinct schedule in a zone, the briefings it publishes, and its next time (in UTC; None: none comes)."""

    expression: str
    briefing_ids: tuple[str, ...]
    zone: str
    next_time: datetime.datetime | None = None

    def advance(self, now: datetime.datetime) -> None:
        """Set the next time to the first one strictly after ``now`` (times missed meanwhile are not kept)."""
        upcoming = next_runs(self.expression, self.zone, now, 1)
        self.next_time = upcoming[0].astimezone(datetime.UTC) if upcoming else None


class Scheduler:
    """Publishes each briefing of a project at the times its schedule names, until stopped.

    ``echo`` and ``echo_error`` receive the terminal lines (already escaped); ``publish`` and ``clock``
    are injectable for tests (the clock decides what is due; the waiting between is real time). Construct,
    then :meth:`load` (raises ProblemsFound if briefings.yaml is invalid), then :meth:`run_until_signalled`
    or :meth:`start`/:meth:`stop`.
    """

    def __init__(self, root: Path, *, publish: PublishFunction | None = None, clock: Clock = system_clock,
                 echo: Callable[[str], None] = print, echo_error: Callable[[str], None] = print,
                 wait: float = 300.0, jobs: int | None = None, reload_seconds: float = RELOAD_SECONDS) -> None:
        self.root = Path(root)
        self.publish = publish
        self.clock = clock
        self.echo = echo
        self.echo_error = echo_error
        self.wait = wait
        self.jobs = jobs
        self.reload_seconds = reload_seconds
        self.schedules: Schedules | None = None
        self._signature: str | None = None
        self._jobs: dict[str, _Job] = {}
        self._jobs_guard = threading.Lock()  # the jobs are replaced on reload while the loop reads them
        self._job_locks: dict[str, threading.Lock] = {}
        self._locks_guard = threading.Lock()
        self._stopping = threading.Event()
        self._wake = threading.Event()  # set when the jobs change or on stop: the loop looks again
        self._thread: threading.Thread | None = None

    # -- schedules

    def load(self) -> bool:
        """Read briefings.yaml and (re)schedule the jobs; ProblemsFound on the first load if it is invalid.

        On a later load an invalid file is reported through ``echo_error`` and the jobs stay as they were;
        returns whether the schedule was (re)loaded.
        """
        signature = _settings_signature(self.root)
        try:
            schedules = load_schedules(self.root)
        except ProblemsFound as error:
            if self.schedules is None:
                raise
            self._signature = signature
            self.echo_error("briefings: briefings.yaml changed but has problems; keeping the previous schedule:")
            for problem in error.problems:
                self.echo_error(str(problem))
            return False
        first = self.schedules is None
        self._signature = signature
        self.schedules = schedules
        self._apply(schedules)
        if not first:
            self.echo(printable(f"{self._now_text()} briefings.yaml changed: schedule reloaded "
                                f"({len(schedules.scheduled)} briefing(s) scheduled in {schedules.zone})"))
        return True

    def reload_if_changed(self) -> bool:
        """Load briefings.yaml again if its bytes changed since the last look; whether the schedule was reloaded."""
        if _settings_signature(self.root) == self._signature:
            return False
        return self.load()

    def job_ids(self) -> dict[str, tuple[str, ...]]:
        """The scheduled jobs: job id to the briefings it publishes."""
        with self._jobs_guard:
            return {job_id: job.briefing_ids for job_id, job in self._jobs.items()}

    def next_run_times(self) -> list[tuple[datetime.datetime, tuple[str, ...]]]:
        """The jobs' next times (in the project's zone), earliest first, with the briefings each publishes."""
        with self._jobs_guard:
            upcoming = sorted((job.next_time, job.zone, job.briefing_ids) for job in self._jobs.values()
                              if job.next_time is not None)
        return [(in_zone(when, zone), ids) for when, zone, ids in upcoming]

    def _apply(self, schedules: Schedules) -> None:
        """Make the jobs those of ``schedules``; a job with the same schedule, briefings and zone keeps its time."""
        now = aware(self.clock())
        jobs = {}
        with self._jobs_guard:
            for expression, ids in schedules.groups().items():
                job_id = f"schedule:{expression}"
                job = self._jobs.get(job_id)
                if job is None or job.briefing_ids != ids or job.zone != schedules.zone:
                    job = _Job(expression, ids, schedules.zone)
                    job.advance(now)
                jobs[job_id] = job
            self._jobs = jobs
        self._wake.set()

    # -- runs

    def run_job(self, expression: str, briefing_ids: Sequence[str]) -> list[PublishResult] | None:
        """One scheduled run: publish ``briefing_ids`` together, log each, record the state. Never raises.

        All of it under the project's lock, leaving out (with a line saying so) a briefing whose state already
        records the scheduled time: a ``schedule --once`` made it.

        Returns None (doing nothing) when stopping, or when the same job's previous run is still going.
        """
        if self._stopping.is_set():
            return None
        with self._locks_guard:
            lock = self._job_locks.setdefault(expression, threading.Lock())
        if not lock.acquire(blocking=False):
            self.echo_error(printable(f"briefings: the run of {', '.join(briefing_ids)} is still going; "
                                      "this one is skipped"))
            return None
        try:
            return self._run(expression, briefing_ids)
        except Exception as error:  # noqa: BLE001 - the scheduler outlives every run
            self.echo_error(printable(f"briefings: run of {', '.join(briefing_ids)} failed: "
                                      f"{type(error).__name__}: {error}"))
            return None
        finally:
            lock.release()

    def _run(self, expression: str, briefing_ids: Sequence[str]) -> list[PublishResult]:
        zone = self.schedules.zone if self.schedules else "UTC"
        at = aware(self.clock())
        when = in_zone(at, zone)
        scheduled = last_run(expression, zone, at) or at
        unrecorded: list[Problem] = []
        try:
            problem = editions_problem(self.root) or check_run_log(self.root)
            if problem is not None:
                raise ProblemsFound([problem])
            # Under the lock, as ``schedule --once``: the state is read, the run made and the state written with
            # no other run in between, and a scheduled time that a --once run has already made is not made again.
            with BuildLock(self.root, self.wait) as lock:
                lock.take()
                state, _ = read_state(self.root)
                made = [briefing_id for briefing_id in briefing_ids
                        if briefing_id in state and state[briefing_id] >= scheduled]
                if made:
                    self.echo(printable(f"{when.isoformat(timespec='seconds')} already run for "
                                        f"{scheduled.isoformat(timespec='minutes')}: {', '.join(made)}"))
                    briefing_ids = [briefing_id for briefing_id in briefing_ids if briefing_id not in made]
                    if not briefing_ids:
                        return []
                # The catch-up policy, as ``schedule --once`` applies it: the times missed are named, and with
                # ``catch_up: none`` a time passed more than an hour ago is skipped (recorded as run).
                policy = self.schedules.catch_up if self.schedules else "latest"
                due, skipped = catch_up(Schedules(zone, tuple(ScheduledBriefing(briefing_id, expression)
                                                              for briefing_id in briefing_ids), policy), state, at)
                following = next_runs(expression, zone, at, 1)
                for item in skipped:
                    line = item.catch_up_line(policy, skipped=True, following=following[0] if following else None)
                    self.echo(printable(f"{when.isoformat(timespec='seconds')} {line}"))
                for item in due:
                    line = item.catch_up_line(policy)
                    if line:
                        self.echo(printable(f"{when.isoformat(timespec='seconds')} {line}"))
                slots = {item.briefing_id: item.scheduled for item in due}
                skipped_times = {item.briefing_id: item.scheduled for item in skipped}
                briefing_ids = [briefing_id for briefing_id in briefing_ids if briefing_id in slots]
                if not briefing_ids:
                    if skipped_times:
                        write_state(self.root, {**state, **skipped_times}, self.schedules)
                    return []
                results, report, failure = publish_run(self.root, briefing_ids, at=at, zone=zone, lock=lock,
                                                       publish=self.publish, wait=self.wait, jobs=self.jobs,
                                                       slots=slots)
                if failure is None:
                    try:
                        write_state(self.root, {**state, **skipped_times, **slots}, self.schedules)
                    except ProblemsFound as error:  # the run was made and logged; only the state is behind
                        unrecorded = error.problems
        except ProblemsFound as error:  # no lock, or the run log cannot be written: say so, carry on
            for problem in error.problems:
                self.echo_error(str(problem))
            return []
        for result in results:
            record = RunRecord(when, result.briefing_id, result.outcome, result.edition,
                               tuple(str(problem) for problem in result.problems), result.seconds)
            self.echo(record.describe())
            for problem in result.problems:
                self.echo_error(str(problem))
        if failure is not None:
            shown = failure.problems if isinstance(failure, ProblemsFound) else [
                f"internal error: {type(failure).__name__}: {failure}"]
            for item in shown:
                self.echo_error(printable(str(item)))
            return results
        if report is not None:
            for warning in report.warnings:
                self.echo_error(str(warning))
        for problem in unrecorded:
            self.echo_error(str(problem))
        self._deliver(results)
        return results

    def _deliver(self, results: list[PublishResult]) -> None:
        """Deliver the editions just published (and any an earlier run left due), after the lock is released."""
        published = {result.briefing_id: result.edition for result in results
                     if result.outcome == "published" and result.edition is not None}
        delivered = after_publish(self.root, published=published, wait=self.wait)
        for outcome in delivered.outcomes:
            if outcome.delivered:
                self.echo(printable(f"{self._now_text()} delivered {outcome.briefing_id} edition {outcome.edition} "
                                    f"by {outcome.kind}"))
        for problem in delivered.problems:
            self.echo_error(str(problem))

    # -- running

    def start(self) -> None:
        """Start the thread that makes the runs; each job's next time is the first after now."""
        if self.schedules is None:
            self.load()
        if self._thread is not None:
            return
        now = aware(self.clock())
        behind = self._behind(now)
        with self._jobs_guard:
            for job in self._jobs.values():
                job.advance(now)
                if job.briefing_ids and set(job.briefing_ids) & behind:
                    job.next_time = now.astimezone(datetime.UTC)  # catching up: run at once
        # A daemon, as a last resort only: stop() ends it, after the run in progress.
        self._thread = threading.Thread(target=self._loop, name="briefings-scheduler", daemon=True)
        self._thread.start()

    def _behind(self, now: datetime.datetime) -> set[str]:
        """The briefings that ran before and have a scheduled time passed unrun since: their jobs run at once when
        the scheduler starts, and the run applies the catch-up policy as ``--once`` does (and says so)."""
        if self.schedules is None:
            return set()
        try:
            state, _ = read_state(self.root)
        except ProblemsFound:
            return set()  # the run will say why the state cannot be read
        due, skipped = catch_up(self.schedules, state, now)
        # Only a briefing that has run before is behind: one that never ran waits for its first time.
        return {item.briefing_id for item in (*due, *skipped) if item.briefing_id in state}

    def stop(self, *, wait: bool = True) -> None:
        """No new run starts; with ``wait``, return once the run in progress (if any) has finished."""
        self._stopping.set()
        self._wake.set()
        if wait and self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join()

    def _loop(self) -> None:
        """Make the runs that are due, one at a time, then sleep until the next; until stopped."""
        while not self._stopping.is_set():
            self._wake.clear()
            try:
                pause = self._run_due()
            except Exception as error:  # noqa: BLE001 - the scheduler outlives whatever goes wrong in one pass
                self.echo_error(printable(f"briefings: scheduler error: {type(error).__name__}: {error}"))
                pause = MAX_SLEEP
            self._wake.wait(pause)

    def _run_due(self) -> float:
        """Run each job whose time has come (a time that passed during a run is made once, late); seconds to sleep."""
        now = aware(self.clock()).astimezone(datetime.UTC)
        with self._jobs_guard:
            due = sorted((job for job in self._jobs.values() if job.next_time is not None and job.next_time <= now),
                         key=lambda job: job.next_time or now)
            for job in due:
                job.advance(now)
        for job in due:
            self.run_job(job.expression, job.briefing_ids)
        with self._jobs_guard:
            upcoming = [job.next_time for job in self._jobs.values() if job.next_time is not None]
        if not upcoming:
            return MAX_SLEEP
        seconds = (min(upcoming) - aware(self.clock()).astimezone(datetime.UTC)).total_seconds()
        return min(max(seconds, 0.0), MAX_SLEEP)

    def run_until_signalled(self) -> None:
        """Run until SIGINT or SIGTERM, re-reading briefings.yaml when it changes; then stop cleanly (main thread)."""
        # The handler only writes a byte to a pipe the loop below waits on. It runs in the main thread between
        # two bytecodes, possibly while that thread holds the lock inside a threading.Event (waiting on it, or
        # setting it): setting an Event from the handler could then deadlock, leaving the signal unanswered.
        reader, writer = os.pipe()
        os.set_blocking(writer, False)

        def request_stop(signum: int, frame: object) -> None:
            try:
                os.write(writer, b"\0")
            except OSError:  # the pipe is full: a stop is already pending
                pass

        previous = {number: signal.signal(number, request_stop) for number in (signal.SIGINT, signal.SIGTERM)}
        try:
            self.start()
            assert self.schedules is not None
            upcoming = self.next_run_times()
            following = (f"; next: {', '.join(upcoming[0][1])} at {upcoming[0][0].isoformat(timespec='minutes')}"
                         if upcoming else "")
            self.echo(printable(f"{self._now_text()} scheduler started: {len(self.schedules.scheduled)} "
                                f"briefing(s) scheduled in {self.schedules.zone}{following} "
                                "(Ctrl-C or SIGTERM stops it)"))
            while not select.select([reader], [], [], self.reload_seconds)[0]:
                try:
                    self.reload_if_changed()
                except Exception as error:  # noqa: BLE001 - a bad reload must not end the scheduler
                    self.echo_error(printable(f"briefings: could not reload briefings.yaml: "
                                              f"{type(error).__name__}: {error}"))
            self.stop(wait=True)  # the run in progress, if any, finishes first
            self.echo(printable(f"{self._now_text()} scheduler stopped"))
        finally:
            for number, handler in previous.items():
                signal.signal(number, handler)
            os.close(reader)
            os.close(writer)

    def _now_text(self) -> str:
        zone = self.schedules.zone if self.schedules else "UTC"
        return in_zone(self.clock(), zone).isoformat(timespec="seconds")
