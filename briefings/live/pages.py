"""What the live preview shows: the state of the builds, the index page, and what it adds to served pages.

Contract: :class:`PreviewState` is what the preview knows about the builds
(a build counter, the counter at which each briefing's HTML was last
written, the problems of the last build, the project it loaded), shared
between the watcher and the request threads. :func:`index_page` lists each
briefing with its title, as-of dates and links to its HTML, PDF and Markdown
as far as they exist and are served (:mod:`briefings.live.confine`), and the
files of ``output/editions/<id>/``, newest first, when there are any.
:func:`live_additions` is what every served HTML page gets just before
``</body>`` (:func:`inject`): while the last build failed, a banner listing
its problems as ``path:LINE: message``, and always a small script that
listens to Server-Sent Events at :data:`EVENTS_PATH` and reloads the page
when its briefing's HTML was written again or the build's error state
changed (the index reloads after every build). Each page carries the
counter it was made at, so a build that ends between serving a page and its
script connecting is not missed. :func:`refused_page` is shown while
``output/`` is refused.

These pages are Jinja templates in ``briefings/live_templates/``, rendered
with autoescaping on: file names in ``output/`` and problem messages may
hold any character. They are package data but not briefing templates
(``templates list`` does not show them).
"""

from __future__ import annotations

import functools
import hashlib
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import jinja2

from briefings.editions.store import file_name, list_editions
from briefings.errors import Problem
from briefings.files import FileProblem
from briefings.live.confine import resolve_output_file
from briefings.live.watch import RebuildResult, written_formats
from briefings.paths import EDITIONS_NAME, OUTPUT_DIR

if TYPE_CHECKING:
    from briefings.project.model import Project

#: Where the reload script listens for the Server-Sent Events :mod:`briefings.live.serve` sends after each build.
EVENTS_PATH = "/_briefings/events"
#: The preview's own pages (not briefing templates: kept apart from ``briefings/templates/``).
LIVE_TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "live_templates"
#: The newest editions of each briefing listed on the index (the rest are counted).
MAX_EDITIONS_SHOWN = 10


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


# -- the index -------------------------------------------------------------------------------------------------


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
        links = _links(output, [f"{briefing_id}.{suffix}" for suffix in ("html", "pdf", "docx", "md")])
        entries.append({"id": briefing_id, "title": title, "as_of": as_of, "links": links,
                        **_editions(output, briefing_id)})
    document = _render("index.html.j2", output=str(output), entries=entries, building=state.building)
    return inject(document.encode("utf-8"), live_additions(state, None))


def refused_page(root: Path, state: PreviewState, problem: Problem) -> bytes:
    """What every request is answered while ``output/`` is refused: the problem, and the reload script."""
    document = _render("refused.html.j2", output=str(root / OUTPUT_DIR), problem=str(problem))
    return inject(document.encode("utf-8"), live_additions(state, None))


_LABELS = {"html": "HTML", "pdf": "PDF", "docx": "Word", "md": "Markdown", "json": "JSON"}


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
    try:
        editions = list_editions(output, output.parent, briefing_id)
    except FileProblem:  # output/editions/ linked out of the project: nothing of it is shown (or served)
        return {"editions": [], "earlier": 0}
    rows = []
    for edition in reversed(editions[-MAX_EDITIONS_SHOWN:]):
        names = [f"{EDITIONS_NAME}/{briefing_id}/{file_name(briefing_id, edition.number, edition.date, suffix)}"
                 for suffix in ("html", "pdf", "docx", "md", "json")]
        links = _links(output, names)
        if links:  # none when output/editions/ leads elsewhere in the project: nothing there is served
            rows.append({"number": edition.number, "date": edition.date.isoformat(), "links": links})
    return {"editions": rows, "earlier": max(len(editions) - MAX_EDITIONS_SHOWN, 0) if rows else 0}
