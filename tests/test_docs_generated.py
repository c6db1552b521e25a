"""The generated documentation and schema are committed up to date (python -m fedcheck.docgen)."""

from __future__ import annotations

from pathlib import Path

import pytest

from fedcheck import docgen
from fedcheck.api import load_catalog

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def generated() -> dict[str, str]:
    return docgen.generate()


def test_committed_docs_are_not_stale(generated: dict[str, str]) -> None:
    stale = docgen.stale_files(ROOT, generated)
    assert stale == [], (
        f"stale generated files: {', '.join(stale)}; run `python -m fedcheck.docgen` "
        "and commit the result"
    )


def test_generation_is_deterministic(generated: dict[str, str]) -> None:
    assert docgen.generate() == generated


def test_every_family_and_every_control_has_a_page(generated: dict[str, str]) -> None:
    catalog = load_catalog()
    for control in catalog:
        page = generated[f"docs/controls/{control.family.lower()}.md"]
        assert f'<a id="{control.oscal_id}"></a>' in page
        assert f"## {control.id}: {control.title}" in page
        assert (
            "**Checked:** automated" if control.is_automated else "**Checked:** manual"
        ) in page.split(f"## {control.id}: ")[1]


def test_automated_controls_show_their_examples_and_expected_findings(
    generated: dict[str, str],
) -> None:
    for control in load_catalog():
        if not control.is_automated:
            continue
        page = generated[f"docs/controls/{control.family.lower()}.md"]
        section = page.split(f'<a id="{control.oscal_id}"></a>')[1].split('<a id="')[0]
        for example in control.examples.get("pass", []):
            assert f"**Passes: `{example['name']}`**" in section
        for example in control.examples.get("fail", []):
            assert f"**Fails: `{example['name']}`**" in section
            if example.get("finding"):
                assert f"on `{example['finding']['target']}`" in section


def test_check_mode_names_stale_files_and_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert docgen.main(["--root", str(tmp_path)]) == 0
    assert docgen.main(["--check", "--root", str(tmp_path)]) == 0
    page = tmp_path / "docs" / "coverage.md"
    page.write_text(page.read_text(encoding="utf-8") + "edited by hand\n", encoding="utf-8")
    (tmp_path / "docs" / "controls" / "zz.md").write_text("orphan\n", encoding="utf-8")
    capsys.readouterr()
    assert docgen.main(["--check", "--root", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "docs/coverage.md: stale" in err
    assert "docs/controls/zz.md: stale" in err
    assert "python -m fedcheck.docgen" in err


def test_table_cells_escape_pipes() -> None:
    assert docgen.cell("low | moderate\nhigh") == "low \\| moderate high"


def test_fields_read_inside_quantifiers_are_shown_on_the_list_items_and_extensions_marked() -> None:
    from fedcheck.catalog import control_from_data

    control = control_from_data(
        {
            "id": "AU-4",
            "title": "Audit Log Storage Capacity",
            "family": "AU",
            "baselines": ["high"],
            "severity": "moderate",
            "rules": [
                {
                    "target": "system",
                    "checks": [
                        {
                            "assert": {
                                "every": {
                                    "in": "components",
                                    "where": {"field": "type", "equals": "logging"},
                                    "assert": {
                                        "field": "logging.storage_capacity_alerts",
                                        "is": True,
                                    },
                                }
                            }
                        }
                    ],
                }
            ],
        },
        "au-4.yaml",
        None,
    )
    assert docgen.field_reads(control) == [
        ("system", "components", False),
        ("system", "components[].type", False),
        ("system", "components[].logging.storage_capacity_alerts", True),
    ]
