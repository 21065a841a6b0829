"""Editions: publish, what changed, keeping and pruning, drafts, overdue topics, and untrusted edition files.

The clock is always injected (``publish(now=...)``, ``build(generated=...)``,
``briefings publish --now``): nothing here sleeps or depends on today's date.
"""

from __future__ import annotations

import datetime
import html as html_module
import json
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from briefings.build.orchestrate import build
from briefings.build.publish import PublishReport, publish
from briefings.cli import main
from briefings.errors import ProblemsFound
from tests.conftest import REFERENCES, TOPIC, assert_valid, fold, pdftotext_pages, schema_errors, state, write

SETTINGS = """\
formats: [md, html]
briefings:
  alpha:
    title: Alpha only
    topics: [alpha]
  beta:
    title: Beta only
    topics: [beta]
  both:
    title: Alpha and beta
    topics: [alpha, beta]
"""

ALPHA = "sources/topics/alpha.yaml"
BETA = "sources/topics/beta.yaml"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """Three briefings over two topics: ``alpha`` and ``beta`` alone, and ``both``."""
    root = tmp_path / "project"
    write(root, "sources/references.yaml", REFERENCES)
    write(root, ALPHA, TOPIC.replace("Test topic", "Alpha topic"))
    write(root, BETA, TOPIC.replace("Test topic", "Beta topic"))
    write(root, "briefings.yaml", SETTINGS)
    return root


