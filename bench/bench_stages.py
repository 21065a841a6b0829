"""Time the stages before the PDF over a synthetic project of N topics × 12 facts.

Usage: .venv/bin/python bench/bench_stages.py [--topics N] [--repeat R]
                                              [--dump DIR] [--profile STAGE]

Generates, in a temporary directory, a project of N topics (default 200), each
with 12 facts of realistic text (*emphasis*, **strong**, "quotes", apostrophes,
links, dashes), dates, quotes, figures and several sections, citing 60
references; every topic is its own briefing. Then times, median of R runs
(default 3):

- ``yaml``: :func:`briefings.project.yaml.load_yaml` of every file (part of the next);
- ``load+validate``: :func:`briefings.audit.project_audit.load_and_audit`;
- ``markdown``: Jinja → Markdown, both renderings a build makes per briefing
  (standalone for the ``.md``, the body for the HTML);
- ``html``: Markdown → sanitised HTML → the HTML document.

``--dump DIR`` writes every briefing's ``.md`` and ``.html`` into DIR (with a
fixed generation time), so that two versions of the code can be compared byte
for byte; ``--profile STAGE`` prints a cProfile of one run of that stage.

The project is generated from a fixed seed, so every run and every version of
the code sees the same input. Run an older version of the code by running this
file from a copy of that version (it imports the ``briefings`` next to it).
The figures measured on the development machine are kept in bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime
import pstats
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from briefings.audit.project_audit import load_and_audit  # noqa: E402
from briefings.project.yaml import load_yaml  # noqa: E402
from briefings.render.environment import make_environment  # noqa: E402
from briefings.render.html import markdown_to_html, render_html  # noqa: E402
from briefings.render.markdown import render_markdown  # noqa: E402

GENERATED = datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=datetime.UTC)
FACTS_PER_TOPIC = 12
REFERENCES = 60
SECTIONS = ("Key developments", "Diplomacy", "Industry and procurement", "Money", "Holdouts and pressure")
OUTLETS = ("AFP", "Reuters", "Le Monde", "France 24", "The Guardian", "BBC News", "Politico Europe")
SUBJECTS = ("The defence ministry", "NATO's secretary general", "The coalition", "Kyiv", "The Treasury",
            "Allied officials", "The prime minister's office", "A parliamentary committee", "Two manufacturers")
VERBS = ("announced", "confirmed", "said it would review", "agreed to expand", "signed off on", "delayed",
         "questioned", "welcomed")
OBJECTS = ("a joint drone programme", "the 2027 spending plan", "a **£2.3bn** procurement package",
           "the *interim* security guarantee", "new air-defence deliveries", "the \"reassurance force\"",
           "a ten-year partnership treaty", "the 3.5% core-spending target", "an export-credit scheme")
CLAUSES = ("after talks that ran late into the night", "despite objections from Spain",
           "according to two officials who asked not to be named", "in a statement issued on Tuesday",
           "while warning that \"nothing is agreed until everything is agreed\"",
           "a move the opposition called \"long overdue\"", "with deliveries due to begin in 2026",
           "-- a week earlier than planned --", "in what one diplomat described as a 'quiet success'",
           "though the details remain unclear...")
EXTRAS = ("The ministry's figures could not be independently verified.",
          "See the [published communiqué](https://www.example.org/communique) for the full text.",
          "Officials stressed it was *not* a new commitment.",
          "It's the third such announcement this year.",
          "The plan covers 2025–2030 and is reviewed each spring.",
          "Critics say the timetable is 'unrealistic'.",
          "Details are in the [defence review](https://www.example.org/review?id=2025&part=3).",
          "")
SPEAKERS = ("Mark Rutte, NATO secretary general", "Keir Starmer, UK prime minister",
            "Volodymyr Zelensky, president of Ukraine", "A senior EU diplomat")
FIGURE_VALUES = ("2.5", "3.5", "1200", "2.3", '"about 40"')
FIGURE_UNITS = ("£bn", '"% of GDP"', "drones", "troops")
QUOTES = ("This is a quantum leap that is ambitious, historic and fundamental to securing our future.",
          "We will not be found wanting.", "It's a partnership built to last a hundred years.",
          "Nobody should doubt our resolve -- not now, not ever.")


def _sentence(rng: random.Random) -> str:
    return f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)}, {rng.choice(CLAUSES)}."


def _folded(text: str, indent: str) -> str:
    words, lines, line = text.split(), [], ""
    for word in words:
        if line and len(line) + 1 + len(word) > 72:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    lines.append(line)
    return "".join(f"{indent}{part}\n" for part in lines)


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def generate_project(root: Path, topics: int, seed: int = 20260102) -> Path:
    """Write a project of ``topics`` topics × 12 facts under ``root``; return ``root``."""
    rng = random.Random(seed)
    (root / "sources" / "topics").mkdir(parents=True)
    (root / "briefings.yaml").write_text("title: Synthetic Briefings\nauthor: bench\nclassification: OFFICIAL\n"
                                         "formats: [md, html]\n", encoding="utf-8")
    references = []
    for index in range(REFERENCES):
        published = datetime.date(2025, 1, 1) + datetime.timedelta(days=rng.randrange(150))
        references.append(
            f"ref-{index}:\n"
            f"  outlet: {rng.choice(OUTLETS)}\n"
            f"  title: {_quoted(_sentence(rng).rstrip('.'))}\n"
            f"  published: {published.isoformat()}\n"
            f"  url: https://news.example.org/{published.year}/{index}/story-{rng.randrange(10**6)}\n"
            f"  accessed: 2025-09-20\n"
            f"  reliability: {rng.choice('ABBBCC')}\n"
            + (f"  note: >-\n{_folded('Read as republished; ' + _sentence(rng), '    ')}" if index % 3 == 0 else "")
        )
    (root / "sources" / "references.yaml").write_text("\n".join(references), encoding="utf-8")
    for topic in range(topics):
        lines = [
            f"# Synthetic topic {topic}.\n",
            f"title: Topic number {topic} -- \"developments\" and outlook\n",
            "summary: >-\n",
            _folded(" ".join(_sentence(rng) for _ in range(3)) + " **Bottom line:** watch the autumn review.", "  "),
            "as_of: 2025-09-10\n",
            "tags: [defence, synthetic]\n",
            "facts:\n",
        ]
        for fact in range(FACTS_PER_TOPIC):
            sources = sorted(rng.sample(range(REFERENCES), rng.choice((1, 1, 2, 3))))
            lines.append(f"  - id: fact-{fact}\n")
            lines.append(f"    section: {SECTIONS[fact % len(SECTIONS)]}\n")
            if fact % 3 != 2:
                day = datetime.date(2025, 6, 1) + datetime.timedelta(days=rng.randrange(90))
                lines.append(f"    date: {day.isoformat()}\n")
            text = " ".join((_sentence(rng), _sentence(rng), rng.choice(EXTRAS))).strip()
            lines.append("    text: >-\n" + _folded(text, "      "))
            lines.append(f"    sources: [{', '.join(f'ref-{s}' for s in sources)}]\n")
            if fact % 4 == 1:
                lines.append(f"    quote:\n      text: {_quoted(rng.choice(QUOTES))}\n"
                             f"      speaker: {rng.choice(SPEAKERS)}\n")
        lines.append("figures:\n")
        for figure in range(3):
            lines.append(f"  - label: Figure {figure} of topic {topic}\n"
                         f"    value: {rng.choice(FIGURE_VALUES)}\n"
                         f"    unit: {rng.choice(FIGURE_UNITS)}\n"
                         f"    sources: [ref-{rng.randrange(REFERENCES)}]\n")
        (root / "sources" / "topics" / f"topic-{topic}.yaml").write_text("".join(lines), encoding="utf-8")
    return root


def run_once(root: Path) -> tuple[dict[str, float], dict[str, tuple[str, str]]]:
    """One pass over every stage; the seconds each took, and every briefing's Markdown and HTML."""
    seconds: dict[str, float] = {}
    files = [root / "briefings.yaml", root / "sources" / "references.yaml",
             *sorted((root / "sources" / "topics").glob("*.yaml"))]
    started = time.perf_counter()
    for path in files:
        load_yaml(path, root)
    seconds["yaml"] = time.perf_counter() - started

    started = time.perf_counter()
    project = load_and_audit(root)
    seconds["load+validate"] = time.perf_counter() - started

    environment = make_environment(root)
    started = time.perf_counter()
    markdowns = {b.id: (render_markdown(environment, project, b, GENERATED, standalone=True),
                        render_markdown(environment, project, b, GENERATED, standalone=False))
                 for b in project.briefings}
    seconds["markdown"] = time.perf_counter() - started

    started = time.perf_counter()
    htmls = {b.id: render_html(environment, project, b, GENERATED, markdowns[b.id][1],
                               markdown_to_html(markdowns[b.id][1].text))
             for b in project.briefings}
    seconds["html"] = time.perf_counter() - started
    return seconds, {key: (markdowns[key][0].text, htmls[key]) for key in htmls}


