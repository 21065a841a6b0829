"""The full md+html build of synthetic projects, this code against an older copy, side by side in one run.

Usage: .venv/bin/python bench/bench_full_build.py --old DIR [--sizes 100,1000] [--repeat 3]

DIR is a copy of an older version of the code (``git archive main | tar -x -C DIR``);
both are run with this interpreter, as ``python -m briefings build --force --format md
--format html -q`` from their own directory (so each imports its own ``briefings``),
alternating old and new, on bench/bench_incremental.py's projects (N topics × 12
facts, each its own briefing). Prints, for each size, the median wall time and CPU
time (user + system of the build and its workers) of each, their ratio, and whether
the two builds wrote the same bytes (``SOURCE_DATE_EPOCH`` fixed).
"""

from __future__ import annotations

import argparse
import filecmp
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from bench_incremental import write_project  # noqa: E402


def run(code: Path, project: Path) -> tuple[float, float]:
    """Wall and CPU seconds of one forced md+html build of ``project`` by the code in ``code``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "briefings", "build", "--project", str(project), "--force",
                    "--format", "md", "--format", "html", "-q"], cwd=code, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   env={**os.environ, "SOURCE_DATE_EPOCH": "1767323045", "PYTHONPATH": str(code)})
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def same_outputs(first: Path, second: Path) -> bool:
    names = sorted(path.name for path in first.iterdir() if path.suffix in {".md", ".html"})
    if names != sorted(path.name for path in second.iterdir() if path.suffix in {".md", ".html"}):
        return False
    _, mismatch, errors = filecmp.cmpfiles(first, second, names, shallow=False)
    return not mismatch and not errors


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--old", type=Path, required=True)
    parser.add_argument("--sizes", default="100,1000")
    parser.add_argument("--repeat", type=int, default=3)
    arguments = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="briefings-bench-"))
    try:
        print(f"{'topics':>7} {'old wall':>9} {'new wall':>9} {'old CPU':>9} {'new CPU':>9} {'CPU new/old':>12}"
              " same bytes")
        for size in [int(size) for size in arguments.sizes.split(",")]:
            projects = {}
            for which in ("old", "new"):
                projects[which] = work / f"{which}{size}"
                write_project(projects[which], size)
            times: dict[str, list[tuple[float, float]]] = {"old": [], "new": []}
            for _ in range(arguments.repeat):
                for which, code in (("old", arguments.old.resolve()), ("new", ROOT)):
                    times[which].append(run(code, projects[which]))
            wall = {which: statistics.median(t[0] for t in runs) for which, runs in times.items()}
            cpu = {which: statistics.median(t[1] for t in runs) for which, runs in times.items()}
            same = same_outputs(projects["old"] / "output", projects["new"] / "output")
            print(f"{size:>7} {wall['old']:8.2f}s {wall['new']:8.2f}s {cpu['old']:8.2f}s {cpu['new']:8.2f}s "
                  f"{cpu['new'] / cpu['old']:11.2f}x {same}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
