"""Issue 17's distortion table as tests: each distortion of the example fails ``check --strict`` and names its target.

The cases come from bench/distortions.py (which prints the same table): for
each kind of distortion, one change to one fact, figure or summary of the
example, made on the YAML text, then ``check --strict --archive-dir`` against
the five archived articles (../shared/seeds relative to the checkout; the tests
that need them are skipped when they are not there). A distortion must fail the
check with an output line naming the fact or figure (its id or label, or a
``path:LINE`` inside it); a harmless edit (a rewording, typographic quotes,
"13" as "thirteen", "£2.3bn" as "£2.3 billion", "5,000" as "5000") must pass.

The distortions the audit does not catch yet are marked ``xfail(strict=True)``
in :data:`NOT_CAUGHT_YET`: when a check lands that catches one, its test
XPASSes, which fails the run, and the entry must be removed.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.distortions import SEEDS, Case, apply, cases, check, copy_project, run

needs_seeds = pytest.mark.skipif(not SEEDS.is_dir(), reason=f"the example's archived articles are not here ({SEEDS})")

#: Cases (kind:target) the audit misses, with why: none since issue 17 (the mechanism stays for new kinds).
NOT_CAUGHT_YET: dict[str, str] = {}

CASES = cases()


def parameters() -> list:
    marked = []
    for case in CASES:
        marks = [pytest.mark.xfail(strict=True, reason=NOT_CAUGHT_YET[case.id])] if case.id in NOT_CAUGHT_YET else []
        marked.append(pytest.param(case, id=case.id, marks=marks))
    return marked


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One copy of the example for the module (on each worker): every case restores what it changed."""
    return copy_project(tmp_path_factory.mktemp("distortions") / "example")


def test_every_kind_of_the_table_has_several_targets() -> None:
    kinds: dict[str, set[str]] = {}
    for case in CASES:
        kinds.setdefault(case.kind, set()).add(case.target)
    expected = 14 + 6 if SEEDS.is_dir() else 13 + 6  # the figure-as-a-date kind reads the articles
    assert len(kinds) == expected, sorted(kinds)
    assert all(len(targets) >= 3 for targets in kinds.values()), kinds
    assert len({case.id for case in CASES}) == len(CASES)
    assert set(NOT_CAUGHT_YET) <= {case.id for case in CASES}


@needs_seeds
def test_the_example_itself_passes(example: Path) -> None:
    code, output = check(example, SEEDS)
    assert code == 0, output


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_each_edit_changes_its_lines_only_and_is_undone(case: Case, tmp_path: Path) -> None:
    root = copy_project(tmp_path / "example")
    originals = {path: path.read_bytes() for path in (root / "sources" / "topics").glob("*.yaml")}
    before = apply(root, case)
    changed = {path for path, content in originals.items() if path.read_bytes() != content}
    assert changed == set(before) and changed, case.id
    for path in changed:
        old, new = originals[path].decode().split("\n"), path.read_bytes().decode().split("\n")
        first = min(edit.line for edit in case.edits) - 1
        assert old[:first] == new[:first]
        tail = max(edit.line + edit.count for edit in case.edits) - 1
        assert old[tail:] == new[len(new) - (len(old) - tail):]
    for path, content in before.items():
        path.write_bytes(content)


@needs_seeds
@pytest.mark.parametrize("case", parameters())
def test_a_distortion_fails_strict_check_and_names_its_target_a_harmless_edit_passes(case: Case,
                                                                                     example: Path) -> None:
    outcome = run(case, example, SEEDS)
    if case.harmful:
        assert outcome.failed, f"{case.id} passed check --strict:\n{outcome.output}"
        assert outcome.named, f"{case.id} failed without naming {case.names or case.spans}:\n{outcome.output}"
    else:
        assert not outcome.failed, f"the harmless {case.id} failed check --strict:\n{outcome.output}"
