"""fedcheck init: the starter loads, states every contract field, and fails exactly on its TODOs."""

from __future__ import annotations

import datetime
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import BaseModel

import fedcheck
from fedcheck import scaffold
from fedcheck.cli import main
from fedcheck.deployment import Deployment
from fedcheck.loading import parse_text

LEVELS = ("low", "moderate", "high")

# A control that reads every TODO field of the starter, so that "the failing findings are
# exactly the TODO fields" is checked whatever the bundled catalog automates today.
DECISIONS_CONTROL = """\
id: TST-1
title: The starter's decisions are made
family: TST
baselines: [low, moderate, high]
severity: high
summary: Every field that fedcheck init marks TODO is set to a compliant value.
remediation: Set the fields marked TODO.
rules:
  - target: system
    checks:
      - assert: {field: incident_response.contact, present: true}
      - assert: {field: incident_response.reports_to_cisa, is: true}
  - target: component
    checks:
      - assert: {field: data.types, present: true}
      - assert: {field: hosting.fedramp_authorization, at_least: {field: data.impact_level}}
      - assert: {field: hosting.data_location, equals: us}
      - assert: {field: network.public, present: true}
      - assert: {field: network.boundary_protection, empty: false}
      - assert: {field: backup.last_restore_test_days, at_most: 365}
  - target: service
    checks:
      - assert: {field: fedramp_authorization, at_least: moderate}
      - assert: {field: data_location, equals: us}
      - assert: {field: interconnection_agreement, is: true}
      - assert: {field: trains_on_customer_data, is: false}
  - target: flow
    checks:
      - assert: {field: data.types, present: true}
examples:
  pass:
    - name: decided
      deployment:
        system: {id: s, impact_level: high, incident_response: {contact: soc@example.gov, reports_to_cisa: true}}
        external_services:
          - {id: s, fedramp_authorization: high, data_location: us, interconnection_agreement: true, trains_on_customer_data: false}
  fail:
    - name: undecided
      deployment:
        external_services:
          - {id: s}
      finding: {target: s, path: fedramp_authorization}
"""

# What a user would write in place of each TODO: compliant at every level (so no CUI, which is
# never categorized below moderate: see test_cui_decided_into_a_low_starter_fails_ra_2).
DECISIONS: dict[str, Any] = {
    "system.incident_response.contact": "soc@agency.example.gov",
    "system.incident_response.reports_to_cisa": True,
    "components[web-app].data.types": ["internal", "pii"],
    "components[web-app].hosting.fedramp_authorization": "high",
    "components[web-app].hosting.data_location": "us",
    "components[web-app].network.public": True,
    "components[web-app].network.boundary_protection": ["waf", "load_balancer"],
    "components[web-app].backup.last_restore_test_days": 30,
    "components[audit-log].hosting.fedramp_authorization": "high",
    "components[audit-log].hosting.data_location": "us",
    "components[audit-log].network.public": True,
    "components[audit-log].network.boundary_protection": ["waf", "load_balancer"],
    "components[audit-log].backup.last_restore_test_days": 30,
    "external_services[external-service].fedramp_authorization": "high",
    "external_services[external-service].data_location": "us",
    "external_services[external-service].interconnection_agreement": True,
    "external_services[external-service].trains_on_customer_data": False,
    "data_flows[web-app-to-external-service].data.types": ["pii"],
}


@pytest.fixture
def decisions_control(tmp_path: Path) -> Path:
    directory = tmp_path / "decisions"
    directory.mkdir()
    (directory / "tst-1.yaml").write_text(DECISIONS_CONTROL, encoding="utf-8")
    return directory


def _set(data: dict[str, Any], display_path: str, value: Any) -> None:
    node: Any = data
    parts = re.findall(r"[^.\[\]]+|\[[^\]]+\]", display_path)
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        if part.startswith("["):
            node = next(item for item in node if item["id"] == part[1:-1])
        elif last:
            node[part] = value
        else:
            node = node[part]


def _failing_paths(result: fedcheck.Result) -> set[str]:
    return {e.path for f in result.failing() for e in f.evidence}


