"""Read a tailoring profile and turn it into a Tailoring, refusing anything that quietly weakens.

A profile selects a baseline, adds and removes controls, points at directories of custom
controls and sets parameter values. FedRAMP's parameter values are floors: a value that
tightens one is accepted; one that loosens it is refused at its line unless it is declared
under ``deviations`` with a justification. Removing a control needs a justification too. Every
deviation and removal is carried into ``Result.deviations`` so that each report lists it beside
the FedRAMP value.
"""

from __future__ import annotations

import difflib
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import deployment as dm
from .catalog import BASELINES, Catalog, Control, Parameter, to_display, to_oscal
from .errors import InputError, InputErrors, Problem, UsageError
from .findings import Location
from .inputs import display_path
from .loading import DEFAULT_LIMITS, Limits, SourceMap, load_file
from .plan import Tailoring
from .text import is_invisible

if TYPE_CHECKING:
    from .crm import Claim
    from .formats.profile import ProfileFile

_FAMILY = re.compile(r"^[A-Za-z]{2,6}$")


@dataclass
class Profile:
    """A loaded, schema-valid profile; ``tailoring(catalog)`` checks it against the controls."""

    file: str
    data: dict[str, Any]  # as read, for positions and the paths messages show
    source: SourceMap
    sha256: str
    model: ProfileFile
    control_dirs: tuple[str, ...] = ()
    problems: list[Problem] = field(default_factory=list)
    crm_files: tuple[str, ...] = ()  # its crms:, relative to the profile's directory resolved

    @property
    def baseline(self) -> str:
        return self.model.baseline

    @property
    def name(self) -> str:
        return self.model.name or Path(self.file).stem

    # -- helpers -------------------------------------------------------------------------
    def _where(self, path: tuple[str | int, ...], *, key: bool = False) -> tuple[int, int]:
        line, column, _ = self.source.position(path, key=key)
        return line, column

    def _problem(
        self,
        path: tuple[str | int, ...],
        message: str,
        fix: str,
        *,
        key: bool = False,
    ) -> None:
        line, column = self._where(path, key=key)
        self.problems.append(Problem(self.file, line, column, message, fix))

    def _location(self, path: tuple[str | int, ...]) -> Location:
        line, column = self._where(path)
        return Location(self.file, line, column, display_path(self.data, path))

    def _control(
        self, catalog: Catalog, ref: Any, path: tuple[str | int, ...], *, key: bool = False
    ) -> Control | None:
        """The catalog control named by ``ref``, or None after recording a problem."""
        try:
            oscal = to_oscal(str(ref))
        except ValueError as exc:
            self._problem(path, str(exc), "write the id as AC-2(3) or ac-2.3", key=key)
            return None
        if oscal not in catalog.controls:
            close = difflib.get_close_matches(oscal, list(catalog.controls), n=1, cutoff=0.8)
            self._problem(
                path,
                f"unknown control {ref!r}: it is in neither the FedRAMP catalog "
                "nor the profile's control_dirs",
                f"did you mean {to_display(close[0])}?"
                if close
                else "check the id, or add the custom control's directory to control_dirs",
                key=key,
            )
            return None
        return catalog.controls[oscal]

    # -- the tailoring ---------------------------------------------------------------------
    def tailoring(self, catalog: Catalog) -> Tailoring:
        """Check the profile against ``catalog`` and return what it changes; InputErrors if any
        entry is unknown, mistyped, or loosens the baseline without a declared deviation."""
        self.problems = []
        baseline = self.baseline
        add = self._added(catalog)
        remove, removed = self._removed(catalog, baseline)
        parameters: dict[str, dict[str, Any]] = {}
        deviations: list[dict[str, Any]] = []
        self._parameters(catalog, baseline, parameters)
        self._deviations(catalog, baseline, parameters, deviations)
        inherited = self._inherited(catalog)
        self._compile(catalog, baseline, parameters)
        if self.problems:
            problems = sorted(self.problems, key=lambda p: (p.line or 0, p.column or 0))
            raise InputErrors(problems)
        from .crm import load_crms

        return Tailoring(
            crms=load_crms(self.crm_files, catalog=catalog),
            add=tuple(add),
            remove=remove,
            parameters=parameters,
            deviations=(*deviations, *removed),
            inherited=tuple(inherited),
            baseline=baseline,
            origin=self._location(("baseline",)),
            baseline_deviation=self._baseline_deviation(),
            rules=self.model.rules,
            rules_origin=self._location(("rules",)) if self.model.rules is not None else None,
            name=self.name,
        )

    def _baseline_deviation(self) -> dict[str, Any] | None:
        item = self.model.baseline_deviation
        if item is None:
            return None
        return {
            "kind": "baseline",
            "control": None,
            "title": "baseline below the system's impact level",
            "parameter": None,
            "fedramp_value": None,  # the impact level: known only with the deployment
            "value": self.baseline,
            "justification": item.justification.strip(),
            "approved_by": item.approved_by,
            "approved_on": None,
            "location": self._location(("baseline_deviation",)).to_dict(),
        }

    def _added(self, catalog: Catalog) -> list[str]:
        out = []
        for i, ref in enumerate(self.model.add):
            control = self._control(catalog, ref, ("add", i))
            if control is not None:
                out.append(control.oscal_id)
        return out

    def _removed(
        self, catalog: Catalog, baseline: str
    ) -> tuple[dict[str, str], list[dict[str, Any]]]:
        remove: dict[str, str] = {}
        removed: list[dict[str, Any]] = []
        for i, item in enumerate(self.model.remove):
            control = self._control(catalog, item.control, ("remove", i, "control"))
            if control is None:
                continue
            if baseline not in control.baselines:
                self._problem(
                    ("remove", i, "control"),
                    f"{control.id} is not in the FedRAMP {baseline} baseline, so there "
                    "is nothing to remove",
                    "delete this entry",
                )
                continue
            remove[control.oscal_id] = item.justification.strip()
            removed.append(
                {
                    "kind": "removed_control",
                    "control": control.id,
                    "title": control.title,
                    "parameter": None,
                    "fedramp_value": f"required by the FedRAMP {baseline} baseline",
                    "value": "removed",
                    "justification": item.justification.strip(),
                    "approved_by": item.approved_by,
                    "approved_on": None,
                    "location": self._location(("remove", i)).to_dict(),
                }
            )
        return remove, removed

    def _parameter(
        self, control: Control, name: str, path: tuple[str | int, ...], *, key: bool = False
    ) -> Parameter | None:
        param = control.parameters.get(name)
        if param is None:
            names = sorted(control.parameters)
            close = difflib.get_close_matches(name, names, n=1, cutoff=0.6)
            self._problem(
                path,
                f"{control.id} has no parameter '{name}'",
                f"did you mean '{close[0]}'?"
                if close
                else (
                    f"its parameters: {', '.join(names)}"
                    if names
                    else f"{control.id} has no parameters to set"
                ),
                key=key,
            )
        return param

    def _parameters(
        self, catalog: Catalog, baseline: str, parameters: dict[str, dict[str, Any]]
    ) -> None:
        for ref, values in self.model.parameters.items():
            control = self._control(catalog, ref, ("parameters", ref), key=True)
            if control is None:
                continue
            for name, value in values.items():
                path: tuple[str | int, ...] = ("parameters", ref, name)
                param = self._parameter(control, name, path, key=True)
                if param is None or not self._typed(control, param, baseline, value, path):
                    continue
                fedramp = param.value_for(baseline)
                if compare(param.stricter, fedramp, value) == "looser":
                    self._problem(
                        path,
                        f"{control.id} {name}: {_show(value)} is looser than the FedRAMP "
                        f"{baseline} value {_show(fedramp)} ({_direction(param.stricter)})",
                        "use a value at least as strict as FedRAMP's, or declare it under "
                        "deviations with a justification",
                    )
                    continue
                if control.oscal_id in parameters and name in parameters[control.oscal_id]:
                    self._problem(
                        path,
                        f"{control.id} {name} is set twice",
                        "keep one of the two entries",
                        key=True,
                    )
                    continue
                parameters.setdefault(control.oscal_id, {})[name] = value

    def _deviations(
        self,
        catalog: Catalog,
        baseline: str,
        parameters: dict[str, dict[str, Any]],
        deviations: list[dict[str, Any]],
    ) -> None:
        declared = {to_oscal_or_none(r): r for r in self.model.parameters}
        for i, item in enumerate(self.model.deviations):
            path: tuple[str | int, ...] = ("deviations", i)
            control = self._control(catalog, item.control, (*path, "control"))
            if control is None:
                continue
            name = item.parameter
            param = self._parameter(control, name, (*path, "parameter"))
            value = item.value
            if param is None or not self._typed(control, param, baseline, value, (*path, "value")):
                continue
            ref = declared.get(control.oscal_id)
            if ref is not None and name in self.model.parameters[ref]:
                self._problem(
                    (*path, "parameter"),
                    f"{control.id} {name} is set both under parameters and as a deviation",
                    "keep only the deviation",
                )
                continue
            fedramp = param.value_for(baseline)
            if compare(param.stricter, fedramp, value) != "looser":
                self._problem(
                    (*path, "value"),
                    f"{control.id} {name}: {_show(value)} is not looser than the FedRAMP "
                    f"{baseline} value {_show(fedramp)}, so it is no deviation",
                    "move it under parameters (a value that meets FedRAMP's needs no "
                    "justification)",
                )
                continue
            if name in parameters.get(control.oscal_id, {}):
                self._problem(
                    (*path, "parameter"),
                    f"{control.id} {name} is declared twice",
                    "keep one deviation per parameter",
                )
                continue
            parameters.setdefault(control.oscal_id, {})[name] = value
            deviations.append(
                {
                    "kind": "parameter",
                    **({"id": item.id} if item.id else {}),
                    "control": control.id,
                    "title": control.title,
                    "parameter": name,
                    "odp": param.odp,
                    "fedramp_value": fedramp,
                    "value": value,
                    "justification": item.justification.strip(),
                    "approved_by": item.approved_by,
                    "approved_on": item.approved_on,
                    "location": self._location(path).to_dict(),
                }
            )

    def _typed(
        self,
        control: Control,
        param: Parameter,
        baseline: str,
        value: Any,
        path: tuple[str | int, ...],
    ) -> bool:
        """Is ``value`` of the same type as FedRAMP's value? Records a problem when not."""
        problem = type_problem(param.value_for(baseline), value)
        if problem:
            self._problem(
                path,
                f"{control.id} {param.name}: {problem}",
                "write a value of the same kind as FedRAMP's",
            )
            return False
        return True

    def _inherited(self, catalog: Catalog) -> list[Claim]:
        from .crm import Claim

        families = {c.family.upper() for c in catalog}
        out = []
        for i, item in enumerate(self.model.inherited):
            refs: list[tuple[str, Location]] = []
            for j, ref in enumerate(item.controls):
                path: tuple[str | int, ...] = ("inherited", i, "controls", j)
                if _FAMILY.fullmatch(ref):
                    if ref.upper() not in families:
                        self._problem(
                            path,
                            f"no control family {ref!r} in the catalog",
                            f"use a family code such as {', '.join(sorted(families)[:5])}",
                        )
                        continue
                    refs.append((ref.upper(), self._location(path)))
                elif self._control(catalog, ref, path) is not None:
                    refs.append((to_oscal(ref), self._location(path)))
            out.append(
                Claim(
                    provider=item.provider,
                    fedramp_authorization=item.fedramp_authorization,
                    package_id=item.package_id,
                    responsibility=item.responsibility,
                    refs=tuple(refs),
                    location=self._location(("inherited", i)),
                    where=f"inherited[{i}]",
                    authorization_location=self._location(
                        ("inherited", i, "fedramp_authorization")
                    ),
                )
            )
        return out

    def _compile(
        self, catalog: Catalog, baseline: str, parameters: dict[str, dict[str, Any]]
    ) -> None:
        """Compile each control with its new values, so a value its checks cannot use fails here,
        at the profile's line, and not in the middle of a run."""
        if self.problems:
            return
        for oscal, values in parameters.items():
            control = catalog.controls[oscal]
            try:
                control.compile(baseline, values)
            except InputError as exc:
                path = self._path_of(oscal, next(iter(values)))
                self._problem(
                    path,
                    f"{control.id}: the profile's values do not fit its checks: "
                    f"{exc.problem.message}",
                    exc.problem.fix,
                )

    def _path_of(self, oscal: str, name: str) -> tuple[str | int, ...]:
        for ref in self.model.parameters:
            if to_oscal_or_none(ref) == oscal:
                return ("parameters", ref, name)
        for i, item in enumerate(self.model.deviations):
            if to_oscal_or_none(item.control) == oscal:
                return ("deviations", i, "value")
        return ()


