"""fedcheck explain: a control's summary, rationale, values, fields, remediation and examples."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

import fedcheck
from fedcheck.cli import main
from fedcheck.explain import describe, render_text

CUSTOM = """\
id: ORG-7
title: Short-lived sessions
family: ORG
baselines: [moderate, high]
severity: high
summary: Sessions end after a fixed number of hours.
rationale: A stolen session token is useful only until the session ends.
remediation: Set `access.session_max_lifetime_hours` to the parameter or less.
fedramp_values:
  - {odp: ac-12_odp, label: conditions, value: "organization-defined", differs_in: {moderate: "as above"}}
parameters:
  max_hours:
    description: Longest session, in hours.
    value: {moderate: 18, high: 12}
    stricter: lower
    source: NIST SP 800-63B section 4.3.3
rules:
  - target: component
    checks:
      - assert: {field: access.session_max_lifetime_hours, at_most: $max_hours}
examples:
  pass:
    - name: twelve_hours
      deployment:
        components: [{id: app, access: {session_max_lifetime_hours: 12}}]
  fail:
    - name: a_day
      deployment:
        components: [{id: app, access: {session_max_lifetime_hours: 24}}]
      finding: {target: app, path: access.session_max_lifetime_hours}
"""


@pytest.fixture
def custom(tmp_path: Path) -> Path:
    (tmp_path / "org-7.yaml").write_text(CUSTOM, encoding="utf-8")
    return tmp_path


def test_text_explains_every_section(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", "AC-11"]) == 0
    out = capsys.readouterr().out
    control = fedcheck.load_catalog().get("AC-11")
    for heading in (
        "What it checks:",
        "Why it matters:",
        "FedRAMP values:",
        "Parameters",
        "Fields it reads:",
        "How to fix it:",
        "Example that passes:",
        "Example that fails:",
    ):
        assert heading in out
    assert out.startswith("AC-11  Device Lock\n")
    assert "component: access.session_timeout_minutes" in out
    assert "$max_idle_minutes: moderate 15, high 15" in out
    assert "ac-11_odp.02 (time period): fifteen (15) minutes" in out
    assert " ".join(control.remediation.split())[:40] in " ".join(out.split())
    assert "Defined in controls/ac/ac-11.yaml" in out


def test_oscal_and_display_ids_explain_the_same_control(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", "ac-11", "--format", "json"]) == 0
    by_oscal = capsys.readouterr().out
    assert main(["explain", "AC-11", "--format", "json"]) == 0
    assert capsys.readouterr().out == by_oscal


def test_json_carries_parameters_by_baseline_with_source(
    custom: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["explain", "ORG-7", "--controls", str(custom), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["id"] == "ORG-7" and data["automated"] is True
    assert data["parameters"] == [
        {
            "name": "max_hours",
            "description": "Longest session, in hours.",
            "odp": None,
            "values": {"moderate": 18, "high": 12},
            "stricter": "lower",
            "source": "NIST SP 800-63B section 4.3.3",
        }
    ]
    assert data["reads"] == [{"target": "component", "field": "access.session_max_lifetime_hours"}]
    assert data["fedramp_values"][0]["differs_in"] == {"moderate": "as above"}
    assert [e["name"] for e in data["examples"]["pass"]] == ["twelve_hours"]
    assert data["examples"]["fail"][0]["finding"] == {
        "target": "app",
        "path": "access.session_max_lifetime_hours",
    }


def test_text_shows_source_and_examples_as_yaml(
    custom: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["explain", "ORG-7", "--controls", str(custom)]) == 0
    out = capsys.readouterr().out
    assert "source: NIST SP 800-63B section 4.3.3" in out
    assert "Example that fails: a_day (finding on app at access.session_max_lifetime_hours)" in out
    block = out.split("Example that fails: a_day", 1)[1].split("\n\n", 1)[0]
    fragment = yaml.safe_load("\n".join(block.splitlines()[1:]))
    assert fragment == {"components": [{"id": "app", "access": {"session_max_lifetime_hours": 24}}]}


def test_manual_control_says_evidence_is_needed(capsys: pytest.CaptureFixture[str]) -> None:
    catalog = fedcheck.load_catalog()
    manual = next(c for c in catalog if not c.is_automated)
    assert main(["explain", manual.id]) == 0
    out = capsys.readouterr().out
    assert "manual (evidence is needed)" in out
    assert "listed as manual evidence to collect" in out


def test_unknown_control_exits_2_with_a_suggestion(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", "AC-111"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "no control 'AC-111'" in captured.err
    assert "did you mean AC-11" in captured.err
    assert "fix:" in captured.err


def test_nonsense_id_exits_2_without_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", "not a control"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and "no control" in err


def test_every_bundled_control_explains() -> None:
    for control in fedcheck.load_catalog():
        data = describe(control)
        text = render_text(data)
        assert text.startswith(f"{control.id}  {control.title}\n")
        json.dumps(data)


# --- KSIs, by CR26 id or by a legacy one --------------------------------------------------


@pytest.mark.parametrize("given", ["KSI-IAM-APM", "KSI-IAM-01", "ksi-iam-mfa", " KSI-IAM-02 "])
def test_a_ksi_id_in_any_published_spelling_explains_the_cr26_ksi(
    given: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["explain", given, "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["kind"] == "ksi" and data["id"] == "KSI-IAM-APM"
    assert data["name"] == "Adopting Passwordless Methods"
    assert {"KSI-IAM-01", "KSI-IAM-MFA"} <= set(data["legacy_ids"])
    by_id = {c["id"]: c for c in data["controls"]}
    assert by_id["IA-2(1)"]["in_catalog"] and by_id["IA-2(1)"]["automated"]
    assert data["classes"] == ["A", "B", "C"]


def test_a_legacy_ksi_says_what_it_was_given_as(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", "KSI-IAM-01"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("KSI-IAM-APM  Adopting Passwordless Methods\n")
    assert "given as KSI-IAM-01" in out
    assert "  IA-2(1)  Multi-factor Authentication to Privileged Accounts: automated" in out
    assert "at most Partially Implemented" in out and "fedcheck ksi DEPLOYMENT" in out


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ("KSI-AFR-01", "that CR26 no longer has"),
        ("KSI-NOPE-99", "'KSI-NOPE-99' is not a KSI id"),
    ],
)
def test_a_withdrawn_or_unknown_ksi_exits_2_with_a_fix(
    given: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["explain", given]) == 2
    err = capsys.readouterr().err
    assert message in err and "\n    fix: " in err and "Traceback" not in err


def test_a_cr26_spelling_of_a_control_id_explains_the_control(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["explain", "AC-02 (12)"]) == 0
    assert capsys.readouterr().out.startswith("AC-2(12)  Account Monitoring for Atypical Usage\n")


def test_a_withdrawn_ksi_points_at_a_class_that_lists_every_ksi(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from fedcheck.ksi import indicators_for

    assert main(["explain", "KSI-AFR-01"]) == 2
    err = capsys.readouterr().err
    fix = err.split("fix: ", 1)[1]
    named = re.search(r"--class (\w)", fix)
    assert named is not None
    count = int(re.search(r"one of the (\d+) CR26 KSI ids", fix)[1])  # type: ignore[index]
    assert len(indicators_for(named[1])) == count == 46
