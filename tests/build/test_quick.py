"""The quick check: a build with nothing new answers without loading the project, and anything new is seen.

Each change below (deliberate, or a harmless-looking edit that does change an
input) must make the quick check give way to the full build, which renders
what changed; edits that change nothing an output depends on are covered by
``test_incremental_quick.py``, which runs every incremental scenario through
the quick check.
"""

from __future__ import annotations

import dataclasses
import datetime
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from briefings.build import clock
from briefings.build.entry import build
from briefings.build.manifest import _record_json, load_manifest
from briefings.build.orchestrate import build as full_build
from briefings.build.report import BuildReport
from briefings.errors import ProblemsFound
from tests.cli.test_startup import loaded_under, modules_loaded_by
from tests.conftest import GENERATED, REFERENCES, TOPIC, copy_example, invoke, state, write

SETTINGS = """\
briefings:
  alpha:
    title: Alpha only
    topics: [alpha]
  beta:
    title: Beta only
    topics: [beta]
"""


@pytest.fixture
def root(tmp_path: Path) -> Path:
    root = tmp_path / "quick"
    # A reference nobody cites: the project has a warning to repeat.
    write(root, "sources/references.yaml", REFERENCES + "gamma-unused:\n  outlet: Gamma\n  title: Unused\n"
                                                        "  published: 2025-06-01\n  reliability: B\n")
    write(root, "sources/topics/alpha.yaml", TOPIC.replace("Test topic", "Alpha topic"))
    write(root, "sources/topics/beta.yaml", TOPIC.replace("Test topic", "Beta topic"))
    write(root, "briefings.yaml", SETTINGS)
    return root


def run(root: Path, **options: object) -> BuildReport:
    return build(root, formats=options.pop("formats", ["md", "html"]), generated=options.pop("generated", GENERATED),
                 jobs=1, **options)


def quick(report: BuildReport) -> bool:
    """Whether the report came from the quick check (which never loads the project)."""
    return report.project is None


def test_a_build_with_nothing_new_is_answered_without_loading_the_project(root: Path) -> None:
    first = run(root)
    assert not quick(first) and sorted(first.rendered) == ["alpha", "beta"]
    before = state(root)

    second = run(root)

    assert quick(second)
    assert second.rendered == [] and second.up_to_date == ["alpha", "beta"] and second.written == []
    assert second.briefing_count == 2
    assert state(root) == before  # nothing written, not even the bookkeeping


def test_the_warnings_of_the_last_build_are_repeated_and_strict_still_fails_on_them(root: Path) -> None:
    first = run(root)
    assert [warning.code for warning in first.warnings] == ["never-cited"]
    second = run(root)
    assert quick(second) and second.warnings == first.warnings and second.acknowledged == first.acknowledged
    with pytest.raises(ProblemsFound) as raised:
        run(root, strict=True)
    assert all("(--strict)" in str(problem) for problem in raised.value.problems)


def test_the_command_answers_a_no_op_build_without_importing_the_loader_or_the_renderers(tmp_path: Path) -> None:
    project = copy_example(tmp_path / "example")
    loaded = modules_loaded_by("build", "--project", str(project), "--format", "md")
    assert "briefings.build.orchestrate" in loaded  # the first build is a full one

    loaded = modules_loaded_by("build", "--project", str(project), "--format", "md")

    assert "briefings.build.quick" in loaded
    assert loaded_under(loaded, ("briefings.project.loader", "briefings.project.schema", "briefings.audit.auditor",
                                 "briefings.render.html", "briefings.render.environment", "briefings.build.orchestrate",
                                 "pydantic", "jinja2", "markdown", "yaml", "weasyprint", "docx")) == []


def _edit_topic_same_size_and_time(root: Path) -> None:
    # The same size, and the modification time put back: only the bytes tell.
    path = root / "sources/topics/alpha.yaml"
    status = path.stat()
    path.write_text(path.read_text().replace("held talks in London", "held talks in Lisbon"))
    os.utime(path, ns=(status.st_atime_ns, status.st_mtime_ns))


