"""Read a waiver file and apply its entries to a Result, as FedRAMP defines deviations.

An entry names a failing control on a target and is one of:

- ``poam`` (the default): a POA&M item being remediated. While it is current and within the
  weakness's FedRAMP deadline (30 / 90 / 180 days from the original detection day, by risk
  level, see fedcheck.risk) the finding is ``waived`` and does not fail the gate; past that
  deadline it fails again, whatever its ``expires`` says.
- ``false_positive``: the weakness is not real. The item is closed, with its ``evidence``.
- ``risk_adjustment``: mitigating factors lower the risk. The finding keeps failing (it is not a
  waiver); its rating gets the adjusted likelihood and impact, and its deadline counts from the
  original detection day at the adjusted level.
- ``operational_requirement``: the risk is accepted because the system needs the setting. FedRAMP
  accepts none for a high risk, so fedcheck refuses it there (after any risk adjustment).

A deviation (the last three) needs the authorizing official's approval: ``approver_role`` is
``authorizing-official`` or ``fedramp-board`` (``APPROVER_ROLES`` documents the vocabulary). A
waiver past its expiry day waives nothing (the finding fails again) and is reported as
``expired``; one dated after today is ``pending``; a current one that matches nothing is
``stale``; one that cannot apply to the finding's risk is ``refused``; a POA&M item past its
deadline is ``overdue``. At load time an entry is refused with its line and a fix when a field is
missing, a date is not a date, its control is unknown, a deviation lacks what FedRAMP requires of
it, or a deviation runs more than 365 days (deviations are re-approved at least yearly).
"""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

from .catalog import Catalog, to_display, to_oscal
from .dates import parse_date
from .errors import InputErrors, Problem, UsageError
from .findings import RISK_LEVELS, InputFile, Location, Result, Risk, Status, Waiver
from .inputs import display_path
from .loading import DEFAULT_LIMITS, Limits, load_file
from .text import is_invisible

if TYPE_CHECKING:
    from .formats.waivers import Waiver as WaiverEntry

