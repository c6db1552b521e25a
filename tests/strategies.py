"""Hypothesis strategies for deployment descriptions, derived from the pydantic models.

``deployments()`` draws plain data (what a YAML file holds) that the model accepts: every
optional field present or absent, numbers within the model's bounds, enumerations from the
model's ``Literal`` types, ids matching the model's patterns and unique across the system,
components, external services and data flows, and flows between two distinct existing ids.
Because the strategy walks ``fedcheck.deployment``, a field added to the model is generated
without touching this file.

``ORDERED_FIELDS`` is the one table of the contract's ordered values: for each, which direction
is the stronger one. The monotonicity properties weaken or strengthen one value by it.
"""

from __future__ import annotations

import copy
import datetime
import typing
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st
from pydantic import BaseModel

from fedcheck import deployment as dm

# --- values from the model -------------------------------------------------------------------

_ID = st.from_regex(r"\A[a-z][a-z0-9-]{0,11}\Z").filter(
    lambda s: s not in ("y", "n", "no", "on", "off", "yes", "null", "true", "false")
)
_PATTERNS = {
    dm.ID_PATTERN: _ID,
    dm.SYSTEM_ID_PATTERN: _ID,
    dm.COUNTRY_PATTERN: st.sampled_from(["us", "ca", "de", "gb"]),
    # Dates before any evaluation date a test uses (a later one is an input error).
    dm.DATE_PATTERN: st.dates(datetime.date(2000, 1, 1), datetime.date(2025, 12, 31)).map(
        datetime.date.isoformat
    ),
    dm.SHA256_PATTERN: st.from_regex(r"\A[0-9a-f]{64}\Z"),
    dm.URL_PATTERN: st.just("https://evidence.example.gov/record"),
}

#: fedcheck refuses these unquoted (YAML 1.1 and go-yaml read them as booleans), but PyYAML, which
#: has no such reading, writes them unquoted; a generated string must not be one of them or the
#: generated file would (rightly) be refused. tests/test_hostile_inputs.py covers the refusal.
UNQUOTED_BY_PYYAML_BUT_REFUSED = frozenset({"y", "Y", "n", "N"})

#: Free text: any Unicode a YAML file can hold (control characters and line breaks included, which
#: the dumper escapes), short so that examples stay fast.
TEXT = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=12).filter(
    lambda s: s not in UNQUOTED_BY_PYYAML_BUT_REFUSED
)


def _constraints(info: Any) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for item in info.metadata:
        for name in ("ge", "le", "min_length", "max_length", "pattern"):
            value = getattr(item, name, None)
            if value is not None:
                found[name] = value
    return found


def _optional_inner(annotation: Any) -> Any:
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    if typing.get_origin(annotation) in (typing.Union, __import__("types").UnionType):
        return args[0]
    return annotation


def value_strategy(annotation: Any, constraints: dict[str, Any]) -> st.SearchStrategy[Any]:
    """A strategy for one field's value, from its type and its Field constraints."""
    annotation = _optional_inner(annotation)
    if annotation is dm.IsoDate:  # Annotated[str, ...]: a calendar date
        return _PATTERNS[dm.DATE_PATTERN]
    origin = typing.get_origin(annotation)
    if origin is typing.Literal:
        return st.sampled_from(typing.get_args(annotation))
    if origin is list:
        (item,) = typing.get_args(annotation)
        return st.lists(value_strategy(item, {}), max_size=min(constraints.get("max_length", 4), 4))
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return model_data(annotation)
    if annotation is bool:
        return st.booleans()
    if annotation is int:
        return st.integers(constraints.get("ge", 0), constraints.get("le", 1_000_000))
    if annotation is str:
        pattern = constraints.get("pattern")
        if pattern is not None:
            return _PATTERNS[pattern]
        return TEXT
    raise TypeError(f"no strategy for {annotation!r}: extend tests/strategies.py")


