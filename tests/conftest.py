"""Shared fixtures: small briefing projects written into a temporary directory."""

from __future__ import annotations

import datetime
import shutil
import textwrap
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent

REFERENCES = """\
alpha-report:
  outlet: Alpha News
  title: Alpha reports on the talks
  published: 2025-06-23
  url: https://alpha.example/talks
  reliability: B
beta-wire:
  outlet: Beta Wire
  title: Beta wire copy
  published: 2025-06-24
  reliability: E
"""

TOPIC = """\
title: Test topic
summary: The bottom line, first.
as_of: 2025-06-24
review_by: 2099-01-01
tags: [testing, talks]
facts:
  - id: talks-held
    date: 2025-06-23
    section: The talks
    text: The two leaders held talks in London.
    sources: [alpha-report]
    quote:
      text: an excellent meeting
      speaker: A. Speaker
  - id: second-fact
    text: A second fact without a date, resting on two sources.
    sources: [alpha-report, beta-wire]
figures:
  - label: Troops trained
    value: 50000
    unit: troops
    sources: [alpha-report]
"""

#: A fixed generation time, so outputs do not depend on the clock.
GENERATED = datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=datetime.UTC)


def copy_example(root: Path) -> Path:
    """A copy of the repository's example project (its settings, sources and templates) at ``root``."""
    root.mkdir(parents=True, exist_ok=True)
    for name in ("briefings.yaml", "sources", "templates"):
        source = REPO_ROOT / name
        if source.is_dir():
            shutil.copytree(source, root / name)
        elif source.exists():
            shutil.copy(source, root / name)
    return root


def write(root: Path, relative: str, text: str | bytes) -> Path:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A minimal valid project: two references, one topic, no briefings.yaml."""
    root = tmp_path / "project"
    write(root, "sources/references.yaml", REFERENCES)
    write(root, "sources/topics/test-topic.yaml", TOPIC)
    return root