def profile(root: Path, stage: str) -> None:
    project = load_and_audit(root)
    environment = make_environment(root)
    bodies = {b.id: render_markdown(environment, project, b, GENERATED, standalone=False) for b in project.briefings}
    work = {
        "yaml": lambda: [load_yaml(p, root) for p in sorted((root / "sources").rglob("*.yaml"))],
        "load+validate": lambda: load_and_audit(root),
        "markdown": lambda: [render_markdown(environment, project, b, GENERATED, standalone=s)
                             for b in project.briefings for s in (True, False)],
        "html": lambda: [render_html(environment, project, b, GENERATED, bodies[b.id],
                                     markdown_to_html(bodies[b.id].text)) for b in project.briefings],
    }[stage]
    profiler = cProfile.Profile()
    profiler.runcall(work)
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(35)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--topics", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--dump", type=Path, help="write each briefing's .md and .html here")
    parser.add_argument("--profile", choices=("yaml", "load+validate", "markdown", "html"))
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="briefings-bench-") as directory:
        root = generate_project(Path(directory), arguments.topics)
        if arguments.profile:
            profile(root, arguments.profile)
            return
        timings: dict[str, list[float]] = {}
        for _ in range(arguments.repeat):
            seconds, outputs = run_once(root)
            for stage, value in seconds.items():
                timings.setdefault(stage, []).append(value)
        if arguments.dump:
            arguments.dump.mkdir(parents=True, exist_ok=True)
            for key, (md, html) in outputs.items():
                (arguments.dump / f"{key}.md").write_text(md, encoding="utf-8")
                (arguments.dump / f"{key}.html").write_text(html, encoding="utf-8")
    print(f"code: {ROOT}; {arguments.topics} topics × {FACTS_PER_TOPIC} facts; median of {arguments.repeat} runs")
    total = 0.0
    for stage, values in timings.items():
        median = statistics.median(values)
        if stage != "yaml":
            total += median
        print(f"{stage:14} {median:8.3f} s  {1000 * median / arguments.topics:7.2f} ms/topic")
    print(f"{'total':14} {total:8.3f} s  {1000 * total / arguments.topics:7.2f} ms/topic  (yaml is part of load)")


if __name__ == "__main__":
    main()
