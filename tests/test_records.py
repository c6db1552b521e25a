"""Dated evidence: records, their artifacts, the dated form of day counts, and the evaluation date."""

from __future__ import annotations

import datetime
import hashlib
import json
from pathlib import Path

import pytest

from fedcheck import cli
from fedcheck.catalog import load_catalog
from fedcheck.errors import InputError
from fedcheck.evaluation import Tailoring, evaluate
from fedcheck.findings import Status
from fedcheck.inputs import load_deployment, parse_deployment
from fedcheck.records import add_months, json_schema, load_records

ROOT = Path(__file__).resolve().parents[1]
CATALOG = load_catalog()
AS_OF = datetime.date(2026, 12, 1)

HEAD = """version: 1
system: {id: sys, impact_level: high}
"""


def _finding(result, control_id: str, target: str = "sys"):  # type: ignore[no-untyped-def]
    return next(f for f in result.findings if f.control_id == control_id and f.target == target)


def _run(text: str, as_of: datetime.date = AS_OF, file: str = "deploy.yaml", **kw):  # type: ignore[no-untyped-def]
    return evaluate(parse_deployment(text, file), CATALOG, as_of=as_of, **kw)


# --- the calendar arithmetic ---------------------------------------------------------------


@pytest.mark.parametrize(
    "day, months, due",
    [
        ("2026-01-31", 1, "2026-02-28"),  # month-end clamps
        ("2028-01-31", 1, "2028-02-29"),  # leap year
        ("2026-03-15", 1, "2026-04-15"),  # same day of the next month
        ("2026-02-28", 12, "2027-02-28"),
        ("2028-02-29", 12, "2029-02-28"),
        ("2026-11-30", 3, "2027-02-28"),
        ("2026-12-01", -12, "2025-12-01"),
    ],
)
def test_a_monthly_or_annual_obligation_is_due_on_the_same_day_clamped(
    day: str, months: int, due: str
) -> None:
    assert add_months(datetime.date.fromisoformat(day), months).isoformat() == due


def test_a_record_is_current_on_its_due_date_and_overdue_the_day_after() -> None:
    text = HEAD + (
        "records:\n"
        "  - {id: pol, kind: policy, controls: [AC-1], date: 2025-12-01, approved_by: CISO}\n"
        "  - {id: proc, kind: procedure, controls: [AC-1], date: 2026-06-01, approved_by: ISSO}\n"
    )
    on_due = _finding(_run(text, datetime.date(2026, 12, 1)), "AC-1")
    assert on_due.status is Status.PASS
    assert "2025-12-01 (record pol, 365 days old), next due 2026-12-01" in on_due.message
    late = _finding(_run(text, datetime.date(2026, 12, 2)), "AC-1")
    assert late.status is Status.FAIL
    assert "due 2026-12-01, overdue by 1 day" in late.message
    assert "required at least every 12 months (FedRAMP High)" in late.message
    assert (late.location.line, late.location.path) == (4, "records[pol].date")


def test_a_moderate_policy_may_be_three_years_old() -> None:
    text = HEAD.replace("high", "moderate") + (
        "records:\n"
        "  - {id: pol, kind: policy, controls: [AC-1], date: 2024-01-10, approved_by: CISO}\n"
        "  - {id: proc, kind: procedure, controls: [AC-1], date: 2026-06-01, approved_by: ISSO}\n"
    )
    assert _finding(_run(text), "AC-1").status is Status.PASS
    assert _finding(_run(text, baseline="high"), "AC-1").status is Status.FAIL


def test_no_record_fails_and_points_at_the_records_section() -> None:
    finding = _finding(_run(HEAD), "CP-4")
    assert finding.status is Status.FAIL
    assert finding.message.startswith("no plan_test/exercise record evidences a test of the")
    assert finding.evidence[0].missing


def test_a_record_of_the_wrong_kind_does_not_count() -> None:
    text = HEAD + (
        "records:\n"
        "  - {id: t, kind: training, controls: [CP-4], date: 2026-11-01, approved_by: ISSO}\n"
    )
    assert _finding(_run(text), "CP-4").status is Status.FAIL


