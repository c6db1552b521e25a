"""Build the documented template context (plain data) that the markdown and html reports render.

Every value is a str, int, bool, None, list or dict, except ``chart_svg``, which is markup built
here with every user string escaped. docs/reports.md documents each variable for ``--template``.
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup, escape

from ..findings import STATUS_ORDER, Evidence, Finding, Location, Result, Risk, Status, Waiver
from ..risk import BASIS_WORDS, REMEDIATION_DAYS
from ._common import (
    LIST_LIMIT,
    SHOWN_TARGETS,
    STATUS_LABELS,
    STATUS_WORDS,
    ControlSummary,
    by_urgency,
    family_title,
    first_sentence,
    show_value,
    summarize,
    summarized_statuses,
    summary_line,
)

#: The system fields a template may use; a missing one is an empty string.
SYSTEM_FIELDS = ("id", "name", "owner", "description", "impact_level", "environment")

#: The fill colour of each status in the chart (the html template's CSS uses the same ones).
STATUS_COLORS: dict[Status, str] = {
    Status.ERROR: "#8e24aa",
    Status.FAIL: "#c62828",
    Status.WAIVED: "#ef6c00",
    Status.MANUAL: "#546e7a",
    Status.INHERITED: "#00838f",
    Status.PASS: "#2e7d32",
    Status.NOT_APPLICABLE: "#9e9e9e",
}


def _text(value: Any) -> str:
    return "" if value is None else str(value)


_NO_LOCATION: dict[str, Any] = {"text": "", "file": "", "line": None, "column": None, "path": ""}


def _location(loc: Location | dict[str, Any] | None) -> dict[str, Any]:
    if isinstance(loc, dict):
        loc = Location.from_dict(loc)
    if loc is None:
        return dict(_NO_LOCATION)
    path = loc.path
    return {
        "text": str(loc),
        "file": loc.file,
        "line": loc.line,
        "column": loc.column,
        "path": "" if path is None else str(path),
    }


def _evidence(e: Evidence) -> dict[str, Any]:
    return {
        "path": e.path,
        "actual": "" if e.missing else show_value(e.actual),
        "expected": e.expected,
        "missing": e.missing,
        "location": _location(e.location),
        "source": e.source_label,  # declared, or the plan resource that evidences it
        "statement": e.statement,
    }


def _waiver(w: Waiver | None) -> dict[str, Any] | None:
    if w is None:
        return None
    return {
        "control": w.control,
        "target": w.target,
        "justification": w.justification,
        "approved_by": w.approved_by,
        "approved_on": w.approved_on,
        "expires": w.expires,
        "type": w.type,
        "poam_id": _text(w.poam_id),
        "location": _location(w.location),
        "approver_role": _text(w.approver_role),
        "evidence": _text(w.evidence),
        "mitigating_factors": list(w.mitigating_factors),
    }


def _risk(r: Risk | None) -> dict[str, Any] | None:
    if r is None:
        return None
    return {
        "likelihood": r.likelihood,
        "impact": r.impact,
        "level": r.level,
        "adjusted_likelihood": _text(r.adjusted_likelihood),
        "adjusted_impact": _text(r.adjusted_impact),
        "adjusted_level": _text(r.adjusted_level),
        "effective_level": r.effective_level,
        "detected": r.detected,
        "deadline": r.deadline,
        "days": REMEDIATION_DAYS[r.effective_level],
        "basis": r.basis,
        "basis_text": BASIS_WORDS.get(r.basis, r.basis),
        "rationale": r.rationale,
    }


#: What each signatory of the attestation signs (the report is not an assessment).
SIGNOFF: tuple[tuple[str, str], ...] = (
    (
        "System owner",
        "that the deployment description checked here describes the system as deployed, and "
        "that this self-check was prepared with fedcheck",
    ),
    (
        "ISSO",
        "that every failing finding, POA&M entry and deviation listed here is tracked in the "
        "system's POA&M",
    ),
    (
        "Assessor",
        "only that this self-check was received as a provider-supplied artifact to examine; "
        "it is not a security assessment report and carries no assessment verdict",
    ),
)

RISK_ORDER = ("high", "moderate", "low")


def _risks(result: Result, views: dict[int, dict[str, Any]]) -> dict[str, Any]:
    """The risk exposure of ``result``; ``views`` holds the view of every failing and waived
    finding (built once for their own sections: the same data)."""
    rated = [f for f in result.findings if f.risk is not None and f.status in _RATED]
    rows = [views[id(f)] for f in by_urgency(rated)]
    rows.sort(key=lambda v: RISK_ORDER.index(v["risk"]["effective_level"]))
    open_rows = [v for v in rows if v["status"] in ("fail", "error")]
    return {
        "rows": rows,
        "open": {
            level: sum(1 for v in open_rows if v["risk"]["effective_level"] == level)
            for level in RISK_ORDER
        },
        "days": {level: REMEDIATION_DAYS[level] for level in RISK_ORDER},
    }


_RATED = (Status.FAIL, Status.ERROR, Status.WAIVED)


def finding_view(f: Finding) -> dict[str, Any]:
    """One finding as template data."""
    return {
        "control_id": f.control_id,
        "title": f.title,
        "family": f.family,
        "status": f.status.value,
        "status_label": STATUS_LABELS[f.status],
        "severity": f.severity.value,
        "target": f.target,
        "target_kind": f.target_kind,
        "message": f.message,
        "location": _location(f.location),
        "evidence": [_evidence(e) for e in f.evidence],
        "remediation": f.remediation,
        "fix": first_sentence(f.remediation),
        "waiver": _waiver(f.waiver),
        "risk": _risk(f.risk),
    }


def _waiver_state(entry: dict[str, Any]) -> dict[str, Any]:
    return {
        "control": _text(entry.get("control")),
        "target": _text(entry.get("target")),
        "justification": _text(entry.get("justification")),
        "approved_by": _text(entry.get("approved_by")),
        "approved_on": _text(entry.get("approved_on")),
        "expires": _text(entry.get("expires")),
        "type": _text(entry.get("type")),
        "poam_id": _text(entry.get("poam_id")),
        "state": _text(entry.get("state")),
        "approver_role": _text(entry.get("approver_role")),
        "days_to_expiry": entry.get("days_to_expiry"),
        "findings": [
            f"{_text(h.get('control_id'))} {_text(h.get('target'))}"
            for h in entry.get("findings") or []
            if isinstance(h, dict)
        ],
        "location": _location(entry.get("location")),
    }


def _deviation(entry: dict[str, Any]) -> dict[str, Any]:
    return {
        "kind": _text(entry.get("kind")),
        "control": _text(entry.get("control")),
        "title": _text(entry.get("title")),
        "parameter": _text(entry.get("parameter")),
        "odp": _text(entry.get("odp")),
        "fedramp_value": show_value(entry.get("fedramp_value")) if "fedramp_value" in entry else "",
        "value": show_value(entry.get("value")) if "value" in entry else "",
        "justification": _text(entry.get("justification")),
        "approved_by": _text(entry.get("approved_by")),
        "approved_on": _text(entry.get("approved_on")),
        "location": _location(entry.get("location")),
    }


def _statuses(result: Result) -> list[dict[str, Any]]:
    counts = result.counts()
    return [
        {
            "key": s.value,
            "label": STATUS_LABELS[s],
            "word": STATUS_WORDS[s],
            "count": counts[s.value],
            "color": STATUS_COLORS[s],
        }
        for s in STATUS_ORDER
    ]


def _families(result: Result) -> list[dict[str, Any]]:
    return [
        {
            "family": fam,
            "title": family_title(fam),
            "counts": counts,
            "total": sum(counts.values()),
            "failing": counts[Status.FAIL.value] + counts[Status.ERROR.value],
        }
        for fam, counts in result.counts_by_family().items()
    ]


def chart_svg(statuses: list[dict[str, Any]]) -> Markup:
    """A horizontal bar chart of the counts by status, as inline SVG with no script."""
    bar_h, gap, label_w, bar_w = 22, 8, 120, 380
    height = len(statuses) * (bar_h + gap) + gap
    top = max([s["count"] for s in statuses] + [1])
    rows = []
    for i, s in enumerate(statuses):
        y = gap + i * (bar_h + gap)
        width = round(bar_w * s["count"] / top) if s["count"] else 0
        rows.append(
            f'<text x="{label_w - 8}" y="{y + 16}" text-anchor="end">{escape(s["label"])}</text>'
            f'<rect x="{label_w}" y="{y}" width="{width}" height="{bar_h}" '
            f'fill="{escape(s["color"])}"><title>{escape(s["label"])}: {s["count"]}</title></rect>'
            f'<text x="{label_w + width + 6}" y="{y + 16}">{s["count"]}</text>'
        )
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'aria-labelledby="chart-title" viewBox="0 0 {label_w + bar_w + 60} {height}" '
        f'font-family="system-ui, sans-serif" font-size="13">'
        f'<title id="chart-title">Findings by status</title>{"".join(rows)}</svg>'
    )


def _sdr_counts(result: Result) -> dict[str, Any] | None:
    """The status counts of the Security Decision Record this run would give (CR26 runs only):
    the attestation report shows the same counts as the SDR (fedcheck.reports.sdr)."""
    rules = result.rules
    if rules is None or rules.edition != "cr26" or rules.cert_class is None:
        return None
    from .sdr import SDR_STATUSES, build_sdr, status_counts

    # The Certification Package Overview's URI is not counted; build_sdr needs one to be given.
    parts = status_counts(build_sdr(result, cpo_uri=""))
    return {"rules": rules.label, "statuses": list(SDR_STATUSES), "parts": parts}


def _by_status(result: Result) -> dict[Status, list[Finding]]:
    """The findings of ``result`` by status, each list in the Result's order."""
    out: dict[Status, list[Finding]] = {s: [] for s in STATUS_ORDER}
    for f in result.findings:
        out[f.status].append(f)
    return out


