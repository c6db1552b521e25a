"""Verdicts an assessor would sign (issue 11, the engine's half): scope fails closed, a value that
switches a safeguard off never passes, and every message names the effective value and its
source, one line and one fix per failed check, with the weakness and its shared root cause."""

from __future__ import annotations

import datetime
import json
import re
import textwrap
import typing
from pathlib import Path
from typing import Any

import pytest

from fedcheck.catalog import load_catalog
from fedcheck.deployment import ComponentType
from fedcheck.evaluation import Tailoring, evaluate
from fedcheck.findings import Finding, Result, Status
from fedcheck.inputs import load_deployment, parse_deployment
from fedcheck.profiles import load_profile
from fedcheck.reports import render

CATALOG = load_catalog()
ROOT = Path(__file__).resolve().parent.parent
BAD_EXAMPLE = ROOT / "examples" / "agency-ai-assistant.yaml"


def _findings(text: str, tailoring: Tailoring | None = None) -> dict[tuple[str, str], Finding]:
    deployment = parse_deployment(textwrap.dedent(text), "deploy.yaml")
    result = evaluate(deployment, CATALOG, tailoring=tailoring, generated_at="2026-01-01T00:00:00Z")
    return {(f.control_id, f.target): f for f in result.findings}


SYSTEM = """\
version: 1
system: {id: s, impact_level: moderate}
components:
"""


# --- scope is three-valued ---------------------------------------------------------------------


@pytest.mark.parametrize("control_id", ["CP-6", "CP-9", "CP-9(8)", "SC-28"])
def test_a_component_that_does_not_state_its_data_is_in_scope(control_id: str) -> None:
    found = _findings(SYSTEM + "  - {id: db, type: database}\n")
    finding = found[(control_id, "db")]
    assert finding.status in (Status.FAIL, Status.MANUAL), finding
    assert finding.status is not Status.NOT_APPLICABLE


def test_an_untyped_service_that_trains_on_data_is_not_passed() -> None:
    found = _findings(
        SYSTEM
        + "  - {id: app, type: web_app}\nexternal_services:\n"
        + "  - {id: assistant, fedramp_authorization: high}\n"
    )
    finding = found[("AC-20", "assistant")]
    assert finding.status is not Status.PASS
    assert any(e.path.endswith("trains_on_customer_data") for e in finding.evidence)


# --- scope by what a component does ------------------------------------------------------------

SIGN_IN_CONTROLS = ["IA-2", "IA-2(1)", "IA-2(2)", "IA-2(8)", "IA-2(12)", "AC-7", "AC-2(3)"]


@pytest.mark.parametrize("control_id", ["IA-2", "IA-2(2)", "IA-2(12)", "AC-7"])
def test_a_component_people_sign_in_to_is_judged_whatever_its_type(control_id: str) -> None:
    # A database's administrators sign in: the label `database` no longer takes it out of scope.
    found = _findings(
        SYSTEM
        + "  - {id: db, type: database, access: {sign_in: true, authentication: "
        + "{mfa: false, phishing_resistant: false, piv: false}, "
        + "lockout: {max_attempts: 1000, lock_minutes: 30}}}\n"
    )
    assert found[(control_id, "db")].status is Status.FAIL


def test_a_component_nobody_signs_in_to_is_out_of_the_sign_in_controls() -> None:
    found = _findings(SYSTEM + "  - {id: jobs, type: queue, access: {sign_in: false}}\n")
    assert {c: found[(c, "jobs")].status for c in SIGN_IN_CONTROLS} == {
        c: Status.NOT_APPLICABLE for c in SIGN_IN_CONTROLS
    }


def test_sign_in_left_unstated_keeps_the_controls_applicable() -> None:
    found = _findings(SYSTEM + "  - {id: jobs, type: queue}\n")
    for control_id in SIGN_IN_CONTROLS:
        finding = found[(control_id, "jobs")]
        assert finding.status is Status.FAIL, control_id
        assert "access.sign_in not stated" in finding.message


def test_a_machine_to_machine_api_has_no_idle_lock_to_judge() -> None:
    found = _findings(
        SYSTEM
        + "  - {id: batch-api, type: api, access: {interactive: false}}\n"
        + "  - {id: db, type: database, access: {interactive: true, session_timeout_minutes: 60}}\n"
    )
    assert found[("AC-11", "batch-api")].status is Status.NOT_APPLICABLE
    assert found[("AC-11", "db")].status is Status.FAIL


# --- a value that switches the safeguard off -----------------------------------------------------


