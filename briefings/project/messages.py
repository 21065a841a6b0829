"""pydantic's validation errors, as one located sentence each about the user's file.

Contract: :func:`describe` turns one error of ``error.errors()`` into a
plain sentence naming the field (``facts[1] (fact 'second-fact').date:
invalid date '2025-02-30' (expected YYYY-MM-DD)``), so that users never see
pydantic's internals: an unknown field gets "did you mean", a pattern that
refuses a value says what the value should look like, a bound says what it
is. The loader (:mod:`briefings.project.loader`) places the sentence at the
value's line; ``add-source`` uses the same words for its options.
"""

from __future__ import annotations

import datetime
import typing
from typing import Any

from pydantic import BaseModel

from briefings.errors import did_you_mean
from briefings.project.schema import SLUG_HINT
from briefings.project.yaml import Location


def _fields_at(model: type[BaseModel], loc: Location) -> list[str]:
    """The field names of the model reached by ``loc`` inside ``model`` (for "did you mean")."""
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        fields = getattr(current, "model_fields", None)
        if not fields or part not in fields:
            return []
        current = _model_in(fields[part].annotation)
        if current is None:
            return []
    return list(getattr(current, "model_fields", {}))


def _model_in(annotation: Any) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for argument in typing.get_args(annotation):
        found = _model_in(argument)
        if found is not None:
            return found
    return None


def _fact_label(data: Any, loc: Location) -> str:
    """"facts[1] (fact 'second-fact')" when ``loc`` is inside a fact whose id can be read."""
    if len(loc) >= 2 and loc[0] == "facts" and isinstance(loc[1], int) and isinstance(data, dict):
        facts = data.get("facts")
        if isinstance(facts, list) and loc[1] < len(facts) and isinstance(facts[loc[1]], dict):
            fact_id = facts[loc[1]].get("id")
            if isinstance(fact_id, str) and fact_id:
                return f" (fact '{fact_id}')"
    return ""


def _field_name(loc: Location) -> str:
    parts: list[str] = []
    for item in loc:
        if isinstance(item, int):
            parts.append(f"[{item}]")
        else:
            parts.append(("." if parts else "") + str(item))
    return "".join(parts)


def describe(detail: Any, loc: Location, model: type[BaseModel], base: Location, data: Any) -> str:
    """Turn one pydantic error into a sentence about the user's file."""
    kind = detail["type"]
    label = _fact_label(data, loc)
    field_name = _field_name(loc) + (label if len(loc) == 2 else "")
    if len(loc) > 2:
        field_name = _field_name(loc[:2]) + label + _field_name(("", *loc[2:]))
    name = str(loc[-1]) if loc else "value"
    value = detail.get("input")
    message = str(detail.get("msg", ""))
    parent = f"{_field_name(loc[:-1])}{label}: " if len(loc) > 1 else ""
    if kind == "missing":
        return f"{parent}missing required field '{name}'"
    if kind == "extra_forbidden":
        known = _fields_at(model, tuple(detail["loc"])[:-1])
        return f"{parent}unknown field '{name}'{did_you_mean(name, [k for k in known if k != 'id'])}"
    if "id_given" in message:
        return "'id' is not a field here: the id is the key (or the file name)"
    if "date_type" in message or kind.startswith("date_") or kind.startswith("datetime_"):
        return f"{field_name}: invalid date '{value}' (expected YYYY-MM-DD)"
    if kind == "string_pattern_mismatch":
        field = next((part for part in reversed(loc) if isinstance(part, str)), "")
        return f"{field_name}: '{value}' {_PATTERN_HINTS.get(field, SLUG_HINT)}"
    if kind in _EXPECTED or "not_bool" in message:
        expected = _EXPECTED.get(kind, "a number or text")
        # (2.5 where a whole number belongs: "got a number" would not say what is wrong)
        got = str(value) if kind == "int_type" and isinstance(value, float) else _type_name(value)
        return f"{field_name}: expected {expected}, got {got}"
    if kind == "value_error" and message.startswith("Value error, "):
        return f"{field_name}: {message[len('Value error, '):]}"
    if kind in _BOUNDS:
        word, bound = _BOUNDS[kind]
        return f"{field_name}: must be {word} {_number(detail.get('ctx', {}).get(bound))}, not {_number(value)}"
    if kind == "finite_number":
        return f"{field_name}: must be a finite number, not {value}"
    if kind == "string_too_short":
        return f"{field_name}: must not be empty"
    if kind == "too_short":
        return f"{field_name}: needs at least one entry"
    if kind == "literal_error":
        expected = detail.get("ctx", {}).get("expected", "")
        return f"{field_name}: '{value}' is not allowed (expected {expected})"
    return f"{field_name}: {message}"


#: What a value must look like, by the field it is in, when its pattern refuses it (slugs otherwise).
_PATTERN_HINTS = {
    "url": "is not an http(s) URL",
    "accent": "is not a CSS colour (#rgb, #rrggbb, rgb(…), hsl(…) or a colour name)",
    "body": "is not a font family name (letters, digits, spaces and . _ -)",
    "headings": "is not a font family name (letters, digits, spaces and . _ -)",
    "stylesheet": "is not a stylesheet of templates/ (a file name ending in .css, without directories)",
    "template": "is not a template name (letters, digits and . _ -, without directories)",
    "logo": "is not a path to a file in the project",
}

_EXPECTED = {"string_type": "text", "list_type": "a list", "dict_type": "a mapping",
             "model_type": "a mapping", "int_type": "a whole number", "float_type": "a number",
             "bool_type": "true or false"}
#: pydantic's bounds on numbers, as "must be <word> <bound>", with the name of the bound in the error's ctx.
_BOUNDS = {"greater_than": ("more than", "gt"), "greater_than_equal": ("at least", "ge"),
           "less_than": ("less than", "lt"), "less_than_equal": ("at most", "le")}


def _number(value: Any) -> str:
    """A bound or value as a message shows it: 0 rather than 0.0, 1000000 as 1,000,000."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return f"{value:,}" if isinstance(value, int) and not isinstance(value, bool) else str(value)


def _type_name(value: Any) -> str:
    if value is None:
        return "nothing"
    return {bool: "true/false", int: "a number", float: "a number", str: "text", list: "a list",
            dict: "a mapping", datetime.date: "a date"}.get(type(value), type(value).__name__)
