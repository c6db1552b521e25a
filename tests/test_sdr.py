"""The Security Decision Record built from a CR26 run."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import fedcheck
from fedcheck.editions import class_controls
from fedcheck.findings import Finding, Result, Severity, Status
from fedcheck.reports.sdr import build_sdr, sdr_status

REPO = Path(__file__).resolve().parent.parent
SCHEMAS = REPO.parent / "shared" / "reference" / "fedramp-20x"
SDR = "fedramp-security-decision-record-schema-2026-06-24.json"
COMMON = "fedramp-common-definitions-schema-2026-06-24.json"


def _f(status: Status) -> Finding:
    return Finding("AC-2", status, Severity.HIGH, "app", "component", "m")


def test_status_mapping_fails_closed() -> None:
    assert sdr_status([_f(Status.PASS)]) == "Implemented"
    assert sdr_status([_f(Status.PASS), _f(Status.FAIL)]) == "Not Implemented"
    assert sdr_status([_f(Status.PASS), _f(Status.WAIVED)]) == "Not Implemented"
    assert sdr_status([_f(Status.PASS), _f(Status.MANUAL)]) == "Partially Implemented"
    assert sdr_status([_f(Status.MANUAL)]) == "Not Implemented"
    assert sdr_status([]) == "Not Implemented"


def _sdr() -> dict[str, Any]:
    deployment = fedcheck.load_deployment(str(REPO / "examples" / "agency-ai-assistant.yaml"))
    result = fedcheck.evaluate(deployment, fedcheck.load_catalog(), as_of=date(2027, 1, 1))
    return build_sdr(result, "https://example.gov/cpo.json")


def test_sdr_has_every_control_of_the_class_and_no_failing_one_implemented() -> None:
    sdr = _sdr()
    ids = [c["controlId"] for c in sdr["securityControls"]]
    assert len(ids) == len(class_controls("d")) == 409
    assert {r["frrID"] for r in sdr["fedRampRequirements"]} >= {"VDR-TFR-PDD", "MAS-CSO-FLO"}
    ac11 = next(c for c in sdr["securityControls"] if c["controlId"] == "AC-11")
    assert ac11["controlImplementationStatus"] == "Not Implemented"  # the example fails AC-11


def test_sdr_structure_always() -> None:
    sdr = _sdr()
    assert sdr["certificationPackageOverviewUri"]
    allowed = {"Implemented", "Not Implemented", "Partially Implemented"}
    for c in sdr["securityControls"]:
        assert c["controlImplementationStatus"] in allowed
        for p in c.get("parameterValues", []):
            assert isinstance(p["parameterId"], str) and isinstance(p["parameterValue"], str)
    for r in sdr["fedRampRequirements"]:
        assert r["frrImplementationStatus"] in allowed and r["frrImplementation"]


HAS_SCHEMA = (SCHEMAS / SDR).is_file()
NO_SCHEMA = "../shared/reference/fedramp-20x is absent"


def _validator() -> Any:
    import jsonschema
    from referencing import Registry, Resource

    # The SDR schema's one cross-file $ref lacks its '#'; fix it in memory, never in the file.
    text = (SCHEMAS / SDR).read_text(encoding="utf-8").replace(".json/$defs/", ".json#/$defs/")
    schema = json.loads(text)
    common = json.loads((SCHEMAS / COMMON).read_text(encoding="utf-8"))
    registry = Registry().with_resource(common["$id"], Resource.from_contents(common))
    return jsonschema.Draft202012Validator(
        schema, registry=registry, format_checker=jsonschema.FormatChecker()
    )


@pytest.mark.skipif(not HAS_SCHEMA, reason=NO_SCHEMA)
def test_sdr_validates_against_fedramp_schema() -> None:
    validator = _validator()
    errors = sorted(validator.iter_errors(_sdr()), key=str)
    assert not errors, errors[:3]


def _structure(sdr: dict[str, Any]) -> None:
    """The SDR's shape, checked without the schema (which lives outside the repository)."""
    allowed = {"Implemented", "Not Implemented", "Partially Implemented"}
    assert isinstance(sdr["certificationPackageOverviewUri"], str)
    for c in sdr["securityControls"]:
        assert c["controlImplementationStatus"] in allowed
    for k in sdr.get("keySecurityIndicators", []):
        assert k["ksiImplementationStatus"] in {"Not Implemented", "Partially Implemented"}
        for key in ("ksiImplementation", "ksiValidation", "ksiAssessment", "ksiTests"):
            assert all(isinstance(x, str) for x in k[key])
        for e in k["ksiEvidence"]:
            assert e["evidenceText"].startswith("sha256:") and len(e["evidenceText"]) == 71


