"""Waivers: a current waiver turns the failing findings it matches into ``waived``; an expired one
waives nothing; one that matches nothing is stale; FedRAMP's deadlines bound every expiry."""

from __future__ import annotations

import dataclasses
import datetime
import json
import textwrap
from datetime import date
from pathlib import Path

import pytest

from fedcheck.api import check_file
from fedcheck.catalog import Catalog, load_catalog
from fedcheck.cli import main
from fedcheck.errors import InputError
from fedcheck.evaluation import exit_code
from fedcheck.findings import Result, Severity, Status
from fedcheck.loading import parse_text
from fedcheck.waivers import apply_waivers, load_waivers, run_date

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "tailoring"
COMPLIANT = ROOT / "examples" / "agency-ai-assistant-compliant.yaml"
CATALOG = load_catalog()
# The deployment below states only session timeouts, so it is evaluated against AC-11 alone:
# what the tests expect does not depend on how many other controls the catalog automates.
# Waiver files are still checked against the whole catalog.
AC11 = Catalog(
    {c.oscal_id: c for c in CATALOG if c.oscal_id == "ac-11"}, CATALOG.version, CATALOG.sha256
)

# Two components fail AC-11 (moderate severity); one passes it.
DEPLOYMENT = """\
version: 1
system: {id: sys, name: S, impact_level: moderate}
components:
  - {id: web, type: web_app, access: {session_timeout_minutes: 30}}
  - {id: api, type: api, access: {session_timeout_minutes: 45}}
  - {id: ok, type: api, access: {session_timeout_minutes: 10}}
"""


def waiver(
    control: str = "AC-11",
    target: str = "web",
    approved: str = "2026-11-01",
    expires: str = "2026-12-31",
    kind: str = "poam",
    extra: str = "",
) -> str:
    return (
        textwrap.dedent(f"""\
      - control: {control}
        target: "{target}"
        type: {kind}
        justification: Moving the lock to the identity provider in release 4.2.
        approved_by: ISSO
        approved_on: {approved}
        expires: {expires}
    """)
        + extra
    )


@pytest.fixture
def files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1796083200")  # 2026-12-01T00:00:00Z
    deploy = tmp_path / "deploy.yaml"
    deploy.write_text(DEPLOYMENT, encoding="utf-8")

    def make(*items: str) -> str:
        path = tmp_path / "waivers.yaml"
        body = "".join(textwrap.indent(i, "  ") for i in items)
        path.write_text("waivers:\n" + body, encoding="utf-8")
        return str(path)

    make.deploy = str(deploy)  # type: ignore[attr-defined]
    return make


def run(files, path: str, today: date | None = None) -> tuple[Result, int]:
    result, _ = check_file(files.deploy, AC11, as_of=date(2026, 12, 1))
    result = apply_waivers(result, load_waivers(path, catalog=CATALOG), today=today)
    return result, exit_code(result)


def ac11(result: Result) -> dict[str, Status]:
    return {f.target: f.status for f in result.findings if f.control_id == "AC-11"}


# --- applying ---------------------------------------------------------------------------------


def test_a_current_waiver_waives_only_the_findings_it_matches(files) -> None:
    result, code = run(files, files(waiver(target="web")))
    assert ac11(result) == {"web": Status.WAIVED, "api": Status.FAIL, "ok": Status.PASS}
    assert code == 1  # api still fails
    waived = next(f for f in result.findings if f.status is Status.WAIVED)
    assert waived.waiver is not None and waived.waiver.approved_by == "ISSO"
    assert waived.message  # the finding keeps its message and evidence
    assert result.waivers[0]["state"] == "applied"
    assert result.waivers[0]["findings"] == [{"control_id": "AC-11", "target": "web"}]


def test_a_wildcard_waiver_waives_every_target_and_the_gate_passes(files) -> None:
    result, code = run(files, files(waiver(target="*")))
    assert ac11(result) == {"web": Status.WAIVED, "api": Status.WAIVED, "ok": Status.PASS}
    assert code == 0
    assert result.counts()["waived"] == 2


def test_a_waiver_holds_through_the_end_of_its_expiry_day(files) -> None:
    path = files(waiver(expires="2026-12-01"))
    result, _ = run(files, path, today=date(2026, 12, 1))
    assert ac11(result)["web"] is Status.WAIVED
    assert result.waivers[0]["days_to_expiry"] == 0


