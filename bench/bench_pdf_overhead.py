"""What a PDF-only build costs on top of WeasyPrint's own work, for the example project.

Usage: .venv/bin/python bench/bench_pdf_overhead.py [--rounds N] [--jobs N] [--against REVISION] [--profile FILE]

The measure, per round, each in a fresh process (CPU seconds: user + system of
the process and of every process it waited for, from
``resource.getrusage(RUSAGE_CHILDREN)`` before and after):

- **ours**: ``python -m briefings build --force --format pdf`` on a copy of the
  example project (the repository root) in a temporary directory, with
  ``--archive-dir ../shared/seeds`` when that directory is there and
  ``SOURCE_DATE_EPOCH`` fixed; ``--jobs`` as given (default: the build's own
  default, one worker per CPU; ``--jobs`` repeated: each measured);
- **WeasyPrint's**: a process that imports WeasyPrint and, for each PDF of that
  build, calls ``weasyprint.HTML(string=html, base_url=...).write_pdf(...)``
  on the very HTML the build handed WeasyPrint, with the same PDF variant and
  the same attachment (the briefing's JSON snapshot). Those are captured once,
  beforehand, by running the same build with
  :func:`briefings.render.pdf.html_to_pdf` wrapped.

Both include the interpreter's start and WeasyPrint's import. The overhead is
``(ours − WeasyPrint's) / ours``, from the medians of the rounds, and also as the
median of each round's overhead (a round's two figures are measured one after
the other, under the same load: on a shared machine the steadier figure). The script
also says whether WeasyPrint alone wrote byte-identical PDFs (it should: the
build only confines what WeasyPrint may read).

``--against REVISION`` measures that git revision's code too (``git archive``
into a temporary directory, put first on ``PYTHONPATH``), alternated with this
checkout's in every round. ``--profile FILE`` writes a cProfile of one
``--jobs 1`` build with this checkout's code to FILE and prints its top lines.
The figures measured on the development machine are kept in bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import os
import pickle
import pstats
import resource
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from trees import compile_tree, copy_example, extract  # noqa: E402

SEEDS = ROOT.parent / "shared" / "seeds"
EPOCH = "1764547200"  # 2025-12-01T00:00:00Z, as bench/compare_outputs.py

# Run in a fresh interpreter: the build, with html_to_pdf wrapped to keep what WeasyPrint was given.
CAPTURE = """
import pickle, sys
import briefings.render.pdf as pdf
calls = []
original = pdf.html_to_pdf
def wrapped(html, project_root, **options):
    result = original(html, project_root, **options)
    attachments = [(a.name, a.data, a.description, a.time) for a in options.get("attachments", ())]
    calls.append({"html": html, "base_url": project_root.resolve().as_uri() + "/", "attachments": attachments,
                  "archival": options.get("archival", False), "pdf": result.data})
    return result
pdf.html_to_pdf = wrapped
from briefings.cli import main
try:
    main(sys.argv[2:], standalone_mode=False)
finally:
    with open(sys.argv[1], "wb") as handle:
        pickle.dump(calls, handle)
"""

# Run in a fresh interpreter: WeasyPrint alone on the captured documents.
WEASYPRINT_ALONE = """
import pickle, sys
import weasyprint
with open(sys.argv[1], "rb") as handle:
    calls = pickle.load(handle)
same = True
for call in calls:
    files = [weasyprint.Attachment(string=data, name=name, description=description, created=time,
                                   modified=time, relationship="Data")
             for name, data, description, time in call["attachments"]]
    data = weasyprint.HTML(string=call["html"], base_url=call["base_url"]).write_pdf(
        attachments=files, pdf_variant="pdf/a-3a" if call["archival"] else "pdf/ua-1")
    same = same and (call["archival"] or data == call["pdf"])
