"""The trees a benchmark works on: the code it runs old against new, and copies of the example project.

Contract: :func:`extract` writes the tree of a revision (``git archive``) into
a directory; :func:`compile_tree` compiles every module under a directory to
bytecode; :func:`copy_example` copies the example project (the repository
root's settings, sources and templates, as tests/conftest.py's does).

A benchmark compiles both sides before it measures anything: where
``PYTHONDONTWRITEBYTECODE`` is set (as on the development machine), Python
never writes bytecode itself, and a side without it would compile each of its
modules from source in every measured process (about 0.2 s of start-up
that an installed package never pays).
"""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def extract(revision: str, destination: Path, *paths: str) -> Path:
    """The tree of ``revision`` (only ``paths`` when given), extracted at ``destination``, compiled."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", revision, *paths], capture_output=True,
                             check=True).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(destination, filter="data")
    compile_tree(destination)
    return destination


def compile_tree(directory: Path) -> None:
    """Every module under ``directory`` compiled to bytecode (``compileall`` writes it whatever the environment)."""
    subprocess.run([sys.executable, "-m", "compileall", "-q", "-j", "0", str(directory / "briefings")
                    if (directory / "briefings").is_dir() else str(directory)], check=True, capture_output=True)


def copy_example(destination: Path) -> Path:
    """A copy of the example project at ``destination`` (made, with its parents)."""
    destination.mkdir(parents=True)
    for name in ("briefings.yaml", "sources", "templates"):
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, destination / name)
        elif source.exists():
            shutil.copy2(source, destination / name)
    return destination
