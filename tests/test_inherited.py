"""Inherited controls: declared by the deployment (inherited_controls) or by a profile, they show
as ``inherited`` with the provider as evidence and count apart; a provider authorized below the
system's impact level makes each one fail."""

from __future__ import annotations

import datetime
import json
import textwrap
from pathlib import Path

import pytest

from fedcheck.api import check_file, load_catalog_for
from fedcheck.catalog import Catalog, load_catalog
from fedcheck.cli import main
from fedcheck.errors import InputError
from fedcheck.findings import Result, Status
from fedcheck.loading import parse_text
from fedcheck.records import obligations

ROOT = Path(__file__).resolve().parents[1]
COMPLIANT = ROOT / "examples" / "agency-ai-assistant-compliant.yaml"
CATALOG = load_catalog()
PE_HIGH = {c.id for c in CATALOG.in_baseline("high") if c.family == "PE"}
# The PE family and AC-11 alone: the one-component deployment below can pass every automated
# control of it, so that a gate that fails shows what the inheritance did, whatever else the
# catalog automates.
PE_AND_AC11 = Catalog(
    {c.oscal_id: c for c in CATALOG if c.family == "PE" or c.id == "AC-11"},
    CATALOG.version,
    CATALOG.sha256,
)


def _current_records() -> str:
    """A record dated today of each dated obligation of PE_AND_AC11 (PE-1, PE-3 ...), so that
    those controls pass unless inherited."""
    today = datetime.datetime.now(datetime.UTC).date().isoformat()
    lines = ["records:"]
    for control in PE_AND_AC11:
        for ob in obligations(control.records):
            lines.append(
                f"  - {{id: {control.oscal_id}-{ob.name}, kind: {ob.kinds[0]}, "
                f"controls: [{control.id}], date: {today}, approved_by: ISSO}}"
            )
    return "\n".join(lines) + "\n"


def deployment(tmp_path: Path, inherited: str = "", level: str = "high", timeout: int = 30) -> str:
    path = tmp_path / "deploy.yaml"
    path.write_text(
        textwrap.dedent(f"""\
        version: 1
        system: {{id: sys, name: S, impact_level: {level}}}
        components:
          - {{id: web, type: web_app, access: {{session_timeout_minutes: {timeout}}}}}
        """)
        + textwrap.dedent(inherited)
        + _current_records(),
        encoding="utf-8",
    )
    return str(path)


def by_status(result: Result, status: Status) -> set[str]:
    return {f.control_id for f in result.findings if f.status is status}


def test_a_family_inherited_in_full_shows_as_inherited_with_its_provider(tmp_path) -> None:
    path = deployment(
        tmp_path,
        """\
        inherited_controls:
          - provider: AWS GovCloud (US)
            fedramp_authorization: high
            controls: [PE]
        """,
    )
    result, _ = check_file(path, CATALOG)
    assert PE_HIGH and by_status(result, Status.INHERITED) == PE_HIGH
    finding = next(f for f in result.findings if f.control_id == "PE-3")
    assert "AWS GovCloud (US)" in finding.message
    (evidence,) = finding.evidence
    assert (evidence.path, evidence.actual) == ("fedramp_authorization", "high")
    assert finding.location is not None and finding.location.line == 8  # the PE entry
    assert result.counts()["inherited"] == len(PE_HIGH)
    assert result.counts_by_family()["PE"]["inherited"] == len(PE_HIGH)


def test_a_provider_below_the_impact_level_fails_each_inherited_control(tmp_path) -> None:
    # Without the declaration every automated control of PE_AND_AC11 passes...
    assert check_file(deployment(tmp_path, timeout=15), PE_AND_AC11)[1] == 0
    # ...with it, the two controls the Moderate provider claims fail the gate.
    path = deployment(
        tmp_path,
        """\
        inherited_controls:
          - provider: Small SaaS
            fedramp_authorization: moderate
            controls: [PE-3, pe-6]
        """,
        timeout=15,
    )
    result, code = check_file(path, PE_AND_AC11)
    failed = {f.control_id: f for f in result.findings if f.status is Status.FAIL}
    assert set(failed) == {"PE-3", "PE-6"}
    assert "below the system's impact level (high)" in failed["PE-3"].message
    assert code == 1
    # Controls it does not name are not inherited.
    assert "PE-2" not in by_status(result, Status.INHERITED)


