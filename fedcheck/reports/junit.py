"""Render a Result as JUnit XML (the Jenkins xUnit "JUnit 10" dialect), one testsuite per family.

A finding is a testcase: ``<failure>`` when it fails, ``<error>`` when its check broke, and
``<skipped>`` when it is manual, inherited, not applicable or waived; a pass has no child.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from functools import lru_cache
from typing import Any

from ..findings import Finding, Result, Status
from ._common import family_title, first_sentence, show_value, xml_safe

_SKIPPED = (Status.MANUAL, Status.INHERITED, Status.NOT_APPLICABLE, Status.WAIVED)


def _attrs(element: ET.Element, **values: Any) -> None:
    """Set attributes in the order given (ElementTree keeps insertion order)."""
    for name, value in values.items():
        element.set(name, xml_safe(str(value)))


def _detail(f: Finding) -> str:
    details = [(f"{f.location}: " if f.location else "") + f.message]
    if f.location is not None and f.location.path:
        details.append(f"field: {f.location.path}")
    for e in f.evidence:
        actual = "missing" if e.missing else show_value(e.actual)
        details.append(f"evidence: {e.path} is {actual}; expected {e.expected}")
    if f.remediation:
        details.append(f"fix: {first_sentence(f.remediation)}")
    if f.waiver is not None:
        w = f.waiver
        details.append(
            f"waiver: {w.type} {w.poam_id or ''} approved by {w.approved_by} on "
            f"{w.approved_on}, expires {w.expires}: {w.justification}"
        )
    return xml_safe("\n".join(details))


def _testcase(suite: ET.Element, f: Finding) -> None:
    case = ET.SubElement(suite, "testcase")
    _attrs(
        case,
        classname=f"fedcheck.{f.family or 'UNKNOWN'}",
        name=f"{f.control_id} {f.target}",
        time="0",
    )
    if f.status is Status.FAIL:
        child = ET.SubElement(case, "failure")
        _attrs(child, message=f.message, type=f.severity.value)
        child.text = _detail(f)
    elif f.status is Status.ERROR:
        child = ET.SubElement(case, "error")
        _attrs(child, message=f.message, type="check-error")
        child.text = _detail(f)
    elif f.status in _SKIPPED:
        child = ET.SubElement(case, "skipped")
        _attrs(child, message=f.message, type=f.status.value)
        if f.status is Status.WAIVED:
            child.text = _detail(f)


def _counts(findings: list[Finding]) -> dict[str, int]:
    return {
        "tests": len(findings),
        "failures": sum(1 for f in findings if f.status is Status.FAIL),
        "errors": sum(1 for f in findings if f.status is Status.ERROR),
        "skipped": sum(1 for f in findings if f.status in _SKIPPED),
    }


def _by_family(result: Result) -> dict[str, list[Finding]]:
    families: dict[str, list[Finding]] = {}
    for f in result.findings:
        families.setdefault(f.family or "UNKNOWN", []).append(f)
    return dict(sorted(families.items()))


def build_junit(result: Result) -> ET.Element:
    """The ``<testsuites>`` element of ``result``."""
    root = ET.Element("testsuites")
    total = _counts(list(result.findings))
    system = str(result.system.get("id") or "system")
    _attrs(
        root,
        name=f"fedcheck {system} ({result.baseline})",
        tests=total["tests"],
        failures=total["failures"],
        errors=total["errors"],
        time="0",
    )
    for family, findings in _by_family(result).items():
        suite = ET.SubElement(root, "testsuite")
        counts = _counts(findings)
        title = family_title(family)
        _attrs(
            suite,
            name=f"{family} {title}" if title != family else family,
            tests=counts["tests"],
            failures=counts["failures"],
            errors=counts["errors"],
            skipped=counts["skipped"],
            time="0",
            timestamp=result.generated_at,
            package=f"fedcheck.{family}",
        )
        properties = ET.SubElement(suite, "properties")
        for name, value in (
            ("baseline", result.baseline),
            ("evaluation_date", result.as_of_date),
            ("system", system),
            ("catalog_version", result.catalog_version),
            ("tool_version", result.tool_version),
        ):
            _attrs(ET.SubElement(properties, "property"), name=name, value=value)
        for f in findings:
            _testcase(suite, f)
    return root


def render_junit(result: Result) -> str:
    """JUnit XML text of ``result`` (UTF-8, with an XML declaration, deterministic).

    The text is what ElementTree writes for ``build_junit(result)`` indented by two spaces
    (tests/test_report_speed_paths.py compares the two), written directly: a large system has
    hundreds of thousands of testcases, and building, indenting and serializing their elements
    costs several times more than the text itself.
    """
    system = str(result.system.get("id") or "system")
    total = _counts(list(result.findings))
    root = _open(
        "testsuites",
        name=f"fedcheck {system} ({result.baseline})",
        tests=total["tests"],
        failures=total["failures"],
        errors=total["errors"],
        time="0",
    )
    families = _by_family(result)
    if not families:
        return f'<?xml version="1.0" encoding="UTF-8"?>\n{root} />\n'
    properties = "".join(
        f'\n      <property name="{_attr(name)}" value="{_attr(str(value))}" />'
        for name, value in (
            ("baseline", result.baseline),
            ("evaluation_date", result.as_of_date),
            ("system", system),
            ("catalog_version", result.catalog_version),
            ("tool_version", result.tool_version),
        )
    )
    out = ['<?xml version="1.0" encoding="UTF-8"?>\n', root, ">"]
    for family, findings in families.items():
        counts = _counts(findings)
        title = family_title(family)
        suite = _open(
            "testsuite",
            name=f"{family} {title}" if title != family else family,
            tests=counts["tests"],
            failures=counts["failures"],
            errors=counts["errors"],
            skipped=counts["skipped"],
            time="0",
            timestamp=result.generated_at,
            package=f"fedcheck.{family}",
        )
        out.append(f"\n  {suite}>\n    <properties>{properties}\n    </properties>")
        classname = _attr(f"fedcheck.{family or 'UNKNOWN'}")
        out.extend(_testcase_text(f, classname) for f in findings)
        out.append("\n  </testsuite>")
    out.append("\n</testsuites>\n")
    return "".join(out)


def _open(tag: str, **values: Any) -> str:
    """``<tag`` and its attributes, as ``_attrs`` sets them and ElementTree writes them."""
    return f"<{tag}" + "".join(f' {name}="{_attr(str(v))}"' for name, v in values.items())


@lru_cache(maxsize=16_384)  # control ids, severities, statuses and messages repeat
def _attr(text: str) -> str:
    """``xml_safe(text)`` as ElementTree writes an attribute value."""
    text = xml_safe(text)
    for char, entity in _ATTRIBUTE_ENTITIES:
        if char in text:
            text = text.replace(char, entity)
    return text


#: What ElementTree replaces in an attribute value, in its order.
_ATTRIBUTE_ENTITIES = (
    ("&", "&amp;"),
    ("<", "&lt;"),
    (">", "&gt;"),
    ('"', "&quot;"),
    ("\r", "&#13;"),
    ("\n", "&#10;"),
    ("\t", "&#09;"),
)


def _text(text: str) -> str:
    """Element text as ElementTree writes it."""
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    return text


def _testcase_text(f: Finding, classname: str) -> str:
    """``_testcase`` as indented XML, with the line break and indentation before it."""
    head = f'\n    <testcase classname="{classname}" name="{_attr(f"{f.control_id} {f.target}")}" '
    status = f.status
    if status is Status.FAIL:
        child = f'<failure message="{_attr(str(f.message))}" type="{_attr(f.severity.value)}"'
        detail = _detail(f)
        end = "</failure>"
    elif status is Status.ERROR:
        child = f'<error message="{_attr(str(f.message))}" type="check-error"'
        detail = _detail(f)
        end = "</error>"
    elif status in _SKIPPED:
        child = f'<skipped message="{_attr(str(f.message))}" type="{_attr(status.value)}"'
        detail = _detail(f) if status is Status.WAIVED else ""
        end = "</skipped>"
    else:
        return head + 'time="0" />'
    child += f">{_text(detail)}{end}" if detail else " />"
    return f'{head}time="0">\n      {child}\n    </testcase>'


__all__ = ["build_junit", "render_junit"]