def to_oscal_or_none(ref: Any) -> str | None:
    try:
        return to_oscal(str(ref))
    except ValueError:
        return None


def load_profile(path: str, limits: Limits = DEFAULT_LIMITS) -> Profile:
    """Read a profile file and validate it against its schema (not yet against a catalog)."""
    from . import formats
    from .formats.profile import ProfileFile

    doc = load_file(path, limits)
    model = formats.validate(doc.data, doc.source, "profile", ProfileFile)
    problems: list[Problem] = []
    justifications: list[tuple[tuple[str | int, ...], str]] = [
        *((("remove", i, "justification"), r.justification) for i, r in enumerate(model.remove)),
        *(
            (("deviations", i, "justification"), d.justification)
            for i, d in enumerate(model.deviations)
        ),
        *(
            ((("baseline_deviation", "justification"), model.baseline_deviation.justification),)
            if model.baseline_deviation is not None
            else ()
        ),
    ]
    for where, text in justifications:
        if is_invisible(text):
            line, column, _ = doc.source.position(where)
            problems.append(
                Problem(
                    path,
                    line,
                    column,
                    "justification: the text shows nothing (only spaces, zero-width or "
                    "control characters)",
                    "write the justification in words a reviewer can read",
                )
            )
    base = Path(path).parent
    dirs = []
    for i, rel in enumerate(model.control_dirs):
        directory = base / rel
        home = base.resolve()
        if Path(rel).is_absolute() or not directory.resolve().is_relative_to(home):
            # ["/"] would parse every YAML file on the machine as a control.
            line, column, _ = doc.source.position(("control_dirs", i))
            problems.append(
                Problem(
                    path,
                    line,
                    column,
                    f"control_dirs: {rel!r} leaves the profile's folder",
                    "keep custom controls in a folder under the profile's, or pass that "
                    "directory on the command line with --controls DIR",
                )
            )
            continue
        if not directory.is_dir():
            line, column, _ = doc.source.position(("control_dirs", i))
            problems.append(
                Problem(
                    path,
                    line,
                    column,
                    f"control_dirs: no directory {rel!r} next to the profile",
                    "give a directory path relative to the profile file",
                )
            )
        dirs.append(str(directory))
    crm_files = []
    for i, rel in enumerate(model.crms):
        crm_file = base / rel
        if not crm_file.is_file():
            line, column, _ = doc.source.position(("crms", i))
            problems.append(
                Problem(
                    path,
                    line,
                    column,
                    f"crms: no file {rel!r} next to the profile",
                    "give the CRM file's path relative to the profile file",
                )
            )
        crm_files.append(str(crm_file))
    if problems:
        raise InputErrors(problems)
    return Profile(
        path, doc.data, doc.source, doc.sha256, model, tuple(dirs), crm_files=tuple(crm_files)
    )