def test_an_expired_waiver_fails_again_and_is_reported(files) -> None:
    path = files(waiver(target="*", expires="2026-12-01"))
    result, code = run(files, path, today=date(2026, 12, 2))
    assert ac11(result) == {"web": Status.FAIL, "api": Status.FAIL, "ok": Status.PASS}
    assert code == 1
    (state,) = result.waivers
    assert state["state"] == "expired" and len(state["findings"]) == 2
    assert any("expired on 2026-12-01" in n for n in result.notes)


def test_a_waiver_that_matches_no_failing_finding_is_stale(files) -> None:
    path = files(waiver(target="web"), waiver(target="ok"), waiver(target="no-such-id"))
    result, _ = run(files, path)
    assert [w["state"] for w in result.waivers] == ["applied", "stale", "stale"]
    assert sum("matches no failing finding" in n for n in result.notes) == 2


def test_today_defaults_to_the_evaluation_date(files) -> None:
    path = files(waiver(expires="2026-11-30"))  # the day before the evaluation date
    result, _ = run(files, path)
    assert run_date(result) == date(2026, 12, 1)
    assert result.waivers[0]["state"] == "expired"


def test_a_specific_waiver_wins_over_a_wildcard(files) -> None:
    path = files(waiver(target="*"), waiver(target="web", extra="  poam_id: POAM-1\n"))
    result, _ = run(files, path)
    web = next(f for f in result.findings if f.target == "web" and f.control_id == "AC-11")
    assert web.waiver is not None and web.waiver.poam_id == "POAM-1"


def test_the_waiver_file_is_an_input_of_the_result(files) -> None:
    path = files(waiver())
    result, _ = run(files, path)
    assert [i.role for i in result.inputs] == ["deployment", "waivers"]


def test_waivers_survive_the_json_round_trip(files) -> None:
    result, _ = run(files, files(waiver()))
    again = Result.from_dict(result.to_dict())
    assert again.waivers == result.waivers
    assert [f.waiver for f in again.findings] == [f.waiver for f in result.findings]


# --- refusals ----------------------------------------------------------------------------------


def refused(path: str) -> list:
    with pytest.raises(InputError) as info:
        load_waivers(path, catalog=CATALOG)
    return info.value.problems


@pytest.mark.parametrize(
    "field", ["justification", "approved_by", "approved_on", "expires", "control", "target"]
)
def test_a_waiver_missing_a_required_field_is_refused_at_its_line(files, field) -> None:
    text = "".join(
        line + "\n"
        for line in waiver().splitlines()
        if not line.strip().lstrip("- ").startswith(f"{field}:")
    )
    if field == "control":
        text = "- " + text[2:]
    path = files(waiver(target="api"), text)
    (problem,) = refused(path)
    assert f"'{field}' is a required property" in problem.message
    assert problem.line == 9  # the second waiver
    assert problem.fix == "add the missing key"


def test_a_poam_item_beyond_the_longest_fedramp_deadline_is_refused(files) -> None:
    # No FedRAMP risk level gives more than 180 days: 2026-11-01 + 181 days = 2027-05-01.
    assert load_waivers(files(waiver(expires="2027-04-30")), catalog=CATALOG)
    (problem,) = refused(files(waiver(expires="2027-05-01")))
    assert problem.line == 8 and problem.column == 14
    assert "at most 180 days after its weakness was detected" in problem.message
    assert problem.fix.startswith("set expires to 2027-04-30 or earlier")


DEVIATION_FIELDS = {
    "risk_adjustment": "approver_role: authorizing-official\n"
    "  mitigating_factors: [the page is reachable from the agency network only]\n"
    "  adjusted_likelihood: low\n",
    "operational_requirement": "approver_role: authorizing-official\n",
    "false_positive": "approver_role: fedramp-board\n"
    "  evidence: the lock is enforced by the identity provider (policy export, 2026-10-30)\n",
}


def deviation(kind: str, **kw: str) -> str:
    return waiver(kind=kind, **kw) + "  " + DEVIATION_FIELDS[kind]


def test_a_deviation_may_run_a_year_and_no_more(files) -> None:
    for kind in DEVIATION_FIELDS:
        assert load_waivers(files(deviation(kind, expires="2027-11-01")), catalog=CATALOG)
        (problem,) = refused(files(deviation(kind, expires="2027-11-02")))
        assert f"a {kind} deviation may run at most 365 days" in problem.message


