"""Scale: full, no-op and one-fact builds of 100, 1,000 and 10,000 topics, old code against new, in one run.

Usage: .venv/bin/python bench/bench_scale.py [--against REV] [--sizes 100,1000,10000] [--repeat 3]
                                             [--once-from 10000] [--jobs N]

Writes the synthetic projects of ``bench_incremental.py`` (N topics × 12
facts, one briefing per topic) and, for each size, runs the ``briefings``
command exactly as a user does (``build --format md --format html``, process
start-up included) for the code of ``--against`` (default: main before issue
21, 4774819, extracted with ``git archive`` and run with this checkout's
virtualenv through ``PYTHONPATH``) and for this checkout, alternated:

- ``full``: ``--force`` over a project built once before;
- ``no-op``: the same build again, nothing changed;
- ``edit``: after one fact of one topic changed (a different fact each time);
- ``peak``: the largest maximum resident set size of any of those builds
  (GNU ``/usr/bin/time``: the largest process, the build or one worker).

Each figure is the median of ``--repeat`` runs (one run from ``--once-from``
topics on: the old code takes a quarter of an hour at 10,000), as CPU seconds
(user + system, the workers included) and wall-clock seconds. The old and
new outputs are compared byte for byte (``SOURCE_DATE_EPOCH`` fixed). The
figures measured on the development machine are kept in bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import filecmp
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_incremental import write_project  # noqa: E402
from trees import compile_tree, extract  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
EPOCH = "1767323045"


def timed(code: Path | None, project: Path, *extra: str, jobs: int | None) -> tuple[float, float, int]:
    """CPU seconds, wall seconds and peak KiB of one build."""
    command = ["/usr/bin/time", "-f", "%U %S %e %M", sys.executable, "-m", "briefings", "build", "--project",
               str(project), "--format", "md", "--format", "html", "-q", *extra,
               *(["--jobs", str(jobs)] if jobs else [])]
    environment = {**os.environ, "SOURCE_DATE_EPOCH": EPOCH}
    environment.pop("PYTHONPATH", None)
    if code is not None:
        environment["PYTHONPATH"] = str(code)
    # Run from the project (never from this checkout, whose briefings/ would come first on sys.path).
    result = subprocess.run(command, cwd=project, env=environment, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise SystemExit(f"build failed ({code or 'new'}):\n{result.stderr[-2000:]}")
    user, system, wall, peak = result.stderr.strip().splitlines()[-1].split()
    return float(user) + float(system), float(wall), int(peak)


def edit(project: Path, counter: list[int]) -> None:
    counter[0] += 1
    topic = project / "sources/topics/topic-0000.yaml"
    text = topic.read_text()
    marker = text.index("a step forward")
    end = text.index(".", marker)
    topic.write_text(text[:marker] + f"a step forward ({counter[0]})" + text[end:])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--against", default="4774819")
    parser.add_argument("--sizes", default="100,1000,10000")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--once-from", type=int, default=10000)
    parser.add_argument("--jobs", type=int, default=None)
    arguments = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="briefings-scale-"))
    old_code = work / "old"
    old_code.mkdir()
    extract(arguments.against, old_code)
    compile_tree(ROOT)  # (both sides run from bytecode, as installed code does: see bench/trees.py)
    codes = {"old": old_code, "new": None}
    print(f"old: {arguments.against}; new: this checkout; jobs: {arguments.jobs or 'default'}", flush=True)
    try:
        for size in (int(size) for size in arguments.sizes.split(",")):
            runs = 1 if size >= arguments.once_from else arguments.repeat
            projects = {}
            for name in codes:
                projects[name] = work / f"{name}-{size}"
                write_project(projects[name], size)
                timed(codes[name], projects[name], jobs=arguments.jobs)  # the first build: not measured
            figures: dict[tuple[str, str], list[tuple[float, float, int]]] = {}
            counters = {name: [0] for name in codes}
            for _ in range(runs):
                for name in codes:
                    code, project = codes[name], projects[name]
                    figures.setdefault((name, "full"), []).append(timed(code, project, "--force", jobs=arguments.jobs))
                    figures.setdefault((name, "no-op"), []).append(timed(code, project, jobs=arguments.jobs))
                    edit(project, counters[name])
                    figures.setdefault((name, "edit"), []).append(timed(code, project, jobs=arguments.jobs))
            same = _same_outputs(projects["old"] / "output", projects["new"] / "output")
            print(f"\n{size} topics ({runs} run{'s' if runs > 1 else ''} each; outputs "
                  f"{'byte-identical' if same else 'DIFFER'})", flush=True)
            print(f"{'':8}{'old CPU':>10}{'new CPU':>10}{'new/old':>9}{'old wall':>10}{'new wall':>10}")
            for kind in ("full", "no-op", "edit"):
                old = [statistics.median(values) for values in zip(*figures[("old", kind)], strict=True)]
                new = [statistics.median(values) for values in zip(*figures[("new", kind)], strict=True)]
                print(f"{kind:8}{old[0]:9.2f}s{new[0]:9.2f}s{new[0] / old[0]:9.2f}{old[1]:9.2f}s{new[1]:9.2f}s",
                      flush=True)
            peaks = {name: max(peak for kind in ("full", "no-op", "edit") for _, _, peak in figures[(name, kind)])
                     for name in codes}
            print(f"peak    old {peaks['old'] / 1024:.0f} MiB, new {peaks['new'] / 1024:.0f} MiB", flush=True)
            for project in projects.values():
                shutil.rmtree(project)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _same_outputs(old: Path, new: Path) -> bool:
    """Whether the two output directories hold the same outputs, byte for byte (bookkeeping aside)."""
    names = sorted(path.name for path in old.iterdir() if path.is_file())
    if names != sorted(path.name for path in new.iterdir() if path.is_file()):
        return False
    _, mismatch, errors = filecmp.cmpfiles(old, new, names, shallow=False)
    return not mismatch and not errors


if __name__ == "__main__":
    main()