# --- comparing values ------------------------------------------------------------------------


def _rank(a: Any, b: Any) -> dict[str, int] | None:
    """The ordered scale two values share (impact levels, TLS versions), if any."""
    for scale in (dm.LEVEL_RANK, dm.TLS_RANK):
        if isinstance(a, str) and isinstance(b, str) and a in scale and b in scale:
            return scale
    return None


def compare(stricter: str, fedramp: Any, value: Any) -> str:
    """``tighter``, ``equal`` or ``looser``: where ``value`` stands against FedRAMP's value."""
    if stricter in ("superset", "subset"):
        have, need = set(map(_key, value)), set(map(_key, fedramp))
        if have == need:
            return "equal"
        ok = have >= need if stricter == "superset" else have <= need
        return "tighter" if ok else "looser"
    if stricter == "equal" or isinstance(value, bool) or isinstance(fedramp, bool):
        return "equal" if value == fedramp else "looser"
    scale = _rank(fedramp, value)
    a, b = (scale[fedramp], scale[value]) if scale else (fedramp, value)
    if a == b:
        return "equal"
    if stricter == "lower":
        return "tighter" if b < a else "looser"
    return "tighter" if b > a else "looser"


def _key(item: Any) -> str:
    return f"{type(item).__name__}:{item}"


