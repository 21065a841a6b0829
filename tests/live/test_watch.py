"""briefings watch: the watcher core in a thread, and the command in a subprocess.

Waits are on queues and events with generous timeouts; no sleep stands for
"long enough". A change is known to have been ignored when the next build,
triggered by a later relevant change, names only that later change.
"""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from briefings.live.watch import ProjectWatcher, RebuildResult, is_relevant, summary_line
from tests.conftest import REPO_ROOT, copy_example

TIMEOUT = 60
FAST = {"formats": ("md", "html"), "jobs": 1}
NATO = "sources/topics/nato-spending.yaml"


class RunningWatcher:
    """A ProjectWatcher in a thread; its results arrive in a queue."""

    def __init__(self, root: Path, **options: object) -> None:
        self.results: queue.Queue[RebuildResult] = queue.Queue()
        self.stop = threading.Event()
        self.error: BaseException | None = None
        options.setdefault("build_options", dict(FAST))
        options.setdefault("step_ms", 50)
        options.setdefault("debounce_ms", 400)
        self.watcher = ProjectWatcher(root, on_result=self.results.put, **options)  # type: ignore[arg-type]
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            self.watcher.run(self.stop)
        except BaseException as error:  # noqa: BLE001 - re-raised in the test's thread by close()
            self.error = error

    def next(self) -> RebuildResult:
        try:
            return self.results.get(timeout=TIMEOUT)
        except queue.Empty:
            raise AssertionError(f"no build within {TIMEOUT} s (watcher error: {self.error!r})") from None

    def close(self) -> None:
        self.stop.set()
        self.thread.join(TIMEOUT)
        assert not self.thread.is_alive(), "the watcher did not stop when asked"
        if self.error is not None:
            raise self.error


@pytest.fixture
def example(tmp_path: Path) -> Path:
    return copy_example(tmp_path / "example")


@pytest.fixture
def running(example: Path):  # type: ignore[no-untyped-def]
    watcher = RunningWatcher(example)
    first = watcher.next()
    assert first.initial and first.ok, first.problems
    assert sorted(first.report.rendered) == sorted(b.id for b in first.report.project.briefings)  # type: ignore[union-attr]
    yield watcher
    watcher.close()


def edit_fact(root: Path, old: str, new: str, relative: str = NATO) -> None:
    path = root / relative
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def edit_first_fact(root: Path, words: str) -> None:
    """Put ``words`` at the start of the first fact of the NATO topic."""
    edit_fact(root, "      NATO leaders were due", f"      {words} NATO leaders were due")


def test_an_edited_fact_rebuilds_only_the_briefings_that_show_it(running: RunningWatcher, example: Path) -> None:
    edit_first_fact(example, "Freshly edited.")
    result = running.next()
    assert result.ok and not result.initial
    assert result.changed == (NATO,)
    assert result.report is not None
    assert sorted(result.report.rendered) == ["european-security-overview", "nato-at-a-glance", "nato-spending"]
    assert sorted(result.report.up_to_date) == ["coalition-of-the-willing", "drone-coproduction"]
    assert "Freshly edited." in (example / "output/nato-spending.html").read_text(encoding="utf-8")
    assert re.fullmatch(r"\d\d:\d\d:\d\d rebuilt european-security-overview \(md, html\), "
                        r"nato-at-a-glance \(md, html\), nato-spending \(md, html\); 2 up to date;"
                        r"(?: \d+ warning\(s\);)? \d+\.\d s", summary_line(result))


def test_a_broken_file_is_reported_keeps_the_outputs_and_recovers_when_fixed(running: RunningWatcher,
                                                                            example: Path) -> None:
    outputs = {path.name: path.read_bytes() for path in (example / "output").iterdir() if path.is_file()}
    good = (example / NATO).read_text(encoding="utf-8")
    (example / NATO).write_text(good + "\nfacts: [this is not closed\n", encoding="utf-8")
    broken = running.next()
    assert not broken.ok and broken.changed == (NATO,)
    assert broken.problems and all(problem.path == NATO for problem in broken.problems)
    assert all(isinstance(problem.line, int) for problem in broken.problems)
    assert f"{NATO}:" in str(broken.problems[0])
    assert "build failed: " in summary_line(broken)
    assert {path.name: path.read_bytes() for path in (example / "output").iterdir() if path.is_file()} == outputs

    (example / NATO).write_text(good.replace("NATO leaders were due", "Repaired. NATO leaders were due", 1),
                                encoding="utf-8")
    fixed = running.next()
    assert fixed.ok, fixed.problems
    assert "nato-spending" in fixed.report.rendered  # type: ignore[union-attr]
    assert "Repaired." in (example / "output/nato-spending.html").read_text(encoding="utf-8")


