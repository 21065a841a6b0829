"""``briefings init``: a new project that checks and builds as it is."""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

import pytest
from click.testing import CliRunner

from briefings.cli import main
from briefings.project import scaffold


def test_init_creates_a_project_that_builds(tmp_path: Path) -> None:
    target = tmp_path / "new"
    runner = CliRunner()
    result = runner.invoke(main, ["init", str(target)])
    assert result.exit_code == 0, result.output
    for name in ("briefings.yaml", "sources/references.yaml", "sources/topics/example-topic.yaml",
                 "templates/README.md", ".gitignore"):
        assert (target / name).is_file(), name
    result = runner.invoke(main, ["check", "--project", str(target)])
    assert result.exit_code == 0, result.output
    result = runner.invoke(main, ["build", "--project", str(target), "--format", "md"])
    assert result.exit_code == 0, result.output
    text = (target / "output/example-topic.md").read_text(encoding="utf-8")
    assert "A fact in the curator's own words, with the date it happened.[^1]" in text


def test_init_never_overwrites(tmp_path: Path) -> None:
    target = tmp_path / "new"
    (target / "sources").mkdir(parents=True)
    (target / "briefings.yaml").write_text("title: mine\n")
    result = CliRunner().invoke(main, ["init", str(target)])
    assert result.exit_code == 1
    assert "will not overwrite existing files" in result.output
    assert (target / "briefings.yaml").read_text() == "title: mine\n"
    assert not (target / "sources/references.yaml").exists()


def test_init_never_writes_through_a_symbolic_link_to_nothing(tmp_path: Path) -> None:
    target = tmp_path / "new"
    target.mkdir()
    outside = tmp_path / "outside.yaml"
    (target / "briefings.yaml").symlink_to(outside)  # exists() says no: the link leads nowhere (yet)
    result = CliRunner().invoke(main, ["init", str(target)])
    assert result.exit_code == 1, result.output
    assert "will not overwrite existing files" in result.output and "briefings.yaml" in result.output
    assert not os.path.lexists(outside)
    assert not (target / "sources").exists()


def test_init_never_writes_into_a_directory_linked_out_of_the_project(tmp_path: Path) -> None:
    target = tmp_path / "new"
    target.mkdir()
    outside = tmp_path / "outside"
    outside.mkdir()
    (target / "sources").symlink_to(outside)
    result = CliRunner().invoke(main, ["init", str(target)])
    assert result.exit_code == 1, result.output
    assert "sources: is a symbolic link to a directory outside the project: refused" in result.output
    assert list(outside.iterdir()) == []
    assert not (target / "briefings.yaml").exists()  # all or nothing


def test_init_never_replaces_a_file_that_appears_while_it_writes(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    # Another `init` into the same directory, or the user, makes a file after the check and before it is written.
    target = tmp_path / "new"
    sample = Path(str(resources.files("briefings") / scaffold.TEMPLATE_PACKAGE_DIR))
    real_read_bytes = Path.read_bytes

    def read_bytes(self: Path) -> bytes:
        # The sample's file is read just before its copy is written: the other file appears then.
        if self == sample / "sources" / "references.yaml":
            (target / "sources").mkdir(parents=True, exist_ok=True)
            (target / "sources" / "references.yaml").write_text("mine: {}\n", encoding="utf-8")
        return real_read_bytes(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    result = CliRunner().invoke(main, ["init", str(target)])
    assert result.exit_code == 1, result.output
    assert "will not overwrite existing files" in result.output
    assert (target / "sources" / "references.yaml").read_text(encoding="utf-8") == "mine: {}\n"
    assert sorted(path.name for path in target.rglob("*") if path.is_file()) == ["references.yaml"]
