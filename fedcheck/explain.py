"""Explain one control or KSI: ``fedcheck explain CONTROL|KSI``.

Everything a user needs to act on a finding, from the control's own file: what it checks, why,
FedRAMP's values, the parameters by baseline (with where a number comes from), the deployment
fields it reads, how to fix it, and its passing and failing examples as YAML. A KSI id, CR26's
or a legacy one (``KSI-IAM-01``, ``KSI-IAM-MFA``), explains the CR26 KSI it maps to: its
statement, classes and related controls, and whether fedcheck checks each.
"""

from __future__ import annotations

import difflib
import textwrap
from typing import Any

import yaml

from .catalog import BASELINES, Catalog, Control, generic_prose, to_display, to_oscal
from .errors import UsageError


def explain(catalog: Catalog, wanted: str) -> dict[str, Any]:
    """The explanation of a control (AC-2(3), ac-2.3, AC-02 (03)) or of a KSI in any spelling
    FedRAMP has published, as plain data; a UsageError with a fix for anything else."""
    if wanted.strip().upper().startswith("KSI-"):
        return describe_ksi(catalog, wanted)
    return describe(find_control(catalog, wanted))


def describe_ksi(catalog: Catalog, wanted: str) -> dict[str, Any]:
    """A CR26 KSI, named by its id or a legacy one, as plain data."""
    from .editions import cr26_data, ksi_index, resolve_ksi_id

    ksi_id = resolve_ksi_id(wanted)
    ksi = ksi_index()[ksi_id]
    legacy = sorted(old for old, new in cr26_data()["ksi"]["legacy"].items() if new == ksi_id)
    controls = []
    for oscal in ksi["controls"]:
        try:
            control: Control | None = catalog.get(oscal)
        except (KeyError, ValueError):
            control = None
        controls.append(
            {
                "id": control.id if control else to_display(oscal),
                "title": control.title if control else "",
                "in_catalog": control is not None,
                "automated": bool(control and control.is_automated),
            }
        )
    return {
        "kind": "ksi",
        "id": ksi_id,
        "given": wanted.strip(),
        "name": ksi["name"],
        "family": ksi["family"],
        "family_name": ksi["family_name"],
        "statement": ksi["statement"],
        "classes": [c.upper() for c in ksi["classes"]],
        "optional_in": [c.upper() for c in ksi["optional_in"]],
        "legacy_ids": legacy,
        "controls": controls,
    }


def find_control(catalog: Catalog, control_id: str) -> Control:
    """The control named ``control_id`` (AC-2(3), ac-2.3, or CR26's AC-02 (03)), or a
    UsageError with suggestions."""
    from .editions import normalize_control_id

    for spelling in (control_id, None):
        try:
            return catalog.get(control_id if spelling else normalize_control_id(control_id))
        except (KeyError, ValueError):
            pass
    known = [c.id for c in catalog]
    wanted = control_id.strip().upper()
    try:
        wanted = to_display(control_id)
    except ValueError:
        pass
    close = difflib.get_close_matches(wanted, known, n=3, cutoff=0.6)
    if not close:
        # A misremembered enhancement (AC-2(30)) is closest to its base control and siblings.
        base = wanted.split("(")[0]
        close = [k for k in known if k == base or k.startswith(base + "(")][:3]
    hint = (
        f"did you mean {' or '.join(close)}?"
        if close
        else "run 'fedcheck controls list' to see the ids"
    )
    raise UsageError(
        f"no control {control_id!r} in the catalog; {hint}",
        "write the id as NIST does, e.g. AC-2(3), or in OSCAL form, e.g. ac-2.3",
    )


def describe(control: Control) -> dict[str, Any]:
    """The explanation of a control as plain data (the ``--format json`` output)."""
    parameters = []
    for name, p in control.parameters.items():
        baselines = [b for b in BASELINES if b in control.baselines] or list(BASELINES)
        parameters.append(
            {
                "name": name,
                "description": p.description,
                "odp": p.odp,
                "values": {b: p.value_for(b) for b in baselines},
                "stricter": p.stricter,
                "source": p.source,
            }
        )
    examples: dict[str, list[dict[str, Any]]] = {}
    for kind in ("pass", "fail"):
        examples[kind] = [
            {
                "name": e.get("name", ""),
                "deployment": e.get("deployment", {}),
                **({"finding": e["finding"]} if "finding" in e else {}),
                **({"baseline": e["baseline"]} if "baseline" in e else {}),
            }
            for e in control.examples.get(kind, [])
        ]
    return {
        "id": control.id,
        "oscal_id": control.oscal_id,
        "title": control.title,
        "family": control.family,
        "baselines": list(control.baselines),
        "severity": control.severity.value,
        "automated": control.is_automated,
        "summary": generic_prose(control, control.summary).strip(),
        "rationale": control.rationale.strip(),
        "fedramp_values": [dict(v) for v in control.fedramp_values],
        "parameters": parameters,
        "reads": [{"target": t, "field": f} for t, f in control.reads()],
        "remediation": generic_prose(control, control.remediation).strip(),
        "references": list(control.references),
        "examples": examples,
        "file": _shown_file(control),
    }


