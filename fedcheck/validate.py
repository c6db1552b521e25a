"""Check input files without evaluating anything: control files, profiles, waiver files,
customer responsibility matrices and deployments, each against its schema and the model, every problem at file:line:column.

``fedcheck validate PATH...`` is the command a control author or an ISSO runs before a commit.
The kind of each file is told by its top-level keys unless given.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from .errors import InputError, Problem, UsageError
from .loading import DEFAULT_LIMITS, Limits, load_file

KINDS = ("control", "profile", "waivers", "deployment", "records", "crm")


@dataclass
class Validation:
    """The verdict on one file."""

    file: str
    kind: str | None
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "kind": self.kind,
            "ok": self.ok,
            "problems": [
                {
                    "file": p.file,
                    "line": p.line,
                    "column": p.column,
                    "message": p.message,
                    "fix": p.fix,
                }
                for p in self.problems
            ],
        }


def detect_kind(data: Any) -> str | None:
    """control, profile, waivers, crm or deployment, by the top-level keys; None when unclear."""
    if not isinstance(data, dict):
        return None
    keys = set(data)
    if "waivers" in keys:
        return "waivers"
    if (
        "records" in keys
        and not isinstance(data.get("system"), dict)
        and not keys
        & {
            "components",
            "external_services",
            "data_flows",
        }
    ):
        return "records"  # a --records file: its system, if any, is an id
    if "system" in keys or ("version" in keys and keys & {"components", "data_flows"}):
        return "deployment"
    if "id" in keys and keys & {"family", "rules", "severity", "title"}:
        return "control"
    if "controls" in keys and keys & {"provider", "package_id", "fedramp_authorization"}:
        return "crm"
    if keys & {
        "baseline",
        "add",
        "remove",
        "parameters",
        "deviations",
        "inherited",
        "control_dirs",
    }:
        return "profile"
    return None


def expand(paths: Sequence[str]) -> list[str]:
    """Files named, and the .yaml/.yml/.json files under directories named, in sorted order."""
    files: list[str] = []
    for p in paths:
        if os.path.isdir(p):
            files.extend(
                sorted(
                    os.path.join(root, name)
                    for root, _, names in os.walk(p)
                    for name in names
                    if name.lower().endswith((".yaml", ".yml", ".json"))
                )
            )
        else:
            files.append(p)
    return files


def validate_file(
    path: str, kind: str | None = None, *, catalog: Any = None, limits: Limits = DEFAULT_LIMITS
) -> Validation:
    """Validate one file. ``catalog`` (default: the bundled one) is what waiver and profile
    control ids are checked against."""
    try:
        if kind is None:
            doc = load_file(path, limits)
            kind = detect_kind(doc.data)
            if kind is None:
                return Validation(
                    path,
                    None,
                    [
                        Problem(
                            path,
                            1,
                            1,
                            "cannot tell whether this is a control, profile, waiver file, "
                            "records file, CRM or deployment from its top-level keys",
                            "pass --kind control|profile|waivers|deployment|records|crm",
                        )
                    ],
                )
        _CHECKS[kind](path, limits, catalog)
    except InputError as exc:
        return Validation(path, kind, list(exc.problems))
    except UsageError as exc:
        return Validation(
            path,
            kind,
            [Problem(path, None, None, str(exc), exc.fix)],
        )
    return Validation(path, kind)


def _bundled(catalog: Any, limits: Limits) -> Any:
    if catalog is not None:
        return catalog
    from .catalog import load_catalog

    return load_catalog(limits=limits)


def _control(path: str, limits: Limits, catalog: Any) -> None:
    from .catalog import load_control_file

    control = load_control_file(path, limits)
    # check refuses a custom control that redefines a catalog control: so does validate.
    first = _bundled(catalog, limits).controls.get(control.oscal_id)
    if first is not None and not _same_file(first.file, control.file):
        raise InputError(
            control.file,
            1,
            1,
            f"control {control.id} is defined twice (first in {first.file})",
            "give the custom control an id of its own (a family code such as ORG-1), or "
            "remove the catalog control with a profile",
        )


def _profile(path: str, limits: Limits, catalog: Any) -> None:
    from .catalog import Catalog, load_catalog
    from .profiles import load_profile

    profile = load_profile(path, limits)
    base = _bundled(catalog, limits)
    if profile.control_dirs:
        extra = load_catalog(profile.control_dirs, include_bundled=False, limits=limits)
        for control in extra:
            first = base.controls.get(control.oscal_id)
            if first is not None and not _same_file(first.file, control.file):
                raise InputError(
                    control.file,
                    1,
                    1,
                    f"control {control.id} is defined twice (first in {first.file})",
                    "give the custom control an id of its own",
                )
        base = Catalog({**base.controls, **extra.controls}, base.version, base.sha256)
    profile.tailoring(base)


def _waivers(path: str, limits: Limits, catalog: Any) -> None:
    from .waivers import load_waivers

    load_waivers(path, limits, catalog=_bundled(catalog, limits))


def _crm(path: str, limits: Limits, catalog: Any) -> None:
    from .crm import load_crm

    load_crm(path, limits, catalog=_bundled(catalog, limits))


def _deployment(path: str, limits: Limits, catalog: Any) -> None:
    from .inputs import load_deployment

    load_deployment(path, limits)


def _records(path: str, limits: Limits, catalog: Any) -> None:
    from .records import load_records

    load_records(path, limits)


_CHECKS = {
    "control": _control,
    "profile": _profile,
    "waivers": _waivers,
    "deployment": _deployment,
    "records": _records,
    "crm": _crm,
}


def _same_file(a: str, b: str) -> bool:
    """Is a control loaded twice from one file (--controls naming the profile's directory)?"""
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


__all__ = ["KINDS", "Validation", "detect_kind", "expand", "validate_file"]
