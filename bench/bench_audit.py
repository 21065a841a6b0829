"""What the attribution audit costs when no evidence passage is found, against small and large archives.

Usage: .venv/bin/python bench/bench_audit.py [--repeat N] [--against REVISION]

A synthetic project: three references, each with an archived text of 50 KB
(then 500 KB) of generated prose, and 1,000 facts citing all three, each with
one evidence passage per source that stands in none of them (3,000 missing
passages, so the audit looks for the closest passage of each). Prints the CPU
seconds of the audit alone (the project is loaded beforehand), median of N runs
(default 3), for each archive size, and the ratio of the two.

``--against REVISION`` measures the code of that git revision too, from a
temporary git work tree (with this checkout's virtualenv), in the same run:
before and after side by side. The figures measured on the development machine
are kept in bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import datetime
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FACTS = 1_000
SOURCES = ("alpha", "bravo", "charlie")
SIZES_KB = (50, 500)
VOCABULARY = (
    "the harbour board said on Monday that the expansion of the port would go ahead after a long "
    "review of its cost and that ministers had agreed to fund the new quay with local councils while "
    "unions warned of delays ferry crews strike talks ended early amid claims about jobs wages and "
    "contracts for dredging cranes berths warehouses rail links roads freight tonnage ships pilots"
).split()


def archive_text(kilobytes: int, seed: int) -> str:
    """About ``kilobytes`` KB of sentences of the vocabulary, in paragraphs."""
    generator = random.Random(seed)
    paragraphs, size = [], 0
    while size < kilobytes * 1000:
        sentences = []
        for _ in range(5):
            words = [generator.choice(VOCABULARY) for _ in range(generator.randint(8, 20))]
            sentences.append(" ".join(words).capitalize() + ".")
        paragraph = " ".join(sentences)
        paragraphs.append(paragraph)
        size += len(paragraph) + 2
    return "\n\n".join(paragraphs) + "\n"


def missing_passage(generator: random.Random, index: int) -> str:
    """Twelve words of the vocabulary around a word no archive has: never found, but with close passages."""
    words = [generator.choice(VOCABULARY) for _ in range(12)]
    words[6] = f"zebra{index}"
    return " ".join(words)


def make_project(root: Path, kilobytes: int) -> None:
    archive = root / "sources" / "archive"
    archive.mkdir(parents=True)
    (root / "sources" / "topics").mkdir()
    references = []
    for number, name in enumerate(SOURCES):
        (archive / f"{name}.txt").write_text(archive_text(kilobytes, number), encoding="utf-8")
        references.append(f"{name}:\n  outlet: Outlet {name}\n  title: Report {name}\n  published: 2025-03-04\n"
                          f"  reliability: B\n  archive: {name}.txt\n")
    (root / "sources" / "references.yaml").write_text("".join(references), encoding="utf-8")
    generator = random.Random(42)
    facts = []
    for index in range(FACTS):
        evidence = "".join(f"      {name}: {missing_passage(generator, index)}\n" for name in SOURCES)
        facts.append(f"  - id: fact-{index}\n    text: Fact number {index} happened.\n"
                     f"    sources: [{', '.join(SOURCES)}]\n    evidence:\n{evidence}")
    (root / "sources" / "topics" / "harbour.yaml").write_text(
        "title: Harbour\nsummary: Synthetic.\nas_of: 2025-05-01\nfacts:\n" + "".join(facts), encoding="utf-8")
    (root / "briefings.yaml").write_text("title: Bench\n", encoding="utf-8")


def measure(code: Path, repeat: int) -> dict[str, float]:
    """CPU seconds of the audit (median of ``repeat``) per archive size, with the code under ``code``."""
    sys.path.insert(0, str(code))
    from briefings.audit.auditor import audit_project  # noqa: PLC0415
    from briefings.project.loader import load_project_partially  # noqa: PLC0415

    assert Path(sys.modules["briefings"].__file__).is_relative_to(code), "not the code asked for"

    results = {}
    for kilobytes in SIZES_KB:
        with tempfile.TemporaryDirectory() as directory:
            root = Path(directory)
            make_project(root, kilobytes)
            project, problems = load_project_partially(root, today=datetime.date(2025, 6, 1))
            assert not problems, problems
            times = []
            for _ in range(repeat):
                started = time.process_time()
                audit = audit_project(project)
                times.append(time.process_time() - started)
            missing = sum(1 for problem in audit.problems if "not in the archived text" in problem.message)
            assert missing == FACTS * len(SOURCES), missing
            results[f"{kilobytes} KB"] = statistics.median(times)
    return results


def run(code: Path, repeat: int) -> dict[str, float]:
    """:func:`measure` in a fresh interpreter, so that the code measured is the code under ``code``."""
    output = subprocess.run([sys.executable, __file__, "--measure", str(code), "--repeat", str(repeat)],
                            capture_output=True, text=True, check=True, cwd=code).stdout
    return json.loads(output)


def report(label: str, results: dict[str, float]) -> None:
    small, large = (results[f"{kilobytes} KB"] for kilobytes in SIZES_KB)
    print(f"{label}: {small:.2f} s CPU with {SIZES_KB[0]} KB archives, {large:.2f} s with {SIZES_KB[1]} KB "
          f"({large / small:.1f}×)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--against", metavar="REVISION", help="measure this git revision's code too")
    parser.add_argument("--measure", metavar="CODE", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.measure:
        print(json.dumps(measure(Path(arguments.measure), arguments.repeat)))
        return
    print(f"{FACTS} facts × {len(SOURCES)} evidence passages, all missing; audit CPU seconds, "
          f"median of {arguments.repeat}")
    if arguments.against:
        with tempfile.TemporaryDirectory() as directory:
            tree = Path(directory) / "before"
            subprocess.run(["git", "worktree", "add", "--detach", str(tree), arguments.against],
                           cwd=ROOT, check=True, capture_output=True)
            try:
                report(f"before ({arguments.against})", run(tree, arguments.repeat))
            finally:
                subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=ROOT, check=True)
    report("this checkout", run(ROOT, arguments.repeat))


if __name__ == "__main__":
    main()
