"""Editors: every committed JSON Schema documents itself, and every example names its schema.

The YAML language server shows a property's ``description`` as hover text and completes from
the schema, so a property without one is a hole in the editor experience.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
SCHEMAS = sorted((REPO / "schemas").glob("*.schema.json"))
EXAMPLES = sorted(p for p in (REPO / "examples").rglob("*") if p.suffix in (".yaml", ".yml"))
MODELINE = re.compile(r"^# yaml-language-server: \$schema=(\S+)$")


def _properties(node: Any, where: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every (pointer, subschema) that declares an object property, anywhere in the schema."""
    if isinstance(node, dict):
        for name, sub in (node.get("properties") or {}).items():
            if isinstance(sub, dict):
                yield f"{where}/properties/{name}", sub
        for key, value in node.items():
            yield from _properties(value, f"{where}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _properties(value, f"{where}/{i}")


def _described(sub: dict[str, Any], schema: dict[str, Any]) -> bool:
    if sub.get("description"):
        return True
    ref = sub.get("$ref") or next(
        (
            s.get("$ref")
            for s in sub.get("allOf", []) + sub.get("anyOf", [])
            if isinstance(s, dict) and "$ref" in s
        ),
        None,
    )
    if isinstance(ref, str) and ref.startswith("#/"):
        target: Any = schema
        for part in ref[2:].split("/"):
            target = target[part]
        return bool(target.get("description"))
    return False


def test_schemas_are_committed() -> None:
    names = {p.name for p in SCHEMAS}
    assert {"deployment.schema.json", "control.schema.json"} <= names


@pytest.mark.parametrize("path", SCHEMAS, ids=lambda p: p.name)
def test_schema_has_id_title_and_description(path: Path) -> None:
    schema = json.loads(path.read_text(encoding="utf-8"))
    assert str(schema.get("$id", "")).startswith("https://"), f"{path.name} has no $id"
    assert schema.get("title"), f"{path.name} has no title"
    assert schema.get("description"), f"{path.name} has no description"


@pytest.mark.parametrize("path", SCHEMAS, ids=lambda p: p.name)
def test_every_property_has_a_description(path: Path) -> None:
    schema = json.loads(path.read_text(encoding="utf-8"))
    missing = [pointer for pointer, sub in _properties(schema, "#") if not _described(sub, schema)]
    assert not missing, f"{path.name}: properties without a description: {missing}"


def test_the_walk_finds_an_undescribed_property() -> None:
    schema = {
        "properties": {
            "a": {"type": "object", "properties": {"b": {"type": "string"}}},
            "c": {"$ref": "#/$defs/c"},
        },
        "$defs": {"c": {"description": "documented once, where it is defined"}},
    }
    missing = [p for p, sub in _properties(schema, "#") if not _described(sub, schema)]
    assert missing == ["#/properties/a", "#/properties/a/properties/b"]


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: str(p.relative_to(REPO)))
def test_example_starts_with_its_schema(path: Path) -> None:
    first = path.read_text(encoding="utf-8").splitlines()[0]
    match = MODELINE.match(first)
    assert match, f"{path.relative_to(REPO)} must start with '# yaml-language-server: $schema=...'"
    target = (path.parent / match.group(1)).resolve()
    assert target.is_file(), f"{path.relative_to(REPO)} names {match.group(1)}, which is not a file"
    assert target.parent == REPO / "schemas"
