"""Rate each failing finding as FedRAMP rates a weakness: likelihood, impact, risk exposure, deadline.

The defaults are documented in docs/reports.md ("Risk ratings") and are data in this module:

- **impact** follows the control's severity (``IMPACT_BY_SEVERITY``): what a failure of the
  control would cost, as the catalog states it;
- **likelihood** follows what the check found (``LIKELIHOOD_BY_BASIS``): a value that is stated
  and wrong is a weakness known to be present (high); a value the description does not state,
  or a check that could not be evaluated, leaves it unknown whether the control is implemented
  (moderate); a critical control is rated high either way, since its failure is exploitable as
  soon as it exists;
- the **risk exposure** is FedRAMP's low / moderate / high from likelihood and impact
  (``EXPOSURE``, the risk exposure table of FedRAMP's security assessment report template);
- the **deadline** counts 30 (high), 90 (moderate) or 180 (low) days from the original detection
  day (``REMEDIATION_DAYS``), never from a later run or an approval.

The original detection day is the evaluation day of the run that first saw the weakness;
``carry_detection`` keeps it across runs from a previous result.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from .catalog import to_oscal
from .errors import UsageError
from .findings import RISK_LEVELS, ControlInfo, Finding, Result, Risk, Severity, Status

#: The impact facet of a failure, by the control's severity.
IMPACT_BY_SEVERITY: dict[Severity, str] = {
    Severity.CRITICAL: "high",
    Severity.HIGH: "high",
    Severity.MODERATE: "moderate",
    Severity.LOW: "low",
}
#: The likelihood facet of a failure, by what the check found.
LIKELIHOOD_BY_BASIS: dict[str, str] = {
    "stated-wrong": "high",
    "not-stated": "moderate",
    "check-error": "moderate",
}
#: What each basis means, as a report says it.
BASIS_WORDS: dict[str, str] = {
    "stated-wrong": "the description states a value that does not meet the control",
    "not-stated": "the description does not state the value the control needs",
    "check-error": "the check could not be evaluated",
}
#: FedRAMP's risk exposure: EXPOSURE[likelihood][impact].
EXPOSURE: dict[str, dict[str, str]] = {
    "high": {"low": "low", "moderate": "moderate", "high": "high"},
    "moderate": {"low": "low", "moderate": "moderate", "high": "moderate"},
    "low": {"low": "low", "moderate": "low", "high": "low"},
}
#: Days from the original detection day to the remediation deadline, by risk exposure.
REMEDIATION_DAYS: dict[str, int] = {"high": 30, "moderate": 90, "low": 180}

_RATED = (Status.FAIL, Status.ERROR, Status.WAIVED)


def exposure(likelihood: str, impact: str) -> str:
    """FedRAMP's risk exposure level of a likelihood and an impact (each low/moderate/high)."""
    return EXPOSURE[likelihood][impact]


def deadline(detected: date, level: str) -> date:
    """The remediation deadline of a weakness first detected on ``detected``."""
    return detected + timedelta(days=REMEDIATION_DAYS[level])


def basis_of(finding: Finding) -> str:
    """Why the finding's likelihood is what it is: stated-wrong, not-stated or check-error."""
    if finding.status is Status.ERROR:
        return "check-error"
    for e in finding.evidence:
        if not e.missing:
            return "stated-wrong"
    return "not-stated"


def own_rating(finding: Finding, defaults: dict[str, dict[str, Any]]) -> dict[str, Any] | None:
    """The control's own rating of this failure (``ControlInfo.risk``): the first failed check
    that sets one, else the control's, else None (the defaults apply)."""
    for check in finding.failed_checks:
        if check.name in defaults:
            return defaults[check.name]
    return defaults.get("")


def rate_finding(
    finding: Finding, detected: date, defaults: dict[str, dict[str, Any]] | None = None
) -> Risk:
    """The initial risk rating of one failing finding first detected on ``detected``;
    ``defaults`` are its control's own ratings (``ControlInfo.risk``), which win over the
    defaults by severity and basis for the facets they set."""
    own = own_rating(finding, defaults or {}) if finding.status is not Status.ERROR else None
    return _rating(basis_of(finding), finding.severity, own, detected)