def _shown_file(control: Control) -> str:
    """The control's file, relative to the catalog (bundled) or to the working directory."""
    import os

    from .catalog import bundled_catalog_dir

    if not control.file:
        return ""
    if control.bundled:
        try:
            rel = os.path.relpath(control.file, bundled_catalog_dir())
            return "controls/" + rel.replace(os.sep, "/")
        except ValueError:
            return control.file
    try:
        rel = os.path.relpath(control.file)
    except ValueError:
        return control.file
    return control.file if rel.startswith("..") else rel.replace(os.sep, "/")


def _para(text: str, indent: str = "  ") -> str:
    lines = []
    for paragraph in text.strip().split("\n\n"):
        lines.append(
            textwrap.fill(
                " ".join(paragraph.split()),
                width=96,
                initial_indent=indent,
                subsequent_indent=indent,
            )
        )
    return "\n\n".join(lines)


def _yaml(data: Any, indent: str = "    ") -> str:
    text = yaml.safe_dump(
        data, sort_keys=False, default_flow_style=False, allow_unicode=True, width=96
    )
    return textwrap.indent(text.rstrip("\n"), indent)


def _render_ksi(d: dict[str, Any]) -> str:
    out = [f"{d['id']}  {d['name']}"]
    if d["given"].upper() != d["id"]:
        out.append(f"  (given as {d['given']}, an id of the earlier 20x rules)")
    optional = f"; optional in Class {', '.join(d['optional_in'])}" if d["optional_in"] else ""
    out.append(f"  {d['family_name']} ({d['family']}); Classes {', '.join(d['classes'])}{optional}")
    out += ["", "What it asks:", _para(d["statement"])]
    out += ["", "Related controls (fedcheck's verdicts on them roll up to this KSI):"]
    for c in d["controls"]:
        how = (
            "automated"
            if c["automated"]
            else "manual (evidence is needed)"
            if c["in_catalog"]
            else "not in the catalog"
        )
        title = f"  {c['title']}" if c["title"] else ""
        out.append(f"  {c['id']}{title}: {how}")
    if d["legacy_ids"]:
        out += ["", f"Earlier ids: {', '.join(d['legacy_ids'])}"]
    out += [
        "",
        "A description can show a KSI at most Partially Implemented: it is verified against",
        "what the description states, not validated on the running system.",
        "Roll a deployment's verdicts up to it: fedcheck ksi DEPLOYMENT --class a|b|c",
    ]
    return "\n".join(out) + "\n"


def render_text(d: dict[str, Any]) -> str:
    """The explanation as text for a terminal."""
    if d.get("kind") == "ksi":
        return _render_ksi(d)
    out: list[str] = []
    kind = "automated" if d["automated"] else "manual (evidence is needed)"
    out.append(f"{d['id']}  {d['title']}")
    out.append(
        f"  family {d['family']}; baselines {', '.join(d['baselines']) or 'none'}; "
        f"severity {d['severity']}; {kind}"
    )
    if d["summary"]:
        out += ["", "What it checks:", _para(d["summary"])]
    if d["rationale"]:
        out += ["", "Why it matters:", _para(d["rationale"])]
    if d["fedramp_values"]:
        out += ["", "FedRAMP values:"]
        for v in d["fedramp_values"]:
            label = f" ({v['label']})" if v.get("label") else ""
            out.append(f"  {v['odp']}{label}: {v.get('value') or 'not set for High'}")
            for baseline, value in sorted((v.get("differs_in") or {}).items()):
                out.append(f"    {baseline}: {value}")
    if d["parameters"]:
        out += ["", "Parameters (a profile may tighten them):"]
        for p in d["parameters"]:
            values = ", ".join(f"{b} {_show(v)}" for b, v in p["values"].items())
            odp = f", ODP {p['odp']}" if p["odp"] else ""
            out.append(f"  ${p['name']}: {values} (stricter: {p['stricter']}{odp})")
            if p["description"]:
                out.append(f"    {p['description']}")
            if p["source"]:
                out.append(f"    source: {p['source']}")
    out += ["", "Fields it reads:"]
    if d["reads"]:
        out += [f"  {r['target']}: {r['field']}" for r in d["reads"]]
    else:
        out.append(
            "  none: fedcheck cannot check this control from a deployment description;\n"
            "  it is listed as manual evidence to collect"
        )
    if d["remediation"]:
        out += ["", "How to fix it:", _para(d["remediation"])]
    if d["references"]:
        out += ["", "References:"] + [f"  {r}" for r in d["references"]]
    for kind, label in (("pass", "Passes"), ("fail", "Fails")):
        for e in d["examples"][kind]:
            where = ""
            if kind == "fail" and e.get("finding"):
                f = e["finding"]
                where = f" (finding on {f.get('target', '?')}"
                where += f" at {f['path']})" if f.get("path") else ")"
            out += [
                "",
                f"Example that {label.lower()[:-1]}s: {e['name']}{where}",
                _yaml(e["deployment"]),
            ]
    if d["file"]:
        out += ["", f"Defined in {d['file']}"]
    return "\n".join(out) + "\n"


def _show(value: Any) -> str:
    if isinstance(value, str):
        return f'"{value}"' if value.replace(".", "").isdigit() else value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(_show(v) for v in value) + "]"
    return str(value)


__all__ = ["describe", "describe_ksi", "explain", "find_control", "render_text", "to_oscal"]
