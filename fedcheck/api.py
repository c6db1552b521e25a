"""The library's operations, composed: what the CLI and ``import fedcheck`` users call.

Each function does one user-level step (load, evaluate, render, check a file end to end) by
composing the single-purpose modules; none of them prints.
"""

from __future__ import annotations

import dataclasses
import datetime
import json
import os
from collections.abc import Sequence
from typing import Any

from . import catalog as _catalog
from .errors import InputError
from .evaluation import evaluate, exit_code
from .findings import InputFile, Result, Severity
from .inputs import LoadedDeployment, load_deployment
from .loading import DEFAULT_LIMITS, Limits
from .plan import Plan, Tailoring, compile_plan, select_baseline


def load_catalog(
    extra_dirs: Sequence[str | os.PathLike[str]] = (), *, limits: Limits = DEFAULT_LIMITS
) -> _catalog.Catalog:
    """The bundled FedRAMP catalog plus any directories of custom controls."""
    return _catalog.load_catalog(extra_dirs, limits=limits)


def load_catalog_for(
    extra_dirs: Sequence[str],
    profile_path: str | None,
    limits: Limits = DEFAULT_LIMITS,
    *,
    crms: Sequence[str] = (),
) -> tuple[_catalog.Catalog, Tailoring | None, tuple[InputFile, ...]]:
    """Load the catalog a run needs: bundled, extra directories, a profile's tailoring, and the
    customer responsibility matrices (``crms``, besides the profile's) that back inheritance."""
    if profile_path is None:
        catalog = load_catalog(extra_dirs, limits=limits)
        if not crms:
            return catalog, None, ()
        return catalog, Tailoring(crms=_load_crms(crms, (), catalog, limits)), ()
    from .profiles import load_profile

    profile = load_profile(profile_path, limits)
    # --controls naming the profile's own directory loads it once, not twice.
    dirs = list({os.path.realpath(d): d for d in (*extra_dirs, *profile.control_dirs)}.values())
    catalog = load_catalog(dirs, limits=limits)
    tailoring = profile.tailoring(catalog)
    if crms:
        tailoring.crms = _load_crms(crms, tailoring.crms, catalog, limits)
    return catalog, tailoring, (InputFile("profile", profile_path, profile.sha256),)


def _load_crms(
    paths: Sequence[str], given: Sequence[Any], catalog: _catalog.Catalog, limits: Limits
) -> tuple[Any, ...]:
    from .crm import load_crms

    # A CRM named both by the profile and on the command line counts once.
    seen = {os.path.realpath(c.file) for c in given}
    extra = [p for p in paths if os.path.realpath(p) not in seen]
    return load_crms([*(c.file for c in given), *extra], limits, catalog=catalog)


