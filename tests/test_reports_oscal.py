"""What FedRAMP's OSCAL guides require of the POA&M and the assessment results, checked as code
(beside the NIST schema validation in test_reports.py, which also runs on the documents here)."""

from __future__ import annotations

import dataclasses
import functools
import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from report_fixtures import make_result
from test_reports import _oscal_validator

from fedcheck.api import check_file, load_result
from fedcheck.catalog import Catalog, load_catalog
from fedcheck.findings import Evidence, Finding, Location, Result, Severity, Status, Waiver
from fedcheck.reports import render
from fedcheck.reports.oscal import FEDRAMP_NS, build_assessment_results, build_poam
from fedcheck.risk import rate

FEDRAMP = "https://fedramp.gov"


def poam(result: Result) -> dict[str, Any]:
    return build_poam(result)["plan-of-action-and-milestones"]  # type: ignore[no-any-return]


def ar(result: Result) -> dict[str, Any]:
    return build_assessment_results(result)["assessment-results"]  # type: ignore[no-any-return]


def props(item: dict[str, Any], name: str, ns: str | None = FEDRAMP_NS) -> list[str]:
    return [p["value"] for p in item.get("props", []) if p["name"] == name and p.get("ns") == ns]


def finding(
    control: str,
    target: str,
    path: str,
    actual: object = 30,
    *,
    missing: bool = False,
    kind: str = "component",
    severity: Severity = Severity.MODERATE,
    status: Status = Status.FAIL,
    waiver: Waiver | None = None,
) -> Finding:
    loc = Location("d.yaml", 3, 5, path)
    return Finding(
        control,
        status,
        severity,
        target,
        kind,
        f"{control} fails on {target}",
        f"Title of {control}",
        control.split("-")[0],
        loc,
        (Evidence(path, None if missing else actual, "something else", loc, missing),),
        f"Fix {path}.",
        waiver,
    )


def result_of(*findings: Finding, waivers: tuple[dict[str, Any], ...] = ()) -> Result:
    base = make_result()
    return rate(dataclasses.replace(base, findings=findings, waivers=waivers))


def deviation(kind: str, control: str, target: str, **kw: Any) -> Waiver:
    return Waiver(
        control,
        target,
        "why it is acceptable",
        "A. Official",
        "2025-01-02",
        "2025-12-01",
        kind,
        None,
        Location("w.yaml", 2, 5, "waivers[0]"),
        approver_role="authorizing-official",
        **kw,
    )


def applied(w: Waiver, f: Finding) -> dict[str, Any]:
    return {
        **w.to_dict(),
        "state": "applied",
        "findings": [{"control_id": f.control_id, "target": f.target}],
    }


# --- the POA&M -------------------------------------------------------------------------------


def test_every_item_has_a_poam_id_that_stays_from_run_to_run() -> None:
    result = make_result()
    items = poam(result)["poam-items"]
    assert all(len(props(i, "POAM-ID")) == 1 for i in items)
    # A new run with other inputs (new digests) names the same weaknesses the same way.
    other = dataclasses.replace(result, catalog_sha256="00" * 32)
    again = poam(other)["poam-items"]
    assert [props(i, "POAM-ID") for i in again] == [props(i, "POAM-ID") for i in items]
    assert [i["uuid"] for i in again] == [i["uuid"] for i in items]
    # An id stated in the waiver file is used as it is.
    assert props(items[3], "POAM-ID") == ["POAM-0007"]


def test_each_risk_names_its_impacted_controls_and_the_item_one_risk() -> None:
    doc = poam(make_result())
    risks = {r["uuid"]: r for r in doc["risks"]}
    for item in doc["poam-items"]:
        (ref,) = item["related-risks"]
        assert props(risks[ref["risk-uuid"]], "impacted-control-id")
    assert props(doc["risks"][0], "impacted-control-id") == ["sc-8"]


def test_one_item_per_root_cause_with_its_related_controls() -> None:
    field = "components[web].access.session_timeout_minutes"
    a, b = finding("AC-11", "web", field), finding("AC-12", "web", field)
    other = finding("AC-11", "api", "components[api].access.session_timeout_minutes")
    doc = poam(result_of(a, b, other))
    assert len(doc["poam-items"]) == 2
    first = doc["risks"][0]
    assert props(first, "impacted-control-id") == ["ac-11", "ac-12"]
    assert len(first["related-observations"]) == 2
    assert "AC-11, AC-12" in doc["poam-items"][0]["title"]