def test_the_newest_record_counts() -> None:
    text = HEAD + (
        "records:\n"
        "  - {id: old, kind: plan_test, controls: [CP-4], date: 2020-01-01, approved_by: ISSO}\n"
        "  - {id: new, kind: plan_test, controls: [CP-4], date: 2026-11-01, approved_by: ISSO}\n"
    )
    finding = _finding(_run(text), "CP-4")
    assert finding.status is Status.PASS and "record new" in finding.message


def test_a_profile_tightens_the_period_and_says_so() -> None:
    text = HEAD + (
        "records:\n"
        "  - {id: t, kind: plan_test, controls: [CP-4], date: 2026-05-01, approved_by: ISSO}\n"
    )
    tailoring = Tailoring(parameters={"cp-4": {"plan_test_months": 6}})
    finding = _finding(_run(text, tailoring=tailoring), "CP-4")
    assert finding.status is Status.FAIL
    assert "required at least every 6 months (the profile)" in finding.message


# --- input errors ------------------------------------------------------------------------


def test_a_record_dated_after_the_evaluation_date_is_an_input_error_with_its_line() -> None:
    text = HEAD + (
        "records:\n"
        "  - {id: pol, kind: policy, controls: [AC-1], date: 2026-12-02, approved_by: CISO}\n"
    )
    with pytest.raises(InputError) as caught:
        _run(text)
    problem = caught.value.problems[0]
    assert (problem.file, problem.line) == ("deploy.yaml", 4)
    assert "2026-12-02 is after the evaluation date 2026-12-01" in problem.message
    assert "--as-of" in (problem.fix or "")


def test_a_record_naming_an_unknown_control_is_an_input_error() -> None:
    text = HEAD + (
        "records:\n"
        "  - {id: pol, kind: policy, controls: [AC-999], date: 2026-01-02, approved_by: CISO}\n"
    )
    with pytest.raises(InputError, match="'AC-999' is no control of the catalog"):
        _run(text)


def test_two_records_with_one_id_are_an_input_error() -> None:
    text = HEAD + (
        "records:\n"
        "  - {id: pol, kind: policy, controls: [AC-1], date: 2026-01-02, approved_by: CISO}\n"
        "  - {id: pol, kind: procedure, controls: [AC-1], date: 2026-01-02, approved_by: CISO}\n"
    )
    with pytest.raises(InputError, match="used twice"):
        _run(text)


@pytest.mark.parametrize(
    "date, message",
    [("2026-02-30", "not a date of the calendar"), ("1 Dec 2026", "does not have the expected")],
)
def test_a_date_that_is_no_date_is_an_input_error(date: str, message: str) -> None:
    text = HEAD + (
        "records:\n"
        f"  - {{id: pol, kind: policy, controls: [AC-1], date: {date}, approved_by: CISO}}\n"
    )
    with pytest.raises(InputError, match=message) as caught:
        parse_deployment(text, "deploy.yaml")
    assert caught.value.problems[0].line == 4


# --- artifacts ---------------------------------------------------------------------------


def _with_artifact(tmp_path: Path, sha: str) -> Path:
    deploy = tmp_path / "deploy.yaml"
    deploy.write_text(
        HEAD
        + "records:\n"
        + "  - id: irt\n    kind: exercise\n    controls: [IR-3]\n    date: 2026-10-01\n"
        + f"    approved_by: ISSO\n    artifact: {{path: evidence/irt.md, sha256: {sha}}}\n",
        encoding="utf-8",
    )
    return deploy


def test_an_artifact_whose_sha256_matches_is_verified(tmp_path: Path) -> None:
    (tmp_path / "evidence").mkdir()
    (tmp_path / "evidence" / "irt.md").write_bytes(b"after-action report\n")
    sha = hashlib.sha256(b"after-action report\n").hexdigest()
    result = evaluate(load_deployment(str(_with_artifact(tmp_path, sha))), CATALOG, as_of=AS_OF)
    assert _finding(result, "IR-3").status is Status.PASS


