"""How much rendering one briefing costs: counted, not timed (issue 21).

A briefing in Markdown and HTML rendered its Markdown template four times
(twice for the ``.md``, twice for the HTML body, the first of each pair only
to find the order of its citations) and built every topic's views five
times. With the built-in templates one rendering per document does, its
citation numbers guessed and checked; a house template keeps the general
method. Either way the text is the same, byte for byte.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from briefings.audit.project_audit import load_and_audit
from briefings.project.model import Project
from briefings.render import context as context_module
from briefings.render import markdown as markdown_module
from briefings.render.briefing import render_briefing
from briefings.render.environment import BUILTIN_DIR, make_environment
from briefings.render.markdown import render_markdown
from tests.conftest import GENERATED, write
from tests.render.test_citations import REFERENCES, TIGHT_TEMPLATE, TOPIC


@pytest.fixture
def numbering(tmp_path: Path) -> Path:
    root = tmp_path / "numbering"
    write(root, "sources/references.yaml", REFERENCES)
    write(root, "sources/topics/numbering.yaml", TOPIC)
    return root


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[str, str], list[int]]]:
    """``counted(module, name)`` wraps a function of a rendering module; the list it returns counts its calls."""
    modules = {"markdown": markdown_module, "context": context_module}

    def wrap(module: str, name: str) -> list[int]:
        calls = [0]
        original = getattr(modules[module], name)

        def wrapper(*args: Any, **keywords: Any) -> Any:
            calls[0] += 1
            return original(*args, **keywords)

        monkeypatch.setattr(modules[module], name, wrapper)
        return calls

    yield wrap


def _render(root: Path, formats: tuple[str, ...] = ("md", "html")) -> dict[str, bytes]:
    project = load_and_audit(root, today=GENERATED.date())
    result = render_briefing(project, make_environment(root), project.briefings[0], GENERATED, formats,
                             pdf_seconds=60)
    assert not result.problems, result.problems
    return result.outputs


def test_the_builtin_template_is_rendered_once_per_document(numbering: Path, counted: Any) -> None:
    renderings = counted("markdown", "render_template")
    _render(numbering)
    assert renderings == [2]  # the .md and the HTML body; it was 4


def test_a_house_template_is_rendered_twice_per_document_as_before(numbering: Path, counted: Any) -> None:
    write(numbering, "templates/briefing.md.j2", TIGHT_TEMPLATE)
    renderings = counted("markdown", "render_template")
    outputs = _render(numbering)
    assert renderings == [4]  # the general method: two per document
    assert outputs["md"].startswith(b"Figure: A figure[^1][^2]\n")


def test_a_briefings_topic_views_are_made_once_for_all_its_renderings(numbering: Path, counted: Any) -> None:
    views = counted("context", "topic_view")
    _render(numbering, ("md", "html", "docx"))
    assert views == [1]  # one topic; it was 6 (two per Markdown document, one for the HTML page, one for Word)


def _markdown(project: Project, *, standalone: bool, expected: list[str] | None = None) -> str:
    return render_markdown(make_environment(project.root), project, project.briefings[0], GENERATED,
                           standalone=standalone, expected=expected).text


@pytest.mark.parametrize("standalone", [True, False])
def test_one_rendering_gives_the_text_of_the_general_method(numbering: Path, counted: Any,
                                                             standalone: bool) -> None:
    renderings = counted("markdown", "render_template")
    builtin = _markdown(load_and_audit(numbering, today=GENERATED.date()), standalone=standalone)
    assert renderings == [1]
    # A wrong guess costs one more rendering, numbered from the calls the first one saw.
    wrong = _markdown(load_and_audit(numbering, today=GENERATED.date()), standalone=standalone,
                      expected=[f"ref-{letter}" for letter in "fedcba"])
    assert renderings == [3]
    # The same template as a house template takes the general method: two renderings, the first to find the order.
    shutil.copy(BUILTIN_DIR / "briefing.md.j2", write(numbering, "templates/briefing.md.j2", ""))
    general = _markdown(load_and_audit(numbering, today=GENERATED.date()), standalone=standalone)
    assert renderings == [5]
    assert builtin == wrong == general
    assert "The first fact cites C, then A.[^1][^2]\n" in general


def test_a_guess_naming_an_unknown_reference_falls_back_to_the_general_method(numbering: Path,
                                                                               counted: Any) -> None:
    project = load_and_audit(numbering, today=GENERATED.date())
    expected = _markdown(project, standalone=True)
    renderings = counted("markdown", "render_template")
    assert _markdown(project, standalone=True, expected=["no-such-reference"]) == expected
    assert renderings == [2]
