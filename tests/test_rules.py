"""The check language: type-checked when controls load, three-valued when they run."""

from __future__ import annotations

from pathlib import Path

import pytest

from fedcheck.catalog import load_catalog
from fedcheck.errors import InputError
from fedcheck.evaluation import Tailoring, evaluate
from fedcheck.findings import Status
from fedcheck.inputs import parse_deployment

HEADER = """id: ORG-1
title: Test control
family: ORG
baselines: []
severity: high
parameters:
  max_minutes: {value: 15, stricter: lower}
  regions: {value: [us, pr], stricter: subset}
rules:
"""


def control_dir(tmp_path: Path, rules: str) -> Path:
    d = tmp_path / "controls"
    d.mkdir(exist_ok=True)
    (d / "org-1.yaml").write_text(HEADER + rules, encoding="utf-8")
    return d


def compile_error(tmp_path: Path, rules: str) -> InputError:
    with pytest.raises(InputError) as info:
        load_catalog([control_dir(tmp_path, rules)], include_bundled=False)
    return info.value


def test_unknown_field_is_a_load_error_at_its_line(tmp_path: Path) -> None:
    err = compile_error(
        tmp_path,
        "  - target: component\n    checks:\n"
        "      - assert: {field: access.session_timout_minutes, at_most: 15}\n",
    )
    assert err.problem.line == 12
    assert "unknown field 'session_timout_minutes'" in err.problem.message
    assert err.problem.fix == "did you mean 'session_timeout_minutes'?"


def test_unknown_operator_is_a_load_error(tmp_path: Path) -> None:
    err = compile_error(
        tmp_path,
        "  - target: component\n    checks:\n"
        "      - assert: {field: access.session_timeout_minutes, at_mots: 15}\n",
    )
    assert "'at_mots'" in err.problem.message
    assert err.problem.fix == "did you mean 'at_most'?"


@pytest.mark.parametrize(
    "check, words",
    [
        ("{field: access.authentication.mfa, at_least: 3}", "needs an ordered field"),
        ("{field: access.session_timeout_minutes, at_most: fifteen}", "must be a number"),
        ("{field: encryption.in_transit.tls_min_version, at_least: 1.2}", 'write "1.2" in quotes'),
        ("{field: data.impact_level, at_least: severe}", "is not one of"),
        ("{field: network.boundary_protection, equals: waf}", "compares single values"),
        ("{field: access.session_timeout_minutes, at_most: $max_minute}", "unknown parameter"),
        ("{field: hosting.data_location, in: $max_minutes}", "expected a non-empty list"),
        ("{field: inbound_flows.data.impact_level, at_most: high}", "is a list"),
    ],
)
def test_type_mismatches_are_load_errors(tmp_path: Path, check: str, words: str) -> None:
    err = compile_error(tmp_path, f"  - target: component\n    checks:\n      - assert: {check}\n")
    assert words in err.problem.message and err.problem.line == 12


def run(tmp_path: Path, rules: str, deployment: str):
    catalog = load_catalog([control_dir(tmp_path, rules)], include_bundled=False)
    loaded = parse_deployment(deployment, "deploy.yaml")
    result = evaluate(loaded, catalog, baseline="high", tailoring=Tailoring(add=("ORG-1",)))
    return {f.target: f for f in result.findings}


DEPLOYMENT = """version: 1
system: {id: sys, impact_level: high}
components:
  - {id: ok, access: {session_timeout_minutes: 10}, hosting: {data_location: us}}
  - {id: slow, access: {session_timeout_minutes: 30}, hosting: {data_location: pr}}
  - {id: unstated, hosting: {data_location: ie}}
external_services:
  - {id: llm, fedramp_authorization: moderate}
  - {id: idp, fedramp_authorization: high}
data_flows:
  - {id: f1, from: ok, to: llm, data: {impact_level: high}}
  - {id: f2, from: ok, to: idp, data: {impact_level: moderate}}
"""


def test_comparison_against_a_parameter_points_at_the_value(tmp_path: Path) -> None:
    f = run(
        tmp_path,
        "  - target: component\n    checks:\n"
        "      - assert: {field: access.session_timeout_minutes, at_most: $max_minutes}\n",
        DEPLOYMENT,
    )
    assert f["ok"].status is Status.PASS
    assert f["slow"].status is Status.FAIL
    assert (
        f["slow"].message
        == "components[slow].access.session_timeout_minutes is 30; expected at most 15 "
        "(control ORG-1)"
    )
    assert (f["slow"].location.line, f["slow"].location.column) == (5, 50)
    assert f["unstated"].status is Status.FAIL  # a contract field left out fails closed
    assert "not stated" in f["unstated"].message


