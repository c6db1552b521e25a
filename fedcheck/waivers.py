"""Read a waiver file and apply its waivers (accepted risks) to a Result.

A current waiver turns each failing finding it matches into ``waived``: the finding stays in
every report, with the waiver's details, and no longer fails the gate. A waiver past its expiry
day waives nothing (the finding fails again) and is reported as ``expired``; a current waiver
that waives nothing is reported as ``stale``; one whose approval date is still to come waives
nothing yet and is reported as ``pending``. At load time a waiver is refused when a field is
missing, a date is not a date, its control is unknown, or its expiry lies beyond the FedRAMP
deadline: for a POA&M item 30 days after approval (critical and high severity), 90 (moderate)
or 180 (low); for a deviation 365 days (deviations are re-approved at least yearly).
"""

from __future__ import annotations

import dataclasses
import difflib
from dataclasses import dataclass
from datetime import date, timedelta

from .catalog import Catalog, to_display, to_oscal
from .dates import parse_date
from .errors import InputErrors, Problem, UsageError
from .findings import InputFile, Location, Result, Severity, Status, Waiver
from .inputs import display_path
from .loading import DEFAULT_LIMITS, Limits, load_file
from .text import is_invisible

#: Days from approval to the latest allowed expiry of a POA&M waiver, by the control's severity.
POAM_DEADLINE_DAYS = {
    Severity.CRITICAL: 30,
    Severity.HIGH: 30,
    Severity.MODERATE: 90,
    Severity.LOW: 180,
}
#: A FedRAMP deviation request is re-approved at least yearly.
DEVIATION_DAYS = 365
DEVIATION_TYPES = ("risk_adjustment", "operational_requirement", "false_positive")


@dataclass(frozen=True)
class WaiverFile:
    """The waivers of one file, validated and in file order."""

    path: str
    sha256: str
    waivers: tuple[Waiver, ...]


def load_waivers(
    path: str, limits: Limits = DEFAULT_LIMITS, *, catalog: Catalog | None = None
) -> WaiverFile:
    """Read and validate a waiver file; every problem of the file is reported together.

    With ``catalog``, each waiver's control must exist in it and a POA&M waiver's deadline is
    that of the control's severity.
    """
    from .catalog import schema_problems

    doc = load_file(path, limits)
    problems = schema_problems(doc.data, doc.source, "waivers.schema.json")
    if problems:
        raise InputErrors(problems)

    def problem(where: tuple[str | int, ...], message: str, fix: str) -> None:
        line, column, _ = doc.source.position(where)
        problems.append(Problem(path, line, column, message, fix))

    waivers = []
    for i, raw in enumerate(doc.data["waivers"]):
        at: tuple[str | int, ...] = ("waivers", i)
        dates: dict[str, date] = {}
        for key in ("approved_on", "expires"):
            try:
                dates[key] = parse_date(raw[key])
            except ValueError as exc:
                problem((*at, key), f"{key}: {exc}", "write an ISO date such as 2025-01-31")
        try:
            oscal = to_oscal(raw["control"])
        except ValueError as exc:
            problem((*at, "control"), str(exc), "write the id as AC-2(3) or ac-2.3")
            continue
        control = None
        if catalog is not None:
            control = catalog.controls.get(oscal)
            if control is None:
                close = difflib.get_close_matches(oscal, list(catalog.controls), n=1, cutoff=0.8)
                problem(
                    (*at, "control"),
                    f"unknown control {raw['control']!r}: no such control in the catalog",
                    f"did you mean {to_display(close[0])}?"
                    if close
                    else "check the id (custom controls need their directory: --controls DIR "
                    "or the profile's control_dirs)",
                )
        kind = raw.get("type", "poam")
        if is_invisible(raw["justification"]):
            problem(
                (*at, "justification"),
                "justification: the text shows nothing (only spaces, zero-width or control "
                "characters)",
                "write why the risk is accepted, in words a reviewer can read",
            )
        if len(dates) == 2:
            approved, expires = dates["approved_on"], dates["expires"]
            if expires < approved:
                problem(
                    (*at, "expires"),
                    f"expires {raw['expires']} is before approved_on {raw['approved_on']}",
                    "check the two dates",
                )
            elif kind == "poam" and control is not None:
                limit = POAM_DEADLINE_DAYS[control.severity]
                if (expires - approved).days > limit:
                    problem(
                        (*at, "expires"),
                        f"a POA&M waiver for {control.id} ({control.severity} severity) may "
                        f"run at most {limit} days after approval, but expires "
                        f"{raw['expires']} is {(expires - approved).days} days after "
                        f"{raw['approved_on']}",
                        f"set expires to {approved + timedelta(days=limit)}"
                        " or earlier, and re-approve the item when it runs out",
                    )
            elif kind in DEVIATION_TYPES and (expires - approved).days > DEVIATION_DAYS:
                problem(
                    (*at, "expires"),
                    f"a {kind} deviation may run at most {DEVIATION_DAYS} days after "
                    f"approval, but expires {raw['expires']} is "
                    f"{(expires - approved).days} days after {raw['approved_on']}",
                    "set expires within a year of approved_on; deviations are re-approved "
                    "at least yearly",
                )
        line, column, _ = doc.source.position(at)
        waivers.append(
            Waiver(
                control=to_display(oscal),
                target=raw["target"],
                justification=raw["justification"].strip(),
                approved_by=raw["approved_by"],
                approved_on=raw["approved_on"],
                expires=raw["expires"],
                type=kind,
                poam_id=raw.get("poam_id"),
                location=Location(path, line, column, display_path(doc.data, at)),
            )
        )
    if problems:
        raise InputErrors(problems)
    return WaiverFile(path, doc.sha256, tuple(waivers))