def _cli(args: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "fedcheck", *args], capture_output=True, text=True, cwd=REPO
    )


@pytest.mark.parametrize("cert_class", ["c", "d"])
def test_cli_format_sdr(cert_class: str) -> None:
    example = "examples/agency-ai-assistant.yaml"
    args = ["check", example, "--rules", "cr26", "--class", cert_class, "--as-of", "2027-01-01"]
    run = _cli([*args, "--format", "sdr", "--cpo-uri", "https://example.gov/cpo.json"])
    assert run.returncode == 1, run.stderr  # the example fails some checks
    sdr = json.loads(run.stdout)
    _structure(sdr)
    assert len(sdr["securityControls"]) == len(class_controls(cert_class))
    # Class C has KSIs, Class D has none; the evidence names the description and its digest.
    assert ("keySecurityIndicators" in sdr) == (cert_class == "c")
    if cert_class == "c":
        digest = hashlib.sha256((REPO / example).read_bytes()).hexdigest()
        evidence = sdr["keySecurityIndicators"][0]["ksiEvidence"]
        assert evidence[0]["evidenceLocation"] == example
        assert evidence[0]["evidenceText"] == f"sha256:{digest}"
    if HAS_SCHEMA:
        assert not list(_validator().iter_errors(sdr))


def test_cli_sdr_usage_errors() -> None:
    example = "examples/agency-ai-assistant.yaml"
    no_uri = _cli(["check", example, "--rules", "cr26", "--format", "sdr"])
    assert no_uri.returncode == 2 and "--cpo-uri URI to fedcheck check" in no_uri.stderr
    rev5 = _cli(
        ["check", example, "--rules", "rev5", "--format", "sdr", "--cpo-uri", "https://x.gov/c"]
    )
    assert rev5.returncode == 2 and "--rules cr26" in rev5.stderr
    assert "Traceback" not in no_uri.stderr + rev5.stderr


_BASE: list[Result] = []


def _base() -> Result:
    if not _BASE:
        deployment = fedcheck.load_deployment(str(REPO / "examples" / "agency-ai-assistant.yaml"))
        catalog = fedcheck.load_catalog()
        _BASE.append(fedcheck.evaluate(deployment, catalog, as_of=date(2027, 1, 1), cert_class="c"))
    return _BASE[0]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(list(Status)), min_size=1, max_size=400))
def test_generated_results_give_a_valid_fail_closed_sdr(statuses: list[Status]) -> None:
    base = _base()
    findings = [
        dataclasses.replace(f, status=statuses[i % len(statuses)])
        for i, f in enumerate(base.findings)
    ]
    result = dataclasses.replace(base, findings=findings)
    sdr = build_sdr(result, "https://example.gov/cpo.json")
    _structure(sdr)
    failing = {f.control_id for f in findings if f.status in (Status.FAIL, Status.ERROR)}
    for c in sdr["securityControls"]:
        if c["controlId"] in failing:
            assert c["controlImplementationStatus"] != "Implemented"
    if HAS_SCHEMA:
        assert not list(_validator().iter_errors(sdr))


def test_report_cannot_write_an_sdr_without_a_run(tmp_path: Path) -> None:
    result = tmp_path / "r.json"
    example = "examples/agency-ai-assistant.yaml"
    _cli(["check", example, "--rules", "cr26", "--format", "json", "--output", str(result)])
    run = _cli(["report", str(result), "--output", str(tmp_path / "r.sdr.json")])
    assert run.returncode == 2 and "fedcheck check" in run.stderr
    assert not (tmp_path / "r.sdr.json").exists() and "Traceback" not in run.stderr


def test_each_control_names_the_facts_and_files_that_back_its_status() -> None:
    example = REPO / "examples" / "agency-ai-assistant.yaml"
    digest = hashlib.sha256(example.read_bytes()).hexdigest()
    sdr = _sdr()
    ac11 = next(c for c in sdr["securityControls"] if c["controlId"] == "AC-11")
    text = ac11["controlImplementationDescription"]
    findings, _, backing = text.partition("\n\nEvidence:\n")
    assert "- fail web-ui: session locks after 30 minutes" in findings
    assert "agency-ai-assistant.yaml:43:32)" in findings  # where the failing value is written
    assert (
        "- components[web-ui].access.session_timeout_minutes is 30; expected at most 15 "
        "(FedRAMP High) (declared, at " in backing
    )
    assert backing.endswith(f"agency-ai-assistant.yaml`, sha256:{digest}")
    pdd = next(r for r in sdr["fedRampRequirements"] if r["frrID"] == "VDR-TFR-PDD")
    assert any("scan_frequency_days is 30" in line for line in pdd["frrValidation"])
    assert pdd["frrValidation"][-1].endswith(f"sha256:{digest}")


