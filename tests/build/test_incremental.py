"""Incremental builds: exactly what changed is rendered again, and nothing else is touched."""

from __future__ import annotations

import datetime
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from briefings.build import clock
from briefings.build.orchestrate import BuildReport, build
from briefings.errors import ProblemsFound
from briefings.paths import MANIFEST_PATH
from tests import conftest as processes
from tests.conftest import GENERATED, REFERENCES, TOPIC, changed_files, copy_example, is_bookkeeping, png, state, write

SETTINGS = """\
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
  noted:
    title: A house note on beta
    topics: [beta]
    template: note
"""

NOTE_TEMPLATE = """\
{% extends "builtin/briefing.md.j2" %}
{% block summary %}
## In short

{{ topics[0].summary }}

{% endblock %}
"""


@pytest.fixture
def multi(tmp_path: Path) -> Path:
    root = tmp_path / "multi"
    write(root, "sources/references.yaml", REFERENCES)
    write(root, "sources/topics/alpha.yaml", TOPIC.replace("Test topic", "Alpha topic"))
    write(root, "sources/topics/beta.yaml", TOPIC.replace("Test topic", "Beta topic"))
    write(root, "briefings.yaml", SETTINGS)
    write(root, "templates/note.md.j2", NOTE_TEMPLATE)
    return root






def run(root: Path, **options: object) -> BuildReport:
    return build(root, formats=options.pop("formats", ["md", "html"]), generated=options.pop("generated", GENERATED),
                 jobs=options.pop("jobs", 1), **options)


def test_a_second_build_with_no_change_renders_nothing_and_touches_nothing(multi: Path) -> None:
    first = run(multi)
    assert sorted(first.rendered) == ["alpha", "beta", "both", "noted"]
    before = state(multi)

    second = run(multi)

    assert second.rendered == [] and sorted(second.up_to_date) == ["alpha", "beta", "both", "noted"]
    assert second.written == []
    assert state(multi) == before  # every byte and every modification time, the manifest's included


def test_comments_and_reindentation_change_nothing(multi: Path) -> None:
    run(multi)
    before = state(multi)
    topic = multi / "sources/topics/alpha.yaml"
    topic.write_text("# A comment that changes nothing\n" + topic.read_text().replace("tags: [testing, talks]",
                                                                                      "tags:\n  - testing\n  - talks"))
    assert run(multi).rendered == []
    after = state(multi)
    assert changed_files(before, after) == set()
    assert after[MANIFEST_PATH] == before[MANIFEST_PATH]  # only the parse cache learnt the new bytes


def test_changing_one_fact_renders_exactly_the_briefings_with_its_topic(multi: Path) -> None:
    run(multi)
    before = state(multi)
    topic = multi / "sources/topics/alpha.yaml"
    topic.write_text(topic.read_text().replace("held talks in London.", "held talks in Paris."))

    report = run(multi)

    assert sorted(report.rendered) == ["alpha", "both"]
    assert changed_files(before, state(multi)) == {"alpha.md", "alpha.html", "both.md", "both.html"}


def test_an_edit_keeping_size_and_modification_time_is_never_missed(multi: Path) -> None:
    run(multi)
    topic = multi / "sources/topics/beta.yaml"
    status = topic.stat()
    text = topic.read_text()
    edited = text.replace("held talks in London.", "held talks in Lisbon.")
    assert len(edited) == len(text)
    topic.write_text(edited)
    os.utime(topic, ns=(status.st_atime_ns, status.st_mtime_ns))  # same second, same size, same mtime

    assert sorted(run(multi).rendered) == ["beta", "both", "noted"]


def test_changing_a_template_renders_exactly_the_briefings_that_use_it(multi: Path) -> None:
    run(multi)
    before = state(multi)
    write(multi, "templates/note.md.j2", NOTE_TEMPLATE.replace("In short", "Bottom line"))

    report = run(multi)

    assert report.rendered == ["noted"]
    # The HTML body is made from the Markdown, so it changes too; no other briefing's files do.
    assert changed_files(before, state(multi)) == {"noted.md", "noted.html"}
    assert b"Bottom line" in (multi / "output/noted.md").read_bytes()


