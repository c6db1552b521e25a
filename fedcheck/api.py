"""The library's operations, composed: what the CLI and ``import fedcheck`` users call.

Each function does one user-level step (load, evaluate, render, check a file end to end) by
composing the single-purpose modules; none of them prints.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from datetime import date
from typing import Any

from . import catalog as _catalog
from .errors import InputError
from .evaluation import Tailoring, evaluate, exit_code
from .findings import InputFile, Result, Severity
from .inputs import LoadedDeployment, load_deployment
from .loading import DEFAULT_LIMITS, Limits


def load_catalog(
    extra_dirs: Sequence[str | os.PathLike[str]] = (), *, limits: Limits = DEFAULT_LIMITS
) -> _catalog.Catalog:
    """The bundled FedRAMP catalog plus any directories of custom controls."""
    return _catalog.load_catalog(extra_dirs, limits=limits)


def load_catalog_for(
    extra_dirs: Sequence[str], profile_path: str | None, limits: Limits = DEFAULT_LIMITS
) -> tuple[_catalog.Catalog, Tailoring | None, tuple[InputFile, ...]]:
    """Load the catalog a run needs: bundled, extra directories, and a profile's tailoring."""
    if profile_path is None:
        return load_catalog(extra_dirs, limits=limits), None, ()
    from .profiles import load_profile

    profile = load_profile(profile_path, limits)
    # --controls naming the profile's own directory loads it once, not twice.
    dirs = list({os.path.realpath(d): d for d in (*extra_dirs, *profile.control_dirs)}.values())
    catalog = load_catalog(dirs, limits=limits)
    tailoring = profile.tailoring(catalog)
    return catalog, tailoring, (InputFile("profile", profile_path, profile.sha256),)


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
    as_of: date | None = None,
    edition: str | None = None,
    cert_class: str | None = None,
) -> tuple[Result, int]:
    """Load, evaluate, apply waivers and a previous result: the Result and the gate's exit code."""
    deployment = load_deployment(path, limits)
    if tailoring is not None and tailoring.baseline:
        from .profiles import profile_baseline

        baseline = profile_baseline(tailoring, baseline, deployment)
    if tailoring is not None and tailoring.rules:
        from .profiles import profile_rules

        edition = profile_rules(tailoring, edition)
    result = evaluate(
        deployment,
        catalog,
        baseline=baseline,
        tailoring=tailoring,
        inputs=tuple(extra_inputs),
        as_of=as_of,
        edition=edition,
        cert_class=cert_class,
    )
    if waivers is not None:
        from .waivers import apply_waivers, load_waivers

        waiver_file = load_waivers(waivers, limits, catalog=catalog)
        result = apply_waivers(result, waiver_file)
    code = exit_code(result, fail_on)
    if baseline_result is not None:
        from .regressions import gate_on_new

        previous = load_result(baseline_result)
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
    data, _ = parse_text(text, path, as_json=True)  # depth, duplicates and syntax, located
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
    """The JSON Schema of an input format: deployment, control, profile or waivers."""
    if kind == "deployment":
        from .deployment import json_schema

        return json_schema()
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
