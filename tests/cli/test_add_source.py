"""``briefings add-source``: archive a document and append its reference, disturbing nothing else."""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
import sys
from pathlib import Path

import filelock
import pytest
import yaml
from click.testing import CliRunner, Result

from briefings import files
from briefings.audit import add_source
from briefings.audit.project_audit import load_and_audit
from briefings.cli import main
from briefings.paths import SOURCES_LOCK
from tests.conftest import REPO_ROOT, copy_example

FIXTURES = REPO_ROOT / "tests" / "fixtures" / "archive"
REFERENCES = "sources/references.yaml"
#: What the example's archive directory holds as shipped: a README naming the articles, not the articles.
SHIPPED_ARCHIVE = ["README.md"]


def archive_contents(project: Path) -> list[str]:
    return sorted(path.name for path in (project / "sources" / "archive").iterdir())


def add(project: Path, document: Path, *extra: str, reference_id: str = "carrow-courier-harbour") -> Result:
    return CliRunner().invoke(main, [
        "add-source", str(document), "--id", reference_id, "--outlet", "The Carrow Courier",
        "--title", "Port of Carrow agrees harbour expansion", "--published", "2025-03-04",
        "--project", str(project), *extra])


@pytest.fixture
def example(tmp_path: Path) -> Path:
    return copy_example(tmp_path / "example")


@pytest.fixture
def document(tmp_path: Path) -> Path:
    # The user's own file, outside the project.
    path = tmp_path / "downloads" / "harbour-page.html"
    path.parent.mkdir()
    path.write_bytes((FIXTURES / "harbour-page.html").read_bytes())
    return path


def test_adds_the_entry_at_the_end_leaving_the_file_byte_for_byte(example: Path, document: Path) -> None:
    before = (example / REFERENCES).read_bytes()
    result = add(example, document, "--url", "https://courier.example/harbour", "--reliability", "C")
    assert result.exit_code == 0, result.output
    after = (example / REFERENCES).read_bytes()
    assert after.startswith(before)
    appended = after[len(before):].decode("utf-8")
    assert appended == (
        "\n"
        "carrow-courier-harbour:\n"
        "  outlet: The Carrow Courier\n"
        "  title: Port of Carrow agrees harbour expansion\n"
        "  published: 2025-03-04\n"
        "  url: https://courier.example/harbour\n"
        "  reliability: C\n"
        "  archive: harbour-page.html\n")
    assert (example / "sources" / "archive" / "harbour-page.html").read_bytes() == document.read_bytes()
    assert "carrow-courier-harbour:\n  outlet: The Carrow Courier\n" in result.output
    assert "archive: harbour-page.html" in result.output
    project = load_and_audit(example)  # still valid, and the new reference is there with its archive
    assert project.references["carrow-courier-harbour"].archive == "harbour-page.html"
    assert list(project.references)[-1] == "carrow-courier-harbour"


def test_comments_quoting_and_indentation_are_kept(tmp_path: Path, document: Path) -> None:
    project = tmp_path / "p"
    (project / "sources").mkdir(parents=True)
    original = (
        "# Our sources.\n"
        "zeta-report:    # out of alphabetical order on purpose\n"
        "    outlet: 'Zeta'\n"
        "    title: \"[Notes of the call]\"\n"
        "    published: 2025-01-02\n"
        "alpha-report:\n"
        "    outlet: Alpha   # trailing comment\n"
        "    title: >-\n"
        "      A folded\n"
        "      title\n"
        "    published: 2025-01-03\n"
        "# the end")
    (project / REFERENCES).write_text(original, encoding="utf-8")
    result = add(project, document)
    assert result.exit_code == 0, result.output
    after = (project / REFERENCES).read_text(encoding="utf-8")
    assert after == original + (
        "\n"
        "carrow-courier-harbour:\n"
        "    outlet: The Carrow Courier\n"
        "    title: Port of Carrow agrees harbour expansion\n"
        "    published: 2025-03-04\n"
        "    archive: harbour-page.html\n")


