"""Every name briefings gives to something on disk, every output format and every shared default, in one place.

Contract: plain constants, importing nothing of ours (and nothing heavy), so
that any layer, and ``--help``, may use them. A project is a directory
holding ``briefings.yaml`` (optional), ``sources/`` (references and topics),
``templates/`` (house templates) and ``output/`` (what builds write,
with the build's own bookkeeping in ``output/.briefings/`` and published
editions in ``output/editions/``). Paths here are relative: to the project
(``*_FILE``, ``*_DIR``), or to ``output/`` where the name says so.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final, Literal

#: The project's settings file.
SETTINGS_FILE: Final = "briefings.yaml"
#: The curated references (documents facts cite).
REFERENCES_FILE: Final = "sources/references.yaml"
#: The lock ``add-source`` holds while it changes the references and the archive (a dotfile: never a source).
SOURCES_LOCK: Final = "sources/.references.yaml.lock"
#: One YAML file per topic.
TOPICS_DIR: Final = "sources/topics"
#: Where archived copies of the references are kept unless ``archive_dir`` in briefings.yaml says otherwise.
DEFAULT_ARCHIVE_DIR: Final = "sources/archive"
#: The project's own templates, over the built-in ones.
TEMPLATES_DIR: Final = "templates"
#: Where builds write; everything under it is generated.
OUTPUT_DIR: Final = "output"

#: The build's bookkeeping, relative to ``output/``: manifest, parse cache, lock.
STATE_DIR: Final = ".briefings"
MANIFEST_NAME: Final = "manifest.json"
#: The manifest, relative to ``output/``.
MANIFEST_PATH: Final = f"{STATE_DIR}/{MANIFEST_NAME}"
#: The parse cache's directory (:mod:`briefings.build.cache`); ``cache.json`` was its single file before.
CACHE_DIR: Final = "cache"
LEGACY_CACHE_NAME: Final = "cache.json"
#: What the last complete build depended on besides its outputs (:mod:`briefings.build.quick`).
INPUTS_NAME: Final = "inputs.json"
LOCK_FILE_NAME: Final = "lock"
#: The build lock as the user knows it: relative to the project.
LOCK_PATH: Final = f"{OUTPUT_DIR}/{STATE_DIR}/{LOCK_FILE_NAME}"

#: Published editions, relative to ``output/``: ``editions/<briefing>/``.
EDITIONS_NAME: Final = "editions"
#: The same, relative to the project.
EDITIONS_DIR: Final = f"{OUTPUT_DIR}/{EDITIONS_NAME}"
#: The scheduler's run log and state, relative to the project.
RUN_LOG: Final = f"{EDITIONS_DIR}/runs.jsonl"
SCHEDULE_STATE_FILE: Final = f"{EDITIONS_DIR}/schedule-state.json"

OutputFormat = Literal["md", "html", "pdf", "docx"]
#: The document formats a briefing can be rendered in (``formats:`` in briefings.yaml).
OUTPUT_FORMATS: Final[tuple[OutputFormat, ...]] = ("md", "html", "pdf", "docx")
#: The formats a project builds when its briefings.yaml names none (Word only when asked for).
DEFAULT_FORMATS: Final[tuple[OutputFormat, ...]] = ("md", "html", "pdf")
#: What ``build --format`` accepts: those and the JSON snapshot.
BUILD_FORMATS: Final = (*OUTPUT_FORMATS, "json")

#: How long a command waits for another build of the project to finish, in seconds.
DEFAULT_WAIT: Final = 300.0

#: The built-in templates, and the prefix naming them in the manifest (``builtin/briefing.md.j2``).
BUILTIN_PREFIX: Final = "builtin"
BUILTIN_TEMPLATES_DIR: Final = Path(__file__).resolve().parent / "templates"
