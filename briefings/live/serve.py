"""The live preview: the HTML drafts served on 127.0.0.1, rebuilt and reloaded as the sources change.

Contract: :func:`serve_project` serves the project's ``output/`` and an index
page at ``/`` (each briefing with its title, as-of dates and links to its
HTML, PDF and Markdown as far as they exist and are served, and the files of
``output/editions/<id>/``, newest first, when there are any), and meanwhile rebuilds through
the same watcher core as ``watch`` (:class:`briefings.live.watch.ProjectWatcher`,
HTML first, then the other formats) until ``stop_event`` is set.

The pages the preview makes itself (the index, the problems banner and
reload script added to served pages, the page shown while ``output/`` is
refused) are Jinja templates in ``briefings/live_templates/``, rendered with
autoescaping on: file names in ``output/`` and problem messages may hold any
character. They are package data but not briefing templates (``templates
list`` does not show them).

Every HTML page it serves (never the file on disk) gets, just before
``</body>``, a small inline script that listens to Server-Sent Events at
``/_briefings/events`` and reloads the page when its briefing's HTML was
written again or the build's error state changed (the index reloads after
every build). While the last build failed, every served page also shows a
banner listing its problems as ``path:LINE: message`` (HTML-escaped) above
the last good version; the fixed build clears it by itself. Each event
carries the whole state (a build counter, the counter at which each
briefing's HTML was last written, a digest of the current problems), and
each page is served with the counter it was made at, so a build that ends
between serving a page and its script connecting is not missed.

Safety: the server binds 127.0.0.1 only (any other host is refused with
``ValueError``) and answers only requests whose ``Host`` is
``127.0.0.1:PORT`` or ``localhost:PORT`` (so a web page elsewhere cannot
reach it through a DNS name rebound to this machine). It serves regular files
inside ``output/`` only: no ``..``, no dotfiles or dot-directories (the
build's ``output/.briefings/`` bookkeeping, temporaries), no symbolic link
leading out of ``output/``; anything else is 404. ``output/`` itself is vetted
as the build vets it: one linked out of the project (or whose ``.briefings/``
is) is refused at start (:class:`~briefings.errors.ProblemsFound`), and if it
becomes so while serving, every request is answered 403 with a page naming the
problem, and nothing of it is read. A file is opened without following a link
in its last component and, where the system can say which file was opened
(``/proc/self/fd`` on Linux, ``F_GETPATH`` on macOS), served only if that is
inside ``output/``, so a directory swapped for a link between the check and the
read serves nothing either. The index links only files it would serve. GET and
HEAD only (405 otherwise); content types are fixed by suffix, with ``nosniff``
and ``no-store``.

Why the standard library's :class:`http.server.ThreadingHTTPServer`: a
preview for one person on one machine needs a handful of routes, one
streaming response and no performance; the standard library serves that with
no new dependency and no event loop to reconcile with the watcher's thread,
and every request handler here is small enough to read whole. A thread per
connection suits Server-Sent Events, which hold their connection open.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import stat
import threading
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote, urlsplit

import jinja2

from briefings.errors import Problem, ProblemsFound
from briefings.files import check_project_dir
from briefings.live.watch import ProjectWatcher, RebuildResult, written_formats
from briefings.paths import EDITIONS_NAME, OUTPUT_DIR

if TYPE_CHECKING:
    from briefings.project.model import Project

HOST = "127.0.0.1"
DEFAULT_PORT = 8000
EVENTS_PATH = "/_briefings/events"
#: The preview's own pages (not briefing templates: kept apart from ``briefings/templates/``).
LIVE_TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "live_templates"
#: The newest editions of each briefing listed on the index (the rest are counted).
MAX_EDITIONS_SHOWN = 10
#: Seconds between keep-alive comments on an idle event stream (and the longest a stream outlives the server).
KEEPALIVE_SECONDS = 10.0

CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8", ".md": "text/markdown; charset=utf-8", ".pdf": "application/pdf",
    ".css": "text/css; charset=utf-8", ".txt": "text/plain; charset=utf-8", ".json": "application/json",
    ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif",
    ".svg": "image/svg+xml", ".webp": "image/webp", ".zip": "application/zip",
}


class PreviewState:
    """What the preview knows about the builds, shared between the watcher and the request threads."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self.generation = 0
        #: For each briefing, the generation at which its HTML was last written.
        self.rebuilt: dict[str, int] = {}
        #: The problems of the last build, as printed (empty when it succeeded).
        self.problems: tuple[str, ...] = ()
        #: The project as the last successful build loaded it.
        self.project: Project | None = None
        self.building = True
        self.stopping = False

    def update(self, result: RebuildResult) -> None:
        with self._changed:
            self.generation += 1
            if result.report is None:
                self.problems = tuple(str(problem) for problem in result.problems)
            else:
                self.problems = ()
                self.project = result.report.project
                for briefing_id, formats in written_formats(result.report).items():
                    if "html" in formats:
                        self.rebuilt[briefing_id] = self.generation
            self.building = False
            self._changed.notify_all()

    def stop(self) -> None:
        with self._changed:
            self.stopping = True
            self._changed.notify_all()

    @property
    def errors_key(self) -> str:
        """A short digest of the current problems ("" when there are none)."""
        if not self.problems:
            return ""
        return hashlib.sha256("\n".join(self.problems).encode()).hexdigest()[:16]

    def snapshot(self) -> dict[str, Any]:
        with self._changed:
            return {"generation": self.generation, "rebuilt": dict(self.rebuilt), "errors": self.errors_key}

    def wait_for_change(self, seen: int, timeout: float) -> bool:
        """Wait until a build newer than ``seen`` ended (True) or ``timeout`` passed or the server stops (False)."""
        with self._changed:
            self._changed.wait_for(lambda: self.generation != seen or self.stopping, timeout)
            return self.generation != seen and not self.stopping


