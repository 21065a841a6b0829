"""briefings.project.markup: the Markdown check is made without looking through the installed distributions."""

from __future__ import annotations

import markdown.util
import pytest

from briefings.project import markup


def test_the_checker_takes_its_extensions_without_a_scan_of_the_installed_distributions(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # An extension named by a string is looked up among the entry points of every installed distribution
    # (importlib.metadata): tens of milliseconds of list, check and every build (issue 21).
    def scan() -> object:
        raise AssertionError("python-markdown looked through the installed distributions' entry points")

    monkeypatch.setattr(markdown.util, "get_installed_extensions", scan)
    checker = markup._Checker()
    # Both extensions are in effect: tables (refused) and sane lists (a numbered list after a bulleted one).
    assert checker.check("a | b\n--- | ---\n1 | 2", "summary") == ["tables are not allowed"]
    assert checker.check("- one\n- two\n\n1. three\n2. four", "summary") == []
    assert checker.check("**strong** and [a link](https://example.org)", "fact") == []
