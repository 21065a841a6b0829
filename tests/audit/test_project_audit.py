"""briefings.audit.project_audit: the project loaded, then audited; acknowledgements settled after the audit."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest

import briefings
from briefings.audit.auditor import audit_project
from briefings.audit.project_audit import audit_loaded, load_and_audit, load_and_audit_partially
from briefings.errors import Problem, ProblemsFound, Severity
from briefings.project.loader import load_project_partially
from tests.conftest import TOPIC, python_steps, write

TOPIC_FILE = "sources/topics/test-topic.yaml"
TODAY = datetime.date(2026, 1, 2)


def line_of(text: str, needle: str) -> int:
    [line] = [number for number, content in enumerate(text.splitlines(), start=1) if needle in content]
    return line


def test_unused_acknowledgements_are_reported_once_the_audit_has_run(project: Path) -> None:
    topic = write(project, TOPIC_FILE, TOPIC.replace(
        "    sources: [alpha-report, beta-wire]\n",
        "    sources: [alpha-report, beta-wire]\n    acknowledge:\n      single-outlet: Only one outlet has it.\n"
    )).read_text()

    audited = load_and_audit(project, today=TODAY)

    assert audited.audit is not None
    assert audited.warnings == (
        Problem(TOPIC_FILE, line_of(topic, "single-outlet:"), "fact 'second-fact' acknowledges 'single-outlet', "
                "but that warning does not apply: remove the entry", Severity.WARNING),
    )
    # Settled: auditing the result again would report nothing twice.
    assert audited.pending_acknowledgements.entries == {}


def test_audit_loaded_adds_to_what_the_loader_found(project: Path) -> None:
    loaded, problems = load_project_partially(project, today=TODAY)
    audited, audited_problems = audit_loaded(loaded, problems)
    assert loaded.audit is None and audited.audit is not None
    assert audited_problems == problems == []
    assert (audited.topics, audited.references, audited.briefings) == (loaded.topics, loaded.references,
                                                                       loaded.briefings)
    assert load_and_audit_partially(project, today=TODAY)[0] == audited


def test_a_missing_project_is_one_problem_and_no_audit(tmp_path: Path) -> None:
    project, problems = load_and_audit_partially(tmp_path / "absent")
    assert [str(problem) for problem in problems] == [f"{tmp_path / 'absent'}: project directory does not exist"]
    assert project.audit is None
    with pytest.raises(ProblemsFound):
        load_and_audit(tmp_path / "absent")


def test_the_public_load_project_audits() -> None:
    assert briefings.load_project is load_and_audit


def _many_topics(root: Path, topics: int) -> Path:
    write(root, "sources/references.yaml", "wire:\n  outlet: Wire\n  title: Wire copy\n  published: 2025-06-23\n"
                                           "  reliability: B\n")
    for number in range(topics):
        write(root, f"sources/topics/topic-{number}.yaml", f"""\
            title: Topic {number}
            summary: The bottom line.
            as_of: 2025-06-24
            review_by: 2099-01-01
            facts:
              - id: first
                text: The first fact of topic {number}.
                sources: [wire]
              - id: second
                text: The second fact.
                sources: [wire]
            figures:
              - label: A figure
                value: {number}
                key: shared-{number % 3}
                sources: [wire]
            """)
    return root


def test_the_audit_stays_linear_in_the_number_of_topics(tmp_path: Path) -> None:
    # Grouping the audit's results by topic once, not scanning every fact for each topic, and naming at most a few
    # of the other values of a discrepant key (issue 21): counted in executed lines, exact on a noisy machine.
    # Linear: about 4; before, more than 5 and growing.
    small, _ = load_project_partially(_many_topics(tmp_path / "small", 40))
    large, _ = load_project_partially(_many_topics(tmp_path / "large", 160))
    assert python_steps(audit_project, large) / python_steps(audit_project, small) < 4.6
