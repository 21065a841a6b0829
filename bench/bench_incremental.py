"""Incremental, parallel builds: full, no-op and one-fact builds of synthetic projects, and the PDF path.

Usage: .venv/bin/python bench/bench_incremental.py [--repeat N] [--sizes 10,100,1000] [--skip-pandoc]

Writes synthetic projects of N topics × 12 facts (one briefing per topic) in a
temporary directory and times, with the ``briefings`` command as a user runs
it, in one run on one machine (median of ``--repeat`` runs, default 3):

- a full md+html build (``--force``) for each N;
- a no-op rebuild, and a rebuild after one fact of one topic changes, for each N;
- PDF builds of 20 briefings with ``--jobs 1`` and ``--jobs 2``;
- the peak memory (max RSS) of the largest full build;
- on the example project, ``briefings build --force --format pdf`` against running
  ``pandoc output/<id>.md -s --pdf-engine=weasyprint`` once per briefing, as a
  user scripting pandoc would (skipped when pandoc is missing).

Prints each figure and the ratios the aims are stated in; the figures measured
on the development machine are kept in bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BRIEFINGS = [sys.executable, "-m", "briefings"]
FACTS = 12


def write_project(root: Path, topics: int) -> None:
    (root / "sources/topics").mkdir(parents=True)
    (root / "sources/references.yaml").write_text("".join(
        f"ref-{index}:\n  outlet: Outlet {index}\n  title: Report number {index}\n  published: 2025-06-01\n"
        f"  reliability: B\n" for index in range(50)))
    for topic in range(topics):
        facts = "".join(f"""  - id: fact-{fact}
    section: Section {fact % 3}
    date: 2025-06-{fact % 28 + 1:02d}
    text: >-
      On this day the *ministry* said it would "review" the plan for topic {topic}, according to
      [a report](https://example.org/{topic}/{fact}); officials called it a step forward.
    sources: [ref-{(topic + fact) % 50}, ref-{(topic + fact + 1) % 50}]
""" + ("""    quote:
      text: a step forward
      speaker: An official
""" if fact % 4 == 0 else "") for fact in range(FACTS))
        (root / f"sources/topics/topic-{topic:04d}.yaml").write_text(f"""title: Topic {topic}
summary: The bottom line for topic {topic}, with **emphasis**.
as_of: 2025-06-30
tags: [alpha, beta]
facts:
{facts}figures:
  - label: A figure
    value: {topic}
    unit: £bn
    sources: [ref-{topic % 50}]
""")


def timed(command: list[str], cwd: Path | None = None) -> float:
    started = time.perf_counter()
    subprocess.run(command, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   env={**os.environ, "SOURCE_DATE_EPOCH": "1767323045"})
    return time.perf_counter() - started


def median(command_factory, repeat: int, before=None) -> float:  # noqa: ANN001
    times = []
    for _ in range(repeat):
        if before:
            before()
        times.append(timed(command_factory()))
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--sizes", default="10,100,1000")
    parser.add_argument("--skip-pandoc", action="store_true")
    arguments = parser.parse_args()
    repeat = arguments.repeat
    sizes = [int(size) for size in arguments.sizes.split(",")]
    work = Path(tempfile.mkdtemp(prefix="briefings-bench-"))
    try:
        print(f"{'topics':>7} {'full md+html':>13} {'no-op':>8} {'no-op/full':>11} {'one fact':>9}")
        full_by_size = {}
        for size in sizes:
            project = work / f"p{size}"
            write_project(project, size)
            build = [*BRIEFINGS, "build", "--project", str(project), "--format", "md", "--format", "html", "-q"]
            full = median(lambda build=build: [*build, "--force"], repeat)
            noop = median(lambda build=build: build, repeat)
            topic = project / "sources/topics/topic-0000.yaml"
            original = topic.read_text()
            counter = iter(range(10**6))

            def edit(topic: Path = topic, original: str = original, counter: Iterator[int] = counter) -> None:
                topic.write_text(original.replace("a step forward.", f"a step forward ({next(counter)})."))

            one = median(lambda build=build: build, repeat, before=edit)
            full_by_size[size] = full
            print(f"{size:>7} {full:12.2f}s {noop:7.2f}s {noop / full:10.1%} {one:8.2f}s")
        largest = max(sizes)
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        print(f"peak memory of any build (max RSS): {usage.ru_maxrss / 1024:.0f} MiB "
              f"(largest project: {largest} topics)")

        pdf_project = work / "pdf20"
        write_project(pdf_project, 20)
        pdf = [*BRIEFINGS, "build", "--project", str(pdf_project), "--format", "pdf", "--force", "-q"]
        one_job = median(lambda: [*pdf, "--jobs", "1"], repeat)
        two_jobs = median(lambda: [*pdf, "--jobs", "2"], repeat)
        print(f"20 PDFs: --jobs 1 {one_job:.2f} s, --jobs 2 {two_jobs:.2f} s: {one_job / two_jobs:.2f}x faster")

        pandoc = shutil.which("pandoc")
        if pandoc and not arguments.skip_pandoc:
            example = work / "example"
            example.mkdir()
            for item in ("briefings.yaml", "sources", "templates"):
                source = ROOT / item
                (shutil.copytree if source.is_dir() else shutil.copy)(source, example / item)
            subprocess.run([*BRIEFINGS, "build", "--project", str(example), "--format", "md", "-q"], check=True)
            ours = median(lambda: [*BRIEFINGS, "build", "--project", str(example), "--format", "pdf", "--force",
                                   "-q"], repeat)
            engine = str(Path(sys.executable).with_name("weasyprint"))
            markdown_files = sorted((example / "output").glob("*.md"))

            def pandoc_loop() -> float:
                started = time.perf_counter()
                for path in markdown_files:
                    subprocess.run([pandoc, str(path), "-s", f"--pdf-engine={engine}", "-o",
                                    str(work / f"{path.stem}.pandoc.pdf")], check=True, cwd=example,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                return time.perf_counter() - started

            theirs = statistics.median(pandoc_loop() for _ in range(repeat))
            print(f"example PDFs: briefings {ours:.2f} s, pandoc loop {theirs:.2f} s: {ours / theirs:.2f}x the time")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