def test_overriding_a_builtin_template_renders_every_briefing_that_used_the_builtin(multi: Path) -> None:
    run(multi)
    write(multi, "templates/briefing.html.j2", """\
        {% extends "builtin/briefing.html.j2" %}
        {% block colophon %}<footer class="colophon"><p>House colophon.</p></footer>{% endblock %}
        """)
    report = run(multi)
    assert sorted(report.rendered) == ["alpha", "beta", "both", "noted"]  # note.html.j2 does not exist: it falls back
    assert b"House colophon." in (multi / "output/noted.html").read_bytes()
    assert b"House colophon." not in (multi / "output/noted.md").read_bytes()


def test_changing_the_stylesheet_renders_the_html_and_pdf_not_the_markdown(multi: Path) -> None:
    run(multi, formats=["md", "html"])
    before = state(multi)
    write(multi, "templates/briefing.css", "body { color: #111; }\n")
    report = run(multi, formats=["md", "html"])
    assert sorted(report.rendered) == ["alpha", "beta", "both", "noted"]
    assert changed_files(before, state(multi)) == {f"{name}.html" for name in ("alpha", "beta", "both", "noted")}


def test_changing_an_image_a_pdf_embeds_renders_that_pdf_again(project: Path) -> None:
    write(project, "templates/briefing.html.j2", """\
        {% extends "builtin/briefing.html.j2" %}
        {% block masthead %}<p class="series"><img src="logo.png" alt="logo"></p>{% endblock %}
        """)
    logo = write(project, "logo.png", png(0))
    run(project, formats=["md", "html", "pdf"])
    before = state(project)
    assert run(project, formats=["md", "html", "pdf"]).rendered == []

    logo.write_bytes(png(255))
    report = run(project, formats=["md", "html", "pdf"])

    assert report.rendered == ["test-topic"]
    assert changed_files(before, state(project)) == {"test-topic.pdf"}




def test_a_hand_edited_or_deleted_output_is_rendered_again(multi: Path) -> None:
    run(multi)
    original = (multi / "output/beta.md").read_bytes()
    (multi / "output/beta.md").write_text("edited by hand\n")
    (multi / "output/alpha.html").unlink()

    report = run(multi)

    assert sorted(report.rendered) == ["alpha", "beta"]
    assert (multi / "output/beta.md").read_bytes() == original
    assert (multi / "output/alpha.html").exists()


@pytest.mark.parametrize("damage", ["{not json", '{"format": 99}', "", '{"format": 1, "versions": {}}', "[]"])
def test_a_damaged_manifest_means_a_full_rebuild_with_a_notice(multi: Path, damage: str) -> None:
    run(multi)
    (multi / "output" / MANIFEST_PATH).write_text(damage)
    report = run(multi)
    assert sorted(report.rendered) == ["alpha", "beta", "both", "noted"]
    assert report.notice is not None and report.notice.startswith(f"output/{MANIFEST_PATH} is")
    assert json.loads((multi / "output" / MANIFEST_PATH).read_text())["format"] == 1
    assert run(multi).rendered == []


def test_force_renders_everything(multi: Path) -> None:
    run(multi)
    assert sorted(run(multi, force=True).rendered) == ["alpha", "beta", "both", "noted"]


def test_the_generated_date_is_when_the_content_last_changed(multi: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    day_one = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)
    monkeypatch.setattr(clock, "now", lambda: day_one)
    build(multi, formats=["md"], jobs=1)
    assert b"**Generated:** 2 March 2026" in (multi / "output/alpha.md").read_bytes()

    monkeypatch.setattr(clock, "now", lambda: day_one + datetime.timedelta(days=5))
    before = state(multi)
    assert build(multi, formats=["md"], jobs=1).rendered == []
    assert state(multi) == before

    topic = multi / "sources/topics/alpha.yaml"
    topic.write_text(topic.read_text().replace("held talks in London.", "held talks in Rome."))
    build(multi, formats=["md"], jobs=1)
    assert b"**Generated:** 7 March 2026" in (multi / "output/alpha.md").read_bytes()
    assert b"**Generated:** 2 March 2026" in (multi / "output/beta.md").read_bytes()


def test_outputs_of_a_removed_briefing_are_removed_and_nothing_else(multi: Path) -> None:
    run(multi)
    mine = write(multi, "output/my-notes.md", "the user's own file\n")
    write(multi, "briefings.yaml", SETTINGS.split("  noted:")[0])
    report = run(multi)
    assert sorted(path.name for path in report.removed) == ["noted.html", "noted.md"]
    assert not (multi / "output/noted.md").exists()
    assert mine.read_text() == "the user's own file\n"