def test_affected_assets_are_inventory_items_the_observations_name() -> None:
    doc = poam(make_result())
    inventory = {i["uuid"]: i for i in doc["local-definitions"]["inventory-items"]}
    for obs in doc["observations"]:
        for subject in obs["subjects"]:
            assert subject["type"] == "inventory-item" and subject["subject-uuid"] in inventory
    assert {props(i, "asset-id", None)[0] for i in inventory.values()} == {
        "public-api",
        "admin-console",
        "sys-1",
        "web-ui",
    }


def test_the_weakness_source_is_fedcheck_and_its_version() -> None:
    doc = poam(make_result())
    (tool,) = doc["local-definitions"]["components"]
    assert tool["title"] == "fedcheck" and props(tool, "version", None) == ["0.1.0"]
    for obs in doc["observations"]:
        if "finding" in obs["types"]:
            assert obs["origins"][0]["actors"] == [{"type": "tool", "actor-uuid": tool["uuid"]}]
    for item in doc["poam-items"]:
        assert props(item, "weakness-source", "urn:fedcheck:oscal") == ["fedcheck 0.1.0"]


def test_every_risk_has_fedramp_facets_a_deadline_and_a_planned_milestone() -> None:
    doc = poam(make_result())
    for risk in doc["risks"]:
        facets = risk["characterizations"][0]["facets"]
        initial = {
            f["name"]: f["value"]
            for f in facets
            if f["system"] == FEDRAMP and f["props"] == [{"name": "state", "value": "initial"}]
        }
        assert set(initial) == {"likelihood", "impact"}
        assert risk["deadline"].endswith("T23:59:59Z")
        planned = [r for r in risk["remediations"] if r["lifecycle"] == "planned"]
        assert planned and all(
            t["type"] == "milestone" and "on-date" in t["timing"] for t in planned[0]["tasks"]
        )
        # FedRAMP takes the farthest milestone as the scheduled completion: the deadline.
        assert max(t["timing"]["on-date"]["date"] for t in planned[0]["tasks"]) == risk["deadline"]


def test_sc8_on_a_public_api_is_a_high_risk_due_in_30_days() -> None:
    doc = poam(make_result())
    risk = doc["risks"][0]
    facets = {f["name"]: f["value"] for f in risk["characterizations"][0]["facets"]}
    assert facets == {"likelihood": "high", "impact": "high"}  # critical, stated and wrong
    assert risk["deadline"] == "2025-02-01T23:59:59Z"  # 2025-01-02 + 30 days


def test_a_weakness_in_a_leveraged_service_is_a_vendor_dependency() -> None:
    f = finding("SA-9", "llm-provider", "external_services[llm-provider].fedramp", kind="service")
    doc = poam(result_of(f))
    assert props(doc["risks"][0], "vendor-dependency") == ["tracking"]
    vendor = [o for o in doc["observations"] if o["types"] == ["vendor-dependency"]]
    assert len(vendor) == 1 and vendor[0]["uuid"] in {
        r["observation-uuid"] for r in doc["poam-items"][0]["related-observations"]
    }
    plain = poam(result_of(finding("AC-11", "web", "components[web].x")))
    assert props(plain["risks"][0], "vendor-dependency") == []


def test_a_false_positive_closes_the_risk_with_its_evidence() -> None:
    w = deviation("false_positive", "AC-11", "web", evidence="the IdP enforces the lock")
    f = finding("AC-11", "web", "components[web].x", status=Status.WAIVED, waiver=w)
    doc = poam(result_of(f, waivers=(applied(w, f),)))
    risk = doc["risks"][0]
    assert risk["status"] == "closed" and props(risk, "false-positive") == ["approved"]
    assert risk["risk-log"]["entries"][0]["status-change"] == "closed"
    (fp,) = [o for o in doc["observations"] if o["types"] == ["false-positive"]]
    assert fp["methods"] == ["EXAMINE"]
    assert fp["relevant-evidence"] == [{"description": "the IdP enforces the lock"}]
    assert props(fp, "approver-role", "urn:fedcheck:oscal") == ["authorizing-official"]


