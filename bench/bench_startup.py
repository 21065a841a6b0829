"""Time the start-up of the quick commands, old code against new, alternated in one run (issue 21).

Usage: .venv/bin/python bench/bench_startup.py [--runs N] [--old REF]

Extracts ``git archive REF`` (default ``main``) into a temporary directory
and copies the example project (its settings, sources and templates, as
tests/conftest.py ``copy_example`` does) beside it; then, N times (default
10), runs each of ``python -c pass``, ``briefings --version``, ``--help``,
``list`` and ``check`` on the copy, once with the old code and once with the
code next to this file, alternately, with this interpreter (the same
virtualenv: ``PYTHONPATH`` chooses the code, and the working directory is the
project copy, so that ``python -m`` finds no other ``briefings``). Prints, for
each command and each side, the median wall and CPU seconds (the process's
user + system time, its workers included) and their excess over
``python -c pass``. The figures are kept in bench/RESULTS.md ("Start-up (issue 21)").
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from trees import compile_tree, copy_example, extract  # noqa: E402

COMMANDS: dict[str, list[str]] = {
    "python -c pass": ["-c", "pass"],
    "--version": ["-m", "briefings", "--version"],
    "--help": ["-m", "briefings", "--help"],
    "list": ["-m", "briefings", "list", "--project", "."],
    "check": ["-m", "briefings", "check", "--project", "."],
}


def run(arguments: list[str], code: Path, project: Path) -> tuple[float, float]:
    """Wall and CPU seconds of one run of this interpreter with ``arguments``, importing ``code``."""
    environment = {**os.environ, "PYTHONPATH": str(code), "COLUMNS": "100"}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    result = subprocess.run([sys.executable, *arguments], cwd=project, env=environment, capture_output=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode != 0:
        raise SystemExit(f"{arguments} failed ({result.returncode}): {result.stderr.decode()[-500:]}")
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--old", default="main", help="the git revision to compare with (default: main)")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as temporary:
        old = extract(arguments.old, Path(temporary) / "old")
        compile_tree(ROOT)  # (both sides run from bytecode, as installed code does: see bench/trees.py)
        project = copy_example(Path(temporary) / "project")
        # ``list`` again on a copy built once (by the new code): it then answers from the build's record.
        built = copy_example(Path(temporary) / "built")
        subprocess.run([sys.executable, "-m", "briefings", "build", "--format", "md", "-q", "--project", str(built)],
                       cwd=built, env={**os.environ, "PYTHONPATH": str(ROOT)}, check=True)
        COMMANDS["list (built)"] = ["-m", "briefings", "list", "--project", str(built)]
        sides = {"old": old, "new": ROOT}
        for side, code in sides.items():  # which code each side runs, to be sure
            where = subprocess.run([sys.executable, "-c", "import briefings; print(briefings.__file__)"],
                                   cwd=project, env={**os.environ, "PYTHONPATH": str(code)},
                                   capture_output=True, text=True, check=True).stdout.strip()
            if not where.startswith(str(code)):
                raise SystemExit(f"the {side} side imports {where}, not the code in {code}")
        for command in COMMANDS.values():  # once unmeasured: the caches of the file system are warm
            for code in sides.values():
                run(command, code, project)
        times: dict[tuple[str, str], list[tuple[float, float]]] = {}
        for _ in range(arguments.runs):
            for name, command in COMMANDS.items():
                for side, code in sides.items():
                    times.setdefault((name, side), []).append(run(command, code, project))
    medians = {key: (statistics.median(wall for wall, _ in values), statistics.median(cpu for _, cpu in values))
               for key, values in times.items()}
    print(f"{arguments.runs} runs each, alternated; median seconds (excess over python -c pass)")
    print(f"{'command':16} {'old wall':>16} {'new wall':>16} {'old CPU':>16} {'new CPU':>16}")
    for name in COMMANDS:
        cells = []
        for measure in (0, 1):
            for side in sides:
                value = medians[name, side][measure]
                excess = value - medians["python -c pass", side][measure]
                cells.append(f"{value:.3f} ({excess:+.3f})")
        print(f"{name:16} {cells[0]:>16} {cells[1]:>16} {cells[2]:>16} {cells[3]:>16}")


if __name__ == "__main__":
    main()
