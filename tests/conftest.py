"""What the tests share: small projects written into a temporary directory, and helpers.

The helpers: reading PDFs back (pdftotext, pypdf), checking snapshots against
their schema, running the live preview in a thread, driving a real
``briefings`` process to a known point, and the CLI shortcuts several test
files use. Test files import them from here, never from each other.
"""

from __future__ import annotations

import datetime
import html as html_module
import json
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import markdown
import pytest
from click.testing import CliRunner, Result
from jsonschema import Draft202012Validator
from pypdf import PdfReader

from briefings.cli import main
from briefings.live.serve import serve_project
from briefings.live.watch import RebuildResult
from briefings.paths import MANIFEST_PATH

REPO_ROOT = Path(__file__).resolve().parent.parent

REFERENCES = """\
alpha-report:
  outlet: Alpha News
  title: Alpha reports on the talks
  published: 2025-06-23
  url: https://alpha.example/talks
  reliability: B
beta-wire:
  outlet: Beta Wire
  title: Beta wire copy
  published: 2025-06-24
  reliability: E
"""

TOPIC = """\
title: Test topic
summary: The bottom line, first.
as_of: 2025-06-24
review_by: 2099-01-01
tags: [testing, talks]
facts:
  - id: talks-held
    date: 2025-06-23
    section: The talks
    text: The two leaders held talks in London.
    sources: [alpha-report]
    quote:
      text: an excellent meeting
      speaker: A. Speaker
  - id: second-fact
    text: A second fact without a date, resting on two sources.
    sources: [alpha-report, beta-wire]
figures:
  - label: Troops trained
    value: 50000
    unit: troops
    sources: [alpha-report]
"""

#: A fixed generation time, so outputs do not depend on the clock.
GENERATED = datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=datetime.UTC)


def copy_example(root: Path) -> Path:
    """A copy of the repository's example project (its settings, sources and templates) at ``root``."""
    root.mkdir(parents=True, exist_ok=True)
    for name in ("briefings.yaml", "sources", "templates"):
        source = REPO_ROOT / name
        if source.is_dir():
            shutil.copytree(source, root / name)
        elif source.exists():
            shutil.copy(source, root / name)
    return root


def write(root: Path, relative: str, text: str | bytes) -> Path:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A minimal valid project: two references, one topic, no briefings.yaml."""
    root = tmp_path / "project"
    write(root, "sources/references.yaml", REFERENCES)
    write(root, "sources/topics/test-topic.yaml", TOPIC)
    return root


# --- Reading PDFs back, for the tests: text as pdftotext sees it, and metadata as pypdf does.

def pdftotext_pages(path: Path) -> list[str]:
    """The text of each page, as poppler's pdftotext extracts it."""
    if shutil.which("pdftotext") is None:
        pytest.fail("pdftotext is missing: run .ci/setup (it installs poppler-utils)")
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], check=True,
                          capture_output=True, text=True).stdout
    return text.split("\f")[:-1]


def body_text(pages: list[str], running_lines: set[str]) -> str:
    """All pages joined, without the running headers and footers, whitespace folded."""
    kept = []
    for page in pages:
        for line in page.splitlines():
            stripped = line.strip()
            if stripped in running_lines or re.fullmatch(r"Page \d+ of \d+", stripped):
                continue
            kept.append(stripped)
    return fold(" ".join(kept))


