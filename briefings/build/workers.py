"""Rendering the planned briefings, in this process or in worker processes.

Contract: :func:`render_all` renders each :class:`~briefings.build.plan.Plan`
with :func:`briefings.render.briefing.render_briefing` and yields each result
with the index of its plan as soon as it is rendered (in the order of the
plans with one job; as the workers finish with more), so that the build
writes each briefing at once and holds no more than it is writing; the build
puts its report in the order of the plans, so that output, messages and the
manifest do not depend on ``jobs``. With more than one job (and where
processes can be forked) the briefings render in a pool of forked worker
processes: each inherits the loaded project and templates and receives only
the index of a plan; WeasyPrint is imported once, before forking, when any
plan makes a PDF, so that each worker has it for all the PDFs it makes. The
largest briefings go first, so that the longest render does not start last.

While they render, everything the build holds before rendering (the loaded
and audited project, the templates, every imported module) is frozen out of
Python's cyclic garbage collector (``gc.freeze``), and thawed when rendering
ends: WeasyPrint allocates enough to trigger several full collections per
build, and each would otherwise walk that whole heap again (in a PDF-only
build of the example that was 0.2–0.3 s of CPU, a third of what the build
adds to WeasyPrint's own time), and in a forked worker would write to every
inherited page. Its youngest generation is also collected every :data:`YOUNG_COLLECTION_THRESHOLD`
allocations instead of Python's 700 meanwhile: WeasyPrint's layout allocates
millions of short-lived objects, and collecting them 14 times less often took
the collector's time in that build from 0.7 s to 0.3 s (the objects waiting
meanwhile are a few megabytes at most). Nothing rendered depends on when the
collector runs.

Nothing is written here. Ctrl-C or a failure stops every worker at once; a
worker ignores Ctrl-C (the build process alone decides what happens), lets go
of the build's lock file it inherited and ends with the build process if that
is killed (Linux), rather than live on as an orphan.
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import os
import signal
from collections.abc import Iterator
from typing import Any

from briefings.build.plan import Plan
from briefings.build.report import Progress
from briefings.lock import forget_inherited_locks
from briefings.project.model import Project
from briefings.render.briefing import RenderedBriefing, render_briefing
from briefings.render.environment import BriefingSandbox
from briefings.render.pdf import load_weasyprint  # (cheap: WeasyPrint itself is imported only when it is called)

#: Allocations between two collections of the youngest generation while briefings render (Python's: 700).
YOUNG_COLLECTION_THRESHOLD = 10_000

#: What forked workers inherit from the build process: set just before the pool starts, cleared after.
_worker_state: dict[str, Any] = {}


def default_jobs() -> int:
    """The number of CPUs this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def render_all(project: Project, environment: BriefingSandbox, plans: list[Plan], pdf_seconds: float, jobs: int | None,
               progress: Progress | None) -> Iterator[tuple[int, RenderedBriefing]]:
    """Render every plan (``jobs`` at a time, default :func:`default_jobs`); yields ``(index in plans, result)``
    as each is rendered, so that the caller can write it at once and hold no more than it writes."""
    with _collector_for_rendering():
        yield from _render_all(project, environment, plans, pdf_seconds, jobs, progress)


@contextlib.contextmanager
def _collector_for_rendering() -> Iterator[None]:
    """Until the end: the objects alive now out of the cyclic garbage collector's full collections, and its
    youngest generation collected less often (see the module docstring); then as before.

    Collected first, so that no garbage is kept meanwhile. Objects frozen
    already (the build freezes the project it read, :mod:`briefings.build.orchestrate`)
    stay so, and are left for whoever froze them to thaw; nothing changes
    when the collector is off.
    """
    if not gc.isenabled():
        yield
        return
    freezing = not gc.get_freeze_count()
    if freezing:
        gc.collect()
        gc.freeze()
    threshold = gc.get_threshold()
    gc.set_threshold(max(threshold[0], YOUNG_COLLECTION_THRESHOLD), *threshold[1:])
    try:
        yield
    finally:
        gc.set_threshold(*threshold)
        if freezing:
            gc.unfreeze()


