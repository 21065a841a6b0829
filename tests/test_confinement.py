"""Nothing outside the project is read, written or fetched; a failed build leaves the previous outputs as they were.

A loopback listener stands in for the network: every URL the hostile
project names points at it, and it counts the connections it receives. An
audit hook records every file Python opens, and the directory beside the
project (holding files the project tries to reach) is compared before and
after.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import socket
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from briefings.build.orchestrate import build
from tests.conftest import TOPIC, TOPIC_FILE, changed, files_under, invoke, write

_opened: list[str] = []
_recording = threading.Event()


def _audit(event: str, args: tuple[object, ...]) -> None:
    if event == "open" and _recording.is_set() and args and isinstance(args[0], (str, bytes, os.PathLike)):
        _opened.append(os.fsdecode(args[0]))


sys.addaudithook(_audit)  # audit hooks cannot be removed; this one records only while a test asks it to


@contextmanager
def opens_recorded() -> Iterator[list[str]]:
    """Every path opened while the block runs (through the audit hook above)."""
    _opened.clear()
    _recording.set()
    try:
        yield _opened
    finally:
        _recording.clear()


def opened_outside(opened: list[str], outside: Path) -> list[str]:
    return [path for path in opened if Path(path).resolve().is_relative_to(outside.resolve())]


class LoopbackListener:
    """A TCP listener on 127.0.0.1 that accepts and counts connections, bounded in number and time."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.server.settimeout(0.2)
        self.port = self.server.getsockname()[1]
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set() and self.connections < 100:
            try:
                connection, _ = self.server.accept()
            except TimeoutError:
                continue
            self.connections += 1
            connection.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.server.close()


@pytest.fixture
def listener() -> Iterator[LoopbackListener]:
    server = LoopbackListener()
    yield server
    server.close()


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    directory = tmp_path / "outside"
    write(directory, "secret.css", "body { color: red } /* OUTSIDE-SECRET */\n")
    write(directory, "secret.png", b"\x89PNG\r\n\x1a\n OUTSIDE-SECRET")
    write(directory, "secret.md.j2", "OUTSIDE-SECRET\n")
    return directory


def hostile_templates(root: Path, outside: Path, port: int) -> None:
    url = f"http://127.0.0.1:{port}"
    write(root, "templates/briefing.html.j2", f"""\
        {{% extends "builtin/briefing.html.j2" %}}
        {{% block head_extra %}}
        <link rel="stylesheet" href="{url}/linked.css">
        <link rel="stylesheet" href="../outside/secret.css">
        <link rel="stylesheet" href="file://{outside}/secret.css">
        <style>
        @import url({url}/imported.css);
        @font-face {{ font-family: Remote; src: url({url}/font.woff); }}
        .title {{ background: url({url}/background.png); }}
        .series {{ background: url(../outside/secret.png); }}
        </style>
        {{% endblock %}}
        {{% block masthead %}}<p class="series"><img src="{url}/logo.png" alt="">
        <img src="../outside/secret.png" alt=""><img src="linked.png" alt=""></p>{{% endblock %}}
        """)
    (root / "linked.png").symlink_to(outside / "secret.png")


def test_a_hostile_project_reaches_nothing_outside_itself(project: Path, outside: Path,
                                                           listener: LoopbackListener, tmp_path: Path) -> None:
    hostile_templates(project, outside, listener.port)
    before_outside = files_under(outside)
    with opens_recorded() as opened:
        report = build(project)

    assert listener.connections == 0
    assert files_under(outside) == before_outside
    assert not opened_outside(opened, outside)
    refused = [warning.message for warning in report.warnings if "refused to fetch" in warning.message]
    assert len(refused) >= 7, refused
    # The HTML is not fetched by the build, but whoever opens it would fetch these: the build says so.
    remote = [warning.message for warning in report.warnings if "from outside the project" in warning.message]
    for name in ("linked.css", "imported.css", "font.woff", "background.png", "logo.png"):
        assert (f"test-topic.html loads http://127.0.0.1:{listener.port}/{name} from outside the project whenever "
                "it is opened (the PDF refuses it): put the file in the project") in remote
    for output in (project / "output").rglob("*"):
        data = output.read_bytes() if output.is_file() else b""
        assert b"OUTSIDE-SECRET" not in data
    # Nothing was written beside the project either.
    assert sorted(path.name for path in tmp_path.iterdir()) == ["outside", "project"]


