"""Fingerprints of everything a build writes, to show that a refactoring changed no output byte.

Usage:
  .venv/bin/python bench/compare_outputs.py record FILE   # write the SHA-256 of every output to FILE
  .venv/bin/python bench/compare_outputs.py compare FILE  # build again, exit 1 on any difference from FILE

It builds, with ``SOURCE_DATE_EPOCH`` fixed and the ``briefings`` command of
this checkout (``python -m briefings``), in temporary copies:

- ``example``: the repository's example project, ``build`` in every format
  (against the seed articles in ``../shared/seeds`` when they are there, so that
  the audit's verification marks are part of what is compared);
- ``house``: the example with house overrides (a ``briefing.md.j2`` overriding
  blocks, a stylesheet of its own, a per-briefing ``style``), its one-pager, and
  two published editions (``publish --now`` twice, with a fact reworded and a
  figure changed between them), so that editions, "what changed" and the
  edition snapshots are compared too.

Then it hashes every file under each project's ``output/`` (except the build's
own bookkeeping, which records timings and absolute paths). The list of files
is compared as well as their bytes: a file that appears or disappears is a
difference.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from trees import copy_example  # noqa: E402

SEEDS = ROOT.parent / "shared" / "seeds"
EPOCH = "1764547200"  # 2025-12-01T00:00:00Z
# The build's own memory: timings, cache formats and paths, not outputs.
BOOKKEEPING = (".briefings", "runs.jsonl", "schedule-state.json")

HOUSE_TEMPLATE = """{% extends "builtin/briefing.md.j2" %}
{% block summary %}*Prepared by the house desk.*

{{ super() }}{% endblock %}
"""
HOUSE_CSS = """:root { --accent: #1f4e7a; }
h2 { letter-spacing: 0.02em; }
"""


def briefings(project: Path, *args: str) -> None:
    env = {**os.environ, "SOURCE_DATE_EPOCH": EPOCH, "PYTHONHASHSEED": "0"}
    command = [sys.executable, "-m", "briefings", *args, "--project", str(project)]
    if SEEDS.is_dir() and args[0] in ("build", "publish"):
        command += ["--archive-dir", str(SEEDS)]
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        sys.exit(f"{' '.join(args)} failed ({result.returncode}):\n{result.stdout}{result.stderr}")


def make_house(target: Path) -> Path:
    project = copy_example(target)
    (project / "templates/briefing.md.j2").write_text(HOUSE_TEMPLATE)
    (project / "templates/house.css").write_text(HOUSE_CSS)
    settings = (project / "briefings.yaml").read_text()
    settings = settings.replace("formats: [md, html, pdf]", "formats: [md, html, pdf]\nstylesheet: [house.css]")
    settings = settings.replace(
        "    title: NATO defence spending at a glance\n",
        "    title: NATO defence spending at a glance\n    style: {accent: \"#2b5d34\"}\n")
    (project / "briefings.yaml").write_text(settings)
    briefings(project, "publish", "--now", "2025-11-17T06:00")
    topic = project / "sources/topics/nato-spending.yaml"
    text = topic.read_text()
    edited = text.replace("Rutte", "NATO's Secretary General Rutte", 1)
    if edited == text:
        sys.exit("the house project's edit no longer applies: update make_house()")
    topic.write_text(edited)
    briefings(project, "publish", "--now", "2025-11-24T06:00")
    return project


def fingerprints(workdir: Path) -> dict[str, str]:
    example = copy_example(workdir / "example")
    briefings(example, "build", "--format", "md", "--format", "html", "--format", "pdf", "--format", "json")
    house = make_house(workdir / "house")
    result: dict[str, str] = {}
    for name, project in (("example", example), ("house", house)):
        output = project / "output"
        for path in sorted(output.rglob("*")):
            relative = path.relative_to(output)
            if path.is_file() and not any(part in BOOKKEEPING for part in relative.parts):
                result[f"{name}/{relative.as_posix()}"] = hashlib.sha256(path.read_bytes()).hexdigest()
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=["record", "compare"])
    parser.add_argument("file", type=Path)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="briefings-compare-") as workdir:
        now = fingerprints(Path(workdir))
    if options.action == "record":
        options.file.write_text(json.dumps(now, indent=1, sort_keys=True) + "\n")
        print(f"recorded {len(now)} outputs to {options.file}")
        return 0
    before = json.loads(options.file.read_text())
    differences = sorted(
        [f"missing now: {name}" for name in before.keys() - now.keys()]
        + [f"new now: {name}" for name in now.keys() - before.keys()]
        + [f"differs: {name}" for name in before.keys() & now.keys() if before[name] != now[name]])
    for line in differences:
        print(line)
    print(f"{len(now)} outputs compared, {len(differences)} difference(s)")
    return 1 if differences else 0


if __name__ == "__main__":
    sys.exit(main())