def test_kleene_logic_any_with_a_true_branch_passes_despite_unknowns(tmp_path: Path) -> None:
    f = run(
        tmp_path,
        "  - target: component\n    checks:\n      - assert:\n          any:\n"
        "            - {field: access.session_timeout_minutes, at_most: 15}\n"
        "            - {field: hosting.data_location, in: $regions}\n",
        DEPLOYMENT,
    )
    assert f["ok"].status is Status.PASS
    assert f["slow"].status is Status.PASS
    assert f["unstated"].status is Status.FAIL


def test_extension_field_left_out_asks_for_evidence(tmp_path: Path) -> None:
    f = run(
        tmp_path,
        "  - target: component\n    checks:\n"
        "      - assert: {field: access.session_max_lifetime_hours, at_most: 12}\n",
        DEPLOYMENT,
    )
    assert f["ok"].status is Status.MANUAL
    assert f["ok"].message.startswith("evidence needed")


def test_where_false_is_not_applicable_and_unknown_still_applies(tmp_path: Path) -> None:
    f = run(
        tmp_path,
        "  - target: component\n    where: {field: access.session_timeout_minutes, "
        "greater_than: 20}\n    checks:\n      - assert: {field: hosting.data_location, "
        "equals: us}\n",
        DEPLOYMENT,
    )
    assert f["ok"].status is Status.NOT_APPLICABLE
    assert f["slow"].status is Status.FAIL
    # the scope reads a field the component leaves out: the control applies, and its check
    # is judged on what the component states
    unstated = f["unstated"]
    assert unstated.status is Status.FAIL
    assert unstated.message.startswith("components[unstated].hosting.data_location is ie")
    assert "session_timeout_minutes not stated" in unstated.message


def test_service_authorization_against_the_highest_inbound_data(tmp_path: Path) -> None:
    f = run(
        tmp_path,
        "  - target: service\n    checks:\n      - assert:\n"
        "          field: fedramp_authorization\n"
        "          at_least: {max: inbound_flows.data.impact_level}\n",
        DEPLOYMENT,
    )
    assert f["idp"].status is Status.PASS
    assert f["llm"].status is Status.FAIL
    assert "expected at least high" in f["llm"].message


def test_flow_cross_reference_to_its_target(tmp_path: Path) -> None:
    f = run(
        tmp_path,
        "  - target: flow\n    where: {field: target.kind, equals: service}\n"
        "    checks:\n      - assert: {field: target.fedramp_authorization, "
        "at_least: {field: data.impact_level}}\n",
        DEPLOYMENT,
    )
    assert f["f1"].status is Status.FAIL
    assert f["f1"].location.path == "external_services[llm].fedramp_authorization"
    assert f["f2"].status is Status.PASS


def test_quantifier_over_components_from_the_system(tmp_path: Path) -> None:
    f = run(
        tmp_path,
        "  - target: system\n    checks:\n      - assert:\n          every:\n"
        "            in: components\n            where: {field: hosting.data_location, present: true}\n"
        "            assert: {field: hosting.data_location, in: $regions}\n",
        DEPLOYMENT,
    )
    assert f["sys"].status is Status.FAIL
    assert f["sys"].location.path == "components[unstated].hosting.data_location"


def test_a_check_that_raises_is_an_error_finding_not_a_pass(tmp_path: Path, monkeypatch) -> None:
    catalog = load_catalog(
        [
            control_dir(
                tmp_path,
                "  - target: component\n    checks:\n"
                "      - assert: {field: access.session_timeout_minutes, at_most: 15}\n",
            )
        ],
        include_bundled=False,
    )
    control = catalog.get("ORG-1")
    compiled = control.compile("high")

    def boom(d, ix):
        raise ZeroDivisionError("broken check")

    monkeypatch.setattr(compiled.rules[0].checks[0].node, "test", boom)
    result = evaluate(
        parse_deployment(DEPLOYMENT, "d.yaml"),
        catalog,
        baseline="high",
        tailoring=Tailoring(add=("ORG-1",)),
    )
    statuses = {f.target: f.status for f in result.findings}
    assert set(statuses.values()) == {Status.ERROR}
    assert len(statuses) == 3  # every target still evaluated


def test_an_unstated_field_fails_even_when_the_aggregate_is_empty(tmp_path: Path) -> None:
    deployment = DEPLOYMENT
    deployment = deployment.replace(
        "  - {id: idp, fedramp_authorization: high}\n",
        "  - {id: idp, fedramp_authorization: high}\n  - {id: lonely}\n",
    )
    f = run(
        tmp_path,
        "  - target: service\n    checks:\n      - assert:\n"
        "          field: fedramp_authorization\n"
        "          at_least: {max: inbound_flows.data.impact_level}\n",
        deployment,
    )
    assert f["lonely"].status is Status.FAIL  # no inbound flow, and no authorization stated
    assert "not stated" in f["lonely"].message
