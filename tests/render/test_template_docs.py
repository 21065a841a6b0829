"""docs/templates.md against the code: every name a template can use, every block, every custom property.

The reference part of the guide is a set of tables whose first column is a
name in backticks, each under a heading that says what the table lists
("Top-level names", "Type: fact", "Blocks of `briefing.md.j2`", …). These
tests fail when the code offers a name the guide lacks, or the guide names
something the code does not offer; and they render a project template,
generated from the guide's tables, that uses every documented name, so a
documented name the sandbox refuses fails too. The guide's worked examples
are built as well.
"""

from __future__ import annotations

import copy
import datetime
import re
import typing
from pathlib import Path

import jinja2
import jinja2.defaults
import pytest
import yaml
from jinja2 import nodes

from briefings.audit.project_audit import load_and_audit
from briefings.build.orchestrate import build
from briefings.build.publish import publish
from briefings.errors import ProblemsFound
from briefings.render import environment as templating
from briefings.render import html as html_module
from briefings.render import markdown as markdown_module
from briefings.render.views import TEMPLATE_ATTRIBUTES, TEMPLATE_TYPE_NAMES, TemplateContext
from tests.conftest import GENERATED, REFERENCES, REPO_ROOT, TOPIC, copy_example, write

DOCS = REPO_ROOT / "docs" / "templates.md"
CSS = templating.BUILTIN_DIR / "briefing.css"

_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*$")
_NAME_CELL = re.compile(r"^`([^`]+)`$")


def _cells(line: str) -> list[str]:
    """The cells of a Markdown table row (``\\|`` inside a cell is a pipe, not a separator)."""
    parts = re.split(r"(?<!\\)\|", line.strip())[1:-1]
    return [part.strip().replace("\\|", "|") for part in parts]


def doc_tables() -> dict[str, list[list[str]]]:
    """Each heading of the guide with the rows of the table under it (header and rule left out)."""
    tables: dict[str, list[list[str]]] = {}
    heading = ""
    in_fence = False
    table_line = 0
    for line in DOCS.read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            in_fence = not in_fence
            continue
        if in_fence:
            continue
        match = _HEADING.match(line)
        if match:
            heading = match.group(2)
            table_line = 0
            continue
        if line.startswith("|"):
            table_line += 1
            if table_line > 2:  # past the header row and the |---| rule
                tables.setdefault(heading, []).append(_cells(line))
        else:
            table_line = 0
    return tables


TABLES = doc_tables()
REFERENCE_HEADINGS = [heading for heading in TABLES
                      if heading in ("Top-level names", "Functions", "Jinja's own functions", "Filters",
                                     "CSS custom properties", "CSS classes")
                      or heading.startswith(("Type: ", "Blocks of "))]


def names(heading: str) -> list[str]:
    """The names (first column) of the table under ``heading``, which must exist and be strict."""
    assert heading in TABLES, f"docs/templates.md has no table under a heading '{heading}'"
    found = []
    for row in TABLES[heading]:
        match = _NAME_CELL.match(row[0])
        assert match, f"docs/templates.md, table '{heading}': first cell {row[0]!r} is not a `name`"
        found.append(match.group(1))
    assert len(found) == len(set(found)), f"docs/templates.md, table '{heading}': a name is listed twice"
    return found


def rows(heading: str) -> dict[str, list[str]]:
    return {name: row for name, row in zip(names(heading), TABLES[heading], strict=True)}


def assert_same(documented: typing.Iterable[str], offered: typing.Iterable[str], what: str) -> None:
    documented, offered = set(documented), set(offered)
    assert not offered - documented, f"{what}: offered by the code but not in docs/templates.md: " \
                                     f"{sorted(offered - documented)}"
    assert not documented - offered, f"{what}: in docs/templates.md but not offered by the code: " \
                                     f"{sorted(documented - offered)}"


def formats_of(row: list[str], column: int) -> set[str]:
    return {part.strip() for part in row[column].split(",")}


# -- what the code offers ------------------------------------------------------------


def _type_by_name() -> dict[str, type]:
    return {TEMPLATE_TYPE_NAMES[cls]: cls for cls in TEMPLATE_ATTRIBUTES}