def test_a_session_lock_of_zero_minutes_fails() -> None:
    finding = _findings(
        SYSTEM + "  - {id: portal, type: web_app, access: {session_timeout_minutes: 0}}\n"
    )[("AC-11", "portal")]
    assert finding.status is Status.FAIL
    assert finding.weakness == "stated"
    assert "0 switches the safeguard off" in finding.evidence[0].statement


def test_an_account_lock_of_zero_minutes_fails() -> None:
    finding = _findings(
        SYSTEM
        + "  - {id: portal, type: web_app, access: {lockout: {max_attempts: 3, lock_minutes: 0}}}\n"
    )[("AC-7", "portal")]
    assert finding.status is Status.FAIL
    assert [c.name for c in finding.failed_checks] == ["lock-stated"]


# --- numbers name their source -----------------------------------------------------------------


def _literal_numbers(control: Any) -> list[str]:
    """Each place where a numeric parameter value is written out in a control's prose."""
    prose = {"summary": control.summary, "remediation": control.remediation}
    for i, rule in enumerate(control.rules):
        for j, check in enumerate(rule["checks"]):
            prose[f"rules[{i}].checks[{j}].message"] = check.get("message") or ""
            prose[f"rules[{i}].checks[{j}].fix"] = check.get("fix") or ""
    hits = []
    for name, param in control.parameters.items():
        for value in param.values.values():
            for item in value if isinstance(value, list) else [value]:
                if isinstance(item, bool):
                    continue
                text = str(item)
                if not re.fullmatch(r"\d+(\.\d+)?", text):
                    continue
                # the number as a word of its own: not part of AU-5(1), 800-52r2 or TLS 1.2.x
                pattern = re.compile(r"(?<![\w.(\-])" + re.escape(text) + r"(?![\w)]|\.\d)")
                for where, value_text in prose.items():
                    if pattern.search(value_text):
                        hits.append(f"{control.id} {where}: {name} = {text}")
    return hits


def test_no_parameter_value_is_written_into_a_controls_prose() -> None:
    hits = [hit for control in CATALOG for hit in _literal_numbers(control)]
    assert not hits, "write {$name} instead of the number:\n" + "\n".join(hits)


def _profile(tmp_path: Path, body: str) -> Tailoring:
    path = tmp_path / "profile.yaml"
    path.write_text(textwrap.dedent(body), encoding="utf-8")
    return load_profile(str(path)).tailoring(CATALOG)


PORTAL = (
    SYSTEM
    + "  - {id: portal, type: web_app, access: {interactive: true, session_timeout_minutes: 30}}\n"
)


def test_a_profile_that_tightens_ac_11_is_quoted_with_its_value_and_name(tmp_path: Path) -> None:
    tailoring = _profile(
        tmp_path,
        """\
        name: agency-x
        baseline: moderate
        parameters:
          AC-11: {max_idle_minutes: 10}
        """,
    )
    finding = _findings(PORTAL, tailoring)[("AC-11", "portal")]
    assert finding.status is Status.FAIL
    assert finding.message.endswith("the limit is 10 (profile agency-x)")
    assert "to 10 or less" in finding.remediation and "profile agency-x" in finding.remediation
    assert "15" not in finding.message + finding.remediation


@pytest.mark.parametrize(
    ("control_id", "parameter", "access", "old"),
    [
        (
            "AC-10",
            "max_privileged_sessions",
            "{sign_in: true, concurrent_sessions: {privileged: 2, non_privileged: 1}}",
            "three",
        ),
        (
            "SC-10",
            "max_privileged_minutes",
            "{interactive: true, network_disconnect: {privileged_minutes: 8, user_minutes: 5}}",
            "ten",
        ),
    ],
)
def test_a_tightened_limit_is_the_one_in_the_fix(
    tmp_path: Path, control_id: str, parameter: str, access: str, old: str
) -> None:
    # The fix used to spell FedRAMP's number out in words ("at most three"), which a profile
    # that tightens the value could not change.
    tailoring = _profile(
        tmp_path,
        f"""\
        name: agency-x
        baseline: high
        parameters:
          {control_id}: {{{parameter}: 1}}
        """,
    )
    high = SYSTEM.replace("impact_level: moderate", "impact_level: high")
    component = f"  - {{id: portal, type: web_app, access: {access}}}\n"
    finding = _findings(high + component, tailoring)[(control_id, "portal")]
    assert finding.status is Status.FAIL
    check = finding.failed_checks[0]
    assert "the limit is 1 (profile agency-x)" in check.message
    assert " 1 " in check.fix and old not in check.fix