def fold(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def contains(text: str, passage: str) -> bool:
    """Whether ``passage`` stands in ``text`` (both folded) as pdftotext gives it back.

    pdftotext joins a word that the PDF broke after a hyphen at the end of a
    line and drops that hyphen ("low-" / "reliability" comes back as
    "lowreliability"), so a hyphen between two letters may be missing; nothing
    else may differ.
    """
    pattern = re.sub(r"(?<=\w)\\-(?=\w)", "-?", re.escape(passage))
    return re.search(pattern, text) is not None


def plain(markdown_text: str) -> str:
    """What a reader sees of a Markdown snippet: the text without markup."""
    html = markdown.markdown(markdown_text, extensions=["smarty"])
    text = re.sub(r"<[^>]+>", "", html)
    return fold(html_module.unescape(text))


def reader(path: Path) -> PdfReader:
    return PdfReader(str(path))


def embedded_font_names(pdf: PdfReader) -> set[str]:
    """BaseFont names of fonts whose program is embedded in the file."""
    names = set()
    for page in pdf.pages:
        fonts = page.get("/Resources", {}).get("/Font", {})
        for font in fonts.values():
            font = font.get_object()
            descriptors = [font.get("/FontDescriptor")]
            for descendant in font.get("/DescendantFonts", []) or []:
                descriptors.append(descendant.get_object().get("/FontDescriptor"))
            for descriptor in descriptors:
                if descriptor is None:
                    continue
                descriptor = descriptor.get_object()
                if any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")):
                    names.add(str(font["/BaseFont"]))
    return names


def link_targets(pdf: PdfReader) -> tuple[list[str], int]:
    """External URIs and the count of internal links across the document."""
    uris, internal = [], 0
    for page in pdf.pages:
        for annotation in page.get("/Annots", []) or []:
            annotation = annotation.get_object()
            action = annotation.get("/A")
            if action is not None and "/URI" in action:
                uris.append(str(action["/URI"]))
            elif "/Dest" in annotation or (action is not None and "/D" in action):
                internal += 1
    return uris, internal


# --- Accessible (tagged, PDF/UA-1) and archival (PDF/A-3) PDFs, read back (issue 19).

_XMP_NAMESPACES = {"http://www.w3.org/1999/02/22-rdf-syntax-ns#": "rdf", "http://purl.org/dc/elements/1.1/": "dc",
                   "http://www.aiim.org/pdfua/ns/id/": "pdfuaid", "http://www.aiim.org/pdfa/ns/id/": "pdfaid",
                   "http://www.aiim.org/pdfa/ns/schema#": "pdfaSchema"}


def xmp_properties(pdf: PdfReader) -> dict[str, list[str]]:
    """The XMP metadata's properties, as ``prefix:name`` → values (attributes and elements with text)."""
    data = pdf.trailer["/Root"]["/Metadata"].get_object().get_data()
    root = ElementTree.fromstring(data[data.index(b"<x:xmpmeta"):data.rindex(b"</x:xmpmeta>") + 12])
    found: dict[str, list[str]] = {}

    def name(qualified: str) -> str:
        namespace, _, local = qualified[1:].partition("}")
        return f"{_XMP_NAMESPACES.get(namespace, namespace)}:{local}"

    for element in root.iter():
        for key, value in element.attrib.items():
            if key.startswith("{"):
                found.setdefault(name(key), []).append(value)
        if not element.tag.startswith("{"):
            continue
        # An element's text, or its values (dc:title's rdf:Alt, dc:creator's rdf:Seq) under its own name.
        values = [item.text.strip() for item in element.iter() if item.text and item.text.strip()]
        if values and (element.text and element.text.strip() or name(element.tag).startswith("dc:")):
            found.setdefault(name(element.tag), []).extend(values)
    return found


def structure_elements(pdf: PdfReader) -> list[Any]:
    """Every element of the PDF's structure tree (``/S`` its type: ``/H1``, ``/P``, ``/Figure``…), depth first."""
    elements: list[Any] = []
    pending = [pdf.trailer["/Root"]["/StructTreeRoot"].get_object()]
    while pending:
        element = pending.pop()
        if "/S" in element:
            elements.append(element)
        kids = element.get("/K", [])
        for kid in reversed(kids if isinstance(kids, list) else [kids]):
            kid = kid.get_object() if hasattr(kid, "get_object") else kid
            if isinstance(kid, dict) and kid.get("/Type", "/StructElem") == "/StructElem":
                pending.append(kid)
    return elements


def assert_accessible_pdf(path: Path, *, title: str, lang: str) -> PdfReader:
    """``path`` is tagged, with its structure tree, language and title, and declares PDF/UA-1."""
    info = subprocess.run([require_tool("pdfinfo"), str(path)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"^Tagged:\s+yes$", info, re.MULTILINE), f"{path.name}: {info}"
    pdf = reader(path)
    catalog = pdf.trailer["/Root"]
    assert catalog["/StructTreeRoot"]["/Type"] == "/StructTreeRoot", path.name
    assert catalog["/MarkInfo"]["/Marked"].value, path.name
    assert catalog["/Lang"] == lang, path.name
    assert catalog["/ViewerPreferences"]["/DisplayDocTitle"].value, path.name
    assert pdf.metadata.title == title, path.name
    xmp = xmp_properties(pdf)
    assert xmp["dc:title"] == [title], path.name
    assert xmp["pdfuaid:part"] == ["1"], path.name
    types = {str(element["/S"]) for element in structure_elements(pdf)}
    assert {"/Document", "/H1", "/H2", "/P", "/Link"} <= types, path.name
    assert [item.title for item in pdf.outline if not isinstance(item, list)][0] == title, path.name
    return pdf


# --- Checking JSON snapshots against their published schema, for the tests.

SCHEMA_PATH = REPO_ROOT / "briefings/schemas/snapshot.schema.json"
DOCS_SCHEMA_PATH = REPO_ROOT / "docs/snapshot.schema.json"


@cache
def validator() -> Draft202012Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def schema_errors(snapshot: Any) -> list[str]:
    return [f"{'/'.join(map(str, error.absolute_path)) or '(top)'}: {error.message}"
            for error in sorted(validator().iter_errors(snapshot), key=lambda error: list(map(str, error.path)))]


def assert_valid(path: Path) -> dict[str, Any]:
    """The snapshot in ``path``, after checking that it is valid against the schema."""
    snapshot = json.loads(path.read_bytes())
    errors = schema_errors(snapshot)
    assert not errors, f"{path.name}:\n" + "\n".join(errors)
    return snapshot


# --- A live preview (``briefings serve``) of a copy of the example project, run in a thread for the tests.

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


# --- Driving a real ``briefings`` process from a test: starting it, and waiting until it reaches a known point.

#: A fixed "generated" time, so that a build's outputs do not depend on the clock.
SOURCE_DATE_EPOCH = "1767323045"
#: How long a process may take to reach a stage (generous: a loaded CI machine, a first run compiling .pyc files).
STAGE_SECONDS = 120.0
#: ``briefings`` as a user runs it: ``python -m briefings``, or the console script pip installed beside Python.
ENTRY_POINTS = {"python -m briefings": [sys.executable, "-m", "briefings"],
                "briefings script": [str(Path(sys.executable).with_name("briefings"))]}


def start(arguments: Sequence[str], *, entry: str = "python -m briefings", sigint_pending: bool = False,
          new_session: bool = False) -> subprocess.Popen[str]:
    """Start ``briefings ARGUMENTS``; with ``sigint_pending``, SIGINT is blocked in it from its first instant.

    A signal mask survives fork and exec, so a SIGINT sent at once stays
    pending through the interpreter's start-up, whatever the machine's
    speed, until the command unblocks it. ``new_session`` makes it the leader
    of its own process group, so that ``os.killpg`` reaches it and its
    workers, as a terminal's Ctrl-C does.
    """
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT}) if sigint_pending else None
    try:
        return subprocess.Popen([*ENTRY_POINTS[entry], *arguments], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, env={**os.environ, "SOURCE_DATE_EPOCH": SOURCE_DATE_EPOCH},
                                start_new_session=new_session)
    finally:
        if previous is not None:
            signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def wait_until(process: subprocess.Popen[str], reached: Callable[[], bool], stage: str) -> None:
    """Return as soon as ``reached()``; fail if the process ends first or takes longer than STAGE_SECONDS."""
    deadline = time.monotonic() + STAGE_SECONDS
    while not reached():
        if process.poll() is not None:
            stdout, stderr = process.communicate()
            raise AssertionError(f"the process ended (exit {process.returncode}) before {stage}:\n{stdout}{stderr}")
        if time.monotonic() > deadline:
            _stop(process)
            raise AssertionError(f"the process did not reach {stage} within {STAGE_SECONDS:g} s")
        time.sleep(0.002)  # polling /proc: there is no event to wait on