def test_editor_scratch_files_and_outputs_trigger_nothing(running: RunningWatcher, example: Path) -> None:
    topics = example / "sources/topics"
    for name in (".#nato-spending.yaml", "nato-spending.yaml~", ".nato-spending.yaml.swp",
                 ".nato-spending.yaml.swx", "4913", "#nato-spending.yaml#", ".x.yaml.briefings-tmp"):
        (topics / name).write_text("not: [yaml", encoding="utf-8")
    (example / "templates/.briefing.html.j2.swp").write_bytes(b"\0swap")
    (example / "output/notes.txt").write_text("mine", encoding="utf-8")
    (example / "README.txt").write_text("not a source", encoding="utf-8")
    # The sentinel: a real change, saved after all of the above.
    edit_first_fact(example, "Sentinel.")
    result = running.next()
    assert result.changed == (NATO,)
    assert result.ok, result.problems
    assert running.results.empty()


def test_a_template_change_rebuilds_every_briefing_it_renders(running: RunningWatcher, example: Path) -> None:
    edit_fact(example, "Example project of the briefings tool", "Changed colophon of the briefings tool",
              "templates/briefing.html.j2")
    result = running.next()
    assert result.changed == ("templates/briefing.html.j2",)
    assert result.report is not None and len(result.report.rendered) == 5
    assert "Changed colophon" in (example / "output/drone-coproduction.html").read_text(encoding="utf-8")


def test_html_first_reports_the_html_then_the_other_formats(example: Path) -> None:
    watcher = RunningWatcher(example, html_first=True)
    try:
        html, rest = watcher.next(), watcher.next()
        assert html.initial and html.formats == ("html",) and html.ok
        assert rest.initial and rest.formats == ("md",) and rest.ok  # FAST limits the formats to md and html
        assert sorted(path.name for path in html.report.written) == sorted(  # type: ignore[union-attr]
            f"{b.id}.html" for b in html.report.project.briefings)  # type: ignore[union-attr]
    finally:
        watcher.close()


@pytest.mark.parametrize(("path", "relevant"), [
    ("briefings.yaml", True), ("sources/references.yaml", True), ("sources/topics/a.yaml", True),
    ("templates/briefing.html.j2", True), ("templates/briefing.css", True),
    ("output/a.html", False), ("output/.briefings/manifest.json", False), (".git/index", False),
    ("sources/topics/.#a.yaml", False), ("sources/topics/a.yaml~", False), ("sources/topics/.a.yaml.swp", False),
    ("sources/topics/a.swx", False), ("sources/topics/4913", False), ("sources/topics/#a.yaml#", False),
    ("output/.a.html.x.briefings-tmp", False), ("sources/.a.yaml.y.briefings-tmp", False),
    ("briefings.yaml~", False), ("notes.md", False), ("sources", False),
])
def test_what_is_relevant(path: str, relevant: bool) -> None:
    assert is_relevant(path) is relevant


def test_a_missing_project_is_a_problem(tmp_path: Path) -> None:
    from briefings.errors import ProblemsFound

    with pytest.raises(ProblemsFound, match="does not exist"):
        ProjectWatcher(tmp_path / "nowhere", on_result=lambda result: None).run(threading.Event())


def test_the_command_builds_rebuilds_and_stops_cleanly_on_ctrl_c(example: Path) -> None:
    environment = {**os.environ, "PYTHONUNBUFFERED": "1", "COLUMNS": "300"}
    process = subprocess.Popen(
        [sys.executable, "-m", "briefings", "watch", "--project", str(example), "--format", "md",
         "--format", "html", "--jobs", "1"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO_ROOT, env=environment)
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in process.stdout], daemon=True).start()  # type: ignore[union-attr]

    def next_summary() -> str:
        while True:
            try:
                line = lines.get(timeout=TIMEOUT)
            except queue.Empty:
                process.kill()
                raise AssertionError(f"no summary line; stderr: {process.stderr.read()}") from None  # type: ignore[union-attr]
            if re.match(r"\d\d:\d\d:\d\d ", line):
                return line.rstrip("\n")

    try:
        assert re.fullmatch(r"\d\d:\d\d:\d\d built .*; 0 up to date;(?: \d+ warning\(s\);)? \d+\.\d s", next_summary())
        edit_first_fact(example, "From the command.")
        assert re.fullmatch(r"\d\d:\d\d:\d\d rebuilt european-security-overview \(md, html\), "
                            r"nato-at-a-glance \(md, html\), nato-spending \(md, html\); 2 up to date;"
                            r"(?: \d+ warning\(s\);)? \d+\.\d s", next_summary())
        process.send_signal(signal.SIGINT)
        code = process.wait(timeout=TIMEOUT)
        stderr = process.stderr.read()  # type: ignore[union-attr]
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert code == 0, stderr
    assert stderr.strip().splitlines()[-1] == "briefings: stopped watching"
    assert "Traceback" not in stderr
