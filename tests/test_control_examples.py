"""Every control's own examples: each automated control passes its passing fragments and fails
its failing ones, pointing where the example says. Adding a case means editing YAML only."""

from __future__ import annotations

import pytest

from fedcheck.catalog import load_catalog
from fedcheck.selftest import run_control_examples

CATALOG = load_catalog()
AUTOMATED = [c for c in CATALOG if c.is_automated]


def test_the_catalog_has_automated_controls() -> None:
    assert AUTOMATED, "the bundled catalog has no automated control"


@pytest.mark.parametrize("control", AUTOMATED, ids=lambda c: c.id)
def test_automated_control_has_passing_and_failing_examples(control) -> None:
    assert control.examples.get("pass"), f"{control.file}: no passing example"
    assert control.examples.get("fail"), f"{control.file}: no failing example"
    for example in control.examples["fail"]:
        assert (example.get("finding") or {}).get("target"), (
            f"{control.file}: failing example {example['name']} does not say which target "
            "the finding must be on"
        )


@pytest.mark.parametrize("control", AUTOMATED, ids=lambda c: c.id)
def test_control_examples_give_their_stated_verdicts(control) -> None:
    outcomes = run_control_examples(control)
    failures = [o.render() for o in outcomes if not o.ok]
    assert not failures, "\n".join(failures)