def type_problem(fedramp: Any, value: Any) -> str | None:
    """What is wrong with the type of ``value`` given FedRAMP's, or None when it fits."""
    for item in value if isinstance(value, list) else [value]:
        # .inf and .nan are YAML numbers, but no limit: every JSON artifact would then carry
        # Infinity or NaN, which JSON does not allow.
        if isinstance(item, float) and not math.isfinite(item):
            return f"{_show(item)} is not a finite number"
    if isinstance(fedramp, list):
        if not isinstance(value, list):
            return f"expected a list like {_show(fedramp)}, got {_show(value)}"
        kinds = {_kind(v) for v in fedramp}
        bad = [v for v in value if _kind(v) not in kinds]
        if bad:
            return f"list item {_show(bad[0])} is not of the kind of {_show(fedramp)}"
        return None
    if _kind(fedramp) != _kind(value):
        return f"expected {_kind(fedramp)} like {_show(fedramp)}, got {_show(value)}"
    # "Lock after -5 minutes" is stricter on paper and a typo in fact.
    if _kind(value) == "a number" and fedramp > 0 and value <= 0:
        return f"expected a positive number like FedRAMP's {_show(fedramp)}, got {_show(value)}"
    for scale, what in ((dm.LEVEL_RANK, "level"), (dm.TLS_RANK, "TLS version")):
        if isinstance(fedramp, str) and fedramp in scale and value not in scale:
            return f"{_show(value)} is not a {what} ({' | '.join(scale)})"
    return None


