"""HTML → PDF with WeasyPrint, confined to the project.

Contract: :func:`html_to_pdf` returns the PDF bytes of an HTML document.
WeasyPrint is imported here and only here, when a PDF is actually rendered,
because importing it costs more than the rest of a build. The PDFs one process
renders share one WeasyPrint ``FontConfiguration`` (made on the first), as
long as no document adds fonts to it with ``@font-face``.

Rendering reads nothing outside the project and contacts no host:
:class:`ProjectURLFetcher` answers ``data:`` URLs and ``file:`` URLs naming a
*regular file* whose resolved path lies inside the project directory (or
among the built-in templates), and refuses everything else: other schemes,
paths outside (also through symbolic links), directories, and FIFOs and
device files, which could block the build or never end.

The PDF names nothing of the machine that built it: before layout, every
``href`` (on ``a``, ``area``, ``link``, ``base``…) that is not an ``http(s):``
or ``mailto:`` URL or a same-document ``#fragment`` is removed, because
WeasyPrint would otherwise resolve it against the project directory and write
a ``file:`` link annotation (or embed an attachment) carrying the absolute
path. Only ``<link rel="stylesheet">`` keeps its ``href``: it is fetched
through the confined fetcher and leaves nothing in the PDF.

Each refusal, each removed link and every warning WeasyPrint logs (a missing
image, an unsupported CSS property) comes back in :attr:`PdfResult.warnings`,
so the caller can report it and ``--strict`` can fail on it.

Every PDF is tagged and declares PDF/UA-1 (WeasyPrint's ``pdf/ua-1`` variant):
a logical structure tree made from the HTML, the document language from
``<html lang>``, the title shown by viewers and bookmarks from the headings.
With ``archival`` it is PDF/A-3a instead (tagged, and allowing the attached
snapshot, associated with the document as data), and :func:`_declare_pdfua_too`
adds the PDF/UA-1 identification, which WeasyPrint writes for one variant only.

Rendering is limited in time: a stylesheet or template that lays out an
enormous number of pages, or anything else that runs longer than
``timeout_seconds`` (default :data:`DEFAULT_PDF_TIMEOUT`, 120 s), raises
:class:`PdfTimeout` instead of hanging. The limit is a ``SIGALRM`` timer, so it
applies only when :func:`html_to_pdf` is called from the main thread of a
platform with ``signal.setitimer`` (POSIX); from any other thread the
rendering runs without a limit (see :mod:`briefings.limits`).
"""

from __future__ import annotations

import datetime
import functools
import logging
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from briefings import limits
from briefings.errors import MissingLibrary
from briefings.render.environment import BUILTIN_DIR

logger = logging.getLogger(__name__)

#: Seconds a PDF may take to render before :class:`PdfTimeout` is raised.
DEFAULT_PDF_TIMEOUT: float = 120.0

#: Link schemes kept in the PDF; every other ``href`` is removed before layout.
KEPT_LINK_SCHEMES = frozenset({"http", "https", "mailto"})

# What HTML counts as whitespace around a URL, and what it deletes inside one
# (the same rules WeasyPrint applies when it reads an href).
_URL_WHITESPACE = " \t\n\f\r"
_URL_DELETED = "\t\n\r"


class PdfTimeout(limits.TimeLimitExceeded):
    """Rendering a PDF took longer than its time limit."""


@dataclass
class PdfResult:
    data: bytes
    warnings: list[str] = field(default_factory=list)
    #: Every file inside the project (or the built-in templates) that rendering asked for, read or not:
    #: what the incremental build must watch.
    reads: list[Path] = field(default_factory=list)
    #: How many pages the PDF has.
    pages: int = 0


class _CollectingHandler(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage().strip().splitlines()[0])


def load_weasyprint() -> Any:
    """The ``weasyprint`` module, imported on first use.

    Without the system libraries it lays out text with (Pango, through
    GObject) WeasyPrint's import fails with an OSError: that is a missing
    piece of the installation, raised as :class:`~briefings.errors.MissingLibrary`
    saying what to install, not an internal error.
    """
    try:
        import weasyprint
    except OSError as error:
        raise MissingLibrary(
            f"WeasyPrint, which makes the PDFs, cannot load a system library it needs ({error}): install Pango "
            "(Debian and Ubuntu: apt install libpango-1.0-0 libpangoft2-1.0-0; see "
            "https://doc.courtbouillon.org/weasyprint/stable/first_steps.html)", name="weasyprint") from error
    return weasyprint


