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

from fedcheck.findings import Evidence, Finding, Location, Result, Risk, Severity, Status, Waiver
from fedcheck.reports import render
from fedcheck.reports._common import LIST_LIMIT, show_value
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


def _result(extra: int) -> Result:
    base = make_result()
    return dataclasses.replace(base, findings=(*base.findings, *_hostile_findings(extra)))


@pytest.fixture(scope="module")
def small() -> Result:
    """Cards in HTML: at most LIST_LIMIT failing findings."""
    return _result(120)


@pytest.fixture(scope="module")
def large() -> Result:
    """Table rows in HTML: more than LIST_LIMIT failing findings."""
    return _result(3 * LIST_LIMIT // 2 + 30)


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
