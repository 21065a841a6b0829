"""The live preview: the HTML drafts served on 127.0.0.1, rebuilt and reloaded as the sources change.

Contract: :func:`serve_project` serves the project's ``output/`` and an index
page at ``/`` (:mod:`briefings.live.pages`), and meanwhile rebuilds through
the same watcher core as ``watch`` (:class:`briefings.live.watch.ProjectWatcher`,
HTML first, then the other formats) until ``stop_event`` is set. Every HTML
page it serves (never the file on disk) gets the problems banner and the
reload script of :func:`briefings.live.pages.live_additions`; the script
listens at :data:`~briefings.live.pages.EVENTS_PATH`, where each build's end
is sent as a Server-Sent Event carrying the whole state.

Safety: the server binds 127.0.0.1 only (any other host is refused with
``ValueError``) and answers only requests whose ``Host`` is
``127.0.0.1:PORT`` or ``localhost:PORT`` (so a web page elsewhere cannot
reach it through a DNS name rebound to this machine). It serves regular files
inside ``output/`` only, as :mod:`briefings.live.confine` finds and reads
them; anything else is 404. ``output/`` itself is vetted as the build vets
it: one linked out of the project (or whose ``.briefings/`` is) is refused at
start (:class:`~briefings.errors.ProblemsFound`), and if it becomes so while
serving, every request is answered 403 with a page naming the problem, and
nothing of it is read. GET and HEAD only (405 otherwise); content types are
fixed by suffix, with ``nosniff`` and ``no-store``.

Why the standard library's :class:`http.server.ThreadingHTTPServer`: a
preview for one person on one machine needs a handful of routes, one
streaming response and no performance; the standard library serves that with
no new dependency and no event loop to reconcile with the watcher's thread,
and every request handler here is small enough to read whole. A thread per
connection suits Server-Sent Events, which hold their connection open.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from briefings.errors import Problem, ProblemsFound
from briefings.files import check_output_directory
from briefings.live.confine import locate, output_problem, read_output_file
from briefings.live.pages import EVENTS_PATH, PreviewState, index_page, inject, live_additions, refused_page
from briefings.live.watch import ProjectWatcher, RebuildResult
from briefings.paths import OUTPUT_DIR

HOST = "127.0.0.1"
DEFAULT_PORT = 8000
#: Seconds between keep-alive comments on an idle event stream (and the longest a stream outlives the server).
KEEPALIVE_SECONDS = 10.0

CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8", ".md": "text/markdown; charset=utf-8", ".pdf": "application/pdf",
    ".css": "text/css; charset=utf-8", ".txt": "text/plain; charset=utf-8", ".json": "application/json",
    ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif",
    ".svg": "image/svg+xml", ".webp": "image/webp", ".zip": "application/zip",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


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
        resolved = locate(preview.root / OUTPUT_DIR, path)
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
