"""briefings.project.markup: the Markdown check is made without looking through the installed distributions,
and leaves no garbage behind."""

from __future__ import annotations

import gc

import markdown.util
import pytest

from briefings.project import markup
from briefings.project.markup import check_markdown


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


def test_checking_leaves_nothing_for_the_cycle_collector() -> None:
    # A large project's texts are checked while the collector is paused (briefings.build.orchestrate):
    # every reference cycle a check left behind stayed in memory until the whole project was read.
    check_markdown("warm-up *text*", "fact")
    gc.collect()
    gc.disable()
    try:
        for index in range(200):
            assert check_markdown(f"Fact {index} with *emphasis*, a [link](https://example.org/{index}) and "
                                  "a **bold** word.", "fact") == []
        left = gc.collect()
    finally:
        gc.enable()
    assert left < 50  # (python-markdown's postprocessors left 5 objects in a cycle per text: 1,000)