# -- what is added to served pages ------------------------------------------------------------------------------


@functools.cache
def _pages() -> jinja2.Environment:
    """The environment of the preview's own pages: autoescaped whatever the templates' names end in."""
    return jinja2.Environment(loader=jinja2.FileSystemLoader(LIVE_TEMPLATES_DIR), autoescape=True,
                              undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                              keep_trailing_newline=True)


def _render(name: str, **context: Any) -> str:
    return _pages().get_template(name).render(**context)


def live_additions(state: PreviewState, page: str | None) -> str:
    """The problems banner (if the last build failed) and the reload script, for a page showing briefing ``page``
    (None: the index, which reloads after every build)."""
    with state._changed:
        generation, errors, problems = state.generation, state.errors_key, state.problems
    return _render("additions.html.j2", problems=problems, page=page, generation=generation, errors=errors,
                   events=EVENTS_PATH)


def inject(document: bytes, additions: str) -> bytes:
    """``document`` with ``additions`` just before its last ``</body>`` (at the end if it has none)."""
    text = document.decode("utf-8", errors="replace")
    at = text.lower().rfind("</body>")
    if at < 0:
        return (text + additions).encode("utf-8")
    return (text[:at] + additions + text[at:]).encode("utf-8")


# -- the index --------------------------------------------------------------------------------------------------


def index_page(root: Path, state: PreviewState) -> bytes:
    """The index: every briefing with its title, as-of dates, links to its outputs, and its editions."""
    output = root / OUTPUT_DIR
    project = state.project
    if project is not None:
        briefings = [(briefing.id, briefing.title, _as_of_text(briefing)) for briefing in project.briefings]
    else:  # no successful build yet: what output/ holds (its names may be anything: the template escapes them)
        stems = sorted({path.stem for path in output.glob("*.html") if not path.name.startswith(".")}) \
            if output.is_dir() else []
        briefings = [(stem, stem, "") for stem in stems]
    entries = []
    for briefing_id, title, as_of in briefings:
        links = _links(output, [f"{briefing_id}.{suffix}" for suffix in ("html", "pdf", "md")])
        entries.append({"id": briefing_id, "title": title, "as_of": as_of, "links": links,
                        **_editions(output, briefing_id)})
    document = _render("index.html.j2", output=str(output), entries=entries, building=state.building)
    return inject(document.encode("utf-8"), live_additions(state, None))


