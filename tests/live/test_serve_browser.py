"""briefings serve in a real browser: Debian's chromium, headless, driven by Playwright.

Playwright's own browser downloads are never used (no ``playwright install``):
the test launches /usr/bin/chromium, which .ci/setup installs. Without it the
test is skipped, saying so.
"""

from __future__ import annotations

import os
import queue
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from briefings.live.watch import RebuildResult
from tests.conftest import TIMEOUT, running_preview

CHROMIUM = Path(os.environ.get("BRIEFINGS_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
TIMEOUT_MS = TIMEOUT * 1000
NATO = "sources/topics/nato-spending.yaml"
TEMPLATE = "templates/briefing.html.j2"

pytestmark = pytest.mark.skipif(not CHROMIUM.is_file(),
                                reason=f"{CHROMIUM} is missing (apt-get install chromium; .ci/setup installs it)")


@pytest.fixture
def preview(tmp_path: Path) -> Iterator[tuple[Path, str, queue.Queue[RebuildResult]]]:
    with running_preview(tmp_path) as (root, url, results):
        for _ in range(2):  # the initial build: HTML, then Markdown
            assert results.get(timeout=TIMEOUT).ok
        yield root, url, results


@pytest.fixture
def page() -> Iterator[object]:
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install -e .[test])")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.set_default_timeout(TIMEOUT_MS)
            yield page
        finally:
            browser.close()


def test_the_preview_follows_edits_breakage_and_repair_without_a_manual_reload(preview, page) -> None:  # type: ignore[no-untyped-def]
    root, url, results = preview
    page.goto(url)
    assert page.title() == "Briefings: live preview"
    page.locator('a[href="/nato-spending.html"]').click()  # its "HTML" link
    page.wait_for_url(re.compile(r"/nato-spending\.html$"))
    page.get_by_text("NATO leaders were due").first.wait_for()

    topic = root / NATO
    good_topic = topic.read_text(encoding="utf-8")
    topic.write_text(good_topic.replace("NATO leaders were due", "Edited live: NATO leaders were due", 1),
                     encoding="utf-8")
    page.get_by_text("Edited live: NATO leaders were due").first.wait_for()

    template = root / TEMPLATE
    good_template = template.read_text(encoding="utf-8")
    template.write_text(good_template.replace("{% endblock %}", "{% endblock", 1), encoding="utf-8")
    banner = page.locator("#briefings-preview-problems")
    banner.wait_for()
    assert f"{TEMPLATE}:" in banner.inner_text()
    assert page.get_by_text("Edited live: NATO leaders were due").first.is_visible()  # the last good version

    template.write_text(good_template.replace("Example project of the briefings tool",
                                              "Repaired example project of the briefings tool", 1), encoding="utf-8")
    page.get_by_text("Repaired example project of the briefings tool").wait_for()
    assert banner.count() == 0