def _render_all(project: Project, environment: BriefingSandbox, plans: list[Plan], pdf_seconds: float,
                jobs: int | None, progress: Progress | None) -> Iterator[tuple[int, RenderedBriefing]]:
    jobs = min(jobs or default_jobs(), len(plans))
    if jobs <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        for done, plan in enumerate(plans, start=1):
            yield done - 1, render_briefing(project, environment, plan.briefing, plan.generated, plan.formats,
                                            pdf_seconds=pdf_seconds, edition=plan.edition, today=plan.today)
            if progress:
                progress(done, len(plans))
        return
    if any("pdf" in plan.formats for plan in plans):
        load_weasyprint()  # imported once here, inherited by every worker

    # Workers are forked: they inherit the loaded project and templates, and get only indexes.
    _worker_state.update(project=project, environment=environment, plans=plans, pdf_seconds=pdf_seconds)
    context = multiprocessing.get_context("fork")
    pool = None
    try:
        with _interrupts_held():
            pool = context.Pool(jobs, initializer=_prepare_worker)
        # Largest first, so that the longest render does not start last and leave the other workers idle.
        order = sorted(range(len(plans)), key=lambda index: -_estimated_cost(plans[index]))
        for done, (index, result) in enumerate(pool.imap_unordered(_render_in_worker, order), start=1):
            yield index, result
            if progress:
                progress(done, len(plans))
        pool.close()
    except BaseException:
        if pool is not None:
            pool.terminate()  # Ctrl-C or a failure: stop every worker now (what was written stays, as in one process)
        raise
    finally:
        if pool is not None:
            pool.join()
        _worker_state.clear()


def _estimated_cost(plan: Plan) -> int:
    # Facts and figures to render; a PDF costs about ten times the rest.
    items = sum(len(topic.facts) + len(topic.figures) for topic in plan.briefing.topics)
    return items * (10 if "pdf" in plan.formats else 1)


@contextlib.contextmanager
def _interrupts_held() -> Iterator[None]:
    """Hold Ctrl-C back while the worker processes start, and act on it once they have.

    Ctrl-C reaches the workers too (a terminal signals the whole process
    group), and a worker inherits this process's handling of SIGINT until its
    initializer ignores it: a Ctrl-C in between would raise KeyboardInterrupt
    in the worker's start-up (which prints a traceback), or inside ``Pool()``
    here, before there is a pool to stop. So meanwhile SIGINT is blocked in
    this thread, hence in the workers forked from it and in the pool's
    threads (which fork any replacement worker): each worker unblocks it once
    it ignores it (:func:`_prepare_worker`). A SIGINT that another thread of
    this process takes meanwhile is only noted. On leaving, a Ctrl-C that came
    meanwhile is delivered as if it came then.
    """
    noted: list[int] = []
    try:
        previous = signal.signal(signal.SIGINT, lambda signum, frame: noted.append(signum))
    except ValueError:  # not the main thread: signals are handled only in the main thread anyway
        yield
        return
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT}) if hasattr(signal, "pthread_sigmask") else None
    try:
        yield
    finally:
        if mask is not None:
            signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        signal.signal(signal.SIGINT, previous if previous is not None else signal.default_int_handler)
        if noted:
            signal.raise_signal(signal.SIGINT)


def _prepare_worker() -> None:
    # Ctrl-C reaches the whole process group; the build process alone decides what happens.
    # SIGINT is blocked until now (see _interrupts_held): ignored, then unblocked, it never
    # raises KeyboardInterrupt in a worker.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    # The build's lock must end with the build: let go of the inherited lock file, and end
    # with the parent if it is killed (Linux), rather than live on as an orphan.
    forget_inherited_locks()
    _die_with_parent()


def _die_with_parent() -> None:
    try:
        import ctypes  # only in a worker (the standard library's, loaded on first use)

        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGKILL)
    except (OSError, AttributeError):
        pass  # not Linux: an orphaned worker still ends when its work queue closes


def _render_in_worker(index: int) -> tuple[int, RenderedBriefing]:
    plan: Plan = _worker_state["plans"][index]
    return index, render_briefing(_worker_state["project"], _worker_state["environment"], plan.briefing,
                                  plan.generated, plan.formats, pdf_seconds=_worker_state["pdf_seconds"],
                                  edition=plan.edition, today=plan.today)
