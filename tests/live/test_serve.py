"""briefings serve over plain HTTP: the server and its watcher in threads, asked with http.client."""

from __future__ import annotations

import http.client
import json
import os
import queue
import re
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote, unquote

import pytest
from click.testing import CliRunner

from briefings.cli import main
from briefings.live.confine import resolve_output_file
from briefings.live.pages import EVENTS_PATH
from briefings.live.serve import PreviewServer
from briefings.live.watch import RebuildResult
from briefings.render.catalog import builtin_names
from tests.conftest import PAGED_MEDIA_CSS, REPO_ROOT, VNU_JAR, copy_example, require_tool, running_preview

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
    # hard-to-spot forms: double-encoded dots, backslashes, NUL bytes
    "/%252e%252e/briefings.yaml", "/%2e%2e%2fbriefings.yaml", "/..%5cbriefings.yaml", "/%5c..%5cbriefings.yaml",
    "/editions%5c..%5c..%5cbriefings.yaml", "/nato-spending.html%00", "/nato-spending.html%00.md", "/%00",
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
    (tmp_path / "outside").mkdir()
    (served.root / "output").rename(served.root / "output-moved")
    (served.root / "output").symlink_to(tmp_path / "outside", target_is_directory=True)
    status, _, refused = served.get("/")
    assert status == 403
    (pages / "refused.html").write_bytes(refused)
    run = subprocess.run([java, "-jar", str(VNU_JAR), "--format", "json", *map(str, sorted(pages.iterdir()))],
                         capture_output=True, text=True, timeout=300, env={**os.environ})
    messages = json.loads(run.stderr)["messages"]
    failures = [f"{m.get('url', '').rsplit('/', 1)[-1]}:{m.get('lastLine', '?')}: {m['type']}: {m['message']}"
                for m in messages
                if (m["type"] != "info" or "obsolete" in m["message"])
                and not any(pattern.search(m["message"]) for pattern in PAGED_MEDIA_CSS)]
    assert not failures, "\n".join(failures)


# -- an output/ or a part of it linked out of the project ------------------------------------------------------

OUTPUT_LINKED_OUT = "is a symbolic link to a directory outside the project: refused"


@pytest.mark.parametrize("linked", ["output", "output/.briefings"])
def test_serve_refuses_at_start_an_output_linked_out_of_the_project(tmp_path: Path, linked: str) -> None:
    root = copy_example(tmp_path / "project")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("SECRET", encoding="utf-8")
    (root / linked).parent.mkdir(parents=True, exist_ok=True)
    (root / linked).symlink_to(outside, target_is_directory=True)
    run = subprocess.run([sys.executable, "-m", "briefings", "serve", "--project", str(root), "--port", "0"],
                         capture_output=True, text=True, timeout=TIMEOUT, cwd=tmp_path)
    assert (run.returncode, run.stdout) == (1, "")  # refused before serving anything
    assert run.stderr == f"{linked}: {OUTPUT_LINKED_OUT}\nserve failed: 1 error.\n"
    assert sorted(path.name for path in outside.iterdir()) == ["secret.txt"]  # nothing written there