def finish(process: subprocess.Popen[str], seconds: float = STAGE_SECONDS) -> tuple[str, str]:
    """Its standard output and error once it ends; one still running after ``seconds`` is killed, so that a
    failing test leaves nothing behind."""
    try:
        return process.communicate(timeout=seconds)
    except subprocess.TimeoutExpired:
        stdout, stderr = _stop(process)
        raise AssertionError(f"the process was still running after {seconds:g} s:\n{stdout}{stderr}") from None


def _stop(process: subprocess.Popen[str]) -> tuple[str, str]:
    """Kill the process, with its process group if it leads one (its workers)."""
    try:
        if os.getpgid(process.pid) == process.pid:
            os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.kill()
    return process.communicate()


def children(pid: int) -> list[int]:
    """The processes ``pid`` started that are still running (its worker processes)."""
    listed = Path(f"/proc/{pid}/task/{pid}/children")
    try:
        return [int(child) for child in listed.read_text().split()]
    except FileNotFoundError:
        pass  # a kernel without that file: look at every process's parent
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def workers(pid: int) -> list[int]:
    """The children of ``pid`` that run its own program (not yet another one), e.g. its worker processes.

    A child that will run another program (ctypes looking for a library runs
    ``ldconfig``, say) runs this one for an instant first, after fork and
    before exec: such children come one at a time, so two at once are workers.
    """
    try:
        program = os.readlink(f"/proc/{pid}/exe")
    except OSError:
        return []
    found = []
    for child in children(pid):
        try:
            if os.readlink(f"/proc/{child}/exe") == program:
                found.append(child)
        except OSError:
            continue
    return found