def test_a_changed_artifact_fails_naming_the_record(tmp_path: Path) -> None:
    (tmp_path / "evidence").mkdir()
    (tmp_path / "evidence" / "irt.md").write_bytes(b"edited after approval\n")
    sha = hashlib.sha256(b"after-action report\n").hexdigest()
    result = evaluate(load_deployment(str(_with_artifact(tmp_path, sha))), CATALOG, as_of=AS_OF)
    finding = _finding(result, "IR-3")
    assert finding.status is Status.FAIL
    assert finding.message.startswith("record irt: its artifact evidence/irt.md has changed")
    assert finding.location.path == "records[irt].artifact"


def test_a_missing_artifact_fails_naming_the_record(tmp_path: Path) -> None:
    result = evaluate(
        load_deployment(str(_with_artifact(tmp_path, "f" * 64))), CATALOG, as_of=AS_OF
    )
    finding = _finding(result, "IR-3")
    assert finding.status is Status.FAIL
    assert "record irt: its artifact evidence/irt.md is missing" in finding.message


def test_a_url_artifact_is_recorded_and_never_fetched() -> None:
    text = HEAD + (
        "records:\n"
        "  - {id: irt, kind: exercise, controls: [IR-3], date: 2026-10-01, approved_by: ISSO,\n"
        "     artifact: {url: 'http://127.0.0.1:9/never-fetched'}}\n"
    )
    assert _finding(_run(text), "IR-3").status is Status.PASS  # port 9 would refuse a fetch


def test_an_absolute_artifact_path_is_an_input_error() -> None:
    text = HEAD + (
        "records:\n"
        "  - {id: irt, kind: exercise, controls: [IR-3], date: 2026-10-01, approved_by: ISSO,\n"
        f"     artifact: {{path: /etc/passwd, sha256: {'f' * 64}}}}}\n"
    )
    with pytest.raises(InputError, match="is absolute"):
        _run(text)


# --- the dated form of day counts ----------------------------------------------------------

COMPONENT = """components:
  - id: db
    data: {{impact_level: high}}
    backup: {{{backup}}}
"""


def test_a_restore_test_date_ages_with_the_evaluation_date() -> None:
    text = HEAD + COMPONENT.format(backup="last_restore_test: 2026-11-10")
    fresh = _finding(_run(text, datetime.date(2026, 12, 1)), "CP-9(1)", "db")
    assert fresh.status is Status.PASS
    stale = _finding(_run(text, datetime.date(2027, 1, 15)), "CP-9(1)", "db")
    assert stale.status is Status.FAIL
    assert "66 days ago" in stale.message
    assert stale.location.line == 6  # the date's line


def test_a_day_count_does_not_age_and_is_noted_once_per_file() -> None:
    text = HEAD + COMPONENT.format(backup="last_restore_test_days: 10")
    text += "  - id: db2\n    data: {impact_level: high}\n    backup: {last_restore_test_days: 5}\n"
    later = _run(text, datetime.date(2030, 1, 1))
    assert _finding(later, "CP-9(1)", "db").status is Status.PASS
    notes = [n for n in later.notes if "does not age" in n]
    assert len(notes) == 1
    assert "components[db].backup.last_restore_test_days and 1 more" in notes[0]


def test_both_forms_of_a_dated_fact_are_an_input_error() -> None:
    text = HEAD + COMPONENT.format(
        backup="last_restore_test: 2026-11-10, last_restore_test_days: 3"
    )
    with pytest.raises(InputError, match="both backup.last_restore_test and"):
        _run(text)


def test_a_restore_test_after_the_evaluation_date_is_an_input_error() -> None:
    text = HEAD + COMPONENT.format(backup="last_restore_test: 2026-12-05")
    with pytest.raises(InputError, match="after the evaluation date") as caught:
        _run(text)
    assert caught.value.problems[0].line == 6


# --- a separate records file ---------------------------------------------------------------


def _records_file(tmp_path: Path, body: str, system: str = "sys") -> Path:
    path = tmp_path / "records.yaml"
    path.write_text(f"version: 1\nsystem: {system}\nrecords:\n{body}", encoding="utf-8")
    return path