CHANGES: dict[str, tuple[Callable[[Path], object], list[str]]] = {
    "a topic's bytes (same size, same time)": (_edit_topic_same_size_and_time, ["alpha"]),
    "a new topic file": (lambda root: write(root, "sources/topics/gamma.yaml", TOPIC), []),
    "the references": (lambda root: write(root, "sources/references.yaml", (root / "sources/references.yaml")
                                           .read_text().replace("Alpha reports on", "Alpha on")), ["alpha", "beta"]),
    "the settings": (lambda root: write(root, "briefings.yaml", SETTINGS.replace("Alpha only", "Alpha alone")),
                     ["alpha"]),
    "a template overriding the built-in": (lambda root: write(root, "templates/briefing.md.j2",
                                                              '{% extends "builtin/briefing.md.j2" %}\n'),
                                           ["alpha", "beta"]),
    "an unused template": (lambda root: write(root, "templates/spare.md.j2", "{{ nothing }}\n"), []),
    "an output edited by hand": (lambda root: (root / "output/beta.md").write_text("edited"), ["beta"]),
    "an output deleted": (lambda root: (root / "output/alpha.html").unlink(), ["alpha"]),
    "a new edition on disk": (lambda root: write(root, "output/editions/alpha/README", "x"), []),
}


@pytest.mark.parametrize("name", CHANGES)
def test_every_input_that_changed_is_seen(root: Path, name: str) -> None:
    change, rendered = CHANGES[name]
    run(root)
    assert quick(run(root))

    change(root)
    report = run(root)

    assert not quick(report), f"{name}: answered from the record"
    assert sorted(report.rendered) == rendered
    assert quick(run(root))  # and the full build left a record of the new state


def test_other_options_or_another_time_shown_are_not_answered_from_the_record(root: Path) -> None:
    run(root)
    assert not quick(run(root, formats=["md"]))
    assert not quick(run(root, formats=["md", "html"], only=["alpha"]))
    assert not quick(run(root, generated=GENERATED + datetime.timedelta(days=1)))
    assert not quick(run(root, audience="reader"))
    assert not quick(run(root, force=True))


def test_a_review_falling_due_ends_the_span_the_record_answers_for(root: Path, monkeypatch: pytest.MonkeyPatch
                                                                    ) -> None:
    write(root, "sources/topics/alpha.yaml", TOPIC.replace("review_by: 2099-01-01", "review_by: 2026-03-10"))
    monkeypatch.setattr(clock, "now", lambda: datetime.datetime(2026, 3, 1, tzinfo=datetime.UTC))
    build(root, formats=["md"], jobs=1)
    monkeypatch.setattr(clock, "now", lambda: datetime.datetime(2026, 3, 10, tzinfo=datetime.UTC))
    assert quick(build(root, formats=["md"], jobs=1))  # the review is due that day: not yet overdue

    monkeypatch.setattr(clock, "now", lambda: datetime.datetime(2026, 3, 11, tzinfo=datetime.UTC))
    report = build(root, formats=["md"], jobs=1)

    assert not quick(report)
    assert any(warning.code == "review-overdue" for warning in report.warnings)
    assert report.rendered == ["alpha"]  # its overdue notice


def test_an_archive_that_changed_is_seen(tmp_path: Path) -> None:
    project = copy_example(tmp_path / "example")
    seeds = Path(__file__).resolve().parents[3] / "shared" / "seeds"
    if not seeds.is_dir():
        pytest.skip("the seed articles are not beside the checkout")
    archive = tmp_path / "archive"
    archive.mkdir()
    for path in seeds.iterdir():
        (archive / path.name).write_bytes(path.read_bytes())
    run(project, formats=["md"], archive_dir=archive)
    assert quick(run(project, formats=["md"], archive_dir=archive))

    victim = sorted(archive.iterdir())[0]
    victim.write_bytes(victim.read_bytes() + b"\n")  # harmless: the audit reads the same text
    assert not quick(run(project, formats=["md"], archive_dir=archive))
    assert quick(run(project, formats=["md"], archive_dir=archive))

    victim.write_bytes(victim.read_bytes().replace(b"The trip comes on the eve", b"The trip comes on teh eve"))
    with pytest.raises(ProblemsFound) as raised:  # a distortion: the audit, run again, catches it
        run(project, formats=["md"], archive_dir=archive)
    assert "evidence-not-found" in str(raised.value.problems[0])


