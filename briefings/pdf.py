"""Stage 5: HTML → PDF with WeasyPrint, confined to the project.

Contract: :func:`html_to_pdf` returns the PDF bytes of an HTML document.
WeasyPrint is imported here and only here, when a PDF is actually rendered,
because importing it costs more than the rest of a build.

Rendering reads nothing outside the project and contacts no host:
:class:`ProjectURLFetcher` answers ``data:`` URLs and ``file:`` URLs whose
resolved path lies inside the project directory (or among the built-in
templates), and refuses everything else. Each refusal, and every warning
WeasyPrint logs (a missing image, an unsupported CSS property), comes back in
:attr:`PdfResult.warnings`, so the caller can report it and ``--strict`` can
fail on it.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from .templating import BUILTIN_DIR

logger = logging.getLogger(__name__)


@dataclass
class PdfResult:
    data: bytes
    warnings: list[str] = field(default_factory=list)


class _CollectingHandler(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage().strip().splitlines()[0])


@functools.cache
def _fetcher_class() -> type:
    import weasyprint

    class ProjectURLFetcher(weasyprint.URLFetcher):
        """A URL fetcher that reads only files inside the allowed directories."""

        def __init__(self, allowed_roots: list[Path], refusals: list[str], **kwargs: Any):
            super().__init__(allowed_protocols={"file", "data"}, allow_redirects=False, **kwargs)
            self._allowed_roots = [root.resolve() for root in allowed_roots]
            self._refusals = refusals

        def fetch(self, url: str, headers: Any = None) -> Any:
            scheme = urlsplit(url).scheme.lower()
            if scheme == "data":
                return super().fetch(url, headers)
            if scheme == "file":
                path = Path(unquote(urlsplit(url).path)).resolve()
                if any(path == root or root in path.parents for root in self._allowed_roots):
                    return super().fetch(url, headers)
            self._refusals.append(f"refused to fetch {url}: only files inside the project may be used")
            raise ValueError(f"refused to fetch {url}")

    return ProjectURLFetcher


def html_to_pdf(html: str, project_root: Path) -> PdfResult:
    """Render ``html`` (whose relative URLs resolve against ``project_root``) to PDF."""
    import weasyprint

    refusals: list[str] = []
    fetcher = _fetcher_class()([project_root, BUILTIN_DIR], refusals)
    handler = _CollectingHandler()
    weasyprint_logger = logging.getLogger("weasyprint")
    weasyprint_logger.addHandler(handler)
    # WeasyPrint's messages reach the user through PdfResult.warnings only.
    propagate, weasyprint_logger.propagate = weasyprint_logger.propagate, False
    base_url = project_root.resolve().as_uri() + "/"
    try:
        document = weasyprint.HTML(string=html, base_url=base_url, url_fetcher=fetcher)
        data = document.write_pdf()
    finally:
        weasyprint_logger.removeHandler(handler)
        weasyprint_logger.propagate = propagate
    # A refused fetch is reported once, by the fetcher, not again by WeasyPrint.
    messages = refusals + [message for message in handler.messages if "refused to fetch" not in message]
    return PdfResult(data=data, warnings=[message.replace(base_url, "") for message in messages])
