"""Build a FedRAMP Security Decision Record (SDR, schema 2026-06-24) from a CR26 Result.

Status mapping, failing closed (a control's findings on every target decide it):

* any ``fail``, ``error`` or ``waived`` finding -> ``Not Implemented`` (a waiver accepts the
  risk of a failure, it does not implement the control);
* every finding ``pass`` or ``not_applicable``, at least one ``pass`` -> ``Implemented``;
* some automated ``pass`` and some ``manual`` or ``inherited`` -> ``Partially Implemented``;
* nothing verified automatically (only ``manual``, ``inherited`` or ``not_applicable``) ->
  ``Not Implemented``: the description alone backs no claim, evidence has to be attached.

FedRAMP rules judged by the run (VDR, MAS) go to ``fedRampRequirements`` with the same mapping.
``parameterValues`` are the effective values of the run (with their source) and CR26's ``CTL``
values for the class. Each control's evidence follows its findings in
``controlImplementationDescription`` (a requirement's in ``frrValidation``): every fact read,
declared or evidenced by a plan, with its position, and the input files behind them with their
SHA-256 digests (the schema has no evidence field for a control). ``keySecurityIndicators`` come from the KSI lens (fedcheck.ksi) for
Classes B and C, the classes with KSIs; its ``evidence needed`` becomes ``Not Implemented``. Each
KSI's evidence is the run's inputs (the description, then profile, waivers, plans or records
when given), each named by its path and SHA-256 digest.

``fedcheck check --rules cr26 --format sdr --cpo-uri URI`` writes it: the URI of the provider's
Certification Package Overview is required by the schema and not stated in a description.
"""

from __future__ import annotations

from typing import Any

from ..editions import KSI_CLASSES, ctl_parameters
from ..findings import Finding, Result, Status

#: The SDR's implementation statuses, in the order a report lists them.
SDR_STATUSES = ("Implemented", "Partially Implemented", "Not Implemented")


def sdr_status(findings: list[Finding]) -> str:
    statuses = {f.status for f in findings}
    if statuses & {Status.FAIL, Status.ERROR, Status.WAIVED}:
        return "Not Implemented"
    if Status.PASS not in statuses:
        return "Not Implemented"
    if statuses <= {Status.PASS, Status.NOT_APPLICABLE}:
        return "Implemented"
    return "Partially Implemented"


def _value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, list):
        return ", ".join(_value(x) for x in v)
    return str(v)


def build_sdr(result: Result, cpo_uri: str) -> dict[str, Any]:
    """The SDR of a CR26 ``result``; ``cpo_uri`` locates the Certification Package Overview."""
    if result.rules is None or result.rules.edition != "cr26" or result.rules.cert_class is None:
        raise ValueError("an SDR is written from a run under --rules cr26 with a class")
    by_control: dict[str, list[Finding]] = {}
    for f in result.findings:
        by_control.setdefault(f.control_id, []).append(f)
    controls = []
    requirements = []
    for info in result.controls:
        findings = by_control.get(info.id, [])
        status = sdr_status(findings)
        lines = [_finding_line(f) for f in findings]
        backing = control_evidence(findings, result)
        if info.family in ("VDR", "MAS"):
            requirement: dict[str, Any] = {
                "frrID": info.id,
                "frrImplementationStatus": status,
                "frrImplementation": lines or ["not judged on this description"],
            }
            if backing:
                requirement["frrValidation"] = backing
            requirements.append(requirement)
            continue
        params = [
            {"parameterId": name, "parameterValue": _value(v)}
            for name, v in sorted(info.parameters.items())
        ]
        params += [
            {"parameterId": p["parameterId"], "parameterValue": p["value"]}
            for p in ctl_parameters(result.rules.cert_class, info.oscal_id)
        ]
        entry: dict[str, Any] = {
            "controlId": info.id,
            "controlImplementationStatus": status,
            "controlImplementationDescription": "\n".join(
                lines + (["", "Evidence:", *backing] if backing else [])
            )
            or info.summary,
        }
        if params:
            entry["parameterValues"] = params
        controls.append(entry)
    sdr: dict[str, Any] = {
        "certificationPackageOverviewUri": cpo_uri,
        "securityControls": controls,
        "fedRampRequirements": requirements,
    }
    if result.rules.cert_class in KSI_CLASSES:
        sdr["keySecurityIndicators"] = ksi_entries(result, result.rules.cert_class)
    return sdr


