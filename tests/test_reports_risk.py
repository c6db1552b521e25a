"""Risk ratings instead of a fixed severity, and the attestation report that says what it is."""

from __future__ import annotations

import dataclasses
import re
from datetime import date

import pytest
from report_fixtures import make_result

from fedcheck.evaluation import exit_code
from fedcheck.findings import Evidence, Finding, Location, Severity, Status
from fedcheck.reports import render
from fedcheck.risk import (
    EXPOSURE,
    adjust,
    basis_of,
    deadline,
    exposure,
    rate,
    rate_finding,
    root_causes,
)


def failing(
    severity: Severity = Severity.MODERATE,
    *,
    missing: bool = False,
    status: Status = Status.FAIL,
    target: str = "web",
    path: str = "components[web].access.session_timeout_minutes",
    control: str = "AC-11",
) -> Finding:
    return Finding(
        control,
        status,
        severity,
        target,
        "component",
        "m",
        location=Location("d.yaml", 1, 1, path),
        evidence=(Evidence(path, None if missing else 30, "at most 15", None, missing),),
    )


DAY = date(2026, 12, 1)


def test_fedramp_risk_exposure_from_likelihood_and_impact() -> None:
    assert exposure("high", "high") == "high"
    assert exposure("high", "moderate") == "moderate"
    assert exposure("moderate", "high") == "moderate"
    assert exposure("low", "high") == "low"
    assert exposure("moderate", "low") == "low"
    assert {v for row in EXPOSURE.values() for v in row.values()} == {"low", "moderate", "high"}


def test_a_stated_wrong_value_is_rated_apart_from_a_missing_one() -> None:
    wrong = rate_finding(failing(Severity.HIGH), DAY)
    missing = rate_finding(failing(Severity.HIGH, missing=True), DAY)
    assert (wrong.basis, wrong.likelihood, wrong.level) == ("stated-wrong", "high", "high")
    assert (missing.basis, missing.likelihood, missing.level) == (
        "not-stated",
        "moderate",
        "moderate",
    )
    assert basis_of(failing(status=Status.ERROR)) == "check-error"


def test_impact_follows_the_control_severity_and_critical_is_always_likely() -> None:
    assert rate_finding(failing(Severity.LOW), DAY).impact == "low"
    assert rate_finding(failing(Severity.MODERATE), DAY).impact == "moderate"
    critical = rate_finding(failing(Severity.CRITICAL, missing=True), DAY)
    assert (critical.likelihood, critical.impact, critical.level) == ("high", "high", "high")


@pytest.mark.parametrize(("level", "due"), [("high", 30), ("moderate", 90), ("low", 180)])
def test_the_deadline_is_30_90_or_180_days_from_detection(level: str, due: int) -> None:
    assert (deadline(DAY, level) - DAY).days == due


def test_an_adjusted_risk_keeps_its_detection_day_and_runs_on_the_adjusted_clock() -> None:
    risk = rate_finding(failing(Severity.HIGH), DAY)  # high: due in 30 days
    adjusted = adjust(risk, "low", None)  # low x high = low: 180 days
    assert adjusted.detected == risk.detected == "2026-12-01"
    assert adjusted.adjusted_level == "low" and adjusted.level == "high"
    assert adjusted.deadline == "2027-05-30"


def test_fail_on_gates_on_the_risk_exposure() -> None:
    base = make_result()
    result = rate(dataclasses.replace(base, findings=(failing(Severity.HIGH, missing=True),)))
    (f,) = result.findings
    assert f.risk is not None and f.risk.level == "moderate"  # high severity, not stated
    assert exit_code(result, Severity.MODERATE) == 1
    assert exit_code(result, Severity.HIGH) == 0  # a moderate risk, though a high control
    # critical asks for the top of FedRAMP's scale, high: it never lets a high risk pass.
    high = rate(dataclasses.replace(base, findings=(failing(Severity.HIGH),)))
    assert exit_code(high, Severity.CRITICAL) == 1


def test_only_failing_erroring_and_waived_findings_are_rated() -> None:
    result = make_result()
    rated = {f.status for f in result.findings if f.risk is not None}
    assert rated == {Status.FAIL, Status.ERROR, Status.WAIVED}


def test_root_causes_group_one_field_read_by_several_controls() -> None:
    a = failing(control="AC-11")
    b = failing(control="AC-12")
    c = failing(control="AC-11", target="api", path="components[api].access.x")
    groups = root_causes([a, b, c])
    assert [[f.control_id for f in g] for g in groups] == [["AC-11", "AC-12"], ["AC-11"]]