def test_a_failed_build_leaves_no_record_that_vouches_for_it(root: Path) -> None:
    run(root)
    write(root, "sources/topics/beta.yaml", "title: [unclosed\n")
    for _ in range(2):
        with pytest.raises(ProblemsFound):
            run(root)


def test_a_linked_topic_is_never_answered_from_the_record(root: Path) -> None:
    real = write(root, "sources/kept/beta.yaml", TOPIC.replace("Test topic", "Beta topic"))
    (root / "sources/topics/beta.yaml").unlink()
    (root / "sources/topics/beta.yaml").symlink_to(real)
    run(root)
    assert not quick(run(root))  # the full build judges the link, every time

    real.write_text(real.read_text().replace("held talks in London", "held talks in Rome"))
    assert full_build(root, formats=["md", "html"], generated=GENERATED, jobs=1).rendered == ["beta"]


@pytest.mark.parametrize("damage", [b"", b"{", b"[1]", b'{"format": 1}', b'{"format": 1, "key": 7, "since": []}'])
def test_a_damaged_record_means_a_full_build(root: Path, damage: bytes) -> None:
    run(root)
    (root / "output/.briefings/inputs.json").write_bytes(damage)
    report = run(root)
    assert not quick(report) and report.rendered == [] and sorted(report.up_to_date) == ["alpha", "beta"]


def test_the_manifest_is_written_with_every_field_of_its_records(root: Path) -> None:
    # Written out field by field (asdict is slow): a field added to the records must be written too.
    run(root)
    manifest = load_manifest(root / "output", root)
    assert manifest.briefings
    for record in manifest.briefings.values():
        assert _record_json(record) == dataclasses.asdict(record)


def test_list_answers_from_the_record_while_no_source_changed_and_loads_once_one_did(tmp_path: Path) -> None:
    project = copy_example(tmp_path / "example")
    assert "briefings.project.loader" in modules_loaded_by("list", "--project", str(project))  # nothing recorded
    loaded_listing = invoke("list", "--project", str(project))
    run(project, formats=["md"])

    loaded = modules_loaded_by("list", "--project", str(project))
    assert loaded_under(loaded, ("briefings.project.loader", "briefings.project.schema", "pydantic", "yaml")) == []
    recorded_listing = invoke("list", "--project", str(project))
    assert recorded_listing.exit_code == 0 and recorded_listing.output == loaded_listing.output

    topic = project / "sources/topics/nato-spending.yaml"
    text = topic.read_text()
    review = text[text.index("\nreview_by: ") + 12:][:10]
    topic.write_text(text.replace(f"review_by: {review}", "review_by: 2031-01-31", 1))
    assert "briefings.project.loader" in modules_loaded_by("list", "--project", str(project))
    listed = invoke("list", "--project", str(project))
    assert listed.exit_code == 0 and "2031-01-31" in listed.output
    assert listed.output.count(review) == loaded_listing.output.count(review) - 1


def test_an_archive_directory_that_became_a_link_is_not_read_through(tmp_path: Path) -> None:
    project = copy_example(tmp_path / "example")
    archive = project / "sources/archive"
    archive.mkdir(exist_ok=True)
    write(project, "sources/archive/kept.txt", "An archived page.")
    run(project, formats=["md"])
    assert quick(run(project, formats=["md"]))

    outside = tmp_path / "outside"
    archive.rename(outside)
    archive.symlink_to(outside, target_is_directory=True)
    # Not vouched for (the record's archives are never looked for through a link): the full build judges it.
    assert not quick(run(project, formats=["md"]))
