"""The build as the ``build`` command runs it: the quick check first, the full build only if it finds work.

Contract: :func:`build` takes what :func:`briefings.build.orchestrate.build`
takes and returns a :class:`~briefings.build.report.BuildReport`. When the
quick check (:mod:`briefings.build.quick`) finds that nothing the last
complete build depended on changed, the report says every selected briefing
is up to date, repeats that build's warnings and has no loaded project
(``project`` is None); the project's loader, the audit and the renderers are
not even imported. Otherwise it is the full build's report.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from briefings.build.clock import build_day, generation_time
from briefings.build.quick import fresh_report
from briefings.build.report import BuildOptions, BuildReport
from briefings.build.scan import scan_sources
from briefings.files import check_output_directory
from briefings.lock import BuildLock
from briefings.paths import DEFAULT_WAIT, OUTPUT_DIR


def build(root: Path, options: BuildOptions | None = None, *, wait: float = DEFAULT_WAIT,
          on_wait: Callable[[], None] | None = None, **keywords: Any) -> BuildReport:
    """Build the briefings of the project at ``root`` as the command does; see the module docstring."""
    options = replace(options or BuildOptions(), **keywords)
    report, sources = None, None
    # Only an output/ that is ours and exists can hold a record (the full build reports any other).
    if (Path(root) / OUTPUT_DIR).is_dir() and not check_output_directory(Path(root)):
        with BuildLock(Path(root), wait, on_wait=on_wait) as lock:
            lock.take(create=False)
            fixed_time = options.generated or generation_time()
            if options.write and options.publish_at is None:
                sources = scan_sources(Path(root))
            report = fresh_report(Path(root), options, fixed_time, build_day(fixed_time), sources)
    if report is not None:
        return report
    # Only now: the loader, the audit and the renderers take a third of a second to import.
    from briefings.build.orchestrate import build as full_build

    # (The files as scanned here: one edited since is a change to the next build, as for any build.)
    return full_build(root, options, wait=wait, on_wait=on_wait, sources=sources)