def test_urls_in_curated_text_are_never_fetched(project: Path, listener: LoopbackListener) -> None:
    url = f"http://127.0.0.1:{listener.port}"
    write(project, TOPIC_FILE, changed(TOPIC, "held talks in London.", f"held talks in London. ![x]({url}/p.gif)"))
    result = invoke("build", "--project", str(project))
    assert result.exit_code == 1
    assert "images are not allowed" in result.stderr
    assert listener.connections == 0


def test_a_template_linked_from_outside_is_never_read(project: Path, outside: Path) -> None:
    (project / "templates").mkdir()
    (project / "templates/briefing.md.j2").symlink_to(outside / "secret.md.j2")
    with opens_recorded() as opened:
        result = invoke("build", "--project", str(project))
    assert result.exit_code == 1
    assert "OUTSIDE-SECRET" not in result.output
    assert not opened_outside(opened, outside)


# -- a failed build leaves the previous outputs byte-identical ------------------------------------------------------

Breaker = Callable[[Path], None]


def _topic(old: str, new: str) -> Breaker:
    return lambda root: write(root, TOPIC_FILE, changed(TOPIC, old, new)) and None


def _template(text: str) -> Breaker:
    return lambda root: write(root, "templates/briefing.md.j2", text) and None


def _alias_bomb(root: Path) -> None:
    lines = ['a0: &a0 ["x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    lines += [f"a{n}: &a{n} [{', '.join(f'*a{n - 1}' for _ in range(9))}]" for n in range(1, 9)]
    write(root, TOPIC_FILE, TOPIC + "\n".join(lines) + "\n")


def _fifo_topic(root: Path) -> None:
    os.mkfifo(root / "sources/topics/pipe.yaml")


def _symlink_out(root: Path) -> None:
    target = root.parent / "elsewhere.yaml"
    target.write_text(TOPIC)
    (root / "sources/topics/linked.yaml").symlink_to(target)


def _pdf_is_a_directory(root: Path) -> None:
    _topic("The bottom line, first.", "A changed bottom line.")(root)
    (root / "output/test-topic.pdf").unlink()
    (root / "output/test-topic.pdf").mkdir()


BREAKERS = [
    pytest.param(_topic("as_of: 2025-06-24", "as_of: 2025-02-30"), id="impossible-date"),
    pytest.param(_alias_bomb, id="alias-bomb"),
    pytest.param(_fifo_topic, id="fifo"),
    pytest.param(_symlink_out, id="symlink-outside"),
    pytest.param(_topic("title: Test topic", 'title: "Test \\u202e topic"'), id="bidi-control"),
    pytest.param(_topic("held talks in London.", 'held <span class="classification">SECRET</span> talks.'),
                 id="forged-banner"),
    pytest.param(_topic("held talks in London.", "held talks.[^beta-wire]"), id="forged-citation"),
    pytest.param(_template("{{ ''.__class__.__mro__ }}"), id="template-escape"),
    pytest.param(_template("{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}"), id="template-recursion"),
    pytest.param(_template("{{ briefing.title }"), id="template-syntax"),
    pytest.param(_pdf_is_a_directory, id="pdf-is-a-directory"),
]


@pytest.mark.parametrize("breaker", BREAKERS)
def test_a_failed_build_leaves_previous_outputs_byte_identical(project: Path, breaker: Breaker) -> None:
    assert invoke("build", "--project", str(project)).exit_code == 0
    before = files_under(project / "output")
    times = {path.name: path.stat().st_mtime_ns for path in (project / "output").iterdir() if path.is_file()}
    breaker(project)
    result = invoke("build", "--project", str(project))
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert result.stderr.splitlines()[-1].startswith("build failed:")
    after = files_under(project / "output")
    if (project / "output/test-topic.pdf").is_dir():
        before.pop("test-topic.pdf")
    assert after == before
    assert all(path.stat().st_mtime_ns == times[path.name] for path in (project / "output").iterdir()
               if path.is_file())


# -- the build's own bookkeeping is input too ----------------------------------------------------------------------


def test_bookkeeping_that_links_outside_the_project_is_refused(project: Path, outside: Path) -> None:
    (project / "output").mkdir()
    (project / "output/.briefings").symlink_to(outside, target_is_directory=True)
    before = files_under(outside)
    result = invoke("build", "--project", str(project))
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0].startswith("output/.briefings: is a symbolic link to a directory outside")
    assert files_under(outside) == before