def _rating(basis: str, severity: Severity, own: dict[str, Any] | None, detected: date) -> Risk:
    """The rating of a failure: a function of these four alone (see ``Ratings``)."""
    impact = IMPACT_BY_SEVERITY[severity]
    likelihood = LIKELIHOOD_BY_BASIS[basis]
    if severity is Severity.CRITICAL:
        likelihood = "high"
    rationale = (
        f"impact {impact} from the control's {severity.value} severity; likelihood "
        f"{likelihood} because {BASIS_WORDS[basis]}"
        + (" (a critical control)" if severity is Severity.CRITICAL else "")
    )
    if own is not None:
        likelihood = own.get("likelihood") or likelihood
        impact = own.get("impact") or impact
        rationale = (
            f"impact {impact}, likelihood {likelihood}, as the control rates this failure: "
            f"{' '.join(str(own['rationale']).split())}"
        )
    level = exposure(likelihood, impact)
    return Risk(
        likelihood=likelihood,
        impact=impact,
        level=level,
        detected=detected.isoformat(),
        deadline=deadline(detected, level).isoformat(),
        basis=basis,
        rationale=rationale,
    )


class Ratings:
    """The initial ratings of the failures of one result (``rate_finding`` for each), made once
    per distinct basis, severity, own rating and detection day: the failures that share them
    share one ``Risk`` (it is immutable), which a large result holds thousands of times."""

    def __init__(self, today: date, controls: Iterable[ControlInfo]) -> None:
        self.today = today
        self.own = {c.id: c.risk for c in controls if c.risk}
        self._made: dict[tuple[str, Severity, int, date], Risk] = {}

    def of(self, finding: Finding, detected: date | None = None) -> Risk:
        """``rate_finding(finding, detected or the evaluation day, its control's ratings)``."""
        day = self.today if detected is None else detected
        own = (
            own_rating(finding, self.own.get(finding.control_id) or {})
            if finding.status is not Status.ERROR
            else None
        )
        basis = basis_of(finding)
        # own is one of the dicts of self.own (or None): its identity is stable while we hold it
        key = (basis, finding.severity, id(own), day)
        risk = self._made.get(key)
        if risk is None:
            risk = self._made[key] = _rating(basis, finding.severity, own, day)
        return risk


def adjust(risk: Risk, likelihood: str | None, impact: str | None) -> Risk:
    """``risk`` after a risk adjustment: both adjusted facets are set, and the deadline counts
    from the original detection day at the adjusted level."""
    new_likelihood = likelihood or risk.likelihood
    new_impact = impact or risk.impact
    level = exposure(new_likelihood, new_impact)
    return dataclasses.replace(
        risk,
        adjusted_likelihood=new_likelihood,
        adjusted_impact=new_impact,
        adjusted_level=level,
        deadline=deadline(date.fromisoformat(risk.detected), level).isoformat(),
    )


def evaluation_day(result: Result) -> date:
    """The day the result was evaluated: its ``as_of`` when it has one, else its run day."""
    as_of = getattr(result, "as_of", None)
    if isinstance(as_of, str) and as_of:
        return date.fromisoformat(as_of)
    try:
        return date.fromisoformat(result.as_of_date)
    except ValueError:
        raise UsageError(
            f"the result's evaluation date {result.as_of_date!r} is not a date",
            "save the result again with a current fedcheck, which records as_of",
        ) from None


def weakness_key(finding: Finding) -> tuple[str, str]:
    """What identifies a weakness across runs: its control (OSCAL form) and its target."""
    try:
        control = to_oscal(finding.control_id)
    except ValueError:
        control = finding.control_id
    return control, finding.target


def rate(
    result: Result,
    detections: dict[tuple[str, str], str] | None = None,
    *,
    ratings: Ratings | None = None,
) -> Result:
    """``result`` with a risk rating on every failing, erroring and waived finding.

    ``detections`` maps a weakness (``weakness_key``) to its original detection day; a weakness
    not in it was first detected on the result's evaluation day. A finding that already carries
    the rating it is given is kept as it is. ``ratings`` are those its findings were rated with
    as they were built (the evaluation's), used when they are for this result's evaluation day
    and controls.
    """
    today = evaluation_day(result)
    fresh = Ratings(today, result.controls)
    if ratings is None or ratings.today != today or ratings.own != fresh.own:
        ratings = fresh
    findings = []
    for f in result.findings:
        if f.status in _RATED:
            known = detections.get(weakness_key(f)) if detections else None
            detected = min(date.fromisoformat(known), today) if known else today
            rating = ratings.of(f, detected)
            if f.risk is not rating and f.risk != rating:
                f = dataclasses.replace(f, risk=rating)
        elif f.risk is not None:
            f = dataclasses.replace(f, risk=None)
        findings.append(f)
    return dataclasses.replace(result, findings=tuple(findings))


