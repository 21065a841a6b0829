"""The package's shape, checked: the layers, no import cycle, no import hidden in a function, small modules.

import-linter (``lint-imports`` in ``.ci/run``, contracts in ``pyproject.toml``)
checks that lower layers never import higher ones. These tests check what it
does not: that no module of ours imports another inside a function (the way a
cycle is usually hidden), except the few that load a heavy dependency only
when needed and say so, and that no module has grown past about 500 lines.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

PACKAGE = REPO_ROOT / "briefings"
MAX_LINES = 500
#: Imports of our own modules inside a function, each for a reason that is not a cycle.
DEFERRED_IMPORTS: dict[str, set[str]] = {
    # WeasyPrint (tens of MiB, a second to import) loads only when a PDF is rendered.
    "briefings.render.briefing": {"briefings.render.pdf"},
    # The loader, the audit and the renderers (a third of a second to import) load only when the quick check
    # finds something to build: a no-op build of a large project costs the hashing of its files.
    "briefings.build.entry": {"briefings.build.orchestrate"},
    # Likewise the loader for ``list``, which answers from the last build's record when no source changed.
    "briefings.cli.project": {"briefings.project.loader"},
}


def modules() -> list[tuple[str, Path]]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(REPO_ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found.append((".".join(parts), path))
    return found


def own_imports_in_functions(path: Path, module: str) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for function in ast.walk(tree):
        if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for node in ast.walk(function):
            if isinstance(node, ast.ImportFrom):
                if node.level:
                    base = module.split(".")[: -node.level] if not path.name == "__init__.py" else module.split(".")
                    name = ".".join([*base, node.module] if node.module else base)
                else:
                    name = node.module or ""
                if name.startswith("briefings"):
                    found.add(name)
            elif isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names if alias.name.startswith("briefings"))
    return found


@pytest.mark.parametrize(("module", "path"), modules(), ids=[name for name, _ in modules()])
def test_no_module_of_ours_is_imported_inside_a_function(module: str, path: Path) -> None:
    hidden = own_imports_in_functions(path, module) - DEFERRED_IMPORTS.get(module, set())
    assert not hidden, f"{module} imports {sorted(hidden)} inside a function: move the code to the layer it belongs to"


@pytest.mark.parametrize(("module", "path"), modules(), ids=[name for name, _ in modules()])
def test_no_module_is_over_500_lines(module: str, path: Path) -> None:
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{module} has {lines} lines: a module this long has more than one job"


def test_the_layers_hold() -> None:
    lint = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run([str(lint), "--no-cache"], cwd=REPO_ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
