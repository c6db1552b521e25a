"""fedcheck due: the calendar of dated obligations, as text, JSON and iCalendar."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import pytest

from fedcheck import cli
from fedcheck.catalog import load_catalog
from fedcheck.crm import load_crm
from fedcheck.due import due_calendar
from fedcheck.errors import InputErrors
from fedcheck.ics import escape_text, fold, render_ics
from fedcheck.inputs import load_deployment, parse_deployment

ROOT = Path(__file__).resolve().parents[1]
COMPLIANT = ROOT / "examples" / "agency-ai-assistant-compliant.yaml"
CATALOG = load_catalog()
AS_OF = datetime.date(2026, 12, 1)

SMALL = """version: 1
system: {id: sys, name: "Système, test; one", impact_level: high}
components:
  - {id: db, data: {impact_level: high}, backup: {last_restore_test: 2026-11-20}}
records:
  - {id: pol, kind: policy, controls: [AC-1], date: 2025-11-01, approved_by: CISO}
  - {id: proc, kind: procedure, controls: [AC-1], date: 2026-11-20, approved_by: ISSO}
  - {id: test, kind: plan_test, controls: [CP-4], date: 2025-12-15, approved_by: ISSO}
"""


def _calendar(text: str = SMALL, as_of: datetime.date = AS_OF, within: int = 30):  # type: ignore[no-untyped-def]
    return due_calendar(
        parse_deployment(text, "deploy.yaml"), CATALOG, as_of=as_of, within_days=within
    )


def _item(cal, control_id: str, obligation: str):  # type: ignore[no-untyped-def]
    return next(i for i in cal.items if i.control_id == control_id and i.obligation == obligation)


def test_each_obligation_has_its_status_on_the_evaluation_date() -> None:
    cal = _calendar()
    policy = _item(cal, "AC-1", "policy")
    assert (policy.status, policy.due, policy.last, policy.record) == (
        "overdue",
        "2026-11-01",
        "2025-11-01",
        "pol",
    )
    assert _item(cal, "AC-1", "procedures").status == "current"
    plan_test = _item(cal, "CP-4", "plan_test")
    assert (plan_test.status, plan_test.due) == ("due", "2026-12-15")
    never = _item(cal, "CA-2", "assessment")
    assert (never.status, never.due, never.last) == ("no_record", "2026-12-01", None)
    restore = _item(cal, "CP-9(1)", "last_restore_test")
    assert (restore.target, restore.due, restore.status) == ("db", "2026-12-20", "due")
    assert restore.period == "at least every 30 days"


def test_the_window_decides_what_is_due() -> None:
    assert _item(_calendar(within=10), "CP-4", "plan_test").status == "current"


def test_items_are_ordered_by_due_date() -> None:
    dues = [i.due for i in _calendar().items]
    assert dues == sorted(dues)


EXAMPLE_CRM = ROOT / "examples" / "tailoring" / "crm.yaml"  # PE on the provider, PE-1 shared
PE_CLAIM = """
inherited_controls:
  - provider: Example IaaS (fictional)
    fedramp_authorization: high
    package_id: EXAMPLE-0000
    controls: [PE-1, PE-2, PE-3, PE-6, PE-8]
