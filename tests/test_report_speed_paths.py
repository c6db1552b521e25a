"""The fast paths of the report renderers write exactly what the straightforward ones write.

The bundled Markdown and HTML templates print the sections that repeat once per finding from
Python (``prerendered``) when fedcheck renders them itself; a copy of the template, or one that
extends it, runs the template's own loops. Both must give the same bytes, for text that tries
every escape: markup, template syntax, quotes, control and bidirectional characters, Markdown
syntax at the start of a value, newlines and non-ASCII.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from report_fixtures import make_result

from fedcheck.errors import InputError
from fedcheck.findings import Evidence, Finding, Location, Result, Risk, Severity, Status, Waiver
from fedcheck.reports import render
from fedcheck.reports._common import LIST_LIMIT, pretty_json, show_value
from fedcheck.reports.junit import build_junit, render_junit
from fedcheck.reports.oscal import build_assessment_results, build_poam, render_oscal, render_poam
from fedcheck.reports.templating import BUILTIN_DIR

#: Text that tries every escape of every format.
HOSTILE = (
    "<b>bold</b> & \"double\" 'single' {{ 7*7 }} {% if x %} | *star* _under_ `tick` ``two`` "
    "[link](x) ~strike~ \\back\x07bell \x1b[31mred\x00nul \u202eevil\u202c \u200bzero "
    "line\nbreak\ttab Zürich 東京 ✓ ]]> </testcase>"
)
#: A lone surrogate, which no encoding can write (fedcheck shows it as an escape).
SURROGATE = "\ud800"
#: Values that start a Markdown block, or are empty.
STARTS = ("# heading", "1. item", "- item", "+ item", "===", "", " ", "`", "x`", "\n")


def _hostile_findings(count: int) -> list[Finding]:
    out = []
    for i in range(count):
        text = f"{STARTS[i % len(STARTS)]}{HOSTILE} {i}"
        machine = "evidenced by aws_s3_bucket.logs in plan.json: <versioning> & more"
        evidence = (
            Evidence(f"components[c{i}].{text}", text, f"at least {text}", None),
            Evidence(f"components[c{i}].missing", None, "true", None, True),
            Evidence(
                "f",
                [1, "two", {"z": None, "a": 1.5}],
                "",
                Location("plan.json", 3, 4, text),
                source=machine,
            ),
            Evidence("g", True, "false", Location(text), statement=text),
            Evidence("h", 7, "8", Location("x.yaml", 1, None, None)),
        )[: i % 6]
        location = (
            Location(f"deploy/{text}.yaml", i + 1, 2, f"components[{text}]"),
            Location("deploy.yaml", 3, None, None),
            None,
            Location(""),
        )[i % 4]
        status = (Status.FAIL, Status.ERROR, Status.WAIVED)[i % 3]
        waiver = None
        if status is Status.WAIVED:
            waiver = Waiver(
                f"AC-{i}",
                text,
                text,
                text,
                "2024-12-01",
                "2025-03-01",
                ("poam", "risk_adjustment", "false_positive")[i % 3],
                text if i % 2 else None,
                location,
                text,
                text,
                (text, "two"),
            )
        risk = Risk(
            ("low", "moderate", "high")[i % 3],
            ("high", "moderate", "low")[i % 3],
            ("moderate", "high", "low")[i % 3],
            "2025-01-02",
            text if i % 5 == 0 else "2025-04-02",
            "stated-wrong",
            text,
            *((("low", "low", "low"),) if i % 4 == 1 else ((None, None, None),))[0],
        )
        out.append(
            Finding(
                f"AC-{i % 7}({text})" if i % 9 == 0 else f"AC-{i % 7}",
                status,
                tuple(Severity)[i % 4],
                text if i % 2 else f"target-{i}",
                ("system", "component", "service", "flow", text)[i % 5],
                text + SURROGATE,
                text if i % 3 else "",
                ("AC", "SC", text)[i % 3],
                location,
                evidence,
                (text + ". Then more. " + text) if i % 4 else "",
                waiver,
                risk,
            )
        )
    return out


def _companions(findings: list[Finding]) -> list[Finding]:
    """Findings of other controls on the same field (one root cause, one POA&M item), a repeat
    of a control on a target, and findings of every other status."""
    out = []
    for i, f in enumerate(findings):
        if i % 10 == 0:
            out.append(dataclasses.replace(f, control_id=f"SC-{i}", waiver=None))
            out.append(dataclasses.replace(f, status=Status.FAIL, waiver=None))
        others = (Status.PASS, Status.NOT_APPLICABLE, Status.MANUAL, Status.INHERITED)
        out.append(dataclasses.replace(f, status=others[i % 4], waiver=None, risk=None))
    return out


def _passing(count: int, status: Status) -> list[Finding]:
    return [
        Finding(
            f"AC-{i % 3}",
            status,
            Severity.LOW,
            f"{STARTS[i % len(STARTS)]}{HOSTILE} {i // 2}",
            "component",
            HOSTILE,
            HOSTILE,
            "AC",
            Location("deploy.yaml", i, 1, f"components[{i}]"),
            (Evidence("p", i, "", None, source="plan.json: x"),) if i % 7 == 0 else (),
        )
        for i in range(count)
    ]


def _result(extra: int, passing: int = 0) -> Result:
    base = make_result()
    hostile = _hostile_findings(extra)
    findings = (*base.findings, *hostile, *_companions(hostile))
    findings += (*_passing(passing, Status.PASS), *_passing(passing, Status.NOT_APPLICABLE))
    # A failure with nothing to say, in no family.
    findings += (Finding("XX-1", Status.FAIL, Severity.LOW, "t", "system", ""),)
    # Waiver states that applied to some of the hostile findings (deviations in the POA&M).
    states = tuple(
        {
            **dataclasses.asdict(f.waiver),
            "location": None,
            "mitigating_factors": list(f.waiver.mitigating_factors),
            "state": "applied",
            "findings": [{"control_id": f.control_id, "target": f.target}],
        }
        for f in hostile[:60]
        if f.waiver is not None
    )
    return dataclasses.replace(base, findings=findings, waivers=base.waivers + states)


@pytest.fixture(scope="module")
def small() -> Result:
    """Cards in HTML: at most LIST_LIMIT failing findings."""
    return _result(120)


@pytest.fixture(scope="module")
def large() -> Result:
    """Table rows in HTML: more than LIST_LIMIT failing findings."""
    return _result(3 * LIST_LIMIT // 2 + 30, passing=LIST_LIMIT + 100)


def _copy_of_bundled(tmp_path: Path, name: str) -> str:
    copy = tmp_path / f"copy-{name}"
    shutil.copyfile(BUILTIN_DIR / name, copy)
    return str(copy)


def _extends_bundled(tmp_path: Path, name: str) -> str:
    path = tmp_path / f"extends-{name}"
    path.write_text(f'{{% extends "fedcheck/{name}" %}}', encoding="utf-8")
    return str(path)


@pytest.mark.parametrize("fmt,name", [("markdown", "report.md.j2"), ("html", "report.html.j2")])
@pytest.mark.parametrize("size", ["small", "large"])
def test_the_bundled_template_prints_what_its_own_loops_write(
    fmt: str, name: str, size: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    result = request.getfixturevalue(size)
    fast = render(result, fmt)
    assert fast == render(result, fmt, template=_copy_of_bundled(tmp_path, name))
    assert fast == render(result, fmt, template=_extends_bundled(tmp_path, name))
    assert "{{ 7" in fast and "{% if x %}" in fast  # data is not a template


@pytest.mark.parametrize("fmt,name", [("markdown", "report.md.j2"), ("html", "report.html.j2")])
def test_an_empty_section_reads_the_same_on_both_paths(fmt: str, name: str, tmp_path: Path) -> None:
    result = make_result()
    only_passing = dataclasses.replace(
        result, findings=tuple(f for f in result.findings if f.status is Status.PASS)
    )
    for r in (result, only_passing):
        assert render(r, fmt) == render(r, fmt, template=_copy_of_bundled(tmp_path, name))


def test_show_value_is_json_for_every_value_but_a_string() -> None:
    values = [True, False, 0, -5, 10**30, None, 1.5, float("inf"), [1, "a"], {"b": 1, "a": [None]}]
    for value in values:
        assert show_value(value) == json.dumps(value, ensure_ascii=False, sort_keys=True)
    assert show_value("x\ny") == "x\ny"


def test_the_hostile_reports_stay_well_formed(large: Result) -> None:
    ET.fromstring(render(large, "junit").encode("utf-8"))
    for fmt in ("json", "sarif", "oscal", "poam"):
        json.loads(render(large, fmt))


@pytest.mark.parametrize("size", ["small", "large"])
def test_the_oscal_documents_are_the_encoding_of_their_dicts(
    size: str, request: pytest.FixtureRequest
) -> None:
    """render_oscal and render_poam write their per-finding objects as JSON text directly;
    the text is pretty_json of the dicts build_assessment_results and build_poam return."""
    result = request.getfixturevalue(size)
    assert render_oscal(result) == pretty_json(build_assessment_results(result), levels=5)
    assert render_poam(result) == pretty_json(build_poam(result), levels=5)
    document = json.loads(render_poam(result))["plan-of-action-and-milestones"]
    assert any(len(i["related-observations"]) > 2 for i in document["poam-items"])  # root causes
    assert any(r["status"] != "open" for r in document["risks"])  # deviations


def test_the_oscal_documents_of_the_report_fixture_are_the_encoding_of_their_dicts() -> None:
    result = make_result()
    assert render_oscal(result) == pretty_json(build_assessment_results(result), levels=5)
    assert render_poam(result) == pretty_json(build_poam(result), levels=5)


@pytest.mark.parametrize("size", ["small", "large"])
def test_the_junit_text_is_what_elementtree_writes(
    size: str, request: pytest.FixtureRequest
) -> None:
    """render_junit writes its XML directly; it is ElementTree's text of build_junit."""
    result = request.getfixturevalue(size)
    for r in (result, make_result(), dataclasses.replace(result, findings=())):
        root = build_junit(r)
        ET.indent(root, space="  ")
        body = ET.tostring(root, encoding="unicode", short_empty_elements=True)
        assert render_junit(r) == '<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n"


def test_a_template_of_your_own_does_not_see_the_prerendered_sections(tmp_path: Path) -> None:
    template = tmp_path / "own.md.j2"
    template.write_text("{{ prerendered }}\n", encoding="utf-8")
    with pytest.raises(InputError, match="prerendered"):
        render(make_result(), "markdown", template=str(template))
