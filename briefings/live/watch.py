"""Rebuilding a project's briefings whenever its sources change: the core of ``watch`` and ``serve``.

Contract: :class:`ProjectWatcher` (or the function :func:`watch_project`)
builds the project once at start, then watches it and builds again after
every change to a file under ``sources/`` or ``templates/`` or to
``briefings.yaml``. Each build is the ordinary incremental
:func:`briefings.build.orchestrate.build`, so only the briefings a change affects are
rendered again and a build that fails leaves the previous outputs byte for
byte as they were. After each build the watcher calls
``on_result(RebuildResult)`` with the :class:`~briefings.build.orchestrate.BuildReport`,
or with the located problems that stopped it, and the project-relative paths
that changed; then it goes on watching, so fixing a broken file recovers
without a restart. It returns when ``stop_event`` is set (within about
``step_ms`` milliseconds, or at the end of a build under way); a
``KeyboardInterrupt`` in the main thread propagates to the caller.

What never triggers a build: anything under ``output/`` (the build's own
writes), hidden files and directories (``.name``, which covers Emacs locks
``.#name`` and Vim swap files ``.name.swp``), backups (``name~``,
``#name#``), swap files (``*.swp``, ``*.swx``), Vim's write test ``4913``,
the build's temporary files (``*.briefings-tmp``), and any other file of the
project directory (``.git/``, ``.venv/``, notes).

Changes are gathered with the maintained `watchfiles
<https://watchfiles.helpmanual.io>`_ library (Rust's ``notify``: inotify on
Linux, FSEvents, ReadDirectoryChangesW), which groups a burst of saves into
one set of changes: it waits until ``step_ms`` pass with no new change (at
most ``debounce_ms``). The project directory is watched recursively and
filtered here, rather than ``sources/``, ``templates/`` and the settings file
one by one, because editors save by writing a new file and renaming it over
the old, which ends a watch on the file itself, and because ``templates/`` may
appear only later. Where native notification does not work (some network or
container filesystems), ``force_polling=True`` (``--poll``, or the
``WATCHFILES_FORCE_POLLING`` environment variable that watchfiles reads)
polls every ``poll_delay_ms`` instead.

The watch is in place before the initial build starts, so a change saved
while it runs is not lost: it triggers the next build. With
``html_first=True`` (the live preview), every build is two: HTML alone first,
reported as soon as it is written, then the project's other formats, each
reported with its own :class:`RebuildResult` (``formats`` says which).
"""

from __future__ import annotations

import datetime
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from briefings.build.orchestrate import BuildReport, build
from briefings.errors import Problem, ProblemsFound, missing_library

#: What a change must be under (or be) to trigger a build, relative to the project.
WATCHED = ("sources", "templates", "briefings.yaml")
#: Editors' scratch files and the build's own temporaries: never a reason to build.
IGNORED_NAMES = frozenset({"4913"})
IGNORED_SUFFIXES = ("~", ".swp", ".swx", ".briefings-tmp")

DEFAULT_DEBOUNCE_MS = 1600
DEFAULT_STEP_MS = 100
DEFAULT_POLL_DELAY_MS = 300
#: How often the watch wakes up with nothing to report (first time: the signal for the initial build).
_TIMEOUT_MS = 500


@dataclass(frozen=True)
class RebuildResult:
    """What one build of the watcher did."""

    #: Project-relative paths whose change triggered the build (sorted); empty for the initial build.
    changed: tuple[str, ...]
    #: The build's report, or None when it failed.
    report: BuildReport | None
    #: The problems that failed the build (errors first as :class:`~briefings.errors.ProblemsFound` sorts them).
    problems: tuple[Problem, ...] = ()
    #: The formats this build was limited to; None: the project's own.
    formats: tuple[str, ...] | None = None
    initial: bool = False
    #: When the build finished (local time), and how long it took.
    finished: datetime.datetime = field(default_factory=lambda: datetime.datetime.now().astimezone())
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.report is not None


def is_relevant(relative: str) -> bool:
    """Whether a change to ``relative`` (a path relative to the project, with ``/``) calls for a build."""
    parts = PurePosixPath(relative).parts
    if not parts or parts[0] not in WATCHED or (parts[0] == "briefings.yaml") != (len(parts) == 1):
        return False
    return not any(_ignored_name(part) for part in parts)


def _ignored_name(name: str) -> bool:
    return (name.startswith((".", "#")) or name in IGNORED_NAMES or name.endswith(IGNORED_SUFFIXES))