def holds_open(pid: int, path: Path) -> bool:
    """Whether process ``pid`` has the file ``path`` open."""
    target = str(path.resolve())
    try:
        descriptors = list(Path(f"/proc/{pid}/fd").iterdir())
    except OSError:
        return False
    for descriptor in descriptors:
        try:
            if os.readlink(descriptor) == target:
                return True
        except OSError:
            continue
    return False


# --- shared by several test files (from test_errors_cli.py)

TOPIC_FILE = "sources/topics/test-topic.yaml"
REFERENCES_FILE = "sources/references.yaml"
SETTINGS_FILE = "briefings.yaml"
MD_TEMPLATE = "templates/briefing.md.j2"


def invoke(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def check(root: Path, *extra: str) -> Result:
    return invoke("check", "--project", str(root), *extra)


def changed(original: str, old: str, new: str) -> str:
    assert original.count(old) == 1, f"{old!r} must occur exactly once"
    return original.replace(old, new)


def files_under(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` with its bytes, less the build's own bookkeeping (``output/.briefings/``)."""
    return {path.relative_to(root).as_posix(): path.read_bytes() for path in sorted(root.rglob("*"))
            if path.is_file() and ".briefings" not in path.relative_to(root).parts}


# --- shared by several test files (from test_incremental.py)

BOOKKEEPING = {MANIFEST_PATH, ".briefings/inputs.json", ".briefings/lock"}


def is_bookkeeping(name: str) -> bool:
    """Whether ``name`` (relative to output/) is the build's own bookkeeping: the manifest, the record of its
    inputs, the lock and the parse cache (``.briefings/cache/``)."""
    return name in BOOKKEEPING or name.startswith(".briefings/cache/")


def state(root: Path) -> dict[str, tuple[bytes, int]]:
    """Every file under output/ (the build's bookkeeping included), with its bytes and modification time."""
    output = root / "output"
    if not output.exists():
        return {}
    return {path.relative_to(output).as_posix(): (path.read_bytes(), path.stat().st_mtime_ns)
            for path in sorted(output.rglob("*")) if path.is_file()}


def changed_files(before: dict[str, tuple[bytes, int]], after: dict[str, tuple[bytes, int]]) -> set[str]:
    return {name for name in before.keys() | after.keys()
            if before.get(name) != after.get(name) and not is_bookkeeping(name)}


# --- shared by several test files (from test_schedule.py)

FAKE_SITECUSTOMIZE = '''
import datetime, json, os
from briefings.build import publish as publishing

def fake_publish(root, *, only=(), now=None, wait=300.0, jobs=None, lock=None, **options):
    with open(os.environ["FAKE_PUBLISH_LOG"], "a") as log:
        log.write(json.dumps({"only": list(only), "now": now.isoformat() if now else None}) + "\\n")
    return publishing.PublishReport([publishing.PublishResult(b, "published", edition=1) for b in only])

publishing.publish = fake_publish
'''


# --- shared by several test files (from test_standards.py)

VNU_JAR = Path(os.environ.get("VNU_JAR", REPO_ROOT / ".venv/vnu/node_modules/vnu-jar/build/dist/vnu.jar"))


# The Nu checker's CSS validator knows CSS for screens, not CSS Paged Media or
# Generated Content for Paged Media, which the stylesheet uses for the PDF's
# running headers, footers and bookmarks. Only complaints about exactly those
# features are forgiven; any other CSS error fails.
PAGED_MEDIA_CSS = [re.compile(pattern) for pattern in (
    r"^CSS: “string-set”: Property “string-set” doesn't exist\.$",
    r"^CSS: “bookmark-(level|label|state)”: Property “bookmark-(level|label|state)” doesn't exist\.$",
    r"^CSS: “content”: “string\([a-z-]+\)” is not a “content” value\.$",
    r"^CSS: .*“@(top|bottom|left|right)-[a-z-]+”",  # @page margin boxes
)]


def require_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is missing: run .ci/setup, which installs it")
    return path


def decompressed(pdf: Path, workdir: Path) -> bytes:
    """The PDF with every stream uncompressed, so that a search sees all of it."""
    qpdf = require_tool("qpdf")
    plain = workdir / f"{pdf.stem}.qdf.pdf"
    subprocess.run([qpdf, "--qdf", "--object-streams=disable", str(pdf), str(plain)], check=True)
    return plain.read_bytes()


def machine_traces(data: bytes, *paths: Path) -> list[str]:
    """Which forbidden things ``data`` contains: ``file:`` URLs and the given absolute paths."""
    needles = {"file:"} | {str(path) for path in paths} | {str(path.resolve()) for path in paths}
    return sorted(needle for needle in needles if needle.encode("utf-8") in data)


def png(shade: int) -> bytes:
    """A 1×1 grey PNG of the given shade (a logo whose bytes a test can change)."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(bytes([0, shade]))) \
        + chunk(b"IEND", b"")


def line_of(text: str, needle: str) -> int:
    """The 1-based line of the only line of ``text`` that contains ``needle``."""
    found = [number for number, line in enumerate(text.splitlines(), start=1) if needle in line]
    assert len(found) == 1, f"{needle!r} should occur on exactly one line, found on {found}"
    return found[0]


def assert_failed_with(result: Result, expected_lines: list[str], command: str = "check") -> None:
    """Exit 1, exactly ``expected_lines`` on stderr then the count, and no traceback."""
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    errors = len(expected_lines)
    count = f"{command} failed: {errors} error{'s' if errors != 1 else ''}."
    assert result.stderr.splitlines() == [*expected_lines, count]


def alias_bomb(levels: int = 9, width: int = 9) -> str:
    """The "billion laughs": each level is a list of ``width`` aliases to the level before."""
    lines = ["l0: &l0 [" + ", ".join(["lol"] * width) + "]"]
    for level in range(1, levels):
        lines.append(f"l{level}: &l{level} [" + ", ".join([f"*l{level - 1}"] * width) + "]")
    return "\n".join(lines) + "\n"


def nested_block_lists(depth: int) -> str:
    return "".join("  " * level + "-\n" for level in range(depth - 1)) + "  " * (depth - 1) + "- x\n"


def nested_block_mappings(depth: int) -> str:
    return "".join("  " * level + f"k{level}:\n" for level in range(depth - 1)) + "  " * (depth - 1) + "k: x\n"


def python_steps(function, *args, **keywords) -> int:  # noqa: ANN001, ANN003 - a test helper
    """How many Python line events ``function(*args, **keywords)`` executes: deterministic, unlike a clock."""
    count = 0

    def tracer(frame, event, arg):  # noqa: ANN001, ANN202
        nonlocal count
        count += 1
        return tracer

    sys.settrace(tracer)
    try:
        function(*args, **keywords)
    finally:
        sys.settrace(None)
    return count
