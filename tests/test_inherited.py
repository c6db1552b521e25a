"""Inherited controls: a claim (the deployment's inherited_controls or a profile's inherited)
counts only as far as the provider's customer responsibility matrix (CRM), given with --crm or a
profile's crms, allows. A claim no CRM backs is an input error; a control the CRM shares, or that
the customer configures itself, still runs its checks; of two claims the stricter wins; a
provider authorized below the system's impact level makes each inherited control fail."""

from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path

import pytest

from fedcheck.api import check_file, load_catalog_for
from fedcheck.catalog import Catalog, load_catalog
from fedcheck.cli import main
from fedcheck.crm import load_crm
from fedcheck.errors import InputError
from fedcheck.findings import Result, Status
from fedcheck.loading import parse_text

ROOT = Path(__file__).resolve().parents[1]
COMPLIANT = ROOT / "examples" / "agency-ai-assistant-compliant.yaml"
FAILING = ROOT / "examples" / "agency-ai-assistant.yaml"
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


def deployment(tmp_path: Path, inherited: str = "", level: str = "high", timeout: int = 30) -> str:
    path = tmp_path / "deploy.yaml"
    path.write_text(
        textwrap.dedent(f"""\
        version: 1
        system: {{id: sys, name: S, impact_level: {level}}}
        components:
          - {{id: web, type: web_app, access: {{session_timeout_minutes: {timeout}}}}}
        """)
        + textwrap.dedent(inherited),
        encoding="utf-8",
    )
    return str(path)


def crm(
    tmp_path: Path,
    entries: dict[str, str],
    *,
    provider: str = "Example Cloud",
    package: str = "EX-1",
    level: str = "high",
    name: str = "crm.yaml",
) -> str:
    """A CRM file: control id -> provider | shared | customer."""
    lines = [
        "version: 1",
        f"provider: {provider}",
        f"package_id: {package}",
        f"fedramp_authorization: {level}",
        'date: "2026-11-02"',
        "description: An invented CRM for a test.",
        "controls:",
    ]
    for control, responsibility in entries.items():
        part = "" if responsibility == "provider" else ", customer: The customer's part."
        lines.append(f"  {control}: {{responsibility: {responsibility}{part}}}")
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


def every_control(responsibility: str = "provider") -> dict[str, str]:
    return {c.id: responsibility for c in CATALOG}


def run(path: str, catalog: Catalog = CATALOG, crms: tuple[str, ...] = ()) -> tuple[Result, int]:
    _, tailoring, inputs = load_catalog_for([], None, crms=crms)
    return check_file(path, catalog, tailoring=tailoring, extra_inputs=inputs)


def by_status(result: Result, status: Status) -> set[str]:
    return {f.control_id for f in result.findings if f.status is status}


def claim(provider: str = "Example Cloud", controls: str = "[PE]", **extra: str) -> str:
    fields = "".join(f"\n    {k}: {v}" for k, v in extra.items())
    return f"""\
inherited_controls:
  - provider: {provider}
    fedramp_authorization: high{fields}
    controls: {controls}
"""


# --- a claim backed by a CRM --------------------------------------------------------------------


def test_a_family_the_crm_puts_on_the_provider_shows_as_inherited(tmp_path) -> None:
    backing = crm(tmp_path, dict.fromkeys(PE_HIGH, "provider"))
    result, _ = run(deployment(tmp_path, claim()), crms=(backing,))
    assert PE_HIGH and by_status(result, Status.INHERITED) == PE_HIGH
    finding = next(f for f in result.findings if f.control_id == "PE-3")
    assert "Example Cloud" in finding.message and "EX-1" in finding.message
    authorization, responsibility = finding.evidence
    assert (authorization.path, authorization.actual) == ("fedramp_authorization", "high")
    assert authorization.location is not None and authorization.location.file == backing
    assert responsibility.actual == "provider"
    assert finding.location is not None and finding.location.line == 8  # the claim's PE entry
    assert result.counts()["inherited"] == len(PE_HIGH)
    assert ("crm", backing) in {(i.role, i.path) for i in result.inputs}