print("identical" if same else "different")
"""


def build_arguments(project: Path, jobs: int | None) -> list[str]:
    arguments = ["build", "--force", "--format", "pdf", "--quiet", "--project", str(project)]
    if SEEDS.is_dir():
        arguments += ["--archive-dir", str(SEEDS)]
    if jobs:  # 0 or None: the build's own default
        arguments += ["--jobs", str(jobs)]
    return arguments


def environment(code: Path) -> dict[str, str]:
    return {**os.environ, "SOURCE_DATE_EPOCH": EPOCH, "PYTHONHASHSEED": "0", "PYTHONPATH": str(code)}


def cpu_of(command: list[str], env: dict[str, str], cwd: Path) -> tuple[float, str]:
    """CPU seconds (user + system) of ``command`` and the processes it waited for, and its output.

    Run in ``cwd``, not in this checkout: ``python -m`` puts the current directory first on the
    module path, ahead of ``PYTHONPATH``, so that the code measured would always be this checkout's.
    """
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    result = subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True, check=False)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode != 0:
        sys.exit(f"{' '.join(command)} failed ({result.returncode}):\n{result.stdout}{result.stderr}")
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), result.stdout


def profile(project: Path, output: str) -> None:
    command = [sys.executable, "-m", "cProfile", "-o", output, "-m", "briefings",
               *build_arguments(project, 1)]
    subprocess.run(command, env=environment(ROOT), cwd=project, check=True, capture_output=True)
    for order in ("cumulative", "tottime"):
        print(f"--- profile, by {order} ---")
        stats = pstats.Stats(output, stream=sys.stdout)
        stats.sort_stats(order).print_stats(30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--jobs", type=int, action="append",
                        help="the build's --jobs (repeatable: each measured; 0, the default: the build's own default)")
    parser.add_argument("--against", metavar="REVISION", help="measure this git revision's code too, alternated")
    parser.add_argument("--profile", metavar="FILE", help="write a cProfile of a --jobs 1 build to FILE")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        temporary = Path(directory)
        project = copy_example(temporary / "example")
        if arguments.profile:
            profile(project, arguments.profile)
            return
        compile_tree(ROOT)  # (both sides run from bytecode, as installed code does: see bench/trees.py)
        codes = {"this checkout": ROOT}
        if arguments.against:
            before = extract(arguments.against, temporary / "before", "briefings")
            codes = {f"before ({arguments.against})": before, **codes}
        for code in codes.values():
            used = subprocess.run([sys.executable, "-c", "import briefings; print(briefings.__file__)"],
                                  env=environment(code), cwd=temporary, capture_output=True, text=True, check=True)
            assert Path(used.stdout.strip()).is_relative_to(code), f"not the code asked for: {used.stdout}"
        captured = temporary / "documents.pickle"
        subprocess.run([sys.executable, "-c", CAPTURE, str(captured), *build_arguments(project, 1)],
                       env=environment(ROOT), cwd=temporary, check=True, capture_output=True)
        with captured.open("rb") as handle:
            documents = len(pickle.load(handle))
        variants = {f"{label}{f', --jobs {jobs}' if jobs else ''}": (code, jobs)
                    for jobs in arguments.jobs or [None] for label, code in codes.items()}
        times: dict[str, list[float]] = {label: [] for label in (*variants, "WeasyPrint alone")}
        identical = ""
        for _ in range(arguments.rounds):
            for label, (code, jobs) in variants.items():
                seconds, _ = cpu_of([sys.executable, "-m", "briefings", *build_arguments(project, jobs)],
                                    environment(code), temporary)
                times[label].append(seconds)
            seconds, identical = cpu_of([sys.executable, "-c", WEASYPRINT_ALONE, str(captured)],
                                        environment(ROOT), temporary)
            times["WeasyPrint alone"].append(seconds)
    weasyprint = statistics.median(times["WeasyPrint alone"])
    print(f"the example's {documents} PDFs, `build --force --format pdf`; CPU seconds of a fresh process, "
          f"{arguments.rounds} rounds alternated; WeasyPrint alone wrote {identical.strip()} PDFs")
    print("| code | CPU s per round | median | overhead over WeasyPrint (of the medians) | median of the rounds' "
          "overheads |")
    print("| --- | --- | --- | --- | --- |")
    alone = times["WeasyPrint alone"]
    for label, values in times.items():
        median = statistics.median(values)
        share = paired = ""
        if label != "WeasyPrint alone":
            # Each round's own WeasyPrint time, measured right after: the machine's load changes between rounds.
            share = f"{(median - weasyprint) / median:.1%}"
            rounds = [(ours - own) / ours for ours, own in zip(values, alone, strict=True)]
            paired = f"{statistics.median(rounds):.1%}"
        print(f"| {label} | {', '.join(f'{value:.2f}' for value in values)} | {median:.2f} | {share} | {paired} |")


if __name__ == "__main__":
    main()