class ProjectWatcher:
    """Build the project at ``root``, then again after every relevant change; see the module docstring.

    ``build_options`` go to :func:`briefings.build.orchestrate.build` as they are
    (``only``, ``formats``, ``strict``, ``jobs``, ``wait``, ``on_wait``…).
    """

    def __init__(self, root: Path, *, on_result: Callable[[RebuildResult], None],
                 build_options: dict[str, Any] | None = None, html_first: bool = False,
                 debounce_ms: int = DEFAULT_DEBOUNCE_MS, step_ms: int = DEFAULT_STEP_MS,
                 force_polling: bool | None = None, poll_delay_ms: int = DEFAULT_POLL_DELAY_MS,
                 build: Callable[..., BuildReport] | None = None) -> None:
        self.root = Path(root).absolute()
        self.on_result = on_result
        self.build_options = dict(build_options or {})
        self.html_first = html_first
        self.debounce_ms = debounce_ms
        self.step_ms = step_ms
        self.force_polling = force_polling
        self.poll_delay_ms = poll_delay_ms
        self._build = build

    def run(self, stop_event: threading.Event) -> None:
        """Watch until ``stop_event`` is set (a KeyboardInterrupt in the main thread propagates)."""
        if not self.root.is_dir():
            raise ProblemsFound([Problem(str(self.root), None, "the project directory does not exist")])
        import watchfiles  # (third-party) loaded when a watch starts, as it always was

        started = False
        for changes in watchfiles.watch(
                self.root, watch_filter=self._watch_filter, debounce=self.debounce_ms, step=self.step_ms,
                stop_event=stop_event, rust_timeout=_TIMEOUT_MS, yield_on_timeout=True, raise_interrupt=True,
                force_polling=self.force_polling, poll_delay_ms=self.poll_delay_ms, ignore_permission_denied=True):
            if stop_event.is_set():
                return
            if not started:  # the first wake-up: the watch is in place, so nothing saved from now on is missed
                started = True
                self.rebuild((), initial=True, stop_event=stop_event)
            elif changes:
                self.rebuild(sorted({self._relative(path) for _, path in changes}), stop_event=stop_event)

    def rebuild(self, changed: Sequence[str], *, initial: bool = False,
                stop_event: threading.Event | None = None) -> list[RebuildResult]:
        """Build now (in two passes with ``html_first``), report each pass to ``on_result``, and return them."""
        if not self.html_first:
            results = [self._build_once(changed, initial, None)]
            self.on_result(results[0])
            return results
        first = self._build_once(changed, initial, ("html",))
        self.on_result(first)
        results = [first]
        if first.report is not None and not (stop_event and stop_event.is_set()):
            settings = first.report.project.settings
            wanted = self.build_options.get("formats") or settings.formats
            rest = tuple(name for name in settings.formats if name != "html" and name in wanted)
            if rest:
                results.append(self._build_once(changed, initial, rest))
                self.on_result(results[-1])
        return results

    def _build_once(self, changed: Sequence[str], initial: bool, formats: tuple[str, ...] | None) -> RebuildResult:
        options = dict(self.build_options)
        if formats is not None:
            options["formats"] = formats
        started = time.monotonic()
        try:
            report = self._builder()(self.root, **options)
        except ProblemsFound as error:
            return RebuildResult(tuple(changed), None, tuple(error.problems), formats, initial,
                                 seconds=time.monotonic() - started)
        except Exception as error:  # noqa: BLE001 - a watcher must outlive one failed build
            # A library that is not installed is not a bug: the line says what to install.
            missing = missing_library(error)
            problem = Problem(".", None, missing.removeprefix("briefings: ") if missing is not None
                              else f"internal error: {type(error).__name__}: {error}")
            return RebuildResult(tuple(changed), None, (problem,), formats, initial,
                                 seconds=time.monotonic() - started)
        return RebuildResult(tuple(changed), report, (), formats, initial, seconds=time.monotonic() - started)

    def _builder(self) -> Callable[..., BuildReport]:
        return self._build if self._build is not None else build

    def _relative(self, path: str) -> str:
        try:
            return Path(path).relative_to(self.root).as_posix()
        except ValueError:
            return Path(path).as_posix()

    def _watch_filter(self, change: Any, path: str) -> bool:
        return is_relevant(self._relative(path))


def watch_project(root: Path, *, on_result: Callable[[RebuildResult], None], stop_event: threading.Event,
                  build_options: dict[str, Any] | None = None, html_first: bool = False,
                  debounce_ms: int = DEFAULT_DEBOUNCE_MS, step_ms: int = DEFAULT_STEP_MS,
                  force_polling: bool | None = None) -> None:
    """Build the project, then rebuild on every relevant change until ``stop_event`` is set."""
    ProjectWatcher(root, on_result=on_result, build_options=build_options, html_first=html_first,
                   debounce_ms=debounce_ms, step_ms=step_ms, force_polling=force_polling).run(stop_event)


def written_formats(report: BuildReport) -> dict[str, list[str]]:
    """For each briefing rendered, the formats whose files were written (in the order md, html, pdf)."""
    written = set(report.written)
    formats: dict[str, list[str]] = {briefing_id: [] for briefing_id in report.rendered}
    for output in report.outputs:
        if output.path in written and output.briefing_id in formats:
            formats[output.briefing_id].append(output.format)
    return formats


def summary_line(result: RebuildResult) -> str:
    """One line saying what a build did.

    For example ``12:04:31 rebuilt drone-coproduction (md, html, pdf); 3 up to date; 0.8 s``.

    Values from the project are not escaped here: the caller prints them with :func:`briefings.cli.console.plain`.
    """
    clock = result.finished.strftime("%H:%M:%S")
    verb = "built" if result.initial else "rebuilt"
    if result.report is None:
        errors = sum(1 for problem in result.problems if problem.severity.value == "error") or len(result.problems)
        return (f"{clock} build failed: {errors} error{'s' if errors != 1 else ''}; the last good outputs are kept;"
                f" {result.seconds:.1f} s")
    report = result.report
    rendered = [f"{briefing_id} ({', '.join(formats) or 'unchanged bytes'})"
                for briefing_id, formats in sorted(written_formats(report).items())]
    what = f"{verb} {', '.join(rendered)}" if rendered else "nothing to rebuild"
    scope = f" ({', '.join(result.formats)})" if result.formats is not None else ""
    parts = [what, f"{len(report.up_to_date)} up to date{scope}"]
    if report.removed:
        parts.append(f"{len(report.removed)} removed")
    if report.warnings:
        parts.append(f"{len(report.warnings)} warning(s)")
    return f"{clock} {'; '.join(parts)}; {result.seconds:.1f} s"
