"""Customer responsibility matrices (CRMs) and the inheritance they back.

A leveraged FedRAMP-authorized provider publishes, in its package, a customer responsibility
matrix: for each control, whether the provider implements it (``provider``), the customer does
(``customer``), or both share it (``shared``, with the customer's part named). fedcheck reads a
CRM from a YAML file of its own format (the model below is the source of
``schemas/crm.schema.json``) and lets a claim of inheritance (a deployment's
``inherited_controls`` or a profile's ``inherited``) count only as far as a CRM given to the run
allows:

- a claim that no CRM backs, or for a control the CRM puts on the customer, is an input error;
- a control the customer configures itself (``customer_configured: true`` in its control file:
  encryption of its own flows and stores, its MFA, its logging, its backups) is at most
  ``shared``, whatever the CRM says: its checks still run on the customer's part;
- of several claims for one control, the stricter wins (shared over provider; then the provider
  with the lower authorization), whatever their order or names.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from .errors import InputErrors, Problem
from .findings import InputFile, Location
from .loading import DEFAULT_LIMITS, Document, Limits, SourceMap, load_file, parse_text

if TYPE_CHECKING:
    from .catalog import Catalog, Control

SCHEMA_ID = "https://fedcheck.dev/schemas/crm.schema.json"

Responsibility = Literal["provider", "shared", "customer"]
#: A CRM belongs to a FedRAMP authorization; a provider without one has no FedRAMP CRM.
CrmAuthorization = Literal["li-saas", "low", "moderate", "high"]

_FAMILY = re.compile(r"^[A-Za-z]{2,6}$")
#: Which of two effective responsibilities is stricter (the higher rank wins).
RESPONSIBILITY_RANK = {"provider": 0, "shared": 1, "customer": 2}


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, validate_default=False)


class CrmControl(_Model):
    """Who implements one control."""

    model_config = ConfigDict(
        json_schema_extra={
            "if": {
                "properties": {
                    "responsibility": {
                        "description": "A shared or customer control must name the customer's "
                        "part.",
                        "enum": ["shared", "customer"],
                    }
                }
            },
            "then": {"required": ["customer"]},
        }
    )

    responsibility: Responsibility = Field(
        ...,
        description="provider: the provider implements the control entirely (it can be "
        "inherited); shared: the provider implements a part and the customer the rest; "
        "customer: the customer implements it (it cannot be inherited).",
    )
    customer: str | None = Field(
        None,
        min_length=1,
        max_length=4_000,
        description="What the customer must do; required when the responsibility is shared "
        "or customer.",
    )
    provider: str | None = Field(
        None,
        min_length=1,
        max_length=4_000,
        description="What the provider implements (optional).",
    )


class CustomerResponsibilityMatrix(_Model):
    """A leveraged provider's customer responsibility matrix, in fedcheck's format."""

    model_config = ConfigDict(
        title="fedcheck customer responsibility matrix",
        json_schema_extra={"$id": SCHEMA_ID},
    )

    version: Literal[1] = Field(..., description="The version of this format: 1.")
    provider: str = Field(
        ...,
        min_length=1,
        max_length=1_000,
        description="The provider as claims name it (a deployment's inherited_controls or a "
        "profile's inherited entries).",
    )
    package_id: str = Field(
        ...,
        min_length=1,
        max_length=1_000,
        description="The FedRAMP package id of the provider's authorization.",
    )
    fedramp_authorization: CrmAuthorization = Field(
        ...,
        description="The level of the provider's FedRAMP authorization: li-saas | low | "
        "moderate | high.",
    )
    date: str = Field(
        ...,
        pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
        json_schema_extra={"format": "date"},
        description="The date of this version of the CRM, YYYY-MM-DD.",
    )
    description: str | None = Field(
        None, max_length=4_000, description="Where the CRM comes from, and anything to know."
    )
    controls: dict[str, CrmControl] = Field(
        ...,
        min_length=1,
        max_length=2_000,
        description="Control id (AC-2(3) or ac-2.3) -> who implements it.",
    )


def json_schema() -> dict[str, Any]:
    """The JSON Schema of the CRM format, as committed under ``schemas/``."""
    schema = CustomerResponsibilityMatrix.model_json_schema(mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = SCHEMA_ID
    return schema


@dataclass(frozen=True)
class Crm:
    """A loaded, validated CRM; ``entries`` is keyed by OSCAL control id."""

    file: str
    model: CustomerResponsibilityMatrix
    source: SourceMap
    sha256: str
    entries: dict[str, CrmControl]
    keys: dict[str, str]  # OSCAL id -> the key as written, for locations

    @property
    def provider(self) -> str:
        return self.model.provider

    @property
    def level(self) -> str:
        return self.model.fedramp_authorization

    @property
    def input_file(self) -> InputFile:
        return InputFile("crm", self.file, self.sha256)

    def location(self, *path: str | int) -> Location:
        line, column, _ = self.source.position(path)
        shown = ".".join(str(p) for p in path)
        return Location(self.file, line, column, shown)

    def entry_location(self, oscal_id: str) -> Location:
        key = self.keys[oscal_id]
        line, column, _ = self.source.position(("controls", key), key=True)
        return Location(self.file, line, column, f"controls[{key}]")


def load_crm(path: str, limits: Limits = DEFAULT_LIMITS, *, catalog: Catalog | None = None) -> Crm:
    """Read and validate a CRM file; with ``catalog``, every control id must be one of it."""
    return _validated(load_file(path, limits), catalog)


def parse_crm(
    text: str,
    file: str = "<string>",
    limits: Limits = DEFAULT_LIMITS,
    *,
    catalog: Catalog | None = None,
    as_json: bool = False,
) -> Crm:
    """Validate a CRM given as YAML (or JSON) text."""
    import hashlib

    data, source = parse_text(text, file, limits, as_json=as_json)
    if not isinstance(data, dict):
        raise InputErrors(
            [Problem(file, 1, 1, "the top level must be a mapping", "start with 'version: 1'")]
        )
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return _validated(Document(file, data, source, digest), catalog)


def _validated(doc: Document, catalog: Catalog | None) -> Crm:
    from . import formats
    from .catalog import to_display, to_oscal

    path = doc.file
    model = formats.validate(doc.data, doc.source, "crm", CustomerResponsibilityMatrix)
    problems: list[Problem] = []

    def problem(where: tuple[str | int, ...], message: str, fix: str, *, key: bool = False) -> None:
        line, column, _ = doc.source.position(where, key=key)
        problems.append(Problem(path, line, column, message, fix))

    try:
        date.fromisoformat(model.date)
    except ValueError:
        problem(("date",), f"date: {model.date!r} is no calendar date", "write YYYY-MM-DD")
    entries: dict[str, CrmControl] = {}
    keys: dict[str, str] = {}
    for key, entry in model.controls.items():
        where: tuple[str | int, ...] = ("controls", key)
        try:
            oscal = to_oscal(key)
        except ValueError:
            problem(
                where, f"controls: {key!r} is no control id", "write AC-2(3) or ac-2.3", key=True
            )
            continue
        if oscal in entries:
            problem(
                where,
                f"controls: {key!r} is {keys[oscal]!r} written again",
                "keep one entry per control",
                key=True,
            )
            continue
        if catalog is not None and oscal not in catalog.controls:
            close = difflib.get_close_matches(oscal, list(catalog.controls), n=1, cutoff=0.8)
            problem(
                where,
                f"controls: unknown control {key!r}: it is not in the catalog",
                f"did you mean {to_display(close[0])}?"
                if close
                else "check the id (custom controls need --controls DIR)",
                key=True,
            )
            continue
        if entry.responsibility != "provider" and entry.customer is None:
            problem(
                (*where, "responsibility"),
                f"controls[{key}]: a {entry.responsibility} control must name the customer's part",
                "add customer: with what the customer must do, as the provider's CRM states it",
            )
        entries[oscal] = entry
        keys[oscal] = key
    if problems:
        raise InputErrors(problems)
    return Crm(path, model, doc.source, doc.sha256, entries, keys)


def load_crms(
    paths: Iterable[str], limits: Limits = DEFAULT_LIMITS, *, catalog: Catalog | None = None
) -> tuple[Crm, ...]:
    """Load several CRM files; two of the same package are refused (which one would count?)."""
    out: list[Crm] = []
    for path in paths:
        crm = load_crm(path, limits, catalog=catalog)
        for other in out:
            if other.model.package_id == crm.model.package_id:
                loc = crm.location("package_id")
                raise InputErrors(
                    [
                        Problem(
                            crm.file,
                            loc.line,
                            loc.column,
                            f"package {crm.model.package_id} has a CRM already ({other.file})",
                            "give each provider's CRM once",
                        )
                    ]
                )
        out.append(crm)
    return tuple(out)


# --- claims and what they inherit -------------------------------------------------------------


@dataclass(frozen=True)
class Claim:
    """A claim of inheritance: a provider, and the controls (or families) said to be its."""

    provider: str
    fedramp_authorization: str
    package_id: str | None
    responsibility: str  # full | shared, as the claim states it
    refs: tuple[tuple[str, Location], ...]  # each control id or family code, where written
    location: Location  # where the claim starts
    where: str  # "inherited_controls[0]" or "inherited[0]", for messages
    authorization_location: Location | None = None


@dataclass(frozen=True)
class Inheritance:
    """What one control inherits: its effective responsibility and the CRM behind it."""

    control: str  # OSCAL id
    responsibility: str  # provider | shared
    crm: Crm
    entry: CrmControl
    claim: Claim
    location: Location  # the claim's reference to the control
    reason: str  # why shared, when it is

    @property
    def customer_part(self) -> str:
        if self.entry.customer:
            return " ".join(self.entry.customer.split())
        return "the customer configures this control itself"

    def rank(self) -> tuple[int, int, str, str, str, int, int]:
        """Stricter first: shared before provider, then the lower authorization (a claim
        through a provider below the system's level must surface), then names only to break
        ties between otherwise equal claims."""
        from .deployment import LEVEL_RANK

        return (
            -RESPONSIBILITY_RANK[self.responsibility],
            LEVEL_RANK[self.crm.level],
            self.crm.provider,
            self.crm.model.package_id,
            self.location.file,
            self.location.line or 0,
            self.location.column or 0,
        )


def _normal(name: str) -> str:
    return " ".join(name.split()).casefold()


def _crm_of(claim: Claim, crms: Sequence[Crm]) -> tuple[Crm | None, str]:
    """The CRM that backs a claim, or None and why none does."""
    given = ", ".join(f"{c.provider} ({c.model.package_id})" for c in crms) or "none"
    if claim.package_id is not None:
        match = [c for c in crms if c.model.package_id == claim.package_id]
        if not match:
            return None, f"no CRM of package {claim.package_id} was given (CRMs given: {given})"
        crm = match[0]
        if _normal(crm.provider) != _normal(claim.provider):
            return None, (
                f"the CRM of package {claim.package_id} ({crm.file}) is {crm.provider!r}'s, "
                f"not {claim.provider!r}'s"
            )
        return crm, ""
    match = [c for c in crms if _normal(c.provider) == _normal(claim.provider)]
    if not match:
        return None, f"no CRM of {claim.provider!r} was given (CRMs given: {given})"
    if len(match) > 1:
        return None, (
            f"several CRMs of {claim.provider!r} were given "
            f"({', '.join(c.model.package_id for c in match)}), and the claim names no package_id"
        )
    return match[0], ""


_NO_CRM_FIX = (
    "give the provider's customer responsibility matrix (--crm FILE, or crms: in the "
    "profile), or remove the claim"
)


def resolve(
    claims: Sequence[Claim], crms: Sequence[Crm], controls: Sequence[Control]
) -> dict[str, Inheritance]:
    """What each evaluated control inherits, by OSCAL id; InputErrors naming every claim that
    no CRM backs, or that a CRM refuses (the control is the customer's)."""
    from .catalog import to_oscal

    by_id = {c.oscal_id: c for c in controls}
    problems: list[Problem] = []

    def problem(at: Location, message: str, fix: str) -> None:
        problems.append(Problem(at.file, at.line, at.column, message, fix))

    best: dict[str, Inheritance] = {}
    for claim in claims:
        crm, why = _crm_of(claim, crms)
        if crm is None:
            for ref, at in claim.refs:
                problem(
                    at,
                    f"{claim.where}: {_shown(ref)} is claimed as inherited from "
                    f"{claim.provider}, but {why}",
                    _NO_CRM_FIX,
                )
            continue
        if claim.fedramp_authorization != crm.level:
            at = claim.authorization_location or claim.location
            problem(
                at,
                f"{claim.where}: the claim says {claim.provider} is authorized at "
                f"{claim.fedramp_authorization}, but its CRM ({crm.file}) says {crm.level}",
                f"set fedramp_authorization: {crm.level}, as the provider's authorization states",
            )
            continue
        for ref, at in claim.refs:
            if _FAMILY.fullmatch(ref):
                family = ref.upper()
                named = [c for c in controls if c.family.upper() == family]
            else:
                control = by_id.get(to_oscal(ref))
                named = [control] if control is not None else []
            unbacked = [c.id for c in named if c.oscal_id not in crm.entries]
            refused = [
                c.id
                for c in named
                if c.oscal_id in crm.entries
                and crm.entries[c.oscal_id].responsibility == "customer"
            ]
            if unbacked:
                problem(
                    at,
                    f"{claim.where}: {_shown(ref)} claims {_listed(unbacked)} from "
                    f"{crm.provider}, but its CRM ({crm.file}) does not list "
                    f"{'it' if len(unbacked) == 1 else 'them'}",
                    "claim only the controls the CRM lists as provider or shared",
                )
            if refused:
                first = crm.entry_location(to_oscal(refused[0]))
                problem(
                    at,
                    f"{claim.where}: {_shown(ref)} claims {_listed(refused)} from "
                    f"{crm.provider}, but its CRM ({first.file}:{first.line}) puts "
                    f"{'it' if len(refused) == 1 else 'them'} on the customer",
                    "remove the claim: the system implements these controls itself",
                )
            if unbacked or refused:
                continue
            for control in named:
                entry = crm.entries[control.oscal_id]
                reasons = []
                if claim.responsibility == "shared":
                    reasons.append("the claim says shared")
                if entry.responsibility == "shared":
                    reasons.append("the CRM says shared")
                if control.customer_configured:
                    reasons.append(f"the customer configures {control.id} itself")
                found = Inheritance(
                    control.oscal_id,
                    "shared" if reasons else "provider",
                    crm,
                    entry,
                    claim,
                    at,
                    "; ".join(reasons),
                )
                earlier = best.get(control.oscal_id)
                if earlier is None or found.rank() < earlier.rank():
                    best[control.oscal_id] = found
    if problems:
        problems.sort(key=lambda p: (p.file, p.line or 0, p.column or 0))
        raise InputErrors(problems)
    return best


def _shown(ref: str) -> str:
    from .catalog import to_display

    return ref.upper() if _FAMILY.fullmatch(ref) else to_display(ref)


def _listed(ids: Sequence[str], limit: int = 8) -> str:
    shown = ", ".join(ids[:limit])
    return shown + (f" and {len(ids) - limit} more" if len(ids) > limit else "")


__all__ = [
    "Claim",
    "Crm",
    "CrmControl",
    "CustomerResponsibilityMatrix",
    "Inheritance",
    "json_schema",
    "load_crm",
    "load_crms",
    "parse_crm",
    "resolve",
]
