"""Account for the whole FedRAMP Rev5 baseline in ``controls/``: create manual controls, check facts.

A maintainer tool, not part of the installed package. Run from the repository root::

    python scripts/sync_catalog.py --reference ../shared/reference          # create missing files
    python scripts/sync_catalog.py --reference ../shared/reference --check  # verify every file

The reference is the directory that holds ``fedramp/fedramp-rev5-baselines.json`` (a list of
the 410 controls of the FedRAMP Rev5 High baseline, derived from GSA's OSCAL baselines; see its
PROVENANCE.md). The reference is read, never copied into the repository.

Create mode
    For every control of the reference whose file ``controls/<family>/<oscal id>.yaml`` does not
    exist yet, write a *manual* control (no ``rules``: the deployment description cannot evidence
    it, so a run reports it as "evidence needed"). An existing file is never touched: it may be an
    automated control somebody wrote by hand. The paths of the created files are printed, one a
    line, so that they can be passed to ``git add``.

    A manual control holds the facts (id, title, family, baselines, FedRAMP parameter values),
    a severity, and a one-sentence summary of the evidence an assessor needs, written here
    rather than taken from NIST's text.

Check mode (``--check``)
    Verify the facts of every control file under ``controls/`` (manual or automated, whoever
    wrote it) against the reference: the id, title, family, baselines and ``fedramp_values``
    must be exactly FedRAMP's, the file must sit at ``controls/<family>/<oscal id>.yaml``, and
    every control of the reference must have a file. Exits 1 listing every mismatch, 0 when
    everything agrees, 2 when the reference cannot be read.

How facts are written
    * ``fedramp_values`` has one entry per parameter that FedRAMP sets in the High profile:
      ``odp`` (the OSCAL parameter id), ``label`` (NIST's label, left out when NIST gives none),
      ``value`` (FedRAMP's High text, verbatim, including any ``{{ insert: param, ... }}`` marker)
      and ``differs_in`` (the Moderate and Low text where it differs from High).
    * The reference also lists the LI-SaaS text; it is left out because fedcheck evaluates the
      low, moderate and high baselines only, and in the reference it always equals the Low text.
    * Two parameters are set by FedRAMP in the Low baseline only (pe-03_odp.07 and sr-01_odp.01).
      They have no High value, and the control schema requires ``value`` to be the High text, so
      they are left out of ``fedramp_values`` (and not expected by ``--check``).

Severity of a manual control
    Severity ranks how much a gap matters (it sets the SARIF level and the POA&M deadline). For a
    control without an automated check the only defensible, data-driven signal is how early
    FedRAMP requires it, so the rule is, by the lowest baseline that includes the control:

    * in the Low baseline -> ``high``: the foundational controls every FedRAMP system needs,
      whatever its impact level; a gap there undermines the rest of the baseline;
    * first in Moderate -> ``moderate``;
    * only in High -> ``moderate``: these are hardening on top of Moderate, but for a High
      system (the only one that must have them) a gap is still a gap in a required control, so it
      is not ranked ``low``.

    No control gets ``critical``: that level is kept for automated findings that show a
    concrete exposure (for instance unencrypted high-impact data).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from fedcheck.catalog import to_display, to_oscal  # noqa: E402
from fedcheck.errors import FedcheckError  # noqa: E402
from fedcheck.loading import load_file  # noqa: E402

REFERENCE_FILE = Path("fedramp") / "fedramp-rev5-baselines.json"
SCHEMA_LINE = "# yaml-language-server: $schema=../../schemas/control.schema.json"
BASELINES = ("low", "moderate", "high")
# The baselines fedcheck evaluates; differs_in keeps only these (see the module docstring).
OTHER_BASELINES = ("moderate", "low")


# --- the reference ---------------------------------------------------------------------------


def read_reference(reference: Path) -> list[dict[str, Any]]:
    path = reference / REFERENCE_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        print(
            f"sync_catalog: cannot read {path}: {exc}\n"
            f"    fix: pass --reference DIR, the directory that holds {REFERENCE_FILE}",
            file=sys.stderr,
        )
        raise SystemExit(2) from None
    controls = data.get("controls") if isinstance(data, dict) else None
    if not isinstance(controls, list) or not controls:
        print(f"sync_catalog: {path} holds no 'controls' list", file=sys.stderr)
        raise SystemExit(2)
    return controls


def expected_values(ref: dict[str, Any]) -> list[dict[str, Any]]:
    """The ``fedramp_values`` entries a control file must carry, in the reference's order."""
    out = []
    for p in ref["fedramp_parameters"]:
        entry: dict[str, Any] = {"odp": p["param_id"]}
        if p.get("label") is not None:
            entry["label"] = p["label"]
        if p.get("constraint") is not None:
            entry["value"] = p["constraint"]
        differs = {
            b: p["differs_in"][b]
            for b in OTHER_BASELINES
            if b in p.get("differs_in", {}) and b in ref["baselines"]
        }
        if differs:
            entry["differs_in"] = differs
        out.append(entry)
    return out


