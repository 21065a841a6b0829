"""``build --shard K/N``: disjoint, complete, balanced, deterministic slices, and strict parsing of K/N."""

from __future__ import annotations

import random
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml

from briefings.build.shard import parse_shard, shard
from tests.conftest import REPO_ROOT, invoke, write

ID_SETS = [
    [],
    ["only-one"],
    ["alpha", "beta"],
    [f"weekly-{n}" for n in range(1, 8)],
    [f"country-{letter}" for letter in "abcdefghijklmnopqrstuvwxyz"],
    [f"b{n}" for n in range(100)],
]


@pytest.mark.parametrize("ids", ID_SETS, ids=lambda ids: f"{len(ids)}-ids")
@pytest.mark.parametrize("count", range(1, 8))
def test_slices_are_disjoint_complete_and_balanced(ids: list[str], count: int) -> None:
    slices = [shard(ids, index, count) for index in range(1, count + 1)]
    together = [briefing_id for piece in slices for briefing_id in piece]
    assert sorted(together) == sorted(ids)  # every id, each exactly once
    sizes = [len(piece) for piece in slices]
    assert max(sizes) - min(sizes) <= 1


@pytest.mark.parametrize("ids", ID_SETS[1:], ids=lambda ids: f"{len(ids)}-ids")
@pytest.mark.parametrize("count", range(1, 8))
def test_slices_depend_only_on_the_set_of_ids(ids: list[str], count: int) -> None:
    shuffled = list(ids)
    random.Random(count).shuffle(shuffled)
    for index in range(1, count + 1):
        assert set(shard(shuffled, index, count)) == set(shard(ids, index, count))
        assert shard(shuffled, index, count) == [i for i in shuffled if i in shard(ids, index, count)]  # given order


def test_slices_are_the_same_on_every_machine() -> None:
    # Pinned: a change here would split the same project differently on machines running different versions.
    ids = [f"weekly-{n}" for n in range(1, 8)]
    assert [shard(ids, index, 3) for index in (1, 2, 3)] == [
        ["weekly-1", "weekly-3"], ["weekly-2", "weekly-4"], ["weekly-5", "weekly-6", "weekly-7"]]
    # ... and in a fresh interpreter with another hash seed: str hashes play no part.
    code = "from briefings.build.shard import shard; print(shard([f'weekly-{n}' for n in range(1, 8)], 3, 3))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                            env={"PYTHONHASHSEED": "12345", "PATH": ""})
    assert result.stdout.strip() == "['weekly-5', 'weekly-6', 'weekly-7']", result.stderr


@pytest.mark.parametrize("count", range(2, 8))
def test_adding_one_briefing_moves_few_others(count: int) -> None:
    ids = [f"b{n}" for n in range(60)]
    before = {briefing_id: index for index in range(1, count + 1) for briefing_id in shard(ids, index, count)}
    after = {briefing_id: index for index in range(1, count + 1)
             for briefing_id in shard([*ids, "new-one"], index, count)}
    moved = [briefing_id for briefing_id in ids if before[briefing_id] != after[briefing_id]]
    assert len(moved) <= count - 1


def test_duplicates_count_once() -> None:
    assert sorted(shard(["a", "b", "a"], 1, 1)) == ["a", "b"]


# -- parsing K/N -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [("1/1", (1, 1)), ("2/3", (2, 3)), ("7/7", (7, 7)),
                                                ("10/12", (10, 12))])
def test_good_shard_values(text: str, expected: tuple[int, int]) -> None:
    assert parse_shard(text) == expected


NOT_K_OF_N = "is not K/N: give this machine's shard and the number of shards as whole numbers, such as 2/5"


