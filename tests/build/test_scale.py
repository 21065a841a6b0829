"""What a build of a large project does in proportion to what changed: counted, so that no cost comes back."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from briefings.build import cache as parse_cache
from briefings.build.entry import build
from briefings.project.yaml import LineTable, load_yaml
from tests.conftest import GENERATED, REFERENCES, TOPIC, write


@pytest.fixture
def topics(tmp_path: Path) -> Path:
    root = tmp_path / "many"
    write(root, "sources/references.yaml", REFERENCES)
    for index in range(12):
        write(root, f"sources/topics/topic-{index:02d}.yaml", TOPIC.replace("Test topic", f"Topic {index}"))
    return root


def test_a_one_fact_edit_parses_one_topic_file_and_renders_the_one_briefing(topics: Path,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    build(topics, formats=["md", "html"], generated=GENERATED, jobs=1)
    parsed: list[str] = []
    real = parse_cache.load_yaml
    monkeypatch.setattr(parse_cache, "load_yaml", lambda path, root: parsed.append(path.name) or real(path, root))
    path = topics / "sources/topics/topic-07.yaml"
    path.write_text(path.read_text().replace("held talks in London", "held talks in Paris"))

    report = build(topics, formats=["md", "html"], generated=GENERATED, jobs=1)

    assert parsed == ["topic-07.yaml"]  # the other files' parses come from the parse cache
    assert report.rendered == ["topic-07"] and len(report.up_to_date) == 11


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_written_output_is_not_held_in_the_report(topics: Path, jobs: int) -> None:
    report = build(topics, formats=["md", "html"], generated=GENERATED, jobs=jobs)
    assert len(report.outputs) == 24 and all(output.data is None for output in report.outputs)
    assert [output.path.name for output in report.outputs] == [
        f"topic-{index:02d}.{extension}" for index in range(12) for extension in ("md", "html")]
    assert all(output.path.is_file() for output in report.outputs)


def test_the_parse_cache_keeps_one_entry_per_file_and_drops_the_entries_of_files_gone(topics: Path) -> None:
    (topics / "output/.briefings").mkdir(parents=True)
    (topics / "output/.briefings/cache.json").write_text('{"format": 2}')  # an older version's single file
    build(topics, formats=["md"], generated=GENERATED, jobs=1)
    entries = topics / "output/.briefings/cache/documents"
    assert len(list(entries.iterdir())) == 13  # 12 topics and the references
    assert not (topics / "output/.briefings/cache.json").exists()

    (topics / "sources/topics/topic-11.yaml").unlink()
    build(topics, formats=["md"], generated=GENERATED, jobs=1)
    assert len(list(entries.iterdir())) == 12


def test_a_build_lists_output_a_fixed_number_of_times_whatever_the_briefings(topics: Path,
                                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    # Sweeping a killed build's temporary files listed the whole of output/ once per briefing written: a build
    # of 10,000 briefings listed 20,000 entries 10,000 times (half its time at that size).
    build(topics, formats=["md", "html"], generated=GENERATED, jobs=1)
    listed: list[str] = []
    real = os.scandir

    def scandir(path: object = ".") -> object:
        listed.append(os.fspath(path))  # type: ignore[arg-type]
        return real(path)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "scandir", scandir)
    report = build(topics, formats=["md", "html"], generated=GENERATED, jobs=1, force=True)
    assert len(report.rendered) == 12
    assert listed.count(str(topics / "output")) <= 2, listed


def test_an_unchanged_topic_file_is_read_once_by_the_scan_not_again_by_the_load(topics: Path,
                                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    build(topics, formats=["md"], generated=GENERATED, jobs=1)
    read: list[str] = []
    real = parse_cache.read_project_file
    monkeypatch.setattr(parse_cache, "read_project_file",
                        lambda path, root, **limits: read.append(Path(path).name) or real(path, root, **limits))
    path = topics / "sources/topics/topic-07.yaml"
    path.write_text(path.read_text().replace("held talks in London", "held talks in Paris"))

    build(topics, formats=["md"], generated=GENERATED, jobs=1)

    assert not [name for name in read if name.startswith("topic-")]  # the scan's digests answered


def test_the_models_of_a_large_project_share_what_repeats(topics: Path) -> None:
    project = build(topics, formats=["md"], generated=GENERATED, jobs=1).project
    assert project is not None
    facts = [fact for topic in project.topics.values() for fact in topic.facts]
    field_sets: dict[frozenset[str], set[int]] = {}
    for fact in facts:
        field_sets.setdefault(frozenset(fact.model_fields_set), set()).add(id(fact.model_fields_set))
    assert len(field_sets) == 2 and all(len(shared) == 1 for shared in field_sets.values())
    assert len({id(source) for fact in facts for source in fact.sources if source == "alpha-report"}) == 1
    assert len({id(fact.section) for fact in facts if fact.section == "The talks"}) == 1
    audit = project.audit
    assert audit is not None and not hasattr(audit.fact("topic-03", "talks-held"), "__dict__")  # (slots)


def test_a_document_from_the_parse_cache_holds_no_line_until_one_is_asked_for(topics: Path) -> None:
    build(topics, formats=["md"], generated=GENERATED, jobs=1)
    path = topics / "sources/topics/topic-07.yaml"
    path.write_text(path.read_text().replace("held talks in London", "held talks in Paris"))
    project = build(topics, formats=["md"], generated=GENERATED, jobs=1).project
    assert project is not None
    parsed = load_yaml(topics / "sources/topics/topic-03.yaml", topics)  # without the cache
    for name in ("topic-03", "topic-07"):  # answered from its entry; parsed and entered this build
        document = project.documents[name]
        assert isinstance(document.lines, LineTable) and document.lines._table is None
        assert document.line_of(("facts", 1, "text")) == parsed.lines[("facts", 1, "text")]
    # An entry gone since the load: the file, still the same bytes, is parsed again for its lines.
    shutil.rmtree(topics / "output/.briefings/cache/documents")
    document = project.documents["topic-05"]
    assert document.line_of(("figures", 0, "value")) == parsed.lines[("figures", 0, "value")]