def test_a_risk_adjustment_shows_initial_and_adjusted_facets_and_stays_open() -> None:
    from fedcheck.risk import adjust

    w = deviation(
        "risk_adjustment",
        "AC-11",
        "web",
        mitigating_factors=("only reachable from the agency network",),
        adjusted_likelihood="low",
    )
    f = finding("AC-11", "web", "components[web].x", waiver=w)
    result = result_of(f)
    rated = result.findings[0]
    assert rated.risk is not None
    adjusted = dataclasses.replace(rated, risk=adjust(rated.risk, "low", None))
    doc = poam(dataclasses.replace(result, findings=(adjusted,), waivers=(applied(w, f),)))
    risk = doc["risks"][0]
    assert risk["status"] == "open" and props(risk, "risk-adjustment") == ["approved"]
    facets = [
        (x["name"], x["value"], x["props"][0]["value"])
        for x in risk["characterizations"][0]["facets"]
    ]
    assert facets == [
        ("likelihood", "high", "initial"),
        ("impact", "moderate", "initial"),
        ("likelihood", "low", "adjusted"),
        ("impact", "moderate", "adjusted"),
    ]
    assert risk["mitigating-factors"][0]["description"] == "only reachable from the agency network"
    # Low risk: 180 days from the original detection, not from the approval.
    assert risk["deadline"] == f"{date(2025, 1, 2) + timedelta(days=180)}T23:59:59Z"


def test_an_operational_requirement_is_an_approved_deviation() -> None:
    w = deviation("operational_requirement", "AC-11", "web")
    f = finding("AC-11", "web", "components[web].x", status=Status.WAIVED, waiver=w)
    risk = poam(result_of(f, waivers=(applied(w, f),)))["risks"][0]
    assert risk["status"] == "deviation-approved"
    assert props(risk, "operational-requirement") == ["approved"]


def test_deviation_documents_validate_against_the_nist_schema(reference: Path) -> None:
    schema = json.loads((reference / "oscal" / "oscal_poam_schema.json").read_text("utf-8"))
    validator = _oscal_validator(schema)
    fp = deviation("false_positive", "AC-11", "web", evidence="the IdP enforces the lock")
    f1 = finding("AC-11", "web", "components[web].x", status=Status.WAIVED, waiver=fp)
    ra = deviation("risk_adjustment", "AC-12", "api", mitigating_factors=("m",))
    f2 = finding("AC-12", "api", "components[api].x", waiver=ra)
    f3 = finding("SA-9", "llm", "external_services[llm].fedramp", kind="service")
    result = result_of(f1, f2, f3, waivers=(applied(fp, f1), applied(ra, f2)))
    errors = [
        f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(build_poam(result))
    ]
    assert errors == []


# --- the original detection date, across runs ------------------------------------------------

DEPLOYMENT = """\
version: 1
system: {id: sys, name: S, impact_level: moderate}
components:
  - {id: web, type: web_app, access: {session_timeout_minutes: 30}}
"""


def test_a_rerun_keeps_the_original_detection_date(tmp_path: Path, monkeypatch) -> None:
    # A weakness is first detected on the evaluation date of the run that saw it (--as-of);
    # SOURCE_DATE_EPOCH stamps the document only, so it is set to neither day here.
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1893456000")  # 2030-01-01
    full = load_catalog()
    ac11 = full.get("AC-11")
    catalog = Catalog({ac11.oscal_id: ac11}, full.version, full.sha256)
    deploy = tmp_path / "d.yaml"
    deploy.write_text(DEPLOYMENT, encoding="utf-8")
    # The Rev5 edition throughout, so that AC-11 on web is the one weakness of every run.
    check = functools.partial(check_file, str(deploy), catalog, edition="rev5")
    first, _ = check(as_of=date(2026, 12, 1))
    saved = tmp_path / "first.json"
    saved.write_text(render(first, "json"), encoding="utf-8")
    fresh, _ = check(as_of=date(2027, 1, 1))
    again, _ = check(baseline_result=str(saved), as_of=date(2027, 1, 1))
    (web,) = [f for f in again.findings if f.status is Status.FAIL]
    assert [f.risk.detected for f in first.findings if f.risk] == ["2026-12-01"]
    assert [f.risk.detected for f in fresh.findings if f.risk] == ["2027-01-01"]
    assert web.risk is not None and web.risk.detected == "2026-12-01"
    assert web.risk.deadline == "2027-03-01"  # moderate: 90 days from 2026-12-01
    obs = poam(again)["observations"][0]
    assert obs["collected"] == "2026-12-01T00:00:00Z"
    # And a third run, from the second, still keeps it.
    second = tmp_path / "second.json"
    second.write_text(render(again, "json"), encoding="utf-8")
    third, _ = check(baseline_result=str(second), as_of=date(2027, 2, 1))
    assert [f.risk.detected for f in third.findings if f.risk] == ["2026-12-01"]
    assert load_result(str(second)).findings[0].risk == web.risk