def detections_of(previous: Result) -> dict[tuple[str, str], str]:
    """The original detection day of every weakness a previous result still had open."""
    out: dict[tuple[str, str], str] = {}
    for f in previous.findings:
        if f.status in _RATED and f.risk is not None:
            key = weakness_key(f)
            if key not in out or f.risk.detected < out[key]:
                out[key] = f.risk.detected
    return out


def carry_detection(previous: Result, result: Result) -> Result:
    """``result`` rated with the detection days of ``previous``: a re-run never resets them."""
    return rate(result, detections_of(previous))


def earliest(*maps: dict[tuple[str, str], str]) -> dict[tuple[str, str], str]:
    """The earliest detection day of each weakness over several histories."""
    out: dict[tuple[str, str], str] = {}
    for m in maps:
        for key, day in m.items():
            if key not in out or day < out[key]:
                out[key] = day
    return out


def load_poam_history(path: str) -> tuple[dict[tuple[str, str], str], str]:
    """The original detection day of each weakness in a POA&M that fedcheck wrote before
    (``--format poam``), by control and target (its finding observations' ``collected`` day),
    and the file's SHA-256."""
    import hashlib

    from .errors import InputError
    from .loading import parse_text, read_text

    text, raw = read_text(path)
    data, _ = parse_text(text, path, as_json=True)
    fix = "pass a POA&M written by fedcheck check --format poam"
    poam = data.get("plan-of-action-and-milestones") if isinstance(data, dict) else None
    if not isinstance(poam, dict) or not isinstance(poam.get("observations", []), list):
        raise InputError(path, None, None, "not an OSCAL plan of action and milestones", fix)
    out: dict[tuple[str, str], str] = {}
    for i, obs in enumerate(poam.get("observations", [])):
        if not isinstance(obs, dict) or "finding" not in (obs.get("types") or []):
            continue
        props = {
            p.get("name"): p.get("value")
            for p in obs.get("props") or []
            if isinstance(p, dict) and p.get("ns") == "urn:fedcheck:oscal"
        }
        control, target = props.get("control-id"), props.get("target")
        collected = str(obs.get("collected") or "")[:10]
        if not (isinstance(control, str) and isinstance(target, str)):
            continue
        try:
            date.fromisoformat(collected)
        except ValueError:
            stated = obs.get("collected")
            shown = "is missing" if stated is None else f"{stated!r} is not a timestamp"
            raise InputError(
                path, None, None, f"observations[{i}]: collected {shown}", fix
            ) from None
        try:
            key = (to_oscal(control), target)
        except ValueError:
            raise InputError(
                path,
                None,
                None,
                f"observations[{i}]: control-id {control!r} is not a control id",
                fix,
            ) from None
        if key not in out or collected < out[key]:
            out[key] = collected
    return out, hashlib.sha256(raw).hexdigest()


def root_causes(findings: Iterable[Finding]) -> list[list[Finding]]:
    """Findings grouped by weakness: the same target and the same field read by several controls
    is one root cause. A finding without evidence is its own group. Groups keep first-seen order.
    """
    groups: dict[tuple[str, ...], list[Finding]] = {}
    for f in findings:
        paths = sorted({e.path for e in f.evidence})
        if not paths and f.location is not None and f.location.path:
            paths = [f.location.path]
        if paths:
            key: tuple[str, ...] = ("field", f.target, paths[0])
        else:
            key = ("finding", f.control_id, f.target, str(len(groups)))
        groups.setdefault(key, []).append(f)
    return list(groups.values())


def highest(levels: Iterable[str]) -> str:
    """The highest of some risk levels (low when there are none)."""
    return max(levels, key=RISK_LEVELS.index, default="low")


__all__ = [
    "BASIS_WORDS",
    "EXPOSURE",
    "IMPACT_BY_SEVERITY",
    "LIKELIHOOD_BY_BASIS",
    "REMEDIATION_DAYS",
    "adjust",
    "basis_of",
    "carry_detection",
    "deadline",
    "detections_of",
    "earliest",
    "evaluation_day",
    "exposure",
    "highest",
    "load_poam_history",
    "rate",
    "rate_finding",
    "root_causes",
    "weakness_key",
]