@pytest.mark.parametrize("kind", list(DEVIATION_FIELDS))
def test_an_older_deviation_without_the_authorizing_officials_approval_is_refused(
    files, kind
) -> None:
    """Older waiver files keep loading, but a deviation they state without its approver is an
    error at its line with the fix, not a silent acceptance."""
    text = deviation(kind).replace("  approver_role: authorizing-official\n", "")
    text = text.replace("  approver_role: fedramp-board\n", "")
    (problem,) = refused(files(text))
    assert problem.line == 2
    assert "needs the authorizing official's approval" in problem.message
    assert "approver_role: authorizing-official" in problem.fix


def test_a_deviation_approved_by_the_isso_is_refused(files) -> None:
    text = deviation("operational_requirement").replace("authorizing-official", "isso")
    (problem,) = refused(files(text))
    assert "approved by the authorizing official, not the isso" in problem.message


def test_an_approver_role_outside_the_vocabulary_is_refused(files) -> None:
    text = deviation("operational_requirement").replace("authorizing-official", "my-boss")
    (problem,) = refused(files(text))
    assert "is not one of" in problem.message


def test_a_false_positive_without_evidence_is_refused(files) -> None:
    text = "".join(
        line + "\n" for line in deviation("false_positive").splitlines() if "evidence" not in line
    )
    (problem,) = refused(files(text))
    assert "only with its evidence" in problem.message and problem.fix.startswith("add evidence")


def test_a_risk_adjustment_needs_mitigating_factors_and_an_adjusted_facet(files) -> None:
    bare = waiver(kind="risk_adjustment") + "  approver_role: authorizing-official\n"
    problems = refused(files(bare))
    assert {p.fix.split(":")[0] for p in problems} == {
        "add mitigating_factors",
        "add adjusted_likelihood and/or adjusted_impact (low, moderate or high)",
    }


def test_adjusted_facets_on_a_poam_item_are_refused(files) -> None:
    (problem,) = refused(files(waiver(extra="  adjusted_impact: low\n")))
    assert "belongs to a risk_adjustment" in problem.message and problem.line == 9


def by_target(result: Result) -> dict[str, object]:
    return {f.target: f for f in result.findings if f.control_id == "AC-11"}


def test_a_false_positive_closes_the_item(files) -> None:
    result, code = check_file(files.deploy, AC11, waivers=files(deviation("false_positive")))
    web = by_target(result)["web"]
    assert web.status is Status.WAIVED and web.waiver.type == "false_positive"
    assert web.waiver.evidence.startswith("the lock is enforced")


def test_a_risk_adjustment_lowers_the_rating_but_the_finding_still_fails(files) -> None:
    plain, _ = check_file(files.deploy, AC11)
    before = by_target(plain)["web"].risk
    # AC-11 is moderate severity and the timeout is stated and wrong: high x moderate.
    assert (before.likelihood, before.impact, before.level) == ("high", "moderate", "moderate")
    result, code = check_file(files.deploy, AC11, waivers=files(deviation("risk_adjustment")))
    web = by_target(result)["web"]
    assert web.status is Status.FAIL and code == 1
    assert (web.risk.adjusted_likelihood, web.risk.adjusted_impact) == ("low", "moderate")
    assert web.risk.adjusted_level == "low" and web.risk.level == "moderate"
    # The adjusted clock still counts from the original detection day: 180 days for low.
    assert web.risk.detected == before.detected
    assert date.fromisoformat(web.risk.deadline) == date.fromisoformat(before.detected) + (
        date(2027, 6, 30) - date(2027, 1, 1)
    )
    # The gate reads the adjusted level.
    assert exit_code(result, Severity.MODERATE) == 1  # api still moderate
    only_web = dataclasses.replace(
        result, findings=tuple(f for f in result.findings if f.target != "api")
    )
    assert exit_code(only_web, Severity.MODERATE) == 0
    assert exit_code(only_web, Severity.LOW) == 1


def test_a_risk_adjustment_that_does_not_lower_the_risk_is_refused(files) -> None:
    text = deviation("risk_adjustment").replace("adjusted_likelihood: low", "adjusted_impact: high")
    result, _ = check_file(files.deploy, AC11, waivers=files(text))
    assert result.waivers[0]["state"] == "refused"
    assert by_target(result)["web"].risk.adjusted_level is None
    assert any("above the initial moderate" in n for n in result.notes)


