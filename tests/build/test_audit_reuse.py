"""A build after an edit checks again only the topics whose file changed, and says exactly what a full build says.

The loader's cross-checks and the audit take an unchanged topic's warnings
from the last complete build's record (:func:`briefings.build.quick.reusable_topics`)
only while the topic's bytes, the settings, the references, the archives and
the options are those they were found with; the audit checks the topic when
a briefing that shows it is rendered, and the checks that depend on the day
always run. Each test counts the facts checked, or compares with a full
build of the same files: distortions of an unchanged topic's evidence must
still be caught, and harmless edits must reuse the work.
"""

from __future__ import annotations

import datetime
import shutil
from pathlib import Path

import pytest

from briefings.audit import auditor
from briefings.audit.auditor import audit_project
from briefings.audit.project_audit import load_and_audit_partially
from briefings.build import clock, fingerprint
from briefings.build.entry import build
from briefings.build.report import BuildReport
from briefings.errors import ProblemsFound
from briefings.project import crosscheck
from tests.conftest import GENERATED, REFERENCES, TOPIC, copy_example, write

SEEDS = Path(__file__).resolve().parents[3] / "shared" / "seeds"


@pytest.fixture
def checked(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The topic of every fact the audit checks, in order."""
    topics: list[str] = []
    real = auditor.check_fact

    def counting(checker: object, topic_id: str, *rest: object) -> object:
        topics.append(topic_id)
        return real(checker, topic_id, *rest)  # type: ignore[arg-type]

    monkeypatch.setattr(auditor, "check_fact", counting)
    return topics


@pytest.fixture
def three(tmp_path: Path) -> Path:
    """Three topics of two facts each, each its own briefing (no settings)."""
    root = tmp_path / "three"
    write(root, "sources/references.yaml", REFERENCES)
    for name in ("alpha", "beta", "gamma"):
        write(root, f"sources/topics/{name}.yaml", TOPIC.replace("Test topic", f"{name.title()} topic"))
    return root


def run(root: Path, **options: object) -> BuildReport:
    return build(root, formats=options.pop("formats", ["md", "html"]), generated=GENERATED, jobs=1, **options)


def edit(root: Path, name: str, old: str, new: str) -> None:
    path = root / f"sources/topics/{name}.yaml"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def test_a_one_fact_edit_checks_only_the_topic_that_changed(three: Path, checked: list[str]) -> None:
    run(three)
    assert sorted(set(checked)) == ["alpha", "beta", "gamma"] and len(checked) == 6
    checked.clear()
    edit(three, "beta", "held talks in London.", "held talks in Paris.")

    report = run(three)

    assert report.rendered == ["beta"]
    assert checked == ["beta", "beta"]  # its two facts; alpha's and gamma's warnings were reused


def test_force_a_changed_reference_or_other_options_check_everything(three: Path, checked: list[str]) -> None:
    run(three)
    for number, change in enumerate(("force", "references", "options")):
        checked.clear()
        edit(three, "beta", "The two leaders", f"The two leaders ({number})")
        if change == "references":
            references = three / "sources/references.yaml"
            references.write_text(references.read_text() + "\n# a comment changes the file's bytes\n")
        run(three, force=change == "force", **({"formats": ["md"]} if change == "options" else {}))
        assert len(checked) == 6, change


def test_a_topic_shown_beside_the_changed_one_is_checked_when_its_briefing_renders(three: Path,
                                                                                    checked: list[str]) -> None:
    write(three, "briefings.yaml", "briefings:\n  both:\n    title: Alpha and beta\n    topics: [alpha, beta]\n"
                                   "  gamma:\n    title: Gamma\n    topics: [gamma]\n")
    run(three)
    checked.clear()
    edit(three, "alpha", "held talks in London.", "held talks in Paris.")

    report = run(three)

    assert report.rendered == ["both"]
    assert sorted(checked) == ["alpha", "alpha", "beta", "beta"]  # gamma's briefing did not render


@pytest.fixture
def example(tmp_path: Path) -> tuple[Path, Path]:
    """The example project, with the seed articles as its archive (skipped where they are not)."""
    if not SEEDS.is_dir():
        pytest.skip("the seed articles are not beside the checkout")
    project = copy_example(tmp_path / "example")
    archive = tmp_path / "archive"
    shutil.copytree(SEEDS, archive)
    return project, archive


def full_build_of(project: Path, tmp_path: Path, archive: Path) -> tuple[BuildReport, dict[str, bytes]]:
    """A build of a copy of ``project``'s sources with no earlier build: what the audit says checking everything."""
    fresh = tmp_path / "fresh"
    shutil.rmtree(fresh, ignore_errors=True)
    shutil.copytree(project, fresh, ignore=shutil.ignore_patterns("output"))
    report = run(fresh, formats=["md", "html"], archive_dir=archive)
    return report, outputs(fresh)


def outputs(project: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in (project / "output").glob("*.*") if path.is_file()}


def test_an_edit_with_reused_warnings_says_and_renders_exactly_what_a_full_build_does(
        example: tuple[Path, Path], tmp_path: Path, checked: list[str]) -> None:
    project, archive = example
    run(project, formats=["md", "html"], archive_dir=archive)
    everything = len(checked)
    checked.clear()
    # A harmless edit of one topic: the overview, which shows every topic, renders again.
    edit(project, "nato-spending", "title: NATO defence spending", "title: NATO defence spending, 2025")

    report = run(project, formats=["md", "html"], archive_dir=archive)

    assert "european-security-overview" in report.rendered and "drone-coproduction" not in report.rendered
    assert 0 < len(checked) < 2 * everything  # nato's facts, then the others' as the overview rendered
    full, rendered = full_build_of(project, tmp_path, archive)
    assert report.warnings == full.warnings and report.acknowledged == full.acknowledged
    # (The example's audit warnings are acknowledged, in the topics that did not change: were their recorded
    # warnings lost, the acknowledgements would be reported unused.)
    assert any("coalition-of-the-willing" in item.warning.path for item in report.acknowledged)
    assert outputs(project) == rendered  # every mark of every fact, as a full audit gives it


def test_an_archive_distorted_under_an_unchanged_topic_is_caught(example: tuple[Path, Path]) -> None:
    project, archive = example
    run(project, formats=["md"], archive_dir=archive)
    edit(project, "nato-spending", "title: NATO defence spending", "title: NATO defence spending, 2025")
    victim = next(path for path in archive.iterdir() if b"The trip comes on the eve" in path.read_bytes())
    victim.write_bytes(victim.read_bytes().replace(b"The trip comes on the eve", b"The trip comes on teh eve"))

    with pytest.raises(ProblemsFound) as raised:  # drone-coproduction's evidence, its file unchanged
        run(project, formats=["md"], archive_dir=archive)

    assert any(problem.code == "evidence-not-found" and "drone-coproduction" in problem.path
               for problem in raised.value.problems)


def test_a_distortion_in_the_changed_topic_is_caught(example: tuple[Path, Path]) -> None:
    project, archive = example
    run(project, formats=["md"], archive_dir=archive)
    edit(project, "drone-coproduction", "The trip comes on the eve", "The trip comes on teh eve")

    with pytest.raises(ProblemsFound) as raised:
        run(project, formats=["md"], archive_dir=archive)

    assert any(problem.code == "evidence-not-found" for problem in raised.value.problems)


def test_a_record_whose_digest_does_not_match_the_topic_reuses_nothing(three: Path, checked: list[str]) -> None:
    run(three)
    record = three / "output/.briefings/inputs.json"
    record.write_bytes(record.read_bytes().replace(b'"digest":"', b'"digest":"0'))  # every topic's digest
    checked.clear()
    edit(three, "beta", "held talks in London.", "held talks in Paris.")

    run(three)

    assert len(checked) == 6


def test_an_unchanged_topic_s_data_is_not_digested_again(three: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    run(three)
    dumped: list[str] = []
    real = fingerprint._topic_data
    monkeypatch.setattr(fingerprint, "_topic_data", lambda topic: dumped.append(topic.id) or real(topic))
    edit(three, "beta", "held talks in London.", "held talks in Paris.")

    report = run(three)

    assert dumped == ["beta"] and report.rendered == ["beta"]
    dumped.clear()
    assert run(three, force=True).rendered == ["alpha", "beta", "gamma"]
    assert sorted(dumped) == ["alpha", "beta", "gamma"]  # --force trusts no record


def test_recorded_warnings_are_used_only_for_the_very_bytes_they_were_found_in(three: Path,
                                                                               checked: list[str]) -> None:
    project, problems = load_and_audit_partially(three)
    assert not problems and project.audit is not None
    alpha = project.documents["alpha"].digest
    assert alpha is not None
    checked.clear()
    recorded = {"alpha": (alpha, []), "beta": ("0" * 64, [])}  # beta's file is not the one recorded

    audit = audit_project(project, recorded=recorded)

    assert checked == ["beta", "beta", "gamma", "gamma"]
    assert audit.fact("alpha", "talks-held") == project.audit.fact("alpha", "talks-held")  # checked when asked
    assert checked[4:] == ["alpha", "alpha"]


@pytest.fixture
def cross_checked(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The topic of every topic file the loader cross-checks in full, in order."""
    topics: list[str] = []
    real = crosscheck.CrossChecker._topic

    def counting(self: crosscheck.CrossChecker, topic_id: str, *rest: object) -> None:
        topics.append(topic_id)
        real(self, topic_id, *rest)  # type: ignore[arg-type]

    monkeypatch.setattr(crosscheck.CrossChecker, "_topic", counting)
    return topics


def test_a_one_fact_edit_cross_checks_only_the_topic_that_changed(three: Path, cross_checked: list[str]) -> None:
    # gamma's second fact rests on beta-wire alone, graded E: warning low-reliability.
    edit(three, "gamma", "sources: [alpha-report, beta-wire]", "sources: [beta-wire]")
    run(three)
    assert cross_checked == ["alpha", "beta", "gamma"]
    cross_checked.clear()
    edit(three, "beta", "held talks in London.", "held talks in Paris.")

    report = run(three)

    assert cross_checked == ["beta"] and report.rendered == ["beta"]
    assert [warning.path for warning in report.warnings if warning.code == "low-reliability"] == [
        "sources/topics/gamma.yaml"]  # reused, and said again


def test_a_review_falling_due_is_seen_in_a_topic_whose_checks_are_reused(three: Path, monkeypatch: pytest.MonkeyPatch,
                                                                         cross_checked: list[str]) -> None:
    edit(three, "gamma", "review_by: 2099-01-01", "review_by: 2026-03-01")
    day = datetime.datetime(2026, 2, 20, 9, tzinfo=datetime.UTC)
    monkeypatch.setattr(clock, "now", lambda: day)
    report = build(three, formats=["md"], jobs=1)
    assert not [warning for warning in report.warnings if warning.code == "review-overdue"]
    cross_checked.clear()
    edit(three, "beta", "held talks in London.", "held talks in Paris.")
    day = datetime.datetime(2026, 3, 2, 9, tzinfo=datetime.UTC)

    report = build(three, formats=["md"], jobs=1)

    assert cross_checked == ["beta"]  # gamma's checks were reused ...
    assert [warning.path for warning in report.warnings if warning.code == "review-overdue"] == [
        "sources/topics/gamma.yaml"]  # ... but not its day's


def test_a_reference_removed_from_under_an_unchanged_topic_is_caught(three: Path, cross_checked: list[str]) -> None:
    run(three)
    references = three / "sources/references.yaml"
    references.write_text(references.read_text().split("beta-wire:")[0])
    edit(three, "alpha", "held talks in London.", "held talks in Paris.")

    with pytest.raises(ProblemsFound) as raised:
        run(three)

    assert sorted(cross_checked) == ["alpha", "alpha", "beta", "beta", "gamma", "gamma"]  # all again (twice)
    assert sorted({problem.path for problem in raised.value.problems
                   if "unknown reference 'beta-wire'" in problem.message}) == [
        "sources/topics/alpha.yaml", "sources/topics/beta.yaml", "sources/topics/gamma.yaml"]
