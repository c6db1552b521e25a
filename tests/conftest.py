"""Shared test fixtures: where the repository and the reference data are."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
REFERENCE = REPO.parent / "shared" / "reference"
SPEC = REPO.parent / "shared" / "spec" / "deployment-v1.yaml"


@pytest.fixture
def repo() -> Path:
    return REPO


@pytest.fixture
def reference() -> Path:
    if not REFERENCE.is_dir():
        pytest.skip(
            "../shared/reference is absent: the official FedRAMP, OSCAL, SARIF and JUnit "
            "reference files are needed for this test"
        )
    return REFERENCE


@pytest.fixture
def spec_file() -> Path:
    if not SPEC.is_file():
        pytest.skip("../shared/spec/deployment-v1.yaml (the deployment contract) is absent")
    return SPEC