def test_an_existing_id_is_refused(example: Path, document: Path) -> None:
    before = (example / REFERENCES).read_bytes()
    line = before.decode("utf-8").splitlines().index("lemonde-rutte-approach:") + 1
    result = add(example, document, reference_id="lemonde-rutte-approach")
    assert result.exit_code == 1
    assert f"{REFERENCES}:{line}: reference 'lemonde-rutte-approach' already exists" in result.output
    assert (example / REFERENCES).read_bytes() == before
    assert archive_contents(example) == SHIPPED_ARCHIVE  # nothing archived


@pytest.mark.parametrize(("option", "value", "message"), [
    ("--published", "2025-02-30", "invalid date '2025-02-30' (expected YYYY-MM-DD)"),
    ("--published", "yesterday", "invalid date 'yesterday'"),
    ("--id", "Carrow_Courier", "must be a slug"),
    ("--url", "ftp://courier.example/x", "is not an http(s) URL"),
    ("--reliability", "G", "is not allowed"),
])
def test_bad_values_are_refused(example: Path, document: Path, option: str, value: str, message: str) -> None:
    before = (example / REFERENCES).read_bytes()
    args = [option, value] if option != "--id" else []
    result = add(example, document, *args, **({"reference_id": value} if option == "--id" else {}))
    assert result.exit_code == 2, result.output
    assert message in result.output and option in result.output
    assert (example / REFERENCES).read_bytes() == before
    assert archive_contents(example) == SHIPPED_ARCHIVE  # nothing archived


def test_a_document_of_a_kind_the_archive_does_not_take_is_refused(example: Path, tmp_path: Path) -> None:
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(b"%PDF-1.7")
    result = add(example, pdf)
    assert result.exit_code == 2 and "not a kind of file the archive takes" in result.output


def test_a_different_file_of_the_same_name_is_not_overwritten(example: Path, document: Path) -> None:
    archived = example / "sources" / "archive" / "harbour-page.html"
    archived.parent.mkdir(parents=True, exist_ok=True)
    archived.write_text("<html><body><p>Another story entirely, about the ferry strike.</p></body></html>",
                        encoding="utf-8")
    before = (example / REFERENCES).read_bytes()
    result = add(example, document)
    assert result.exit_code == 1
    assert "sources/archive/harbour-page.html: a different file of this name is already in the archive" in result.output
    assert "ferry strike" in archived.read_text(encoding="utf-8")
    assert (example / REFERENCES).read_bytes() == before


def test_the_same_file_already_archived_is_fine(example: Path, document: Path) -> None:
    archived = example / "sources" / "archive" / "harbour-page.html"
    archived.parent.mkdir(parents=True, exist_ok=True)
    archived.write_bytes(document.read_bytes())
    result = add(example, document)
    assert result.exit_code == 0, result.output
    assert "already archived, identical" in result.output


def test_the_archive_dir_setting_is_used(example: Path, document: Path) -> None:
    settings = example / "briefings.yaml"
    settings.write_text(settings.read_text(encoding="utf-8") + "archive_dir: library/copies\n", encoding="utf-8")
    result = add(example, document)
    assert result.exit_code == 0, result.output
    assert (example / "library" / "copies" / "harbour-page.html").is_file()
    load_and_audit(example)