PLAN_TEST = "  - {id: t, kind: plan_test, controls: [CP-4], date: 2026-11-01, approved_by: ISSO}\n"


def test_records_from_a_separate_file_count_and_are_listed_as_inputs(tmp_path: Path) -> None:
    records = load_records(str(_records_file(tmp_path, PLAN_TEST)))
    result = _run(HEAD, records=[records])
    assert _finding(result, "CP-4").status is Status.PASS
    assert any(i.role == "records" for i in result.inputs)


def test_a_records_file_of_another_system_is_an_input_error(tmp_path: Path) -> None:
    records = load_records(str(_records_file(tmp_path, PLAN_TEST, system="other")))
    with pytest.raises(InputError, match="records are for system 'other'"):
        _run(HEAD, records=[records])


def test_a_misspelt_record_field_is_an_input_error_with_a_suggestion(tmp_path: Path) -> None:
    body = "  - {id: t, kind: plan_test, controls: [CP-4], date: 2026-11-01, aproved_by: ISSO}\n"
    with pytest.raises(InputError) as caught:
        load_records(str(_records_file(tmp_path, body)))
    rendered = caught.value.render()
    assert "records.yaml:4:" in rendered
    assert "did you mean 'approved_by'?" in rendered


def test_check_with_records_and_as_of_on_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    deploy = tmp_path / "deploy.yaml"
    deploy.write_text(HEAD, encoding="utf-8")
    records = _records_file(tmp_path, PLAN_TEST)
    out = tmp_path / "result.json"
    args = ["check", str(deploy), "--records", str(records), "--format", "json", "--output"]
    assert cli.main([*args, str(out), "--as-of", "2026-12-01", "--quiet"]) == 1
    findings = json.loads(out.read_text())["findings"]
    assert next(f for f in findings if f["control_id"] == "CP-4")["status"] == "pass"
    assert cli.main([*args, str(out), "--as-of", "2027-12-01", "--quiet"]) == 1
    findings = json.loads(out.read_text())["findings"]
    assert next(f for f in findings if f["control_id"] == "CP-4")["status"] == "fail"
    assert cli.main([*args, str(out), "--as-of", "2026-10-01", "--quiet"]) == 2
    assert "after the evaluation date 2026-10-01" in capsys.readouterr().err


def test_a_bad_as_of_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        cli.main(["check", "examples/agency-ai-assistant.yaml", "--as-of", "01/12/2026"])
    assert caught.value.code == 2
    assert "is not a date in the form YYYY-MM-DD" in capsys.readouterr().err


# --- the schema ----------------------------------------------------------------------------


