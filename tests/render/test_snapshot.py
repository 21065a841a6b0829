"""The JSON snapshot (output/<id>.json): its published schema, and every snapshot the example makes against it."""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from briefings.build.orchestrate import build
from briefings.render.snapshot import CONTENT_KEYS, SCHEMA_VERSION
from tests.conftest import (
    DOCS_SCHEMA_PATH,
    GENERATED,
    REPO_ROOT,
    SCHEMA_PATH,
    assert_valid,
    copy_example,
    schema_errors,
)

EXAMPLE_BRIEFINGS = ["coalition-of-the-willing", "drone-coproduction", "european-security-overview",
                     "nato-at-a-glance", "nato-spending"]


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def example_snapshots(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    root = copy_example(tmp_path_factory.mktemp("snapshot") / "example")
    build(root, formats=["json"], generated=GENERATED, jobs=1)
    paths = sorted((root / "output").glob("*.json"))
    assert [path.stem for path in paths] == EXAMPLE_BRIEFINGS
    return {path.stem: assert_valid(path) for path in paths}


def test_the_published_copy_of_the_schema_is_identical() -> None:
    assert DOCS_SCHEMA_PATH.read_bytes() == SCHEMA_PATH.read_bytes()


def test_the_schema_is_installed_with_the_package() -> None:
    installed = resources.files("briefings").joinpath("schemas/snapshot.schema.json")
    assert installed.read_bytes() == SCHEMA_PATH.read_bytes()
    package_data = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    assert "schemas/*" in package_data["briefings"]


def test_the_schema_is_a_valid_draft_2020_12_schema(schema: dict[str, Any]) -> None:
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)
    assert schema["properties"]["schema_version"]["pattern"] == r"^1\.\d+$"
    assert re.fullmatch(schema["properties"]["schema_version"]["pattern"], SCHEMA_VERSION)
    # The growth rule is stated where a consumer of the schema reads first.
    assert "minor version" in schema["description"] and "optional keys" in schema["description"]


def _objects(node: Any, where: str = "#") -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(node, dict):
        if "properties" in node:
            yield where, node
        for key, value in node.items():
            yield from _objects(value, f"{where}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _objects(value, f"{where}/{index}")


def test_every_key_is_described_required_and_closed(schema: dict[str, Any]) -> None:
    objects = list(_objects(schema))
    assert len(objects) >= 15
    for where, node in objects:
        assert node.get("additionalProperties") is False, where
        assert sorted(node["required"]) == sorted(node["properties"]), where
        for key, described in node["properties"].items():
            assert isinstance(described.get("description"), str) and described["description"], f"{where}/{key}"


def test_the_schema_names_exactly_the_keys_a_snapshot_has(schema: dict[str, Any],
                                                          example_snapshots: dict[str, dict[str, Any]]) -> None:
    snapshot = example_snapshots["european-security-overview"]
    assert list(snapshot) == list(schema["properties"]) == schema["required"]
    assert set(CONTENT_KEYS) <= set(snapshot)
    assert snapshot["schema_version"] == SCHEMA_VERSION


def test_every_example_snapshot_is_valid_and_says_what_the_briefing_says(
        example_snapshots: dict[str, dict[str, Any]]) -> None:
    overview = example_snapshots["european-security-overview"]
    assert overview["briefing"]["id"] == "european-security-overview"
    assert [topic["id"] for topic in overview["topics"]] == ["coalition-of-the-willing", "drone-coproduction",
                                                              "nato-spending"]
    assert overview["generated"] == GENERATED.isoformat()
    assert overview["edition"] == {"status": "draft", "number": None, "date": None}
    assert overview["changes"]["first"] is True
    cited = {source for topic in overview["topics"] for fact in topic["facts"] for source in fact["sources"]}
    assert {reference["id"] for reference in overview["references"]} == cited | {
        source for topic in overview["topics"] for figure in topic["figures"] for source in figure["sources"]}
    for snapshot in example_snapshots.values():
        assert all(topic["overdue"] is False for topic in snapshot["topics"])  # review_by 2027, built in 2026


@pytest.mark.parametrize("mutate, complaint", [
    (lambda s: s.update(schema_version="2.0"), "does not match"),
    (lambda s: s.update(schema_version="1"), "does not match"),
    (lambda s: s.update(unknown_key=1), "Additional properties"),
    (lambda s: s["topics"][0].update(overdue="no"), "is not of type 'boolean'"),
    (lambda s: s["topics"][0]["facts"][0].update(date="24 June 2025"), "is not valid"),
    (lambda s: s.update(as_of="2025-02-30"), "is not a 'date'"),
    (lambda s: s["references"][0].update(reliability="G"), "is not one of"),
    (lambda s: s.pop("changes"), "'changes' is a required property"),
    (lambda s: s.update(edition={"status": "published", "number": 1, "date": "2026-01-01"}), "is not valid"),
    (lambda s: s.update(changes={**s["changes"], "facts_changed": [{"topic": "t", "id": "f", "fields": ["colour"],
                                                                   "before": {}, "after": {}}]}), "is not valid"),
], ids=["major-2", "no-minor", "unknown-key", "overdue-type", "date-format", "impossible-date", "reliability",
        "no-changes",
        "edition-status", "changed-field"])
def test_the_schema_refuses_what_is_not_a_1_0_snapshot(example_snapshots: dict[str, dict[str, Any]], mutate,
                                                       complaint: str) -> None:
    snapshot = json.loads(json.dumps(example_snapshots["nato-spending"]))
    assert schema_errors(snapshot) == []
    mutate(snapshot)
    errors = schema_errors(snapshot)
    assert errors and any(complaint in error for error in errors), errors


def test_the_docs_describe_every_top_level_key(schema: dict[str, Any]) -> None:
    docs = (REPO_ROOT / "docs/snapshot.md").read_text(encoding="utf-8")
    for key in schema["properties"]:
        assert f"`{key}`" in docs, key
    assert "snapshot.schema.json" in docs


def test_a_snapshot_is_json_native_and_the_same_for_the_same_inputs(tmp_path: Path) -> None:
    first = copy_example(tmp_path / "one")
    second = copy_example(tmp_path / "two")
    for root in (first, second):
        build(root, formats=["json"], only=["nato-spending"], generated=GENERATED, jobs=1)
    data = (first / "output/nato-spending.json").read_bytes()
    assert data == (second / "output/nato-spending.json").read_bytes()
    assert data.endswith(b"}\n") and str(tmp_path).encode() not in data
