"""briefings serve over plain HTTP: the server and its watcher in threads, asked with http.client."""

from __future__ import annotations

import http.client
import json
import os
import queue
import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from briefings.serve import EVENTS_PATH, PreviewServer, resolve_output_file
from briefings.watch import RebuildResult

from .preview import running_preview
from .test_standards import PAGED_MEDIA_CSS, VNU_JAR, require_tool

TIMEOUT = 60
NATO = "sources/topics/nato-spending.yaml"


@dataclass
class Served:
    root: Path
    port: int
    results: queue.Queue[RebuildResult]

    def get(self, path: str, *, method: str = "GET",
            headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=TIMEOUT)
        try:
            connection.putrequest(method, path, skip_host=headers is not None and "Host" in headers)
            for name, value in (headers or {}).items():
                connection.putheader(name, value)
            connection.endheaders()
            response = connection.getresponse()
            return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
        finally:
            connection.close()

    def text(self, path: str) -> str:
        status, _, body = self.get(path)
        assert status == 200, (path, status)
        return body.decode("utf-8")

    def next_build(self) -> RebuildResult:
        """The next build's last pass (HTML, then Markdown)."""
        first = self.results.get(timeout=TIMEOUT)
        if first.report is None:
            return first
        return self.results.get(timeout=TIMEOUT)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    with running_preview(tmp_path) as (root, url, results):
        port = int(re.fullmatch(r"http://127\.0\.0\.1:(\d+)/", url).group(1))  # type: ignore[union-attr]
        server = Served(root, port, results)
        initial = server.next_build()
        assert initial.ok, initial.problems
        yield server


def test_the_index_lists_each_briefing_with_its_title_dates_and_outputs(served: Served) -> None:
    index = served.text("/")
    for briefing_id, title in (("nato-spending", "NATO defence spending"),
                               ("coalition-of-the-willing", "The “coalition of the willing”"),
                               ("european-security-overview", "European security and support for Ukraine")):
        assert f"<h2>{title}</h2>" in index
        assert f'<a href="/{briefing_id}.html">HTML</a>' in index
        assert f'<a href="/{briefing_id}.md">Markdown</a>' in index
        assert f'href="/{briefing_id}.pdf"' not in index  # not built here: no link
    assert "facts as of 2025-09-10" in index
    assert "facts as of 2025-06-23 to 2025-09-10" in index


def test_pages_are_served_with_the_reload_script_which_the_files_on_disk_lack(served: Served) -> None:
    status, headers, body = served.get("/nato-spending.html")
    assert status == 200 and headers["content-type"] == "text/html; charset=utf-8"
    page = body.decode("utf-8")
    assert re.search(r"<script>\n/\* Added by `briefings serve`.*</script>\n</body>\n</html>\s*$", page, re.S)
    assert 'var page = "nato-spending"' in page and EVENTS_PATH in page
    on_disk = (served.root / "output/nato-spending.html").read_text(encoding="utf-8")
    assert "<script" not in on_disk
    status, headers, body = served.get("/nato-spending.md")
    assert status == 200 and headers["content-type"] == "text/markdown; charset=utf-8"
    assert body == (served.root / "output/nato-spending.md").read_bytes()
    status, headers, body = served.get("/nato-spending.md", method="HEAD")
    assert status == 200 and body == b"" and int(headers["content-length"]) > 0
    assert headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize("path", [
    "/../briefings.yaml", "/%2e%2e/briefings.yaml", "/..%2fbriefings.yaml", "/.briefings/manifest.json",
    "/.briefings/lock", "/%2ebriefings/cache.json", "/nowhere.html", "/sources/references.yaml",
    "//etc/passwd", "/output/../briefings.yaml", "/escape.yaml", "/editions", "/nato-spending.html/",
])
def test_nothing_outside_output_nor_its_dotfiles_is_served(served: Served, path: str) -> None:
    (served.root / "output/escape.yaml").symlink_to(served.root / "briefings.yaml")
    (served.root / "output/editions").mkdir()
    status, _, body = served.get(path)
    assert status == 404, path
    assert b"OFFICIAL" not in body


def test_resolve_output_file_refuses_symbolic_links_out(tmp_path: Path) -> None:
    output = tmp_path / "output"
    output.mkdir()
    (tmp_path / "secret.txt").write_text("secret", encoding="utf-8")
    (output / "link.txt").symlink_to(tmp_path / "secret.txt")
    (output / "dir").symlink_to(tmp_path)
    (output / "page.html").write_text("page", encoding="utf-8")
    (output / "inside.html").symlink_to(output / "page.html")
    assert resolve_output_file(output, "/link.txt") is None
    assert resolve_output_file(output, "/dir/secret.txt") is None
    assert resolve_output_file(output, "/page.html") == (output / "page.html").resolve()
    assert resolve_output_file(output, "/inside.html") == (output / "page.html").resolve()


def test_only_get_and_head_and_only_this_host(served: Served) -> None:
    for method in ("POST", "PUT", "DELETE", "OPTIONS"):
        status, headers, _ = served.get("/", method=method)
        assert status == 405 and headers["allow"] == "GET, HEAD"
    assert served.get("/", headers={"Host": "evil.example"})[0] == 403
    assert served.get("/", headers={"Host": f"localhost:{served.port}"})[0] == 200


