"""House style: each ``style`` setting in every format, per-briefing overrides, stylesheets, the one-pager.

The PDF is read back with poppler (pdftotext, pdfimages, pdffonts, as
installed by .ci/setup). Replacing a built-in by name, extending one and
replacing a block, and the ``builtin/`` prefix are tested in test_render.py;
misspelt blocks in test_template_blocks.py; the sandbox in
test_template_sandbox.py.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner, Result
from pypdf import PdfReader

from briefings.build.orchestrate import BuildReport, build
from briefings.cli import main
from briefings.errors import ProblemsFound
from briefings.render.fonts import FALLBACKS
from tests.conftest import GENERATED, REPO_ROOT, TOPIC, changed_files, copy_example, fold, pdftotext_pages, state, write
from tests.conftest import png as _png

ALL = ["md", "html", "pdf"]


def run(root: Path, formats: list[str] = ALL, **options: object) -> BuildReport:
    return build(root, formats=formats, generated=GENERATED, jobs=1, **options)  # type: ignore[arg-type]


def outputs(root: Path, briefing_id: str = "test-topic") -> tuple[str, str, str]:
    """The Markdown, the HTML and the PDF's text (whitespace folded) of one briefing."""
    output = root / "output"
    return ((output / f"{briefing_id}.md").read_text("utf-8"), (output / f"{briefing_id}.html").read_text("utf-8"),
            fold(" ".join(pdftotext_pages(output / f"{briefing_id}.pdf"))))


def style_element(html: str) -> str:
    match = re.search(r"<style>(.*?)</style>", html, flags=re.S)
    assert match is not None
    return match.group(1)


def poppler(tool: str, *args: str | Path) -> str:
    if shutil.which(tool) is None:
        pytest.fail(f"{tool} is missing: run .ci/setup (it installs poppler-utils)")
    return subprocess.run([tool, *map(str, args)], check=True, capture_output=True, text=True).stdout


def page_count(pdf: Path) -> int:
    return len(PdfReader(pdf).pages)


def settings(root: Path, text: str) -> str:
    return write(root, "briefings.yaml", text).read_text()


def line_of(text: str, needle: str) -> int:
    found = [number for number, line in enumerate(text.splitlines(), start=1) if needle in line]
    assert len(found) == 1, f"{needle!r} is on lines {found}"
    return found[0]


