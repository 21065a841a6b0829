"""What a plain ``pip install`` gives: every library the code imports is declared, and one that is missing says so.

``test_a_plain_pip_install_reads_html_sources`` installs the project into a new
virtualenv with the pip it comes with (no test extras, nothing else), as a user
would, and archives a web page with it. It needs the package index: it is
skipped only when pip cannot reach the index, and never when ``CI`` is set.
The other tests need no network: they read the imports of ``briefings/`` and
the dependencies of ``pyproject.toml``, or run the command with one library
made unimportable, as if it were not installed.
"""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Callable
from importlib import metadata
from pathlib import Path

import pytest
import yaml

from tests.conftest import REPO_ROOT, copy_example

PACKAGE = REPO_ROOT / "briefings"
PAGE = Path(__file__).parent / "fixtures" / "archive" / "harbour-page.html"
REFERENCES = "sources/references.yaml"
#: Needed at run time, though imported by a library rather than by the code: trafilatura's extraction
#: goes through lxml.html.clean, which is this separate package (see the comment in pyproject.toml).
NEEDED_THROUGH_LIBRARIES = {"lxml_html_clean": "lxml.html.clean"}


def third_party_imports() -> set[str]:
    """Every module outside the standard library and ``briefings`` that ``briefings/`` imports, as written."""
    modules: set[str] = set()
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            modules.update(name for name in names
                           if name.partition(".")[0] not in sys.stdlib_module_names | {"briefings"})
    return modules


