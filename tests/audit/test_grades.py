"""briefings.audit.grades: the Admiralty grade of a fact."""

from __future__ import annotations

import pytest

from briefings.audit.grades import combined_grade


def test_combined_grade() -> None:
    assert combined_grade(["C", "B", None], 2) == "B2"
    assert combined_grade(["F", "D"], 3) == "D3"
    assert combined_grade(["F"], 6) == "F6"
    assert combined_grade([None], 2) is None
    assert combined_grade(["A"], None) is None
    assert combined_grade([], 1) is None
    with pytest.raises(ValueError):
        combined_grade(["G"], 1)
    with pytest.raises(ValueError):
        combined_grade(["A"], 7)
