"""Regressions: ``fedcheck diff`` and ``check --baseline-result`` gate on new failures only, so a
team with legacy findings can still gate every change."""

from __future__ import annotations

import dataclasses
import datetime
import json
import textwrap
from pathlib import Path

import pytest

from fedcheck.api import check_file
from fedcheck.catalog import Catalog, load_catalog
from fedcheck.cli import main
from fedcheck.findings import Result, Status
from fedcheck.loading import parse_text
from fedcheck.regressions import diff, gate_on_new

ROOT = Path(__file__).resolve().parents[1]
COMPLIANT = ROOT / "examples" / "agency-ai-assistant-compliant.yaml"
# The evaluation date on which the compliant example's dated records are current.
DATED = ["--as-of", "2026-12-01"]
CATALOG = load_catalog()
# The sorting and gating are exercised on AC-11 alone, so that what the tests expect does not
# depend on how many other controls the catalog automates (the small deployments below state
# only session timeouts, and would fail every other automated control).
AC11 = Catalog(
    {c.oscal_id: c for c in CATALOG if c.oscal_id == "ac-11"}, CATALOG.version, CATALOG.sha256
)


def deployment(tmp_path: Path, name: str, timeouts: dict[str, int], system: str = "sys") -> str:
    components = "".join(
        f"  - {{id: {c}, type: web_app, access: {{session_timeout_minutes: {t}}}}}\n"
        for c, t in timeouts.items()
    )
    path = tmp_path / f"{name}.yaml"
    path.write_text(
        f"version: 1\nsystem: {{id: {system}, name: S, impact_level: high}}\n"
        f"components:\n{components}",
        encoding="utf-8",
    )
    return str(path)


def saved(tmp_path: Path, name: str, result: Result) -> str:
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(result.to_dict()), encoding="utf-8")
    return str(path)


