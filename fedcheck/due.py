"""The continuous-monitoring calendar: every dated obligation, its last record and its due date.

``fedcheck due`` lists what the records rules of the catalog judge (a policy review, a plan
test, a training, a monthly deliverable) and the dated facts of the deployment (a backup's last
restore test), each with its status on the evaluation date: ``overdue`` (the due date has
passed), ``no_record`` (nothing evidences it yet: due now), ``due`` (due within the window) or
``current``. Items are ordered by due date, then control, then obligation.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from . import records as _records
from .catalog import Catalog, sort_key
from .findings import Location
from .inputs import LoadedDeployment
from .plan import Tailoring, inheritance, parameter_sources, select_baseline, select_controls

STATUS_ORDER = ("overdue", "no_record", "due", "current")
_STATUS_LABEL = {"overdue": "OVERDUE", "no_record": "NO RECORD", "due": "DUE", "current": "current"}


@dataclass(frozen=True)
class DueItem:
    """One dated obligation of one control on one target."""

    control_id: str
    oscal_id: str
    title: str
    obligation: str
    what: str
    target: str
    target_kind: str
    last: str | None  # the date of the newest record (or dated fact)
    record: str | None  # the record's id
    due: str  # ISO date; the evaluation date when nothing evidences it yet
    status: str  # overdue | no_record | due | current
    period: str  # "at least every 12 months"
    source: str  # who sets the period: "FedRAMP High", "the profile"
    location: Location | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "control_id": self.control_id,
            "title": self.title,
            "obligation": self.obligation,
            "what": self.what,
            "target": self.target,
            "target_kind": self.target_kind,
            "last": self.last,
            "record": self.record,
            "due": self.due,
            "status": self.status,
            "period": self.period,
            "period_source": self.source,
            "location": self.location.to_dict() if self.location else None,
        }


@dataclass(frozen=True)
class DueCalendar:
    """The obligations of one system on one evaluation date."""

    system_id: str
    system_name: str | None
    baseline: str
    as_of: datetime.date
    within_days: int
    items: tuple[DueItem, ...]
    notes: tuple[str, ...] = ()

    def counts(self) -> dict[str, int]:
        return {s: sum(1 for i in self.items if i.status == s) for s in STATUS_ORDER}

    @property
    def is_late(self) -> bool:
        """Something is overdue, or has no record at all (fail closed: never done is late)."""
        return any(i.status in ("overdue", "no_record") for i in self.items)

    def to_dict(self) -> dict[str, Any]:
        return {
            "system": self.system_id,
            "baseline": self.baseline,
            "as_of": self.as_of.isoformat(),
            "within_days": self.within_days,
            "counts": self.counts(),
            "notes": list(self.notes),
            "items": [i.to_dict() for i in self.items],
        }


def due_calendar(
    deployment: LoadedDeployment,
    catalog: Catalog,
    *,
    baseline: str | None = None,
    tailoring: Tailoring | None = None,
    as_of: datetime.date | None = None,
    records: Sequence[_records.RecordSet] = (),
    within_days: int = 30,
    crms: Sequence[Any] = (),
) -> DueCalendar:
    """Every dated obligation of the selected baseline, judged on ``as_of`` (default today)."""
    chosen = select_baseline(deployment, baseline)
    tailoring = tailoring or Tailoring()
    as_of = as_of or datetime.datetime.now(datetime.UTC).date()
    aged, book, notes = _records.prepare(deployment, catalog, as_of, records)
    items: list[DueItem] = []
    selected = select_controls(catalog, chosen, tailoring)
    all_crms = (*tailoring.crms, *(c for c in crms if c not in tailoring.crms))
    inherited = inheritance(deployment, tailoring, catalog, selected, all_crms)
    sources = parameter_sources(tailoring)
    for control in selected:
        source = inherited.get(control.oscal_id)
        if source is not None and source.responsibility == "provider":
            continue  # the provider's obligation, not the customer's (a shared one stays)
        overrides = tailoring.parameters.get(control.oscal_id)
        if control.records:
            states, _ = _records.judge(
                control,
                chosen,
                overrides,
                book,
                as_of,
                within_days,
                sources=sources.get(control.oscal_id),
            )
            for st in states:
                items.append(_item(control, st, deployment, as_of))
    items.extend(
        _dated_fields(
            deployment, selected, inherited, tailoring, sources, chosen, as_of, within_days
        )
    )
    items.sort(key=lambda i: (i.due, sort_key(i.oscal_id), i.obligation, i.target))
    return DueCalendar(
        deployment.system_id,
        deployment.model.system.name,
        chosen,
        as_of,
        within_days,
        tuple(items),
        tuple(notes),
    )


def _item(
    control: Any, st: _records.State, deployment: LoadedDeployment, as_of: datetime.date
) -> DueItem:
    ob = st.obligation
    if st.last is None:
        line, column, _ = deployment.source.position(("records",))
        location: Location | None = Location(deployment.file, line, column, "records")
        last = record = None
        due = as_of
    else:
        location = st.last.location("date")
        last, record = st.last.record.date, st.last.record.id
        due = st.due or as_of
    return DueItem(
        control.id,
        control.oscal_id,
        control.title,
        ob.name,
        ob.what,
        deployment.system_id,
        "system",
        last,
        record,
        due.isoformat(),
        st.status,
        st.period if st.every else "once (no renewal period)",
        st.source,
        location,
    )


def _dated_fields(
    deployment: LoadedDeployment,
    selected: Sequence[Any],
    inherited: Any,
    tailoring: Tailoring,
    sources: dict[str, dict[str, str]],
    baseline: str,
    as_of: datetime.date,
    within_days: int,
) -> list[DueItem]:
    """The dated facts of the deployment (a backup's last restore test), for the controls that
    bound them; a day count does not age, so it has no due date and is left out."""
    by_id = {c.oscal_id: c for c in selected}
    out = []
    for spec in _records.DATED_FIELDS:
        control = by_id.get(spec.control)
        if control is None or spec.parameter not in control.parameters:
            continue
        source = inherited.get(control.oscal_id)
        if source is not None and source.responsibility == "provider":
            continue
        overrides = tailoring.parameters.get(control.oscal_id)
        bound = control.bind(baseline, overrides, sources.get(control.oscal_id))[spec.parameter]
        days, who = int(bound.value), bound.source
        for i, item in enumerate(deployment.data.get(spec.section) or []):
            text = _records._get(item, spec.date_path)
            if not isinstance(text, str):
                continue
            day = datetime.date.fromisoformat(text)
            due = day + datetime.timedelta(days=days)
            status = (
                "overdue"
                if due < as_of
                else "due"
                if (due - as_of).days <= within_days
                else "current"
            )
            path: tuple[str | int, ...] = (spec.section, i, *spec.date_path)
            line, column, _ = deployment.source.position(path)
            shown = f"{spec.section}[{item['id']}].{'.'.join(spec.date_path)}"
            out.append(
                DueItem(
                    control.id,
                    control.oscal_id,
                    control.title,
                    spec.date_path[-1],
                    spec.what,
                    item["id"],
                    "component",
                    text,
                    None,
                    due.isoformat(),
                    status,
                    f"at least every {days} days",
                    who,
                    Location(deployment.file, line, column, shown),
                )
            )
    return out


def render_text(cal: DueCalendar) -> str:
    dated = "" if cal.as_of == datetime.datetime.now(datetime.UTC).date() else " (not today)"
    lines = [
        f"fedcheck due: {cal.system_id}, FedRAMP {cal.baseline}, as of "
        f"{cal.as_of.isoformat()}{dated}, window {cal.within_days} days"
    ]
    for i in cal.items:
        last = (
            f"last {i.last}" + (f" (record {i.record})" if i.record else "")
            if i.last
            else "no record"
        )
        lines.append(
            f"{_STATUS_LABEL[i.status]:9}  {i.due}  {i.control_id} {i.obligation} on {i.target}: "
            f"{i.what}; {last}; {i.period} ({i.source})"
        )
    counts = cal.counts()
    lines.append(
        f"{counts['overdue']} overdue, {counts['no_record']} without a record, "
        f"{counts['due']} due within {cal.within_days} days, {counts['current']} current"
    )
    lines.extend(f"note: {n}" for n in cal.notes)
    return "\n".join(lines) + "\n"


def render_json(cal: DueCalendar) -> str:
    return json.dumps(cal.to_dict(), indent=2, ensure_ascii=False) + "\n"