#: Current records for the PE controls that FedRAMP holds to a frequency, so that a deployment
#: without a claim passes them and a test shows only what a claim changes.
PE_RECORDS = """\
records:
  - {id: pe-policy, kind: policy, controls: [PE-1], date: 2026-11-02, approved_by: CISO}
  - {id: pe-procedures, kind: procedure, controls: [PE-1], date: 2026-11-02, approved_by: ISSO}
  - {id: pe-access-list, kind: review, controls: [PE-2], date: 2026-11-02, approved_by: ISSO}
  - {id: pe-devices, kind: inventory, controls: [PE-3], date: 2026-11-02, approved_by: ISSO}
  - {id: pe-log-review, kind: review, controls: [PE-6, PE-8], date: 2026-11-02, approved_by: ISSO}
"""


def test_a_provider_below_the_impact_level_fails_each_inherited_control(tmp_path) -> None:
    # Without the claim every automated control of PE_AND_AC11 passes (its records current)...
    assert check_file(deployment(tmp_path, PE_RECORDS, timeout=15), PE_AND_AC11)[1] == 0
    # ...with it, the two controls the Moderate provider claims fail the gate.
    backing = crm(tmp_path, {"PE-3": "provider", "PE-6": "provider"}, level="moderate")
    text = PE_RECORDS + claim(controls="[PE-3, pe-6]").replace("high", "moderate")
    result, code = run(deployment(tmp_path, text, timeout=15), PE_AND_AC11, (backing,))
    failed = {f.control_id: f for f in result.findings if f.status is Status.FAIL}
    assert set(failed) == {"PE-3", "PE-6"}
    assert "below the system's impact level (high)" in failed["PE-3"].message
    assert code == 1
    assert "PE-2" not in by_status(result, Status.INHERITED)  # not claimed, not inherited


def test_a_control_inherited_in_full_asks_the_customer_for_no_record(tmp_path) -> None:
    # The provider implements PE-3 in full: its device inventory is the provider's record, so
    # the customer's missing one is no finding (the inheritance verdict is the only one).
    backing = crm(tmp_path, {"PE-3": "provider"})
    result, _ = run(deployment(tmp_path, claim(controls="[PE-3]")), crms=(backing,))
    (finding,) = [f for f in result.findings if f.control_id == "PE-3"]
    assert finding.status is Status.INHERITED


def test_a_shared_claim_still_runs_the_automated_checks(tmp_path) -> None:
    backing = crm(tmp_path, {"AC-11": "provider"})
    path = deployment(tmp_path, claim(controls="[AC-11]", responsibility="shared"))
    result, _ = run(path, crms=(backing,))
    (finding,) = [f for f in result.findings if f.control_id == "AC-11"]
    assert finding.status is Status.FAIL
    assert "shared with Example Cloud" in finding.message and "the claim says shared" in (
        finding.message
    )


def test_a_control_the_crm_shares_is_checked_even_when_claimed_in_full(tmp_path) -> None:
    backing = crm(tmp_path, {"AC-11": "shared"})
    result, code = run(deployment(tmp_path, claim(controls="[AC-11]")), PE_AND_AC11, (backing,))
    (finding,) = [f for f in result.findings if f.control_id == "AC-11"]
    assert finding.status is Status.FAIL and "the CRM says shared" in finding.message
    assert code == 1


def test_a_shared_control_is_judged_on_the_customers_part_by_its_records(tmp_path) -> None:
    # PE-3 is shared: the customer keeps the inventory of its own physical access devices, so
    # the records rule runs on the customer's records and says that it checks the customer's
    # part; a manual control would only ask for evidence (see the next test).
    backing = crm(tmp_path, {"PE-3": "shared"})
    result, code = run(deployment(tmp_path, claim(controls="[PE-3]")), PE_AND_AC11, (backing,))
    (finding,) = [f for f in result.findings if f.control_id == "PE-3"]
    assert finding.status is Status.FAIL and code == 1
    assert finding.message.startswith("no inventory record evidences")
    assert "shared with Example Cloud" in finding.message
    assert "this checks the customer's part" in finding.message
    text = PE_RECORDS + claim(controls="[PE-3]")
    result, _ = run(deployment(tmp_path, text), PE_AND_AC11, (backing,))
    (finding,) = [f for f in result.findings if f.control_id == "PE-3"]
    assert finding.status is Status.PASS and "record pe-devices" in finding.message
    assert "shared with Example Cloud" in finding.message