@pytest.fixture(scope="module")
def per_render(tmp_path_factory: pytest.TempPathFactory) -> dict[str, set[str]]:
    """The names each format's template is given, seen by intercepting the rendering of a real briefing."""
    root = tmp_path_factory.mktemp("per-render") / "project"
    write(root, "sources/references.yaml", REFERENCES)
    write(root, "sources/topics/test-topic.yaml", TOPIC)
    seen: dict[str, set[str]] = {}
    original = templating.render_template

    def spy(environment: jinja2.Environment, names: list[str], context: dict[str, object], *args: object,
            **kwargs: object) -> str:
        seen.setdefault(names[0].split(".")[-2], set()).update(context)
        return original(environment, names, context, *args, **kwargs)  # type: ignore[arg-type]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(markdown_module, "render_template", spy)
        patch.setattr(html_module, "render_template", spy)
        build(root, formats=["md", "html"], generated=GENERATED, jobs=1, write=False)
    assert set(seen) == {"md", "html"}
    return seen


# -- the reference tables against the code ---------------------------------------------


def test_the_reference_tables_are_strict() -> None:
    for heading in REFERENCE_HEADINGS:
        names(heading)
    assert "Top-level names" in REFERENCE_HEADINGS and "Filters" in REFERENCE_HEADINGS


def test_top_level_names_are_the_template_context(per_render: dict[str, set[str]]) -> None:
    documented = rows("Top-level names")
    assert_same(documented, TemplateContext.__annotations__, "top-level names (views.TemplateContext)")
    environment = templating.make_environment(REPO_ROOT)
    functions = rows("Functions")
    for fmt in ("md", "html"):
        given = per_render[fmt] - set(environment.globals)
        assert_same({name for name, row in {**documented, **functions}.items() if fmt in formats_of(row, 2)},
                    given | {name for name in functions if name in environment.globals},
                    f"names given to {fmt} templates (the 'in' column)")


def test_functions_are_the_globals_and_per_render_functions(per_render: dict[str, set[str]]) -> None:
    environment = templating.make_environment(REPO_ROOT)
    own = set(environment.globals) - set(jinja2.defaults.DEFAULT_NAMESPACE)
    passed = (per_render["md"] | per_render["html"]) - set(TemplateContext.__annotations__)
    assert_same(names("Functions"), own | passed, "functions")
    jinja_own = set(environment.globals) & set(jinja2.defaults.DEFAULT_NAMESPACE)
    assert_same(names("Jinja's own functions"), jinja_own, "Jinja's global functions")


def test_filters_are_the_ones_the_project_adds() -> None:
    environment = templating.make_environment(REPO_ROOT)
    added = {name for name, function in environment.filters.items()
             if jinja2.defaults.DEFAULT_FILTERS.get(name) is not function}
    assert_same(names("Filters"), added, "filters")


def test_each_type_lists_exactly_its_attributes() -> None:
    by_name = _type_by_name()
    documented_types = {heading.removeprefix("Type: ") for heading in REFERENCE_HEADINGS
                        if heading.startswith("Type: ")}
    assert_same(documented_types, by_name, "types (views.TEMPLATE_ATTRIBUTES)")
    for type_name, cls in by_name.items():
        assert_same(names(f"Type: {type_name}"), TEMPLATE_ATTRIBUTES[cls], f"attributes of {type_name}")


def builtin_blocks() -> dict[str, list[str]]:
    environment = jinja2.Environment()
    return {path.name: [block.name for block in environment.parse(path.read_text("utf-8")).find_all(nodes.Block)]
            for path in sorted(templating.BUILTIN_DIR.glob("*.j2"))}


def test_every_block_of_every_builtin_template_is_documented() -> None:
    blocks = builtin_blocks()
    documented = {heading.removeprefix("Blocks of ").strip("`") for heading in REFERENCE_HEADINGS
                  if heading.startswith("Blocks of ")}
    assert_same(documented, blocks, "built-in templates")
    for name, found in blocks.items():
        assert_same(names(f"Blocks of `{name}`"), found, f"blocks of {name}")


def _css_without_comments() -> str:
    return re.sub(r"/\*.*?\*/", "", CSS.read_text(encoding="utf-8"), flags=re.S)


def test_every_custom_property_of_the_stylesheet_is_documented_with_its_default() -> None:
    root = re.search(r":root\s*\{(.*?)\}", _css_without_comments(), flags=re.S)
    assert root is not None
    properties = dict(re.findall(r"(--[\w-]+)\s*:\s*([^;]+);", root.group(1)))
    documented = rows("CSS custom properties")
    assert_same(documented, properties, "CSS custom properties of briefing.css's :root")
    for name, value in properties.items():
        assert documented[name][1] == f"`{value.strip()}`", f"the default of {name} is {value.strip()!r}"