def run_date(result: Result) -> date:
    """The evaluation date of a Result (``Result.as_of``), the day its waivers are judged
    against. Never its ``generated_at``: SOURCE_DATE_EPOCH sets timestamps only, so a past epoch
    cannot make an expired waiver current again."""
    try:
        return parse_date(result.as_of_date)
    except ValueError:
        raise UsageError(
            f"the result's evaluation date {result.as_of_date!r} is not a date",
            "pass today= explicitly",
        ) from None


def is_expired(waiver: Waiver, today: date) -> bool:
    """A waiver holds through the end of its expiry day, UTC."""
    return today > parse_date(waiver.expires)


def is_pending(waiver: Waiver, today: date) -> bool:
    """A waiver dated after today has not been approved yet: it accepts no risk until then."""
    return today < parse_date(waiver.approved_on)


def _matches(waiver: Waiver, control_oscal: str, target: str) -> bool:
    return to_oscal(waiver.control) == control_oscal and waiver.target in ("*", target)


def apply_waivers(result: Result, waiver_file: WaiverFile, *, today: date | None = None) -> Result:
    """Waive the failing findings that current waivers match; report each waiver's state.

    Only ``fail`` findings are waived: an ``error`` (a check that broke) verified nothing, so
    there is nothing to accept. When several current waivers match a finding, one naming its
    target wins over ``*``, then the first in the file.
    """
    today = today or run_date(result)
    current = [
        w for w in waiver_file.waivers if not is_expired(w, today) and not is_pending(w, today)
    ]
    current_ids = {id(w) for w in current}
    # Specific targets first, then wildcards; file order within each (sorted() is stable).
    ordered = sorted(current, key=lambda w: w.target == "*")
    hits: dict[int, list[dict[str, str]]] = {id(w): [] for w in waiver_file.waivers}
    findings = []
    for finding in result.findings:
        if finding.status is Status.FAIL:
            oscal = to_oscal(finding.control_id)
            for waiver in ordered:
                if _matches(waiver, oscal, finding.target):
                    finding = dataclasses.replace(finding, status=Status.WAIVED, waiver=waiver)
                    hits[id(waiver)].append(
                        {"control_id": finding.control_id, "target": finding.target}
                    )
                    break
            else:
                for waiver in waiver_file.waivers:
                    if id(waiver) not in current_ids and _matches(waiver, oscal, finding.target):
                        hits[id(waiver)].append(
                            {"control_id": finding.control_id, "target": finding.target}
                        )
        findings.append(finding)

    states = []
    notes = list(result.notes)
    for waiver in waiver_file.waivers:
        expires = parse_date(waiver.expires)
        if is_expired(waiver, today):
            state = "expired"
            what = (
                f"{len(hits[id(waiver)])} finding(s) it matches fail again"
                if hits[id(waiver)]
                else "it matches no failing finding"
            )
            notes.append(
                f"waiver for {waiver.control} on {waiver.target} expired on "
                f"{waiver.expires} ({waiver.location}): {what}"
            )
        elif is_pending(waiver, today):
            state = "pending"
            what = (
                f"{len(hits[id(waiver)])} finding(s) it matches still fail"
                if hits[id(waiver)]
                else "it matches no failing finding"
            )
            notes.append(
                f"waiver for {waiver.control} on {waiver.target} is approved only from "
                f"{waiver.approved_on} ({waiver.location}): {what}"
            )
        elif hits[id(waiver)]:
            state = "applied"
        else:
            state = "stale"
            notes.append(
                f"waiver for {waiver.control} on {waiver.target} matches no failing "
                f"finding ({waiver.location}): remove it, or check its control and "
                "target"
            )
        states.append(
            {
                **waiver.to_dict(),
                "state": state,
                "days_to_expiry": (expires - today).days,
                "findings": hits[id(waiver)],
            }
        )
    inputs = (*result.inputs, InputFile("waivers", waiver_file.path, waiver_file.sha256))
    return dataclasses.replace(
        result, findings=tuple(findings), waivers=tuple(states), inputs=inputs, notes=tuple(notes)
    )


__all__ = [
    "WaiverFile",
    "apply_waivers",
    "is_expired",
    "is_pending",
    "load_waivers",
    "parse_date",
    "run_date",
]