def test_two_jobs_write_the_same_bytes_as_one(multi: Path, tmp_path: Path) -> None:
    import shutil

    twin = tmp_path / "twin"
    shutil.copytree(multi, twin)
    one = run(multi, jobs=1, formats=["md", "html", "pdf"])
    two = run(twin, jobs=2, formats=["md", "html", "pdf"])
    assert sorted(one.rendered) == sorted(two.rendered)
    outputs = sorted(path.name for path in (multi / "output").iterdir() if not path.name.startswith("."))
    assert outputs == sorted(path.name for path in (twin / "output").iterdir() if not path.name.startswith("."))
    for name in outputs:
        assert (multi / "output" / name).read_bytes() == (twin / "output" / name).read_bytes(), name


def test_deciding_that_nothing_changed_does_not_import_weasyprint(multi: Path) -> None:
    run(multi, formats=["md", "html", "pdf"])
    script = ("import sys, datetime; from pathlib import Path; from briefings.build.orchestrate import build; "
              f"report = build(Path({str(multi)!r}), formats=['md', 'html', 'pdf'], jobs=1, "
              "generated=datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=datetime.UTC)); "
              "assert report.rendered == [], report.rendered; print('weasyprint' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_a_template_reading_every_reference_depends_on_every_reference(multi: Path) -> None:
    write(multi, "templates/note.md.j2", "# {{ briefing.title }}\n{% for key in references %}- {{ key }}\n{% endfor %}")
    run(multi)
    references = multi / "sources/references.yaml"
    references.write_text(references.read_text() + "gamma-note:\n  outlet: Gamma\n  title: Gamma\n"
                          "  published: 2025-06-01\n  acknowledge:\n    never-cited: kept for later\n")
    assert run(multi).rendered == ["noted"]
    assert b"- gamma-note" in (multi / "output/noted.md").read_bytes()


def _example_copy(tmp_path: Path, name: str) -> Path:
    return copy_example(tmp_path / name)


def _briefings(root: Path, *args: str, **popen: object) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "briefings", "build", "--project", str(root), *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "SOURCE_DATE_EPOCH": "1767323045"}, **popen)  # type: ignore[call-overload]


def test_ctrl_c_stops_the_workers_and_leaves_no_trace(tmp_path: Path) -> None:
    import signal

    root = _example_copy(tmp_path, "example")
    assert _briefings(root, "--format", "md").wait(timeout=120) == 0
    before = state(root)
    process = _briefings(root, "--jobs", "2", "--force", "--format", "md", "--format", "pdf")
    # Once the workers render: two of them exist and the pool's threads (which start after them) too.
    processes.wait_until(process, lambda: len(processes.workers(process.pid)) >= 2
                         and len(list(Path(f"/proc/{process.pid}/task").iterdir())) > 1, "rendering in workers")
    workers = processes.workers(process.pid)
    process.send_signal(signal.SIGINT)
    _, stderr = processes.finish(process)
    assert process.returncode == 130, stderr
    assert stderr == "briefings: interrupted\n"
    assert state(root) == before  # no output, no temporary file, no manifest changed
    assert [worker for worker in workers if Path(f"/proc/{worker}").exists()] == []


def test_a_build_killed_at_any_moment_is_repaired_by_the_next(tmp_path: Path) -> None:
    import signal
    import time

    def change(root: Path) -> None:  # a change to four of the example's five briefings
        references = root / "sources/references.yaml"
        references.write_text(references.read_text().replace("outlet: AFP", "outlet: Agence France-Presse"))

    formats = ("--format", "md", "--format", "html")
    old_root, new_root = _example_copy(tmp_path, "old"), _example_copy(tmp_path, "new")
    change(new_root)
    for reference in (old_root, new_root):
        assert _briefings(reference, *formats).wait(timeout=120) == 0
    old = {name: data for name, (data, _) in state(old_root).items() if not is_bookkeeping(name)}
    new = {name: data for name, (data, _) in state(new_root).items() if not is_bookkeeping(name)}
    assert len({name for name in old if old[name] != new[name]}) == 8

    root = _example_copy(tmp_path, "killed")
    assert _briefings(root, *formats).wait(timeout=120) == 0
    change(root)
    for delay in (0.15, 0.3, 0.45, 0.6, 0.8, 1.0):
        process = _briefings(root, "--force", *formats, "--jobs", "2", start_new_session=True)
        time.sleep(delay)
        os.killpg(process.pid, signal.SIGKILL)  # the build and its workers, at once
        process.communicate(timeout=60)
        for name, (data, _) in state(root).items():
            if is_bookkeeping(name):
                assert name.endswith("lock") or json.loads(data)  # the old manifest or the new, never half
            elif not name.endswith(".briefings-tmp"):
                assert data in (old[name], new[name]), f"{name} is neither the old nor the new file"
    repair = _briefings(root, *formats)
    assert repair.wait(timeout=120) == 0
    after = {name: data for name, (data, _) in state(root).items() if not is_bookkeeping(name)}
    assert after == new
    again = _briefings(root, *formats)
    stdout, _ = again.communicate(timeout=120)
    assert "0 briefing(s) rendered, 5 up to date" in stdout