def _finding_line(f: Finding) -> str:
    where = f" ({f.location})" if f.location is not None else ""
    return f"- {f.status.value} {f.target}: {f.message}{where}"


def control_evidence(findings: list[Finding], result: Result) -> list[str]:
    """What backs one control's verdicts, as Markdown list items: each fact read (its value,
    whether the description declares it or a plan evidences it, and where), then each input
    file the facts and findings come from, with its SHA-256 digest."""
    lines: list[str] = []
    files: set[str] = set()
    sources: list[str] = []
    for f in findings:
        if f.location is not None:
            files.add(f.location.file)
        for e in f.evidence:
            where = f", at {e.location}" if e.location is not None else ""
            lines.append(f"- {e.statement} ({e.source_label}{where})")
            if e.location is not None:
                files.add(e.location.file)
            if e.source:
                sources.append(e.source)
    for i in result.inputs:
        if i.path in files or any(i.path in s for s in sources):
            lines.append(f"- {i.role} `{i.path}`, sha256:{i.sha256}")
    return lines


def status_counts(sdr: dict[str, Any]) -> list[dict[str, Any]]:
    """How many entries of each part of an SDR have each status: what the attestation report
    shows beside the SDR, counted from the SDR itself so that the two cannot differ."""
    parts: list[tuple[str, str, list[dict[str, Any]], str]] = [
        ("controls", "Security controls", sdr["securityControls"], "controlImplementationStatus"),
    ]
    requirements = sdr["fedRampRequirements"]
    for family, title in (
        ("VDR", "Vulnerability detection and response (VDR)"),
        ("MAS", "Minimum assessment scope (MAS)"),
    ):
        rows = [r for r in requirements if str(r["frrID"]).startswith(family + "-")]
        parts.append((family.lower(), title, rows, "frrImplementationStatus"))
    if "keySecurityIndicators" in sdr:
        parts.append(
            (
                "ksi",
                "Key Security Indicators",
                sdr["keySecurityIndicators"],
                "ksiImplementationStatus",
            )
        )
    out = []
    for key, title, rows, field in parts:
        counts = {s: sum(1 for r in rows if r.get(field) == s) for s in SDR_STATUSES}
        out.append({"key": key, "title": title, "counts": counts, "total": len(rows)})
    return out


def evidence(result: Result) -> list[dict[str, Any]]:
    """The run's inputs as SDR evidence entries, each with its SHA-256 digest."""
    return [
        {
            "evidenceType": "Configuration",
            "evidenceDescription": f"{i.role} read by fedcheck {result.tool_version}",
            "evidenceLocation": i.path,
            "evidenceText": f"sha256:{i.sha256}",
        }
        for i in result.inputs
    ]


def ksi_entries(result: Result, ksi_class: str) -> list[dict[str, Any]]:
    """The KSI lens of ``ksi_class`` in the SDR's shape (never Implemented from a description)."""
    from ..ksi import ksi_lens

    entries = []
    attached = evidence(result)
    for k in ksi_lens(result, ksi_class):
        status = "Not Implemented" if k["status"] == "evidence needed" else k["status"]
        implementation = [f"{k['status']}: {k['name']}"] + [f"- failing: {f}" for f in k["failing"]]
        entries.append(
            {
                "ksiId": k["id"],
                "ksiImplementationStatus": status,
                "ksiImplementation": implementation,
                "ksiValidation": [
                    "checked from the deployment description: "
                    + (", ".join(k["checked"]) or "nothing (no related automated control)")
                ],
                "ksiAssessment": [
                    "needs evidence from the running system: " + (", ".join(k["manual"]) or "-")
                ],
                "ksiTests": [f"fedcheck check of {c}" for c in k["checked"]],
                "ksiEvidence": attached,
            }
        )
    return entries