# --- the attestation report ------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["markdown", "html"])
def test_the_report_says_it_is_a_self_check_not_an_assessment(fmt: str) -> None:
    text = render(make_result(), fmt)
    assert "FedRAMP compliance report" not in text
    assert "Pre-assessment self-check" in text
    assert "Not a security assessment report." in text
    for role in ("System owner", "ISSO", "Assessor"):
        assert role in text
    assert "received as a provider-supplied artifact" in text
    assert "Evaluation date" in text and "2025-01-02" in text
    assert "Rules edition" in text
    assert "cd" * 32 in text and "ef" * 32 in text  # the inputs' digests, in the header


def test_html_title_and_heading_name_the_kind_of_document() -> None:
    html = render(make_result(), "html")
    title = re.search(r"<title>(.*?)</title>", html)
    assert title and title.group(1).startswith("Pre-assessment self-check:")
    assert "(not a security assessment report)" in title.group(1)
    assert re.search(r"<h1>Pre-assessment self-check: ", html)
    signoff = html[html.index('<section id="signoff">') :]
    assert "<th>Signs</th>" in signoff


@pytest.mark.parametrize("fmt", ["markdown", "html"])
def test_the_report_has_a_risk_exposure_table(fmt: str) -> None:
    text = render(make_result(), fmt)
    assert "Risk exposure" in text
    # SC-8: critical, stated wrong -> high, due 30 days after 2025-01-02.
    row = next(line for line in text.splitlines() if "SC-8" in line and "2025-02-01" in line)
    assert "high" in row
    if fmt == "html":
        assert 'id="risk-open-high">1<' in text


# --- a control's own rating of its failures ----------------------------------------------------

OWN_RATING = """id: ORG-1
title: Banner
family: ORG
baselines: []
severity: high
risk:
  impact: low
  rationale: a missing banner exposes no data; it weakens the legal notice only
rules:
  - target: component
    checks:
      - name: banner
        assert: {field: access.session_timeout_minutes, at_most: 15}
      - name: lock
        assert: {field: access.lockout.max_attempts, at_most: 3}
        risk:
          likelihood: low
          impact: high
          rationale: the lockout guards every account; guessing still takes many attempts
"""


def _own(tmp_path, components: str):
    from fedcheck.catalog import load_catalog
    from fedcheck.evaluation import evaluate
    from fedcheck.inputs import parse_deployment
    from fedcheck.plan import Tailoring

    d = tmp_path / "controls"
    d.mkdir()
    (d / "org-1.yaml").write_text(OWN_RATING, encoding="utf-8")
    catalog = load_catalog([d], include_bundled=False)
    text = "version: 1\nsystem: {id: s, impact_level: high}\ncomponents:\n" + components
    result = evaluate(
        parse_deployment(text, "d.yaml"),
        catalog,
        baseline="high",
        tailoring=Tailoring(add=("ORG-1",)),
        as_of=DAY,
    )
    return {f.target: f for f in result.findings}, result


def test_a_control_rates_its_own_failures_and_a_check_wins_over_it(tmp_path) -> None:
    by, result = _own(
        tmp_path,
        "  - {id: slow, access: {session_timeout_minutes: 30, lockout: {max_attempts: 3}}}\n"
        "  - {id: open, access: {session_timeout_minutes: 10, lockout: {max_attempts: 9}}}\n",
    )
    slow, opened = by["slow"].risk, by["open"].risk
    assert slow is not None and opened is not None
    # The control's own impact (low) replaces the default by its high severity.
    assert (slow.likelihood, slow.impact, slow.level) == ("high", "low", "low")
    assert "legal notice" in slow.rationale and slow.deadline == "2027-05-30"  # 180 days
    # The failed lock check carries its own rating, which wins over the control's.
    assert (opened.likelihood, opened.impact, opened.level) == ("low", "high", "low")
    assert "guessing" in opened.rationale
    # The rating is part of the result: a saved result keeps it.
    (info,) = [c for c in result.controls if c.id == "ORG-1"]
    assert set(info.risk) == {"", "lock"}
    assert info.to_dict()["risk"]["lock"]["likelihood"] == "low"


def test_a_control_rating_without_a_rationale_is_refused(tmp_path) -> None:
    from fedcheck.catalog import load_catalog
    from fedcheck.errors import InputError

    d = tmp_path / "controls"
    d.mkdir()
    text = OWN_RATING.replace(
        "  rationale: a missing banner exposes no data; it weakens the legal notice only\n", ""
    )
    (d / "org-1.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_catalog([d], include_bundled=False)
    problem = info.value.problems[0]
    assert (problem.line, problem.message) == (7, "risk: 'rationale' is a required property")
    assert problem.fix