def test_every_class_of_the_stylesheet_is_documented() -> None:
    in_css = set(re.findall(r"(?<![\w.-])(?:[a-z0-9]+)?\.([a-zA-Z][\w-]*)", _css_without_comments()))
    in_css = {name for name in in_css if not re.fullmatch(r"\d.*", name)}
    documented = set(names("CSS classes"))
    assert not in_css - documented, f"classes of briefing.css not in docs/templates.md: {sorted(in_css - documented)}"
    templates = " ".join(path.read_text("utf-8") for path in templating.BUILTIN_DIR.glob("*.j2"))
    produced = templates + Path(html_module.__file__).read_text("utf-8")
    unknown = {name for name in documented - in_css if not re.search(rf"[\"' ]{re.escape(name)}[\"' ]", produced)}
    assert not unknown, f"classes in docs/templates.md that nothing uses: {sorted(unknown)}"


# -- every documented name works in the sandbox ----------------------------------------------

#: Where a template finds a value of each documented type (in the project made below).
TYPE_EXAMPLES = {
    "briefing": "briefing", "topic": "topics[0]", "section": "topics[0].sections[0]",
    "fact": "topics[0].facts[0]", "quote": "topics[0].facts[0].quote", "figure": "topics[0].figures[0]",
    "reference": "cited_references[0]", "timeline entry": "timeline[0]", "figure entry": "figures[0]",
    "settings": "settings", "style": "style", "edition": "edition", "changes": "changes",
    "changed topic": "changes.topics_added[0]", "changed fact": "changes.facts_added[0]",
    "fact change": "changes.facts_changed[0]", "renamed fact": "changes.facts_renamed[0]",
    "changed figure": "changes.figures_added[0]",
    "figure change": "changes.figures_changed[0]", "contents entry": "toc[0]", "date": "briefing.as_of",
    "date and time": "generated", "mapping": "reliability_grades", "text": "briefing.title",
    "evidence": "topics[0].facts[0].evidence[0]", "citing fact": "cited_references[0].cited_by[0]",
    "discrepancy": "discrepancies[0]", "discrepant figure": "discrepancies[0].figures[0]",
}
#: Values the function and filter examples name.
PRELUDE = """\
{% set topic = topics[0] %}
{% set fact = topic.facts[0] %}
{% set reference = cited_references[0] %}
"""


def probe_template(fmt: str) -> str:
    """A template that checks every documented name usable in ``fmt``: one ``key=True`` line each."""
    lines = [PRELUDE]
    if fmt == "md":  # headings, so that the HTML page has contents entries (with children)
        lines.append("## Checks\n\n### Every documented name\n")
    for name, row in rows("Top-level names").items():
        if fmt in formats_of(row, 2):
            lines.append(f"name:{name}={{{{ {name} is defined }}}}")
    for heading in REFERENCE_HEADINGS:
        if not heading.startswith("Type: "):
            continue
        type_name = heading.removeprefix("Type: ")
        if type_name == "contents entry" and fmt != "html":
            continue
        assert type_name in TYPE_EXAMPLES, f"the test does not know where to find a {type_name}"
        example = TYPE_EXAMPLES[type_name]
        lines.append(f"type:{type_name}={{{{ ({example}) is not none }}}}")
        for attribute in names(heading):
            lines.append(f"attribute:{type_name}.{attribute}={{{{ ({example}).{attribute} is defined }}}}")
    for heading in ("Functions", "Jinja's own functions"):
        for name, row in rows(heading).items():
            if fmt in formats_of(row, 2):
                call = row[1].strip("`")
                assert call.startswith(f"{name}("), f"the call of {name} should call it: {call!r}"
                lines.append(f"function:{name}={{{{ ({call}) is defined }}}} {{{{ {call} }}}}")
    for name, row in rows("Filters").items():
        example = row[1].strip("`")
        assert re.search(rf"\|\s*{name}\b", example), f"the example of {name} should use it: {example!r}"
        lines.append(f"filter:{name}={{{{ ({example}) is defined }}}} {{{{ {example} }}}}")
    if fmt == "md":  # every citation needs its Sources entry
        lines.append("\n{% for reference in cited_references %}\n"
                     "[^{{ reference.number }}]: {{ source_note(reference) }}\n{% endfor %}")
    return "\n".join(lines) + "\n"