def normalised(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def declared_dependencies() -> set[str]:
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return {normalised(re.match(r"[A-Za-z0-9._-]+", requirement).group())  # type: ignore[union-attr]
            for requirement in project["dependencies"]}


def test_every_library_the_code_imports_is_declared_in_pyproject() -> None:
    distributions = metadata.packages_distributions()
    declared = declared_dependencies()
    undeclared = {}
    for module in sorted(third_party_imports()):
        top = module.partition(".")[0]
        provided_by = {normalised(name) for name in distributions.get(top, [])}
        assert provided_by, f"no installed distribution provides '{top}' (imported by briefings/)"
        if not provided_by & declared:
            undeclared[module] = sorted(provided_by)
    assert undeclared == {}, "imported by briefings/ but not among pyproject.toml's dependencies"
    assert {normalised(name) for name in NEEDED_THROUGH_LIBRARIES} <= declared


# -- a library that is not installed ---------------------------------------------------------------

#: Runs the command with one library unimportable: "absent" as if it were not installed
#: (ModuleNotFoundError), "broken" as WeasyPrint's import fails without Pango (OSError).
WITHOUT_LIBRARY = r"""
import sys

blocked, how = sys.argv[1], sys.argv[2]
if how == "absent":
    sys.modules[blocked] = None
else:
    class Refuse:
        def find_spec(self, name, path=None, target=None):
            if name == blocked or name.startswith(blocked + "."):
                raise OSError("cannot load library 'libgobject-2.0-0': libgobject-2.0-0: "
                              "cannot open shared object file: No such file or directory")
            return None

    sys.meta_path.insert(0, Refuse())
sys.argv = ["briefings", *sys.argv[3:]]
from briefings.__main__ import main

main()
"""


def add_page(project: Path) -> list[str]:
    return ["add-source", str(PAGE), "--id", "carrow-courier-harbour", "--outlet", "The Carrow Courier",
            "--title", "Port of Carrow agrees harbour expansion", "--published", "2025-03-04",
            "--project", str(project)]


def check_in_german(project: Path) -> list[str]:
    settings = project / "briefings.yaml"
    settings.write_text(settings.read_text(encoding="utf-8").replace("style:\n", "style:\n  locale: de_DE\n", 1),
                        encoding="utf-8")
    return ["check", "--project", str(project)]


@pytest.mark.parametrize(("blocked", "how", "command", "expected"), [
    # lxml raises an ImportError of its own, naming the package in its text: the one the issue was about.
    ("lxml_html_clean", "absent", add_page,
     "briefings: a library it needs is not installed (no module named 'lxml_html_clean'): "
     "install it with 'pip install lxml_html_clean', or reinstall briefings"),
    ("trafilatura", "absent", add_page, "install it with 'pip install trafilatura'"),
    ("ruamel", "absent", add_page, "install it with 'pip install ruamel.yaml'"),
    ("babel", "absent", lambda project: check_in_german(project), "install it with 'pip install babel'"),
    ("cronsim", "absent", lambda project: ["schedule", "--list", "--project", str(project)],
     "install it with 'pip install cronsim'"),
    ("watchfiles", "absent", lambda project: ["watch", "--format", "md", "--project", str(project)],
     "install it with 'pip install watchfiles'"),
    ("weasyprint", "broken", lambda project: ["build", "--format", "pdf", "--only", "nato-spending",
                                              "--project", str(project)],
     "briefings: WeasyPrint, which makes the PDFs, cannot load a system library it needs (cannot load library "
     "'libgobject-2.0-0': "),
])
def test_a_library_that_cannot_be_imported_says_what_to_install(tmp_path: Path, blocked: str, how: str,
                                                                command: Callable[[Path], list[str]],
                                                                expected: str) -> None:
    project = copy_example(tmp_path / "example")
    before = (project / REFERENCES).read_bytes()
    result = subprocess.run([sys.executable, "-c", WITHOUT_LIBRARY, blocked, how, *command(project)],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 1, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and expected in lines[0], result.stderr
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    assert (project / REFERENCES).read_bytes() == before
    assert not (project / "output").exists() or not any((project / "output").glob("*.pdf"))


def test_a_module_of_briefings_itself_that_cannot_be_imported_is_still_an_internal_error(tmp_path: Path) -> None:
    project = copy_example(tmp_path / "example")
    result = subprocess.run([sys.executable, "-c", WITHOUT_LIBRARY, "briefings.audit.archive", "absent",
                             *add_page(project)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 70, result.stderr
    assert "briefings: internal error: " in result.stderr


# -- a plain `pip install` ---------------------------------------------------------------------------

def _clean_environment() -> dict[str, str]:
    # Nothing of this test run's own environment may leak into the new one.
    return {key: value for key, value in os.environ.items()
            if key not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONSAFEPATH")}


def _index_reachable(python: Path, directory: Path) -> tuple[bool, str]:
    probe = subprocess.run([str(python), "-m", "pip", "download", "--no-deps", "--no-cache-dir", "--retries", "0",
                            "--timeout", "20", "--dest", str(directory), "idna"],
                           capture_output=True, text=True, timeout=300, env=_clean_environment())
    return probe.returncode == 0, (probe.stderr.strip().splitlines() or [""])[-1]


@pytest.mark.network
def test_a_plain_pip_install_reads_html_sources(tmp_path: Path) -> None:
    # The project as a user has it (no build/ or egg-info of ours), installed by the pip a new virtualenv has.
    source = tmp_path / "source"
    shutil.copytree(PACKAGE, source / "briefings", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO_ROOT / name, source / name)
    environment = _clean_environment()
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300, env=environment)
    python = venv / "bin" / "python"
    reachable, reason = _index_reachable(python, tmp_path / "probe")
    if not reachable:
        if os.environ.get("CI"):
            pytest.fail(f"pip cannot reach the package index, and CI must run this test: {reason}")
        pytest.skip(f"pip cannot reach the package index: {reason}")
    install = subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--no-compile", str(source)],
                             capture_output=True, text=True, timeout=1200, env=environment)
    assert install.returncode == 0, install.stdout + install.stderr

    project = tmp_path / "project"
    (project / "sources").mkdir(parents=True)
    added = subprocess.run([str(venv / "bin" / "briefings"), *add_page(project)], capture_output=True, text=True,
                           timeout=300, cwd=tmp_path, env=environment)
    assert added.returncode == 0, added.stderr
    references = yaml.safe_load((project / REFERENCES).read_text(encoding="utf-8"))
    assert references["carrow-courier-harbour"]["archive"] == "harbour-page.html"
    assert (project / "sources" / "archive" / "harbour-page.html").read_bytes() == PAGE.read_bytes()

    # Every module of briefings, every library it imports (most only when needed), and what they need.
    modules = sorted({*third_party_imports(), *NEEDED_THROUGH_LIBRARIES.values()})
    check = ("import importlib, pkgutil, sys\n"
             "import briefings\n"
             "names = [m.name for m in pkgutil.walk_packages(briefings.__path__, 'briefings.')] + sys.argv[1:]\n"
             "for name in names:\n"
             "    importlib.import_module(name)\n")
    imported = subprocess.run([str(python), "-c", check, *modules], capture_output=True, text=True, timeout=300,
                              cwd=tmp_path, env=environment)
    assert imported.returncode == 0, imported.stderr
