"""Run the pass/fail examples that each control carries, as the catalog's own tests do.

A passing example must give the control at least one ``pass`` finding and no failing one; a
failing example must give a finding of the expected status on the named target that points at
the named field. ``fedcheck test-controls DIR`` and the test suite both use ``run_examples``.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from .catalog import Catalog, Control
from .errors import InputError
from .evaluation import evaluate
from .findings import Finding, Status
from .inputs import LoadedDeployment, _validate
from .loading import SourceMap

EXAMPLE_SYSTEM = {"id": "example-system", "name": "Example system", "impact_level": "high"}


@dataclass(frozen=True)
class ExampleOutcome:
    control_id: str
    kind: str  # pass | fail
    name: str
    ok: bool
    detail: str
    file: str = ""

    def render(self) -> str:
        mark = "ok  " if self.ok else "FAIL"
        return f"{mark} {self.control_id} {self.kind}:{self.name}" + (
            "" if self.ok else f"\n     {self.detail}"
        )


def example_deployment(control: Control, example: dict[str, Any]) -> LoadedDeployment:
    """Complete an example's fragment into a deployment: version and system are filled in."""
    data = copy.deepcopy(example.get("deployment") or {})
    data.setdefault("version", 1)
    data.setdefault("system", dict(EXAMPLE_SYSTEM))
    file = f"{control.file}#examples/{example.get('name', '?')}"
    return _validate(data, SourceMap(file, data, {}), file, "0" * 64)


def _catalog_of(control: Control) -> Catalog:
    return Catalog({control.oscal_id: control}, "examples", "0" * 64)


def _findings(control: Control, example: dict[str, Any]) -> list[Finding]:
    deployment = example_deployment(control, example)
    baseline = example.get("baseline") or (
        "high" if "high" in control.baselines or not control.baselines else control.baselines[-1]
    )
    from .plan import Tailoring

    tailoring = Tailoring(add=(control.oscal_id,)) if baseline not in control.baselines else None
    import datetime

    as_of = example.get("as_of")
    result = evaluate(
        deployment,
        _catalog_of(control),
        baseline=baseline,
        tailoring=tailoring,
        generated_at="1970-01-01T00:00:00Z",
        as_of=datetime.date.fromisoformat(as_of) if as_of else None,
    )
    return [f for f in result.findings if f.control_id == control.id]


def run_control_examples(control: Control) -> list[ExampleOutcome]:
    """Run one control's examples; a control with rules but without both kinds fails."""
    out: list[ExampleOutcome] = []
    if control.is_automated and not control.has_examples:
        have = [k for k in ("pass", "fail") if control.examples.get(k)]
        out.append(
            ExampleOutcome(
                control.id,
                "missing",
                "examples",
                False,
                f"an automated control needs at least one pass and one fail "
                f"example; it has {', '.join(have) or 'none'}",
                control.file,
            )
        )
    for example in control.examples.get("pass", []):
        name = example.get("name", "?")
        try:
            findings = _findings(control, example)
        except InputError as exc:
            out.append(
                ExampleOutcome(
                    control.id,
                    "pass",
                    name,
                    False,
                    f"the example is not a valid deployment: {exc.render()}",
                    control.file,
                )
            )
            continue
        bad = [f for f in findings if f.status not in (Status.PASS, Status.NOT_APPLICABLE)]
        passed = [f for f in findings if f.status is Status.PASS]
        if bad or not passed:
            detail = (
                "; ".join(f"{f.status} on {f.target}: {f.message}" for f in bad)
                or "no target passed (everything was not applicable)"
            )
            out.append(ExampleOutcome(control.id, "pass", name, False, detail, control.file))
        else:
            out.append(ExampleOutcome(control.id, "pass", name, True, "", control.file))
    for example in control.examples.get("fail", []):
        name = example.get("name", "?")
        expected = example.get("finding") or {}
        want_status = Status(expected.get("status", "fail"))
        try:
            findings = _findings(control, example)
        except InputError as exc:
            out.append(
                ExampleOutcome(
                    control.id,
                    "fail",
                    name,
                    False,
                    f"the example is not a valid deployment: {exc.render()}",
                    control.file,
                )
            )
            continue
        out.append(_check_fail(control, name, findings, expected, want_status))
    return out


def _check_fail(
    control: Control,
    name: str,
    findings: list[Finding],
    expected: dict[str, Any],
    want_status: Status,
) -> ExampleOutcome:
    target = expected.get("target")
    path = expected.get("path")
    hits = [
        f for f in findings if f.status is want_status and (target is None or f.target == target)
    ]
    if not hits:
        seen = "; ".join(f"{f.status} on {f.target}" for f in findings) or "no finding"
        return ExampleOutcome(
            control.id,
            "fail",
            name,
            False,
            f"expected {want_status} on {target}, got: {seen}",
            control.file,
        )
    if path:
        for f in hits:
            pointed = [e.path for e in f.evidence] + (
                [f.location.path] if f.location and f.location.path else []
            )
            if any(
                p == path or p.endswith("." + path) or p.endswith("]." + path) or p.endswith(path)
                for p in pointed
                if p
            ):
                return ExampleOutcome(control.id, "fail", name, True, "", control.file)
        pointed_at = ", ".join(e.path for f in hits for e in f.evidence) or "nothing"
        return ExampleOutcome(
            control.id,
            "fail",
            name,
            False,
            f"the finding points at {pointed_at}, expected {path}",
            control.file,
        )
    return ExampleOutcome(control.id, "fail", name, True, "", control.file)


def run_examples(controls: Iterable[Control]) -> list[ExampleOutcome]:
    """Run the examples of every control given."""
    out: list[ExampleOutcome] = []
    for control in controls:
        out.extend(run_control_examples(control))
    return out
