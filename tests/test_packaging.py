"""A non-editable install carries the catalog and the schemas: fedcheck works from any directory."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(ROOT)],
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        pytest.fail(f"building the wheel failed:\n{proc.stderr[-2000:]}")
    [built] = list(out.glob("fedcheck-*.whl"))
    return built


def test_wheel_carries_catalog_schemas_and_templates(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    controls = [n for n in names if n.startswith("fedcheck/_catalog/") and n.endswith(".yaml")]
    source_controls = list((ROOT / "controls").rglob("*.yaml"))
    assert len(controls) == len(source_controls) > 400
    assert "fedcheck/_schemas/control.schema.json" in names
    assert "fedcheck/py.typed" in names


def test_installed_fedcheck_checks_from_another_directory(wheel: Path, tmp_path: Path) -> None:
    target = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--target",
            str(target),
            str(wheel),
        ],
        check=True,
    )
    workdir = tmp_path / "elsewhere"
    workdir.mkdir()
    example = ROOT / "examples" / "agency-ai-assistant-compliant.yaml"
    env = dict(os.environ, PYTHONPATH=str(target), FEDCHECK_NO_CACHE="1")
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            "import fedcheck, sys; print(fedcheck.__file__); "
            "from fedcheck.cli import main; sys.exit(main(['check', sys.argv[1], '--quiet']))",
            str(example),
        ],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    assert str(target) in proc.stdout  # the installed copy, not the source tree