def refused_page(root: Path, state: PreviewState, problem: Problem) -> bytes:
    """What every request is answered while ``output/`` is refused: the problem, and the reload script."""
    document = _render("refused.html.j2", output=str(root / OUTPUT_DIR), problem=str(problem))
    return inject(document.encode("utf-8"), live_additions(state, None))


_LABELS = {"html": "HTML", "pdf": "PDF", "md": "Markdown", "json": "JSON"}


def _links(output: Path, relative_paths: list[str]) -> list[dict[str, str]]:
    """A link to each of ``relative_paths`` (inside ``output``) that would be served, labelled by its format."""
    links = []
    for relative in relative_paths:
        url = "/" + quote(relative)
        if resolve_output_file(output, url) is not None:
            links.append({"href": url, "label": _LABELS[relative.rsplit(".", 1)[-1]]})
    return links


def _as_of_text(briefing: Any) -> str:
    if len(briefing.topics) <= 1 or briefing.as_of == briefing.latest_as_of:
        return f" — facts as of {briefing.as_of.isoformat()}"
    topics = ", ".join(f"{topic.id} {topic.as_of.isoformat()}" for topic in briefing.topics)
    return f" — facts as of {briefing.as_of.isoformat()} to {briefing.latest_as_of.isoformat()} ({topics})"


def _editions(output: Path, briefing_id: str) -> dict[str, Any]:
    """The briefing's published editions, newest first: number, date and a link to each of its files served."""
    from briefings.editions.store import file_name, list_editions
    from briefings.files import FileProblem

    try:
        editions = list_editions(output, output.parent, briefing_id)
    except FileProblem:  # output/editions/ linked out of the project: nothing of it is shown (or served)
        return {"editions": [], "earlier": 0}
    rows = []
    for edition in reversed(editions[-MAX_EDITIONS_SHOWN:]):
        names = [f"{EDITIONS_NAME}/{briefing_id}/{file_name(briefing_id, edition.number, edition.date, suffix)}"
                 for suffix in ("html", "pdf", "md", "json")]
        links = _links(output, names)
        if links:  # none when output/editions/ leads elsewhere in the project: nothing there is served
            rows.append({"number": edition.number, "date": edition.date.isoformat(), "links": links})
    return {"editions": rows, "earlier": max(len(editions) - MAX_EDITIONS_SHOWN, 0) if rows else 0}


# -- the server -------------------------------------------------------------------------------------------------


def output_problem(root: Path) -> Problem | None:
    """Why the project's ``output/`` must not be served from (linked out of the project, not a directory), if so."""
    return check_project_dir(root / OUTPUT_DIR, root)


def resolve_output_file(output: Path, url_path: str) -> Path | None:
    """The regular file inside ``output`` that ``url_path`` names, or None if it names nothing it may serve.

    ``output`` is a project's output directory: if it leads out of the project (its parent), nothing is served.
    """
    resolved = _resolve(output, url_path)
    return Path(resolved[0]) if resolved is not None else None


def _resolve(output: Path, url_path: str) -> tuple[str, str] | None:
    """The real path of the file ``url_path`` names and the real path of ``output`` it was found inside."""
    relative = unquote(url_path)
    if "\\" in relative or "\0" in relative or not relative.startswith("/"):
        return None
    parts = relative[1:].split("/")
    if any(part in ("", ".", "..") or part.startswith(".") for part in parts):
        return None
    # Resolved once, and the file looked for inside what was vetted (a second realpath could see a swapped link).
    base = os.path.realpath(output)
    if not Path(base).is_relative_to(os.path.realpath(output.parent)) or not os.path.isdir(base):
        return None
    target = os.path.realpath(os.path.join(base, *parts))
    if not _inside(target, base) or not os.path.isfile(target):
        return None
    return target, base