def _summary_view(g: ControlSummary) -> dict[str, Any]:
    return {
        "control_id": g.control_id,
        "title": g.title,
        "family": g.family,
        "status": g.status.value,
        "status_label": STATUS_LABELS[g.status],
        "severity": g.severity,
        "findings": len(g.findings),
        "targets": len(g.targets),
        "shown": list(g.shown),
        "more": g.more,
        "all_targets": list(g.targets),
    }


def _by_control(findings: list[Finding]) -> list[dict[str, Any]]:
    return [_summary_view(g) for g in summarize(findings)]


def _listed(findings: list[Finding], summarized: bool) -> list[dict[str, Any]]:
    """Every finding of one status, or none when the report summarizes that status."""
    return [] if summarized else [finding_view(f) for f in findings]


def build_context(result: Result) -> dict[str, Any]:
    """The template context of ``result`` (see docs/reports.md for every variable)."""
    statuses = _statuses(result)
    counts = result.counts()
    summarized = summarized_statuses(result)
    system = {name: _text(result.system.get(name)) for name in SYSTEM_FIELDS}
    groups = _by_status(result)
    failing_findings = by_urgency(groups[Status.ERROR] + groups[Status.FAIL])
    failing = [finding_view(f) for f in failing_findings]
    waived = [finding_view(f) for f in groups[Status.WAIVED]]
    views = {id(f): v for f, v in zip(failing_findings, failing, strict=True)}
    views.update((id(f), v) for f, v in zip(groups[Status.WAIVED], waived, strict=True))
    name = system["name"] or system["id"]
    return {
        "tool": {"name": "fedcheck", "version": result.tool_version},
        "generated_at": result.generated_at,
        "as_of": result.as_of_date,
        "evaluation_date": result.as_of_date,
        "rules_edition": _text(result.rules.label if result.rules is not None else None),
        "attestation": {
            "title": f"Pre-assessment self-check: {name}",
            "kind": "pre-assessment self-check",
            "statement": "A pre-assessment self-check prepared by the system owner with "
            "fedcheck from the system's deployment description. It is not a security "
            "assessment report: no assessor tested the system, and controls that need "
            "evidence fedcheck cannot read are listed as needing it.",
        },
        "risks": _risks(result, views),
        "system": system,
        "scope": {
            "baseline": result.baseline,
            "rules": result.rules.label if result.rules else "",
            "as_of": result.as_of or "",
            "catalog_version": result.catalog_version,
            "catalog_sha256": result.catalog_sha256,
            "controls": len(result.controls),
            "findings": len(result.findings),
        },
        "inputs": [i.to_dict() for i in result.inputs],
        "summary": {
            "counts": counts,
            "statuses": statuses,
            "families": _families(result),
            "total": len(result.findings),
            "failing": counts[Status.FAIL.value] + counts[Status.ERROR.value],
            "line": summary_line(result),
        },
        "chart_svg": chart_svg(statuses),
        "sdr": _sdr_counts(result),
        "failing": failing,
        "waived": waived,
        "manual": [finding_view(f) for f in groups[Status.MANUAL]],
        "inherited": [finding_view(f) for f in groups[Status.INHERITED]],
        "passing": _listed(groups[Status.PASS], Status.PASS in summarized),
        "not_applicable": _listed(
            groups[Status.NOT_APPLICABLE], Status.NOT_APPLICABLE in summarized
        ),
        "summarized": {
            "passing": Status.PASS in summarized,
            "not_applicable": Status.NOT_APPLICABLE in summarized,
            # Still one entry each, as a table row: a card each would make a page no
            # browser opens (150,000 failing findings at 10,000 components).
            "failing_as_rows": len(failing) > LIST_LIMIT,
            "limit": LIST_LIMIT,
            "shown_targets": SHOWN_TARGETS,
        },
        "passing_by_control": _by_control(groups[Status.PASS]),
        "not_applicable_by_control": _by_control(groups[Status.NOT_APPLICABLE]),
        "deviations": [_deviation(d) for d in result.deviations],
        "waivers": [_waiver_state(w) for w in result.waivers],
        "notes": list(result.notes),
        "signoff": [
            {"role": role, "name": system["owner"] if role == "System owner" else "", "signs": what}
            for role, what in SIGNOFF
        ],
    }


__all__ = [
    "SIGNOFF",
    "STATUS_COLORS",
    "SYSTEM_FIELDS",
    "build_context",
    "chart_svg",
    "finding_view",
]
