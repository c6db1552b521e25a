"""Properties of evaluation over generated deployments (hypothesis).

Deployments come from ``tests/strategies.py``, which derives them from the pydantic models. Each
is written to YAML text with ``yaml.safe_dump`` and read back through ``fedcheck.inputs`` exactly
as a user's file is, so positions, limits and the loader's refusals are part of what is tested.

The ``ci`` settings profile keeps the module fast; ``FEDCHECK_HYPOTHESIS_PROFILE=thorough`` runs
many more examples by hand. The profile is applied to the tests of this module only, so other
modules keep their own settings.
"""

from __future__ import annotations

import functools
import json
import os
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from strategies import ORDERED_FIELDS, deployments, locate, other_values, replaced

from fedcheck.catalog import Catalog, load_catalog
from fedcheck.crm import Crm, parse_crm
from fedcheck.evaluation import evaluate
from fedcheck.findings import Result, Status
from fedcheck.inputs import LoadedDeployment, parse_deployment

settings.register_profile(
    "ci", max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "thorough", max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
PROFILE = os.environ.get("FEDCHECK_HYPOTHESIS_PROFILE", "ci")
SETTINGS = settings(settings.get_profile(PROFILE))
#: For the properties that render every report format: fewer examples, each is costlier.
FEW = settings(SETTINGS, max_examples=max(5, SETTINGS.max_examples // 5))

GENERATED_AT = "2026-01-01T00:00:00Z"
REFERENCE = Path(__file__).resolve().parents[2] / "shared" / "reference"


@functools.lru_cache(maxsize=1)
def catalog() -> Catalog:
    return load_catalog()


def load(data: dict[str, Any], file: str = "generated.yaml") -> tuple[str, LoadedDeployment]:
    # allow_unicode stays off: with it PyYAML writes U+0085 raw inside quotes, where every YAML
    # reader (PyYAML too) folds it into a space; escaped, it round-trips.
    text = yaml.safe_dump(data, sort_keys=False)
    return text, parse_deployment(text, file)


def run(deployment: LoadedDeployment) -> Result:
    return evaluate(deployment, catalog(), generated_at=GENERATED_AT, crms=backing(deployment))


def backing(deployment: LoadedDeployment) -> list[Crm]:
    """A CRM for each claimed provider that puts every control on the provider, so that the
    claims count (a claim without one is an input error)."""
    return [parse_crm(text, file, as_json=True) for file, text in crm_texts(deployment)]


def crm_texts(deployment: LoadedDeployment) -> list[tuple[str, str]]:
    """The (file name, JSON text) of each CRM that :func:`backing` gives."""
    out = []
    for i, claim in enumerate(deployment.model.inherited_controls):
        data = {
            "version": 1,
            "provider": claim.provider,
            "package_id": claim.package_id or f"GENERATED-{i}",
            "fedramp_authorization": claim.fedramp_authorization,
            "date": "2026-01-01",
            "controls": {c.id: {"responsibility": "provider"} for c in catalog()},
        }
        out.append((f"crm-{i}.json", json.dumps(data)))
    return out


def verdicts(result: Result) -> set[tuple[str, str, str]]:
    return {(f.control_id, f.target, f.status.value) for f in result.findings}


def failing(result: Result) -> set[tuple[str, str]]:
    return {
        (f.control_id, f.target) for f in result.findings if f.status in (Status.FAIL, Status.ERROR)
    }


# --- evaluation ----------------------------------------------------------------------------


@SETTINGS
@given(deployments())
def test_evaluation_never_raises_and_is_deterministic(data: dict[str, Any]) -> None:
    text, loaded = load(data)
    first = run(loaded)
    again = run(parse_deployment(text, "generated.yaml"))
    assert first.to_dict() == again.to_dict()
    errors = [f for f in first.findings if f.status is Status.ERROR]
    assert errors == [], errors[0].message if errors else ""
    assert first.findings  # every control of the baseline gives at least one finding


@SETTINGS
@given(deployments(), st.randoms(use_true_random=False))
def test_findings_do_not_depend_on_the_order_of_items(data: dict[str, Any], rng: Any) -> None:
    shuffled = dict(data)
    for section in ("components", "external_services", "data_flows", "inherited_controls"):
        if data.get(section):
            items = list(data[section])
            rng.shuffle(items)
            shuffled[section] = items
    _, original = load(data)
    _, reordered = load(shuffled)
    assert verdicts(run(original)) == verdicts(run(reordered))


# --- monotonicity --------------------------------------------------------------------------


@st.composite
def one_change(draw: st.DrawFn, direction: str) -> tuple[dict[str, Any], dict[str, Any], str]:
    """A deployment, the same with one ordered value moved ``direction``, and what moved."""
    data = draw(deployments())
    stated = [
        (field, index, value) for field in ORDERED_FIELDS for index, value in locate(data, field)
    ]
    assume(stated)
    field, index, value = draw(st.sampled_from(stated))
    options = other_values(field, value, direction)
    if isinstance(options, list):
        assume(options)
        new = draw(st.sampled_from(options))
    else:
        new = draw(options)
    what = f"{field.section}[{index}].{'.'.join(field.path)}: {value!r} -> {new!r} ({direction})"
    return data, replaced(data, field, index, new), what


@SETTINGS
@given(one_change("weaker"))
def test_weakening_one_value_never_removes_a_failure(change: Any) -> None:
    before, after, what = change
    lost = failing(run(load(before)[1])) - failing(run(load(after)[1]))
    assert not lost, f"{what} made these stop failing: {sorted(lost)}"


@SETTINGS
@given(one_change("stronger"))
def test_strengthening_one_value_never_adds_a_failure(change: Any) -> None:
    before, after, what = change
    added = failing(run(load(after)[1])) - failing(run(load(before)[1]))
    assert not added, f"{what} made these fail: {sorted(added)}"


# --- positions and round trips -------------------------------------------------------------


@SETTINGS
@given(deployments())
def test_every_location_points_at_a_line_of_the_input(data: dict[str, Any]) -> None:
    # A location names its file: the deployment's, or the CRM that backs a claim of inheritance
    # (a provider-inherited finding points at the CRM's authorization level). Each is checked
    # against the text of the file it names; a location in any other file is wrong.
    text, loaded = load(data)
    texts = {loaded.file: text, **dict(crm_texts(loaded))}
    result = run(loaded)
    locations = [f.location for f in result.findings] + [
        e.location for f in result.findings for e in f.evidence
    ]
    for location in locations:
        if location is not None and location.line is not None:
            assert location.file in texts, location
            lines = texts[location.file].splitlines()
            assert 1 <= location.line <= len(lines), (location, len(lines))
            if location.column is not None:
                assert 1 <= location.column <= len(lines[location.line - 1]) + 1, location


@SETTINGS
@given(deployments())
def test_load_dump_load_is_stable(data: dict[str, Any]) -> None:
    _, loaded = load(data)
    assert loaded.data == data
    _, again = load(loaded.data)
    assert again.data == loaded.data
    assert again.model == loaded.model


# --- waivers -------------------------------------------------------------------------------


@FEW
@given(deployments(), st.data())
def test_a_waiver_changes_only_the_findings_it_matches(data: dict[str, Any], draw: Any) -> None:
    waivers = pytest.importorskip("fedcheck.waivers")
    from fedcheck.findings import Waiver

    result = run(load(data)[1])
    ids = sorted({f.control_id for f in result.findings})
    targets = sorted({f.target for f in result.findings}) + ["*", "no-such-target"]
    waiver = Waiver(
        control=draw.draw(st.sampled_from(ids)),
        target=draw.draw(st.sampled_from(targets)),
        justification="accepted",
        approved_by="AO",
        approved_on="2025-12-01",
        expires="2026-02-01",
    )
    today = draw.draw(st.sampled_from([date(2026, 1, 15), date(2026, 3, 1)]))
    file = waivers.WaiverFile("waivers.yaml", "0" * 64, (waiver,))
    waived = waivers.apply_waivers(result, file, today=today)
    assert len(waived.findings) == len(result.findings)
    for old, new in zip(result.findings, waived.findings, strict=True):
        matches = old.control_id == waiver.control and waiver.target in ("*", old.target)
        if old.status is not new.status:
            assert matches and old.status is Status.FAIL and new.status is Status.WAIVED
            assert today <= date(2026, 2, 1)  # an expired waiver changes nothing
        elif not matches:
            assert old == new


# --- reports -------------------------------------------------------------------------------


@functools.cache
def _json_validator(name: str) -> Any:
    import jsonschema
    import regex

    path = REFERENCE / name
    if not path.is_file():
        pytest.skip(f"../shared/reference/{name} is absent: the official schema is needed")
    schema = json.loads(path.read_text(encoding="utf-8"))
    base = jsonschema.validators.validator_for(schema)

    def pattern(validator: Any, value: str, instance: Any, schema: Any) -> Any:
        # OSCAL patterns use \p{L} and friends, which only the regex module understands.
        if isinstance(instance, str) and not regex.search(value, instance):
            yield jsonschema.ValidationError(f"{instance!r} does not match {value!r}")

    return jsonschema.validators.extend(base, {"pattern": pattern})(schema)


@functools.lru_cache(maxsize=1)
def _junit_schema() -> Any:
    import xmlschema

    xsd = REFERENCE / "junit" / "junit-10.xsd"
    if not xsd.is_file():
        pytest.skip("../shared/reference/junit/junit-10.xsd is absent")
    return xmlschema.XMLSchema(str(xsd))


def _check_format(fmt: str, text: str) -> None:
    if fmt == "sarif":
        _json_validator("sarif/sarif-schema-2.1.0.json").validate(json.loads(text))
    elif fmt == "oscal":
        _json_validator("oscal/oscal_assessment-results_schema.json").validate(json.loads(text))
    elif fmt == "poam":
        _json_validator("oscal/oscal_poam_schema.json").validate(json.loads(text))
    elif fmt == "junit":
        _junit_schema().validate(text)
    elif fmt == "json":
        Result.from_dict(json.loads(text))
    elif fmt == "html":
        from html.parser import HTMLParser

        HTMLParser().feed(text)
        assert text.lstrip().lower().startswith("<!doctype html")


@FEW
@given(deployments())
def test_every_report_format_stays_valid_for_any_result(data: dict[str, Any]) -> None:
    reports = pytest.importorskip("fedcheck.reports")
    from fedcheck.cli import REPORT_FORMATS

    result = run(load(data)[1])
    invalid: dict[str, str] = {}
    for fmt in REPORT_FORMATS:
        if fmt == "poam" and not any(
            f.status.value in ("fail", "error", "waived") for f in result.findings
        ):
            # A POA&M needs at least one item; with none, rendering one is refused with a reason.
            from fedcheck.errors import UsageError

            with pytest.raises(UsageError):
                reports.render(result, fmt)
            continue
        text = reports.render(result, fmt)
        try:
            _check_format(fmt, text)
        except Exception as exc:  # noqa: BLE001 - every invalid format is reported at once
            invalid[fmt] = f"{type(exc).__name__}: {str(exc).splitlines()[0]}"
    known = {fmt: why for fmt, why in invalid.items() if KNOWN_REPORT_BUGS.get(fmt, "?") in why}
    assert invalid == known, invalid
    if known:
        pytest.xfail(f"known report bugs, reported to the lead: {known}")


#: Report bugs this property found, by format: a fragment of the validation error. Remove an entry
#: when the bug is fixed; an entry that no longer matches lets the property fail again.
KNOWN_REPORT_BUGS: dict[str, str] = {}
