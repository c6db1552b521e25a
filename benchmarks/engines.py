"""The three engines of the rule-subset comparison, and the check that they agree.

- fedcheck: the controls of benchmarks/subset.yaml, validated and compiled by fedcheck.catalog
  into a Catalog of just them, evaluated by ``fedcheck.evaluate``;
- hand-written Python: benchmarks/handwritten.py;
- Rego: benchmarks/rules.rego, evaluated by regopy (the rego-cpp engine) when it is installed.

Each yields the set of failing (control id, target kind, target id).
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from fedcheck import evaluate  # noqa: E402
from fedcheck.catalog import Catalog, control_from_data, schema_validator, to_oscal  # noqa: E402
from fedcheck.findings import Result, Status  # noqa: E402
from fedcheck.loading import load_file  # noqa: E402

SUBSET = HERE / "subset.yaml"
REGO = HERE / "rules.rego"
REGO_QUERY = "data.fedcheck.bench"

Failures = set[tuple[str, str, str]]


def load_subset_catalog() -> Catalog:
    """The controls of subset.yaml, schema-validated and compiled for High, as a Catalog."""
    doc = load_file(str(SUBSET), expect="list")
    validator = schema_validator("control.schema.json")
    controls = {}
    for i, raw in enumerate(doc.data):
        errors = sorted(validator.iter_errors(raw), key=lambda e: list(map(str, e.path)))
        if errors:
            where = ".".join(map(str, errors[0].absolute_path)) or "top level"
            raise ValueError(
                f"{SUBSET.name}: control {i} ({raw.get('id')}): {where}: {errors[0].message}"
            )
        control = control_from_data(raw, str(SUBSET), None, bundled=False)
        control.compile("high")
        controls[to_oscal(raw["id"])] = control
    sha = hashlib.sha256(SUBSET.read_bytes()).hexdigest()
    return Catalog(controls, "subset", sha, (str(HERE),))


def result_failures(result: Result, control_ids: frozenset[str] | None = None) -> Failures:
    """The failing (control, kind, target) of a Result, optionally only of some controls."""
    errors = [f for f in result.findings if f.status is Status.ERROR]
    if errors:
        raise AssertionError(
            f"fedcheck reported {len(errors)} error findings, e.g. "
            f"{errors[0].control_id} {errors[0].target}: {errors[0].message}"
        )
    return {
        (f.control_id, f.target_kind, f.target)
        for f in result.findings
        if f.status is Status.FAIL and (control_ids is None or f.control_id in control_ids)
    }


def fedcheck_failures(loaded: Any, catalog: Catalog) -> Failures:
    return result_failures(
        evaluate(loaded, catalog, baseline="high", generated_at="2025-01-01T00:00:00Z")
    )


class RegoUnavailable(Exception):
    """regopy cannot be imported or cannot run the rules here; the message says why."""


class RegoEngine:
    """benchmarks/rules.rego loaded into one regopy interpreter."""

    def __init__(self) -> None:
        try:
            import regopy
        except ImportError as exc:
            raise RegoUnavailable(f"regopy is not installed ({exc}); pip install regopy") from None
        self.version = getattr(regopy, "__version__", "unknown")
        self.interpreter = regopy.Interpreter()
        try:
            self.interpreter.add_module("rules", REGO.read_text(encoding="utf-8"))
        except Exception as exc:  # noqa: BLE001 - report any failure of the engine as its reason
            raise RegoUnavailable(f"regopy refused rules.rego: {exc}") from None

    def set_input(self, data: dict[str, Any]) -> None:
        self.interpreter.set_input(data)

    def query(self) -> Failures:
        output = self.interpreter.query(REGO_QUERY)
        parsed = json.loads(str(output))
        if "expressions" not in parsed:
            raise RegoUnavailable(f"regopy could not evaluate the rules: {parsed}")
        package = parsed["expressions"][0]
        return {
            tuple(x) for name, rows in package.items() if name.startswith("fail_") for x in rows
        }  # type: ignore[misc]

    def failures(self, data: dict[str, Any]) -> Failures:
        self.set_input(data)
        return self.query()


def describe_difference(name_a: str, a: Failures, name_b: str, b: Failures, limit: int = 5) -> str:
    only_a = sorted(a - b)[:limit]
    only_b = sorted(b - a)[:limit]
    return (
        f"{name_a} and {name_b} disagree: {len(a - b)} failures only in {name_a} "
        f"(e.g. {only_a}), {len(b - a)} only in {name_b} (e.g. {only_b})"
    )