def test_todo_fields_and_todo_comments_match() -> None:
    text = scaffold.starter("high")
    todo_lines = [
        n
        for n, line in enumerate(text.splitlines(), 1)
        if re.search(r"^\s*[^#\s].*#\s*TODO\b", line)
    ]
    data, source = parse_text(text, "fedcheck.yaml")
    loaded = fedcheck.parse_deployment(text, "fedcheck.yaml")
    lines_of_fields = set()
    for field in scaffold.TODO_FIELDS:
        path: list[str | int] = []
        node: Any = data
        for part in re.findall(r"[^.\[\]]+|\[[^\]]+\]", field):
            if part.startswith("["):
                index = next(i for i, item in enumerate(node) if item["id"] == part[1:-1])
                path.append(index)
                node = node[index]
            else:
                path.append(part)
                node = node.get(part) if isinstance(node, dict) else None
        assert loaded.display_path(tuple(path)) == field
        line, _, _ = source.position(tuple(path))
        lines_of_fields.add(line)
    assert lines_of_fields == set(todo_lines)


@pytest.mark.parametrize("level", LEVELS)
def test_starter_loads_and_states_every_contract_field(level: str) -> None:
    loaded = fedcheck.parse_deployment(scaffold.starter(level), "fedcheck.yaml")
    assert loaded.model.system.impact_level == level

    def every_field(model: type[Any], value: Any, where: str) -> None:
        for name, info in model.model_fields.items():
            key = info.alias or name
            assert isinstance(value, dict) and key in value, f"{where}.{key} is missing"
            annotation = fedcheck.inputs._unwrap(info.annotation)  # list[X] and X | None -> X
            child = value[key]
            if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
                continue
            if isinstance(child, list):
                for n, item in enumerate(child):
                    every_field(annotation, item, f"{where}.{key}[{n}]")
            elif child is not None:
                every_field(annotation, child, f"{where}.{key}")

    every_field(Deployment, loaded.data, "top level")