def model_data(
    model: type[BaseModel], **fixed: st.SearchStrategy[Any]
) -> st.SearchStrategy[dict[str, Any]]:
    """Plain data for a model: required fields always, optional ones present or absent."""
    required: dict[str, st.SearchStrategy[Any]] = {}
    optional: dict[str, st.SearchStrategy[Any]] = {}
    for name, info in model.model_fields.items():
        key = info.alias or name
        strategy = (
            fixed[key] if key in fixed else value_strategy(info.annotation, _constraints(info))
        )
        (required if info.is_required() or key in fixed else optional)[key] = strategy
    return st.fixed_dictionaries(required, optional=optional)


# --- whole deployments ---------------------------------------------------------------------

_IDS = _PATTERNS[dm.ID_PATTERN]


@st.composite
def deployments(draw: st.DrawFn, max_items: int = 4) -> dict[str, Any]:
    """A deployment description the model and the reference checks accept."""
    ids = draw(st.lists(_IDS, min_size=1, max_size=1 + 3 * max_items, unique=True))
    system_id, *rest = ids
    n_components = draw(st.integers(0, min(max_items, len(rest))))
    component_ids, rest = rest[:n_components], rest[n_components:]
    n_services = draw(st.integers(0, min(max_items, len(rest))))
    service_ids, rest = rest[:n_services], rest[n_services:]

    system = draw(
        model_data(
            dm.System,
            id=st.just(system_id),
            impact_level=st.sampled_from(["low", "moderate", "high"]),
        )
    )
    data: dict[str, Any] = {"version": 1, "system": system}
    if component_ids or draw(st.booleans()):
        data["components"] = [draw(model_data(dm.Component, id=st.just(i))) for i in component_ids]
        for component in data["components"]:
            backup = component.get("backup")
            if backup and "last_restore_test_days" in backup:
                backup.pop("last_restore_test", None)  # both forms at once is an input error
    if service_ids or draw(st.booleans()):
        data["external_services"] = [
            draw(model_data(dm.ExternalService, id=st.just(i))) for i in service_ids
        ]
    endpoints = component_ids + service_ids
    if len(endpoints) >= 2 and rest:
        flows = []
        for flow_id in rest[: draw(st.integers(0, min(max_items, len(rest))))]:
            source, target = draw(
                st.lists(st.sampled_from(endpoints), min_size=2, max_size=2, unique=True)
            )
            flows.append(
                draw(
                    model_data(
                        dm.DataFlow,
                        id=st.just(flow_id),
                        **{"from": st.just(source), "to": st.just(target)},
                    )
                )
            )
        data["data_flows"] = flows
    if draw(st.booleans()):
        data["inherited_controls"] = draw(
            st.lists(
                model_data(
                    dm.InheritedControls,
                    # A claim counts only with its provider's CRM, which exists only for an
                    # authorized provider (tests build one per claimed provider).
                    fedramp_authorization=st.sampled_from(["li-saas", "low", "moderate", "high"]),
                    controls=st.lists(
                        st.sampled_from(["PE", "MA", "PE-3", "AC-2(3)", "ac-11", "CP-9"]),
                        max_size=3,
                    ),
                ),
                max_size=2,
                unique_by=(
                    lambda claim: " ".join(claim["provider"].split()).casefold(),
                    lambda claim: claim.get("package_id") or id(claim),
                ),
            )
        )
    return data


# --- the ordered values of the contract ----------------------------------------------------


@dataclass(frozen=True)
class Ordered:
    """A field whose values are ordered by protection: ``order`` from weakest to strongest."""

    section: str  # components, external_services or data_flows (or system)
    path: tuple[str, ...]
    order: str  # lower | higher | true | false | levels | tls | subset
    why: str