def test_output_swapped_for_a_link_out_while_serving_gets_an_error_never_the_outside_file(
        served: Served, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    (outside / "editions/nato-spending").mkdir(parents=True)
    (outside / "secret.txt").write_text("SECRET text", encoding="utf-8")
    (outside / "nato-spending.html").write_text("<p>SECRET page</p>", encoding="utf-8")
    (outside / "editions/nato-spending/nato-spending-edition-0001-2026-11-16.json").write_text(
        '"SECRET edition"', encoding="utf-8")
    output = served.root / "output"
    moved = served.root / "output-moved"
    output.rename(moved)
    output.symlink_to(outside, target_is_directory=True)
    for path in ("/secret.txt", "/nato-spending.html", "/", "/editions/nato-spending/"
                 "nato-spending-edition-0001-2026-11-16.json", "/%2e%2e/secret.txt"):
        for method in ("GET", "HEAD"):
            status, headers, body = served.get(path, method=method)
            assert status in (403, 404), (path, method, status)
            assert b"SECRET" not in body and b"secret.txt" not in body
    status, headers, body = served.get("/")
    assert status == 403 and headers["content-type"] == "text/html; charset=utf-8"
    page = body.decode("utf-8")
    assert f"output: {OUTPUT_LINKED_OUT}" in page
    assert "Added by `briefings serve`" in page  # reloads by itself once a build follows the repair
    output.unlink()
    moved.rename(output)
    assert "NATO leaders were due" in served.text("/nato-spending.html")
    assert '<a href="/nato-spending.html">HTML</a>' in served.text("/")


@pytest.mark.parametrize("layout", ["editions", "editions/nato-spending", "editions into the project",
                                    "file", "html"])
def test_links_inside_output_leading_out_of_it_are_neither_served_nor_listed(
        served: Served, tmp_path: Path, layout: str) -> None:
    outside = tmp_path / "outside" if layout != "editions into the project" else served.root / "elsewhere"
    (outside / "nato-spending").mkdir(parents=True)
    edition = "nato-spending-edition-0001-2026-11-16"
    for directory in (outside, outside / "nato-spending"):
        (directory / f"{edition}.json").write_text('"SECRET edition"', encoding="utf-8")
        (directory / f"{edition}.pdf").write_bytes(b"%PDF SECRET")
    (outside / "secret.txt").write_text("SECRET text", encoding="utf-8")
    output = served.root / "output"
    if layout in ("editions", "editions into the project"):
        (output / "editions").symlink_to(outside, target_is_directory=True)
    elif layout == "editions/nato-spending":
        (output / "editions").mkdir()
        (output / "editions/nato-spending").symlink_to(outside / "nato-spending", target_is_directory=True)
    elif layout == "file":
        (output / "secret.txt").symlink_to(outside / "secret.txt")
    else:  # a briefing's own HTML replaced by a link out
        (output / "nato-spending.html").unlink()
        (output / "nato-spending.html").symlink_to(outside / "secret.txt")
    for path in ("/secret.txt", "/nato-spending.html", f"/editions/nato-spending/{edition}.json",
                 f"/editions/nato-spending/{edition}.pdf", f"/editions/nato-spending/nato-spending/{edition}.pdf"):
        status, _, body = served.get(path)
        assert b"SECRET" not in body, path
        assert status == 404 or path == "/nato-spending.html" and layout != "html", (path, status)
    index = served.text("/")
    assert "SECRET" not in index and edition not in index and "Edition 1" not in index
    if layout == "html":  # the index links only what is served
        assert 'href="/nato-spending.html"' not in index and '<a href="/nato-spending.md">Markdown</a>' in index


def test_resolve_output_file_refuses_an_output_linked_out_of_the_project(tmp_path: Path) -> None:
    project, outside = tmp_path / "project", tmp_path / "outside"
    project.mkdir()
    outside.mkdir()
    (outside / "secret.txt").write_text("secret", encoding="utf-8")
    (project / "output").symlink_to(outside, target_is_directory=True)
    assert resolve_output_file(project / "output", "/secret.txt") is None



@pytest.mark.skipif(not Path("/proc/self/fd").is_dir() and sys.platform != "darwin",
                    reason="the system does not say which file a descriptor has open")
def test_a_file_found_inside_is_not_read_once_a_directory_on_its_way_is_swapped_for_a_link_out(
        tmp_path: Path) -> None:
    from briefings.live.confine import read_output_file

    project, outside = tmp_path / "project", tmp_path / "outside"
    (project / "output/editions/one").mkdir(parents=True)
    (outside / "editions/one").mkdir(parents=True)
    for base in (project / "output", outside):
        (base / "page.html").write_text("SECRET" if base == outside else "inside", encoding="utf-8")
        (base / "editions/one/one.pdf").write_text("SECRET" if base == outside else "inside", encoding="utf-8")
    output, real_output = project / "output", os.path.realpath(project / "output")
    found = {url: str(resolve_output_file(output, url)) for url in ("/page.html", "/editions/one/one.pdf")}
    assert [read_output_file(target, real_output) for target in found.values()] == [b"inside", b"inside"]
    # the check is done, then output/editions is swapped for a link out: the open follows it, the read does not
    (output / "editions").rename(project / "editions-moved")
    (output / "editions").symlink_to(outside / "editions", target_is_directory=True)
    assert read_output_file(found["/editions/one/one.pdf"], real_output) is None
    # likewise output/ itself
    output.rename(project / "output-moved")
    output.symlink_to(outside, target_is_directory=True)
    assert read_output_file(found["/page.html"], real_output) is None


# -- the preview's own pages: Jinja templates, escaped --------------------------------------------------------

HOSTILE_NAME = 'q"><img src=x onerror=alert(1)>'


class _Elements(HTMLParser):
    """Every start tag with its attributes, and the text, of an HTML document."""

    def __init__(self, document: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.feed(document)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_a_hostile_file_name_in_output_is_escaped_in_the_index_of_a_failed_build(tmp_path: Path) -> None:
    def prepare(root: Path) -> None:
        topic = root / NATO
        topic.write_text(topic.read_text(encoding="utf-8") + "\nfacts: [<b>not closed\n", encoding="utf-8")
        (root / "output").mkdir()
        (root / f"output/{HOSTILE_NAME}.html").write_text(
            "<!DOCTYPE html><html><body><p>hostile page</p></body></html>", encoding="utf-8")

    with running_preview(tmp_path, prepare) as (root, url, results):
        port = int(re.fullmatch(r"http://127\.0\.0\.1:(\d+)/", url).group(1))  # type: ignore[union-attr]
        served = Served(root, port, results)
        assert not served.next_build().ok  # no good build yet: the index lists what output/ holds
        index = served.text("/")
        parsed = _Elements(index)
        assert not [(tag, name) for tag, attributes in parsed.elements for name in attributes
                    if name.lower().startswith("on")]
        assert "img" not in {tag for tag, _ in parsed.elements}
        assert "&lt;img src=x onerror=alert(1)&gt;" in index  # the name is shown, escaped
        assert HOSTILE_NAME in "".join(parsed.text)
        assert 'id="briefings-preview-problems"' in index and f"<li>{NATO}:" in index
        hrefs = [attributes["href"] for tag, attributes in parsed.elements if tag == "a"]
        assert hrefs == [f"/{quote(HOSTILE_NAME)}.html"]
        assert unquote(hrefs[0]) == f"/{HOSTILE_NAME}.html"
        assert "hostile page" in served.text(hrefs[0])  # and its link leads to it


def test_the_previews_own_pages_are_package_data_but_not_briefing_templates(tmp_path: Path) -> None:
    from briefings.live.pages import LIVE_TEMPLATES_DIR

    own = sorted(path.name for path in LIVE_TEMPLATES_DIR.iterdir() if path.is_file())
    assert own and not set(own) & set(builtin_names())
    package_data = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    assert f"{LIVE_TEMPLATES_DIR.name}/*" in package_data["briefings"]
    listed = CliRunner().invoke(main, ["templates", "list", "--project", str(copy_example(tmp_path / "project"))])
    assert listed.exit_code == 0 and "briefing.html.j2" in listed.stdout
    assert not [name for name in own if name in listed.stdout]
