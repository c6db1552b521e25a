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

Rule editions (``fedcheck/_editions/cr26.json``)
    Both modes also handle the data of the FedRAMP Consolidated Rules 2026, read from
    ``fedramp-20x/`` of the reference: create mode (re)writes the file (it is generated, never
    edited by hand), check mode reports any drift from what the reference gives. It holds the
    Rev5 Class B/C/D control lists (FRC-CSF-BSL), CR26's ``CTL`` parameter values and guidance
    resolved per class, the VDR timeframes per class, the KSIs with their control lists and the
    map from legacy KSI ids. Control ids are normalised to the OSCAL form (``AC-02 (01)``,
    ``AC-02-01`` and ``ac-2.1`` are one control). Editions data is a single JSON file beside the
    package, not keys in the control files: it is one generated fact set per edition, and the
    control files stay the hand-written source of the Rev5 facts.

    Two readings are conventions of this script, stated here because the reference leaves them:
    a timeframe of N months is N x 30 days (FedRAMP's "monthly" is 30 days in Rev5 RA-5 too),
    and response timeframes are kept in hours (Class D's N5 internet-reachable one is 12 hours).
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
CR26_FILE = Path("fedramp-20x") / "fedramp-consolidated-rules.json"
FRMR_FILE = Path("fedramp-20x") / "FRMR.documentation.json"
EDITION_PATH = REPO / "fedcheck" / "_editions" / "cr26.json"
# KSIs of the 20x Phase 2 rules (FRMR 0.9.43-beta) that CR26 merged into one of its own. The
# rules file records no crosswalk, so this is read off the texts: KSI-CED-RAT's statement names
# general, role-specific, development and response training (the four CED KSIs it replaces);
# KSI-IAM-APM holds all eight controls of KSI-IAM-MFA and its phishing-resistant MFA; KSI-SVC-SIN
# holds all ten of KSI-SVC-SNT. --check verifies that every source and target exists.
KSI_MERGES = {
    "KSI-CED-DET": "KSI-CED-RAT",
    "KSI-CED-RGT": "KSI-CED-RAT",
    "KSI-CED-RRT": "KSI-CED-RAT",
    "KSI-CED-RST": "KSI-CED-RAT",
    "KSI-IAM-MFA": "KSI-IAM-APM",
    "KSI-SVC-SNT": "KSI-SVC-SIN",
}
HOURS = {"hours": 1, "days": 24, "months": 30 * 24}
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


# --- rule editions ---------------------------------------------------------------------------


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        print(
            f"sync_catalog: cannot read {path}: {exc}\n"
            "    fix: pass --reference DIR, the directory that holds fedramp-20x/",
            file=sys.stderr,
        )
        raise SystemExit(2) from None


def _ordered(ids: Any) -> list[str]:
    from fedcheck.catalog import sort_key
    from fedcheck.editions import normalize_control_id

    return sorted({normalize_control_id(i) for i in ids}, key=sort_key)


def _days(entry: dict[str, Any]) -> int:
    hours = entry["timeframe_num"] * HOURS[entry["timeframe_type"]]
    if hours % 24:
        raise SystemExit(f"sync_catalog: a detection timeframe of {entry} is not whole days")
    return int(hours // 24)


def _frr(rules: dict[str, Any], family: str, rule_id: str) -> dict[str, Any]:
    for subsets in rules["FRR"][family]["data"].values():
        for subset in subsets.values():
            if rule_id in subset:
                found: dict[str, Any] = subset[rule_id]
                return found
    raise SystemExit(f"sync_catalog: {rule_id} is not in the rules file")


def _vdr(rules: dict[str, Any], cert_class: str) -> dict[str, Any]:
    def cadence(rule_id: str) -> dict[str, Any]:
        r = _frr(rules, "VDR", rule_id)
        v = r["varies_by_class"][cert_class]
        return {"rule": rule_id, "name": r["name"], "force": v["force"], "days": _days(v)}

    pvr = _frr(rules, "VDR", "VDR-TFR-PVR")["varies_by_class"][cert_class]
    response = {
        f"n{rating}": {
            kind: int(t["timeframe_num"] * HOURS[t["timeframe_type"]]) for kind, t in row.items()
        }
        for rating, row in sorted(pvr["pain_timeframes"].items())
        if row
    }
    kev = _frr(rules, "VDR", "VDR-TFR-KEV")
    return {
        "drift_detection": cadence("VDR-TFR-PDD"),
        "complete_detection": cadence("VDR-TFR-PCD"),
        "sample_detection": cadence("VDR-TFR-PSD"),
        "machine_validation": cadence("VDR-TFR-MVF"),
        "response": {"rule": "VDR-TFR-PVR", "force": pvr["force"], "hours": response},
        "kev": {"rule": "VDR-TFR-KEV", "force": kev["force"], "reference": kev["reference"]},
    }


def _ctl(rules: dict[str, Any], cert_class: str, members: set[str]) -> tuple[dict[str, Any], ...]:
    from fedcheck.editions import normalize_control_id

    parameters: dict[str, Any] = {}
    guidance: dict[str, Any] = {}
    for family in rules["CTL"].values():
        for key, entry in family.items():
            oscal = normalize_control_id(key)
            if oscal not in members:
                continue
            own = entry.get("varies_by_class", {}).get(cert_class, {})
            params = own.get("parameters", entry.get("parameters"))
            notes = own.get("guidance", entry.get("guidance"))
            if params:
                parameters[oscal] = [
                    {"parameterId": p["parameterId"], "value": p["value"]} for p in params
                ]
            if notes:
                guidance[oscal] = list(notes)
    return dict(sorted(parameters.items())), dict(sorted(guidance.items()))


def _ksi(rules: dict[str, Any], frmr: dict[str, Any]) -> dict[str, Any]:
    mfr = _frr(rules, "FRC", "FRC-CLA-MFR")
    class_a = sorted(r for r in mfr["related"] if r.startswith("KSI-"))
    indicators = []
    for family in rules["KSI"].values():
        for ksi_id, k in family["indicators"].items():
            by_class = k.get("varies_by_class", {})
            statement = k.get("statement") or by_class.get("c", {}).get("statement", "")
            optional = sorted(
                c for c, v in by_class.items() if v.get("statement", "").startswith("**Optional:**")
            )
            classes = ["b", "c"] if ksi_id not in class_a else ["a", "b", "c"]
            indicators.append(
                {
                    "id": ksi_id,
                    "name": k["name"],
                    "family": family["id"],
                    "family_name": family["name"],
                    "statement": statement,
                    "controls": _ordered(k.get("controls", [])),
                    "classes": classes,
                    "optional_in": optional,
                }
            )
    indicators.sort(key=lambda i: i["id"])
    current = {i["id"] for i in indicators}
    legacy: dict[str, str] = {}
    withdrawn: dict[str, str] = {}
    for family in frmr["KSI"].values():
        for old_id, k in family["indicators"].items():
            target = old_id if old_id in current else KSI_MERGES.get(old_id)
            names = [old_id] + ([k["fka"]] if k.get("fka") else [])
            for name in names:
                if target is not None:
                    if name != target:
                        legacy[name] = target
                else:
                    withdrawn[name] = (
                        f"{old_id} {k['name']} became part of the FedRAMP rules (FRR), not a KSI"
                    )
    for source, target in KSI_MERGES.items():
        if target not in current or source not in legacy:
            raise SystemExit(f"sync_catalog: KSI merge {source} -> {target} names an unknown KSI")
    return {
        "class_a": class_a,
        "indicators": indicators,
        "legacy": dict(sorted(legacy.items())),
        "withdrawn": dict(sorted(withdrawn.items())),
    }


def edition_data(reference: Path) -> dict[str, Any]:
    """The CR26 edition data, derived from the reference (see the module docstring)."""
    rules = _read_json(reference / CR26_FILE)
    frmr = _read_json(reference / FRMR_FILE)
    baselines = _read_json(reference / REFERENCE_FILE)
    bsl = _frr(rules, "FRC", "FRC-CSF-BSL")["varies_by_class"]
    classes = {}
    for cert_class in ("b", "c", "d"):
        members = _ordered(i for ids in bsl[cert_class]["rev5_controls_list"].values() for i in ids)
        parameters, guidance = _ctl(rules, cert_class, set(members))
        classes[cert_class] = {
            "controls": members,
            "parameters": parameters,
            "guidance": guidance,
        }
    return {
        "generated_by": "scripts/sync_catalog.py from ../shared/reference/fedramp-20x",
        "title": rules["info"]["title"],
        "version": rules["info"]["version"],
        "last_updated": rules["info"]["last_updated"],
        "rev5_version": baselines["_meta"]["fedramp_version"],
        "effective": {
            "rev5": rules["FRR"]["FRC"]["info"]["rev5"]["effective"]["date"]["maintain"],
            "vdr": rules["FRR"]["VDR"]["info"]["effective"]["date"]["obtain"],
        },
        "classes": classes,
        "vdr": {c: _vdr(rules, c) for c in ("b", "c", "d")},
        "ksi": _ksi(rules, frmr),
        "mas": {
            r: _frr(rules, "MAS", r)["name"] for r in ("MAS-CSO-IIR", "MAS-CSO-FLO", "MAS-CSO-TPR")
        },
    }


def edition_text(reference: Path) -> str:
    return json.dumps(edition_data(reference), indent=1, ensure_ascii=False, sort_keys=False) + "\n"


def check_edition(reference: Path, path: Path = EDITION_PATH) -> list[str]:
    """How the committed edition data differs from what the reference gives (empty: none)."""
    want = edition_text(reference)
    try:
        have = path.read_text(encoding="utf-8")
    except OSError:
        return [f"{path.name}: missing; run scripts/sync_catalog.py without --check"]
    if have == want:
        return []
    return [f"{path.name}: differs from the reference; run scripts/sync_catalog.py without --check"]


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
        mismatches = check(args.controls, refs) + check_edition(args.reference)
        for line in mismatches:
            print(line)
        print(
            f"sync_catalog: {len(refs)} reference controls, {len(mismatches)} mismatches",
            file=sys.stderr,
        )
        return 1 if mismatches else 0
    created = create(args.controls, refs)
    EDITION_PATH.parent.mkdir(exist_ok=True)
    EDITION_PATH.write_text(edition_text(args.reference), encoding="utf-8", newline="\n")
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