def test_force_keeps_the_date_and_the_records_of_briefings_it_did_not_build(multi: Path,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    day_one = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)
    monkeypatch.setattr(clock, "now", lambda: day_one)
    build(multi, formats=["md"], jobs=1)
    monkeypatch.setattr(clock, "now", lambda: day_one + datetime.timedelta(days=1))
    assert build(multi, formats=["md"], jobs=1, force=True, only=["alpha"]).rendered == ["alpha"]
    assert b"**Generated:** 2 March 2026" in (multi / "output/alpha.md").read_bytes()  # content unchanged
    assert build(multi, formats=["md"], jobs=1).rendered == []  # the others' records survived --only


def test_an_up_to_date_briefing_repeats_its_warnings_and_strict_still_fails(project: Path) -> None:
    write(project, "templates/briefing.html.j2", """\
        {% extends "builtin/briefing.html.j2" %}
        {% block masthead %}<p class="series"><img src="missing.png" alt=""></p>{% endblock %}
        """)
    first = run(project, formats=["pdf"])
    expected = [warning for warning in first.warnings if "missing.png" in warning.message]
    assert expected
    second = run(project, formats=["pdf"])
    assert second.rendered == [] and [w for w in second.warnings if "missing.png" in w.message] == expected
    with pytest.raises(ProblemsFound) as raised:
        run(project, formats=["pdf"], strict=True)
    assert any("missing.png" in problem.message for problem in raised.value.problems)


def test_outputs_do_not_depend_on_whether_the_parse_cache_answered(tmp_path: Path) -> None:
    # Mapping order is data (the briefings of briefings.yaml, a fact's evidence): a build answered from
    # the parse cache must write the very bytes a build that parsed every file writes.
    # (The example has facts whose evidence is not written in alphabetical order of source, which a
    # key-sorting cache turned round: this test failed before the cache kept the order.)
    root = copy_example(tmp_path / "example")
    first = build(root, formats=["md", "json"], generated=GENERATED, jobs=1)
    parsed = {output.path.name: output.path.read_bytes() for output in first.outputs}
    entries = root / "output/.briefings/cache/documents"
    yaml_files = ["briefings.yaml", "sources/references.yaml", *(root / "sources/topics").glob("*.yaml")]
    assert len(list(entries.iterdir())) == len(yaml_files)  # one entry per file, answered below
    for name in parsed:
        (root / "output" / name).unlink()
    (root / "output" / MANIFEST_PATH).unlink()
    second = build(root, formats=["md", "json"], generated=GENERATED, jobs=1)
    assert {output.path.name: output.path.read_bytes() for output in second.outputs} == parsed


def test_a_figure_of_another_briefing_that_comes_to_disagree_renders_this_one_again(multi: Path) -> None:
    # The "‡" of a discrepant figure comes from every figure of the project sharing its key, not only from
    # the briefing's own topics: when beta's figure comes to disagree with alpha's, alpha is stale too.
    keyed = "    unit: troops\n    key: troops-trained\n"
    for name in ("alpha", "beta"):
        topic = multi / f"sources/topics/{name}.yaml"
        topic.write_text(topic.read_text().replace("    unit: troops\n", keyed))
    run(multi)
    assert "‡" not in (multi / "output/alpha.md").read_text()
    beta = multi / "sources/topics/beta.yaml"
    beta.write_text(beta.read_text().replace("value: 50000", "value: 60000"))

    report = run(multi)

    assert sorted(report.rendered) == ["alpha", "beta", "both", "noted"]
    assert "50,000 troops ‡" in (multi / "output/alpha.md").read_text()
    beta.write_text(beta.read_text().replace("value: 60000", "value: 50000"))  # agreeing again

    report = run(multi)

    assert sorted(report.rendered) == ["alpha", "beta", "both", "noted"]
    assert "‡" not in (multi / "output/alpha.md").read_text()
