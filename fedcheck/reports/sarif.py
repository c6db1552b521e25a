"""Render a Result as a SARIF 2.1.0 log for code-scanning tools (failures, errors and waivers)."""

from __future__ import annotations

import re
from pathlib import PurePosixPath, PureWindowsPath
from typing import Any
from urllib.parse import quote

from ..findings import ControlInfo, Finding, Location, Result, Severity, Status
from ._common import family_title, fingerprint, pretty_json

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"

#: SARIF level of a failure by the control's severity (an error finding is always ``error``).
LEVELS = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MODERATE: "warning",
    Severity.LOW: "note",
}
#: GitHub code scanning's numeric ``security-severity`` for each severity.
SECURITY_SEVERITY = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MODERATE: "5.5",
    Severity.LOW: "3.0",
}
_REPORTED = (Status.ERROR, Status.FAIL, Status.WAIVED)
_WORD = re.compile(r"[A-Za-z0-9]+")


def artifact_uri(path: str) -> str:
    """A file path as a URI reference: relative paths stay relative (forward slashes)."""
    if PureWindowsPath(path).drive or path.startswith("/"):
        posix = PureWindowsPath(path).as_posix() if PureWindowsPath(path).drive else path
        return "file://" + ("" if posix.startswith("/") else "/") + quote(posix, safe="/:")
    return quote(PurePosixPath(path.replace("\\", "/")).as_posix(), safe="/")


def _rule_name(title: str, fallback: str) -> str:
    words = _WORD.findall(title)
    return "".join(w[:1].upper() + w[1:] for w in words) or fallback


def _info_for(finding: Finding, infos: dict[str, ControlInfo]) -> ControlInfo:
    info = infos.get(finding.control_id)
    if info is not None:
        return info
    return ControlInfo(
        finding.control_id,
        finding.control_id.lower(),
        finding.title,
        finding.family,
        finding.severity,
        "",
        finding.remediation,
        True,
        (),
    )


def _rule(info: ControlInfo) -> dict[str, Any]:
    title = info.title or info.id
    return {
        "id": info.id,
        "name": _rule_name(info.title, info.id.replace("(", "_").replace(")", "")),
        "shortDescription": {"text": title},
        "fullDescription": {"text": info.summary or title},
        "help": {"text": info.remediation or info.summary or title},
        "defaultConfiguration": {"level": LEVELS[info.severity]},
        "properties": {
            "family": info.family,
            "familyTitle": family_title(info.family),
            "severity": info.severity.value,
            "security-severity": SECURITY_SEVERITY[info.severity],
            "oscalId": info.oscal_id,
            "tags": ["fedramp", "nist-800-53", "security", info.family.lower()],
        },
    }


def _location(loc: Location) -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": {"uri": artifact_uri(loc.file)}}
    if loc.line is not None and loc.line >= 1:
        region: dict[str, int] = {"startLine": loc.line}
        if loc.column is not None and loc.column >= 1:
            region["startColumn"] = loc.column
        physical["region"] = region
    return {"physicalLocation": physical}


def _locations(f: Finding) -> list[dict[str, Any]]:
    if f.location is None:
        return []
    location = _location(f.location)
    location["logicalLocations"] = [
        {
            "name": f.target,
            "kind": f.target_kind,
            "fullyQualifiedName": f.location.path or f.target,
        }
    ]
    return [location]


def _suppressions(f: Finding) -> list[dict[str, Any]]:
    if f.status is not Status.WAIVED:
        return []
    suppression: dict[str, Any] = {"kind": "external", "status": "accepted"}
    w = f.waiver
    if w is not None:
        suppression["justification"] = w.justification
        suppression["properties"] = {
            "type": w.type,
            "poamId": w.poam_id,
            "approvedBy": w.approved_by,
            "approvedOn": w.approved_on,
            "expires": w.expires,
        }
        if w.location is not None:
            suppression["location"] = _location(w.location)
    return [suppression]


def _result(f: Finding, rule_index: int) -> dict[str, Any]:
    path = f.location.path if f.location and f.location.path else ""
    level = "error" if f.status is Status.ERROR else LEVELS[f.severity]
    out: dict[str, Any] = {
        "ruleId": f.control_id,
        "ruleIndex": rule_index,
        "kind": "fail",
        "level": level,
        "message": {"text": f.message},
        "locations": _locations(f),
        "partialFingerprints": {
            "fedcheckFinding/v1": fingerprint(f.control_id, f.target, path)[:32],
        },
        "properties": {
            "status": f.status.value,
            "severity": f.severity.value,
            "target": f.target,
            "targetKind": f.target_kind,
        },
    }
    suppressions = _suppressions(f)
    if suppressions:
        out["suppressions"] = suppressions
    return out


def _artifacts(result: Result) -> list[dict[str, Any]]:
    roles = {"deployment": ["analysisTarget"]}
    return [
        {
            "location": {"uri": artifact_uri(i.path)},
            "roles": roles.get(i.role, ["userSpecifiedConfiguration"]),
            "hashes": {"sha-256": i.sha256},
            "properties": {"role": i.role},
        }
        for i in result.inputs
    ]


def build_sarif(result: Result) -> dict[str, Any]:
    """The SARIF log of ``result`` as a dict."""
    infos = {c.id: c for c in result.controls}
    reported = [f for f in result.findings if f.status in _REPORTED]
    rules: list[dict[str, Any]] = []
    index: dict[str, int] = {}
    for f in reported:
        if f.control_id not in index:
            index[f.control_id] = len(rules)
            rules.append(_rule(_info_for(f, infos)))
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "fedcheck",
                "version": result.tool_version,
                "semanticVersion": result.tool_version,
                "rules": rules,
            }
        },
        "invocations": [{"executionSuccessful": True, "endTimeUtc": result.generated_at}],
        "artifacts": _artifacts(result),
        "columnKind": "unicodeCodePoints",
        "results": [_result(f, index[f.control_id]) for f in reported],
        "properties": {
            "baseline": result.baseline,
            "evaluationDate": result.as_of_date,
            "system": result.system.get("id"),
            "catalogVersion": result.catalog_version,
            "catalogSha256": result.catalog_sha256,
            "counts": result.counts(),
        },
    }
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def render_sarif(result: Result) -> str:
    """The SARIF 2.1.0 log of ``result`` (JSON text, deterministic)."""
    return pretty_json(build_sarif(result), levels=5)


__all__ = ["build_sarif", "render_sarif"]