def checked_lines(text: str) -> dict[str, str]:
    return dict(re.findall(r"^((?:name|type|attribute|function|filter):[^=\n]+)=(\w+)", text, flags=re.M))


@pytest.fixture
def changed_project(tmp_path: Path) -> Path:
    """A briefing with a published edition and one of every kind of change since, styled, with a logo."""
    root = tmp_path / "project"
    write(root, "sources/references.yaml", REFERENCES.replace(
        "  reliability: B\n", "  reliability: B\n  accessed: 2025-06-25\n  note: A note.\n", 1))
    ships = "  - label: Ships\n    value: 3\n    sources: [beta-wire]\n"
    renamed = "  - id: renamed-later\n    text: A fact whose id changes.\n    sources: [alpha-report]\nfigures:\n"
    write(root, "sources/topics/alpha.yaml", TOPIC.replace("Test topic", "Alpha").replace(
        "review_by: 2099-01-01", "review_by: 2025-12-01").replace("figures:\n", renamed) + ships)
    write(root, "sources/topics/beta.yaml", TOPIC.replace("Test topic", "Beta"))
    write(root, "sources/topics/gamma.yaml", TOPIC.replace("Test topic", "Gamma"))
    from tests.conftest import png as _png
    write(root, "logo.png", _png(0))
    write(root, "briefings.yaml", """\
        title: Series
        author: An Author
        classification: OFFICIAL
        style:
          organisation: Unit
          logo: logo.png
          accent: "#0a5"
          fonts: {body: DejaVu Serif, headings: DejaVu Sans}
          handling: Handle *with* care.
          locale: en_GB
        briefings:
          all:
            title: All of it
            topics: [alpha, beta]
            schedule: "0 6 * * 1"
        """)
    publish(root, now=datetime.datetime(2025, 12, 1, tzinfo=datetime.UTC))
    alpha = root / "sources/topics/alpha.yaml"
    text = alpha.read_text().replace(ships, "  - label: Aircraft\n    value: 4\n    sources: [beta-wire]\n")
    text = text.replace("id: renamed-later", "id: renamed-now")
    text = text.replace("value: 50000", "value: 60000").replace("held talks in London", "held talks in Paris")
    text = text.replace("  - id: second-fact\n    text: A second fact without a date, resting on two sources.\n",
                        "  - id: third-fact\n    text: A third fact.\n")
    # Evidence, a credibility rating, and a figure that another topic's figure of the same key contradicts.
    text = text.replace("    sources: [alpha-report]\n    quote:", "    sources: [alpha-report]\n    evidence:\n"
                        "      alpha-report: The leaders met in Paris.\n    credibility: 2\n    quote:", 1)
    alpha.write_text(text.replace("    unit: troops\n", "    unit: troops\n    key: troops\n", 1))
    gamma = root / "sources/topics/gamma.yaml"
    gamma.write_text(gamma.read_text().replace("value: 50000\n    unit: troops\n",
                                               "value: 40000\n    unit: troops\n    key: troops\n"))
    settings = root / "briefings.yaml"
    settings.write_text(settings.read_text().replace("[alpha, beta]", "[alpha, gamma]"))
    return root


def test_a_template_using_every_documented_name_renders(changed_project: Path) -> None:
    md, page = probe_template("md"), probe_template("html")
    write(changed_project, "templates/briefing.md.j2", md)
    write(changed_project, "templates/briefing.html.j2", page)
    report = build(changed_project, formats=["md", "html"], generated=GENERATED, jobs=1)
    assert report.editions["all"].status == "draft"
    for fmt, template in (("md", md), ("html", page)):
        output = (changed_project / f"output/all.{fmt}").read_text(encoding="utf-8")
        checked = checked_lines(output)
        failed = sorted(key for key, value in checked.items() if value != "True")
        assert not failed, f"documented names that do not work in the {fmt} template: {failed}"
        expected = len(re.findall(r"^(?:name|type|attribute|function|filter):", template, flags=re.M))
        assert len(checked) == expected, f"{fmt}: {expected} checks written, {len(checked)} seen in the output"


def test_the_probe_covers_every_table() -> None:
    md = probe_template("md")
    for heading in REFERENCE_HEADINGS:
        if heading.startswith("Type: ") and heading != "Type: contents entry":
            assert f"type:{heading.removeprefix('Type: ')}=" in md
    assert "function:cite=" in md and "filter:longdate=" in md and "name:body=" not in md
    assert "name:body=" in probe_template("html") and "function:cite=" not in probe_template("html")


