"""The report formats: each is a pure, deterministic function of a Result that keeps deployment
text literal, and the machine formats validate against their official schemas."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import uuid
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from report_fixtures import (
    CONTROL_CHARS,
    GENERATED_AT,
    HOSTILE_MESSAGE,
    HOSTILE_NAME,
    JINJA,
    SCRIPT,
    make_result,
)

from fedcheck.findings import Result, Status
from fedcheck.reports import FORMATS, render

GOLDEN = Path(__file__).resolve().parent / "golden"
UPDATE_GOLDEN = os.environ.get("FEDCHECK_UPDATE_GOLDEN") == "1"


@pytest.fixture(scope="module")
def result() -> Result:
    return make_result()


# --- dispatch and determinism ----------------------------------------------------------------


def test_formats_are_the_eight_documented_ones() -> None:
    assert FORMATS == ("text", "json", "markdown", "html", "sarif", "junit", "oscal", "poam")


def test_unknown_format_is_refused(result: Result) -> None:
    with pytest.raises(ValueError, match="unknown report format 'pdf'"):
        render(result, "pdf")


def test_importing_reports_loads_no_renderer_or_jinja() -> None:
    code = (
        "import sys, fedcheck.reports; "
        "print(sorted(m for m in sys.modules if m.startswith(('jinja2', 'fedcheck.reports.'))))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[1],
    )
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("fmt", FORMATS)
def test_two_renders_of_one_result_are_byte_identical(result: Result, fmt: str) -> None:
    assert render(result, fmt).encode() == render(make_result(), fmt).encode()


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_saved_and_reloaded_result_renders_identically(result: Result, fmt: str) -> None:
    reloaded = Result.from_dict(json.loads(render(result, "json")))
    assert render(reloaded, fmt) == render(result, fmt)


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_ends_with_one_newline(result: Result, fmt: str) -> None:
    text = render(result, fmt)
    assert text.endswith("\n") and not text.endswith("\n\n")


# --- json ------------------------------------------------------------------------------------


def test_json_is_the_lossless_result(result: Result) -> None:
    text = render(result, "json")
    assert json.loads(text) == result.to_dict()
    assert Result.from_dict(json.loads(text)) == result
    assert "東京" in text  # not \u-escaped


# --- text ------------------------------------------------------------------------------------


def test_text_lists_failures_with_location_and_first_sentence_of_the_fix(result: Result) -> None:
    lines = render(result, "text").splitlines()
    i = lines.index(
        "  deploy/system.yaml:12:7: FAIL IA-2(1) admin-console: privileged users "
        "sign in without MFA; FedRAMP requires it"
    )
    assert lines[i + 1] == "      fix: Set `access.mfa` to true on the component."


def test_text_ends_with_the_summary_line(result: Result) -> None:
    assert render(result, "text").splitlines()[-1] == (
        "2 failed, 1 error, 1 passed, 1 waived, 1 manual, 1 inherited, 1 not applicable "
        "(baseline high)"
    )


def test_text_puts_failures_before_waivers_and_counts_the_rest(result: Result) -> None:
    text = render(result, "text")
    assert text.index("ERROR AU-11") < text.index("  1 manual, 1 inherited")
    assert "WAIVED AC-11 web-ui" in text and "waiver: POAM-0007, expires 2025-02-28" in text
    assert text.index("WAIVED AC-11") < text.index("  1 passed")


def test_text_has_colour_only_when_asked(result: Result) -> None:
    plain = render(result, "text")
    coloured = render(result, "text", color=True)
    assert "\x1b" not in plain
    assert "\x1b[1;31mFAIL\x1b[0m" in coloured
    assert re.sub(r"\x1b\[[0-9;]*m", "", coloured) == plain


def test_text_shows_control_characters_instead_of_sending_them(result: Result) -> None:
    text = render(result, "text")
    assert "bell\\x07 escape\\x1b[31m null\\x00 end" in text
    assert "\x07" not in text and "\x00" not in text


# --- html ------------------------------------------------------------------------------------


def test_html_escapes_markup_and_never_evaluates_template_syntax(result: Result) -> None:
    html = render(result, "html")
    assert "<script" not in html.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert JINJA in html and "49" not in html


def test_html_is_one_self_contained_page(result: Result) -> None:
    html = render(result, "html")
    assert re.search(r"<(link|img|iframe|object|embed)\b", html) is None
    assert re.search(r"(src|href)\s*=", html) is None
    assert "@import" not in html and "url(" not in html
    assert re.findall(r"https?://[^\s\"'<]+", html) == ["http://www.w3.org/2000/svg"]
    assert '<meta name="viewport"' in html and "@media print" in html
    assert "<svg" in html and "default-src 'none'" in html


def test_html_summary_numbers_are_addressable(result: Result) -> None:
    html = render(result, "html")
    counts = result.counts()
    for status in Status:
        key = status.value.replace("_", "-")
        assert f'id="count-{key}" data-testid="count-{key}">{counts[status.value]}<' in html
    assert 'id="count-total" data-testid="count-total">8<' in html


def test_html_lists_every_section_and_the_sign_off(result: Result) -> None:
    html = render(result, "html")
    for section in (
        "summary",
        "risk",
        "failing",
        "waived",
        "deviations",
        "waivers",
        "manual",
        "inherited",
        "passing",
        "not-applicable",
        "inputs",
        "notes",
        "signoff",
    ):
        assert f'<section id="{section}">' in html
    assert "POAM-0007" in html and "ac-11_odp.02" not in html  # odp is context-only
    assert "System owner" in html and "Assessor" in html


# --- markdown --------------------------------------------------------------------------------


def test_markdown_escapes_deployment_text(result: Result) -> None:
    md = render(result, "markdown")
    assert "<script" not in md
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in md
    assert "{{ 7\\*7 }}" in md and "49" not in md  # renders as the literal {{ 7*7 }}
    assert "\\# Not a heading \\|" in md  # no heading, no table cell from a description


def test_markdown_table_rows_keep_their_cell_count(result: Result) -> None:
    md = render(result, "markdown")
    rows = [
        line
        for line in md.splitlines()
        if line.startswith("| Dictation") or line.startswith("| AC-11 Device Lock")
    ]
    assert rows
    for row in rows:
        cells = re.split(r"(?<!\\)\|", row)
        assert len(cells) == 9  # 7 columns plus the empty edges


# --- SARIF -----------------------------------------------------------------------------------


def test_sarif_validates_against_the_official_schema(result: Result, reference: Path) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((reference / "sarif" / "sarif-schema-2.1.0.json").read_text("utf-8"))
    jsonschema.Draft4Validator(schema).validate(json.loads(render(result, "sarif")))


def test_sarif_reports_failures_errors_and_suppressed_waivers(result: Result) -> None:
    log = json.loads(render(result, "sarif"))
    assert log["$schema"] == "https://json.schemastore.org/sarif-2.1.0.json"
    assert log["version"] == "2.1.0"
    run = log["runs"][0]
    results = run["results"]
    assert [(r["ruleId"], r["level"]) for r in results] == [
        ("SC-8", "error"),
        ("IA-2(1)", "error"),
        ("AU-11", "error"),
        ("AC-11", "warning"),
    ]
    assert results[0]["message"]["text"] == HOSTILE_MESSAGE
    assert results[0]["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "deploy/system.yaml"},
        "region": {"startLine": 31, "startColumn": 9},
    }
    assert results[3]["suppressions"][0]["kind"] == "external"
    assert results[3]["suppressions"][0]["justification"].startswith("Lock moves to the IdP")
    assert "suppressions" not in results[0]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == ["SC-8", "IA-2(1)", "AU-11", "AC-11"]
    assert all(results[i]["ruleIndex"] == i for i in range(4))
    assert rules[0]["shortDescription"]["text"] == "Transmission Confidentiality and Integrity"
    assert rules[0]["properties"]["family"] == "SC"
    assert run["tool"]["driver"]["version"] == "0.1.0"


def test_sarif_fingerprints_depend_on_control_target_and_field_only(result: Result) -> None:
    import dataclasses

    first = json.loads(render(result, "sarif"))["runs"][0]["results"][0]
    moved = dataclasses.replace(
        result,
        findings=(
            dataclasses.replace(result.findings[0], message="reworded"),
            *result.findings[1:],
        ),
    )
    again = json.loads(render(moved, "sarif"))["runs"][0]["results"][0]
    assert first["partialFingerprints"] == again["partialFingerprints"]


# --- JUnit -----------------------------------------------------------------------------------


def test_junit_validates_against_the_xunit_schema(result: Result, reference: Path) -> None:
    xmlschema = pytest.importorskip("xmlschema")
    schema = xmlschema.XMLSchema(str(reference / "junit" / "junit-10.xsd"))
    schema.validate(render(result, "junit"))


def test_junit_has_a_suite_per_family_and_correct_counts(result: Result) -> None:
    root = ET.fromstring(render(result, "junit"))
    assert root.tag == "testsuites"
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("8", "2", "1")
    suites = {s.get("name"): s for s in root.iter("testsuite")}
    assert list(suites) == [
        "AC Access Control",
        "AU Audit and Accountability",
        "CA Assessment, Authorization, and Monitoring",
        "IA Identification and Authentication",
        "PE Physical and Environmental Protection",
        "SC System and Communications Protection",
    ]
    sc = suites["SC System and Communications Protection"]
    assert (sc.get("tests"), sc.get("failures"), sc.get("errors"), sc.get("skipped")) == (
        "2",
        "1",
        "0",
        "1",
    )
    for suite in suites.values():
        cases = suite.findall("testcase")
        assert int(suite.get("tests")) == len(cases)
        assert int(suite.get("failures")) == sum(len(c.findall("failure")) for c in cases)
        assert int(suite.get("errors")) == sum(len(c.findall("error")) for c in cases)
        assert int(suite.get("skipped")) == sum(len(c.findall("skipped")) for c in cases)
        assert suite.get("timestamp") == GENERATED_AT


def test_junit_keeps_hostile_text_intact(result: Result) -> None:
    text = render(result, "junit")
    root = ET.fromstring(text)
    case = next(c for c in root.iter("testcase") if c.get("name") == "SC-8 public-api")
    assert case.get("classname") == "fedcheck.SC"
    failure = case.find("failure")
    assert failure is not None and failure.get("message") == HOSTILE_MESSAGE
    assert failure.get("type") == "critical"
    assert HOSTILE_MESSAGE in (failure.text or "")
    assert len(list(root.iter("testcase"))) == 8  # no case forged by </testcase>


def test_junit_drops_characters_xml_cannot_hold(result: Result) -> None:
    root = ET.fromstring(render(result, "junit"))
    error = next(c for c in root.iter("testcase") if c.get("name") == "AU-11 sys-1").find("error")
    assert error is not None
    assert error.get("message") == (
        "the check could not be evaluated: bell\\x07 escape\\x1b[31m null\\x00 end"
    )
    assert CONTROL_CHARS not in (error.text or "")


def test_junit_marks_each_status(result: Result) -> None:
    root = ET.fromstring(render(result, "junit"))
    kinds = {c.get("name"): [child.tag for child in c] for c in root.iter("testcase")}
    assert kinds["AC-11 web-ui"] == ["skipped"]
    assert kinds["AC-2(3) web-ui"] == []
    assert kinds["CA-2 sys-1"] == ["skipped"] and kinds["PE-3 sys-1"] == ["skipped"]
    assert kinds["SC-7 batch"] == ["skipped"]


# --- OSCAL -----------------------------------------------------------------------------------


def _oscal_validator(schema: dict[str, object]):  # type: ignore[no-untyped-def]
    """Draft 7 with ``pattern`` and the ``regex`` format backed by the ``regex`` module, which
    knows the ``\\p{L}`` classes OSCAL's patterns use (Python's ``re`` does not)."""
    jsonschema = pytest.importorskip("jsonschema")
    regex = pytest.importorskip("regex")

    def pattern(validator, patrn, instance, _schema):  # type: ignore[no-untyped-def]
        if validator.is_type(instance, "string") and not regex.search(patrn, instance):
            yield jsonschema.ValidationError(f"{instance!r} does not match {patrn!r}")

    checker = jsonschema.FormatChecker()

    @checker.checks("regex", raises=regex.error)
    def is_regex(instance: object) -> bool:
        if isinstance(instance, str):
            regex.compile(instance)
        return True

    validator_class = jsonschema.validators.extend(jsonschema.Draft7Validator, {"pattern": pattern})
    validator_class(validator_class.META_SCHEMA, format_checker=checker).validate(schema)
    return validator_class(schema, format_checker=checker)


@pytest.mark.parametrize(
    ("fmt", "schema_file"),
    [
        ("oscal", "oscal_assessment-results_schema.json"),
        ("poam", "oscal_poam_schema.json"),
    ],
)
def test_oscal_validates_against_the_official_schema(
    result: Result, reference: Path, fmt: str, schema_file: str
) -> None:
    schema = json.loads((reference / "oscal" / schema_file).read_text("utf-8"))
    validator = _oscal_validator(schema)
    errors = [
        f"{list(e.absolute_path)}: {e.message}"
        for e in validator.iter_errors(json.loads(render(result, fmt)))
    ]
    assert errors == []


def test_oscal_schema_check_would_catch_a_bad_document(reference: Path) -> None:
    schema = json.loads(
        (reference / "oscal" / "oscal_assessment-results_schema.json").read_text("utf-8")
    )
    validator = _oscal_validator(schema)
    doc = json.loads(render(make_result(), "oscal"))
    doc["assessment-results"]["results"][0]["reviewed-controls"]["control-selections"][0][
        "include-controls"
    ][0]["control-id"] = "9bad id"
    assert list(validator.iter_errors(doc))


def test_oscal_assessment_results_record_each_verdict(result: Result) -> None:
    doc = json.loads(render(result, "oscal"))["assessment-results"]
    assert doc["metadata"]["oscal-version"] == "1.1.3"
    assert doc["metadata"]["last-modified"] == GENERATED_AT
    assert doc["metadata"]["version"] == "0.1.0"
    one = doc["results"][0]
    included = one["reviewed-controls"]["control-selections"][0]["include-controls"]
    assert {"control-id": "ac-2.3"} in included and {"control-id": "ia-2.1"} in included
    states = {(f["target"]["target-id"], f["target"]["status"]["state"]) for f in one["findings"]}
    assert states == {
        ("sc-8_smt", "not-satisfied"),
        ("ia-2.1_smt", "not-satisfied"),
        ("au-11_smt", "not-satisfied"),
        ("ac-11_smt", "not-satisfied"),
        ("ac-2.3_smt", "satisfied"),
        ("pe-3_smt", "satisfied"),
        ("sc-7_smt", "satisfied"),  # not applicable to its target
        ("ca-2_smt", "not-satisfied"),  # manual: no evidence yet
    }
    assert one["observations"][0]["description"] == HOSTILE_MESSAGE
    for item in (doc, one, *one["observations"], *one["findings"], *one["risks"]):
        assert uuid.UUID(item["uuid"]).version == 5


def test_oscal_uuids_are_stable_and_follow_the_inputs(result: Result) -> None:
    import dataclasses

    first = json.loads(render(result, "oscal"))
    assert first == json.loads(render(make_result(), "oscal"))
    changed = dataclasses.replace(result, catalog_sha256="00" * 32)
    assert (
        json.loads(render(changed, "oscal"))["assessment-results"]["uuid"]
        != first["assessment-results"]["uuid"]
    )


def test_poam_has_an_open_item_per_failing_or_waived_finding(result: Result) -> None:
    doc = json.loads(render(result, "poam"))["plan-of-action-and-milestones"]
    assert doc["system-id"]["id"] == "sys-1"
    titles = [item["title"] for item in doc["poam-items"]]
    assert titles == [
        "SC-8 Transmission Confidentiality and Integrity: public-api",
        "IA-2(1) Multi-factor Authentication to Privileged Accounts: admin-console",
        "AU-11 Audit Record Retention: sys-1",
        "AC-11 Device Lock: web-ui",
    ]
    waived = doc["poam-items"][3]
    assert {
        "name": "POAM-ID",
        "value": "POAM-0007",
        "ns": "https://fedramp.gov/ns/oscal",
    } in waived["props"]
    assert waived["remarks"].startswith("Lock moves to the IdP")
    risks = {r["uuid"]: r for r in doc["risks"]}
    risk = risks[waived["related-risks"][0]["risk-uuid"]]
    # Detected on the run day 2025-01-02; a moderate risk is due 90 days later. The waiver's
    # own planned date is an earlier milestone.
    assert risk["status"] == "open" and risk["deadline"] == "2025-04-02T23:59:59Z"
    planned = next(r for r in risk["remediations"] if r["lifecycle"] == "planned")
    assert [t["timing"]["on-date"]["date"] for t in planned["tasks"]] == [
        "2025-02-28T23:59:59Z",
        "2025-04-02T23:59:59Z",
    ]
    observations = {o["uuid"] for o in doc["observations"]}
    assert all(
        i["related-observations"][0]["observation-uuid"] in observations for i in doc["poam-items"]
    )
    assert doc["observations"][0]["description"] == HOSTILE_MESSAGE


# --- golden files ----------------------------------------------------------------------------


@pytest.mark.parametrize(("fmt", "name"), [("markdown", "report.md"), ("html", "report.html")])
def test_rendered_report_matches_its_golden_file(result: Result, fmt: str, name: str) -> None:
    """Set FEDCHECK_UPDATE_GOLDEN=1 to rewrite the golden files, then review the diff."""
    golden = GOLDEN / name
    text = render(result, fmt)
    if UPDATE_GOLDEN:
        golden.parent.mkdir(exist_ok=True)
        golden.write_text(text, encoding="utf-8", newline="")
    assert golden.is_file(), f"{golden} is missing: run with FEDCHECK_UPDATE_GOLDEN=1"
    assert text == golden.read_text(encoding="utf-8"), (
        f"{name} differs from {golden}; if the change is intended, rerun with "
        "FEDCHECK_UPDATE_GOLDEN=1 and review the diff"
    )


def test_hostile_system_name_is_the_fixture_name(result: Result) -> None:
    assert result.system["name"] == HOSTILE_NAME and SCRIPT in HOSTILE_NAME


@pytest.mark.parametrize("fmt", ["markdown", "html"])
def test_documents_show_control_characters_as_escapes(result: Result, fmt: str) -> None:
    text = render(result, fmt)
    assert re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", text) is None
    assert "x07" in text and "x1b" in text


def test_json_result_is_exactly_the_result_as_a_dict() -> None:
    """The fast finding encoder writes what ``Result.to_dict`` holds, key for key and in order."""
    import json as _json
    from pathlib import Path as _Path

    import fedcheck

    root = _Path(__file__).resolve().parents[1]
    for name in ("agency-ai-assistant.yaml", "agency-ai-assistant-compliant.yaml"):
        result = fedcheck.evaluate(
            fedcheck.load_deployment(str(root / "examples" / name)),
            fedcheck.load_catalog(),
            generated_at="2026-01-01T00:00:00Z",
        )
        text = fedcheck.render(result, "json")
        parsed = _json.loads(text)
        assert parsed == _json.loads(_json.dumps(result.to_dict()))
        expected_lines = [
            _json.dumps(f.to_dict(), ensure_ascii=False, separators=(", ", ": "))
            for f in result.findings
        ]
        finding_lines = [
            line.strip().rstrip(",")
            for line in text.splitlines()
            if line.startswith('    {"control_id"')
        ]
        assert finding_lines == expected_lines