def at(day: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(f"{day}T12:00:00+00:00")


def run(root: Path, day: str, **options: object) -> PublishReport:
    return publish(root, now=at(day), jobs=1, **options)  # type: ignore[arg-type]


def outcomes(report: PublishReport) -> dict[str, tuple[str, int | None]]:
    return {result.briefing_id: (result.outcome, result.edition) for result in report.results}


def edit(root: Path, relative: str, old: str, new: str) -> None:
    path = root / relative
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def edition_names(root: Path, briefing_id: str) -> list[str]:
    directory = root / "output/editions" / briefing_id
    return sorted(path.name for path in directory.iterdir()) if directory.is_dir() else []


def edition_file(root: Path, briefing_id: str, number: int, day: str, extension: str) -> Path:
    return root / "output/editions" / briefing_id / f"{briefing_id}-edition-{number:04d}-{day}.{extension}"


def visible_html(path: Path) -> str:
    """What a reader of the HTML sees: the text of the body, tags removed, entities decoded, spaces folded."""
    page = path.read_text(encoding="utf-8")
    body = page[page.index("<body"):]
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", body, flags=re.S)
    body = re.sub(r"</?(p|li|ul|ol|h\d|div|dl|dt|dd|br|section|header|footer|nav|blockquote|table|tr|td|th)\b[^>]*>",
                  " ", body)
    return fold(html_module.unescape(re.sub(r"<[^>]+>", "", body)))


def pdf_text(path: Path) -> str:
    return fold(" ".join(pdftotext_pages(path)))


def change_the_alpha_topic(root: Path) -> None:
    """One fact added, one changed, one removed, and a figure's value changed."""
    edit(root, ALPHA, "held talks in London.", "held talks in Paris.")
    edit(root, ALPHA, "value: 50000", "value: 60000")
    edit(root, ALPHA, """\
  - id: second-fact
    text: A second fact without a date, resting on two sources.
    sources: [alpha-report, beta-wire]
""", """\
  - id: new-fact
    text: A new fact about the *follow-up* meeting.
    sources: [alpha-report]
""")


# -- publishing ------------------------------------------------------------------------------------------------


def test_the_first_publish_makes_edition_1_of_every_briefing_and_says_so(root: Path) -> None:
    report = run(root, "2026-11-20")

    assert outcomes(report) == {"alpha": ("published", 1), "beta": ("published", 1), "both": ("published", 1)}
    assert all(result.summary == ["first edition"] for result in report.results)
    assert edition_names(root, "alpha") == [f"alpha-edition-0001-2026-11-20.{ext}" for ext in ("html", "json", "md")]
    for briefing_id in ("alpha", "beta", "both"):
        markdown = edition_file(root, briefing_id, 1, "2026-11-20", "md").read_text(encoding="utf-8")
        assert "- **Edition:** Edition 1 · 20 November 2026" in markdown
        assert "## What’s changed\n\nThis is the first edition of this briefing." in markdown
        page = visible_html(edition_file(root, briefing_id, 1, "2026-11-20", "html"))
        assert "Edition Edition 1 · 20 November 2026" in page
        assert "What’s changed This is the first edition of this briefing." in page
        snapshot = assert_valid(edition_file(root, briefing_id, 1, "2026-11-20", "json"))
        assert snapshot["edition"] == {"status": "edition", "number": 1, "date": "2026-11-20"}
        assert snapshot["changes"]["first"] is True and snapshot["changes"]["since"] is None
        # The drafts in output/ are that edition, byte for byte.
        for extension in ("md", "html", "json"):
            assert (root / f"output/{briefing_id}.{extension}").read_bytes() == \
                edition_file(root, briefing_id, 1, "2026-11-20", extension).read_bytes()


def test_publishing_with_no_change_creates_no_edition_and_writes_nothing(root: Path) -> None:
    run(root, "2026-11-20")
    before = state(root)

    report = run(root, "2026-11-27")  # a week later: the clock moved, the content did not

    assert outcomes(report) == {"alpha": ("unchanged", 1), "beta": ("unchanged", 1), "both": ("unchanged", 1)}
    assert all(result.edition_date == datetime.date(2026, 11, 20) and not result.summary
               for result in report.results)
    assert state(root) == before  # every file under output/, bytes and modification times


def test_after_publishing_a_build_is_up_to_date(root: Path) -> None:
    run(root, "2026-11-20")
    before = state(root)

    report = build(root, generated=at("2026-11-20"), jobs=1)

    assert report.rendered == [] and sorted(report.up_to_date) == ["alpha", "beta", "both"]
    assert {state.status for state in report.editions.values()} == {"edition"}
    # Nothing changed but the record of what the build read, for the next build's quick check (publish
    # keeps none, and each build's options are its own).
    assert ".briefings/inputs.json" in state(root) and ".briefings/inputs.json" not in before
    assert without_record(state(root)) == before
    result = CliRunner().invoke(main, ["build", "--project", str(root)])  # the clock's own time
    assert result.exit_code == 0, result.output
    assert "0 briefing(s) rendered, 3 up to date" in result.output
    assert without_record(state(root)) == before


def without_record(files: dict[str, tuple[bytes, int]]) -> dict[str, tuple[bytes, int]]:
    return {name: value for name, value in files.items() if name != ".briefings/inputs.json"}


@pytest.mark.parametrize("briefing_id", ["alpha", "both"])
def test_what_changed_lists_each_added_changed_and_removed_fact_and_changed_figure(root: Path, briefing_id: str
                                                                                   ) -> None:
    edit(root, "briefings.yaml", "formats: [md, html]", "formats: [md, html, pdf]")
    run(root, "2026-11-20", only=[briefing_id])
    change_the_alpha_topic(root)

    report = run(root, "2026-11-25", only=[briefing_id])

    assert outcomes(report) == {briefing_id: ("published", 2)}
    assert report.results[0].summary == [
        "+ fact alpha/new-fact: A new fact about the *follow-up* meeting.",
        "~ fact alpha/talks-held (text): The two leaders held talks in Paris.",
        "- fact alpha/second-fact: A second fact without a date, resting on two sources.",
        "~ figure alpha/Troops trained: 50,000 troops → 60,000 troops",
    ]
    where = " (Alpha topic)" if briefing_id == "both" else ""
    markdown = edition_file(root, briefing_id, 2, "2026-11-25", "md").read_text(encoding="utf-8")
    changes = markdown[markdown.index("## What’s changed"):markdown.index("## Summary")]
    assert changes.startswith("## What’s changed since edition 1 (20 November 2026)\n")
    assert f"- **Added**{where}: A new fact about the *follow-up* meeting.[^" in changes
    assert f"- **Changed**{where} (text): The two leaders held talks in Paris.[^" in changes
    assert "    *Previously:* The two leaders held talks in London." in changes
    assert f"- **Removed**{where}: *A second fact without a date, resting on two sources.*" in changes
    assert f"- **Figure changed**{where}: Troops trained, from 50,000 troops to **60,000 troops**[^" in changes
    assert "- **Edition:** Edition 2 · 25 November 2026" in markdown

    expected = [
        "What’s changed since edition 1 (20 November 2026)",
        f"Added{where}: A new fact about the follow-up meeting.",
        f"Changed{where} (text): The two leaders held talks in Paris.",
        "Previously: The two leaders held talks in London.",
        f"Removed{where}: A second fact without a date, resting on two sources.",
        f"Figure changed{where}: Troops trained, from 50,000 troops to 60,000 troops",
        "Edition 2 · 25 November 2026",
    ]
    page = visible_html(edition_file(root, briefing_id, 2, "2026-11-25", "html"))
    pdf = pdf_text(edition_file(root, briefing_id, 2, "2026-11-25", "pdf"))
    for text in expected:
        assert text in page
        assert text in pdf
    # The drafts in output/ are the new edition.
    assert (root / f"output/{briefing_id}.pdf").read_bytes() == \
        edition_file(root, briefing_id, 2, "2026-11-25", "pdf").read_bytes()

    snapshot = assert_valid(edition_file(root, briefing_id, 2, "2026-11-25", "json"))
    recorded = snapshot["changes"]
    assert recorded["since"] == {"number": 1, "date": "2026-11-20"} and recorded["first"] is False
    assert [(fact["topic"], fact["id"]) for fact in recorded["facts_added"]] == [("alpha", "new-fact")]
    assert [(fact["id"], fact["fields"]) for fact in recorded["facts_changed"]] == [("talks-held", ["text"])]
    assert recorded["facts_changed"][0]["before"]["text"] == "The two leaders held talks in London."
    assert [fact["id"] for fact in recorded["facts_removed"]] == ["second-fact"]
    assert [(figure["label"], figure["before"]["value"], figure["after"]["value"])
            for figure in recorded["figures_changed"]] == [("Troops trained", 50000, 60000)]


def test_changes_of_every_kind_make_a_valid_snapshot(root: Path) -> None:
    run(root, "2026-11-20", only=["both"])
    change_the_alpha_topic(root)
    with (root / ALPHA).open("a", encoding="utf-8") as topic:  # the figures come last
        topic.write("  - label: Meetings held\n    value: 3\n    sources: [alpha-report]\n")
    edit(root, ALPHA, "    date: 2025-06-23\n", "    date: 2025-06-22\n")
    edit(root, BETA, "figures:\n  - label: Troops trained\n    value: 50000\n    unit: troops\n"
                     "    sources: [alpha-report]\n", "figures: []\n")
    write(root, "sources/topics/gamma.yaml", TOPIC.replace("Test topic", "Gamma topic"))
    edit(root, "briefings.yaml", "topics: [alpha, beta]", "topics: [alpha, gamma]")
    run(root, "2026-11-21", only=["both"])  # gamma added, beta removed
    edit(root, "briefings.yaml", "topics: [alpha, gamma]", "topics: [alpha, beta, gamma]")

    report = run(root, "2026-11-22", only=["both"])

    lines = report.results[0].summary
    assert lines == ["+ topic beta: Beta topic"], report.results[0].problems
    snapshot = assert_valid(edition_file(root, "both", 2, "2026-11-21", "json"))
    recorded = snapshot["changes"]
    assert {key: len(value) for key, value in recorded.items() if isinstance(value, list)} == {
        "topics_added": 1, "topics_removed": 1, "facts_added": 1, "facts_changed": 1, "facts_removed": 1,
        "figures_added": 1, "figures_changed": 1, "figures_removed": 0, "facts_renamed": 0, "other": 0}
    assert recorded["facts_changed"][0]["fields"] == ["text", "date"]
    assert recorded["topics_removed"] == [{"id": "beta", "title": "Beta topic"}]
    assert_valid(edition_file(root, "both", 3, "2026-11-22", "json"))


def test_a_removed_figure_is_listed(root: Path) -> None:
    run(root, "2026-11-20", only=["alpha"])
    edit(root, ALPHA, "figures:\n  - label: Troops trained\n    value: 50000\n    unit: troops\n"
                      "    sources: [alpha-report]\n", "figures: []\n")
    report = run(root, "2026-11-21", only=["alpha"])
    assert report.results[0].summary == ["- figure alpha/Troops trained: 50,000 troops"]
    markdown = edition_file(root, "alpha", 2, "2026-11-21", "md").read_text(encoding="utf-8")
    assert "- **Figure removed**: Troops trained (was 50,000 troops)" in markdown
    assert_valid(edition_file(root, "alpha", 2, "2026-11-21", "json"))


def test_editions_are_kept_and_pruned_as_configured_and_numbering_continues(root: Path) -> None:
    edit(root, "briefings.yaml", "formats: [md, html]", "formats: [md, html]\nkeep_editions: 2")
    for number in range(1, 5):
        if number > 1:
            edit(root, ALPHA, f"value: {50000 + number - 1}" if number > 2 else "value: 50000",
                 f"value: {50000 + number}")
        assert outcomes(run(root, f"2026-11-{10 + number}", only=["alpha"])) == {"alpha": ("published", number)}

    assert edition_names(root, "alpha") == sorted(f"alpha-edition-{number:04d}-2026-11-{10 + number}.{ext}"
                                                  for number in (3, 4) for ext in ("md", "html", "json"))

    edit(root, ALPHA, "value: 50004", "value: 50005")
    assert outcomes(run(root, "2026-11-15", only=["alpha"])) == {"alpha": ("published", 5)}
    assert edition_names(root, "alpha") == sorted(f"alpha-edition-{number:04d}-2026-11-{10 + number}.{ext}"
                                                  for number in (4, 5) for ext in ("md", "html", "json"))
    snapshot = assert_valid(edition_file(root, "alpha", 5, "2026-11-15", "json"))
    assert snapshot["changes"]["since"] == {"number": 4, "date": "2026-11-14"}


def test_without_keep_editions_every_edition_is_kept(root: Path) -> None:
    run(root, "2026-11-20", only=["alpha"])
    for value in (1, 2):
        edit(root, ALPHA, f"value: {50000 + value - 1}" if value > 1 else "value: 50000", f"value: {50000 + value}")
        run(root, f"2026-11-2{value}", only=["alpha"])
    assert [name for name in edition_names(root, "alpha") if name.endswith(".json")] == [
        "alpha-edition-0001-2026-11-20.json", "alpha-edition-0002-2026-11-21.json",
        "alpha-edition-0003-2026-11-22.json"]


# -- drafts ----------------------------------------------------------------------------------------------------


def test_a_draft_says_so_and_shows_the_changes_since_the_last_edition(root: Path) -> None:
    run(root, "2026-11-20")
    editions_before = {name: data for name, data in state(root).items() if name.startswith("editions/")}
    change_the_alpha_topic(root)

    report = build(root, generated=at("2026-11-20"), jobs=1)  # the time of the publish: beta is up to date

    assert sorted(report.rendered) == ["alpha", "both"] and report.up_to_date == ["beta"]
    assert report.editions["alpha"].status == "draft" and report.editions["beta"].status == "edition"
    markdown = (root / "output/alpha.md").read_text(encoding="utf-8")
    assert "- **Edition:** Draft, after edition 1" in markdown
    assert "## What’s changed since edition 1 (20 November 2026)" in markdown
    assert "- **Changed** (text): The two leaders held talks in Paris." in markdown
    page = visible_html(root / "output/alpha.html")
    assert "Edition Draft, after edition 1" in page and "Removed: A second fact without a date" in page
    assert '<dd class="edition draft">' in (root / "output/alpha.html").read_text(encoding="utf-8")
    snapshot = assert_valid(root / "output/alpha.json")
    assert snapshot["edition"] == {"status": "draft", "number": 1, "date": "2026-11-20"}
    assert snapshot["changes"]["since"] == {"number": 1, "date": "2026-11-20"}
    # Drafts never touch the editions.
    assert {name: data for name, data in state(root).items() if name.startswith("editions/")} == editions_before
    assert "Edition 1 · 20 November 2026" in (root / "output/beta.md").read_text(encoding="utf-8")


def test_a_draft_before_any_edition_has_no_changes_section(root: Path) -> None:
    build(root, generated=at("2026-11-20"), jobs=1)
    markdown = (root / "output/alpha.md").read_text(encoding="utf-8")
    assert "- **Edition:** Draft, no edition published yet" in markdown
    assert "What’s changed" not in markdown
    snapshot = assert_valid(root / "output/alpha.json")
    assert snapshot["edition"] == {"status": "draft", "number": None, "date": None}
    assert not (root / "output/editions").exists()


# -- overdue topics --------------------------------------------------------------------------------------------


def test_a_topic_becoming_overdue_republishes_the_briefings_that_use_it(root: Path) -> None:
    edit(root, ALPHA, "review_by: 2099-01-01", "review_by: 2026-12-01")
    edit(root, "briefings.yaml", "formats: [md, html]", "formats: [md, html, pdf]")
    assert outcomes(run(root, "2026-11-30")) == {
        "alpha": ("published", 1), "beta": ("published", 1), "both": ("published", 1)}
    assert "Due for review" not in (root / "output/alpha.md").read_text(encoding="utf-8")
    beta_before = {name: data for name, data in state(root).items() if "beta" in name}

    report = run(root, "2026-12-02")  # no file changed

    assert outcomes(report) == {"alpha": ("published", 2), "beta": ("unchanged", 1), "both": ("published", 2)}
    assert {name: data for name, data in state(root).items() if "beta" in name} == beta_before
    notice = "Due for review since 1 December 2026"
    for briefing_id, count in (("alpha", "1 of 1 topic"), ("both", "1 of 2 topics")):
        markdown = edition_file(root, briefing_id, 2, "2026-12-02", "md").read_text(encoding="utf-8")
        assert f"**{notice}**" in markdown
        assert f"- **Due for review:** {count}" in markdown
        assert "The facts and figures are as in edition 1" in markdown
        for text in (visible_html(edition_file(root, briefing_id, 2, "2026-12-02", "html")),
                     pdf_text(edition_file(root, briefing_id, 2, "2026-12-02", "pdf"))):
            assert notice in text
            assert f"Due for review {count}" in text
        assert markdown.count(notice) == 1  # beta is not overdue
        snapshot = assert_valid(edition_file(root, briefing_id, 2, "2026-12-02", "json"))
        assert [topic["overdue"] for topic in snapshot["topics"]] == ([True] if briefing_id == "alpha"
                                                                       else [True, False])
        assert (root / f"output/{briefing_id}.md").read_text(encoding="utf-8") == markdown


def test_a_plain_build_renders_the_draft_again_the_day_a_topic_becomes_overdue(root: Path) -> None:
    edit(root, ALPHA, "review_by: 2099-01-01", "review_by: 2026-12-01")
    run(root, "2026-11-30")
    assert build(root, generated=at("2026-11-30"), jobs=1).rendered == []
    # On the day it is due it is not yet overdue: a build (dated that day) renders the editions again, as editions.
    due = build(root, generated=at("2026-12-01"), jobs=1)
    assert {state.status for state in due.editions.values()} == {"edition"}
    assert "Due for review" not in (root / "output/alpha.md").read_text(encoding="utf-8")

    report = build(root, generated=at("2026-12-02"), jobs=1)

    assert {"alpha", "both"} <= set(report.rendered)
    assert report.editions["alpha"].status == "draft" and report.editions["beta"].status == "edition"
    markdown = (root / "output/alpha.md").read_text(encoding="utf-8")
    assert "**Due for review since 1 December 2026**" in markdown
    assert "- **Edition:** Draft, after edition 1" in markdown
    assert "Due for review since 1 December 2026" in visible_html(root / "output/both.html")
    assert "Due for review" not in (root / "output/beta.md").read_text(encoding="utf-8")
    assert assert_valid(root / "output/alpha.json")["topics"][0]["overdue"] is True
    assert len(edition_names(root, "alpha")) == 3  # a build never publishes


# -- which briefings ---------------------------------------------------------------------------------------------


def test_a_broken_topic_fails_only_the_briefings_that_use_it(root: Path) -> None:
    edit(root, BETA, "as_of: 2025-06-24", "as_of: 2025-02-30")

    report = run(root, "2026-11-20")

    assert outcomes(report) == {"alpha": ("published", 1), "beta": ("failed", None), "both": ("failed", None)}
    assert report.failed
    for result in report.results[1:]:
        assert result.problems and all(problem.path == BETA for problem in result.problems)
    assert edition_names(root, "beta") == [] and edition_names(root, "both") == []
    assert not (root / "output/beta.md").exists()

    result = invoke("publish", "--project", str(root), "--now", "2026-11-21")
    assert result.exit_code == 1, result.output
    assert "unchanged alpha since edition 1 (20 November 2026)" in result.output
    assert "failed beta" in result.output and "failed both" in result.output
    assert f"{BETA}:" in result.output
    assert "0 published, 1 unchanged, 2 failed." in result.output


def test_a_briefing_failed_by_its_broken_topic_keeps_its_drafts(root: Path) -> None:
    run(root, "2026-11-20")
    drafts = {path.name: path.read_bytes() for path in (root / "output").iterdir() if path.is_file()}
    edit(root, BETA, "as_of: 2025-06-24", "as_of: 2025-02-30")

    report = run(root, "2026-11-21")

    # beta and both failed: they are not gone from the project, and their last outputs stay.
    assert outcomes(report) == {"alpha": ("unchanged", 1), "beta": ("failed", None), "both": ("failed", None)}
    assert {path.name: path.read_bytes() for path in (root / "output").iterdir() if path.is_file()} == drafts


def test_a_problem_for_every_briefing_fails_them_all(root: Path) -> None:
    write(root, "sources/references.yaml", REFERENCES.replace("published: 2025-06-23", "published: 2025-13-01"))
    report = run(root, "2026-11-20")
    assert outcomes(report) == {"alpha": ("failed", None), "beta": ("failed", None), "both": ("failed", None)}
    assert not (root / "output/editions").exists()


def test_only_publishes_just_that_briefing(root: Path) -> None:
    report = run(root, "2026-11-20", only=["beta"])
    assert outcomes(report) == {"beta": ("published", 1)}
    assert sorted(path.name for path in (root / "output/editions").iterdir()) == ["beta"]
    assert not (root / "output/alpha.md").exists()

    result = invoke("publish", "--project", str(root), "--now", "2026-11-21", "--only", "alpha")
    assert result.exit_code == 0, result.output
    assert sorted(path.name for path in (root / "output/editions").iterdir()) == ["alpha", "beta", "feed.xml"]
    with pytest.raises(ProblemsFound, match="gamma"):
        run(root, "2026-11-22", only=["gamma"])


# -- the command line ----------------------------------------------------------------------------------------------


def invoke(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def test_the_publish_command_says_what_was_published_and_what_changed(root: Path) -> None:
    first = invoke("publish", "--project", str(root), "--now", "2026-11-20")
    assert first.exit_code == 0, first.output
    assert first.stderr.splitlines() == ["briefings: --now is for testing: publishing as if it were "
                                         "2026-11-20T00:00:00+00:00 (the editions are real, dated then)"]
    assert first.stdout.splitlines() == [
        "published alpha as edition 1 (20 November 2026)", "    first edition",
        "published beta as edition 1 (20 November 2026)", "    first edition",
        "published both as edition 1 (20 November 2026)", "    first edition",
        "3 published, 0 unchanged, 0 failed.",
    ]
    change_the_alpha_topic(root)

    second = invoke("publish", "--project", str(root), "--now", "2026-11-25T09:30")

    assert second.exit_code == 0, second.output
    summary = [
        "    + fact alpha/new-fact: A new fact about the *follow-up* meeting.",
        "    ~ fact alpha/talks-held (text): The two leaders held talks in Paris.",
        "    - fact alpha/second-fact: A second fact without a date, resting on two sources.",
        "    ~ figure alpha/Troops trained: 50,000 troops → 60,000 troops",
    ]
    assert second.stdout.splitlines() == [
        "published alpha as edition 2 (25 November 2026)", *summary,
        "unchanged beta since edition 1 (20 November 2026)",
        "published both as edition 2 (25 November 2026)", *summary,
        "2 published, 1 unchanged, 0 failed.",
    ]
    assert assert_valid(edition_file(root, "alpha", 2, "2026-11-25", "json"))["generated"] == \
        "2026-11-25T09:30:00+00:00"


# -- moving the project --------------------------------------------------------------------------------------------


def test_a_moved_project_still_compares_with_its_last_edition(root: Path, tmp_path: Path) -> None:
    run(root, "2026-11-20")
    moved = tmp_path / "elsewhere" / "renamed-project"
    shutil.copytree(root, moved, symlinks=True)
    shutil.rmtree(root)
    change_the_alpha_topic(moved)

    report = run(moved, "2026-11-25")

    assert outcomes(report) == {"alpha": ("published", 2), "beta": ("unchanged", 1), "both": ("published", 2)}
    assert report.results[0].summary[1] == "~ fact alpha/talks-held (text): The two leaders held talks in Paris."
    snapshot = assert_valid(edition_file(moved, "alpha", 2, "2026-11-25", "json"))
    assert snapshot["changes"]["since"] == {"number": 1, "date": "2026-11-20"}
    assert str(tmp_path) not in (moved / "output/alpha.json").read_text(encoding="utf-8")


# -- untrusted edition files ---------------------------------------------------------------------------------------


def _not_json(path: Path, outside: Path) -> None:
    path.write_bytes(b'{"schema_version": "1.0", ')


def _wrong_major_version(path: Path, outside: Path) -> None:
    snapshot = json.loads(path.read_bytes())
    path.write_text(json.dumps({**snapshot, "schema_version": "2.0"}), encoding="utf-8")


def _not_an_object(path: Path, outside: Path) -> None:
    path.write_text("[1, 2, 3]", encoding="utf-8")


def _symlink_out(path: Path, outside: Path) -> None:
    target = outside / "snapshot.json"
    shutil.copy(path, target)
    path.unlink()
    path.symlink_to(target)


def _editions_dir_symlink_out(path: Path, outside: Path) -> None:
    editions = path.parent.parent
    shutil.move(editions, outside / "editions")
    editions.symlink_to(outside / "editions", target_is_directory=True)


@pytest.mark.parametrize("corrupt, message", [
    (_not_json, "not valid JSON"),
    (_wrong_major_version, "schema version '2.0'"),
    (_not_an_object, "schema version None"),
    (_symlink_out, "outside the project"),
    (_editions_dir_symlink_out, "outside the project"),
], ids=["not-json", "schema-2.0", "not-an-object", "symlink-out", "editions-dir-symlink-out"])
def test_a_corrupt_edition_is_a_located_problem_not_a_traceback(root: Path, tmp_path: Path, corrupt, message: str
                                                                ) -> None:
    run(root, "2026-11-20")
    outside = tmp_path / "outside"
    outside.mkdir()
    snapshot = edition_file(root, "alpha", 1, "2026-11-20", "json")
    corrupt(snapshot, outside)
    whole_directory = corrupt is _editions_dir_symlink_out

    report = run(root, "2026-11-21")

    failing = {"alpha", "beta", "both"} if whole_directory else {"alpha"}
    assert {result.briefing_id for result in report.results if result.outcome == "failed"} == failing
    for result in report.results:
        if result.briefing_id in failing:
            assert len(result.problems) == 1
            problem = result.problems[0]
            assert problem.path.startswith("output/editions"), problem
            assert message in str(problem)
        else:
            assert result.outcome == "unchanged"

    for command in ("build", "publish"):
        result = invoke(command, "--project", str(root), *(["--now", "2026-11-21"] if command == "publish" else []))
        assert result.exit_code == 1, result.output
        assert "Traceback" not in result.output and "internal error" not in result.output
        assert re.search(r"^output/editions(/\S*)?: .*" + re.escape(message), result.output, re.M), result.output


HOSTILE_TEXT = "<script>alert(1)</script> <img src=x onerror=alert(2)> **bold** [link](javascript:alert(3))"


def test_a_hostile_changes_record_in_an_edition_renders_safely(root: Path) -> None:
    run(root, "2026-11-20", only=["alpha"])
    path = edition_file(root, "alpha", 1, "2026-11-20", "json")
    snapshot = json.loads(path.read_bytes())
    snapshot["changes"] = {
        "since": {"number": "one", "date": 20261120},
        "first": "no",
        "topics_added": [{"id": None, "title": "<script>alert('topic')</script>"}, 7, "x"],
        "topics_removed": "not a list",
        "facts_added": [{"topic": ["alpha"], "id": {}, "text": 12, "date": "2026-02-30", "sources": "alpha-report"}],
        "facts_changed": [{"topic": "alpha", "id": "talks-held", "fields": 5, "before": [], "after": None},
                          {"topic": "alpha", "id": "x", "fields": "text",
                           "before": {"text": HOSTILE_TEXT}, "after": {"text": "<b>raw</b>", "quote": "q"}}],
        "facts_removed": [{"topic": "alpha", "id": "gone", "text": HOSTILE_TEXT,
                           "sources": ["no-such-reference", 7, None, "alpha-report"],
                           "quote": {"text": "<iframe src=x></iframe>", "speaker": ["x"]}}],
        "figures_added": [{"topic": "alpha", "label": {"x": 1}, "value": True, "unit": 3}],
        "figures_changed": [{"topic": "alpha", "label": "<em>L</em>", "before": {"value": [1]},
                             "after": {"value": "<svg onload=alert(4)>", "unit": "<i>u</i>",
                                       "sources": ["no-such-reference"]}}],
        "figures_removed": [{"topic": "alpha", "label": "Gone", "value": {"a": 1}}, None],
    }
    path.write_text(json.dumps(snapshot), encoding="utf-8")

    report = build(root, only=["alpha"], generated=at("2026-11-20"), jobs=1)

    assert report.rendered == ["alpha"] and report.editions["alpha"].status == "edition"
    page = (root / "output/alpha.html").read_text(encoding="utf-8")
    for raw in ("<script", "<img", "<iframe", "<svg", "<b>raw", "<em>l", "<i>u", "href=\"javascript"):
        assert raw not in page.lower(), raw
    assert not re.search(r"<[^>]*\son\w+=", page)  # no event handler in any tag
    assert "alert(1)" in visible_html(root / "output/alpha.html")  # shown as text
    markdown = (root / "output/alpha.md").read_text(encoding="utf-8")
    changes = markdown[markdown.index("## What’s changed"):markdown.index("## Summary")]
    assert "<" in changes and not re.search(r"(?<!\\)<", changes)  # every angle bracket escaped
    assert "- **Removed**: *\\<script\\>alert(1)\\</script\\> \\<img src=x onerror=alert(2)\\> \\*\\*bold" in changes
    assert "no-such-reference" not in markdown and "no-such-reference" not in page
    assert "- **Edition:** Edition 1 · 20 November 2026" in markdown


def test_hostile_topics_in_an_old_edition_do_not_break_what_changed(root: Path) -> None:
    run(root, "2026-11-20", only=["both"])
    path = edition_file(root, "both", 1, "2026-11-20", "json")
    snapshot = json.loads(path.read_bytes())
    snapshot["topics"] = [
        {"id": "gone-topic"},  # no title
        {"id": ["unhashable"], "title": 3},
        {"id": "alpha", "title": "Alpha topic",
         "facts": [{"id": ["unhashable"]}, {"id": "talks-held", "text": 5}, {"id": "old", "text": None},
                   "not a fact"],
         "figures": [{"label": {"un": "hashable"}}, {"label": "Troops trained", "value": None},
                     {"label": "Old", "value": [1], "unit": 7}]},
        "not a topic",
    ]
    path.write_text(json.dumps(snapshot), encoding="utf-8")

    report = run(root, "2026-11-21", only=["both"])

    assert outcomes(report) == {"both": ("published", 2)}
    assert schema_errors(json.loads(edition_file(root, "both", 2, "2026-11-21", "json").read_bytes())) == []
    markdown = edition_file(root, "both", 2, "2026-11-21", "md").read_text(encoding="utf-8")
    assert "- **Topic removed:** gone-topic" in markdown  # its id stands in for the missing title


def test_a_first_publish_reads_the_last_editions_under_the_lock(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Two first publishes at once (output/ not there yet) once both numbered "edition 1", even with two dates.
    from briefings.build import plan as building
    from briefings.lock import project_lock

    seen: list[str] = []
    latest_edition = building.latest_edition

    def looking(output_dir: Path, project_root: Path, briefing_id: str) -> object:
        try:
            with project_lock(project_root, 0):
                seen.append("free")
        except ProblemsFound:
            seen.append("held")
        return latest_edition(output_dir, project_root, briefing_id)

    monkeypatch.setattr(building, "latest_edition", looking)
    assert not (root / "output").exists()
    assert outcomes(run(root, "2026-11-20")) == {"alpha": ("published", 1), "beta": ("published", 1),
                                                 "both": ("published", 1)}
    assert seen == ["held", "held", "held"]