# -- the worked examples build ---------------------------------------------------------------


def worked_examples() -> dict[str, dict[str, str]]:
    """Each "Example:" section of the guide: the files it adds (``<!-- file: PATH -->`` before a code block)."""
    examples: dict[str, dict[str, str]] = {}
    current: str | None = None
    pending: str | None = None
    fence: list[str] | None = None
    for line in DOCS.read_text(encoding="utf-8").splitlines():
        if fence is not None:
            if line.startswith("```"):
                if pending and current:
                    assert pending not in examples[current], f"{current}: {pending} given twice"
                    examples[current][pending] = "\n".join(fence) + "\n"
                fence, pending = None, None
            else:
                fence.append(line)
            continue
        if line.startswith("```"):
            fence = []
            continue
        heading = _HEADING.match(line)
        if heading:
            current = heading.group(2).removeprefix("Example: ") if heading.group(2).startswith("Example: ") \
                else None
            if current:
                examples[current] = {}
            continue
        marker = re.fullmatch(r"<!-- file: (\S+) -->", line.strip())
        if marker:
            pending = marker.group(1)
    return examples


EXAMPLES = worked_examples()


def test_the_guide_has_the_worked_examples_asked_for() -> None:
    assert {"a masthead", "colours and fonts", "a logo", "dropping a section for one briefing", "a one-pager",
            "handling instructions"} <= set(EXAMPLES)
    assert all(EXAMPLES.values())


def _merged(base: object, change: object) -> object:
    if isinstance(base, dict) and isinstance(change, dict):
        merged = copy.deepcopy(base)
        for key, value in change.items():
            merged[key] = _merged(base.get(key), value) if key in base else value
        return merged
    return change


@pytest.mark.parametrize("example", sorted(EXAMPLES))
def test_a_worked_example_builds_without_errors_or_new_warnings(example: str, tmp_path: Path) -> None:
    baseline = copy_example(tmp_path / "baseline")
    before = {(str(problem.message), problem.code) for problem in
              build(baseline, formats=["md", "html"], generated=GENERATED, jobs=1, write=False).warnings}
    root = copy_example(tmp_path / "example")
    settings = yaml.safe_load((root / "briefings.yaml").read_text(encoding="utf-8"))
    for path, text in EXAMPLES[example].items():
        if path == "briefings.yaml":
            settings = _merged(settings, yaml.safe_load(text))
        else:
            write(root, path, text)
    logo = (settings.get("style") or {}).get("logo")
    if logo:
        from tests.conftest import png as _png
        write(root, logo, _png(0))
    (root / "briefings.yaml").write_text(yaml.safe_dump(settings, allow_unicode=True, sort_keys=False),
                                         encoding="utf-8")
    try:
        report = build(root, formats=["md", "html"], generated=GENERATED, jobs=1)
    except ProblemsFound as error:
        pytest.fail(f"example '{example}' does not build:\n{error}")
    after = {(str(problem.message), problem.code) for problem in report.warnings}
    assert after <= before, f"example '{example}' adds warnings: {sorted(after - before)}"
    project = load_and_audit(root, today=GENERATED.date())
    assert sorted(report.rendered) == sorted(briefing.id for briefing in project.briefings)
    texts = {path.name: path.read_text(encoding="utf-8") for path in (root / "output").glob("*.*")
             if path.suffix in (".md", ".html")}
    if example == "a masthead":
        assert all("Defence Research Unit · Weekly assessment" in text for text in texts.values())
    elif example == "colours and fonts":
        assert all("--accent: #0a5c36;" in text and ".title { letter-spacing" in text.replace("h1.title", ".title")
                   for name, text in texts.items() if name.endswith(".html"))
    elif example == "a logo":
        assert all('<img class="logo" style="float: right" src="data:image/png;base64,' in text
                   for name, text in texts.items() if name.endswith(".html"))
    elif example == "dropping a section for one briefing":
        assert "## Timeline" not in texts["european-security-overview.md"]
        assert "### Context\n" not in texts["european-security-overview.md"]
        assert "## Timeline" in texts["nato-spending.md"]
    elif example == "a one-pager":
        assert 'data-page-limit="1"' in texts["nato-spending-summary.html"]
    elif example == "handling instructions":
        assert all("## Handling instructions" in text for name, text in texts.items() if name.endswith(".md"))
