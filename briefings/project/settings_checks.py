"""Settings checked against the world outside their file: images and stylesheets, locales, time zones, schedules.

Contract: each function says what is wrong with one value (None, or no
problems: nothing), reading at most the one file or database entry it
names. :func:`style_problems` checks a ``style:`` and ``stylesheet:``
(project-wide or one briefing's): the locale is one Babel knows
(:func:`briefings.i18n.check_locale`), the logo an image inside the project
(:func:`check_image`), the handling note valid Markdown, every stylesheet a
file of ``templates/``. :func:`time_zone_problem` checks an IANA time zone
name with :mod:`zoneinfo` (only a name that fails costs a scan of the zone
database, for "did you mean"). :func:`cron_problem` checks a ``schedule:``
with cronsim, the library the scheduler (:mod:`briefings.schedule`) reads
schedules with, so that ``check`` accepts exactly what it accepts: standard
cron as Debian's reads it (minute, hour, day of month, month, day of week, 0
or 7 being Sunday; when both day fields are restricted, a day matching either
fires).
"""

from __future__ import annotations

import datetime
import io
import re
import zipfile
import zoneinfo
from pathlib import Path

from cronsim import CronSim

from briefings.errors import Problem, did_you_mean
from briefings.files import FileProblem, read_project_file
from briefings.i18n import check_label, check_locale
from briefings.paths import TEMPLATES_DIR
from briefings.project.markup import check_markdown
from briefings.project.schema import Style
from briefings.project.yaml import Location, YamlDocument

#: Image types a logo may be (by file name), with their media types.
IMAGE_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif",
               ".svg": "image/svg+xml", ".webp": "image/webp"}
MAX_IMAGE_BYTES = 2 * 1024 * 1024
#: The largest reference Word document (``style: docx_reference:``) read, in bytes.
MAX_REFERENCE_BYTES = 20 * 1024 * 1024

# An IANA zone name ("UTC", "Europe/London", "Etc/GMT+5", "America/Port-au-Prince"): never a path that
# zoneinfo would resolve elsewhere ("/etc/…", "..", "a//b"), and not the database's posix/ and right/
# copies, which the zone list (zoneinfo.available_timezones) leaves out too.
_ZONE_NAME = re.compile(r"^(?!(?:posix|right)/|posixlocal$)[A-Za-z0-9_+-]+(?:/[A-Za-z0-9_+-]+)*$")
# Any moment will do: cronsim checks the whole expression when it is made.
_SOME_MOMENT = datetime.datetime(2000, 1, 1)


def style_problems(root: Path, document: YamlDocument, location: Location, style: Style | None,
                   stylesheets: list[str] | None) -> list[Problem]:
    """Style settings that name files or locales: each must exist (project-wide, or in one briefing)."""
    problems = []
    if style is not None:
        if style.locale is not None:
            message = check_locale(style.locale)
            if message:
                problems.append(document.problem((*location, "style", "locale"), message))
        for key, value in (style.labels or {}).items():
            message = check_label(key, value)
            if message:
                problems.append(document.problem((*location, "style", "labels", key), message))
        if style.logo is not None:
            message = check_image(root, style.logo)
            if message:
                problems.append(document.problem((*location, "style", "logo"), message))
        if style.docx_reference is not None:
            message = check_reference_docx(root, style.docx_reference)
            if message:
                problems.append(document.problem((*location, "style", "docx_reference"), message))
        if style.handling is not None:
            for message in check_markdown(style.handling, "fact"):
                problems.append(document.problem((*location, "style", "handling"), f"handling: {message}"))
    for index, name in enumerate(stylesheets or ()):
        path = root / TEMPLATES_DIR / name
        if not (path.exists() or path.is_symlink()):
            available = sorted(entry.name for entry in (root / TEMPLATES_DIR).glob("*.css")) \
                if (root / TEMPLATES_DIR).is_dir() else []
            problems.append(document.problem((*location, "stylesheet", index),
                f"stylesheet '{name}' is not in {TEMPLATES_DIR}/{did_you_mean(name, available)} "
                f"(stylesheets there: {', '.join(available) or 'none'})"))
    return problems


def check_image(root: Path, name: str) -> str | None:
    """What is wrong with ``name`` as an image inside the project (None: it can be read)."""
    path = root / name
    if Path(name).suffix.lower() not in IMAGE_TYPES:
        return f"'{name}' is not an image this tool embeds (use {', '.join(sorted(IMAGE_TYPES))})"
    if not (path.exists() or path.is_symlink()):
        return f"image '{name}' does not exist (the path is relative to the project directory)"
    try:
        read_project_file(path, root, max_bytes=MAX_IMAGE_BYTES)
    except FileProblem as error:
        return f"image '{name}': {error.problem.message}"
    return None


def check_reference_docx(root: Path, name: str) -> str | None:
    """What is wrong with ``name`` as a reference Word document inside the project (None: it is a .docx)."""
    path = root / name
    if not (path.exists() or path.is_symlink()):
        return f"reference document '{name}' does not exist (the path is relative to the project directory)"
    try:
        data = read_project_file(path, root, max_bytes=MAX_REFERENCE_BYTES)
    except FileProblem as error:
        return f"reference document '{name}': {error.problem.message}"
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            package.getinfo("word/document.xml")
    except (zipfile.BadZipFile, KeyError):
        return f"reference document '{name}' is not a Word document (.docx)"
    return None


def time_zone_problem(name: str) -> str | None:
    """What is wrong with ``name`` as the project's ``timezone:`` (None: zoneinfo knows it)."""
    if _ZONE_NAME.match(name):
        try:
            zoneinfo.ZoneInfo(name)
            return None
        except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
            pass  # not a zone file (a directory, zone.tab, …): unknown
    return (f"timezone '{name}' is not a known IANA time zone"
            f"{did_you_mean(name, sorted(zoneinfo.available_timezones()))} (e.g. 'Europe/London' or 'UTC')")


def cron_problem(expression: str) -> str | None:
    """What is wrong with a ``schedule:`` (None: cronsim reads it), to follow "schedule '…' "."""
    try:
        CronSim(expression, _SOME_MOMENT)
    except Exception:  # noqa: BLE001 - whatever cronsim raises reading an expression (CronSimError; ValueError
        # for a number past int()'s 4,300 digits), it refuses it, as the scheduler (briefings.schedule.cron) does
        return "is not a valid cron expression (e.g. \"0 6 * * 1-5\")"
    return None