def severity_for(baselines: list[str]) -> str:
    """The documented rule: by the lowest baseline that includes the control."""
    if "low" in baselines:
        return "high"
    return "moderate"


def summary_for(ref: dict[str, Any]) -> str:
    """One neutral sentence of the evidence an assessor needs (our words, not NIST's)."""
    display = ref["display_id"]
    has_values = any(not p.get("not_set_in_high") for p in ref["fedramp_parameters"])
    values = " at the FedRAMP values below" if has_values else ""
    if display.split("-", 1)[1] == "1":
        return (
            f"Evidence needed: the {ref['family_title'].lower()} policy and procedures, "
            f"and records of their review and update{values}."
        )
    if ref.get("parent"):
        return (
            f"Evidence needed: records showing that the {to_display(ref['parent'])} "
            f"enhancement {display} ({ref['title']}) is in place{values}."
        )
    return (
        f"Evidence needed: records showing how the system meets {display} ({ref['title']}){values}."
    )


# --- writing YAML ----------------------------------------------------------------------------

_PLAIN = re.compile(r"^[A-Za-z(][A-Za-z0-9 ,()'./_-]*[A-Za-z0-9)]$")
_RESERVED = {"true", "false", "null", "yes", "no", "on", "off", "y", "n", "~"}


def scalar(text: str) -> str:
    """A YAML scalar for a string: plain when that is unambiguous, double-quoted otherwise."""
    if _PLAIN.match(text) and text.lower() not in _RESERVED and ": " not in text:
        return text
    # A JSON string is a valid YAML double-quoted scalar.
    return json.dumps(text, ensure_ascii=False)


def control_yaml(ref: dict[str, Any]) -> str:
    lines = [
        SCHEMA_LINE,
        f"id: {scalar(ref['display_id'])}",
        f"title: {scalar(ref['title'])}",
        f"family: {ref['family']}",
        f"baselines: [{', '.join(b for b in BASELINES if b in ref['baselines'])}]",
        f"severity: {severity_for(ref['baselines'])}",
        f"summary: {scalar(summary_for(ref))}",
        "references:",
        f"  - {scalar('NIST SP 800-53 Rev5 ' + ref['display_id'])}",
        "  - FedRAMP Rev5 baselines (GSA fedramp-automation, OSCAL profiles)",
    ]
    values = expected_values(ref)
    if values:
        lines.append("fedramp_values:")
        for v in values:
            lines.append(f"  - odp: {scalar(v['odp'])}")
            if "label" in v:
                lines.append(f"    label: {scalar(v['label'])}")
            lines.append(f"    value: {scalar(v['value'])}")
            if "differs_in" in v:
                lines.append("    differs_in:")
                for baseline, text in v["differs_in"].items():
                    lines.append(f"      {baseline}: {scalar(text)}")
    return "\n".join(lines) + "\n"


def control_path(root: Path, ref: dict[str, Any]) -> Path:
    return root / ref["family"].lower() / f"{ref['id']}.yaml"


# --- checking --------------------------------------------------------------------------------


def fact_problems(data: Any, ref: dict[str, Any]) -> list[str]:
    """How the facts of one control file differ from the reference (empty when they agree)."""
    if not isinstance(data, dict):
        return ["not a mapping"]
    problems = []
    if data.get("id") not in (ref["display_id"], ref["id"]):
        problems.append(f"id is {data.get('id')!r}, expected {ref['display_id']!r}")
    if data.get("title") != ref["title"]:
        problems.append(f"title is {data.get('title')!r}, expected {ref['title']!r}")
    if data.get("family") != ref["family"]:
        problems.append(f"family is {data.get('family')!r}, expected {ref['family']!r}")
    baselines = data.get("baselines")
    if not isinstance(baselines, list) or sorted(baselines) != sorted(ref["baselines"]):
        problems.append(f"baselines are {baselines!r}, expected {list(ref['baselines'])!r}")
    problems.extend(value_problems(data.get("fedramp_values", []), ref))
    return problems


