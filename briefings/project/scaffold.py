"""``briefings init``: create a new, working briefing project.

Contract: :func:`create_project` copies the sample project shipped in
``briefings/project_template`` into a directory and returns the files it
created. It never overwrites: if any of those files already exists (a
symbolic link counts, even one to nothing) it raises :class:`ScaffoldError`
before writing anything. Each file is created exclusively, never through a
link, so one that appears meanwhile (another ``init`` into the same
directory) is not replaced either: the run then removes the files it created
and fails. A directory of the sample that is a link out of the new project
is refused, so nothing is written outside it.
"""

from __future__ import annotations

import os
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from briefings.files import check_project_dir

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
    existing = [path for path, _ in plan if os.path.lexists(path)]
    if existing:
        names = ", ".join(str(path) for path in existing)
        raise ScaffoldError(f"will not overwrite existing files: {names}")
    created: list[Path] = []
    try:
        for path, item in plan:
            _make_directory(path.parent, directory)
            _create(path, item.read_bytes())
            created.append(path)
        _make_directory(directory / "output", directory)
    except BaseException:
        for path in created:  # all or nothing: what this run wrote goes, nobody else's file
            path.unlink(missing_ok=True)
        raise
    return created


def _make_directory(path: Path, root: Path) -> None:
    """Make ``path`` and its parents up from ``root``, each a directory inside ``root``, never a link out of it."""
    root.mkdir(parents=True, exist_ok=True)
    relative = path.relative_to(root).parts
    for depth in range(len(relative) + 1):
        step = root.joinpath(*relative[:depth])
        problem = check_project_dir(step, root)
        if problem is None and not os.path.lexists(step):
            try:
                step.mkdir()
            except FileExistsError:
                pass  # made meanwhile: checked again below
            except OSError as error:
                raise ScaffoldError(f"{step}: cannot create the directory: {_reason(error)}") from None
            problem = check_project_dir(step, root)
        if problem is not None:
            raise ScaffoldError(f"{step}: {problem.message}")


def _create(path: Path, data: bytes) -> None:
    """Write ``data`` as the new file ``path``: never replacing a file, never through a symbolic link."""
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
    except FileExistsError:
        raise ScaffoldError(f"will not overwrite existing files: {path}") from None
    except OSError as error:
        raise ScaffoldError(f"{path}: cannot write: {_reason(error)}") from None
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
    except BaseException as error:
        path.unlink(missing_ok=True)  # ours, half written
        if isinstance(error, OSError):
            raise ScaffoldError(f"{path}: cannot write: {_reason(error)}") from None
        raise


def _reason(error: OSError) -> str:
    return (error.strerror or type(error).__name__).lower()
