"""The attestation report names the rules edition the run used (it read "not recorded")."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest

from fedcheck.api import load_catalog, render
from fedcheck.evaluation import evaluate
from fedcheck.inputs import load_deployment

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "agency-ai-assistant.yaml"


@pytest.mark.parametrize("fmt", ["markdown", "html"])
def test_the_attestation_report_names_the_rules_edition(fmt: str) -> None:
    result = evaluate(
        load_deployment(str(EXAMPLE)), load_catalog(), as_of=datetime.date(2026, 12, 1)
    )
    assert result.rules is not None
    text = render(result, fmt)
    assert result.rules.label in text
    assert "not recorded" not in text