def _inside(path: str, base: str) -> bool:
    """Whether the real path ``path`` is inside the real directory ``base`` and no part of it is hidden."""
    inside = os.path.relpath(path, base)
    return not (inside.startswith("..") or os.path.isabs(inside)
                or any(part.startswith(".") for part in inside.split(os.sep)))


def read_output_file(target: str, base: str) -> bytes | None:
    """The bytes of ``target`` if the file opened is still inside ``base`` (both from :func:`_resolve`).

    ``output/`` or a directory on the way may have been swapped for a link since ``target`` was resolved: the
    last component is opened without following a link, and the file opened is checked by the path the system
    gives for it, where it gives one. None if it cannot or must not be read.
    """
    try:
        descriptor = os.open(target, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):  # replaced by a FIFO or device since: never read
            return None
        opened = _opened_path(descriptor)
        if opened is not None and not _inside(opened, base):
            return None
        with os.fdopen(os.dup(descriptor), "rb") as handle:
            return handle.read()
    except OSError:
        return None
    finally:
        os.close(descriptor)


def _opened_path(descriptor: int) -> str | None:
    """The path of the file open as ``descriptor``, as the system gives it (None where it cannot)."""
    try:
        return os.readlink(f"/proc/self/fd/{descriptor}")  # Linux
    except OSError:
        pass
    try:
        import fcntl
    except ImportError:  # Windows: no such call; the check before opening is all there is
        return None
    get_path = getattr(fcntl, "F_GETPATH", None)  # macOS
    if get_path is None:
        return None
    try:
        return os.fsdecode(fcntl.fcntl(descriptor, get_path, bytes(1024)).split(b"\0", 1)[0])
    except OSError:
        return None


