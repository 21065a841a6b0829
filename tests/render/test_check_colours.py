"""The colours of the attribution audit's marks in the built-in stylesheet, as WeasyPrint computes them for print.

A check that could not be made (no archived copy: ``not-checked``) is no alarm: muted, like the grades. A check
that failed (``not-found``, ``not-confirmed``, ``not-in-source``) keeps the warning colour; one that passed, green.
"""

from __future__ import annotations

from pathlib import Path

from briefings.build.orchestrate import build
from briefings.render.environment import BUILTIN_DIR
from briefings.render.filters import CHECK_CLASSES
from tests.conftest import GENERATED
from tests.render.test_attribution_documents import BRIEFING, make_project

MUTED = (0x5a, 0x62, 0x70)  # --muted in briefing.css
WARNING = (0x8a, 0x1c, 0x1c)  # --warning
GREEN = (0x2d, 0x6a, 0x3e)
BUILTIN_CSS = BUILTIN_DIR / "briefing.css"


def colours_by_class(html: str) -> dict[str, set[tuple[int, ...]]]:
    """For each class list of a check mark in the page, the colours its text is printed in."""
    from weasyprint import HTML  # only where a PDF's layout is computed

    found: dict[str, set[tuple[int, ...]]] = {}
    for page in HTML(string=html, media_type="print").render().pages:
        for box in page._page_box.descendants():
            element = getattr(box, "element", None)
            classes = (element.get("class") or "").split() if element is not None else []
            if "check" in classes:
                colour = box.style["color"]
                found.setdefault(" ".join(classes), set()).add(tuple(round(part * 255) for part in colour[:3]))
    return found


def test_a_check_not_made_is_muted_and_a_failed_one_is_the_warning_colour(tmp_path: Path) -> None:
    root = make_project(tmp_path / "project")
    assert not build(root, formats=["html"], generated=GENERATED, jobs=1).failed
    colours = colours_by_class((root / "output" / f"{BRIEFING}.html").read_text("utf-8"))
    states = {classes.split()[1] for classes in colours}
    assert {"not-checked", "not-in-source", "in-source", "confirmed"} <= states, colours
    for classes, printed in colours.items():
        state = classes.split()[1]
        expected = (MUTED if state == "not-checked" else GREEN if state in {"found", "confirmed", "in-source"}
                    else WARNING)
        assert printed == {expected}, (classes, printed)


def test_every_state_of_a_mark_has_its_colour_whatever_other_names_it_carries() -> None:
    # Each state with its class list as the documents write it (the older names included: .unverified is both
    # a not-found quote, the warning colour, and a not-checked one, muted).
    marks = "".join(f'<li>Text <span class="check {classes}">{words}</span></li>' for words, classes in
                    CHECK_CLASSES.items())
    html = (f"<!DOCTYPE html><html><head><style>{BUILTIN_CSS.read_text('utf-8')}</style></head>"
            f'<body><main class="body"><ul>{marks}</ul></main></body></html>')
    colours = colours_by_class(html)
    assert set(colours) == {f"check {classes}" for classes in CHECK_CLASSES.values()}
    for classes, printed in colours.items():
        state = classes.split()[1]
        expected = (MUTED if state == "not-checked" else GREEN if state in {"found", "confirmed", "in-source"}
                    else WARNING)
        assert printed == {expected}, (classes, printed)
