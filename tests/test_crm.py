"""The CRM file format: a pydantic model that generates the committed schema, loaded with the safe
loader, every problem at file:line:column with a fix; `fedcheck schema crm` and `fedcheck
validate` know it; no CRM in the repository pretends to be a real provider's."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import jsonschema
import pytest

from fedcheck import cli
from fedcheck.catalog import load_catalog
from fedcheck.crm import json_schema, load_crm
from fedcheck.errors import InputError
from fedcheck.loading import load_file
from fedcheck.validate import detect_kind

ROOT = Path(__file__).resolve().parents[1]
COMMITTED = ROOT / "schemas" / "crm.schema.json"
EXAMPLE = ROOT / "examples" / "tailoring" / "crm.yaml"
FIX = "run `python -m fedcheck.docgen` and commit schemas/crm.schema.json"
CATALOG = load_catalog()

GOOD = """\
version: 1
provider: Example Cloud
package_id: EX-1
fedramp_authorization: high
date: "2026-11-02"
controls:
  PE-3: {responsibility: provider}
  ac-2.3:
    responsibility: shared
    customer: Disable the system's own inactive accounts.
"""


def write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "crm.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return str(path)


def problems(tmp_path: Path, text: str) -> list[tuple[int | None, int | None, str, str | None]]:
    with pytest.raises(InputError) as info:
        load_crm(write(tmp_path, text), catalog=CATALOG)
    return [(p.line, p.column, p.message, p.fix) for p in info.value.problems]


def test_committed_crm_schema_equals_the_model() -> None:
    text = COMMITTED.read_text(encoding="utf-8")
    assert json.loads(text) == json_schema(), f"the committed schema is stale; {FIX}"
    assert text == json.dumps(json_schema(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def test_schema_command_prints_the_crm_schema(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["schema", "crm"]) == 0
    assert json.loads(capsys.readouterr().out) == json.loads(COMMITTED.read_text("utf-8"))


def test_a_valid_crm_loads_keyed_by_oscal_id(tmp_path) -> None:
    crm = load_crm(write(tmp_path, GOOD), catalog=CATALOG)
    assert set(crm.entries) == {"pe-3", "ac-2.3"}
    assert crm.level == "high" and crm.provider == "Example Cloud"
    assert (crm.entry_location("ac-2.3").line, crm.entry_location("ac-2.3").column) == (8, 3)
    # The committed schema accepts it too, and refuses a shared entry without its customer part.
    schema = json.loads(COMMITTED.read_text("utf-8"))
    data = load_file(write(tmp_path, GOOD)).data
    jsonschema.validate(data, schema)
    del data["controls"]["ac-2.3"]["customer"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, schema)


def test_an_unknown_key_is_an_error_at_its_line_with_a_suggestion(tmp_path) -> None:
    found = problems(tmp_path, GOOD.replace("provider: Ex", "providr: Ex"))
    assert (2, 1, "unknown field 'providr' in top level", "did you mean 'provider'?") in found
    assert (1, 1, "provider is required", "add 'provider'") in found


def test_a_shared_entry_must_name_the_customers_part(tmp_path) -> None:
    text = GOOD.replace("  PE-3: {responsibility: provider}", "  PE-3: {responsibility: shared}")
    ((line, column, message, fix),) = problems(tmp_path, text)
    assert (line, column) == (7, 26)
    assert "a shared control must name the customer's part" in message
    assert fix is not None and fix.startswith("add customer:")


def test_an_unknown_control_id_is_refused_with_the_closest_one(tmp_path) -> None:
    ((line, _, message, fix),) = problems(tmp_path, GOOD.replace("PE-3:", "PE-33:"))
    assert line == 7 and "unknown control 'PE-33'" in message
    ((line, _, message, _),) = problems(tmp_path, GOOD.replace("PE-3:", "physical:"))
    assert line == 7 and "'physical' is no control id" in message


def test_one_control_written_twice_is_refused(tmp_path) -> None:
    text = GOOD + "  AC-2(3): {responsibility: provider}\n"
    ((line, _, message, _),) = problems(tmp_path, text)
    assert line == 11 and "'AC-2(3)' is 'ac-2.3' written again" in message


def test_a_date_that_is_no_calendar_date_is_refused(tmp_path) -> None:
    ((line, _, message, _),) = problems(tmp_path, GOOD.replace("2026-11-02", "2026-13-40"))
    assert line == 5 and "no calendar date" in message


def test_a_level_below_any_authorization_is_refused(tmp_path) -> None:
    ((line, _, message, _),) = problems(
        tmp_path, GOOD.replace("authorization: high", "authorization: none")
    )
    assert line == 4 and "'none' is not one of" in message


def test_validate_tells_a_crm_by_its_keys_and_reports_its_problems(tmp_path, capsys) -> None:
    assert detect_kind(load_file(str(EXAMPLE)).data) == "crm"
    assert cli.main(["validate", str(EXAMPLE)]) == 0
    assert "(crm)" in capsys.readouterr().out
    bad = write(tmp_path, GOOD.replace("PE-3:", "PE-33:"))
    assert cli.main(["validate", bad]) == 2
    assert f"{bad}:7:3: error: controls: unknown control 'PE-33'" in capsys.readouterr().err


def test_no_crm_in_the_repository_pretends_to_be_a_real_providers() -> None:
    found = []
    for path in sorted(ROOT.rglob("*.yaml")):
        if ".git" in path.parts or "tests" in path.parts:
            continue
        try:
            data = load_file(str(path)).data
        except InputError:
            continue  # not a mapping (a list of examples, say): no CRM
        if detect_kind(data) == "crm":
            found.append(path)
            assert "fictional" in data["provider"], path
            assert "example" in data.get("description", "").lower(), path
    assert found == [EXAMPLE]
