"""What rendering the planned briefings costs beyond the rendering itself (issue 21: the PDF-only overhead)."""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from briefings.build import workers
from tests.conftest import REPO_ROOT, copy_example


def test_full_collections_while_rendering_skip_the_heap_held_before(monkeypatch: pytest.MonkeyPatch) -> None:
    # WeasyPrint allocates enough for several full collections per build; each walked every object the
    # build held (the project, the templates, the modules), which made the collector cost the build 0.2-0.3 s
    # more than WeasyPrint alone. What a full collection walks while rendering is what gc.get_objects() lists.
    held = [[number] for number in range(300_000)]
    seen: list[tuple[int, int]] = []
    threshold = gc.get_threshold()

    def render(*arguments: Any, **keywords: Any) -> str:
        seen.append((len(gc.get_objects()), gc.get_freeze_count()))
        # WeasyPrint's short-lived objects: the youngest generation is collected 14 times less often.
        assert gc.get_threshold()[0] >= 10_000
        return "rendered"

    monkeypatch.setattr(workers, "render_briefing", render)
    plans = [SimpleNamespace(briefing=None, generated=None, formats=("pdf",), edition=None, today=None)] * 3
    assert list(workers.render_all(None, None, plans, 1.0, 1, None)) == [(0, "rendered"), (1, "rendered"),
                                                                         (2, "rendered")]
    assert len(seen) == 3
    for walked, frozen in seen:
        assert frozen >= len(held)
        assert walked < len(held) / 3, walked
    # Thawed afterwards: a long-running process (schedule, live) collects the build's garbage as before.
    assert gc.get_freeze_count() == 0
    assert len(gc.get_objects()) > len(held)
    assert gc.get_threshold() == threshold


def test_an_earlier_freeze_is_left_to_whoever_made_it(monkeypatch: pytest.MonkeyPatch) -> None:
    # The build freezes the project it read (orchestrate) before rendering: rendering keeps it frozen (and the
    # young threshold raised) and leaves the thawing to the build.
    thresholds: list[int] = []

    def render(*arguments: Any, **keywords: Any) -> str:
        thresholds.append(gc.get_threshold()[0])
        return "rendered"

    monkeypatch.setattr(workers, "render_briefing", render)
    plans = [SimpleNamespace(briefing=None, generated=None, formats=("md",), edition=None, today=None)]
    threshold = gc.get_threshold()
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        assert list(workers.render_all(None, None, plans, 1.0, 1, None)) == [(0, "rendered")]
        assert gc.get_freeze_count() == frozen
        assert thresholds == [max(threshold[0], 10_000)] and gc.get_threshold() == threshold
    finally:
        gc.unfreeze()


PROBE = """
import json, sys
from briefings.cli import main
try:
    main(sys.argv[1:], standalone_mode=False)
finally:
    print(json.dumps(sorted(name for name in sys.modules if name.split(".")[0] in ("docx", "apscheduler"))))
"""


def test_a_pdf_only_build_imports_no_word_or_scheduling_library(tmp_path: Path) -> None:
    # (lxml is imported anyway, by WeasyPrint's font subsetter: not a cost of ours.)
    project = copy_example(tmp_path / "example")
    result = subprocess.run([sys.executable, "-c", PROBE, "build", "--format", "pdf", "--only", "nato-at-a-glance",
                             "--jobs", "1", "--quiet", "--project", str(project)],
                            capture_output=True, text=True, check=False, cwd=REPO_ROOT,
                            env={**os.environ, "SOURCE_DATE_EPOCH": "1764547200"})
    assert (project / "output" / "nato-at-a-glance.pdf").is_file(), result.stderr
    assert json.loads(result.stdout.splitlines()[-1]) == []