def test_shared_responsibility_still_runs_the_automated_checks(tmp_path) -> None:
    path = deployment(
        tmp_path,
        """\
        inherited_controls:
          - provider: Okta for Government
            fedramp_authorization: high
            responsibility: shared
            controls: [AC-11]
        """,
    )
    result, _ = check_file(path, CATALOG)
    assert [f.status for f in result.findings if f.control_id == "AC-11"] == [Status.FAIL]


def test_an_unknown_control_in_the_deployment_is_an_input_error(tmp_path) -> None:
    path = deployment(
        tmp_path,
        """\
        inherited_controls:
          - provider: P
            fedramp_authorization: high
            controls: [PE, QQ]
        """,
    )
    with pytest.raises(InputError) as info:
        check_file(path, CATALOG)
    problem = info.value.problem
    assert (problem.line, problem.column) == (8, 20)
    assert "'QQ' is no control id or family" in problem.message


def profile(tmp_path: Path, authorization: str, controls: str = "[PE]") -> str:
    path = tmp_path / "profile.yaml"
    path.write_text(
        textwrap.dedent(f"""\
        baseline: high
        inherited:
          - provider: AWS GovCloud (US)
            fedramp_authorization: {authorization}
            package_id: F1603047866
            controls: {controls}
        """),
        encoding="utf-8",
    )
    return str(path)


def test_a_profile_may_declare_inheritance(tmp_path) -> None:
    prof = profile(tmp_path, "high")
    catalog, tailoring, inputs = load_catalog_for([], prof)
    result, _ = check_file(deployment(tmp_path), catalog, tailoring=tailoring, extra_inputs=inputs)
    assert by_status(result, Status.INHERITED) == PE_HIGH
    finding = next(f for f in result.findings if f.control_id == "PE-3")
    assert finding.location is not None
    assert (finding.location.file, finding.location.line) == (prof, 3)


def test_a_profile_inheriting_from_a_lower_provider_fails(tmp_path, capsys) -> None:
    prof = profile(tmp_path, "low")
    catalog, tailoring, _ = load_catalog_for([], prof)
    result, code = check_file(deployment(tmp_path), catalog, tailoring=tailoring)
    assert PE_HIGH <= by_status(result, Status.FAIL) and code == 1
    # On the command line (the whole catalog), with the compliant example, which passes every
    # automated control, stripped of its own inheritance: the profile's provider decides.
    data, _ = parse_text(COMPLIANT.read_text(encoding="utf-8"), str(COMPLIANT))
    data = json.loads(json.dumps(data))
    del data["inherited_controls"]
    compliant = tmp_path / "compliant.json"
    compliant.write_text(json.dumps(data), encoding="utf-8")
    dated = ["--as-of", "2026-12-01", "--quiet"]  # the day the example's records are current on
    assert main(["check", str(compliant), "--profile", profile(tmp_path, "high"), *dated]) == 0
    assert main(["check", str(compliant), "--profile", profile(tmp_path, "low"), *dated]) == 1
    out = capsys.readouterr().out
    assert {line.split()[2] for line in out.splitlines() if " FAIL " in line} == PE_HIGH


def test_a_profile_naming_an_unknown_family_is_refused(tmp_path) -> None:
    prof = profile(tmp_path, "high", "[PE, XQ]")
    with pytest.raises(InputError) as info:
        load_catalog_for([], prof)
    problem = info.value.problems[0]
    assert "no control family 'XQ'" in problem.message and problem.line == 6


def test_without_inheritance_nothing_is_inherited(tmp_path) -> None:
    result, _ = check_file(deployment(tmp_path), CATALOG)
    assert result.counts()["inherited"] == 0