#: The longest FedRAMP remediation deadline (a low risk), the most a POA&M item can run.
POAM_MAX_DAYS = 180
#: A FedRAMP deviation request is re-approved at least yearly.
DEVIATION_DAYS = 365
DEVIATION_TYPES = ("risk_adjustment", "operational_requirement", "false_positive")
#: Who approved an entry (``approver_role``), and whether that role may approve a deviation.
APPROVER_ROLES: dict[str, tuple[str, bool]] = {
    "authorizing-official": ("the agency's authorizing official (AO) or their delegate", True),
    "fedramp-board": (
        "the FedRAMP Board (formerly the JAB), for a provisional authorization",
        True,
    ),
    "system-owner": ("the system owner, who owns the remediation plan", False),
    "isso": ("the information system security officer, who tracks the plan", False),
}
DEVIATION_APPROVERS = tuple(role for role, (_, may) in APPROVER_ROLES.items() if may)


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

    With ``catalog``, each waiver's control must exist in it.
    """
    from . import formats
    from .formats.waivers import WaiversFile

    doc = load_file(path, limits)
    model = formats.validate(doc.data, doc.source, "waivers", WaiversFile)
    problems: list[Problem] = []

    def problem(where: tuple[str | int, ...], message: str, fix: str) -> None:
        line, column, _ = doc.source.position(where)
        problems.append(Problem(path, line, column, message, fix))

    waivers = []
    for i, entry in enumerate(model.waivers):
        at: tuple[str | int, ...] = ("waivers", i)
        dates: dict[str, date] = {}
        for key in ("approved_on", "expires"):
            try:
                dates[key] = parse_date(getattr(entry, key))
            except ValueError as exc:
                problem((*at, key), f"{key}: {exc}", "write an ISO date such as 2025-01-31")
        try:
            oscal = to_oscal(entry.control)
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
                    f"unknown control {entry.control!r}: no such control in the catalog",
                    f"did you mean {to_display(close[0])}?"
                    if close
                    else "check the id (custom controls need their directory: --controls DIR "
                    "or the profile's control_dirs)",
                )
        kind = entry.type
        if is_invisible(entry.justification):
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
                    f"expires {entry.expires} is before approved_on {entry.approved_on}",
                    "check the two dates",
                )
            elif kind == "poam" and (expires - approved).days > POAM_MAX_DAYS:
                problem(
                    (*at, "expires"),
                    f"a POA&M item is due at most {POAM_MAX_DAYS} days after its weakness was "
                    f"detected (a low risk), but expires {entry.expires} is "
                    f"{(expires - approved).days} days after approved_on {entry.approved_on}",
                    f"set expires to {approved + timedelta(days=POAM_MAX_DAYS)} or earlier; "
                    "fedcheck also ends the item at its risk's deadline from detection",
                )
            elif kind in DEVIATION_TYPES and (expires - approved).days > DEVIATION_DAYS:
                problem(
                    (*at, "expires"),
                    f"a {kind} deviation may run at most {DEVIATION_DAYS} days after "
                    f"approval, but expires {entry.expires} is "
                    f"{(expires - approved).days} days after {entry.approved_on}",
                    "set expires within a year of approved_on; deviations are re-approved "
                    "at least yearly",
                )
        _deviation_problems(entry, kind, at, problem)
        line, column, _ = doc.source.position(at)
        waivers.append(
            Waiver(
                control=to_display(oscal),
                target=entry.target,
                justification=entry.justification.strip(),
                approved_by=entry.approved_by,
                approved_on=entry.approved_on,
                expires=entry.expires,
                type=kind,
                poam_id=entry.poam_id,
                location=Location(path, line, column, display_path(doc.data, at)),
                approver_role=entry.approver_role,
                evidence=entry.evidence.strip() if entry.evidence is not None else None,
                mitigating_factors=tuple(m.strip() for m in entry.mitigating_factors or ()),
                adjusted_likelihood=entry.adjusted_likelihood,
                adjusted_impact=entry.adjusted_impact,
            )
        )
    if problems:
        raise InputErrors(problems)
    return WaiverFile(path, doc.sha256, tuple(waivers))


def _deviation_problems(
    entry: WaiverEntry,
    kind: str,
    at: tuple[str | int, ...],
    problem: Callable[[tuple[str | int, ...], str, str], None],
) -> None:
    """What FedRAMP requires of a deviation that an entry (perhaps an older file) lacks."""
    role = entry.approver_role
    if kind in DEVIATION_TYPES:
        if role is None:
            problem(
                at,
                f"a {kind} deviation needs the authorizing official's approval, but the entry "
                "has no approver_role",
                "add approver_role: authorizing-official (or fedramp-board for a provisional "
                "authorization) once they have approved it; until then it is a POA&M item "
                "(type: poam)",
            )
        elif role not in DEVIATION_APPROVERS:
            problem(
                (*at, "approver_role"),
                f"a {kind} deviation is approved by the authorizing official, not the {role}",
                "set approver_role to authorizing-official or fedramp-board, with approved_by "
                "naming who approved it",
            )
    if kind == "false_positive" and not (entry.evidence or "").strip():
        problem(
            at,
            "a false_positive deviation closes the item only with its evidence, but the entry "
            "has no evidence",
            "add evidence: what shows the finding is not real (a screenshot, a configuration "
            "export, a vendor statement)",
        )
    adjusted = [
        k for k in ("adjusted_likelihood", "adjusted_impact") if getattr(entry, k) is not None
    ]
    if kind == "risk_adjustment":
        if not entry.mitigating_factors:
            problem(
                at,
                "a risk_adjustment needs the mitigating factors that lower the risk, but the "
                "entry has no mitigating_factors",
                "add mitigating_factors: a list of what reduces the likelihood or the impact",
            )
        if not adjusted:
            problem(
                at,
                "a risk_adjustment lowers the likelihood or the impact, but the entry states "
                "neither adjusted_likelihood nor adjusted_impact",
                "add adjusted_likelihood and/or adjusted_impact (low, moderate or high)",
            )
    else:
        for key in adjusted:
            problem(
                (*at, key),
                f"{key} belongs to a risk_adjustment, not to a {kind} entry",
                "make the entry type: risk_adjustment, or remove the adjusted values",
            )
        if entry.mitigating_factors is not None:
            problem(
                (*at, "mitigating_factors"),
                f"mitigating_factors belong to a risk_adjustment, not to a {kind} entry",
                "make the entry type: risk_adjustment, or move them into justification",
            )


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
    """Apply the current entries to the failing findings they match; report each entry's state.

    Only ``fail`` findings are matched: an ``error`` (a check that broke) verified nothing, so
    there is nothing to accept or adjust. A risk adjustment applies first (it changes the rating
    the others are judged by); then the first current ``poam``, ``false_positive`` or
    ``operational_requirement`` entry decides whether the finding still fails. Among entries of
    one kind, one naming the finding's target wins over ``*``, then the first in the file.
    """
    from .risk import adjust, evaluation_day, rate_finding

    today = today or run_date(result)
    current = [
        w for w in waiver_file.waivers if not is_expired(w, today) and not is_pending(w, today)
    ]
    current_ids = {id(w) for w in current}
    # Specific targets first, then wildcards; file order within each (sorted() is stable).
    ordered = sorted(current, key=lambda w: w.target == "*")
    hits: dict[int, list[dict[str, str]]] = {id(w): [] for w in waiver_file.waivers}
    refused: dict[int, list[str]] = {id(w): [] for w in waiver_file.waivers}
    overdue: dict[int, list[str]] = {id(w): [] for w in waiver_file.waivers}
    findings = []
    for finding in result.findings:
        if finding.status is not Status.FAIL:
            findings.append(finding)
            continue
        oscal = to_oscal(finding.control_id)
        hit = {"control_id": finding.control_id, "target": finding.target}
        name = f"{finding.control_id} on {finding.target}"
        risk = finding.risk or rate_finding(finding, evaluation_day(result))
        matching = [w for w in ordered if _matches(w, oscal, finding.target)]
        adjustment = next((w for w in matching if w.type == "risk_adjustment"), None)
        if adjustment is not None:
            adjusted = adjust(risk, adjustment.adjusted_likelihood, adjustment.adjusted_impact)
            why = _not_lower(risk, adjusted)
            if why:
                refused[id(adjustment)].append(f"{name}: {why}")
            else:
                risk = adjusted
                hits[id(adjustment)].append(hit)
                finding = dataclasses.replace(finding, waiver=adjustment)
        finding = dataclasses.replace(finding, risk=risk)
        for waiver in (w for w in matching if w.type != "risk_adjustment"):
            if waiver.type == "operational_requirement" and risk.effective_level == "high":
                refused[id(waiver)].append(
                    f"{name}: FedRAMP accepts no operational requirement for a high risk"
                )
                continue
            if waiver.type == "poam" and today > parse_date(risk.deadline):
                overdue[id(waiver)].append(
                    f"{name}: its {risk.effective_level} risk was due on {risk.deadline} "
                    f"({risk.detected} + the FedRAMP deadline)"
                )
                continue
            finding = dataclasses.replace(finding, status=Status.WAIVED, waiver=waiver)
            hits[id(waiver)].append(hit)
            break
        for waiver in waiver_file.waivers:
            if id(waiver) not in current_ids and _matches(waiver, oscal, finding.target):
                hits[id(waiver)].append(hit)
        findings.append(finding)

    states = []
    notes = list(result.notes)
    for waiver in waiver_file.waivers:
        expires = parse_date(waiver.expires)
        found = hits[id(waiver)]
        label = f"{waiver.type} entry for {waiver.control} on {waiver.target}"
        if is_expired(waiver, today):
            state = "expired"
            what = (
                f"{len(found)} finding(s) it matches fail again"
                if found
                else "it matches no failing finding"
            )
            notes.append(f"{label} expired on {waiver.expires} ({waiver.location}): {what}")
        elif is_pending(waiver, today):
            state = "pending"
            what = (
                f"{len(found)} finding(s) it matches still fail"
                if found
                else "it matches no failing finding"
            )
            notes.append(
                f"{label} is approved only from {waiver.approved_on} ({waiver.location}): {what}"
            )
        elif found:
            state = "applied"
            for why in (*refused[id(waiver)], *overdue[id(waiver)]):
                notes.append(f"{label} does not apply to {why} ({waiver.location})")
        elif refused[id(waiver)]:
            state = "refused"
            notes.append(
                f"{label} is refused ({waiver.location}): " + "; ".join(refused[id(waiver)])
            )
        elif overdue[id(waiver)]:
            state = "overdue"
            notes.append(
                f"{label} is past the FedRAMP remediation deadline ({waiver.location}), so "
                "the finding fails again: " + "; ".join(overdue[id(waiver)])
            )
        else:
            state = "stale"
            notes.append(
                f"{label} matches no failing finding ({waiver.location}): remove it, or "
                "check its control and target"
            )
        states.append(
            {
                **waiver.to_dict(),
                "state": state,
                "days_to_expiry": (expires - today).days,
                "findings": found,
            }
        )
    inputs = (*result.inputs, InputFile("waivers", waiver_file.path, waiver_file.sha256))
    return dataclasses.replace(
        result, findings=tuple(findings), waivers=tuple(states), inputs=inputs, notes=tuple(notes)
    )


def _not_lower(initial: Risk, adjusted: Risk) -> str:
    """Why ``adjusted`` is not a lowering of ``initial`` ('' when it is)."""
    order = RISK_LEVELS.index
    pairs = (
        ("likelihood", initial.likelihood, adjusted.adjusted_likelihood or initial.likelihood),
        ("impact", initial.impact, adjusted.adjusted_impact or initial.impact),
    )
    for facet, before, after in pairs:
        if order(after) > order(before):
            return f"the adjusted {facet} {after} is above the initial {before}"
    if all(before == after for _, before, after in pairs):
        return (
            f"the adjusted facets equal the initial ones ({initial.likelihood}, {initial.impact})"
        )
    return ""


__all__ = [
    "APPROVER_ROLES",
    "DEVIATION_APPROVERS",
    "DEVIATION_TYPES",
    "POAM_MAX_DAYS",
    "WaiverFile",
    "apply_waivers",
    "is_expired",
    "is_pending",
    "load_waivers",
    "parse_date",
    "run_date",
]
