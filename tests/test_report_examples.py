"""Reports of the bundled examples: golden files for the attestation report, and byte-identical
output in every format for two runs with the same inputs and SOURCE_DATE_EPOCH.

Set FEDCHECK_UPDATE_GOLDEN=1 to rewrite the golden files, then review the diff: a change to a
control's wording or to the catalog shows up here on purpose.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from fedcheck.cli import REPORT_FORMATS, main

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "tests" / "golden" / "examples"
EXAMPLES = ["agency-ai-assistant", "agency-ai-assistant-compliant"]
UPDATE = os.environ.get("FEDCHECK_UPDATE_GOLDEN") == "1"
EPOCH = "1767225600"  # 2026-01-01T00:00:00Z: timestamps only
AS_OF = "2026-12-01"  # the evaluation date the compliant example's records are current on


def run_all_formats(example: str, out: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, bytes]:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    monkeypatch.chdir(ROOT)  # paths in reports are as the user typed them
    out.mkdir(parents=True, exist_ok=True)
    args = ["check", f"examples/{example}.yaml", "--quiet", "--as-of", AS_OF]
    compliant = example.endswith("compliant")
    # A compliant run has no POA&M item, and an empty POA&M is refused (see test_cli_check).
    formats = [f for f in REPORT_FORMATS if not (compliant and f == "poam")]
    for fmt in formats:
        args += ["--format", fmt, "--output", str(out / f"report.{fmt}")]
    code = main(args)
    assert code == (0 if compliant else 1)
    return {fmt: (out / f"report.{fmt}").read_bytes() for fmt in formats}


@pytest.mark.parametrize("example", EXAMPLES)
def test_two_runs_give_byte_identical_reports(
    example: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = run_all_formats(example, tmp_path / "a", monkeypatch)
    second = run_all_formats(example, tmp_path / "b", monkeypatch)
    for fmt in first:
        assert first[fmt] == second[fmt], f"{fmt} differs between two identical runs"
        assert first[fmt], f"{fmt} is empty"


@pytest.mark.parametrize("example", EXAMPLES)
@pytest.mark.parametrize("fmt, suffix", [("markdown", "md"), ("html", "html")])
def test_attestation_report_matches_its_golden_file(
    example: str, fmt: str, suffix: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rendered = run_all_formats(example, tmp_path, monkeypatch)[fmt]
    golden = GOLDEN / f"{example}.{suffix}"
    if UPDATE:
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_bytes(rendered)
    assert golden.is_file(), f"{golden} is missing: run with FEDCHECK_UPDATE_GOLDEN=1"
    assert rendered == golden.read_bytes(), (
        f"{golden.name} changed: rerun with FEDCHECK_UPDATE_GOLDEN=1 and review the diff"
    )
