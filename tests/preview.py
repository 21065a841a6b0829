"""A live preview (``briefings serve``) of a copy of the example project, run in a thread for the tests."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from briefings.live.serve import serve_project
from briefings.live.watch import RebuildResult

from .conftest import copy_example

TIMEOUT = 60


@contextmanager
def running_preview(tmp_path: Path, prepare: Callable[[Path], None] | None = None,
                    ) -> Iterator[tuple[Path, str, queue.Queue[RebuildResult]]]:
    """Serve a copy of the example (Markdown and HTML) on a free port: its root, its URL and its builds' results.

    ``prepare(root)``, if given, alters the copy before the server starts. Ends the server when the block ends,
    and re-raises whatever the server thread raised.
    """
    root = copy_example(tmp_path / "example")
    if prepare is not None:
        prepare(root)
    urls: queue.Queue[str] = queue.Queue()
    results: queue.Queue[RebuildResult] = queue.Queue()
    stop = threading.Event()
    errors: list[BaseException] = []

    def run() -> None:
        try:
            serve_project(root, stop_event=stop, port=0, on_ready=urls.put, on_result=results.put,
                          build_options={"formats": ("md", "html"), "jobs": 1}, step_ms=50, debounce_ms=400)
        except BaseException as error:  # noqa: BLE001 - re-raised below
            errors.append(error)
            urls.put("")

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    url = urls.get(timeout=TIMEOUT)
    assert url, errors
    try:
        yield root, url, results
    finally:
        stop.set()
        thread.join(TIMEOUT)
    assert not thread.is_alive()
    if errors:
        raise errors[0]
