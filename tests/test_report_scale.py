"""Reports of a large system: passing and not-applicable findings are summarized per control
above a documented limit, failing ones are always listed each, and every format still renders.
"""

from __future__ import annotations

import dataclasses
import json
import re
import uuid

import pytest
from report_fixtures import make_result

from fedcheck.findings import Finding, Location, Result, Severity, Status
from fedcheck.reports import render
from fedcheck.reports._common import LIST_LIMIT, SHOWN_TARGETS, compact_json, pretty_json
from fedcheck.reports.oscal import NAMESPACE, build_assessment_results, uuid5


def _many(
    status: Status, control: str, title: str, targets: int, *, message: str = ""
) -> list[Finding]:
    return [
        Finding(
            control,
            status,
            Severity.MODERATE,
            f"web-{i:05d}",
            "component",
            message or f"{control} holds on web-{i:05d}",
            title,
            "AC",
            Location("deploy/system.yaml", i + 1, 3, f"components[web-{i:05d}].access"),
        )
        for i in range(targets)
    ]


def _with(result: Result, extra: list[Finding]) -> Result:
    return dataclasses.replace(result, findings=(*result.findings, *extra))


@pytest.fixture(scope="module")
def large() -> Result:
    """The report fixture plus more passing and not-applicable findings than LIST_LIMIT."""
    extra = _many(Status.PASS, "AC-11", "Device Lock", LIST_LIMIT // 2 + 1)
    extra += _many(Status.PASS, "AC-2(3)", "Disable Accounts", LIST_LIMIT // 2 + 1)
    extra += _many(Status.NOT_APPLICABLE, "AC-7", "Unsuccessful Logon Attempts", LIST_LIMIT + 1)
    return _with(make_result(), extra)


def test_a_report_at_the_limit_lists_every_passing_finding() -> None:
    result = make_result()
    already = sum(1 for f in result.findings if f.status is Status.PASS)
    result = _with(result, _many(Status.PASS, "AC-11", "Device Lock", LIST_LIMIT - already))
    text = render(result, "markdown")
    assert "one row per control" not in text
    assert "AC-11 holds on web-00000" in text
    assert f"AC-11 holds on web-{LIST_LIMIT - already - 1:05d}" in text


def test_above_the_limit_markdown_summarizes_passing_findings_per_control(large: Result) -> None:
    text = render(large, "markdown")
    passing = text.split("## Passing checks", 1)[1].split("## Not applicable", 1)[0]
    assert f"More than {LIST_LIMIT} passing findings: one row per control" in passing
    row = next(line for line in passing.splitlines() if line.startswith("| AC-11 |"))
    shown = ", ".join(f"web-{i:05d}" for i in range(SHOWN_TARGETS))
    assert row == f"| AC-11 | Device Lock | moderate | 501 | {shown}, and 491 more |"
    assert "holds on web-" not in passing  # no row per finding
    not_applicable = text.split("## Not applicable", 1)[1]
    assert "| AC-7 | Unsuccessful Logon Attempts | moderate | 1001 |" in not_applicable


def test_failing_findings_stay_listed_each_in_a_large_report(large: Result) -> None:
    failing = [f for f in large.findings if f.status is Status.FAIL]
    for fmt in ("markdown", "html"):
        text = render(large, fmt)
        for f in failing:
            assert text.count(f"{f.control_id}") >= 1
        assert text.count('class="finding fail"' if fmt == "html" else "### FAIL ") == len(failing)


def test_above_the_limit_html_collapses_every_target_of_a_control(large: Result) -> None:
    text = render(large, "html")
    section = text.split('<section id="passing">', 1)[1].split("</section>", 1)[0]
    passing = sum(1 for f in large.findings if f.status is Status.PASS)
    assert f"<h2>Passing checks ({passing})</h2>" in section
    row = next(r for r in section.split("<tr>") if r.startswith('<td class="control">AC-11</td>'))
    summary, body = re.findall(r"<details><summary>(.*?)</summary>(.*?)</details>", row)[0]
    shown = ", ".join(f"web-{i:05d}" for i in range(SHOWN_TARGETS))
    assert summary == f"{shown}, and {LIST_LIMIT // 2 + 1 - SHOWN_TARGETS} more"
    assert body.split(", ") == [f"web-{i:05d}" for i in range(LIST_LIMIT // 2 + 1)]


def test_a_long_table_of_manual_controls_is_not_refused_by_the_sandbox() -> None:
    # 5,000 rows of 300 characters: more than one template value may hold (MAX_STRING),
    # well within what a report may (MAX_OUTPUT). Manual findings are always listed.
    manual = _many(Status.MANUAL, "CA-2", "Control Assessments", 5_000, message="x" * 300)
    result = _with(make_result(), manual)
    for fmt in ("markdown", "html"):
        text = render(result, fmt)
        assert text.count("x" * 300) == 5_000


def test_oscal_summarizes_passing_findings_with_every_target_as_a_subject(large: Result) -> None:
    doc = build_assessment_results(large)["assessment-results"]["results"][0]
    summary = [
        o for o in doc["observations"] if o["title"] == f"AC-11 on {LIST_LIMIT // 2 + 1} targets"
    ]
    assert len(summary) == 1
    assert summary[0]["title"] == f"AC-11 on {LIST_LIMIT // 2 + 1} targets"
    assert len(summary[0]["subjects"]) == LIST_LIMIT // 2 + 1
    items = {i["uuid"] for i in doc["local-definitions"]["inventory-items"]}
    assert {s["subject-uuid"] for s in summary[0]["subjects"]} <= items
    finding = next(
        f
        for f in doc["findings"]
        if f["title"] == f"AC-11 Device Lock: {LIST_LIMIT // 2 + 1} targets"
    )
    assert finding["target"]["status"]["state"] == "satisfied"
    assert finding["related-observations"] == [{"observation-uuid": summary[0]["uuid"]}]
    failing = [f for f in large.findings if f.status is Status.FAIL]
    assert len(doc["risks"]) == len(failing) + sum(
        1 for f in large.findings if f.status in (Status.ERROR, Status.WAIVED)
    )
    uuids = [o["uuid"] for o in doc["observations"]] + [f["uuid"] for f in doc["findings"]]
    assert len(uuids) == len(set(uuids))


def test_the_oscal_uuid_is_the_standard_uuid5() -> None:
    for name in ("", "a", "lasting|sys-1|asset|component|web", "Zürich 東京", "x" * 500):
        assert uuid5(name) == str(uuid.uuid5(NAMESPACE, name))


@pytest.mark.parametrize(
    "value",
    [1, 1.5, 10**30, True, None, 'a"b\\é\n\x00', {"a": [1, {"b": None}], "é": 2.0}, [], {}],
)
def test_compact_json_is_the_standard_encoding(value: object) -> None:
    assert compact_json(value) == json.dumps(value, ensure_ascii=False, separators=(", ", ": "))


def test_pretty_json_reads_back_as_the_same_value() -> None:
    value = {"a": [{"b": [1, 2, {"c": []}], "d": {}}, "x"], "e": {"f": {"g": {"h": [3]}}}}
    for levels in range(6):
        assert json.loads(pretty_json(value, levels)) == value


def test_above_the_limit_html_lists_each_failing_finding_as_a_row() -> None:
    failing = _many(Status.FAIL, "AC-11", "Device Lock", LIST_LIMIT + 1, message="lock is 30 min")
    result = _with(make_result(), failing)
    text = render(result, "html")
    section = text.split('<section id="failing">', 1)[1].split("</section>", 1)[0]
    assert 'class="finding' not in section  # no card
    assert f"More than {LIST_LIMIT} failing findings: one row each" in section
    rows = [r for r in section.split("<tr>") if r.startswith("<td>Fail</td>")]
    assert len(rows) == sum(1 for f in result.findings if f.status is Status.FAIL)
    assert '<td class="control">AC-11</td><td>web-01000</td>' in section
