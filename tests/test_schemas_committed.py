"""Every committed schema is the one its format's model produces, and the CLI prints it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fedcheck import cli, formats

SCHEMAS = Path(__file__).resolve().parent.parent / "schemas"
KINDS = sorted(formats.FORMATS)


def _fix(kind: str) -> str:
    return f"run `python -m fedcheck.docgen` and commit schemas/{formats.FORMATS[kind][2]}"


def test_every_committed_schema_belongs_to_a_format() -> None:
    names = {p.name for p in SCHEMAS.glob("*.schema.json")}
    assert names == {name for _, _, name in formats.FORMATS.values()}
    assert KINDS == ["control", "crm", "deployment", "profile", "records", "waivers"]


@pytest.mark.parametrize("kind", KINDS)
def test_committed_schema_equals_the_model(kind: str) -> None:
    text = (SCHEMAS / formats.FORMATS[kind][2]).read_text(encoding="utf-8")
    generated = formats.json_schema(kind)
    assert json.loads(text) == generated, f"the committed schema is stale; {_fix(kind)}"
    # Byte for byte too: sorted keys, two-space indent, trailing newline.
    assert text == json.dumps(generated, indent=2, sort_keys=True, ensure_ascii=False) + "\n", _fix(
        kind
    )


@pytest.mark.parametrize("kind", KINDS)
def test_schema_command_prints_the_committed_schema(
    kind: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["schema", kind]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed == json.loads((SCHEMAS / formats.FORMATS[kind][2]).read_text(encoding="utf-8"))


@pytest.mark.parametrize("kind", KINDS)
def test_the_schema_is_the_models(kind: str) -> None:
    # A field added to the model shows in the generated schema: the model is the only source.
    model = formats.model(kind)
    properties = formats.json_schema(kind)["properties"]
    assert set(properties) == {f.alias or name for name, f in model.model_fields.items()}