def check_file(
    path: str,
    catalog: _catalog.Catalog,
    *,
    baseline: str | None = None,
    tailoring: Tailoring | None = None,
    waivers: str | None = None,
    baseline_result: str | None = None,
    fail_on: Severity | None = None,
    limits: Limits = DEFAULT_LIMITS,
    extra_inputs: Sequence[InputFile] = (),
    as_of: datetime.date | None = None,
    records: Sequence[str] = (),
    evidence: Sequence[str] = (),
    tf_dir: str | None = None,
    poam_history: str | None = None,
    edition: str | None = None,
    cert_class: str | None = None,
    plans: dict[Any, Plan] | None = None,
) -> tuple[Result, int]:
    """Load, evaluate, apply waivers and a previous result: the Result and the gate's exit code.

    ``as_of`` is the evaluation date (default today, UTC): waivers and dated evidence are judged
    against it; ``records`` are paths of evidence record files. A ``baseline`` below the
    system's impact level is refused unless the profile declares it. ``evidence`` names
    Terraform plan JSON files whose resources the components' ``iac:`` bindings are checked
    against; ``tf_dir`` the configuration, to point at ``.tf`` lines. ``plans`` is a dict in which
    compiled plans are kept between calls that share the catalog and every other option
    (``fedcheck.portfolio.check_files`` passes one, so a portfolio compiles once per baseline).
    """
    deployment = load_deployment(path, limits)
    record_sets = []
    if records:
        from .records import load_records

        record_sets = [load_records(r, limits) for r in records]
    plan_evidence = None
    if evidence:
        from .terraform.crosscheck import load_evidence

        plan_evidence = load_evidence(deployment, evidence, tf_dir=tf_dir, limits=limits)
    if tailoring is not None and tailoring.baseline:
        from .profiles import profile_baseline

        baseline = profile_baseline(tailoring, baseline, deployment)
        if tailoring.baseline_deviation is not None:
            declared = {
                **tailoring.baseline_deviation,
                "fedramp_value": f"the {deployment.model.system.impact_level} baseline "
                "(the system's impact level)",
            }
            tailoring = dataclasses.replace(tailoring, deviations=(*tailoring.deviations, declared))
    else:
        from .profiles import baseline_below_level

        baseline_below_level(baseline, deployment)
    if tailoring is not None and tailoring.rules:
        from .profiles import profile_rules

        edition = profile_rules(tailoring, edition)
    chosen = select_baseline(deployment, baseline, edition=edition, cert_class=cert_class)
    # The plan depends on the options and, through a declared baseline deviation, on the
    # system's impact level: one plan per (baseline, impact level) in a portfolio's run.
    key = (chosen, deployment.model.system.impact_level)
    plan = plans.get(key) if plans is not None else None
    if plan is None:
        plan = compile_plan(
            catalog,
            baseline=chosen,
            tailoring=tailoring,
            edition=edition,
            cert_class=cert_class,
            as_of=as_of,
        )
        if plans is not None:
            plans[key] = plan
    result = evaluate(
        plan,
        deployment,
        inputs=tuple(extra_inputs),
        records=record_sets,
        evidence=plan_evidence,
    )
    previous = load_result(baseline_result) if baseline_result is not None else None
    if previous is not None or poam_history is not None:
        from .risk import detections_of, earliest, load_poam_history, rate

        history: dict[tuple[str, str], str] = {}
        if poam_history is not None:
            history, sha = load_poam_history(poam_history)
            inputs = (*result.inputs, InputFile("poam-history", poam_history, sha))
            result = dataclasses.replace(result, inputs=inputs)
        # Original detection days survive re-runs, so deadlines never restart.
        result = rate(result, earliest(detections_of(previous) if previous else {}, history))
    if waivers is not None:
        from .waivers import apply_waivers, load_waivers

        waiver_file = load_waivers(waivers, limits, catalog=catalog)
        result = apply_waivers(result, waiver_file)
    code = exit_code(result, fail_on)
    if previous is not None and baseline_result is not None:
        from .regressions import gate_on_new

        result, code = gate_on_new(previous, result, fail_on, source=baseline_result)
    return result, code


def render(
    result: Result, fmt: str = "text", *, template: str | None = None, color: bool = False
) -> str:
    """Render a Result in one of the report formats (text, json, markdown, html, sarif, junit,
    oscal, poam)."""
    from .reports import render as _render

    return _render(result, fmt, template=template, color=color)


def load_result(path: str) -> Result:
    """Read a JSON result written by ``fedcheck check --format json``."""
    from .loading import parse_text, read_text

    text, _ = read_text(path)
    data, source = parse_text(text, path, as_json=True)  # depth, duplicates and syntax, located
    if isinstance(data, dict) and data.get("format") == "fedcheck-result":
        from .result_check import check_result

        check_result(data, source)  # a malformed result would render into invalid SARIF/OSCAL
    try:
        return Result.from_dict(data)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise InputError(
            path,
            None,
            None,
            f"not a fedcheck result: {exc}",
            "pass a file written by fedcheck check --format json",
        ) from None


def schema(kind: str) -> dict[str, Any]:
    """The JSON Schema of an input format: deployment, control, profile, waivers, records or
    crm."""
    if kind == "deployment":
        from .deployment import json_schema

        return json_schema()
    if kind == "records":
        from .records import json_schema as records_schema

        return records_schema()
    if kind == "crm":
        from .crm import json_schema as crm_schema

        return crm_schema()
    name = {
        "control": "control.schema.json",
        "profile": "profile.schema.json",
        "waivers": "waivers.schema.json",
    }[kind]
    return json.loads(_catalog._schema_path(name).read_text(encoding="utf-8"))  # type: ignore[no-any-return]


__all__ = [
    "LoadedDeployment",
    "check_file",
    "evaluate",
    "load_catalog",
    "load_catalog_for",
    "load_deployment",
    "load_result",
    "render",
    "schema",
]
