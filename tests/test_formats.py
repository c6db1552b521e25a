"""Every input file format is one pydantic model: the schema comes from it, loaders return it.

The committed schemas are checked against the models in test_schemas_committed.py; this file
pins what the one validation stack (fedcheck.formats) promises beyond that.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from fedcheck import formats
from fedcheck.catalog import load_control_file
from fedcheck.errors import InputErrors
from fedcheck.formats.control import ControlFile
from fedcheck.formats.profile import ProfileFile
from fedcheck.loading import load_file
from fedcheck.profiles import load_profile
from fedcheck.records import load_records
from fedcheck.waivers import load_waivers

ROOT = Path(__file__).resolve().parents[1]
CONTROLS = sorted(p for p in (ROOT / "controls").rglob("*.yaml") if not p.name.startswith("_"))
AC_11 = ROOT / "controls" / "ac" / "ac-11.yaml"

WAIVER = """\
waivers:
  - control: AC-11
    target: web
    justification: the vendor ships a fix next month
    approved_by: Jane Roe
    approved_on: "2026-11-01"
    expires: "2026-12-15"
"""


def _problems(load: object, path: Path) -> list[tuple[int | None, int | None, str, str | None]]:
    with pytest.raises(InputErrors) as caught:
        load(str(path))  # type: ignore[operator]
    return [(p.line, p.column, p.message, p.fix) for p in caught.value.problems]


def test_every_bundled_control_reads_into_its_model_without_loss() -> None:
    # The model holds every key a control file states, with its value and type (15 stays 15).
    assert len(CONTROLS) > 300
    for path in CONTROLS:
        data = load_file(str(path)).data
        model = ControlFile.model_validate(data)
        assert model.model_dump(by_alias=True, exclude_unset=True) == data, path


def test_a_control_is_built_from_its_model() -> None:
    control = load_control_file(str(AC_11))
    assert control.parameters["max_idle_minutes"].values == {"*": 15}
    assert control.rules[0]["target"] == "component"
    assert control.examples["pass"] and control.examples["fail"]


def test_null_for_an_optional_key_is_refused_at_its_line(tmp_path: Path) -> None:
    # pydantic reads null as "not given"; a file that writes it has said nothing, so the
    # generated schema refuses it, as the hand-written schema did.
    control = tmp_path / "ac-11.yaml"
    text = AC_11.read_text(encoding="utf-8")
    control.write_text(text.replace("summary: Every", "summary: null\n# was: Every", 1))
    found = _problems(load_control_file, control)
    assert found[0] == (
        7,
        10,
        "summary: None is not of type 'string'",
        "write a value of type string",
    )
    profile = tmp_path / "profile.yaml"
    profile.write_text("baseline: high\nname: null\n", encoding="utf-8")
    assert _problems(load_profile, profile) == [
        (2, 7, "name: None is not of type 'string'", "write a value of type string")
    ]
    waivers = tmp_path / "waivers.yaml"
    waivers.write_text(WAIVER + "    poam_id: null\n", encoding="utf-8")
    assert _problems(load_waivers, waivers) == [
        (8, 14, "waivers.0.poam_id: None is not of type 'string'", "write a value of type string")
    ]


def test_a_parameter_name_outside_its_pattern_is_refused(tmp_path: Path) -> None:
    # A mapping's keys are held to their pattern (propertyNames), not only those that match.
    control = tmp_path / "ac-11.yaml"
    text = AC_11.read_text(encoding="utf-8")
    control.write_text(text.replace("  max_idle_minutes:\n", "  Max-Idle:\n", 1), encoding="utf-8")
    found = _problems(load_control_file, control)
    assert any("'Max-Idle' does not match" in message for _, _, message, _ in found), found
    profile = tmp_path / "profile.yaml"
    profile.write_text("baseline: high\nparameters:\n  AC-11:\n    Max: 10\n", encoding="utf-8")
    (problem,) = _problems(load_profile, profile)
    assert problem[:2] == (4, 5) and "'Max' does not match" in problem[2]


def test_a_profile_is_handed_on_as_its_model(tmp_path: Path) -> None:
    profile = tmp_path / "profile.yaml"
    profile.write_text(
        "baseline: moderate\nadd: [AC-2(5)]\nparameters:\n  AC-11:\n    max_idle_minutes: 10\n",
        encoding="utf-8",
    )
    loaded = load_profile(str(profile))
    assert isinstance(loaded.model, ProfileFile)
    assert loaded.model.add == ["AC-2(5)"]
    assert loaded.model.parameters == {"AC-11": {"max_idle_minutes": 10}}
    assert isinstance(loaded.model.parameters["AC-11"]["max_idle_minutes"], int)


def test_an_unknown_key_in_a_records_file_lists_the_records_fields(tmp_path: Path) -> None:
    # It listed the deployment's fields (components, data_flows, ...), which a records file
    # cannot have.
    records = tmp_path / "records.yaml"
    records.write_text("version: 1\nzzz: 1\nrecords: []\n", encoding="utf-8")
    assert _problems(load_records, records) == [
        (
            2,
            1,
            "unknown field 'zzz' in top level",
            "known fields here: version, system, records",
        )
    ]


@pytest.mark.parametrize("kind", sorted(formats.FORMATS))
def test_each_format_names_its_model_and_schema(kind: str) -> None:
    model = formats.model(kind)
    schema = formats.json_schema(kind)
    assert schema["$id"].startswith("https://fedcheck.dev/schemas/")
    assert schema["title"] == model.model_config.get("title")


def test_import_fedcheck_builds_no_format_model() -> None:
    # The speed of `import fedcheck` is measured; the models are built when a file is loaded.
    code = (
        "import sys, fedcheck, fedcheck.catalog, fedcheck.profiles, fedcheck.waivers\n"
        "assert not any(m.startswith('fedcheck.formats.') for m in sys.modules), sorted(sys.modules)\n"
        "from fedcheck.formats.control import ControlFile\n"
        "assert not ControlFile.__pydantic_complete__\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


@pytest.mark.parametrize(
    "edit",
    [
        {"severity": "severe"},
        {"parameters": {"max_idle_minutes": {"value": {"medium": 15}, "stricter": "lower"}}},
        {"rules": [{"target": "component", "checks": [{"assert": {"al": []}}]}]},
        {"rules": [{"target": "flow", "checks": [{"assert": {"not": {"any": [{}]}}}]}]},
        {"records": [{"obligation": "Policy", "kinds": ["memo"], "what": "", "every_days": 0}]},
        {"fedramp_values": [{"odp": "ac-11_odp.02", "label": None}]},
        {"examples": {"pass": [{"name": "x", "deployment": [], "finding": {"path": "a"}}]}},
    ],
    ids=lambda edit: next(iter(edit)),
)
def test_the_fast_validator_finds_what_the_schema_finds(edit: dict[str, object]) -> None:
    # schema_validator inlines the schema's definitions for speed; it must judge as the
    # committed schema does, error for error.
    import jsonschema

    data = {**load_file(str(AC_11)).data, **edit}
    plain = jsonschema.Draft202012Validator(formats.json_schema("control"))
    fast = formats.schema_validator("control")

    def errors(validator: jsonschema.protocols.Validator) -> set[tuple[str, str]]:
        return {(e.json_path, e.message) for e in validator.iter_errors(data)}

    assert errors(plain), "the edit must be invalid"
    assert errors(fast) == errors(plain)
