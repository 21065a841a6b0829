"""Content digests (SHA-256, hex): of bytes, of a file, and of JSON-able data independent of mapping order.

Contract: pure functions over their arguments, shared by the build's
fingerprints and manifest and by the JSON snapshot; importing nothing of ours.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import orjson


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def canonical_digest(value: Any) -> str:
    """A digest of JSON-able ``value`` (dates allowed) that does not depend on dict order."""
    return digest(orjson.dumps(value, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS))


def file_digest(path: Path) -> str | None:
    """The content digest of a file, or None if it cannot be read (which is itself a state to compare)."""
    try:
        return digest(path.read_bytes())
    except OSError:
        return None
