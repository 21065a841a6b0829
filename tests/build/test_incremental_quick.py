"""Every incremental scenario of ``test_incremental.py`` again, through the quick check.

``briefings build`` goes through :func:`briefings.build.entry.build`, which
answers from the last complete build's record when nothing changed: each
scenario must render, keep and report exactly what the full build does.
"""

from __future__ import annotations

import pytest

from briefings.build import entry
from tests.build import test_incremental as scenarios
from tests.build.test_incremental import *  # noqa: F403 - the same tests and fixtures, collected here too


@pytest.fixture(autouse=True)
def through_the_quick_check(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(scenarios, "build", entry.build)