def test_it_binds_127_0_0_1_only(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="127.0.0.1 only"):
        PreviewServer(tmp_path, host="0.0.0.0", port=0)
    server = PreviewServer(tmp_path, port=0)
    try:
        assert server.httpd.server_address[0] == "127.0.0.1"
        assert server.url == f"http://127.0.0.1:{server.port}/"
    finally:
        server.stop()


def test_a_port_in_use_is_a_problem(served: Served, tmp_path: Path) -> None:
    from briefings.errors import ProblemsFound

    with pytest.raises(ProblemsFound, match="cannot serve on 127.0.0.1"):
        PreviewServer(tmp_path, port=served.port)


def test_a_failed_build_shows_its_problems_in_every_page_until_fixed(served: Served) -> None:
    good = (served.root / NATO).read_text(encoding="utf-8")
    (served.root / NATO).write_text(good + "\nfacts: [<b>not closed\n", encoding="utf-8")
    broken = served.next_build()
    assert not broken.ok
    for path in ("/", "/nato-spending.html", "/drone-coproduction.html"):
        page = served.text(path)
        assert 'id="briefings-preview-problems"' in page
        assert f"<li>{NATO}:" in page
        assert "<b>not" not in page  # the problems are escaped
    assert "NATO leaders were due" in served.text("/nato-spending.html")  # the last good version
    state = read_first_event(served)
    assert state["errors"] != ""

    (served.root / NATO).write_text(good.replace("NATO leaders", "Fixed NATO leaders", 1), encoding="utf-8")
    fixed = served.next_build()
    assert fixed.ok, fixed.problems
    page = served.text("/nato-spending.html")
    assert "briefings-preview-problems" not in page and "Fixed NATO leaders" in page
    state = read_first_event(served)
    assert state["errors"] == "" and state["rebuilt"]["nato-spending"] == state["generation"] - 1


def read_first_event(served: Served) -> dict[str, object]:
    connection = http.client.HTTPConnection("127.0.0.1", served.port, timeout=TIMEOUT)
    try:
        connection.request("GET", EVENTS_PATH)
        response = connection.getresponse()
        assert response.status == 200
        assert response.getheader("Content-Type") == "text/event-stream; charset=utf-8"
        event = None
        while True:
            line = response.fp.readline().decode("utf-8").rstrip("\n")
            if line.startswith("event: "):
                event = line[len("event: "):]
            elif line.startswith("data: ") and event == "state":
                return json.loads(line[len("data: "):])  # type: ignore[no-any-return]
    finally:
        connection.close()


def test_editions_are_listed_when_there_are_any(served: Served) -> None:
    editions = served.root / "output/editions/nato-spending"
    editions.mkdir(parents=True)
    for number, day in ((1, "2026-11-16"), (2, "2026-11-23")):
        for suffix in ("pdf", "json"):
            (editions / f"nato-spending-edition-000{number}-{day}.{suffix}").write_bytes(b"%PDF-1.7 edition")
    (editions / "nato-spending-edition-0002-2026-11-23.html").unlink(missing_ok=True)
    (editions / ".hidden").write_text("no", encoding="utf-8")
    index = served.text("/")
    newest = index.index("Edition 2 · 2026-11-23")
    assert newest < index.index("Edition 1 · 2026-11-16")  # newest first
    assert '<a href="/editions/nato-spending/nato-spending-edition-0002-2026-11-23.pdf">PDF</a>' in index
    assert '<a href="/editions/nato-spending/nato-spending-edition-0002-2026-11-23.json">JSON</a>' in index
    assert "nato-spending-edition-0002-2026-11-23.html" not in index  # no such file: no link
    assert ".hidden" not in index
    status, headers, body = served.get("/editions/nato-spending/nato-spending-edition-0001-2026-11-16.pdf")
    assert status == 200 and headers["content-type"] == "application/pdf" and body == b"%PDF-1.7 edition"


def test_served_pages_are_valid_html5_banner_and_script_included(served: Served, tmp_path: Path) -> None:
    java = require_tool("java")
    if not VNU_JAR.is_file():
        pytest.fail(f"the Nu HTML checker is missing ({VNU_JAR}): run .ci/setup, which installs it from npm")
    good = (served.root / NATO).read_text(encoding="utf-8")
    (served.root / NATO).write_text(good + "\nfacts: [<b>not closed\n", encoding="utf-8")
    assert not served.next_build().ok
    pages = tmp_path / "served"
    pages.mkdir()
    editions = served.root / "output/editions/nato-spending"
    editions.mkdir(parents=True)
    (editions / "nato-spending-edition-0001-2026-11-16.pdf").write_bytes(b"%PDF")
    (editions / "nato-spending-edition-0001-2026-11-16.json").write_bytes(b"{}")
    for name, path in (("index.html", "/"), ("nato-spending.html", "/nato-spending.html")):
        (pages / name).write_text(served.text(path), encoding="utf-8")
    run = subprocess.run([java, "-jar", str(VNU_JAR), "--format", "json", *map(str, sorted(pages.iterdir()))],
                         capture_output=True, text=True, timeout=300, env={**os.environ})
    messages = json.loads(run.stderr)["messages"]
    failures = [f"{m.get('url', '').rsplit('/', 1)[-1]}:{m.get('lastLine', '?')}: {m['type']}: {m['message']}"
                for m in messages
                if (m["type"] != "info" or "obsolete" in m["message"])
                and not any(pattern.search(m["message"]) for pattern in PAGED_MEDIA_CSS)]
    assert not failures, "\n".join(failures)