@pytest.mark.parametrize(("text", "message"), [
    ("0/3", "'0/3': the shard K must be between 1 and N (3); shards are numbered from 1"),
    ("4/3", "'4/3': the shard K must be between 1 and N (3); shards are numbered from 1"),
    ("1/0", "'1/0': the number of shards N must be at least 1"),
    ("0/0", "'0/0': the number of shards N must be at least 1"),
    ("3", f"'3' {NOT_K_OF_N}"),
    ("", f"'' {NOT_K_OF_N}"),
    ("-1/3", f"'-1/3' {NOT_K_OF_N}"),
    ("1.5/3", f"'1.5/3' {NOT_K_OF_N}"),
    (" 1/3", f"' 1/3' {NOT_K_OF_N}"),
    ("1/3/5", f"'1/3/5' {NOT_K_OF_N}"),
    ("\u0661/\u0663", f"'\u0661/\u0663' {NOT_K_OF_N}"),  # Arabic-Indic digits are digits to str.isdigit, not to us
    ("1/3\x1b[2J", f"'1/3\\x1b[2J' {NOT_K_OF_N}"),
])
def test_bad_shard_values_are_usage_errors(project: Path, text: str, message: str) -> None:
    with pytest.raises(ValueError) as error:
        parse_shard(text)
    assert str(error.value) == message
    result = invoke("build", "--project", str(project), "--shard", text)
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert f"Error: Invalid value for '--shard': {message}" in result.stderr.splitlines()
    assert not (project / "output").exists()


# -- end to end --------------------------------------------------------------------------------------------------

TOPIC = """\
title: Topic {n}
summary: The bottom line, first.
as_of: 2025-06-24
facts:
  - id: a-fact
    text: Something happened.
    sources: [alpha-report]
"""
REFERENCES = """\
alpha-report:
  outlet: Alpha News
  title: Alpha reports on the talks
  published: 2025-06-23
"""
BRIEFINGS = [f"briefing-{n}" for n in range(1, 8)]


