"""Time rendering the example's PDFs in one fresh process, as a build does.

Usage: .venv/bin/python bench/bench_pdf.py [--runs N]

Builds the example project's HTML documents (generation time fixed), then, in
each of N fresh processes (default 5), imports WeasyPrint and times rendering
all four PDFs one after the other; prints each process's seconds, their median
and the SHA-256 of every PDF (identical in every process, and before and after
a change that must not change the output). Runs the ``briefings`` next to this
file: to compare two versions of the code, run this file from each, alternately.
The figures measured on the development machine are kept in bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = Path(__file__).resolve().parent.parent


def render_once() -> None:
    sys.path.insert(0, str(ROOT))
    import datetime

    from briefings.audit.project_audit import load_and_audit
    from briefings.render.environment import make_environment
    from briefings.render.html import markdown_to_html, render_html
    from briefings.render.markdown import render_markdown

    generated = datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=datetime.UTC)
    project = load_and_audit(EXAMPLE)
    environment = make_environment(EXAMPLE)
    documents = []
    for briefing in project.briefings:
        body = render_markdown(environment, project, briefing, generated, standalone=False)
        documents.append(render_html(environment, project, briefing, generated, body, markdown_to_html(body.text)))
    import weasyprint  # noqa: F401  (imported before the clock starts, as in bench_build.py)

    from briefings.render.pdf import html_to_pdf

    started = time.perf_counter()
    pdfs = [html_to_pdf(document, EXAMPLE).data for document in documents]
    seconds = time.perf_counter() - started
    print(json.dumps({"seconds": seconds, "sha256": [hashlib.sha256(pdf).hexdigest()[:16] for pdf in pdfs]}))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--once", action="store_true", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.once:
        render_once()
        return
    results = []
    for _ in range(arguments.runs):
        output = subprocess.run([sys.executable, __file__, "--once"], check=True, capture_output=True, text=True)
        results.append(json.loads(output.stdout.splitlines()[-1]))
    seconds = [result["seconds"] for result in results]
    print(f"code: {ROOT}; 4 PDFs per process; seconds: {', '.join(f'{s:.2f}' for s in seconds)}")
    print(f"median {statistics.median(seconds):.3f} s; PDFs: {' '.join(results[0]['sha256'])}")
    assert all(result["sha256"] == results[0]["sha256"] for result in results), "PDFs differ between runs"


if __name__ == "__main__":
    main()