def test_a_shared_manual_control_asks_for_the_customers_part(tmp_path) -> None:
    manual = next(
        c.id
        for c in sorted(CATALOG, key=lambda c: c.id)
        if c.family == "PE" and "high" in c.baselines and not c.is_automated
    )
    backing = crm(tmp_path, {manual: "shared"})
    result, _ = run(deployment(tmp_path, claim(controls=f"[{manual}]")), crms=(backing,))
    (finding,) = [f for f in result.findings if f.control_id == manual]
    assert finding.status is Status.MANUAL
    assert f"customer's part of {manual}" in finding.message and "The customer's part" in (
        finding.message
    )
    assert finding.location is not None and finding.location.line == 8


# --- claims no CRM backs are input errors ---------------------------------------------------


def test_the_tls_1_0_flow_is_not_hidden_by_an_sc_8_1_claim(tmp_path) -> None:
    flow = """\
        external_services:
          - {id: partner, name: Partner, type: saas, fedramp_authorization: high}
        data_flows:
          - id: export
            from: web
            to: partner
            encryption: {tls_min_version: "1.0", fips_validated: true}
        """
    text = textwrap.dedent(flow) + claim("AWS GovCloud (US)", "[SC-8(1)]")
    path = deployment(tmp_path, text)
    # No CRM behind the claim: an input error at the claim's line, naming the control.
    with pytest.raises(InputError) as info:
        run(path)
    (problem,) = info.value.problems
    assert "SC-8(1) is claimed as inherited from AWS GovCloud (US)" in problem.message
    assert (problem.file, problem.line) == (path, 15)
    assert "--crm" in (problem.fix or "")
    # Even a CRM that puts SC-8(1) on the provider cannot hide the flow: the customer
    # configures the encryption of its own flows, so the control is shared and its check runs.
    backing = crm(tmp_path, {"SC-8(1)": "provider"}, provider="AWS GovCloud (US)")
    result, code = run(path, crms=(backing,))
    flows = [f for f in result.findings if f.control_id == "SC-8(1)" and f.target == "export"]
    assert [f.status for f in flows] == [Status.FAIL] and code == 1
    assert "the customer configures SC-8(1) itself" in flows[0].message