@pytest.fixture
def runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """OLD: legacy fails AC-11, fixed fails AC-11. NEW: legacy still fails, fixed passes, and
    a new component fails."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1796083200")
    old, _ = check_file(deployment(tmp_path, "old", {"legacy": 30, "fixed": 30}), AC11)
    new_path = deployment(tmp_path, "new", {"legacy": 30, "fixed": 15, "added": 60})
    new, _ = check_file(new_path, AC11)
    return tmp_path, old, new, new_path


def pairs(findings) -> list[tuple[str, str]]:
    return [(f.control_id, f.target) for f in findings]


def test_diff_sorts_failures_into_new_resolved_and_unchanged(runs) -> None:
    _, old, new, _ = runs
    d = diff(old, new)
    assert pairs(d.new) == [("AC-11", "added")]
    assert pairs(d.resolved) == [("AC-11", "fixed")]
    assert pairs(d.unchanged) == [("AC-11", "legacy")]
    assert d.exit_code == 1


def test_diff_without_new_failures_passes_the_gate(runs) -> None:
    _, old, new, _ = runs
    d = diff(new, new)
    assert (d.new, d.resolved, d.exit_code) == ((), (), 0)
    assert len(d.unchanged) == 2


def test_fail_on_limits_which_new_failures_gate(runs) -> None:
    _, old, new, _ = runs
    from fedcheck.findings import Severity

    # AC-11 is moderate severity: a high threshold lets it through.
    assert diff(old, new, Severity.HIGH).exit_code == 0
    assert diff(old, new, Severity.MODERATE).exit_code == 1


def test_a_failure_waived_before_and_failing_now_is_new(runs) -> None:
    _, old, new, _ = runs
    waived_old = dataclasses.replace(
        old,
        findings=tuple(
            dataclasses.replace(f, status=Status.WAIVED) if f.target == "legacy" else f
            for f in old.findings
        ),
    )
    d = diff(waived_old, new)
    assert ("AC-11", "legacy") in pairs(d.new)


def test_a_failure_waived_now_is_listed_as_waived_not_resolved(runs) -> None:
    _, old, new, _ = runs
    waived_new = dataclasses.replace(
        new,
        findings=tuple(
            dataclasses.replace(f, status=Status.WAIVED) if f.target == "legacy" else f
            for f in new.findings
        ),
    )
    d = diff(old, waived_new)
    assert pairs(d.waived) == [("AC-11", "legacy")]
    assert ("AC-11", "legacy") not in pairs(d.resolved)


def test_an_error_finding_always_fails_the_gate(runs) -> None:
    _, old, new, _ = runs
    broken = dataclasses.replace(
        old,
        findings=tuple(
            dataclasses.replace(f, status=Status.ERROR) if f.target == "legacy" else f
            for f in old.findings
        ),
    )
    d = diff(broken, broken)
    assert d.new == () and pairs(d.errors) == [("AC-11", "legacy")]
    assert d.exit_code == 1


def test_gate_on_new_notes_what_was_compared(runs) -> None:
    tmp_path, old, new, _ = runs
    result, code = gate_on_new(old, new, source=saved(tmp_path, "old", old))
    assert code == 1
    assert "1 new failing, 1 resolved, 1 unchanged" in result.notes[-1]
    assert "AC-11 on added" in result.notes[-1]
    assert result.inputs[-1].role == "baseline-result"


# --- the command line ---------------------------------------------------------------------------


def test_cli_diff_exits_1_on_new_failures_and_0_without(runs, capsys) -> None:
    tmp_path, old, new, _ = runs
    old_json, new_json = saved(tmp_path, "old", old), saved(tmp_path, "new", new)
    assert main(["diff", old_json, new_json]) == 1
    out = capsys.readouterr().out
    assert "new failures (1):" in out and "AC-11 added" in out
    assert "resolved (1):" in out and "unchanged failures (1):" in out
    assert main(["diff", new_json, new_json]) == 0
    assert "ok: no new failures" in capsys.readouterr().out


def test_cli_diff_json(runs, capsys) -> None:
    tmp_path, old, new, _ = runs
    code = main(
        ["diff", saved(tmp_path, "old", old), saved(tmp_path, "new", new), "--format", "json"]
    )
    data = json.loads(capsys.readouterr().out)
    assert code == 1
    assert data["summary"] == {"new": 1, "resolved": 1, "unchanged": 1, "errors": 0, "waived": 0}
    assert data["new_failures"][0]["target"] == "added"
    assert data["gate"] == "fail"


def compliant(tmp_path: Path, name: str, timeouts: dict[str, int]) -> str:
    """The compliant example (it passes every automated control of the catalog) as JSON, with
    the session timeouts of the named components changed and components added as copies of
    its API, with the given ids."""
    data, _ = parse_text(COMPLIANT.read_text(encoding="utf-8"), str(COMPLIANT))
    data = json.loads(json.dumps(data))  # every component its own copy of the shared anchors
    components = {c["id"]: c for c in data["components"]}
    for component, minutes in timeouts.items():
        if component not in components:
            copy = json.loads(json.dumps(components["assistant-api"]))
            copy["id"] = component
            data["components"].append(copy)
            components[component] = copy
        components[component]["access"]["session_timeout_minutes"] = minutes
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return str(path)


def test_cli_check_with_baseline_result_gates_only_on_new_failures(tmp_path, monkeypatch) -> None:
    # The command line evaluates the whole catalog: deployments that fail AC-11 only.
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1796083200")
    old_path = compliant(tmp_path, "old", {"web-ui": 30, "assistant-api": 30})
    old, _ = check_file(old_path, CATALOG, as_of=datetime.date(2026, 12, 1))
    assert ("AC-11", "web-ui") in pairs(old.failing())
    assert {f.target for f in old.failing()} == {"web-ui", "assistant-api"}  # what was weakened
    old_json = saved(tmp_path, "old", old)
    # Without the previous result the legacy failure fails the gate...
    legacy_only = compliant(tmp_path, "legacy", {"web-ui": 30, "assistant-api": 15})
    assert main(["check", legacy_only, *DATED, "--quiet"]) == 1
    # ...with it, only new failures do.
    assert main(["check", legacy_only, *DATED, "--quiet", "--baseline-result", old_json]) == 0
    new_path = compliant(tmp_path, "new", {"web-ui": 30, "assistant-api": 15, "added": 60})
    assert main(["check", new_path, *DATED, "--quiet", "--baseline-result", old_json]) == 1
    result, code = check_file(new_path, CATALOG, baseline_result=old_json)
    assert code == 1 and "AC-11 on added" in result.notes[-1]


def test_cli_refuses_results_of_another_system(runs, capsys) -> None:
    tmp_path, old, _, _ = runs
    other, _ = check_file(deployment(tmp_path, "other", {"x": 30}, system="other"), AC11)
    code = main(["diff", saved(tmp_path, "old", old), saved(tmp_path, "other", other)])
    assert code == 2
    assert (
        "the previous result is for system 'sys', this one for system 'other'"
        in capsys.readouterr().err
    )


def test_cli_diff_of_a_file_that_is_not_a_result_exits_2(tmp_path, capsys) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(
        textwrap.dedent("""\
        {"format": "fedcheck-result",
         "findings": [}
        """),
        encoding="utf-8",
    )
    assert main(["diff", str(bad), str(bad)]) == 2
    err = capsys.readouterr().err
    assert f"{bad}:2:" in err and "malformed JSON" in err and "Traceback" not in err


def test_cli_diff_refuses_results_of_different_rules_editions(tmp_path, capsys) -> None:
    # The same system and baseline under Rev5 and under CR26 (Class D): the VDR and MAS rules
    # that only CR26 holds would look like new failures, or like resolved ones the other way.
    path = deployment(tmp_path, "d", {"web": 30})
    rev5, _ = check_file(path, AC11, edition="rev5", as_of=datetime.date(2026, 12, 1))
    cr26, _ = check_file(path, AC11, edition="cr26", as_of=datetime.date(2026, 12, 1))
    assert rev5.baseline == cr26.baseline == "high"
    for old, new in ((rev5, cr26), (cr26, rev5)):
        code = main(["diff", saved(tmp_path, "old", old), saved(tmp_path, "new", new)])
        err = capsys.readouterr().err
        assert code == 2, err
        assert "the previous result was judged under FedRAMP" in err
        assert "fix: compare two results judged under the same rules" in err
    # Two results of the same rules still compare: nothing new fails.
    assert main(["diff", saved(tmp_path, "old", cr26), saved(tmp_path, "new", cr26)]) == 0


def test_check_with_a_baseline_result_of_another_edition_is_refused(tmp_path, capsys) -> None:
    path = deployment(tmp_path, "d", {"web": 30})
    rev5, _ = check_file(path, AC11, edition="rev5", as_of=datetime.date(2026, 12, 1))
    previous = saved(tmp_path, "old", rev5)
    args = ["check", path, "--as-of", "2027-01-02", "--quiet", "--baseline-result", previous]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "Rev5 baselines" in err and "Consolidated Rules" in err and "fix:" in err


def test_diff_refuses_a_result_that_does_not_record_its_rules(runs, capsys) -> None:
    tmp_path, old, new, _ = runs
    unrecorded = dataclasses.replace(old, rules=None)
    assert main(["diff", saved(tmp_path, "old", unrecorded), saved(tmp_path, "new", new)]) == 2
    assert "rules it does not record" in capsys.readouterr().err