def test_an_operational_requirement_is_refused_for_a_high_risk(files) -> None:
    result, _ = check_file(files.deploy, AC11)
    high = dataclasses.replace(
        result,
        findings=tuple(
            dataclasses.replace(
                f, risk=dataclasses.replace(f.risk, likelihood="high", impact="high", level="high")
            )
            if f.risk is not None
            else f
            for f in result.findings
        ),
    )
    text = deviation("operational_requirement", target="*")
    out = apply_waivers(high, load_waivers(files(text), catalog=CATALOG))
    assert ac11(out) == {"web": Status.FAIL, "api": Status.FAIL, "ok": Status.PASS}
    # A wildcard that applies to one target and not to another says so for the other.
    mixed = dataclasses.replace(
        high,
        findings=tuple(
            dataclasses.replace(f, risk=dataclasses.replace(f.risk, level="moderate"))
            if f.target == "api" and f.risk is not None
            else f
            for f in high.findings
        ),
    )
    part = apply_waivers(mixed, load_waivers(files(text), catalog=CATALOG))
    assert ac11(part) == {"web": Status.FAIL, "api": Status.WAIVED, "ok": Status.PASS}
    assert part.waivers[0]["state"] == "applied"
    assert any("does not apply to AC-11 on web" in n for n in part.notes)
    assert exit_code(out) == 1 and out.waivers[0]["state"] == "refused"
    assert any("no operational requirement for a high risk" in n for n in out.notes)
    # Once a risk adjustment lowers it, the operational requirement can accept it.
    both = files(deviation("risk_adjustment", target="*"), text)
    out = apply_waivers(high, load_waivers(both, catalog=CATALOG))
    assert ac11(out) == {"web": Status.WAIVED, "api": Status.WAIVED, "ok": Status.PASS}


def test_an_operational_requirement_accepts_a_moderate_risk(files) -> None:
    result, _ = check_file(files.deploy, AC11, waivers=files(deviation("operational_requirement")))
    assert by_target(result)["web"].status is Status.WAIVED


def test_a_poam_item_fails_again_past_the_deadline_from_detection(files) -> None:
    """The deadline counts from the original detection day, not from the approval."""
    result, _ = check_file(files.deploy, AC11)
    rated = dataclasses.replace(
        result,
        findings=tuple(
            dataclasses.replace(
                f, risk=dataclasses.replace(f.risk, detected="2026-06-01", deadline="2026-08-30")
            )
            if f.risk is not None
            else f
            for f in result.findings
        ),
    )
    out = apply_waivers(
        rated, load_waivers(files(waiver()), catalog=CATALOG), today=date(2026, 11, 15)
    )
    assert by_target(out)["web"].status is Status.FAIL
    assert out.waivers[0]["state"] == "overdue"
    assert any("was due on 2026-08-30" in n for n in out.notes)


def test_an_unknown_control_is_refused(files) -> None:
    (problem,) = refused(files(waiver(control="AC-999")))
    assert "unknown control 'AC-999'" in problem.message and problem.line == 2


@pytest.mark.parametrize("bad", ["2026-13-01", "2026-2-1", "next week"])
def test_a_date_that_is_not_a_date_is_refused(files, bad) -> None:
    problems = refused(files(waiver(expires=f'"{bad}"')))
    assert "expires" in problems[0].message and problems[0].line == 8


def test_an_expiry_before_approval_is_refused(files) -> None:
    (problem,) = refused(files(waiver(expires="2026-10-01")))
    assert "is before approved_on" in problem.message


def test_an_unknown_waiver_type_is_refused(files) -> None:
    (problem,) = refused(files(waiver(kind="forever")))
    assert "is not one of" in problem.message and "risk_adjustment" in (problem.fix or "")


def test_an_error_finding_is_never_waived(files) -> None:
    import dataclasses

    result, _ = check_file(files.deploy, AC11)
    broken = tuple(
        dataclasses.replace(f, status=Status.ERROR)
        if f.target == "web" and f.control_id == "AC-11"
        else f
        for f in result.findings
    )
    result = dataclasses.replace(result, findings=broken)
    out = apply_waivers(result, load_waivers(files(waiver(target="*")), catalog=CATALOG))
    assert ac11(out) == {"web": Status.ERROR, "api": Status.WAIVED, "ok": Status.PASS}
    assert exit_code(out) == 1


# --- the command line and the worked example --------------------------------------------------------