# The table. "lower" means a smaller number is the stronger value (a shorter timeout locks
# sooner), "higher" the reverse (longer retention keeps more evidence); "true" means true is the
# protective value of a boolean, "false" that false is (not public, not training on our data);
# "levels" is none < li-saas < low < moderate < high; "tls" is 1.0 < 1.1 < 1.2 < 1.3;
# "authz" is none < rbac, abac (either model beats none; the two are not ordered); "subset"
# means fewer items in the list is weaker (a removed boundary interface, an event not logged).
ORDERED_FIELDS: tuple[Ordered, ...] = (
    Ordered("system", ("incident_response", "reports_to_cisa"), "true", "incidents reach CISA"),
    Ordered("components", ("hosting", "fedramp_authorization"), "levels", "authorized hosting"),
    Ordered("components", ("network", "public"), "false", "not reachable from the internet"),
    Ordered("components", ("network", "boundary_protection"), "subset", "managed interfaces"),
    Ordered("components", ("encryption", "at_rest", "enabled"), "true", "encrypted at rest"),
    Ordered("components", ("encryption", "at_rest", "fips_validated"), "true", "FIPS module"),
    Ordered("components", ("encryption", "at_rest", "key_rotation_days"), "lower", "rotation"),
    Ordered("components", ("encryption", "in_transit", "tls_min_version"), "tls", "TLS floor"),
    Ordered("components", ("encryption", "in_transit", "fips_validated"), "true", "FIPS TLS"),
    Ordered("components", ("logging", "enabled"), "true", "audit records written"),
    Ordered("components", ("logging", "events"), "subset", "events logged"),
    Ordered("components", ("logging", "retention_days"), "higher", "evidence kept longer"),
    Ordered("components", ("logging", "active_retention_days"), "higher", "searchable longer"),
    Ordered("components", ("logging", "centralized"), "true", "logs leave the component"),
    Ordered("components", ("logging", "tamper_protected"), "true", "logs cannot be altered"),
    Ordered("components", ("logging", "review_frequency_days"), "lower", "reviewed more often"),
    Ordered("components", ("logging", "storage_capacity_alerts"), "true", "capacity alerts"),
    Ordered("components", ("logging", "time_synchronized"), "true", "trustworthy timestamps"),
    Ordered("components", ("access", "authentication", "mfa"), "true", "MFA"),
    Ordered("components", ("access", "authentication", "phishing_resistant"), "true", "FIDO/PIV"),
    Ordered("components", ("access", "authentication", "piv"), "true", "PIV accepted"),
    Ordered("components", ("access", "authentication", "sso"), "true", "central sign-on"),
    Ordered("components", ("access", "authorization"), "authz", "access enforced"),
    Ordered("components", ("access", "session_timeout_minutes"), "lower", "locks sooner"),
    Ordered("components", ("access", "session_max_lifetime_hours"), "lower", "ends sooner"),
    Ordered("components", ("access", "lockout", "max_attempts"), "lower", "fewer guesses"),
    # lockout.lock_minutes is left out: the contract lets "until an administrator unlocks" be
    # stated, and whether 0 means that is not settled, so its order is not known.
    Ordered("components", ("access", "inactive_account_disable_days"), "lower", "disabled sooner"),
    Ordered("components", ("access", "privileged", "mfa"), "true", "admin MFA"),
    Ordered("components", ("access", "privileged", "separate_accounts"), "true", "admin accounts"),
    Ordered("components", ("access", "privileged", "actions_logged"), "true", "admin actions"),
    Ordered("components", ("access", "privileged", "review_frequency_days"), "lower", "reviews"),
    Ordered("components", ("backup", "enabled"), "true", "backed up"),
    Ordered("components", ("backup", "frequency_hours"), "lower", "backed up more often"),
    Ordered("components", ("backup", "last_restore_test_days"), "lower", "restore tested lately"),
    Ordered("components", ("backup", "alternate_site"), "true", "copies off site"),
    Ordered("components", ("backup", "encrypted"), "true", "backups encrypted"),
    Ordered("components", ("backup", "copies"), "higher", "more copies"),
    Ordered("components", ("vulnerability_management", "scan_frequency_days"), "lower", "scans"),
    Ordered(
        "components",
        ("vulnerability_management", "remediation_days", "critical"),
        "lower",
        "fixed sooner",
    ),
    Ordered(
        "components",
        ("vulnerability_management", "remediation_days", "high"),
        "lower",
        "fixed sooner",
    ),
    Ordered(
        "components",
        ("vulnerability_management", "remediation_days", "moderate"),
        "lower",
        "fixed sooner",
    ),
    Ordered(
        "components",
        ("vulnerability_management", "remediation_days", "low"),
        "lower",
        "fixed sooner",
    ),
    Ordered(
        "components", ("vulnerability_management", "authenticated_scans"), "true", "deep scans"
    ),
    Ordered("components", ("configuration", "baseline_managed"), "true", "reviewed baseline"),
    Ordered("components", ("configuration", "drift_detection"), "true", "drift detected"),
    Ordered("components", ("configuration", "change_approval"), "true", "changes approved"),
    Ordered("external_services", ("fedramp_authorization",), "levels", "authorized service"),
    Ordered("external_services", ("interconnection_agreement",), "true", "ISA signed"),
    Ordered("external_services", ("trains_on_customer_data",), "false", "no training on our data"),
    Ordered("data_flows", ("encryption", "tls_min_version"), "tls", "TLS floor"),
    Ordered("data_flows", ("encryption", "fips_validated"), "true", "FIPS TLS"),
)