@functools.cache
def _fetcher_class() -> type:
    import weasyprint

    class ProjectURLFetcher(weasyprint.URLFetcher):
        """A URL fetcher that reads only regular files inside the allowed directories."""

        def __init__(self, allowed_roots: list[Path], refusals: list[str], reads: list[Path], **kwargs: Any):
            super().__init__(allowed_protocols={"file", "data"}, allow_redirects=False, **kwargs)
            self._allowed_roots = [root.resolve() for root in allowed_roots]
            self._refusals = refusals
            self._reads = reads

        def fetch(self, url: str, headers: Any = None) -> Any:
            parts = urlsplit(url)
            scheme = parts.scheme.lower()
            if scheme == "data":
                return super().fetch(url, headers)
            if scheme != "file" or parts.netloc not in ("", "localhost"):
                return self._refuse(url, "only files inside the project may be used")
            path = Path(unquote(parts.path)).resolve()
            if not any(path == root or root in path.parents for root in self._allowed_roots):
                return self._refuse(url, "only files inside the project may be used")
            # The path as named (not resolved): re-pointing a symbolic link must count as a change.
            self._reads.append(Path(os.path.normpath(unquote(parts.path))))
            try:
                mode = os.stat(path).st_mode
            except OSError:
                mode = None  # missing or unreadable: urllib reports it, as for any other file.
            if mode is not None and not stat.S_ISREG(mode):
                # Opening a FIFO blocks until someone writes to it, and a device
                # such as /dev/zero never ends: neither may stall a build.
                return self._refuse(url, "not a regular file")
            # Open what was checked, not the original URL, which may still pass
            # through a symbolic link.
            return super().fetch(path.as_uri(), headers)

        def _refuse(self, url: str, reason: str) -> Any:
            self._refusals.append(f"refused to fetch {url}: {reason}")
            raise ValueError(f"refused to fetch {url}")

    return ProjectURLFetcher


def _is_kept_link(href: str) -> bool:
    href = href.strip(_URL_WHITESPACE)
    for character in _URL_DELETED:
        href = href.replace(character, "")
    if href.startswith("#"):
        # A bare "#" is not a fragment to WeasyPrint: it becomes a link to the base URL.
        return len(href) > 1
    try:
        return urlsplit(href).scheme.lower() in KEPT_LINK_SCHEMES
    except ValueError:
        return False


def _remove_local_links(root: Any) -> list[str]:
    """Remove every href the PDF must not carry; return a warning for each."""
    warnings = []
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue  # comments and processing instructions
        is_stylesheet = (element.tag == "link"
                         and "stylesheet" in element.get("rel", "").lower().split())
        for name in list(element.keys()):
            if name != "href" and not name.endswith("}href"):  # also SVG's xlink:href
                continue
            href = element.get(name)
            if (is_stylesheet and name == "href") or _is_kept_link(href):
                continue
            del element.attrib[name]
            warnings.append(f"removed link to {href!r}: only http(s), mailto and #fragment links "
                            "are kept in the PDF")
    return warnings


# One WeasyPrint FontConfiguration per process, shared by the PDFs it renders:
# making one loads the system's whole font configuration, and sharing it made
# rendering the example 1.1× faster with byte-identical PDFs. It is taken while
# in use and put back only after a clean rendering, and only while no document
# has added fonts to it with @font-face: a document must never see the fonts of
# another (its PDF would depend on which documents the same process rendered
# before it).
_spare_font_config: Any = None


def _take_font_config() -> Any:
    global _spare_font_config
    config, _spare_font_config = _spare_font_config, None
    if config is None:
        from weasyprint.text.fonts import FontConfiguration

        config = FontConfiguration()
    return config


def _give_back_font_config(config: Any) -> None:
    global _spare_font_config
    # WeasyPrint makes the folder for @font-face fonts on the first one added.
    if getattr(config, "_folder", True) is None:
        _spare_font_config = config


#: The variant every PDF is written as: tagged (a logical structure tree), with the document's language,
#: its title shown by viewers (DisplayDocTitle) and ``pdfuaid:part=1`` in its XMP metadata.
ACCESSIBLE_VARIANT = "pdf/ua-1"
#: The variant of an archival PDF: PDF/A-3 (which allows the attached JSON snapshot), level A (tagged).
ARCHIVAL_VARIANT = "pdf/a-3a"