def test_an_archive_directory_linked_out_of_the_project_is_refused(example: Path, document: Path,
                                                                  tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    shutil.rmtree(example / "sources" / "archive")  # the example ships one with its README
    (example / "sources" / "archive").symlink_to(outside)
    result = add(example, document)
    assert result.exit_code == 1
    assert "outside the project" in result.output
    assert list(outside.iterdir()) == []


def test_a_missing_document_is_reported(example: Path, tmp_path: Path) -> None:
    result = add(example, tmp_path / "nowhere.txt")
    assert result.exit_code == 1 and "cannot read the document: it does not exist" in result.output


def test_a_document_without_text_is_refused(example: Path, tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"\n\n")
    before = (example / REFERENCES).read_bytes()
    result = add(example, empty)
    assert result.exit_code == 1 and "no text could be read from the document" in result.output
    assert (example / REFERENCES).read_bytes() == before


def test_a_references_file_that_ends_its_document_is_not_appended_to(tmp_path: Path, document: Path) -> None:
    project = tmp_path / "p"
    (project / "sources").mkdir(parents=True)
    original = "a-report:\n  outlet: A\n  title: T\n  published: 2025-01-02\n...\n"
    (project / REFERENCES).write_text(original, encoding="utf-8")
    result = add(project, document)
    assert result.exit_code == 1 and "add the entry by hand" in result.output
    assert (project / REFERENCES).read_text(encoding="utf-8") == original


def test_add_source_is_listed_in_help() -> None:
    result = CliRunner().invoke(main, ["--help"])
    assert "add-source" in result.output


# -- runs at the same time, and runs that fail ----------------------------------------------------

#: Runs ``briefings add-source`` (``python -m briefings``'s entry point) with two test hooks that make
#: every run that can overlap another overlap it, so that a lost entry is certain, not a matter of timing:
#: each run waits, once its document is read, until all have read theirs (a start line, before anything
#: that touches the project), and, once it has read references.yaml, until all have read it too, or for
#: 0.3 s at most (with the sources lock, the others cannot read it meanwhile: each run then waits the
#: 0.3 s inside the lock, which costs time but never correctness).
CONCURRENT_RUN = r"""
import os, sys, time
from pathlib import Path

import briefings.audit.archive as archive
import briefings.files as files

marks, runs = Path(os.environ["MARKS"]), int(os.environ["RUNS"])


def wait_for_all(kind, seconds):
    deadline = time.monotonic() + seconds
    while len(list(marks.glob(kind + "-*"))) < runs and time.monotonic() < deadline:
        time.sleep(0.005)


real_archive_text, real_read = archive.archive_text, files.read_project_file


def archive_text(*args, **kwargs):
    result = real_archive_text(*args, **kwargs)
    (marks / f"ready-{os.getpid()}").touch()
    wait_for_all("ready", 120)
    return result


def read_project_file(path, root, **kwargs):
    data = real_read(path, root, **kwargs)
    if Path(path).name == "references.yaml":
        (marks / f"read-{os.getpid()}").touch()
        wait_for_all("read", 0.3)
    return data


archive.archive_text, files.read_project_file = archive_text, read_project_file
sys.argv[0] = "briefings"
from briefings.__main__ import main

main()
"""


def test_runs_started_together_all_add_their_entries(example: Path, tmp_path: Path) -> None:
    runs = 6
    marks = tmp_path / "marks"
    marks.mkdir()
    documents = []
    for number in range(1, runs + 1):
        document = tmp_path / "downloads" / f"report-{number}.txt"
        document.parent.mkdir(exist_ok=True)
        document.write_text(f"Report number {number}: the harbour expansion was agreed.\n", encoding="utf-8")
        documents.append(document)
    environment = {**os.environ, "MARKS": str(marks), "RUNS": str(runs)}
    processes = [subprocess.Popen(
        [sys.executable, "-c", CONCURRENT_RUN, "add-source", str(document), "--id", f"report-{number}",
         "--outlet", "The Carrow Courier", "--title", f"Report {number}", "--published", "2025-03-04",
         "--project", str(example)],
        env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for number, document in enumerate(documents, start=1)]
    outcomes = []
    try:
        for process in processes:
            stdout, stderr = process.communicate(timeout=180)
            outcomes.append((process.returncode, stderr))
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.wait()
    assert [code for code, _ in outcomes] == [0] * runs, outcomes
    # The hooks ran (so the runs did meet where they could overlap).
    assert len(list(marks.glob("ready-*"))) == runs and len(list(marks.glob("read-*"))) == runs
    references = yaml.safe_load((example / REFERENCES).read_text(encoding="utf-8"))
    assert {key for key in references if key.startswith("report-")} == {f"report-{n}" for n in range(1, runs + 1)}
    assert archive_contents(example) == sorted([*SHIPPED_ARCHIVE, *(document.name for document in documents)])
    project = load_and_audit(example)  # still a valid project, with every new reference and its archive
    assert all(project.references[f"report-{number}"].archive == f"report-{number}.txt"
               for number in range(1, runs + 1))


@pytest.mark.parametrize(("failure", "exit_code", "message"), [
    (OSError(errno.ENOSPC, "No space left on device"), 1,
     "sources/references.yaml: cannot write the file: no space left on device; nothing was added"),
    (KeyboardInterrupt(), 130, "briefings: interrupted"),
])
def test_a_run_that_cannot_write_the_references_leaves_no_archived_copy(
        example: Path, document: Path, monkeypatch: pytest.MonkeyPatch, failure: BaseException, exit_code: int,
        message: str) -> None:
    before = (example / REFERENCES).read_bytes()
    real_replace = files.replace_file

    def replace_file(path: Path, data: bytes, **kwargs: object) -> None:
        if Path(path).name == "references.yaml":
            raise failure
        real_replace(path, data, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(files, "replace_file", replace_file)
    result = add(example, document)
    assert result.exit_code == exit_code, result.output
    assert message in result.output
    assert (example / REFERENCES).read_bytes() == before
    assert archive_contents(example) == SHIPPED_ARCHIVE  # the copy made for the entry is gone again


def test_a_failed_run_keeps_the_identical_file_that_was_already_archived(
        example: Path, document: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    archived = example / "sources" / "archive" / document.name
    archived.write_bytes(document.read_bytes())

    def replace_file(path: Path, data: bytes, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(files, "replace_file", replace_file)
    result = add(example, document)
    assert result.exit_code == 1, result.output
    assert archived.read_bytes() == document.read_bytes()  # not this run's copy: not this run's to remove


def test_a_run_that_cannot_write_the_archived_copy_says_so(example: Path, document: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    before = (example / REFERENCES).read_bytes()

    def stage_file(target: Path, data: bytes, **kwargs: object) -> Path:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(files, "stage_file", stage_file)
    result = add(example, document)
    assert result.exit_code == 1, result.output
    assert ("sources/archive/harbour-page.html: cannot write the file: no space left on device; nothing was added"
            in result.output)
    assert (example / REFERENCES).read_bytes() == before
    assert archive_contents(example) == SHIPPED_ARCHIVE


def test_a_run_waits_for_the_sources_lock_and_then_gives_up(example: Path, document: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    before = (example / REFERENCES).read_bytes()
    monkeypatch.setattr(add_source, "SOURCES_LOCK_WAIT", 0.2)
    held = filelock.FileLock(str(example / SOURCES_LOCK), thread_local=False, is_singleton=False)
    with held:
        result = add(example, document)
    assert result.exit_code == 1, result.output
    assert ("sources/.references.yaml.lock: another add-source is still changing sources/references.yaml "
            "after 0.2 s; try again") in result.output
    assert (example / REFERENCES).read_bytes() == before
    assert archive_contents(example) == SHIPPED_ARCHIVE
    assert add(example, document).exit_code == 0  # once it is free, the same run goes through


def test_a_symbolic_link_in_the_sources_locks_place_is_refused_not_followed(example: Path, document: Path,
                                                                           tmp_path: Path) -> None:
    target = tmp_path / "elsewhere.lock"
    (example / SOURCES_LOCK).symlink_to(target)
    before = (example / REFERENCES).read_bytes()
    result = add(example, document)
    assert result.exit_code == 1, result.output
    assert "sources/.references.yaml.lock: cannot take the lock: a symbolic link is in its place" in result.output
    assert not os.path.lexists(target)
    assert (example / REFERENCES).read_bytes() == before
    assert archive_contents(example) == SHIPPED_ARCHIVE


def test_the_sources_lock_file_is_hidden_and_not_in_the_archive(example: Path, document: Path) -> None:
    assert add(example, document).exit_code == 0
    assert (example / SOURCES_LOCK).is_file()
    assert SOURCES_LOCK.rpartition("/")[2].startswith(".")  # ignored by watch and by topic listing
    assert add(example, document, reference_id="carrow-courier-harbour-2").exit_code == 0  # reused
    load_and_audit(example)