@pytest.mark.parametrize("cert_class", ["b", "d"])
def test_the_attestation_report_shows_the_counts_of_the_sdr(cert_class: str) -> None:
    import re

    deployment = fedcheck.load_deployment(str(REPO / "examples" / "agency-ai-assistant.yaml"))
    catalog = fedcheck.load_catalog()
    result = fedcheck.evaluate(
        deployment, catalog, as_of=date(2027, 1, 1), edition="cr26", cert_class=cert_class
    )
    sdr = build_sdr(result, "https://example.gov/cpo.json")
    # Counted here from the SDR's own entries, by hand.
    expected = {
        "controls": [c["controlImplementationStatus"] for c in sdr["securityControls"]],
        "vdr": [
            r["frrImplementationStatus"]
            for r in sdr["fedRampRequirements"]
            if r["frrID"].startswith("VDR-")
        ],
        "mas": [
            r["frrImplementationStatus"]
            for r in sdr["fedRampRequirements"]
            if r["frrID"].startswith("MAS-")
        ],
    }
    if cert_class == "b":
        expected["ksi"] = [k["ksiImplementationStatus"] for k in sdr["keySecurityIndicators"]]
    html = fedcheck.render(result, "html")
    markdown = fedcheck.render(result, "markdown")
    assert "Security Decision Record (FedRAMP Consolidated Rules" in markdown
    titles = {
        "controls": "Security controls",
        "vdr": "Vulnerability detection and response (VDR)",
        "mas": "Minimum assessment scope (MAS)",
        "ksi": "Key Security Indicators",
    }
    order = ("Implemented", "Partially Implemented", "Not Implemented")
    for key, statuses in expected.items():
        cells = [str(statuses.count(s)) for s in order] + [str(len(statuses))]
        assert f"| {titles[key]} | " + " | ".join(cells) + " |" in markdown
        row = re.search(rf'<tr id="sdr-{key}">(.*?)</tr>', html)
        assert row is not None and re.findall(r'<td class="num">(\d+)</td>', row[1]) == cells
    assert ("sdr-ksi" in html) is (cert_class == "b")
    assert len(expected["controls"]) == len(class_controls(cert_class))


def test_a_rev5_attestation_report_has_no_sdr_counts() -> None:
    deployment = fedcheck.load_deployment(str(REPO / "examples" / "agency-ai-assistant.yaml"))
    result = fedcheck.evaluate(deployment, fedcheck.load_catalog(), as_of=date(2026, 12, 1))
    assert result.rules is not None and result.rules.edition == "rev5"
    assert "Security Decision Record" not in fedcheck.render(result, "markdown")
    assert 'id="sdr-counts"' not in fedcheck.render(result, "html")


def _example_deployments() -> list[Path]:
    from fedcheck.loading import load_file
    from fedcheck.validate import detect_kind

    found = [
        path
        for path in sorted((REPO / "examples").rglob("*.yaml"))
        if detect_kind(load_file(str(path)).data) == "deployment"
    ]
    assert len(found) >= 4  # the two assistants, the tailoring and the Terraform examples
    return found


@pytest.mark.skipif(not HAS_SCHEMA, reason=NO_SCHEMA)
@pytest.mark.parametrize("cert_class", ["b", "c", "d"])
@pytest.mark.parametrize(
    "example", _example_deployments(), ids=lambda p: str(p.relative_to(REPO / "examples"))
)
def test_every_example_gives_a_valid_sdr_in_every_class(example: Path, cert_class: str) -> None:
    deployment = fedcheck.load_deployment(str(example))
    result = fedcheck.evaluate(
        deployment,
        fedcheck.load_catalog(),
        as_of=date(2027, 1, 1),
        edition="cr26",
        cert_class=cert_class,
    )
    sdr = build_sdr(result, "https://example.gov/cpo.json")
    _structure(sdr)
    assert len(sdr["securityControls"]) == len(class_controls(cert_class))
    errors = sorted(_validator().iter_errors(sdr), key=str)
    assert not errors, errors[:3]