@pytest.mark.parametrize("level", LEVELS)
def test_starter_fails_exactly_on_its_todo_fields(
    level: str, tmp_path: Path, decisions_control: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "fedcheck.yaml"
    assert main(["init", "--impact-level", level, str(target)]) == 0
    assert (
        main(
            [
                "check",
                str(target),
                "--controls",
                str(decisions_control),
                "--format",
                "json",
                "--quiet",
            ]
        )
        == 1
    )
    result = fedcheck.Result.from_dict(__import__("json").loads(capsys.readouterr().out))
    assert _failing_paths(result) == set(scaffold.TODO_FIELDS)
    assert {f.status for f in result.failing()} == {fedcheck.Status.FAIL}


@pytest.mark.parametrize("level", LEVELS)
def test_bundled_catalog_fails_only_on_todo_fields(level: str) -> None:
    loaded = fedcheck.parse_deployment(scaffold.starter(level), "fedcheck.yaml")
    result = fedcheck.evaluate(loaded, fedcheck.load_catalog())
    unexpected = _failing_paths(result) - set(scaffold.TODO_FIELDS)
    assert not unexpected, f"the starter's defaults fail FedRAMP {level}: {sorted(unexpected)}"


@pytest.mark.parametrize("level", LEVELS)
def test_no_bundled_control_passes_on_an_undecided_field(level: str) -> None:
    catalog = fedcheck.load_catalog()
    loaded = fedcheck.parse_deployment(scaffold.starter(level), "fedcheck.yaml")
    result = fedcheck.evaluate(loaded, catalog)
    lists = {"component": "components", "service": "external_services", "flow": "data_flows"}
    passes = [f for f in result.findings if f.status == fedcheck.Status.PASS]
    for finding in passes:
        kind = finding.target_kind
        prefix = "system." if kind == "system" else f"{lists[kind]}[{finding.target}]."
        read = {prefix + path for k, path in catalog.get(finding.control_id).reads() if k == kind}
        undecided = read & set(scaffold.TODO_FIELDS)
        assert not undecided, (
            f"{finding.control_id} passes on {finding.target} although it "
            f"reads the undecided {sorted(undecided)}"
        )


@pytest.mark.parametrize("level", LEVELS)
def test_check_of_a_fresh_starter_exits_1(
    level: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    catalog = fedcheck.load_catalog()
    if not any(c.is_automated for c in catalog.in_baseline(level)):
        pytest.skip(f"the bundled catalog automates no {level} control")
    target = tmp_path / "fedcheck.yaml"
    assert main(["init", "--quiet", "--impact-level", level, str(target)]) == 0
    assert main(["check", str(target), "--quiet"]) == 1


def _records_for_today(level: str) -> list[dict[str, Any]]:
    """A record, dated today, of each obligation the starter lists as a comment."""
    today = datetime.datetime.now(datetime.UTC).date().isoformat()
    text = scaffold.starter(level)
    found = re.findall(r"^#   - \{id: ([^,]+), kind: ([^,]+), controls: \[([^\]]+)\]", text, re.M)
    assert found, "the starter lists no dated obligation"
    return [
        {"id": i, "kind": k, "controls": [c], "date": today, "approved_by": "ISSO"}
        for i, k, c in found
    ]


@pytest.mark.parametrize("level", LEVELS)
def test_starter_passes_once_every_todo_is_decided(level: str, decisions_control: Path) -> None:
    data, _ = parse_text(scaffold.starter(level), "fedcheck.yaml")
    decisions = {**DECISIONS, "records": _records_for_today(level)}
    for field, value in decisions.items():
        _set(data, field, value)
    assert set(decisions) == set(scaffold.TODO_FIELDS)
    loaded = fedcheck.parse_deployment(yaml.safe_dump(data, sort_keys=False), "decided.yaml")
    result = fedcheck.evaluate(loaded, fedcheck.load_catalog([decisions_control]))
    assert [f"{f.control_id} {f.target}: {f.message}" for f in result.failing()] == []
    assert any(f.status == fedcheck.Status.PASS for f in result.findings)


@pytest.mark.parametrize("level", LEVELS)
def test_cui_decided_into_a_starter_is_judged_by_ra_2(level: str, decisions_control: Path) -> None:
    # RA-2: CUI is never categorized below moderate. The starter keeps data.types undecided
    # (it fails there, not on the level it states); once CUI is decided, a Low starter fails
    # on its data level and a Moderate or High one passes.
    undecided = fedcheck.parse_deployment(scaffold.starter(level), "fedcheck.yaml")
    ra_2 = [
        f
        for f in fedcheck.evaluate(undecided, fedcheck.load_catalog()).failing()
        if f.control_id == "RA-2"
    ]
    assert {e.path for f in ra_2 for e in f.evidence} == {
        "components[web-app].data.types",
        "data_flows[web-app-to-external-service].data.types",
    }
    data, _ = parse_text(scaffold.starter(level), "fedcheck.yaml")
    decisions = {**DECISIONS, "records": _records_for_today(level)}
    decisions["components[web-app].data.types"] = ["cui", "pii"]
    for field, value in decisions.items():
        _set(data, field, value)
    loaded = fedcheck.parse_deployment(yaml.safe_dump(data, sort_keys=False), "decided.yaml")
    result = fedcheck.evaluate(loaded, fedcheck.load_catalog([decisions_control]))
    failing = [
        (f.control_id, f.target, f.location.path if f.location else None) for f in result.failing()
    ]
    if level == "low":
        assert failing == [("RA-2", "web-app", "components[web-app].data.impact_level")]
    else:
        assert failing == []


def test_starter_carries_the_schema_comment_and_section_comments() -> None:
    text = scaffold.starter("moderate")
    assert text.startswith("# yaml-language-server: $schema=https://")
    for section in (
        "system:",
        "components:",
        "external_services:",
        "data_flows:",
        "inherited_controls:",
    ):
        before = text.split(f"\n{section}", 1)[0].rstrip().splitlines()[-1]
        assert before.startswith("#"), f"no comment explains {section}"


def test_levels_differ_where_fedramp_does() -> None:
    high = fedcheck.parse_deployment(scaffold.starter("high")).model.components[0].access
    moderate = fedcheck.parse_deployment(scaffold.starter("moderate")).model.components[0].access
    assert high.inactive_account_disable_days == 35
    assert moderate.inactive_account_disable_days == 90
    assert high.lockout.lock_minutes == 180


def test_init_refuses_to_overwrite_without_force(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "fedcheck.yaml"
    target.write_text("mine\n", encoding="utf-8")
    assert main(["init", str(target)]) == 2
    err = capsys.readouterr().err
    assert "already exists" in err and "--force" in err
    assert target.read_text(encoding="utf-8") == "mine\n"
    assert main(["init", "--force", "--quiet", str(target)]) == 0
    assert target.read_text(encoding="utf-8") == scaffold.starter("moderate", str(target))
    assert capsys.readouterr().err == ""


def test_init_writes_fedcheck_yaml_by_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["init"]) == 0
    assert (tmp_path / "fedcheck.yaml").is_file()
    with pytest.raises(SystemExit) as exit_:
        main(["init", "--impact-level", "extreme", "other.yaml"])
    assert exit_.value.code == 2
    assert not (tmp_path / "other.yaml").exists()