"""


def _claiming(tmp_path: Path) -> Path:
    path = tmp_path / "deploy.yaml"
    path.write_text(COMPLIANT.read_text(encoding="utf-8") + PE_CLAIM, encoding="utf-8")
    (tmp_path / "crm.yaml").write_text(EXAMPLE_CRM.read_text(encoding="utf-8"), encoding="utf-8")
    return path


def test_an_inherited_control_has_no_obligation(tmp_path: Path) -> None:
    path = _claiming(tmp_path)
    crm = load_crm(str(tmp_path / "crm.yaml"), catalog=CATALOG)
    cal = due_calendar(load_deployment(str(path)), CATALOG, as_of=AS_OF, crms=[crm])
    pe = {i.control_id for i in cal.items if i.control_id.startswith("PE-")}
    # the CRM puts PE-2, PE-3, PE-6 and PE-8 on the provider: no obligation of the customer's;
    # PE-1 is shared, so the customer's own policy and procedures stay on its calendar
    assert pe == {"PE-1"}
    assert not cal.is_late  # the compliant example is current on its date
    without = due_calendar(load_deployment(str(COMPLIANT)), CATALOG, as_of=AS_OF)
    assert {"PE-2", "PE-3", "PE-6", "PE-8"} <= {i.control_id for i in without.items}


def test_due_takes_the_crm_that_backs_a_claim(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _claiming(tmp_path)
    code = cli.main(
        ["due", str(path), "--as-of", "2026-12-01", "--crm", str(tmp_path / "crm.yaml")]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert " PE-1 " in out and " PE-3 " not in out


def test_due_refuses_a_claim_no_crm_backs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _claiming(tmp_path)
    with pytest.raises(InputErrors):
        due_calendar(load_deployment(str(path)), CATALOG, as_of=AS_OF)
    assert cli.main(["due", str(path), "--as-of", "2026-12-01"]) == 2
    err = capsys.readouterr().err
    assert "PE-1 is claimed as inherited from Example IaaS (fictional)" in err and "fix:" in err


def test_json_lists_items_with_control_target_due_and_status(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    deploy = tmp_path / "deploy.yaml"
    deploy.write_text(SMALL, encoding="utf-8")
    code = cli.main(["due", str(deploy), "--as-of", "2026-12-01", "--format", "json"])
    assert code == 1  # the policy review is overdue
    data = json.loads(capsys.readouterr().out)
    assert data["as_of"] == "2026-12-01"
    first = data["items"][0]
    assert {"control_id", "target", "due", "status"} <= set(first)
    assert first == {**first, "control_id": "AC-1", "status": "overdue", "due": "2026-11-01"}


def test_due_exits_0_when_nothing_is_late(capsys: pytest.CaptureFixture[str]) -> None:
    code = cli.main(["due", str(COMPLIANT), "--as-of", "2026-12-01"])
    out = capsys.readouterr().out
    assert code == 0
    assert "as of 2026-12-01 (not today)" in out or "as of 2026-12-01," in out
    assert "0 overdue, 0 without a record" in out


def test_due_refuses_to_overwrite_its_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    deploy = tmp_path / "deploy.yaml"
    deploy.write_text(SMALL, encoding="utf-8")
    assert cli.main(["due", str(deploy), "--format", "ics", "--output", str(deploy)]) == 2
    assert deploy.read_text(encoding="utf-8") == SMALL
    assert "would be overwritten" in capsys.readouterr().err


# --- iCalendar ---------------------------------------------------------------------------


def test_text_values_are_escaped() -> None:
    assert escape_text("a,b;c\\d\ne") == "a\\,b\\;c\\\\d\\ne"


def test_long_lines_fold_at_75_octets_without_splitting_a_character() -> None:
    line = "DESCRIPTION:" + "é" * 100
    folded = fold(line)
    parts = folded.split("\r\n")
    assert all(len(p.encode("utf-8")) <= 75 for p in parts)
    assert all(p.startswith(" ") for p in parts[1:])
    assert "".join([parts[0], *(p[1:] for p in parts[1:])]) == line


def test_ics_uses_crlf_and_is_byte_identical_across_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    first, second = render_ics(_calendar()), render_ics(_calendar())
    assert first == second
    assert first.endswith("END:VCALENDAR\r\n")
    assert "\n" not in first.replace("\r\n", "")
    assert "DTSTAMP:20261201T000000Z" in first  # the evaluation date, not the clock
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    assert "DTSTAMP:20260101T000000Z" in render_ics(_calendar())


def test_ics_uids_do_not_change_when_a_due_date_does() -> None:
    before = render_ics(_calendar())
    after = render_ics(_calendar(SMALL.replace("2025-12-15", "2026-11-30")))
    uids = [line for line in before.split("\r\n") if line.startswith("UID:")]
    assert uids and len(uids) == len(set(uids))
    assert sorted(uids) == sorted(x for x in after.split("\r\n") if x.startswith("UID:"))
    assert before != after


def test_ics_parses_as_a_calendar_with_one_event_per_obligation() -> None:
    icalendar = pytest.importorskip(
        "icalendar", reason="the optional icalendar package validates the file when installed"
    )
    cal = _calendar()
    parsed = icalendar.Calendar.from_ical(render_ics(cal))
    events = [c for c in parsed.walk() if c.name == "VEVENT"]
    assert len(events) == len(cal.items)
    by_uid = {str(e["UID"]): e for e in events}
    policy = by_uid["sys.ac-1.policy.sys@fedcheck"]
    assert policy.decoded("DTSTART") == datetime.date(2026, 11, 1)
    assert str(policy["SUMMARY"]) == "OVERDUE: AC-1 policy (sys)"
    assert "record pol" in str(policy["DESCRIPTION"])
    # An X- property has no declared type, so the parser leaves its TEXT escapes as written.
    assert str(parsed["X-WR-CALNAME"]) == "fedcheck: Système\\, test\\; one"


def test_every_record_obligation_of_the_compliant_example_has_a_due_date() -> None:
    # Each obligation ages (none is "once"): the calendar gives each a due date after the
    # evaluation date, from the record that evidences it; SA-4's contract of 2025 counts
    # through its yearly review, PS-3's screening through FedRAMP's fifth-year rescreening.
    cal = due_calendar(load_deployment(str(COMPLIANT)), CATALOG, as_of=AS_OF)
    assert cal.items and all(i.status in ("current", "due") for i in cal.items)
    assert not [i for i in cal.items if not i.period.startswith("at least every")]
    by = {(i.control_id, i.obligation): i for i in cal.items}
    sa4 = by[("SA-4", "acquisition_contract")]
    assert (sa4.record, sa4.due) == ("review-2026-06-01", "2027-06-01")
    assert sa4.source == "CA-2 annual assessment; FedRAMP sets no frequency"
    ps3 = by[("PS-3", "screening")]
    assert (ps3.record, ps3.due, ps3.source) == (
        "screening-2025-06-02",
        "2030-06-02",
        "FedRAMP High",
    )