def test_a_first_run_is_detected_on_its_evaluation_date_not_its_timestamp(
    tmp_path: Path, monkeypatch
) -> None:
    full = load_catalog()
    ac11 = full.get("AC-11")
    catalog = Catalog({ac11.oscal_id: ac11}, full.version, full.sha256)
    deploy = tmp_path / "d.yaml"
    deploy.write_text(DEPLOYMENT, encoding="utf-8")
    runs = []
    for epoch in ("1796083200", "1798761600"):  # 2026-12-01, 2027-01-01
        monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch)
        result, _ = check_file(str(deploy), catalog, as_of=date(2026, 12, 15))
        runs.append([f.risk.detected for f in result.findings if f.risk])
    assert runs == [["2026-12-15"], ["2026-12-15"]]


# --- the assessment results ------------------------------------------------------------------


def test_import_ap_resolves_to_a_back_matter_resource_describing_the_plan() -> None:
    doc = ar(make_result())
    href = doc["import-ap"]["href"]
    resources = {r["uuid"]: r for r in doc["back-matter"]["resources"]}
    assert href.startswith("#") and href[1:] in resources
    assert "FedRAMP Rev5 high baseline" in resources[href[1:]]["description"]


def test_the_tool_is_an_assessment_asset_and_assessor_and_window_are_stated() -> None:
    doc = ar(make_result())
    one = doc["results"][0]
    assets = one["local-definitions"]["assessment-assets"]
    (tool,) = assets["components"]
    assert tool["title"] == "fedcheck"
    assert assets["assessment-platforms"][0]["uses-components"] == [
        {"component-uuid": tool["uuid"]}
    ]
    roles = {r["role-id"]: r["party-uuids"] for r in doc["metadata"]["responsible-parties"]}
    parties = {p["uuid"] for p in doc["metadata"]["parties"]}
    assert set(roles) == {"system-owner", "assessor"} and set(roles["assessor"]) <= parties
    assert one["start"] and one["end"]
    assert props(one, "assessment-window", "urn:fedcheck:oscal") == [
        "one run on 2025-01-02 (evaluation date), at 2025-01-02T03:04:05Z"
    ]


def test_declared_facts_are_examined_and_only_machine_evidence_is_tested() -> None:
    @dataclasses.dataclass(frozen=True)
    class FromPlan(Evidence):
        source: str = "terraform"

    declared = finding("AC-11", "web", "components[web].x")
    plan = FromPlan("components[api].x", 30, "at most 15", None)
    tested = dataclasses.replace(finding("AC-11", "api", "components[api].x"), evidence=(plan,))
    doc = ar(result_of(declared, tested))
    methods = [o["methods"] for o in doc["results"][0]["observations"]]
    assert methods == [["EXAMINE"], ["TEST"]]
    assert all(o["methods"] != ["TEST"] for o in ar(make_result())["results"][0]["observations"])


def test_every_baseline_control_has_a_finding() -> None:
    result = make_result()
    # A control of the baseline that no finding mentions at all.
    extra = dataclasses.replace(result.controls[-1], id="CA-7", oscal_id="ca-7", title="Monitoring")
    result = dataclasses.replace(result, controls=(*result.controls, extra))
    one = ar(result)["results"][0]
    targets = {f["target"]["target-id"]: f["target"]["status"] for f in one["findings"]}
    assert {f"{c.oscal_id}_smt" for c in result.controls} <= set(targets)
    assert targets["ca-2_smt"]["state"] == "not-satisfied"  # manual
    assert targets["ca-7_smt"]["state"] == "not-satisfied"  # no verdict at all
    assert "no evidence" in targets["ca-7_smt"]["remarks"]


def test_assessment_risks_carry_likelihood_and_impact() -> None:
    one = ar(make_result())["results"][0]
    assert one["risks"]
    for risk in one["risks"]:
        names = {f["name"] for f in risk["characterizations"][0]["facets"]}
        assert names == {"likelihood", "impact"}


@pytest.mark.parametrize("fmt", ["oscal", "poam"])
def test_the_documents_are_deterministic(fmt: str) -> None:
    assert render(make_result(), fmt) == render(make_result(), fmt)


@pytest.mark.parametrize(
    ("fmt", "schema_file"),
    [("oscal", "oscal_assessment-results_schema.json"), ("poam", "oscal_poam_schema.json")],
)
def test_the_example_deployment_documents_validate(
    reference: Path, fmt: str, schema_file: str
) -> None:
    """The real catalog on the example: root causes, services and every baseline control."""
    root = Path(__file__).resolve().parents[1]
    result, _ = check_file(str(root / "examples" / "agency-ai-assistant.yaml"), load_catalog())
    doc = json.loads(render(result, fmt))
    schema = json.loads((reference / "oscal" / schema_file).read_text("utf-8"))
    errors = [
        f"{list(e.absolute_path)}: {e.message}" for e in _oscal_validator(schema).iter_errors(doc)
    ]
    assert errors == []
    if fmt == "poam":
        items = doc["plan-of-action-and-milestones"]["poam-items"]
        ids = [props(i, "POAM-ID")[0] for i in items]
        assert len(ids) == len(set(ids))
        uuids = [i["uuid"] for i in items]
        assert len(uuids) == len(set(uuids))
    else:
        one = doc["assessment-results"]["results"][0]
        targets = {f["target"]["target-id"] for f in one["findings"]}
        assert {f"{c.oscal_id}_smt" for c in result.controls} <= targets