#: The parse cache's entry for sources/topics/test-topic.yaml (named by the hash of that path).
TOPIC_ENTRY = "cache/documents/" + hashlib.sha256(b"sources/topics/test-topic.yaml").hexdigest()[:32] + ".json"


@pytest.mark.parametrize("name", ["manifest.json", "inputs.json", "cache/markup.json", TOPIC_ENTRY])
def test_a_bookkeeping_file_linked_outside_is_not_read(project: Path, outside: Path, name: str) -> None:
    assert invoke("build", "--project", str(project), "--format", "md").exit_code == 0
    secret = write(outside, "secret.json", '{"format": 1, "OUTSIDE-SECRET": true}')
    target = project / "output/.briefings" / name
    target.unlink()
    target.symlink_to(secret)
    with opens_recorded() as opened:
        result = invoke("build", "--project", str(project), "--format", "md")
    assert result.exit_code == 0, result.output
    assert not opened_outside(opened, outside)
    assert secret.read_text() == '{"format": 1, "OUTSIDE-SECRET": true}'  # replaced, never written through


def test_a_parse_cache_directory_linked_outside_is_neither_read_nor_written(project: Path, outside: Path) -> None:
    assert invoke("build", "--project", str(project), "--format", "md").exit_code == 0
    cache = project / "output/.briefings/cache"
    shutil.copytree(cache, outside / "cache")
    shutil.rmtree(cache)
    cache.symlink_to(outside / "cache", target_is_directory=True)
    before = files_under(outside)
    (project / "output/test-topic.md").unlink()
    with opens_recorded() as opened:
        result = invoke("build", "--project", str(project), "--format", "md")
    assert result.exit_code == 0, result.output
    assert not opened_outside(opened, outside)
    assert files_under(outside) == before


@pytest.mark.parametrize("entry", ["cache/markup.json", TOPIC_ENTRY])
@pytest.mark.parametrize("damage", [b"", b"{", b"\xff\xfe", b'{"format": 3, "briefings": "0.1.0", "data": 7}',
                                    b'{"format": 3, "briefings": "0.1.0", "markup": 7, "lines": [[1]]}'])
def test_a_damaged_parse_cache_is_ignored(project: Path, damage: bytes, entry: str) -> None:
    assert invoke("build", "--project", str(project), "--format", "md").exit_code == 0
    expected = (project / "output/test-topic.md").read_bytes()
    (project / "output/.briefings" / entry).write_bytes(damage)
    (project / "output/test-topic.md").unlink()
    result = invoke("build", "--project", str(project), "--format", "md")
    assert result.exit_code == 0, result.output
    assert (project / "output/test-topic.md").read_bytes() == expected


@pytest.mark.parametrize("kind", ["fifo", "directory", "documents linked outside"])
def test_a_parse_cache_entry_that_is_no_regular_file_is_neither_opened_nor_waited_on(project: Path, outside: Path,
                                                                                     kind: str) -> None:
    assert invoke("build", "--project", str(project), "--format", "md").exit_code == 0
    expected = (project / "output/test-topic.md").read_bytes()
    entry = project / "output/.briefings" / TOPIC_ENTRY
    entry.unlink()
    if kind == "fifo":
        os.mkfifo(entry)  # a reader that opened it without O_NONBLOCK would wait for ever
    elif kind == "directory":
        entry.mkdir()
    else:
        documents = entry.parent
        shutil.copytree(documents, outside / "documents")
        shutil.rmtree(documents)
        documents.symlink_to(outside / "documents", target_is_directory=True)
    (project / "output/test-topic.md").unlink()
    with opens_recorded() as opened:
        result = invoke("build", "--project", str(project), "--format", "md")
    assert result.exit_code == 0, result.output
    assert not opened_outside(opened, outside)
    assert (project / "output/test-topic.md").read_bytes() == expected
