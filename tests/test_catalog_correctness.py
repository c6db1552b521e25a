"""The whole catalog against one fully compliant FedRAMP High deployment.

The compliant example passes every automated control; each weakening listed under
``tests/weakenings/*.yaml`` (one field made weaker on one target) is caught by exactly the
controls the entry names, on exactly that target, and by nothing else.
"""

from __future__ import annotations

import datetime
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from fedcheck.catalog import load_catalog, to_display
from fedcheck.evaluation import evaluate
from fedcheck.findings import Status
from fedcheck.inputs import load_deployment, parse_deployment

ROOT = Path(__file__).resolve().parents[1]
COMPLIANT = ROOT / "examples" / "agency-ai-assistant-compliant.yaml"
CATALOG = load_catalog()
BASE = load_deployment(str(COMPLIANT))
DELETE = "__delete__"
AS_OF = datetime.date(2026, 12, 1)  # the compliant example's records are current on this day


def _weakenings() -> list[dict[str, Any]]:
    entries = []
    for file in sorted((ROOT / "tests" / "weakenings").glob("*.yaml")):
        for entry in yaml.safe_load(file.read_text(encoding="utf-8")) or []:
            entry["_file"] = file.name
            entries.append(entry)
    return entries


WEAKENINGS = _weakenings()
INHERITED = {
    f.control_id
    for f in evaluate(BASE, CATALOG, as_of=AS_OF).findings
    if f.status is Status.INHERITED
}


def _target_object(data: dict[str, Any], target: str) -> dict[str, Any]:
    if target == "system":
        return data["system"]
    for section in ("components", "external_services", "data_flows"):
        for item in data.get(section, []):
            if item["id"] == target:
                return item
    raise KeyError(f"no target {target!r} in the compliant example")


def _weaken(entry: dict[str, Any]) -> str:
    data = json.loads(json.dumps(BASE.data))  # unshare the YAML anchors of the example
    if "record" in entry:  # a dated record, by its id: its field made weaker, or it removed
        records = data["records"]
        index = next(i for i, r in enumerate(records) if r["id"] == entry["record"])
        if entry["value"] == DELETE and entry["path"] == "date":
            del records[index]
            return yaml.safe_dump(data, sort_keys=False)
        obj = records[index]
    else:
        obj = _target_object(data, entry["target"])
    *parents, last = entry["path"].split(".")
    for part in parents:
        obj = obj.setdefault(part, {})
    if entry["value"] == DELETE:
        del obj[last]
    else:
        obj[last] = entry["value"]
    return yaml.safe_dump(data, sort_keys=False)


def test_compliant_example_passes_every_automated_control() -> None:
    result = evaluate(BASE, CATALOG, as_of=AS_OF)
    bad = [
        f"{f.control_id} {f.target}: {f.status} {f.message}"
        for f in result.findings
        if f.status in (Status.FAIL, Status.ERROR, Status.MANUAL)
        and any(c.id == f.control_id and c.automated for c in result.controls)
    ]
    assert not bad, "\n".join(bad)
    passed = {f.control_id for f in result.findings if f.status is Status.PASS}
    # A control the example inherits in full (PE, from its IaaS) is judged by the provider's
    # authorization, not by its own checks (see test_inherited).
    automated = {c.id for c in result.controls if c.automated} - INHERITED
    assert automated <= passed, f"never exercised: {sorted(automated - passed)}"


def test_every_automated_high_control_has_a_weakening() -> None:
    named = {to_display(c) for entry in WEAKENINGS for c in entry["controls"]}
    missing = sorted(
        c.id
        for c in CATALOG.in_baseline("high")
        if c.is_automated and c.id not in named and c.id not in INHERITED
    )
    assert not missing, f"automated controls without a weakening in tests/weakenings: {missing}"


@pytest.mark.parametrize("entry", WEAKENINGS, ids=lambda e: e["name"])
def test_weakening_is_caught_by_its_control_only(entry: dict[str, Any]) -> None:
    text = _weaken(entry)
    deployment = parse_deployment(text, "examples/weakened.yaml")  # artifacts beside the example
    result = evaluate(deployment, CATALOG, baseline=entry.get("baseline", "high"), as_of=AS_OF)
    failing = {
        (f.control_id, f.target) for f in result.findings if f.status in (Status.FAIL, Status.ERROR)
    }
    expected = {
        (to_display(c), entry.get("finding_target", entry["target"])) for c in entry["controls"]
    }
    assert failing == expected, (
        f"{entry['_file']}: {entry['name']}: expected failures {sorted(expected)}, "
        f"got {sorted(failing)}"
    )
    # The finding points at the weakened field (or its nearest stated parent).
    lines = text.splitlines()
    for f in result.findings:
        if (f.control_id, f.target) in expected and f.location and f.location.line:
            assert 1 <= f.location.line <= len(lines)


COMPONENT_TYPES = sorted(
    {c.get("type") for c in BASE.data["components"]}
    | {
        "web_app",
        "api",
        "compute",
        "database",
        "object_storage",
        "queue",
        "network",
        "identity_provider",
        "logging",
        "ai_model",
        "other",
    }
    - {None}
)


@pytest.mark.parametrize("component_type", COMPONENT_TYPES)
def test_compliant_example_passes_whatever_type_its_components_have(component_type: str) -> None:
    # Scope follows what a component does, not its label: relabelling every component of the
    # compliant example must not make any automated control fail.
    data = json.loads(json.dumps(BASE.data))
    for component in data["components"]:
        component["type"] = component_type
    deployment = parse_deployment(yaml.safe_dump(data, sort_keys=False), "relabelled.yaml")
    result = evaluate(deployment, CATALOG, as_of=AS_OF)
    bad = [
        f"{f.control_id} {f.target}: {f.status} {f.message}"
        for f in result.findings
        if f.status in (Status.FAIL, Status.ERROR, Status.MANUAL)
        and any(c.id == f.control_id and c.automated for c in result.controls)
    ]
    assert not bad, "\n".join(bad)