def test_committed_records_schema_equals_the_model() -> None:
    committed = (ROOT / "schemas" / "records.schema.json").read_text(encoding="utf-8")
    expected = json.dumps(json_schema(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    assert committed == expected, "run `python -m fedcheck.docgen` and commit the schema"


def test_schema_command_prints_the_records_schema(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["schema", "records"]) == 0
    assert json.loads(capsys.readouterr().out)["title"] == "fedcheck evidence records"


def test_validate_tells_a_records_file_by_its_keys(tmp_path: Path) -> None:
    good = _records_file(tmp_path, PLAN_TEST)
    assert cli.main(["validate", str(good), "--quiet"]) == 0
    bad = tmp_path / "bad-records.yaml"
    bad.write_text("version: 1\nrecords:\n  - {id: t, kind: plan_tst}\n", encoding="utf-8")
    assert cli.main(["validate", str(bad), "--quiet"]) == 2


def test_a_manual_control_states_the_fedramp_values_of_the_baseline_it_is_held_to() -> None:
    control = next(
        c
        for c in CATALOG
        if not c.is_automated
        and "moderate" in c.baselines
        and "at the FedRAMP values below" in c.summary
        and any("moderate" in (v.get("differs_in") or {}) for v in c.fedramp_values)
    )
    value = next(v for v in control.fedramp_values if "moderate" in (v.get("differs_in") or {}))
    for baseline, expected in (
        ("high", value["value"]),
        ("moderate", value["differs_in"]["moderate"]),
    ):
        finding = _finding(_run(HEAD, baseline=baseline), control.id)
        assert finding.status is Status.MANUAL
        assert f"at the FedRAMP {baseline.capitalize()} values (" in finding.message
        assert " ".join(expected.split()) in finding.message


def test_every_bundled_record_obligation_ages_with_a_parameter() -> None:
    # A record that never goes stale would pass forever once written: each obligation of the
    # bundled catalog is renewed on a period taken from a parameter, so a profile may tighten
    # it and a finding names where the number comes from.
    from fedcheck.catalog import load_catalog
    from fedcheck.records import obligations

    catalog = load_catalog()
    undated = [
        f"{c.id} {ob.name}"
        for c in catalog
        for ob in obligations(c.records)
        if not (isinstance(ob.every, str) and ob.every.startswith("$"))
    ]
    assert not undated, f"records rules without a renewal period parameter: {undated}"
    sources = {
        c.parameters[ob.every[1:]].source or "FedRAMP"
        for c in catalog
        for ob in obligations(c.records)
        if isinstance(ob.every, str)
    }
    # where FedRAMP sets no frequency, the finding says so
    assert "CA-2 annual assessment; FedRAMP sets no frequency" in sources


def test_each_unmet_obligation_is_its_own_failed_check_with_its_own_fix() -> None:
    # AC-1 asks for a policy and for procedures: with neither, both are told, none hidden.
    finding = _finding(_run(HEAD + "records: []\n"), "AC-1")
    assert finding.status is Status.FAIL and "more)" not in finding.message
    assert [c.name for c in finding.failed_checks] == ["policy", "procedures"]
    assert len({c.fix for c in finding.failed_checks}) == 2
    assert all(c.message in finding.message for c in finding.failed_checks)
    assert finding.weakness == "missing"  # nothing stated: evidence missing
    assert all(c.fix in finding.remediation for c in finding.failed_checks)


def test_an_overdue_record_is_a_confirmed_weakness_with_a_dated_fix() -> None:
    text = HEAD + (
        "records:\n"
        "  - {id: pol, kind: policy, controls: [AC-1], date: 2025-11-30, approved_by: CISO}\n"
        "  - {id: proc, kind: procedure, controls: [AC-1], date: 2026-06-01, approved_by: ISSO}\n"
    )
    finding = _finding(_run(text), "AC-1")
    (check,) = finding.failed_checks
    assert (check.name, check.weakness, finding.weakness) == ("policy", "stated", "stated")
    assert "dated on or after 2025-12-01" in check.fix
    assert check.location is not None and check.location.path == "records[pol].date"


def test_a_deviation_on_a_period_is_quoted_as_the_deviation(tmp_path: Path) -> None:
    from fedcheck.due import due_calendar
    from fedcheck.profiles import load_profile

    profile = tmp_path / "profile.yaml"
    profile.write_text(
        "name: agency-x\nbaseline: high\ndeviations:\n"
        "  - {id: DEV-4, control: CP-4, parameter: plan_test_months, value: 18,\n"
        "     justification: The alternate site is tested with the provider's cycle.}\n",
        encoding="utf-8",
    )
    tailoring = load_profile(str(profile)).tailoring(CATALOG)
    text = HEAD + (
        "records:\n"
        "  - {id: t, kind: plan_test, controls: [CP-4], date: 2025-07-01, approved_by: ISSO}\n"
    )
    finding = _finding(_run(text, tailoring=tailoring), "CP-4")
    assert finding.status is Status.PASS
    assert "required at least every 18 months (deviation DEV-4)" in finding.message
    cal = due_calendar(
        parse_deployment(text, "deploy.yaml"), CATALOG, tailoring=tailoring, as_of=AS_OF
    )
    (item,) = [i for i in cal.items if i.control_id == "CP-4"]
    assert (item.due, item.source) == ("2027-01-01", "deviation DEV-4")
