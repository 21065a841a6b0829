"""The code a benchmark runs old against new: a git revision's tree, extracted and compiled like an installed package.

Contract: :func:`extract` writes the tree of a revision (``git archive``) into
a directory; :func:`compile_tree` compiles every module under a directory to
bytecode. A benchmark compiles both sides before it measures anything: where
``PYTHONDONTWRITEBYTECODE`` is set (as on the development machine), Python
never writes bytecode itself, and a side without it would compile each of its
modules from source in every measured process (a third of a second and more
of start-up that an installed package never pays).
"""

from __future__ import annotations

import io
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