def value_problems(values: Any, ref: dict[str, Any]) -> list[str]:
    if not isinstance(values, list):
        return ["fedramp_values is not a list"]
    expected = {v["odp"]: v for v in expected_values(ref)}
    problems = []
    seen = set()
    for entry in values:
        odp = entry.get("odp") if isinstance(entry, dict) else None
        if odp not in expected:
            problems.append(
                f"fedramp_values: {odp!r} is not a parameter FedRAMP sets for {ref['display_id']}"
            )
            continue
        if odp in seen:
            problems.append(f"fedramp_values: {odp} is listed twice")
        seen.add(odp)
        want = expected[odp]
        if entry.get("value") != want.get("value"):
            problems.append(
                f"fedramp_values {odp}: value is {entry.get('value')!r}, "
                f"FedRAMP's High value is {want.get('value')!r}"
            )
        if entry.get("label") != want.get("label"):
            problems.append(
                f"fedramp_values {odp}: label is {entry.get('label')!r}, "
                f"expected {want.get('label')!r}"
            )
        got = entry.get("differs_in") or {}
        ref_param = next(p for p in ref["fedramp_parameters"] if p["param_id"] == odp)
        full = ref_param.get("differs_in", {})
        for baseline in sorted(set(got) | set(want.get("differs_in", {}))):
            if got.get(baseline) != full.get(baseline):
                problems.append(
                    f"fedramp_values {odp}: differs_in.{baseline} is "
                    f"{got.get(baseline)!r}, FedRAMP's is {full.get(baseline)!r}"
                )
    for odp in expected:
        if odp not in seen:
            problems.append(f"fedramp_values: {odp} ({expected[odp]['value']!r}) is missing")
    return problems


def check(root: Path, refs: list[dict[str, Any]]) -> list[str]:
    by_id = {r["id"]: r for r in refs}
    mismatches = []
    found = set()
    for path in sorted(p for p in root.rglob("*") if p.suffix in (".yaml", ".yml")):
        name = path.relative_to(root.parent).as_posix()
        try:
            doc = load_file(str(path))
        except FedcheckError as exc:
            mismatches.append(f"{name}: unreadable: {exc}")
            continue
        data = doc.data if isinstance(doc.data, dict) else {}
        try:
            oscal = to_oscal(str(data.get("id", "")))
        except ValueError:
            mismatches.append(f"{name}: id {data.get('id')!r} is not a control id")
            continue
        ref = by_id.get(oscal)
        if ref is None:
            mismatches.append(f"{name}: {oscal} is not a control of the FedRAMP Rev5 baselines")
            continue
        if oscal in found:
            mismatches.append(f"{name}: {ref['display_id']} has a second file")
        found.add(oscal)
        if path != control_path(root, ref):
            mismatches.append(
                f"{name}: {ref['display_id']} belongs at "
                f"{control_path(root, ref).relative_to(root.parent).as_posix()}"
            )
        mismatches.extend(f"{name}: {p}" for p in fact_problems(data, ref))
    for ref in refs:
        if ref["id"] not in found:
            mismatches.append(
                f"{control_path(root, ref).relative_to(root.parent).as_posix()}: "
                f"missing ({ref['display_id']} {ref['title']}); run without --check"
            )
    return mismatches


def create(root: Path, refs: list[dict[str, Any]]) -> list[Path]:
    created = []
    for ref in refs:
        path = control_path(root, ref)
        if path.exists():
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        text = control_yaml(ref)
        try:
            with open(path, "x", encoding="utf-8", newline="\n") as handle:  # never overwrite
                handle.write(text)
        except FileExistsError:  # written by someone else since the exists() above
            continue
        # Read it back through fedcheck's own loader: what we wrote must mean what we meant.
        problems = fact_problems(load_file(str(path)).data, ref)
        if problems:
            raise SystemExit(f"sync_catalog: {path} does not read back as written: {problems}")
        created.append(path)
    return created


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--reference",
        required=True,
        type=Path,
        help="the shared reference directory (holds fedramp/...)",
    )
    parser.add_argument(
        "--controls",
        type=Path,
        default=REPO / "controls",
        help="the catalog directory (default: controls/ of this repository)",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="verify the facts of every file instead of creating files",
    )
    args = parser.parse_args(argv)
    refs = read_reference(args.reference)
    if args.check:
        mismatches = check(args.controls, refs)
        for line in mismatches:
            print(line)
        print(
            f"sync_catalog: {len(refs)} reference controls, {len(mismatches)} mismatches",
            file=sys.stderr,
        )
        return 1 if mismatches else 0
    created = create(args.controls, refs)
    for path in created:
        print(path.relative_to(REPO).as_posix() if path.is_relative_to(REPO) else path)
    print(
        f"sync_catalog: created {len(created)} manual controls; "
        f"{len(refs) - len(created)} files already existed",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
