"""The committed deployment schema is the one the model produces, and the CLI prints it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fedcheck import cli
from fedcheck.deployment import json_schema

COMMITTED = Path(__file__).resolve().parent.parent / "schemas" / "deployment.schema.json"
FIX = "run `python -m fedcheck.docgen` and commit schemas/deployment.schema.json"


def test_committed_deployment_schema_equals_the_model() -> None:
    text = COMMITTED.read_text(encoding="utf-8")
    assert json.loads(text) == json_schema(), f"the committed schema is stale; {FIX}"
    # Byte for byte too: sorted keys, two-space indent, trailing newline.
    assert text == json.dumps(json_schema(), indent=2, sort_keys=True, ensure_ascii=False) + "\n", (
        FIX
    )


def test_schema_command_prints_the_committed_schema(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["schema", "deployment"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed == json.loads(COMMITTED.read_text(encoding="utf-8"))
