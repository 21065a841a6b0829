"""Checking JSON snapshots against their published schema, for the tests."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

from .conftest import REPO_ROOT

SCHEMA_PATH = REPO_ROOT / "briefings/schemas/snapshot.schema.json"
DOCS_SCHEMA_PATH = REPO_ROOT / "docs/snapshot.schema.json"


@cache
def validator() -> Draft202012Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def schema_errors(snapshot: Any) -> list[str]:
    return [f"{'/'.join(map(str, error.absolute_path)) or '(top)'}: {error.message}"
            for error in sorted(validator().iter_errors(snapshot), key=lambda error: list(map(str, error.path)))]


def assert_valid(path: Path) -> dict[str, Any]:
    """The snapshot in ``path``, after checking that it is valid against the schema."""
    snapshot = json.loads(path.read_bytes())
    errors = schema_errors(snapshot)
    assert not errors, f"{path.name}:\n" + "\n".join(errors)
    return snapshot
