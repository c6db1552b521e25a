"""The KSI lens: fedcheck's control verdicts rolled up to the CR26 Key Security Indicators.

Statuses use the SDR's words and never claim more than a description can show:
``Not Implemented`` when a related automated control fails (or errs, or is waived),
``Partially Implemented`` when the automated part passes but related controls stay manual,
``evidence needed`` when nothing related is automated. Never ``Implemented``: a KSI is about
measures working persistently, which only validation of the running system shows.
"""

from __future__ import annotations

from typing import Any

from .catalog import to_display
from .editions import KSI_CLASSES, cr26_data
from .errors import UsageError
from .findings import Result, Status

_FAILING = (Status.FAIL, Status.ERROR, Status.WAIVED)


def indicators_for(ksi_class: str) -> list[dict[str, Any]]:
    ksi_class = ksi_class.lower()
    if ksi_class == "d":
        raise UsageError(
            "FedRAMP has published no Key Security Indicators for Class D",
            "judge Class D by its Rev5 controls: fedcheck check DEPLOYMENT --rules cr26 --class d",
        )
    if ksi_class not in KSI_CLASSES:
        raise UsageError(f"unknown KSI class {ksi_class!r}", "use --class a, b or c")
    found: list[dict[str, Any]] = [
        k for k in cr26_data()["ksi"]["indicators"] if ksi_class in k["classes"]
    ]
    return found


def ksi_lens(result: Result, ksi_class: str) -> list[dict[str, Any]]:
    """One entry per KSI of the class: id, name, status, failing findings, checked aspects."""
    by_oscal = {c.oscal_id: c for c in result.controls}
    findings: dict[str, list[Any]] = {}
    for f in result.findings:
        findings.setdefault(f.control_id, []).append(f)
    out = []
    for k in indicators_for(ksi_class):
        failing: list[str] = []
        checked: list[str] = []
        manual: list[str] = []
        for oscal in k["controls"]:
            info = by_oscal.get(oscal)
            if info is None:
                manual.append(to_display(oscal))
                continue
            fs = findings.get(info.id, [])
            automated = [f for f in fs if f.status not in (Status.MANUAL, Status.INHERITED)]
            if not info.automated or not automated:
                manual.append(info.id)
                continue
            checked.append(info.id)
            failing += [
                f"{f.location}: {f.control_id} {f.target}: {f.message}"
                for f in fs
                if f.status in _FAILING
            ]
        if failing:
            status = "Not Implemented"
        elif checked:
            status = "Partially Implemented"
        else:
            status = "evidence needed"
        out.append(
            {
                "id": k["id"],
                "name": k["name"],
                "status": status,
                "optional": ksi_class in k["optional_in"],
                "controls": [
                    by_oscal[o].id if o in by_oscal else to_display(o) for o in k["controls"]
                ],
                "checked": checked,
                "manual": manual,
                "failing": failing,
            }
        )
    return out


def render_ksi_text(indicators: list[dict[str, Any]], ksi_class: str) -> str:
    lines = [f"KSIs of Class {ksi_class.upper()} ({cr26_data()['title']} {cr26_data()['version']})"]
    for k in indicators:
        opt = " (optional)" if k["optional"] else ""
        lines.append(f"{k['id']} {k['name']}{opt}: {k['status']}")
        if k["checked"]:
            lines.append(f"    checked: {', '.join(k['checked'])}")
        lines += [f"    {f}" for f in k["failing"]]
    return "\n".join(lines) + "\n"