# WeasyPrint writes one variant's identification; an archival PDF declares PDF/UA-1 too, and PDF/A requires
# a property outside the schemas it predefines (pdfuaid) to be described by an extension schema in the XMP.
_PDFUA_DECLARATION = b"""<rdf:Description rdf:about="" xmlns:pdfuaid="http://www.aiim.org/pdfua/ns/id/" \
pdfuaid:part="1"/>
<rdf:Description rdf:about="" xmlns:pdfaExtension="http://www.aiim.org/pdfa/ns/extension/" \
xmlns:pdfaSchema="http://www.aiim.org/pdfa/ns/schema#" xmlns:pdfaProperty="http://www.aiim.org/pdfa/ns/property#">
<pdfaExtension:schemas><rdf:Bag><rdf:li rdf:parseType="Resource">
<pdfaSchema:schema>PDF/UA Universal Accessibility Schema</pdfaSchema:schema>
<pdfaSchema:namespaceURI>http://www.aiim.org/pdfua/ns/id/</pdfaSchema:namespaceURI>
<pdfaSchema:prefix>pdfuaid</pdfaSchema:prefix>
<pdfaSchema:property><rdf:Seq><rdf:li rdf:parseType="Resource">
<pdfaProperty:name>part</pdfaProperty:name>
<pdfaProperty:valueType>Integer</pdfaProperty:valueType>
<pdfaProperty:category>internal</pdfaProperty:category>
<pdfaProperty:description>Indicates, which part of ISO 14289 standard is followed</pdfaProperty:description>
</rdf:li></rdf:Seq></pdfaSchema:property>
</rdf:li></rdf:Bag></pdfaExtension:schemas>
</rdf:Description>
"""


def _declare_pdfua_too(document: Any, pdf: Any) -> None:
    """Add the PDF/UA-1 identification (and its PDF/A extension schema) to the XMP metadata WeasyPrint wrote."""
    number = int(pdf.catalog["Metadata"].split()[0])  # a reference: b"12 0 R"
    stream = pdf.objects[number]
    stream.stream = [chunk.replace(b"</rdf:RDF>", _PDFUA_DECLARATION + b"</rdf:RDF>", 1)
                     for chunk in stream.stream]
    # WeasyPrint 70 lists each attachment twice in the catalog's /AF (from the name tree and from the file
    # specifications): once is enough.
    associated = pdf.catalog.get("AF")
    if associated:
        associated[:] = list(dict.fromkeys(associated))


@dataclass(frozen=True)
class PdfAttachment:
    """A file embedded in the PDF (``pdfdetach -list`` shows it), dated ``time`` so that the bytes are reproducible."""

    name: str
    data: bytes
    description: str
    time: datetime.datetime


def html_to_pdf(html: str, project_root: Path, *, timeout_seconds: float = DEFAULT_PDF_TIMEOUT,
                attachments: tuple[PdfAttachment, ...] = (), archival: bool = False) -> PdfResult:
    """Render ``html`` (whose relative URLs resolve against ``project_root``) to PDF, embedding ``attachments``.

    The PDF is tagged and declares PDF/UA-1 (:data:`ACCESSIBLE_VARIANT`); with ``archival`` it is PDF/A-3a
    (:data:`ARCHIVAL_VARIANT`) and declares PDF/UA-1 as well (see the module docstring).

    Raises :class:`PdfTimeout` when rendering takes longer than ``timeout_seconds``
    (only when called from the main thread; see the module docstring).
    """
    weasyprint = load_weasyprint()

    refusals: list[str] = []
    reads: list[Path] = []
    fetcher = _fetcher_class()([project_root, BUILTIN_DIR], refusals, reads)
    handler = _CollectingHandler()
    weasyprint_logger = logging.getLogger("weasyprint")
    weasyprint_logger.addHandler(handler)
    # WeasyPrint's messages reach the user through PdfResult.warnings only.
    propagate, weasyprint_logger.propagate = weasyprint_logger.propagate, False
    base_url = project_root.resolve().as_uri() + "/"
    font_config = _take_font_config()

    def render() -> tuple[bytes, list[str], int]:
        document = weasyprint.HTML(string=html, base_url=base_url, url_fetcher=fetcher)
        removed = _remove_local_links(document.etree_element)
        # Parsing has already applied any <base href>; relative URLs must still
        # resolve inside the project, so that the fetcher can judge them.
        document.base_url = base_url
        rendered = document.render(font_config=font_config)
        files = [weasyprint.Attachment(string=item.data, name=item.name, description=item.description,
                                       created=item.time, modified=item.time, relationship="Data")
                 for item in attachments]
        variant = ARCHIVAL_VARIANT if archival else ACCESSIBLE_VARIANT
        finisher = _declare_pdfua_too if archival else None
        return (rendered.write_pdf(attachments=files, pdf_variant=variant, finisher=finisher), removed,
                len(rendered.pages))

    try:
        with limits.time_limit(timeout_seconds):
            data, removed_links, pages = render()
    except limits.TimeLimitExceeded:
        raise PdfTimeout(timeout_seconds) from None
    finally:
        weasyprint_logger.removeHandler(handler)
        weasyprint_logger.propagate = propagate
    _give_back_font_config(font_config)
    # A refused fetch is reported once, by the fetcher, not again by WeasyPrint.
    messages = refusals + removed_links + [message for message in handler.messages
                                           if "refused to fetch" not in message]
    return PdfResult(data=data, warnings=[message.replace(base_url, "") for message in messages],
                     reads=list(dict.fromkeys(reads)), pages=pages)
