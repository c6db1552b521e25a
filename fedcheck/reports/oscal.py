"""Render a Result as OSCAL 1.1.3 JSON: assessment results (every verdict) and a POA&M (open items).

Identifiers are UUID v5 derived from a digest of the run's inputs and what they name, so the same
inputs give the same document, and the same finding keeps its UUID across runs.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from ..findings import ControlInfo, Finding, Result, Status
from ._common import inputs_digest, one_line, pretty_json, show_value

OSCAL_VERSION = "1.1.3"
#: The namespace of fedcheck's UUIDs (itself a v5 UUID of fedcheck's OSCAL namespace URN).
NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:fedcheck:oscal")
#: The namespace of fedcheck's own OSCAL properties.
FEDCHECK_NS = "urn:fedcheck:oscal"
#: FedRAMP's namespace, for the POAM-ID property FedRAMP's POA&M template defines.
FEDRAMP_NS = "https://fedramp.gov/ns/oscal"
#: Waiver types that are FedRAMP deviation requests (the rest are POA&M items).
DEVIATION_TYPES = ("risk_adjustment", "operational_requirement", "false_positive")

#: Findings that carry an assessment verdict (manual and not-applicable ones carry none).
_DETERMINED = (Status.ERROR, Status.FAIL, Status.WAIVED, Status.INHERITED, Status.PASS)
_OPEN = (Status.ERROR, Status.FAIL, Status.WAIVED)
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class _Ids:
    """Stable UUIDs for one Result."""

    def __init__(self, result: Result) -> None:
        self.digest = inputs_digest(result)
        # A finding is named by control, target and field; a repeat of the same name (several
        # findings of one control on one target) is told apart by its occurrence number.
        self.keys: dict[int, str] = {}
        seen: dict[str, int] = {}
        for f in result.findings:
            path = f.location.path if f.location and f.location.path else ""
            key = "|".join((f.control_id, f.target, path))
            seen[key] = seen.get(key, 0) + 1
            self.keys[id(f)] = key if seen[key] == 1 else f"{key}|{seen[key]}"

    def __call__(self, *what: str) -> str:
        return str(uuid.uuid5(NAMESPACE, self.digest + "|" + "|".join(what)))

    def of(self, kind: str, f: Finding) -> str:
        return self(kind, self.keys[id(f)])


def token(text: str) -> str:
    """``text`` as an OSCAL token (an XML NCName): other characters become ``_``."""
    chars = [c if c.isalnum() or c in "._-" else "_" for c in text]
    if not chars or not (chars[0].isalpha() or chars[0] == "_"):
        chars.insert(0, "_")
    return "".join(chars)


def string(text: Any) -> str:
    """``text`` as an OSCAL string property value: one line, not empty."""
    return one_line(show_value(text)) or "-"


def _named(f: Finding) -> str:
    return f"{f.control_id} {f.title}" if f.title else f.control_id


def _prop(name: str, value: Any, ns: str = FEDCHECK_NS) -> dict[str, str]:
    return {"name": name, "ns": ns, "value": string(value)}


def _deadline(day: str) -> str | None:
    return f"{day}T23:59:59Z" if _DATE.match(day) else None


def _metadata(result: Result, title: str) -> dict[str, Any]:
    system = result.system
    props = [
        _prop("baseline", result.baseline),
        _prop("catalog-version", result.catalog_version),
        _prop("catalog-sha256", result.catalog_sha256),
    ]
    props += [_prop(f"input-{i.role}", f"{i.path} sha256:{i.sha256}") for i in result.inputs]
    return {
        "title": f"{title}: {one_line(str(system.get('name') or system.get('id') or 'system'))}",
        "published": result.generated_at,
        "last-modified": result.generated_at,
        "version": result.tool_version,
        "oscal-version": OSCAL_VERSION,
        "props": props,
    }


def _finding_props(f: Finding) -> list[dict[str, str]]:
    props = [
        _prop("status", f.status.value),
        _prop("severity", f.severity.value),
        _prop("control-id", f.control_id),
        _prop("target", f.target),
        _prop("target-kind", f.target_kind),
    ]
    if f.location is not None:
        props.append(_prop("location", str(f.location)))
        if f.location.path:
            props.append(_prop("field", f.location.path))
    return props


def _observation(ids: _Ids, f: Finding, collected: str) -> dict[str, Any]:
    obs: dict[str, Any] = {
        "uuid": ids.of("observation", f),
        "title": f"{f.control_id} on {f.target}",
        "description": f.message,
        "props": _finding_props(f),
        # EXAMINE: judged on what the description declares; TEST: on a plan's evidence.
        "methods": ["TEST"] if any(_is_evidenced(e) for e in f.evidence) else ["EXAMINE"],
        "types": ["finding"] if f.status in _OPEN else ["control-objective"],
        "collected": collected,
    }
    if f.evidence:
        obs["relevant-evidence"] = [_evidence(e) for e in f.evidence]
    return obs


def _is_evidenced(e: Any) -> bool:
    return (e.source or "").startswith("evidenced")


def _evidence(e: Any) -> dict[str, Any]:
    actual = "missing" if e.missing else show_value(e.actual)
    item: dict[str, Any] = {
        "description": f"{e.path} is {actual}; expected {e.expected}",
        "props": [_prop("field", e.path), _prop("expected", e.expected)],
    }
    if not e.missing:
        item["props"].append(_prop("actual", actual))
    if e.location is not None:
        item["props"].append(_prop("location", str(e.location)))
    item["props"].append(_prop("source", e.source or "declared"))
    if _is_evidenced(e) and e.location is not None:
        item["href"] = e.location.file  # the plan (or .tf file) that evidences the value
    return item


def _risk_status(f: Finding) -> str:
    if f.status is Status.WAIVED and f.waiver is not None and f.waiver.type in DEVIATION_TYPES:
        return "deviation-approved"
    return "open"


def _risk(ids: _Ids, f: Finding) -> dict[str, Any]:
    risk: dict[str, Any] = {
        "uuid": ids.of("risk", f),
        "title": f"{_named(f)} not satisfied on {f.target}",
        "description": f.message,
        "statement": f"{f.severity.value} severity: {f.message}",
        "props": [_prop("severity", f.severity.value), _prop("status", f.status.value)],
        "status": _risk_status(f),
    }
    if f.remediation:
        risk["remediations"] = [
            {
                "uuid": ids.of("remediation", f),
                "lifecycle": "recommendation",
                "title": f"Remediate {f.control_id} on {f.target}",
                "description": f.remediation,
            }
        ]
    if f.waiver is not None:
        deadline = _deadline(f.waiver.expires)
        if deadline:
            risk["deadline"] = deadline
    risk["related-observations"] = [{"observation-uuid": ids.of("observation", f)}]
    return risk


def _target(info: ControlInfo | None, f: Finding) -> dict[str, Any]:
    oscal_id = info.oscal_id if info is not None else f.control_id.lower()
    satisfied = f.status in (Status.PASS, Status.INHERITED)
    status: dict[str, Any] = {
        "state": "satisfied" if satisfied else "not-satisfied",
        "reason": "pass" if satisfied else ("other" if f.status is Status.ERROR else "fail"),
    }
    if f.status is not Status.PASS:
        status["remarks"] = {
            Status.INHERITED: "inherited from a leveraged authorization",
            Status.WAIVED: "failure accepted by a waiver",
            Status.ERROR: "the automated check could not be evaluated",
            Status.FAIL: "the automated check failed",
        }[f.status]
    return {
        "type": "statement-id",
        "target-id": token(f"{oscal_id}_smt"),
        "title": _named(f),
        "status": status,
    }


def _finding(ids: _Ids, f: Finding, info: ControlInfo | None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "uuid": ids.of("finding", f),
        "title": f"{_named(f)}: {f.target}",
        "description": f.message,
        "props": _finding_props(f),
        "target": _target(info, f),
        "related-observations": [{"observation-uuid": ids.of("observation", f)}],
    }
    if f.status in _OPEN:
        out["related-risks"] = [{"risk-uuid": ids.of("risk", f)}]
    if f.waiver is not None:
        out["remarks"] = f"waived: {f.waiver.justification}"
    return out


def _reviewed_controls(result: Result) -> dict[str, Any]:
    selection: dict[str, Any] = {
        "description": f"The controls of the FedRAMP Rev5 "
        f"{result.baseline} baseline that fedcheck evaluated."
    }
    ids = list(dict.fromkeys(token(c.oscal_id) for c in result.controls))
    if ids:
        selection["include-controls"] = [{"control-id": i} for i in ids]
    else:
        selection["include-all"] = {}
    return {"control-selections": [selection]}


def build_assessment_results(result: Result) -> dict[str, Any]:
    """The OSCAL assessment-results document of ``result`` as a dict."""
    ids = _Ids(result)
    infos = {c.id: c for c in result.controls}
    determined = [f for f in result.findings if f.status in _DETERMINED]
    counts = result.counts()
    one: dict[str, Any] = {
        "uuid": ids("result"),
        "title": f"fedcheck automated assessment, FedRAMP {result.baseline} baseline",
        "description": "Automated checks of the system's deployment description against FedRAMP "
        "Rev5 controls. Controls that need evidence (manual) and those not "
        "applicable carry no finding here.",
        "start": result.generated_at,
        "end": result.generated_at,
        "props": [_prop(f"count-{status.replace('_', '-')}", n) for status, n in counts.items()],
        "reviewed-controls": _reviewed_controls(result),
    }
    if determined:
        one["observations"] = [_observation(ids, f, result.generated_at) for f in determined]
        risks = [_risk(ids, f) for f in determined if f.status in _OPEN]
        if risks:
            one["risks"] = risks
        one["findings"] = [_finding(ids, f, infos.get(f.control_id)) for f in determined]
    if result.notes:
        one["remarks"] = "\n".join(result.notes)
    return {
        "assessment-results": {
            "uuid": ids("assessment-results"),
            "metadata": _metadata(result, "FedRAMP assessment results"),
            "import-ap": {
                "href": f"#{ids('assessment-plan')}",
                "remarks": "fedcheck runs without an OSCAL assessment plan; the plan is "
                "the FedRAMP baseline and the inputs listed in the metadata.",
            },
            "results": [one],
        }
    }


def _poam_item(ids: _Ids, f: Finding) -> dict[str, Any]:
    props = [
        _prop("control-id", f.control_id),
        _prop("severity", f.severity.value),
        _prop("target", f.target),
        _prop("status", f.status.value),
    ]
    item: dict[str, Any] = {
        "uuid": ids.of("poam-item", f),
        "title": f"{_named(f)}: {f.target}",
        "description": f.message,
        "props": props,
        "related-observations": [{"observation-uuid": ids.of("observation", f)}],
        "related-risks": [{"risk-uuid": ids.of("risk", f)}],
    }
    w = f.waiver
    if w is not None:
        if w.poam_id:
            props.insert(0, _prop("POAM-ID", w.poam_id, FEDRAMP_NS))
        props += [
            _prop("waiver-type", w.type),
            _prop("approved-by", w.approved_by),
            _prop("approved-on", w.approved_on),
            _prop("expires", w.expires),
        ]
        item["remarks"] = w.justification
    return item


def build_poam(result: Result) -> dict[str, Any]:
    """The OSCAL POA&M document of ``result`` as a dict: an item per failing or waived finding."""
    ids = _Ids(result)
    open_items = [f for f in result.findings if f.status in _OPEN]
    if not open_items:
        from ..errors import UsageError

        # OSCAL requires at least one poam-item; an empty plan is not a valid document.
        raise UsageError(
            "no failing or waived finding, so there is no POA&M item to write "
            "(an OSCAL POA&M needs at least one)",
            "write the POA&M only when the run has open items, or use --format "
            "oscal for the assessment results",
        )
    doc: dict[str, Any] = {
        "uuid": ids("poam"),
        "metadata": _metadata(result, "FedRAMP plan of action and milestones"),
        # The deployment's own system id: no identifier-type, as FedRAMP did not assign it.
        "system-id": {"id": string(result.system.get("id") or "system")},
    }
    if open_items:
        doc["observations"] = [_observation(ids, f, result.generated_at) for f in open_items]
        doc["risks"] = [_risk(ids, f) for f in open_items]
    doc["poam-items"] = [_poam_item(ids, f) for f in open_items]
    return {"plan-of-action-and-milestones": doc}


def _dump(document: dict[str, Any]) -> str:
    return pretty_json(document, levels=5)


def render_oscal(result: Result) -> str:
    """OSCAL 1.1.3 assessment results (JSON text, deterministic)."""
    return _dump(build_assessment_results(result))


def render_poam(result: Result) -> str:
    """OSCAL 1.1.3 plan of action and milestones (JSON text, deterministic)."""
    return _dump(build_poam(result))


__all__ = [
    "NAMESPACE",
    "OSCAL_VERSION",
    "build_assessment_results",
    "build_poam",
    "render_oscal",
    "render_poam",
    "token",
]