class _Handler(BaseHTTPRequestHandler):
    server: _PreviewHTTPServer
    server_version = "briefings-preview"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        pass  # the terminal shows builds, not requests

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self._respond(body=True)

    def do_HEAD(self) -> None:  # noqa: N802
        self._respond(body=False)

    def _refuse_method(self) -> None:
        self._send(HTTPStatus.METHOD_NOT_ALLOWED, b"Only GET and HEAD.\n", "text/plain; charset=utf-8", True,
                   extra={"Allow": "GET, HEAD"})

    do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_TRACE = do_CONNECT = _refuse_method  # noqa: N815

    def _respond(self, *, body: bool) -> None:
        preview = self.server.preview
        if self.headers.get("Host", preview.host_header) not in preview.allowed_hosts:
            self._send(HTTPStatus.FORBIDDEN, b"Not this host.\n", "text/plain; charset=utf-8", body)
            return
        path = urlsplit(self.path).path
        if path == EVENTS_PATH:
            self._events(body)
            return
        # Vetted on every request: output/ may be swapped for a link out of the project while serving.
        problem = output_problem(preview.root)
        if problem is not None:
            self._send(HTTPStatus.FORBIDDEN, refused_page(preview.root, preview.state, problem),
                       CONTENT_TYPES[".html"], body)
        elif path == "/":
            self._send(HTTPStatus.OK, index_page(preview.root, preview.state), CONTENT_TYPES[".html"], body)
        else:
            self._file(path, body)

    def _file(self, path: str, body: bool) -> None:
        preview = self.server.preview
        resolved = _resolve(preview.root / OUTPUT_DIR, path)
        data = read_output_file(*resolved) if resolved is not None else None
        if resolved is None or data is None:
            self._send(HTTPStatus.NOT_FOUND, b"Not found.\n", "text/plain; charset=utf-8", body)
            return
        target, base = Path(resolved[0]), resolved[1]
        suffix = target.suffix.lower()
        if suffix == ".html":
            page = target.stem if str(target.parent) == base else ""
            data = inject(data, live_additions(preview.state, page))
        self._send(HTTPStatus.OK, data, CONTENT_TYPES.get(suffix, "application/octet-stream"), body)

    def _events(self, body: bool) -> None:
        state = self.server.preview.state
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()
        if not body:
            return
        try:
            self.wfile.write(b"retry: 1000\n\n")
            seen = -1
            while not state.stopping:
                snapshot = state.snapshot()
                if snapshot["generation"] != seen:
                    seen = snapshot["generation"]
                    self.wfile.write(f"event: state\ndata: {json.dumps(snapshot)}\n\n".encode())
                else:
                    self.wfile.write(b": still here\n\n")
                self.wfile.flush()
                state.wait_for_change(seen, KEEPALIVE_SECONDS)
        except (BrokenPipeError, ConnectionResetError, TimeoutError):
            pass  # the page went away
        self.close_connection = True

    def _send(self, status: HTTPStatus, data: bytes, content_type: str, body: bool,
              extra: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if body:
            try:
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass


class _PreviewHTTPServer(ThreadingHTTPServer):
    daemon_threads = True  # an open event stream never holds up stopping
    allow_reuse_address = True
    preview: PreviewServer


class PreviewServer:
    """The HTTP side of the preview, bound to 127.0.0.1 on ``port`` (0: any free port) as soon as it is made."""

    def __init__(self, root: Path, *, port: int = DEFAULT_PORT, host: str = HOST,
                 state: PreviewState | None = None) -> None:
        if host != HOST:
            raise ValueError(f"the preview serves on {HOST} only, not {host!r}")
        self.root = Path(root).absolute()
        self.state = state or PreviewState()
        try:
            self.httpd = _PreviewHTTPServer((HOST, port), _Handler)
        except OSError as error:
            raise ProblemsFound([Problem("--port", None, f"cannot serve on {HOST}:{port}: {error.strerror}; "
                                         "choose another port, or --port 0 for any free one")]) from None
        self.httpd.preview = self
        self.port: int = self.httpd.server_address[1]
        self.host_header = f"{HOST}:{self.port}"
        self.allowed_hosts = {f"{HOST}:{self.port}", f"localhost:{self.port}"}
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}/"

    def start(self) -> None:
        self._thread = threading.Thread(target=self.httpd.serve_forever, name="briefings-preview", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self.state.stop()
        if self._thread is not None:
            self.httpd.shutdown()
            self._thread.join()
        self.httpd.server_close()


def serve_project(root: Path, *, stop_event: threading.Event, port: int = DEFAULT_PORT,
                  on_ready: Callable[[str], None] | None = None,
                  on_result: Callable[[RebuildResult], None] | None = None,
                  build_options: dict[str, Any] | None = None, force_polling: bool | None = None,
                  debounce_ms: int | None = None, step_ms: int | None = None) -> None:
    """Serve the preview and rebuild on every change until ``stop_event`` is set; see the module docstring.

    ``on_ready(url)`` is called once the server listens (before the initial build).
    """
    from briefings.build.writer import check_output_directory

    root = Path(root).absolute()
    if not root.is_dir():
        raise ProblemsFound([Problem(str(root), None, "the project directory does not exist")])
    # The build's own check, before the port is taken: an output/ it refuses (linked out of the project, say)
    # would otherwise be served from while every build fails.
    problems = check_output_directory(root)
    if problems:
        raise ProblemsFound(problems)
    server = PreviewServer(root, port=port)

    def record(result: RebuildResult) -> None:
        server.state.update(result)
        if on_result is not None:
            on_result(result)

    timing = {key: value for key, value in (("debounce_ms", debounce_ms), ("step_ms", step_ms)) if value is not None}
    watcher = ProjectWatcher(root, on_result=record, build_options=build_options, html_first=True,
                             force_polling=force_polling, **timing)  # type: ignore[arg-type]
    server.start()
    try:
        if on_ready is not None:
            on_ready(server.url)
        watcher.run(stop_event)
    finally:
        server.stop()