def test_a_poam_history_file_keeps_the_original_detection_date(tmp_path: Path, monkeypatch) -> None:
    from fedcheck.cli import main

    deploy = tmp_path / "d.yaml"
    deploy.write_text(DEPLOYMENT, encoding="utf-8")
    # Detection days are evaluation dates (--as-of); SOURCE_DATE_EPOCH only stamps, so it is
    # set to neither. Rev5 both months, so that both POA&Ms hold the same weaknesses.
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1893456000")  # 2030-01-01
    check = ["check", str(deploy), "--quiet", "--rules", "rev5"]
    first = tmp_path / "poam-december.json"
    december = [*check, "--as-of", "2026-12-01", "--format", "poam", "--output", str(first)]
    assert main(december) == 1
    second = tmp_path / "poam-january.json"
    args = [*check, "--as-of", "2027-01-01", "--poam-history", str(first)]
    assert main([*args, "--format", "poam", "--output", str(second)]) == 1
    doc = json.loads(second.read_text(encoding="utf-8"))["plan-of-action-and-milestones"]
    ac11 = [
        o for o in doc["observations"] if "AC-11" in props(o, "control-id", "urn:fedcheck:oscal")
    ]
    assert ac11 and {o["collected"] for o in ac11} == {"2026-12-01T00:00:00Z"}
    inputs = props(doc["metadata"], "input-poam-history", "urn:fedcheck:oscal")
    assert inputs and inputs[0].startswith(str(first))
    # The POA&M ids did not change from one month to the next.
    old = json.loads(first.read_text(encoding="utf-8"))["plan-of-action-and-milestones"]
    assert [props(i, "POAM-ID") for i in doc["poam-items"]] == [
        props(i, "POAM-ID") for i in old["poam-items"]
    ]


def test_a_poam_history_that_is_not_a_poam_is_refused(tmp_path: Path, capsys) -> None:
    from fedcheck.cli import main

    deploy = tmp_path / "d.yaml"
    deploy.write_text(DEPLOYMENT, encoding="utf-8")
    bad = tmp_path / "not-poam.json"
    bad.write_text('{"catalog": {}}', encoding="utf-8")
    assert main(["check", str(deploy), "--quiet", "--poam-history", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "not an OSCAL plan of action and milestones" in err and "fix:" in err
    assert "Traceback" not in err


def test_no_observation_claims_test_for_reading_a_description() -> None:
    # Every fact of the example is declared in YAML: EXAMINE throughout, never TEST.
    example = Path(__file__).resolve().parents[1] / "examples" / "agency-ai-assistant.yaml"
    result, _ = check_file(str(example), load_catalog(), as_of=date(2026, 12, 1))
    assert any(e for f in result.findings for e in f.evidence)
    assert all(e.source is None for f in result.findings for e in f.evidence)
    observations = ar(result)["results"][0]["observations"]
    assert observations and {tuple(o["methods"]) for o in observations} == {("EXAMINE",)}


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda o: o.pop("collected"), "observations[0]: collected is missing"),
        (
            lambda o: o.update(collected="last week"),
            "observations[0]: collected 'last week' is not a timestamp",
        ),
    ],
)
def test_a_poam_history_with_a_broken_detection_date_is_refused_in_words(
    tmp_path: Path, edit: Any, message: str
) -> None:
    from fedcheck.errors import InputError
    from fedcheck.risk import load_poam_history

    full = load_catalog()
    ac11 = full.get("AC-11")
    catalog = Catalog({ac11.oscal_id: ac11}, full.version, full.sha256)
    deploy = tmp_path / "d.yaml"
    deploy.write_text(DEPLOYMENT, encoding="utf-8")
    result, _ = check_file(str(deploy), catalog, edition="rev5", as_of=date(2026, 12, 1))
    doc = build_poam(result)
    edit(doc["plan-of-action-and-milestones"]["observations"][0])
    history = tmp_path / "poam.json"
    history.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_poam_history(str(history))
    rendered = caught.value.render()
    assert message in rendered and "None" not in rendered and "\n    fix: " in rendered