def test_a_deviation_is_quoted_as_the_deviation_not_as_fedramp(tmp_path: Path) -> None:
    tailoring = _profile(
        tmp_path,
        """\
        name: agency-x
        baseline: moderate
        deviations:
          - id: DEV-1
            control: AC-11
            parameter: max_idle_minutes
            value: 20
            justification: Workstations lock on badge removal.
        """,
    )
    finding = _findings(PORTAL, tailoring)[("AC-11", "portal")]
    assert finding.message.endswith("the limit is 20 (deviation DEV-1)")
    assert "FedRAMP" not in finding.message
    assert "to 20 or less" in finding.remediation
    assert "deviation DEV-1" in " ".join(finding.remediation.split())


def test_a_number_fedramp_does_not_set_names_its_document() -> None:
    finding = _findings(
        SYSTEM + '  - {id: api, encryption: {in_transit: {tls_min_version: "1.1"}}}\n'
    )[("SC-8(1)", "api")]
    assert "the floor is TLS 1.2 (NIST SP 800-52r2)" in finding.message


def test_an_unstated_field_is_told_with_the_source_of_the_expected_number() -> None:
    finding = _findings(SYSTEM + "  - {id: api, type: api}\n")[("RA-5", "api")]
    assert "expected at most 30 (FedRAMP Moderate)" in finding.message


