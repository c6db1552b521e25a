"""The catalog accounts for exactly the FedRAMP Rev5 baselines, with FedRAMP's own facts.

Checked against the shared reference data (``../shared/reference`` next to the repository):
both the derived ``fedramp-rev5-baselines.json`` and the official OSCAL profiles. Without the
reference these tests are skipped, since there is nothing authoritative to compare with.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from fedcheck import cli
from fedcheck.api import load_catalog
from fedcheck.catalog import Catalog

REFERENCE = Path(__file__).resolve().parent.parent.parent / "shared" / "reference" / "fedramp"
BASELINES = ("low", "moderate", "high")
# Published sizes of the FedRAMP Rev5 baselines (see the reference's PROVENANCE.md).
OFFICIAL_SIZES = {"low": 156, "moderate": 323, "high": 410}


def _read(name: str) -> Any:
    path = REFERENCE / name
    if not path.is_file():
        pytest.skip(
            f"reference data {name} is absent (expected beside the repository at "
            "../shared/reference/fedramp); membership cannot be checked without it"
        )
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def reference() -> dict[str, dict[str, Any]]:
    return {c["id"]: c for c in _read("fedramp-rev5-baselines.json")["controls"]}


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


def _profile_ids(baseline: str) -> set[str]:
    profile = _read(f"FedRAMP_rev5_{baseline.upper()}-baseline_profile.json")["profile"]
    return {
        control_id
        for imported in profile["imports"]
        for include in imported.get("include-controls", [])
        for control_id in include["with-ids"]
    }


def _ids_in(catalog: Catalog, baseline: str) -> set[str]:
    return {c.oscal_id for c in catalog.in_baseline(baseline)}


@pytest.mark.parametrize("baseline", BASELINES)
def test_baseline_membership_equals_the_derived_reference(
    catalog: Catalog, reference: dict[str, dict[str, Any]], baseline: str
) -> None:
    expected = {cid for cid, c in reference.items() if baseline in c["baselines"]}
    got = _ids_in(catalog, baseline)
    assert sorted(got - expected) == [], f"in the catalog's {baseline} baseline but not FedRAMP's"
    assert sorted(expected - got) == [], f"in FedRAMP's {baseline} baseline but not the catalog's"
    assert len(got) == OFFICIAL_SIZES[baseline]


@pytest.mark.parametrize("baseline", BASELINES)
def test_baseline_membership_equals_the_official_oscal_profile(
    catalog: Catalog, baseline: str
) -> None:
    expected = _profile_ids(baseline)
    got = _ids_in(catalog, baseline)
    assert sorted(got - expected) == [], f"not in the FedRAMP {baseline} OSCAL profile"
    assert sorted(expected - got) == [], f"in the FedRAMP {baseline} OSCAL profile, not the catalog"


def test_catalog_holds_no_control_outside_the_baselines(
    catalog: Catalog, reference: dict[str, dict[str, Any]]
) -> None:
    assert sorted(set(catalog.controls) - set(reference)) == []


def test_titles_families_and_display_ids_equal_the_reference(
    catalog: Catalog, reference: dict[str, dict[str, Any]]
) -> None:
    wrong = [
        (cid, (c.id, c.title, c.family), (ref["display_id"], ref["title"], ref["family"]))
        for cid, ref in reference.items()
        if (c := catalog.controls.get(cid)) is not None
        and (c.id, c.title, c.family) != (ref["display_id"], ref["title"], ref["family"])
    ]
    assert wrong == []


def _expected_values(ref: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """FedRAMP's High-set parameters of a control, by odp id."""
    return {p["param_id"]: p for p in ref["fedramp_parameters"]}


def test_every_fedramp_value_equals_the_reference(
    catalog: Catalog, reference: dict[str, dict[str, Any]]
) -> None:
    wrong = []
    for control in catalog:
        expected = _expected_values(reference[control.oscal_id])
        for entry in control.fedramp_values:
            ref = expected.get(entry["odp"])
            if ref is None:
                wrong.append(f"{control.id}: {entry['odp']} is not set by FedRAMP")
                continue
            if entry.get("value") != ref["constraint"]:
                wrong.append(
                    f"{control.id}: {entry['odp']} value {entry.get('value')!r} != "
                    f"{ref['constraint']!r}"
                )
            if entry.get("label") != ref.get("label"):
                wrong.append(
                    f"{control.id}: {entry['odp']} label {entry.get('label')!r} != "
                    f"{ref.get('label')!r}"
                )
            for baseline, text in (entry.get("differs_in") or {}).items():
                if text != ref.get("differs_in", {}).get(baseline):
                    wrong.append(f"{control.id}: {entry['odp']} differs_in.{baseline} {text!r}")
    assert wrong == []


def test_every_fedramp_set_parameter_is_recorded(
    catalog: Catalog, reference: dict[str, dict[str, Any]]
) -> None:
    missing = []
    for control in catalog:
        ref = reference[control.oscal_id]
        recorded = {e["odp"]: e for e in control.fedramp_values}
        for odp, param in _expected_values(ref).items():
            if odp not in recorded:
                missing.append(f"{control.id}: {odp}")
                continue
            # A baseline where FedRAMP's value differs from High must say so.
            for baseline in ("moderate", "low"):
                text = param.get("differs_in", {}).get(baseline)
                if text is not None and baseline in ref["baselines"]:
                    if (recorded[odp].get("differs_in") or {}).get(baseline) != text:
                        missing.append(f"{control.id}: {odp} differs_in.{baseline}")
    assert missing == []


def test_count_per_family_equals_the_reference(
    catalog: Catalog, reference: dict[str, dict[str, Any]]
) -> None:
    for baseline in BASELINES:
        expected = Counter(c["family"] for c in reference.values() if baseline in c["baselines"])
        got = Counter(c.family for c in catalog.in_baseline(baseline))
        assert got == expected, baseline
    high = Counter(c.family for c in catalog.in_baseline("high"))
    assert len(high) == 18
    assert high["AC"] == 50 and high["AT"] == 6


def test_controls_list_json_lists_the_whole_high_baseline(
    capsys: pytest.CaptureFixture[str], reference: dict[str, dict[str, Any]]
) -> None:
    code = cli.main(["controls", "list", "--baseline", "high", "--format", "json"])
    out = capsys.readouterr().out
    assert code == 0
    rows = json.loads(out)
    assert len(rows) == 410
    for row in rows:
        assert {"id", "title", "family", "baselines", "automated"} <= set(row)
        assert isinstance(row["automated"], bool)
    by_display = {r["display_id"]: r for r in reference.values()}
    assert sorted(r["id"] for r in rows) == sorted(by_display)
    for row in rows:
        ref = by_display[row["id"]]
        assert (row["title"], row["family"]) == (ref["title"], ref["family"])
        assert sorted(row["baselines"]) == sorted(ref["baselines"])
    # The whole baseline is accounted for, either automated or as evidence needed.
    assert any(r["automated"] for r in rows) and any(not r["automated"] for r in rows)