def invoke(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


# -- each setting, in every format -------------------------------------------------------------


def test_organisation_is_the_masthead_in_every_format(project: Path) -> None:
    settings(project, "style:\n  organisation: Acme Research Unit\n")
    run(project)
    md, html, pdf = outputs(project)
    assert "\n*Acme Research Unit*\n" in md
    assert '<p class="series">Acme Research Unit</p>' in html
    assert "ACME RESEARCH UNIT" in pdf.upper() and pdf.upper().index("ACME RESEARCH UNIT") < pdf.index("Test topic")


def test_without_organisation_the_series_title_is_the_masthead(project: Path) -> None:
    settings(project, "title: The Series\n")
    run(project, ["md", "html"])
    md, html = (project / "output/test-topic.md").read_text(), (project / "output/test-topic.html").read_text()
    assert "\n*The Series*\n" in md and '<p class="series">The Series</p>' in html


def test_logo_is_embedded_in_the_html_and_the_pdf(project: Path) -> None:
    write(project, "assets/logo.png", _png(0))
    settings(project, "style:\n  organisation: Acme\n  logo: assets/logo.png\n")
    run(project, ["md", "html", "pdf"])
    md, html, _ = outputs(project)
    assert re.search(r'<img class="logo" src="data:image/png;base64,[A-Za-z0-9+/=]+" alt="Acme">', html)
    assert "logo" not in md
    images = [line.split() for line in
              poppler("pdfimages", "-list", project / "output/test-topic.pdf").splitlines()[2:]]
    assert [row[0] for row in images] == ["1"], images  # one image, on page 1


def test_accent_and_fonts_are_custom_properties_and_reach_the_pdf(project: Path) -> None:
    run(project, ["pdf"])
    assert "Mono" not in poppler("pdffonts", project / "output/test-topic.pdf")
    settings(project, """\
        style:
          accent: "#aa0055"
          fonts:
            body: DejaVu Sans Mono
            headings: DejaVu Serif
        """)
    run(project, ["html", "pdf"])
    css = style_element((project / "output/test-topic.html").read_text())
    root_rule = css[css.rindex(":root"):]
    assert "--accent: #aa0055;" in root_rule
    assert '--serif: "DejaVu Sans Mono", "Caladea"' in root_rule
    assert '--sans: "DejaVu Serif", "Lato"' in root_rule
    assert css.index("--accent: #1f3a5f") < css.index("--accent: #aa0055")  # after the built-in's, so it wins
    fonts = poppler("pdffonts", project / "output/test-topic.pdf")
    assert "DejaVuSansMono" in fonts.replace("-", "") and "DejaVuSerif" in fonts.replace("-", "")


def test_a_font_that_is_not_installed_is_a_warning_naming_what_the_pdf_uses(project: Path) -> None:
    text = settings(project, """\
        style:
          fonts:
            body: No Such Family Sans
        briefings:
          test-topic:
            title: Test
            topics: [test-topic]
            style:
              fonts: {headings: Nor This One}
        """)
    report = run(project, ["html", "pdf"])
    shown = sorted(str(warning) for warning in report.warnings if warning.code == "font-missing")
    body_line = text.splitlines().index("    body: No Such Family Sans") + 1
    own_line = text.splitlines().index("      fonts: {headings: Nor This One}") + 1
    assert shown == [
        f"briefings.yaml:{body_line}: warning: font 'No Such Family Sans' (body) is not installed on this machine: "
        "the PDF is set in 'Caladea' instead; install it, or name an installed family [font-missing]",
        f"briefings.yaml:{own_line}: warning: font 'Nor This One' (headings) is not installed on this machine: "
        "the PDF is set in 'Lato' instead; install it, or name an installed family [font-missing]"]
    fonts = poppler("pdffonts", project / "output/test-topic.pdf")
    assert "Caladea" in fonts and "Lato" in fonts
    # Under --strict it fails the build; an installed family (any case) says nothing.
    with pytest.raises(ProblemsFound):
        run(project, ["pdf"], strict=True, force=True)
    settings(project, "style:\n  fonts: {body: dejavu serif, headings: Lato}\n")
    assert not [warning for warning in run(project, ["pdf"]).warnings if warning.code == "font-missing"]


def test_the_font_fallbacks_named_in_warnings_are_the_stylesheets(project: Path) -> None:
    page = (REPO_ROOT / "briefings/templates/briefing.html.j2").read_text("utf-8")
    for role, variable in (("body", "--serif"), ("headings", "--sans")):
        stack = ", ".join(f'"{family}"' for family in FALLBACKS[role][:-1]) + f", {FALLBACKS[role][-1]}"
        assert f"{variable}: \"{{{{ style.{role[:4] if role == 'body' else 'heading'}_font }}}}\", {stack};" in page


def test_handling_is_a_paragraph_at_the_end_of_every_format(project: Path) -> None:
    settings(project, "style:\n  handling: Not for onward *distribution*.\n")
    run(project)
    md, html, pdf = outputs(project)
    assert md.endswith("## Handling\n\nNot for onward *distribution*.\n")
    body = html[html.index('<main class="body">'):html.index("</main>")]
    assert re.search(r">Handling</h2>\s*<p>Not for onward <em>distribution</em>\.</p>\s*$", body)
    assert pdf.index("Sources") < pdf.index("Handling Not for onward distribution.") < pdf.index("Generated by")


def test_without_handling_there_is_no_handling_section(project: Path) -> None:
    run(project, ["md"])
    assert "Handling" not in (project / "output/test-topic.md").read_text()


@pytest.mark.parametrize(("locale", "date", "number"), [
    (None, "23 June 2025", "50,000 troops"),
    ("en_GB", "23 June 2025", "50,000 troops"),
    ("de_DE", "23. Juni 2025", "50.000 troops"),
])
def test_locale_writes_dates_and_numbers_in_every_format(project: Path, locale: str | None, date: str,
                                                         number: str) -> None:
    if locale:
        settings(project, f"style:\n  locale: {locale}\n")
    run(project)
    md, html, pdf = outputs(project)
    for text in (md, html, pdf):
        assert date in text and number in text
    lang = (locale or "en_GB").replace("_", "-")
    assert f'<html lang="{lang}">' in html


def test_a_briefing_style_overrides_the_projects_field_by_field(project: Path) -> None:
    settings(project, """\
        style:
          organisation: Project Unit
          accent: "#111111"
          fonts: {body: DejaVu Sans, headings: DejaVu Serif}
          handling: Project handling.
        briefings:
          plain:
            title: Plain
            topics: [test-topic]
          special:
            title: Special
            topics: [test-topic]
            style:
              accent: "#222222"
              fonts: {headings: DejaVu Sans Mono}
              handling: Special handling.
              locale: de_DE
        """)
    run(project, ["md", "html"])
    plain = (project / "output/plain.html").read_text()
    special = (project / "output/special.html").read_text()
    assert "--accent: #111111;" in plain and "#222222" not in plain and "Project handling." in plain
    assert "--accent: #222222;" in special and "#111111" not in special and "Special handling." in special
    assert '--serif: "DejaVu Sans"' in special and '--sans: "DejaVu Sans Mono"' in special  # fonts one by one
    assert '<p class="series">Project Unit</p>' in special  # kept from the project
    assert "24. Juni 2025" in special and "24 June 2025" in plain


def test_a_briefing_stylesheet_applies_after_the_builtin_to_that_briefing_only(project: Path) -> None:
    write(project, "templates/wide.css", "table { font-size: 7pt; } /* wide-tables */\n")
    write(project, "templates/house.css", "h2 { color: teal; } /* house */\n")
    settings(project, """\
        stylesheet: [house.css]
        style:
          accent: "#123456"
        briefings:
          plain:
            title: Plain
            topics: [test-topic]
          wide:
            title: Wide
            topics: [test-topic]
            stylesheet: [wide.css]
        """)
    run(project, ["html", "pdf"])
    plain = style_element((project / "output/plain.html").read_text())
    wide = style_element((project / "output/wide.html").read_text())
    assert "/* house */" in plain and "wide-tables" not in plain
    assert "/* wide-tables */" in wide and "/* house */" not in wide  # the briefing's list replaces the project's
    assert wide.index("@page") < wide.index("--accent: #123456") < wide.index("/* wide-tables */")
    assert page_count(project / "output/wide.pdf") >= 1


@pytest.mark.parametrize(("entry", "needle", "message"), [
    ("style:\n  logo: assets/missing.png\n", "logo:",
     "image 'assets/missing.png' does not exist (the path is relative to the project directory)"),
    ("style:\n  logo: notes.txt\n", "logo:", "'notes.txt' is not an image this tool embeds"),
    ("style:\n  locale: xx_YY\n", "locale:", "unknown locale 'xx_YY'"),
    ("stylesheet: [hose.css]\n", "stylesheet:",
     "stylesheet 'hose.css' is not in templates/ (did you mean 'house.css'?) (stylesheets there: house.css)"),
    ("briefings:\n  b:\n    title: B\n    topics: [test-topic]\n    stylesheet: [missing.css]\n", "stylesheet:",
     "stylesheet 'missing.css' is not in templates/"),
    ("briefings:\n  b:\n    title: B\n    topics: [test-topic]\n    style:\n      logo: nope.png\n", "logo:",
     "image 'nope.png' does not exist"),
    ("briefings:\n  b:\n    title: B\n    topics: [test-topic]\n    style:\n      locale: de_XX\n", "locale:",
     "unknown locale 'de_XX'"),
])
def test_an_unknown_file_or_locale_is_an_error_at_its_line(project: Path, entry: str, needle: str,
                                                           message: str) -> None:
    write(project, "templates/house.css", "p {}\n")
    write(project, "notes.txt", "text\n")
    text = settings(project, "title: Series\n" + entry)
    result = invoke("build", "--project", str(project), "--format", "md")
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    first = result.stderr.splitlines()[0]
    assert first.startswith(f"briefings.yaml:{line_of(text, needle)}: {message}"), first
    assert not (project / "output").exists()


def test_an_unknown_template_name_is_an_error_listing_the_builtin_ones(project: Path) -> None:
    text = settings(project, "briefings:\n  b:\n    title: B\n    topics: [test-topic]\n    template: one-pagr\n")
    result = invoke("build", "--project", str(project), "--format", "md")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (
        f"briefings.yaml:{line_of(text, 'template:')}: unknown template 'one-pagr' (did you mean 'one-pager'?): "
        "there is no templates/one-pagr.md.j2 (available: briefing, one-pager)")


# -- incremental: the logo is a dependency of the pages that show it ------------------------------------


def test_changing_the_logo_renders_only_the_html_and_pdf_of_briefings_using_it(project: Path) -> None:
    logo = write(project, "assets/logo.png", _png(0))
    settings(project, """\
        briefings:
          with-logo:
            title: With
            topics: [test-topic]
            style: {logo: assets/logo.png}
          without:
            title: Without
            topics: [test-topic]
        """)
    run(project)
    before = state(project)
    assert run(project).rendered == []
    logo.write_bytes(_png(255))
    report = run(project)
    assert report.rendered == ["with-logo"]
    assert changed_files(before, state(project)) == {"with-logo.html", "with-logo.pdf"}


# -- citations: a marker without a Sources entry is an error naming the briefing ----------------------


@pytest.mark.parametrize("template", [
    # A template that drops the Sources block: every citation is left unresolved.
    '{% extends "builtin/briefing.md.j2" %}\n{% block sources %}{% endblock %}\n',
    # A template that writes a marker of its own.
    '{% extends "builtin/briefing.md.j2" %}\n{% block summary %}See the note.[^x]\n\n{% endblock %}\n',
])
def test_an_unresolved_citation_marker_is_an_error_naming_the_briefing(project: Path, template: str) -> None:
    settings(project, "briefings:\n  weekly:\n    title: Weekly\n    topics: [test-topic]\n    template: mine\n")
    write(project, "templates/mine.md.j2", template)
    with pytest.raises(ProblemsFound) as raised:
        run(project, ["md"])
    message = str(raised.value)
    assert "briefing 'weekly'" in message and "have no entry under Sources" in message
    assert ("[^x]" in message) == ("[^x]" in template)


# -- the one-pager -------------------------------------------------------------------------------------


EXAMPLE_TOPICS = sorted(path.stem for path in (REPO_ROOT / "sources/topics").glob("*.yaml"))


@pytest.fixture(scope="module")
def one_pagers(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, BuildReport]:
    """The example project with a one-pager of each of its topics, built once."""
    root = copy_example(tmp_path_factory.mktemp("one-pagers") / "example")
    config = yaml.safe_load((root / "briefings.yaml").read_text("utf-8"))
    config["briefings"] = {f"{topic}-one-pager": {"title": f"{topic} in one page", "topics": [topic],
                                                  "template": "one-pager"} for topic in EXAMPLE_TOPICS}
    (root / "briefings.yaml").write_text(yaml.safe_dump(config, allow_unicode=True), "utf-8")
    return root, run(root)


@pytest.mark.parametrize("topic", EXAMPLE_TOPICS)
def test_a_one_pager_of_each_example_topic_is_one_page(one_pagers: tuple[Path, BuildReport], topic: str) -> None:
    root, report = one_pagers
    assert page_count(root / f"output/{topic}-one-pager.pdf") == 1
    assert not [warning for warning in report.warnings if warning.code == "page-limit"]
    md = (root / f"output/{topic}-one-pager.md").read_text("utf-8")
    assert "## Key points" in md and "## Sources" in md and "## Timeline" not in md
    assert 'data-page-limit="1"' in (root / f"output/{topic}-one-pager.html").read_text("utf-8")


def test_a_one_pager_too_long_warns_with_its_page_count(project: Path) -> None:
    facts = "".join(f"  - id: fact-{index}\n    section: Section {index}\n    text: {'A long fact. ' * 80}\n"
                    f"    sources: [alpha-report]\n" for index in range(12))
    topic = project / "sources/topics/test-topic.yaml"
    text = topic.read_text().replace("summary: The bottom line, first.",
                                     "summary: " + "A very long summary of the bottom line. " * 150)
    topic.write_text(text.replace("facts:\n", "facts:\n" + facts, 1))
    settings(project, "briefings:\n  long:\n    title: Long\n    topics: [test-topic]\n    template: one-pager\n")
    report = run(project, ["html", "pdf"])
    pages = page_count(project / "output/long.pdf")
    assert pages > 1
    warnings = [warning for warning in report.warnings if warning.code == "page-limit"]
    assert len(warnings) == 1
    assert f"long.pdf has {pages} pages, more than the 1 its template allows" in warnings[0].message
    assert str(warnings[0]).startswith("briefings.yaml:2:")


@pytest.mark.parametrize(("entry", "needle", "message"), [
    # A logo linked, or named, out of the project is never read, so never embedded.
    ("style:\n  logo: linked.png\n", "logo:",
     "image 'linked.png': is a symbolic link to a file outside the project: refused"),
    ("style:\n  logo: ../outside.png\n", "logo:",
     "image '../outside.png': is outside the project: refused (a file must be inside the project directory)"),
    # Values that would become CSS or paths are refused at their line, never written out.
    ("style:\n  accent: \"red; } body { display: none\"\n", "accent:",
     "style.accent: 'red; } body { display: none' is not a CSS colour"),
    ("style:\n  fonts: {body: \"Lato\\\", serif; } x {\"}\n", "fonts:",
     "style.fonts.body: 'Lato\", serif; } x {' is not a font family name"),
    ("stylesheet: [../templates/house.css]\n", "stylesheet:",
     "stylesheet[0]: '../templates/house.css' is not a stylesheet of templates/"),
])
def test_hostile_style_settings_are_refused_at_their_line(project: Path, tmp_path: Path, entry: str, needle: str,
                                                         message: str) -> None:
    secret = project.parent / "outside.png"  # beside the project: "../outside.png" from inside it
    assert secret.parent == tmp_path
    secret.write_bytes(b"\x89PNG\r\n\x1a\nOUTSIDE-SECRET")
    (project / "linked.png").symlink_to(secret)
    write(project, "templates/house.css", "p {}\n")
    text = settings(project, "title: Series\n" + entry)
    result = invoke("build", "--project", str(project), "--format", "md", "--format", "html")
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    first = result.stderr.splitlines()[0]
    assert first.startswith(f"briefings.yaml:{line_of(text, needle)}: {message}"), first
    assert not (project / "output").exists()


def test_no_row_of_a_table_is_left_alone_at_the_top_or_bottom_of_a_page(project: Path) -> None:
    """Wherever a page break falls in the key figures table (more or fewer facts before it move it), the page
    before and the page after each hold two rows at least."""
    figures = "".join(f"  - label: Figure number {index}\n    value: {index}\n    sources: [alpha-report]\n"
                      for index in range(1, 6))
    seen_breaks = 0
    for facts in range(28, 46, 2):
        # Facts of one short line each, so that the break moves down the table by about a row at a time.
        filler = "".join(f"  - id: filler-{index}\n    section: Filler\n    text: A short fact, number {index}.\n"
                         "    sources: [alpha-report]\n" for index in range(facts))
        topic = TOPIC.split("figures:\n")[0].replace("facts:\n", "facts:\n" + filler) + "figures:\n" + figures
        write(project, "sources/topics/test-topic.yaml", topic)
        run(project, ["pdf"])
        pages = [fold(page) for page in pdftotext_pages(project / "output/test-topic.pdf")]
        rows = [sum(f"Figure number {index} " in page for index in range(1, 6)) for page in pages]
        holding = [count for count in rows if count]
        assert sum(holding) == 5 and min(holding) >= 2, (facts, rows)
        seen_breaks += len(holding) > 1
    assert seen_breaks  # the table did break across pages, in some of the layouts tried
