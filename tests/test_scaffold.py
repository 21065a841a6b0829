"""``briefings init``: a new project that checks and builds as it is."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from briefings.cli import main


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