_LEVELS = ["none", "li-saas", "low", "moderate", "high"]
_TLS = ["1.0", "1.1", "1.2", "1.3"]


def _bounds(field: Ordered) -> tuple[int, int]:
    model: Any = {
        "components": dm.Component,
        "external_services": dm.ExternalService,
        "data_flows": dm.DataFlow,
        "system": dm.System,
    }[field.section]
    info = None
    for part in field.path:
        info = next(i for n, i in model.model_fields.items() if (i.alias or n) == part)
        model = _optional_inner(info.annotation)
    assert info is not None
    c = _constraints(info)
    return c.get("ge", 0), c.get("le", 1_000_000)


def other_values(field: Ordered, value: Any, direction: str) -> list[Any] | st.SearchStrategy[Any]:
    """The values strictly weaker (``direction="weaker"``) or stronger than ``value``."""
    weaker = direction == "weaker"
    if field.order in ("true", "false"):
        protective = field.order == "true"
        if value == protective:
            return [not protective] if weaker else []
        return [] if weaker else [protective]
    if field.order in ("levels", "tls"):
        scale = _LEVELS if field.order == "levels" else _TLS
        i = scale.index(value)
        return scale[:i] if weaker else scale[i + 1 :]
    if field.order == "authz":
        if value == "none":
            return [] if weaker else ["rbac", "abac"]
        return ["none"] if weaker else []
    if field.order == "subset":
        if weaker:
            return [value[:i] + value[i + 1 :] for i in range(len(value))]
        return []  # adding an arbitrary item is not necessarily protective
    low, high = _bounds(field)
    bigger_is_stronger = field.order == "higher"
    if weaker == bigger_is_stronger:  # the weaker side is below, or the stronger side is below
        return st.integers(low, value - 1) if value > low else []
    return st.integers(value + 1, high) if value < high else []


def locate(data: dict[str, Any], field: Ordered) -> list[tuple[int | None, Any]]:
    """Every (item index, value) at which ``field`` is stated in ``data``."""
    items = [data["system"]] if field.section == "system" else data.get(field.section) or []
    found = []
    for index, item in enumerate(items):
        node: Any = item
        for part in field.path:
            node = node.get(part) if isinstance(node, dict) else None
        if node is not None:
            found.append((None if field.section == "system" else index, node))
    return found


def replaced(data: dict[str, Any], field: Ordered, index: int | None, value: Any) -> dict[str, Any]:
    """A copy of ``data`` with ``field`` of one item set to ``value``."""
    out = copy.deepcopy(data)
    node = out["system"] if index is None else out[field.section][index]
    for part in field.path[:-1]:
        node = node[part]
    node[field.path[-1]] = value
    return out
