"""Time each stage of a build of the example project.

Usage: .venv/bin/python bench/bench_build.py [--repeat N]

Prints the median wall time of each stage over N runs (default 3) for all the
example's briefings, and whether WeasyPrint found HarfBuzz's subsetter. The
figures measured on the development machine are kept in bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pypdf import PdfReader  # noqa: E402

from briefings.audit.project_audit import load_and_audit  # noqa: E402
from briefings.build.plan import generation_time  # noqa: E402
from briefings.render.environment import make_environment  # noqa: E402
from briefings.render.html import markdown_to_html, render_html  # noqa: E402
from briefings.render.markdown import render_markdown  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--fonttools", action="store_true",
                        help="subset fonts with fontTools even where HarfBuzz's subsetter is present")
    arguments = parser.parse_args()
    repeat = arguments.repeat

    started = time.perf_counter()
    import weasyprint  # noqa: F401

    from briefings.render.pdf import html_to_pdf
    import_seconds = time.perf_counter() - started
    if arguments.fonttools:
        import weasyprint.pdf.fonts

        weasyprint.pdf.fonts.harfbuzz_subset = None

    timings: dict[str, list[float]] = {"load+validate": [], "markdown": [], "html": [], "pdf": []}
    pages = 0
    for _ in range(repeat):
        now = generation_time()
        t0 = time.perf_counter()
        project = load_and_audit(ROOT)
        t1 = time.perf_counter()
        environment = make_environment(ROOT)
        bodies = {b.id: render_markdown(environment, project, b, now, standalone=False) for b in project.briefings}
        t2 = time.perf_counter()
        documents = {b.id: render_html(environment, project, b, now, bodies[b.id], markdown_to_html(bodies[b.id].text))
                     for b in project.briefings}
        t3 = time.perf_counter()
        pdfs = [html_to_pdf(document, ROOT).data for document in documents.values()]
        t4 = time.perf_counter()
        pages = sum(len(PdfReader(io.BytesIO(pdf)).pages) for pdf in pdfs)
        for stage, seconds in zip(timings, (t1 - t0, t2 - t1, t3 - t2, t4 - t3), strict=True):
            timings[stage].append(seconds)

    import weasyprint.pdf.fonts

    subsetter = "harfbuzz" if weasyprint.pdf.fonts.harfbuzz_subset else "fonttools"
    print(f"briefings: {len(project.briefings)}, PDF pages: {pages}, font subsetter: {subsetter}")
    print(f"import weasyprint: {import_seconds:.2f} s (once)")
    for stage, values in timings.items():
        print(f"{stage:14} median {statistics.median(values):.3f} s over {repeat} runs")


if __name__ == "__main__":
    main()