def compliant_failing_ac11(tmp_path: Path) -> str:
    """The compliant example (it passes every automated control of the catalog) with two
    components whose session lock is too slow: the whole catalog fails AC-11 on them only."""
    data, _ = parse_text(COMPLIANT.read_text(encoding="utf-8"), str(COMPLIANT))
    data = json.loads(json.dumps(data))  # every component its own copy of the shared anchors
    components = {c["id"]: c for c in data["components"]}
    components["web-ui"]["access"]["session_timeout_minutes"] = 30
    components["assistant-api"]["access"]["session_timeout_minutes"] = 45
    path = tmp_path / "compliant-but-ac11.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return str(path)


def test_cli_check_with_waivers(files, tmp_path, capsys) -> None:
    deploy = compliant_failing_ac11(tmp_path)
    result, code = check_file(deploy, CATALOG, as_of=datetime.date(2026, 12, 1))
    assert code == 1 and {f.target for f in result.failing()} == {"web-ui", "assistant-api"}
    assert (
        main(
            [
                "check",
                deploy,
                "--as-of",
                "2026-12-01",
                "--quiet",
                "--waivers",
                files(waiver(target="*")),
            ]
        )
        == 0
    )
    assert main(["check", deploy, "--quiet", "--waivers", files(waiver(target="web-ui"))]) == 1
    assert "FAIL AC-11 assistant-api" in capsys.readouterr().out


def test_cli_refuses_a_waiver_beyond_its_deadline_with_exit_2(files, capsys) -> None:
    path = files(waiver(expires="2027-06-01"))
    assert main(["check", files.deploy, "--quiet", "--waivers", path]) == 2
    assert f"{path}:8:14: error: a POA&M item is due at most 180 days" in capsys.readouterr().err


def test_the_worked_example_waives_both_its_findings(monkeypatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1796083200")  # 2026-12-01
    from fedcheck.api import load_catalog_for

    catalog, tailoring, inputs = load_catalog_for([], str(EXAMPLE / "profile.yaml"))
    result, code = check_file(
        str(EXAMPLE / "deployment.yaml"),
        catalog,
        tailoring=tailoring,
        waivers=str(EXAMPLE / "waivers.yaml"),
        extra_inputs=inputs,
        as_of=date(2026, 12, 1),
    )
    assert code == 0
    assert [w["state"] for w in result.waivers] == ["applied", "applied"]
    # After the ORG-1 waiver's expiry day, its finding fails the gate again.
    result, code = check_file(
        str(EXAMPLE / "deployment.yaml"),
        catalog,
        tailoring=tailoring,
        waivers=str(EXAMPLE / "waivers.yaml"),
        extra_inputs=inputs,
        as_of=date(2026, 12, 20),
    )
    assert code == 1
    assert [w["state"] for w in result.waivers] == ["applied", "expired"]
    assert [(f.control_id, f.target) for f in result.findings if f.status is Status.FAIL] == [
        ("ORG-1", "case-api")
    ]


def test_a_waiver_dated_after_today_waives_nothing_yet() -> None:
    """A risk is not accepted before its approval date: the finding still fails."""
    from datetime import date

    from fedcheck.catalog import Catalog, load_catalog
    from fedcheck.evaluation import evaluate
    from fedcheck.findings import Status
    from fedcheck.inputs import parse_deployment
    from fedcheck.waivers import apply_waivers, load_waivers

    full = load_catalog()
    ac11 = full.get("AC-11")
    catalog = Catalog({ac11.oscal_id: ac11}, full.version, full.sha256)
    deployment = parse_deployment(
        "version: 1\nsystem: {id: s, impact_level: high}\n"
        "components:\n  - {id: web, type: web_app, access: {session_timeout_minutes: 30}}\n",
        "d.yaml",
    )
    result = evaluate(deployment, catalog, generated_at="2026-03-01T00:00:00Z")
    import os
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "w.yaml")
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(
                "waivers:\n  - control: AC-11\n    target: web\n    justification: IdP move\n"
                "    approved_by: AO\n    approved_on: 2026-03-10\n    expires: 2026-04-01\n"
            )
        waivers = load_waivers(path, catalog=full)
    early = apply_waivers(result, waivers, today=date(2026, 3, 1))
    assert [f.status for f in early.findings] == [Status.FAIL]
    assert early.waivers[0]["state"] == "pending"
    assert any("approved only from 2026-03-10" in n for n in early.notes)
    later = apply_waivers(result, waivers, today=date(2026, 3, 10))
    assert [f.status for f in later.findings] == [Status.WAIVED]
    assert later.waivers[0]["state"] == "applied"