def test_an_unknown_parameter_placeholder_is_a_load_error(tmp_path: Path) -> None:
    from fedcheck.errors import InputError

    d = tmp_path / "controls"
    d.mkdir()
    (d / "org-1.yaml").write_text(
        "id: ORG-1\ntitle: T\nfamily: ORG\nbaselines: []\nseverity: low\n"
        "summary: locks after {$max_minute} minutes\n"
        "parameters:\n  max_minutes: {value: 15, stricter: lower}\n"
        "rules:\n  - target: component\n    checks:\n"
        "      - assert: {field: access.session_timeout_minutes, at_most: $max_minutes}\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as info:
        load_catalog([d], include_bundled=False)
    problem = info.value.problems[0]
    assert "{$max_minute} names no parameter" in problem.message
    assert problem.line == 6 and problem.fix == "did you mean 'max_minutes'?"


# --- one line and one fix per failed check -------------------------------------------------------


def test_each_failed_check_is_reported_with_its_own_fix() -> None:
    finding = _findings(
        SYSTEM
        + "  - {id: db, data: {impact_level: moderate}, "
        + "backup: {enabled: false, frequency_hours: 168, copies: 1}}\n"
    )[("CP-9", "db")]
    assert [c.name for c in finding.failed_checks] == [
        "backups-enabled",
        "daily-backups",
        "three-copies",
    ]
    assert len({c.fix for c in finding.failed_checks}) == 3
    assert "more)" not in finding.message
    assert all(c.message in finding.message for c in finding.failed_checks)


def test_the_text_report_gives_a_line_and_a_fix_per_failed_check() -> None:
    deployment = parse_deployment(
        SYSTEM
        + "  - {id: db, data: {impact_level: moderate}, "
        + "backup: {enabled: false, frequency_hours: 168, copies: 1}}\n",
        "deploy.yaml",
    )
    text = render(evaluate(deployment, CATALOG, generated_at="2026-01-01T00:00:00Z"), "text")
    lines = [line for line in text.splitlines() if " CP-9 db: " in line]
    assert len(lines) == 3
    assert all(line.endswith("[confirmed weakness]") for line in lines)
    fixes = text.split(lines[0])[1].splitlines()[1:6]
    assert sum(1 for line in fixes if line.strip().startswith("fix: ")) == 3


# --- evidence, weakness and root causes ----------------------------------------------------------


@pytest.fixture(scope="module")
def bad_result() -> Result:
    deployment = load_deployment(str(BAD_EXAMPLE))
    return evaluate(deployment, CATALOG, generated_at="2026-01-01T00:00:00Z")


def test_evidence_reads_as_a_sentence_about_the_deployment(bad_result: Result) -> None:
    internal = ("to be stated", "not to be stated", "entries'", "='", "expected not ")
    for finding in bad_result.findings:
        for evidence in finding.evidence:
            assert evidence.statement.startswith(evidence.path) or " " in evidence.statement
            for word in internal:
                assert word not in evidence.statement, (finding.control_id, evidence.statement)


def test_a_finding_says_whether_the_fact_is_missing_or_stated_wrong(bad_result: Result) -> None:
    by_key = {f.key: f for f in bad_result.findings}
    assert by_key[("AC-11", "web-ui")].weakness == "stated"
    assert by_key[("AC-3", "prompt-cache")].weakness == "missing"
    assert all(f.weakness is None for f in bad_result.findings if f.status is Status.PASS)
    data = json.loads(render(bad_result, "json"))
    assert {f["weakness"] for f in data["findings"] if f["status"] == "fail"} == {
        "missing",
        "stated",
    }


def test_findings_that_share_one_field_are_grouped_under_a_root_cause(bad_result: Result) -> None:
    causes = {c.path: c for c in bad_result.root_causes}
    events = causes["components[assistant-api].logging.events"]
    assert set(events.controls) == {"AU-2", "AC-6(9)"}
    assert ("AU-2", "assistant-api") in events.findings and events.weakness == "stated"
    data = json.loads(render(bad_result, "json"))
    shown = [c for c in data["root_causes"] if c["path"] == events.path]
    assert shown and shown[0]["target"] == "assistant-api"
    assert {f["control_id"] for f in shown[0]["findings"]} == {"AU-2", "AC-6(9)"}
    # the per-control findings stay
    assert {("AU-2", "assistant-api"), ("AC-6(9)", "assistant-api")} <= {
        f.key for f in bad_result.findings if f.status is Status.FAIL
    }
    text = render(bad_result, "text")
    assert "shared root causes" in text
    assert "components[assistant-api].logging.events [confirmed weakness]: AC-6(9), AU-2" in text


def test_a_result_written_before_these_fields_still_reads(bad_result: Result) -> None:
    data = json.loads(render(bad_result, "json"))
    data.pop("root_causes")
    for finding in data["findings"]:
        finding.pop("weakness")
        finding.pop("failed_checks")
        for evidence in finding["evidence"]:
            evidence.pop("statement")
    old = Result.from_dict(data)
    assert len(old.findings) == len(bad_result.findings)
    assert old.root_causes == bad_result.root_causes


def _long_sources(control: Any) -> list[str]:
    return [
        f"{control.id} {name}"
        for name, param in control.parameters.items()
        if param.source and ("\n" in param.source.strip() or len(param.source) > 60)
    ]


def test_a_parameter_source_is_the_short_name_of_a_document() -> None:
    long = [hit for control in CATALOG for hit in _long_sources(control)]
    assert not long, "move the explanation to the description: " + ", ".join(long)


def test_a_period_of_one_reads_in_the_singular() -> None:
    from fedcheck.catalog import BoundParameter, bind_prose

    bound = {
        "months": BoundParameter("months", 1, "FedRAMP CA-7"),
        "days": BoundParameter("days", 30, "FedRAMP RA-5"),
    }
    text = "every {$months} months ({$months.source}), within {$days} days"
    assert bind_prose(text, bound) == "every 1 month (FedRAMP CA-7), within 30 days"
    catalog_text = " ".join(
        (c.compile(b).summary + " " + c.compile(b).remediation)
        for c in CATALOG
        for b in (c.baselines or ("high",))[-1:]
    )
    assert " 1 months" not in catalog_text and " 1 days" not in catalog_text


@pytest.mark.parametrize("component_type", typing.get_args(ComponentType))
def test_the_compliant_example_passes_whatever_type_its_components_have(
    component_type: str,
) -> None:
    # Issue 11's measure: a description that states every contract field at FedRAMP High
    # values passes every automated control, whatever `type` each component has.
    example = (
        Path(__file__).resolve().parents[1] / "examples" / "agency-ai-assistant-compliant.yaml"
    )
    lines = example.read_text(encoding="utf-8").split("\n")
    start = lines.index("components:")
    end = next(
        i for i in range(start + 1, len(lines)) if lines[i] and not lines[i].startswith((" ", "#"))
    )
    retyped = [
        f"    type: {component_type}" if start < i < end and line.startswith("    type: ") else line
        for i, line in enumerate(lines)
    ]
    assert retyped != lines or component_type in "\n".join(lines)
    result = evaluate(
        parse_deployment("\n".join(retyped), "retyped.yaml"),
        CATALOG,
        as_of=datetime.date(2026, 12, 1),
    )
    failing = [
        (f.control_id, f.target, f.message)
        for f in result.findings
        if f.status in (Status.FAIL, Status.ERROR)
    ]
    assert failing == []
    assert result.verified_anything


def test_an_unknown_placeholder_before_a_unit_is_named_without_the_unit() -> None:
    from fedcheck.catalog import BoundParameter, bind_prose
    from fedcheck.errors import CompileError

    with pytest.raises(CompileError) as info:
        bind_prose("every {$month} months", {"months": BoundParameter("months", 1, "x")})
    assert info.value.message == "{$month} names no parameter of the control"
