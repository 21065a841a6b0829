"""How Markdown → HTML scales with the number of citations of one source.

Usage: .venv/bin/python bench/bench_citations.py [--repeat N]

A briefing whose N facts all cite the same source, converted by the tool's own
citation extension (what briefings uses) and, side by side in the same run, by
python-markdown's footnotes extension (what it used before, which numbers
footnotes itself and does quadratic work per repeated reference). Prints the
median of N runs (default 3) for 1,000, 3,000 and 10,000 facts, and each
time divided by the time for 1,000 (linear growth: 3× and 10×). The figures
measured on the development machine are kept in bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import markdown  # noqa: E402

from briefings.render.html import markdown_to_html  # noqa: E402

SIZES = (1_000, 3_000, 10_000)


def document(facts: int, marker: str) -> str:
    lines = [f"- Fact number {index} happened.[^{marker}]\n" for index in range(facts)]
    return "## Facts\n\n" + "".join(lines) + f"\n## Sources\n\n[^{marker}]: The one source.\n"


def with_footnotes(text: str) -> None:
    markdown.Markdown(extensions=["footnotes", "tables", "toc", "sane_lists", "smarty"],
                      extension_configs={"footnotes": {"USE_DEFINITION_ORDER": False}}).convert(text)


def median_seconds(function, text: str, repeat: int) -> float:  # noqa: ANN001
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        function(text)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip-footnotes-above", type=int, default=10_000,
                        help="largest size to time with python-markdown's footnotes (slow)")
    repeat = parser.parse_args().repeat
    limit = parser.parse_args().skip_footnotes_above
    print(f"{'facts':>7} {'briefings':>12} {'ratio':>6} {'footnotes':>12} {'ratio':>6}")
    base_ours = base_theirs = None
    for size in SIZES:
        ours = median_seconds(markdown_to_html, document(size, "1"), repeat)
        theirs = median_seconds(with_footnotes, document(size, "source"), repeat) if size <= limit else None
        base_ours = base_ours or ours
        base_theirs = base_theirs or theirs
        their_text = f"{theirs:11.2f}s {theirs / base_theirs:6.1f}" if theirs and base_theirs else f"{'-':>12} {'-':>6}"
        print(f"{size:>7} {ours:11.2f}s {ours / base_ours:6.1f} {their_text}")


if __name__ == "__main__":
    main()