@pytest.fixture
def seven_briefings(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    write(root, "sources/references.yaml", REFERENCES)
    for n in range(1, 8):
        write(root, f"sources/topics/topic-{n}.yaml", TOPIC.format(n=n))
    write(root, "briefings.yaml", "briefings:\n" + "".join(
        f"  briefing-{n}:\n    title: Briefing {n}\n    topics: [topic-{n}]\n" for n in (3, 1, 7, 2, 6, 4, 5)))
    return root


def test_build_shard_2_of_3_writes_exactly_that_slice(seven_briefings: Path) -> None:
    expected = shard(BRIEFINGS, 2, 3)
    result = invoke("build", "--project", str(seven_briefings), "--shard", "2/3", "--format", "md")
    assert result.exit_code == 0, result.output
    assert sorted(path.name for path in (seven_briefings / "output").iterdir()) == sorted(
        [".briefings", *(f"{briefing_id}.md" for briefing_id in expected)])
    assert result.stdout.splitlines()[0] == f"Shard 2/3: {len(expected)} of 7 briefing(s)."


def test_all_shards_together_build_what_a_whole_build_does(seven_briefings: Path, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767323045")  # as docs/sharding.md has every shard do
    for index in (1, 2, 3):
        assert invoke("build", "--project", str(seven_briefings), "--shard", f"{index}/3",
                      "--format", "md").exit_code == 0
    sharded = {path.name: path.read_bytes() for path in (seven_briefings / "output").iterdir() if path.is_file()}
    (seven_briefings / "output").rename(tmp_path / "sharded-output")
    assert invoke("build", "--project", str(seven_briefings), "--format", "md").exit_code == 0
    whole = {path.name: path.read_bytes() for path in (seven_briefings / "output").iterdir() if path.is_file()}
    assert len(whole) == 7  # seven briefings (the lock and the manifest are in output/.briefings/)
    assert sharded == whole


def test_shard_combines_with_only(seven_briefings: Path) -> None:
    only = ["briefing-1", "briefing-2", "briefing-5", "briefing-6"]
    arguments = [argument for briefing_id in only for argument in ("--only", briefing_id)]
    built: list[str] = []
    for index in (1, 2):
        result = invoke("build", "--project", str(seven_briefings), *arguments, "--shard", f"{index}/2",
                        "--format", "md")
        assert result.exit_code == 0, result.output
        assert result.stdout.splitlines()[0] == f"Shard {index}/2: 2 of 4 briefing(s)."
        built.extend(f"{briefing_id}.md" for briefing_id in shard(only, index, 2))
    assert sorted(path.name for path in (seven_briefings / "output").iterdir()) == sorted(
        [".briefings", *built])
    assert len(built) == 4


def test_an_empty_shard_says_so_and_builds_nothing(seven_briefings: Path) -> None:
    results = [invoke("build", "--project", str(seven_briefings), "--shard", f"{index}/9", "--format", "md")
               for index in range(1, 10)]
    assert all(result.exit_code == 0 for result in results)
    empty = [result.stdout.splitlines() for result in results if "empty" in result.stdout]
    assert len(empty) == 2
    for lines in empty:
        assert re.fullmatch(r"Shard [1-9]/9: empty \(7 briefing\(s\) over 9 shards leave none for it\); "
                            r"nothing to build\.", lines[0])
        assert re.fullmatch(r"0 briefing\(s\) rendered, 0 up to date; 0 file\(s\) written; \d+\.\d s\.",
                            lines[1]) and len(lines) == 2


def test_shard_order_in_briefings_yaml_does_not_matter(seven_briefings: Path, tmp_path: Path) -> None:
    reordered = "briefings:\n" + "".join(
        f"  briefing-{n}:\n    title: Briefing {n}\n    topics: [topic-{n}]\n" for n in range(1, 8))
    first = invoke("build", "--project", str(seven_briefings), "--shard", "3/4", "--format", "md", "-q")
    names = sorted(path.name for path in (seven_briefings / "output").iterdir())
    (seven_briefings / "output").rename(tmp_path / "first-output")
    write(seven_briefings, "briefings.yaml", textwrap.dedent(reordered))
    second = invoke("build", "--project", str(seven_briefings), "--shard", "3/4", "--format", "md", "-q")
    assert first.exit_code == second.exit_code == 0
    assert sorted(path.name for path in (seven_briefings / "output").iterdir()) == names


# -- docs/sharding.md stays true ---------------------------------------------------------------------------------


def _blocks(language: str) -> list[str]:
    text = (REPO_ROOT / "docs" / "sharding.md").read_text(encoding="utf-8")
    return re.findall(rf"^```{language}\n(.*?)^```$", text, flags=re.MULTILINE | re.DOTALL)


def test_the_documented_workflow_builds_every_shard_and_merges_them() -> None:
    (workflow_text,) = _blocks("yaml")
    workflow = yaml.safe_load(workflow_text)
    jobs = workflow["jobs"]
    shards = jobs["build"]["strategy"]["matrix"]["shard"]
    assert shards == list(range(1, len(shards) + 1))
    runs = [step.get("run", "") for step in jobs["build"]["steps"]]
    assert "bash .ci/setup" in runs
    assert f".venv/bin/briefings build --strict --shard ${{{{ matrix.shard }}}}/{len(shards)}" in runs
    uses = {step.get("uses", "").split("@")[0]: step for step in jobs["build"]["steps"]}
    assert "ref" not in uses["actions/checkout"].get("with", {})  # the default: the same commit for every shard
    assert uses["actions/upload-artifact"]["with"]["path"] == "output/"
    download = jobs["merge"]["steps"][0]
    assert jobs["merge"]["needs"] == "build"
    assert download["uses"].startswith("actions/download-artifact@")
    assert download["with"] == {"pattern": "briefings-shard-*", "path": "output", "merge-multiple": True}


def test_the_documented_shell_is_valid_shell() -> None:
    for block in _blocks("sh"):
        result = subprocess.run(["bash", "-n"], input=block, capture_output=True, text=True, timeout=30)
        assert result.returncode == 0, result.stderr


def test_the_readme_links_the_sharding_recipe() -> None:
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    commands = readme[readme.index("## Commands"):readme.index("## The data contract")]
    assert "(docs/sharding.md)" in commands
    assert "--wait SECONDS" in commands and "--shard K/N" in commands
