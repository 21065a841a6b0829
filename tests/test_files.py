"""Unit tests of briefings.files: reading a project's files without trusting them."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from pathlib import Path

import pytest

from briefings.errors import Problem
from briefings.files import (
    MAX_FILE_BYTES,
    FileProblem,
    check_project_dir,
    first_forbidden_character,
    is_forbidden_character,
    list_topic_files,
    read_project_file,
)
from tests.conftest import write

SECRET = "outside-secret: do not show\n"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "project").mkdir()
    return tmp_path / "project"


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    return write(tmp_path, "outside/secret.yaml", SECRET)


def refusal(path: Path, root: Path, **options: int) -> Problem:
    with pytest.raises(FileProblem) as caught:
        read_project_file(path, root, **options)
    assert str(caught.value) == str(caught.value.problem)
    return caught.value.problem


# -- read_project_file -------------------------------------------------------------------------------------


def test_reads_a_regular_file(root: Path) -> None:
    path = write(root, "sources/references.yaml", "a: 1\n")
    assert read_project_file(path, root) == b"a: 1\n"


def test_a_symlink_that_stays_inside_the_project_is_followed(root: Path) -> None:
    write(root, "shared/topic.yaml", "a: 1\n")
    link = root / "sources/topics/topic.yaml"
    link.parent.mkdir(parents=True)
    link.symlink_to("../../shared/topic.yaml")
    assert read_project_file(link, root) == b"a: 1\n"


def test_a_project_reached_through_a_symlink_reads_normally(tmp_path: Path, root: Path) -> None:
    write(root, "sources/references.yaml", "a: 1\n")
    (tmp_path / "alias").symlink_to(root)
    assert read_project_file(tmp_path / "alias/sources/references.yaml", tmp_path / "alias") == b"a: 1\n"


def test_a_symlink_out_of_the_project_is_refused(root: Path, outside: Path) -> None:
    link = root / "sources/references.yaml"
    link.parent.mkdir(parents=True)
    link.symlink_to(outside)
    assert refusal(link, root) == Problem(
        "sources/references.yaml", None, "is a symbolic link to a file outside the project: refused")


def test_a_directory_symlinked_out_of_the_project_is_refused(root: Path, outside: Path) -> None:
    (root / "sources").symlink_to(outside.parent)
    problem = refusal(root / "sources/secret.yaml", root)
    assert problem == Problem("sources/secret.yaml", None,
                              "is a symbolic link to a file outside the project: refused")


def test_a_broken_symlink_out_of_the_project_does_not_say_where_it_points(root: Path, tmp_path: Path) -> None:
    link = root / "briefings.yaml"
    link.symlink_to(tmp_path / "nowhere/secret-name.yaml")
    problem = refusal(link, root)
    assert problem.message == "is a symbolic link to a file outside the project: refused"


def test_a_broken_symlink_inside_the_project(root: Path) -> None:
    link = root / "briefings.yaml"
    link.symlink_to("missing.yaml")
    assert refusal(link, root).message == "is a broken symbolic link (what it points to does not exist)"


def test_a_symlink_loop_is_refused(root: Path) -> None:
    (root / "a.yaml").symlink_to("b.yaml")
    (root / "b.yaml").symlink_to("a.yaml")
    assert refusal(root / "a.yaml", root) == Problem("a.yaml", None, "is a symbolic link loop")


def test_a_fifo_is_refused_without_blocking(root: Path) -> None:
    os.mkfifo(root / "pipe.yaml")
    assert refusal(root / "pipe.yaml", root).message == "is a named pipe (FIFO), not a regular file: refused"


def test_a_fifo_swapped_in_after_the_stat_is_refused_by_fstat(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    os.mkfifo(root / "pipe.yaml")
    real_stat = os.stat
    regular = real_stat(write(root, "regular.yaml", "a: 1\n"))
    monkeypatch.setattr(os, "stat", lambda path, *a, **k: regular if str(path).endswith("pipe.yaml")
                        else real_stat(path, *a, **k))
    assert refusal(root / "pipe.yaml", root).message == "is a named pipe (FIFO), not a regular file: refused"


def test_a_device_is_refused(root: Path) -> None:
    try:
        os.mknod(root / "zero.yaml", stat.S_IFCHR | 0o600, os.makedev(1, 5))
    except PermissionError:
        pytest.skip("creating a device file needs privileges")
    assert refusal(root / "zero.yaml", root).message == "is a device, not a regular file: refused"


def test_a_directory_named_like_a_file_is_refused(root: Path) -> None:
    (root / "x.yaml").mkdir()
    assert refusal(root / "x.yaml", root).message == "is a directory, not a file"


def test_a_missing_file(root: Path) -> None:
    assert refusal(root / "missing.yaml", root).message == "file does not exist"


def test_permission_denied(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(root, "locked.yaml", "a: 1\n")
    real_open = os.open

    def refusing_open(name: str | os.PathLike[str], *args: object, **kwargs: object) -> int:
        if str(name).endswith("locked.yaml"):
            raise PermissionError(13, "Permission denied", str(name))
        return real_open(name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "open", refusing_open)
    assert refusal(path, root) == Problem("locked.yaml", None, "cannot read file: permission denied")


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_permission_denied_for_real(root: Path) -> None:
    path = write(root, "locked.yaml", "a: 1\n")
    path.chmod(0)
    try:
        assert refusal(path, root).message == "cannot read file: permission denied"
    finally:
        path.chmod(0o600)


def test_a_file_over_the_limit_is_refused_unread(root: Path) -> None:
    path = root / "big.yaml"
    with path.open("wb") as handle:
        handle.truncate(MAX_FILE_BYTES + 1024 * 1024)
    assert refusal(path, root).message == "file is too large: 6.0 MiB (the limit is 5.0 MiB)"
    assert refusal(path, root, max_bytes=1024).message == "file is too large: 6.0 MiB (the limit is 1,024 bytes)"


def test_a_file_growing_past_the_limit_while_read_is_refused(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(root, "growing.yaml", b"x" * 10)
    real_read = os.read
    monkeypatch.setattr(os, "read", lambda descriptor, size: real_read(descriptor, size) or b"y" * size)
    assert refusal(path, root, max_bytes=100).message == (
        "file is too large: more than 100 bytes (the limit is 100 bytes)")


def test_a_file_at_the_limit_is_read(root: Path) -> None:
    path = write(root, "exact.yaml", b"x" * 1024)
    assert read_project_file(path, root, max_bytes=1024) == b"x" * 1024


@pytest.mark.parametrize(("name", "shown", "message"), [
    ("a\nb.yaml", "a\\nb.yaml", "file name contains the control character U+000A (LINE FEED): rename the file"),
    ("a\x1b[31mb.yaml", "a\\x1b[31mb.yaml",
     "file name contains the control character U+001B (ESCAPE): rename the file"),
    ("a\u202eb.yaml", "a\\u202eb.yaml",
     "file name contains the control character U+202E (RIGHT-TO-LEFT OVERRIDE): rename the file"),
    (os.fsdecode(b"caf\xe9.yaml"), "caf\\xe9.yaml", "file name is not valid UTF-8 (byte 0xe9): rename the file"),
])
def test_file_names_with_control_characters_are_refused_and_shown_escaped(root: Path, name: str, shown: str,
                                                                           message: str) -> None:
    path = write(root, f"sources/topics/{name}", "a: 1\n")
    assert refusal(path, root) == Problem(f"sources/topics/{shown}", None, message)


# -- list_topic_files ------------------------------------------------------------------------------------------


def test_lists_yaml_and_yml_files_sorted(root: Path) -> None:
    topics = root / "sources/topics"
    for name in ("b.yml", "a.yaml", "c.yaml", "notes.txt", "README.md"):
        write(topics, name, "a: 1\n")
    (topics / "x.yaml").mkdir()
    assert list_topic_files(topics, root) == ([topics / "a.yaml", topics / "b.yml", topics / "c.yaml",
                                               topics / "x.yaml"], [])


def test_ignores_hidden_files_and_editor_leftovers(root: Path) -> None:
    topics = root / "sources/topics"
    write(topics, "topic.yaml", "a: 1\n")
    for name in (".hidden.yaml", ".topic.yaml.swp", "topic.yaml~", "#topic.yaml#"):
        write(topics, name, "broken: [\n")
    (topics / ".#topic.yaml").symlink_to("user@host.1234")  # Emacs's lock: a dangling link
    assert list_topic_files(topics, root) == ([topics / "topic.yaml"], [])


def test_no_topics_directory_is_no_files_and_no_problem(root: Path) -> None:
    assert list_topic_files(root / "sources/topics", root) == ([], [])


def test_topics_directory_linked_out_of_the_project_is_refused(root: Path, outside: Path) -> None:
    (root / "sources").mkdir()
    (root / "sources/topics").symlink_to(outside.parent)
    assert list_topic_files(root / "sources/topics", root) == ([], [Problem(
        "sources/topics", None, "is a symbolic link to a directory outside the project: refused")])


# -- check_project_dir -------------------------------------------------------------------------------------------


def test_check_project_dir_accepts_absent_and_inside_directories(root: Path) -> None:
    assert check_project_dir(root / "templates", root) is None
    (root / "templates").mkdir()
    assert check_project_dir(root / "templates", root) is None
    (root / "shared").mkdir()
    (root / "output").symlink_to("shared")
    assert check_project_dir(root / "output", root) is None


@pytest.mark.parametrize(("make", "message"), [
    (lambda root, outside: (root / "output").symlink_to(outside.parent),
     "is a symbolic link to a directory outside the project: refused"),
    (lambda root, outside: (root / "output").symlink_to("output"), "is a symbolic link loop"),
    (lambda root, outside: (root / "output").write_text("x"), "is not a directory"),
    (lambda root, outside: (root / "output").symlink_to("gone"),
     "is a broken symbolic link (what it points to does not exist)"),
], ids=["outside", "loop", "file", "broken-link"])
def test_check_project_dir_refuses(root: Path, outside: Path, make: Callable[[Path, Path], object],
                                   message: str) -> None:
    make(root, outside)
    assert check_project_dir(root / "output", root) == Problem("output", None, message)


def test_first_forbidden_character_agrees_with_is_forbidden_character_everywhere() -> None:
    # One regex search stands in for a check of every character; both must refuse exactly the same ones.
    every = [chr(code) for code in range(0x110000)]
    assert [c for c in every if first_forbidden_character(c) is not None] == \
        [c for c in every if is_forbidden_character(c)]
    assert first_forbidden_character("plain \t text\n") is None
    assert first_forbidden_character("a\u202eb\x07c") == "\u202e"
