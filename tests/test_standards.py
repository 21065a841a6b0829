"""Standards the outputs meet, checked with the tools that define them.

The example project is built once; then every HTML output goes through the
W3C Nu HTML checker (vnu.jar, installed by .ci/setup into .venv/vnu), every
PDF through ``qpdf --check`` and ``pdffonts``, and no output may name the
machine that built it (a ``file:`` URL or an absolute path of the build).
These tools are part of the test set-up: when one is missing the tests fail
and say how to install it; they never skip.
"""

from __future__ import annotations

import datetime
import json
import subprocess
import zipfile
from pathlib import Path

import pytest
import yaml

from briefings.build.orchestrate import build
from briefings.build.publish import publish
from tests.conftest import (
    GENERATED,
    PAGED_MEDIA_CSS,
    REPO_ROOT,
    VNU_JAR,
    assert_accessible_pdf,
    copy_example,
    decompressed,
    machine_traces,
    require_tool,
    xmp_properties,
)


@pytest.fixture(scope="module")
def example_outputs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The output directory of a copy of the example project in all formats, with two editions of each briefing:
    the second has a "what changed" section listing an added, a changed and a removed fact and a changed figure."""
    root = copy_example(tmp_path_factory.mktemp("standards") / "example")
    build(root, generated=GENERATED)
    publish(root, now=GENERATED)
    for path in sorted((root / "sources/topics").glob("*.yaml")):
        topic = yaml.safe_load(path.read_text(encoding="utf-8"))
        facts = topic["facts"]
        facts[0]["text"] += " It was later confirmed."
        facts.append({**facts.pop(1), "id": "renamed-fact"})
        for figure in topic.get("figures", [])[:1]:
            figure["value"] = figure["value"] * 2 if isinstance(figure["value"], (int, float)) else "revised"
            figure.pop("evidence", None)  # a revised value no longer rests on the old passage (which contradicts it)
        path.write_text(yaml.safe_dump(topic, allow_unicode=True, sort_keys=False), encoding="utf-8")
    report = publish(root, now=GENERATED + datetime.timedelta(days=7))
    assert {result.outcome for result in report.results} == {"published"}, report.results
    return root / "output"


def test_html_outputs_are_valid_html5(example_outputs: Path) -> None:
    java = require_tool("java")
    if not VNU_JAR.is_file():
        pytest.fail(f"the Nu HTML checker is missing ({VNU_JAR}): run .ci/setup, which installs it from npm")
    pages = sorted(example_outputs.rglob("*.html"))
    assert pages
    # One JVM for all files: the checker takes seconds to start. Not
    # --errors-only: the checker reports obsolete markup (such as the align
    # attribute) only as a warning, and that must fail too.
    run = subprocess.run([java, "-jar", str(VNU_JAR), "--format", "json", *map(str, pages)],
                         capture_output=True, text=True, timeout=300)
    try:
        messages = json.loads(run.stderr)["messages"]
    except (ValueError, KeyError):
        pytest.fail(f"the Nu HTML checker failed to run (exit {run.returncode}):\n{run.stderr}{run.stdout}")
    failures = [
        f"{message.get('url', '').rsplit('/', 1)[-1]}:{message.get('lastLine', '?')}: "
        f"{message['type']}: {message['message']}"
        for message in messages
        if (message["type"] != "info" or "obsolete" in message["message"])
        and not any(pattern.search(message["message"]) for pattern in PAGED_MEDIA_CSS)
    ]
    assert not failures, "\n".join(failures)


def test_pdfs_are_well_formed_and_embed_every_font(example_outputs: Path) -> None:
    qpdf, pdffonts = require_tool("qpdf"), require_tool("pdffonts")
    pdfs = sorted(example_outputs.rglob("*.pdf"))
    assert pdfs
    for pdf in pdfs:
        check = subprocess.run([qpdf, "--check", str(pdf)], capture_output=True, text=True)
        assert check.returncode == 0, f"{pdf.name}: qpdf --check:\n{check.stdout}{check.stderr}"
        listing = subprocess.run([pdffonts, str(pdf)], capture_output=True, text=True, check=True).stdout
        header, _, *rows = listing.splitlines()
        emb = header.index(" emb ") + 1  # columns are fixed-width; font names may contain spaces
        assert rows, f"{pdf.name} uses no fonts?"
        for row in rows:
            assert row[emb:emb + 3] == "yes", f"{pdf.name}: font not embedded: {row}"


def test_every_pdf_is_tagged_and_declares_pdf_ua(example_outputs: Path) -> None:
    """Drafts and edition copies: a structure tree, the language, the title, bookmarks and PDF/UA-1 (issue 19)."""
    settings = yaml.safe_load((example_outputs.parent / "briefings.yaml").read_text(encoding="utf-8"))
    titles = {briefing_id: entry["title"] for briefing_id, entry in settings["briefings"].items()}
    pdfs = sorted(example_outputs.rglob("*.pdf"))
    assert len(pdfs) == 3 * len(titles)  # the draft and two editions of each
    for path in pdfs:
        briefing_id = path.stem.split("-edition-")[0]
        pdf = assert_accessible_pdf(path, title=titles[briefing_id], lang="en-GB")
        assert "pdfaid:part" not in xmp_properties(pdf)  # the example does not ask for archival PDFs
        assert f"{briefing_id}.json" in [name for name in pdf.attachments]





def test_no_output_names_the_machine_that_built_it(example_outputs: Path, tmp_path: Path) -> None:
    root = example_outputs.parent
    outputs = sorted(path for path in example_outputs.rglob("*")  # with the bookkeeping, less the (empty) lock
                     if path.is_file() and path.name != "lock")
    assert {path.suffix for path in outputs} == {".md", ".html", ".pdf", ".docx", ".json"}
    for path in outputs:
        data = decompressed(path, tmp_path) if path.suffix == ".pdf" else path.read_bytes()
        if path.suffix == ".docx":  # every part of the Word package, unzipped
            with zipfile.ZipFile(path) as package:
                data = b"".join(package.read(name) for name in package.namelist())
        # root.parent.parent: the whole of pytest's temporary directory.
        assert not machine_traces(data, root, root.parent.parent, REPO_ROOT), path.name
