"""``briefings init``: create a new, working briefing project.

Contract: :func:`create_project` copies the sample project shipped in
``briefings/project_template`` into a directory and returns the files it
created. It never overwrites: if any of those files already exists it
raises :class:`ScaffoldError` before writing anything.
"""

from __future__ import annotations

from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

TEMPLATE_PACKAGE_DIR = "project_template"
# Packaging tools drop dotfiles; the sample's .gitignore travels without its dot.
RENAMED = {"gitignore": ".gitignore"}


class ScaffoldError(Exception):
    pass


def _walk(node: Traversable, prefix: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], Traversable]]:
    files = []
    for child in sorted(node.iterdir(), key=lambda item: item.name):
        if child.name == "__pycache__":
            continue
        parts = (*prefix, RENAMED.get(child.name, child.name))
        if child.is_dir():
            files.extend(_walk(child, parts))
        else:
            files.append((parts, child))
    return files


def create_project(directory: Path) -> list[Path]:
    source = resources.files("briefings") / TEMPLATE_PACKAGE_DIR
    plan = [(directory.joinpath(*parts), item) for parts, item in _walk(source)]
    existing = [path for path, _ in plan if path.exists()]
    if existing:
        names = ", ".join(str(path) for path in existing)
        raise ScaffoldError(f"will not overwrite existing files: {names}")
    for path, item in plan:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(item.read_bytes())
    (directory / "output").mkdir(exist_ok=True)
    return [path for path, _ in plan]