def test_an_invented_provider_does_not_turn_the_failing_example_into_a_pass(
    tmp_path, capsys
) -> None:
    # Before CRMs, claiming every failing control (or family) from an invented provider made
    # the failing example exit 0.
    failing, code = check_file(str(FAILING), CATALOG)
    assert code == 1
    claimed = sorted({f.control_id for f in failing.findings if f.is_failing})
    families = sorted({c.family for c in CATALOG})
    data, _ = parse_text(FAILING.read_text(encoding="utf-8"), str(FAILING))
    data = json.loads(json.dumps(data))
    data["inherited_controls"] = [
        {"provider": "Invented Cloud", "fedramp_authorization": "high", "controls": claimed},
        {"provider": "Invented Cloud", "fedramp_authorization": "high", "controls": families},
    ]
    path = tmp_path / "failing.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    # The claim alone: exit 2, each claimed control and family named.
    assert main(["check", str(path), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "SC-8(1) is claimed as inherited from Invented Cloud" in err
    assert "AC is claimed as inherited from Invented Cloud" in err
    assert "no CRM of 'Invented Cloud' was given" in err
    # With an invented CRM that puts every control on the provider, what the customer
    # configures (encryption, MFA, logging, backups) still fails.
    backing = crm(tmp_path, every_control(), provider="Invented Cloud")
    assert main(["check", str(path), "--crm", backing, "--quiet"]) == 1
    failed = {line.split()[2] for line in capsys.readouterr().out.splitlines() if " FAIL " in line}
    assert {"SC-8(1)", "SC-28", "IA-2(1)", "AU-2", "CP-9"} <= failed


def test_a_control_the_crm_puts_on_the_customer_cannot_be_claimed(tmp_path) -> None:
    backing = crm(tmp_path, {"PE-3": "customer", "PE-6": "provider"})
    with pytest.raises(InputError) as info:
        run(deployment(tmp_path, claim(controls="[PE-6, PE-3]")), crms=(backing,))
    (problem,) = info.value.problems
    assert "PE-3 claims PE-3 from Example Cloud" in problem.message
    assert "puts it on the customer" in problem.message
    assert (problem.line, problem.column) == (8, 22)


def test_a_family_claim_needs_every_control_of_the_family_in_the_crm(tmp_path) -> None:
    backing = crm(tmp_path, {"PE-3": "provider"})
    with pytest.raises(InputError) as info:
        run(deployment(tmp_path, claim()), crms=(backing,))
    (problem,) = info.value.problems
    assert re.search(r"PE claims PE-1, PE-2, .* from Example Cloud", problem.message)
    assert "does not list them" in problem.message


def test_a_claim_whose_level_differs_from_its_crm_is_refused(tmp_path) -> None:
    backing = crm(tmp_path, dict.fromkeys(PE_HIGH, "provider"), level="moderate")
    with pytest.raises(InputError) as info:
        run(deployment(tmp_path, claim()), crms=(backing,))
    (problem,) = info.value.problems
    assert "authorized at high, but its CRM" in problem.message and problem.line == 7
    assert (
        problem.fix == "set fedramp_authorization: moderate, as the provider's authorization states"
    )


def test_a_package_id_picks_the_crm_and_two_crms_of_one_provider_need_one(tmp_path) -> None:
    pe = dict.fromkeys(PE_HIGH, "provider")
    first = crm(tmp_path, pe, package="EX-1", name="a.yaml")
    second = crm(tmp_path, pe, package="EX-2", level="moderate", name="b.yaml")
    with pytest.raises(InputError) as info:
        run(deployment(tmp_path, claim()), crms=(first, second))
    assert "several CRMs of 'Example Cloud'" in info.value.problems[0].message
    result, _ = run(deployment(tmp_path, claim(package_id="EX-1")), crms=(first, second))
    assert by_status(result, Status.INHERITED) == PE_HIGH
    with pytest.raises(InputError) as info:
        run(deployment(tmp_path, claim(package_id="EX-9")), crms=(first, second))
    assert "no CRM of package EX-9" in info.value.problems[0].message


def test_an_unknown_control_in_the_deployment_is_an_input_error(tmp_path) -> None:
    path = deployment(tmp_path, claim(controls="[PE, QQ]"))
    with pytest.raises(InputError) as info:
        check_file(path, CATALOG)
    problem = info.value.problem
    assert (problem.line, problem.column) == (8, 20)
    assert "'QQ' is no control id or family" in problem.message


# --- precedence: the stricter claim wins ------------------------------------------------------


def profile(tmp_path: Path, body: str, name: str = "profile.yaml") -> str:
    path = tmp_path / name
    path.write_text("baseline: high\n" + textwrap.dedent(body), encoding="utf-8")
    return str(path)


@pytest.mark.parametrize(
    ("shared_by", "full_by"), [("Zeta Cloud", "Alpha Cloud"), ("Alpha Cloud", "Zeta Cloud")]
)
def test_a_profiles_shared_claim_wins_over_a_deployments_full_one_whatever_the_names(
    tmp_path, shared_by, full_by
) -> None:
    crm(tmp_path, {"AC-11": "provider"}, provider="Alpha Cloud", package="A-1", name="alpha.yaml")
    crm(tmp_path, {"AC-11": "provider"}, provider="Zeta Cloud", package="Z-1", name="zeta.yaml")
    prof = profile(
        tmp_path,
        f"""\
        crms: [alpha.yaml, zeta.yaml]
        inherited:
          - provider: {shared_by}
            fedramp_authorization: high
            responsibility: shared
            controls: [AC-11]
        """,
    )
    path = deployment(tmp_path, claim(full_by, "[AC-11]"))
    catalog, tailoring, inputs = load_catalog_for([], prof)
    result, _ = check_file(path, catalog, tailoring=tailoring, extra_inputs=inputs)
    (finding,) = [f for f in result.findings if f.control_id == "AC-11"]
    assert finding.status is Status.FAIL  # the session lock of 30 minutes is checked
    assert f"shared with {shared_by}" in finding.message
    # In the other direction too: the deployment's shared claim wins over the profile's full.
    prof = profile(
        tmp_path,
        f"""\
        crms: [alpha.yaml, zeta.yaml]
        inherited:
          - {{provider: {full_by}, fedramp_authorization: high, controls: [AC-11]}}
        """,
        "other.yaml",
    )
    path = deployment(tmp_path, claim(shared_by, "[AC-11]", responsibility="shared"))
    catalog, tailoring, inputs = load_catalog_for([], prof)
    result, _ = check_file(path, catalog, tailoring=tailoring, extra_inputs=inputs)
    assert [f.status for f in result.findings if f.control_id == "AC-11"] == [Status.FAIL]


def test_of_two_full_claims_the_lower_provider_decides(tmp_path) -> None:
    pe = dict.fromkeys(PE_HIGH, "provider")
    high = crm(tmp_path, pe, provider="Alpha Cloud", package="A-1", name="a.yaml")
    low = crm(tmp_path, pe, provider="Zeta Cloud", package="Z-1", level="low", name="z.yaml")
    text = (
        claim("Alpha Cloud")
        + "  - {provider: Zeta Cloud, fedramp_authorization: low, controls: [PE]}\n"
    )
    result, code = run(deployment(tmp_path, text), crms=(low, high))
    assert PE_HIGH <= by_status(result, Status.FAIL) and code == 1


# --- the profile ----------------------------------------------------------------------------


def test_a_profile_claims_inheritance_with_its_own_crms(tmp_path) -> None:
    crm(tmp_path, dict.fromkeys(PE_HIGH, "provider"))
    prof = profile(
        tmp_path,
        """\
        crms: [crm.yaml]
        inherited:
          - provider: Example Cloud
            fedramp_authorization: high
            package_id: EX-1
            controls: [PE]
        """,
    )
    catalog, tailoring, inputs = load_catalog_for([], prof)
    result, _ = check_file(deployment(tmp_path), catalog, tailoring=tailoring, extra_inputs=inputs)
    assert by_status(result, Status.INHERITED) == PE_HIGH
    finding = next(f for f in result.findings if f.control_id == "PE-3")
    assert finding.location is not None
    assert (finding.location.file, finding.location.line) == (prof, 7)
    roles = [i.role for i in result.inputs]
    assert roles == ["deployment", "profile", "crm"]


def test_a_profile_claim_without_a_crm_is_refused_at_its_line(tmp_path) -> None:
    prof = profile(
        tmp_path,
        """\
        inherited:
          - {provider: Example Cloud, fedramp_authorization: high, controls: [PE-3]}
        """,
    )
    catalog, tailoring, _ = load_catalog_for([], prof)
    with pytest.raises(InputError) as info:
        check_file(deployment(tmp_path), catalog, tailoring=tailoring)
    (problem,) = info.value.problems
    assert (problem.file, problem.line) == (prof, 3)
    assert "inherited[0]: PE-3 is claimed as inherited from Example Cloud" in problem.message


def test_a_profile_naming_a_missing_crm_file_is_refused(tmp_path) -> None:
    prof = profile(tmp_path, "crms: [nowhere.yaml]\n")
    with pytest.raises(InputError) as info:
        load_catalog_for([], prof)
    assert "no file 'nowhere.yaml' next to the profile" in info.value.problems[0].message


def test_a_profile_naming_an_unknown_family_is_refused(tmp_path) -> None:
    prof = profile(
        tmp_path,
        """\
        inherited:
          - {provider: P, fedramp_authorization: high, controls: [PE, XQ]}
        """,
    )
    with pytest.raises(InputError) as info:
        load_catalog_for([], prof)
    problem = info.value.problems[0]
    assert "no control family 'XQ'" in problem.message and problem.line == 3


def test_the_cli_takes_crms_on_the_command_line_and_from_the_profile(tmp_path, capsys) -> None:
    data, _ = parse_text(COMPLIANT.read_text(encoding="utf-8"), str(COMPLIANT))
    data = json.loads(json.dumps(data))
    data["inherited_controls"] = [
        {"provider": "Example Cloud", "fedramp_authorization": "high", "controls": ["PE"]}
    ]
    compliant = tmp_path / "compliant.json"
    compliant.write_text(json.dumps(data), encoding="utf-8")
    backing = crm(tmp_path, dict.fromkeys(PE_HIGH, "provider"))
    assert main(["check", str(compliant), "--quiet"]) == 2
    assert main(["check", str(compliant), "--crm", backing, "--quiet"]) == 0
    crm(tmp_path, dict.fromkeys(PE_HIGH, "provider"), level="low", name="low.yaml")
    prof = profile(tmp_path, "crms: [low.yaml]\n")
    capsys.readouterr()
    # The profile's CRM is the one that counts: it says low, the claim says high.
    assert main(["check", str(compliant), "--profile", prof, "--quiet"]) == 2
    assert "but its CRM" in capsys.readouterr().err
    # The same package twice (the profile's, and another file on the command line) is refused.
    assert main(["check", str(compliant), "--profile", prof, "--crm", backing, "--quiet"]) == 2
    assert "package EX-1 has a CRM already" in capsys.readouterr().err


# --- what the customer configures -----------------------------------------------------------


def test_what_the_customer_configures_is_data_in_the_control_files() -> None:
    configured = {c.id for c in CATALOG if c.customer_configured}
    # Encryption of its own flows and stores, its MFA, its logging, its backups.
    assert {"SC-8", "SC-8(1)", "SC-13", "SC-28", "SC-28(1)", "AU-2", "AU-3", "AU-12"} <= configured
    assert {c.id for c in CATALOG if c.id.startswith(("IA-2", "CP-9"))} <= configured
    assert not {c.id for c in CATALOG if c.family == "PE"} & configured
    # docs/tailoring.md lists exactly these controls.
    text = (ROOT / "docs" / "tailoring.md").read_text(encoding="utf-8")
    section = text.split("<!-- customer-configured -->")[1]
    listed = set(re.findall(r"`([A-Z]{2}-[0-9]+(?:\([0-9]+\))?)`", section))
    assert listed == configured


def test_a_customer_configured_control_is_never_inherited(tmp_path) -> None:
    backing = crm(tmp_path, {"CP-9": "provider", "IA-2": "provider"})
    result, _ = run(deployment(tmp_path, claim(controls="[CP-9, IA-2]")), crms=(backing,))
    assert not by_status(result, Status.INHERITED)
    assert all(
        "the customer configures" in f.message
        for f in result.findings
        if f.control_id in ("CP-9", "IA-2")
    )


def test_the_worked_examples_crm_loads_and_says_it_is_an_example() -> None:
    example = load_crm(str(ROOT / "examples" / "tailoring" / "crm.yaml"), catalog=CATALOG)
    assert "fictional" in example.provider
    assert "example" in (example.model.description or "").lower()


def test_without_a_claim_nothing_is_inherited(tmp_path) -> None:
    backing = crm(tmp_path, every_control())
    result, _ = run(deployment(tmp_path), crms=(backing,))
    assert result.counts()["inherited"] == 0