def _kind(v: Any) -> str:
    if isinstance(v, bool):
        return "a boolean"
    if isinstance(v, (int, float)):
        return "a number"
    if isinstance(v, str):
        return "a string"
    if isinstance(v, list):
        return "a list"
    return "a mapping"


def _show(v: Any) -> str:
    if isinstance(v, str):
        return f'"{v}"'
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, list):
        return "[" + ", ".join(_show(x) for x in v) + "]"
    return str(v)


def _direction(stricter: str) -> str:
    return {
        "lower": "a larger value is looser",
        "higher": "a smaller value is looser",
        "superset": "leaving out an item is looser",
        "subset": "allowing another item is looser",
        "equal": "the value is fixed",
    }[stricter]


__all__ = ["Profile", "compare", "load_profile", "type_problem"]


def profile_rules(tailoring: Tailoring, requested: str | None) -> str:
    """The rule edition of a run with a profile that names one; ``--rules`` may not contradict it."""
    chosen = tailoring.rules
    assert chosen is not None
    if requested is not None and requested != chosen:
        raise UsageError(
            f"--rules {requested} contradicts the profile, which selects the {chosen} rules "
            f"({tailoring.rules_origin or 'the profile'})",
            "drop --rules, or change the profile's rules",
        )
    return chosen


def profile_baseline(tailoring: Tailoring, requested: str | None, deployment: Any) -> str:
    """The baseline of a run with a profile: the profile's, which ``--baseline`` may not contradict
    and which may not lie below the system's impact level (that would quietly weaken it) unless
    the profile declares it under ``baseline_deviation``."""
    chosen = tailoring.baseline
    assert chosen is not None
    origin = tailoring.origin or Location("the profile")
    if requested is not None and requested != chosen:
        raise UsageError(
            f"--baseline {requested} contradicts the profile, which selects the "
            f"{chosen} baseline ({origin})",
            "drop --baseline, or change the profile's baseline",
        )
    level = deployment.model.system.impact_level
    below = level is not None and BASELINES.index(chosen) < BASELINES.index(level)
    declared = tailoring.baseline_deviation
    if below and declared is None:
        raise InputError(
            origin.file,
            origin.line,
            origin.column,
            f"the profile selects the {chosen} baseline, below the system's impact "
            f"level ({level}, in {deployment.file})",
            f"set baseline: {level} in the profile, correct system.impact_level, or declare "
            "the lower baseline under baseline_deviation with its justification",
        )
    if declared is not None and not below:
        where = Location.from_dict(declared["location"])
        raise InputError(
            where.file,
            where.line,
            where.column,
            f"baseline_deviation: the profile's {chosen} baseline is not below the system's "
            f"impact level ({level or 'not stated'}, in {deployment.file}), so there is no "
            "deviation to declare",
            "delete baseline_deviation",
        )
    return chosen


def baseline_below_level(requested: str | None, deployment: Any) -> None:
    """Refuse ``--baseline`` below the system's impact level outside a profile: judging a High
    system by the Low baseline drops most of the controls it must meet."""
    level = deployment.model.system.impact_level
    if requested is None or level is None or level not in BASELINES or requested not in BASELINES:
        return
    if BASELINES.index(requested) < BASELINES.index(level):
        raise UsageError(
            f"--baseline {requested} is below the system's impact level ({level}, in "
            f"{deployment.file}): the {requested} baseline leaves out controls a {level} "
            "system must meet",
            f"drop --baseline (the {level} baseline is used), or declare the lower baseline "
            "in a profile (baseline_deviation with a justification) and pass --profile",
        )
